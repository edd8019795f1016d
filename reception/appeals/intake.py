"""Taking in an appeal, whatever the channel: the one operation behind the reception desk and the online form.

`intake_appeal` records the citizen, registers the appeal, stores its files, routes it and tells the
citizen, in that order, in one transaction that it commits: the citizen's "registered" message is queued
before routing can queue "passed to a deputy", and no file stays on disk without its row, whether a
refusal, an error or the commit itself fails.
"""

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..directory.models import Branch, District, Region, Topic
from ..extensions import db
from ..notifications.events import appeal_registered
from ..routing.engine import route_by_rules
from . import attachments
from .models import AnonymousGround, Appeal, AppealType, Channel, Citizen
from .operations import (
    OPEN_STATES,
    AppealError,
    CitizenData,
    Registered,
    find_citizen,
    leave_without_consideration,
    record_citizen,
    register_appeal,
)

logger = logging.getLogger(__name__)


@dataclass
class Intake:
    """Everything a channel hands over about one appeal, already checked by its form."""

    branch: Branch
    type: AppealType
    topic: Topic
    summary: str
    text: str
    channel: Channel
    language: str
    #: None for an anonymous appeal.
    citizen: CitizenData | None = None
    #: The citizen's consent to the processing of their personal data (required with a citizen).
    consent: bool = False
    #: Whether the citizen's identity was checked (a clerk saw the ID card). An unverified channel (the online
    #: form) changes nothing on record about a citizen already known: its contacts belong to its appeal only.
    identity_checked: bool = True
    region: Region | None = None
    district: District | None = None
    is_collective: bool = False
    cosigners: int = 0
    duplicate_override_reason: str = ""
    files: list[attachments.CheckedFile] = field(default_factory=list)
    #: The clerk who took it in; None online.
    registered_by: User | None = None
    #: For an anonymous appeal, the ground to consider it the clerk chose; required without a citizen.
    anonymous_ground: AnonymousGround | None = None


def intake_appeal(intake: Intake, *, now: datetime | None = None) -> Registered:
    """Register the appeal with its citizen and files, queue the citizen's confirmation, route it; commits.

    Raises a Refused (e.g. AppealError) with nothing stored when the appeal cannot be taken in. Two clerks
    registering the same new citizen at the same moment both succeed, with one citizen: the one who loses
    the race on the IIN's unique key takes the appeal in again, now finding the citizen. The same retry,
    with a new tracking code, covers the (astronomically rare) clash of two random codes.
    """
    try:
        return _take_in(intake, now)
    except IntegrityError:
        logger.info("intake: a unique key (the citizen's IIN, the tracking code) was taken meanwhile; again")
        return _take_in(intake, now)


def _take_in(intake: Intake, now: datetime | None) -> Registered:
    written: list = []
    if intake.citizen is None and intake.anonymous_ground is None:
        raise AppealError(
            _l("Choose whether the anonymous appeal reports a crime or a threat: the law considers only those.")
        )
    try:
        citizen = _citizen_of(intake)
        # Verified at a desk: the record, as just confirmed. Online: only what was given with this appeal.
        contacts = intake.citizen if intake.citizen and not intake.identity_checked else citizen
        registered = register_appeal(
            branch=intake.branch,
            citizen=citizen,
            type=intake.type,
            topic=intake.topic,
            summary=intake.summary,
            text=intake.text,
            channel=intake.channel,
            language=intake.language,
            region=intake.region,
            district=intake.district,
            is_collective=intake.is_collective,
            cosigners=intake.cosigners,
            registered_by=intake.registered_by,
            duplicate_override_reason=intake.duplicate_override_reason,
            contact_phone=contacts.phone if contacts else "",
            contact_email=contacts.email if contacts else "",
            now=now,
            # Taken at the commit below (numbering.py): the branch's counter is locked only from then on.
            number_at_commit=True,
            anonymous_ground=intake.anonymous_ground,
        )
        appeal = registered.appeal
        stored = attachments.store(appeal, intake.files, intake.registered_by.id if intake.registered_by else None)
        written = [attachments.path_of(row) for row in stored]
        appeal_registered(appeal)
        if appeal.anonymous_ground == AnonymousGround.no_ground:
            # Registered, then left without consideration: never routed, no deadline on anyone's board.
            leave_without_consideration(appeal, user=intake.registered_by)
        else:
            route_by_rules(appeal)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for path in written:  # nothing on disk without its row
            path.unlink(missing_ok=True)
        raise
    logger.info("appeal %s taken in (%s)", registered.number, intake.channel.value)
    return registered


def _citizen_of(intake: Intake) -> Citizen | None:
    data = intake.citizen
    if data is None:
        return None
    if intake.identity_checked:
        known = find_citizen(data.iin)
        if known is not None:
            # The look-up shows a clerk only whether contacts are on record: a field left empty keeps them.
            data = replace(
                data,
                phone=data.phone or known.phone,
                email=data.email or known.email,
                address=data.address or known.address,
            )
        citizen = record_citizen(data, taken_by=intake.registered_by, consent=intake.consent)
        if citizen.id is not None:
            _confirm_contacts(citizen)
        return citizen
    known = find_citizen(data.iin)
    if known is None:
        return record_citizen(data, taken_by=None, consent=intake.consent)
    # Unverified: nothing typed online changes a known citizen's record, not even a blank, and no other
    # appeal's messages move (someone could otherwise read another person's decisions). The contacts given
    # go with this appeal only.
    if not intake.consent:
        raise AppealError(_l("The citizen's consent to the processing of personal data is required."))
    return known


def _confirm_contacts(citizen: Citizen) -> None:
    """Contacts a clerk confirmed with the citizen's ID card are where the messages about their open appeals
    from a desk go now (an online appeal keeps the phone its SMS code was confirmed on)."""
    db.session.execute(
        update(Appeal)
        .where(Appeal.citizen_id == citizen.id, Appeal.channel != Channel.online, Appeal.state.in_(OPEN_STATES))
        .values(contact_phone=citizen.phone, contact_email=citizen.email, updated_dt=Appeal.updated_dt)
        .execution_options(synchronize_session=False)
    )
