"""The first draft of an inquiry, written from its appeals, and the guard that keeps citizens' personal data out.

An inquiry leaves the reception and is read by officials: it may describe the problem, how many people and
places it touches, when they asked and what was already tried, but never a citizen's IIN, phone or address,
and a citizen's name only if they agreed to be named (Citizen.may_be_named). Appeals are written by citizens,
so their summaries can carry such data too: the draft redacts it, and every save is checked again.
"""

import re
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..appeals.deadlines import local_date
from ..appeals.models import Appeal, AppealState, Citizen
from ..documents import cases
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


def main_topics(appeals: list[Appeal], language: str) -> tuple[list[str], bool]:
    """The appeals' topics in `language`, the most frequent first (ties: the earliest), at most MAIN_TOPICS;
    and whether there are more."""
    counts: dict[str, int] = {}
    for appeal in appeals:
        name = localized(appeal.topic, "name", language) if appeal.topic is not None else ""
        if name:
            counts[name] = counts.get(name, 0) + 1
    order = sorted(counts, key=lambda name: -counts[name])  # sorted() is stable: ties keep their first appearance
    return order[:MAIN_TOPICS], len(order) > MAIN_TOPICS


#: How many topics a subject names before "and others".
MAIN_TOPICS = 3


def needs_letter_summary(appeal: Appeal, language: str) -> bool:
    """A citizen who wrote in the other language: the letter needs the appeal retold in its own language."""
    return (appeal.language or "ru") != language


def missing_summary_marker(language: str) -> str:
    """The line a draft holds where a summary in the letter's language is still to be written."""
    return {"ru": "[нужно изложение обращения на русском языке]", "kk": "[өтініштің қазақ тіліндегі мазмұны қажет]"}[
        language
    ]


def summary_line(appeal: Appeal, language: str, summary: str, citizens: list[Citizen]) -> str:
    """ "— {summary} (обращение № X от 18.08.2026)." / "— {summary} (2026 жылғы 18 тамыздағы № X өтініш)."."""
    text = redact(summary.strip().rstrip("."), citizens) if summary.strip() else missing_summary_marker(language)
    who = ""
    if appeal.citizen is not None and appeal.citizen.may_be_named:
        who = f"{appeal.citizen.full_name}, "
    day = local_date(appeal.registered_dt)
    if language == "kk":
        where = f"{cases.kk_attributive_date(day)} № {appeal.registration_number} өтініш"
    else:
        where = f"обращение № {appeal.registration_number} от {_date(day)}"
    return f"— {text} ({who}{where})."


def _quoted(names: list[str]) -> list[str]:
    return [f"«{name}»" for name in names]


def _topics_phrase(topics: list[str], more: bool, language: str) -> str:
    """ "по темам «A», «B» и «C»" / "«A», «B» және «C» тақырыптары бойынша"."""
    quoted = _quoted(topics)
    if language == "kk":
        if more:
            return f"{', '.join(quoted)} және басқа тақырыптар бойынша"
        return f"{cases.kk_join(quoted)} {'тақырыбы' if len(quoted) == 1 else 'тақырыптары'} бойынша"
    if more:
        return f"по темам {', '.join(quoted)} и другим"
    return f"по {'теме' if len(quoted) == 1 else 'темам'} {cases.ru_join(quoted)}"


def _came_in(appeals: list[Appeal], language: str, topics: str, first: date, last: date) -> str:
    """The opening sentence: when, how many, on what, to the party's public reception."""
    party = current_app.config["PARTY_NAME"][language]
    num = len(appeals)
    if language == "kk":
        when = (
            cases.kk_date(first, "locative")
            if first == last
            else f"{cases.kk_date(first, 'ablative')} бастап {cases.kk_date(last, 'dative')} дейін"
        )
        return f"{when} «{party}» партиясының қоғамдық қабылдау бөлмесіне {topics} азаматтардан {num} өтініш түсті."
    when = _date(first) if first == last else f"С {_date(first)} по {_date(last)}"
    verb = cases.ru_plural(num, "поступило", "поступили", "поступило")
    noun = cases.ru_plural(num, "обращение", "обращения", "обращений")
    return f"{when} в общественную приемную партии «{party}» {verb} {num} {noun} граждан {topics}."


def subject_line(topics: list[str], more: bool, language: str) -> str:
    """ "О проблемах граждан по темам «A», «B» и «C»" / "«A», «B» және «C» тақырыптары бойынша ... туралы"."""
    phrase = _topics_phrase(topics, more, language)
    several = more or len(topics) > 1
    if language == "kk":
        return f"{phrase} азаматтардың {'мәселелері' if several else 'мәселесі'} туралы"
    return f"{'О проблемах' if several else 'О проблеме'} граждан {phrase}"


#: The fixed sentences of a draft, per letter language.
TEXT = {
    "ru": {
        "people": "Всего заявителей с учетом соподписантов — {num} {noun}.",
        "places": "Обращения касаются следующих территорий: {places}.",
        "report": "Граждане сообщают следующее:",
        "tried": "Ранее принятые меры:",
        "actions": [
            "Проверить изложенные в обращениях факты.",
            "Принять меры по решению проблемы и указать сроки их исполнения.",
            "Сообщить о принятых мерах в ответе на настоящий запрос и проинформировать граждан.",
        ],
    },
    "kk": {
        "people": "Қосыла қол қойғандарды қоса алғанда, өтініш берушілердің жалпы саны — {num} адам.",
        "places": "Өтініштер келген аумақтар: {places}.",
        "report": "Азаматтар мыналарды хабарлайды:",
        "tried": "Бұған дейін қабылданған шаралар:",
        "actions": [
            "Өтініштерде баяндалған фактілерді тексеру.",
            "Мәселені шешу бойынша шаралар қабылдау және олардың орындалу мерзімін көрсету.",
            "Қабылданған шаралар туралы осы сауалға жауапта хабарлау және азаматтарды хабардар ету.",
        ],
    },
}


def draft_from_appeals(
    appeals: list[Appeal], language: str, *, summaries: dict[int, str] | None = None, topic_name: str = ""
) -> Draft:
    """A subject, body and requested actions written in `language` from `appeals` (oldest first).

    The sentences are the letter's own in each language, not translations of one another. An appeal written
    in the other language is told by its `summaries` entry (the deputy's retelling); without one the draft
    holds a marked gap, and the letter cannot be generated until it is filled.
    """
    appeals = sorted(appeals, key=lambda a: (a.registered_dt, a.id))
    summaries = summaries or {}
    citizens = _citizens(appeals)
    text = TEXT[language]
    with force_locale(language):  # the redaction marks are in the letter's language too
        topics, more = ([topic_name], False) if topic_name else main_topics(appeals, language)
        places = sorted({p for p in (_place(a, language) for a in appeals) if p})
        first, last = local_date(appeals[0].registered_dt), local_date(appeals[-1].registered_dt)
        people = people_count(appeals)
        paragraphs = [_came_in(appeals, language, _topics_phrase(topics, more, language), first, last)]
        noun = cases.ru_plural(people, "человек", "человека", "человек")
        paragraphs.append(text["people"].format(num=people, noun=noun))
        if places:
            paragraphs.append(text["places"].format(places=", ".join(places)))
        paragraphs.append(text["report"])
        seen_summaries: set[str] = set()
        for appeal in appeals:
            summary = summaries.get(appeal.id, "")
            if not summary.strip() and not needs_letter_summary(appeal, language):
                summary = appeal.summary
            key = summary.strip().rstrip(".").lower()
            if key and key in seen_summaries:
                continue
            seen_summaries.add(key)
            paragraphs.append(summary_line(appeal, language, summary, citizens))
        tried = _already_tried(appeals, language)
        if tried:
            paragraphs.append(text["tried"])
            paragraphs.extend(f"— {line}" for line in tried)
        subject = subject_line(topics, more, language)
        if places:
            subject += f": {', '.join(places[:3])}" + ("…" if len(places) > 3 else "")
    return Draft(subject=subject[:500], body="\n\n".join(paragraphs), requested_actions="\n".join(text["actions"]))


def _numbers(appeals: list[Appeal]) -> str:
    return ", ".join(f"№ {a.registration_number}" for a in appeals)


def _already_tried(appeals: list[Appeal], language: str) -> list[str]:
    """What the appeals' timelines say was tried: forwarding to a competent body, earlier inquiries, reopenings."""
    lines: list[str] = []
    forwarded: dict[int, list[Appeal]] = {}
    bodies = {}
    for appeal in appeals:
        if appeal.redirected_to is not None:
            forwarded.setdefault(appeal.redirected_to.id, []).append(appeal)
            bodies[appeal.redirected_to.id] = appeal.redirected_to
    for body_id, group in sorted(forwarded.items(), key=lambda item: localized(bodies[item[0]], "name", language)):
        name = localized(bodies[body_id], "name", language)
        if language == "kk":
            lines.append(
                f"{_numbers(group)} {'өтініш' if len(group) == 1 else 'өтініштер'} {cases.kk_case(name, 'dative')} жіберілді."
            )
        elif len(group) == 1:
            lines.append(f"Обращение {_numbers(group)} направлено в {name}.")
        else:
            lines.append(f"Обращения {_numbers(group)} направлены в {name}.")
    earlier = {}
    for appeal in appeals:
        for inquiry in getattr(appeal, "inquiries", []):
            if inquiry.sent_date is not None:
                earlier[inquiry.id] = inquiry
    for inquiry in sorted(earlier.values(), key=lambda i: i.sent_date):
        name = localized(inquiry.addressee, "name", language)
        if language == "kk":
            lines.append(
                f"{cases.kk_case(name, 'dative')} {cases.kk_attributive_date(inquiry.sent_date)} "
                f"№ {inquiry.outgoing_number} депутаттық сауал жіберілген."
            )
        else:
            lines.append(
                f"В {name} направлялся депутатский запрос № {inquiry.outgoing_number} от {_date(inquiry.sent_date)}."
            )
    reopened = [a for a in appeals if any(e.to_state == AppealState.reopened for e in a.events)]
    if reopened:
        if language == "kk":
            lines.append(
                f"{_numbers(reopened)} {'өтініш' if len(reopened) == 1 else 'өтініштер'} қайта ашылды, өйткені бұрын "
                "қабылданған шешімдер мәселені шешпеді."
            )
        elif len(reopened) == 1:
            lines.append(
                f"Обращение {_numbers(reopened)} открыто повторно, так как прежнее решение не решило проблему."
            )
        else:
            lines.append(
                f"Обращения {_numbers(reopened)} открыты повторно, так как прежние решения не решили проблему."
            )
    return lines
