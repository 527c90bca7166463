"""SIGKILL the server mid-conversation: after a restart nothing is lost, and no child
process of the killed server lingers."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

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


def _routine_child(server_pid: int) -> int | None:
    """The server's routine-understanding child (a multiprocessing spawn), if any."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == server_pid and fields[0] != "Z" and b"spawn_main" in command:
            return int(entry.name)
    return None


def _gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


def test_the_routine_understanding_child_starts_low_and_ends_with_its_server(
        shipped_model_dir, tmp_path):
    for how in ("SIGTERM", "SIGKILL"):
        with live_server(shipped_model_dir, tmp_path / how) as (base, _config, server):
            child = _routine_child(server.pid)
            assert child is not None, "a server starts its routine child with itself"
            # The health report says when the child has loaded (and warmed) its models.
            states = []
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                states.append(httpx.get(f"{base}/healthz").json()["children"][
                    "routine_understanding"])
                if states[-1] == "ready":
                    break
                time.sleep(0.2)
            assert states[-1] == "ready" and set(states) <= {"loading", "ready"}, states
            # The server read its warm-up messages before it served.
            assert "models warmed up in" in (tmp_path / how / "server.log").read_text()
            assert os.getpriority(os.PRIO_PROCESS, child) == min(
                19, os.getpriority(os.PRIO_PROCESS, server.pid) + 10)
            if how == "SIGKILL":
                server.send_signal(signal.SIGKILL)
                server.wait(timeout=10)
        assert _gone(child, within=10), f"the child outlived a server stopped by {how}"
