"""ix_appeals_deputy_state_deadline: the deputy queue's counts from an index (INCLUDE branch_id, id on PostgreSQL)

Revision ID: 0035
Revises: 0034
Create Date: 2026-11-30 14:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # A covering index: the queue's grouped counts (state, deadline, branch) never visit the table.
        op.create_index(
            "ix_appeals_deputy_state_deadline",
            "appeals",
            ["deputy_id", "state", "deadline"],
            postgresql_include=["branch_id", "id"],
        )
    else:
        op.create_index("ix_appeals_deputy_state_deadline", "appeals", ["deputy_id", "state", "deadline"])


def downgrade():
    op.drop_index("ix_appeals_deputy_state_deadline", table_name="appeals")
