"""The schema comes from migrations: they upgrade an empty database and match the models exactly."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError
from support import make_config

from reception import create_app
from reception.appeals.fulltext import include_object
from reception.extensions import db


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """An empty database of the backend under test: a new SQLite file, or a new PostgreSQL schema."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        conn.execute(text("CREATE SCHEMA migration_check"))
    sep = "&" if "?" in database_url else "?"
    yield f"{database_url}{sep}options=-csearch_path%3Dmigration_check"
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
    engine.dispose()


@pytest.fixture
def migrated_app(empty_database_url, redis_url):
    app = create_app(make_config(empty_database_url, redis_url))
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_upgrade_from_empty_creates_every_table(migrated_app):
    tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_migrations_match_the_models(migrated_app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True, "include_object": include_object}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_audit_log_refuses_update_delete_and_truncate_in_the_database(migrated_app):
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (created_dt, action, details) VALUES (CURRENT_TIMESTAMP, 'x', '{}')"))
    statements = ["UPDATE audit_log SET action = 'y'", "DELETE FROM audit_log"]
    if db.engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_log")  # SQLite has no TRUNCATE (its DELETE is refused above)
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT action FROM audit_log")).scalars().all() == ["x"]


def test_full_text_search_objects_exist(migrated_app):
    from reception.appeals.fulltext import FTS_PREFIX, PG_INDEX

    inspector = inspect(db.engine)
    if db.engine.dialect.name == "postgresql":
        assert PG_INDEX in {ix["name"] for ix in inspector.get_indexes("appeals")}
    else:
        assert FTS_PREFIX in inspector.get_table_names()
        with db.engine.connect() as conn:
            triggers = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        # Later migrations that rebuild `appeals` must keep the triggers that feed the index.
        assert {f"{FTS_PREFIX}_ai", f"{FTS_PREFIX}_ad", f"{FTS_PREFIX}_au"} <= triggers
