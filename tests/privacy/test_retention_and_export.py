"""The retention sweep (old conversations erased, recent and open ones kept, the dashboard
unchanged) and a trader's export (API JSON, CLI zip with the files)."""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

from sqlalchemy import select, update

from bot.privacy.retention import sweep
from bot.storage.database import reading
from bot.storage.schema import conversations, messages
from tests.privacy.conftest import closed_by_agent, handed_over, say, upload, verify

DAY = 86400.0


def _age(services, conversation_id: str, days: float) -> None:  # type: ignore[no-untyped-def]
    then = time.time() - days * DAY
    with services.db.begin() as connection:
        connection.execute(update(conversations).where(conversations.c.id == conversation_id)
                           .values(updated_at=then, created_at=then))


def _texts(services, conversation_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    with reading(services.db) as connection:
        return list(connection.scalars(select(messages.c.text).where(
            messages.c.conversation_id == conversation_id).order_by(messages.c.id)))


def test_the_sweep_erases_old_conversations_only(client, services, agent_headers, supervisor):  # type: ignore[no-untyped-def]
    alice = agent_headers("alice", ["en"])
    old_closed, case = handed_over(client, "Oldclosedtext about my deposit")
    closed_by_agent(client, alice, case, "looking", "done")
    old_with_bot = client.post("/api/v1/conversations", json={"channel": "api"}).json()["id"]
    say(client, old_with_bot, "Oldbottext about fees")
    old_but_open, _ = handed_over(client, "Oldopentext still waiting")
    recent = client.post("/api/v1/conversations", json={"channel": "web"}).json()["id"]
    say(client, recent, "Recenttext about fees")
    for conversation in (old_closed, old_with_bot, old_but_open):
        _age(services, conversation, 400)
    dashboard = client.get("/api/v1/agent/dashboard", headers=supervisor).json()
    store = client.app.state.attachments
    # 365 days on every channel; this sweep also rebuilds the file (VACUUM).
    retention = services.settings.retention.model_copy(update={"vacuum": True})

    dry = sweep(services.db, store, retention, dry_run=True)
    assert dry.conversations == 2 and dry.per_channel == {"web": 1, "telegram": 0, "api": 1}
    assert all(text for text in _texts(services, old_closed))  # a dry run erases nothing

    done = sweep(services.db, store, retention)
    assert done.conversations == 2, done.line()
    assert done.line().startswith("retention sweep: erased 2 conversation(s) (web 1, "
                                  "telegram 0, api 1)")
    assert done.line().endswith("database rebuilt (VACUUM) and WAL emptied")
    database = Path(str(services.db.url.database))
    raw = database.read_bytes() + Path(f"{database}-wal").read_bytes()
    assert b"Oldclosedtext" not in raw and b"Oldbottext" not in raw and b"Recenttext" in raw
    assert set(_texts(services, old_closed)) == {""}
    assert set(_texts(services, old_with_bot)) == {""}
    assert "Oldopentext still waiting" in _texts(services, old_but_open)
    assert "Recenttext about fees" in _texts(services, recent)
    assert client.get("/api/v1/agent/dashboard", headers=supervisor).json() == dashboard
    # Nothing left to do; 0 keeps forever.
    assert sweep(services.db, store, retention).conversations == 0
    forever = retention.model_copy(update={"web": 0, "api": 0, "telegram": 0})
    _age(services, recent, 5000)
    assert sweep(services.db, store, forever).conversations == 0
    assert "Recenttext about fees" in _texts(services, recent)


def test_export_through_the_api_and_the_cli(client, services, agent_headers, supervisor,
                                            monkeypatch, capsys, tmp_path):  # type: ignore[no-untyped-def]
    from bot.cli import main

    alice = agent_headers("alice", ["en"])
    trader, case = handed_over(client, "Exportme question about my deposit")
    attachment = upload(client, trader)
    closed_by_agent(client, alice, case, "checking", "credited")
    client.post(f"/api/v1/conversations/{trader}/csat", json={"score": 5})
    verify(services, trader, "U-5500")

    assert client.get("/api/v1/agent/privacy/export", params={"trader": "uid:U-5500"},
                      headers=alice).status_code == 403
    missing = client.get("/api/v1/agent/privacy/export", params={"trader": "uid:U-1"},
                         headers=supervisor)
    assert missing.status_code == 404
    response = client.get("/api/v1/agent/privacy/export", params={"trader": "uid:U-5500"},
                          headers=supervisor)
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["format"] == "supportbot-trader-export" and document["version"] == 1
    [conversation] = document["conversations"]
    assert conversation["id"] == trader and conversation["csat"] == 5
    assert "Exportme question about my deposit" in [m["text"] for m in conversation["messages"]]
    assert conversation["cases"][0]["resolution"] == "credited"
    assert conversation["cases"][0]["status"] == "closed"
    assert conversation["attachments"][0]["id"] == attachment
    audit = client.get("/api/v1/agent/audit", headers=supervisor).json()
    assert any(entry["action"] == "export" and entry["conversation_id"] == trader
               and entry["agent"] == "sam" for entry in audit)

    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", str(services.db.url))
    out = tmp_path / "trader.zip"
    assert main(["privacy", "export", "--uid", "U-5500", "--out", str(out)]) == 0
    line = capsys.readouterr().out
    assert line.startswith("exported 1 conversation(s) of uid U-5500:")
    assert "Exportme" not in line
    with zipfile.ZipFile(out) as archive:
        exported = json.loads(archive.read("export.json"))
        stored = client.app.state.attachments.get(attachment)[1]
        assert archive.read(f"files/{attachment}-receipt.png") == stored
    assert exported["conversations"][0]["messages"] == conversation["messages"]
    as_json = tmp_path / "trader.json"
    assert main(["privacy", "export", "--uid", "U-5500", "--out", str(as_json)]) == 0
    assert json.loads(Path(as_json).read_text())["version"] == 1
    assert main(["privacy", "export", "--uid", "U-404", "--out", str(as_json)]) == 1


def test_the_server_sweeps_at_start_up(settings, tiny_nlu, sqlite_url, tmp_path):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from bot.server.app import create_app
    from tests.conftest import make_services

    local = settings.model_copy(update={"paths": settings.paths.model_copy(
        update={"data_dir": str(tmp_path / "data")})})
    services = make_services(local, tiny_nlu, sqlite_url)
    try:
        old = services.dialogue.open("api", "api:old", None)
        with services.db.begin() as connection:
            from bot.conversations.store import ConversationStore

            ConversationStore.add_message(connection, old, "user", "Startupsweeptext")
        _age(services, old, 400)
        with TestClient(create_app(services)):
            deadline = time.time() + 10
            while _texts(services, old) != [""] and time.time() < deadline:
                time.sleep(0.1)
        assert _texts(services, old) == [""]
    finally:
        services.db.dispose()
