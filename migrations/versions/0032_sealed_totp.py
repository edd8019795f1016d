"""users.totp_secret sealed (reception/sealing.py): room for a Fernet token, existing secrets sealed

Revision ID: 0032
Revises: 0031
Create Date: 2026-11-30 14:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def _rewrite(change) -> None:
    """Apply `change` to every stored secret, with the app's keys (flask db upgrade runs in its context)."""
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")).all()
    for user_id, value in rows:
        new = change(value)
        if new != value:
            bind.execute(sa.text("UPDATE users SET totp_secret = :v WHERE id = :id"), {"v": new, "id": user_id})


def upgrade():
    from reception.sealing import is_sealed, seal

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("totp_secret", existing_type=sa.String(length=64), type_=sa.String(length=255))
    _rewrite(lambda value: value if is_sealed(value) else seal(value))


def downgrade():
    from reception.sealing import is_sealed, unseal

    _rewrite(lambda value: unseal(value) if is_sealed(value) else value)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("totp_secret", existing_type=sa.String(length=255), type_=sa.String(length=64))
