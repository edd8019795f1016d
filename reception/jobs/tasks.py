"""Jobs of the jobs package itself."""

import os

from ..audit.log import audit
from ..extensions import db


def record_worker_ping(token: str) -> None:
    """A job that proves the pipeline end to end: the worker ran it and could write the database."""
    audit("system.worker_ping", details={"token": token, "pid": os.getpid()})
    db.session.commit()
