"""What the notifications listen to in other domains; `create_app` connects them, once."""

from ..appeals.signals import appeal_changed, appeal_erasing
from .events import tell_citizen
from .inapp import tell_holder
from .retention import erase_appeal_messages


def connect() -> None:
    """Tell citizens and holders about changes of their appeals, and erase messages with the appeal's data
    (blinker ignores a second connection)."""
    appeal_changed.connect(tell_citizen)
    appeal_changed.connect(tell_holder)
    appeal_erasing.connect(erase_appeal_messages)
