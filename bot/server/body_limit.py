"""Refuse request bodies over a size limit before anything reads them.

A plain ASGI middleware rather than `@app.middleware("http")`: Starlette's
BaseHTTPMiddleware runs every request through an extra task and memory streams, which
took 15% of a worker's GIL time under load (py-spy, bench/api_turns.py).
"""

from __future__ import annotations

import re
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Any
Send = Any

_TOO_LARGE = b'{"detail":"request body too large"}'


class BodyLimit:
    """`max_bytes` for every request, except those matching one of `larger`: (method, path
    pattern, limit) entries for the few routes that take files, so that a file upload's
    limit never becomes the limit of a JSON body."""

    def __init__(self, app: Any, max_bytes: int,
                 larger: tuple[tuple[str, re.Pattern[str], int], ...] = ()):
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger

    def _limit(self, scope: Scope) -> int:
        for method, pattern, limit in self.larger:
            if scope.get("method") == method and pattern.fullmatch(scope.get("path", "")):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self._limit(scope) if self.larger else self.max_bytes
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > max_bytes:
            await _refuse(send)
            return
        # No Content-Length (chunked upload): count what actually arrives. Past the limit
        # the client gets the 413 and the app is told the client left, so whatever it
        # answers to that is dropped. (An exception would not do: FastAPI turns errors
        # while reading a body into its own 400.)
        received = 0
        started = refused = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message: Message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes and not started:
                    refused = True
                    await _refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted_receive, tracked_send)


async def _refuse(send: Send) -> None:
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(_TOO_LARGE)).encode())]})
    await send({"type": "http.response.body", "body": _TOO_LARGE})
