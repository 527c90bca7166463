"""Incident mode over HTTP: the widget's status banner, and the console's incident form.

- `GET /api/v1/conversations/{id}/incident`: the active incident's banner in the
  conversation's language (else the browser's), or null. Public like the rest of the
  conversation API (and open to the exchange's site through CORS).
- `GET /api/v1/agent/incident`: the active incident and the templates (any agent: the
  console shows the banner to everyone).
- `POST /api/v1/agent/incident`, `POST /api/v1/agent/incident/end`: declare or end one;
  supervisors only, written to the audit log.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from bot.incidents.matching import ActiveIncident
from bot.incidents.store import (
    BadIncidentInput,
    IncidentAlreadyActive,
    IncidentStore,
    NoActiveIncident,
)
from bot.incidents.templates import MAX_BANNER_CHARS, MAX_TITLE_CHARS, IncidentTemplate
from bot.nlu.chinese_script import in_script
from bot.nlu.language import normalise_locale
from bot.server.auth import current_session
from bot.server.schemas import NO_NUL, ConversationId, errors
from handoff.agents import Session
from handoff.incident_groups import incident_groups
from handoff.queue import QueueItem
from handoff.visibility import SUPERVISOR

widget_router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"],
                          responses=errors(404))
agent_router = APIRouter(prefix="/api/v1/agent/incident", tags=["agents"],
                         responses=errors(400, 401, 403, 409))


class DeclareIncident(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template: str = Field(..., min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9_]+$",
                          description="a template of responses/incidents.yml")
    title: str | None = Field(None, min_length=1, max_length=MAX_TITLE_CHARS, pattern=NO_NUL,
                              description="the group card's name (default: the template's)")
    banner_en: str | None = Field(
        None, min_length=1, max_length=MAX_BANNER_CHARS, pattern=NO_NUL,
        description="replaces the English banner; other languages keep the template's text")


def document_templates(app: FastAPI) -> None:
    """The OpenAPI document lists the templates this server knows as the `template` enum:
    they come from responses/incidents.yml, read when the app is made, not from code."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = plain()
            field = schema["components"]["schemas"]["DeclareIncident"]["properties"][
                "template"]
            field["enum"] = sorted(app.state.incident_templates)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _services(request: Request) -> Any:
    return request.app.state.services


def templates_of(request: Request) -> dict[str, IncidentTemplate]:
    # Read and checked once when the app was made (app.py): a malformed file stops start-up.
    return dict(request.app.state.incident_templates)


def active_incident(services: Any) -> ActiveIncident | None:
    incident: ActiveIncident | None = services.dialogue.incidents.current()
    return incident


def incident_view(incident: ActiveIncident | None) -> dict[str, Any] | None:
    """What the console shows: everything but the keyword list (long, and internal)."""
    if incident is None:
        return None
    shown = incident.as_dict()
    shown.pop("keywords")
    return shown


def queue_extras(services: Any, items: list[QueueItem]) -> dict[str, Any]:
    """What the queue API and the console's stream add to the items: the active incident
    (the console's banner) and its group (handoff/incident_groups.py)."""
    incident = incident_view(active_incident(services))
    return {"incident": incident, "groups": incident_groups(items, incident)}


@widget_router.get("/{conversation_id}/incident")
def widget_banner(conversation_id: ConversationId, request: Request,
                  locale: str | None = Query(None, max_length=35, pattern=NO_NUL)
                  ) -> dict[str, Any]:
    """The status banner the widget shows at its top while an incident is declared."""
    services = _services(request)
    row = services.dialogue.store.get(conversation_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no conversation {conversation_id}")
    incident = active_incident(services)
    if incident is None:
        return {"incident": None}
    supported = services.settings.language.supported
    hinted = normalise_locale(locale)
    lang = row.lang or (hinted if hinted in supported else services.settings.language.default)
    script = row.script if row.lang else None
    return {"incident": {"id": incident.id, "lang": lang, "started_at": incident.started_at,
                         "text": in_script(incident.banner_in(lang), lang, script)}}


@agent_router.get("")
def show(request: Request, session: Session = Depends(current_session)) -> dict[str, Any]:
    """The active incident (null when none) and the templates a supervisor may declare."""
    return {"incident": incident_view(active_incident(_services(request))),
            "can_declare": session.agent.role == SUPERVISOR,
            "templates": [{"name": t.name, "title": t.title, "banner_en": t.banner["en"]}
                          for t in templates_of(request).values()]}


def _supervisor(session: Session) -> None:
    if session.agent.role != SUPERVISOR:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "only supervisors declare or end an incident")


def _changed(request: Request) -> None:
    # This process at once: its cache is dropped and its consoles' queue streams re-read.
    # The other processes within incidents.cache_seconds (their streams re-read at least
    # every 15 s). Not sent as a conversation change: channels would look for one.
    request.app.state.services.dialogue.incidents.invalidate()
    request.app.state.hub.wake_everyone()


@agent_router.post("", status_code=201, responses={
    422: {"description": "an unknown template, or a banner or title that is empty or too long"}})
def declare(body: DeclareIncident, request: Request,
            session: Session = Depends(current_session)) -> dict[str, Any]:
    _supervisor(session)
    services = _services(request)
    template = templates_of(request).get(body.template)
    if template is None:
        raise HTTPException(422,
                            f"no template '{body.template}'; use one of "
                            f"{', '.join(templates_of(request))}")
    store = IncidentStore(services.db)
    try:
        incident, fallback = store.start(
            template, started_by=session.agent.username,
            languages=tuple(services.settings.language.supported), title=body.title or None,
            banner={"en": body.banner_en} if body.banner_en else None)
    except IncidentAlreadyActive as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    except BadIncidentInput as error:
        raise HTTPException(422, str(error)) from None
    services.audit.record(session.agent, "incident_start", None, None,
                          subject=f"incident #{incident.id} ({template.name})")
    _changed(request)
    return {"incident": incident_view(incident), "template_text_in": fallback}


@agent_router.post("/end")
def end(request: Request, session: Session = Depends(current_session)) -> dict[str, Any]:
    _supervisor(session)
    services = _services(request)
    try:
        ended = IncidentStore(services.db).end(session.agent.username)
    except NoActiveIncident as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    services.audit.record(session.agent, "incident_end", None, None,
                          subject=f"incident #{ended.id} ({ended.template})")
    _changed(request)
    return {"ended": incident_view(ended)}
