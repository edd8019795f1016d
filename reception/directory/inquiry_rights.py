"""Who may send a deputy inquiry, and to whom: a setting per kind of representative body (config.py,
INQUIRY_ADDRESSEES, with the legal sources), and only while the deputy's mandate runs."""

from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l

from .models import Deputy, GovernmentBody


def addressee_kinds(deputy: Deputy) -> frozenset[str]:
    """The kinds of government body (GovernmentBodyKind values) a deputy of this body may address."""
    return current_app.config["INQUIRY_ADDRESSEES"].get(deputy.body.kind.value, frozenset())


def refusal(deputy: Deputy, addressee: GovernmentBody, on: date):
    """Why `deputy` may not send an inquiry to `addressee` on `on`, in the reader's language; None if they may."""
    if not deputy.serves_on(on):
        return _l("%(deputy)s holds no current mandate and may not send inquiries.", deputy=deputy.full_name)
    kinds = addressee_kinds(deputy)
    if not kinds:
        return _l("Deputies of %(body)s do not send deputy inquiries here.", body=deputy.body.name)
    if addressee.kind.value not in kinds:
        return _l(
            "A deputy of %(body)s may not address an inquiry to %(addressee)s (%(kind)s).",
            body=deputy.body.name,
            addressee=addressee.name,
            kind=addressee.kind.label,
        )
    return None
