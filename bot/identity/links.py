"""Telegram accounts linked to exchange accounts, and the one-time codes that link them:
the only code that reads or writes identity_links and link_codes.

A code is stored as its SHA-256 only, used once (a conditional UPDATE lets exactly one
redemption through, whatever the race) and expires."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import Connection, delete, insert, select, update

from bot.identity.codes import code_hash, new_code
from bot.storage.schema import identity_links, link_codes

KEEP_SPENT_SECONDS = 86400  # used or expired codes are deleted after a day


class Redeemed(Enum):
    LINKED = "linked"
    ALREADY = "already"  # this chat already redeemed this very code (a resend, a retry)
    INVALID = "invalid"  # unknown, used by someone else, expired or revoked


@dataclass(frozen=True)
class Redemption:
    outcome: Redeemed
    uid: str | None = None


def issue(connection: Connection, uid: str, ttl_seconds: int) -> tuple[str, float]:
    """A new code for this exchange UID: (the code in clear, to show once; expiry)."""
    now = time.time()
    connection.execute(delete(link_codes).where(
        link_codes.c.expires_at < now - KEEP_SPENT_SECONDS))
    while True:
        code = new_code()
        hashed = code_hash(code)
        if connection.scalar(select(link_codes.c.code_hash)
                             .where(link_codes.c.code_hash == hashed)) is None:
            break  # 31^8 codes: a clash is rare, but a primary-key error would be a 500
    expires_at = now + ttl_seconds
    connection.execute(insert(link_codes).values(code_hash=hashed, uid=uid, created_at=now,
                                                 expires_at=expires_at))
    return code, expires_at


def redeem(connection: Connection, hashed: str, channel: str, channel_key: str) -> Redemption:
    now = time.time()
    taken = connection.execute(
        update(link_codes).where(link_codes.c.code_hash == hashed,
                                 link_codes.c.used_at.is_(None),
                                 link_codes.c.expires_at >= now)
        .values(used_at=now))
    row = connection.execute(select(link_codes).where(link_codes.c.code_hash == hashed)).first()
    if taken.rowcount != 1:
        linked = linked_uid(connection, channel, channel_key)
        if row is not None and row.used_at is not None and linked == row.uid and (
                _linked_at(connection, channel, channel_key) == row.used_at):
            return Redemption(Redeemed.ALREADY, row.uid)
        return Redemption(Redeemed.INVALID)
    assert row is not None
    connection.execute(delete(identity_links).where(identity_links.c.channel == channel,
                                                    identity_links.c.channel_key == channel_key))
    connection.execute(insert(identity_links).values(channel=channel, channel_key=channel_key,
                                                     uid=row.uid, linked_at=now))
    return Redemption(Redeemed.LINKED, str(row.uid))


def revoke(connection: Connection, hashed: str) -> bool:
    """A code that was shown where others can read it (a group) is spent unused."""
    result = connection.execute(update(link_codes).where(link_codes.c.code_hash == hashed,
                                                         link_codes.c.used_at.is_(None))
                                .values(used_at=time.time(), expires_at=0.0))
    return bool(result.rowcount)


def linked_uid(connection: Connection, channel: str, channel_key: str) -> str | None:
    uid = connection.scalar(select(identity_links.c.uid).where(
        identity_links.c.channel == channel, identity_links.c.channel_key == channel_key))
    return str(uid) if uid else None


def _linked_at(connection: Connection, channel: str, channel_key: str) -> float | None:
    return connection.scalar(select(identity_links.c.linked_at).where(
        identity_links.c.channel == channel, identity_links.c.channel_key == channel_key))
