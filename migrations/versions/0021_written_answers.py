"""appeal_events.comment_public (a step's text may be an internal note) and attachments.event_id (the files of a
written answer, which the citizen downloads from the status page)

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("appeal_events", schema=None) as batch_op:
        # Every comment written so far was shown with its step: they stay as they were.
        batch_op.add_column(sa.Column("comment_public", sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_attachments_event_id"), ["event_id"], unique=False)
        batch_op.create_foreign_key("fk_attachments_event_id", "appeal_events", ["event_id"], ["id"])


def downgrade():
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_constraint("fk_attachments_event_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_attachments_event_id"))
        batch_op.drop_column("event_id")
    with op.batch_alter_table("appeal_events", schema=None) as batch_op:
        batch_op.drop_column("comment_public")
