"""What branch staff do about the citizens' status page: lift the lock put on a tracking code after wrong PINs."""

from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..appeals import operations as appeal_ops
from ..appeals.feedback import of_the_branch
from ..appeals.models import Appeal
from ..audit.log import audit
from . import status


def can_unlock(user: User, appeal: Appeal) -> bool:
    return of_the_branch(user, appeal)


def unlock_status_code(appeal: Appeal, *, user: User) -> bool:
    """Lift the lock put on the appeal's tracking code after wrong PINs; audited. True if it was locked."""
    if not can_unlock(user, appeal):
        raise appeal_ops.TransitionNotAllowed(_l("Only the appeal's branch can unlock its tracking code."))
    was_locked = status.unlock(appeal.tracking_code)
    audit("appeal.status_unlock", appeal, user=user, details={"was_locked": was_locked})
    return was_locked
