"""The widget's and console's files, served as they are (no build step), and the two
scripts bundled with what they need to know from the server's settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

STATIC = Path(__file__).parent / "static"
_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}


def serve_files(router: APIRouter, routes: dict[str, str]) -> None:
    """Add one GET route per {url: file in static/}."""
    for url, name in routes.items():
        path = STATIC / name

        def send(path: Path = path) -> FileResponse:
            return FileResponse(path, media_type=_TYPES[path.suffix])

        router.add_api_route(url, send, methods=["GET"], include_in_schema=False)


def client_config(settings: Any) -> dict[str, Any]:
    """What the browser scripts are told: where links may point (see richtext.js), and
    which files they may offer to send."""
    urls = [*settings.links.model_dump().values(), *settings.web.allowed_origins]
    hosts = {urlsplit(str(url)).hostname for url in urls} | set(settings.web.link_hosts)
    from bot.attachments.checks import ALLOWED_TYPES

    return {"link_hosts": sorted(h.lower() for h in hosts if h),
            "attachment_bytes": settings.limits.attachment_bytes,
            "attachment_types": list(ALLOWED_TYPES)}


def serve_script(router: APIRouter, url: str, names: tuple[str, ...]) -> None:
    """One script made of several static files inside one function, with CONFIG in scope:
    the widget lands on the exchange's pages and must add no global names there."""

    def send(request: Request) -> Response:
        config = json.dumps(client_config(request.app.state.services.settings))
        parts = [(STATIC / name).read_text(encoding="utf-8") for name in names]
        body = "(function () {\nvar CONFIG = " + config + ";\n" + "\n".join(parts) + "\n})();\n"
        return Response(body, media_type="text/javascript")

    router.add_api_route(url, send, methods=["GET"], include_in_schema=False)
