"""users.position_kk: the position in Kazakh, so a Kazakh talon or letter is signed in Kazakh

Revision ID: 0028
Revises: 0025
Create Date: 2026-11-30 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position_kk", sa.String(length=255), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("position_kk")
