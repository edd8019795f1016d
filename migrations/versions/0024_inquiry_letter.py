"""The inquiry letter as written in practice: addressees' dative forms, per-appeal summaries in the letter's language

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 10:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

DATIVE = (("head_title_dative_ru", 500), ("head_name_dative_ru", 255), ("head_title_dative_kk", 500), ("head_name_dative_kk", 255))


def upgrade():
    with op.batch_alter_table("government_bodies", schema=None) as batch_op:
        for name, length in DATIVE:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=False, server_default=""))
    with op.batch_alter_table("inquiry_appeals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("letter_summary", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("inquiry_appeals", schema=None) as batch_op:
        batch_op.drop_column("letter_summary")
    with op.batch_alter_table("government_bodies", schema=None) as batch_op:
        for name, _length in reversed(DATIVE):
            batch_op.drop_column(name)
