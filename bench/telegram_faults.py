"""The Telegram channel under faults, against the fake Bot API of the tests on 127.0.0.1
(the real python-telegram-bot, the real engine and model, SQLite in a temporary folder).

- isolation: while chat X's sends fail (HTTP 500, retried with backoff), how long does a
  fresh chat's "hello" take to be answered? Compared with no failing chat. Medians and
  p99 over `--rounds` chats.
- 429 burst: the next `--burst` sends get 429 retry_after=1 while as many chats write;
  every chat must get each reply exactly once.
- slow Telegram: sends that Telegram shows but answers after the client's timeout;
  counted duplicates (must be 0) and replies recorded as maybe_sent.

    .venv/bin/python -m bench.telegram_faults [--model models] [--rounds 30] [--burst 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import bench_settings, dump, machine
from tests.channels.fake_telegram import FakeTelegram, private_message, run_channel


def _answered(fake: FakeTelegram, chat: int, timeout: float = 60.0) -> float:
    started = time.perf_counter()
    fake.wait_for(lambda m: m["chat_id"] == chat, timeout, poll=0.005)
    return (time.perf_counter() - started) * 1000


def _round_trips(fake: FakeTelegram, chats: range) -> list[float]:
    times = []
    for chat in chats:
        fake.push(**private_message(chat, "hello"))
        times.append(_answered(fake, chat))
    return times


def _stats(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(float(np.percentile(values, 50)), 1),
            "p99_ms": round(float(np.percentile(values, 99)), 1), "n": len(values)}


def main() -> None:
    from bot.nlu.pipeline import NLU
    from bot.server.services import build_services

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="models")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--burst", type=int, default=20)
    args = parser.parse_args()
    settings = bench_settings(None)
    nlu = NLU.load(settings, args.model, check_fresh=False)
    report: dict[str, Any] = {"machine": machine(), "model": args.model}
    with tempfile.TemporaryDirectory() as folder, FakeTelegram() as fake:
        services = build_services(settings, f"sqlite:///{Path(folder) / 'bench.sqlite3'}", nlu)
        _, stop = run_channel(services, fake)
        try:
            _round_trips(fake, range(100, 103))  # warm up
            baseline = _round_trips(fake, range(1000, 1000 + args.rounds))
            fake.failing_chats.add(1)
            fake.push(**private_message(1, "hello"))
            while fake.send_attempts.count(1) < 1:
                time.sleep(0.05)
            isolated = _round_trips(fake, range(2000, 2000 + args.rounds))
            still_failing = not any(m["chat_id"] == 1 for m in fake.sent)
            report["isolation"] = {"no_failing_chat": _stats(baseline),
                                   "while_chat_1_fails": _stats(isolated),
                                   "chat_1_attempts_meanwhile": fake.send_attempts.count(1),
                                   "chat_1_still_failing_at_the_end": still_failing}
            fake.failing_chats.clear()

            fake.rate_limit_next = args.burst
            chats = range(3000, 3000 + args.burst)
            for chat in chats:
                fake.push(**private_message(chat, "how do I withdraw usdt?"))
            for chat in chats:
                fake.wait_for(lambda m, c=chat: m["chat_id"] == c, 120)
            time.sleep(3)
            report["burst_429"] = _exactly_once(fake, chats)

            fake.slow_next_sends = 5
            chats = range(4000, 4005)
            for chat in chats:
                fake.push(**private_message(chat, "thanks, bye"))
            for chat in chats:
                fake.wait_for(lambda m, c=chat: m["chat_id"] == c, 120)
            time.sleep(12)
            slow = _exactly_once(fake, chats)
            with services.db.connect() as connection:
                from sqlalchemy import text

                states = Counter(r[0] for r in connection.execute(
                    text("SELECT state FROM deliveries")))
            slow["delivery_states"] = dict(states)
            report["slow_telegram"] = slow
        finally:
            stop()
            services.db.dispose()
    dump(report)


def _exactly_once(fake: FakeTelegram, chats: range) -> dict[str, Any]:
    duplicates = lost = 0
    for chat in chats:
        texts = [m["text"] for m in fake.sent if m["chat_id"] == chat]
        lost += not texts
        duplicates += len(texts) - len(set(texts))
    return {"chats": len(chats), "lost": lost, "duplicate_replies": duplicates}


if __name__ == "__main__":
    main()
