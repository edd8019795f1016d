"""audit_log: TRUNCATE refused too on PostgreSQL (0001 refuses UPDATE and DELETE row by row)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 04:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    # A row trigger never fires on TRUNCATE, which empties the table at once: a statement trigger does.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
