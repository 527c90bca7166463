"""SIGKILL the server mid-conversation: after a restart nothing is lost."""

from __future__ import annotations

import signal

import httpx

from tests.server.live_server import live_server


def test_kill_9_mid_conversation_keeps_messages_and_queue_place(shipped_model_dir, tmp_path):
    with live_server(shipped_model_dir, tmp_path) as (base, _config, server):
        api = f"{base}/api/v1/conversations"
        first = httpx.post(api, json={}).json()["id"]
        second = httpx.post(api, json={}).json()["id"]
        httpx.post(f"{api}/{first}/messages", json={"text": "I need a human agent"})
        httpx.post(f"{api}/{second}/messages", json={"text": "agent please, now"})
        httpx.post(f"{api}/{second}/messages", json={"text": "my deposit of 500 USDT is missing"})
        before = httpx.get(f"{api}/{second}/messages").json()
        server.send_signal(signal.SIGKILL)
        server.wait()
    # Same data folder, a new process.
    with live_server(shipped_model_dir, tmp_path) as (base, _config, _server):
        api = f"{base}/api/v1/conversations"
        after = httpx.get(f"{api}/{second}/messages").json()
        assert after["messages"] == before["messages"]
        assert after["state"] == "queued"
        assert after["handoff"]["position"] == before["handoff"]["position"] == 2
        assert httpx.get(f"{api}/{first}/messages").json()["handoff"]["position"] == 1
