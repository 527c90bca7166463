"""CLI verbs for Rasa: `supportbot actions` (our rasa_sdk action server) and
`supportbot export rasa DIR` (a Rasa project that uses our NLU and desk). docs/rasa.md."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.cli import _PARSER_EXTENSIONS, command
from bot.config import Settings


def _add_verbs(verbs: Any) -> None:
    actions = verbs.add_parser("actions", help="serve our actions to a Rasa assistant "
                                               "(rasa_sdk action server; docs/rasa.md)")
    actions.add_argument("--host", default="127.0.0.1")
    actions.add_argument("--port", type=int, default=5055)
    export = verbs.add_parser("export", help="write a project for another tool")
    kinds = export.add_subparsers(dest="export_kind", required=True)
    rasa = kinds.add_parser("rasa", help="a trainable Rasa 3.x project using our NLU and desk")
    rasa.add_argument("dir", help="the project folder (created)")
    rasa.add_argument("--server-url", default="http://127.0.0.1:8000",
                      help="where Rasa reaches our server (its NLU)")
    rasa.add_argument("--actions-url", default="http://127.0.0.1:5055",
                      help="where Rasa reaches `supportbot actions`")
    rasa.add_argument("--callback-url", default="http://127.0.0.1:5034/bot",
                      help="Rasa's callback channel: where the user's side listens")


_PARSER_EXTENSIONS.append(_add_verbs)


@command("actions")
def _actions(args: argparse.Namespace, settings: Settings) -> int:
    from actions.rasa_action_server import serve

    serve(Path(settings.paths.responses), list(settings.language.supported), args.host,
          args.port)
    return 0


@command("export")
def _export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.channels.rasa.export import export_project
    from bot.knowledge.replies import read_reply_catalog

    replies = read_reply_catalog(Path(settings.paths.responses), settings.language.supported)
    written = export_project(Path(args.dir), settings, replies, args.server_url,
                             args.actions_url, args.callback_url)
    print(f"wrote {len(written)} files into {args.dir}; next: rasa train core "
          f"(in {args.dir}), then docs/rasa.md")
    return 0
