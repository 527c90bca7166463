"""The website chat widget: the demo page, the script, and its WebSocket.

Protocol (JSON frames). The server sends {"type": "update", "messages": [...], "state",
"handoff"} whenever there is something after the last id the client saw, so a reload or
a dropped connection loses nothing. The client sends {"type": "message", "text",
"client_message_id"} (a retry with the same id is delivered once) or {"type": "csat",
"score"}. A frame that is not JSON, too large, or unknown gets {"type": "error"} and the
connection stays up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from bot.dialogue.engine import ConversationNotFound, MessageTooLong
from bot.server.schemas import ConversationId, Cursor
from bot.server.static_files import serve_files

MAX_FRAME_CHARS = 16_000
router = APIRouter(tags=["widget"])


serve_files(router, {"/": "demo.html", "/widget.js": "widget.js", "/widget.css": "widget.css"})


def _update(services: Any, conversation_id: str, after: int) -> dict[str, Any]:
    row = services.dialogue.store.get(conversation_id)
    return {"type": "update", "state": row.state, "lang": row.lang,
            "handoff": services.dialogue.handoff_of(conversation_id),
            "messages": services.dialogue.store.messages_after(conversation_id, after)}


@router.websocket("/ws/conversations/{conversation_id}")
async def conversation_socket(websocket: WebSocket, conversation_id: ConversationId,
                              after: Cursor = 0,
                              locale: str | None = None) -> None:
    services = websocket.app.state.services
    hub = websocket.app.state.hub
    await websocket.accept()
    if await asyncio.to_thread(services.dialogue.store.get, conversation_id) is None:
        await websocket.send_json({"type": "error", "error": "unknown conversation"})
        await websocket.close(code=4404)
        return
    seen: dict[str, Any] = {"last": after, "state": None}

    async def push() -> None:
        while True:
            update = await asyncio.to_thread(_update, services, conversation_id, seen["last"])
            if update["messages"] or update["state"] != seen["state"]:
                await websocket.send_json(update)
                if update["messages"]:
                    seen["last"] = update["messages"][-1]["id"]
                seen["state"] = update["state"]
            await hub.wait(conversation_id)

    sender = asyncio.create_task(push())
    try:
        while True:
            raw = await websocket.receive_text()
            reply = await _handle_frame(services, conversation_id, raw, locale)
            if reply is not None:
                await websocket.send_json(reply)
    except WebSocketDisconnect:
        pass
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender


async def _handle_frame(services: Any, conversation_id: str, raw: str,
                        locale: str | None) -> dict[str, Any] | None:
    if len(raw) > MAX_FRAME_CHARS:
        return {"type": "error", "error": f"frame larger than {MAX_FRAME_CHARS} characters"}
    try:
        frame = json.loads(raw)
    except json.JSONDecodeError:
        return {"type": "error", "error": "frames must be JSON"}
    if not isinstance(frame, dict):
        return {"type": "error", "error": "frames must be JSON objects"}
    if frame.get("type") == "message" and isinstance(frame.get("text"), str):
        client_id = frame.get("client_message_id")
        if not isinstance(client_id, str) or "\x00" in client_id:
            client_id = None  # an id is a short text; anything else is no id
        seq = frame.get("client_seq")
        seq = seq if isinstance(seq, int) and 1 <= seq <= 10_000_000 else None
        try:
            # Frames of one socket arrive in order, and the widget sends one message at a
            # time: no waiting here (a wait would hold the frames behind it).
            turn = await asyncio.to_thread(
                services.dialogue.handle, conversation_id, frame["text"],
                str(client_id)[:80] if client_id else None, frame.get("locale") or locale,
                False, seq)
        except MessageTooLong as error:
            return {"type": "error", "error": str(error), "client_message_id": client_id}
        except ConversationNotFound as error:
            return {"type": "error", "error": str(error)}
        # The replies reach the client through the update stream; acknowledge the message.
        return {"type": "ack", "client_message_id": client_id, "message_id": turn.message_id}
    if frame.get("type") == "csat" and frame.get("score") in (1, 2, 3, 4, 5):
        stored = await asyncio.to_thread(services.dialogue.rate, conversation_id,
                                         int(frame["score"]))
        if not stored:
            return {"type": "error", "error": "rate a conversation once it is closed"}
        return {"type": "ack", "csat": frame["score"]}
    return {"type": "error", "error": "unknown frame; send a 'message' or 'csat'"}
