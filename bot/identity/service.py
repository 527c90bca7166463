"""Verified identity, tied to conversations: a widget token checked and recorded, Telegram
link codes issued and redeemed, a linked Telegram user's new conversations vouched for.

Secrets come from the environment only: SUPPORTBOT_IDENTITY_SECRET (the exchange signs
widget tokens with it) and SUPPORTBOT_EXCHANGE_API_KEY (the exchange's backend presents it
to ask for link codes). Without the first, verification is off and every conversation
reads "unverified"; without the second, no link code can be issued."""

from __future__ import annotations

import hmac
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from bot.config import IdentitySettings
from bot.conversations.store import ConversationStore
from bot.conversations.verified import mark_verified
from bot.errors import ConfigError
from bot.identity import links
from bot.identity.codes import MARKER
from bot.identity.tokens import (
    MIN_SECRET_BYTES,
    UID,
    Claims,
    TokenRefused,
    VerifiedIdentity,
    verify,
)
from bot.identity.view import identity_block, needs_warning
from handoff.queue import HandoffQueue

SECRET_ENV = "SUPPORTBOT_IDENTITY_SECRET"
API_KEY_ENV = "SUPPORTBOT_EXCHANGE_API_KEY"
TELEGRAM = "telegram"  # private chats only: a group is no place to prove who you are


class VerificationOff(Exception):
    """No identity secret is configured."""


class OtherAccount(Exception):
    """The conversation is already verified as another exchange account."""


@dataclass(frozen=True)
class LinkReply:
    """What the bot answers a /link message with: a reply key and its values."""

    key: str
    values: dict[str, Any]


def read_environment() -> tuple[bytes | None, str | None]:
    """(identity secret, exchange API key); a value too short to be safe is a ConfigError
    at start-up rather than a weak check later."""
    secret = os.environ.get(SECRET_ENV, "")
    key = os.environ.get(API_KEY_ENV, "")
    for name, value in ((SECRET_ENV, secret), (API_KEY_ENV, key)):
        if value and len(value.encode()) < MIN_SECRET_BYTES:
            raise ConfigError(f"{name} is shorter than {MIN_SECRET_BYTES} characters: use a "
                              f"long random value (e.g. `openssl rand -hex 32`)")
    return (secret.encode() if secret else None), (key or None)


def status_line() -> str:
    """One line for the start-up banner."""
    secret, key = read_environment()
    widget = "on" if secret else f"off (set {SECRET_ENV}; every conversation reads unverified)"
    telegram = "on" if key else f"off (set {API_KEY_ENV})"
    return f"widget tokens {widget}; Telegram link codes {telegram}"


class AttemptLimit:
    """Wrong link codes per Telegram user in a sliding window (guessing a code takes
    billions of tries; this keeps it at a handful). In memory: one process, the Telegram
    leader, serves every update."""

    def __init__(self, attempts: int, window_seconds: float):
        self.attempts, self.window = attempts, window_seconds
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def blocked_for(self, key: str) -> float:
        """Seconds until this user may try again (0: now)."""
        now = time.monotonic()
        with self._lock:
            failures = self._recent(key, now)
            return failures[0] + self.window - now if len(failures) >= self.attempts else 0.0

    def failed(self, key: str) -> None:
        with self._lock:
            self._recent(key, time.monotonic()).append(time.monotonic())


class IdentityService:
    def __init__(self, db: Engine, settings: IdentitySettings, secret: bytes | None,
                 api_key: str | None, notify: Callable[[str], None] = lambda _c: None):
        self.db = db
        self.settings = settings
        self._secret = secret
        self._api_key = api_key
        self.notify = notify
        self.attempts = AttemptLimit(settings.link_attempts,
                                     settings.link_attempts_window_seconds)

    @classmethod
    def from_environment(cls, db: Engine, settings: IdentitySettings,
                         notify: Callable[[str], None] = lambda _c: None) -> IdentityService:
        secret, key = read_environment()
        return cls(db, settings, secret, key, notify)

    @property
    def verification_on(self) -> bool:
        return self._secret is not None

    @property
    def linking_on(self) -> bool:
        return self._api_key is not None

    # --- the widget ----------------------------------------------------------------------
    def check(self, claims: Claims) -> VerifiedIdentity:
        """The identity a token proves (TokenRefused, VerificationOff otherwise)."""
        if self._secret is None:
            raise VerificationOff(f"identity verification is off on this server ({SECRET_ENV} "
                                  "is not set)")
        return verify(self._secret, claims, time.time(), self.settings.clock_skew_seconds,
                      self.settings.max_token_lifetime_seconds)

    def attach(self, conversation_id: str, identity: VerifiedIdentity) -> dict[str, Any]:
        """Record a checked identity on the conversation; its identity block.
        LookupError: no such conversation; OtherAccount: verified as someone else."""
        with self.db.begin() as connection:
            row = ConversationStore.lock_or_none(connection, conversation_id)
            if row is None:
                raise LookupError(f"no conversation {conversation_id}")
            if row.verified_uid and row.verified_uid != identity.uid:
                raise OtherAccount("this conversation belongs to another exchange account: "
                                   "open a new conversation")
            block = self._verify(connection, conversation_id, identity.uid, identity.email,
                                 "widget")
        self.notify(conversation_id)
        return block

    def verify_widget(self, conversation_id: str, claims: Claims) -> dict[str, Any]:
        return self.attach(conversation_id, self.check(claims))

    # --- Telegram linking ----------------------------------------------------------------
    def api_key_matches(self, presented: str | None) -> bool:
        if self._api_key is None or not presented:
            return False
        return hmac.compare_digest(presented.encode(), self._api_key.encode())

    def issue_link_code(self, uid: str, ttl_seconds: int | None = None) -> tuple[str, float]:
        if not UID.fullmatch(uid):
            raise TokenRefused("malformed", "uid must be 1-64 letters, digits or ._:-")
        ttl = ttl_seconds or self.settings.link_code_ttl_seconds
        if not 60 <= ttl <= self.settings.link_code_max_ttl_seconds:
            raise TokenRefused("malformed", f"ttl must be 60 to "
                                            f"{self.settings.link_code_max_ttl_seconds} seconds")
        with self.db.begin() as connection:
            return links.issue(connection, uid, ttl)

    def link_chat(self, conversation_id: str, channel_key: str, hashed: str | None,
                  typed_code: bool) -> LinkReply:
        """A trader's `/link CODE` in a private chat: the message is stored with the code
        redacted, then the code redeemed (or refused); the bot's answer as a reply key."""
        stored = f"/link {MARKER}" if typed_code else "/link"
        wait = self.attempts.blocked_for(channel_key)
        with self.db.begin() as connection:
            ConversationStore.add_message(connection, conversation_id, "user", stored)
            if not typed_code:
                reply = LinkReply("identity_link_how", {})
            elif wait:
                reply = LinkReply("identity_link_too_many",
                                  {"minutes": max(1, round(wait / 60))})
            else:
                redemption = (links.redeem(connection, hashed, TELEGRAM, channel_key)
                              if hashed else links.Redemption(links.Redeemed.INVALID))
                if redemption.outcome is links.Redeemed.INVALID:
                    self.attempts.failed(channel_key)
                    reply = LinkReply("identity_link_invalid", {})
                else:
                    assert redemption.uid is not None
                    self._verify(connection, conversation_id, redemption.uid, None, "telegram")
                    reply = LinkReply("identity_link_done", {"uid": redemption.uid})
        self.notify(conversation_id)
        return reply

    def revoke(self, hashed: str | None) -> bool:
        if not hashed:
            return False
        with self.db.begin() as connection:
            return links.revoke(connection, hashed)

    @staticmethod
    def vouch_for_new(connection: Connection, conversation_id: str, channel: str,
                      channel_key: str) -> None:
        """A new conversation of a linked Telegram user is verified from its start."""
        if channel != TELEGRAM:
            return
        uid = links.linked_uid(connection, channel, channel_key)
        if uid:
            mark_verified(connection, conversation_id, uid, None)

    # --- shared ----------------------------------------------------------------------------
    @staticmethod
    def _verify(connection: Connection, conversation_id: str, uid: str, email: str | None,
                via: str) -> dict[str, Any]:
        mark_verified(connection, conversation_id, uid, email)
        ConversationStore.record_event(connection, conversation_id, "identity_verified",
                                       {"via": via})
        conversation = ConversationStore.row(connection, conversation_id)
        block = identity_block(conversation)
        # An open case's packet says so at once (the queue card reads it; the next turn
        # rebuilds the packet from the conversation anyway).
        case = HandoffQueue.open_for(connection, conversation_id)
        if case is not None:
            packet = dict(case.packet or {})
            packet["identity"] = block
            packet["identity_warning"] = needs_warning(packet.get("intent"), block,
                                                       case.reason)
            HandoffQueue.replace_packet(connection, case.id, packet)
        return block
