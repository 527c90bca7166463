"""Where attachments live. One interface, two places, chosen by the database:

- SQLite (one host): files in an `attachments` folder beside the database file (the data
  directory). A file is written under a temporary name and renamed, so a reader never
  sees half a file and a crash leaves only a temporary file, which is swept.
- PostgreSQL (several server hosts): the bytes in `attachment_blobs`, so that whichever
  host a download reaches has them; a local folder would exist on one host only.

Both keep the record in `attachments`, written in the caller's transaction so that the
record, the bytes and the chat message that shows them appear together or not at all.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select

from bot.storage.database import is_postgres, reading
from bot.storage.schema import attachment_blobs, attachments

_TEMP_PREFIX = ".tmp-"
_STALE_TEMP_SECONDS = 3600


@dataclass(frozen=True)
class AttachmentMeta:
    id: str
    conversation_id: str
    message_id: int | None
    author: str  # user | agent
    author_name: str | None
    filename: str
    content_type: str
    size: int
    sha256: str
    width: int | None
    height: int | None
    has_thumbnail: bool
    created_at: float

    def public(self) -> dict[str, Any]:
        """What the API and the chat message show of it."""
        return {"id": self.id, "name": self.filename, "type": self.content_type,
                "size": self.size, "width": self.width, "height": self.height,
                "thumbnail": self.has_thumbnail}

    @classmethod
    def of(cls, row: Any) -> AttachmentMeta:
        values = dict(row._mapping)
        values["has_thumbnail"] = bool(values["has_thumbnail"])
        return cls(**values)


class AttachmentStore(ABC):
    """put (inside a transaction), get, get_thumbnail, delete. Ids are uuid4 hex."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def put(self, connection: Connection, meta: AttachmentMeta, data: bytes,
            thumbnail: bytes | None) -> None:
        """Record the attachment and keep its bytes, inside the caller's transaction.
        If that transaction does not commit, the caller calls `forget(meta.id)`."""
        connection.execute(insert(attachments).values(**asdict(meta)))
        self._put_bytes(connection, meta.id, data, thumbnail)

    def forget(self, attachment_id: str) -> None:  # noqa: B027 - nothing to undo by default
        """Undo what `put` left outside the database after its transaction rolled back
        (the database store has nothing outside the transaction)."""

    def meta(self, attachment_id: str) -> AttachmentMeta | None:
        if not _plausible(attachment_id):
            return None
        with reading(self.engine) as connection:
            row = connection.execute(
                select(attachments).where(attachments.c.id == attachment_id)).first()
        return AttachmentMeta.of(row) if row is not None else None

    def get(self, attachment_id: str) -> tuple[AttachmentMeta, bytes] | None:
        return self._read(attachment_id, thumbnail=False)

    def get_thumbnail(self, attachment_id: str) -> tuple[AttachmentMeta, bytes] | None:
        return self._read(attachment_id, thumbnail=True)

    def delete(self, attachment_id: str) -> bool:
        """Remove the record and the bytes; False when there was none."""
        if not _plausible(attachment_id):
            return False
        with self.engine.begin() as connection:
            connection.execute(delete(attachment_blobs).where(
                attachment_blobs.c.attachment_id == attachment_id))
            gone = connection.execute(
                delete(attachments).where(attachments.c.id == attachment_id)).rowcount
        self.forget(attachment_id)
        return bool(gone)

    def _read(self, attachment_id: str, thumbnail: bool) -> tuple[AttachmentMeta, bytes] | None:
        meta = self.meta(attachment_id)
        if meta is None or (thumbnail and not meta.has_thumbnail):
            return None
        data = self._get_bytes(attachment_id, thumbnail)
        return (meta, data) if data is not None else None

    @abstractmethod
    def _put_bytes(self, connection: Connection, attachment_id: str, data: bytes,
                   thumbnail: bytes | None) -> None: ...

    @abstractmethod
    def _get_bytes(self, attachment_id: str, thumbnail: bool) -> bytes | None: ...


class DatabaseAttachmentStore(AttachmentStore):
    """PostgreSQL: the bytes in `attachment_blobs` (at most `limits.attachment_bytes`
    each, so a bytea column does; no large-object API to clean up after)."""

    def _put_bytes(self, connection: Connection, attachment_id: str, data: bytes,
                   thumbnail: bytes | None) -> None:
        connection.execute(insert(attachment_blobs).values(
            attachment_id=attachment_id, data=data, thumbnail=thumbnail))

    def _get_bytes(self, attachment_id: str, thumbnail: bool) -> bytes | None:
        column = attachment_blobs.c.thumbnail if thumbnail else attachment_blobs.c.data
        with reading(self.engine) as connection:
            value = connection.scalar(
                select(column).where(attachment_blobs.c.attachment_id == attachment_id))
        return bytes(value) if value is not None else None


class FileAttachmentStore(AttachmentStore):
    """SQLite: `<folder>/<id[:2]>/<id>` and `<id>.thumb`. The files are written before the
    record (inside `put`): a crash in between leaves a file nobody points to, never a
    record without its file."""

    def __init__(self, engine: Engine, folder: Path):
        super().__init__(engine)
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._sweep_temporary()

    def path(self, attachment_id: str, thumbnail: bool = False) -> Path:
        return self.folder / attachment_id[:2] / (attachment_id + (".thumb" if thumbnail else ""))

    def _put_bytes(self, connection: Connection, attachment_id: str, data: bytes,
                   thumbnail: bytes | None) -> None:
        try:
            _write_atomically(self.path(attachment_id), data)
            if thumbnail is not None:
                _write_atomically(self.path(attachment_id, thumbnail=True), thumbnail)
        except BaseException:
            self.forget(attachment_id)
            raise

    def _get_bytes(self, attachment_id: str, thumbnail: bool) -> bytes | None:
        try:
            return self.path(attachment_id, thumbnail).read_bytes()
        except FileNotFoundError:
            return None

    def forget(self, attachment_id: str) -> None:
        if not _plausible(attachment_id):
            return
        for thumbnail in (False, True):
            with contextlib.suppress(FileNotFoundError):
                self.path(attachment_id, thumbnail).unlink()

    def _sweep_temporary(self) -> None:
        """Temporary files of writes a killed process never finished (only old ones: a
        temporary file of a write in progress in another process is young)."""
        cutoff = time.time() - _STALE_TEMP_SECONDS
        for temporary in self.folder.glob(f"*/{_TEMP_PREFIX}*"):
            with contextlib.suppress(OSError):
                if temporary.stat().st_mtime < cutoff:
                    temporary.unlink()


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, flush it to disk, then rename it:
    the rename is atomic, so the path holds the whole file or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _plausible(attachment_id: str) -> bool:
    """A uuid4 hex: anything else is no attachment, and never reaches a path or a query."""
    return len(attachment_id) == 32 and all(c in "0123456789abcdef" for c in attachment_id)


def attachment_store(engine: Engine, data_dir: str | Path | None = None) -> AttachmentStore:
    """The store for this database: rows on PostgreSQL, files beside a SQLite file (an
    in-memory SQLite database keeps its files under `data_dir`)."""
    if is_postgres(engine):
        return DatabaseAttachmentStore(engine)
    database = engine.url.database
    if database and database != ":memory:":
        return FileAttachmentStore(engine, Path(database).resolve().parent / "attachments")
    if data_dir is None:
        raise ValueError("an in-memory SQLite database needs a data_dir for attachments")
    return FileAttachmentStore(engine, Path(data_dir) / "attachments")
