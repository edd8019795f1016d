"""citizens: a B-tree index on lower(full_name) for names that start with what is searched, so a common surname
is known to pass the appeals list's count cap without the trigram index gathering every name that contains it

Revision ID: 0037
Revises: 0036
Create Date: 2026-11-30 17:30:00

PostgreSQL only (text_pattern_ops, so LIKE 'x%' uses it whatever the collation); SQLite keeps LIKE over the table.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

# A frozen copy of reception/appeals/name_search.py's DDL as of this revision.
PG_PREFIX_INDEX = "ix_citizens_full_name_prefix"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX IF NOT EXISTS {PG_PREFIX_INDEX} ON citizens (lower(full_name) text_pattern_ops)")
    op.execute("ANALYZE citizens")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_PREFIX_INDEX}")
