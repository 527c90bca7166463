"""One-time link codes, as values: made, typed back, hashed. No I/O.

Eight characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown as
"ABCD-EFGH"; typed back in any case, with or without the dash or spaces. Only the
SHA-256 of the normalised code is ever stored (the database and the inbox alike)."""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8
MARKER = "[REDACTED:link_code]"  # what a stored message shows instead of the code


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise(typed: str) -> str | None:
    """The code as stored (upper case, no separators), or None when it cannot be one."""
    raw = "".join(typed.split()).replace("-", "").upper()
    if len(raw) != LENGTH or any(c not in ALPHABET for c in raw):
        return None
    return raw


def code_hash(typed: str) -> str | None:
    raw = normalise(typed)
    return hashlib.sha256(raw.encode()).hexdigest() if raw else None
