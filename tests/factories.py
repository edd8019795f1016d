"""Test data built through the application's own operations, with the defaults most tests need.

Plain functions, used inside an application context (`ctx`, or `with app.app_context():`). They record a
citizen with `record_citizen`, register an appeal with `register_appeal`, route it with `route_appeal`, draft an
inquiry with `create_inquiry` and create accounts with `create_user`, so the data is what the application
itself would have made. `make_appeal` and `make_registration` commit unless told `commit=False` (then they
flush); the others leave committing to the caller.
"""

from datetime import date, datetime

from sqlalchemy import insert, select, update
from support import PASSWORD

from reception.accounts import operations as account_ops
from reception.accounts.models import Role, User
from reception.appeals import operations as appeal_ops
from reception.appeals.models import Appeal, AppealState, AppealType, Channel, Citizen, RegistrationCounter
from reception.directory.models import (
    Branch,
    Constituency,
    Convocation,
    Deputy,
    District,
    GovernmentBody,
    MandateType,
    Region,
    RepresentativeBody,
    Topic,
)
from reception.extensions import db
from reception.inquiries import operations as inquiry_ops
from reception.inquiries.models import Inquiry, InquiryState
from reception.notifications import events

IIN = "900101300017"
FULL_NAME = "Сейткали Айгуль Болатовна"
PHONE = "+77011234567"

# --- the shipped directory ------------------------------------------------------------------------


def branch(code: str) -> Branch:
    return db.session.scalar(select(Branch).where(Branch.code == code))


def topic(code: str = "housing") -> Topic:
    return db.session.scalar(select(Topic).where(Topic.code == code))


def district(code: str) -> District:
    return db.session.scalar(select(District).where(District.code == code))


def representative_body(code: str = "MAZHILIS") -> RepresentativeBody:
    return db.session.scalar(select(RepresentativeBody).where(RepresentativeBody.code == code))


def government_body(code: str = "MIN-INTERNAL") -> GovernmentBody:
    return db.session.scalar(select(GovernmentBody).where(GovernmentBody.code == code))


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


# --- people ---------------------------------------------------------------------------------------


def convocation(body_code: str = "KURULTAI", number: int = 1) -> Convocation:
    """A convocation from the directory's data (the Kurultai's 1st sits; the Mazhilis's 8th ended 30.06.2026)."""
    return db.session.scalar(
        select(Convocation)
        .join(RepresentativeBody, Convocation.body_id == RepresentativeBody.id)
        .where(RepresentativeBody.code == body_code, Convocation.number == number)
    )


def make_deputy(
    full_name: str = "Тестов Депутат Тестович",
    body_code: str = "MAZHILIS",
    mandate: MandateType = MandateType.single_mandate,
    *,
    constituency: Constituency | None = None,
    region: Region | None = None,
    topics: tuple[str, ...] = (),
    convocation: Convocation | None = None,
    assigned_regions: tuple[str, ...] = (),
) -> Deputy:
    """A deputy of the body `body_code` (flushed), with the territory and topic codes given; a list deputy's
    `assigned_regions` are region codes. No convocation: a mandate without dates (it never ends by itself)."""
    deputy = Deputy(
        full_name=full_name,
        body=representative_body(body_code),
        mandate_type=mandate,
        constituency=constituency,
        region=region,
        topics=[topic(code) for code in topics],
        convocation=convocation,
        assigned_regions=[db.session.scalar(select(Region).where(Region.code == code)) for code in assigned_regions],
    )
    db.session.add(deputy)
    db.session.flush()
    return deputy


def make_account(
    role: Role,
    email: str,
    *,
    full_name: str | None = None,
    password: str = PASSWORD,
    branch_code: str | None = None,
    deputy: Deputy | None = None,
    deputies: list[Deputy] | None = None,
    **extra,
) -> User:
    """A user account made by `create_user` (not committed); staff and branch heads belong to `branch_code`."""
    bind = {}
    if branch_code is not None:
        bind["branch"] = branch(branch_code)
    if deputy is not None:
        bind["deputy"] = deputy
    if deputies is not None:
        bind["deputies"] = deputies
    return account_ops.create_user(
        email=email, full_name=full_name or email, password=password, role=role, **bind, **extra
    )


def make_citizen(
    iin: str = IIN,
    *,
    full_name: str = FULL_NAME,
    phone: str = PHONE,
    email: str = "",
    address: str = "",
    language: str = "ru",
    birth_date: date | None = None,
    region: Region | None = None,
    district: District | None = None,
    may_be_named: bool = False,
    may_be_told: bool = False,
) -> Citizen:
    """The citizen with `iin` recorded (or brought up to date) with their consent, as at intake."""
    return appeal_ops.record_citizen(
        appeal_ops.CitizenData(
            iin=iin,
            full_name=full_name,
            birth_date=birth_date,
            phone=phone,
            email=email,
            address=address,
            region=region,
            district=district,
            language=language,
            may_be_named=may_be_named,
            may_be_told=may_be_told,
        ),
        taken_by=None,
        consent=True,
    )


# --- appeals --------------------------------------------------------------------------------------


def make_registration(
    *,
    branch_code: str = "ALM-03",
    topic_code: str = "housing",
    citizen: Citizen | None = None,
    type: AppealType = AppealType.request,
    summary: str = "Нет воды",
    text: str = "Текст",
    channel: Channel = Channel.walk_in,
    language: str = "ru",
    district: District | None = None,
    cosigners: int = 0,
    registered_at: datetime | None = None,
    deputy: Deputy | None = None,
    routed_at: datetime | None = None,
    deadline: date | None = None,
    state: AppealState | None = None,
    notify: bool = False,
    commit: bool = True,
) -> appeal_ops.Registered:
    """An appeal registered by `register_appeal`; returns the registration (the appeal and its PIN).

    `citizen=None` is an anonymous appeal; `cosigners` > 0 makes it collective. `registered_at` is the moment
    of registration (now by default); `notify` queues the citizen's confirmation as intake does. With `deputy` it is routed to that deputy by `route_appeal` (the routing
    dated `routed_at` if given). `deadline` then replaces the computed deadline, and `state` sets the state
    directly, for tests of what happens from a state (the transition under test stays the real one).
    """
    registered = appeal_ops.register_appeal(
        branch=branch(branch_code),
        citizen=citizen,
        type=type,
        topic=topic(topic_code),
        summary=summary,
        text=text,
        channel=channel,
        language=language,
        district=district,
        is_collective=cosigners > 0,
        cosigners=cosigners,
        now=registered_at,
    )
    appeal = registered.appeal
    if notify:
        events.appeal_registered(appeal)
    if deputy is not None:
        appeal_ops.route_appeal(appeal, deputy, user=None)
        if routed_at is not None:
            appeal.events[-1].created_dt = routed_at
    if deadline is not None:
        appeal.deadline = deadline
    if state is not None:
        appeal.state = state
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return registered


def make_appeal(**options) -> Appeal:
    """An appeal registered (and routed, …) as `make_registration` describes; returns the appeal."""
    return make_registration(**options).appeal


def copy_appeals(appeal: Appeal, changes: list[dict]) -> None:
    """Bulk-insert one copy of `appeal` per dict in `changes` (columns to set on that copy), each with its own
    sequence, registration number and tracking code: hundreds of appeals in one INSERT, for tests of counts.
    The copies have no events; not committed."""
    columns = {a.key: getattr(appeal, a.key) for a in Appeal.__mapper__.column_attrs if a.key != "id"}
    branch_code = appeal.registration_number.split("/")[0]
    # Take the sequences from the branch's counter, as registering does, so later registrations go on after them.
    last = db.session.execute(
        update(RegistrationCounter)
        .where(RegistrationCounter.branch_id == appeal.branch_id, RegistrationCounter.year == appeal.year)
        .values(last_value=RegistrationCounter.last_value + len(changes))
        .returning(RegistrationCounter.last_value)
    ).scalar_one()
    first = last - len(changes) + 1
    rows = []
    for n, change in enumerate(changes):
        sequence = first + n
        rows.append(
            {
                **columns,
                "sequence": sequence,
                "registration_number": f"{branch_code}/{appeal.year}/{sequence:06d}",
                "tracking_code": f"COPY{appeal.id:05d}{sequence:06d}"[:16],
                "version": 1,
                **change,
            }
        )
    db.session.execute(insert(Appeal), rows)


# --- inquiries ------------------------------------------------------------------------------------


def make_inquiry(
    appeals: list[Appeal],
    *,
    user: User,
    addressee_code: str = "MIN-INTERNAL",
    language: str = "ru",
    author: Deputy | None = None,
    state: InquiryState = InquiryState.draft,
) -> Inquiry:
    """A draft written by `create_inquiry` from `appeals`, moved on by real transitions up to `state`
    (`under_review` or `approved`); not committed."""
    inquiry = inquiry_ops.create_inquiry(
        appeals, user=user, addressee=government_body(addressee_code), language=language, author=author
    )
    steps = [InquiryState.draft, InquiryState.under_review, InquiryState.approved]
    if state not in steps:
        raise ValueError(f"make_inquiry stops at a draft, under review or approved, not {state}")
    for step in steps[1 : steps.index(state) + 1]:
        inquiry_ops.transition(inquiry, step, user=user)
    return inquiry
