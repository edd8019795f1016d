"""`flask inquiries ...`."""

import click
from flask.cli import AppGroup

from .letter_template import build_all

inquiries_cli = AppGroup("inquiries", help="Deputy inquiries.")


@inquiries_cli.command("build-templates")
def build_templates_command() -> None:
    """Write the shipped Word templates of the inquiry letter (kk and ru)."""
    for path in build_all():
        click.echo(f"wrote {path}")
