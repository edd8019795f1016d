"""Interface languages: choosing the locale, names stored per language, times shown in Almaty."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

#: Shown in the switcher in this order, each in its own language.
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def select_locale() -> str:
    """The user's saved language, else the session's, else the browser's, else Russian."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]  # CLI and jobs pass a language explicitly
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return browser_language() or current_app.config["BABEL_DEFAULT_LOCALE"]


def browser_language() -> str | None:
    """The interface language the request's browser asks for (Accept-Language), if it asks for one we have."""
    return request.accept_languages.best_match(current_app.config["LANGUAGES"])


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else "ru"


class NamedMixin:
    """A name in Kazakh, Russian and English; `.name` picks the one for the current language."""

    name_kk: Mapped[str] = mapped_column(String(255))
    name_ru: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))

    @property
    def name(self) -> str:
        return localized(self, "name")

    def __str__(self) -> str:
        return self.name


def localized(obj, field: str, language: str | None = None) -> str:
    """`obj.<field>_<lang>` for the current language, falling back to Russian, then any non-empty one."""
    language = language or current_language()
    for lang in (language, "ru", "kk", "en"):
        value = getattr(obj, f"{field}_{lang}", None)
        if value:
            return value
    return ""


def local_time(value: datetime | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    """A UTC timestamp as wall-clock time in the display zone (Asia/Almaty by default)."""
    if value is None:
        return ""
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return value.astimezone(zone).strftime(fmt)
