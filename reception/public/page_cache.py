"""The citizen's status page kept in Redis per appeal version and language, so that a repeated look-up costs one
indexed query (code and PIN) and one Redis round trip instead of loading and rendering the appeal.

What is kept: the whole HTML of the page a right PIN opens (state, timeline with its public comments, the answer,
letters, deadline, the deputy and the branch), with the CSRF token cut out, under a key naming the appeal's id and
tracking code, its version, the directory's version, the language and the local date; it expires after
STATUS_PAGE_CACHE_SECONDS. It is only ever served after the PIN has been checked against the database, so it
shows nobody anything the page would not show them.

Versions rather than deletions: a writer bumps `status:version:<appeal id>` after its commit, and a reader reads
the version before it loads the appeal, so a page rendered from data older than a change is always filed under
a version older than that change and is never read again (deleting the key instead would let a slow reader
store the old page after the delete). Every ORM flush that touches an appeal, its events, files, feedback or
letters bumps that appeal's version; a change to the directory (names, addresses of branches, deputies,
bodies, topics) or to the calendar bumps the version of every page. Direct SQL updates that change what the page
shows call `appeal_changed()` / `everything_changed()` themselves.
"""

import logging

from flask import current_app, has_app_context
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import ObjectDeletedError

from ..jobs.queues import get_redis

log = logging.getLogger(__name__)

#: The CSRF token of the request that rendered the page is replaced by this before the page is kept.
TOKEN_MARK = "\x00csrf\x00"
_CHANGED = "status_pages_changed"
_ALL = "status_pages_all_changed"
ALL_KEY = "status:version:all"


def version_key(appeal_id: int) -> str:
    return f"status:version:{appeal_id}"


def appeal_changed(session: Session, appeal_id: int) -> None:
    """The public page of this appeal changes when the session commits."""
    session.info.setdefault(_CHANGED, set()).add(appeal_id)


def everything_changed(session: Session) -> None:
    """Every kept page is out of date when the session commits (the directory or the calendar changed)."""
    session.info[_ALL] = True


def _models():
    from ..appeals.models import Appeal, AppealEvent, AppealFeedback, Attachment, CalendarTransfer
    from ..directory.models import Branch, Deputy, RepresentativeBody, Topic
    from ..letters.models import OutgoingLetter

    return (
        (AppealEvent, AppealFeedback, Attachment, OutgoingLetter),
        Appeal,
        (
            Branch,
            Deputy,
            RepresentativeBody,
            Topic,
            CalendarTransfer,
        ),
    )


def _before_flush(session: Session, _context, _instances) -> None:
    children, appeal_model, shared = _models()
    for obj in (*session.new, *session.dirty, *session.deleted):
        try:
            if isinstance(obj, appeal_model):
                if obj.id is not None:
                    appeal_changed(session, obj.id)
            elif isinstance(obj, children):
                appeal_id = (
                    obj.appeal_id if obj.appeal_id is not None else getattr(getattr(obj, "appeal", None), "id", None)
                )
                if appeal_id is not None:
                    appeal_changed(session, appeal_id)
            elif isinstance(obj, shared):
                everything_changed(session)
        except ObjectDeletedError:
            # An expired object whose row another transaction removed: reading it would fail the flush, and
            # whatever removed the row marked its page then.
            continue


def _after_commit(session: Session) -> None:
    changed = session.info.pop(_CHANGED, None)
    everything = session.info.pop(_ALL, False)
    if not (changed or everything) or not has_app_context():
        return
    try:
        pipe = get_redis().pipeline(transaction=False)
        for appeal_id in changed or ():
            pipe.incr(version_key(appeal_id))
            pipe.expire(version_key(appeal_id), _ttl() * 2)  # outlives every page filed under it
        if everything:
            pipe.incr(ALL_KEY)
        pipe.execute()
    except RedisError:
        # The pages stay as they were until they expire (STATUS_PAGE_CACHE_SECONDS).
        log.warning("could not mark %d status pages out of date", len(changed or ()))


def _after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)
    session.info.pop(_ALL, None)


def _ttl() -> int:
    return current_app.config["STATUS_PAGE_CACHE_SECONDS"]


def install(session) -> None:
    """Listen to `session` (the scoped session) for changes; idempotent."""
    for name, fn in (("before_flush", _before_flush), ("after_commit", _after_commit)):
        if not event.contains(session, name, fn):
            event.listen(session, name, fn)
    if not event.contains(session, "after_soft_rollback", _soft_rollback):
        event.listen(session, "after_soft_rollback", _soft_rollback)


def _soft_rollback(session: Session, previous_transaction) -> None:
    # Only the outermost rollback forgets: a savepoint rolled back leaves what the outer transaction did.
    if previous_transaction.parent is None:
        _after_rollback(session)


# --- reading and keeping -------------------------------------------------------------------------

#: One round trip: the code's lock, whether wrong PINs are counted, and the kept page under the current versions.
_LOOKUP = """
local locked = redis.call('EXISTS', KEYS[1])
local wrong = redis.call('EXISTS', KEYS[2])
local v = redis.call('GET', KEYS[3]) or '0'
local all = redis.call('GET', KEYS[4]) or '0'
local key = ARGV[1] .. ':' .. v .. ':' .. all .. ':' .. ARGV[2]
return {locked, wrong, key, redis.call('GET', key)}
"""


def _script():
    # Bound to the app's current client (which a test, or a reconnect, may replace).
    redis = get_redis()
    app = current_app._get_current_object()
    kept = app.extensions.get("status_page_script")
    if kept is None or kept[0] is not redis:
        kept = (redis, redis.register_script(_LOOKUP))
        app.extensions["status_page_script"] = kept
    return kept[1]


def check(lock_key: str, wrong_key: str, appeal_id: int, code: str, variant: str) -> tuple[bool, bool, str, str | None]:
    """(locked, wrong PINs counted, the page's key, the kept page or None) in one Redis round trip."""
    locked, wrong, key, page = _script()(
        keys=[lock_key, wrong_key, version_key(appeal_id), ALL_KEY],
        args=[f"status:page:{appeal_id}:{code}", variant],
    )
    key = key.decode() if isinstance(key, bytes) else key
    return bool(locked), bool(wrong), key, page.decode() if page is not None else None


def keep(key: str, html: str, token: str) -> None:
    """Keep the page rendered with CSRF token `token` (cut out: each browser has its own)."""
    try:
        get_redis().set(key, html.replace(token, TOKEN_MARK) if token else html, ex=_ttl())
    except RedisError:
        log.warning("could not keep a status page")


def serve(html: str, token: str) -> str:
    return html.replace(TOKEN_MARK, token)
