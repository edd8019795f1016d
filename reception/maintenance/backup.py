"""A backup is a folder: the database (PostgreSQL's custom-format dump, or SQLite's online backup), the
attachments, and a manifest with what it holds. Restoring goes into an empty database only, and checks that
every appeal, event and attachment of the manifest is there afterwards."""

import json
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url

from ..appeals import attachments
from ..appeals.models import Appeal, AppealEvent, Attachment
from ..extensions import db

MANIFEST = "manifest.json"
COUNTED = {"appeals": Appeal, "appeal_events": AppealEvent, "attachments": Attachment}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


def _libpq_url() -> str:
    """The database URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path() -> Path:
    return Path(make_url(str(db.engine.url)).database)


def _counts() -> dict[str, int]:
    return {name: db.session.scalar(select(func.count()).select_from(model)) for name, model in COUNTED.items()}


def backup(target: Path) -> dict:
    """Write a backup of the database and the attachments into the new folder `target`; returns the manifest."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty")
    target.mkdir(parents=True, exist_ok=True)
    dialect = db.engine.dialect.name
    manifest = {"created": datetime.now(UTC).isoformat(), "dialect": dialect, "counts": _counts()}
    db.session.rollback()  # nothing of ours holds a lock while the copy runs
    if dialect == "postgresql":
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(target / "database.dump"), _libpq_url()],
            check=True,
            capture_output=True,
            text=True,
        )
    else:
        source, copy = sqlite3.connect(_sqlite_path()), sqlite3.connect(target / "database.sqlite")
        with copy:
            source.backup(copy)  # consistent even while the application writes
        source.close()
        copy.close()
    files = attachments.storage_dir()
    shutil.copytree(files, target / "attachments", ignore=shutil.ignore_patterns("pending"), dirs_exist_ok=True)
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def restore(source: Path) -> dict:
    """Restore the backup in `source` into this application's database, which must be empty, and its
    attachments; returns the counts found afterwards (equal to the manifest's, or BackupError)."""
    source = Path(source)
    manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    dialect = db.engine.dialect.name
    if manifest["dialect"] != dialect:
        raise BackupError(f"a {manifest['dialect']} backup cannot be restored into {dialect}")
    if inspect(db.engine).get_table_names():
        raise BackupError("the database is not empty: restore into a new, empty database")
    db.session.remove()
    if dialect == "postgresql":
        done = subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", _libpq_url(), str(source / "database.dump")],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()[:2000]}")
    else:
        db.engine.dispose()
        backup_file, live = sqlite3.connect(source / "database.sqlite"), sqlite3.connect(_sqlite_path())
        with live:
            backup_file.backup(live)
        backup_file.close()
        live.close()
    shutil.copytree(source / "attachments", attachments.storage_dir(), dirs_exist_ok=True)
    counts = _counts()
    if counts != manifest["counts"]:
        raise BackupError(f"restored {counts}, the backup holds {manifest['counts']}")
    missing = [a.storage_key for a in db.session.scalars(select(Attachment)) if not attachments.path_of(a).is_file()]
    if missing:
        raise BackupError(f"{len(missing)} attachments have no file")
    return counts
