"""Agent two-factor sign-in (bot.agent_auth): a password-only session reaches nothing but
enrolment, verification and logout; TOTP codes are real (pyotp), good once; recovery
codes are good once; secrets are sealed at rest; resets are audited; wrong codes are
throttled. Uses the tiny model: no test here needs the shipped one."""

from __future__ import annotations

import base64
import logging
import os
import re
import stat
import time
from pathlib import Path

import pyotp
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from bot.agent_auth import codes
from bot.agent_auth.server_key import KEY_ENV, server_key
from bot.config import AgentSettings
from bot.errors import ConfigError
from bot.server.app import create_app
from bot.server.auth import password_session
from tests.conftest import AGENT_PASSWORD, make_services

FACTOR = "/api/v1/agent/second-factor"
# What a password-only session may do; everything else answers second_factor_required.
SIGN_IN_STEPS = {("POST", "/api/v1/agent/login"), ("POST", "/api/v1/agent/logout"),
                 ("GET", FACTOR), ("POST", f"{FACTOR}/enrol"),
                 ("POST", f"{FACTOR}/enrol/confirm"), ("POST", f"{FACTOR}/verify")}


@pytest.fixture
def tiny_services(settings, tiny_nlu, sqlite_url):  # type: ignore[no-untyped-def]
    built = make_services(settings, tiny_nlu, sqlite_url)
    yield built
    built.db.dispose()


@pytest.fixture
def api(tiny_services):  # type: ignore[no-untyped-def]
    with TestClient(create_app(tiny_services, background=False)) as client:
        yield client


def _login(api, username: str = "alice") -> tuple[dict[str, str], dict]:  # type: ignore[no-untyped-def,type-arg]
    response = api.post("/api/v1/agent/login",
                        json={"username": username, "password": AGENT_PASSWORD})
    assert response.status_code == 200, response.text
    api.cookies.clear()
    body = response.json()
    return {"Authorization": f"Bearer {body['token']}"}, body


def _add(services, username: str = "alice", role: str = "agent") -> None:  # type: ignore[no-untyped-def]
    services.agents.add(username, AGENT_PASSWORD, ["en"], 3, role=role)


def _enrol(api, username: str = "alice", state: str = "enrol"  # type: ignore[no-untyped-def]
           ) -> tuple[str, list[str], dict[str, str]]:
    """Password, then enrolment with a real code: (secret, recovery codes, headers)."""
    headers, body = _login(api, username)
    assert body["second_factor"] == state
    enrolment = api.post(f"{FACTOR}/enrol", headers=headers).json()
    assert enrolment["otpauth_uri"].startswith("otpauth://totp/")
    assert f"secret={enrolment['secret']}" in enrolment["otpauth_uri"]
    assert enrolment["qr_svg"].startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(enrolment["qr_svg"].split(",", 1)[1])
    assert b"<svg" in svg and b"<path" in svg
    code = pyotp.TOTP(enrolment["secret"]).now()
    confirmed = api.post(f"{FACTOR}/enrol/confirm", json={"code": code}, headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    return enrolment["secret"], confirmed.json()["recovery_codes"], headers


def _wrong_code(secret: str) -> str:
    """A 6-digit code valid in no step of the window around now."""
    step = codes.step_at(time.time())
    valid = {codes.code_at(secret, s) for s in range(step - 2, step + 3)}
    return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in valid)


def _all_routes(routes):  # type: ignore[no-untyped-def]
    for route in routes:
        inner = getattr(route, "original_router", None)  # FastAPI wraps included routers
        if inner is not None:
            yield from _all_routes(inner.routes)
        elif isinstance(route, APIRoute):
            yield route


def _uses_session(route: APIRoute) -> bool:
    pending, seen = [route.dependant], []
    while pending:
        dependant = pending.pop()
        seen.append(dependant.call)
        pending.extend(dependant.dependencies)
    from bot.server.auth import current_session

    return password_session in seen or current_session in seen


def test_a_password_only_session_reaches_no_agent_route(api, tiny_services):
    """Every route of the app that takes an agent session or lives under /api/v1/agent
    (found by walking the app's routes, so a route added later is checked too) answers
    403 second_factor_required, except the sign-in steps themselves."""
    _add(tiny_services)
    headers, body = _login(api)
    assert body["second_factor"] == "enrol"
    checked = []
    routes = list(_all_routes(api.app.routes))
    # The walk found every operation the API documents (so it can miss none).
    documented = {(method.upper(), path)
                  for path, operations in api.app.openapi()["paths"].items()
                  for method in operations}
    assert documented <= {(m, r.path_format) for r in routes for m in r.methods or ()}
    for route in routes:
        if not (route.path.startswith("/api/v1/agent") or _uses_session(route)):
            continue
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        if "{attachment_id}" in route.path:
            path = route.path.replace("{attachment_id}", "0" * 32)
        for method in sorted(route.methods or ()):
            if (method, route.path) in SIGN_IN_STEPS:
                continue
            response = api.request(method, path, headers=headers)
            assert response.status_code == 403, (method, route.path, response.text)
            assert response.json()["code"] == "second_factor_required", (method, route.path)
            checked.append((method, route.path))
    assert ("GET", "/api/v1/agent/queue") in checked
    assert ("GET", "/api/v1/agent/stream") in checked
    assert ("GET", "/api/v1/agent/dashboard") in checked
    assert ("GET", "/api/v1/agent/audit") in checked
    assert len(checked) >= 18, checked
    # The console's cookie session is held back the same way.
    response = api.post("/api/v1/agent/login",
                        json={"username": "alice", "password": AGENT_PASSWORD})
    assert api.get("/api/v1/agent/queue").json()["code"] == "second_factor_required"
    assert api.get(FACTOR).json()["state"] == "enrol"
    assert response.status_code == 200


def test_enrolment_opens_the_queue_and_later_logins_need_a_code(api, tiny_services):
    _add(tiny_services)
    secret, recovery, headers = _enrol(api)
    assert len(recovery) == 10 and len(set(recovery)) == 10
    assert api.get("/api/v1/agent/queue", headers=headers).status_code == 200
    assert api.post(f"{FACTOR}/enrol", headers=headers).status_code == 409  # once only
    headers, body = _login(api)
    assert body["second_factor"] == "verify"
    assert api.get("/api/v1/agent/queue", headers=headers).status_code == 403
    wrong = api.post(f"{FACTOR}/verify", json={"code": _wrong_code(secret)}, headers=headers)
    assert wrong.status_code == 403 and wrong.json()["code"] == "wrong_code"
    assert api.get("/api/v1/agent/queue", headers=headers).status_code == 403
    # The code that confirmed enrolment was this step's: the next step's is accepted.
    step = codes.step_at(time.time()) + 1
    good = api.post(f"{FACTOR}/verify", json={"code": codes.code_at(secret, step)},
                    headers=headers)
    assert good.status_code == 200, good.text
    assert api.get("/api/v1/agent/queue", headers=headers).status_code == 200
    assert api.get(FACTOR, headers=headers).json() == {
        "state": "passed", "username": "alice", "display_name": "alice", "languages": ["en"],
        "recovery_left": 10}


def test_a_code_is_good_once(api, tiny_services):
    _add(tiny_services)
    secret, _, _ = _enrol(api)
    code = codes.code_at(secret, codes.step_at(time.time()) + 1)
    first, _ = _login(api)
    assert api.post(f"{FACTOR}/verify", json={"code": code}, headers=first).status_code == 200
    second, _ = _login(api)
    replay = api.post(f"{FACTOR}/verify", json={"code": code}, headers=second)
    assert replay.status_code == 403 and replay.json()["code"] == "code_already_used"
    assert api.get("/api/v1/agent/queue", headers=second).status_code == 403
    assert api.get("/api/v1/agent/queue", headers=first).status_code == 200


def test_a_recovery_code_counts_once(api, tiny_services):
    _add(tiny_services)
    _, recovery, _ = _enrol(api)
    headers, _ = _login(api)
    # Typed as people do: upper case, spaces instead of dashes.
    used = api.post(f"{FACTOR}/verify", json={"code": recovery[3].upper().replace("-", " ")},
                    headers=headers)
    assert used.status_code == 200, used.text
    assert used.json() == {"ok": True, "recovery_used": True, "recovery_left": 9}
    assert api.get("/api/v1/agent/queue", headers=headers).status_code == 200
    again, _ = _login(api)
    refused = api.post(f"{FACTOR}/verify", json={"code": recovery[3]}, headers=again)
    assert refused.status_code == 403 and refused.json()["code"] == "wrong_code"
    # Another agent cannot use alice's codes.
    _add(tiny_services, "bob")
    _enrol(api, "bob")
    bob, _ = _login(api, "bob")
    assert api.post(f"{FACTOR}/verify", json={"code": recovery[4]},
                    headers=bob).status_code == 403
    entries = tiny_services.audit.entries()
    assert [e["action"] for e in entries if e["subject"] == "alice"].count(
        "recovery_code_used") == 1


def test_secrets_are_not_in_clear_in_the_database_file(api, tiny_services, sqlite_url):
    _add(tiny_services)
    secret, recovery, _ = _enrol(api)
    tiny_services.db.dispose()  # the WAL is folded into the file when the last one closes
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert b"alice" in raw  # the file is the right one, and readable
    for needle in (secret, secret.lower()):
        assert needle.encode() not in raw
    assert base64.b32decode(secret) not in raw
    for code in recovery:
        assert code.encode() not in raw and code.replace("-", "").encode() not in raw


def test_a_supervisor_resets_an_agents_second_factor_and_it_is_audited(api, tiny_services):
    _add(tiny_services)
    _add(tiny_services, "sam", role="supervisor")
    _, _, alice = _enrol(api)
    _, _, sam = _enrol(api, "sam")
    assert api.delete("/api/v1/agent/agents/sam/second-factor",
                      headers=alice).status_code == 403  # agents cannot
    assert api.delete("/api/v1/agent/agents/nobody/second-factor",
                      headers=sam).status_code == 404
    assert api.delete("/api/v1/agent/agents/alice/second-factor",
                      headers=sam).status_code == 200
    assert api.get("/api/v1/agent/queue", headers=alice).status_code == 401  # signed out
    _, body = _login(api)
    assert body["second_factor"] == "enrol"  # enrols again
    audit = api.get("/api/v1/agent/audit", headers=sam).json()
    assert {"agent": "sam", "action": "reset_second_factor", "subject": "alice"} in [
        {k: e[k] for k in ("agent", "action", "subject")} for e in audit]


def test_the_cli_resets_an_agents_second_factor(tmp_path, settings, tiny_nlu, monkeypatch):
    from bot.cli import main
    from tests.server.live_server import write_config

    config = write_config(tmp_path, tmp_path / "models")
    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", "")
    monkeypatch.setenv("SUPPORTBOT_AGENT_PASSWORD", AGENT_PASSWORD)
    assert main(["--config", str(config), "agent", "add", "alice"]) == 0
    services = make_services(settings, tiny_nlu, f"sqlite:///{tmp_path / 'supportbot.sqlite3'}")
    try:
        with TestClient(create_app(services, background=False)) as api:
            _, _, headers = _enrol(api)
            assert main(["--config", str(config), "agent", "reset-2fa", "alice"]) == 0
            assert api.get("/api/v1/agent/queue", headers=headers).status_code == 401
            assert _login(api)[1]["second_factor"] == "enrol"
        entry = services.audit.entries()[0]
        assert entry["action"] == "reset_second_factor" and entry["subject"] == "alice"
        assert entry["agent"].startswith("cli:")
        assert main(["--config", str(config), "agent", "reset-2fa", "nobody"]) == 2
    finally:
        services.db.dispose()


def test_wrong_codes_are_throttled(api, tiny_services):
    _add(tiny_services)
    secret, _, _ = _enrol(api)
    headers, _ = _login(api)
    wrong = _wrong_code(secret)
    statuses = [api.post(f"{FACTOR}/verify", json={"code": wrong}, headers=headers).status_code
                for _ in range(6)]
    assert statuses == [403] * 5 + [429]  # five free tries, then a wait before each
    # Now even the right code waits: the guesser is slowed, not told.
    right = codes.code_at(secret, codes.step_at(time.time()) + 1)
    throttled = api.post(f"{FACTOR}/verify", json={"code": right}, headers=headers)
    assert throttled.status_code == 429 and throttled.json()["code"] == "too_many_tries"
    assert int(throttled.headers["Retry-After"]) >= 1
    assert api.get("/api/v1/agent/queue", headers=headers).status_code == 403


def test_optional_lets_only_agents_who_never_enrolled_in(settings, tiny_nlu, sqlite_url):
    optional = settings.model_copy(update={"agents": AgentSettings(second_factor="optional")})
    services = make_services(optional, tiny_nlu, sqlite_url)
    try:
        with TestClient(create_app(services, background=False)) as api:
            _add(services)
            headers, body = _login(api)
            assert body["second_factor"] == "passed"
            assert api.get("/api/v1/agent/queue", headers=headers).status_code == 200
            secret, _, _ = _enrol(api, state="passed")  # an agent may still enrol …
            headers, body = _login(api)  # … and then their code is needed
            assert body["second_factor"] == "verify"
            assert api.get("/api/v1/agent/queue", headers=headers).status_code == 403
            assert secret
    finally:
        services.db.dispose()


def test_the_sealed_secret_opens_only_for_its_agent(api, tiny_services):
    from sqlalchemy import select, update

    from bot.storage.schema import agents

    _add(tiny_services)
    _add(tiny_services, "bob")
    secret, _, _ = _enrol(api)
    _enrol(api, "bob")
    with tiny_services.db.begin() as connection:
        sealed = connection.scalar(select(agents.c.totp_secret).where(agents.c.username == "alice"))
        connection.execute(update(agents).where(agents.c.username == "bob")
                           .values(totp_secret=sealed))
    headers, _ = _login(api, "bob")
    stolen = codes.code_at(secret, codes.step_at(time.time()) + 1)
    assert api.post(f"{FACTOR}/verify", json={"code": stolen},
                    headers=headers).status_code == 403


def test_the_key_file_is_made_once_and_private(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv(KEY_ENV, raising=False)
    with caplog.at_level(logging.WARNING):
        first = server_key(tmp_path / "data")
    key_file = tmp_path / "data" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) == 32 and server_key(tmp_path / "data") == first
    assert any(KEY_ENV in record.message and str(key_file) in record.message
               for record in caplog.records)
    key_file.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        server_key(tmp_path / "data")
    monkeypatch.setenv(KEY_ENV, base64.urlsafe_b64encode(os.urandom(32)).decode())
    assert server_key(tmp_path / "elsewhere") != first
    assert not (tmp_path / "elsewhere").exists()  # the environment's key: no file
    monkeypatch.setenv(KEY_ENV, "too short")
    with pytest.raises(ConfigError, match="32 random bytes"):
        server_key(tmp_path / "data")
