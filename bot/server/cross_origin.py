"""The widget embedded in the exchange's own site: cross-origin calls from its pages.

`widget.js` is loaded from this server by a page on another origin, then calls the
conversation API and opens the conversation's WebSocket here. Browsers allow the calls
only if the server says so (CORS); WebSockets have no CORS, so their Origin header is
checked here against the same list. Only the conversation API is opened up: the agent
API and the console stay same-origin. The origins come from config `web.allowed_origins`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.middleware.cors import CORSMiddleware

_PUBLIC = "/api/v1/conversations"


class WidgetCors:
    """CORS for the conversation API only (plain ASGI, like the other middlewares)."""

    def __init__(self, app: Any, allowed_origins: tuple[str, ...]):
        self.app = app
        self.cors = CORSMiddleware(
            app, allow_origins=list(allowed_origins), allow_methods=["GET", "POST"],
            allow_headers=["content-type", "prefer"], expose_headers=["Retry-After"],
            allow_credentials=False, max_age=600)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith(_PUBLIC):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def origin_allowed(origin: str | None, host: str | None,
                   allowed_origins: tuple[str, ...]) -> bool:
    """May a WebSocket opened by a page of `origin` talk to this server (`host` is the
    Host header)? No Origin: not a browser. The server's own pages, or a listed site."""
    if origin is None:
        return True
    if origin in allowed_origins:
        return True
    return bool(host) and urlsplit(origin).netloc == host
