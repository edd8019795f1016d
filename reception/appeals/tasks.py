"""The appeals' background jobs."""

from datetime import datetime

from .retention import erase_past_retention


def apply_retention(now: datetime | None = None) -> int:
    """Erase personal data past the retention period (daily); returns how many citizens and appeals."""
    return erase_past_retention(now)
