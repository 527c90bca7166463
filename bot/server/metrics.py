"""Prometheus metrics. Counters and histograms are per process (scrape each worker);
queue length and waits are read from the shared database at scrape time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from bot.dialogue.state import BOT, QUEUED
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
BUSY_NOTICES = Counter("supportbot_busy_notices_total",
                       "Turns deferred with a busy notice (the server was overloaded)",
                       ["channel"], registry=REGISTRY)
ORPHANS_ANSWERED = Counter("supportbot_orphans_answered_total",
                            "Stored messages a dead process left unanswered, answered later",
                            registry=REGISTRY)
WEBHOOK_ATTEMPTS = Counter("supportbot_webhook_attempts_total",
                           "Webhook calls (page, freeze) by outcome: sent, retry, failed "
                           "(given up after webhooks.max_attempts)", ["kind", "outcome"],
                           registry=REGISTRY)
WAIT_SECONDS = Histogram("supportbot_handoff_wait_seconds", "Queue wait until an agent claims",
                         buckets=(10, 30, 60, 120, 300, 600, 1800, 3600), registry=REGISTRY)


def count_turn(turn: Any, started: float) -> None:
    """One user turn of the widget or the API (WebSocket or HTTP), as it ended."""
    if turn.busy_notice is not None:
        BUSY_NOTICES.labels(turn.channel).inc()
        return
    u = turn.understanding
    if u is not None:  # None: a retry answered from storage
        MESSAGES.labels(turn.channel).inc()
        INTENTS.labels(u.intent, u.lang).inc()
        NLU_LATENCY.observe(u.latency_ms / 1000)
        if turn.handoff and turn.previous_state == BOT and turn.state == QUEUED:
            HANDOFFS.labels(turn.handoff["reason"], turn.handoff["priority"]).inc()
    TURN_LATENCY.observe(time.perf_counter() - started)


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


_collector: QueueCollector | None = None


def register_queue_collector(engine: Engine) -> None:
    """The queue gauges read this engine: the app's (one per process; a test suite makes
    many apps, and only the newest one's database is still there)."""
    global _collector
    if _collector is None:
        _collector = QueueCollector(engine)
        REGISTRY.register(_collector)
    _collector.engine = engine
