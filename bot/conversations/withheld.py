"""Seed words held back between two messages of one conversation.

A run of seed words that ends a message may be the first half of a phrase whose rest is
in the next message. It is stored as a marker ([WITHHELD:possible_seed]) and its words,
AES-GCM encrypted, in `withheld_fragments`. The next message decides (see
bot.nlu.secrets): a phrase → the marker becomes [REDACTED:seed_phrase] and the words are
deleted; not a phrase → the words replace the marker, in clear, as the user wrote them.
With no next message, after `safety.withhold_seconds`, random-looking list words are
taken for a phrase's part and redacted, and words as common as a sentence's are shown.

The key lives only in the server's memory and environment: SUPPORTBOT_WITHHOLD_KEY
(base64 of 32 bytes) when set, which deployments on several machines must share;
otherwise `supportbot run` makes one for its workers. Words held when the whole server
stops cannot be read with a new key: a day later the marker says so
([WITHHELD:unreadable]). At most `withhold_seconds` of a conversation's last words are at
stake, and that is the price of never writing seed words in clear.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import time
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, Engine, delete, insert, select, update

from bot.conversations.store import ConversationStore
from bot.errors import ConfigError
from bot.nlu.secrets import CARRIED_KEPT, CARRIED_SECRET, Carried, SecretScan, still_secret
from bot.storage.schema import withheld_fragments

log = logging.getLogger(__name__)

KEY_ENV = "SUPPORTBOT_WITHHOLD_KEY"
MARKER = "[WITHHELD:possible_seed]"
SECRET_MARKER = "[REDACTED:seed_phrase]"
UNREADABLE_MARKER = "[WITHHELD:unreadable]"
_NONCE = 12
_ORPHANED = 24 * 3600.0  # sealed under a key no running server holds


def withhold_key() -> bytes:
    """The key from the environment; the first call in a process without one makes one
    and puts it there, so worker processes started afterwards share it."""
    value = os.environ.get(KEY_ENV, "").strip()
    if not value:
        key = AESGCM.generate_key(bit_length=256)
        os.environ[KEY_ENV] = base64.urlsafe_b64encode(key).decode()
        return key
    try:
        key = base64.urlsafe_b64decode(value)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ConfigError(
            f"{KEY_ENV} must be 32 random bytes in base64 (it holds {len(key)} bytes). Make "
            "one with: python -c \"import os,base64;print(base64.urlsafe_b64encode("
            "os.urandom(32)).decode())\", or unset it to let the server make its own.")
    return key


class WithheldFragments:
    def __init__(self, engine: Engine, seconds: float, key: bytes | None = None):
        self.engine = engine
        self.seconds = seconds
        key = key or withhold_key()
        self.cipher = AESGCM(key)
        self.key_id = hashlib.sha256(b"supportbot-withhold:" + key).hexdigest()[:16]

    def _seal(self, conversation_id: str, text: str) -> bytes:
        nonce = os.urandom(_NONCE)
        # The conversation is bound in: a sealed fragment cannot be moved to another.
        return nonce + self.cipher.encrypt(nonce, text.encode("utf-8"),
                                           conversation_id.encode())

    def _open(self, row: Any) -> str | None:
        blob = row.ciphertext
        try:
            return self.cipher.decrypt(blob[:_NONCE], blob[_NONCE:],
                                       row.conversation_id.encode()).decode("utf-8")
        except (InvalidTag, ValueError):
            return None

    def carried(self, connection: Connection, conversation_id: str,
                now: float | None = None) -> Carried | None:
        """What the conversation's previous message(s) left undecided, still in time.
        Read in the transaction that holds the conversation's lock."""
        now = time.time() if now is None else now
        rows = [row for row in self._pending(connection, conversation_id)
                if row.created_at > now - self.seconds and row.key_id == self.key_id]
        if not rows:
            return None
        texts = [text for row in rows if row.ciphertext
                 for text in [self._open(row)] if text]
        lists = [row.wordlist for row in rows if row.wordlist]
        return Carried("\n".join(texts), any(row.seed_context for row in rows),
                       lists[-1] if lists else None)

    def settle(self, connection: Connection, conversation_id: str, message_id: int,
               scan: SecretScan, now: float | None = None) -> None:
        """After a new message is stored, in its transaction (holding the conversation's
        lock): decide what the previous ones held back, then hold back this one's tail."""
        now = time.time() if now is None else now
        rows = [row for row in self._pending(connection, conversation_id)
                if row.key_id == self.key_id]
        if scan.carried == CARRIED_SECRET:
            self._resolve(connection, rows, secret=True)
        elif scan.carried == CARRIED_KEPT:
            sealed = [row.id for row in rows if row.ciphertext]
            self._resolve(connection, [row for row in rows if not row.ciphertext], secret=False)
            # The phrase goes on: its earlier parts wait as long as the newest one.
            connection.execute(update(withheld_fragments).where(
                withheld_fragments.c.id.in_(sealed)).values(created_at=now))
        else:
            self._resolve(connection, rows, secret=False)
        if scan.withheld_tail or scan.seed_context or scan.expects:
            connection.execute(insert(withheld_fragments).values(
                conversation_id=conversation_id, message_id=message_id, key_id=self.key_id,
                ciphertext=(self._seal(conversation_id, scan.withheld_tail)
                            if scan.withheld_tail else b""),
                seed_context=scan.tail_context or scan.seed_context,
                wordlist=scan.seed_wordlist, created_at=now))

    def release_expired(self, now: float | None = None) -> set[str]:
        """Restore, in clear, what waited longer than `withhold_seconds` for a next
        message that never came. Each conversation is settled holding its lock, so a
        message arriving meanwhile sees either all of it withheld or none. Fragments
        sealed under another key are another server's to settle; after a day with no
        server able to open them (the key is gone), they are marked unreadable.
        Returns the conversations whose messages changed."""
        now = time.time() if now is None else now
        with self.engine.connect() as connection:
            due = set(connection.scalars(select(withheld_fragments.c.conversation_id).where(
                withheld_fragments.c.created_at <= now - self.seconds)))
        changed = set()
        for conversation_id in due:
            with self.engine.begin() as connection:
                ConversationStore.lock_or_none(connection, conversation_id)
                rows = [row for row in self._pending(connection, conversation_id)
                        if row.created_at <= now - self.seconds and (
                            row.key_id == self.key_id or row.created_at <= now - _ORPHANED)]
                # No message came to decide: words that look like a phrase's part stay
                # hidden for good, the rest ("help", "agent please") are shown.
                hidden = [row for row in rows if row.ciphertext and row.key_id == self.key_id
                          and still_secret(self._open(row) or "")]
                self._resolve(connection, hidden, secret=True)
                self._resolve(connection, [row for row in rows if row not in hidden],
                              secret=False)
            if any(row.ciphertext for row in rows):
                changed.add(conversation_id)
        return changed

    @staticmethod
    def _pending(connection: Connection, conversation_id: str) -> list[Any]:
        return list(connection.execute(
            select(withheld_fragments)
            .where(withheld_fragments.c.conversation_id == conversation_id)
            .order_by(withheld_fragments.c.id)))

    def _resolve(self, connection: Connection, rows: list[Any], secret: bool) -> None:
        for row in rows:
            if row.ciphertext:
                clear = None if secret or row.key_id != self.key_id else self._open(row)
                replacement = SECRET_MARKER if secret else (clear or UNREADABLE_MARKER)
                ConversationStore.replace_in_text(connection, row.message_id, MARKER,
                                                  replacement)
        if rows:
            connection.execute(delete(withheld_fragments).where(
                withheld_fragments.c.id.in_([row.id for row in rows])))
