"""The agent console: its page, the live queue (server-sent events), suggested replies,
and the dashboard figures."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from bot.conversations.store import ConversationStore
from bot.incidents.figures import per_minute, window_start
from bot.nlu.faq_index import render_answer
from bot.server.api_agent import readable_case
from bot.server.api_incidents import active_incident, incident_view, queue_extras
from bot.server.auth import current_session
from bot.server.live import ANY
from bot.server.schemas import HandoffId, errors
from bot.server.static_files import serve_files, serve_script
from bot.storage.database import reading
from handoff.agents import Session
from handoff.queue import HandoffQueue

router = APIRouter(tags=["agent console"], responses=errors(401, 403, 404))
SPIKE_MINUTES = 60  # the dashboard's incident chart: the last hour


serve_files(router, {"/agent": "agent.html", "/agent/console.css": "agent.css"})
serve_script(router, "/agent/console.js", ("richtext.js", "agent.js"))


def _snapshot(services: Any, session: Session) -> dict[str, Any]:
    services.desk.requeue_silent_agents()
    listed = services.queue.listing(session.agent)
    items = [item.as_dict() for item in listed]
    return {"items": items, "mine": services.desk.held_by(session.agent), "now": time.time(),
            **queue_extras(services, listed)}


@router.get("/api/v1/agent/stream", response_class=StreamingResponse, responses={200: {
    "description": "server-sent events: `queue` with the items offered and held",
    "content": {"text/event-stream": {"schema": {"type": "object"}}}}})
async def queue_stream(request: Request,
                       session: Session = Depends(current_session)) -> StreamingResponse:
    """Server-sent events: the queue as this agent sees it, whenever it changes."""
    services, hub = request.app.state.services, request.app.state.hub

    async def events() -> AsyncIterator[str]:
        last = ""
        while not await request.is_disconnected():
            snapshot = await asyncio.to_thread(_snapshot, services, session)
            body = json.dumps(snapshot, ensure_ascii=False)
            # What the cards show (a live packet changes reason and summary; a new user
            # message changes "Mine"'s unread mark), not the ticking wait times.
            comparable = json.dumps({"items": [(i["id"], i["priority"], i["reason"],
                                                i["summary"]) for i in snapshot["items"]],
                                     "mine": snapshot["mine"],
                                     "incident": snapshot["incident"],
                                     "groups": snapshot["groups"]})
            if comparable != last:
                last = comparable
                yield f"event: queue\ndata: {body}\n\n"
            else:
                yield ": keep-alive\n\n"
            await hub.wait(ANY, timeout=15.0)  # a keep-alive line at least this often

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store"})


@router.get("/api/v1/agent/handoffs/{handoff_id:int}/suggestions")
def suggestions(handoff_id: HandoffId, request: Request,
                session: Session = Depends(current_session)) -> dict[str, Any]:
    """The best FAQ answers for what the user wrote, in the user's language and script."""
    services = request.app.state.services
    row = readable_case(services, session, handoff_id)
    with reading(services.db) as connection:
        conversation = ConversationStore.row(connection, row.conversation_id)
        texts = ConversationStore.last_user_texts(connection, row.conversation_id, 3)
    question = " ".join(texts)
    understanding = services.dialogue.parser.parse(question)
    lang = conversation.lang or services.settings.language.default
    answers = []
    for hit in understanding.faq_hits[:3]:
        entry = services.nlu.faq.by_id[hit.entry_id]
        answers.append({"entry_id": entry.id, "intent": entry.intent, "score": hit.score,
                        "question": (entry.questions.get(lang) or entry.questions["en"])[0],
                        "text": render_answer(entry, lang, conversation.script,
                                              services.settings.links)})
    return {"lang": lang, "suggestions": answers}


@router.get("/api/v1/agent/dashboard")
def dashboard(request: Request, session: Session = Depends(current_session)) -> dict[str, Any]:
    services = request.app.state.services
    now = time.time()
    since = window_start(now, SPIKE_MINUTES)
    with reading(services.db) as connection:
        talk = ConversationStore.figures(connection)
        cases = HandoffQueue.figures(connection)
        matched = ConversationStore.event_times(connection, "incident_matched", since)
        incident_cases = HandoffQueue.incident_queued_times(connection, since)
    total, handed, bot_resolved = talk["talked"], cases["conversations"], talk["bot_resolved"]
    reasons: dict[str, int] = cases["reasons"]
    waits, scores = cases["waits"], talk["csat"]
    per_day = Counter(time.strftime("%Y-%m-%d", time.gmtime(t)) for t in talk["created_at"])
    return {
        "conversations": total,
        "handed_off": handed,
        "bot_resolved": bot_resolved,
        # Deflection: conversations the bot finished without a human.
        "deflection": round((total - handed) / total, 4) if total else None,
        "handoffs_by_reason": reasons,
        "wait_seconds": {"median": _pct(waits, 50), "p90": _pct(waits, 90), "n": len(waits)},
        "csat": {"average": round(sum(scores) / len(scores), 2) if scores else None,
                 "n": len(scores), "distribution": {s: scores.count(s) for s in range(1, 6)}},
        "conversations_per_day": dict(sorted(per_day.items())[-14:]),
        # The spike of a declared incident: messages about it (answered with its banner,
        # or noted while an agent had the conversation) and cases about it, per minute of
        # the last hour, oldest first.
        "incident": {"active": incident_view(active_incident(services)), "since": since,
                     "messages_per_minute": per_minute(matched, now, SPIKE_MINUTES),
                     "handoffs_per_minute": per_minute(incident_cases, now, SPIKE_MINUTES)},
    }


def _pct(values: list[float], q: int) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None
