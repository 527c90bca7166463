"""CLI verbs for a trader's data and the database: `privacy erase|export|sweep`, `backup`,
`restore`. Each says what it did in one line of counts; none prints what a trader wrote."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli import _PARSER_EXTENSIONS, command
from bot.config import Settings
from bot.errors import SupportbotError


def _trader_options(parser: Any) -> None:
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--uid", help="the exchange UID (conversations the exchange verified)")
    who.add_argument("--conversation", help="one conversation id")
    who.add_argument("--telegram-user", type=int, help="a Telegram user id")
    who.add_argument("--channel", help="a channel (web, api, telegram) with --channel-key")
    parser.add_argument("--channel-key", help="the channel's key for the trader")


def _add_verbs(verbs: Any) -> None:
    privacy = verbs.add_parser("privacy", help="a trader's data: erase, export; retention")
    actions = privacy.add_subparsers(dest="privacy_command", required=True)
    erase = actions.add_parser("erase", help="erase a trader's transcripts and files")
    _trader_options(erase)
    erase.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    erase.add_argument("--force", action="store_true",
                       help="also erase open conversations (their cases are closed first)")
    export = actions.add_parser("export", help="a trader's data as JSON (or .zip with files)")
    _trader_options(export)
    export.add_argument("--out", required=True, help="FILE.json, or FILE.zip with the files")
    sweep = actions.add_parser("sweep", help="erase what is older than the retention period")
    sweep.add_argument("--dry-run", action="store_true", help="count, erase nothing")

    backup = verbs.add_parser("backup", help="back up the database and files (SQLite: a .tar "
                                             "made while the server runs; PostgreSQL: pg_dump)")
    backup.add_argument("file")
    restore = verbs.add_parser("restore", help="restore a backup into the configured database")
    restore.add_argument("file")
    restore.add_argument("--force", action="store_true",
                         help="even while a server holds the database (SQLite), or at all "
                              "(PostgreSQL: stop every server first)")


_PARSER_EXTENSIONS.append(_add_verbs)


def _engine(settings: Settings) -> Any:
    from bot.storage.database import create_database_engine, database_url, migrate

    engine = create_database_engine(database_url(settings.paths.data_dir))
    migrate(engine)
    return engine


def _trader(args: argparse.Namespace) -> Any:
    from bot.privacy.subject import Trader

    try:
        return Trader(uid=args.uid, conversation_id=args.conversation,
                      telegram_user=args.telegram_user, channel=args.channel,
                      channel_key=args.channel_key)
    except ValueError as error:
        raise SupportbotError(str(error)) from None


def _operator() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (a container)
        return "unknown"


@command("privacy")
def _privacy(args: argparse.Namespace, settings: Settings) -> int:
    from bot.attachments import attachment_store

    engine = _engine(settings)
    store = attachment_store(engine, settings.paths.data_dir)
    if args.privacy_command == "sweep":
        from bot.privacy.retention import sweep

        print(sweep(engine, store, settings.retention, dry_run=args.dry_run).line())
        return 0
    trader = _trader(args)
    if args.privacy_command == "export":
        return _export(engine, store, trader, Path(args.out))
    return _erase(engine, store, trader, args, settings)


def _erase(engine: Any, store: Any, trader: Any, args: argparse.Namespace,
           settings: Settings) -> int:
    from bot.conversations.erasure import find
    from bot.privacy.erasure import Actor, Outcome, erase_trader
    from bot.storage.database import reading

    if not args.yes:
        with reading(engine) as connection:
            found = len(find(connection, lock=False, **trader.lookup()))
        if found and not _confirmed(f"erase {found} conversation(s) of {trader.describe()}? "
                                    "This cannot be undone. [y/N] "):
            print("nothing erased")
            return 1
    actor = Actor(0, f"cli:{_operator()}"[:64])
    result = erase_trader(engine, store, trader, actor, force=args.force,
                          vacuum=settings.retention.vacuum)
    print(result.line())
    return 0 if result.outcome is Outcome.ERASED else 1


def _confirmed(question: str) -> bool:
    if not sys.stdin.isatty():
        raise SupportbotError("not a terminal: repeat with --yes to erase without asking")
    return input(question).strip().lower() in ("y", "yes")


def _export(engine: Any, store: Any, trader: Any, out: Path) -> int:
    from bot.privacy.export import as_zip, export_trader, record_export

    document = export_trader(engine, trader)
    if document is None:
        print(f"no conversations found for {trader.describe()}")
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".zip":
        out.write_bytes(as_zip(document, store))
    else:
        out.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    record_export(engine, 0, f"cli:{_operator()}"[:64], document)
    messages = sum(len(c["messages"]) for c in document["conversations"])
    files = sum(len(c["attachments"]) for c in document["conversations"])
    print(f"exported {len(document['conversations'])} conversation(s) of "
          f"{trader.describe()}: {messages} message(s), {files} file(s) → {out}")
    return 0


def _sqlite_paths(settings: Settings, url: str) -> tuple[Path, Path]:
    from sqlalchemy.engine import make_url

    database = Path(str(make_url(url).database)).resolve()
    return database, database.parent / "attachments"


@command("backup")
def _backup(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage import backup
    from bot.storage.database import database_url

    url = database_url(settings.paths.data_dir)
    out = Path(args.file)
    if url.startswith("postgresql"):
        backup.run_pg(backup.pg_dump_command(url, out), url)
        print(f"PostgreSQL dumped with pg_dump (custom format) → {out}; restore it with "
              "`supportbot restore FILE --force` (pg_restore --clean --if-exists)")
        return 0
    database, files = _sqlite_paths(settings, url)
    summary = backup.backup_sqlite(database, files, out)
    print(f"backed up {summary.counts()} → {out}")
    return 0


@command("restore")
def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage import backup
    from bot.storage.database import database_url

    url = database_url(settings.paths.data_dir)
    archive = Path(args.file)
    if not archive.is_file():
        raise SupportbotError(f"{archive}: no such file")
    if url.startswith("postgresql"):
        if not args.force:
            raise SupportbotError("restoring PostgreSQL replaces every table: stop every "
                                  "server, then repeat with --force")
        backup.run_pg(backup.pg_restore_command(url, archive), url)
        print(f"PostgreSQL restored from {archive} (pg_restore --clean --if-exists)")
        return 0
    database, files = _sqlite_paths(settings, url)
    summary = backup.restore_sqlite(archive, database, files, force=args.force)
    _engine(settings)  # an older backup's schema is brought up to date
    print(f"restored {summary.counts()} from {archive} → {database}")
    return 0
