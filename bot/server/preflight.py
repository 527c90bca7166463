"""What `supportbot run` checks before it prints its banner or starts a worker: the
data directory, the database, the model and the port. Each failure is one paragraph
naming the problem and the fix (a StartupError); the command exits non-zero at once
instead of leaving workers to fail and restart."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.errors import SupportbotError
from bot.storage.database import DATABASE_URL_ENV, create_database_engine, database_url, migrate


class StartupError(SupportbotError):
    pass


def check_data_dir(settings: Settings) -> None:
    folder = Path(settings.paths.data_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StartupError(
            f"The data directory {folder} does not exist and cannot be created "
            f"({error.strerror}). Create it, or point paths.data_dir in the config at a "
            f"writable folder.") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StartupError(
            f"The data directory {folder} is not writable by this user. Fix its "
            f"permissions, or point paths.data_dir in the config at a writable folder.")


def check_database(settings: Settings) -> None:
    url = database_url(settings.paths.data_dir)
    where = make_url(url).render_as_string(hide_password=True)
    try:
        engine = create_database_engine(url)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            migrate(engine)
        finally:
            engine.dispose()
    except Exception as error:  # the driver's own error: its first line says the most
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise StartupError(
            f"The database at {where} cannot be used: {first}. Check that it exists and "
            f"accepts this user (for SQLite, that the file and its folder are writable; for "
            f"PostgreSQL, that the server runs and {DATABASE_URL_ENV} names a database "
            f"you may write to).") from None


def check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            why = ("another program is listening there" if error.errno == errno.EADDRINUSE
                   else error.strerror)
            raise StartupError(
                f"Cannot listen on {host}:{port}: {why}. Stop that program, or choose "
                f"another port with --port (or PORT for scripts/run.sh).") from None
