"""The version the server reports (/healthz, OpenAPI) is the one the project ships."""

from __future__ import annotations

import tomllib
from pathlib import Path

from bot import __version__


def test_the_reported_version_is_the_projects():
    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml")
                            .read_text(encoding="utf-8"))["project"]
    assert __version__ == project["version"]
