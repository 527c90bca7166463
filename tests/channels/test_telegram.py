"""The real python-telegram-bot against a fake Bot API server on 127.0.0.1: answers,
buttons, groups, and the faults a real Telegram produces (5xx for one chat, 429, slow
answers, blocked users, malformed webhook bodies)."""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.channels.telegram import TelegramChannel, webhook_router
from bot.storage.schema import conversations, deliveries, events, inbox, messages
from tests.channels.fake_telegram import (
    FakeTelegram,
    group_message,
    private_message,
    run_channel,
)
from tests.phrases import seed_phrase

GROUP = -100123


@pytest.fixture
def telegram(services):  # type: ignore[no-untyped-def]
    with FakeTelegram() as fake:
        channel, stop = run_channel(services, fake)
        yield fake, channel
        stop()


def to_chat(chat_id):  # type: ignore[no-untyped-def]
    return lambda m: m["chat_id"] == chat_id


def _rows(services, table, *where):  # type: ignore[no-untyped-def]
    with services.db.connect() as connection:
        return connection.execute(select(table).where(*where)).all()


def _press(fake, user_id, chat, data, message_id, chat_type="private"):  # type: ignore[no-untyped-def]
    return fake.push(callback_query={
        "id": f"cb{time.time_ns()}", "chat_instance": "x", "data": data,
        "from": {"id": user_id, "is_bot": False, "first_name": "U", "language_code": "en"},
        "message": {"message_id": message_id, "date": 0,
                    "chat": {"id": chat, "type": chat_type}}})


def test_start_up_registers_the_command_menu(telegram):
    fake, _ = telegram
    menus = fake.called("setMyCommands")
    default = next(m for m in menus if not m.get("language_code"))
    assert [c["command"] for c in default["commands"]] == ["start", "help", "human", "status",
                                                           "link"]
    assert any(m.get("language_code") == "ja" for m in menus)


def test_private_faq_answer_is_html_with_buttons(telegram):
    fake, _ = telegram
    fake.push(**private_message(111, "how do I deposit usdt on trc20?"))
    sent = fake.wait_for(lambda m: m["chat_id"] == 111 and m["reply_markup"])
    assert all(m["parse_mode"] == "HTML" for m in fake.sent if m["chat_id"] == 111)
    assert "**" not in " ".join(m["text"] for m in fake.sent if m["chat_id"] == 111)
    buttons = [row[0]["callback_data"] for row in sent[0]["reply_markup"]["inline_keyboard"]]
    assert all(re.fullmatch(r"qr:\d+:\d+", b) for b in buttons)
    assert "sendChatAction" in fake.calls  # "typing…" while it thought


def test_handoff_agent_reply_and_csat_once(telegram, services):
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
    prefix = stars[0].rsplit(":", 1)[0]
    assert stars == [f"{prefix}:{n}" for n in range(1, 6)]
    _press(fake, 222, 222, f"{prefix}:4", prompt["message_id"])
    _press(fake, 222, 222, f"{prefix}:1", prompt["message_id"])  # a second press
    _press(fake, 222, 222, "csat:abc", prompt["message_id"])  # forged data
    deadline = time.time() + 20
    while len(fake.called("answerCallbackQuery")) < 2 and time.time() < deadline:
        time.sleep(0.1)
    toasts = [c.get("text") for c in fake.called("answerCallbackQuery")]
    assert toasts[0] == "Thank you for your feedback!" and "already" in toasts[1]
    assert fake.called("editMessageReplyMarkup")  # the stars are taken away
    key = conversations.c.channel_key == "tg:222:222"
    assert _rows(services, conversations, key)[0].csat == 4


def test_long_text_caption_edit_and_sticker(telegram, services):
    fake, _ = telegram
    long_text = ("my withdrawal of 500 usdt is stuck " * 200)[:4096]
    fake.push(**private_message(301, long_text))
    fake.wait_for(to_chat(301))
    photo = private_message(302, "", language="es", caption="mi depósito de USDT no llega")
    del photo["message"]["text"]
    photo["message"]["photo"] = [{"file_id": "f", "file_unique_id": "u", "width": 1,
                                  "height": 1}]
    fake.push(**photo)
    reply = fake.wait_for(to_chat(302))[0]
    assert "texto" not in reply["text"].lower()  # the caption was read as the question
    sticker = private_message(303, "", language="es")
    del sticker["message"]["text"]
    sticker["message"]["sticker"] = {"file_id": "s", "file_unique_id": "s", "width": 1,
                                     "height": 1, "is_animated": False, "is_video": False,
                                     "type": "regular"}
    fake.push(**sticker)
    assert "texto" in fake.wait_for(to_chat(303))[0]["text"].lower()
    original = private_message(304, "my password is hunter2 and login fails")
    fake.push(**original)
    fake.wait_for(to_chat(304))
    # A pasted password makes a turn of several sends (the answer, the warning, the
    # hand-over notice): count them once they have all gone, not after the first.
    answers = _settled_count(fake, 304)
    edited = {"edited_message": {**original["message"], "text": "login fails on my phone",
                                 "edit_date": int(time.time())}}
    fake.push(**edited)
    deadline = time.time() + 20
    stored: list = []
    while time.time() < deadline:
        stored = [r.text for r in _rows(services, messages, messages.c.author == "user",
                                        messages.c.client_message_id.like("tg-304-%"))]
        if stored == ["login fails on my phone"]:
            break
        time.sleep(0.1)
    assert stored == ["login fails on my phone"]
    time.sleep(1.0)
    assert len([m for m in fake.sent if m["chat_id"] == 304]) == answers  # not a new turn
    kinds = {r.kind for r in _rows(services, events)}
    assert {"non_text", "message_edited"} <= kinds
    assert all("hunter2" not in r.text for r in _rows(services, messages))


def _settled_count(fake, chat_id: int, quiet: float = 1.5, limit: float = 20.0) -> int:
    """How many messages the bot sent to the chat, once none has followed for `quiet` s."""
    deadline = time.time() + limit
    count, since = -1, time.time()
    while time.time() < deadline:
        now = len([m for m in fake.sent if m["chat_id"] == chat_id])
        if now != count:
            count, since = now, time.time()
        elif time.time() - since >= quiet:
            break
        time.sleep(0.05)
    return count


def test_one_failing_chat_never_holds_back_another(telegram, services):
    fake, _ = telegram
    fake.failing_chats.add(401)
    fake.push(**private_message(401, "hello"))
    deadline = time.time() + 20
    while fake.send_attempts.count(401) < 1 and time.time() < deadline:
        time.sleep(0.05)
    fake.push(**private_message(402, "hello"))
    fake.wait_for(to_chat(402))
    # The other chat was answered while this one was still failing.
    assert 401 in fake.failing_chats and not [m for m in fake.sent if m["chat_id"] == 401]
    fake.failing_chats.discard(401)
    fake.wait_for(to_chat(401), timeout=60)
    time.sleep(1.0)
    texts = [m["text"] for m in fake.sent if m["chat_id"] == 401]
    assert len(texts) == len(set(texts))  # each reply once


def test_429_and_slow_answers_deliver_exactly_once(telegram, services):
    fake, _ = telegram
    fake.rate_limit_next = 3
    fake.push(**private_message(501, "hello"))
    first = fake.wait_for(to_chat(501))
    fake.slow_next_sends = 1  # Telegram shows it, but answers after the client gave up
    fake.push(**private_message(502, "thanks, bye"))
    fake.wait_for(to_chat(502))
    time.sleep(10)
    for chat in (501, 502):
        texts = [m["text"] for m in fake.sent if m["chat_id"] == chat]
        assert len(texts) == len(set(texts)), texts
    assert len(first) >= 1
    states = {r.state for r in _rows(services, deliveries)}
    assert "maybe_sent" in states and "sent" in states


def test_blocked_user_stops_the_sending(telegram, services):
    fake, _ = telegram
    fake.blocked_chats.add(601)
    fake.push(**private_message(601, "hello"))
    deadline = time.time() + 20
    rows: list = []
    while time.time() < deadline:
        rows = _rows(services, conversations, conversations.c.channel_key == "tg:601:601")
        if rows and rows[0].unreachable_since:
            break
        time.sleep(0.1)
    assert rows and rows[0].unreachable_since
    attempts = fake.send_attempts.count(601)
    time.sleep(3)
    assert fake.send_attempts.count(601) == attempts  # no retry storm at a blocked chat


def test_every_update_is_stored_once_and_odd_ones_are_ignored(telegram, services):
    fake, _ = telegram
    update = private_message(701, "hello there")
    fake.push(**update)
    fake.wait_for(to_chat(701))
    with fake._lock:  # Telegram sends the same update again (no confirmation reached it)
        fake.updates.append({"update_id": fake._next_update - 1, **update})
    fake.push(channel_post={"message_id": 5, "date": 0, "text": "news",
                            "chat": {"id": -100999, "type": "channel", "title": "News"}})
    fake.push(poll={"id": "p", "question": "q?", "options": [], "total_voter_count": 0,
                    "is_closed": False, "is_anonymous": True, "type": "regular",
                    "allows_multiple_answers": False, "allows_revoting": False})
    deadline = time.time() + 20
    while len(_rows(services, inbox)) < 3 and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    stored = _rows(services, messages, messages.c.client_message_id.like("tg-701-%"))
    assert len(stored) == 1
    assert sorted(r.kind for r in _rows(services, inbox)) == ["ignored", "ignored", "text"]


def test_group_answers_publicly_and_redirects_account_matters(telegram, services):
    fake, _ = telegram
    fake.push(**group_message(GROUP, 1, "my usdt withdrawal is pending for 3 hours, why?"))
    answer = fake.wait_for(to_chat(GROUP))[0]
    assert re.search(r"1\.", answer["text"]) and answer["reply_to"]
    fake.push(**group_message(GROUP, 2, "my account got hacked, uid 55512345, help"))
    redirect = fake.wait_for(lambda m: m["chat_id"] == GROUP and "start=c" in m["text"])[0]
    time.sleep(1.0)
    group_texts = " ".join(m["text"] for m in fake.sent if m["chat_id"] == GROUP)
    assert "55512345" not in group_texts
    assert services.queue.listing() == []  # nothing handed off from the group
    payload = re.search(r"start=(c[0-9a-f]{32})", redirect["text"]).group(1)
    # Someone else cannot carry the question over; the asker can.
    fake.push(**private_message(3, f"/start {payload}"))
    fake.wait_for(to_chat(3))
    assert services.queue.listing() == []
    fake.push(**private_message(2, f"/start {payload}"))
    fake.wait_for(lambda m: m["chat_id"] == 2 and "2FA" in m["text"])
    assert services.queue.listing()[0].priority == 1


def test_seed_phrase_in_a_group_is_deleted_or_warned_and_stays_p1(telegram, services):
    fake, _ = telegram
    phrase = seed_phrase("english", 128, seed=7)
    fake.push(**group_message(GROUP, 11, f"is my wallet safe? {phrase}", mention=False))
    warning = fake.wait_for(lambda m: m["chat_id"] == GROUP and "delete" in m["text"].lower())
    assert warning[0]["reply_to"]  # not an admin: a warning under the post
    fake.can_delete = True
    fake.push(**group_message(GROUP, 12, f"support please check {phrase}"))
    fake.wait_for(lambda m: m["chat_id"] == GROUP and "removed" in m["text"].lower())
    assert fake.called("deleteMessage")
    redirect = fake.wait_for(lambda m: m["chat_id"] == GROUP and "start=c" in m["text"])[0]
    payload = re.search(r"start=(c[0-9a-f]{32})", redirect["text"]).group(1)
    fake.push(**private_message(12, f"/start {payload}"))
    fake.wait_for(lambda m: m["chat_id"] == 12)
    deadline = time.time() + 20
    while not services.queue.listing() and time.time() < deadline:
        time.sleep(0.1)
    assert services.queue.listing()[0].priority == 1
    words = phrase.split()
    for row in _rows(services, messages):
        assert sum(w in row.text.split() for w in words) < 3


def test_group_scam_warning_in_the_posts_language(telegram):
    fake, _ = telegram
    fake.push(**group_message(GROUP, 9, "anyone watching the fed today?", mention=False))
    fake.push(**group_message(GROUP, 10, "Я администратор биржи, пришлите мне в личку вашу "
                                         "сид-фразу для проверки кошелька", mention=False,
                              language="en"))
    warning = fake.wait_for(to_chat(GROUP))
    time.sleep(1.0)
    assert len([m for m in fake.sent if m["chat_id"] == GROUP]) == 1
    assert re.search(r"[а-я]", warning[0]["text"].lower())


def test_flood_gets_one_polite_notice(telegram, settings):
    fake, _ = telegram
    limit = settings.channels.telegram.rate_limit_messages
    for i in range(limit + 3):
        fake.push(**private_message(555, f"hello {i}"))
    fake.wait_for(lambda m: m["chat_id"] == 555 and "quickly" in m["text"])
    time.sleep(1.5)
    assert sum("quickly" in m["text"] for m in fake.sent if m["chat_id"] == 555) == 1


def test_webhook_checks_the_secret_and_the_body(services, monkeypatch):
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret-token-value")
    channel = TelegramChannel(services, "123456:TEST-TOKEN", "http://127.0.0.1:9/bot")
    app = FastAPI()
    app.include_router(webhook_router(channel, "/telegram/webhook"))
    client = TestClient(app)
    update = {"update_id": 1, **private_message(1, "hi")}
    good = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token-value"}
    assert client.post("/telegram/webhook", json=update).status_code == 403
    assert client.post("/telegram/webhook", json=update,
                       headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}).status_code == 403
    for body in (b"not json", b"[1, 2]", b'{"update_id": "x"}', b'{"message": {}}', b"{}"):
        assert client.post("/telegram/webhook", content=body, headers=good).status_code == 400
    assert client.post("/telegram/webhook", json=update, headers=good).status_code == 200
    assert _rows(services, messages, messages.c.text == "hi")  # stored before the 200


def test_webhook_mode_registers_its_secret(services, monkeypatch):
    from bot.channels.telegram.webhook import register_webhook
    from bot.config import TelegramSettings

    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret-token-value")
    with FakeTelegram() as fake:
        channel = TelegramChannel(services, "123456:TEST-TOKEN", fake.base_url)
        settings = TelegramSettings(mode="webhook", webhook_url="https://bot.example.com",
                                    drop_pending_updates=True)

        async def register() -> None:
            await channel.application.initialize()
            await register_webhook(channel.bot, settings)
            await channel.application.shutdown()

        asyncio.run(register())
        call = fake.called("setWebhook")[0]
    assert call["url"] == "https://bot.example.com/telegram/webhook"
    assert call["secret_token"] == "s3cret-token-value" and call["drop_pending_updates"]


def test_photos_and_documents_reach_the_attachment_store(telegram, services):  # type: ignore[no-untyped-def]
    """A private photo is stored like a widget file (metadata stripped) and acknowledged
    in the trader's language; a document lying about its type is refused, not stored."""
    import io

    from PIL import Image

    from bot.attachments import read_attachment

    fake, _ = telegram
    picture = Image.new("RGB", (800, 600), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (48.0, 51.0, 24.0)}  # GPS latitude
    jpeg = io.BytesIO()
    picture.save(jpeg, "JPEG", exif=exif.tobytes())
    assert b"PhoneMaker" in jpeg.getvalue()
    fake.files["big-photo"] = jpeg.getvalue()
    photo = private_message(311, "", language="es")
    del photo["message"]["text"]
    photo["message"]["photo"] = [{"file_id": "big-photo", "file_unique_id": "p",
                                  "width": 800, "height": 600,
                                  "file_size": len(jpeg.getvalue())}]
    fake.push(**photo)
    acknowledged = fake.wait_for(to_chat(311))[0]["text"]
    assert "texto" not in acknowledged.lower()
    stored = [r for r in _rows(services, messages, messages.c.kind == "attachment")]
    assert len(stored) == 1 and stored[0].author == "user"
    attachment = stored[0].payload["attachment"]
    meta, data = read_attachment(services.db, attachment["id"])
    assert meta.content_type == "image/jpeg" and data[:3] == b"\xff\xd8\xff"
    assert b"PhoneMaker" not in data and Image.open(io.BytesIO(data)).getexif().get(0x8825) is None

    # An agent's file goes to the trader as the file itself (sendDocument), not its name.
    from bot.attachments import agent_upload, attachment_store

    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    agent_upload(attachment_store(services.db, services.settings.paths.data_dir),
                 stored[0].conversation_id, "Alice", "form.pdf", "application/pdf", pdf,
                 notify=services.dialogue.notify)
    deadline = time.time() + 20
    while not fake.uploads and time.time() < deadline:
        time.sleep(0.1)
    assert [(u["method"], u["chat_id"], u["file"]) for u in fake.uploads] == [
        ("sendDocument", 311, pdf)]

    fake.files["fake-png"] = b"<html><script>alert(1)</script></html>"
    document = private_message(312, "", language="es")
    del document["message"]["text"]
    document["message"]["document"] = {"file_id": "fake-png", "file_unique_id": "d",
                                       "file_name": "captura.png", "mime_type": "image/png",
                                       "file_size": 40}
    fake.push(**document)
    refusal = fake.wait_for(to_chat(312))[0]["text"]
    assert "PDF" in refusal  # names the formats it takes, in Spanish
    assert len(_rows(services, messages, messages.c.kind == "attachment",
                     messages.c.author == "user")) == 1
