"""Widget identity tokens, checked without any I/O.

The exchange's backend signs the trader's UID, e-mail and expiry (UNIX seconds) with the
secret it shares with this server (SUPPORTBOT_IDENTITY_SECRET), the way Intercom's and
Chatwoot's identity verification work:

    signature = hex(HMAC-SHA256(secret, "supportbot-identity-v1\\n" + uid + "\\n" + email
                                         + "\\n" + str(expires)))

Fields may not contain line breaks (nor any control character), so the joined string
names exactly one (uid, email, expires): "a\\nb" + "c" can never sign as "a" + "b\\nc"."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

CONTEXT = "supportbot-identity-v1"
MIN_SECRET_BYTES = 32
UID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
# Deliberately loose (RFC 5322 allows much): one @, no spaces or control characters.
EMAIL = re.compile(r"[^\s@\x00-\x1f\x7f]{1,64}@[^\s@\x00-\x1f\x7f]{1,189}")
SIGNATURE = re.compile(r"[0-9a-f]{64}")
MAX_EXPIRES = 2**40  # far beyond any real date; keeps the integer small


@dataclass(frozen=True)
class Claims:
    """What the page passes on, as it came (not yet trusted)."""

    uid: str
    email: str
    expires: int
    signature: str


@dataclass(frozen=True)
class VerifiedIdentity:
    uid: str
    email: str | None
    expires: int


class TokenRefused(Exception):
    """`malformed` (422): the fields break the token's rules; `expired`, `forged` (401):
    well formed, but not (or no longer) vouched for by the exchange."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.status = 422 if reason == "malformed" else 401


def canonical(uid: str, email: str, expires: int) -> bytes:
    """The bytes signed; refuses fields that would make it ambiguous."""
    _check_fields(uid, email, expires)
    return "\n".join((CONTEXT, uid, email, str(expires))).encode("utf-8")


def sign(secret: bytes, uid: str, email: str, expires: int) -> str:
    return hmac.new(secret, canonical(uid, email, expires), hashlib.sha256).hexdigest()


def verify(secret: bytes, claims: Claims, now: float, skew_seconds: int,
           max_lifetime_seconds: int) -> VerifiedIdentity:
    """The identity the claims prove, or TokenRefused saying why not."""
    if not SIGNATURE.fullmatch(claims.signature):
        raise TokenRefused("malformed", "the identity signature must be 64 lowercase hex "
                                        "characters (HMAC-SHA256)")
    expected = sign(secret, claims.uid, claims.email, claims.expires)  # checks the fields
    # Constant time: how much of a guess matched must not show in the response time.
    if not hmac.compare_digest(expected.encode(), claims.signature.encode()):
        raise TokenRefused("forged", "the identity signature does not match: the token was "
                                     "not signed with this server's identity secret, or a "
                                     "field was changed after signing")
    if claims.expires + skew_seconds < now:
        raise TokenRefused("expired", "the identity token has expired: the page must ask the "
                                      "exchange's backend for a fresh one")
    if claims.expires - now > max_lifetime_seconds:
        raise TokenRefused("malformed", f"the identity token is valid for longer than the "
                                        f"{max_lifetime_seconds} s this server accepts "
                                        "(identity.max_token_lifetime_seconds)")
    return VerifiedIdentity(claims.uid, claims.email or None, claims.expires)


def _check_fields(uid: str, email: str, expires: int) -> None:
    if not UID.fullmatch(uid):
        raise TokenRefused("malformed", "the identity uid must be 1-64 letters, digits or "
                                        "._:- (starting with a letter or digit)")
    if email and (len(email) > 254 or not EMAIL.fullmatch(email) or not _encodable(email)):
        raise TokenRefused("malformed", "the identity email must be one address of at most "
                                        "254 characters, without spaces or line breaks")
    if isinstance(expires, bool) or not isinstance(expires, int) or not 0 < expires < MAX_EXPIRES:
        raise TokenRefused("malformed", "the identity expires must be a UNIX time in whole "
                                        "seconds")


def _encodable(text: str) -> bool:
    # JSON may carry a lone surrogate ("\\ud800"): no UTF-8 bytes to sign, so malformed.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
