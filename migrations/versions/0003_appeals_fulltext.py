"""appeals: full-text search (PostgreSQL GIN index, SQLite FTS5 table)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 21:50:00

"""
from alembic import op

# Frozen copies of reception/appeals/fulltext.py's DDL as of this revision.
FTS_PREFIX = 'appeals_fts'
PG_INDEX = 'ix_appeals_fulltext'
PG_DDL = ["CREATE INDEX IF NOT EXISTS ix_appeals_fulltext ON appeals USING gin (to_tsvector('simple', coalesce(summary, '') || ' ' || coalesce(text, '')))"]
SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS appeals_fts USING fts5(summary, text, content='appeals', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    'CREATE TRIGGER IF NOT EXISTS appeals_fts_ai AFTER INSERT ON appeals BEGIN\n        INSERT INTO appeals_fts(rowid, summary, text) VALUES (new.id, new.summary, new.text); END',
    "CREATE TRIGGER IF NOT EXISTS appeals_fts_ad AFTER DELETE ON appeals BEGIN\n        INSERT INTO appeals_fts(appeals_fts, rowid, summary, text) VALUES ('delete', old.id, old.summary, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS appeals_fts_au AFTER UPDATE OF summary, text ON appeals BEGIN\n        INSERT INTO appeals_fts(appeals_fts, rowid, summary, text) VALUES ('delete', old.id, old.summary, old.text);\n        INSERT INTO appeals_fts(rowid, summary, text) VALUES (new.id, new.summary, new.text); END",
]

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_DDL:
            op.execute(statement)
    else:
        for statement in SQLITE_DDL:
            op.execute(statement)
        # Index what is already there.
        op.execute(f"INSERT INTO {FTS_PREFIX}({FTS_PREFIX}) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
    else:
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {FTS_PREFIX}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {FTS_PREFIX}")
