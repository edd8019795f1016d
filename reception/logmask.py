"""The last line of defence for personal data in logs: every log record, of every logger in the process
(ours, SQLAlchemy's, rq's, gunicorn's), has IIN-shaped numbers, phone numbers and e-mail addresses masked
before any handler writes it, in its message and in its traceback.

The first lines are elsewhere: code never logs personal data, and database errors carry no parameters
(`hide_parameters` in config.py).
"""

import logging
import re

#: 12 digits standing alone (an IIN, a BIN).
IIN = re.compile(r"(?<!\d)\d{8}(\d{4})(?!\d)")
#: A Kazakh phone number however it is written: +7 701 123 45 67, 8(701)1234567, 77011234567 ...
PHONE = re.compile(r"(?<![\d+])(?:\+?7|8)[\s\-()]*\d{3}[\s\-()]*\d{3}[\s\-]*\d{2}[\s\-]*(\d{2})(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@([\w-]+\.[\w.-]+)")


def mask(text: str) -> str:
    """`text` with personal data masked, keeping enough to tell records apart (last digits, the domain)."""
    text = IIN.sub(lambda m: "********" + m.group(1), text)
    text = PHONE.sub(lambda m: "+7*******" + m.group(1), text)
    return EMAIL.sub(lambda m: "***@" + m.group(1), text)


_plain_factory = logging.getLogRecordFactory()


def _masking_factory(*args, **kwargs) -> logging.LogRecord:
    record = _plain_factory(*args, **kwargs)
    try:
        message = record.getMessage()
    except Exception:
        message = str(record.msg)
    record.msg, record.args = mask(message), None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
        record.exc_info = None
    if record.stack_info:
        record.stack_info = mask(record.stack_info)
    return record


def install() -> None:
    """Mask every record made from now on in this process (idempotent)."""
    if logging.getLogRecordFactory() is not _masking_factory:
        logging.setLogRecordFactory(_masking_factory)
