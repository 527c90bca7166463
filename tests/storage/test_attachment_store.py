"""The attachment store on both databases: put inside a transaction, read back, delete;
a transaction that does not commit leaves no record, no bytes and no file."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.attachments import AttachmentMeta, attachment_store, read_attachment
from bot.attachments.storage import FileAttachmentStore
from bot.conversations.store import ConversationStore
from bot.storage.database import create_database_engine, migrate, reading
from bot.storage.schema import attachment_blobs, attachments


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    built = create_database_engine(str(request.getfixturevalue(f"{request.param}_url")))
    migrate(built)
    yield built
    built.dispose()


def _meta(conversation_id: str, data: bytes) -> AttachmentMeta:
    return AttachmentMeta(id=uuid.uuid4().hex, conversation_id=conversation_id, message_id=None,
                          author="user", author_name=None, filename="a.pdf",
                          content_type="application/pdf", size=len(data), sha256="0" * 64,
                          width=None, height=None, has_thumbnail=True, created_at=time.time())


def _counts(engine) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with reading(engine) as connection:
        return (int(connection.scalar(select(func.count()).select_from(attachments)) or 0),
                int(connection.scalar(select(func.count()).select_from(attachment_blobs)) or 0))


def _files(store) -> list[Path]:  # type: ignore[no-untyped-def]
    folder = getattr(store, "folder", None)
    return [p for p in Path(folder).rglob("*") if p.is_file()] if folder else []


def test_put_get_delete_and_rollback(engine, tmp_path):  # type: ignore[no-untyped-def]
    store = attachment_store(engine, tmp_path)
    assert isinstance(store, FileAttachmentStore) == (engine.dialect.name == "sqlite")
    conversation = ConversationStore(engine).create("api", "k")
    meta = _meta(conversation, b"%PDF-1 data")
    with engine.begin() as connection:
        store.put(connection, meta, b"%PDF-1 data", b"small")
    assert store.get(meta.id) == (meta, b"%PDF-1 data")
    assert store.get_thumbnail(meta.id) == (meta, b"small")
    assert read_attachment(engine, meta.id, thumbnail=True)[1] == b"small"
    assert store.get("../../etc/passwd") is None and store.get("f" * 32) is None

    # A transaction that fails after put: nothing of the file remains anywhere.
    failed = _meta(conversation, b"other")
    with pytest.raises(RuntimeError), engine.begin() as connection:
        store.put(connection, failed, b"other", None)
        raise RuntimeError("the message could not be stored")
    store.forget(failed.id)  # what the upload does when its transaction fails
    assert store.get(failed.id) is None
    assert _counts(engine) == ((1, 0) if isinstance(store, FileAttachmentStore) else (1, 1))
    assert len(_files(store)) == (2 if isinstance(store, FileAttachmentStore) else 0)

    assert store.delete(meta.id) and not store.delete(meta.id)
    assert _counts(engine) == (0, 0) and _files(store) == []
    with pytest.raises(LookupError):
        read_attachment(store, meta.id)
