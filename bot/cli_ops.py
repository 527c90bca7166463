"""CLI verbs for the webhook outbox (bot.ops): what was paged or frozen, what failed, and
sending a failed call again once its receiver is back."""

from __future__ import annotations

import argparse
import time
from typing import Any

from bot.cli import _PARSER_EXTENSIONS, command
from bot.config import Settings
from bot.errors import SupportbotError


def _add_verbs(verbs: Any) -> None:
    hooks = verbs.add_parser("webhooks", help="on-call pages and withdrawal freezes: list, "
                                              "retry")
    actions = hooks.add_subparsers(dest="webhooks_command", required=True)
    listing = actions.add_parser("list", help="the newest calls (kind, case, state, attempts)")
    listing.add_argument("--state", choices=("pending", "sent", "failed"))
    listing.add_argument("--limit", type=int, default=20)
    again = actions.add_parser("retry", help="send a failed call again (the running servers "
                                             "pick it up)")
    again.add_argument("id", type=int)


_PARSER_EXTENSIONS.append(_add_verbs)


@command("webhooks")
def _webhooks(args: argparse.Namespace, settings: Settings) -> int:
    from bot.ops import webhooks
    from bot.storage.database import create_database_engine, database_url, migrate

    engine = create_database_engine(database_url(settings.paths.data_dir))
    migrate(engine)
    try:
        if args.webhooks_command == "retry":
            if not webhooks.retry(engine, args.id):
                raise SupportbotError(f"no failed webhook call #{args.id} "
                                      "(see: supportbot webhooks list --state failed)")
            print(f"webhook call #{args.id} is pending again")
            return 0
        rows = webhooks.recent(engine, args.state, max(1, args.limit))
        if not rows:
            print("no webhook calls" + (f" in state {args.state}" if args.state else ""))
        for row in rows:
            made = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(row.created_at))
            case = f"case #{row.handoff_id}" if row.handoff_id is not None else "no case"
            # Kind, case and outcome only: the body stays in the database.
            print(f"#{row.id:<6} {row.kind:7} {case:12} {row.state:8} "
                  f"attempts {row.attempts:<3} {made}  {row.last_error or ''}".rstrip())
        return 0
    finally:
        engine.dispose()
