"""Secrets the app must read back (a second factor's shared secret) are kept sealed: encrypted and
authenticated with Fernet (AES-128-CBC + HMAC-SHA256), so a copy of the database or a backup alone gives no one
the codes of a deputy's authenticator app.

`SEALING_KEYS` lists Fernet keys, newest first: the first seals, every one opens, so a key is rotated by putting
a new one in front and running `flask users reseal`. Without it (development, tests) a key is derived from
SECRET_KEY; production requires it, so that changing SECRET_KEY (which ends every session) locks no one out.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

#: Every Fernet token starts with its version byte 0x80, which is "gAAAAA" in URL-safe base64.
TOKEN_PREFIX = "gAAAAA"


class SealingError(RuntimeError):
    """A sealed value none of the keys opens: the keys were changed without the old one kept."""


def derived_key(secret_key: str) -> bytes:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"qabyldau sealing").derive(secret_key.encode())
    return base64.urlsafe_b64encode(key)


def init_app(app: Flask) -> None:
    listed = [k.strip() for k in (app.config.get("SEALING_KEYS") or "").split(",") if k.strip()]
    keys = listed or [derived_key(app.config["SECRET_KEY"])]
    try:
        app.extensions["sealing"] = MultiFernet([Fernet(k) for k in keys])
    except ValueError as exc:
        raise RuntimeError("SEALING_KEYS: each key must be 32 url-safe base64-encoded bytes (Fernet)") from exc


def _box() -> MultiFernet:
    return current_app.extensions["sealing"]


def seal(text: str) -> str:
    return _box().encrypt(text.encode()).decode()


def unseal(token: str) -> str:
    try:
        return _box().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SealingError("a sealed value opens with none of SEALING_KEYS") from None


def reseal(token: str) -> str:
    """The same value sealed with the first key (after a rotation)."""
    try:
        return _box().rotate(token.encode()).decode()
    except InvalidToken:
        raise SealingError("a sealed value opens with none of SEALING_KEYS") from None


def is_sealed(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX)


class Sealed(TypeDecorator):
    """A string column stored sealed; the model reads and writes the plain value."""

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect):
        return None if value is None else seal(value)

    def process_result_value(self, value: str | None, dialect):
        return None if value is None else unseal(value)
