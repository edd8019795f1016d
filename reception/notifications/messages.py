"""What each event says, per channel, in the recipient's language.

Citizens get an SMS (one segment where possible: 70 Cyrillic characters, 13 of them the tracking code)
and an e-mail with a text and an HTML part. A citizen's message names the tracking code and at most the
citizen's own first name: never the PIN, the IIN, the phone, the address or what the appeal says, because
SMS and e-mail pass through other people's servers and phones are read over shoulders.

Staff get one line (the in-app note, which is also the subject of the e-mail beside it) and, for the
digest, a few more lines in the e-mail.

The functions here translate with gettext: call them inside `force_locale(recipient's language)`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

#: Characters of the GSM 03.38 basic alphabet: a text of these alone is sent 7-bit, 160 to a segment;
#: any other character (Cyrillic) makes the whole SMS UCS-2, 70 to a segment.
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def sms_segments(text: str) -> int:
    """How many SMS segments `text` takes (a long UCS-2 SMS carries 67 characters a segment, GSM 153)."""
    single, multi = (160, 153) if set(text) <= GSM_BASIC else (70, 67)
    return 1 if len(text) <= single else -(-len(text) // multi)


@dataclass(frozen=True)
class Facts:
    """What a citizen's message may say: the tracking code, the first name, and public facts."""

    code: str
    first_name: str = ""
    #: The deadline, dd.mm.yyyy.
    date: str = ""
    #: A public body: the deputy's representative body, or the body the appeal was forwarded to.
    body: str = ""
    #: The appeal's public status page (the code is filled in; the PIN is not).
    link: str = ""
    #: The number of the programme point a voters' mandate fed by the appeal became, and its task's title.
    point: str = ""
    task: str = ""


@dataclass(frozen=True)
class CitizenTexts:
    sms: str
    subject: str
    #: The e-mail's paragraphs between the greeting and the footer.
    lines: tuple[str, ...]


def _registered(f: Facts) -> CitizenTexts:
    return CitizenTexts(
        sms=_(
            "Appeal %(code)s registered. Decision due by %(date)s. Status: %(link)s",
            code=f.code,
            date=f.date,
            link=f.link,
        ),
        subject=_("Your appeal %(code)s is registered", code=f.code),
        lines=(
            _(
                "Your appeal has been registered under the tracking code %(code)s. A decision is due by %(date)s.",
                code=f.code,
                date=f.date,
            ),
        ),
    )


def _routed(f: Facts) -> CitizenTexts:
    return CitizenTexts(
        sms=_("Appeal %(code)s has been passed to a deputy.", code=f.code),
        subject=_("Appeal %(code)s has been passed to a deputy", code=f.code),
        lines=(
            _(
                "Your appeal %(code)s has been passed to a deputy of %(body)s, who will consider it.",
                code=f.code,
                body=f.body,
            ),
        ),
    )


def _handed_over(f: Facts) -> CitizenTexts:
    return CitizenTexts(
        # The new holder is in the e-mail and on the status page: with it the SMS would take two segments.
        sms=_("Appeal %(code)s is in new hands: the deputy's mandate ended.", code=f.code),
        subject=_("Appeal %(code)s has a new holder", code=f.code),
        lines=(
            _(
                "The mandate of the deputy who held your appeal %(code)s has ended. Your appeal has been handed "
                "over to %(body)s and stays in work: you need do nothing.",
                code=f.code,
                body=f.body,
            ),
        ),
    )


def _redirected(f: Facts) -> CitizenTexts:
    return CitizenTexts(
        sms=_("Appeal %(code)s has been forwarded to the competent body.", code=f.code),
        subject=_("Appeal %(code)s has been forwarded", code=f.code),
        lines=(
            _(
                "Your appeal %(code)s is outside the deputies' competence and has been forwarded to %(body)s, "
                "which will answer you.",
                code=f.code,
                body=f.body,
            ),
        ),
    )


def _extended(f: Facts) -> CitizenTexts:
    return CitizenTexts(
        sms=_("Appeal %(code)s: the deadline is extended to %(date)s.", code=f.code, date=f.date),
        subject=_("Appeal %(code)s: the deadline is extended", code=f.code),
        lines=(
            _(
                "The deadline for your appeal %(code)s has been extended to %(date)s. The reason is on the "
                "status page.",
                code=f.code,
                date=f.date,
            ),
        ),
    )


def _resolved(f: Facts) -> CitizenTexts:
    return CitizenTexts(
        sms=_("Appeal %(code)s: a decision is made. See it with your code and PIN.", code=f.code),
        subject=_("Appeal %(code)s: a decision has been made", code=f.code),
        lines=(_("A decision has been made on your appeal %(code)s. The answer is on the status page.", code=f.code),),
    )


def _rejected(f: Facts) -> CitizenTexts:
    return CitizenTexts(
        sms=_("Appeal %(code)s is refused. See the reason with your code and PIN.", code=f.code),
        subject=_("Appeal %(code)s has been refused", code=f.code),
        lines=(_("Your appeal %(code)s has been refused. The reason is on the status page.", code=f.code),),
    )


def _reopened(f: Facts) -> CitizenTexts:
    return CitizenTexts(
        sms=_("Appeal %(code)s has been reopened.", code=f.code),
        subject=_("Appeal %(code)s has been reopened", code=f.code),
        lines=(_("Your appeal %(code)s has been reopened and will be considered again.", code=f.code),),
    )


def _inquiry_sent(f: Facts) -> CitizenTexts:
    return CitizenTexts(
        sms=_("Appeal %(code)s: the deputy sent an inquiry about it.", code=f.code),
        subject=_("Appeal %(code)s: the deputy has sent an inquiry", code=f.code),
        lines=(
            _(
                "The deputy has sent a deputy inquiry about your appeal %(code)s to the competent state body. "
                "You will be told when it is answered.",
                code=f.code,
            ),
        ),
    )


def _inquiry_answered(f: Facts) -> CitizenTexts:
    return CitizenTexts(
        sms=_("Appeal %(code)s: the deputy's inquiry was answered. See the status page.", code=f.code),
        subject=_("Appeal %(code)s: the deputy's inquiry has been answered", code=f.code),
        lines=(
            _(
                "The body the deputy asked about your appeal %(code)s has answered. The answer is on the status page.",
                code=f.code,
            ),
        ),
    )


def _mandate_adopted(f: Facts) -> CitizenTexts:
    return CitizenTexts(
        sms=_("Appeal %(code)s: your proposal is now point %(point)s of the programme.", code=f.code, point=f.point),
        subject=_("Appeal %(code)s: your proposal is in the programme", code=f.code),
        lines=(
            _(
                "Your appeal %(code)s, with others like it, became a voters' mandate, and the mandate is now point "
                "%(point)s of the programme. Its tasks and deadlines are on the public road map of the site.",
                code=f.code,
                point=f.point,
            ),
        ),
    )


def _mandate_task_done(f: Facts) -> CitizenTexts:
    return CitizenTexts(
        sms=_("Appeal %(code)s: a task of programme point %(point)s is done.", code=f.code, point=f.point),
        subject=_("Appeal %(code)s: a task of the programme is done", code=f.code),
        lines=(
            _(
                "A task of programme point %(point)s, which grew from your appeal %(code)s and others like it, "
                "is done: %(task)s.",
                code=f.code,
                point=f.point,
                task=f.task,
            ),
        ),
    )


#: Events a citizen is told about, by key; `events.notify_citizen(appeal, key)` sends them.
CITIZEN_EVENTS: dict[str, Callable[[Facts], CitizenTexts]] = {
    "registered": _registered,
    "routed": _routed,
    "handed_over": _handed_over,
    "redirected": _redirected,
    "extended": _extended,
    "resolved": _resolved,
    "rejected": _rejected,
    "reopened": _reopened,
    "inquiry_sent": _inquiry_sent,
    "inquiry_answered": _inquiry_answered,
    "mandate_adopted": _mandate_adopted,
    "mandate_task_done": _mandate_task_done,
}


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def email(subject: str, greeting: str, lines: list[str] | tuple[str, ...], footer: list[str]) -> Email:
    """An e-mail's text part and the same words as HTML (the layout is templates/notifications/email.html)."""
    text = "\n\n".join([greeting, *lines, *footer]) + "\n"
    # Not render_template: jobs run outside a request, where the site's context processors cannot run.
    html = current_app.jinja_env.get_template("notifications/email.html").render(
        subject=subject, greeting=greeting, lines=lines, footer=footer
    )
    return Email(subject=subject, text=text, html=html)


def citizen_message(event_key: str, facts: Facts) -> tuple[str, Email]:
    """The SMS text and the e-mail for a citizen about `event_key`."""
    texts = CITIZEN_EVENTS[event_key](facts)
    greeting = _("Dear %(name)s,", name=facts.first_name) if facts.first_name else _("Hello,")
    footer = [
        _(
            "Follow your appeal on the status page %(link)s with the PIN from your receipt. Lost the PIN? A new one "
            "can be sent to your phone from that page.",
            link=facts.link,
        ),
        _("This message was sent automatically; please do not reply to it."),
    ]
    return texts.sms, email(texts.subject, greeting, texts.lines, footer)


def staff_email(subject: str, lines: list[str]) -> Email:
    """An e-mail to a member of staff: the note itself, and where to act on it."""
    footer = [_("Open Qabyldau to act on it."), _("This message was sent automatically; please do not reply to it.")]
    return email(subject, _("Hello,"), lines, footer)
