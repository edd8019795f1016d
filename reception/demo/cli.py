"""`flask demo load`: the demo data for `make run`, loaded once."""

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..directory.loader import load_directory
from ..directory.models import Region
from ..extensions import db
from .deputies import generate_deputies
from .users import create_demo_users

demo_cli = AppGroup("demo", help="Demo data for development.")


def load_demo() -> dict:
    """Load the directory (only into an empty database, so administrators' edits survive), the
    deputies and the demo users; running it again adds nothing."""
    report = {}
    if not db.session.scalar(select(func.count(Region.id))):
        report["directory"] = str(load_directory())
    report["deputies"] = generate_deputies()
    report["users"] = create_demo_users()
    db.session.commit()
    return report


@demo_cli.command("load")
def load_command() -> None:
    """Load the demo data once (idempotent)."""
    report = load_demo()
    click.echo(f"demo data: {report}")
