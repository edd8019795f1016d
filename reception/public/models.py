"""What citizens tell us back: their rating of a decision and, when not satisfied, a request to reopen."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, enum_type, utcnow
from ..extensions import db


class Rating(enum.Enum):
    satisfied = "satisfied"
    partly = "partly"
    not_satisfied = "not_satisfied"

    @property
    def label(self) -> str:
        return str(
            {
                Rating.satisfied: _l("Satisfied"),
                Rating.partly: _l("Partly satisfied"),
                Rating.not_satisfied: _l("Not satisfied"),
            }[self]
        )


class ReopenState(enum.Enum):
    #: Asked by the citizen, waiting for the branch head.
    pending = "pending"
    accepted = "accepted"
    declined = "declined"


class AppealFeedback(db.Model):
    """The citizen's rating of one decision on their appeal; "not satisfied" carries a reopening request."""

    __tablename__ = "appeal_feedback"
    # One rating per decision: after a reopening and a new decision the citizen rates again.
    __table_args__ = (UniqueConstraint("appeal_id", "decision_event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)
    #: The event of the decision rated (resolved or rejected).
    decision_event_id: Mapped[int] = mapped_column(ForeignKey("appeal_events.id"))
    rating: Mapped[Rating] = mapped_column(enum_type(Rating))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: None unless the citizen asked to reopen (only with "not satisfied").
    reopen_state: Mapped[ReopenState | None] = mapped_column(enum_type(ReopenState), index=True)
    #: The branch head (or administrator) who accepted or declined the request, when, and why.
    reopen_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reopen_decided_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_decision_comment: Mapped[str] = mapped_column(String(2000), default="")

    appeal = relationship("Appeal")
    decision_event = relationship("AppealEvent")
    reopen_decided_by_user = relationship("User")
