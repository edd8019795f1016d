"""Fictitious deputies for the demo: one per seat of every body in the directory.

The names are combined at random from common Kazakh given names and surnames; they are not, and must
never be, real people's names.
"""

import random

from sqlalchemy import func, select

from ..directory.models import BodyLevel, Deputy, MandateType, Region, RepresentativeBody, Topic
from ..extensions import db

GIVEN_MALE = [
    "Арман",
    "Ерлан",
    "Нурлан",
    "Бауыржан",
    "Асхат",
    "Даурен",
    "Ермек",
    "Талгат",
    "Мурат",
    "Серик",
    "Айдос",
    "Канат",
    "Марат",
    "Жандос",
    "Руслан",
    "Азамат",
    "Берик",
    "Дархан",
    "Ильяс",
    "Тимур",
]
GIVEN_FEMALE = [
    "Айгуль",
    "Динара",
    "Жанар",
    "Гульнара",
    "Сауле",
    "Айжан",
    "Мадина",
    "Асель",
    "Камила",
    "Ботагоз",
    "Аружан",
    "Гаухар",
    "Жулдыз",
    "Салтанат",
    "Лаура",
    "Меруерт",
    "Назира",
    "Индира",
    "Алия",
    "Әсем",
]
SURNAMES = [
    "Ахметов",
    "Байжанов",
    "Жумабеков",
    "Касымов",
    "Нургалиев",
    "Сейткали",
    "Омаров",
    "Тулегенов",
    "Исабеков",
    "Мукашев",
    "Садыков",
    "Абенов",
    "Ержанов",
    "Калиев",
    "Рахимов",
    "Сарсенбаев",
    "Темирханов",
    "Утегенов",
    "Шайхиев",
    "Есенов",
    "Кенжебаев",
    "Майлыбаев",
    "Досанов",
    "Бекмуханов",
]
PATRONYMIC_ROOTS = ["Серик", "Болат", "Асан", "Кайрат", "Нурлан", "Жаксылык", "Ерлан", "Мухтар", "Амангельды", "Бакыт"]


def fictitious_name(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    root = rng.choice(PATRONYMIC_ROOTS)
    if rng.random() < 0.45:
        given = rng.choice(GIVEN_FEMALE)
        surname = surname if surname.endswith(("и", "ы")) else surname + "а"
        patronymic = root + "овна" if not root.endswith(("ат", "ан")) else root + "қызы"
    else:
        given = rng.choice(GIVEN_MALE)
        patronymic = root + "ович" if not root.endswith(("ат", "ан")) else root + "ұлы"
    return f"{surname} {given} {patronymic}"


def generate_deputies(seed: int = 2026) -> int:
    """Create a deputy for every seat of every body (of its latest convocation, where the body has them), unless
    deputies exist already; returns how many. The Kurultai's list deputies are assigned to regions, a fifth of
    them to a second one too."""
    if db.session.scalar(select(func.count(Deputy.id))):
        return 0
    rng = random.Random(seed)
    topics = list(db.session.scalars(select(Topic).order_by(Topic.position)))
    regions = list(db.session.scalars(select(Region).order_by(Region.code)))
    created = 0
    bodies = db.session.scalars(select(RepresentativeBody).order_by(RepresentativeBody.code))
    for body in bodies:
        constituencies = list(body.constituencies)
        convocation = body.convocations[-1] if body.convocations else None
        for seats in convocation.seats if convocation else body.seats:
            for n in range(seats.count):
                deputy = Deputy(
                    full_name=fictitious_name(rng),
                    body=body,
                    mandate_type=seats.mandate_type,
                    topics=rng.sample(topics, k=min(3, len(topics))),
                    convocation=convocation,
                    mandate_start=convocation.start_date if convocation else None,
                )
                if seats.mandate_type == MandateType.single_mandate and constituencies:
                    constituency = constituencies[n % len(constituencies)]
                    deputy.constituency = constituency
                    deputy.region = constituency.region
                    deputy.district = constituency.districts[0] if len(constituency.districts) == 1 else None
                else:
                    # National party-list deputies are assigned to regions for work with voters; maslikhat
                    # deputies work the territory of their maslikhat.
                    deputy.region = body.region or regions[n % len(regions)]
                    deputy.district = body.district
                    if body.level == BodyLevel.national:
                        deputy.assigned_regions = [deputy.region]
                        if n % 5 == 4:
                            deputy.assigned_regions.append(regions[(n + 7) % len(regions)])
                db.session.add(deputy)
                created += 1
    db.session.flush()
    return created
