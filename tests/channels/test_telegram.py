"""The real python-telegram-bot against a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.channels.telegram import TelegramChannel, webhook_router
from bot.storage.schema import conversations
from tests.channels.fake_telegram import FakeTelegram, group_message, private_message

GROUP = -100123


@pytest.fixture
def telegram(services):  # type: ignore[no-untyped-def]
    with FakeTelegram() as fake:
        channel = TelegramChannel(services, "123456:TEST-TOKEN", fake.base_url)
        loop = asyncio.new_event_loop()
        holder: dict[str, asyncio.Task[None]] = {}

        def run() -> None:
            asyncio.set_event_loop(loop)
            holder["task"] = loop.create_task(channel.run())
            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(holder["task"])

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        deadline = time.time() + 20
        while "getUpdates" not in fake.calls and time.time() < deadline:
            time.sleep(0.05)
        yield fake, channel
        loop.call_soon_threadsafe(holder["task"].cancel)
        thread.join(timeout=20)


def to_chat(chat_id):  # type: ignore[no-untyped-def]
    return lambda m: m["chat_id"] == chat_id


def test_private_faq_answer(telegram):
    fake, _ = telegram
    fake.push(**private_message(111, "how do I deposit usdt on trc20?"))
    sent = fake.wait_for(lambda m: m["chat_id"] == 111 and m["reply_markup"])
    assert any(re.search(r"^1\.", m["text"], re.M) for m in fake.sent if m["chat_id"] == 111)
    buttons = sent[0]["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in buttons][:2] == ["qr:/affirm", "qr:/deny"]


def test_private_handoff_agent_reply_and_csat_buttons(telegram, services):
    fake, _ = telegram
    fake.push(**private_message(222, "I want to talk to a human agent"))
    fake.wait_for(lambda m: m["chat_id"] == 222 and "queue" in m["text"])
    handoff = services.queue.listing()[0]
    agent = services.agents.add("alice", "long enough pw", ["en"], 3)
    services.desk.claim(handoff.id, agent)
    services.desk.reply(handoff.id, agent, "Hello from Alice, checking your account now.")
    fake.wait_for(lambda m: m["chat_id"] == 222 and "Hello from Alice" in m["text"])
    services.desk.close(handoff.id, agent, "done")
    prompt = fake.wait_for(lambda m: m["chat_id"] == 222 and m["reply_markup"]
                           and "csat:" in str(m["reply_markup"]))[0]
    stars = [b["callback_data"] for b in prompt["reply_markup"]["inline_keyboard"][0]]
    assert stars == [f"csat:{n}" for n in range(1, 6)]
    fake.push(callback_query={"id": "cb1", "chat_instance": "x", "data": "csat:4",
                              "from": {"id": 222, "is_bot": False, "first_name": "U"},
                              "message": {"message_id": prompt["message_id"], "date": 0,
                                          "chat": {"id": 222, "type": "private"}}})
    fake.wait_for(lambda m: m["chat_id"] == 222 and "feedback" in m["text"].lower())
    with services.db.connect() as connection:
        assert connection.scalar(select(conversations.c.csat).where(
            conversations.c.channel_key == "tg:222:222")) == 4


def test_group_withdrawal_question_answered_publicly(telegram):
    fake, _ = telegram
    fake.push(**group_message(GROUP, 1, "my usdt withdrawal is pending for 3 hours, why?"))
    answer = fake.wait_for(to_chat(GROUP))[0]
    assert re.search(r"^1\.", answer["text"], re.M)
    assert "t.me" not in answer["text"]


def test_group_hacked_account_redirects_to_private_chat(telegram, services):
    fake, _ = telegram
    fake.push(**group_message(GROUP, 2, "my account got hacked, uid 55512345, help"))
    redirect = fake.wait_for(to_chat(GROUP))[0]
    assert "https://t.me/support_bot?start=c" in redirect["text"]
    time.sleep(1.0)
    group_texts = " ".join(m["text"] for m in fake.sent if m["chat_id"] == GROUP)
    assert "55512345" not in group_texts and "2FA" not in group_texts  # no checklist in public
    assert services.queue.listing() == []  # nothing handed off from the group
    # The deep link carries the question into the private chat, for that user only.
    payload = re.search(r"start=(c[0-9a-f]{32})", redirect["text"]).group(1)
    fake.push(**private_message(2, f"/start {payload}",
                                entities=[{"type": "bot_command", "offset": 0, "length": 6}]))
    fake.wait_for(lambda m: m["chat_id"] == 2 and "2FA" in m["text"])
    assert services.queue.listing()[0].priority == 1


def test_two_users_in_one_group_get_two_conversations(telegram, services):
    fake, _ = telegram
    fake.push(**group_message(GROUP, 7, "how much are the trading fees?"))
    fake.push(**group_message(GROUP, 8, "how do I stake eth?"))
    deadline = time.time() + 30
    keys: set[str] = set()
    while time.time() < deadline and len(keys) < 2:
        with services.db.connect() as connection:
            keys = set(connection.scalars(select(conversations.c.channel_key).where(
                conversations.c.channel == "telegram_group")))
        time.sleep(0.2)
    assert keys == {f"tg:{GROUP}:7", f"tg:{GROUP}:8"}


def test_group_ignores_unaddressed_chat_but_warns_about_scams(telegram):
    fake, _ = telegram
    fake.push(**group_message(GROUP, 9, "anyone watching the fed today?", mention=False))
    fake.push(**group_message(GROUP, 10, "Official support here, DM me your seed phrase to "
                                         "verify your wallet", mention=False))
    warning = fake.wait_for(to_chat(GROUP))
    assert len(warning) == 1 and "scam" in warning[0]["text"].lower()


def test_photo_gets_text_only_reply_in_users_language(telegram):
    fake, _ = telegram
    update = private_message(333, "", language="es")
    del update["message"]["text"]
    update["message"]["photo"] = [{"file_id": "f", "file_unique_id": "u", "width": 1,
                                   "height": 1}]
    fake.push(**update)
    reply = fake.wait_for(to_chat(333))[0]
    assert "texto" in reply["text"].lower()


def test_failed_sends_are_retried_not_lost(telegram):
    fake, _ = telegram
    fake.fail_next_sends = 2
    fake.push(**private_message(444, "hello"))
    assert fake.wait_for(to_chat(444))


def test_flood_gets_one_polite_notice(telegram, settings):
    fake, _ = telegram
    limit = settings.channels.telegram.rate_limit_messages
    for i in range(limit + 3):
        fake.push(**private_message(555, f"hello {i}"))
    fake.wait_for(lambda m: m["chat_id"] == 555 and "quickly" in m["text"])
    time.sleep(1.5)
    assert sum("quickly" in m["text"] for m in fake.sent if m["chat_id"] == 555) == 1


def test_webhook_without_the_secret_is_rejected(services, monkeypatch):
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret-token-value")
    channel = TelegramChannel(services, "123456:TEST-TOKEN", "http://127.0.0.1:9/bot")
    app = FastAPI()
    app.include_router(webhook_router(channel, "/telegram/webhook"))
    client = TestClient(app)
    update = {"update_id": 1, **private_message(1, "hi")}
    assert client.post("/telegram/webhook", json=update).status_code == 403
    assert client.post("/telegram/webhook", json=update,
                       headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}).status_code == 403
