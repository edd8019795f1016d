"""citizens: a trigram index on lower(full_name) (pg_trgm), so staff search by a piece of a name uses an index

Revision ID: 0033
Revises: 0032
Create Date: 2026-11-30 14:00:00

PostgreSQL only: CREATE EXTENSION pg_trgm needs a superuser, or (PostgreSQL 13+, pg_trgm being trusted) CREATE
on the database. SQLite keeps searching names with LIKE over the table.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

# A frozen copy of reception/appeals/name_search.py's DDL as of this revision.
PG_INDEX = "ix_citizens_full_name_trgm"


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # The operator class is named with the schema that holds pg_trgm, which need not be on the search path.
    schema = bind.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
    ).scalar_one()
    op.execute(f'CREATE INDEX IF NOT EXISTS {PG_INDEX} ON citizens USING gin (lower(full_name) "{schema}".gin_trgm_ops)')
    op.execute("ANALYZE citizens")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        # The extension stays: other objects may use it, and dropping it is the database owner's call.
        op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
