"""The widget's and console's files, served as they are (no build step)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).parent / "static"
_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}


def serve_files(router: APIRouter, routes: dict[str, str]) -> None:
    """Add one GET route per {url: file in static/}."""
    for url, name in routes.items():
        path = STATIC / name

        def send(path: Path = path) -> FileResponse:
            return FileResponse(path, media_type=_TYPES[path.suffix])

        router.add_api_route(url, send, methods=["GET"], include_in_schema=False)
