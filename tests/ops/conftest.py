"""An app whose pages and freezes go to loopback receivers, with short timeouts and
backoff so that retries happen within a test."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.config import Settings
from bot.storage.schema import conversations, webhook_outbox
from tests.conftest import make_services
from tests.ops.receivers import Receiver

PAGING_KEY = "pk-test-routing-key-7f3a9c"
EXCHANGE_SECRET = "whsec-test-exchange-51b2e8"
FAST_WEBHOOKS = {"timeout_seconds": 0.5, "max_attempts": 4, "backoff_base_seconds": 0.2,
                 "backoff_max_seconds": 1.0, "jitter": 0.5, "poll_seconds": 0.2}


@pytest.fixture
def pager():  # type: ignore[no-untyped-def]
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def exchange():  # type: ignore[no-untyped-def]
    receiver = Receiver()
    yield receiver
    receiver.stop()


def ops_settings(settings: Settings, pager: Receiver, exchange: Receiver,
                 shape: str = "generic", **webhooks: Any) -> Settings:
    return settings.model_copy(update={
        "paging": settings.paging.model_copy(update={
            "url": pager.url, "shape": shape, "repeat_after_seconds": 600.0}),
        "exchange": settings.exchange.model_copy(update={"freeze_url": exchange.url}),
        "webhooks": settings.webhooks.model_copy(update={**FAST_WEBHOOKS, **webhooks}),
    })


@pytest.fixture
def ops_env(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTBOT_PAGING_KEY", PAGING_KEY)
    monkeypatch.setenv("SUPPORTBOT_EXCHANGE_WEBHOOK_SECRET", EXCHANGE_SECRET)
    monkeypatch.delenv("SUPPORTBOT_PAGING_URL", raising=False)


@pytest.fixture
def ops_services(settings, tiny_nlu, sqlite_url, pager, exchange, ops_env):  # type: ignore[no-untyped-def]
    built = make_services(ops_settings(settings, pager, exchange), tiny_nlu, sqlite_url)
    yield built
    built.db.dispose()


@pytest.fixture
def ops_client(ops_services):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from bot.server.app import create_app

    with TestClient(create_app(ops_services, background=False)) as test_client:
        yield test_client


def verify(services: Any, conversation_id: str, uid: str = "UID-20240917") -> None:
    """What the identity check does once the exchange vouched for the trader."""
    with services.db.begin() as connection:
        connection.execute(update(conversations).where(conversations.c.id == conversation_id)
                           .values(verified_uid=uid, verified_at=time.time()))


def outbox(services: Any, kind: str | None = None) -> list[Any]:
    query = select(webhook_outbox).order_by(webhook_outbox.c.id)
    if kind:
        query = query.where(webhook_outbox.c.kind == kind)
    with services.db.connect() as connection:
        return list(connection.execute(query).all())


def wait_until(check: Any, timeout: float = 10.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"not within {timeout} s: {what}")


def agent_online(services: Any, username: str, capacity: int = 3,
                 languages: tuple[str, ...] = ("en", "es", "zh")) -> int:
    if services.agents.get(username) is None:
        services.agents.add(username, "correct horse battery staple", list(languages), capacity)
    agent = services.agents.get(username)
    services.agents.heartbeat(agent.id)
    return int(agent.id)
