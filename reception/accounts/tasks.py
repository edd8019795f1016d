"""The accounts' background jobs."""

from .operations import purge_old_login_failures


def purge_login_failures() -> int:
    """Forget failed logins older than the throttling window (daily); returns how many rows went."""
    return purge_old_login_failures()
