"""How messages leave: e-mail over SMTP, SMS through a JSON-over-HTTP gateway, or (in the embedded default)
nowhere at all: kept for the administrators' "sent messages" page."""

import json
import smtplib
import ssl
import urllib.error
import urllib.request
import uuid
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app


class DeliveryError(Exception):
    """Delivery failed; `permanent` says whether trying again could help."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def send_email(recipient: str, subject: str, body: str, html: str = "", message_id: str | None = None) -> str:
    """Send an e-mail (text, and HTML beside it as multipart/alternative if given); returns its Message-ID.

    `message_id` (derived from the outbox row) makes a re-sent message recognisable as the same one.
    """
    config = current_app.config
    host = config.get("SMTP_HOST")
    if not host:
        return f"local-{uuid.uuid4().hex}"  # embedded default: nothing leaves the machine
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = recipient
    message["Subject"] = subject
    domain = config["MAIL_FROM"].rpartition("@")[2] or None
    message["Message-ID"] = f"<{message_id}@{domain}>" if message_id and domain else make_msgid(domain=domain)
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    try:
        smtp_class = smtplib.SMTP_SSL if config["SMTP_SSL"] else smtplib.SMTP
        with smtp_class(host, config["SMTP_PORT"], timeout=20) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"recipient refused: {exc}", permanent=True) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP: {exc}") from exc
    return message["Message-ID"]


def send_sms(phone: str, text: str, reference: str) -> str:
    """Send an SMS through the configured gateway; returns the gateway's message id.

    The gateway takes `{"to", "text", "reference"}` as JSON and answers `{"id": ...}`; 4xx means the
    request itself is wrong (permanent), 5xx or no answer means try again later.
    """
    url = current_app.config.get("SMS_GATEWAY_URL")
    if not url:
        return f"local-{uuid.uuid4().hex}"
    payload = json.dumps({"to": phone, "text": text, "reference": reference}).encode()
    request = urllib.request.Request(url, data=payload, method="POST", headers={"Content-Type": "application/json"})
    token = current_app.config.get("SMS_GATEWAY_TOKEN")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raise DeliveryError(
            f"gateway answered {exc.code}", permanent=400 <= exc.code < 500 and exc.code != 429
        ) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DeliveryError(f"gateway unreachable: {exc}") from exc
    return str(answer.get("id") or "")
