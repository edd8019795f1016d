"""The status look-up by tracking code and PIN, its locks, and what the citizen is shown.

A look-up has three outcomes, and the first two look the same whatever was wrong: "not found" for an
unknown code, a malformed code or a wrong PIN; "locked" after too many wrong PINs for one code (counted
for any code typed, existing or not, so a lock reveals nothing either); "found". What the page shows is
built here from the appeal's public events only, never from its text or the citizen's data.
"""

import functools
import hmac
import time
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app, session
from flask_babel import gettext as _
from limits import parse as parse_limit
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from ..appeals import deadlines
from ..appeals import operations as appeal_ops
from ..appeals.codes import hash_pin, normalize_tracking_code
from ..appeals.feedback import decision_to_rate
from ..appeals.models import (
    AnonymousGround,
    Appeal,
    AppealEvent,
    AppealFeedback,
    AppealState,
    Attachment,
    EventKind,
    ReopenState,
)
from ..directory.models import Branch, Deputy
from ..extensions import db
from ..i18n import select_locale
from ..jobs.queues import get_redis
from . import page_cache

S = AppealState
NOT_FOUND, LOCKED, FOUND, LIMITED = "not_found", "locked", "found", "limited"
#: The session key of the browser's access to one appeal after a right PIN: {"code": ..., "until": epoch}.
ACCESS_KEY = "status_access"
#: Decisions the citizen may rate.
#: Events the citizen wrote: the page names them but does not repeat their text.
CITIZEN_KINDS = frozenset({EventKind.citizen_info, EventKind.rating, EventKind.reopen_request})


@dataclass
class Lookup:
    outcome: str
    #: For a right PIN: the appeal's id, code and PIN hash ...
    appeal_id: int | None = None
    tracking_code: str = ""
    pin_hash: str = ""
    #: ... and, unless STATUS_PAGE_CACHE_SECONDS is 0, where its page is kept and the page if it is current; if
    #: not, the versions read before anything of the appeal was loaded (a page to keep is filed under them).
    page_key: str | None = None
    page: str | None = None
    versions: tuple[str, str] | None = None


def _lock_subject(code_text: str) -> str:
    """What wrong PINs are counted against: the canonical code, or the compacted text of a malformed one."""
    canonical = normalize_tracking_code(code_text)
    if canonical:
        return canonical
    return "".join(ch for ch in code_text.upper() if ch.isalnum())[:32] or "-"


def _wrong_key(subject: str) -> str:
    return f"status:wrong-pins:{subject}"


def _lock_key(subject: str) -> str:
    return f"status:locked:{subject}"


def lock_seconds_left(code: str) -> int:
    """Seconds until the tracking code `code` is unlocked; 0 if it is not locked."""
    ttl = get_redis().ttl(_lock_key(code))
    return max(ttl, 0)


def record_wrong_pin(subject: str) -> bool:
    """Count a wrong PIN for `subject`; lock it when the count reaches the maximum. True if now locked."""
    config = current_app.config
    redis = get_redis()
    key = _wrong_key(subject)
    pipe = redis.pipeline()
    pipe.set(key, 0, ex=config["STATUS_WRONG_PIN_WINDOW_MINUTES"] * 60, nx=True)  # the window opens at the first
    pipe.incr(key)
    count = pipe.execute()[-1]
    if count < config["STATUS_MAX_WRONG_PINS"]:
        return False
    pipe = redis.pipeline()
    pipe.set(_lock_key(subject), 1, ex=config["STATUS_LOCK_MINUTES"] * 60)
    pipe.delete(key)
    pipe.execute()
    return True


def unlock(code: str) -> bool:
    """Lift the lock (and forget the wrong PINs) of a tracking code; True if it was locked."""
    removed = get_redis().delete(_lock_key(code), _wrong_key(code))
    return removed > 0


#: Compared against when the code is unknown, so an unknown code costs the same HMAC as a wrong PIN.
_NO_SUCH_HASH = "0" * 64


def _page_query(*where, extra=()):
    """The appeal with everything the status page shows, in one round of queries."""
    return db.session.scalar(
        select(Appeal)
        .where(*where)
        .options(
            selectinload(Appeal.events),
            joinedload(Appeal.branch),
            joinedload(Appeal.topic),
            joinedload(Appeal.deputy).joinedload(Deputy.body),
            *extra,
        )
    )


def _appeal_for_page(code: str) -> Appeal | None:
    return _page_query(Appeal.tracking_code == code, extra=(joinedload(Appeal.redirected_to),))


def appeal_for_page(appeal_id: int) -> Appeal | None:
    """The appeal with what the status page shows of it, by id (after the code and PIN were checked)."""
    return _page_query(Appeal.id == appeal_id)


def page_variant() -> str:
    """What else than the appeal a kept page depends on: the language, and the day (days left, overdue)."""
    today = deadlines.local_date(appeal_ops.utcnow())
    # The chosen language as select_locale() names it (what current_language() reads from it), without parsing
    # it into Babel's Locale, which a look-up answered from Redis never needs.
    return f"{select_locale()}:{today.isoformat()}"


#: The narrow check: the unique index on the tracking code, three columns.
_CODE_AND_PIN = select(Appeal.id, Appeal.tracking_code, Appeal.pin_hash).where(
    Appeal.tracking_code == bindparam("code")
)


@functools.lru_cache(maxsize=8)
def _parsed_limit(text: str) -> tuple[int, int]:
    item = parse_limit(text)
    return item.amount, item.get_expiry()


def _client_limit(client: str) -> tuple[str, int, int] | None:
    """The client's look-up counter (its address as a keyed hash: no address in Redis keys), the look-ups
    allowed in the window (STATUS_LOOKUP_LIMIT) and the window's seconds; None with rate limits off."""
    config = current_app.config
    if not config["RATELIMIT_ENABLED"]:
        return None
    amount, seconds = _parsed_limit(config["STATUS_LOOKUP_LIMIT"])
    digest = hmac.new(config["PIN_HMAC_KEY"].encode(), b"client\x00" + client.encode(), "sha256").hexdigest()
    return f"status:lookups:{digest[:32]}", amount, seconds


def look_up(code_text: str, pin: str, client: str = "127.0.0.1") -> Lookup:
    """Check a tracking code and PIN as typed from the address `client`; counts the look-up against the
    client's limit and a wrong PIN against the code, refuses a locked code.

    A right PIN whose page is kept costs one Redis round trip (the client's limit, the lock, the wrong PINs'
    counter and the kept page together) and no database work; anything else is decided by one indexed query of
    code and PIN."""
    subject = _lock_subject(code_text or "")
    canonical = normalize_tracking_code(code_text or "")
    caching = current_app.config["STATUS_PAGE_CACHE_SECONDS"] > 0
    key = page_cache.page_key(canonical, page_variant()) if canonical and caching else page_cache.NO_PAGE
    limited, locked, wrong, kept = page_cache.check(_lock_key(subject), _wrong_key(subject), key, _client_limit(client))
    if limited:
        return Lookup(LIMITED)
    if locked:
        return Lookup(LOCKED)
    typed = hash_pin((pin or "").strip(), current_app.config["PIN_HMAC_KEY"])
    if kept is not None and kept.opens_with(typed):
        found = Lookup(FOUND, kept.appeal_id, canonical, typed, page_key=key, page=kept.html)
    else:
        # Nothing kept, or a PIN the kept page does not open with: the database decides, so a wrong PIN costs
        # the same whether or not a page is kept, and a PIN changed behind a kept page still works.
        row = None
        if canonical:
            # Autocommit: no BEGIN and no ROLLBACK around the one read, so psycopg keeps the query prepared (a
            # rollback makes it drop every prepared statement of the connection).
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                row = conn.execute(_CODE_AND_PIN, {"code": canonical}).first()
        # An unknown code costs the same comparison as a wrong PIN.
        if not hmac.compare_digest(typed, row.pin_hash if row is not None else _NO_SUCH_HASH):
            # The attempt that locks still answers "not found": only the next one learns of the lock.
            record_wrong_pin(subject)
            return Lookup(NOT_FOUND)
        found = Lookup(FOUND, row.id, row.tracking_code, row.pin_hash)
        if caching:
            found.page_key, found.versions = key, page_cache.versions(row.id)
    if wrong:
        get_redis().delete(_wrong_key(subject))
    return found


# --- the browser's access after a right PIN ------------------------------------------------------


def answer_file(appeal: Appeal, attachment_id: int) -> Attachment | None:
    """A file of the written answer the citizen is shown (a public step's, not a note's), else None."""
    for event in appeal.events:
        if event.is_public and event.comment_public:
            for f in event.files:
                if f.id == attachment_id:
                    return f
    return None


def grant_access(found: Lookup) -> None:
    """Let this browser act on the appeal (rate, add information) for a while without the PIN again.

    A browser already let in to this appeal with this PIN for more than half of that while keeps its access as
    it is, so a repeated look-up does not sign and send the session cookie again."""
    minutes = current_app.config["STATUS_ACCESS_MINUTES"]
    now = int(time.time())
    access = session.get(ACCESS_KEY)
    if (
        isinstance(access, dict)
        and access.get("code") == found.tracking_code
        and access.get("pin") == _pin_mark(found)
        and access.get("until", 0) - now > minutes * 30
    ):
        return
    session[ACCESS_KEY] = {
        "code": found.tracking_code,
        "until": now + minutes * 60,
        "pin": _pin_mark(found),
    }


def _pin_mark(appeal: Appeal | Lookup) -> str:
    """A few characters of the PIN's keyed hash: a new PIN ends the access granted with the old one."""
    return appeal.pin_hash[-8:]


def granted_appeal() -> Appeal | None:
    """The appeal this browser was let into, while the access lasts and its PIN is still the one typed."""
    access = session.get(ACCESS_KEY)
    if not isinstance(access, dict) or access.get("until", 0) < time.time():
        return None
    appeal = _appeal_for_page(str(access.get("code", "")))
    if appeal is None or access.get("pin") != _pin_mark(appeal):
        return None
    return appeal


def revoke_access() -> None:
    session.pop(ACCESS_KEY, None)


# --- what the citizen is shown -------------------------------------------------------------------


def state_in_words(state: AppealState) -> str:
    """A sentence for the citizen about where the appeal is."""
    return {
        S.registered: _("Your appeal is registered and is being passed to a deputy."),
        S.routed: _("Your appeal has been passed to a deputy."),
        S.in_progress: _("A deputy is working on your appeal."),
        S.inquiry_sent: _("An inquiry has been sent to a government body; its answer is awaited."),
        S.answer_received: _("The government body has answered; the deputy is considering the answer."),
        S.resolved: _("A decision has been made on your appeal."),
        S.rejected: _("Your appeal has been refused; the reason is below."),
        S.redirected: _("Your appeal has been forwarded to the body competent to decide it."),
        S.closed: _("Work on your appeal is finished."),
        S.reopened: _("Your appeal has been reopened and will be considered again."),
        S.not_considered: _(
            "Your appeal is registered but will not be considered: the law does not consider anonymous appeals "
            "unless they report a crime or a threat to state or public security."
        ),
    }[state]


def _step_title(event: AppealEvent, appeal: Appeal, last_routed_id: int | None) -> str:
    kind = event.kind
    if kind == EventKind.extension:
        return _("The deadline was extended")
    if kind == EventKind.citizen_info:
        return _("You added information")
    if kind == EventKind.rating:
        return _("You rated the decision")
    if kind == EventKind.reopen_request:
        return _("You asked for the appeal to be reopened")
    if kind == EventKind.reopen_declined:
        return _("The request to reopen was declined")
    state = event.to_state
    if state is None or (kind != EventKind.transition and state == event.from_state):
        return _("Update")
    if state == S.registered:
        return _("Appeal registered") if event.from_state is None else _("Returned for a new assignment")
    if state == S.routed:
        if event.id == last_routed_id and appeal.deputy is not None:
            return _("Passed to a deputy of %(body)s", body=appeal.deputy.body.name)
        return _("Passed to a deputy")
    return {
        S.in_progress: _("Taken into work"),
        S.inquiry_sent: _("Inquiry sent to a government body"),
        S.answer_received: _("Answer received"),
        S.resolved: _("Decision made"),
        S.rejected: _("Refused"),
        S.redirected: _("Forwarded to a competent body"),
        S.closed: _("Closed"),
        S.reopened: _("Reopened"),
        S.not_considered: _("Left without consideration"),
    }[state]


def _shows_comment(event: AppealEvent) -> bool:
    if event.kind in CITIZEN_KINDS:
        return False  # the citizen's own words: not repeated on a page anyone with the PIN can open
    if not event.comment_public:
        return False  # an internal note of the staff
    # A routing comment explains the rule behind it (internal); a hand-back's reason is internal too.
    return not (event.kind == EventKind.transition and event.to_state in (S.routed, S.registered))


@dataclass
class Step:
    when: datetime
    title: str
    text: str
    kind: str


@dataclass
class StatusPage:
    """Everything the status page shows about one appeal."""

    appeal: Appeal
    state_label: str
    state_words: str
    steps: list[Step]
    deputy_name: str | None
    deputy_body: str | None
    deadline: date
    days_left: int | None
    overdue: bool
    #: The public text of the last decision (or of the body's answer), if any, and its written answer's files.
    answer: str
    answer_files: list[Attachment]
    branch: Branch
    #: The decision the citizen may rate now, if any.
    rateable_event: AppealEvent | None
    can_add_information: bool
    feedback: list[AppealFeedback] = field(default_factory=list)
    #: For an anonymous appeal: why the law lets it be considered, or why it is not ("" otherwise).
    anonymous_words: str = ""

    @property
    def reopen_pending(self) -> bool:
        return any(f.reopen_state == ReopenState.pending for f in self.feedback)


def status_page(appeal: Appeal, today: date | None = None) -> StatusPage:
    """Build the page from the appeal's public events and public facts."""
    public = [e for e in appeal.events if e.is_public]
    routed = [e.id for e in public if e.kind == EventKind.transition and e.to_state == S.routed]
    last_routed_id = routed[-1] if routed else None
    steps = [
        Step(
            when=e.created_dt,
            title=_step_title(e, appeal, last_routed_id),
            text=e.comment if _shows_comment(e) else "",
            kind=e.kind,
        )
        for e in public
    ]
    answer, answer_files = "", []
    for e in public:
        if (
            e.kind == EventKind.transition
            and e.to_state in appeal_ops.WRITTEN_ANSWERS
            and (e.comment or e.files)
            and e.comment_public
        ):
            answer, answer_files = e.comment, list(e.files)
        elif e.kind == EventKind.transition and e.to_state == S.reopened:
            answer, answer_files = "", []
    is_open = appeal.state in appeal_ops.OPEN_STATES
    days_left, overdue = None, False
    if is_open:
        calendar = appeal_ops.work_calendar()
        today = today or deadlines.local_date(appeal_ops.utcnow())
        days_left = deadlines.working_days_left(appeal.deadline, today, calendar)
        overdue = deadlines.is_overdue(appeal.deadline, today)
    feedback = list(
        db.session.scalars(
            select(AppealFeedback).where(AppealFeedback.appeal_id == appeal.id).order_by(AppealFeedback.id)
        )
    )
    return StatusPage(
        appeal=appeal,
        state_label=appeal.state.label,
        state_words=state_in_words(appeal.state),
        steps=steps,
        deputy_name=appeal.deputy.full_name if appeal.deputy else None,
        deputy_body=appeal.deputy.body.name if appeal.deputy else None,
        deadline=appeal.deadline,
        days_left=days_left,
        overdue=overdue,
        answer=answer,
        answer_files=answer_files,
        branch=appeal.branch,
        rateable_event=decision_to_rate(appeal),
        can_add_information=is_open,
        feedback=feedback,
        anonymous_words=anonymous_in_words(appeal),
    )


def anonymous_in_words(appeal: Appeal) -> str:
    """For an anonymous appeal, in plain words: considered on which ground, or left without consideration."""
    ground = appeal.anonymous_ground if appeal.is_anonymous else None
    if ground == AnonymousGround.crime:
        return _(
            "Your appeal is anonymous. Anonymous appeals are considered only when they report a crime or a threat "
            "to state or public security; yours reports a crime, so it is considered as usual."
        )
    if ground == AnonymousGround.threat:
        return _(
            "Your appeal is anonymous. Anonymous appeals are considered only when they report a crime or a threat "
            "to state or public security; yours reports such a threat, so it is considered as usual."
        )
    if ground == AnonymousGround.no_ground:
        return _(
            "Your appeal is anonymous and reports neither a crime nor a threat to state or public security, so by "
            "law (the Administrative Procedural Code, art. 64) it is left without consideration. To have it "
            "considered, bring it again with your name."
        )
    return ""
