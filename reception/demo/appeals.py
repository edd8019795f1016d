"""Demo appeals: fictitious citizens with valid IINs, spread over branches, topics, states and the last months."""

import random
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..accounts.models import Role, User
from ..appeals import operations as ops
from ..appeals.iin import check_digit
from ..appeals.models import Appeal, AppealType, Channel
from ..appeals.signals import appeal_changed
from ..dbtypes import utcnow
from ..directory.models import Branch, BranchLevel, Convocation, Deputy, Topic
from ..extensions import db
from .deputies import fictitious_name

#: (topic, summary and text in Russian, the same in Kazakh): an appeal reads in the language it was made in.
SUMMARIES = [
    (
        "housing",
        ("Нет холодной воды в доме", "Третью неделю в доме нет холодной воды, обращения в КСК без ответа."),
        ("Үйде суық су жоқ", "Үшінші апта үйде суық су жоқ, ПИК-ке жазған өтініштерге жауап берілмеді."),
    ),
    (
        "transport",
        (
            "Не ходит автобус в село",
            "Автобусный маршрут до села отменён, жители не могут добраться до райцентра.",
        ),
        (
            "Ауылға автобус қатынамайды",
            "Ауылға баратын автобус бағыты жабылды, тұрғындар аудан орталығына жете алмайды.",
        ),
    ),
    (
        "education",
        ("Нет мест в детском саду", "Ребёнок третий год в очереди в детский сад, мест нет."),
        ("Балабақшада орын жоқ", "Бала үшінші жыл балабақша кезегінде тұр, орын жоқ."),
    ),
    (
        "healthcare",
        ("Закрыт фельдшерский пункт", "В посёлке закрыли ФАП, ближайшая больница в 60 км."),
        ("Фельдшерлік пункт жабылды", "Кентте ФАП жабылды, ең жақын аурухана 60 шақырым жерде."),
    ),
    (
        "land",
        (
            "Отказ в выделении участка",
            "Акимат отказал в выделении земельного участка под ИЖС без объяснения причин.",
        ),
        (
            "Жер учаскесін беруден бас тартылды",
            "Әкімдік жеке тұрғын үй құрылысына жер учаскесін беруден себебін түсіндірмей бас тартты.",
        ),
    ),
    (
        "social",
        ("Не назначено пособие", "Документы на пособие поданы два месяца назад, пособие не назначено."),
        ("Жәрдемақы тағайындалмады", "Жәрдемақыға құжаттар екі ай бұрын тапсырылды, жәрдемақы әлі тағайындалмады."),
    ),
    (
        "ecology",
        ("Свалка у реки", "На берегу реки образовалась стихийная свалка."),
        ("Өзен жағасындағы қоқыс", "Өзен жағасында рұқсатсыз қоқыс үйіндісі пайда болды."),
    ),
    (
        "employment",
        ("Задержка зарплаты", "Работникам предприятия три месяца не выплачивают зарплату."),
        ("Жалақы кешіктірілуде", "Кәсіпорын қызметкерлеріне үш ай бойы жалақы төленбей жатыр."),
    ),
    (
        "banking",
        ("Навязанная страховка по кредиту", "При оформлении кредита банк навязал страховку."),
        ("Несиеге сақтандыру таңылды", "Несие рәсімдеу кезінде банк сақтандыруды еріксіз таңды."),
    ),
    (
        "business",
        ("Проверки малого бизнеса", "Частые внеплановые проверки магазина без оснований."),
        ("Шағын бизнесті тексерулер", "Дүкенге негізсіз жиі жоспардан тыс тексерулер жүргізілуде."),
    ),
]


#: Demo appeals came in over this many days before today: some before the Kurultai, to the Mazhilis.
DAYS_BACK = 240


def fictitious_iin(rng: random.Random, used: set[str]) -> str:
    """A valid IIN (real date, century digit, check digit) for nobody in particular."""
    while True:
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
        century = (3 if born.year < 2000 else 5) + rng.randrange(2)
        first = f"{born:%y%m%d}{century}{rng.randrange(0, 10000):04d}"
        digit = check_digit(first)
        if digit is not None and (iin := first + str(digit)) not in used:
            used.add(iin)
            return iin


def generate_appeals(count: int, seed: int = 7) -> int:
    """Register `count` demo appeals through the real operations; returns how many were made.

    They are history, not news: nobody is notified of them.
    """
    with appeal_changed.muted():
        return _generate(count, seed)


def _generate(count: int, seed: int) -> int:
    rng = random.Random(seed)
    admin = db.session.scalar(select(User).where(User.role == Role.admin).order_by(User.id))
    if admin is None:
        raise RuntimeError("load the demo users first (flask demo load)")
    branches = db.session.scalars(select(Branch).where(Branch.level == BranchLevel.district)).all()
    topics = {t.code: t for t in db.session.scalars(select(Topic))}
    # Demo mandates run with their convocation: a region's deputies are grouped by it, and each group is
    # checked once per appeal rather than each deputy.
    deputies_by_region: dict[int, dict[Convocation | None, list[Deputy]]] = {}
    deputies = select(Deputy).options(selectinload(Deputy.convocation)).where(Deputy.region_id.is_not(None))
    for deputy in db.session.scalars(deputies):
        deputies_by_region.setdefault(deputy.region_id, {}).setdefault(deputy.convocation, []).append(deputy)
    # The demo deputies people sign in as get a good share of their region's appeals: a queue worth looking at.
    featured = set(
        db.session.scalars(select(User.deputy_id).where(User.role == Role.deputy, User.deputy_id.is_not(None)))
    )
    used: set[str] = set(db.session.scalars(select(ops.Citizen.iin)))
    citizens = []
    now = utcnow()
    for n in range(count):
        branch = rng.choice(branches)
        topic_code, in_russian, in_kazakh = rng.choice(SUMMARIES)
        if citizens and rng.random() < 0.15:
            citizen = rng.choice(citizens)  # some people come back
        elif rng.random() < 0.05:
            citizen = None  # anonymous
        else:
            iin, name, phone = (
                fictitious_iin(rng, used),
                fictitious_name(rng),
                f"+7701{rng.randrange(1000000, 9999999)}",
            )
            speaks = rng.choice(["ru", "ru", "kk"])  # the address on record reads in the same language
            citizen = ops.record_citizen(
                ops.CitizenData(
                    iin=iin,
                    full_name=name,
                    birth_date=None,
                    phone=phone,
                    email="",
                    address=branch.address_kk if speaks == "kk" else branch.address_ru,
                    region=branch.region,
                    district=branch.district,
                    language=speaks,
                ),
                taken_by=admin,
                consent=True,
            )
            citizens.append(citizen)
        language = citizen.language if citizen else "ru"
        summary, text = in_kazakh if language == "kk" else in_russian
        registered = ops.register_appeal(
            branch=branch,
            citizen=citizen,
            type=rng.choice(list(AppealType)),
            topic=topics[topic_code],
            summary=summary,
            text=text,
            channel=rng.choice([Channel.walk_in] * 4 + list(Channel)),
            language=language,
            region=branch.region,
            district=branch.district,
            registered_by=admin,
            now=now - timedelta(days=rng.randrange(0, DAYS_BACK), minutes=rng.randrange(0, 600)),
            duplicate_override_reason="demo",
        )
        # Who held a mandate on the day it came: the Mazhilis until 30 June 2026, the Kurultai after.
        day = registered.appeal.registered_dt.date()
        candidates = [
            deputy
            for convocation, group in deputies_by_region.get(branch.region_id, {}).items()
            if convocation is None or convocation.sits_on(day)
            for deputy in group
        ]
        mine = [d for d in candidates if d.id in featured]
        if mine and rng.random() < 0.8:
            candidates = mine
        _advance(registered.appeal, rng, candidates, admin, now, featured)
        if n % 200 == 199:
            db.session.commit()
    db.session.commit()
    return count


#: A demo appeal's path, as a reception's record looks after months of work: routed within a day or so, taken
#: into work within days, decided mostly inside the 15 working days (LATE of them after it) and closed a few days
#: after. A STALLED one waits in its deputy's queue or work for weeks and is decided late, if at all yet. The
#: deputies people sign in as keep theirs open (matters they are still pursuing, which the demo inquiries are
#: made from), so their queues are worth looking at.
STALLED = 0.1
STALLED_FEATURED = 0.5
LATE = 0.06
#: Left at the branch head's triage, not yet given to a deputy.
UNROUTED = 0.02


def _plan(registered: datetime, rng: random.Random, featured: bool) -> list[tuple[str, datetime]]:
    """The steps an appeal takes and when; the caller takes only those whose time has come."""
    stalls = rng.random() < (STALLED_FEATURED if featured else STALLED)
    when = registered + timedelta(hours=rng.uniform(1, 30))
    plan = [("route", when)]
    if stalls and featured and rng.random() < 0.4:
        return plan
    when += timedelta(days=rng.uniform(5, 40)) if stalls else timedelta(hours=rng.uniform(2, 72))
    plan.append(("work", when))
    if stalls and featured:
        return plan
    if stalls:
        when += timedelta(days=rng.uniform(20, 90))
    else:
        when += timedelta(days=rng.uniform(22, 45) if rng.random() < LATE else rng.uniform(1, 16))
    plan.append(("resolve", when))
    when += timedelta(days=rng.uniform(1, 12))
    plan.append(("close", when))
    return plan


def _advance(
    appeal: Appeal, rng: random.Random, deputies: list[Deputy], admin: User, now: datetime, featured: set[int]
) -> None:
    """Move a demo appeal along its lifecycle as far as its age allows, each step dated when it happened (so the
    timelines, times to decision and the share decided on time read like a working reception's)."""
    if not deputies or rng.random() < UNROUTED:
        return
    deputy = rng.choice(deputies)
    steps = {
        "route": lambda: ops.route_appeal(appeal, deputy, user=admin),
        "work": lambda: ops.take_into_work(appeal, user=admin),
        "resolve": lambda: ops.resolve_appeal(appeal, user=admin, comment="Вопрос решён"),
        "close": lambda: ops.close_appeal(appeal, user=admin),
    }
    for step, when in _plan(appeal.registered_dt, rng, deputy.id in featured):
        if when >= now:
            break
        steps[step]().created_dt = when
        if step == "resolve":
            appeal.decided_dt = when
        elif step == "close":
            appeal.closed_dt = when
        appeal.updated_dt = when


def appeal_count() -> int:
    return db.session.scalar(select(func.count(Appeal.id)))
