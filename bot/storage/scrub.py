"""Deleted text made unreadable in the database file itself, not only in query results.

SQLite keeps deleted content on disk until something overwrites it: in the free space of
a page (an updated row's old copy: a message's text before its payload was added, a
packet rebuilt on every turn), in free pages, and in the write-ahead log until a
checkpoint. Therefore
1. every connection runs with `PRAGMA secure_delete=ON` (bot.storage.database), so what
   any write frees is zeroed as it is freed, and an erasure sets it again for itself;
2. with `retention.vacuum` the file is rebuilt (VACUUM) after an erasure: copies left by
   a database written before 0.9.0 by a SQLite built without secure_delete go too. It
   rewrites the whole file while the writers wait (about a second per 100 MB), once per
   request or sweep;
3. the WAL is checkpointed with TRUNCATE: the log, which held the old pages, is emptied
   to zero bytes.
PostgreSQL marks deleted rows dead and reuses their space after VACUUM (autovacuum runs
it); the bytes stay on disk until overwritten, and in WAL archives and backups until they
age out. README "Data handling" says what operators do about that.
"""

from __future__ import annotations

import contextlib
import fcntl
import sqlite3
import time
from collections.abc import Iterator

from sqlalchemy import Connection, Engine

from bot.storage.database import BUSY_TIMEOUT_SECONDS, is_postgres, writer_lock_path


@contextlib.contextmanager
def erasing(engine: Engine) -> Iterator[Connection]:
    """A write transaction whose deletes and updates overwrite what they free (SQLite)."""
    with engine.begin() as connection:
        if is_postgres(engine):
            yield connection
            return
        before = connection.exec_driver_sql("PRAGMA secure_delete").scalar()
        connection.exec_driver_sql("PRAGMA secure_delete=ON")
        try:
            yield connection
        finally:
            # The pooled connection goes back as it came (some builds default to ON).
            connection.exec_driver_sql(f"PRAGMA secure_delete={int(before or 0)}")


def sqlite_path(engine: Engine) -> str | None:
    """The database file of a SQLite engine (None: PostgreSQL or in memory)."""
    database = engine.url.database
    if is_postgres(engine) or not database or database == ":memory:":
        return None
    return str(database)


def reclaim(engine: Engine, vacuum: bool = False, attempts: int = 5) -> str:
    """After an erasure: rebuild the file (optionally) and empty the WAL. One line saying
    what was done, for the operator."""
    path = sqlite_path(engine)
    if path is None:
        return ("PostgreSQL: erased rows are dead tuples until VACUUM (autovacuum) reuses "
                "their space" if is_postgres(engine) else "in-memory database: nothing on disk")
    lock_path = writer_lock_path(path)
    assert lock_path is not None
    with open(lock_path, "a") as lock:
        # Writers of every process on this host wait while the file is rebuilt (the same
        # lock their transactions take; bot.storage.database).
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _vacuum_and_checkpoint(path, vacuum, attempts)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _vacuum_and_checkpoint(path: str, vacuum: bool, attempts: int) -> str:
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    try:
        connection.execute("PRAGMA secure_delete=ON")
        connection.execute("PRAGMA temp_store=MEMORY")  # VACUUM's copy never hits /tmp
        if vacuum:
            connection.execute("VACUUM")
        for attempt in range(attempts):
            busy, _log, _done = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return ("database rebuilt (VACUUM) and " if vacuum else "") + "WAL emptied"
            time.sleep(0.2 * (attempt + 1))  # a reader still holds an old snapshot
        return ("database rebuilt (VACUUM); " if vacuum else "") + (
            "the WAL could not be emptied now (readers busy): it is emptied at the next "
            "checkpoint")
    finally:
        connection.close()
