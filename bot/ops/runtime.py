"""The ops side of one server process: its webhook worker, what happens when a call
settles (the trader hears how the freeze went, the packet says it), and the pager's
watch over P1 cases that stay unclaimed."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from bot.config import Settings
from bot.ops import webhooks
from bot.ops.freeze import SECRET_ENV, freeze_available, freeze_request
from bot.ops.paging import (
    FREEZE_FAILED,
    KEY_ENV,
    NOBODY_ONLINE,
    SLA_BREACHED,
    STILL_UNCLAIMED,
    page_facts,
    page_request,
    paging_enabled,
    paging_url,
)
from bot.ops.webhooks import Call, Request, WebhookWorker
from bot.storage.database import reading
from handoff import on_call
from handoff.routing import sla_status

if TYPE_CHECKING:
    from bot.dialogue.engine import DialogueEngine

log = logging.getLogger(__name__)


def status_lines(settings: Settings) -> list[str]:
    """What the start-up banner says about paging and the freeze (hosts, never keys)."""
    paging = settings.paging
    if paging_enabled(paging):
        page = f"on: {paging.shape} webhook to {webhooks.host_of(paging_url(paging))}"
        if not os.environ.get(KEY_ENV) and paging.shape in ("pagerduty", "opsgenie"):
            page += f" (warning: {KEY_ENV} is not set)"
    else:
        page = "off (paging.url is empty): a P1 with nobody online pages no one"
    exchange = settings.exchange
    if freeze_available(exchange):
        host = webhooks.host_of(exchange.freeze_url)
        freeze = f"on: verified traders may freeze withdrawals (calls to {host})"
    elif exchange.freeze_url:
        freeze = f"off: set {SECRET_ENV} to sign the calls to exchange.freeze_url"
    else:
        freeze = "off (exchange.freeze_url is empty)"
    return [f"  paging            {page}", f"  freeze            {freeze}"]


class OpsRuntime:
    def __init__(self, engine: Engine, settings: Settings, dialogue: DialogueEngine,
                 observe: Callable[[str, str], None] = lambda kind, outcome: None):
        self.engine = engine
        self.settings = settings
        self.dialogue = dialogue
        self.worker = WebhookWorker(engine, settings.webhooks, self.request_for,
                                    settled=self.settled, observe=observe,
                                    every_poll=self.watch)

    def start(self) -> None:
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()

    # --- sending -------------------------------------------------------------------------
    def request_for(self, call: Call) -> Request | None:
        if call.kind == webhooks.PAGE:
            return page_request(self.settings.paging, call.body)
        if call.kind == webhooks.FREEZE:
            return freeze_request(self.settings.exchange, call.body)
        return None

    def settled(self, call: Call, state: str) -> None:
        if call.kind != webhooks.FREEZE or not call.conversation_id:
            return
        frozen = state == webhooks.SENT
        now = time.time()
        log.log(logging.INFO if frozen else logging.ERROR,
                "withdrawal freeze of case #%s: %s", call.handoff_id,
                "done by the exchange" if frozen else "FAILED, the trader and on-call told")
        if call.handoff_id is not None:
            with self.engine.begin() as connection:
                on_call.note_freeze(connection, int(call.handoff_id), {
                    "state": "frozen" if frozen else "failed", "by": "trader",
                    "requested_at": call.body.get("requested_at"), "at": now})
                if not frozen:
                    self._page(connection, int(call.handoff_id), FREEZE_FAILED, now)
        # Stored like any bot message: the widget gets it over its live channel, Telegram
        # through the push outbox (say() notifies both).
        self.dialogue.say(call.conversation_id, "freeze_done" if frozen else "freeze_failed")

    # --- the pager's watch ---------------------------------------------------------------
    def watch(self, now: float | None = None) -> int:
        """Page queued P1 cases that nobody can take (or that wait past their SLA), again
        every `repeat_after_seconds` while they stay unclaimed. Returns pages made."""
        if not paging_enabled(self.settings.paging):
            return 0
        now = time.time() if now is None else now
        with reading(self.engine) as connection:
            cases = on_call.waiting_p1(connection)
            room = on_call.agents_with_room(
                connection, self.settings.handoff.heartbeat_timeout_seconds, now)
        made = 0
        for case in cases:
            breached = sla_status(case.priority, case.queued_at, now,
                                  self.settings.handoff).breached
            if room and not (breached and self.settings.paging.page_on_sla_breach):
                continue
            trigger = NOBODY_ONLINE if not room else SLA_BREACHED
            with self.engine.begin() as connection:
                if on_call.hold_if_waiting_p1(connection, int(case.id)) is None:
                    continue  # claimed meanwhile
                made += self._page(connection, int(case.id), trigger, now)
        return made

    def _page(self, connection: Any, handoff_id: int, trigger: str, now: float) -> int:
        """Store a page about a case unless one was made within repeat_after_seconds (a
        freeze that failed always pages)."""
        if not paging_enabled(self.settings.paging):
            return 0
        last = webhooks.latest(connection, webhooks.PAGE, handoff_id=handoff_id)
        if last is not None and trigger != FREEZE_FAILED:
            if now - float(last.created_at) < self.settings.paging.repeat_after_seconds:
                return 0
            trigger = STILL_UNCLAIMED if trigger == NOBODY_ONLINE else trigger
        case = on_call.case(connection, handoff_id)
        if case is None:
            return 0
        facts = page_facts(self.settings.paging, handoff_id=handoff_id, priority=case.priority,
                           lang=case.lang, reason=case.reason, intent=case.intent,
                           channel=(case.packet or {}).get("channel"),
                           queued_at=case.queued_at, trigger=trigger)
        # Due at once, whatever `now` the watch was asked about.
        webhooks.enqueue(connection, webhooks.PAGE, facts, handoff_id=handoff_id,
                         conversation_id=case.conversation_id)
        return 1
