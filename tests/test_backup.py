"""`flask backup` and `flask restore`: a backup restored into an empty database has every appeal, event and
attachment (with its bytes)."""

import pytest
from sqlalchemy import create_engine, select, text
from support import make_config

from reception import create_app
from reception.appeals.attachments import CheckedFile, path_of
from reception.appeals.intake import Intake, intake_appeal
from reception.appeals.models import AnonymousGround, AppealType, Attachment, Channel
from reception.directory.models import Topic
from reception.extensions import db
from reception.maintenance.backup import BackupError, backup, restore

PDF = b"%PDF-1.4\n" + b"appeal scan " * 100


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """A new, empty database of the backend under test."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    server = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS qabyldau_restore WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE qabyldau_restore"))
    yield server.url.set(database="qabyldau_restore").render_as_string(hide_password=False)
    with server.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS qabyldau_restore WITH (FORCE)"))
    server.dispose()


@pytest.mark.slow
def test_a_backup_restores_into_an_empty_database_with_everything(app, redis_url, empty_database_url, tmp_path):
    from factories import branch, make_citizen

    with app.app_context():
        topic = db.session.scalar(select(Topic).where(Topic.code == "housing"))
        for n in range(3):
            intake_appeal(
                Intake(
                    branch=branch("ALM-03"),
                    type=AppealType.complaint,
                    topic=topic,
                    summary=f"Нет воды {n}",
                    text="Текст",
                    channel=Channel.walk_in,
                    language="ru",
                    files=[CheckedFile(f"scan{n}.pdf", "application/pdf", PDF + bytes([n]))],
                    anonymous_ground=AnonymousGround.threat,
                )
            )
        make_citizen()
        db.session.commit()
        manifest = backup(tmp_path / "backup")
        assert manifest["counts"]["appeals"] == 3 and manifest["counts"]["attachments"] == 3
        with pytest.raises(BackupError, match="not empty"):
            restore(tmp_path / "backup")  # never over a database that has data
    restored = create_app(make_config(empty_database_url, redis_url))
    with restored.app_context():
        assert restore(tmp_path / "backup") == manifest["counts"]
        rows = db.session.scalars(select(Attachment).order_by(Attachment.filename)).all()
        assert [path_of(a).read_bytes() for a in rows] == [PDF + bytes([n]) for n in range(3)]
        assert {a.appeal.summary for a in rows} == {"Нет воды 0", "Нет воды 1", "Нет воды 2"}
        db.session.remove()
        db.engine.dispose()
