"""Retention: personal data on appeals closed more than RETENTION_YEARS ago is erased; statistics stay."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine
from factories import make_appeal, make_citizen, make_deputy
from sqlalchemy import func, select

from reception.appeals import attachments
from reception.appeals import operations as appeal_ops
from reception.appeals.models import (
    Appeal,
    AppealEvent,
    AppealFeedback,
    AppealState,
    AppealType,
    Attachment,
    Citizen,
    Rating,
)
from reception.appeals.retention import ERASED
from reception.appeals.tasks import apply_retention
from reception.audit.models import AuditEntry
from reception.directory.models import Region
from reception.extensions import db
from reception.notifications import events
from reception.notifications.models import InAppNotification, OutboxMessage

ALMATY = ZoneInfo("Asia/Almaty")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ALMATY)
PDF = b"%PDF-1.4 passport scan of Seitkali\n%%EOF"


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def citizen(iin="900101300017") -> Citizen:
    region = db.session.scalar(select(Region).order_by(Region.id))
    return make_citizen(
        iin,
        birth_date=date(1990, 1, 1),
        email="aigul@example.kz",
        address="Алматы, ул. Абая 150",
        region=region,
    )


def appeal_of(
    person: Citizen | None,
    registered: datetime,
    *,
    closed: datetime | None = None,
    text: str = "Канализация течёт во дворе дома Сейткали",
) -> Appeal:
    """An appeal registered (and, if `closed` is given, rejected and closed) at those moments."""
    with at(registered):
        appeal = make_appeal(
            citizen=person, type=AppealType.complaint, summary="Сейткали: канализация", text=text, commit=False
        )
        attachments.store(appeal, [attachments.CheckedFile("passport.pdf", attachments.PDF, PDF)], None)
        events.appeal_registered(appeal)
        appeal_ops.route_appeal(appeal, make_deputy(), user=None)
        db.session.commit()
    if closed:
        with at(closed):
            appeal_ops.reject_appeal(appeal, user=None, reason="Сейткали отозвала жалобу")
            appeal_ops.close_appeal(appeal, user=None)
            db.session.commit()
    return appeal


def found(query: str) -> list[int]:
    return list(db.session.scalars(select(Appeal.id).where(appeal_ops.search_filter(query))))


def test_a_citizen_whose_appeals_are_all_long_closed_is_anonymised_and_statistics_stay(ctx):
    person = citizen()
    appeal = appeal_of(
        person, datetime(2019, 3, 4, 10, 0, tzinfo=ALMATY), closed=datetime(2019, 4, 1, 10, 0, tzinfo=ALMATY)
    )
    second = appeal_of(
        person, datetime(2020, 6, 1, 10, 0, tzinfo=ALMATY), closed=datetime(2021, 6, 1, 10, 0, tzinfo=ALMATY)
    )
    files = [attachments.path_of(a) for a in db.session.scalars(select(Attachment))]
    assert all(path.exists() for path in files) and len(files) == 2
    assert set(found("канализация")) == {appeal.id, second.id}
    kept = {
        a.id: (
            a.registration_number,
            a.topic_id,
            a.state,
            a.registered_dt,
            a.deadline,
            a.branch_id,
            a.deputy_id,
            a.type,
            a.channel,
        )
        for a in (appeal, second)
    }
    event_count = db.session.scalar(select(func.count(AppealEvent.id)))
    region_id = person.region_id
    decision = next(e for e in second.events if e.to_state == AppealState.rejected)
    db.session.add(
        AppealFeedback(
            appeal_id=second.id,
            decision_event_id=decision.id,
            rating=Rating.not_satisfied,
            comment="Сейткали живёт на Абая 150, сосед залил",
        )
    )
    db.session.commit()

    with at(NOW):
        assert apply_retention() == 3  # the citizen and both appeals
        assert apply_retention() == 0

    db.session.expire_all()
    person = db.session.get(Citizen, person.id)
    assert (person.iin, person.full_name, person.birth_date, person.phone, person.email, person.address) == (
        None,
        ERASED,
        None,
        "",
        "",
        "",
    )
    assert person.anonymised_dt is not None and person.region_id == region_id and person.language == "ru"
    for row in db.session.scalars(select(Appeal)):
        assert (
            row.registration_number,
            row.topic_id,
            row.state,
            row.registered_dt,
            row.deadline,
            row.branch_id,
            row.deputy_id,
            row.type,
            row.channel,
        ) == kept[row.id]
        assert (row.summary, row.text, row.state) == (ERASED, "", AppealState.closed)
    assert db.session.scalar(select(func.count(AppealEvent.id))) == event_count
    assert set(db.session.scalars(select(AppealEvent.comment))) == {""}
    assert db.session.scalar(select(func.count(Attachment.id))) == 0 and not any(path.exists() for path in files)
    assert set(db.session.scalars(select(AppealFeedback.comment))) == {""}  # the citizen's own words too
    for message in db.session.scalars(select(OutboxMessage)):
        assert (message.recipient, message.subject, message.body, message.html_body) == ("", "", "", "")
    assert all("канализация" not in t for t in db.session.scalars(select(InAppNotification.text)))
    # The search index forgot the words, and nothing finds the person any more.
    assert found("канализация") == [] and found("900101300017") == [] and found("Сейткали") == []
    audited = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("%.anonymise"))).all()
    assert sorted(e.action for e in audited) == ["appeal.anonymise", "appeal.anonymise", "citizen.anonymise"]
    assert all("Сейткали" not in str(e.details) and "900101300017" not in str(e.details) for e in audited)


def test_a_citizen_with_a_recent_or_open_appeal_keeps_everything_until_the_last_one_is_past(ctx):
    person = citizen()
    old = appeal_of(
        person, datetime(2019, 3, 4, 10, 0, tzinfo=ALMATY), closed=datetime(2019, 4, 1, 10, 0, tzinfo=ALMATY)
    )
    recent = appeal_of(person, datetime(2026, 10, 1, 10, 0, tzinfo=ALMATY))  # still open
    with at(NOW):
        assert apply_retention() == 0
    db.session.expire_all()
    assert db.session.get(Citizen, person.id).iin == "900101300017"
    assert db.session.get(Appeal, old.id).text.startswith("Канализация")
    assert db.session.scalar(select(func.count(Attachment.id))) == 2
    # Closed now: still within the period in 2031, past it in 2032.
    with at(datetime(2026, 11, 30, 10, 0, tzinfo=ALMATY)):
        appeal = db.session.get(Appeal, recent.id)
        appeal_ops.reject_appeal(appeal, user=None, reason="Отозвано")
        db.session.commit()
    with at(datetime(2031, 11, 1, 10, 0, tzinfo=ALMATY)):
        assert apply_retention() == 0
    with at(datetime(2031, 12, 1, 10, 0, tzinfo=ALMATY)):
        assert apply_retention() == 3
    db.session.expire_all()
    assert db.session.get(Citizen, person.id).iin is None


def test_a_reopened_appeal_counts_from_its_last_closing(ctx):
    person = citizen()
    appeal = appeal_of(
        person, datetime(2019, 3, 4, 10, 0, tzinfo=ALMATY), closed=datetime(2019, 4, 1, 10, 0, tzinfo=ALMATY)
    )
    with at(datetime(2023, 1, 10, 10, 0, tzinfo=ALMATY)):
        appeal_ops.reopen_appeal(appeal, user=None, reason="Жалоба гражданина")
        appeal_ops.route_appeal(appeal, make_deputy("Другой Депутат"), user=None)
        appeal_ops.reject_appeal(appeal, user=None, reason="Повторно")
        db.session.commit()
    with at(NOW):
        assert apply_retention() == 0
        assert db.session.get(Citizen, person.id).iin == "900101300017"


def test_anonymous_appeals_lose_their_text_too_and_open_ones_are_untouched(ctx):
    closed = appeal_of(
        None, datetime(2019, 3, 4, 10, 0, tzinfo=ALMATY), closed=datetime(2019, 4, 1, 10, 0, tzinfo=ALMATY)
    )
    still_open = appeal_of(None, datetime(2019, 5, 6, 10, 0, tzinfo=ALMATY))
    with at(NOW):
        assert apply_retention() == 1
        assert apply_retention() == 0
    db.session.expire_all()
    assert db.session.get(Appeal, closed.id).text == ""
    assert db.session.get(Appeal, still_open.id).text.startswith("Канализация")
    assert found("канализация") == [still_open.id]


def test_the_same_person_coming_back_after_anonymisation_is_a_new_citizen(ctx):
    person = citizen()
    appeal_of(person, datetime(2019, 3, 4, 10, 0, tzinfo=ALMATY), closed=datetime(2019, 4, 1, 10, 0, tzinfo=ALMATY))
    with at(NOW):
        apply_retention()
        again = citizen()
        db.session.commit()
    assert again.id != person.id and again.iin == "900101300017"
    assert db.session.get(Citizen, person.id).iin is None
