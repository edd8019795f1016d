"""Optimistic locking for every lifecycle: a form carries the version of the record it was loaded with, and
a change someone made meanwhile refuses the save instead of being overwritten."""

from collections.abc import Callable

from sqlalchemy.orm.exc import StaleDataError

from .errors import Refused
from .extensions import db


def check_version(record, expected_version: int | None, refusal: Callable[[object], Refused]) -> None:
    """Raise `refusal(record)` if the form was loaded at another version than the record has now."""
    if expected_version is not None and record.version != expected_version:
        raise refusal(record)


def flush_or_stale(record, refusal: Callable[[object], Refused]) -> None:
    """Flush; if another transaction committed a change between our read and our write, roll back and raise
    `refusal(fresh)`, made from the record as it is now stored."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise refusal(db.session.get(type(record), record.id)) from None
