"""Periodic jobs under time travel (time-machine): staff hear only on working days in office hours,
citizens only in the day, and every periodic job run twice sends once."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from factories import make_appeal, make_citizen, make_deputy, make_inquiry, user
from rq import SimpleWorker
from sqlalchemy import func, select

from reception.accounts.models import Role, User
from reception.appeals import operations as appeal_ops
from reception.appeals.models import Appeal
from reception.audit.models import AuditEntry
from reception.extensions import db
from reception.inquiries import operations as inquiry_ops
from reception.inquiries.models import InquiryState
from reception.inquiries.tasks import remind_inquiry_answers
from reception.jobs.queues import enqueue, get_queue, get_redis
from reception.notifications.models import InAppNotification, MessageChannel, MessageState, OutboxMessage
from reception.notifications.tasks import remind_deadlines, remind_forwarding, send_digests
from reception.routing.tasks import escalate_due_appeals

ALMATY = ZoneInfo("Asia/Almaty")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=ALMATY)


@pytest.fixture(autouse=True)
def office_hours(app):
    """The shipped quiet hours (09:00–20:00 Almaty), whatever another test set; retries at once."""
    saved = app.config["SMS_SEND_HOURS"], app.config["NOTIFY_RETRY_INTERVALS"]
    app.config["SMS_SEND_HOURS"], app.config["NOTIFY_RETRY_INTERVALS"] = (9, 20), [0]
    yield
    app.config["SMS_SEND_HOURS"], app.config["NOTIFY_RETRY_INTERVALS"] = saved


def at(moment: datetime):
    """Travel to `moment` (the clock stands still there)."""
    return time_machine.travel(moment, tick=False)


def routed_appeal(deputy, deadline: date, citizen=None) -> Appeal:
    return make_appeal(citizen=citizen, deputy=deputy, deadline=deadline)


def notes(user_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(InAppNotification.text).where(InAppNotification.user_id == user_id).order_by(InAppNotification.id)
        )
    )


def emails_to(address: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.recipient == address, OutboxMessage.channel == MessageChannel.email
            )
        )
    )


def run_worker():
    SimpleWorker([get_queue("periodic"), get_queue("notifications")], connection=get_redis()).work(burst=True)


# --- reminders: working days and office hours -----------------------------------------------------


def test_reminders_go_on_working_days_in_office_hours_only(ctx, make_user):
    deputy_user = user(make_user(Role.deputy)[1])
    with at(MONDAY - timedelta(days=7)):
        appeal = routed_appeal(deputy_user.deputy, date(2026, 11, 26))  # Thursday: 3 working days after Monday
    db.session.execute(InAppNotification.__table__.delete())  # forget the "new appeal" note
    db.session.commit()
    for moment in (
        datetime(2026, 11, 21, 10, 0, tzinfo=ALMATY),  # Saturday
        datetime(2026, 11, 22, 12, 0, tzinfo=ALMATY),  # Sunday
        datetime(2026, 11, 23, 8, 59, tzinfo=ALMATY),  # Monday, before office hours
        datetime(2026, 11, 23, 20, 0, tzinfo=ALMATY),
    ):  # Monday evening
        with at(moment):
            assert remind_deadlines() == 0, moment
    assert notes(deputy_user.id) == []
    with at(MONDAY):
        assert remind_deadlines() == 1
        assert remind_deadlines() == 0
    (text,) = notes(deputy_user.id)
    assert appeal.registration_number in text and "3" in text
    (mail,) = emails_to(deputy_user.email)
    assert mail.subject == text and appeal.registration_number in mail.html_body and not mail.quiet_hours


def test_no_reminder_on_a_public_holiday(ctx, make_user):
    deputy_user = user(make_user(Role.deputy)[1])
    with at(datetime(2026, 12, 1, 10, 0, tzinfo=ALMATY)):
        routed_appeal(deputy_user.deputy, date(2026, 12, 21))  # Monday: 3 working days after Wed 16 Dec
    db.session.execute(InAppNotification.__table__.delete())
    db.session.commit()
    with at(datetime(2026, 12, 16, 11, 0, tzinfo=ALMATY)):  # Independence Day, a Wednesday
        assert remind_deadlines() == 0
    with at(datetime(2026, 12, 15, 11, 0, tzinfo=ALMATY)):  # Tuesday: 3 working days before (the 16th is off)
        assert remind_deadlines() == 1


def test_staff_reminders_arrive_by_email_with_text_and_html(ctx, make_user, smtp_server):
    deputy_user = user(make_user(Role.deputy)[1])
    head = user(make_user(Role.branch_head, "ALM-03")[1])
    with at(MONDAY - timedelta(days=14)):
        due = routed_appeal(deputy_user.deputy, date(2026, 11, 24))  # in 1 working day
        overdue = routed_appeal(deputy_user.deputy, date(2026, 11, 20))
    with at(MONDAY):
        assert remind_deadlines() == 2
        run_worker()
    by_recipient = {to[0]: mail for to, mail in smtp_server}
    assert set(by_recipient) == {deputy_user.email, head.email}
    assert due.registration_number in by_recipient[deputy_user.email].get_body(("plain",)).get_content()
    assert overdue.registration_number in by_recipient[head.email].get_body(("html",)).get_content()
    assert "просрочено" in by_recipient[head.email]["Subject"]


def test_citizen_sms_wait_for_the_morning(ctx, sms_gateway):
    """An SMS to a citizen queued at night goes at 09:00 Almaty, not before."""
    from reception.notifications.outbox import queue_message
    from reception.notifications.tasks import deliver_message

    with at(datetime(2026, 11, 23, 23, 30, tzinfo=ALMATY)):
        message = queue_message(
            dedupe_key="test:night:sms",
            channel=MessageChannel.sms,
            recipient="+77011234567",
            language="ru",
            body="Доброе утро",
        )
        db.session.commit()
        assert deliver_message(message.id) == "deferred"
    with at(datetime(2026, 11, 24, 8, 59, tzinfo=ALMATY)):
        assert deliver_message(message.id) == "deferred"
    with at(datetime(2026, 11, 24, 9, 0, tzinfo=ALMATY)):
        assert deliver_message(message.id) == "sent"
    assert len(sms_gateway.received) == 1


# --- escalation notices: working days -----------------------------------------------------------


def test_escalation_notices_wait_for_a_working_day(ctx, make_user):
    deputy_user = user(make_user(Role.deputy)[1])
    head = user(make_user(Role.branch_head, "ALM-03")[1])
    with at(datetime(2026, 11, 2, 10, 0, tzinfo=ALMATY)):
        appeal = routed_appeal(deputy_user.deputy, date(2026, 11, 18))
    with at(datetime(2026, 11, 21, 10, 0, tzinfo=ALMATY)):  # Saturday: overdue, escalated, nobody told yet
        escalate_due_appeals()
        assert db.session.get(Appeal, appeal.id).escalation_level == 1
        assert notes(head.id) == []
    with at(MONDAY):
        escalate_due_appeals()
        escalate_due_appeals()
    (text,) = notes(head.id)
    assert appeal.registration_number in text
    assert len(emails_to(head.email)) == 1


# --- the deputies' digest -------------------------------------------------------------------------


def test_the_daily_digest_counts_new_due_this_week_and_overdue(ctx, make_user):
    deputy_user = user(make_user(Role.deputy)[1])
    other = user(make_user(Role.deputy)[1])  # nothing for them: no digest
    with at(MONDAY - timedelta(days=10)):
        new = routed_appeal(deputy_user.deputy, date(2026, 12, 10))
        this_week = routed_appeal(deputy_user.deputy, date(2026, 11, 27))
        appeal_ops.take_into_work(this_week, user=None)
        overdue = routed_appeal(deputy_user.deputy, date(2026, 11, 19))
        appeal_ops.take_into_work(overdue, user=None)
        db.session.commit()
    db.session.execute(InAppNotification.__table__.delete())
    db.session.commit()
    with at(datetime(2026, 11, 22, 10, 0, tzinfo=ALMATY)):  # Sunday: no digest
        assert send_digests() == 0
    with at(MONDAY):
        assert send_digests() == 1
    (text,) = notes(deputy_user.id)
    assert text == "Сводка на 23.11.2026: новых 1, срок на этой неделе 1, просрочено 1."
    assert notes(other.id) == []
    (mail,) = emails_to(deputy_user.email)
    for appeal in (new, this_week, overdue):
        assert appeal.registration_number in mail.body
    with at(MONDAY + timedelta(days=1)):
        assert send_digests() == 1  # a new day, a new digest
    assert len(notes(deputy_user.id)) == 2


def sent_inquiry(deputy_user: User, answer_due: date):
    """An inquiry of `deputy_user`'s deputy, sent and announced so that its answer is due on `answer_due` (15
    calendar days after the announcement; `answer_due` a working day)."""
    with at(MONDAY - timedelta(days=30)):
        appeal = routed_appeal(deputy_user.deputy, MONDAY.date() + timedelta(days=30))
        inquiry = make_inquiry([appeal], user=deputy_user, state=InquiryState.approved)
        db.session.commit()
    start = answer_due - timedelta(days=15)
    inquiry_ops.mark_sent(inquiry, user=deputy_user, outgoing_number="01-1", sent_date=start)
    inquiry_ops.record_term_start(
        inquiry, user=deputy_user, announced_date=start, announced_session="Пленарное заседание", today=start
    )
    assert inquiry.answer_due == answer_due
    db.session.commit()
    return inquiry


def test_inquiry_answers_are_awaited_with_reminders_and_one_overdue_alert(ctx, make_user):
    deputy_user = user(make_user(Role.deputy)[1])
    assistant = user(make_user(Role.assistant)[1])
    assistant.deputies = [deputy_user.deputy]
    db.session.commit()
    soon = sent_inquiry(deputy_user, date(2026, 11, 26))  # Thursday: 3 days after Monday
    late = sent_inquiry(deputy_user, date(2026, 11, 20))
    with at(datetime(2026, 11, 22, 11, 0, tzinfo=ALMATY)):  # Sunday: nobody is disturbed
        assert remind_inquiry_answers() == 0
    with at(MONDAY):
        assert remind_inquiry_answers() == 4  # the deputy and the assistant, about each inquiry
        assert remind_inquiry_answers() == 0
    for person in (deputy_user, assistant):
        texts = notes(person.id)
        assert any(f"№{soon.id}" in t and "26.11.2026" in t and "ожидается" in t for t in texts)
        assert any(f"№{late.id}" in t and "20.11.2026" in t and "Нет ответа" in t for t in texts)
    with at(MONDAY + timedelta(days=2)):  # Wednesday: 1 day before
        assert remind_inquiry_answers() == 2  # late: already alerted; soon: the 1-day reminder
    inquiry_ops.record_answer(
        soon,
        user=deputy_user,
        answer_date=date(2026, 11, 25),
        answer_number="1",
        answer_text="Ответ",
        public_summary="Ответ получен",
        assessment=inquiry_ops.AnswerAssessment.substantive,
    )
    db.session.commit()
    with at(MONDAY + timedelta(days=4)):  # Friday: soon is answered, late was alerted already
        assert remind_inquiry_answers() == 0


def test_the_branch_head_is_warned_before_the_forwarding_deadline_and_alerted_after_it_once(ctx, make_user):
    """#14.3: an appeal in triage must be routed or forwarded within 3 working days of registration: its branch's
    head hears the working day before, and once it has passed the head and the branch above hear, once each."""
    head = user(make_user(Role.branch_head, "ALM-03")[1])
    regional = user(make_user(Role.branch_head, "ALM-00")[1])
    deputy_user = user(make_user(Role.deputy)[1])
    with at(MONDAY):
        waiting = make_appeal(summary="Ждёт распределения")  # due Thursday 26.11
        handed_back = make_appeal(deputy=deputy_user.deputy)
        appeal_ops.hand_back(handed_back, user=deputy_user, reason="Не мой округ")  # back in triage: counts too
        make_appeal(deputy=deputy_user.deputy)  # with a deputy: nothing to forward
        db.session.commit()
    db.session.execute(InAppNotification.__table__.delete())  # forget the "new appeal" notes
    db.session.commit()
    with at(MONDAY + timedelta(days=1)):  # Tuesday: two working days left
        assert remind_forwarding() == 0
    with at(MONDAY + timedelta(days=2)):  # Wednesday: the working day before
        assert remind_forwarding() == 2  # the branch's head, about each appeal
        assert remind_forwarding() == 0
    assert [n for n in notes(head.id) if waiting.registration_number in n and "26.11.2026" in n]
    assert notes(regional.id) == []
    with at(MONDAY + timedelta(days=3)):  # Thursday, the last day: nothing new
        assert remind_forwarding() == 0
    with at(datetime(2026, 11, 28, 11, 0, tzinfo=ALMATY)):  # Saturday: nobody is disturbed
        assert remind_forwarding() == 0
    appeal_ops.route_appeal(handed_back, deputy_user.deputy, user=head)  # routed after all: no longer due
    db.session.commit()
    with at(MONDAY + timedelta(days=7)):  # next Monday: late
        assert remind_forwarding() == 2  # the head and the regional branch's head, about the waiting one
        assert remind_forwarding() == 0
    assert len(notes(regional.id)) == 1 and waiting.registration_number in notes(regional.id)[0]
    assert len(notes(head.id)) == 3
    assert len(emails_to(head.email)) == 3 and len(emails_to(regional.email)) == 1
    with at(MONDAY + timedelta(days=8)):
        assert remind_forwarding() == 0


def test_an_inquiry_without_a_recorded_receipt_is_not_overdue_and_its_participants_are_asked_once(ctx, make_user):
    """No made-up deadline: a sent inquiry whose announcement is not recorded is never "overdue"; a week after
    sending its participants are asked, once, to record it; once recorded, its due date drives the reminders."""
    deputy_user = user(make_user(Role.deputy)[1])
    with at(MONDAY - timedelta(days=30)):
        appeal = routed_appeal(deputy_user.deputy, MONDAY.date() + timedelta(days=30))
        inquiry = make_inquiry([appeal], user=deputy_user, state=InquiryState.approved)
        db.session.commit()
    sent_on = MONDAY.date() - timedelta(days=6)
    inquiry_ops.mark_sent(inquiry, user=deputy_user, outgoing_number="01-9", sent_date=sent_on)
    db.session.commit()
    db.session.execute(InAppNotification.__table__.delete())
    db.session.commit()
    with at(MONDAY):  # six days on: not yet
        assert remind_inquiry_answers() == 0
    with at(MONDAY + timedelta(days=1)):  # a week: asked
        assert remind_inquiry_answers() == 1
        assert remind_inquiry_answers() == 0
    assert f"№{inquiry.id}" in notes(deputy_user.id)[0] and sent_on.strftime("%d.%m.%Y") in notes(deputy_user.id)[0]
    with at(MONDAY + timedelta(days=60)):
        assert remind_inquiry_answers() == 0 and not inquiry_ops.is_overdue(inquiry, MONDAY.date() + timedelta(60))
    inquiry_ops.record_term_start(
        inquiry, user=deputy_user, announced_date=sent_on, announced_session="Пленарное заседание", today=sent_on
    )
    db.session.commit()
    assert inquiry.answer_due == sent_on + timedelta(days=15)  # Tuesday 2.12
    with at(MONDAY + timedelta(days=60)):
        assert remind_inquiry_answers() == 1  # now it is overdue, and said so once
        assert remind_inquiry_answers() == 0


# --- every periodic job, twice, through a real queue and worker --------------------------------------


def _scenario(job: str, make_user):
    """Data that gives `job` exactly one thing to do; returns what to count afterwards."""
    if job == "escalate":
        deputy_user = user(make_user(Role.deputy)[1])
        head = user(make_user(Role.branch_head, "ALM-03")[1])
        with at(MONDAY - timedelta(days=20)):
            routed_appeal(deputy_user.deputy, MONDAY.date() - timedelta(days=3))
        return escalate_due_appeals, lambda smtp, sms: [to for to, _m in smtp] == [[head.email]]
    if job == "sweep_outbox":
        from reception.notifications.tasks import sweep_outbox

        with at(MONDAY - timedelta(minutes=10)):
            db.session.add(
                OutboxMessage(
                    dedupe_key="test:lost:sms",
                    channel=MessageChannel.sms,
                    quiet_hours=True,
                    recipient="+77011234567",
                    language="ru",
                    body="Потерянное",
                )
            )
            db.session.commit()  # its job never reached Redis
        return sweep_outbox, lambda smtp, sms: [m["reference"] for m in sms] == ["test:lost:sms"]
    if job == "remind_deadlines":
        deputy_user = user(make_user(Role.deputy)[1])
        with at(MONDAY - timedelta(days=20)):
            routed_appeal(deputy_user.deputy, date(2026, 11, 26))
        return remind_deadlines, lambda smtp, sms: [to for to, _m in smtp] == [[deputy_user.email]]
    if job == "inquiry_answers":
        deputy_user = user(make_user(Role.deputy)[1])
        sent_inquiry(deputy_user, MONDAY.date() + timedelta(days=3))
        return remind_inquiry_answers, lambda smtp, sms: [to for to, _m in smtp] == [[deputy_user.email]]
    if job == "forwarding":
        head = user(make_user(Role.branch_head, "ALM-03")[1])
        with at(MONDAY - timedelta(days=7)):
            make_appeal()  # in triage since last Monday: its 3 working days ended on Thursday
        return remind_forwarding, lambda smtp, sms: [to for to, _m in smtp] == [[head.email]]
    if job == "digest":
        deputy_user = user(make_user(Role.deputy)[1])
        with at(MONDAY - timedelta(days=2)):
            routed_appeal(deputy_user.deputy, date(2026, 12, 10))
        return send_digests, lambda smtp, sms: [to for to, _m in smtp] == [[deputy_user.email]]
    if job == "retention":
        from reception.appeals.tasks import apply_retention

        citizen = make_citizen("900101300017", phone="")
        with at(datetime(2020, 3, 2, 10, 0, tzinfo=ALMATY)):
            appeal = routed_appeal(make_deputy(), date(2020, 3, 20), citizen=citizen)
            appeal_ops.reject_appeal(appeal, user=None, reason="Не по существу")
            db.session.commit()

        def erased_once(smtp, sms):
            actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("%.anonymise"))).all()
            return sorted(actions) == ["appeal.anonymise", "citizen.anonymise"]

        return apply_retention, erased_once
    raise AssertionError(job)


@pytest.mark.parametrize(
    "job", ["escalate", "sweep_outbox", "remind_deadlines", "forwarding", "inquiry_answers", "digest", "retention"]
)
def test_each_periodic_job_run_twice_sends_once(ctx, make_user, smtp_server, sms_gateway, job):
    func_, sent_once = _scenario(job, make_user)
    with at(MONDAY):
        enqueue(func_, queue="periodic")
        enqueue(func_, queue="periodic")
        run_worker()
        enqueue(func_, queue="periodic")  # and once more, after the first runs' messages went out
        run_worker()
    db.session.rollback()
    assert sent_once(smtp_server, sms_gateway.received)
    assert (
        db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state != MessageState.sent)
        )
        == 0
    )
