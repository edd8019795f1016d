"""The first draft of an inquiry, written from its appeals, and the guard that keeps citizens' personal data out.

An inquiry leaves the reception and is read by officials: it may describe the problem, how many people and
places it touches, when they asked and what was already tried, but never a citizen's IIN, phone or address,
and a citizen's name only if they agreed to be named (Citizen.may_be_named). Appeals are written by citizens,
so their summaries can carry such data too: the draft redacts it, and every save is checked again.
"""

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from ..appeals.deadlines import local_date
from ..appeals.models import Appeal, AppealState, Citizen
from ..i18n import localized

#: Twelve digits standing alone: the shape of an IIN (or BIN); never legitimate in an inquiry's text.
IIN_SHAPE = re.compile(r"(?<!\d)\d{12}(?!\d)")
#: A Kazakh phone number as people write it: +7 701 123 45 67, 8(701)1234567, 87011234567 ...
PHONE_SHAPE = re.compile(r"(?<![\d+])(?:\+?7|8)[\s\-()]*7\d{2}[\s\-()]*\d{3}[\s\-]*\d{2}[\s\-]*\d{2}(?!\d)")
EMAIL_SHAPE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
#: Addresses and names shorter than this are not matched as free text (too many false alarms).
MIN_MATCH = 6


@dataclass
class Draft:
    subject: str
    body: str
    requested_actions: str


def _citizens(appeals: list[Appeal]) -> list[Citizen]:
    seen: dict[int, Citizen] = {}
    for appeal in appeals:
        if appeal.citizen is not None:
            seen.setdefault(appeal.citizen.id, appeal.citizen)
    return list(seen.values())


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _phone_tail(value: str) -> str:
    """The ten digits after the country code, the part every way of writing a Kazakh number shares."""
    digits = _digits(value)
    return digits[-10:] if len(digits) >= 10 else ""


def redact(text: str, citizens: list[Citizen]) -> str:
    """`text` with personal data replaced by a mark saying what was there."""
    placeholder = {
        "iin": _("[IIN removed]"),
        "phone": _("[phone removed]"),
        "address": _("[address removed]"),
        "email": _("[e-mail removed]"),
        "name": _("[name removed]"),
    }
    for citizen in citizens:
        for value, kind in ((citizen.address, "address"), (citizen.email, "email")):
            if value and len(value) >= MIN_MATCH:
                text = re.sub(re.escape(value), placeholder[kind], text, flags=re.IGNORECASE)
        if not citizen.may_be_named and citizen.full_name and len(citizen.full_name) >= MIN_MATCH:
            text = re.sub(re.escape(citizen.full_name), placeholder["name"], text, flags=re.IGNORECASE)
    text = IIN_SHAPE.sub(placeholder["iin"], text)
    text = PHONE_SHAPE.sub(placeholder["phone"], text)
    return EMAIL_SHAPE.sub(placeholder["email"], text)


def personal_data_in(text: str, appeals: list[Appeal]) -> list[str]:
    """What personal data of the appeals' citizens `text` carries, as kinds ("iin", "phone", ...), for a refusal.

    Any IIN-shaped or phone-shaped number counts, not only the linked citizens': the draft goes outside.
    """
    found = []
    lowered = text.lower()
    citizens = _citizens(appeals)
    digit_runs = {_digits(m.group()) for m in re.finditer(r"[\d\s\-()+]{10,}", text)}
    if IIN_SHAPE.search(text) or any(c.iin and c.iin in _digits(text) for c in citizens):
        found.append("iin")
    tails = {_phone_tail(c.phone) for c in citizens if c.phone} - {""}
    if PHONE_SHAPE.search(text) or any(t in run for t in tails for run in digit_runs):
        found.append("phone")
    if any(c.address and len(c.address) >= MIN_MATCH and c.address.lower() in lowered for c in citizens):
        found.append("address")
    if EMAIL_SHAPE.search(text):
        found.append("email")
    if any(
        not c.may_be_named and c.full_name and len(c.full_name) >= MIN_MATCH and c.full_name.lower() in lowered
        for c in citizens
    ):
        found.append("name")
    return found


def _place(appeal: Appeal, language: str) -> str:
    if appeal.district is not None:
        return localized(appeal.district, "name", language)
    if appeal.region is not None:
        return localized(appeal.region, "name", language)
    return ""


def _date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def people_count(appeals: list[Appeal]) -> int:
    """Everyone behind the appeals: each author plus their co-signers."""
    return sum(1 + (a.cosigners or 0) for a in appeals)


def draft_from_appeals(appeals: list[Appeal], language: str, *, topic_name: str = "") -> Draft:
    """A subject, body and requested actions in `language`, written from `appeals` (oldest first)."""
    appeals = sorted(appeals, key=lambda a: (a.registered_dt, a.id))
    citizens = _citizens(appeals)
    with force_locale(language):
        topic = topic_name or (localized(appeals[0].topic, "name", language) if appeals else "")
        places = sorted({p for p in (_place(a, language) for a in appeals) if p})
        first, last = local_date(appeals[0].registered_dt), local_date(appeals[-1].registered_dt)
        people = people_count(appeals)
        paragraphs = []
        if first == last:
            paragraphs.append(
                ngettext(
                    "On %(date)s, %(num)d appeal on “%(topic)s” came to the deputy's public reception.",
                    "On %(date)s, %(num)d appeals on “%(topic)s” came to the deputy's public reception.",
                    len(appeals),
                    date=_date(first),
                    topic=topic,
                )
            )
        else:
            paragraphs.append(
                ngettext(
                    "From %(first)s to %(last)s, %(num)d appeal on “%(topic)s” came to the deputy's public reception.",
                    "From %(first)s to %(last)s, %(num)d appeals on “%(topic)s” came to the deputy's public reception.",
                    len(appeals),
                    first=_date(first),
                    last=_date(last),
                    topic=topic,
                )
            )
        paragraphs.append(
            ngettext(
                "In total %(num)d person is concerned, co-signers included.",
                "In total %(num)d people are concerned, co-signers included.",
                people,
            )
        )
        if places:
            paragraphs.append(_("The appeals concern: %(places)s.", places=", ".join(places)))
        paragraphs.append(_("The citizens report:"))
        seen_summaries: set[str] = set()
        for appeal in appeals:
            summary = redact(appeal.summary.strip().rstrip("."), citizens)
            if summary.lower() in seen_summaries:
                continue
            seen_summaries.add(summary.lower())
            who = ""
            if appeal.citizen is not None and appeal.citizen.may_be_named:
                who = f"{appeal.citizen.full_name}, "
            where = _(
                "appeal %(number)s of %(date)s",
                number=appeal.registration_number,
                date=_date(local_date(appeal.registered_dt)),
            )
            paragraphs.append(f"— {summary} ({who}{where}).")
        tried = _already_tried(appeals, language)
        if tried:
            paragraphs.append(_("What has already been done:"))
            paragraphs.extend(f"— {line}" for line in tried)
        subject = _("On the problem of “%(topic)s”", topic=topic)
        if places:
            subject += f": {', '.join(places[:3])}" + ("…" if len(places) > 3 else "")
        actions = [
            _("Check the facts set out in the appeals."),
            _("Take measures to solve the problem and name the time frame."),
            _("Inform the deputy and the citizens of the measures taken."),
        ]
    return Draft(subject=subject[:500], body="\n\n".join(paragraphs), requested_actions="\n".join(actions))


def _already_tried(appeals: list[Appeal], language: str) -> list[str]:
    """What the appeals' timelines say was tried: forwarding to a competent body, earlier inquiries, reopenings."""
    lines: list[str] = []
    forwarded: dict[str, list[str]] = {}
    for appeal in appeals:
        if appeal.redirected_to is not None:
            forwarded.setdefault(localized(appeal.redirected_to, "name", language), []).append(
                appeal.registration_number
            )
    for body, numbers in sorted(forwarded.items()):
        lines.append(
            ngettext(
                "%(num)d appeal was forwarded to %(body)s.",
                "%(num)d appeals were forwarded to %(body)s.",
                len(numbers),
                body=body,
            )
        )
    earlier = {}
    for appeal in appeals:
        for inquiry in getattr(appeal, "inquiries", []):
            if inquiry.sent_date is not None:
                earlier[inquiry.id] = inquiry
    for inquiry in sorted(earlier.values(), key=lambda i: i.sent_date):
        lines.append(
            _(
                "A deputy inquiry No. %(number)s of %(date)s was sent to %(body)s.",
                number=inquiry.outgoing_number,
                date=_date(inquiry.sent_date),
                body=localized(inquiry.addressee, "name", language),
            )
        )
    reopened = sum(1 for a in appeals if any(e.to_state == AppealState.reopened for e in a.events))
    if reopened:
        lines.append(
            ngettext(
                "%(num)d appeal was reopened because an earlier decision did not solve the problem.",
                "%(num)d appeals were reopened because earlier decisions did not solve the problem.",
                reopened,
            )
        )
    return lines
