"""Backup → wipe → restore gives the same conversations, messages and files; a garbage
file or a database held by a running server is refused."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from bot.storage.schema import attachments, conversations, handoffs, messages
from tests.privacy.conftest import closed_by_agent, handed_over, say, upload


def _rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                "conversations": [tuple(r) for r in connection.execute(
                    select(conversations.c.id, conversations.c.state, conversations.c.csat,
                           conversations.c.created_at).order_by(conversations.c.id))],
                "messages": [tuple(r) for r in connection.execute(
                    select(messages.c.id, messages.c.conversation_id, messages.c.author,
                           messages.c.text).order_by(messages.c.id))],
                "handoffs": [tuple(r) for r in connection.execute(
                    select(handoffs.c.id, handoffs.c.status, handoffs.c.resolution)
                    .order_by(handoffs.c.id))],
                "attachments": [tuple(r) for r in connection.execute(
                    select(attachments.c.id, attachments.c.sha256).order_by(attachments.c.id))],
            }
    finally:
        engine.dispose()


def test_backup_wipe_restore(client, services, agent_headers, monkeypatch, capsys, tmp_path):  # type: ignore[no-untyped-def]
    from bot.cli import main

    alice = agent_headers("alice", ["en"])
    first, case = handed_over(client, "Backupworthy question about a deposit")
    attachment = upload(client, first)
    closed_by_agent(client, alice, case, "on it", "credited")
    second = client.post("/api/v1/conversations", json={"channel": "api"}).json()["id"]
    say(client, second, "what are the trading fees")
    url = str(services.db.url)
    database = Path(str(services.db.url.database))
    folder = database.parent / "attachments"
    before = _rows(url)
    file_bytes = client.app.state.attachments.get(attachment)[1]
    assert len(before["conversations"]) == 2 and len(before["messages"]) >= 6

    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", url)
    archive = tmp_path / "backups" / "supportbot.tar"
    # Taken while the server (this test's app) holds the database open.
    assert main(["backup", str(archive)]) == 0
    line = capsys.readouterr().out.strip()
    assert line == f"backed up 2 conversation(s), {len(before['messages'])} message(s), " \
                   f"1 file(s) → {archive}"

    services.db.dispose()
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        path.unlink(missing_ok=True)
    shutil.rmtree(folder)

    assert main(["restore", str(archive)]) == 0
    assert capsys.readouterr().out.startswith("restored 2 conversation(s)")
    assert _rows(url) == before
    restored = folder / attachment[:2] / attachment
    assert restored.read_bytes() == file_bytes
    # The running app reads the restored database too.
    turn = client.get(f"/api/v1/conversations/{first}").json()
    assert "Backupworthy question about a deposit" in [m["text"] for m in turn["messages"]]


def test_restore_refuses_garbage_and_a_database_in_use(services, monkeypatch, capsys, tmp_path):  # type: ignore[no-untyped-def]
    from bot.cli import main
    from bot.storage import backup

    url = str(services.db.url)
    database = Path(str(services.db.url.database))
    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", url)
    before = database.read_bytes()
    garbage = tmp_path / "garbage.tar"
    garbage.write_bytes(os.urandom(4096))
    assert main(["restore", str(garbage)]) == 2
    assert "not a supportbot backup" in capsys.readouterr().err
    not_ours = tmp_path / "other.tar"
    subprocess.run(["tar", "-cf", str(not_ours), "-C", str(tmp_path), "garbage.tar"], check=True)
    assert main(["restore", str(not_ours)]) == 2
    assert "no manifest" in capsys.readouterr().err
    assert main(["restore", str(tmp_path / "missing.tar")]) == 2
    assert database.read_bytes() == before

    archive = tmp_path / "good.tar"
    assert main(["backup", str(archive)]) == 0
    backup.hold(database)  # what every server process does at start-up
    assert backup.in_use(database)
    assert main(["restore", str(archive)]) == 2
    assert "in use by a running server" in capsys.readouterr().err
    assert main(["restore", str(archive), "--force"]) == 0


@pytest.mark.postgres
def test_postgres_backup_wipe_restore(postgres_url, settings, tiny_nlu, monkeypatch, capsys,
                                      tmp_path):  # type: ignore[no-untyped-def]
    """pg_dump → the schema dropped → pg_restore: the same conversations, messages, cases
    and files (the bytes live in the database on PostgreSQL). The tests' database holds
    one schema per test: the dump and the restore touch this one only."""
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from bot.cli import main
    from bot.server.app import create_app
    from tests.conftest import make_services

    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        message = "pg_dump / pg_restore are not installed (Debian: postgresql-client)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    services = make_services(settings, tiny_nlu, postgres_url)
    with TestClient(create_app(services, background=False)) as client:
        first, _case = handed_over(client, "Backupworthy question about a withdrawal")
        attachment = upload(client, first)
        second = client.post("/api/v1/conversations", json={"channel": "api"}).json()["id"]
        say(client, second, "what are the trading fees")
        file_bytes = client.app.state.attachments.get(attachment)[1]
    services.db.dispose()
    before = _rows(postgres_url)
    assert len(before["conversations"]) == 2 and len(before["attachments"]) == 1

    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", postgres_url)
    out = tmp_path / "pg.dump"
    assert main(["backup", str(out)]) == 0, capsys.readouterr().err
    assert out.read_bytes()[:5] == b"PGDMP"
    assert "pg_restore" in capsys.readouterr().out

    schema = postgres_url.rsplit("search_path%3D", 1)[1]
    wipe = create_engine(postgres_url.split("?", 1)[0])
    with wipe.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    wipe.dispose()

    assert main(["restore", str(out)]) == 2  # a live database: only with --force
    assert "--force" in capsys.readouterr().err
    assert main(["restore", str(out), "--force"]) == 0, capsys.readouterr().err
    assert _rows(postgres_url) == before
    services = make_services(settings, tiny_nlu, postgres_url)
    try:
        with TestClient(create_app(services, background=False)) as client:
            assert client.app.state.attachments.get(attachment)[1] == file_bytes
            turn = client.get(f"/api/v1/conversations/{first}").json()
            assert "Backupworthy question about a withdrawal" in [
                m["text"] for m in turn["messages"]]
    finally:
        services.db.dispose()
