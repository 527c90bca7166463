"""Telegram with python-telegram-bot: private chats (with handoff) and public groups.

A thin adapter: it turns an update into an engine turn and sends what the engine stored.
- One conversation per (chat, user): in a group every member has their own.
- In groups the bot speaks only when mentioned, replied to, or on /help; account and
  security matters get "please message me privately" with a deep link carrying the
  context (see bot.dialogue.policy.for_public_group). Scam-looking posts get a warning.
- Replies go out through an outbox: every bot, agent and system message of a Telegram
  conversation is sent in order, with retries and backoff, and the conversation records
  the last one delivered. A failed send is retried later, never dropped.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import re
import time
from collections import defaultdict, deque
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from sqlalchemy import func, select, update
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType, MessageEntityType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.dialogue.engine import PUBLIC_GROUP_CHANNEL
from bot.dialogue.state import DialogueState
from bot.nlu.language import normalise_locale
from bot.nlu.triage import load_cues
from bot.server.services import Services
from bot.storage.database import reading
from bot.storage.schema import conversations, messages

log = logging.getLogger("supportbot.telegram")
PRIVATE_CHANNEL = "telegram"
TOKEN_ENV, SECRET_ENV, BASE_URL_ENV = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET",
                                       "TELEGRAM_API_BASE_URL")
SWEEP_SECONDS = 2.0


class RateLimiter:
    """Sliding window per user. Per process: a flood from one user hits one worker."""

    def __init__(self, limit: int, seconds: float):
        self.limit, self.seconds = limit, seconds
        self._seen: dict[int, deque[float]] = defaultdict(deque)

    def allow(self, user_id: int) -> bool:
        now = time.monotonic()
        window = self._seen[user_id]
        while window and now - window[0] > self.seconds:
            window.popleft()
        window.append(now)
        return len(window) <= self.limit

    def first_refusal(self, user_id: int) -> bool:
        return len(self._seen[user_id]) == self.limit + 1


class TelegramChannel:
    def __init__(self, services: Services, token: str, base_url: str | None = None):
        self.services = services
        self.settings = services.settings.channels.telegram
        builder = ApplicationBuilder().token(token)
        if base_url:
            builder = builder.base_url(base_url)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.limiter = RateLimiter(self.settings.rate_limit_messages,
                                   self.settings.rate_limit_seconds)
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.username = ""
        app = self.application
        app.add_handler(CommandHandler("start", self.on_start))
        app.add_handler(CommandHandler("help", self.on_help))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self.on_text))
        app.add_handler(MessageHandler(~filters.TEXT & ~filters.StatusUpdate.ALL, self.on_not_text))
        services.dialogue.private_link = self.private_link

    # --- life cycle ------------------------------------------------------------------------
    async def run(self) -> None:
        """Polling mode (or webhook mode's delivery loop), inside the server's event loop."""
        app = self.application
        await app.initialize()
        self.username = app.bot.username
        await app.start()
        if self.settings.mode == "polling" and app.updater is not None:
            await app.updater.start_polling(drop_pending_updates=False)
        try:
            while True:
                await self.sweep()
                await asyncio.sleep(SWEEP_SECONDS)
        finally:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            await app.stop()
            await app.shutdown()

    def private_link(self, conversation_id: str) -> str:
        return f"https://t.me/{self.username}?start=c{conversation_id.replace('-', '')}"

    # --- conversations -----------------------------------------------------------------------
    def _conversation(self, channel: str, chat_id: int, user: Any) -> str:
        key = f"tg:{chat_id}:{user.id}"
        store = self.services.dialogue.store
        row = store.latest_for(channel, key)
        if row is not None:
            return str(row.id)
        label = f"@{user.username}" if user.username else user.full_name
        return self.services.dialogue.open(channel, key, label,
                                           normalise_locale(user.language_code))

    async def _turn(self, channel: str, chat_id: int, user: Any, text: str, update_id: int,
                    reply_to: int | None = None) -> None:
        conversation = await asyncio.to_thread(self._conversation, channel, chat_id, user)
        if not self.limiter.allow(user.id):
            # Keep the message for the record, but do not answer a flood message by message.
            await asyncio.to_thread(self._store_unanswered, conversation, text, update_id)
            if self.limiter.first_refusal(user.id):
                await self._say(conversation, "rate_limited", user.language_code)
            await self.deliver(conversation, reply_to)
            return
        # The update id makes Telegram's redelivery of the same update idempotent.
        await asyncio.to_thread(self.services.dialogue.handle, conversation, text,
                                f"tg-{update_id}", user.language_code)
        await self.deliver(conversation, reply_to)

    def _store_unanswered(self, conversation: str, text: str, update_id: int) -> None:
        self.services.dialogue.record_unanswered(conversation, text, f"tg-{update_id}")

    async def _say(self, conversation: str, key: str, locale: str | None) -> None:
        def add() -> None:
            row = self.services.dialogue.store.get(conversation)
            lang = row.lang or normalise_locale(locale) or "en"
            text = self.services.replies.render(key, lang,
                                                **self.services.settings.links.model_dump())
            with self.services.db.begin() as connection:
                self.services.dialogue.store.add_message(connection, conversation, "bot", text,
                                                         key)

        await asyncio.to_thread(add)

    # --- handlers ------------------------------------------------------------------------------
    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        user = update.effective_user
        if message is None or user is None or message.text is None:
            return
        chat = message.chat
        if chat.type == ChatType.PRIVATE:
            await self._turn(PRIVATE_CHANNEL, chat.id, user, message.text, update.update_id)
            return
        if self._addressed(message):
            text = self._strip_mention(message.text)
            await self._turn(PUBLIC_GROUP_CHANNEL, chat.id, user, text, update.update_id,
                             reply_to=message.message_id)
        elif load_cues()["scam_post"].search(message.text):
            await self._scam_warning(chat.id, message.message_id, user)

    def _addressed(self, message: Any) -> bool:
        mention = f"@{self.username}".lower()
        for entity in message.entities or ():
            if entity.type == MessageEntityType.MENTION and message.parse_entity(
                    entity).lower() == mention:
                return True
            if entity.type == MessageEntityType.TEXT_MENTION and entity.user and (
                    entity.user.id == self.application.bot.id):
                return True
        replied = message.reply_to_message
        bot_id = self.application.bot.id
        return bool(replied and replied.from_user and replied.from_user.id == bot_id)

    def _strip_mention(self, text: str) -> str:
        return re.sub(rf"@{re.escape(self.username)}\b", " ", text, flags=re.I).strip() or text

    async def _scam_warning(self, chat_id: int, message_id: int, user: Any) -> None:
        lang = normalise_locale(user.language_code) or "en"
        text = self.services.replies.render("group_scam_warning", lang,
                                            **self.services.settings.links.model_dump())
        await self._send(chat_id, text, None, reply_to=message_id)

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._answer_with(update, "greet")

    async def _answer_with(self, update: Update, key: str) -> None:
        """Reply with one of the bot's own replies, in the user's conversation."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        channel = PRIVATE_CHANNEL if message.chat.type == ChatType.PRIVATE else PUBLIC_GROUP_CHANNEL
        conversation = await asyncio.to_thread(self._conversation, channel, message.chat.id, user)
        await self._say(conversation, key, user.language_code)
        await self.deliver(conversation, message.message_id)

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start, possibly from a group's deep link: continue that question privately."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.chat.type != ChatType.PRIVATE:
            return
        carried = await asyncio.to_thread(self._carried_question, context.args or [], user.id)
        if carried:
            await self._turn(PRIVATE_CHANNEL, message.chat.id, user, carried, update.update_id)
            return
        conversation = await asyncio.to_thread(self._conversation, PRIVATE_CHANNEL,
                                               message.chat.id, user)
        await self._say(conversation, "greet", user.language_code)
        await self.deliver(conversation)

    def _carried_question(self, args: list[str], user_id: int) -> str | None:
        if not args or not re.fullmatch(r"c[0-9a-f]{32}", args[0]):
            return None
        raw = args[0][1:]
        conversation_id = f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
        row = self.services.dialogue.store.get(conversation_id)
        # Only the person who asked in the group can carry the question over.
        if row is None or not str(row.channel_key).endswith(f":{user_id}"):
            return None
        return DialogueState.from_json(row.dialogue).last_question

    async def on_not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or (message.chat.type != ChatType.PRIVATE
                               and not self._addressed(message)):
            return
        await self._answer_with(update, "text_only")

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.data is None or query.message is None:
            return
        user, chat = query.from_user, query.message.chat
        channel = PRIVATE_CHANNEL if chat.type == ChatType.PRIVATE else PUBLIC_GROUP_CHANNEL
        conversation = await asyncio.to_thread(self._conversation, channel, chat.id, user)
        await query.answer()
        if query.data.startswith("csat:"):
            score = int(query.data.split(":", 1)[1])
            if await asyncio.to_thread(self.services.dialogue.rate, conversation, score):
                await self._say(conversation, "csat_thanks", user.language_code)
        elif query.data.startswith("qr:"):
            await asyncio.to_thread(self.services.dialogue.handle, conversation, query.data[3:],
                                    f"tg-{update.update_id}", user.language_code)
        await self.deliver(conversation)

    # --- outbox --------------------------------------------------------------------------------
    async def deliver(self, conversation_id: str, reply_to: int | None = None) -> None:
        """Send this conversation's undelivered messages, in order."""
        async with self._locks[conversation_id]:
            row, pending = await asyncio.to_thread(self._pending, conversation_id)
            if row is None:
                return
            chat_id = int(str(row.channel_key).split(":")[1])
            for message in pending:
                sent = await self._send(chat_id, message.text, _markup(message), reply_to)
                if sent is False:
                    return  # leave the rest for the next sweep, in order
                await asyncio.to_thread(self._mark_delivered, conversation_id, message.id)

    def _pending(self, conversation_id: str) -> tuple[Any, list[Any]]:
        with reading(self.services.db) as connection:
            row = connection.execute(select(conversations).where(
                conversations.c.id == conversation_id)).first()
            if row is None:
                return None, []
            pending = connection.execute(
                select(messages).where(messages.c.conversation_id == conversation_id,
                                       messages.c.author != "user",
                                       messages.c.id > (row.delivered_upto or 0))
                .order_by(messages.c.id)).all()
        return row, list(pending)

    def _mark_delivered(self, conversation_id: str, message_id: int) -> None:
        with self.services.db.begin() as connection:
            connection.execute(update(conversations).where(
                conversations.c.id == conversation_id,
                func.coalesce(conversations.c.delivered_upto, 0) < message_id,
            ).values(delivered_upto=message_id))

    async def _send(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None,
                    reply_to: int | None = None) -> bool | None:
        """True when sent; None when Telegram refuses for good (blocked bot); False to retry."""
        delay = 1.0
        for _ in range(self.settings.send_attempts):
            try:
                await self.application.bot.send_message(
                    chat_id, text, reply_markup=markup, reply_to_message_id=reply_to,
                    allow_sending_without_reply=True)
                return True
            except RetryAfter as error:
                await asyncio.sleep(_seconds(error.retry_after))
            except (Forbidden, BadRequest) as error:
                log.warning("telegram refused a message to chat %s: %s", chat_id, error)
                return None
            except (NetworkError, TelegramError) as error:
                log.warning("telegram send failed (%s); retrying in %.0f s", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
        return False

    async def sweep(self) -> None:
        """Deliver whatever is pending in any Telegram conversation (agent replies, notices,
        and anything a failed send left behind)."""
        ids = await asyncio.to_thread(self._conversations_with_pending)
        for conversation_id in ids:
            await self.deliver(conversation_id)

    def _conversations_with_pending(self) -> list[str]:
        latest = (select(messages.c.conversation_id, func.max(messages.c.id).label("last"))
                  .where(messages.c.author != "user").group_by(messages.c.conversation_id)
                  .subquery())
        with reading(self.services.db) as connection:
            return [str(r) for r in connection.scalars(
                select(conversations.c.id).join(latest, latest.c.conversation_id ==
                                                conversations.c.id)
                .where(conversations.c.channel.in_((PRIVATE_CHANNEL, PUBLIC_GROUP_CHANNEL)),
                       latest.c.last > func.coalesce(conversations.c.delivered_upto, 0)))]


def _seconds(value: Any) -> float:
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)


def _markup(message: Any) -> InlineKeyboardMarkup | None:
    if message.kind == "csat_prompt":
        return InlineKeyboardMarkup([[InlineKeyboardButton("⭐" * n, callback_data=f"csat:{n}")
                                      for n in range(1, 6)]])
    buttons = (message.payload or {}).get("quick_replies") or []
    usable = [b for b in buttons if len(("qr:" + b["payload"]).encode()) <= 64]
    if not usable:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b["title"],
                                                       callback_data="qr:" + b["payload"])]
                                 for b in usable])


def webhook_router(channel: TelegramChannel, path: str) -> APIRouter:
    """Webhook mode: several workers behind one URL. Telegram signs each request with the
    secret given to setWebhook; a request without it is rejected."""
    router = APIRouter(tags=["telegram"])
    secret = os.environ.get(SECRET_ENV, "")

    @router.post(path, include_in_schema=False)
    async def telegram_webhook(request: Request) -> dict[str, bool]:
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            raise HTTPException(403, "missing or wrong secret token")
        data = await request.json()
        update_obj = Update.de_json(data, channel.application.bot)
        await channel.application.process_update(update_obj)
        return {"ok": True}

    return router
