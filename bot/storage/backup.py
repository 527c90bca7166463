"""Backups and restores.

SQLite: one .tar holding a manifest, a copy of the database made with SQLite's online
backup API (a consistent snapshot, taken while the server keeps running) and the
attachments folder, copied after the snapshot (so every file the snapshot names is
there, unless it was erased in between). Restoring writes the copy into the configured
database through the same API, and puts the files back; it refuses while a server holds
the database (every server process holds a shared lock beside it) unless forced.

PostgreSQL: `pg_dump -Fc` (and `pg_restore --clean --if-exists`), run with the password in
the environment, never on the command line.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bot.errors import SupportbotError

FORMAT, VERSION = "supportbot-backup", 1
MANIFEST, DATABASE, FILES = "manifest.json", "supportbot.sqlite3", "attachments"
_FILE_NAME = re.compile(r"^attachments/[0-9a-f]{2}/[0-9a-f]{32}(\.thumb)?$")
_held: list[Any] = []  # the in-use locks of this process, released when it exits


class BackupError(SupportbotError):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class Summary:
    conversations: int
    messages: int
    files: int

    def counts(self) -> str:
        return (f"{self.conversations} conversation(s), {self.messages} message(s), "
                f"{self.files} file(s)")


# --- in use -----------------------------------------------------------------------------
def _in_use_lock(database: Path) -> Path:
    return Path(f"{database}-in-use.lock")


def hold(database: str | Path) -> None:
    """Mark this process as serving the database (a shared lock, for its whole life)."""
    handle = _in_use_lock(Path(database)).open("a")
    fcntl.flock(handle, fcntl.LOCK_SH)
    _held.append(handle)


def in_use(database: str | Path) -> bool:
    """True when a server process on this host holds the database."""
    lock = _in_use_lock(Path(database))
    if not lock.exists():
        return False
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


# --- SQLite -----------------------------------------------------------------------------
def backup_sqlite(database: Path, attachments: Path, out: Path) -> Summary:
    if not database.exists():
        raise BackupError(f"{database}: no database to back up")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".backup-") as work:
        copy = Path(work) / DATABASE
        source = sqlite3.connect(database, timeout=30)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # in one step: one consistent snapshot
            target.execute("PRAGMA journal_mode=DELETE")  # the copy stands alone
            summary = _summary(target, 0)
        finally:
            target.close()
            source.close()
        names = _attachment_files(attachments)
        summary = Summary(summary.conversations, summary.messages, _attachments_in(names))
        manifest = {"format": FORMAT, "version": VERSION, "created_at": time.time(),
                    "database": "sqlite", "conversations": summary.conversations,
                    "messages": summary.messages, "files": summary.files}
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            data = json.dumps(manifest, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(time.time())
            archive.addfile(info, io.BytesIO(data))
            archive.add(copy, DATABASE)
            for path in names:
                archive.add(path, f"{FILES}/{path.parent.name}/{path.name}")
        os.replace(partial, out)  # a crash leaves the previous backup, never half of one
    return summary


def restore_sqlite(archive_path: Path, database: Path, attachments: Path,
                   force: bool = False) -> Summary:
    if in_use(database) and not force:
        raise BackupError(f"{database} is in use by a running server: stop it first (or "
                          "repeat with --force to write into the live database)")
    try:
        archive = tarfile.open(archive_path, "r:")  # noqa: SIM115 - closed by the with below
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{archive_path}: not a supportbot backup ({error})") from None
    with archive, tempfile.TemporaryDirectory(dir=database.parent, prefix=".restore-") as work:
        _manifest(archive, archive_path)
        copy = Path(work) / DATABASE
        _extract(archive, DATABASE, copy, archive_path)
        _check_database(copy, archive_path)
        members = [m for m in archive.getmembers() if m.name.startswith(FILES + "/")]
        bad = [m.name for m in members if not (m.isfile() and _FILE_NAME.match(m.name))]
        if bad:
            raise BackupError(f"{archive_path}: unexpected entries {bad[:3]}: not restored")
        staged = Path(work) / FILES
        for member in members:
            _extract(archive, member.name, staged / Path(member.name).relative_to(FILES),
                     archive_path)
        if not database.exists():
            # A log left by a deleted database would be replayed into the new one.
            for suffix in ("-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
        source, target = sqlite3.connect(copy), sqlite3.connect(database, timeout=30)
        try:
            source.backup(target)
            summary = _summary(target, _attachments_in([Path(m.name) for m in members]))
        finally:
            target.close()
            source.close()
        _replace_folder(staged, attachments)
    return summary


def _manifest(archive: tarfile.TarFile, path: Path) -> dict[str, Any]:
    try:
        member = archive.getmember(MANIFEST)
        handle = archive.extractfile(member)
        manifest = json.loads(handle.read()) if handle is not None else None
    except (KeyError, ValueError, tarfile.TarError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: not a supportbot backup (no manifest): nothing restored")
    if manifest.get("version") != VERSION:
        raise BackupError(f"{path}: backup format version {manifest.get('version')} is not "
                          f"{VERSION}: restore it with the version that made it")
    return manifest


def _extract(archive: tarfile.TarFile, name: str, to: Path, path: Path) -> None:
    try:
        member = archive.getmember(name)
        handle = archive.extractfile(member) if member.isfile() else None
    except KeyError:
        handle = None
    if handle is None:
        raise BackupError(f"{path}: {name} is missing from the backup: nothing restored")
    to.parent.mkdir(parents=True, exist_ok=True)
    with handle, to.open("wb") as out:
        shutil.copyfileobj(handle, out)


def _check_database(copy: Path, path: Path) -> None:
    try:
        connection = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        try:
            ok = connection.execute("PRAGMA integrity_check").fetchone()[0]
            versions = connection.execute("SELECT max(version) FROM schema_version").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path}: the database in the backup is unreadable ({error}): "
                          "nothing restored") from None
    if ok != "ok" or versions is None or versions[0] is None:
        raise BackupError(f"{path}: the database in the backup is damaged: nothing restored")


def _summary(connection: sqlite3.Connection, files: int) -> Summary:
    def count(table: str) -> int:
        with contextlib.suppress(sqlite3.DatabaseError):
            return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        return 0

    return Summary(count("conversations"), count("messages"), files)


def _attachment_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.glob("*/*")
                  if path.is_file() and _FILE_NAME.match(f"{FILES}/{path.parent.name}/"
                                                         f"{path.name}"))


def _attachments_in(paths: list[Path]) -> int:
    """Attachments, not files: an image's thumbnail travels beside it."""
    return len({path.name.split(".")[0] for path in paths})


def _replace_folder(staged: Path, folder: Path) -> None:
    """The backup's files take the place of the current ones (files added since the
    backup belonged to conversations the restored database does not have)."""
    staged.mkdir(parents=True, exist_ok=True)
    old = folder.with_name(folder.name + ".before-restore")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        os.replace(folder, old)
    shutil.move(str(staged), str(folder))
    shutil.rmtree(old, ignore_errors=True)


# --- PostgreSQL -------------------------------------------------------------------------
def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment carrying it."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)
    return uri, env


def _schema(url: str) -> str | None:
    """The schema named by `options=-csearch_path=NAME` in the URL, if any: a deployment
    that shares a database keeps supportbot in its own schema, and its backup and restore
    must touch that schema only."""
    options = make_url(url).query.get("options", "")
    for option in (options if isinstance(options, tuple) else (options,)):
        found = re.search(r"-c\s*search_path\s*=\s*([A-Za-z_][A-Za-z0-9_]*)", option)
        if found:
            return found.group(1)
    return None


def _schema_option(url: str) -> list[str]:
    schema = _schema(url)
    return [f"--schema={schema}"] if schema else []


def pg_dump_command(url: str, out: Path) -> list[str]:
    return ["pg_dump", "--format=custom", "--no-owner", *_schema_option(url),
            f"--file={out}", f"--dbname={_libpq(url)[0]}"]


def pg_restore_command(url: str, archive: Path) -> list[str]:
    return ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
            *_schema_option(url), f"--dbname={_libpq(url)[0]}", str(archive)]


def run_pg(command: list[str], url: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed here; run it where it is: "
                          + " ".join(command))
    done = subprocess.run(command, env=_libpq(url)[1], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        problem = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{command[0]} failed ({done.returncode}): {problem}")
