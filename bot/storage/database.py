"""One SQLAlchemy engine for SQLite (default) or PostgreSQL, and versioned migrations.

SQLite runs in WAL mode. A write transaction (`engine.begin()`) is BEGIN IMMEDIATE, so it
never fails half-way on a lock upgrade; a read (`reading(engine)`) is a plain deferred
BEGIN, which in WAL mode never waits for a writer. Writers of one process queue on a
Python lock first: SQLite's own busy handler polls with sleeps of up to 100 ms, which
under load turned 10 ms turns into 500 ms ones. Writers of several processes on one host
still meet at SQLite's lock, with fewer of them waiting.
PostgreSQL is for several server processes, possibly on several hosts; the code is the same.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc, inspect, select
from sqlalchemy.engine import make_url

from bot.errors import ConfigError
from bot.storage import schema

DATABASE_URL_ENV = "SUPPORTBOT_DATABASE_URL"
_READ_ONLY = "supportbot_read_only"
_HOLDS_WRITE_LOCK = "supportbot_holds_write_lock"
BUSY_TIMEOUT_SECONDS = 30


def reading(engine: Engine) -> AbstractContextManager[Connection]:
    """A connection for reads only (SQLite: a deferred transaction that never waits)."""
    return engine.connect().execution_options(**{_READ_ONLY: True})


def database_url(data_dir: str | Path) -> str:
    """From SUPPORTBOT_DATABASE_URL, else a SQLite file under the data directory."""
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    if url:
        if url.startswith("postgresql://"):  # plain URLs pick psycopg 3, the driver we ship
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    folder = Path(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'supportbot.sqlite3'}"


def create_database_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except Exception:
        raise ConfigError(f"{DATABASE_URL_ENV} is not a database URL") from None
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
    elif parsed.get_backend_name() == "postgresql":
        engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    else:
        raise ConfigError(f"{DATABASE_URL_ENV}: use sqlite:/// or postgresql:// URLs")
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes in WAL
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted or overwritten content is zeroed, not left in free space: an erased
        # transcript must not be readable in the file (bot.storage.scrub). Debian's SQLite
        # is built with this on already, so the measured figures include its cost.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.close()

    write_lock = _WriterLock(engine.url.database)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(_READ_ONLY):
            connection.exec_driver_sql("BEGIN")
            return
        write_lock.acquire()
        connection.info[_HOLDS_WRITE_LOCK] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(connection)
            raise

    # SQLAlchemy announces a commit just before it sends it, so the next writer may reach
    # BEGIN IMMEDIATE a moment early; SQLite's busy handler covers that gap (its first
    # wait is 1 ms), which is rare and short, unlike queueing every writer on it.
    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _release(connection: Connection) -> None:
        if connection.info.pop(_HOLDS_WRITE_LOCK, False):
            write_lock.release()


class _WriterLock:
    """One writer at a time: a thread lock inside the process and, for a database file,
    an flock on a file beside it across the processes of one host. Both wake the next
    writer the moment the lock is free, where SQLite's busy handler sleeps up to 100 ms
    between polls and lets one process starve the other.

    Inside the process, writers of urgent turns (`urgent_writes`) go before the others:
    under a flood a dozen routine writers wait here, and a takeover report queued behind
    all of them waited hundreds of milliseconds for its few milliseconds of writing."""

    def __init__(self, database: str | None):
        self._state = threading.Condition()
        self._held = False
        self._urgent_waiting = 0
        self._path = writer_lock_path(database)
        self._file: Any = None

    def acquire(self) -> None:
        urgent = _URGENT_WRITER.get()
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        acquired = False
        with self._state:
            self._urgent_waiting += urgent
            try:
                while self._held or (self._urgent_waiting and not urgent):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise exc.OperationalError(
                            "BEGIN IMMEDIATE", None,
                            Exception("database is locked by this process"))
                    self._state.wait(remaining)
                self._held = acquired = True
            finally:
                self._urgent_waiting -= urgent
                if urgent and not acquired:  # gave up: routine writers need not wait
                    self._state.notify_all()
        if self._path is None:
            return
        try:
            if self._file is None:
                self._file = open(self._path, "a")  # noqa: SIM115 - kept open for the process
            fcntl.flock(self._file, fcntl.LOCK_EX)  # releases the GIL while it waits
        except BaseException:
            self._free()
            raise

    def release(self) -> None:
        try:
            if self._file is not None:
                fcntl.flock(self._file, fcntl.LOCK_UN)
        finally:
            self._free()

    def _free(self) -> None:
        with self._state:
            self._held = False
            self._state.notify_all()


_URGENT_WRITER: ContextVar[bool] = ContextVar("urgent_writer", default=False)


@contextmanager
def urgent_writes() -> Iterator[None]:
    """The write transactions begun inside go before routine ones waiting in this
    process (SQLite; PostgreSQL has no process-wide writer queue to jump)."""
    token = _URGENT_WRITER.set(True)
    try:
        yield
    finally:
        _URGENT_WRITER.reset(token)


def writer_lock_path(database: str | None) -> str | None:
    """The file whose flock writers of one database file take in turn (None: in memory)."""
    return f"{database}-writer.lock" if database and database != ":memory:" else None


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


# Versioned migrations: append, never edit one that has shipped.
def _v1(connection: Connection) -> None:
    for table in (schema.conversations, schema.messages, schema.agents, schema.handoffs,
                  schema.agent_sessions, schema.events):
        table.create(connection, checkfirst=True)


def _v2(connection: Connection) -> None:
    schema.withheld_fragments.create(connection, checkfirst=True)


def _v3(connection: Connection) -> None:
    schema.inbox.create(connection, checkfirst=True)
    schema.deliveries.create(connection, checkfirst=True)
    # A chat that blocked the bot: nothing is sent until the user writes again. (A new
    # database got the column from _v1, which creates today's table.)
    columns = {c["name"] for c in inspect(connection).get_columns("conversations")}
    if "unreachable_since" not in columns:
        connection.exec_driver_sql("ALTER TABLE conversations ADD COLUMN unreachable_since FLOAT")
    if "client_seq" not in {c["name"] for c in inspect(connection).get_columns("messages")}:
        connection.exec_driver_sql("ALTER TABLE messages ADD COLUMN client_seq INTEGER")


# Keys created as 4-byte integers by versions before 0.6.0 on PostgreSQL (SQLite's are
# 8 bytes already). A new database gets BIGINT from _v1.
_WIDENED = {"conversations": ("delivered_upto",), "messages": ("id", "reply_to"),
            "handoffs": ("id", "agent_id"), "agents": ("id",), "agent_sessions": ("agent_id",),
            "events": ("id",), "withheld_fragments": ("id", "message_id"),
            "inbox": ("id", "message_id"), "deliveries": ("message_id",)}


def _v4(connection: Connection) -> None:
    if not is_postgres(connection.engine):
        return
    for table, columns in _WIDENED.items():
        for column in columns:
            connection.exec_driver_sql(
                f'ALTER TABLE {table} ALTER COLUMN "{column}" TYPE BIGINT')
    for sequence in ("messages_id_seq", "handoffs_id_seq", "agents_id_seq", "events_id_seq",
                     "withheld_fragments_id_seq", "inbox_id_seq"):
        connection.exec_driver_sql(f"ALTER SEQUENCE IF EXISTS {sequence} AS BIGINT")


def _v5(connection: Connection) -> None:
    # The orphan sweep's index (a new database got it from _v1, with today's table).
    for index in schema.messages.indexes:
        if index.name == "ix_messages_unanswered":
            index.create(connection, checkfirst=True)


def _v6(connection: Connection) -> None:
    # Attachments: their record, and (PostgreSQL) their bytes. On SQLite the blob table
    # exists but stays empty: files live under the data directory.
    schema.attachments.create(connection, checkfirst=True)
    schema.attachment_blobs.create(connection, checkfirst=True)


def _v7(connection: Connection) -> None:
    schema.typing_marks.create(connection, checkfirst=True)
    schema.audit_log.create(connection, checkfirst=True)
    # A new database got the column from _v1, which creates today's table.
    if "role" not in {c["name"] for c in inspect(connection).get_columns("agents")}:
        connection.exec_driver_sql(
            "ALTER TABLE agents ADD COLUMN role VARCHAR(16) NOT NULL DEFAULT 'agent'")


def _add_columns(connection: Connection, table: str, columns: dict[str, str]) -> None:
    # A new database got the columns from _v1, which creates today's tables.
    present = {c["name"] for c in inspect(connection).get_columns(table)}
    for name, sql_type in columns.items():
        if name not in present:
            connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {name} {sql_type}")


def _v8(connection: Connection) -> None:
    # Running it at a real exchange: verified identity, agent second factor, webhooks
    # (paging, freeze), incidents, erasure.
    binary = "BYTEA" if is_postgres(connection.engine) else "BLOB"
    big = "BIGINT" if is_postgres(connection.engine) else "INTEGER"
    _add_columns(connection, "conversations", {
        "verified_uid": "VARCHAR(64)", "verified_email": "VARCHAR(254)",
        "verified_at": "FLOAT", "erased_at": "FLOAT"})
    _add_columns(connection, "handoffs", {"incident_id": big})
    _add_columns(connection, "agents", {"totp_secret": binary, "totp_enabled_at": "FLOAT",
                                        "totp_last_step": "INTEGER"})
    _add_columns(connection, "audit_log", {"subject": "VARCHAR(64)"})
    _add_columns(connection, "agent_sessions", {"second_factor_at": "FLOAT"})
    for table in (schema.identity_links, schema.link_codes, schema.agent_recovery_codes,
                  schema.webhook_outbox, schema.incidents):
        table.create(connection, checkfirst=True)
    # Added to incidents after the first 0.9.0 databases were made (a no-op on new ones).
    _add_columns(connection, "incidents", {"template": "VARCHAR(40)", "intents": "JSON",
                                           "ended_by": "VARCHAR(64)"})


def _v9(connection: Connection) -> None:
    _add_columns(connection, "conversations", {"locale": "VARCHAR(35)"})


MIGRATIONS: list[tuple[int, Callable[[Connection], None]]] = [
    (1, _v1), (2, _v2), (3, _v3), (4, _v4), (5, _v5), (6, _v6), (7, _v7), (8, _v8),
    (9, _v9)]


def migrate(engine: Engine) -> int:
    """Bring the schema to the newest version; safe to run from several processes."""
    with engine.begin() as connection:
        if is_postgres(engine):
            # One migrator at a time across processes.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(4242)")
        schema.schema_version.create(connection, checkfirst=True)
        applied = set(connection.scalars(select(schema.schema_version.c.version)))
        for version, step in MIGRATIONS:
            if version not in applied:
                step(connection)
                connection.execute(
                    schema.schema_version.insert().values(version=version, applied_at=time.time())
                )
        return max(v for v, _ in MIGRATIONS)
