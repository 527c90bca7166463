"""One full turn through the HTTP API on loopback: latency at 1 and 50 concurrent
conversations, and turns per second.

    .venv/bin/python -m bench.api_turns [--workers 2] [--database postgresql://…]

Starts `supportbot run` as a separate process (its own cores), then drives it with
httpx from this process. Every conversation sends realistic messages one after another;
only 127.0.0.1 is contacted; the run is bounded by --turns.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
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


def _start(
    port: int, workers: int, data_dir: Path, database: str | None
) -> subprocess.Popen[bytes]:
    config = data_dir / "config.yml"
    config.write_text((ROOT / "config.yml").read_text() +
                      f"\npaths:\n  nlu_data: {ROOT / 'nlu_data'}\n"
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
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("server did not start")


async def _conversation(client: httpx.AsyncClient, base: str, turns: int, offset: int,
                        timings: list[float]) -> None:
    conversation = (await client.post(base, json={})).json()["id"]
    for i in range(turns):
        text = MESSAGES[(offset + i) % len(MESSAGES)]
        started = time.perf_counter()
        response = await client.post(f"{base}/{conversation}/messages", json={"text": text})
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()


async def _load(port: int, concurrency: int, turns: int) -> dict[str, float]:
    base = f"http://127.0.0.1:{port}/api/v1/conversations"
    timings: list[float] = []
    limits = httpx.Limits(max_connections=concurrency + 5)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        started = time.perf_counter()
        await asyncio.gather(*[_conversation(client, base, turns, i, timings)
                               for i in range(concurrency)])
        elapsed = time.perf_counter() - started
    data = np.array(timings)
    return {"concurrent_conversations": concurrency, "turns": len(data),
            "p50_ms": round(float(np.percentile(data, 50)), 1),
            "p99_ms": round(float(np.percentile(data, 99)), 1),
            "turns_per_second": round(len(data) / elapsed, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database", help="postgresql://… (default: SQLite in a temp dir)")
    parser.add_argument("--turns", type=int, default=20, help="turns per conversation")
    args = parser.parse_args()
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = _start(port, args.workers, Path(tmp), args.database)
        try:
            asyncio.run(_load(port, 5, 4))  # warm-up: caches, connection pools
            results = [asyncio.run(_load(port, 1, 60)),
                       asyncio.run(_load(port, 50, args.turns))]
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    dump({"benchmark": "one user turn through POST /api/v1/conversations/{id}/messages",
          "server_workers": args.workers, "database": "postgresql" if args.database else "sqlite",
          "results": results, "machine": machine()})


if __name__ == "__main__":
    main()
