"""Demo voters' mandates and a road map: proposals from three places gathered into mandates, two of them adopted
into programme points with tasks done, under way and overdue; a fourth group left for the analyst to accept."""

from datetime import timedelta

from sqlalchemy import func, select

from ..accounts.models import Role, User
from ..appeals import deadlines
from ..appeals import operations as appeal_ops
from ..appeals.models import AppealType, Channel
from ..appeals.signals import appeal_changed
from ..dbtypes import utcnow
from ..directory.models import Branch, GovernmentBody, Topic
from ..extensions import db
from ..inquiries.models import Inquiry, InquiryState
from ..mandates import operations as ops
from ..mandates.models import OwnerKind, TaskStatus, VoterMandate

#: (branch code, topic code, [(language, text)]): proposals that say one thing in many words.
GROUPS = [
    (
        "AST-01",
        "education",
        [
            ("ru", "В жилом массиве Ондирис нет своей школы, дети ездят через весь город. Просим построить школу"),
            ("ru", "Прошу построить школу в ж/м Ондирис, в соседних школах занятия в три смены"),
            ("kk", "Өндіріс тұрғын алабында мектеп жоқ, балалар алысқа барады. Мектеп салуды сұраймыз"),
            ("ru", "Школа в массиве Ондирис нужна срочно — дети учатся в три смены"),
            ("kk", "Өндіріс алабына жаңа мектеп салу керек, мектептер толып кетті"),
            ("ru", "строительство школы ж.м. Ондирис — просим включить в наказы"),
        ],
    ),
    (
        "KAR-02",
        "transport",
        [
            ("ru", "Просим вернуть автобусный маршрут 32 до Майкудука, люди не могут доехать до работы"),
            ("ru", "Маршрут №32 в Майкудук отменили, просим восстановить автобус"),
            ("kk", "Майқұдыққа баратын 32-маршрут автобусын қайтаруды сұраймыз"),
            ("ru", "автобус 32 до Майкудука ходит раз в час, нужно больше автобусов на маршруте"),
            ("kk", "32 маршрут автобусы Майқұдыққа сирек жүреді, автобус көбейту керек"),
        ],
    ),
    (
        "KAR-01",
        "ecology",
        [
            (
                "ru",
                "В Балхаше дышать нечем, выбросы медеплавильного завода. Просим установить посты мониторинга воздуха",
            ),
            (
                "kk",
                "Балқашта ауа ластанған, мыс балқыту зауытының шығарындылары. Ауаны бақылау бекеттерін орнату керек",
            ),
            ("ru", "Выбросы завода в Балхаше превышают нормы, нужен независимый мониторинг воздуха"),
            ("ru", "Просим посты мониторинга качества воздуха в Балхаше и публикацию данных"),
            ("kk", "Балқаш қаласындағы зауыт шығарындыларын бақылау керек, ауа сапасын жариялаңыз"),
        ],
    ),
    (
        # Left as a suggestion for the analyst to accept.
        "AST-03",
        "housing",
        [
            ("ru", "Во дворах по улице Сыганак нет освещения, вечером опасно. Просим установить фонари"),
            ("ru", "Освещение дворов на Сыганак не работает, просим поставить фонари"),
            ("kk", "Сығанақ көшесіндегі аулаларда жарық жоқ, шам орнатуды сұраймыз"),
            ("ru", "Просим фонари во дворе дома на Сыганак, темно и опасно"),
        ],
    ),
]

#: How the first three groups are titled, adopted and carried out: (title kk, title ru, point kk, point ru, tasks);
#: a task is (title kk, title ru, owner, expected result, days from today to the deadline, status).
PLANS = [
    (
        "Өндіріс алабында жаңа мектеп",
        "Новая школа в жилом массиве Ондирис",
        "Астананың Өндіріс тұрғын алабында 1200 орындық мектеп салу",
        "Построить школу на 1200 мест в жилом массиве Ондирис города Астаны",
        [
            (
                "Жер телімін бөлу",
                "Выделение земельного участка",
                ("branch", "AST-01"),
                "Участок под школу выделен и поставлен на учёт",
                -60,
                TaskStatus.done,
            ),
            (
                "Жобалау-сметалық құжаттама",
                "Проектно-сметная документация",
                ("body", "MIN-EDUCATION"),
                "ПСД прошла государственную экспертизу",
                -10,
                TaskStatus.in_progress,
            ),
            (
                "Бюджетке енгізу туралы депутаттық сауал",
                "Депутатский запрос о включении в бюджет",
                ("deputy", None),
                "Строительство включено в бюджет на следующий год",
                45,
                TaskStatus.planned,
            ),
        ],
    ),
    (
        "Майқұдыққа 32-маршрутты қайтару",
        "Вернуть маршрут №32 до Майкудука",
        "Қарағандыда Майқұдыққа 32-маршрут автобусын қалпына келтіріп, жүру аралығын 15 минутқа дейін қысқарту",
        "Восстановить автобусный маршрут №32 до Майкудука в Караганде с интервалом не более 15 минут",
        [
            (
                "Маршрутты конкурсқа шығару",
                "Конкурс на обслуживание маршрута",
                ("body", "MIN-TRANSPORT"),
                "Перевозчик выбран, договор подписан",
                -20,
                TaskStatus.done,
            ),
            (
                "Жаңа автобустар",
                "Новые автобусы на маршруте",
                ("faction", "Партия фракциясы / Фракция партии"),
                "На маршрут вышли 12 автобусов",
                90,
                TaskStatus.planned,
            ),
        ],
    ),
    ("Балқашта ауа сапасын бақылау", "Мониторинг воздуха в Балхаше", None, None, []),
]


def create_demo_mandates() -> int:
    """Register the proposals and build the mandates and road map once; returns how many mandates were made."""
    if db.session.scalar(select(func.count(VoterMandate.id))):
        return 0
    admin = db.session.scalar(select(User).where(User.role == Role.admin).order_by(User.id))
    analyst = db.session.scalar(select(User).where(User.role == Role.analyst).order_by(User.id)) or admin
    if admin is None:
        return 0
    topics = {t.code: t for t in db.session.scalars(select(Topic))}
    now = utcnow()
    groups = []
    with appeal_changed.muted():  # history, not news: nobody is notified
        for n, (branch_code, topic_code, texts) in enumerate(GROUPS):
            branch = db.session.scalar(select(Branch).where(Branch.code == branch_code))
            if branch is None:
                return 0
            appeals = []
            for k, (language, text) in enumerate(texts):
                appeals.append(
                    appeal_ops.register_appeal(
                        branch=branch,
                        citizen=None,
                        type=AppealType.proposal,
                        topic=topics[topic_code],
                        summary=text[:200],
                        text=text,
                        channel=Channel.walk_in if k % 2 else Channel.online,
                        language=language,
                        region=branch.region,
                        district=branch.district,
                        registered_by=admin,
                        now=now - timedelta(days=120 - 9 * k - n),
                    ).appeal
                )
            groups.append(appeals)
    db.session.flush()
    today = deadlines.local_date(now)
    deputy = db.session.scalar(select(User.deputy_id).where(User.email == "deputy@demo.kz"))
    answered = db.session.scalar(select(Inquiry.id).where(Inquiry.state == InquiryState.answered).order_by(Inquiry.id))
    made = 0
    for appeals, (title_kk, title_ru, point_kk, point_ru, tasks) in zip(groups, PLANS, strict=False):
        mandate = ops.create_mandate(appeals, title_kk=title_kk, title_ru=title_ru, user=analyst)
        made += 1
        if point_kk is None:
            continue
        point = ops.adopt_into_point([mandate], text_kk=point_kk, text_ru=point_ru, user=analyst)
        for task_kk, task_ru, (kind, code), result, days, status in tasks:
            owner = ops.Owner(OwnerKind(kind))
            if kind == "branch":
                owner.branch_id = db.session.scalar(select(Branch.id).where(Branch.code == code))
            elif kind == "body":
                owner.body_id = db.session.scalar(select(GovernmentBody.id).where(GovernmentBody.code == code))
            elif kind == "deputy":
                owner.deputy_id = deputy
            else:
                owner.faction = code
            if not (owner.branch_id or owner.body_id or owner.deputy_id or owner.faction):
                continue
            task = ops.add_task(
                point,
                title_kk=task_kk,
                title_ru=task_ru,
                owner=owner,
                expected_result=result,
                deadline=today + timedelta(days=days),
                inquiry_id=answered if kind == "deputy" else None,
            )
            if status is not TaskStatus.planned:
                ops.set_task_status(task, status, now=now)
    db.session.commit()
    return made
