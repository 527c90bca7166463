"""The webhook outbox, the only owner of `webhook_outbox`: a call is stored first (in the
transaction of what caused it), then a background worker in every server process sends
the due ones, with retries, exponential backoff and jitter.

A row is claimed by one conditional UPDATE on its attempt count (PostgreSQL also skips
rows another worker has locked): whatever the race between processes, one worker sends
each attempt. The claim pushes `next_attempt_at` out by a lease, so a worker that dies
mid-send leaves the row due again later (at least once: receivers get an idempotency or
dedup key). Only what the call is about is stored; the request, with its keys and
signatures, is built at send time from the environment.

Logs name the kind, the row and the receiver's host, never a key, a signature or a path
(a Slack webhook's path is its secret)."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Connection, Engine, func, insert, select, update

from bot.config import WebhookSettings
from bot.storage.database import is_postgres, reading
from bot.storage.schema import webhook_outbox

log = logging.getLogger(__name__)
PENDING, SENT, FAILED = "pending", "sent", "failed"
PAGE, FREEZE = "page", "freeze"
# Seconds a claimed row stays out of other workers' sight beyond the request timeout.
LEASE_MARGIN = 30.0
SEND_THREADS = 4
# After a wake-up the worker looks again every BURST_STEP for BURST_SECONDS: the call that
# woke it may still be committing.
BURST_SECONDS, BURST_STEP = 1.5, 0.05


@dataclass(frozen=True)
class Call:
    id: int
    kind: str
    handoff_id: int | None
    conversation_id: str | None
    body: dict[str, Any]
    attempts: int  # including the one being made


@dataclass(frozen=True)
class Request:
    url: str
    content: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    retry: bool  # worth another attempt (5xx, 408, 429, timeout, refused connection)
    detail: str  # short and secret-free: "HTTP 503", "timeout", "ConnectError"


# --- waking this process's worker ----------------------------------------------------------
_wakers: list[Callable[[], None]] = []


def wake() -> None:
    """Tell this process's workers a call was just stored (they look within milliseconds;
    their poll is the fallback, and the only way other processes' calls are seen)."""
    for waker in list(_wakers):
        waker()


# --- the record ----------------------------------------------------------------------------
def enqueue(connection: Connection, kind: str, body: dict[str, Any],
            handoff_id: int | None = None, conversation_id: str | None = None,
            now: float | None = None) -> int:
    """Store a call in the caller's transaction; it leaves once that commits."""
    now = time.time() if now is None else now
    result = connection.execute(insert(webhook_outbox).values(
        kind=kind, handoff_id=handoff_id, conversation_id=conversation_id, body=body,
        state=PENDING, attempts=0, next_attempt_at=now, created_at=now))
    key = result.inserted_primary_key
    assert key is not None
    wake()
    return int(key[0])


def latest(connection: Connection, kind: str, *, handoff_id: int | None = None,
           conversation_id: str | None = None) -> Any:
    """The newest call of a kind about a case or a conversation (None: never made)."""
    query = select(webhook_outbox).where(webhook_outbox.c.kind == kind)
    if handoff_id is not None:
        query = query.where(webhook_outbox.c.handoff_id == handoff_id)
    if conversation_id is not None:
        query = query.where(webhook_outbox.c.conversation_id == conversation_id)
    return connection.execute(query.order_by(webhook_outbox.c.id.desc()).limit(1)).first()


def get(engine: Engine, call_id: int) -> Any:
    with reading(engine) as connection:
        return connection.execute(select(webhook_outbox)
                                  .where(webhook_outbox.c.id == call_id)).first()


def counts(engine: Engine) -> dict[tuple[str, str], int]:
    """Calls per (kind, state), for /metrics."""
    with reading(engine) as connection:
        rows = connection.execute(select(webhook_outbox.c.kind, webhook_outbox.c.state,
                                         func.count())
                                  .group_by(webhook_outbox.c.kind, webhook_outbox.c.state))
        return {(str(k), str(s)): int(n) for k, s, n in rows}


def claim_due(engine: Engine, limit: int, lease_seconds: float,
              now: float | None = None) -> list[Call]:
    """Up to `limit` due calls, each now this worker's to send for `lease_seconds`."""
    now = time.time() if now is None else now
    query = (select(webhook_outbox)
             .where(webhook_outbox.c.state == PENDING, webhook_outbox.c.next_attempt_at <= now)
             .order_by(webhook_outbox.c.next_attempt_at, webhook_outbox.c.id).limit(limit))
    # A read first: most polls find nothing, and on SQLite a write transaction would take
    # the database's one writer slot for nothing.
    with reading(engine) as connection:
        if connection.execute(query.with_only_columns(webhook_outbox.c.id)).first() is None:
            return []
    if is_postgres(engine):
        query = query.with_for_update(skip_locked=True)
    claimed = []
    with engine.begin() as connection:
        for row in connection.execute(query).all():
            won = connection.execute(update(webhook_outbox).where(
                webhook_outbox.c.id == row.id, webhook_outbox.c.state == PENDING,
                webhook_outbox.c.attempts == row.attempts,
            ).values(attempts=row.attempts + 1, next_attempt_at=now + lease_seconds))
            if won.rowcount == 1:
                claimed.append(Call(int(row.id), str(row.kind), row.handoff_id,
                                    row.conversation_id, dict(row.body or {}),
                                    int(row.attempts) + 1))
    return claimed


def backoff_seconds(attempts: int, settings: WebhookSettings,
                    draw: Callable[[], float] = random.random) -> float:
    """The wait after the `attempts`-th failure: doubling from the base, capped, with up to
    `jitter` of it taken off at random (so a receiver coming back is not hit by every
    process at the same instant)."""
    delay = min(settings.backoff_max_seconds,
                settings.backoff_base_seconds * 2 ** max(0, attempts - 1))
    return delay * (1.0 - settings.jitter * draw())


def settle(engine: Engine, call: Call, outcome: Outcome, settings: WebhookSettings,
           now: float | None = None) -> str:
    """Record an attempt's outcome; returns the call's state after it (pending: retried)."""
    now = time.time() if now is None else now
    if outcome.delivered:
        values: dict[str, Any] = {"state": SENT, "sent_at": now, "last_error": None}
    elif outcome.retry and call.attempts < settings.max_attempts:
        values = {"next_attempt_at": now + backoff_seconds(call.attempts, settings),
                  "last_error": outcome.detail[:200]}
    else:
        values = {"state": FAILED, "last_error": outcome.detail[:200]}
    with engine.begin() as connection:
        # Only while the claim is still ours (a lease that ran out let another worker in).
        done = connection.execute(update(webhook_outbox).where(
            webhook_outbox.c.id == call.id, webhook_outbox.c.state == PENDING,
            webhook_outbox.c.attempts == call.attempts).values(**values))
    if done.rowcount != 1:
        return "superseded"
    return str(values.get("state", PENDING))


# --- sending -------------------------------------------------------------------------------
def post(client: httpx.Client, request: Request) -> Outcome:
    try:
        response = client.post(request.url, content=request.content,
                               headers={"Content-Type": "application/json", **request.headers})
    except httpx.TimeoutException:
        return Outcome(False, True, "timeout")
    except httpx.HTTPError as error:
        return Outcome(False, True, type(error).__name__)
    status = response.status_code
    if 200 <= status < 300:
        return Outcome(True, False, f"HTTP {status}")
    # A refusal of the request itself (bad key, bad body) will not get better by waiting.
    return Outcome(False, status >= 500 or status in (408, 425, 429), f"HTTP {status}")


def host_of(url: str) -> str:
    return urlsplit(url).hostname or "?"


class WebhookWorker:
    """Sends due calls from a thread of its own, a few at a time (a receiver that hangs
    holds one sending thread, not the others' calls, and never a turn).

    `build` turns a call into its request (None: that kind is switched off now: the call
    fails), `settled` hears each call's final state (sent or failed), `observe` each
    attempt's outcome (for metrics), and `every_poll` runs once per poll (the pager's
    watch)."""

    def __init__(self, engine: Engine, settings: WebhookSettings,
                 build: Callable[[Call], Request | None],
                 settled: Callable[[Call, str], None] = lambda call, state: None,
                 observe: Callable[[str, str], None] = lambda kind, outcome: None,
                 every_poll: Callable[[], object] = lambda: None):
        self.engine = engine
        self.settings = settings
        self.build = build
        self.settled = settled
        self.observe = observe
        self.every_poll = every_poll
        self._event = threading.Event()
        self._stop = threading.Event()
        self._woken_at = 0.0
        self._busy = 0
        self._busy_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="webhook-send")
        timeout = settings.timeout_seconds
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
                                    follow_redirects=False)

    def start(self) -> None:
        # httpx logs each request's URL at INFO: a Slack webhook's path is its key.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        _wakers.append(self.wake)
        self._thread = threading.Thread(target=self._run, name="webhook-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._event.set()
        if self.wake in _wakers:
            _wakers.remove(self.wake)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._client.close()

    def wake(self) -> None:
        self._woken_at = time.monotonic()
        self._event.set()

    def _run(self) -> None:
        next_poll_hook = 0.0
        while not self._stop.is_set():
            try:
                self.send_due()
                if time.monotonic() >= next_poll_hook:
                    next_poll_hook = time.monotonic() + self.settings.poll_seconds
                    self.every_poll()
            except Exception as error:  # a database hiccup must not end the worker
                log.error("webhook worker: %s", type(error).__name__)
            bursting = time.monotonic() - self._woken_at < BURST_SECONDS
            self._event.wait(BURST_STEP if bursting else self.settings.poll_seconds)
            self._event.clear()

    def send_due(self) -> int:
        """Claim what is due (as many as there are free sending threads) and send it."""
        with self._busy_lock:
            free = SEND_THREADS - self._busy
        if free <= 0:
            return 0
        lease = self.settings.timeout_seconds + LEASE_MARGIN
        calls = claim_due(self.engine, free, lease)
        for call in calls:
            with self._busy_lock:
                self._busy += 1
            self._pool.submit(self._send_one, call)
        return len(calls)

    def _send_one(self, call: Call) -> None:
        try:
            self.deliver(call)
        finally:
            with self._busy_lock:
                self._busy -= 1
            self._event.set()  # a thread is free again: look for more

    def deliver(self, call: Call) -> str:
        """One attempt at one claimed call; returns the state it is left in."""
        try:
            request = self.build(call)
        except Exception as error:  # a broken call must not stop the others
            log.error("webhook %s #%d could not be built (%s)", call.kind, call.id,
                      type(error).__name__)
            request = None
        if request is None:
            outcome = Outcome(False, False, "not configured")
        else:
            outcome = post(self._client, request)
        state = settle(self.engine, call, outcome, self.settings)
        where = host_of(request.url) if request else "-"
        if state == SENT:
            log.info("webhook %s #%d delivered to %s (attempt %d)", call.kind, call.id, where,
                     call.attempts)
        elif state == PENDING:
            log.warning("webhook %s #%d to %s failed (%s, attempt %d of %d); retrying",
                        call.kind, call.id, where, outcome.detail, call.attempts,
                        self.settings.max_attempts)
        elif state == FAILED:
            log.error("webhook %s #%d to %s given up after %d attempt(s): %s", call.kind,
                      call.id, where, call.attempts, outcome.detail)
        self.observe(call.kind, {PENDING: "retry"}.get(state, state))
        if state in (SENT, FAILED):
            try:
                self.settled(call, state)
            except Exception as error:
                log.error("after webhook %s #%d: %s", call.kind, call.id, type(error).__name__)
        return state


# --- for operators (supportbot webhooks) ---------------------------------------------------
def recent(engine: Engine, state: str | None = None, limit: int = 20) -> list[Any]:
    query = select(webhook_outbox).order_by(webhook_outbox.c.id.desc()).limit(limit)
    if state:
        query = query.where(webhook_outbox.c.state == state)
    with reading(engine) as connection:
        return list(connection.execute(query).all())


def retry(engine: Engine, call_id: int, now: float | None = None) -> bool:
    """A failed call back to pending, with a fresh count of attempts (the workers of the
    running servers send it at their next poll). False: no such failed call."""
    with engine.begin() as connection:
        done = connection.execute(update(webhook_outbox).where(
            webhook_outbox.c.id == call_id, webhook_outbox.c.state == FAILED,
        ).values(state=PENDING, attempts=0, next_attempt_at=time.time() if now is None else now))
    return done.rowcount == 1
