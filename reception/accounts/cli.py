"""`flask users ...`: create and disable accounts, set passwords from the command line."""

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..directory.models import Branch, Deputy
from ..extensions import db
from . import operations as ops
from .models import Role

users_cli = AppGroup("users", help="User accounts.")


def _read_password(prompt: bool) -> str:
    # A password never goes on the command line, where `ps` and shell history would show it.
    if sys.stdin.isatty() and prompt:
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise click.ClickException("no password on standard input")
    return password


def _user_or_fail(email: str):
    user = ops.find_user(email)
    if user is None:
        raise click.ClickException(f"no user {email}")
    return user


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", default=None, help="Full name (default: the e-mail).")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--branch", "branch_code", default=None, help="Branch code, for staff and branch heads.")
@click.option(
    "--deputy",
    "deputy_ids",
    multiple=True,
    type=int,
    help="Deputy id: the deputy's own account, or (repeatable) whom an assistant acts for.",
)
def create_command(email, full_name, role, branch_code, deputy_ids):
    """Create a user; the password is read from a prompt or standard input."""
    role = Role(role)
    branch = None
    if branch_code:
        branch = db.session.scalar(select(Branch).where(Branch.code == branch_code))
        if branch is None:
            raise click.ClickException(f"no branch {branch_code}")
    deputies = [db.session.get(Deputy, i) for i in deputy_ids]
    if None in deputies:
        raise click.ClickException(
            "no deputy with id " + ", ".join(str(i) for i, d in zip(deputy_ids, deputies, strict=False) if d is None)
        )
    deputy = deputies[0] if role == Role.deputy and deputies else None
    if role == Role.deputy and len(deputies) > 1:
        raise click.ClickException("a deputy's account names one deputy")
    password = _read_password(prompt=True)
    try:
        user = ops.create_user(
            email=email,
            full_name=full_name or email,
            password=password,
            role=role,
            branch=branch,
            deputy=deputy,
            deputies=deputies if role == Role.assistant else [],
        )
    except ops.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    click.echo(f"created {user.email} ({role.value})")


@users_cli.command("disable")
@click.option("--email", required=True)
def disable_command(email):
    """Disable a user; their sessions end at once."""
    ops.disable_user(_user_or_fail(email))
    db.session.commit()
    click.echo(f"disabled {email}")


@users_cli.command("set-password")
@click.option("--email", required=True)
def set_password_command(email):
    """Set a user's password from a prompt or standard input; their sessions end."""
    user = _user_or_fail(email)
    try:
        ops.change_password(user, _read_password(prompt=True))
    except ops.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    click.echo(f"password set for {email}")


@users_cli.command("reseal")
def reseal_command():
    """Seal every second-factor secret again with the first of SEALING_KEYS (after putting a new key in front)."""
    from sqlalchemy import text

    from ..sealing import reseal

    rows = db.session.execute(text("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")).all()
    for user_id, token in rows:
        db.session.execute(
            text("UPDATE users SET totp_secret = :token WHERE id = :id"), {"token": reseal(token), "id": user_id}
        )
    db.session.commit()
    click.echo(f"resealed: {len(rows)}")
