"""Security headers: pages may not be framed and run scripts from this server only; the
widget's files stay embeddable by the exchange's pages; every response says nosniff."""

from __future__ import annotations

import re

import pytest

from bot.server.static_files import STATIC


@pytest.mark.parametrize("path", ["/", "/agent", "/healthz", "/api/v1/conversations/x"])
def test_pages_and_api_are_locked_down(client, path):  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["x-frame-options"] == "DENY"
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy


@pytest.mark.parametrize("path", ["/widget.js", "/widget.css"])
def test_the_widget_files_stay_embeddable(client, path):  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "x-frame-options" not in response.headers
    assert "content-security-policy" not in response.headers
    assert "cross-origin-resource-policy" not in response.headers


def test_our_pages_need_no_inline_script_or_style():  # type: ignore[no-untyped-def]
    # The policy forbids them: a page that used one would break in the browser.
    for page in STATIC.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), page.name
        assert "<style" not in html and " style=" not in html, page.name
        assert not re.search(r"\son[a-z]+=", html), page.name  # onclick= and friends
