"""`flask demo generate`: many demo appeals at once, for benchmarks at a million appeals.

`appeals.generate_appeals` registers each appeal through the real operations (43 a second on PostgreSQL). Here
the same kind of data is planned with numpy, made into rows in plain Python and written with PostgreSQL's COPY
(psycopg's binary `cursor.copy()`) by several processes at once, the indexes and foreign keys of citizens, appeals
and events set aside while it loads and made again after the rows are committed, several at once
(demo/indexes.py); on SQLite, the embedded default, the same rows go in by batched INSERTs in the caller's
transaction: correct, not fast.

What the app relies on holds as if the appeals had come in one by one: registration numbers continue each
branch's sequence of that year without gaps and the counters end where the numbers do (the next real intake
takes the next number), tracking codes are unique and carry their check symbol, deadlines come from the
working-day calendar, each appeal's events are its path to its state, a decided one has its decided_dt (and a
closed one its closed_dt), citizens have valid IINs (with the birth date and sex they encode) and their consent
on record, an anonymous appeal has its legal ground (and without one is left without consideration).
Nobody is notified (history, not news) and nothing is written to the audit log per appeal.

Every generated appeal has the same PIN, DEMO_PIN: its status can be looked up with its tracking code and that
PIN. Its hash is made once with the server's PIN key, as for any appeal.
"""

import multiprocessing
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import psycopg
from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from ..accounts.models import Role, User
from ..appeals import deadlines
from ..appeals import operations as ops
from ..appeals.codes import ALPHABET, hash_pin
from ..appeals.models import AnonymousGround, Appeal, AppealEvent, AppealType, Channel, Citizen, RegistrationCounter
from ..dbtypes import utcnow
from ..directory.models import Branch, BranchLevel, Deputy, Topic
from ..extensions import db
from .appeals import DAYS_BACK, SUMMARIES
from .deputies import GIVEN_FEMALE, GIVEN_MALE, PATRONYMIC_ROOTS, SURNAMES
from .indexes import add_keys_unchecked, drop, make_again

#: The PIN of every generated appeal (printed by `flask demo generate --help`).
DEMO_PIN = "123456"
#: Appeals made into rows and written at a time: bounded memory at a million.
CHUNK = 50_000
#: The tables written, in the order their rows go in.
TABLES = ("citizens", "appeals", "appeal_events")
#: Processes making rows and writing them by COPY at once, each on its own connection, each every third chunk:
#: making the rows in Python costs as much as PostgreSQL's taking them, and one process leaves a core idle.
LOAD_PROCESSES = 3
#: Connections making the indexes again at once: the two GIN builds (one process each) beside the btrees (each
#: with PostgreSQL's parallel workers); more only queue for the same cores.
INDEX_CONNECTIONS = 4

S = ops.S
#: The old generator's spread of how far an appeal went: registered, routed, in progress, resolved, closed.
STEP_CHOICES = np.array([0, 1, 1, 2, 2, 3, 4])
#: Its final state after that many steps.
STEP_STATES = (S.registered, S.routed, S.in_progress, S.resolved, S.closed)
CHANNELS = [Channel.walk_in] * 4 + list(Channel)
TYPES = list(AppealType)
TYPE_VALUES = [t.value for t in TYPES]
CHANNEL_VALUES = [c.value for c in CHANNELS]
#: Anonymous appeals: a ground for each; without one (no_ground) the appeal is left without consideration.
GROUNDS = (AnonymousGround.crime, AnonymousGround.threat, AnonymousGround.no_ground)
GROUNDS_NO_GROUND = GROUNDS.index(AnonymousGround.no_ground)
RESOLVED_COMMENT = "Вопрос решён"

APPEAL_COLUMNS = (
    "id",
    "registration_number",
    "branch_id",
    "year",
    "sequence",
    "tracking_code",
    "pin_hash",
    "citizen_id",
    "contact_phone",
    "contact_email",
    "type",
    "topic_id",
    "summary",
    "text",
    "channel",
    "language",
    "region_id",
    "district_id",
    "is_collective",
    "anonymous_ground",
    "cosigners",
    "state",
    "deputy_id",
    "outgoing_letter_number",
    "escalation_level",
    "duplicate_override_reason",
    "registered_dt",
    "registered_by_id",
    "counting_from",
    "deadline",
    "closed_dt",
    "decided_dt",
    "version",
    "updated_dt",
    "updated_by_id",
)
CITIZEN_COLUMNS = (
    "id",
    "iin",
    "full_name",
    "birth_date",
    "phone",
    "email",
    "address",
    "region_id",
    "district_id",
    "language",
    "consent_dt",
    "consent_taken_by_id",
    "consent_version",
    "may_be_named",
    "may_be_told",
    "created_dt",
)
EVENT_COLUMNS = (
    "id",
    "appeal_id",
    "created_dt",
    "user_id",
    "kind",
    "from_state",
    "to_state",
    "comment",
    "is_public",
    "comment_public",
)


@dataclass
class Generated:
    appeals: int
    citizens: int
    events: int


def generate_bulk(count: int, seed: int = 7, say: Callable[[str], None] = lambda _text: None) -> Generated:
    """Add `count` demo appeals with their citizens and events. On PostgreSQL the rows are committed here, then
    their indexes made again; on SQLite the caller commits."""
    world = _World.load()
    postgres = db.session.get_bind().dialect.name == "postgresql"
    conn = db.session.connection()
    if postgres:
        # Nobody registers (or is numbered) meanwhile: the numbers and ids below are taken from what is there.
        conn.exec_driver_sql(
            "LOCK TABLE registration_counters, citizens, appeals, appeal_events IN SHARE ROW EXCLUSIVE MODE"
        )
    plan = _Plan(count, seed, world)
    say(f"planned {count} appeals, {plan.new_citizens} new citizens")
    counters = {
        (branch_id, year): last
        for branch_id, year, last in db.session.execute(
            select(RegistrationCounter.branch_id, RegistrationCounter.year, RegistrationCounter.last_value)
        )
    }
    iins = _new_iins(plan.new_citizens, np.random.default_rng(seed + 1), set(db.session.scalars(select(Citizen.iin))))
    codes = _tracking_codes(count, np.random.default_rng(), set(db.session.scalars(select(Appeal.tracking_code))))
    ids = _Ids.take(count, plan.new_citizens, plan.events, postgres)
    counters_before = dict(counters)
    rows = _Rows(plan, world, counters, iins, codes, ids)
    say("IINs, tracking codes, numbers and ids drawn")
    if not postgres:
        events = _write_sqlite(rows, say)
        _save_counters(counters, rows.counters_touched)
        return Generated(count, plan.new_citizens, events)
    saved = drop(conn, list(TABLES))
    indexes, keys = saved.counts
    say(f"{indexes} indexes and {keys} foreign keys set aside")
    # The numbers are taken (the counters moved on) with the indexes dropped, in one commit that ends the lock:
    # an intake meanwhile numbers after these appeals. The rows then go in on connections of their own, several
    # at once, and the indexes are made again whatever happens.
    _save_counters(counters, rows.counters_touched)
    db.session.commit()
    try:
        events = _copy_in_parallel(db.engine, rows)
        say(f"appeals: {count} written by {LOAD_PROCESSES} processes")
    except BaseException:
        _take_back(ids, plan, counters, counters_before)
        raise
    finally:
        add_keys_unchecked(db.session.connection(), saved)
        db.session.commit()
        say(f"making {indexes} indexes again and checking {keys} foreign keys, {INDEX_CONNECTIONS} at a time")
        make_again(db.engine, saved, connections=INDEX_CONNECTIONS, say=lambda text: say(f"  {text}"))
        say("indexes and foreign keys made")
    return Generated(count, plan.new_citizens, events)


# --- what there is to generate against -------------------------------------------------------------------------


@dataclass
class _World:
    admin_id: int
    #: District branches: (id, code, region_id, district_id, address_ru, address_kk).
    branches: list[tuple]
    topic_ids: dict[str, int]
    #: Per region: (deputy id, is featured, first day, last day it serves) for active deputies with a region.
    deputies: dict[int, list[tuple[int, bool, date, date]]]
    pin_hash: str
    now: datetime
    today: date
    calendar: object

    @classmethod
    def load(cls) -> "_World":
        admin_id = db.session.scalar(select(User.id).where(User.role == Role.admin).order_by(User.id))
        if admin_id is None:
            raise RuntimeError("load the demo users first (flask demo load)")
        branches = db.session.execute(
            select(Branch.id, Branch.code, Branch.region_id, Branch.district_id, Branch.address_ru, Branch.address_kk)
            .where(Branch.level == BranchLevel.district)
            .order_by(Branch.id)
        ).all()
        # The demo deputies people sign in as get a good share of their region's appeals: a queue worth a look.
        featured = set(
            db.session.scalars(select(User.deputy_id).where(User.role == Role.deputy, User.deputy_id.is_not(None)))
        )
        deputies: dict[int, list[tuple[int, bool, date, date]]] = {}
        for deputy in db.session.scalars(
            select(Deputy)
            .options(selectinload(Deputy.convocation))
            .where(Deputy.region_id.is_not(None))
            .order_by(Deputy.id)
        ):
            if deputy.is_active:
                first, last = _serving(deputy)
                deputies.setdefault(deputy.region_id, []).append((deputy.id, deputy.id in featured, first, last))
        now = utcnow()
        return cls(
            admin_id=admin_id,
            branches=[tuple(b) for b in branches],
            topic_ids={code: id_ for id_, code in db.session.execute(select(Topic.id, Topic.code))},
            deputies=deputies,
            pin_hash=hash_pin(DEMO_PIN, current_app.config["PIN_HMAC_KEY"]),
            now=now,
            today=deadlines.local_date(now),
            calendar=ops.work_calendar(),
        )


def _serving(deputy: Deputy) -> tuple[date, date]:
    """The days `deputy.serves_on` is true for an active deputy, as one span: the mandate within its convocation."""
    first, last = deputy.mandate_start or date.min, deputy.mandate_end or date.max
    if deputy.convocation is not None:
        first = max(first, deputy.convocation.start_date)
        last = min(last, deputy.convocation.end_date or date.max)
    return first, last


# --- the plan: every random choice, drawn at once -----------------------------------------------------------------


class _Plan:
    """Each appeal's branch, day and time, author, topic, type, channel and how far it went, as numpy arrays in
    order of registration (so numbers grow with time, and a returning citizen came before)."""

    def __init__(self, count: int, seed: int, world: _World):
        rng = np.random.default_rng(seed)
        self.count = count
        # Registered on one of the last DAYS_BACK days (local), during the working day 09:00–19:00.
        day_back = rng.integers(1, DAYS_BACK + 1, count)
        second = rng.integers(0, 10 * 3600, count)
        order = np.lexsort((second, -day_back))
        self.day_back, self.second = day_back[order], second[order]
        self.branch = rng.integers(0, len(world.branches), count)
        self.summary = rng.integers(0, len(SUMMARIES), count)
        self.type = rng.integers(0, len(TYPES), count)
        self.channel = rng.integers(0, len(CHANNELS), count)
        self.steps = STEP_CHOICES[rng.integers(0, len(STEP_CHOICES), count)]
        self.ground = rng.integers(0, len(GROUNDS), count)
        self.pick = rng.random(count)
        self.featured = rng.random(count) < 0.5
        # Each step after the one before, within the time left until now (a fifth of it at most, four steps).
        self.gaps = rng.random((count, 4)) / 5
        # The author: 15% come back (an earlier new citizen), 4.25% anonymous, the rest new.
        who = rng.random(count)
        returning = who < 0.15
        anonymous = ~returning & (who < 0.15 + 0.85 * 0.05)
        new = ~returning & ~anonymous
        before = np.cumsum(new) - new
        new |= returning & (before == 0)  # nobody to come back yet
        returning &= ~new
        before = np.cumsum(new) - new
        self.anonymous = anonymous
        self.is_new = new
        self.new_citizens = int(new.sum())
        # Citizen number (0-based, in order of first appeal) of each appeal's author; -1 anonymous.
        self.citizen = np.where(new, before, np.where(returning, (rng.random(count) * before).astype(np.int64), -1))
        self.speaks_kk = rng.integers(0, 3, self.new_citizens) == 2  # the old generator's ru, ru, kk
        self.phone = rng.integers(1_000_000, 10_000_000, self.new_citizens)
        self.name = rng.integers(0, 1 << 30, (self.new_citizens, 3))
        # Events: registration, then one per step; an anonymous appeal without a ground: registration and leaving.
        not_considered = anonymous & (self.ground == GROUNDS_NO_GROUND)
        self.not_considered = not_considered
        #: At most this many events (an appeal with no deputy to go to stays registered).
        self.events = int(count + np.where(not_considered, 1, self.steps).sum())
        self.language_kk = np.zeros(count, dtype=bool)
        author = self.citizen >= 0
        self.language_kk[author] = self.speaks_kk[self.citizen[author]]


# --- ids, IINs and tracking codes ------------------------------------------------------------------------------


@dataclass
class _Ids:
    appeal: int
    citizen: int
    event: int

    @classmethod
    def take(cls, appeals: int, citizens: int, events: int, postgres: bool) -> "_Ids":
        """The first of a block of ids per table, taken from its sequence (PostgreSQL) or after its last row."""
        first = {}
        for table, n in zip(TABLES, (citizens, appeals, events), strict=True):
            if postgres:
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                start = db.session.execute(text(f"SELECT nextval({sequence})")).scalar_one()
                if n > 1:
                    db.session.execute(text(f"SELECT setval({sequence}, :last)"), {"last": start + n - 1})
            else:
                start = (db.session.execute(text(f"SELECT max(id) FROM {table}")).scalar() or 0) + 1
            first[table] = start
        return cls(first["appeals"], first["citizens"], first["appeal_events"])


_W1 = np.arange(1, 12)
_W2 = np.array([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2])


def _new_iins(n: int, rng: np.random.Generator, used: set[str]) -> list[tuple[str, date, bool]]:
    """`n` valid IINs not in `used`: (IIN, birth date, is female), the date and sex being what the IIN encodes."""
    found: list[tuple[str, date, bool]] = []
    while len(found) < n:
        m = int((n - len(found)) * 1.15) + 16
        born = np.datetime64("1950-01-01") + rng.integers(0, 365 * 55, m)
        year = born.astype("datetime64[Y]").astype(int) + 1970
        month = born.astype("datetime64[M]").astype(int) % 12 + 1
        day = (born - born.astype("datetime64[M]")).astype(int) + 1
        female = rng.integers(0, 2, m)
        century = np.where(year < 2000, 3, 5) + female
        serial = rng.integers(0, 10_000, m)
        yy = year % 100
        thousands, hundreds, tens, units = serial // 1000, serial // 100 % 10, serial // 10 % 10, serial % 10
        date_digits = [yy // 10, yy % 10, month // 10, month % 10, day // 10, day % 10]
        digits = np.stack([*date_digits, century, thousands, hundreds, tens, units], axis=1)
        first, second = digits @ _W1 % 11, digits @ _W2 % 11
        check = np.where(first != 10, first, second)
        valid = check != 10
        number = ((yy * 10_000 + month * 100 + day) * 10 + century) * 100_000 + serial * 10 + check
        for iin, birth, is_female in zip(
            number[valid].tolist(), born[valid].tolist(), female[valid].tolist(), strict=True
        ):
            iin = f"{iin:012d}"
            if iin not in used:
                used.add(iin)
                found.append((iin, birth, bool(is_female)))
    return found[:n]


_SYMBOLS = np.array(list(ALPHABET))


def _tracking_codes(n: int, rng: np.random.Generator, used: set[str]) -> list[str]:
    """`n` distinct tracking codes (10 random symbols and the Luhn mod 32 check symbol), none in `used`."""
    codes: list[str] = []
    seen = set(used)
    while len(codes) < n:
        m = n - len(codes) + 8
        body = rng.integers(0, len(ALPHABET), (m, 10))
        # Luhn mod N from the right: the last symbol doubled, then every other one (codes._luhn_mod_n).
        factor = np.where(np.arange(10)[::-1] % 2 == 0, 2, 1)
        addend = body * factor
        total = (addend // 32 + addend % 32).sum(axis=1)
        check = (32 - total % 32) % 32
        symbols = _SYMBOLS[np.concatenate([body, check[:, None]], axis=1)]
        dash = np.full((m, 1), "-")
        text_ = np.concatenate([symbols[:, :4], dash, symbols[:, 4:8], dash, symbols[:, 8:]], axis=1)
        for code in np.ascontiguousarray(text_).view("<U13").ravel().tolist():
            if code not in seen:
                seen.add(code)
                codes.append(code)
    return codes[:n]


# --- rows --------------------------------------------------------------------------------------------------------


class _Rows:
    """The rows of citizens, appeals and events, made a chunk of appeals at a time."""

    def __init__(self, plan: _Plan, world: _World, counters: dict, iins, codes, ids: _Ids):
        self.plan, self.world, self.counters, self.iins, self.codes, self.ids = plan, world, counters, iins, codes, ids
        # Per day back: the local day, the UTC moment of its 09:00, and the appeal's first counted day and deadline.
        self.days = {}
        for back in range(1, DAYS_BACK + 1):
            local = world.today - timedelta(days=back)
            nine = datetime(local.year, local.month, local.day, 9, tzinfo=deadlines.LEGAL_ZONE).astimezone(UTC)
            self.days[back] = (
                local,
                nine,
                deadlines.counting_start(nine, world.calendar),
                deadlines.decision_deadline(nine, world.calendar),
            )
        self.candidates: dict[tuple, tuple[list[int], list[int]]] = {}
        self.bounds: dict[int, list[date]] = {}
        self.summaries = [(world.topic_ids[code], in_russian, in_kazakh) for code, in_russian, in_kazakh in SUMMARIES]
        self.not_considered_reason = str(ops.NOT_CONSIDERED_REASON)
        self.paths = _paths(self.not_considered_reason)
        self.phones = plan.phone.tolist()
        self.names = _names(plan.name, [female for _iin, _born, female in iins])
        # Worked out for all appeals at once, so that chunks can be made apart (in parallel) and in any order:
        # each appeal's number in its branch's sequence of its year, continuing the counters (which are moved on
        # to the last number given) ...
        self.sequence, self.counters_touched = _numbers(plan, world, self.days, counters)
        # ... and each chunk's first event id: a chunk's events take a block sized for the most events its appeals
        # can have (an appeal with no deputy to go to has fewer: those ids stay unused, as in any sequence).
        most = 1 + np.where(plan.not_considered, 1, plan.steps)
        self.first_event = ids.event + np.concatenate([[0], np.cumsum(most)])

    def _deputies(self, region_id: int, day: date, stays_open: bool) -> tuple[list[int], list[int]]:
        """Who held a mandate on the day it came (the Mazhilis until 30 June 2026, the Kurultai after), and for an
        appeal still open, who holds one today too (an ended mandate's open work was handed over): the same list
        between two days a mandate starts or ends, so made once per such stretch."""
        bounds = self.bounds.get(region_id)
        if bounds is None:
            spans = self.world.deputies.get(region_id, [])
            bounds = self.bounds[region_id] = sorted({span[2] for span in spans} | {span[3] for span in spans})
        key = (region_id, bisect_left(bounds, day), day in bounds, stays_open)
        if key not in self.candidates:
            today = self.world.today
            chosen = [
                (deputy_id, featured)
                for deputy_id, featured, first, last in self.world.deputies.get(region_id, [])
                if first <= day <= last and (not stays_open or first <= today <= last)
            ]
            self.candidates[key] = ([d for d, _ in chosen], [d for d, f in chosen if f])
        return self.candidates[key]

    def chunks(self, share: int = 0, shares: int = 1):
        """(citizens, appeals, events) row lists for each CHUNK appeals, in order; with `shares`, only every
        `shares`-th chunk from the `share`-th (each is made apart from the others)."""
        for start in range(share * CHUNK, self.plan.count, shares * CHUNK):
            yield self._chunk(start, min(start + CHUNK, self.plan.count))

    def _chunk(self, start: int, stop: int):
        plan, world, admin = self.plan, self.world, self.world.admin_id
        now = world.now
        citizens, appeals, events = [], [], []
        branches, days, summaries = world.branches, self.days, self.summaries
        first_citizen = self.ids.citizen
        part = slice(start, stop)
        # Plain Python values: indexing numpy arrays one element at a time is slower than the rest of the loop.
        columns = [
            getattr(plan, name)[part].tolist()
            for name in (
                "branch",
                "day_back",
                "second",
                "citizen",
                "language_kk",
                "is_new",
                "summary",
                "anonymous",
                "ground",
                "not_considered",
                "steps",
                "featured",
                "pick",
                "gaps",
                "type",
                "channel",
            )
        ]
        columns.append(self.sequence[part].tolist())
        event_id = int(self.first_event[start])
        for i, (
            b,
            back,
            second,
            number,
            kk,
            is_new,
            summary_n,
            anonymous,
            ground_n,
            not_considered,
            steps,
            featured,
            pick,
            gaps,
            type_n,
            channel_n,
            sequence,
        ) in enumerate(zip(*columns, strict=True), start):
            branch_id, branch_code, region_id, district_id, address_ru, address_kk = branches[b]
            local, nine, counting_from, deadline = days[back]
            registered = nine + timedelta(seconds=second)
            if number < 0:
                citizen_id, phone = None, ""
            else:
                citizen_id = first_citizen + number
                phone = f"+7701{self.phones[number]}"  # a returning citizen's too: drawn with the citizen
                if is_new:
                    iin, born, _female = self.iins[number]
                    citizens.append(
                        (
                            citizen_id,
                            iin,
                            self.names[number],
                            born,
                            phone,
                            "",
                            address_kk if kk else address_ru,
                            region_id,
                            district_id,
                            "kk" if kk else "ru",
                            registered,
                            admin,
                            ops.CONSENT_VERSION,
                            False,
                            False,
                            registered,
                        )
                    )
            year = local.year
            topic_id, in_russian, in_kazakh = summaries[summary_n]
            summary, text_ = in_kazakh if kk else in_russian
            appeal_id = self.ids.appeal + i
            ground = GROUNDS[ground_n].value if anonymous else None
            # The path: registered, then the steps it took (routed to a deputy who sat, ...), with their times.
            moments = [registered]
            deputy_id = None
            if not_considered:
                path = self.paths[NOT_CONSIDERED_PATH]
                moments.append(registered)
            else:
                if steps:
                    candidates, mine = self._deputies(region_id, local, steps < 3)
                    if mine and featured:
                        candidates = mine
                    if candidates:
                        deputy_id = candidates[int(pick * len(candidates))]
                    else:
                        steps = 0
                path = self.paths[steps]
                if steps:
                    span, elapsed = (now - registered).total_seconds(), 0.0
                    for gap in gaps[:steps]:
                        elapsed += 60 + gap * span
                        moments.append(registered + timedelta(seconds=elapsed))
            state, decided_at, closes = path[-1]
            for (from_state, to_state, comment), moment in zip(path[0], moments, strict=True):
                events.append(
                    (event_id, appeal_id, moment, admin, "transition", from_state, to_state, comment, True, True)
                )
                event_id += 1
            decided = moments[decided_at] if decided_at is not None else None
            closed = moments[-1] if closes else None
            appeals.append(
                (
                    appeal_id,
                    f"{branch_code}/{year}/{sequence:06d}",
                    branch_id,
                    year,
                    sequence,
                    self.codes[i],
                    world.pin_hash,
                    citizen_id,
                    phone,
                    "",
                    TYPE_VALUES[type_n],
                    topic_id,
                    summary,
                    text_,
                    CHANNEL_VALUES[channel_n],
                    "kk" if kk else "ru",
                    region_id,
                    district_id,
                    False,
                    ground,
                    0,
                    state,
                    deputy_id,
                    "",
                    0,
                    "",
                    registered,
                    admin,
                    counting_from,
                    deadline,
                    closed,
                    decided,
                    len(moments),  # one version per flush: the registration and each move
                    moments[-1],
                    admin,
                )
            )
        return citizens, appeals, events


def _numbers(plan: _Plan, world: _World, days: dict, counters: dict) -> tuple[np.ndarray, set[tuple[int, int]]]:
    """Each appeal's sequence number in its branch and year, in order of registration after the counter's last
    value; moves `counters` on to the last number given in each, and returns the (branch, year) keys it moved."""
    year_of = np.zeros(DAYS_BACK + 1, dtype=np.int64)
    for back, (local, *_rest) in days.items():
        year_of[back] = local.year
    branch_ids = np.array([branch[0] for branch in world.branches], dtype=np.int64)
    key = branch_ids[plan.branch] * 10_000 + year_of[plan.day_back]
    order = np.argsort(key, kind="stable")  # stable: within a key, in order of registration
    ordered = key[order]
    first = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    starts = np.flatnonzero(first)
    group = np.cumsum(first) - 1
    keys = [(k // 10_000, k % 10_000) for k in ordered[starts].tolist()]
    last = np.array([counters.get(k, 0) for k in keys], dtype=np.int64)
    sequence = np.empty(plan.count, dtype=np.int64)
    sequence[order] = np.arange(plan.count) - starts[group] + 1 + last[group]
    sizes = np.diff(np.concatenate([starts, [plan.count]]))
    for k, before, size in zip(keys, last.tolist(), sizes.tolist(), strict=True):
        counters[k] = before + size
    return sequence, set(keys)


NOT_CONSIDERED_PATH = -1


def _paths(not_considered_reason: str) -> dict[int, tuple]:
    """Per number of steps (NOT_CONSIDERED_PATH: left without consideration): the events' (from, to, comment)
    as stored, the final state, which event decided the appeal (None: undecided) and whether it closed it."""
    paths = {steps: list(STEP_STATES[: steps + 1]) for steps in range(len(STEP_STATES))}
    paths[NOT_CONSIDERED_PATH] = [S.registered, S.not_considered]
    comments = {S.resolved: RESOLVED_COMMENT, S.not_considered: not_considered_reason}
    made = {}
    for key, states in paths.items():
        events = tuple(
            (states[n - 1].value if n else None, state.value, comments.get(state, "")) for n, state in enumerate(states)
        )
        decided = next((n for n, state in enumerate(states) if state in ops.DECIDED_STATES), None)
        made[key] = (events, (states[-1].value, decided, states[-1] == S.closed))
    return made


def _names(picks: np.ndarray, female: list[bool]) -> list[str]:
    """Each new citizen's fictitious full name, of the sex the IIN says (deputies.fictitious_name's forms), from
    the three numbers drawn for it: the forms are made once per name, not once per citizen."""
    forms = {
        True: (
            [s if s.endswith(("и", "ы")) else s + "а" for s in SURNAMES],
            GIVEN_FEMALE,
            [r + "овна" if not r.endswith(("ат", "ан")) else r + "қызы" for r in PATRONYMIC_ROOTS],
        ),
        False: (
            SURNAMES,
            GIVEN_MALE,
            [r + "ович" if not r.endswith(("ат", "ан")) else r + "ұлы" for r in PATRONYMIC_ROOTS],
        ),
    }
    surname, root, given = (picks % np.array([len(SURNAMES), len(PATRONYMIC_ROOTS), 1 << 30])).T.tolist()
    names = []
    for s, r, g, is_female in zip(surname, root, given, female, strict=True):
        surnames, given_names, patronymics = forms[is_female]
        names.append(f"{surnames[s]} {given_names[g % len(given_names)]} {patronymics[r]}")
    return names


# --- writing -------------------------------------------------------------------------------------------------------


def _copy_in_parallel(engine, rows: _Rows) -> int:
    """Write the rows by binary COPY from LOAD_PROCESSES processes forked from this one (they share the plan as it
    is), each on a connection of its own that commits its share; returns how many events were written."""
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as raw:
        types = {
            table: _column_types(raw, table, columns)
            for table, columns in zip(TABLES, (CITIZEN_COLUMNS, APPEAL_COLUMNS, EVENT_COLUMNS), strict=True)
        }
    context = multiprocessing.get_context("fork")
    results = context.SimpleQueue()
    processes = [
        context.Process(target=_copy_share, args=(url, rows, types, share, results), name=f"demo-copy-{share}")
        for share in range(LOAD_PROCESSES)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    failed = [process.exitcode for process in processes if process.exitcode]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(processes)} processes writing the rows failed (exit codes {failed})")
    return sum(results.get() for _ in processes)


def _copy_share(url: str, rows: _Rows, types: dict, share: int, results) -> None:
    """In a forked process: every LOAD_PROCESSES-th chunk from the `share`-th, written and committed."""
    written = 0
    with psycopg.connect(url) as raw, raw.cursor() as cursor:  # commits on leaving, unless it raised
        for batches in rows.chunks(share, LOAD_PROCESSES):
            for table, columns, batch in zip(
                TABLES, (CITIZEN_COLUMNS, APPEAL_COLUMNS, EVENT_COLUMNS), batches, strict=True
            ):
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(types[table])
                    for row in batch:
                        copy.write_row(row)
            written += len(batches[2])
    results.put(written)


def _take_back(ids: _Ids, plan: _Plan, counters: dict, counters_before: dict) -> None:
    """After a failed load: the rows written of the ids taken deleted, and each counter as it was unless an
    intake has numbered after it since."""
    db.session.rollback()
    for table, first, n in (
        ("appeal_events", ids.event, plan.events),
        ("appeals", ids.appeal, plan.count),
        ("citizens", ids.citizen, plan.new_citizens),
    ):
        db.session.execute(
            text(f"DELETE FROM {table} WHERE id BETWEEN :first AND :last"), {"first": first, "last": first + n - 1}
        )
    table = RegistrationCounter.__table__
    for (branch_id, year), last in counters.items():
        if counters_before.get((branch_id, year)) == last:
            continue
        where = (table.c.branch_id == branch_id, table.c.year == year, table.c.last_value == last)
        if (branch_id, year) in counters_before:
            db.session.execute(table.update().where(*where).values(last_value=counters_before[(branch_id, year)]))
        else:
            db.session.execute(table.delete().where(*where))
    db.session.commit()


def _column_types(raw, table: str, columns: tuple[str, ...]) -> list[int]:
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0", (table,)
        )
        oids = dict(cursor.fetchall())
    return [oids[column] for column in columns]


def _write_sqlite(rows: _Rows, say) -> int:
    """The rows by batched INSERTs, in the caller's transaction; returns how many events."""
    written = events_written = 0
    for citizens, appeals, events in rows.chunks():
        for model, columns, batch in (
            (Citizen, CITIZEN_COLUMNS, citizens),
            (Appeal, APPEAL_COLUMNS, appeals),
            (AppealEvent, EVENT_COLUMNS, events),
        ):
            if batch:
                db.session.execute(model.__table__.insert(), [dict(zip(columns, row, strict=True)) for row in batch])
        written += len(appeals)
        events_written += len(events)
        say(f"appeals: {written} written")
    return events_written


def _save_counters(counters: dict, touched: set) -> None:
    """Each branch's counter for the year ends at its last number given: the next intake takes the one after."""
    table = RegistrationCounter.__table__
    existing = {(b, y) for b, y in db.session.execute(select(table.c.branch_id, table.c.year))}
    for key in sorted(touched):
        branch_id, year = key
        if key in existing:
            db.session.execute(
                table.update()
                .where(table.c.branch_id == branch_id, table.c.year == year)
                .values(last_value=counters[key])
            )
        else:
            db.session.execute(table.insert().values(branch_id=branch_id, year=year, last_value=counters[key]))
