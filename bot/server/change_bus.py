"""Changes made by one server process wake the live clients of every other one, pushed,
never polled per client:

- PostgreSQL: NOTIFY on one channel; each process keeps one LISTEN connection (a thread
  blocked on it) and fans the notices out to its own sockets through the LiveHub.
- SQLite (one machine, several workers): each worker binds a Unix datagram socket in a
  folder named after the database file (under the system's temporary folder: socket paths
  are limited to 108 bytes); a change is one datagram to each of them.

A lost notice costs a delay, not a message: clients still re-read the database on a long
keep-alive timer (live.KEEPALIVE_SECONDS), and the database stays the source of truth.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import logging
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from bot.storage.database import is_postgres

log = logging.getLogger(__name__)
CHANNEL = "supportbot_changes"
_MAX_ID = 64
_serial = itertools.count()  # several apps in one process (tests) get their own sockets


class ChangeBus:
    """publish(conversation_id) after a change; `deliver` is called (from a background
    thread) with the ids changed by other processes."""

    def publish(self, conversation_id: str) -> None:
        raise NotImplementedError

    def start(self, deliver: Callable[[str], None],
              missed: Callable[[], None] = lambda: None) -> None:
        """Deliver other processes' changes; `missed` is called when notices may have
        been lost (the listener reconnected)."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class PostgresBus(ChangeBus):
    def __init__(self, engine: Engine):
        self.engine = engine
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sender: object | None = None
        self._lock = threading.Lock()

    def _connect(self) -> object:
        import psycopg

        # libpq takes the same URL without SQLAlchemy's driver name.
        url = make_url(self.engine.url).set(drivername="postgresql")
        return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)

    def publish(self, conversation_id: str) -> None:
        # One small autocommit connection for notices, reused; NOTIFY is cheap.
        with self._lock:
            try:
                if self._sender is None:
                    self._sender = self._connect()
                self._sender.execute("SELECT pg_notify(%s, %s)",  # type: ignore[attr-defined]
                                     (CHANNEL, conversation_id[:_MAX_ID]))
            except Exception as error:
                log.warning("change notice not sent (%s)", type(error).__name__)
                with contextlib.suppress(Exception):
                    self._sender.close()  # type: ignore[union-attr]
                self._sender = None

    def start(self, deliver: Callable[[str], None],
              missed: Callable[[], None] = lambda: None) -> None:
        def listen() -> None:
            first = True
            while not self._stop.is_set():
                try:
                    connection = self._connect()
                    connection.execute(f"LISTEN {CHANNEL}")  # type: ignore[attr-defined]
                    if not first:
                        missed()  # changes made while we were not listening
                    first = False
                    # notifies() returns after each second of quiet: the same connection
                    # listens on (only a lost connection means notices may be missed).
                    while not self._stop.is_set():
                        for notice in connection.notifies(  # type: ignore[attr-defined]
                                timeout=1.0):
                            deliver(notice.payload)
                    connection.close()  # type: ignore[attr-defined]
                except Exception as error:
                    log.warning("LISTEN lost (%s); again in 1 s", type(error).__name__)
                    self._stop.wait(1.0)

        self._thread = threading.Thread(target=listen, name="change-bus", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()  # the listener leaves within a second
        with self._lock:
            if self._sender is not None:
                with contextlib.suppress(Exception):
                    self._sender.close()  # type: ignore[attr-defined]
                self._sender = None


class LocalSocketBus(ChangeBus):
    """Workers on one machine: a datagram per change to every worker's socket."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = folder / f"{os.getpid()}-{next(_serial)}.sock"
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._socket.bind(str(self.path))
        self._out = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._out.setblocking(False)
        self._stop = threading.Event()
        self._peers: list[Path] = []
        self._peers_read = 0.0

    def publish(self, conversation_id: str) -> None:
        data = conversation_id[:_MAX_ID].encode()
        # The folder is read at most once a second (a turn must not pay for a listing).
        now = time.monotonic()
        if now - self._peers_read > 1.0:
            self._peers = [p for p in self.folder.glob("*.sock") if p != self.path]
            self._peers_read = now
        for peer in self._peers:
            try:
                self._out.sendto(data, str(peer))
            except (ConnectionRefusedError, FileNotFoundError):
                with contextlib.suppress(OSError):
                    peer.unlink()  # a worker that is gone
            except BlockingIOError:
                pass  # its buffer is full: it is busy waking its clients already

    def start(self, deliver: Callable[[str], None],
              missed: Callable[[], None] = lambda: None) -> None:
        def listen() -> None:
            self._socket.settimeout(1.0)
            while not self._stop.is_set():
                try:
                    data = self._socket.recv(_MAX_ID)
                except TimeoutError:
                    continue
                except OSError:
                    return
                deliver(data.decode(errors="replace"))

        threading.Thread(target=listen, name="change-bus", daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._socket.close()
        with contextlib.suppress(OSError):
            self.path.unlink()


def change_bus(engine: Engine) -> ChangeBus:
    if is_postgres(engine):
        return PostgresBus(engine)
    database = str(Path(engine.url.database or "memory").resolve())
    name = hashlib.sha256(database.encode()).hexdigest()[:16]
    return LocalSocketBus(Path(tempfile.gettempdir()) / f"supportbot-live-{name}")

