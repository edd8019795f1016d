"""What the benches that build their own PostgreSQL schema share: the app on that schema (rate limits and CSRF off,
a trivial `/bench/ping` endpoint as the ceiling), and a fresh schema migrated with the directory loaded."""

import os

from sqlalchemy import create_engine, text


def url_with_schema(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def make_app(base_url: str, schema: str):
    from config import Config
    from reception import create_app
    from reception.accounts.access import public

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url_with_schema(base_url, schema)
        REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
        RATELIMIT_ENABLED = False
        WTF_CSRF_ENABLED = False

    app = create_app(BenchConfig)

    @public
    def ping():
        return "ok"

    app.add_url_rule("/bench/ping", "bench_ping", ping)
    return app


def fresh_schema(base_url: str, schema: str):
    """`schema` dropped and made again, migrated, with the directory loaded; returns the app on it."""
    from flask_migrate import upgrade

    from reception.directory.loader import load_directory
    from reception.extensions import db

    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    app = make_app(base_url, schema)
    with app.app_context():
        upgrade()
        load_directory()
        db.session.commit()
    return app
