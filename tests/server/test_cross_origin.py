"""The widget on the exchange's own site: CORS for the listed origins on the
conversation API only, and the WebSocket's Origin checked against the same list."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from bot.config import ConfigError, settings_from_mapping
from bot.server.app import create_app
from tests.conftest import make_services

SITE = "https://www.example-exchange.com"


@pytest.fixture
def embedded(settings, shipped_nlu, sqlite_url):  # type: ignore[no-untyped-def]
    listed = settings.model_copy(update={"web": settings.web.model_copy(
        update={"allowed_origins": (SITE,)})})
    services = make_services(listed, shipped_nlu, sqlite_url)
    with TestClient(create_app(services, background=False)) as client:
        yield client
    services.db.dispose()


def _preflight(client, origin):  # type: ignore[no-untyped-def]
    return client.options("/api/v1/conversations", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,prefer"})


def test_a_listed_site_may_call_the_conversation_api(embedded):  # type: ignore[no-untyped-def]
    response = _preflight(embedded, SITE)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SITE
    assert "POST" in response.headers["access-control-allow-methods"]
    opened = embedded.post("/api/v1/conversations", json={"channel": "web"},
                           headers={"Origin": SITE})
    assert opened.status_code == 201
    assert opened.headers["access-control-allow-origin"] == SITE


def test_other_sites_and_the_agent_api_stay_closed(embedded):  # type: ignore[no-untyped-def]
    refused = _preflight(embedded, "https://evil.example")
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    agent = embedded.options("/api/v1/agent/login", headers={
        "Origin": SITE, "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in agent.headers


def test_the_websocket_checks_the_origin(embedded):  # type: ignore[no-untyped-def]
    conversation = embedded.post("/api/v1/conversations", json={"channel": "web"}).json()["id"]
    path = f"/ws/conversations/{conversation}?after=0"
    for origin in (SITE, "http://testserver", None):  # listed, same origin, not a browser
        headers = {"Origin": origin} if origin else {}
        with embedded.websocket_connect(path, headers=headers) as socket:
            socket.send_json({"type": "csat", "score": 9})
            assert socket.receive_json()["type"] in ("update", "error")
    evil = {"Origin": "https://evil.example"}
    with pytest.raises(WebSocketDisconnect) as refused, \
            embedded.websocket_connect(path, headers=evil) as socket:
        socket.receive_json()
    assert refused.value.code == 4403


def test_an_origin_with_a_path_is_a_config_error():  # type: ignore[no-untyped-def]
    with pytest.raises((ConfigError, ValueError)) as problem:
        settings_from_mapping({"web": {"allowed_origins": ["https://www.example.com/"]}})
    assert "scheme://host[:port]" in str(problem.value)
