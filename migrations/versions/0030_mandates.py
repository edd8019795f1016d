"""voters' mandates, programme points, road-map tasks; citizens.may_be_told

Revision ID: 0030
Revises: 0029
Create Date: 2026-11-30 11:20:00

"""
from alembic import op
import sqlalchemy as sa

import reception.dbtypes


# revision identifiers, used by Alembic.
revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "programme_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text_kk", sa.Text(), nullable=False),
        sa.Column("text_ru", sa.Text(), nullable=False),
        sa.Column("created_dt", reception.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_table(
        "voter_mandates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_kk", sa.String(length=500), nullable=False),
        sa.Column("title_ru", sa.String(length=500), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("point_id", sa.Integer(), nullable=True),
        sa.Column("created_dt", reception.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["topic_id"], ["topics.id"]),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"]),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"]),
        sa.ForeignKeyConstraint(["point_id"], ["programme_points.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_voter_mandates_topic_id", "voter_mandates", ["topic_id"])
    op.create_index("ix_voter_mandates_region_id", "voter_mandates", ["region_id"])
    op.create_index("ix_voter_mandates_point_id", "voter_mandates", ["point_id"])
    op.create_table(
        "mandate_appeals",
        sa.Column("mandate_id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("added_dt", reception.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["mandate_id"], ["voter_mandates.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["appeal_id"], ["appeals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mandate_id", "appeal_id"),
    )
    op.create_index("ix_mandate_appeals_appeal_id", "mandate_appeals", ["appeal_id"])
    op.create_table(
        "roadmap_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("title_kk", sa.String(length=500), nullable=False),
        sa.Column("title_ru", sa.String(length=500), nullable=False),
        sa.Column("expected_result", sa.Text(), nullable=False),
        sa.Column(
            "owner_kind",
            sa.Enum("deputy", "faction", "branch", "body", name="ownerkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("owner_deputy_id", sa.Integer(), nullable=True),
        sa.Column("owner_branch_id", sa.Integer(), nullable=True),
        sa.Column("owner_body_id", sa.Integer(), nullable=True),
        sa.Column("owner_faction", sa.String(length=255), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("planned", "in_progress", "done", name="taskstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("done_dt", reception.dbtypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("inquiry_id", sa.Integer(), nullable=True),
        sa.Column("evidence_url", sa.String(length=500), nullable=False),
        sa.Column("created_dt", reception.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["point_id"], ["programme_points.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_deputy_id"], ["deputies.id"]),
        sa.ForeignKeyConstraint(["owner_branch_id"], ["branches.id"]),
        sa.ForeignKeyConstraint(["owner_body_id"], ["government_bodies.id"]),
        sa.ForeignKeyConstraint(["inquiry_id"], ["inquiries.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_roadmap_tasks_point_id", "roadmap_tasks", ["point_id"])
    op.create_index("ix_roadmap_tasks_deadline", "roadmap_tasks", ["deadline"])
    op.create_index("ix_roadmap_tasks_owner_deputy_id", "roadmap_tasks", ["owner_deputy_id"])
    op.create_index("ix_roadmap_tasks_owner_branch_id", "roadmap_tasks", ["owner_branch_id"])
    op.create_table(
        "roadmap_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("uploaded_dt", reception.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["roadmap_tasks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("storage_key"),
    )
    op.create_index("ix_roadmap_documents_task_id", "roadmap_documents", ["task_id"])
    with op.batch_alter_table("citizens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("may_be_told", sa.Boolean(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("citizens", schema=None) as batch_op:
        batch_op.drop_column("may_be_told")
    op.drop_table("roadmap_documents")
    op.drop_table("roadmap_tasks")
    op.drop_table("mandate_appeals")
    op.drop_table("voter_mandates")
    op.drop_table("programme_points")
