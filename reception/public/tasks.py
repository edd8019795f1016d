"""The citizens' side's background jobs."""

from .online import purge_unconfirmed_files


def purge_unconfirmed_online_files() -> int:
    """Remove the files of online appeals whose SMS code was never typed (hourly)."""
    return purge_unconfirmed_files()
