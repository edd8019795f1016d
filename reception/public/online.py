"""Online appeals: the abuse controls, the submission waiting for its SMS code, and the registration.

A submission that passes the form's checks is kept in Redis (with its attachments) for a short while,
under a random token remembered in the browser's session; an SMS with a six-digit code goes to the phone
through the notifications outbox. The right code takes the appeal in through the same operation as a
walk-in one (appeals/intake.py) (channel "online"), so it is numbered, routed and confirmed exactly like one.
"""

import hmac
import json
import logging
import secrets
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse as parse_limit
from sqlalchemy import func, select, update

from ..appeals import attachments
from ..appeals import operations as appeal_ops
from ..appeals.codes import hash_pin, new_pin
from ..appeals.iin import parse_iin
from ..appeals.intake import Intake, intake_appeal
from ..appeals.models import Appeal, AppealType, Channel, Citizen
from ..appeals.operations import Registered
from ..directory.models import Branch, BranchLevel, District, Region, Topic
from ..errors import Refused
from ..extensions import db, limiter
from ..jobs.queues import get_redis
from ..notifications.models import MessageChannel, OutboxMessage
from ..notifications.outbox import queue_message

logger = logging.getLogger(__name__)

#: The session key of the browser's submission waiting for its code.
PENDING_KEY = "online_pending"
#: The session key of the receipt just registered: {"id": appeal id, "pin": PIN shown once}.
RECEIPT_KEY = "online_receipt"


# --- robots ----------------------------------------------------------------------------------------


def _form_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="online-appeal-form")


def fill_token(now: float | None = None) -> str:
    """A signed timestamp of when the form was handed out; the form sends it back."""
    return _form_serializer().dumps(int(now if now is not None else time.time()))


def check_not_a_robot(honeypot: str | None, token: str | None, now: float | None = None) -> None:
    """Refuse a form whose hidden field was filled, or that came back too fast, too late or unsigned."""
    if honeypot:
        raise Refused(_l("The form could not be accepted. Please fill it in again."))
    try:
        started = int(_form_serializer().loads(token or ""))
    except (BadSignature, ValueError, TypeError):
        raise Refused(_l("The form could not be accepted. Please fill it in again.")) from None
    elapsed = (now if now is not None else time.time()) - started
    config = current_app.config
    if elapsed < config["ONLINE_MIN_FILL_SECONDS"]:
        raise Refused(_l("The form was sent too quickly. Please check what you entered and send it again."))
    if elapsed > config["ONLINE_MAX_FORM_AGE_HOURS"] * 3600:
        raise Refused(_l("The form was open too long. Please send it again."))


def within_limit(limit: str, scope: str, key: str) -> bool:
    """Count one try against `limit` (e.g. "3 per hour") for `key`, in the rate limiter's Redis storage."""
    if not limiter.enabled:
        return True
    return limiter.limiter.hit(parse_limit(limit), "qabyldau", scope, key)


# --- the submission ----------------------------------------------------------------------------------


@dataclass
class Submission:
    """What the citizen sent, cleaned by the form; kept as JSON until the code is confirmed."""

    iin: str
    full_name: str
    phone: str
    email: str
    address: str
    language: str
    type: str
    topic_id: int
    summary: str
    text: str
    region_id: int
    district_id: int | None
    may_be_named: bool = False
    may_be_told: bool = False


def open_online_appeals(iin: str) -> int:
    """Online appeals of this IIN still being worked on."""
    return db.session.scalar(
        select(func.count(Appeal.id))
        .join(Citizen, Appeal.citizen_id == Citizen.id)
        .where(Citizen.iin == iin, Appeal.channel == Channel.online, Appeal.state.in_(appeal_ops.OPEN_STATES))
    )


def check_submission(submission: Submission) -> None:
    """Refusals that need the database: too many open appeals, a district outside the region."""
    if open_online_appeals(submission.iin) >= current_app.config["ONLINE_MAX_OPEN_PER_IIN"]:
        raise Refused(
            _l(
                "You already have %(count)s open online appeals. Please wait for their decisions or "
                "come to a public reception.",
                count=current_app.config["ONLINE_MAX_OPEN_PER_IIN"],
            )
        )
    if submission.district_id is not None:
        district = db.session.get(District, submission.district_id)
        if district is None or district.region_id != submission.region_id:
            raise Refused(_l("The district is not in the chosen region."))


#: Tokens of the submissions waiting for their code, scored by when they expire (for the global cap).
PENDING_INDEX = "online:waiting"


def pending_files_dir(token: str) -> Path:
    """Where a waiting submission's files are kept until the code is typed (never under static/)."""
    return attachments.storage_dir() / "pending" / token


def purge_unconfirmed_files(now: float | None = None) -> int:
    """Remove the files of submissions whose code was never typed; returns how many folders went."""
    root = attachments.storage_dir() / "pending"
    if not root.is_dir():
        return 0
    cutoff = (now or time.time()) - current_app.config["ONLINE_CODE_TTL_MINUTES"] * 60
    gone = 0
    for folder in root.iterdir():
        if folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            gone += 1
    return gone


def _pending_key(token: str) -> str:
    return f"online:pending:{token}"


def _code_hash(token: str, code: str) -> str:
    return hash_pin(f"{token}:{code.strip()}", current_app.config["PIN_HMAC_KEY"])


def start_confirmation(submission: Submission, files: list[attachments.CheckedFile]) -> str:
    """Keep the submission, queue the SMS with its code, and remember it in the session; returns the token.

    Commits the outbox row (the SMS goes out after the commit)."""
    config = current_app.config
    redis = get_redis()
    ttl = config["ONLINE_CODE_TTL_MINUTES"] * 60
    # Submissions waiting for a code are few and small: a flood is refused, not stored (Redis is memory).
    now = time.time()
    redis.zremrangebyscore(PENDING_INDEX, 0, now)
    if redis.zcard(PENDING_INDEX) >= config["ONLINE_MAX_PENDING"]:
        logger.warning(
            "online appeals: %s waiting for their code, new ones refused for now", config["ONLINE_MAX_PENDING"]
        )
        raise Refused(_l("Too many appeals are waiting for confirmation right now. Please try again later."), 503)
    if not within_limit(config["ONLINE_CODE_LIMIT_PER_PHONE"], "online-code-phone", submission.phone):
        raise Refused(_l("Too many codes were sent to this phone. Please try again in an hour."), status=429)
    if not within_limit(config["ONLINE_CODE_LIMIT_TOTAL"], "online-code-total", "all"):
        logger.warning(
            "online appeals: the hourly limit of SMS codes (%s) is reached", config["ONLINE_CODE_LIMIT_TOTAL"]
        )
        raise Refused(_l("Too many appeals are waiting for confirmation right now. Please try again later."), 503)
    token = secrets.token_urlsafe(24)
    code = new_pin()
    record = {
        "submission": json.dumps(asdict(submission)),
        "files": json.dumps([{"filename": f.filename, "content_type": f.content_type} for f in files]),
        "code": _code_hash(token, code),
        "attempts": 0,
    }
    # The files wait on disk, not in Redis; the hourly sweep removes those never confirmed.
    folder = pending_files_dir(token)
    folder.mkdir(parents=True, exist_ok=True)
    for n, f in enumerate(files):
        (folder / str(n)).write_bytes(f.data)
    pipe = redis.pipeline()
    pipe.hset(_pending_key(token), mapping=record)
    pipe.expire(_pending_key(token), ttl)
    pipe.zadd(PENDING_INDEX, {token: now + ttl})
    pipe.execute()
    _queue_code(token, submission.phone, code, 1)
    db.session.commit()
    session[PENDING_KEY] = token
    logger.info("online appeal waiting for its code (token %s…)", token[:6])
    return token


def _queue_code(token: str, phone: str, code: str, number: int) -> None:
    # quiet_hours=False: the citizen is waiting for the code, at any hour.
    queue_message(
        dedupe_key=f"online:{token}:code:{number}",
        channel=MessageChannel.sms,
        recipient=phone,
        language=_message_language(),
        quiet_hours=False,
        body=_("Qabyldau: your confirmation code is %(code)s. Do not tell it to anyone.", code=code),
    )


def pending_submission(token: str) -> tuple[Submission, int] | None:
    """What this browser sent and is still waiting for its code, and how many files came with it."""
    record = get_redis().hmget(_pending_key(token), ["submission", "files"])
    if record[0] is None:
        return None
    return Submission(**json.loads(record[0])), len(json.loads(record[1] or b"[]"))


def resend_code(token: str) -> None:
    """A new code for the submission waiting for one, to the same phone; the earlier code stops working.
    Counts against the phone's limit like a new submission. Commits the outbox row. Raises Refused."""
    config = current_app.config
    redis = get_redis()
    key = _pending_key(token)
    waiting = pending_submission(token)
    if waiting is None:
        raise Refused(_l("The confirmation has expired. Please send the appeal again."), status=410)
    submission, _files = waiting
    if not within_limit(config["ONLINE_CODE_LIMIT_PER_PHONE"], "online-code-phone", submission.phone):
        raise Refused(_l("Too many codes were sent to this phone. Please try again in an hour."), status=429)
    code = new_pin()
    pipe = redis.pipeline()
    pipe.hset(key, mapping={"code": _code_hash(token, code), "attempts": 0})
    pipe.hincrby(key, "sent", 1)
    number = pipe.execute()[-1]
    _queue_code(token, submission.phone, code, number + 1)
    db.session.commit()


def _message_language() -> str:
    from ..i18n import current_language

    return current_language()


def pending_token() -> str | None:
    """The token of this browser's submission, if it is still waiting."""
    token = session.get(PENDING_KEY)
    if not token or not get_redis().exists(_pending_key(token)):
        return None
    return token


def masked_phone(token: str) -> str:
    """The phone the code went to, as "+7 *** *** 45 67", for the confirmation page."""
    raw = get_redis().hget(_pending_key(token), "submission")
    phone = json.loads(raw)["phone"] if raw else ""
    return f"{phone[:2]} *** *** {phone[-4:-2]} {phone[-2:]}" if len(phone) >= 6 else ""


def confirm(token: str, code: str) -> Registered:
    """Check the SMS code; the right one registers the appeal (committed). Raises Refused."""
    redis = get_redis()
    key = _pending_key(token)
    stored = redis.hget(key, "code")
    if stored is None:
        raise Refused(_l("The confirmation has expired. Please send the appeal again."), status=410)
    if not hmac.compare_digest(_code_hash(token, code or ""), stored.decode()):
        attempts = redis.hincrby(key, "attempts", 1)
        if attempts >= current_app.config["ONLINE_CODE_ATTEMPTS"]:
            redis.delete(key)
            redis.zrem(PENDING_INDEX, token)
            shutil.rmtree(pending_files_dir(token), ignore_errors=True)
            session.pop(PENDING_KEY, None)
            raise Refused(_l("Too many wrong codes. Please send the appeal again."), status=410)
        raise Refused(_l("The code is wrong. Please check the SMS and try again."))
    record = redis.hgetall(key)
    if not redis.delete(key):
        raise Refused(_l("The confirmation has expired. Please send the appeal again."), status=410)  # used just now
    redis.zrem(PENDING_INDEX, token)
    session.pop(PENDING_KEY, None)
    submission = Submission(**json.loads(record[b"submission"]))
    folder = pending_files_dir(token)
    try:
        files = [
            attachments.CheckedFile(
                filename=meta["filename"], content_type=meta["content_type"], data=(folder / str(n)).read_bytes()
            )
            for n, meta in enumerate(json.loads(record[b"files"]))
        ]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    check_submission(submission)  # again: another appeal may have been confirmed meanwhile
    # The code has done its job: it is not kept readable on the administrators' "sent messages" page.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.dedupe_key.startswith(f"online:{token}:code:", autoescape=True))
        .values(body=_("Qabyldau: your confirmation code is %(code)s. Do not tell it to anyone.", code="******"))
    )
    return register_online_appeal(submission, files)


# --- registration ---------------------------------------------------------------------------------


def branch_for_place(region: Region | None, district: District | None) -> Branch:
    """The reception that registers an online appeal: the district's, else the region's, else the central one."""
    if district is not None:
        branch = db.session.scalar(
            select(Branch)
            .where(Branch.district_id == district.id, Branch.is_active.is_(True), Branch.level == BranchLevel.district)
            .order_by(Branch.code)
        )
        if branch is not None:
            return branch
        region = region or district.region
    if region is not None:
        branch = db.session.scalar(
            select(Branch)
            .where(Branch.region_id == region.id, Branch.is_active.is_(True), Branch.level == BranchLevel.regional)
            .order_by(Branch.code)
        )
        if branch is not None:
            return branch
    return db.session.scalar(select(Branch).where(Branch.level == BranchLevel.central).order_by(Branch.id))


def register_online_appeal(submission: Submission, files: list[attachments.CheckedFile]) -> Registered:
    """Take the appeal in as a walk-in one is (channel "online", identity unchecked); commits."""
    region = db.session.get(Region, submission.region_id)
    district = db.session.get(District, submission.district_id) if submission.district_id else None
    topic = db.session.get(Topic, submission.topic_id)
    if region is None or topic is None:
        raise Refused(_l("The form could not be accepted. Please fill it in again."))
    citizen = appeal_ops.CitizenData(
        iin=submission.iin,
        full_name=submission.full_name,
        birth_date=parse_iin(submission.iin).birth_date,
        phone=submission.phone,
        email=submission.email,
        address=submission.address,
        region=region,
        district=district,
        language=submission.language,
        may_be_named=submission.may_be_named,
        may_be_told=submission.may_be_told,
    )
    registered = intake_appeal(
        Intake(
            branch=branch_for_place(region, district),
            citizen=citizen,
            consent=True,  # the form's consent box is required
            identity_checked=False,
            type=AppealType(submission.type),
            topic=topic,
            summary=submission.summary,
            text=submission.text,
            channel=Channel.online,
            language=submission.language,
            region=region,
            district=district,
            files=files,
        )
    )
    logger.info("online appeal %s registered", registered.appeal.registration_number)
    return registered
