"""In-app notifications: the holder hears of a routed appeal, reminders before deadlines, the bell."""

from datetime import UTC, date, datetime

from factories import make_account, make_appeal, user
from flask_babel import force_locale, gettext
from pageforms import submit
from sqlalchemy import func, select
from support import csrf_token

from reception.accounts.models import Role
from reception.extensions import db
from reception.notifications.models import InAppNotification, MessageChannel, OutboxMessage
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
    marked = submit(client, "/notifications/inbox", "")
    assert 'data-unread="0"' in client.get(marked.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(select(func.count(InAppNotification.id)).where(InAppNotification.read_dt.is_(None))) == 0
        )


NEW_APPEAL = "New appeal %(number)s: %(summary)s"


def in_language(language: str, message: str, **values) -> str:
    with force_locale(language):
        return gettext(message, **values)


def note_of_routed_appeal(app, email: str) -> tuple[str, str, str]:
    """Route an appeal to the user's deputy; (the note they got, the same note in Kazakh, in Russian)."""
    with app.app_context():
        appeal = routed_to(user(email).deputy)
        (text,) = notes_of(user(email).id)
        values = {"number": appeal.registration_number, "summary": appeal.summary}
        return text, in_language("kk", NEW_APPEAL, **values), in_language("ru", NEW_APPEAL, **values)


def test_a_deputy_who_switched_to_kazakh_hears_of_a_routed_appeal_in_kazakh(app, client, auth, make_user):
    _, email = make_user(Role.deputy)
    auth.login(email, headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert submit(client, "/me", "/language/kk").status_code == 302  # the switch, as the page renders it
    text, kazakh, russian = note_of_routed_appeal(app, email)
    assert text == kazakh != russian


def test_a_language_switched_to_before_signing_in_is_the_latest_choice(app, client, auth, make_user):
    _, email = make_user(Role.deputy)
    with app.app_context():
        user(email).locale = "ru"  # chosen some day before
        db.session.commit()
    assert submit(client, "/auth/login", "/language/kk").status_code == 302
    auth.login(email)
    assert '<html lang="kk">' in client.get("/me").get_data(as_text=True)
    text, kazakh, _russian = note_of_routed_appeal(app, email)
    assert text == kazakh


def test_staff_who_never_chose_hear_in_their_browsers_language(app, client, auth, make_user):
    _, email = make_user(Role.deputy)
    auth.login(email, headers={"Accept-Language": "kk-KZ,kk;q=0.9,ru;q=0.8"})
    text, kazakh, russian = note_of_routed_appeal(app, email)
    assert text == kazakh != russian

    # A branch head's browser says Russian at sign-in and Kazakh later on: the overdue alert, in the app and
    # by e-mail, follows the browser as last seen.
    _, head_email = make_user(Role.branch_head, "ALM-03")
    head = app.test_client()
    csrf = csrf_token(head)
    head.post(
        "/auth/login",
        data={"email": head_email, "password": "correct horse battery", "csrf_token": csrf},
        headers={"Accept-Language": "ru"},
    )
    head.get("/me", headers={"Accept-Language": "kk"})
    with app.app_context():
        overdue = routed_to(user(email).deputy, date(2026, 11, 20))
        remind_deadlines(datetime(2026, 11, 23, 4, 0, tzinfo=UTC))
        (note,) = notes_of(user(head_email).id)
        values = {"number": overdue.registration_number, "date": "20.11.2026"}
        alert = "Appeal %(number)s is overdue (deadline %(date)s)."
        assert note == in_language("kk", alert, **values) != in_language("ru", alert, **values)
        mail = db.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.recipient == head_email, OutboxMessage.channel == MessageChannel.email
            )
        )
        assert mail.language == "kk" and mail.subject == note
        assert in_language("kk", "Open Qabyldau to act on it.") in mail.body
