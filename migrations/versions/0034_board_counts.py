"""board_snapshots and board_counts: the board's figures, counted by a periodic job

Revision ID: 0034
Revises: 0033
Create Date: 2026-11-30 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "board_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("taken_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "board_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["snapshot_id"], ["board_snapshots.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_board_counts_snapshot_kind", "board_counts", ["snapshot_id", "kind"], unique=False)


def downgrade():
    op.drop_index("ix_board_counts_snapshot_kind", table_name="board_counts")
    op.drop_table("board_counts")
    op.drop_table("board_snapshots")
