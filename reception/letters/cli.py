"""`flask letters ...`."""

import click
from flask.cli import AppGroup

from .letter_template import build_all

letters_cli = AppGroup("letters", help="Outgoing letters.")


@letters_cli.command("build-templates")
def build_templates_command() -> None:
    """Write the shipped Word templates of the letters (every kind, kk and ru)."""
    for path in build_all():
        click.echo(f"wrote {path}")
