"""appeal events: the facts of a routing or escalation decision, worded on the page in the reader's language

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("appeal_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("appeal_events", schema=None) as batch_op:
        batch_op.drop_column("details")
