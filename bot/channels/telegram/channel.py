"""Telegram through python-telegram-bot: a thin adapter around the conversation record.

    getUpdates / webhook ──► accept: read_update → store (message + inbox row, one
                             transaction) ──► only then is the update confirmed
    lanes (one per person and chat, in order; chats in parallel) ──► handle: the turn,
                             a button, a command, a group post check
    outbox (one task per conversation) ──► TelegramSender ──► deliveries record

Polling confirms an offset by asking for the next one, so an update is asked past only
after it is stored: a SIGKILL at any point loses none, and a redelivered update finds its
inbox row and is not stored twice. Webhook mode answers 200 only after storing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
from functools import partial
from typing import Any, Protocol

from sqlalchemy import Engine
from telegram import BotCommand, ReplyParameters, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot.attachments import Refused, attachment_store, read_attachment, user_upload
from bot.channels.delivery import Outbox
from bot.channels.lanes import Lanes
from bot.channels.rate_limit import RateLimiter
from bot.channels.rendering import telegram_html
from bot.channels.telegram.sending import TelegramSender, _seconds
from bot.channels.telegram.updates import (
    GROUP_CHANNEL,
    PRIVATE_CHANNEL,
    Inbound,
    chat_of,
    read_update,
    user_of,
)
from bot.channels.telegram.webhook import register_webhook
from bot.config import Settings
from bot.conversations.deliveries import Deliveries
from bot.conversations.user_message import Sender, UserMessage
from bot.dialogue.engine import DialogueEngine, MessageTooLong, Reading
from bot.dialogue.state import DialogueState
from bot.identity.service import IdentityService
from bot.knowledge.replies import ReplyCatalog
from bot.nlu.language import normalise_locale
from bot.nlu.pipeline import NLU
from bot.nlu.secrets import scan_safely

log = logging.getLogger("supportbot.telegram")
CHANNELS = (PRIVATE_CHANNEL, GROUP_CHANNEL)
INBOX = "telegram"  # one inbox for the bot's updates, private and group alike
SWEEP_SECONDS = 2.0
POLL_TIMEOUT = 20
COMMANDS = ("start", "help", "human", "status", "link")


class ChannelServices(Protocol):
    """What a channel needs from the server, and nothing more: it talks to the engine,
    reads with the understanding core, renders replies; it does not import the server."""

    dialogue: DialogueEngine
    nlu: NLU
    replies: ReplyCatalog
    settings: Settings
    db: Engine
    identity: IdentityService


class TelegramChannel:
    def __init__(self, services: ChannelServices, token: str, base_url: str | None = None):
        self.services = services
        self.engine = services.dialogue
        self.settings = services.settings.channels.telegram
        builder = ApplicationBuilder().token(token).updater(None)
        if base_url:
            builder = builder.base_url(base_url)
            if base_url.endswith("/bot"):  # a Bot API server's files: …/file/bot<token>/…
                builder = builder.base_file_url(base_url[:-3] + "file/bot")
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.bot = self.application.bot
        self.limiter = RateLimiter(self.settings.rate_limit_messages,
                                   self.settings.rate_limit_seconds)
        self.attachments = attachment_store(services.db, services.settings.paths.data_dir)
        self.sender = TelegramSender(self.bot, partial(read_attachment, self.attachments))
        self.outbox = Outbox(Deliveries(services.db), CHANNELS, self.sender.send)
        self.lanes: Lanes[Any] = Lanes(self._handle)
        self._queued: set[int] = set()  # inbox rows in a lane, not yet handled
        self._readings: dict[int, Reading] = {}  # message id → the turn's in-memory reading
        self.username = ""
        self.bot_id = 0
        services.dialogue.private_link = self.private_link

    # --- life cycle ----------------------------------------------------------------------
    async def run(self) -> None:
        """Inside the server's event loop: start up, then poll (or wait for the webhook)
        while the outbox sweeps."""
        await self.application.initialize()
        self.username, self.bot_id = self.bot.username, self.bot.id
        self.outbox.attach()
        self.engine.listeners.append(self.outbox.kick_threadsafe)
        try:
            await self._set_up()
            await self._resume()
            poller = (asyncio.create_task(self._poll()) if self.settings.mode == "polling"
                      else None)
            try:
                while True:
                    await self.outbox.sweep()
                    await asyncio.sleep(SWEEP_SECONDS)
            finally:
                if poller is not None:
                    poller.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await poller
        finally:
            self.engine.listeners.remove(self.outbox.kick_threadsafe)
            await self.lanes.close()
            await self.outbox.close()
            await self.application.shutdown()

    async def _set_up(self) -> None:
        catalog = self.services.replies
        for lang in [None, *catalog.languages()]:
            commands = [BotCommand(c, catalog.render(f"command_{c}", lang or "en"))
                        for c in COMMANDS]
            with contextlib.suppress(TelegramError):
                await self.bot.set_my_commands(commands, language_code=lang)
        if self.settings.mode == "webhook":
            await register_webhook(self.bot, self.settings)
        else:
            # A webhook left from an earlier deployment would make getUpdates fail.
            await self.bot.delete_webhook(drop_pending_updates=False)

    async def _resume(self) -> None:
        """Updates stored but not handled when the last process stopped."""
        for row in await asyncio.to_thread(self.engine.inbox.waiting, INBOX):
            self._push(row.chat_key, row)

    def private_link(self, conversation_id: str) -> str:
        return f"https://t.me/{self.username}?start=c{conversation_id.replace('-', '')}"

    # --- receiving -----------------------------------------------------------------------
    async def _poll(self) -> None:
        offset: int | None = None
        backoff = 1.0
        while True:
            try:
                # Raw dicts, read one by one: an update this library version cannot
                # parse (a newer Bot API field) must not stop the ones after it.
                updates = await self.bot.do_api_request(
                    "getUpdates", {"offset": offset, "timeout": POLL_TIMEOUT,
                                   "allowed_updates": list(Update.ALL_TYPES)},
                    read_timeout=POLL_TIMEOUT + 10)
                for data in updates or []:
                    await self.accept_raw(data)
                if updates:
                    # Asking past the last update confirms them all: they are stored.
                    offset = int(updates[-1]["update_id"]) + 1
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except RetryAfter as error:
                await asyncio.sleep(_seconds(error.retry_after))
            except InvalidToken:
                log.error("Telegram rejected the bot token; polling stops")
                return
            except Exception as error:  # network, Telegram, or our database: ask again
                log.warning("polling failed (%s); again in %.0f s", type(error).__name__,
                            backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    async def accept_raw(self, data: dict[str, Any]) -> None:
        try:
            update = Update.de_json(data, self.bot)
        except Exception as error:  # whatever the library raises on a shape it lacks
            log.warning("unreadable Telegram update %s: %s", data.get("update_id"),
                        type(error).__name__)
            await asyncio.to_thread(self.engine.inbox.record_alone, INBOX,
                                    str(data.get("update_id")), "", "ignored",
                                    {"reason": f"unreadable: {type(error).__name__}"}, True)
            return
        await self.accept(update)

    async def accept(self, update: Update) -> None:
        """Store an update (or decide to ignore it) before anyone tells Telegram it
        arrived; then queue its handling."""
        item = read_update(update, self.username, self.bot_id)
        for row in await asyncio.to_thread(self._store, item):
            self._push(item.lane, row)

    def _store(self, item: Inbound) -> list[Any]:
        """The inbox rows to handle now (none for what is ignored or already here)."""
        return [row for row in self._store_rows(item) if row is not None]

    def _store_rows(self, item: Inbound) -> list[Any]:
        inbox = self.engine.inbox
        if item.kind == "ignored":
            log.info("ignored Telegram update %s: %s", item.platform_id, item.reason)
            inbox.record_alone(INBOX, item.platform_id, "", "ignored",
                               {"reason": item.reason}, handled=True)
            return []
        if item.kind == "edit" and item.message is not None:
            # The edit first (setting a text again is harmless), then its record: a crash
            # in between applies it again rather than never.
            if inbox.get(INBOX, item.platform_id) is None:
                self.engine.edit(item.message)
                inbox.record_alone(INBOX, item.platform_id, item.lane, "edit", handled=True)
            return []
        if item.kind == "text" and item.message is not None:
            try:
                received = self.engine.receive(item.message, item.platform_id, INBOX)
            except MessageTooLong:
                # Longer than Telegram allows; only a bot API change could send it.
                return [self._store_alone(item, "non_text", {**item.payload, "what": "long"})]
            rows = [self._inbox_row(item.platform_id)]
            if received.reading is not None:
                self._readings[received.message_id] = received.reading
                if received.reading.scan.kinds and item.message.channel == GROUP_CHANNEL:
                    # A secret posted to the bot in a group: answered privately by the
                    # turn, and deleted (or warned about) in the group.
                    rows.append(self._store_alone(item, "group_post", {
                        **item.payload, "secret": True,
                        "lang": self.services.nlu.languages.identify(item.message.text).lang},
                        suffix=":secret"))
            return rows
        if item.kind == "group_post" and item.message is not None:
            return [self._store_alone(item, "group_post", {
                **item.payload, **self._group_post_check(item.message.text)})]
        return [self._store_alone(item, item.kind, item.payload)]

    def _store_alone(self, item: Inbound, kind: str, payload: dict[str, Any],
                     suffix: str = "") -> Any:
        platform_id = item.platform_id + suffix
        if not self.engine.inbox.record_alone(INBOX, platform_id, item.lane, kind,
                                              payload):
            return None
        return self._inbox_row(platform_id)

    def _inbox_row(self, platform_id: str) -> Any:
        row = self.engine.inbox.get(INBOX, platform_id)
        return row if row is not None and row.state != "done" else None

    def _group_post_check(self, text: str) -> dict[str, Any]:
        """A post in a group not meant for the bot: read in memory, never stored. Only
        the verdicts go to the inbox."""
        nlu = self.services.nlu
        scan = scan_safely(nlu.secrets, text)
        scam = nlu.scam_post(text)
        return {"secret": bool(scan.kinds), "scam": scam,
                "lang": nlu.languages.identify(text).lang}

    def _push(self, lane: str, row: Any) -> None:
        if row.id in self._queued:
            return
        self._queued.add(row.id)
        self.lanes.push(lane or f"update:{row.id}", row)

    # --- handling (in the update's lane) --------------------------------------------------
    async def _handle(self, row: Any) -> None:
        try:
            await self._dispatch(row)
            await asyncio.to_thread(self.engine.inbox.finish, row.id)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            # The user's text never goes to the log: the type and where, not the message.
            where = "".join(traceback.format_tb(error.__traceback__)[-3:])
            log.error("Telegram update %s (%s) failed: %s\n%s", row.platform_id, row.kind,
                      type(error).__name__, where)
            attempts = await asyncio.to_thread(self.engine.inbox.fail, row.id)
            if attempts >= self.engine.inbox.max_attempts:
                await self._apologise(row)
            else:
                await asyncio.sleep(min(2.0 ** attempts, 30.0))
                self._queued.discard(row.id)
                self._push(row.chat_key, row)
                return
        finally:
            self._readings.pop(row.message_id or 0, None)
        self._queued.discard(row.id)

    async def _dispatch(self, row: Any) -> None:
        payload = dict(row.payload or {})
        if row.kind == "text":
            await self._turn(row, payload)
            if payload.get("files"):  # a captioned photo: the caption was the turn
                await self._files(row.conversation_id, payload)
        elif row.kind == "button":
            await self._button(row, payload)
        elif row.kind == "command":
            await self._command(row, payload)
        elif row.kind == "link":
            await self._link(row, payload)
        elif row.kind == "non_text":
            conversation = await self._conversation(row, payload)
            await asyncio.to_thread(self.engine.note, conversation, "non_text",
                                    {"what": payload.get("what")})
            if payload.get("files"):
                await self._files(conversation, payload, acknowledge=True)
            else:
                await asyncio.to_thread(self.engine.say, conversation, "text_only",
                                        payload.get("locale"))
        elif row.kind == "member":
            await self._member(row, payload)
        elif row.kind == "group_post":
            await self._group_post(payload)

    async def _files(self, conversation: str, payload: dict[str, Any],
                     acknowledge: bool = False) -> None:
        """Photos and documents from a private chat go to the same store as the widget's
        files (checked by content, images without metadata), so the agent sees them. A
        refused one is explained in the trader's language. A Telegram error raises: the
        inbox tries the update again."""
        limit = self.services.settings.limits.attachment_bytes
        stored = 0
        for file in payload["files"]:
            try:
                if int(file.get("size") or 0) > limit:  # not even downloaded
                    raise Refused("too_large", f"{file.get('size')} bytes")
                try:
                    remote = await self.bot.get_file(file["file_id"])
                    data = bytes(await remote.download_as_bytearray())
                except TelegramError as problem:
                    # Gone or unreachable: the trader is asked to send it again rather
                    # than the whole update being retried (its text turn is done).
                    log.warning("telegram file %s not fetched: %s", file.get("kind"), problem)
                    raise Refused("corrupt", "not downloadable") from problem
                await asyncio.to_thread(user_upload, self.attachments, conversation,
                                        file.get("name"), file.get("mime_type"), data, limit,
                                        None, self.engine.notify)
                stored += 1
            except Refused as refused:
                await asyncio.to_thread(self.engine.say, conversation, refused.reply_key,
                                        payload.get("locale"),
                                        limit_mb=Refused.limit_in_mb(limit))
        if stored and acknowledge:
            row = await asyncio.to_thread(self.engine.store.get, conversation)
            if row.state not in ("queued", "with_agent"):  # an agent answers files itself
                await asyncio.to_thread(self.engine.say, conversation, "attachment_received",
                                        payload.get("locale"))

    async def _turn(self, row: Any, payload: dict[str, Any]) -> None:
        user = str(payload.get("user_id"))
        if not self.limiter.allow(user):
            # Stored for the record; a flood is not answered message by message.
            await asyncio.to_thread(self.engine.leave_unanswered, row.message_id,
                                    "rate_limited")
            if self.limiter.first_refusal(user):
                await asyncio.to_thread(self.engine.say, row.conversation_id, "rate_limited",
                                        payload.get("locale"))
            return
        typing = asyncio.create_task(self._typing(int(payload["chat_id"])))
        try:
            await asyncio.to_thread(self.engine.process, row.conversation_id, row.message_id,
                                    self._readings.get(row.message_id), payload.get("locale"))
        finally:
            typing.cancel()

    async def _typing(self, chat_id: int) -> None:
        """"typing…" while the bot thinks (Telegram shows it for 5 s at most)."""
        with contextlib.suppress(TelegramError):
            while True:
                await self.bot.send_chat_action(chat_id, ChatAction.TYPING)
                await asyncio.sleep(4.5)

    async def _conversation(self, row: Any, payload: dict[str, Any]) -> str:
        private = payload.get("chat_type") == ChatType.PRIVATE
        message = UserMessage(PRIVATE_CHANNEL if private else GROUP_CHANNEL, row.chat_key,
                              Sender(str(payload.get("user_id")), payload.get("label")), "",
                              payload.get("locale"))
        return await asyncio.to_thread(self.engine.conversation_of, message)

    async def _command(self, row: Any, payload: dict[str, Any]) -> None:
        conversation = await self._conversation(row, payload)
        carried = None
        if payload.get("command") == "start" and payload.get("argument"):
            carried = await asyncio.to_thread(self._carried_question, payload["argument"],
                                              int(payload["user_id"]))
        if carried:
            # The group question, as it was stored (secrets as markers): read back as is,
            # so a seed phrase posted in the group still makes this chat urgent.
            await asyncio.to_thread(self.engine.handle, conversation, carried,
                                    f"tg-start-{row.platform_id}", payload.get("locale"), True)
            return
        await asyncio.to_thread(self.engine.say, conversation, "greet", payload.get("locale"))

    async def _link(self, row: Any, payload: dict[str, Any]) -> None:
        """`/link CODE`: the exchange account is bot.identity's business; this only says
        the answer. In a group the code was shown to everyone: it is spent unused, the
        post deleted if the bot may, and the trader pointed to a private chat."""
        identity = self.services.identity
        if not payload.get("private"):
            await asyncio.to_thread(identity.revoke, payload.get("code_hash"))
            chat_id = int(payload["chat_id"])
            with contextlib.suppress(TelegramError):
                await self.bot.delete_message(chat_id, int(payload["message_id"]))
            lang = normalise_locale(payload.get("locale")) or "en"
            await self._post(chat_id, "identity_link_private_only", lang)
            return
        conversation = await self._conversation(row, payload)
        reply = await asyncio.to_thread(identity.link_chat, conversation, row.chat_key,
                                        payload.get("code_hash"), bool(payload.get("typed")))
        await asyncio.to_thread(self.engine.say, conversation, reply.key,
                                payload.get("locale"), **reply.values)

    def _carried_question(self, argument: str, user_id: int) -> str | None:
        raw = argument[1:]
        conversation_id = f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
        row = self.engine.store.get(conversation_id)
        # Only the member who asked in the group can carry the question over.
        if row is None or row.channel != GROUP_CHANNEL or user_of(row.channel_key) != user_id:
            return None
        return DialogueState.from_json(row.dialogue).last_question or None

    async def _button(self, row: Any, payload: dict[str, Any]) -> None:
        kind, message_id, index = str(payload["data"]).split(":")
        found = await asyncio.to_thread(self.engine.store.message_with_conversation,
                                        int(message_id))
        toast, keep_keyboard = None, True
        if found is None or found[1].channel_key != row.chat_key:
            # Someone else's buttons (in a group, a member pressing under another's answer).
            toast = "button_not_for_you"
        elif kind == "csat":
            message, conversation = found
            score = int(index)
            rated = 1 <= score <= 5 and message.kind == "csat_prompt" and await asyncio.to_thread(
                self.engine.rate, str(conversation.id), score)
            toast = "csat_thanks" if rated else "csat_already_rated"
            keep_keyboard = False
        else:
            message, conversation = found
            buttons = (message.payload or {}).get("quick_replies") or []
            if int(index) < len(buttons):
                await asyncio.to_thread(self.engine.handle, str(conversation.id),
                                        buttons[int(index)]["payload"],
                                        f"tg-button-{row.platform_id}", payload.get("locale"))
        await self._answer_button(payload, toast, keep_keyboard)

    async def _answer_button(self, payload: dict[str, Any], toast: str | None,
                             keep_keyboard: bool) -> None:
        text = None
        if toast:
            lang = normalise_locale(payload.get("locale")) or "en"
            text = self.services.replies.render(toast, lang)
        with contextlib.suppress(TelegramError):
            await self.bot.answer_callback_query(payload["callback_id"], text=text)
        if not keep_keyboard and payload.get("button_message_id"):
            with contextlib.suppress(TelegramError):
                await self.bot.edit_message_reply_markup(payload["chat_id"],
                                                         payload["button_message_id"],
                                                         reply_markup=None)

    async def _member(self, row: Any, payload: dict[str, Any]) -> None:
        conversation = await self._conversation(row, payload)
        await asyncio.to_thread(self.engine.note, conversation, "bot_membership",
                                {"status": payload.get("status")})
        if payload.get("chat_type") == ChatType.PRIVATE:
            # Blocked: stop sending until the user writes again; unblocked: go on.
            await asyncio.to_thread(self.outbox.deliveries.mark_unreachable, conversation,
                                    not payload.get("blocked"))
        elif payload.get("blocked"):
            log.info("removed from group %s", payload.get("chat_id"))

    async def _group_post(self, payload: dict[str, Any]) -> None:
        chat_id, message_id = int(payload["chat_id"]), int(payload["message_id"])
        lang = payload.get("lang") or normalise_locale(payload.get("locale")) or "en"
        if payload.get("secret"):
            try:
                await self.bot.delete_message(chat_id, message_id)
                await self._post(chat_id, "group_secret_deleted", lang)
            except (Forbidden, TelegramError):
                # Not an admin (or too late to delete): say so under the post.
                await self._post(chat_id, "group_secret_warning", lang, message_id)
        elif payload.get("scam"):
            await self._post(chat_id, "group_scam_warning", lang, message_id)

    async def _post(self, chat_id: int, key: str, lang: str, reply_to: int | None = None
                    ) -> None:
        """A notice to a whole group, in the post's language (not tied to a conversation,
        so not in the outbox: a few quick tries, then the moment has passed)."""
        text = self.services.replies.render(key, lang, **self.services.settings.links.model_dump())
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        for attempt in range(3):
            try:
                await self.bot.send_message(chat_id, telegram_html(text),
                                            parse_mode=ParseMode.HTML, reply_parameters=reply)
                return
            except RetryAfter as error:
                await asyncio.sleep(_seconds(error.retry_after))
            except NetworkError:
                await asyncio.sleep(2.0 ** attempt)

    async def _apologise(self, row: Any) -> None:
        """The update could not be handled after retries: tell the user (its message, if
        any, is stored; an agent can see it)."""
        payload = dict(row.payload or {})
        with contextlib.suppress(Exception):
            conversation = row.conversation_id or await self._conversation(row, payload)
            if row.message_id:
                await asyncio.to_thread(self.engine.leave_unanswered, row.message_id,
                                        "failed")
            await asyncio.to_thread(self.engine.say, conversation, "error_try_again",
                                    payload.get("locale"))


__all__ = ["CHANNELS", "TelegramChannel", "chat_of"]
