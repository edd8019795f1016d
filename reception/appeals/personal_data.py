"""A citizen's rights over their personal data, exercised through an administrator: everything held about an
IIN, exported (JSON and PDF), and anonymisation on request. Both audited."""

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..audit.log import audit
from ..extensions import db
from ..notifications.models import OutboxMessage
from .models import Appeal, AppealFeedback, AppealState, Citizen, EventKind
from .operations import OPEN_STATES, AppealError, find_citizen
from .retention import anonymise_citizen, erase_appeal


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def citizen_or_refuse(iin: str) -> Citizen:
    citizen = find_citizen((iin or "").strip())
    if citizen is None:
        raise AppealError(_l("No citizen with this IIN is on record."), 404)
    return citizen


def export_citizen(citizen: Citizen, *, user: User) -> dict:
    """All that is held about the citizen: the record, each appeal with its timeline, files, messages sent
    and ratings. Audited (who exported whose data); the caller commits."""
    appeals = appeals_of(citizen)
    ids = [a.id for a in appeals]
    sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.appeal_id.in_(ids)).order_by(OutboxMessage.id))
    feedback = db.session.scalars(
        select(AppealFeedback).where(AppealFeedback.appeal_id.in_(ids)).order_by(AppealFeedback.id)
    ).all()
    audit("citizen.export", citizen, user=user, details={"appeals": len(appeals)})
    return {
        "exported": datetime.now(UTC).isoformat(),
        "citizen": {
            "iin": citizen.iin,
            "full_name": citizen.full_name,
            "birth_date": _iso(citizen.birth_date),
            "phone": citizen.phone,
            "email": citizen.email,
            "address": citizen.address,
            "language": citizen.language,
            "consent": _iso(citizen.consent_dt),
            "consent_version": citizen.consent_version,
            "may_be_named": citizen.may_be_named,
            "may_be_told": citizen.may_be_told,
        },
        "appeals": [
            {
                "registration_number": a.registration_number,
                "tracking_code": a.tracking_code,
                "registered": _iso(a.registered_dt),
                "branch": a.branch.code,
                "channel": a.channel.value,
                "type": a.type.value,
                "topic": a.topic.code,
                "state": a.state.value,
                "deadline": _iso(a.deadline),
                "summary": a.summary,
                "text": a.text,
                "contacts": {"phone": a.contact_phone, "email": a.contact_email},
                "timeline": [
                    {
                        "at": _iso(e.created_dt),
                        "kind": str(e.kind),
                        "to": e.to_state.value if e.to_state else None,
                        "comment": e.comment,
                        "public": e.is_public,
                    }
                    for e in a.events
                ],
                "files": [{"name": f.filename, "type": f.content_type, "size": f.size} for f in a.attachments],
            }
            for a in appeals
        ],
        "messages": [
            {
                "at": _iso(m.created_dt),
                "channel": m.channel.value,
                "to": m.recipient,
                "subject": m.subject,
                "text": m.body,
                "state": m.state.value,
            }
            for m in sent
        ],
        "ratings": [{"at": _iso(f.created_dt), "rating": f.rating.value, "comment": f.comment} for f in feedback],
    }


def appeals_of(citizen: Citizen) -> list[Appeal]:
    return list(
        db.session.scalars(
            select(Appeal)
            .where(Appeal.citizen_id == citizen.id)
            .options(selectinload(Appeal.events), selectinload(Appeal.attachments))
            .order_by(Appeal.registered_dt)
        )
    )


def anonymise_on_request(citizen: Citizen, *, user: User, reason: str) -> int:
    """Erase the citizen's personal data and their appeals' free text, at their request; returns how many
    appeals were erased. Refused while an appeal is still being considered (it needs the data). The
    caller commits."""
    reason = (reason or "").strip()
    if not reason:
        raise AppealError(_l("Give the reason: the law requires it for this decision."))
    appeals = appeals_of(citizen)
    if any(a.state in OPEN_STATES for a in appeals):
        raise AppealError(
            _l("The citizen has appeals still being considered: decide or close them before erasing the data."), 409
        )
    anonymise_citizen(citizen, datetime.now(UTC), reason=f"request: {reason}"[:200])
    for appeal in appeals:
        erase_appeal(appeal, reason="request")
    return len(appeals)


#: The export's fields as a person reads them in the PDF (the JSON keeps the codes, for machines).
CITIZEN_FIELDS = {
    "iin": _l("IIN"),
    "full_name": _l("Full name"),
    "birth_date": _l("Date of birth"),
    "phone": _l("Phone"),
    "email": _l("E-mail"),
    "address": _l("Postal address"),
    "language": _l("Language of the answer"),
    "consent": _l("Consent to the processing of personal data given"),
    "consent_version": _l("Version of the consent text"),
    "may_be_named": _l("May be named in a deputy inquiry"),
    "may_be_told": _l("May be told what comes of the appeal (voters' mandates)"),
}
EVENT_KINDS = {
    EventKind.transition: _l("Change of state"),
    EventKind.extension: _l("Deadline extended"),
    EventKind.triage: _l("Awaiting triage"),
    EventKind.escalation: _l("Escalated"),
    EventKind.inquiry: _l("Deputy inquiry"),
    EventKind.citizen_info: _l("The citizen added information"),
    EventKind.rating: _l("The citizen rated the decision"),
    EventKind.reopen_request: _l("The citizen asks to reopen the appeal"),
    EventKind.reopen_declined: _l("Reopening declined"),
    EventKind.handover: _l("Handed over: the holder's mandate ended"),
}


def readable(data: dict) -> dict:
    """The export with labels in the reader's language instead of codes, for the PDF."""
    from ..i18n import LANGUAGE_NAMES
    from ..notifications.models import MessageChannel

    def value(key, raw):
        if isinstance(raw, bool):
            return _l("Yes") if raw else _l("No")
        if key == "language" and raw in LANGUAGE_NAMES:
            return LANGUAGE_NAMES[raw]
        return "" if raw is None else raw

    appeals = []
    for a in data["appeals"]:
        appeals.append(
            dict(
                a,
                state=AppealState(a["state"]).label,
                timeline=[
                    dict(
                        e,
                        kind=EVENT_KINDS.get(EventKind(e["kind"]), e["kind"]),
                        to=AppealState(e["to"]).label if e["to"] else None,
                    )
                    for e in a["timeline"]
                ],
            )
        )
    return dict(
        data,
        citizen={CITIZEN_FIELDS.get(k, k): value(k, v) for k, v in data["citizen"].items()},
        appeals=appeals,
        messages=[dict(m, channel=MessageChannel(m["channel"]).label) for m in data["messages"]],
    )
