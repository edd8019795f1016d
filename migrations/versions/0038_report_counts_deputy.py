"""report_counts per deputy too (deputy_id, 0 for every deputy), so that a deputy filter on the dashboard is
answered from the summary; its two slice indexes lead with the deputy

Revision ID: 0038
Revises: 0037
Create Date: 2026-11-30 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

SLICES = ("topic_id", "channel", "branch_id", "month")
CHANNEL_SLICES = ("channel", "topic_id", "branch_id", "month")


def upgrade():
    # The rows already there count every deputy: 0 says so, and the dashboard reads them as before until the
    # periodic job adds the deputies' own rows.
    op.add_column("report_counts", sa.Column("deputy_id", sa.Integer(), nullable=False, server_default="0"))
    op.drop_index("ix_report_counts_slice", table_name="report_counts")
    op.drop_index("ix_report_counts_channel_slice", table_name="report_counts")
    op.create_index("ix_report_counts_slice", "report_counts", ["deputy_id", *SLICES])
    op.create_index("ix_report_counts_channel_slice", "report_counts", ["deputy_id", *CHANNEL_SLICES])


def downgrade():
    op.drop_index("ix_report_counts_slice", table_name="report_counts")
    op.drop_index("ix_report_counts_channel_slice", table_name="report_counts")
    op.execute("DELETE FROM report_counts WHERE deputy_id <> 0")
    with op.batch_alter_table("report_counts") as batch:
        batch.drop_column("deputy_id")
    op.create_index("ix_report_counts_slice", "report_counts", list(SLICES))
    op.create_index("ix_report_counts_channel_slice", "report_counts", list(CHANNEL_SLICES))
