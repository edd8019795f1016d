"""Signals other domains listen to (notifications, later reports), so appeals need not know about them."""

from blinker import Namespace

_signals = Namespace()

#: Sent after an appeal changed state or deadline, inside the transaction that changed it.
#: Receivers get the appeal and `event` (the AppealEvent row just written).
appeal_changed = _signals.signal("appeal-changed")

#: Sent when the retention job erases an appeal's free text, inside its transaction: each domain that
#: keeps something about the appeal written by or about the citizen erases it. Receivers get the appeal.
appeal_erasing = _signals.signal("appeal-erasing")
