"""In-app notifications: the holder hears of a routed appeal, reminders before deadlines, the bell."""

from datetime import UTC, date, datetime

from factories import make_account, make_appeal, user
from sqlalchemy import func, select
from support import csrf_token

from reception.accounts.models import Role
from reception.extensions import db
from reception.notifications.models import InAppNotification
from reception.notifications.tasks import remind_deadlines


def routed_to(deputy, deadline=None):
    return make_appeal(deputy=deputy, deadline=deadline)


def notes_of(user_id) -> list[str]:
    return list(
        db.session.scalars(
            select(InAppNotification.text).where(InAppNotification.user_id == user_id).order_by(InAppNotification.id)
        )
    )


def test_deputy_and_assistants_hear_of_a_routed_appeal(ctx, make_user):
    assistant = user(make_user(Role.assistant)[1])
    deputy = assistant.deputies[0]
    own = make_account(Role.deputy, "dep@test.kz", full_name="Депутат", deputy=deputy)
    db.session.commit()
    appeal = routed_to(deputy)
    for holder in (own, assistant):
        (text,) = notes_of(holder.id)
        assert appeal.registration_number in text and "Нет воды" in text


def test_reminders_three_and_one_working_day_before_and_overdue_alerts(ctx, make_user):
    deputy_user = user(make_user(Role.deputy)[1])
    head = user(make_user(Role.branch_head, "ALM-03")[1])
    now = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # Monday morning in Almaty
    in_three = routed_to(deputy_user.deputy, date(2026, 11, 26))  # Thursday
    in_one = routed_to(deputy_user.deputy, date(2026, 11, 24))
    later = routed_to(deputy_user.deputy, date(2026, 12, 10))
    overdue = routed_to(deputy_user.deputy, date(2026, 11, 20))
    db.session.execute(InAppNotification.__table__.delete())  # forget the "new appeal" notes
    db.session.commit()
    assert remind_deadlines(now) == 3
    assert remind_deadlines(now) == 0  # a second run in the same hour notifies nobody again
    texts = notes_of(deputy_user.id)
    assert any(in_three.registration_number in t and "3" in t for t in texts)
    assert any(in_one.registration_number in t for t in texts)
    assert not any(later.registration_number in t for t in texts)
    assert [overdue.registration_number in t for t in notes_of(head.id)] == [True]


def test_the_bell_counts_unread_and_the_inbox_marks_them_read(app, client, auth, make_user):
    _, email = make_user(Role.deputy)
    with app.app_context():
        routed_to(user(email).deputy)
        routed_to(user(email).deputy)
    auth.login(email)
    page = client.get("/").get_data(as_text=True)
    assert 'data-unread="2"' in page
    inbox = client.get("/notifications/inbox").get_data(as_text=True)
    assert inbox.count("data-note") == 2
    token = csrf_token(client, "/notifications/inbox")
    client.post("/notifications/inbox", data={"csrf_token": token})
    assert 'data-unread="0"' in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(select(func.count(InAppNotification.id)).where(InAppNotification.read_dt.is_(None))) == 0
        )
