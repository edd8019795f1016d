"""What the notifications listen to in other domains; `create_app` connects them, once."""

from ..appeals.signals import appeal_changed
from .events import tell_citizen
from .inapp import tell_holder


def connect() -> None:
    """Tell citizens and holders about changes of their appeals (blinker ignores a second connection)."""
    appeal_changed.connect(tell_citizen)
    appeal_changed.connect(tell_holder)
