"""The rules' deadlines: an inquiry's answer term runs from its receipt or announcement (recorded with evidence),
and an anonymous appeal carries the ground on which it is considered (or left without consideration)

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30 10:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inquiries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("received_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("received_number", sa.String(length=64), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("announced_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("announced_session", sa.String(length=255), nullable=False, server_default=""))
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "anonymous_ground",
                sa.Enum("crime", "threat", "no_ground", name="anonymousground", native_enum=False, length=32),
                nullable=True,
            )
        )


def downgrade():
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_column("anonymous_ground")
    with op.batch_alter_table("inquiries", schema=None) as batch_op:
        batch_op.drop_column("announced_session")
        batch_op.drop_column("announced_date")
        batch_op.drop_column("received_number")
        batch_op.drop_column("received_date")
