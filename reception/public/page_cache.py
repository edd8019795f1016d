"""The citizen's status page kept in Redis per appeal version and language, so that a repeated look-up with the
right PIN costs one Redis round trip and no database work at all.

What is kept: the whole HTML of the page a right PIN opens (state, timeline with its public comments, the answer,
letters, deadline, the deputy and the branch), with the CSRF token cut out, under a key naming the tracking code,
the language and the local date; beside it the appeal's id, the versions it was rendered at and a keyed hash of
the PIN's keyed hash (`pin_check`: never the PIN, nor the database's column). It expires after
STATUS_PAGE_CACHE_SECONDS. A look-up serves it only if those versions are still current and the typed PIN
matches the check; anything else (nothing kept, out of date, a PIN that does not match) is decided by the
database, so a wrong PIN is refused and counted exactly as without the kept page.

Versions rather than deletions: a writer bumps `status:version:<appeal id>` after its commit, and a reader reads
the version before it loads the appeal, so a page rendered from data older than a change is always filed under
a version older than that change and is never served (deleting the key instead would let a slow reader store the
old page after the delete); a page is kept only if the versions did not move while it was rendered. Every ORM
flush that touches an appeal, its events, files, feedback or letters bumps that appeal's version; a change to the
directory (names, addresses of branches, deputies, bodies, topics) or to the calendar bumps the version of every
page. Direct SQL updates that change what the page shows call `appeal_changed()` / `everything_changed()`
themselves.

A new PIN must end the old one at once, even if Redis misses the bump after the commit: before a commit that
changes a PIN, the appeal's version is bumped and a "PIN changing" mark set (no page of the appeal is kept while it
lasts); if Redis cannot be told, the commit fails and the PIN stays as it was.
"""

import hashlib
import hmac
import logging
from dataclasses import dataclass

from flask import current_app, has_app_context
from redis.exceptions import RedisError
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import ObjectDeletedError

from ..jobs.queues import get_redis

log = logging.getLogger(__name__)

#: The CSRF token of the request that rendered the page is replaced by this before the page is kept.
TOKEN_MARK = "\x00csrf\x00"
_CHANGED = "status_pages_changed"
_ALL = "status_pages_all_changed"
_PINS = "status_pins_changed"
#: How long a PIN change keeps pages of its appeal from being kept, if Redis misses the bump after the commit.
PIN_CHANGE_SECONDS = 60
ALL_KEY = "status:version:all"


def version_key(appeal_id: int) -> str:
    return f"status:version:{appeal_id}"


def pin_changing_key(appeal_id: int) -> str:
    return f"status:pin-changing:{appeal_id}"


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
                    if _pin_changed(obj):
                        session.info.setdefault(_PINS, set()).add(obj.id)
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


def _pin_changed(appeal) -> bool:
    return inspect(appeal).attrs.pin_hash.history.has_changes()


def _before_commit(session: Session) -> None:
    # Before the commit, not after: if Redis cannot be told, the new PIN is not committed (the kept page would
    # still open with the old one). The mark also stops a reader between here and the commit from keeping a
    # page with the old PIN under the bumped version.
    _, appeal_model, _ = _models()
    ids = set(session.info.get(_PINS, ()))
    ids.update(
        obj.id for obj in session.dirty if isinstance(obj, appeal_model) and obj.id is not None and _pin_changed(obj)
    )
    if not ids or not has_app_context():
        return
    pipe = get_redis().pipeline(transaction=True)
    for appeal_id in ids:
        pipe.incr(version_key(appeal_id))
        pipe.expire(version_key(appeal_id), _ttl() * 2)
        pipe.set(pin_changing_key(appeal_id), 1, ex=PIN_CHANGE_SECONDS)
    pipe.execute()  # a RedisError here fails the commit


def _after_commit(session: Session) -> None:
    pins = session.info.pop(_PINS, None)
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
        for appeal_id in pins or ():
            pipe.delete(pin_changing_key(appeal_id))
        pipe.execute()
    except RedisError:
        # The pages stay as they were until they expire (STATUS_PAGE_CACHE_SECONDS).
        log.warning("could not mark %d status pages out of date", len(changed or ()))


def _after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)
    session.info.pop(_ALL, None)
    session.info.pop(_PINS, None)


def _ttl() -> int:
    return current_app.config["STATUS_PAGE_CACHE_SECONDS"]


def install(session) -> None:
    """Listen to `session` (the scoped session) for changes; idempotent."""
    for name, fn in (
        ("before_flush", _before_flush),
        ("before_commit", _before_commit),
        ("after_commit", _after_commit),
    ):
        if not event.contains(session, name, fn):
            event.listen(session, name, fn)
    if not event.contains(session, "after_soft_rollback", _soft_rollback):
        event.listen(session, "after_soft_rollback", _soft_rollback)


def _soft_rollback(session: Session, previous_transaction) -> None:
    # Only the outermost rollback forgets: a savepoint rolled back leaves what the outer transaction did.
    if previous_transaction.parent is None:
        _after_rollback(session)


# --- reading and keeping -------------------------------------------------------------------------

#: One round trip: the client's look-ups counted against its limit, the code's lock, whether wrong PINs are counted,
#: and the kept page if it is still current. A kept value starts with "<appeal id>:<its version>:<every page's
#: version>:<PIN check>" and a line break. The appeal's version key is named after the id in that value, not
#: passed in KEYS: a look-up does not know the id before this call, and one Redis server (not a cluster) holds
#: every key here.
_LOOKUP = """
if ARGV[1] ~= '0' then
  local tries = redis.call('INCR', KEYS[5])
  if tries == 1 then
    redis.call('EXPIRE', KEYS[5], ARGV[2])
  end
  if tries > tonumber(ARGV[1]) then
    return {1, 0, 0, false}
  end
end
local locked = redis.call('EXISTS', KEYS[1])
local wrong = redis.call('EXISTS', KEYS[2])
local kept = redis.call('GET', KEYS[3])
if kept then
  local id, v, all = string.match(kept, '^(%d+):(%d+):(%d+):')
  if id == nil
     or (redis.call('GET', 'status:version:' .. id) or '0') ~= v
     or (redis.call('GET', KEYS[4]) or '0') ~= all then
    kept = false
  end
end
return {0, locked, wrong, kept}
"""

#: Keep a page only if nothing changed since the versions were read and no PIN change is under way.
_KEEP = """
if (redis.call('GET', KEYS[2]) or '0') == ARGV[1]
   and (redis.call('GET', KEYS[3]) or '0') == ARGV[2]
   and redis.call('EXISTS', KEYS[4]) == 0 then
  redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4])
  -- The version must outlive the page: expired, it would read 0 and count up again to the page's number.
  if redis.call('EXISTS', KEYS[2]) == 1 then
    redis.call('EXPIRE', KEYS[2], 2 * tonumber(ARGV[4]))
  end
  return 1
end
return 0
"""

#: The page key of a look-up that can have no kept page (a malformed code, or keeping switched off).
NO_PAGE = "status:page:-"


def page_key(code: str, variant: str) -> str:
    """Where the page of the appeal with tracking code `code` is kept for `variant` (language and day)."""
    return f"status:page:{code}:{variant}"


def _script(name: str, source: str):
    # Bound to the app's current client (which a test, or a reconnect, may replace).
    redis = get_redis()
    app = current_app._get_current_object()
    kept = app.extensions.get(name)
    if kept is None or kept[0] is not redis:
        kept = (redis, redis.register_script(source))
        app.extensions[name] = kept
    return kept[1]


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


def pin_check(pin_hash: str) -> str:
    """What is kept beside a page to check a PIN with: a keyed hash of the PIN's keyed hash, so Redis holds
    neither the PIN nor the database's column."""
    key = current_app.config["PIN_HMAC_KEY"].encode()
    return hmac.new(key, b"status-page\x00" + pin_hash.encode(), hashlib.sha256).hexdigest()


@dataclass
class Kept:
    """A kept page still current for its appeal."""

    appeal_id: int
    check: str
    html: str

    def opens_with(self, pin_hash: str) -> bool:
        """Whether the PIN whose keyed hash is `pin_hash` is the one the page was kept for."""
        return hmac.compare_digest(pin_check(pin_hash), self.check)


def check(
    lock_key: str, wrong_key: str, key: str, limit: tuple[str, int, int] | None = None
) -> tuple[bool, bool, bool, Kept | None]:
    """(over the limit, locked, wrong PINs counted, the kept page if current) in one Redis round trip.

    `limit` is (the client's counter key, look-ups allowed, seconds of the window), None for no limit; a look-up
    over the limit is counted and nothing else is read."""
    counter, amount, seconds = limit or (NO_PAGE, 0, 0)
    limited, locked, wrong, value = _script("status_page_lookup", _LOOKUP)(
        keys=[lock_key, wrong_key, key, ALL_KEY, counter], args=[amount, seconds]
    )
    kept = None
    if value is not None:
        header, _, html = _text(value).partition("\n")
        appeal_id, _v, _all, pin = header.split(":")
        kept = Kept(int(appeal_id), pin, html)
    return bool(limited), bool(locked), bool(wrong), kept


def versions(appeal_id: int) -> tuple[str, str]:
    """The appeal's version and every page's version: read before the data of a page to keep is loaded."""
    mine, everyone = get_redis().mget(version_key(appeal_id), ALL_KEY)
    return _text(mine or b"0"), _text(everyone or b"0")


def keep(key: str, read: tuple[str, str], appeal_id: int, pin_hash: str, html: str, token: str) -> None:
    """Keep the page rendered with CSRF token `token` (cut out: each browser has its own) from data loaded
    after the versions `read` were read, unless they moved since (the data may be older than a change)."""
    body = html.replace(token, TOKEN_MARK) if token else html
    value = f"{appeal_id}:{read[0]}:{read[1]}:{pin_check(pin_hash)}\n{body}"
    try:
        _script("status_page_keep", _KEEP)(
            keys=[key, version_key(appeal_id), ALL_KEY, pin_changing_key(appeal_id)],
            args=[read[0], read[1], value, _ttl()],
        )
    except RedisError:
        log.warning("could not keep a status page")


def serve(html: str, token: str) -> str:
    return html.replace(TOKEN_MARK, token)
