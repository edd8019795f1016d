"""Settings and the application factory."""

import pytest

from config import Config, parse_bool, parse_json
from reception import create_app


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1", True),
        ("true", True),
        ("On", True),
        ("yes", True),
        ("0", False),
        ("false", False),
        ("FALSE", False),
        ("no", False),
        ("", False),
    ],
)
def test_booleans_are_parsed_explicitly(text, expected):
    assert parse_bool(text) is expected


def test_unknown_boolean_is_an_error_not_true():
    with pytest.raises(ValueError):
        parse_bool("maybe")


def test_missing_boolean_takes_the_default():
    assert parse_bool(None, True) is True
    assert parse_bool(None) is False


def test_factory_takes_a_config_subclass(app):
    assert app.config["TESTING"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert "directory" in app.blueprints and "auth" in app.blueprints


def test_production_refuses_development_secrets():
    class Production(Config):
        ENV_NAME = "production"
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Production)


def test_production_requires_sealing_keys():
    class Production(Config):
        ENV_NAME = "production"
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        SECRET_KEY = "s" * 32
        PIN_HMAC_KEY = "p" * 32

    with pytest.raises(RuntimeError, match="SEALING_KEYS"):
        create_app(Production)


def test_secure_cookie_follows_the_setting(monkeypatch):
    import importlib

    import config

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    assert importlib.reload(config).Config.SESSION_COOKIE_SECURE is True
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "false")
    assert importlib.reload(config).Config.SESSION_COOKIE_SECURE is False
    monkeypatch.delenv("SESSION_COOKIE_SECURE")
    importlib.reload(config)


def test_structured_settings_come_as_json_or_take_the_default():
    assert parse_json(None, {"ru": "AMANAT"}) == {"ru": "AMANAT"}
    assert parse_json('{"kk": "Құрылтай", "ru": "Курултай"}', {}) == {"kk": "Құрылтай", "ru": "Курултай"}
    # The letter's wording per kind of representative body, with the law named, for both languages.
    for kind in ("parliament_chamber", "maslikhat"):
        assert Config.INQUIRY_LEGAL_BASIS[kind]["ru"] and Config.INQUIRY_LEGAL_BASIS[kind]["kk"]
        assert Config.INQUIRY_ANNOUNCED_AT[kind]["ru"] and Config.INQUIRY_ANNOUNCED_AT[kind]["kk"]
