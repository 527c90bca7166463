"""A trader's files listed, read out and erased (bot.privacy decides; this package owns
the `attachments` and `attachment_blobs` tables and the files beside SQLite)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select

from bot.attachments.storage import AttachmentMeta, AttachmentStore
from bot.storage.schema import attachment_blobs, attachments


def files_of(connection: Connection, conversation_ids: list[str]) -> list[AttachmentMeta]:
    if not conversation_ids:
        return []
    rows = connection.execute(select(attachments).where(
        attachments.c.conversation_id.in_(conversation_ids)).order_by(attachments.c.created_at))
    return [AttachmentMeta.of(row) for row in rows]


def exported(meta: AttachmentMeta) -> dict[str, Any]:
    """What an export says of a file (its bytes travel separately, in a zip)."""
    return {"id": meta.id, "conversation_id": meta.conversation_id, "author": meta.author,
            "name": meta.filename, "type": meta.content_type, "size": meta.size,
            "sha256": meta.sha256, "created_at": meta.created_at}


def erase_records(connection: Connection, conversation_ids: list[str]) -> list[str]:
    """Delete the records (and, on PostgreSQL, the bytes) in the caller's transaction; the
    ids, for `erase_files` once that transaction committed."""
    ids = [meta.id for meta in files_of(connection, conversation_ids)]
    if ids:
        connection.execute(delete(attachment_blobs).where(
            attachment_blobs.c.attachment_id.in_(ids)))
        connection.execute(delete(attachments).where(attachments.c.id.in_(ids)))
    return ids


def erase_files(store: AttachmentStore, attachment_ids: list[str]) -> None:
    """The files beside SQLite (nothing to do on PostgreSQL: the rows held the bytes)."""
    for attachment_id in attachment_ids:
        store.forget(attachment_id)
