"""Upload and read: the file, its record and the chat message that shows it.

An upload is checked completely (type, size, decoding) before anything is written, and
then the record, the bytes and the message are written in one transaction: a refused
file, a client that went away or a failed write leave nothing behind.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Engine

from bot.attachments import checks
from bot.attachments.names import safe_name
from bot.attachments.refusal import Refused
from bot.attachments.storage import AttachmentMeta, AttachmentStore, attachment_store
from bot.conversations.store import ConversationStore

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
KIND = "attachment"  # the chat message's kind
# Called with the conversation row (locked, in the upload's transaction): the bot's reply
# to the file, or None for no reply.
ReplyText = Callable[[Any], str | None]


@dataclass(frozen=True)
class Uploaded:
    attachment: AttachmentMeta
    message_id: int
    reply_id: int | None = None  # the bot's "file received" message, if one was stored

    def public(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "attachment": self.attachment.public(),
                "reply_id": self.reply_id}


def user_upload(store: AttachmentStore, conversation_id: str, filename: str | None,
                declared: str | None, body: bytes | Iterable[bytes],
                max_bytes: int = DEFAULT_MAX_BYTES, reply: ReplyText | None = None,
                notify: Callable[[str], None] | None = None) -> Uploaded:
    """A trader's file. Raises Refused (nothing stored) or LookupError (no conversation).
    `reply` may answer it with a bot message (stored in the same transaction)."""
    return _upload(store, conversation_id, "user", None, filename, declared, body,
                   max_bytes, reply, notify)


def agent_upload(store: AttachmentStore, conversation_id: str, agent_name: str,
                 filename: str | None, declared: str | None, body: bytes | Iterable[bytes],
                 max_bytes: int = DEFAULT_MAX_BYTES,
                 notify: Callable[[str], None] | None = None) -> Uploaded:
    """An agent's file, shown in the chat as theirs (author 'agent', their display name).
    The caller has checked that the agent may write in this conversation. Raises Refused
    or LookupError, like `user_upload`."""
    return _upload(store, conversation_id, "agent", agent_name[:64], filename, declared,
                   body, max_bytes, None, notify)


def read_attachment(engine_or_store: Engine | AttachmentStore, attachment_id: str,
                    thumbnail: bool = False) -> tuple[AttachmentMeta, bytes]:
    """An attachment's record and bytes (its thumbnail's, with thumbnail=True); LookupError
    when there is none. It checks no permission: the caller decides who may see it (the
    user API checks `meta.conversation_id`; agents, the conversation's visibility)."""
    store = (engine_or_store if isinstance(engine_or_store, AttachmentStore)
             else attachment_store(engine_or_store))
    found = store.get_thumbnail(attachment_id) if thumbnail else store.get(attachment_id)
    if found is None:
        raise LookupError(f"no attachment {attachment_id[:40]}")
    return found


def collect(body: bytes | Iterable[bytes], max_bytes: int) -> bytes:
    """The whole body, refused as soon as it passes max_bytes (nothing more is read)."""
    if isinstance(body, bytes | bytearray | memoryview):
        data = bytes(body)
        if len(data) > max_bytes:
            raise Refused("too_large", f"the file is over {max_bytes} bytes")
        return data
    parts, size = [], 0
    for chunk in body:
        size += len(chunk)
        if size > max_bytes:
            raise Refused("too_large", f"the file is over {max_bytes} bytes")
        parts.append(chunk)
    return b"".join(parts)


def _upload(store: AttachmentStore, conversation_id: str, author: str,
            author_name: str | None, filename: str | None, declared: str | None,
            body: bytes | Iterable[bytes], max_bytes: int, reply: ReplyText | None,
            notify: Callable[[str], None] | None) -> Uploaded:
    checked = checks.check(collect(body, max_bytes), declared, max_bytes)
    name = safe_name(filename, checked.content_type)
    meta = AttachmentMeta(
        id=uuid.uuid4().hex, conversation_id=conversation_id, message_id=None, author=author,
        author_name=author_name, filename=name, content_type=checked.content_type,
        size=len(checked.data), sha256=hashlib.sha256(checked.data).hexdigest(),
        width=checked.width, height=checked.height,
        has_thumbnail=checked.thumbnail is not None, created_at=time.time())
    payload = {"attachment": meta.public()}
    reply_id = None
    try:
        with store.engine.begin() as connection:
            row = ConversationStore.lock_or_none(connection, conversation_id)
            if row is None:
                raise LookupError(f"no conversation {conversation_id}")
            # An attachment is not a question: the message is stored processed, so no
            # turn (and no orphan sweep) ever runs the bot on it.
            message_id = ConversationStore.add_message(
                connection, conversation_id, author, f"📎 {name}", KIND, payload,
                author_name=author_name)
            meta = replace(meta, message_id=message_id)
            store.put(connection, meta, checked.data, checked.thumbnail)
            text = reply(row) if reply is not None else None
            if text:
                reply_id = ConversationStore.add_message(
                    connection, conversation_id, "bot", text, "attachment_received",
                    {"kind": "attachment_received"}, reply_to=message_id)
            ConversationStore.save(connection, conversation_id)  # updated_at
    except BaseException:
        store.forget(meta.id)
        raise
    if notify is not None:
        notify(conversation_id)
    return Uploaded(meta, message_id, reply_id)
