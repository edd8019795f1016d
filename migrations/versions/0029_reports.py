"""report_exports: long list exports written by a job; report_counts and report_refreshes: the dashboard's summary

Revision ID: 0029
Revises: 0026
Create Date: 2026-11-30 11:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0029"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column(
            "status",
            sa.Enum("queued", "running", "ready", "failed", name="exportstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_dt", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("report_exports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_exports_user_id"), ["user_id"], unique=False)
    op.create_table(
        "report_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        *[
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("registered", "decided", "on_time", "open", "overdue", "rated", "satisfied", "reopen")
        ],
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_counts_kind_month", "report_counts", ["kind", "month"], unique=False)
    op.create_table(
        "report_refreshes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("refreshed_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("report_refreshes")
    op.drop_index("ix_report_counts_kind_month", table_name="report_counts")
    op.drop_table("report_counts")
    with op.batch_alter_table("report_exports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_exports_user_id"))
    op.drop_table("report_exports")
