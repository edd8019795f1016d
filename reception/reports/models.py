"""A large export made by a job: the row is the job's progress the page shows, and then the file."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..dbtypes import UTCDateTime, enum_type, utcnow
from ..enums import LabelledEnum
from ..extensions import db


class ExportStatus(LabelledEnum):
    queued = "queued", _l("Waiting in the queue")
    running = "running", _l("Writing the file")
    ready = "ready", _l("Ready")
    failed = "failed", _l("Failed")


class ReportExport(db.Model):
    """A list exported by an rq job because it is too long to write while the user waits."""

    __tablename__ = "report_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Who asked; only they may see and download it (the rows are those they could see when asking).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: What is exported: "appeals" (the appeals list).
    kind: Mapped[str] = mapped_column(String(32))
    #: "csv" or "xlsx".
    format: Mapped[str] = mapped_column(String(8))
    #: The list's filters, as its query string had them.
    args: Mapped[dict] = mapped_column(JSON)
    #: Headers and labels are written in this interface language.
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[ExportStatus] = mapped_column(enum_type(ExportStatus), default=ExportStatus.queued)
    #: Rows to write, and rows written so far (the progress bar).
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
