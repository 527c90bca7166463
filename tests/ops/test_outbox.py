"""The webhook outbox on its own: backoff, claims by several workers (SQLite and
PostgreSQL: each row sent once), leases, and the vendors' request shapes."""

from __future__ import annotations

import json
import threading
import time

import pytest

from bot.config import PagingSettings, WebhookSettings
from bot.ops import webhooks
from bot.ops.paging import NOBODY_ONLINE, page_facts, page_request
from bot.ops.webhooks import Outcome, Request, WebhookWorker
from bot.storage.database import create_database_engine, migrate
from tests.ops.receivers import Receiver

FAST = WebhookSettings(timeout_seconds=1.0, max_attempts=3, backoff_base_seconds=0.1,
                       backoff_max_seconds=0.5, jitter=0.5, poll_seconds=0.1)


@pytest.fixture(params=["sqlite", "postgres"])
def db(request, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'outbox.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = create_database_engine(url)
    migrate(engine)
    yield engine
    engine.dispose()


def _pages(engine, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    with engine.begin() as connection:
        return [webhooks.enqueue(connection, webhooks.PAGE, {"case": n}, handoff_id=n)
                for n in range(1, count + 1)]


def test_backoff_doubles_up_to_the_cap_with_jitter_taken_off():
    settings = WebhookSettings(backoff_base_seconds=2, backoff_max_seconds=30, jitter=0.5)
    assert [webhooks.backoff_seconds(n, settings, lambda: 0.0) for n in (1, 2, 3, 4, 5, 9)] == [
        2, 4, 8, 16, 30, 30]
    assert webhooks.backoff_seconds(3, settings, lambda: 1.0) == 4.0  # half of 8 taken off
    spread = {round(webhooks.backoff_seconds(3, settings), 6) for _ in range(50)}
    assert len(spread) > 1 and all(4.0 <= s <= 8.0 for s in spread)


def test_concurrent_claims_take_each_row_once(db):  # type: ignore[no-untyped-def]
    ids = _pages(db, 60)
    claimed: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def worker() -> None:
        start.wait()
        while True:
            calls = webhooks.claim_due(db, 3, lease_seconds=60)
            if not calls:
                return
            with lock:
                claimed.extend(call.id for call in calls)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(claimed) == ids  # every row, none twice


def test_two_workers_send_each_call_once(db):  # type: ignore[no-untyped-def]
    receiver = Receiver()
    try:
        def build(call: webhooks.Call) -> Request:
            return Request(receiver.url, json.dumps({"id": call.id}).encode())

        workers = [WebhookWorker(db, FAST, build) for _ in range(2)]
        for worker in workers:
            worker.start()
        ids = _pages(db, 30)
        got = receiver.wait_for(30, timeout=30)
        time.sleep(0.5)  # anything sent twice would arrive by now
        assert sorted(r.json()["id"] for r in receiver.requests) == ids
        assert len(got) == 30
        assert webhooks.counts(db) == {("page", "sent"): 30}
    finally:
        for worker in workers:
            worker.stop()
        receiver.stop()


def test_a_lease_that_runs_out_lets_another_worker_retry(db):  # type: ignore[no-untyped-def]
    (call_id,) = _pages(db, 1)
    now = time.time()
    (first,) = webhooks.claim_due(db, 5, lease_seconds=10, now=now)
    assert webhooks.claim_due(db, 5, lease_seconds=10, now=now + 5) == []  # leased
    (second,) = webhooks.claim_due(db, 5, lease_seconds=10, now=now + 11)  # the first died
    assert (first.id, first.attempts, second.attempts) == (call_id, 1, 2)
    # The dead worker's late outcome does not overwrite the live claim.
    assert webhooks.settle(db, first, Outcome(True, False, "HTTP 200"), FAST) == "superseded"
    assert webhooks.settle(db, second, Outcome(True, False, "HTTP 200"), FAST) == "sent"


def test_a_refusal_is_not_retried_and_a_5xx_is():  # type: ignore[no-untyped-def]
    receiver = Receiver()
    try:
        import httpx

        with httpx.Client(timeout=1.0) as client:
            receiver.fail_next, receiver.fail_status = 1, 400
            assert webhooks.post(client, Request(receiver.url, b"{}")) == Outcome(
                False, False, "HTTP 400")
            receiver.fail_next, receiver.fail_status = 1, 503
            assert webhooks.post(client, Request(receiver.url, b"{}")).retry
            assert webhooks.post(client, Request(receiver.url, b"{}")).delivered
        receiver.stop()
        with httpx.Client(timeout=1.0) as client:
            down = webhooks.post(client, Request(receiver.url, b"{}"))
        assert down == Outcome(False, True, "ConnectError")
    finally:
        receiver.stop()


# --- vendor shapes -------------------------------------------------------------------------
def _facts(settings: PagingSettings) -> dict:  # type: ignore[type-arg]
    return page_facts(settings, handoff_id=42, priority=1, lang="ko", reason="account_takeover",
                      intent="account_hacked", channel="telegram", queued_at=1_700_000_000.0,
                      trigger=NOBODY_ONLINE)


def _shaped(shape: str) -> tuple[dict, dict]:  # type: ignore[type-arg]
    settings = PagingSettings(url="http://127.0.0.1:9/x", shape=shape,  # type: ignore[arg-type]
                              console_url="https://support.example.com/agent")
    request = page_request(settings, _facts(settings), key="KEY-123")
    assert request is not None
    return json.loads(request.content), request.headers


def test_pagerduty_events_v2_trigger():
    body, headers = _shaped("pagerduty")
    assert body["routing_key"] == "KEY-123" and body["event_action"] == "trigger"
    assert body["dedup_key"] == "supportbot-case-42"
    payload = body["payload"]
    assert payload["severity"] == "critical" and payload["source"] == "supportbot"
    assert "#42" in payload["summary"] and "Korean" in payload["summary"]
    assert len(payload["summary"]) <= 1024 and payload["timestamp"].startswith("2023-11-14T")
    assert body["links"][0]["href"] == "https://support.example.com/agent#case-42"
    assert headers == {}  # the routing key travels in the body


def test_opsgenie_create_alert():
    body, headers = _shaped("opsgenie")
    assert headers == {"Authorization": "GenieKey KEY-123"}
    assert body["priority"] == "P1" and body["alias"] == "supportbot-case-42"
    assert len(body["message"]) <= 130 and "#42" in body["message"]
    assert "https://support.example.com/agent#case-42" in body["description"]
    assert all(isinstance(v, str) for v in body["details"].values())


def test_slack_incoming_webhook():
    body, headers = _shaped("slack")
    assert set(body) == {"text"} and "#42" in body["text"] and headers == {}
    assert "<https://support.example.com/agent#case-42|" in body["text"]


def test_generic_json():
    body, headers = _shaped("generic")
    assert headers == {"Authorization": "Bearer KEY-123"}
    assert body["case"] == 42 and body["priority"] == "P1" and body["lang"] == "ko"
    assert body["reason"] == "account_takeover" and body["trigger"] == NOBODY_ONLINE


def test_paging_is_off_without_an_address(monkeypatch):
    monkeypatch.delenv("SUPPORTBOT_PAGING_URL", raising=False)
    settings = PagingSettings()
    assert page_request(settings, _facts(settings), key="k") is None
    monkeypatch.setenv("SUPPORTBOT_PAGING_URL", "https://hooks.slack.example/T000/B000/XXX")
    request = page_request(settings, _facts(settings), key="")
    assert request is not None and request.url.startswith("https://hooks.slack.example/")


def test_the_start_up_lines_name_hosts_never_keys_or_paths(monkeypatch):
    from bot.config import ExchangeSettings, Settings
    from bot.ops.runtime import status_lines

    monkeypatch.delenv("SUPPORTBOT_PAGING_URL", raising=False)
    monkeypatch.delenv("SUPPORTBOT_EXCHANGE_WEBHOOK_SECRET", raising=False)
    off = "\n".join(status_lines(Settings()))
    assert "paging            off" in off and "freeze            off" in off
    monkeypatch.setenv("SUPPORTBOT_PAGING_URL", "https://hooks.slack.example/T0/B0/SECRETPATH")
    on = Settings(paging=PagingSettings(shape="slack"),
                  exchange=ExchangeSettings(freeze_url="https://api.exchange.example/freeze"))
    lines = "\n".join(status_lines(on))
    assert "slack webhook to hooks.slack.example" in lines and "SECRETPATH" not in lines
    assert "set SUPPORTBOT_EXCHANGE_WEBHOOK_SECRET" in lines
