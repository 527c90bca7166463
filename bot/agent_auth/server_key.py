"""The server's persistent secret key: it seals what must survive a restart (agents' TOTP
secrets) and keys the hashes of recovery codes.

SUPPORTBOT_SECRET_KEY (base64 of 32 random bytes) when set: deployments on several
machines must set it, the same on all. Unset, a single machine keeps its own key in
`<data_dir>/secret.key`, made once with mode 0600, and start-up says so in one line.
Unlike SUPPORTBOT_WITHHOLD_KEY (bot.conversations.withheld), which may be made fresh
for each run because it guards seconds of text, this key must never change by itself:
every enrolled agent would have to enrol again. Back the key up apart from the database
(a stolen backup of the database alone reveals no TOTP secret).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import os
import secrets
from pathlib import Path

from bot.errors import ConfigError

log = logging.getLogger(__name__)

KEY_ENV = "SUPPORTBOT_SECRET_KEY"
KEY_FILE = "secret.key"
KEY_BYTES = 32
_HOW = ("Make one with: python -c \"import os,base64;print(base64.urlsafe_b64encode("
        "os.urandom(32)).decode())\"")


def decode_key(value: str, where: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(value.strip())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise ConfigError(f"{where} must hold {KEY_BYTES} random bytes in base64 (it holds "
                          f"{len(key)} bytes). {_HOW}")
    return key


def server_key(data_dir: str | Path) -> bytes:
    """The key from the environment, else from the key file (made on first use)."""
    value = os.environ.get(KEY_ENV, "").strip()
    if value:
        return decode_key(value, KEY_ENV)
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        _create(path)
    log.warning("%s is not set: TOTP secrets are sealed with the key in %s (one machine "
                "only; back it up apart from the database)", KEY_ENV, path)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ConfigError(f"{path} is readable by others (mode {mode:o}): chmod 600 it")
    return decode_key(path.read_text(encoding="ascii"), str(path))


def _create(path: Path) -> None:
    # Written to a private temporary file, then linked into place: two server processes
    # starting together agree on one key (the second link fails and reads the first's).
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{KEY_FILE}.{secrets.token_hex(6)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode())
            handle.write("\n")
        with contextlib.suppress(FileExistsError):  # another process was first
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
