"""appeals: their own contacts, so that messages about an appeal go where its channel was told to send them

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 04:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    # Adding columns needs no rebuild of `appeals` on SQLite, so its full-text triggers stay as they are.
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_phone", sa.String(length=20), server_default="", nullable=False))
        batch_op.add_column(sa.Column("contact_email", sa.String(length=255), server_default="", nullable=False))
    # Until now messages went to the citizen's contacts on record: existing appeals keep them.
    op.execute(
        "UPDATE appeals SET "
        "contact_phone = COALESCE((SELECT phone FROM citizens WHERE citizens.id = appeals.citizen_id), ''), "
        "contact_email = COALESCE((SELECT email FROM citizens WHERE citizens.id = appeals.citizen_id), '')"
    )


def downgrade():
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_column("contact_email")
        batch_op.drop_column("contact_phone")
