"""Notifications: the outbox, a real SMTP server and a real HTTP SMS gateway on loopback, real rq workers."""

import time
from datetime import UTC

import pytest
from factories import make_appeal, make_citizen, make_deputy, make_registration
from pageforms import submit
from rq import SimpleWorker
from sqlalchemy import func, select
from support import free_port

from reception.appeals import operations as appeal_ops
from reception.extensions import db
from reception.jobs.queues import get_queue, get_redis
from reception.notifications import events
from reception.notifications.models import MessageChannel, MessageState, OutboxMessage
from reception.notifications.outbox import queue_message
from reception.notifications.tasks import deliver_message, sweep_outbox


@pytest.fixture(autouse=True)
def fast_retries(app):
    """Retries at once, and no quiet hours, so tests do not depend on the hour they run at."""
    saved = app.config["NOTIFY_RETRY_INTERVALS"], app.config["SMS_SEND_HOURS"]
    app.config["NOTIFY_RETRY_INTERVALS"], app.config["SMS_SEND_HOURS"] = [0], None
    yield
    app.config["NOTIFY_RETRY_INTERVALS"], app.config["SMS_SEND_HOURS"] = saved


def run_worker():
    SimpleWorker([get_queue("notifications")], connection=get_redis()).work(burst=True)


def register(language="kk", address=""):
    """A citizen's appeal registered and its confirmation queued; returns the registration (appeal and PIN)."""
    citizen = make_citizen(email="aigul@example.kz", address=address, language=language)
    return make_registration(citizen=citizen, summary="Су", text="Су жоқ", language=language, notify=True)


def registered_appeal(language="kk"):
    return register(language).appeal


def test_a_registered_appeal_sends_one_sms_and_one_email(ctx, smtp_server, sms_gateway):
    appeal = registered_appeal()
    events.appeal_registered(appeal)  # the same event again queues nothing new
    db.session.commit()
    run_worker()
    assert len(sms_gateway.received) == 1 and len(smtp_server) == 1
    sms = sms_gateway.received[0]
    assert sms["to"] == "+77011234567" and appeal.tracking_code in sms["text"]
    recipients, mail = smtp_server[0]
    assert recipients == ["aigul@example.kz"] and appeal.tracking_code in mail["Subject"]
    states = db.session.execute(
        select(OutboxMessage.channel, OutboxMessage.state, OutboxMessage.provider_message_id)
    ).all()
    assert {(c, s) for c, s, _p in states} == {
        (MessageChannel.sms, MessageState.sent),
        (MessageChannel.email, MessageState.sent),
    }
    assert "gw-1" in {p for _c, _s, p in states}
    for message in db.session.scalars(select(OutboxMessage)):
        assert "900101300017" not in message.body  # no personal data beyond the first name


def test_message_is_in_the_citizens_language(ctx, sms_gateway):
    appeal = registered_appeal(language="kk")
    run_worker()
    from flask_babel import force_locale, gettext

    with force_locale("kk"):
        expected = gettext(
            "Appeal %(code)s registered. Decision due by %(date)s. Status: %(link)s",
            code=appeal.tracking_code,
            date=appeal.deadline.strftime("%d.%m.%Y"),
            link=f"http://127.0.0.1:5000/status/{appeal.tracking_code}",
        )
    assert sms_gateway.received[0]["text"] == expected


def test_registration_sms_and_email_carry_the_status_link(app, ctx, smtp_server, sms_gateway):
    app.config["PUBLIC_URL"] = "https://qabyldau.example.kz/"
    try:
        appeal = registered_appeal()
        run_worker()
    finally:
        app.config["PUBLIC_URL"] = None
    link = f"https://qabyldau.example.kz/status/{appeal.tracking_code}"
    assert link in sms_gateway.received[0]["text"]
    _to, mail = smtp_server[0]
    assert link in mail.get_body(("plain",)).get_content() and link in mail.get_body(("html",)).get_content()


def test_gateway_failing_twice_then_succeeding_delivers_once_in_three_attempts(ctx, sms_gateway):
    sms_gateway.fail_with = [503, 502]
    queue_message(
        dedupe_key="test:retry:sms",
        channel=MessageChannel.sms,
        recipient="+77011234567",
        language="ru",
        body="Проверка",
    )
    db.session.commit()
    run_worker()
    message = db.session.scalar(select(OutboxMessage))
    db.session.refresh(message)
    assert len(sms_gateway.received) == 1
    assert (message.state, message.attempts) == (MessageState.sent, 3)


def test_permanent_failure_ends_failed_without_retry(ctx, sms_gateway):
    sms_gateway.fail_with = [400, 400, 400]
    queue_message(
        dedupe_key="test:permanent:sms",
        channel=MessageChannel.sms,
        recipient="+77011234567",
        language="ru",
        body="Проверка",
    )
    db.session.commit()
    run_worker()
    message = db.session.scalar(select(OutboxMessage))
    db.session.refresh(message)
    assert (message.state, message.attempts) == (MessageState.failed, 1)
    assert sms_gateway.fail_with == [400, 400]  # asked once only


def test_a_claimed_or_sent_row_is_never_sent_again(ctx, sms_gateway):
    queue_message(
        dedupe_key="test:once:sms", channel=MessageChannel.sms, recipient="+77011234567", language="ru", body="Один раз"
    )
    db.session.commit()
    message_id = db.session.scalar(select(OutboxMessage.id))
    run_worker()
    assert deliver_message(message_id) == "skipped"  # a second job for the same row
    assert len(sms_gateway.received) == 1


def test_sweeper_delivers_what_lost_its_job(ctx, sms_gateway):
    from datetime import timedelta

    from reception.dbtypes import utcnow

    db.session.add(
        OutboxMessage(
            dedupe_key="test:lost:sms",
            channel=MessageChannel.sms,
            recipient="+77011234567",
            language="ru",
            body="Потерянное",
            created_dt=utcnow() - timedelta(minutes=5),
        )
    )
    db.session.commit()  # written, but its job never reached Redis
    assert get_queue("notifications").count == 0
    assert sweep_outbox() == 1
    run_worker()
    assert len(sms_gateway.received) == 1
    assert (
        db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == MessageState.sent)
        )
        == 1
    )


def test_admin_sees_and_retries_failed_messages(app, client, auth, make_user, sms_gateway):
    from reception.accounts.models import Role

    with app.app_context():
        sms_gateway.fail_with = [400]
        queue_message(
            dedupe_key="test:admin:sms",
            channel=MessageChannel.sms,
            recipient="+77011234567",
            language="ru",
            body="Для администратора",
        )
        db.session.commit()
        run_worker()
        message_id = db.session.scalar(select(OutboxMessage.id))
    _, email = make_user(Role.admin)
    auth.login(email)
    page = client.get("/notifications/?state=failed").get_data(as_text=True)
    assert 'data-message="test:admin:sms"' in page
    retried = submit(client, "/notifications/?state=failed", f"/notifications/{message_id}/retry")
    assert retried.status_code == 302
    with app.app_context():
        run_worker()
        assert db.session.get(OutboxMessage, message_id).state == MessageState.sent


def test_citizens_hear_about_routing_extension_and_decision(ctx, sms_gateway, smtp_server, make_user):
    from datetime import timedelta

    from reception.accounts.models import Role, User

    head = db.session.scalar(select(User).where(User.email == make_user(Role.branch_head, "ALM-00")[1]))
    appeal = registered_appeal(language="ru")
    appeal_ops.route_appeal(appeal, make_deputy(), user=None)
    appeal_ops.take_into_work(appeal, user=None)  # internal step: the citizen is not messaged
    appeal_ops.extend_deadline(appeal, appeal.deadline + timedelta(days=7), user=head, reason="Запрос в акимат")
    appeal_ops.resolve_appeal(appeal, user=None, comment="Водопровод починен")
    db.session.commit()
    run_worker()
    texts = [m["text"] for m in sms_gateway.received]
    assert len(texts) == 4  # registered, routed, extended, resolved
    assert "депутату" in texts[1]
    assert all(appeal.tracking_code in t for t in texts)
    # The SMS stays short; the e-mail names the deputy's body.
    routed_mail = next(mail for _to, mail in smtp_server if "депутату" in mail["Subject"])
    assert "Мажилис" in routed_mail.get_body(("plain",)).get_content()


def test_anonymous_appeals_and_internal_steps_send_nothing(ctx, sms_gateway):
    make_appeal(summary="Аноним", notify=True, deputy=make_deputy())
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_redis_down_at_registration_keeps_the_appeal_and_the_sweeper_delivers_once(app, sms_gateway):
    from datetime import timedelta

    from redis import Redis

    from reception.appeals.models import Appeal

    with app.app_context():
        working = app.extensions["redis"]
        app.extensions["redis"] = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
        try:
            appeal = registered_appeal(language="ru")  # commits; queueing the job fails quietly
        finally:
            app.extensions["redis"] = working
        assert db.session.get(Appeal, appeal.id) is not None
        assert get_queue("notifications").count == 0
        assert {m.state for m in db.session.scalars(select(OutboxMessage))} == {MessageState.pending}
        # Later, with Redis back, the sweeper finds the rows once they are old enough.
        from reception.dbtypes import utcnow

        for message in db.session.scalars(select(OutboxMessage)):
            message.created_dt = utcnow() - timedelta(minutes=5)
        db.session.commit()
        assert sweep_outbox() == 2
        run_worker()
        assert sweep_outbox() == 0
    assert len(sms_gateway.received) == 1


@pytest.mark.parametrize(
    "utc_hour, deferred_to",
    [
        (17, "2026-11-26 09:00"),  # 22:00 in Almaty: tomorrow morning
        (1, "2026-11-25 09:00"),  # 06:00 in Almaty: this morning
        (6, None),  # 11:00 in Almaty: now
    ],
)
def test_sms_waits_for_the_end_of_quiet_hours(app, ctx, sms_gateway, utc_hour, deferred_to):
    from datetime import datetime

    app.config["SMS_SEND_HOURS"] = (9, 20)
    from rq.registry import ScheduledJobRegistry

    from reception.notifications.outbox import LOCAL_ZONE

    queue_message(
        dedupe_key=f"test:quiet:{utc_hour}",
        channel=MessageChannel.sms,
        recipient="+77011234567",
        language="ru",
        body="Ночью не будим",
    )
    db.session.commit()
    message_id = db.session.scalar(select(OutboxMessage.id))
    get_queue("notifications").empty()
    outcome = deliver_message(message_id, now=datetime(2026, 11, 25, utc_hour, 0, tzinfo=UTC))
    registry = ScheduledJobRegistry(queue=get_queue("notifications"))
    if deferred_to is None:
        assert outcome == "sent" and len(sms_gateway.received) == 1
    else:
        assert outcome == "deferred" and sms_gateway.received == []
        (job_id,) = registry.get_job_ids()
        when = registry.get_scheduled_time(job_id).astimezone(LOCAL_ZONE)
        assert when.strftime("%Y-%m-%d %H:%M") == deferred_to
        assert db.session.get(OutboxMessage, message_id).state == MessageState.pending


# --- templates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_sms_template_fits_one_segment_and_registration_two_with_its_link(ctx, language):
    from flask_babel import force_locale

    from reception.appeals.codes import new_tracking_code
    from reception.notifications.messages import CITIZEN_EVENTS, Facts, citizen_message, sms_segments

    facts = Facts(
        code=new_tracking_code(),
        first_name="Айгүл",
        date="31.12.2026",
        body="Мажилис Парламента Республики Казахстан",
        link="https://qabyldau.kz/status/K7QM-3XPD-RT9",
        point="123",
        task="Строительство газопровода до села Жанаталап",
    )
    with force_locale(language):
        for event_key in CITIZEN_EVENTS:
            sms, mail = citizen_message(event_key, facts)
            assert facts.code in sms and facts.code in mail.subject, event_key
            # The registration SMS carries the status link, which no Cyrillic text of 70 characters can hold.
            segments = 2 if event_key == "registered" else 1
            assert sms_segments(sms) == segments, (event_key, len(sms), sms)
            assert (facts.link in sms) == (event_key == "registered"), event_key
            assert any(ch in sms for ch in "аеиоуәіөүұ"), f"{event_key} is not translated to {language}: {sms}"


def test_sms_segments_counts_like_a_phone():
    from reception.notifications.messages import sms_segments

    assert sms_segments("a" * 160) == 1 and sms_segments("a" * 161) == 2  # GSM 7-bit
    assert (
        sms_segments("ж" * 70) == 1 and sms_segments("ж" * 71) == 2 and sms_segments("ж" * 135) == 3
    )  # UCS-2, 67 a part


def test_email_has_a_text_and_an_html_part(ctx, smtp_server):
    appeal = registered_appeal(language="ru")
    run_worker()
    ((recipients, mail),) = smtp_server
    assert recipients == ["aigul@example.kz"] and mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for part in (text, html):
        assert appeal.tracking_code in part and "Айгуль" in part and "зарегистрировано" in part
    assert "<p>" in html and "<p>" not in text
    assert mail["Message-ID"].startswith("<outbox-")


def test_messages_name_the_code_and_first_name_only(ctx, smtp_server, sms_gateway, make_user):
    """No PIN, IIN, surname, patronymic, phone or address, and nothing of what the appeal or its answer says."""
    from reception.accounts.models import Role, User

    head = db.session.scalar(select(User).where(User.email == make_user(Role.branch_head, "ALM-00")[1]))
    registered = register(language="ru", address="Алматы, ул. Абая 150, кв. 7")
    appeal = registered.appeal
    appeal_ops.route_appeal(appeal, make_deputy(), user=None)
    appeal_ops.take_into_work(appeal, user=None)
    appeal_ops.reject_appeal(appeal, user=head, reason="Заявитель Сейткали не проживает на ул. Абая 150")
    db.session.commit()
    run_worker()
    assert len(sms_gateway.received) == 3 and len(smtp_server) == 3  # registered, routed, rejected
    sent = [m["text"] for m in sms_gateway.received]
    for _to, mail in smtp_server:
        sent += [mail["Subject"], mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()]
    for text in sent:
        assert appeal.tracking_code in text
        for secret in (registered.pin, "900101300017", "Сейткали", "Болатовна", "7011234567", "Абая", "проживает"):
            assert secret not in text, f"{secret!r} in {text!r}"


def test_other_domains_tell_the_citizen_once_per_occurrence(ctx, sms_gateway):
    """notify_citizen is what e.g. inquiries call when an inquiry is answered."""
    appeal = registered_appeal(language="ru")
    assert events.notify_citizen(appeal, "inquiry_answered", key="inquiry:7:answered") == 2
    assert events.notify_citizen(appeal, "inquiry_answered", key="inquiry:7:answered") == 0
    assert events.notify_citizen(appeal, "inquiry_answered", key="inquiry:8:answered") == 2
    db.session.commit()
    run_worker()
    texts = [m["text"] for m in sms_gateway.received]
    assert len(texts) == 3 and sum("ответ на запрос депутата" in t for t in texts) == 2
    with pytest.raises(ValueError):
        events.notify_citizen(appeal, "no-such-event")


def test_a_reminder_email_to_a_citizen_keeps_quiet_hours_a_confirmation_does_not(app, ctx, smtp_server):
    from datetime import datetime

    app.config["SMS_SEND_HOURS"] = (9, 20)
    appeal = register(language="ru").appeal  # queues the confirmation
    events.notify_citizen(appeal, "extended", key="reminder:test", reminder=True)
    db.session.commit()
    night = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)  # 22:00 in Almaty
    outcomes = {
        m.dedupe_key: deliver_message(m.id, now=night)
        for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == MessageChannel.email))
    }
    assert outcomes == {
        f"appeal:{appeal.id}:registered:email": "sent",
        f"appeal:{appeal.id}:reminder:test:email": "deferred",
    }
    assert len(smtp_server) == 1


# --- lost jobs, dead workers --------------------------------------------------------------------


def test_the_sweeper_does_not_double_a_job_that_is_only_waiting(ctx, sms_gateway):
    from datetime import timedelta

    from reception.dbtypes import utcnow

    queue_message(
        dedupe_key="test:waiting:sms",
        channel=MessageChannel.sms,
        recipient="+77011234567",
        language="ru",
        body="Жду очереди",
    )
    db.session.commit()  # its job waits in the queue (no worker yet)
    later = utcnow() + timedelta(minutes=10)
    assert sweep_outbox(now=later) == 0
    assert get_queue("notifications").count == 1
    get_queue("notifications").empty()  # now the job is really lost
    assert sweep_outbox(now=later) == 1
    run_worker()
    assert len(sms_gateway.received) == 1


def test_the_sweeper_brings_back_a_row_claimed_by_a_dead_worker(app, ctx, sms_gateway):
    from datetime import timedelta

    from reception.dbtypes import utcnow

    message = queue_message(
        dedupe_key="test:stale:sms",
        channel=MessageChannel.sms,
        recipient="+77011234567",
        language="ru",
        body="Осиротевшее",
    )
    db.session.commit()
    get_queue("notifications").empty()
    claimed = utcnow()
    message.state, message.attempts, message.claimed_dt = MessageState.sending, 1, claimed  # as a killed worker left it
    db.session.commit()
    timeout = timedelta(seconds=app.config["NOTIFY_CLAIM_TIMEOUT"])
    assert sweep_outbox(now=claimed + timeout - timedelta(seconds=1)) == 0  # a live job may still be sending it
    assert db.session.get(OutboxMessage, message.id).state == MessageState.sending
    assert sweep_outbox(now=claimed + timeout + timedelta(minutes=3)) == 1
    run_worker()
    db.session.refresh(message)
    assert (message.state, message.attempts, len(sms_gateway.received)) == (MessageState.sent, 2, 1)


def _worker_env(app, **extra) -> dict:
    import os

    return dict(
        os.environ,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL"],
        SMTP_HOST=app.config["SMTP_HOST"] or "",
        SMTP_PORT=str(app.config["SMTP_PORT"]),
        SMTP_STARTTLS="false",
        SMS_GATEWAY_URL=app.config["SMS_GATEWAY_URL"] or "",
        SMS_SEND_HOURS="off",
        NOTIFY_RETRY_INTERVALS="0",
        **extra,
    )


def _flask_worker(app, *args):
    import subprocess
    import sys
    from pathlib import Path

    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--queue", "notifications", *args],
        cwd=Path(__file__).resolve().parent.parent,
        env=_worker_env(app),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_a_forking_worker_process_delivers_a_registered_appeals_sms_and_email(app, smtp_server, sms_gateway):
    with app.app_context():
        appeal = registered_appeal(language="ru")
        code = appeal.tracking_code
    worker = _flask_worker(app, "--burst")
    _out, errors = worker.communicate(timeout=120)
    assert worker.returncode == 0, errors
    assert [m["text"] for m in sms_gateway.received] == [
        f"Обращение {code} зарегистрировано. Срок решения: {appeal.deadline.strftime('%d.%m.%Y')}. "
        f"Статус: http://127.0.0.1:5000/status/{code}"
    ]
    ((recipients, mail),) = smtp_server
    assert recipients == ["aigul@example.kz"] and code in mail.get_body(("html",)).get_content()
    with app.app_context():
        assert {m.state for m in db.session.scalars(select(OutboxMessage))} == {MessageState.sent}


def _descendants(pid: int) -> list[int]:
    """The processes below `pid` (the worker's work horse and scheduler), from /proc."""
    import os

    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("gateway_took_it", [True, False], ids=["gateway-took-it", "gateway-dropped-it"])
def test_a_worker_killed_while_sending_delivers_exactly_once_after_recovery(app, sms_gateway, gateway_took_it):
    """SIGKILL to the worker and its work horse while the gateway holds the request; then the sweeper finds
    the stale claim, a new worker sends the row again under the same reference, and the gateway has it once."""
    import os
    import signal
    from datetime import timedelta

    import time_machine

    from reception.dbtypes import utcnow

    with app.app_context():
        queue_message(
            dedupe_key="test:killed:sms",
            channel=MessageChannel.sms,
            recipient="+77011234567",
            language="ru",
            body="Переживёт SIGKILL",
        )
        db.session.commit()
        message_id = db.session.scalar(select(OutboxMessage.id))
    sms_gateway.hold, sms_gateway.deliver_held = True, gateway_took_it
    worker = _flask_worker(app)
    try:
        assert sms_gateway.arrived.wait(120), "the worker never reached the gateway"
        for pid in [worker.pid, *_descendants(worker.pid)]:
            os.kill(pid, signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait(30)
    sms_gateway.hold = False
    sms_gateway.release.set()  # the held request ends: delivered or dropped, the worker never hears
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert (message.state, message.attempts) == (MessageState.sending, 1)
        assert sweep_outbox() == 0  # the claim is fresh: it could be a live worker's
        with time_machine.travel(utcnow() + timedelta(seconds=app.config["NOTIFY_CLAIM_TIMEOUT"] + 180), tick=False):
            assert sweep_outbox() == 1
    rerun = _flask_worker(app, "--burst")
    _out, errors = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, errors
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert (message.state, message.attempts, message.provider_message_id) == (MessageState.sent, 2, "gw-1")
    assert len(sms_gateway.requests) == 2 and len(sms_gateway.received) == 1


def test_the_citizen_hears_registered_before_routed_whichever_job_runs_first(ctx, sms_gateway):
    """Two workers may pick the two jobs in any order; the SMS still arrive as they were written."""
    from factories import make_deputy

    appeal = registered_appeal("ru")
    appeal_ops.route_appeal(appeal, make_deputy("Ахметов Серик"), user=None)
    db.session.commit()
    registered, routed = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.channel == MessageChannel.sms).order_by(OutboxMessage.id)
    ).all()
    assert deliver_message(routed.id) == "waiting"  # the later one first: it waits
    assert sms_gateway.received == []
    assert deliver_message(registered.id) == "sent"
    assert deliver_message(routed.id) == "sent"
    assert [m["reference"] for m in sms_gateway.received] == [registered.dedupe_key, routed.dedupe_key]


@pytest.mark.slow
def test_database_connections_killed_under_the_web_and_a_worker_lose_and_double_nothing(
    app, client, auth, make_user, sms_gateway
):
    """Every PostgreSQL connection of the web app and of a running worker is terminated at once (a failover,
    a restart): the next request and the next job reconnect by themselves, and every message goes out once."""
    from sqlalchemy import create_engine, text

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("terminating connections is PostgreSQL's; SQLite has none to kill")
    from reception.accounts.models import Role

    _, staff_email = make_user(Role.staff, "ALM-03")
    auth.login(staff_email)
    worker = _flask_worker(app)
    try:
        with app.app_context():
            register("ru")  # one appeal's SMS and e-mail before the kill
            db.session.commit()
            _wait_sent(2)
        # From a connection of its own, as a failover would: every other connection to the database dies,
        # the web app's pooled ones and the worker's alike.
        killer = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        with killer.connect() as conn:
            killed = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar()
        killer.dispose()
        assert killed >= 1
        assert client.get("/appeals/").status_code == 200  # the web app's pooled connections reconnect
        with app.app_context():
            for n in range(2):  # and more after it
                make_registration(
                    citizen=make_citizen(email=""),
                    summary=f"После обрыва {n}",
                    notify=True,
                    topic_code=("education", "housing")[n],
                )
            db.session.commit()
            _wait_sent(4)  # 1 SMS + 1 e-mail, then 2 SMS
    finally:
        worker.terminate()
        worker.wait(20)
    sms = [m["reference"] for m in sms_gateway.received]
    assert len(sms) == 3 and len(set(sms)) == 3  # every SMS once


def _wait_sent(count: int, seconds: float = 90) -> None:
    """Wait (in an app context) until `count` outbox messages are sent."""
    from sqlalchemy import func

    deadline = time.monotonic() + seconds
    sent = 0
    while time.monotonic() < deadline:
        db.session.rollback()
        sent = db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == MessageState.sent)
        )
        if sent >= count:
            break
        time.sleep(0.5)
    assert sent == count


# --- batches ------------------------------------------------------------------------------------


def _queue_sms(count: int, tag: str) -> list[int]:
    """`count` SMS queued in one transaction, as events queue them; returns their row ids in order."""
    for n in range(count):
        queue_message(
            dedupe_key=f"test:{tag}:{n}:sms",
            channel=MessageChannel.sms,
            recipient="+77011234567",
            language="ru",
            body=f"Сообщение {n}",
        )
    db.session.commit()
    return list(db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))


@pytest.mark.slow
def test_a_batch_of_queued_messages_is_delivered_by_two_real_workers_each_once(app, smtp_server, sms_gateway):
    """More than two batches of SMS and e-mail, two forking workers taking batches at once: every message
    reaches the gateway or the mail server once, in a handful of jobs rather than one a message."""
    from rq.registry import FinishedJobRegistry

    from reception.notifications.outbox import BATCH_SIZE

    count = 2 * BATCH_SIZE + 7
    with app.app_context():
        for n in range(count):
            email = n % 3 == 0
            queue_message(
                dedupe_key=f"test:batch:{n}:{'email' if email else 'sms'}",
                channel=MessageChannel.email if email else MessageChannel.sms,
                recipient="aigul@example.kz" if email else "+77011234567",
                language="ru",
                subject=f"Письмо {n}" if email else "",
                body=f"Сообщение {n}",
            )
            if n % 40 == 39:
                db.session.commit()  # several transactions, as several events would
        db.session.commit()
        finished = FinishedJobRegistry(queue=get_queue("notifications"))
        earlier_jobs = set(finished.get_job_ids())
    workers = [_flask_worker(app, "--burst") for _ in range(2)]
    for worker in workers:
        _out, errors = worker.communicate(timeout=180)
        assert worker.returncode == 0, errors
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert {(m.state, m.attempts) for m in rows} == {(MessageState.sent, 1)}
        sms_keys = sorted(m.dedupe_key for m in rows if m.channel == MessageChannel.sms)
        domain = app.config["MAIL_FROM"].rpartition("@")[2]
        email_ids = sorted(f"<outbox-{m.id}@{domain}>" for m in rows if m.channel == MessageChannel.email)
        jobs = set(finished.get_job_ids()) - earlier_jobs
    assert sorted(r["reference"] for r in sms_gateway.requests) == sms_keys  # each asked for once
    assert sorted(mail["Message-ID"] for _to, mail in smtp_server) == email_ids
    assert len(jobs) <= 2 * (count // BATCH_SIZE + 1)  # a job took a batch, not a message


@pytest.mark.slow
def test_a_worker_killed_mid_batch_leaves_its_rows_to_the_sweeper_and_they_go_once_with_the_same_reference(
    app, sms_gateway
):
    """Three SMS of a batch delivered, the fourth held at the gateway, then SIGKILL: the sent three stay sent,
    the rest stay claimed until the sweeper takes the stale claims back; a new worker sends them, the fourth
    again under its own reference, which the gateway recognises."""
    import os
    import signal
    from datetime import timedelta

    import time_machine

    from reception.dbtypes import utcnow

    with app.app_context():
        ids = _queue_sms(10, "midbatch")
        keys = {i: f"test:midbatch:{n}:sms" for n, i in enumerate(ids)}
    sms_gateway.hold_from = 4
    worker = _flask_worker(app)
    try:
        assert sms_gateway.arrived.wait(120), "the worker never reached the gateway"
        for pid in [worker.pid, *_descendants(worker.pid)]:
            os.kill(pid, signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait(30)
    sms_gateway.hold_from = None
    sms_gateway.release.set()  # the held request ends; the gateway had taken it, the worker never hears
    with app.app_context():
        states = dict(db.session.execute(select(OutboxMessage.id, OutboxMessage.state)).all())
        assert [states[i] for i in ids] == [MessageState.sent] * 3 + [MessageState.sending] * 7
        assert sweep_outbox() == 0  # fresh claims: a live worker's, for all the sweeper knows
        with time_machine.travel(utcnow() + timedelta(seconds=app.config["NOTIFY_CLAIM_TIMEOUT"] + 180), tick=False):
            assert sweep_outbox() == 7
    rerun = _flask_worker(app, "--burst")
    _out, errors = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, errors
    with app.app_context():
        rows = {m.id: m for m in db.session.scalars(select(OutboxMessage))}
        assert {m.state for m in rows.values()} == {MessageState.sent}
        assert [rows[i].attempts for i in ids] == [1] * 3 + [2] * 7
        gateway_ids = {body["reference"]: f"gw-{n}" for n, body in enumerate(sms_gateway.received, 1)}
        assert {rows[i].provider_message_id for i in ids} == {gateway_ids[keys[i]] for i in ids}
    asked = [r["reference"] for r in sms_gateway.requests]
    assert sorted(asked) == sorted([*keys.values(), keys[ids[3]]])  # the fourth twice, no other again
    assert sorted(r["reference"] for r in sms_gateway.received) == sorted(keys.values())  # each delivered once


def test_a_message_failing_in_a_batch_does_not_stop_the_others_and_is_retried_by_the_rules(app, ctx, sms_gateway):
    """In one batch: the first SMS meets a 503 (tried again after the retry interval), the second a 400 (failed
    for good, asked once), the other three go out in the same job."""
    from datetime import timedelta

    import time_machine
    from rq.registry import ScheduledJobRegistry

    from reception.dbtypes import utcnow
    from reception.notifications.tasks import deliver_batch

    app.config["NOTIFY_RETRY_INTERVALS"] = [30, 120]
    ids = _queue_sms(5, "failing")
    get_queue("notifications").empty()
    sms_gateway.fail_with = [503, 400]
    before = utcnow()
    assert deliver_batch() == {"sent": 3, "failed": 1, "retry": 1}
    rows = {m.id: m for m in db.session.scalars(select(OutboxMessage))}
    first, second = rows[ids[0]], rows[ids[1]]
    assert (first.state, first.attempts, first.last_error) == (MessageState.pending, 1, "gateway answered 503")
    assert before + timedelta(seconds=30) <= first.next_attempt_dt <= utcnow() + timedelta(seconds=30)
    assert (second.state, second.attempts) == (MessageState.failed, 1)
    assert [rows[i].state for i in ids[2:]] == [MessageState.sent] * 3
    # A job waits for the first one's retry; before then a batch leaves it alone.
    (job_id,) = ScheduledJobRegistry(queue=get_queue("notifications")).get_job_ids()
    when = ScheduledJobRegistry(queue=get_queue("notifications")).get_scheduled_time(job_id)
    assert 0 <= (when - first.next_attempt_dt).total_seconds() <= 1  # not before it is due
    assert deliver_batch() == {"sent": 0, "failed": 0, "retry": 0}
    with time_machine.travel(first.next_attempt_dt + timedelta(seconds=1), tick=False):
        assert deliver_batch() == {"sent": 1, "failed": 0, "retry": 0}
    db.session.refresh(first)
    assert (first.state, first.attempts, first.provider_message_id) == (MessageState.sent, 2, "gw-4")
    assert [r["reference"] for r in sms_gateway.requests].count(f"test:failing:{0}:sms") == 2
    assert [r["reference"] for r in sms_gateway.requests].count(f"test:failing:{1}:sms") == 1
    assert len(sms_gateway.received) == 4
