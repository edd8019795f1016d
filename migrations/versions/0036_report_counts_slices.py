"""report_counts per topic and channel too (and for the whole country: branch_id NULL), with each row's states,
deputies and days to decision, so that a topic or channel filter on the dashboard is answered from the summary
(the job refills it)

Revision ID: 0036
Revises: 0035
Create Date: 2026-11-30 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

COUNTS = ("registered", "decided", "on_time", "open", "overdue", "rated", "satisfied", "reopen")


def _counts_table(*columns, indexes):
    # The summary is derived data: dropped and made again empty, the periodic job refills it (report_refreshes
    # emptied with it, so the dashboard counts from the appeals until then rather than read an empty summary).
    op.drop_table("report_counts")
    op.execute("DELETE FROM report_refreshes")
    op.create_table(
        "report_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for index in indexes:
        op.create_index(*index)


def upgrade():
    _counts_table(
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in (*COUNTS, "decided_in_month")],
        sa.Column("states", sa.Text(), nullable=False),
        sa.Column("deputies", sa.Text(), nullable=False),
        sa.Column("days", sa.Text(), nullable=False),
        indexes=[
            ("ix_report_counts_slice", "report_counts", ["topic_id", "channel", "branch_id", "month"]),
            ("ix_report_counts_channel_slice", "report_counts", ["channel", "topic_id", "branch_id", "month"]),
        ],
    )


def downgrade():
    _counts_table(
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
        indexes=[("ix_report_counts_kind_month", "report_counts", ["kind", "month"])],
    )
