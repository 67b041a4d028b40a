"""One-time codes for the cards handed out in the room: how they look and how they are stored.

A code is eight characters from an alphabet without look-alikes (no 0/O, 1/I/L), printed as
`ABCD-EFGH`: 40 random bits from `secrets`. Only an HMAC of the code, keyed with SECRET_KEY, is
stored: a copy of the database does not give the codes back, and without the key they cannot
be guessed offline either.
"""

import hashlib
import hmac
import secrets

from django.conf import settings

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8
NORMALISE = str.maketrans("", "", " -_")


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise(code: str) -> str:
    """What a participant typed, as it was printed: case, spaces and hyphens do not matter."""
    return code.translate(NORMALISE).upper()


def digest(code: str) -> str:
    key = f"community-code:{settings.SECRET_KEY}".encode()
    return hmac.new(key, normalise(code).encode(), hashlib.sha256).hexdigest()


def looks_like_a_code(code: str) -> bool:
    plain = normalise(code)
    return len(plain) == LENGTH and all(ch in ALPHABET for ch in plain)
