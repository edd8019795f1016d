"""The one helper every feature calls to write the audit log."""

import logging

from flask import has_request_context, request
from flask_login import current_user

from ..extensions import db
from .models import AuditEntry

logger = logging.getLogger(__name__)


def client_ip() -> str | None:
    """The client's address (behind reverse proxies, set PROXY_FIX_HOPS so this is not the proxy's)."""
    return request.remote_addr if has_request_context() else None


def audit(action: str, target=None, *, user=None, details: dict | None = None) -> AuditEntry:
    """Record `action` on `target` by `user` (default: the signed-in user) from the request's IP.

    The entry joins the caller's transaction, so it is stored exactly when the change it describes is.
    """
    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user
    if (target is not None and target.id is None) or (user is not None and user.id is None):
        db.session.flush()  # new rows need their ids before they can be named
    entry = AuditEntry(
        action=action,
        user_id=user.id if user is not None else None,
        target_type=type(target).__name__ if target is not None else None,
        target_id=str(target.id) if target is not None else None,
        ip=client_ip(),
        details=details or {},
    )
    db.session.add(entry)
    logger.info("audit %s on %s %s by %s", action, entry.target_type, entry.target_id, entry.user_id)
    return entry
