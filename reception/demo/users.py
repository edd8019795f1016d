"""Demo accounts, one or more per role; README.md lists them. Their password is refused in production."""

from sqlalchemy import select

from ..accounts import operations as ops
from ..accounts.models import Role
from ..directory.models import BodyKind, Branch, Deputy, MandateType, Region, RepresentativeBody
from ..extensions import db

DEMO_PASSWORD = "demo-password"
assert DEMO_PASSWORD in ops.DEMO_PASSWORDS

#: (e-mail, full name, role, branch code); deputies are picked from the generated ones. The names are fictitious
#: people, not role descriptions: a name is what a receipt, a letter's signature and the audit log print.
BRANCH_ACCOUNTS = [
    ("staff.ast@demo.kz", "Жұмабекова Динара Асқарқызы", Role.staff, "AST-01"),
    ("staff.alm@demo.kz", "Оспанов Ерлан Серікұлы", Role.staff, "ALM-03"),
    ("head.alm@demo.kz", "Тоқтарова Гүлнар Маратқызы", Role.branch_head, "ALM-00"),
    ("head.central@demo.kz", "Сәрсенбаев Нұрлан Қайратұлы", Role.branch_head, "KZ-00"),
]
OTHER_ACCOUNTS = [
    ("analyst@demo.kz", "Ким Анна Викторовна", Role.analyst),
    ("admin@demo.kz", "Бекболатов Арман Даниярұлы", Role.admin),
]


def _branch(code: str) -> Branch:
    return db.session.scalar(select(Branch).where(Branch.code == code))


def _first_deputy(kind: BodyKind, mandate: MandateType, region_code: str | None = None) -> Deputy:
    stmt = (
        select(Deputy)
        .join(RepresentativeBody, Deputy.body_id == RepresentativeBody.id)
        .where(RepresentativeBody.kind == kind, Deputy.mandate_type == mandate)
    )
    if region_code:
        stmt = stmt.join(Region, Deputy.region_id == Region.id).where(Region.code == region_code)
    return db.session.scalar(stmt.order_by(Deputy.id).limit(1))


def create_demo_users() -> list[str]:
    """Create the demo accounts that do not exist yet; returns the e-mails created."""
    created = []

    def add(email, **kwargs):
        if ops.find_user(email) is None:
            ops.create_user(email=email, password=DEMO_PASSWORD, **kwargs)
            created.append(email)

    for email, name, role, code in BRANCH_ACCOUNTS:
        position, position_kk = (
            ("Руководитель общественной приёмной", "Қоғамдық қабылдау бөлмесінің басшысы")
            if role == Role.branch_head
            else ("Специалист общественной приёмной", "Қоғамдық қабылдау бөлмесінің маманы")
        )
        add(email, full_name=name, role=role, branch=_branch(code), position=position, position_kk=position_kk)
    for email, name, role in OTHER_ACCOUNTS:
        add(email, full_name=name, role=role)
    # A Kurultai list deputy assigned to Almaty Region, where the demo branch accounts work.
    kurultai = _first_deputy(BodyKind.kurultai, MandateType.party_list, "ALM")
    maslikhat = _first_deputy(BodyKind.maslikhat, MandateType.single_mandate)
    add("deputy@demo.kz", full_name=kurultai.full_name, role=Role.deputy, deputy=kurultai)
    add("deputy.maslikhat@demo.kz", full_name=maslikhat.full_name, role=Role.deputy, deputy=maslikhat)
    add(
        "assistant@demo.kz",
        full_name="Серікбаева Айгерім Нұрланқызы",
        role=Role.assistant,
        deputies=[kurultai, maslikhat],
    )
    db.session.flush()
    return created


def demo_accounts() -> list[tuple[str, str, str]]:
    """(e-mail, role, branch or deputy) of every demo account, for the console of `make run`."""
    from flask_babel import force_locale

    from ..accounts.models import User

    users = db.session.scalars(select(User).where(User.email.endswith("@demo.kz")).order_by(User.role, User.email))
    with force_locale("en"):  # the console is read by whoever set the demo up, in English like the rest of it
        return [
            (u.email, str(u.role.label), u.branch.code if u.branch else (u.deputy.full_name if u.deputy else ""))
            for u in users
        ]
