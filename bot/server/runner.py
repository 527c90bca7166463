"""`supportbot run`: train if needed, then serve with uvicorn."""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

import uvicorn

from bot.config import Settings, load_settings
from bot.conversations.withheld import withhold_key
from bot.identity.service import status_line as identity_status_line
from bot.incidents.templates import read_templates, templates_path
from bot.nlu.pipeline import NLU
from bot.nlu.warm_up import warm_up
from bot.ops.runtime import status_lines
from bot.server.http_protocol import GuardedHttpProtocol
from bot.server.preflight import check_data_dir, check_database, check_port
from bot.server.services import Services, build_services, load_nlu
from bot.storage.leader import try_lead

WORKERS_ENV = "SUPPORTBOT_WORKERS"
# The models the start-up check loaded, for the one worker that runs in this process
# (`--workers 1`): loading them a second time cost 5-7 s of every start (0.11.26).
# Several workers are processes of their own and load their own.
_CHECKED_MODELS: list[NLU] = []


def serve(settings: Settings, host: str, port: int, workers: int, train: bool) -> int:
    # Everything a worker needs is checked here, once, before the banner: a problem is one
    # paragraph and a non-zero exit, not workers failing and restarting.
    check_port(host, port)
    check_data_dir(settings)
    check_database(settings)
    # A malformed incident template file is named, with its line, here (not in a worker).
    read_templates(templates_path(settings.paths.responses), settings.language.supported)
    if workers > 1 and os.environ.get("TELEGRAM_BOT_TOKEN") and \
            settings.channels.telegram.mode == "webhook":
        # Telegram posts to whichever worker the kernel picks, but one worker owns the
        # channel; polling mode has no such problem (the leader polls).
        print("Telegram webhook mode runs with one worker; use polling mode for --workers > 1")
        workers = 1
    # Train once here, not in every worker; loaded as a worker loads it (its share of
    # the cores), so that one worker, which uvicorn runs in this process, can keep it.
    checked = load_nlu(share_cores(settings, workers), train_if_needed=train)
    if workers == 1:
        _CHECKED_MODELS.append(checked)
    del checked
    # Every worker shares the cores: its BLAS threads are its share of them, because
    # oversubscribed threads make the embedder many times slower.
    os.environ[WORKERS_ENV] = str(workers)
    # Seed words held back between two messages are sealed with this key; made here (if
    # the operator set none) so that every worker can open what another sealed.
    withhold_key()
    base = f"http://{host}:{port}"
    telegram = "on (" + settings.channels.telegram.mode + ")" if os.environ.get(
        "TELEGRAM_BOT_TOKEN") else "off (set TELEGRAM_BOT_TOKEN to enable)"
    print(f"supportbot on {base}\n  chat widget demo  {base}/\n  agent console     {base}/agent\n"
          f"  API docs          {base}/docs\n  health            {base}/healthz\n"
          f"  metrics           {base}/metrics\n  Telegram          {telegram}\n"
          f"  identity          {identity_status_line()}\n"
          f"  Rasa              {rasa_status_line()}\n"
          + "".join(line + "\n" for line in status_lines(settings))
          + "Create the first agent account (no default account exists):\n"
          "  .venv/bin/supportbot agent add alice --languages en,zh", flush=True)
    GuardedHttpProtocol.configure(settings.limits)
    uvicorn.run("bot.server.runner:app_factory", factory=True, host=host, port=port,
                workers=workers, log_level="info", access_log=False,
                http=GuardedHttpProtocol,
                # The client address (sign-in throttling) comes from X-Forwarded-For only
                # when the connection is from a listed proxy; uvicorn would otherwise
                # trust 127.0.0.1.
                forwarded_allow_ips=list(settings.limits.trusted_proxies))
    return 0


def app_factory() -> Any:
    """Each worker process builds its own services from the same config and database."""
    settings = load_settings(os.environ.get("SUPPORTBOT_CONFIG", "config.yml"))
    workers = int(os.environ.get(WORKERS_ENV, "1") or 1)
    GuardedHttpProtocol.configure(settings.limits)  # this worker's connections
    try:
        services = build_services(share_cores(settings, workers),
                                  nlu=_CHECKED_MODELS.pop() if _CHECKED_MODELS else None)
    except Exception as error:
        # The checks passed in the parent, so this is rare (the database went away in
        # between): stop the whole server rather than restart this worker forever.
        print(f"error: a worker could not start: {error}", file=sys.stderr, flush=True)
        if workers > 1:
            os.kill(os.getppid(), signal.SIGTERM)
        raise SystemExit(3) from None
    # A server starts its routine-understanding child now (limits.routine_process): when
    # a flood comes, the models are already loaded there.
    services.dialogue.parser.start_routine()
    # While it loads: this process's own first messages must not pay the models'
    # first-use costs (bot/nlu/warm_up.py), the first one may be a takeover report.
    warmed = warm_up(services.nlu)
    print(f"models warmed up in {warmed:.1f} s (pid {os.getpid()})", flush=True)
    app = compose(services)
    # The models are hundreds of thousands of long-lived objects: moved out of the
    # collector's sight, every garbage collection during a request gets cheaper. What
    # the warm-up left behind is collected first, not frozen with them.
    gc.collect()
    gc.freeze()
    return app


def share_cores(settings: Settings, workers: int, cores: int | None = None) -> Settings:
    """The settings with each embedder's threads cut to this worker's share of the cores.

    One share is kept back for what is not the models: the event loop, the request
    threads, the database, the other workers' GIL-bound work. BLAS threads that find their
    core busy spin instead of working: with one worker and two BLAS threads on 2 cores, a
    turn cost 16.3 ms of CPU under load; with one BLAS thread 9.3 ms, and 9% more turns/s.
    """
    cores = cores or os.cpu_count() or 1
    share = max(1, cores // (workers + 1))
    backends = tuple(backend.model_copy(update={"threads": min(backend.threads, share)})
                     for backend in settings.embeddings.backends)
    embeddings = settings.embeddings.model_copy(update={"backends": backends})
    return settings.model_copy(update={"embeddings": embeddings})


def compose(services: Services) -> Any:
    """The app, plus Telegram when TELEGRAM_BOT_TOKEN is set."""
    from bot.channels.telegram import (
        BASE_URL_ENV,
        SECRET_ENV,
        TOKEN_ENV,
        TelegramChannel,
        webhook_router,
    )
    from bot.server.app import create_app

    partners = rasa_outbox(services)
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        return create_app(services, extra_tasks=partners)
    if not try_lead(services.db, "telegram", services.settings.paths.data_dir):
        print(f"Telegram: another worker runs it (pid {os.getpid()} serves HTTP only)",
              flush=True)
        return create_app(services, extra_tasks=partners)
    # httpx logs request URLs, and Telegram's URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    channel = TelegramChannel(services, token, os.environ.get(BASE_URL_ENV) or None)
    app = create_app(services, extra_tasks=(channel.run, *partners))
    telegram = services.settings.channels.telegram
    if telegram.mode == "webhook":
        if not os.environ.get(SECRET_ENV):
            print(f"warning: set {SECRET_ENV}; webhook requests are rejected without it")
        app.include_router(webhook_router(channel, telegram.webhook_path))
    app.state.telegram = channel
    return app


def rasa_outbox(services: Services) -> tuple[Callable[[], Coroutine[Any, Any, None]], ...]:
    """The way back to Rasa users (bot.channels.rasa.sending), when SUPPORTBOT_RASA_URL
    says where Rasa's HTTP API is; one process sends it."""
    from bot.channels.rasa import AUTH_TOKEN_ENV, URL_ENV
    from bot.channels.rasa.sending import RasaChannel

    url = os.environ.get(URL_ENV, "").strip()
    if not url or not try_lead(services.db, "rasa", services.settings.paths.data_dir):
        return ()
    channel = RasaChannel(services.dialogue, url, os.environ.get(AUTH_TOKEN_ENV) or None)
    return (channel.run,)


def rasa_status_line() -> str:
    from bot.channels.rasa import AUTH_TOKEN_ENV, TOKEN_ENV, URL_ENV

    if not os.environ.get(TOKEN_ENV):
        return f"off (set {TOKEN_ENV} to serve a Rasa assistant; docs/rasa.md)"
    back = os.environ.get(URL_ENV)
    return ("NLU and actions on; replies back through " + back +
            ("" if os.environ.get(AUTH_TOKEN_ENV) else f" (no {AUTH_TOKEN_ENV})")
            if back else f"NLU and actions on; set {URL_ENV} for agents' replies")
