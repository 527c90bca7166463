"""The website chat widget: the demo page, the script, and its WebSocket.

Protocol (JSON frames). The server sends {"type": "update", "messages": [...], "state",
"handoff"} whenever there is something after the last id the client saw, so a reload or
a dropped connection loses nothing. The client sends {"type": "message", "text",
"client_message_id"} (a retry with the same id is delivered once), {"type": "csat",
"score"} or {"type": "typing", "active"} (no answer). Updates carry "typing": {"agent":
the name of the agent typing, or null}. A frame that is not JSON, too large, or unknown
gets {"type": "error"} and the connection stays up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from bot.dialogue.engine import ConversationNotFound, MessageTooLong
from bot.server import metrics
from bot.server.cross_origin import origin_allowed
from bot.server.schemas import ConversationId, Cursor
from bot.server.static_files import serve_files, serve_script
from bot.server.turns import Flooding, TurnRunner

MAX_FRAME_CHARS = 16_000
router = APIRouter(tags=["widget"])


serve_files(router, {"/": "demo.html", "/demo.css": "demo.css", "/widget.css": "widget.css"})
serve_script(router, "/widget.js", ("richtext.js", "widget.js"))


def _update(services: Any, conversation_id: str, after: int) -> dict[str, Any]:
    row = services.dialogue.store.get(conversation_id)
    typing = services.typing.current(conversation_id)
    return {"type": "update", "state": row.state, "lang": row.lang,
            "handoff": services.dialogue.handoff_of(conversation_id),
            "typing": {"agent": typing["agent"]}, "until": typing["until"],
            "messages": services.dialogue.store.messages_after(conversation_id, after)}


@router.websocket("/ws/conversations/{conversation_id}")
async def conversation_socket(websocket: WebSocket, conversation_id: ConversationId,
                              after: Cursor = 0,
                              locale: str | None = None) -> None:
    services = websocket.app.state.services
    hub = websocket.app.state.hub
    if not origin_allowed(websocket.headers.get("origin"), websocket.headers.get("host"),
                          services.settings.web.allowed_origins):
        # A page of a site not in web.allowed_origins: refused before anything is read.
        await websocket.close(code=4403)
        return
    await websocket.accept()
    if await asyncio.to_thread(services.dialogue.store.get, conversation_id) is None:
        await websocket.send_json({"type": "error", "error": "unknown conversation"})
        await websocket.close(code=4404)
        return
    seen: dict[str, Any] = {"last": after, "state": None, "typing": None, "typed_at": 0.0}

    async def push() -> None:
        while True:
            update = await asyncio.to_thread(_update, services, conversation_id, seen["last"])
            until = update.pop("until")
            # A case ahead claimed: the place in the queue changed, nothing else.
            place = (update["handoff"] or {}).get("position")
            if (update["messages"] or update["state"] != seen["state"]
                    or update["typing"] != seen["typing"] or place != seen.get("place")):
                await websocket.send_json(update)
                if update["messages"]:
                    seen["last"] = update["messages"][-1]["id"]
                seen["state"], seen["typing"] = update["state"], update["typing"]
                seen["place"] = place
            # A typing mark lapses without any change to announce it: wake up to say so.
            lapse = until - time.time() + 0.05
            await hub.wait(conversation_id, *([lapse] if update["typing"]["agent"] else []))

    sender = asyncio.create_task(push())
    try:
        while True:
            raw = await websocket.receive_text()
            reply = await _handle_frame(services, websocket.app.state.turns, conversation_id,
                                        raw, locale,
                                        websocket.client.host if websocket.client else "",
                                        seen)
            if reply is not None:
                await websocket.send_json(reply)
    except WebSocketDisconnect:
        pass
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender


async def _typing(services: Any, conversation_id: str, active: bool,
                  seen: dict[str, Any]) -> None:
    """{"type": "typing", "active": bool}: the agent's console shows "typing…". At most
    one write every 2 s per socket, however often a client sends it; no answer frame."""
    now = time.monotonic()
    if active and now - seen["typed_at"] < 2.0:
        return
    seen["typed_at"] = now if active else 0.0
    await asyncio.to_thread(services.typing.mark, conversation_id, "user", active)


async def _handle_frame(services: Any, turns: TurnRunner, conversation_id: str, raw: str,
                        locale: str | None, client: str,
                        seen: dict[str, Any]) -> dict[str, Any] | None:
    if len(raw) > MAX_FRAME_CHARS:
        return {"type": "error", "error": f"frame larger than {MAX_FRAME_CHARS} characters"}
    try:
        frame = json.loads(raw)
    except json.JSONDecodeError:
        return {"type": "error", "error": "frames must be JSON"}
    if not isinstance(frame, dict):
        return {"type": "error", "error": "frames must be JSON objects"}
    if frame.get("type") == "typing":
        await _typing(services, conversation_id, frame.get("active", True) is not False, seen)
        return None
    if frame.get("type") == "message" and isinstance(frame.get("text"), str):
        client_id = frame.get("client_message_id")
        if not isinstance(client_id, str) or "\x00" in client_id:
            client_id = None  # an id is a short text; anything else is no id
        seq = frame.get("client_seq")
        seq = seq if isinstance(seq, int) and 1 <= seq <= 10_000_000 else None
        started = time.perf_counter()
        try:
            # Frames of one socket arrive in order, and the widget sends one message at a
            # time: no waiting here (a wait would hold the frames behind it).
            turn = await turns.run(conversation_id, frame["text"],
                                   str(client_id)[:80] if client_id else None,
                                   frame.get("locale") or locale, seq, True, client)
        except Flooding as flood:  # stored, not answered: the widget shows why
            return {"type": "ack", "client_message_id": client_id,
                    "message_id": flood.message_id, "notice": flood.notice,
                    "retry_after": flood.retry_after}
        except MessageTooLong as error:
            return {"type": "error", "error": str(error), "client_message_id": client_id}
        except ConversationNotFound as error:
            return {"type": "error", "error": str(error)}
        metrics.count_turn(turn, started)
        # The replies reach the client through the update stream; acknowledge the message
        # (when the server is busy, with the notice to show until they come).
        ack = {"type": "ack", "client_message_id": client_id, "message_id": turn.message_id}
        if turn.stored_text is not None:
            ack["stored_text"] = turn.stored_text
        if turn.busy_notice is not None:
            ack["busy"] = turn.busy_notice
        return ack
    if frame.get("type") == "csat" and frame.get("score") in (1, 2, 3, 4, 5):
        stored = await asyncio.to_thread(services.dialogue.rate, conversation_id,
                                         int(frame["score"]))
        if not stored:
            return {"type": "error", "error": "rate a conversation once it is closed"}
        return {"type": "ack", "csat": frame["score"]}
    return {"type": "error", "error": "unknown frame; send a 'message', 'csat' or 'typing'"}
