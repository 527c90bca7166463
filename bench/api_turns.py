"""One full turn through the HTTP API on loopback: latency at 1 and 50 concurrent
conversations, and turns per second.

    .venv/bin/python -m bench.api_turns [--workers 2] [--database postgresql://…]
    .venv/bin/python -m bench.api_turns --overload [--conversations 200] [--database …]

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

`--overload`: `--conversations` (200) users at that pace, more than 2 cores can answer at
once, sending `Prefer: respond-async` as the widget does, against fresh servers: first 20
users (light load: the P1 baseline), then the 200 with the busy mode off
(`limits.busy_after` so high it never triggers: every user waits) and with the shipped
setting (a 202 "busy, your reply follows" and the reply over the WebSocket);
`--server-root DIR` runs the server of another checkout instead (a before/after). Each
user keeps the widget's socket open; the first answer is the HTTP reply, or for a 202 the
first bot message pushed after it. One conversation in 10 reports an account takeover in
one of its first three turns (and then waits for the human): those P1 first answers are
reported apart, measured since 0.10.5 from a client process of their own, as a trader's
own device would (`--probes-in-generator`: inside the load generator, as before). Since
0.11.4 that process also opens a new conversation with a takeover report every
`--p1-every` seconds while the traders talk, so that a p99 rests on more than 20 samples.
Nothing lost: every message sent is stored once and answered (checked through the API at
the end).
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
import uuid
from pathlib import Path

import numpy as np

from bench.common import ROOT, dump, machine

MESSAGES = [
    "my usdt deposit has not arrived yet", "usdt充值还没到账", "mi retiro sigue pendiente",
    "как вывести usdt на кошелек?", "出金が反映されない", "입금이 안 들어와요",
    "wie hoch sind die Gebühren?", "comment activer la 2FA ?", "para çekme beklemede",
    "como faço para depositar?", "ordine non eseguito", "rút tiền bị treo",
]
# Written for this benchmark: account takeovers, worded as a trader would.
INCIDENTS = [
    "someone logged into my account and withdrew all my USDT, that wasn't me",
    "我的账户被盗了，里面的币全被转走了，不是我操作的",
    "alguien cambió mi contraseña y sacó todo mi saldo, yo no fui",
    "мой аккаунт взломали и вывели все деньги, это был не я",
    "jemand hat mein Passwort geändert und alles abgehoben, das war ich nicht",
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

    async def request(self, method: str, path: str, body: object | None = None,
                      headers: str = "") -> tuple[int, object]:
        data = json.dumps(body).encode() if body is not None else b""
        for _ in range(2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1",
                                                                         self.port)
            assert self.reader is not None
            self.writer.write(
                f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}"
                f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
                .encode() + data)
            try:
                line = await self.reader.readline()
            except ConnectionError:
                line = b""
            if line:
                break
            # The server closed an idle keep-alive connection (uvicorn: after 5 s; a reset
            # when the request crossed the close). Every request here is idempotent
            # (messages carry a client id): send it again.
            self.close()
            self.writer = None
        status = int(line.split()[1])
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


async def _health(port: int) -> tuple[int, object]:
    connection = HttpConnection(port)
    try:
        return await connection.request("GET", "/healthz")
    finally:
        connection.close()  # inside the loop that opened it


def _start(
    port: int, workers: int, data_dir: Path, database: str | None,
    limits: dict[str, object] | None = None, server_root: Path = ROOT,
) -> subprocess.Popen[bytes]:
    import yaml

    config = data_dir / "config.yml"
    values = yaml.safe_load((ROOT / "config.yml").read_text())
    values["paths"] = {"nlu_data": str(ROOT / "nlu_data"),
                       "safety_data": str(ROOT / "safety_data"),
                       "faq_corpus": str(ROOT / "faq_corpus"),
                       "responses": str(ROOT / "responses"), "models": str(ROOT / "models"),
                       "data_dir": str(data_dir),
                       # Part of the model's fingerprint (0.11.5); an older server has none.
                       **({"calibration_data": [
                           str(ROOT / pattern)
                           for pattern in values.get("paths", {}).get("calibration_data", [])]}
                          if server_root == ROOT else {})}
    # Every simulated user shares 127.0.0.1: lift the per-address caps (and the per-
    # conversation flood limit, which back-to-back sending exceeds by design).
    lifted = {"connections_per_client": 10_000}
    if server_root == ROOT:  # keys an earlier version's config would refuse
        lifted |= {"messages_per_client": 100_000, "messages_per_conversation": 10_000}
    values["limits"] = {**values.get("limits", {}), **lifted, **(limits or {})}
    config.write_text(yaml.safe_dump(values, allow_unicode=True))
    env = {**os.environ, "SUPPORTBOT_DATABASE_URL": database or ""}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), "run", "--port", str(port),
         "--workers", str(workers)], cwd=server_root, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 180
    settled = 0  # answers in a row with no child loading: with --workers N, any worker answers
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            status, health = asyncio.run(_health(port))
            # Since 0.11.15 the health report says whether the routine child has loaded its
            # models: until then the server does its work itself, and the first seconds
            # of a flood would measure that (an earlier version's report has no
            # "children").
            children = health.get("children", {}) if isinstance(health, dict) else {}
            settled = settled + 1 if status == 200 and "loading" not in children.values() else 0
            if settled >= 5 * workers:
                return process
            time.sleep(0.2)
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


class _Live:
    """The widget's socket of one conversation: when each bot message arrived."""

    def __init__(self) -> None:
        self.arrived: dict[int, float] = {}
        self.state = "bot"
        self.changed = asyncio.Event()

    async def read(self, socket: object) -> None:
        async for raw in socket:  # type: ignore[attr-defined]
            frame = json.loads(raw)
            if frame.get("type") != "update":
                continue
            for message in frame["messages"]:
                if message["author"] != "user":
                    self.arrived.setdefault(int(message["id"]), time.perf_counter())
            self.state = frame.get("state") or self.state
            self.changed.set()

    async def answer_after(self, message_id: int, timeout: float) -> float:
        deadline = time.perf_counter() + timeout
        while True:
            later = [at for mid, at in self.arrived.items() if mid > message_id]
            if later:
                return min(later)
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), max(0.01, deadline - time.perf_counter()))


async def _trader(port: int, turns: int, offset: int, pause: float, rng: random.Random,
                  incident_at: int | None, out: dict[str, list]) -> None:
    import websockets

    connection = HttpConnection(port)
    try:
        status, opened = await connection.request("POST", "/api/v1/conversations", {})
        assert status == 201 and isinstance(opened, dict), (status, opened)
        conversation = opened["id"]
        live = _Live()
        async with websockets.connect(
                f"ws://127.0.0.1:{port}/ws/conversations/{conversation}?after=0") as socket:
            reader = asyncio.create_task(live.read(socket))
            await asyncio.sleep(rng.uniform(0, pause))  # users do not all start at once
            sent = 0
            for i in range(turns):
                urgent = i == incident_at
                text = (INCIDENTS[offset % len(INCIDENTS)] if urgent
                        else MESSAGES[(offset + i) % len(MESSAGES)])
                started = time.perf_counter()
                status, turn = await connection.request(
                    "POST", f"/api/v1/conversations/{conversation}/messages",
                    {"text": text, "client_message_id": str(uuid.uuid4())},
                    "Prefer: respond-async\r\n")
                sent += 1
                out["response"].append((time.perf_counter() - started) * 1000)
                if status not in (200, 202) or not isinstance(turn, dict):
                    out["errors"].append(status)
                    break
                if status == 202:
                    out["busy"].append(1)
                    try:
                        answered = await live.answer_after(int(turn["message_id"]), 300)
                    except TimeoutError:
                        out["unanswered"].append(turn["message_id"])
                        break
                else:
                    answered = time.perf_counter()
                out["p1" if urgent else "routine"].append((answered - started) * 1000)
                # A deferred turn's state arrives with its replies, over the socket.
                if turn["state"] in ("queued", "with_agent") or urgent or (
                        status == 202 and live.state in ("queued", "with_agent")):
                    break  # a human has it now: the bot stays quiet, the user waits for them
                await asyncio.sleep(rng.uniform(0.5 * pause, 1.5 * pause))
            reader.cancel()
        status, stored = await connection.request(
            "GET", f"/api/v1/conversations/{conversation}/messages")
        assert isinstance(stored, dict)
        users = [m for m in stored["messages"] if m["author"] == "user"]
        out["stored_vs_sent"].append(len(users) - sent)
    finally:
        connection.close()


def _tally() -> dict[str, list]:
    """What the traders of one process record: first answers, notices, failures."""
    return {"routine": [], "p1": [], "busy": [], "errors": [], "unanswered": [],
            "stored_vs_sent": [], "response": [], "p1_stream": [], "p1_traders": []}


async def _probes(port: int, indices: list[int], turns: int, pause: float, every: float
                  ) -> dict[str, list]:
    """The probe traders, and beside them a steady stream of takeover reports (one new
    conversation each `every` seconds while the traders talk): 20 probes alone give a p99
    that is one slow sample."""
    rng = random.Random(13)
    traders = asyncio.create_task(_traders(port, indices, turns, pause, 12))
    stream = _tally()
    reports = []
    if every > 0:
        for k in range(int(turns * pause / every)):
            reports.append(asyncio.create_task(
                _trader(port, 1, k, 0.0, rng, 0, stream)))
            await asyncio.sleep(every)
    out = await traders
    await asyncio.gather(*reports)
    out["p1_traders"] = list(out["p1"])
    for key, values in stream.items():
        out[key] += values
    out["p1_stream"] = list(stream["p1"])
    return out


def _is_probe(index: int) -> bool:
    """One conversation in ten reports a takeover: the P1 probes."""
    return index % 10 == 7


async def _traders(port: int, indices: list[int], turns: int, pause: float, seed: int
                   ) -> dict[str, list]:
    rng = random.Random(seed)
    out = _tally()
    await asyncio.gather(*[
        _trader(port, turns, i, pause, rng,
                rng.randrange(min(3, turns)) if _is_probe(i) else None, out)
        for i in indices])
    return out


async def _other_traders(port: int, conversations: int, turns: int, pause: float
                         ) -> dict[str, list]:
    """The traders who are not probes (seed 11), wherever they run."""
    others = [i for i in range(conversations) if not _is_probe(i)]
    return await _traders(port, others, turns, pause, 11)


async def _niced_traders(port: int, conversations: int, turns: int, pause: float,
                         nice: int) -> dict[str, list]:
    """The traders who are not probes, from a process of their own at `nice`: their
    devices are not on the server's cores in real life; on this 2-core VM the nearest to
    that is a generator that only gets the CPU the server leaves."""
    traders = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.api_turns", "--traders", str(port),
        "--conversations", str(conversations), "--turns", str(turns),
        "--pause", str(pause), stdout=asyncio.subprocess.PIPE, cwd=ROOT,
        preexec_fn=lambda: os.nice(nice))
    printed, _ = await traders.communicate()
    if traders.returncode:
        raise SystemExit(f"the load generator failed with exit status {traders.returncode}")
    result: dict[str, list] = json.loads(printed)
    return result


async def _overload(port: int, conversations: int, turns: int, pause: float,
                    probes_apart: bool = True, p1_every: float = 0.0,
                    generator_nice: int = 0) -> dict[str, object]:
    """`probes_apart`: the P1 probes' traders run in a process of their own. Each trader
    has a device of their own; in one asyncio process with the other 180, a probe's
    clock also counts the time the generator's own loop (200 sockets, on the server's
    two cores) took to notice the reply. `generator_nice`: the other traders run in a
    process of their own at that nice value (0: in this process)."""
    everyone = list(range(conversations))
    started = time.perf_counter()
    if not probes_apart:
        out = await _traders(port, everyone, turns, pause, 11)
        out["p1_traders"] = list(out["p1"])
    else:
        probe = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.api_turns", "--probe", str(port),
            "--conversations", str(conversations), "--turns", str(turns),
            "--pause", str(pause), "--p1-every", str(p1_every),
            stdout=asyncio.subprocess.PIPE, cwd=ROOT)
        try:
            if generator_nice:
                out = await _niced_traders(port, conversations, turns, pause, generator_nice)
            else:
                out = await _other_traders(port, conversations, turns, pause)
        except BaseException:
            probe.kill()  # no probe process left behind by a failed run
            await probe.wait()
            raise
        probed, _ = await probe.communicate()
        for key, values in json.loads(probed).items():
            out[key] += values
    elapsed = time.perf_counter() - started

    def spread(values: list[float]) -> dict[str, float]:
        data = np.array(values or [0.0])
        return {"p50_ms": round(float(np.percentile(data, 50)), 1),
                "p99_ms": round(float(np.percentile(data, 99)), 1),
                "max_ms": round(float(data.max()), 1)}

    answered = len(out["routine"]) + len(out["p1"])
    return {"conversations": conversations, "turns_answered": answered,
            "turns_per_second": round(answered / elapsed, 1),
            "http_response": spread(out["response"]),
            "first_answer_routine": spread(out["routine"]),
            "first_answer_p1": {**spread(out["p1"]), "count": len(out["p1"])},
            # Apart: the steady stream of takeover reports (one each `--p1-every` s, the same
            # schedule at light load and under overload), and the 1-in-10 traders' own,
            # which all come in their first three turns, while every conversation opens.
            "first_answer_p1_stream": {**spread(out["p1_stream"]),
                                       "count": len(out["p1_stream"])},
            "first_answer_p1_traders": {**spread(out["p1_traders"]),
                                        "count": len(out["p1_traders"])},
            "busy_notices": len(out["busy"]), "errors": len(out["errors"]),
            "unanswered": len(out["unanswered"]),
            "lost_or_duplicated": sum(abs(d) for d in out["stored_vs_sent"])}


def _overload_main(args: argparse.Namespace) -> None:
    runs = []
    settings = [("light load: 20 conversations (the P1 baseline)", None, 20),
                ("busy mode off (every user waits)", 100_000, args.conversations),
                ("busy mode on (shipped limits.busy_after)", None, args.conversations)]
    if args.busy_after:
        settings = [(f"busy mode on, limits.busy_after {args.busy_after}", args.busy_after,
                     args.conversations)]
    if args.server_root:  # an earlier version, for a before/after: its own settings
        settings = [(f"server from {args.server_root}", None, args.conversations)]
    for label, busy_after, conversations in settings:
        port = _free_port()
        with tempfile.TemporaryDirectory() as tmp:
            limits: dict[str, object] = {}
            if busy_after:
                limits["busy_after"] = busy_after
            if args.deferred_lanes:
                limits["deferred_lanes"] = args.deferred_lanes
            if args.routine_process:
                limits["routine_process"] = args.routine_process == "on"
            server = _start(port, args.workers, Path(tmp), args.database, limits,
                            Path(args.server_root or ROOT))
            try:
                asyncio.run(_load(port, 8, 5))  # warm-up
                result = asyncio.run(_overload(port, conversations, args.turns, args.pause,
                                               not args.probes_in_generator, args.p1_every,
                                               args.generator_nice))
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=60)
        runs.append({"setting": label, "routine_process": args.routine_process or "shipped",
                     **result})
        print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    dump({"benchmark": "overload: traders at a chat pace through POST …/messages + widget "
                       "WebSocket",
          "server_workers": args.workers, "database": "postgresql" if args.database else "sqlite",
          "turns_per_conversation": args.turns, "pause_s": args.pause,
          "p1_probes": "in the load generator" if args.probes_in_generator
          else "a process of their own", "load_generator_nice": args.generator_nice,
          "results": runs, "machine": machine()})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--overload", action="store_true",
                        help="the overload scenario, busy mode off and on")
    parser.add_argument("--server-root",
                        help="overload: run the server from this checkout (a before/after)")
    parser.add_argument("--deferred-lanes", type=int,
                        help="overload: limits.deferred_lanes (default: the shipped one)")
    parser.add_argument("--busy-after", type=int,
                        help="overload: only this setting of limits.busy_after")
    parser.add_argument("--routine-process", choices=("on", "off"),
                        help="overload: limits.routine_process (default: the shipped one)")
    parser.add_argument("--conversations", type=int, default=200,
                        help="concurrent conversations of the overload scenario")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database", help="postgresql://… (default: SQLite in a temp dir)")
    parser.add_argument("--turns", type=int, default=20, help="turns per conversation")
    parser.add_argument("--pause", type=float, default=1.0,
                        help="mean seconds a user pauses between messages (paced scenario)")
    parser.add_argument("--probes-in-generator", action="store_true",
                        help="overload: the P1 probes share the load generator's process "
                             "(how 0.10.4 and before measured)")
    parser.add_argument("--p1-every", type=float, default=0.5,
                        help="overload: seconds between the extra takeover reports of the "
                             "probes' process while the traders talk (0: the 20 probes only, "
                             "as 0.11.3 and before measured)")
    parser.add_argument("--generator-nice", type=int, default=0, metavar="N",
                        help="overload: the traders who are not probes run in a process of "
                             "their own at this nice value, as if their devices were not on "
                             "the server's cores (0: in this process, as 0.11.17 and before)")
    parser.add_argument("--probe", type=int, metavar="PORT",
                        help=argparse.SUPPRESS)  # the probes' own process (see _overload)
    parser.add_argument("--traders", type=int, metavar="PORT",
                        help=argparse.SUPPRESS)  # the niced traders' process (_niced_traders)
    args = parser.parse_args()
    if args.generator_nice < 0:
        parser.error("--generator-nice takes 0 or more (only root may raise a priority)")
    if args.generator_nice and args.probes_in_generator:
        parser.error("--generator-nice needs the probes in a process of their own")
    if args.traders:
        print(json.dumps(asyncio.run(_other_traders(args.traders, args.conversations,
                                                    args.turns, args.pause))))
        return
    if args.probe:
        probes = [i for i in range(args.conversations) if _is_probe(i)]
        print(json.dumps(asyncio.run(_probes(args.probe, probes, args.turns, args.pause,
                                             args.p1_every))))
        return
    if args.overload:
        _overload_main(args)
        return
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
