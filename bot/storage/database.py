"""One SQLAlchemy engine for SQLite (default) or PostgreSQL, and versioned migrations.

SQLite runs in WAL mode with every transaction BEGIN IMMEDIATE: writers queue on the busy
timeout instead of failing when a read lock would need upgrading mid-transaction.
PostgreSQL is for several server processes sharing one queue; the code is the same.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.engine import make_url

from bot.errors import ConfigError
from bot.storage import schema

DATABASE_URL_ENV = "SUPPORTBOT_DATABASE_URL"


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
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


# Versioned migrations: append, never edit one that has shipped.
def _v1(connection: Connection) -> None:
    for table in (schema.conversations, schema.messages, schema.agents, schema.handoffs,
                  schema.agent_sessions, schema.events):
        table.create(connection, checkfirst=True)


MIGRATIONS: list[tuple[int, Callable[[Connection], None]]] = [(1, _v1)]


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
