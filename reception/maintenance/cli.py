"""`flask backup DIR` and `flask restore DIR`."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from .backup import BackupError, backup, restore


@click.command("backup")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path) -> None:
    """Back up the database and the attachments into the new folder TARGET."""
    try:
        manifest = backup(target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written to {target}: {manifest['counts']}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(source: Path) -> None:
    """Restore the backup in SOURCE into this (empty) database and its attachments."""
    try:
        counts = restore(source)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored and checked: {counts}")
