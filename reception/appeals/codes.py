"""Public tracking codes (random, read aloud easily, with a check character) and PINs kept as keyed hashes."""

import hashlib
import hmac
import secrets

#: 32 symbols: digits and Latin capitals without 0/O and 1/I, which are confused when read aloud.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
#: 10 random symbols of 5 bits each: 50 bits, then one check symbol.
RANDOM_SYMBOLS = 10


def _luhn_mod_n(body: str) -> str:
    """Luhn mod N check symbol: catches every single-symbol error and most adjacent swaps."""
    n = len(ALPHABET)
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * _INDEX[char]
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def new_tracking_code() -> str:
    """A fresh code like `K7QM-3XPD-RT9`: 50 random bits from `secrets` and a check symbol."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    return format_tracking_code(body + _luhn_mod_n(body))


def format_tracking_code(compact: str) -> str:
    return f"{compact[0:4]}-{compact[4:8]}-{compact[8:]}"


def normalize_tracking_code(text: str) -> str | None:
    """The canonical form of what a citizen typed (any case, spaces or dashes), or None if it is not a
    valid code (wrong length, a symbol outside the alphabet, or a wrong check symbol)."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(compact) != RANDOM_SYMBOLS + 1 or any(ch not in _INDEX for ch in compact):
        return None
    if _luhn_mod_n(compact[:-1]) != compact[-1]:
        return None
    return format_tracking_code(compact)


def new_pin() -> str:
    """Six random digits."""
    return f"{secrets.randbelow(1_000_000):06d}"


def hash_pin(pin: str, key: str) -> str:
    """HMAC-SHA256 of the PIN with the server's key: fast to check, useless without the key."""
    return hmac.new(key.encode(), pin.encode(), hashlib.sha256).hexdigest()


def check_pin(pin: str, stored_hash: str, key: str) -> bool:
    return hmac.compare_digest(hash_pin(pin.strip(), key), stored_hash)
