"""The freeze through Telegram: the offer and the confirmation are inline buttons (the
project's quick replies), the press goes through the stored message, and the exchange's
answer reaches the chat through the push outbox."""

from __future__ import annotations

from sqlalchemy import select

from bot.ops.runtime import OpsRuntime
from bot.storage.schema import conversations
from tests.channels.fake_telegram import FakeTelegram, private_message, run_channel
from tests.conftest import make_services
from tests.ops.conftest import ops_settings, verify
from tests.ops.test_freeze import REPLIES

USER = 4242


def _press(fake, data: str, message_id: int) -> None:  # type: ignore[no-untyped-def]
    fake.push(callback_query={
        "id": f"cb-{data}", "chat_instance": "x", "data": data,
        "from": {"id": USER, "is_bot": False, "first_name": "U", "language_code": "es"},
        "message": {"message_id": message_id, "date": 0,
                    "chat": {"id": USER, "type": "private"}}})


def _button(sent: dict, title: str) -> str:  # type: ignore[type-arg]
    for row in sent["reply_markup"]["inline_keyboard"]:
        for button in row:
            if button["text"] == title:
                return str(button["callback_data"])
    raise AssertionError(f"no button {title!r} in {sent['reply_markup']}")


def test_the_freeze_over_telegram_in_spanish(settings, tiny_nlu, sqlite_url, pager,  # type: ignore[no-untyped-def]
                                             exchange, ops_env):
    services = make_services(ops_settings(settings, pager, exchange), tiny_nlu, sqlite_url)
    ops = OpsRuntime(services.db, services.settings, services.dialogue)
    ops.start()
    try:
        with FakeTelegram() as fake:
            _channel, stop = run_channel(services, fake)
            try:
                fake.push(**private_message(USER, "hola", language="es"))
                fake.wait_for(lambda m: m["chat_id"] == USER)
                with services.db.connect() as connection:
                    conversation = connection.scalar(select(conversations.c.id).where(
                        conversations.c.channel == "telegram"))
                verify(services, str(conversation))

                fake.push(**private_message(USER, "alguien retiró mis fondos y no fui yo",
                                            language="es"))
                offer = fake.wait_for(lambda m: m["chat_id"] == USER and m["text"]
                                      == REPLIES.render("freeze_offer", "es"))[0]
                _press(fake, _button(offer, "Congelar retiros ahora"), 1)
                question = fake.wait_for(lambda m: m["text"] == REPLIES.render(
                    "freeze_confirm_question", "es"))[0]
                _press(fake, _button(question, REPLIES.render("quick_yes", "es")), 2)

                call = exchange.wait_for(1)[0].json()
                assert call["uid"] == "UID-20240917"
                fake.wait_for(lambda m: m["chat_id"] == USER
                              and m["text"] == REPLIES.render("freeze_done", "es"))
                assert len(exchange.requests) == 1
            finally:
                stop()
    finally:
        ops.stop()
        services.db.dispose()
