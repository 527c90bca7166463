"""Telegram updates as platform-free values: what kind of thing arrived, from whom, in
which conversation. Pure: no I/O, no database; the channel decides what to do."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType, MessageEntityType

from bot.conversations.user_message import Sender, UserMessage
from bot.identity.codes import code_hash

PRIVATE_CHANNEL = "telegram"
GROUP_CHANNEL = "telegram_group"
# Commands with a meaning of their own; a forced intent, as the widget's buttons send.
COMMAND_INTENTS = {"human": "/request_human", "status": "/ticket_status"}
_LINK = re.compile(r"/link(@\w+)?(?:\s+(.*))?\Z", re.IGNORECASE | re.DOTALL)
NON_TEXT = ("sticker", "voice", "audio", "video", "video_note", "animation", "location",
            "venue", "contact", "poll", "dice", "game", "photo", "document", "story")


@dataclass(frozen=True)
class Inbound:
    """kind: text | edit | command | link | button | non_text | member | group_post |
    ignored."""

    kind: str
    lane: str  # the conversation key: one person in one chat; handled in order
    platform_id: str  # the update id
    message: UserMessage | None = None
    payload: dict[str, Any] = field(default_factory=dict)  # never user text
    reason: str = ""  # why ignored


def conversation_key(chat_id: int, user_id: int) -> str:
    return f"tg:{chat_id}:{user_id}"


def chat_of(key: str) -> int:
    return int(key.split(":")[1])


def user_of(key: str) -> int:
    return int(key.split(":")[2])


def read_update(update: Update, bot_username: str, bot_id: int) -> Inbound:
    platform_id = str(update.update_id)
    if update.callback_query is not None:
        return _button(update, platform_id)
    if update.my_chat_member is not None:
        member = update.my_chat_member
        lane = conversation_key(member.chat.id, member.from_user.id)
        return Inbound("member", lane, platform_id, payload={
            "status": member.new_chat_member.status, "chat_type": member.chat.type,
            "chat_id": member.chat.id, "user_id": member.from_user.id,
            "blocked": member.new_chat_member.status in (ChatMemberStatus.BANNED,
                                                         ChatMemberStatus.LEFT)})
    edited = update.edited_message
    message = update.message or edited
    if message is None:
        return Inbound("ignored", "", platform_id, reason=_what(update))
    chat, user = message.chat, message.from_user
    if user is None or user.is_bot or chat.type not in (ChatType.PRIVATE, ChatType.GROUP,
                                                        ChatType.SUPERGROUP):
        return Inbound("ignored", "", platform_id, reason=f"chat type {chat.type}")
    private = chat.type == ChatType.PRIVATE
    lane = conversation_key(chat.id, user.id)
    addressed = private or _addressed(message, bot_username, bot_id)
    text = message.text if message.text is not None else message.caption
    base = {"chat_id": chat.id, "user_id": user.id, "message_id": message.message_id,
            "chat_type": chat.type, "locale": user.language_code}
    if text is not None:
        if not private:
            text = _without_mention(text, bot_username)
        link = _LINK.match(text)
        if link and (not link.group(1) or link.group(1)[1:].lower() == bot_username.lower()):
            # `/link CODE` (bot.identity): the code never reaches the store or the inbox in
            # clear, only its SHA-256; in a group it is refused (and spent, it was public).
            typed = (link.group(2) or "").strip()
            return Inbound("link", lane, platform_id, payload={
                **base, "private": private, "typed": bool(typed),
                "code_hash": code_hash(typed) if typed else None, "label": _label(user)})
        if text.startswith("/"):
            command, _, rest = text[1:].partition(" ")
            command = command.split("@", 1)[0].lower()
            if command in ("start", "help") or command in COMMAND_INTENTS:
                args = rest.split()[:1]
                if command in COMMAND_INTENTS:
                    text = COMMAND_INTENTS[command]
                else:
                    return Inbound("command", lane, platform_id, payload={
                        **base, "command": command,
                        "argument": args[0] if args and re.fullmatch(r"c[0-9a-f]{32}",
                                                                     args[0]) else None,
                        "label": _label(user)})
        user_message = UserMessage(
            channel=PRIVATE_CHANNEL if private else GROUP_CHANNEL, conversation_key=lane,
            sender=Sender(str(user.id), _label(user)), text=text,
            locale_hint=user.language_code,
            platform_message_id=f"tg-{chat.id}-{message.message_id}",
            attachments=_attachments(message),
            metadata=base)
        if edited is not None:
            return Inbound("edit", lane, platform_id, user_message, base)
        if not addressed:
            return Inbound("group_post", lane, platform_id, user_message, base)
        files = list(user_message.attachments) if private else []
        return Inbound("text", lane, platform_id, user_message,
                       {**base, "files": files} if files else base)
    if edited is not None or not addressed:
        return Inbound("ignored", lane, platform_id, reason="not text, not for the bot")
    kind = next((k for k in NON_TEXT if getattr(message, k, None)), "other")
    # A photo or document in a private chat goes to the attachment store, like the
    # widget's files (in a group, a screenshot may show anything of anyone: not kept).
    files = list(_attachments(message)) if private else []
    return Inbound("non_text", lane, platform_id, payload={**base, "what": kind,
                                                            "label": _label(user),
                                                            "files": files})


def _button(update: Update, platform_id: str) -> Inbound:
    query = update.callback_query
    assert query is not None
    chat = query.message.chat if query.message is not None else None
    if chat is None:
        return Inbound("ignored", "", platform_id, reason="button without a message")
    data = query.data or ""
    if not re.fullmatch(r"(csat|qr):\d{1,12}:\d{1,2}", data):
        return Inbound("ignored", "", platform_id, reason="unknown button data")
    lane = conversation_key(chat.id, query.from_user.id)
    return Inbound("button", lane, platform_id, payload={
        "data": data, "callback_id": query.id, "chat_id": chat.id, "chat_type": chat.type,
        "user_id": query.from_user.id, "locale": query.from_user.language_code,
        "button_message_id": query.message.message_id if query.message else None,
        "label": _label(query.from_user)})


def _addressed(message: Message, bot_username: str, bot_id: int) -> bool:
    mention = f"@{bot_username}".lower()
    entities = list(message.entities or ()) + list(message.caption_entities or ())
    for entity in entities:
        if entity.type == MessageEntityType.MENTION and bot_username and (
                message.parse_entity(entity) if message.text else
                message.parse_caption_entity(entity)).lower() == mention:
            return True
        if entity.type == MessageEntityType.TEXT_MENTION and entity.user and (
                entity.user.id == bot_id):
            return True
        if entity.type == MessageEntityType.BOT_COMMAND and (message.text or "").lower(
                ).startswith(("/help", f"/help@{bot_username.lower()}")):
            return True
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


def _without_mention(text: str, bot_username: str) -> str:
    if not bot_username:
        return text
    stripped = re.sub(rf"@{re.escape(bot_username)}\b", " ", text, flags=re.I).strip()
    return stripped or text


def _label(user: Any) -> str:
    return f"@{user.username}" if user.username else str(user.full_name)


def _attachments(message: Message) -> tuple[dict[str, Any], ...]:
    found: list[dict[str, Any]] = []
    if message.photo:
        largest = message.photo[-1]
        found.append({"kind": "photo", "file_id": largest.file_id,
                      "size": largest.file_size, "name": f"photo-{message.message_id}.jpg"})
    if message.document is not None:
        document = message.document
        found.append({"kind": "document", "file_id": document.file_id,
                      "mime_type": document.mime_type, "size": document.file_size,
                      # Not the file's own name: inbox payloads hold no user text.
                      "name": f"document-{message.message_id}"})
    return tuple(found)


def _what(update: Update) -> str:
    for name in ("channel_post", "edited_channel_post", "inline_query", "poll",
                 "chat_member", "chat_join_request", "message_reaction", "business_message"):
        if getattr(update, name, None) is not None:
            return name
    return "an update without a message"
