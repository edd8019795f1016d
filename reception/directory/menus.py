"""The directory's menus (regions, districts, topics, government bodies, branches), built once per language and
directory version, not on every page that shows a form.

The version lives in Redis, so every web host sees a change at once: any commit that changed a row of the
tables the menus show sets a new one (`_bump`), and each host builds its menus again under the new version.
Within a request the version is read once. Without Redis the menus are built every time, as before.
"""

import logging
import uuid
from collections.abc import Callable

from flask import current_app, g, has_app_context
from markupsafe import Markup
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session
from wtforms.fields import SelectField
from wtforms.fields.choices import Choice
from wtforms.validators import ValidationError
from wtforms.widgets import Select, html_params

from ..i18n import current_language
from ..jobs.queues import get_redis
from .models import Branch, District, GovernmentBody, Region, Topic

logger = logging.getLogger(__name__)

VERSION_KEY = "directory:menus:version"
#: The tables whose rows the menus show: a change to any of them makes new menus.
MENU_TABLES = frozenset(model.__tablename__ for model in (Region, District, Topic, GovernmentBody, Branch))
_CHANGED = "reception.directory_menus_changed"
#: (version, application, language, menu) -> the menu's choices; only the current version's are kept. The
#: application is one database (tests run one on PostgreSQL and one on SQLite in one process).
_built: dict[tuple[str, int, str, str], list] = {}
#: The same key -> each option's HTML, unselected and selected (and the <optgroup> tags between them).
_rendered: dict[tuple[str, int, str, str], list[tuple[str | None, Markup, Markup]]] = {}
#: The same key -> the menu's values, as its field coerces them (a posted value is checked in one look-up).
_values: dict[tuple[str, int, str, str], frozenset] = {}


class Menu(list):
    """A menu's choices, with the key its rendered options are kept under."""

    key: tuple[str, int, str, str] | None = None


def current_version() -> str | None:
    """The menus' version, read once per request (a new one set if Redis has none, e.g. after a restart)."""
    if "menus_version" not in g:
        try:
            redis = get_redis()
            version = redis.get(VERSION_KEY)
            if version is None:
                redis.set(VERSION_KEY, uuid.uuid4().hex, nx=True)
                version = redis.get(VERSION_KEY)
            g.menus_version = version.decode() if version is not None else None
        except RedisError as exc:
            logger.warning("directory menus built uncached: %s", exc)
            g.menus_version = None
    return g.menus_version


def menu(name: str, build: Callable[[], list]) -> list:
    """The menu `name` in the current language, built by `build` unless this version's is at hand."""
    version = current_version()
    if version is None:
        return build()
    key = (version, id(current_app._get_current_object()), current_language(), name)
    choices = _built.get(key)
    if choices is None:
        choices = build()
        for cache in (_built, _rendered, _values):
            for old in [k for k in cache if k[0] != version]:
                cache.pop(old, None)
        _built[key] = choices
    own = Menu(choices)  # a form may change its own list, never the shared one
    own.key = key
    return own


class MenuSelect(Select):
    """A select whose options come from `menu()`: rendered once per menu, language and version (the hundreds of
    districts took most of the intake page's time), then only the chosen option differs."""

    def __call__(self, field, **kwargs):
        key = getattr(field.choices, "key", None)
        if key is None or self.multiple:
            return super().__call__(field, **kwargs)
        options = _rendered.get(key)
        if options is None:
            options = _rendered[key] = _render_options(field.choices)
        kwargs.setdefault("id", field.id)
        for flag in self.validation_attrs:
            if getattr(field.flags, flag, False) and flag not in kwargs:
                kwargs[flag] = True
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for value, plain, chosen in options:
            html.append(chosen if value is not None and field.coerce(value) == field.data else plain)
        html.append("</select>")
        return Markup("".join(html))


class MenuSelectField(SelectField):
    """A select over one of these menus: rendered by MenuSelect, and a posted value checked against the set of the
    menu's values, where SelectField builds a Choice for each of the hundreds of options on every POST."""

    widget = MenuSelect()

    def pre_validate(self, form):
        key = getattr(self.choices, "key", None)
        if key is None or self.process_errors or not self.validate_choice:
            return super().pre_validate(form)
        values = _values.get(key)
        if values is None:
            values = _values[key] = frozenset(self.coerce(choice.value) for choice in self.choices)
        if self.data not in values:
            raise ValidationError(self.invalid_choice_message or self.gettext("Not a valid choice."))


def _render_options(choices: list) -> list[tuple[str | None, Markup, Markup]]:
    """Each option as Select renders it, unselected and selected, with the <optgroup> tags around groups."""
    parts: list[tuple[str | None, Markup, Markup]] = []
    group = None
    for choice in choices:
        optgroup = choice.optgroup
        if optgroup != group:
            if group is not None:
                parts.append((None, Markup("</optgroup>"), Markup("</optgroup>")))
            if optgroup is not None:
                tag = Markup(f"<optgroup {html_params(label=optgroup)}>")
                parts.append((None, tag, tag))
            group = optgroup
        value, label, render_kw = choice.value, choice.label, choice.render_kw
        parts.append(
            (
                value,
                Select.render_option(Choice(value, label, False, render_kw)),
                Select.render_option(Choice(value, label, True, render_kw)),
            )
        )
    if group is not None:
        parts.append((None, Markup("</optgroup>"), Markup("</optgroup>")))
    return parts


def _touches_menus(session: Session) -> bool:
    return any(
        getattr(obj, "__tablename__", None) in MENU_TABLES for obj in (*session.new, *session.dirty, *session.deleted)
    )


@event.listens_for(Session, "before_flush")
def _note_changed_rows(session: Session, flush_context, instances) -> None:
    if _touches_menus(session):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in MENU_TABLES:
            state.session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _bump(session: Session) -> None:
    if session.info.pop(_CHANGED, False) and has_app_context():
        try:
            get_redis().set(VERSION_KEY, uuid.uuid4().hex)
        except RedisError as exc:
            logger.error("the directory changed but its menus' version could not be set: %s", exc)
        g.pop("menus_version", None)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_CHANGED, None)
