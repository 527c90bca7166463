"""Live updates are pushed across server processes: a change made through one process
reaches a WebSocket held by another at once (the keep-alive re-read comes only every
25 s, so an update within a few seconds can only have been pushed)."""

from __future__ import annotations

import json
import time

import httpx
from websockets.sync.client import connect

from bot.server.live import KEEPALIVE_SECONDS
from tests.server.live_server import live_server


def _pushed_across(model_dir, folder_a, folder_b, env=None, conversation=None):  # type: ignore[no-untyped-def]
    with live_server(model_dir, folder_a, env) as (base_a, _, _), \
            live_server(model_dir, folder_b, env) as (base_b, _, _):
        if conversation is None:
            conversation = httpx.post(f"{base_a}/api/v1/conversations",
                                      json={}).json()["id"]
        socket_url = base_a.replace("http", "ws") + f"/ws/conversations/{conversation}?after=0"
        with connect(socket_url) as socket:
            time.sleep(1.0)  # the socket is waiting
            started = time.monotonic()
            reply = httpx.post(f"{base_b}/api/v1/conversations/{conversation}/messages",
                               json={"text": "how do I deposit usdt?"}, timeout=30)
            assert reply.status_code == 200
            if _bot_reply_arrives(socket, started + KEEPALIVE_SECONDS / 5):
                return time.monotonic() - started
    raise AssertionError("the other process's change was not pushed")


def _bot_reply_arrives(socket, deadline):  # type: ignore[no-untyped-def]
    while time.monotonic() < deadline:
        frame = json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
        if frame["type"] == "update" and any(m["author"] == "bot" for m in frame["messages"]):
            return True
    return False


def test_sqlite_workers_push_to_each_other(shipped_model_dir, tmp_path):
    # Two processes on one SQLite file: the second server's folder is the first's data.
    shared = tmp_path / "a"
    shared.mkdir()
    other = tmp_path / "b"
    other.mkdir()
    env = {"SUPPORTBOT_DATABASE_URL": f"sqlite:///{shared / 'supportbot.sqlite3'}"}
    _pushed_across(shipped_model_dir, shared, other, env)


def test_three_postgres_processes_push_to_each_other(shipped_model_dir, tmp_path,
                                                     postgres_url):
    """The several-machine deployment in miniature: three stateless processes on three
    ports, one PostgreSQL. A change through the second reaches sockets on the first and
    the third."""
    for name in "abc":
        (tmp_path / name).mkdir()
    env = {"SUPPORTBOT_DATABASE_URL": postgres_url}
    with live_server(shipped_model_dir, tmp_path / "c", env) as (base_c, _, _):
        conversation = httpx.post(f"{base_c}/api/v1/conversations", json={}).json()["id"]
        url = base_c.replace("http", "ws") + f"/ws/conversations/{conversation}?after=0"
        with connect(url) as third:
            _pushed_across(shipped_model_dir, tmp_path / "a", tmp_path / "b", env,
                           conversation)
            assert _bot_reply_arrives(third, time.monotonic() + KEEPALIVE_SECONDS / 5)
