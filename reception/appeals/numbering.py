"""Registration numbers: gap-free and unique per branch and year, taken at the end of the registering transaction.

The number comes from the branch's counter row (`next_sequence`), and that row stays locked until the
transaction ends: every other registration in the branch waits on it. So intake registers the appeal under a
provisional number and takes the real one last, when the session commits (`_number_pending`, a before_commit
listener), after everything else of the transaction is flushed: the lock is then held for one UPDATE and the
commit, not for the citizen, the files, the routing and the messages. The counter and the number are in the same
transaction as the appeal, so a transaction that rolls back takes no number (no gap).

What needs the real number before the commit waits for it with `when_numbered` (the audit entry of the
registration, a deputy's note "New appeal ALM-03/2026/000153").
"""

import secrets
from collections.abc import Callable

from sqlalchemy import String, cast, event, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from .models import Appeal, RegistrationCounter

_PENDING = "reception.unnumbered_appeals"


def next_sequence(session: Session, branch_id: int, year: int) -> int:
    """The next registration sequence of a branch in a year, atomic under concurrent intake.

    One upsert statement increments the counter row and returns the new value; concurrent transactions
    queue on that row's lock (until the transaction ends), so no two get the same number.
    """
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(RegistrationCounter).values(branch_id=branch_id, year=year, last_value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["branch_id", "year"], set_={"last_value": RegistrationCounter.last_value + 1}
    ).returning(RegistrationCounter.last_value)
    return session.execute(stmt).scalar_one()


def registration_number(branch_code: str, year: int, sequence: int) -> str:
    return f"{branch_code}/{year}/{sequence:06d}"


def provisional(appeal: Appeal) -> None:
    """Give a new appeal (its tracking code already set) a number to be replaced at commit.

    Both are unique without any lock: the tracking code is, and a negative random sequence cannot meet a real
    one (a clash with another pending appeal, one in two billion, only waits for that one's commit, which
    gives it its real number)."""
    appeal.registration_number = f"~{appeal.tracking_code}"
    appeal.sequence = -1 - secrets.randbelow(2**31 - 1)
    db.session.info.setdefault(_PENDING, []).append((appeal, []))


def is_pending(appeal: Appeal) -> bool:
    return any(a is appeal for a, _ in db.session.info.get(_PENDING, ()))


def when_numbered(appeal: Appeal, then: Callable[[], object]) -> None:
    """Run `then` once the appeal has its real number: now if it has, else at commit, right after numbering."""
    for pending, callbacks in db.session.info.get(_PENDING, ()):
        if pending is appeal:
            callbacks.append(then)
            return
    then()


@event.listens_for(Session, "before_commit")
def _number_pending(session: Session) -> None:
    if session.in_nested_transaction() or not session.info.get(_PENDING):
        return  # a savepoint's commit: the number waits for the real one
    session.flush()  # everything else first, so the counter's lock is held for as little as possible
    pending = session.info.pop(_PENDING)
    # In a fixed order, so two transactions numbering appeals of the same two branches cannot deadlock.
    pending.sort(key=lambda item: (item[0].branch_id, item[0].year))
    postgres = session.get_bind().dialect.name == "postgresql"
    for appeal, _ in pending:
        if postgres:
            sequence, number = _number_in_one_statement(session, appeal)
        else:
            sequence = next_sequence(session, appeal.branch_id, appeal.year)
            number = registration_number(appeal.branch.code, appeal.year, sequence)
            # Not an edit of the appeal: its version and update time stay as registered.
            session.execute(
                Appeal.__table__.update()
                .where(Appeal.id == appeal.id)
                .values(sequence=sequence, registration_number=number, updated_dt=Appeal.updated_dt)
            )
        set_committed_value(appeal, "sequence", sequence)
        set_committed_value(appeal, "registration_number", number)
    for _, callbacks in pending:
        for then in callbacks:
            then()


def _number_in_one_statement(session: Session, appeal: Appeal) -> tuple[int, str]:
    """PostgreSQL: the counter's upsert and the appeal's UPDATE in one statement (a CTE), so the counter's row
    is locked for one round trip fewer; the number is formatted as `registration_number` formats it."""
    counter = (
        postgresql.insert(RegistrationCounter)
        .values(branch_id=appeal.branch_id, year=appeal.year, last_value=1)
        .on_conflict_do_update(
            index_elements=["branch_id", "year"], set_={"last_value": RegistrationCounter.last_value + 1}
        )
        .returning(RegistrationCounter.last_value)
        .cte("counter")
    )
    # Read through subqueries, not joined in FROM: PostgreSQL runs a data-modifying CTE exactly once.
    sequence = select(counter.c.last_value).scalar_subquery()
    digits = cast(sequence, String)
    table = Appeal.__table__
    stmt = (
        table.update()
        .where(table.c.id == appeal.id)
        .values(
            sequence=sequence,
            # At least six digits, as f"{sequence:06d}".
            registration_number=literal(f"{appeal.branch.code}/{appeal.year}/")
            + func.lpad(digits, func.greatest(6, func.length(digits)), "0"),
            # Not an edit of the appeal: its version and update time stay as registered.
            updated_dt=table.c.updated_dt,
        )
        .returning(table.c.sequence, table.c.registration_number)
    )
    sequence, number = session.execute(stmt).one()
    return sequence, number


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
