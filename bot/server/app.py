"""The ASGI app, composed in one place: API routers, health, metrics, static UIs."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from anyio import to_thread
from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute
from prometheus_client import generate_latest
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot import __version__
from bot.attachments import attachment_store
from bot.incidents.templates import read_templates, templates_path
from bot.ops.runtime import OpsRuntime
from bot.privacy.retention import run_sweeper
from bot.server import (
    api_agent,
    api_attachments,
    api_conversations,
    api_identity,
    api_incidents,
    api_privacy,
    api_rasa,
    api_second_factor,
    metrics,
    web_console,
    web_widget,
)
from bot.server.auth import CodedError
from bot.server.body_limit import BodyLimit
from bot.server.change_bus import change_bus
from bot.server.cross_origin import WidgetCors
from bot.server.live import LiveHub
from bot.server.login_throttle import LoginThrottle
from bot.server.schemas import errors
from bot.server.security_headers import SecurityHeaders
from bot.server.services import Services
from bot.server.turns import TurnRunner
from bot.storage.backup import hold as hold_database
from bot.storage.database import reading
from bot.storage.scrub import sqlite_path

MAX_BODY_BYTES = 64 * 1024
REQUEST_THREADS = int(os.environ.get("SUPPORTBOT_REQUEST_THREADS", "4"))


def create_app(services: Services, background: bool = True,
               extra_tasks: tuple[Callable[[], Coroutine[Any, Any, None]], ...] = ()) -> FastAPI:
    hub = LiveHub()
    services.dialogue.listeners.append(hub.changed)
    # Other processes' changes wake this one's clients; this one's wake theirs.
    bus = change_bus(services.db)
    services.dialogue.listeners.append(bus.publish)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub.bind(asyncio.get_running_loop())
        bus.start(hub.changed, hub.wake_everyone)
        # Pages and freezes leave from a worker thread of every process (bot.ops).
        ops = OpsRuntime(services.db, services.settings, services.dialogue,
                         observe=lambda kind, outcome:
                         metrics.WEBHOOK_ATTEMPTS.labels(kind, outcome).inc())
        app.state.ops = ops
        ops.start()
        # Request handlers are CPU work under one GIL: a few threads keep both the cores
        # and the understanding thread's batches full, while anyio's default of 40 only
        # adds GIL hand-offs. Extra requests wait their turn in the event loop, for free.
        to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
        tasks = ([asyncio.create_task(_reaper(services)),
                  asyncio.create_task(_release_withheld(services)),
                  asyncio.create_task(_answer_orphans(services)),
                  # Transcripts past the retention period (one process sweeps).
                  asyncio.create_task(run_sweeper(services, app.state.attachments))]
                 if background else [])
        if background and (database := sqlite_path(services.db)):
            hold_database(database)  # `supportbot restore` waits until this server stops
        for start in extra_tasks:
            tasks.append(asyncio.create_task(start()))
        yield
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await asyncio.to_thread(ops.stop)
        services.dialogue.parser.close()  # the routine-understanding child, if started
        bus.close()
        with contextlib.suppress(ValueError):
            services.dialogue.listeners.remove(bus.publish)

    app = FastAPI(title="supportbot", version=__version__, lifespan=lifespan,
                  description="Multilingual support assistant with human handoff.")
    app.state.services = services
    app.state.hub = hub
    app.state.turns = TurnRunner(services.dialogue)
    app.state.login_throttle = LoginThrottle()
    app.state.login_checks = None  # a limiter, made in the event loop on first use
    app.state.second_factor_throttle = api_second_factor.code_throttle()
    # Files beside the SQLite database, or rows in PostgreSQL (bot.attachments.storage).
    app.state.attachments = attachment_store(services.db, services.settings.paths.data_dir)
    # Incident templates (responses/incidents.yml): a malformed file stops start-up here,
    # with its file and line.
    app.state.incident_templates = read_templates(
        templates_path(services.settings.paths.responses), services.settings.language.supported)
    metrics.register_queue_collector(services.db)

    # Uploads (a user's or an agent's file) get the attachment limit; every other path
    # keeps the JSON one.
    upload_bytes = services.settings.limits.attachment_bytes + api_attachments.UPLOAD_HEADROOM
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES,
                       larger=(("POST", api_attachments.UPLOAD_PATH, upload_bytes),))
    app.add_middleware(SecurityHeaders)
    app.add_middleware(WidgetCors, allowed_origins=services.settings.web.allowed_origins)

    app.include_router(api_conversations.router)
    app.include_router(api_identity.router)
    app.include_router(api_attachments.router)
    app.include_router(api_agent.router)
    app.include_router(api_second_factor.router)
    app.include_router(api_incidents.widget_router)
    app.include_router(api_incidents.agent_router)
    app.include_router(api_privacy.router)
    app.include_router(api_rasa.router)
    app.include_router(web_widget.router)
    app.include_router(web_console.router)
    api_incidents.document_templates(app)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 405:
            # Starlette names only the first route that matched the path; a path served by
            # several routes (GET and POST /messages) allows all of their methods.
            allowed = sorted({method for route in app.routes if isinstance(route, APIRoute)
                              and route.path_regex.match(request.url.path)
                              for method in route.methods or ()})
            return JSONResponse({"detail": "Method Not Allowed"}, status_code=405,
                                headers={"Allow": ", ".join(allowed)})
        if isinstance(error, CodedError):  # e.g. second_factor_required
            return JSONResponse({"detail": error.detail, "code": error.code},
                                status_code=error.status_code, headers=error.headers)
        return await http_exception_handler(request, error)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        # FastAPI's own answer echoes each bad value back ("input"): for a message that
        # holds a seed phrase beside a bad character, the secret in clear (0.11.13 trial).
        # Where and what is wrong is enough to fix a request.
        details = [{key: value for key, value in entry.items() if key not in ("input", "ctx")}
                   for entry in error.errors()]
        return JSONResponse({"detail": jsonable_encoder(details)}, status_code=422)

    @app.get("/healthz", tags=["ops"], responses=errors(503))
    def healthz() -> dict[str, Any]:
        try:
            with reading(services.db) as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            raise HTTPException(503, "the database is unreachable") from None
        return {"status": "ok", "version": __version__, "database": services.db.dialect.name,
                "children": {"routine_understanding": services.dialogue.parser.routine_state()}}

    @app.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
    def prometheus() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(metrics.REGISTRY).decode(),
                                 media_type="text/plain; version=0.0.4")

    return app


async def _reaper(services: Services) -> None:
    """Every few seconds: conversations of agents who went silent return to the queue."""
    interval = max(5, services.settings.handoff.heartbeat_timeout_seconds // 3)
    while True:
        await asyncio.sleep(interval)
        with contextlib.suppress(Exception):  # a database hiccup must not kill the loop
            await asyncio.to_thread(services.desk.requeue_silent_agents)


async def _answer_orphans(services: Services) -> None:
    """Messages a dead process stored and acknowledged but never answered: any live
    process answers them (it may be this one after a restart)."""
    interval = max(5.0, services.settings.limits.orphan_seconds / 3)
    while True:
        await asyncio.sleep(interval)
        with contextlib.suppress(Exception):  # a database hiccup must not kill the loop
            answered = await asyncio.to_thread(services.dialogue.answer_orphans)
            metrics.ORPHANS_ANSWERED.inc(answered)


async def _release_withheld(services: Services) -> None:
    """Seed words held back for a next message that never came are shown in clear once
    `safety.withhold_seconds` have passed (any worker may do it: each row is settled in
    one transaction)."""
    interval = max(1.0, min(5.0, services.settings.safety.withhold_seconds / 4))
    while True:
        await asyncio.sleep(interval)
        with contextlib.suppress(Exception):  # a database hiccup must not kill the loop
            for conversation_id in await asyncio.to_thread(
                    services.dialogue.withheld.release_expired):
                services.dialogue.notify(conversation_id)
