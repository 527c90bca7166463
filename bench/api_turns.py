"""One full turn through the HTTP API on loopback: latency at 1 and 50 concurrent
conversations, and turns per second.

    .venv/bin/python -m bench.api_turns [--workers 2] [--database postgresql://…]

Starts `supportbot run` as a separate process, then drives it from this one. The load
generator is a few lines of asyncio HTTP/1.1 over keep-alive sockets rather than a full
client library: it shares the same 2 cores with the server, so every millisecond it spends
is a millisecond the server loses. Only 127.0.0.1 is contacted.

Scenarios (fresh conversations each):
- 1 conversation, messages back to back;
- 50 conversations, messages back to back (closed loop): the server's capacity; with no
  pause the latency is queueing by construction (Little's law: 50 / throughput);
- 50 conversations at a trader's pace: after each reply the user pauses a random
  0.5-1.5 x `--pause` seconds before the next message (default 1 s, so ~50 turns/s
  offered), which is what "50 concurrent conversations" looks like in a live chat.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import ROOT, dump, machine

MESSAGES = [
    "my usdt deposit has not arrived yet", "usdt充值还没到账", "mi retiro sigue pendiente",
    "как вывести usdt на кошелек?", "出金が反映されない", "입금이 안 들어와요",
    "wie hoch sind die Gebühren?", "comment activer la 2FA ?", "para çekme beklemede",
    "como faço para depositar?", "ordine non eseguito", "rút tiền bị treo",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class HttpConnection:
    """One keep-alive HTTP/1.1 connection that posts JSON and reads JSON back."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: object | None = None
                      ) -> tuple[int, object]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        data = json.dumps(body).encode() if body is not None else b""
        self.writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n".encode()
            + data)
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        payload = await self.reader.readexactly(length)
        return status, json.loads(payload) if payload else None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _start(
    port: int, workers: int, data_dir: Path, database: str | None
) -> subprocess.Popen[bytes]:
    config = data_dir / "config.yml"
    config.write_text((ROOT / "config.yml").read_text() +
                      f"\npaths:\n  nlu_data: {ROOT / 'nlu_data'}\n"
                      f"  safety_data: {ROOT / 'safety_data'}\n"
                      f"  faq_corpus: {ROOT / 'faq_corpus'}\n  responses: {ROOT / 'responses'}\n"
                      f"  models: {ROOT / 'models'}\n  data_dir: {data_dir}\n")
    env = {**os.environ, "SUPPORTBOT_DATABASE_URL": database or ""}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), "run", "--port", str(port),
         "--workers", str(workers)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            status, _ = asyncio.run(HttpConnection(port).request("GET", "/healthz"))
            if status == 200:
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("server did not start")


async def _conversation(port: int, turns: int, offset: int, pause: float,
                        timings: list[float], rng: random.Random) -> None:
    connection = HttpConnection(port)
    try:
        status, opened = await connection.request("POST", "/api/v1/conversations", {})
        assert status == 201 and isinstance(opened, dict), (status, opened)
        path = f"/api/v1/conversations/{opened['id']}/messages"
        if pause:
            await asyncio.sleep(rng.uniform(0, pause))  # users do not all start at once
        for i in range(turns):
            text = MESSAGES[(offset + i) % len(MESSAGES)]
            started = time.perf_counter()
            status, _ = await connection.request("POST", path, {"text": text})
            timings.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise SystemExit(f"turn failed with HTTP {status}")
            if pause:
                await asyncio.sleep(rng.uniform(0.5 * pause, 1.5 * pause))
    finally:
        connection.close()


async def _load(port: int, concurrency: int, turns: int, pause: float = 0.0
                ) -> dict[str, object]:
    timings: list[float] = []
    rng = random.Random(7)
    started = time.perf_counter()
    await asyncio.gather(*[_conversation(port, turns, i, pause, timings, rng)
                           for i in range(concurrency)])
    elapsed = time.perf_counter() - started
    data = np.array(timings)
    return {"concurrent_conversations": concurrency,
            "pause_between_messages_s": f"{0.5 * pause:g}-{1.5 * pause:g}" if pause else 0,
            "turns": len(data),
            "p50_ms": round(float(np.percentile(data, 50)), 1),
            "p90_ms": round(float(np.percentile(data, 90)), 1),
            "p99_ms": round(float(np.percentile(data, 99)), 1),
            "turns_per_second": round(len(data) / elapsed, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database", help="postgresql://… (default: SQLite in a temp dir)")
    parser.add_argument("--turns", type=int, default=20, help="turns per conversation")
    parser.add_argument("--pause", type=float, default=1.0,
                        help="mean seconds a user pauses between messages (paced scenario)")
    args = parser.parse_args()
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = _start(port, args.workers, Path(tmp), args.database)
        try:
            asyncio.run(_load(port, 8, 5))  # warm-up: caches, connection pools, every worker
            results = [asyncio.run(_load(port, 1, 200)),
                       asyncio.run(_load(port, 50, args.turns)),
                       asyncio.run(_load(port, 50, args.turns, pause=args.pause))]
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    dump({"benchmark": "one user turn through POST /api/v1/conversations/{id}/messages",
          "server_workers": args.workers, "database": "postgresql" if args.database else "sqlite",
          "results": results, "machine": machine()})


if __name__ == "__main__":
    main()
