"""appeals.decided_dt: when the appeal was decided, filled from its events

Revision ID: 0031
Revises: 0030
Create Date: 2026-11-30 11:55:00

"""
from alembic import op
import sqlalchemy as sa

import reception.dbtypes


# revision identifiers, used by Alembic.
revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

#: The decided states as stored (appeals.operations.DECIDED_STATES), frozen here as this revision knew them.
DECIDED = ("resolved", "rejected", "redirected", "not_considered", "closed")


def upgrade():
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decided_dt", reception.dbtypes.UTCDateTime(timezone=True), nullable=True))
    # The first move into a decided state after the appeal's last reopening (if any), as transition() keeps it;
    # an appeal reopened and not decided since stays NULL.
    decided = ", ".join(f"'{state}'" for state in DECIDED)
    op.execute(
        f"""
        UPDATE appeals SET decided_dt = (
            SELECT min(e.created_dt) FROM appeal_events e
            WHERE e.appeal_id = appeals.id AND e.kind = 'transition' AND e.to_state IN ({decided})
              AND NOT EXISTS (
                SELECT 1 FROM appeal_events r
                WHERE r.appeal_id = appeals.id AND r.kind = 'transition' AND r.to_state = 'reopened'
                  AND r.created_dt > e.created_dt
              )
        )
        """
    )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite (3.35+) drops an unindexed column in place; a batch copy of `appeals` would be refused by the
        # foreign keys of every table that points at it once there are appeals.
        op.execute("ALTER TABLE appeals DROP COLUMN decided_dt")
        return
    op.drop_column("appeals", "decided_dt")
