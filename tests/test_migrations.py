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


def test_decided_dt_is_filled_from_the_events(migrated_app):
    """0031 fills appeals.decided_dt from the events: the first decision since the last reopening, as
    transition() keeps it; an appeal reopened and not decided since, or never decided, gets none."""
    from datetime import UTC, datetime

    from factories import make_appeal, make_deputy
    from flask_migrate import downgrade

    from reception.appeals import operations as ops
    from reception.appeals.models import Appeal, AppealEvent, AppealState
    from reception.directory.loader import load_directory

    S = AppealState
    load_directory()
    deputy = make_deputy("Депутат Миграции")

    def move(appeal, *states):
        for n, state in enumerate(states):
            event = ops.transition(appeal, state, user=None, comment="Основание")
            event.created_dt = datetime(2026, 3, 1 + n, 9, tzinfo=UTC)  # apart, as days apart

    decided, reopened, decided_again, undecided = (make_appeal(deputy=deputy, commit=False) for _ in range(4))
    move(decided, S.in_progress, S.resolved, S.closed)
    move(reopened, S.in_progress, S.resolved, S.closed, S.reopened)
    move(decided_again, S.in_progress, S.rejected, S.closed, S.reopened, S.in_progress, S.resolved)
    move(undecided, S.in_progress)
    db.session.commit()
    ids = [a.id for a in (decided, reopened, decided_again, undecided)]
    assert db.session.query(AppealEvent).count() >= 14
    db.session.remove()

    downgrade(revision="0030")
    upgrade()
    found = dict(db.session.execute(db.select(Appeal.id, Appeal.decided_dt).where(Appeal.id.in_(ids))).all())
    assert [found[i] for i in ids] == [
        datetime(2026, 3, 2, 9, tzinfo=UTC),
        None,
        datetime(2026, 3, 6, 9, tzinfo=UTC),
        None,
    ]


def test_second_factor_secrets_are_sealed_by_the_upgrade_and_opened_by_the_downgrade(migrated_app):
    """0032 seals the secrets stored plain before it; its downgrade gives them back plain."""
    from factories import make_account
    from flask_migrate import downgrade

    from reception.accounts.models import Role, User

    user = make_account(Role.admin, "two-factor@test.kz")
    user.totp_secret = "JBSWY3DPEHPK3PXP"
    db.session.commit()
    db.session.remove()
    downgrade(revision="0031")
    raw = "SELECT totp_secret FROM users WHERE email = 'two-factor@test.kz'"
    assert db.session.scalar(text(raw)) == "JBSWY3DPEHPK3PXP"
    db.session.remove()
    upgrade()
    stored = db.session.scalar(text(raw))
    assert stored.startswith("gAAAAA") and "JBSWY3DPEHPK3PXP" not in stored
    assert db.session.scalar(db.select(User.totp_secret).where(User.email == "two-factor@test.kz")) == (
        "JBSWY3DPEHPK3PXP"
    )
