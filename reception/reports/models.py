"""A large export made by a job: the row is the job's progress the page shows, and then the file."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, LargeBinary, String, Text
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


class ReportCount(db.Model):
    """Appeals counted per month of registration, branch, topic and channel: the dashboard's summary, refreshed
    by a periodic job (summary.refresh) so that a year over a million appeals reads a few thousand rows.
    topic_id 0 is every topic, channel "" every channel and deputy_id 0 every deputy: each (month, branch) is
    kept per topic, per channel, per both and for all, each of these per deputy too, so each filter reads its
    own slice, and each month for the whole country (branch_id NULL, every deputy) too (summary.py)."""

    __tablename__ = "report_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The first day of the month (in Kazakhstan's time).
    month: Mapped[date] = mapped_column(Date)
    #: None: the whole country (every branch together).
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    #: A deputy's id, or 0 for every deputy (no foreign key: 0 names none). A deputy's rows are kept per
    #: branch only: a deputy's appeals lie in few branches.
    deputy_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: A topic's id, or 0 for every topic (no foreign key: 0 names none).
    topic_id: Mapped[int] = mapped_column(Integer, default=0)
    #: A channel's value, or "" for every channel.
    channel: Mapped[str] = mapped_column(String(32), default="")
    #: Of the appeals registered in the month: all, decided (and on time), still open and open past the
    #: deadline when the summary was made, their citizens' ratings (satisfied) and requests to reopen.
    registered: Mapped[int] = mapped_column(Integer, default=0)
    decided: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    open: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    reopen: Mapped[int] = mapped_column(Integer, default=0)
    #: Appeals decided in the month, whenever registered (the "decided" line of the chart by month).
    decided_in_month: Mapped[int] = mapped_column(Integer, default=0)
    #: JSON of the month's appeals: {state: count}; {deputy id: [appeals, open, overdue]}; and of its decided
    #: ones, {whole days from registration to decision: count} (the median and 90th percentile).
    states: Mapped[str] = mapped_column(Text, default="{}")
    deputies: Mapped[str] = mapped_column(Text, default="{}")
    days: Mapped[str] = mapped_column(Text, default="{}")

    #: A filter's slice by deputy, topic then channel; "appeals by topic" reads a channel's slice of every topic.
    __table_args__ = (
        Index("ix_report_counts_slice", "deputy_id", "topic_id", "channel", "branch_id", "month"),
        Index("ix_report_counts_channel_slice", "deputy_id", "channel", "topic_id", "branch_id", "month"),
    )


class ReportRefresh(db.Model):
    """When the summary was last made (the "as of" the dashboard shows); one row per refresh, the last counts."""

    __tablename__ = "report_refreshes"

    id: Mapped[int] = mapped_column(primary_key=True)
    refreshed_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The local date "overdue" was counted for.
    as_of_date: Mapped[date] = mapped_column(Date)


class BoardSnapshot(db.Model):
    """One count of the board's figures by the periodic job (reports/board.py); the board reads the last one
    and shows its time. Older snapshots are deleted by the next one."""

    __tablename__ = "board_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The local date "overdue" and "due soon" were counted for.
    as_of_date: Mapped[date] = mapped_column(Date)


class BoardCount(db.Model):
    """Open appeals of one branch counted one way, in one snapshot. kind "age": `name` a state, `ref` an age
    bucket (reports.board.AGE_BUCKETS); "topic": `ref` a topic; "deputy": `ref` a deputy, with the overdue;
    "flag": `name` a headline figure (overdue, due_soon, triage, reopen, forwarding_late); "escalated": `ref`
    the branch escalated to."""

    __tablename__ = "board_counts"
    __table_args__ = (Index("ix_board_counts_snapshot_kind", "snapshot_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("board_snapshots.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    #: The appeals' own branch (the reader's scope applies to it).
    branch_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(32), default="")
    ref: Mapped[int] = mapped_column(Integer, default=0)
    n: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)
