"""Linking a Telegram account to an exchange account, end to end: the exchange asks for a
code over HTTP with its key, the trader sends `/link CODE` to the real python-telegram-bot
channel (against the fake Bot API on 127.0.0.1), and the conversation is verified."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.identity import links
from bot.identity.codes import code_hash
from bot.identity.service import API_KEY_ENV, SECRET_ENV
from bot.server.app import create_app
from bot.storage.schema import conversations, identity_links, inbox, link_codes, messages
from tests.channels.fake_telegram import FakeTelegram, group_message, private_message, run_channel
from tests.conftest import make_services

API_KEY = "exchange key for the telegram linking tests"
GROUP = -100777


@pytest.fixture
def services(settings, tiny_nlu, sqlite_url, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv(API_KEY_ENV, API_KEY)
    monkeypatch.delenv(SECRET_ENV, raising=False)
    built = make_services(settings, tiny_nlu, sqlite_url)
    yield built
    built.db.dispose()


@pytest.fixture
def telegram(services):  # type: ignore[no-untyped-def]
    with FakeTelegram() as fake:
        _channel, stop = run_channel(services, fake)
        yield fake
        stop()


@pytest.fixture
def exchange(services):  # type: ignore[no-untyped-def]
    """The exchange's backend: asks for a code for a logged-in UID, with its key."""
    with TestClient(create_app(services, background=False)) as client:
        def code_for(uid: str) -> str:
            response = client.post("/api/v1/identity/link-codes", json={"uid": uid},
                                   headers={"Authorization": f"Bearer {API_KEY}"})
            assert response.status_code == 201, response.text
            return str(response.json()["code"])
        yield code_for


def _rows(services, table, *where):  # type: ignore[no-untyped-def]
    with services.db.connect() as connection:
        return connection.execute(select(table).where(*where)).all()


def _conversation(services, user_id):  # type: ignore[no-untyped-def]
    rows = _rows(services, conversations, conversations.c.channel_key == f"tg:{user_id}:{user_id}")
    return rows[0] if rows else None


def _said_to(fake, chat_id, words, timeout=30.0):  # type: ignore[no-untyped-def]
    return fake.wait_for(lambda m: m["chat_id"] == chat_id and words in m["text"],
                         timeout=timeout)[0]["text"]


def test_a_code_links_the_private_chat_once_and_is_never_stored_in_clear(
        telegram, services, exchange, sqlite_url):
    fake = telegram
    code = exchange("U5550001")
    # Typed as a trader might: lower case.
    fake.push(**private_message(301, f"/link {code.lower()}"))
    assert "UID U5550001" in _said_to(fake, 301, "now linked")
    conversation = _conversation(services, 301)
    assert conversation.verified_uid == "U5550001" and conversation.verified_email is None
    assert [tuple(r) for r in _rows(services, identity_links)] == [
        ("telegram", "tg:301:301", "U5550001", pytest.approx(time.time(), abs=60))]
    texts = [r.text for r in _rows(services, messages, messages.c.author == "user")]
    assert texts == ["/link [REDACTED:link_code]"]

    # The same code from another Telegram account: refused, nothing linked.
    fake.push(**private_message(302, f"/link {code}"))
    _said_to(fake, 302, "does not work")
    assert _conversation(services, 302).verified_uid is None
    # The owner sending it again is told it is done, not refused.
    fake.push(**private_message(301, f"/link {code}"))
    deadline = time.time() + 30
    while sum("now linked" in m["text"] for m in fake.sent if m["chat_id"] == 301) < 2:
        assert time.time() < deadline, [m["text"] for m in fake.sent if m["chat_id"] == 301]
        time.sleep(0.1)
    assert not any("does not work" in m["text"] for m in fake.sent if m["chat_id"] == 301)

    # The desk sees the linked trader as verified, via Telegram.
    fake.push(**private_message(301, "/human"))
    deadline = time.time() + 30
    while not services.queue.listing() and time.time() < deadline:
        time.sleep(0.1)
    card = services.queue.listing()[0]
    assert card.identity == {"verified": True, "uid": "U5550001", "via": "telegram"}

    # No trace of the code in clear: messages, inbox payloads, the database file itself.
    raw = code.replace("-", "")
    for row in _rows(services, inbox):
        assert raw not in str(row.payload) and code not in str(row.payload)
    stored = [r.code_hash for r in _rows(services, link_codes)]
    assert stored == [code_hash(code)]
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    for path in (database, Path(f"{database}-wal")):
        if path.exists():
            content = path.read_bytes()
            assert raw.encode() not in content and code.encode() not in content


def test_a_wrong_code_is_refused_in_the_traders_language_and_guessing_is_limited(
        telegram, services, exchange, settings):
    fake = telegram
    fake.push(**private_message(303, "/link ABCD-EFGH", language="de"))
    assert "Dieser Code funktioniert nicht" in _said_to(fake, 303, "Code")
    fake.push(**private_message(304, "/link", language="es"))
    assert "/link ABCD-EFGH" in _said_to(fake, 304, "Para vincular")

    code = exchange("U5550005")
    attempts = settings.identity.link_attempts
    for guess in range(attempts - 1):  # well-formed codes nobody issued
        fake.push(**private_message(305, f"/link WXYZ-{guess + 2:04d}".replace("0", "2")))
    fake.push(**private_message(305, "/link 2222-2222"))
    fake.push(**private_message(305, f"/link {code}"))  # right, but too late
    _said_to(fake, 305, "Too many wrong codes")
    time.sleep(1.0)
    assert _conversation(services, 305).verified_uid is None
    assert not any("now linked" in m["text"] for m in fake.sent if m["chat_id"] == 305)
    # The code was not spent by the refused try: its owner may still use it elsewhere.
    fake.push(**private_message(306, f"/link {code}"))
    _said_to(fake, 306, "now linked")


def test_in_a_group_link_is_refused_and_the_public_code_is_spent(telegram, services,
                                                                 exchange):
    fake = telegram
    code = exchange("U5550007")
    fake.push(**group_message(GROUP, 307, f"/link {code}", mention=False))
    warning = _said_to(fake, GROUP, "private chat")
    assert code not in warning
    assert not _rows(services, identity_links)
    assert not _rows(services, messages)  # nothing of it stored in a conversation
    # Everyone in the group saw it: it no longer links anyone, not even its owner.
    fake.push(**private_message(307, f"/link {code}"))
    _said_to(fake, 307, "does not work")
    assert _conversation(services, 307).verified_uid is None


def test_a_linked_users_new_conversation_is_verified_from_the_start(telegram, services):
    fake = telegram
    # Linked earlier (the conversation of that day was since erased): only the link stays.
    with services.db.begin() as connection:
        code, _expiry = links.issue(connection, "U5550008", 600)
        hashed = code_hash(code)
        assert hashed is not None
        assert links.redeem(connection, hashed, "telegram", "tg:308:308").outcome is (
            links.Redeemed.LINKED)
    fake.push(**private_message(308, "hello"))
    fake.wait_for(lambda m: m["chat_id"] == 308)
    assert _conversation(services, 308).verified_uid == "U5550008"
