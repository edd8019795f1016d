"""`flask directory ...`: import the directory from data files."""

from pathlib import Path

import click
from flask.cli import AppGroup

from ..extensions import db
from .loader import DATA_DIR, DirectoryDataError, load_directory

directory_cli = AppGroup("directory", help="The reception network's reference data.")


@directory_cli.command("import")
@click.option(
    "--path",
    "path",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=DATA_DIR,
    show_default=True,
    help="Folder with regions.json, branches.json, bodies.json, ...",
)
def import_command(path: Path) -> None:
    """Load (or update) the directory from JSON files; rows are matched by code."""
    try:
        report = load_directory(path)
    except DirectoryDataError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"directory imported: {report}")
