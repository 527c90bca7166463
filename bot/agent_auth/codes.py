"""The pure part of the second factor: TOTP codes, recovery codes, the enrolment QR code.
Values in, values out; the database and the key are second_factor.py's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import re
import secrets

import pyotp

STEP_SECONDS = 30  # RFC 6238's default, what every authenticator app assumes
DIGITS = 6
WINDOW = 1  # steps accepted either side of now: a clock 30 s off, a code typed late
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_RECOVERY_LENGTH = 16  # about 79 bits each: not guessable, even against the stored hash
TOTP_PATTERN = re.compile(r"^[0-9]{6}$")


def new_secret() -> str:
    """A fresh TOTP secret: 160 random bits in base32 (RFC 4226's recommended length)."""
    return pyotp.random_base32(32)


def otpauth_uri(secret: str, username: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def step_at(now: float) -> int:
    return int(now // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).at(step * STEP_SECONDS)


def matching_step(secret: str, code: str, now: float, after_step: int | None) -> int | None:
    """The time step whose code `code` is, within WINDOW steps of now and later than
    `after_step` (the last step accepted: a code is good once); None if there is none."""
    code = normalise_totp(code)
    if not TOTP_PATTERN.match(code):
        return None
    current = step_at(now)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def normalise_totp(code: str) -> str:
    # Apps show "123 456"; people paste it so.
    return code.replace(" ", "").strip()


def is_totp_shaped(code: str) -> bool:
    return bool(TOTP_PATTERN.match(normalise_totp(code)))


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """Codes shown once, as xxxx-xxxx-xxxx-xxxx."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i:i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
    return codes


def normalise_recovery(code: str) -> str:
    return re.sub(r"[\s-]", "", code).casefold()


def recovery_hash(key: bytes, agent_id: int, code: str) -> str:
    """What is stored of a recovery code: keyed with the server's key (a copy of the
    database alone is not enough to test guesses) and bound to the agent."""
    message = f"{agent_id}:{normalise_recovery(code)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def qr_svg_data_uri(text: str) -> str:
    """The enrolment QR code as an SVG data: URI (the console's CSP allows data: images)."""
    import qrcode
    from qrcode.image.svg import SvgPathImage

    image = qrcode.make(text, image_factory=SvgPathImage, border=2,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
