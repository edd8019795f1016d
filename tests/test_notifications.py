"""Notifications: the outbox, a real SMTP server and a real HTTP SMS gateway on loopback, real rq workers."""

import json
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rq import SimpleWorker
from sqlalchemy import func, select

from conftest import branch
from reception.appeals import operations as appeal_ops
from reception.appeals.models import AppealType, Channel
from reception.directory.models import Topic
from reception.extensions import db
from reception.jobs import get_queue, get_redis
from reception.notifications import events
from reception.notifications.models import MessageChannel, MessageState, OutboxMessage
from reception.notifications.outbox import deliver_message, queue_message, sweep_outbox


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd) on loopback; yields the list of messages it received."""
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_STARTTLS": False}
    saved = {k: app.config.get(k) for k in settings}
    app.config.update(settings)
    yield received
    app.config.update(saved)
    controller.stop()


@pytest.fixture
def sms_gateway(app):
    """A tiny HTTP SMS gateway on loopback that records requests and fails on demand."""
    state = {"received": [], "fail_with": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if state["fail_with"]:
                self.send_response(state["fail_with"].pop(0))
                self.end_headers()
                return
            state["received"].append(body)
            answer = json.dumps({"id": f"gw-{len(state['received'])}"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = app.config.get("SMS_GATEWAY_URL")
    app.config["SMS_GATEWAY_URL"] = f"http://127.0.0.1:{server.server_port}/send"
    yield state
    app.config["SMS_GATEWAY_URL"] = saved
    server.shutdown()


@pytest.fixture(autouse=True)
def fast_retries(app):
    """Retries at once, and no quiet hours, so tests do not depend on the hour they run at."""
    saved = app.config["NOTIFY_RETRY_INTERVALS"], app.config["SMS_SEND_HOURS"]
    app.config["NOTIFY_RETRY_INTERVALS"], app.config["SMS_SEND_HOURS"] = [0], None
    yield
    app.config["NOTIFY_RETRY_INTERVALS"], app.config["SMS_SEND_HOURS"] = saved


def run_worker():
    SimpleWorker([get_queue("notifications")], connection=get_redis()).work(burst=True)


def registered_appeal(language="kk"):
    citizen = appeal_ops.record_citizen(appeal_ops.CitizenData(
        iin="900101300017", full_name="Сейткали Айгуль Болатовна", birth_date=None, phone="+77011234567",
        email="aigul@example.kz", address="", region=None, district=None, language=language), taken_by=None, consent=True)
    topic = db.session.scalar(select(Topic).where(Topic.code == "housing"))
    appeal = appeal_ops.register_appeal(branch=branch("ALM-03"), citizen=citizen, type=AppealType.request, topic=topic,
                                        summary="Су", text="Су жоқ", channel=Channel.walk_in, language=language).appeal
    events.appeal_registered(appeal)
    db.session.commit()
    return appeal


def test_a_registered_appeal_sends_one_sms_and_one_email(ctx, smtp_server, sms_gateway):
    appeal = registered_appeal()
    events.appeal_registered(appeal)  # the same event again queues nothing new
    db.session.commit()
    run_worker()
    assert len(sms_gateway["received"]) == 1 and len(smtp_server) == 1
    sms = sms_gateway["received"][0]
    assert sms["to"] == "+77011234567" and appeal.tracking_code in sms["text"]
    recipients, mail = smtp_server[0]
    assert recipients == ["aigul@example.kz"] and appeal.tracking_code in mail["Subject"]
    states = db.session.execute(select(OutboxMessage.channel, OutboxMessage.state, OutboxMessage.provider_message_id)).all()
    assert {(c, s) for c, s, _p in states} == {(MessageChannel.sms, MessageState.sent), (MessageChannel.email, MessageState.sent)}
    assert "gw-1" in {p for _c, _s, p in states}
    for message in db.session.scalars(select(OutboxMessage)):
        assert "900101300017" not in message.body  # no personal data beyond the first name


def test_message_is_in_the_citizens_language(ctx, sms_gateway):
    appeal = registered_appeal(language="kk")
    run_worker()
    from flask_babel import force_locale, gettext

    with force_locale("kk"):
        expected = gettext("Appeal %(code)s registered. Decision due by %(date)s.", code=appeal.tracking_code,
                           date=appeal.deadline.strftime("%d.%m.%Y"))
    assert sms_gateway["received"][0]["text"] == expected


def test_gateway_failing_twice_then_succeeding_delivers_once_in_three_attempts(ctx, sms_gateway):
    sms_gateway["fail_with"] = [503, 502]
    queue_message(dedupe_key="test:retry:sms", channel=MessageChannel.sms, recipient="+77011234567", language="ru",
                  body="Проверка")
    db.session.commit()
    run_worker()
    message = db.session.scalar(select(OutboxMessage))
    db.session.refresh(message)
    assert len(sms_gateway["received"]) == 1
    assert (message.state, message.attempts) == (MessageState.sent, 3)


def test_permanent_failure_ends_failed_without_retry(ctx, sms_gateway):
    sms_gateway["fail_with"] = [400, 400, 400]
    queue_message(dedupe_key="test:permanent:sms", channel=MessageChannel.sms, recipient="+77011234567", language="ru",
                  body="Проверка")
    db.session.commit()
    run_worker()
    message = db.session.scalar(select(OutboxMessage))
    db.session.refresh(message)
    assert (message.state, message.attempts) == (MessageState.failed, 1)
    assert sms_gateway["fail_with"] == [400, 400]  # asked once only


def test_a_claimed_or_sent_row_is_never_sent_again(ctx, sms_gateway):
    queue_message(dedupe_key="test:once:sms", channel=MessageChannel.sms, recipient="+77011234567", language="ru",
                  body="Один раз")
    db.session.commit()
    message_id = db.session.scalar(select(OutboxMessage.id))
    run_worker()
    assert deliver_message(message_id) == "skipped"  # a second job for the same row
    assert len(sms_gateway["received"]) == 1


def test_sweeper_delivers_what_lost_its_job(ctx, sms_gateway):
    from datetime import timedelta

    from reception.dbtypes import utcnow

    db.session.add(OutboxMessage(dedupe_key="test:lost:sms", channel=MessageChannel.sms, recipient="+77011234567",
                                 language="ru", body="Потерянное", created_dt=utcnow() - timedelta(minutes=5)))
    db.session.commit()  # written, but its job never reached Redis
    assert get_queue("notifications").count == 0
    assert sweep_outbox() == 1
    run_worker()
    assert len(sms_gateway["received"]) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.state == MessageState.sent)) == 1


def test_admin_sees_and_retries_failed_messages(app, client, auth, make_user, sms_gateway):
    from conftest import csrf_token
    from reception.accounts.models import Role

    with app.app_context():
        sms_gateway["fail_with"] = [400]
        queue_message(dedupe_key="test:admin:sms", channel=MessageChannel.sms, recipient="+77011234567",
                      language="ru", body="Для администратора")
        db.session.commit()
        run_worker()
        message_id = db.session.scalar(select(OutboxMessage.id))
    _, email = make_user(Role.admin)
    auth.login(email)
    page = client.get("/notifications/?state=failed").get_data(as_text=True)
    assert 'data-message="test:admin:sms"' in page
    token = csrf_token(client, "/notifications/")
    assert client.post(f"/notifications/{message_id}/retry", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        run_worker()
        assert db.session.get(OutboxMessage, message_id).state == MessageState.sent


def test_citizens_hear_about_routing_extension_and_decision(ctx, sms_gateway, smtp_server, make_user):
    from datetime import timedelta

    from conftest import make_deputy
    from reception.accounts.models import Role, User

    head = db.session.scalar(select(User).where(User.email == make_user(Role.branch_head, "ALM-00")[1]))
    appeal = registered_appeal(language="ru")
    appeal_ops.route_appeal(appeal, make_deputy(), user=None)
    appeal_ops.take_into_work(appeal, user=None)  # internal step: the citizen is not messaged
    appeal_ops.extend_deadline(appeal, appeal.deadline + timedelta(days=7), user=head, reason="Запрос в акимат")
    appeal_ops.resolve_appeal(appeal, user=None, comment="Водопровод починен")
    db.session.commit()
    run_worker()
    texts = [m["text"] for m in sms_gateway["received"]]
    assert len(texts) == 4  # registered, routed, extended, resolved
    assert "депутату" in texts[1]
    assert all(appeal.tracking_code in t for t in texts)
    # The SMS stays short; the e-mail names the deputy's body.
    routed_mail = next(mail for _to, mail in smtp_server if "депутату" in mail["Subject"])
    assert "Мажилис" in routed_mail.get_body(("plain",)).get_content()


def test_anonymous_appeals_and_internal_steps_send_nothing(ctx, sms_gateway):
    from conftest import make_deputy

    topic = db.session.scalar(select(Topic).where(Topic.code == "housing"))
    appeal = appeal_ops.register_appeal(branch=branch("ALM-03"), citizen=None, type=AppealType.request, topic=topic,
                                        summary="Аноним", text="Текст", channel=Channel.walk_in, language="ru").appeal
    events.appeal_registered(appeal)
    appeal_ops.route_appeal(appeal, make_deputy(), user=None)
    db.session.commit()
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
    assert len(sms_gateway["received"]) == 1


@pytest.mark.parametrize("utc_hour, deferred_to", [
    (17, "2026-11-26 09:00"),  # 22:00 in Almaty: tomorrow morning
    (1, "2026-11-25 09:00"),   # 06:00 in Almaty: this morning
    (6, None),                 # 11:00 in Almaty: now
])
def test_sms_waits_for_the_end_of_quiet_hours(app, ctx, sms_gateway, utc_hour, deferred_to):
    from datetime import datetime, timezone

    app.config["SMS_SEND_HOURS"] = (9, 20)
    from rq.registry import ScheduledJobRegistry

    from reception.notifications.outbox import LOCAL_ZONE

    queue_message(dedupe_key=f"test:quiet:{utc_hour}", channel=MessageChannel.sms, recipient="+77011234567",
                  language="ru", body="Ночью не будим")
    db.session.commit()
    message_id = db.session.scalar(select(OutboxMessage.id))
    get_queue("notifications").empty()
    outcome = deliver_message(message_id, now=datetime(2026, 11, 25, utc_hour, 0, tzinfo=timezone.utc))
    registry = ScheduledJobRegistry(queue=get_queue("notifications"))
    if deferred_to is None:
        assert outcome == "sent" and len(sms_gateway["received"]) == 1
    else:
        assert outcome == "deferred" and sms_gateway["received"] == []
        (job_id,) = registry.get_job_ids()
        when = registry.get_scheduled_time(job_id).astimezone(LOCAL_ZONE)
        assert when.strftime("%Y-%m-%d %H:%M") == deferred_to
        assert db.session.get(OutboxMessage, message_id).state == MessageState.pending
