"""Security headers on every HTTP response (a plain ASGI middleware, like BodyLimit).

Pages (the widget demo, the agent console) get a Content-Security-Policy that allows
scripts, styles and connections from this server only, no inline script, and no framing
(the console cannot be put in someone else's frame to trick an agent into clicks). The
widget script and its stylesheet are embedded by the exchange's own pages, under the
exchange's policy: they get no CSP and no resource policy that would block that. The API
documentation pages (FastAPI's Swagger UI and ReDoc) need inline script: they get every
header but the CSP.
"""

from __future__ import annotations

from typing import Any

PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
               "form-action 'self'; frame-ancestors 'none'")
_EVERYWHERE = [(b"x-content-type-options", b"nosniff"),
               (b"referrer-policy", b"strict-origin-when-cross-origin")]
_NO_FRAMES = [(b"x-frame-options", b"DENY")]
_EMBEDDED = ("/widget.js", "/widget.css")  # loaded by the exchange's own pages
_NO_CSP = ("/docs", "/redoc", *_EMBEDDED)


class SecurityHeaders:
    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        extra = list(_EVERYWHERE)
        if not path.startswith(_EMBEDDED):
            extra += _NO_FRAMES
        if not path.startswith(_NO_CSP):
            extra.append((b"content-security-policy", PAGE_POLICY.encode()))

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)
