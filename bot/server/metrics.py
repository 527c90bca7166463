"""Prometheus metrics. Counters and histograms are per process (scrape each worker);
queue length and waits are read from the shared database at scrape time."""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from bot.storage.database import reading
from handoff.queue import HandoffQueue

REGISTRY = CollectorRegistry()
MESSAGES = Counter("supportbot_messages_total", "Inbound user messages", ["channel"],
                   registry=REGISTRY)
INTENTS = Counter("supportbot_intents_total", "Understood intents", ["intent", "lang"],
                  registry=REGISTRY)
HANDOFFS = Counter("supportbot_handoffs_total", "Handoffs to agents", ["reason", "priority"],
                   registry=REGISTRY)
TURN_LATENCY = Histogram("supportbot_turn_seconds", "One user turn, store to reply",
                         buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
                         registry=REGISTRY)
NLU_LATENCY = Histogram("supportbot_nlu_seconds", "The understanding step",
                        buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25),
                        registry=REGISTRY)
WAIT_SECONDS = Histogram("supportbot_handoff_wait_seconds", "Queue wait until an agent claims",
                         buckets=(10, 30, 60, 120, 300, 600, 1800, 3600), registry=REGISTRY)


class QueueCollector(Collector):
    def __init__(self, engine: Engine):
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        length = GaugeMetricFamily("supportbot_queue_length", "Conversations waiting",
                                   labels=["priority"])
        oldest = GaugeMetricFamily("supportbot_queue_oldest_wait_seconds",
                                   "Longest current wait", labels=["priority"])
        now = time.time()
        with reading(self.engine) as connection:
            seen = HandoffQueue.waiting_by_priority(connection)
        for priority in (1, 2, 3, 4):
            count, queued_at = seen.get(priority, (0, now))
            length.add_metric([f"P{priority}"], count)
            oldest.add_metric([f"P{priority}"], now - queued_at if count else 0.0)
        yield length
        yield oldest


_registered: set[int] = set()


def register_queue_collector(engine: Engine) -> None:
    if id(engine) not in _registered:
        REGISTRY.register(QueueCollector(engine))
        _registered.add(id(engine))
