"""Erasure on request: through the real API and the CLI, on a SQLite file whose raw bytes
(and write-ahead log) are read afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.storage.database import reading
from bot.storage.schema import audit_log, conversations, handoffs, messages
from tests.privacy.conftest import closed_by_agent, handed_over, say, upload, verify

SECRETLESS_WORDS = ("Zanzibarquux", "Wombatflight", "Giraffenote", "Parrotledger")


def _raw(services: Any) -> bytes:
    database = Path(str(services.db.url.database))
    return b"".join(path.read_bytes() for path in (database, Path(f"{database}-wal"),
                                                   Path(f"{database}-shm")) if path.exists())


def _snapshot(services: Any) -> dict[str, Any]:
    with reading(services.db) as connection:
        return {"conversations": connection.execute(
                    select(conversations.c.id, conversations.c.state, conversations.c.csat,
                           conversations.c.erased_at).order_by(conversations.c.id)).all(),
                "messages": connection.scalar(select(func.count()).select_from(messages)),
                "texts": connection.execute(select(messages.c.id, messages.c.text)
                                            .order_by(messages.c.id)).all(),
                "handoffs": connection.execute(select(handoffs.c.id, handoffs.c.packet)
                                               .order_by(handoffs.c.id)).all(),
                "audit": connection.scalar(select(func.count()).select_from(audit_log))}


def test_erasure_leaves_no_trace_of_the_trader_in_the_database_file(
        client, services, agent_headers, supervisor):  # type: ignore[no-untyped-def]
    alice = agent_headers("alice", ["en"])
    trader, case = handed_over(client, f"my {SECRETLESS_WORDS[0]} account shows a wrong balance")
    say(client, trader, f"also {SECRETLESS_WORDS[1]} happened yesterday")
    attachment = upload(client, trader)
    closed_by_agent(client, alice, case, f"thanks, {SECRETLESS_WORDS[3]} checked",
                    f"{SECRETLESS_WORDS[2]}: balance corrected")
    assert client.post(f"/api/v1/conversations/{trader}/csat", json={"score": 4}).status_code == 200
    verify(services, trader, "U-77123")
    other = client.post("/api/v1/conversations", json={"channel": "web"}).json()["id"]
    say(client, other, "Bananaotherperson asks about fees")
    dashboard = client.get("/api/v1/agent/dashboard", headers=supervisor).json()
    file_path = client.app.state.attachments.path(attachment)
    assert file_path.exists()
    raw = _raw(services)
    assert all(word.encode() in raw for word in SECRETLESS_WORDS)  # the check can fail

    # Agents may not erase; supervisors may.
    refused = client.post("/api/v1/agent/privacy/erase", json={"trader": "uid:U-77123"},
                          headers=alice)
    assert refused.status_code == 403
    response = client.post("/api/v1/agent/privacy/erase", json={"trader": "uid:U-77123"},
                           headers=supervisor)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["conversations"] == [trader]
    assert result["counts"]["files"] == 1 and result["counts"]["cases"] == 1
    assert "Zanzibarquux" not in response.text

    raw = _raw(services)
    for word in SECRETLESS_WORDS:
        assert word.encode() not in raw, f"{word} is still in the database file"
    assert b"U-77123" not in raw and b"U-77123@example.com" not in raw
    assert b"Bananaotherperson" in raw  # the other trader's conversation is untouched
    assert not file_path.exists()
    assert not Path(f"{services.db.url.database}-wal").exists() or \
        Path(f"{services.db.url.database}-wal").stat().st_size == 0

    # The skeleton keeps the counts: the dashboard reads the same.
    assert client.get("/api/v1/agent/dashboard", headers=supervisor).json() == dashboard
    with reading(services.db) as connection:
        row = connection.execute(select(conversations).where(
            conversations.c.id == trader)).one()
        packet = connection.scalar(select(handoffs.c.packet).where(handoffs.c.id == case))
        resolution, reason = connection.execute(select(handoffs.c.resolution, handoffs.c.reason)
                                                .where(handoffs.c.id == case)).one()
        audit = connection.execute(select(audit_log).where(audit_log.c.action == "erase")).all()
    assert row.erased_at is not None and row.csat == 4 and row.channel == "web"
    assert row.user_label is None and row.verified_uid is None
    assert packet["erased"] is True and packet["reason"] == reason and reason
    assert "summary" not in packet and "transcript" not in packet and resolution is None
    assert [(a.username, a.conversation_id, a.handoff_id) for a in audit] == [
        ("sam", trader, case)]
    # The case still opens for a supervisor, without text.
    opened = client.get(f"/api/v1/agent/handoffs/{case}", headers=supervisor)
    assert opened.status_code == 200
    assert all(message["text"] == "" for message in opened.json()["messages"])

    # Asked again, or for somebody unknown: a clear answer, and nothing touched.
    before = _snapshot(services)
    again = client.post("/api/v1/agent/privacy/erase", json={"trader": "uid:U-77123"},
                        headers=supervisor)
    assert again.status_code == 404
    assert again.json()["detail"] == "no conversations found for uid U-77123"
    assert client.post("/api/v1/agent/privacy/erase", json={"trader": "uid:nobody-1"},
                       headers=supervisor).status_code == 404
    assert _snapshot(services) == before


def test_an_open_conversation_is_erased_only_when_told(client, services, supervisor):  # type: ignore[no-untyped-def]
    trader, case = handed_over(client, "Wombatflight is waiting for an agent")
    before = _snapshot(services)
    refused = client.post("/api/v1/agent/privacy/erase",
                          json={"trader": f"conversation:{trader}"}, headers=supervisor)
    assert refused.status_code == 409
    assert "open" in refused.json()["detail"] and "force" in refused.json()["detail"]
    assert _snapshot(services) == before
    forced = client.post("/api/v1/agent/privacy/erase",
                         json={"trader": f"conversation:{trader}", "force": True},
                         headers=supervisor)
    assert forced.status_code == 200, forced.text
    assert forced.json()["counts"]["closed_cases"] == 1
    queue = client.get("/api/v1/agent/queue", headers=supervisor).json()["items"]
    assert case not in [item["id"] for item in queue]
    with reading(services.db) as connection:
        assert connection.scalar(select(conversations.c.state).where(
            conversations.c.id == trader)) == "closed"
    assert b"Wombatflight" not in _raw(services)


def test_bad_erasure_requests(client, supervisor):  # type: ignore[no-untyped-def]
    # One way to name the trader: "uid:…", "conversation:…" or "telegram:…".
    for bad in ({"trader": "uid:U-1", "telegram_user": 5}, {"trader": "uid:U-1,telegram:5"},
                {"trader": "U-1"}, {"trader": "telegram:0"}, {"trader": "conversation:x"}):
        refused = client.post("/api/v1/agent/privacy/erase", json=bad, headers=supervisor)
        assert refused.status_code == 422, (bad, refused.text)
    assert client.post("/api/v1/agent/privacy/erase", json={}, headers=supervisor
                       ).status_code == 422
    assert client.post("/api/v1/agent/privacy/erase", json={"trader": "uid:x'; drop"},
                       headers=supervisor).status_code == 422
    assert client.post("/api/v1/agent/privacy/erase", json={"trader": "uid:U-1"}).status_code == 401


def test_cli_erases_a_telegram_user(services, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    from bot.cli import main
    from bot.conversations.store import ConversationStore

    store = ConversationStore(services.db)
    private = store.create("telegram", "tg:4242:4242", "@trader_tg")
    group = store.create("telegram_group", "tg:-100:4242", "@trader_tg")
    someone_else = store.create("telegram", "tg:5151:5151", "@someone")
    with services.db.begin() as connection:
        for conversation in (private, group, someone_else):
            ConversationStore.add_message(connection, conversation, "user",
                                          f"Parrotledger in {conversation}")
    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", str(services.db.url))

    assert main(["privacy", "erase", "--telegram-user", "999", "--yes"]) == 1
    assert capsys.readouterr().out.strip() == "no conversations found for Telegram user 999"
    assert main(["privacy", "erase", "--telegram-user", "4242", "--yes"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("erased 2 conversation(s) of Telegram user 4242: 2 message(s)")
    assert "Parrotledger" not in out and len(out.strip().splitlines()) == 1
    raw = _raw(services)
    assert f"Parrotledger in {private}".encode() not in raw
    assert f"Parrotledger in {group}".encode() not in raw
    assert b"@trader_tg" not in raw
    assert f"Parrotledger in {someone_else}".encode() in raw
    with reading(services.db) as connection:
        who = connection.scalars(select(audit_log.c.username).where(
            audit_log.c.action == "erase")).all()
    assert len(who) == 2 and all(name.startswith("cli:") for name in who)


@pytest.mark.postgres
def test_erasure_on_postgres(settings, tiny_nlu, postgres_url):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from bot.server.app import create_app
    from bot.storage.schema import attachment_blobs, attachments
    from tests.conftest import AGENT_PASSWORD, make_services
    from tests.privacy.conftest import handed_over

    services = make_services(settings, tiny_nlu, postgres_url)
    try:
        with TestClient(create_app(services, background=False)) as client:
            trader, _case = handed_over(client, "Postgresparrot asks about a deposit")
            upload(client, trader)
            verify(services, trader, "U-PG-1")
            services.agents.add("sam", AGENT_PASSWORD, ["en"], 5, "Sam", role="supervisor")
            from tests.authenticator import Phone, pass_second_factor

            login = client.post("/api/v1/agent/login",
                                json={"username": "sam", "password": AGENT_PASSWORD}).json()
            phones: dict[str, Phone] = {}
            pass_second_factor(client.post, login["token"], login["second_factor"], "sam",
                               phones)
            sam = {"Authorization": f"Bearer {login['token']}"}
            refused = client.post("/api/v1/agent/privacy/erase", json={"trader": "uid:U-PG-1"},
                                  headers=sam)
            assert refused.status_code == 409  # queued: open
            response = client.post("/api/v1/agent/privacy/erase",
                                   json={"trader": "uid:U-PG-1", "force": True}, headers=sam)
            assert response.status_code == 200, response.text
            assert "PostgreSQL" in response.json()["summary"]
        with reading(services.db) as connection:
            texts = set(connection.scalars(select(messages.c.text).where(
                messages.c.conversation_id == trader)))
            files = connection.scalar(select(func.count()).select_from(attachments))
            blobs = connection.scalar(select(func.count()).select_from(attachment_blobs))
        assert texts == {""} and files == 0 and blobs == 0
    finally:
        services.db.dispose()
