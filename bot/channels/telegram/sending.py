"""One stored message to Telegram: rendered once (bot.channels.rendering), split when
long, with its buttons; the platform's answer read as an outcome for the outbox."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.delivery import RETRY, UNREACHABLE, SendOutcome
from bot.channels.rendering import button_label, split_markdown, telegram_html
from bot.channels.telegram.updates import chat_of
from bot.conversations.deliveries import MAYBE_SENT, REFUSED, SENT, Outgoing

log = logging.getLogger("supportbot.telegram")
GONE = ("chat not found", "bot was blocked", "user is deactivated", "bot was kicked",
        "not a member")


# An attachment's record and bytes by its id (bot.attachments.read_attachment, bound to
# the store): the sender reads files without knowing where they live.
ReadFile = Callable[[str], tuple[Any, bytes]]


class TelegramSender:
    def __init__(self, bot: Bot, read_file: ReadFile | None = None):
        self.bot = bot
        self.read_file = read_file
        # Parts of a long message already sent, so a retry goes on from the next part.
        self._progress: dict[int, list[int]] = {}

    async def send(self, outgoing: Outgoing) -> SendOutcome:
        chat_id = chat_of(outgoing.channel_key)
        file = (outgoing.payload or {}).get("attachment") if outgoing.kind == "attachment" else None
        parts = [outgoing.text] if file else (split_markdown(outgoing.text) or ["…"])
        done = self._progress.setdefault(outgoing.message_id, [])
        maybe = False
        for index in range(len(done), len(parts)):
            last = index == len(parts) - 1
            try:
                if file and self.read_file is not None:  # an agent's file: the file itself
                    try:
                        sent = await self._send_file(chat_id, str(file.get("id")))
                    except LookupError:  # erased since: its name still says what it was
                        sent = await self._send_part(chat_id, parts[index], None, None)
                else:
                    sent = await self._send_part(chat_id, parts[index],
                                                 keyboard(outgoing) if last else None,
                                                 _reply_to(outgoing) if index == 0 else None)
                done.append(sent)
            except RetryAfter as error:
                return SendOutcome(RETRY, retry_after=_seconds(error.retry_after),
                                   detail="429 flood control")
            except TimedOut:
                # The request left; Telegram may have shown it. Not sent again.
                done.append(0)
                maybe = True
            except Forbidden as error:
                return SendOutcome(UNREACHABLE, detail=str(error)[:120])
            except BadRequest as error:
                if any(reason in str(error).lower() for reason in GONE):
                    return SendOutcome(UNREACHABLE, detail=str(error)[:120])
                self._progress.pop(outgoing.message_id, None)
                log.warning("telegram refused message %s: %s", outgoing.message_id, error)
                return SendOutcome(REFUSED, [i for i in done if i], detail=str(error)[:120])
            except NetworkError as error:
                return SendOutcome(RETRY, detail=type(error).__name__)
        self._progress.pop(outgoing.message_id, None)
        ids = [i for i in done if i]
        return SendOutcome(MAYBE_SENT if maybe else SENT, ids)

    async def _send_file(self, chat_id: int, attachment_id: str) -> int:
        assert self.read_file is not None
        meta, data = await asyncio.to_thread(self.read_file, attachment_id)
        upload = InputFile(data, filename=meta.filename)
        if meta.content_type.startswith("image/"):
            message = await self.bot.send_photo(chat_id, upload)
        else:
            message = await self.bot.send_document(chat_id, upload)
        return int(message.message_id)

    async def _send_part(self, chat_id: int, markdown: str, markup: Any,
                         reply_to: int | None) -> int:
        reply = (ReplyParameters(reply_to, allow_sending_without_reply=True)
                 if reply_to else None)
        try:
            message = await self.bot.send_message(chat_id, telegram_html(markdown),
                                                  parse_mode=ParseMode.HTML,
                                                  reply_markup=markup, reply_parameters=reply)
        except BadRequest as error:
            if "parse entities" not in str(error).lower():
                raise
            # Our HTML should always parse; if it does not, the words still go out.
            message = await self.bot.send_message(chat_id, markdown, reply_markup=markup,
                                                  reply_parameters=reply)
        return int(message.message_id)


def keyboard(outgoing: Outgoing) -> InlineKeyboardMarkup | None:
    """Buttons carry the stored message's id and an index, not the payload itself:
    callback data is limited to 64 bytes, and the press is checked against the stored
    message (whose conversation, which buttons)."""
    if outgoing.kind == "csat_prompt":
        return InlineKeyboardMarkup([[InlineKeyboardButton(
            "⭐" * n, callback_data=f"csat:{outgoing.message_id}:{n}") for n in range(1, 6)]])
    buttons = outgoing.payload.get("quick_replies") or []
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        button_label(b["title"]), callback_data=f"qr:{outgoing.message_id}:{i}")]
        for i, b in enumerate(buttons[:20])])


def _reply_to(outgoing: Outgoing) -> int | None:
    """In a group, the answer replies to the member's message, so it is clear whom it is
    for; in a private chat it is plain."""
    if not outgoing.channel.endswith("_group") or not outgoing.reply_to_platform_id:
        return None
    tail = outgoing.reply_to_platform_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _seconds(value: Any) -> float:
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)
