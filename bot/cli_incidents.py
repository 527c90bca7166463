"""CLI verbs for incident mode: declare an outage or a market event, end it, show it.

    supportbot incident start --template withdrawals_delayed [--title TEXT]
                              [--banner LANG=TEXT ...] [--keywords w1,w2]
    supportbot incident end
    supportbot incident show
    supportbot incident templates

Every server process picks the change up within `incidents.cache_seconds`.
"""

from __future__ import annotations

import argparse
import getpass
import json
import time
from typing import Any

from bot.cli import _PARSER_EXTENSIONS, command
from bot.config import Settings
from bot.errors import SupportbotError


def _add_verbs(verbs: Any) -> None:
    incident = verbs.add_parser("incident", help="incident mode: a status banner for "
                                                 "traders, grouped cases for agents")
    actions = incident.add_subparsers(dest="incident_command", required=True)
    start = actions.add_parser("start", help="declare an incident from a template")
    start.add_argument("--template", required=True,
                       help="a template of responses/incidents.yml (see 'incident templates')")
    start.add_argument("--title", help="the name agents see on the group card")
    start.add_argument("--banner", action="append", default=[], metavar="LANG=TEXT",
                       help="replace the banner in one language (repeatable); the other "
                            "languages keep the template's text")
    start.add_argument("--keywords", default="",
                       help="extra comma-separated words that tie a message to it")
    actions.add_parser("end", help="end the active incident (the banner goes)")
    show = actions.add_parser("show", help="the active incident and the latest ones")
    show.add_argument("--json", action="store_true")
    actions.add_parser("templates", help="list the templates")


_PARSER_EXTENSIONS.append(_add_verbs)


def parse_banners(values: list[str], languages: tuple[str, ...]) -> dict[str, str]:
    """['de=Auszahlungen …', 'zh=…'] → {lang: text}, refusing what cannot be meant."""
    banners: dict[str, str] = {}
    for value in values:
        lang, sep, text = value.partition("=")
        lang = lang.strip().lower()
        if not sep or not text.strip():
            raise SupportbotError(f"--banner '{value[:40]}': write LANG=TEXT, e.g. "
                                  "--banner 'en=Withdrawals are delayed.'")
        if lang not in languages:
            raise SupportbotError(f"--banner: unknown language '{lang}'; use one of "
                                  f"{', '.join(languages)}")
        if lang in banners:
            raise SupportbotError(f"--banner: '{lang}' is given twice; keep one")
        banners[lang] = text.strip()
    return banners


def _operator() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (a bare container)
        return "operator"


@command("incident")
def _incident(args: argparse.Namespace, settings: Settings) -> int:
    from bot.incidents.store import IncidentError, IncidentStore
    from bot.incidents.templates import read_templates, templates_path
    from bot.storage.database import create_database_engine, database_url, migrate
    from handoff.audit import AuditLog

    languages = tuple(settings.language.supported)
    templates = read_templates(templates_path(settings.paths.responses), languages)
    if args.incident_command == "templates":
        for template in templates.values():
            print(f"{template.name:22} {template.title}\n{'':22} {template.banner['en']}")
        return 0
    engine = create_database_engine(database_url(settings.paths.data_dir))
    migrate(engine)
    store = IncidentStore(engine)
    operator = _operator()
    try:
        if args.incident_command == "start":
            if args.template not in templates:
                raise SupportbotError(f"no template '{args.template}'; use one of "
                                      f"{', '.join(templates)}")
            template = templates[args.template]
            keywords = tuple(w.strip() for w in args.keywords.split(",") if w.strip())
            incident, fallback = store.start(
                template, started_by=f"cli:{operator}", languages=languages,
                title=args.title, banner=parse_banners(args.banner, languages),
                keywords=keywords)
            AuditLog(engine).record_operator(operator, "incident_start",
                                             f"incident #{incident.id} ({template.name})")
            print(f"incident #{incident.id} started: {incident.title}")
            custom = [lang for lang in languages if lang not in fallback]
            if custom:
                print(f"  your banner: {', '.join(custom)}; the template's text: "
                      f"{', '.join(fallback)}")
            print(f"  servers show it within {settings.incidents.cache_seconds:g} s")
        elif args.incident_command == "end":
            ended = store.end(f"cli:{operator}")
            AuditLog(engine).record_operator(operator, "incident_end",
                                             f"incident #{ended.id} ({ended.template})")
            print(f"incident #{ended.id} ended: {ended.title}")
        else:
            _show(store, args.json)
    except IncidentError as error:
        raise SupportbotError(str(error)) from None
    return 0


def _show(store: Any, as_json: bool) -> None:
    active = store.active()
    recent = store.recent()
    if as_json:
        print(json.dumps({"active": active.as_dict() if active else None, "recent": recent},
                         ensure_ascii=False))
        return
    if active is None:
        print("no incident is active")
    else:
        since = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(active.started_at))
        print(f"ACTIVE #{active.id}: {active.title} (template {active.template}, since "
              f"{since}, by {active.started_by})")
        print(f"  en: {active.banner_in('en')}")
    for row in recent:
        if active is not None and row["id"] == active.id:
            continue
        ended = time.strftime("%Y-%m-%d %H:%M", time.gmtime(row["ended_at"])) \
            if row["ended_at"] else "—"
        print(f"  #{row['id']} {row['title']} (ended {ended})")
