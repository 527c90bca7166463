"""What idle chats cost, and how fast a change crosses processes.

Starts two `supportbot run` processes (one worker each) on one database, opens `--sockets`
widget WebSockets spread over both, each on its own conversation, and leaves them idle:
the servers' CPU over `--seconds` is read from /proc (user + system time of both
processes), as a share of one core. Then `--trials` times: a user message is posted
through process B for a conversation whose socket is held by process A; the delay from
the answer of B's POST to the update frame on A's socket gives the cross-process push
latency (median and p99).

    .venv/bin/python -m bench.idle_sockets [--database postgresql://…] [--sockets 2000]
        [--seconds 60] [--trials 100] [--model models]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import websockets

from bench.common import dump, machine
from tests.server.live_server import live_server

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


async def _open(bases: list[str], count: int) -> list[tuple[str, str, object]]:
    sockets: list[tuple[str, str, object]] = []
    async with httpx.AsyncClient(timeout=30) as client:
        for i in range(count):
            base = bases[i % len(bases)]
            conversation = (await client.post(f"{base}/api/v1/conversations",
                                              json={})).json()["id"]
            url = base.replace("http", "ws") + f"/ws/conversations/{conversation}?after=0"
            sockets.append((base, conversation, await websockets.connect(url)))
    return sockets


async def _trial(socket: object, base_b: str, conversation: str) -> float:
    async with httpx.AsyncClient(timeout=60) as client:
        response = await client.post(f"{base_b}/api/v1/conversations/{conversation}/messages",
                                     json={"text": "hello"})
        answered = time.monotonic()
        assert response.status_code == 200
    while True:
        frame = json.loads(await socket.recv())  # type: ignore[attr-defined]
        if frame.get("type") == "update" and frame.get("messages"):
            return max(0.0, time.monotonic() - answered) * 1000


async def _run(args: argparse.Namespace, bases: list[str], pids: list[int]) -> dict:
    sockets = await _open(bases, args.sockets)
    await asyncio.sleep(3)  # settle
    before = sum(_cpu_seconds(p) for p in pids)
    started = time.monotonic()
    await asyncio.sleep(args.seconds)
    used = sum(_cpu_seconds(p) for p in pids) - before
    elapsed = time.monotonic() - started
    latencies = []
    held_by_a = [(c, s) for base, c, s in sockets if base == bases[0]]
    for conversation, socket in held_by_a[: args.trials]:
        latencies.append(await _trial(socket, bases[1], conversation))
    for _, _, socket in sockets:
        await socket.close()  # type: ignore[attr-defined]
    return {
        "idle_cpu_share_of_one_core": round(used / elapsed, 4),
        "idle_seconds": round(elapsed, 1), "sockets": len(sockets),
        "push_latency_ms": {"p50": round(float(np.percentile(latencies, 50)), 1),
                            "p99": round(float(np.percentile(latencies, 99)), 1),
                            "n": len(latencies)},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="")
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--model", default="models")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "a").mkdir()
        (root / "b").mkdir()
        database = args.database or f"sqlite:///{root / 'a' / 'supportbot.sqlite3'}"
        env = {"SUPPORTBOT_DATABASE_URL": database}
        model = Path(args.model).resolve()
        with live_server(model, root / "a", env) as (base_a, _, server_a), \
                live_server(model, root / "b", env) as (base_b, _, server_b):
            result = asyncio.run(_run(args, [base_a, base_b], [server_a.pid, server_b.pid]))
    dump({"machine": machine(), "database": database.split("@")[-1].split("?")[0],
          **result})


if __name__ == "__main__":
    main()
