"""CLI verbs for operators: run the server, chat in the terminal, manage agent accounts."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Any

from bot.cli import _PARSER_EXTENSIONS, command
from bot.config import Settings
from bot.errors import SupportbotError


def _add_verbs(verbs: Any) -> None:
    run = verbs.add_parser("run", help="start the server (API, widget, console, Telegram)")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--workers", type=int, default=1,
                     help="server processes sharing the database and the cores (SQLite on one "
                          "host; PostgreSQL also across hosts)")
    run.add_argument("--no-train", action="store_true",
                     help="fail instead of training when the model is missing or stale")

    shell = verbs.add_parser("shell", help="chat with the bot in the terminal")
    shell.add_argument("--debug", action="store_true", help="show the understanding")
    shell.add_argument("--lang", help="locale hint, e.g. zh-CN")

    agent = verbs.add_parser("agent", help="manage agent accounts")
    actions = agent.add_subparsers(dest="agent_command", required=True)
    add = actions.add_parser("add", help="create an agent (password asked, or from "
                                         "SUPPORTBOT_AGENT_PASSWORD)")
    add.add_argument("username")
    add.add_argument("--languages", default="en", help="comma-separated, e.g. en,zh")
    add.add_argument("--capacity", type=int, default=None)
    add.add_argument("--name", help="display name shown to users")
    add.add_argument("--role", choices=("agent", "supervisor"), default="agent",
                     help="supervisors read every case and the audit log")
    actions.add_parser("list", help="list agents")
    remove = actions.add_parser("remove", help="remove an agent")
    remove.add_argument("username")
    reset = actions.add_parser("reset-2fa", help="take an agent's second factor away (a lost "
                                                 "phone): they enrol again at next sign-in")
    reset.add_argument("username")


_PARSER_EXTENSIONS.append(_add_verbs)


@command("run")
def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.server.runner import serve

    os.environ["SUPPORTBOT_CONFIG"] = os.path.abspath(args.config)
    return serve(settings, args.host, args.port, args.workers, train=not args.no_train)


@command("shell")
def _shell(args: argparse.Namespace, settings: Settings) -> int:
    from bot.server.services import build_services

    services = build_services(settings, "sqlite://", train_if_needed=True)
    conversation = services.dialogue.open("shell", "terminal", "terminal user")
    print("supportbot shell — type a message; /quit to leave.")
    while True:
        try:
            text = input("you> ")
        except EOFError:
            print()
            return 0
        if text.strip() in {"/quit", "/exit"}:
            return 0
        try:
            turn = services.dialogue.handle(conversation, text, locale=args.lang)
        except SupportbotError as error:
            print(f"! {error}")
            continue
        if args.debug and turn.understanding is not None:
            shown = turn.understanding.as_dict()
            shown.pop("text")
            print(json.dumps(shown, ensure_ascii=False, indent=1))
        for reply in turn.replies:
            buttons = " ".join(f"[{b['title']} → {b['payload']}]" for b in reply["quick_replies"])
            print(f"bot> {reply['text']}" + (f"\n     {buttons}" if buttons else ""))
        if turn.handoff:
            print(f"     (case #{turn.handoff['id']}, {turn.handoff['priority']}, "
                  f"position {turn.handoff['position']})")


@command("agent")
def _agent(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.database import create_database_engine, database_url, migrate
    from handoff.agents import AgentDirectory

    engine = create_database_engine(database_url(settings.paths.data_dir))
    migrate(engine)
    directory = AgentDirectory(engine, settings.handoff.session_hours)
    if args.agent_command == "add":
        password = os.environ.get("SUPPORTBOT_AGENT_PASSWORD")
        if not password:
            if not sys.stdin.isatty():
                raise SupportbotError("set SUPPORTBOT_AGENT_PASSWORD or run in a terminal")
            password = getpass.getpass("password: ")
            if password != getpass.getpass("again: "):
                raise SupportbotError("the passwords differ")
        languages = [code.strip() for code in args.languages.split(",") if code.strip()]
        unknown = [code for code in languages if code not in settings.language.supported]
        if unknown:
            raise SupportbotError(f"unknown languages {unknown}; use {settings.language.supported}")
        agent = directory.add(args.username, password, languages,
                              args.capacity or settings.handoff.default_capacity, args.name,
                              args.role)
        print(f"{agent.role} '{agent.username}' added (languages {','.join(agent.languages)}, "
              f"capacity {agent.capacity})")
    elif args.agent_command == "list":
        for agent in directory.list():
            print(f"{agent.username:20} {agent.display_name:20} {','.join(agent.languages):20} "
                  f"capacity {agent.capacity}  {agent.role}")
    elif args.agent_command == "reset-2fa":
        _reset_second_factor(engine, directory, args.username)
    else:
        directory.remove(args.username)
        print(f"agent '{args.username}' removed")
    return 0


def _reset_second_factor(engine: Any, directory: Any, username: str) -> None:
    from handoff.audit import AuditLog
    from handoff.second_factor import reset_second_factor

    reset_second_factor(engine, directory, AuditLog(engine), username, by=None,
                        operator=getpass.getuser())
    print(f"agent '{username}': second factor reset, sessions ended (audited); they enrol "
          "again at their next sign-in")
