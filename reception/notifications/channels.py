"""How messages leave: e-mail over SMTP, SMS through a JSON-over-HTTP gateway, or (in the embedded default)
nowhere at all: kept for the administrators' "sent messages" page.

An `Outlet` keeps its SMTP and HTTP connections open from one message to the next, so a delivery job that
sends a batch pays for one connection (and one TLS handshake), not one a message.
"""

import contextlib
import http.client
import json
import smtplib
import ssl
import urllib.parse
import uuid
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

#: Seconds to wait for the SMTP server and the SMS gateway.
SMTP_TIMEOUT = 20
HTTP_TIMEOUT = 15


class DeliveryError(Exception):
    """Delivery failed; `permanent` says whether trying again could help."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Outlet:
    """The connections of one delivery job to the mail server and the SMS gateway, opened on first use and
    kept for the next message; `close()` (or leaving the `with` block) ends them."""

    def __init__(self):
        self._smtp: smtplib.SMTP | None = None
        self._http: http.client.HTTPConnection | None = None
        self._http_origin: tuple[str, str] = ("", "")

    def __enter__(self) -> "Outlet":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._drop_smtp(polite=True)
        if self._http is not None:
            self._http.close()
            self._http = None

    # --- e-mail ---------------------------------------------------------------------------------

    def send_email(self, recipient: str, subject: str, body: str, html: str = "", message_id: str | None = None) -> str:
        """Send an e-mail (text, and HTML beside it as multipart/alternative if given); returns its Message-ID.

        `message_id` (derived from the outbox row) makes a re-sent message recognisable as the same one.
        """
        config = current_app.config
        if not config.get("SMTP_HOST"):
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
            self._smtp_send(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"recipient refused: {exc}", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._drop_smtp()  # in an unknown state: the next message starts on a new connection
            raise DeliveryError(f"SMTP: {exc}") from exc
        return message["Message-ID"]

    def _smtp_send(self, message: EmailMessage) -> None:
        kept = self._smtp is not None
        if not kept:
            self._smtp = self._smtp_connect()
        try:
            self._smtp.send_message(message)
        except (smtplib.SMTPServerDisconnected, ConnectionError):
            if not kept:
                raise
            # The server closed the connection kept since the last message (idle timeout): once more on a
            # new one. Had it taken the message after all, the same Message-ID marks the copy.
            self._drop_smtp()
            self._smtp = self._smtp_connect()
            self._smtp.send_message(message)

    def _smtp_connect(self) -> smtplib.SMTP:
        config = current_app.config
        smtp_class = smtplib.SMTP_SSL if config["SMTP_SSL"] else smtplib.SMTP
        smtp = smtp_class(config["SMTP_HOST"], config["SMTP_PORT"], timeout=SMTP_TIMEOUT)
        try:
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _drop_smtp(self, polite: bool = False) -> None:
        if self._smtp is None:
            return
        smtp, self._smtp = self._smtp, None
        with contextlib.suppress(smtplib.SMTPException, OSError):
            if polite:
                smtp.quit()
        smtp.close()

    # --- SMS ------------------------------------------------------------------------------------

    def send_sms(self, phone: str, text: str, reference: str) -> str:
        """Send an SMS through the configured gateway; returns the gateway's message id.

        The gateway takes `{"to", "text", "reference"}` as JSON and answers `{"id": ...}`; the reference is
        its idempotency key. 4xx means the request itself is wrong (permanent), 5xx or no answer means try
        again later.
        """
        url = current_app.config.get("SMS_GATEWAY_URL")
        if not url:
            return f"local-{uuid.uuid4().hex}"
        payload = json.dumps({"to": phone, "text": text, "reference": reference}).encode()
        headers = {"Content-Type": "application/json"}
        token = current_app.config.get("SMS_GATEWAY_TOKEN")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            status, data = self._post(url, payload, headers)
        except (OSError, http.client.HTTPException) as exc:
            raise DeliveryError(f"gateway unreachable: {exc}") from exc
        if not 200 <= status < 300:
            raise DeliveryError(f"gateway answered {status}", permanent=400 <= status < 500 and status != 429)
        try:
            answer = json.loads(data or b"{}")
        except ValueError as exc:
            raise DeliveryError(f"gateway unreachable: {exc}") from exc
        return str(answer.get("id") or "")

    def _post(self, url: str, payload: bytes, headers: dict) -> tuple[int, bytes]:
        parts = urllib.parse.urlsplit(url)
        origin = (parts.scheme, parts.netloc)
        if self._http is None or self._http_origin != origin:
            if self._http is not None:
                self._http.close()
            if parts.scheme == "https":
                self._http = http.client.HTTPSConnection(
                    parts.hostname, parts.port, timeout=HTTP_TIMEOUT, context=ssl.create_default_context()
                )
            else:
                self._http = http.client.HTTPConnection(parts.hostname, parts.port, timeout=HTTP_TIMEOUT)
            self._http_origin = origin
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection = self._http
        kept = connection.sock is not None
        try:
            return self._request(connection, path, payload, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            connection.close()
            if not kept:
                raise
            # The gateway closed the connection kept since the last message: once more on a new one (the
            # reference makes a request it had taken after all a repeat, not a second SMS).
            return self._request(connection, path, payload, headers)
        except BaseException:
            connection.close()
            raise

    @staticmethod
    def _request(connection: http.client.HTTPConnection, path: str, payload: bytes, headers: dict):
        connection.request("POST", path, body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
        if response.will_close:
            connection.close()
        return response.status, data


def send_email(recipient: str, subject: str, body: str, html: str = "", message_id: str | None = None) -> str:
    """One e-mail on a connection of its own (see `Outlet.send_email`)."""
    with Outlet() as outlet:
        return outlet.send_email(recipient, subject, body, html=html, message_id=message_id)


def send_sms(phone: str, text: str, reference: str) -> str:
    """One SMS on a connection of its own (see `Outlet.send_sms`)."""
    with Outlet() as outlet:
        return outlet.send_sms(phone, text, reference)
