"""A P1 with nobody to take it pages the on-call at once, through the webhook outbox; a
receiver that is down or slow is retried with backoff and never holds up a turn."""

from __future__ import annotations

import itertools
import json
import logging
import time

from sqlalchemy import update

from bot.ops import webhooks
from bot.storage.schema import handoffs, webhook_outbox
from tests.ops.conftest import PAGING_KEY, agent_online, outbox, wait_until
from tests.server.helpers import open_conversation, say

TAKEOVER = "someone hacked my account"


def _p1(client, text: str = TAKEOVER) -> tuple[str, dict, float]:  # type: ignore[no-untyped-def]
    conversation = open_conversation(client)
    turn = say(client, conversation, text)
    returned = time.time()
    assert turn["urgency"] == "P1" and turn["state"] == "queued", turn
    return conversation, turn, returned


def test_a_p1_with_nobody_online_pages_within_a_second(ops_client, pager, capsys):  # type: ignore[no-untyped-def]
    started = time.time()
    _conversation, turn, returned = _p1(ops_client)
    page = pager.wait_for(1, timeout=10)[0]
    with capsys.disabled():
        print(f"\n  page arrived {page.at - returned:+.3f} s after the turn returned "
              f"({page.at - started:.3f} s after the message was sent)")
    body = page.json()
    case = turn["handoff"]["id"]
    assert body["event"] == "page" and body["case"] == case and body["priority"] == "P1"
    assert body["lang"] == "en" and body["reason"] == "account_takeover"
    assert body["dedup_key"] == f"supportbot-case-{case}"
    assert body["link"].endswith(f"#case-{case}")
    assert page.headers["Authorization"] == f"Bearer {PAGING_KEY}"
    # Facts only: none of the trader's words reach the pager.
    assert TAKEOVER not in page.body.decode() and "someone" not in page.body.decode()
    assert len(pager.requests) == 1


def test_no_page_while_an_agent_with_room_is_online(ops_client, ops_services, pager):  # type: ignore[no-untyped-def]
    agent_online(ops_services, "alice", capacity=3)
    _p1(ops_client)
    # The worker polls every 0.2 s: a second and a half is several looks.
    time.sleep(1.5)
    assert pager.requests == [] and outbox(ops_services, webhooks.PAGE) == []


def test_an_agent_online_but_full_does_not_count(ops_client, ops_services, pager):  # type: ignore[no-untyped-def]
    agent = agent_online(ops_services, "bob", capacity=1)
    first = open_conversation(ops_client)
    held = say(ops_client, first, "/request_human")["handoff"]["id"]
    with ops_services.db.begin() as connection:
        assert ops_services.queue.claim(connection, held,
                                        ops_services.agents.get("bob")).value == "claimed"
    ops_services.agents.heartbeat(agent)
    _conversation, turn, _returned = _p1(ops_client)
    assert pager.wait_for(1)[0].json()["case"] == turn["handoff"]["id"]


def test_receiver_down_then_back_retries_and_the_p1_stays_first(ops_client, ops_services,  # type: ignore[no-untyped-def]
                                                                pager):
    pager.stop()  # nothing listens on its port
    queued = open_conversation(ops_client)
    say(ops_client, queued, "/request_human")  # a P3 queued earlier
    _conversation, turn, _returned = _p1(ops_client)
    case = turn["handoff"]["id"]
    row = wait_until(lambda: [r for r in outbox(ops_services, webhooks.PAGE)
                              if r.attempts >= 2], what="two failed attempts")[0]
    assert row.state == webhooks.PENDING and row.last_error == "ConnectError"
    # Retried later, not in a loop: the next attempt waits for the backoff.
    assert row.next_attempt_at > time.time() - 0.05
    assert ops_services.queue.listing()[0].id == case  # the P1 stays at the top
    pager.start()  # back, on the same port
    page = pager.wait_for(1, timeout=15)[0]
    assert page.json()["case"] == case
    sent = wait_until(lambda: [r for r in outbox(ops_services, webhooks.PAGE)
                               if r.state == webhooks.SENT], what="the page recorded as sent")
    # `attempts` counts the one in flight: the second may be the one that got through,
    # when the receiver came back while it was being made (a loaded machine).
    assert sent[0].attempts >= 2
    assert len(pager.delivered()) == 1


def test_a_receiver_failing_gets_backoff_between_attempts(ops_client, ops_services, pager):  # type: ignore[no-untyped-def]
    pager.fail_next = 3
    _p1(ops_client)
    arrivals = [r.at for r in pager.wait_for(4, timeout=15, delivered=False)]
    assert [r.answered for r in pager.requests] == [503, 503, 503, 200]
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    # base 0.2 s doubling, at most half of it taken off by jitter: lower bounds only.
    assert gaps[0] >= 0.1 - 0.02 and gaps[1] >= 0.2 - 0.02 and gaps[2] >= 0.4 - 0.02, gaps
    assert len({r.json()["dedup_key"] for r in pager.requests}) == 1
    assert wait_until(lambda: outbox(ops_services, webhooks.PAGE)[0].state == webhooks.SENT)


def test_a_hanging_receiver_does_not_hold_up_turns(ops_client, ops_services, pager):  # type: ignore[no-untyped-def]
    pager.delay = 3.0  # far beyond the 0.5 s timeout
    _p1(ops_client)
    wait_until(lambda: pager.in_flight > 0, what="the first page hanging in the receiver")
    # A second trader's P1 is answered while the receiver still holds the first page.
    _second, turn, _returned = _p1(ops_client, "a withdrawal i never made just went out")
    assert pager.in_flight > 0
    assert turn["replies"] and turn["handoff"]["priority"] == "P1"
    rows = outbox(ops_services, webhooks.PAGE)
    assert len(rows) == 2 and all(r.state == webhooks.PENDING for r in rows)
    pager.delay = 0.0
    delivered = pager.wait_for(2, timeout=20)
    assert {r.json()["case"] for r in delivered} == {row.handoff_id for row in rows}


def test_giving_up_after_max_attempts_is_logged_and_counted(ops_client, ops_services, pager,  # type: ignore[no-untyped-def]
                                                            caplog):
    from bot.server.metrics import WEBHOOK_ATTEMPTS

    caplog.set_level(logging.DEBUG)
    before = WEBHOOK_ATTEMPTS.labels("page", "failed")._value.get()
    pager.fail_next = 100
    _p1(ops_client)
    row = wait_until(lambda: [r for r in outbox(ops_services, webhooks.PAGE)
                              if r.state == webhooks.FAILED], timeout=20, what="given up")[0]
    assert row.attempts == 4 and row.last_error == "HTTP 503"
    # The worker counts and logs the outcome just after its FAILED row commits, so the row
    # can be seen a moment before the count: wait for the count, then require exactly one.
    wait_until(lambda: WEBHOOK_ATTEMPTS.labels("page", "failed")._value.get() > before,
               timeout=5, what="the failed attempt counted")
    assert WEBHOOK_ATTEMPTS.labels("page", "failed")._value.get() == before + 1
    assert "given up after 4 attempt(s)" in caplog.text
    metrics = ops_client.get("/metrics").text
    assert 'supportbot_webhook_attempts_total{kind="page",outcome="failed"}' in metrics
    # No key, no path of the receiver in the logs.
    assert PAGING_KEY not in caplog.text and "/hook" not in caplog.text


def test_the_watch_pages_again_while_unclaimed(ops_client, ops_services, pager):  # type: ignore[no-untyped-def]
    _conversation, turn, _returned = _p1(ops_client)
    pager.wait_for(1)
    runtime = ops_client.app.state.ops
    assert runtime.watch() == 0  # paged just now
    repeat = ops_services.settings.paging.repeat_after_seconds
    with ops_services.db.begin() as connection:  # the first page was that long ago
        connection.execute(update(webhook_outbox).values(created_at=time.time() - repeat - 1))
    # The webhook worker runs the same watch on each of its polls, so either may page
    # again first (a full run once lost that race: this call returned 0); what matters is
    # one repeat page, not two.
    runtime.watch()
    again = pager.wait_for(2)[1].json()
    assert again["case"] == turn["handoff"]["id"] and again["trigger"] == "still_unclaimed"
    assert again["dedup_key"] == pager.requests[0].json()["dedup_key"]
    assert runtime.watch() == 0
    assert len(outbox(ops_services, webhooks.PAGE)) == 2


def test_the_watch_pages_a_p1_past_its_sla_although_agents_are_online(ops_client,  # type: ignore[no-untyped-def]
                                                                        ops_services, pager):
    agent_online(ops_services, "alice", capacity=3)
    _conversation, turn, _returned = _p1(ops_client)
    runtime = ops_client.app.state.ops
    assert runtime.watch() == 0  # someone can take it, and its SLA still runs
    sla = ops_services.settings.handoff.sla_minutes["P1"] * 60
    with ops_services.db.begin() as connection:  # queued longer ago than its SLA
        connection.execute(update(handoffs).values(queued_at=time.time() - sla - 1))
    # The webhook worker runs the same watch on each of its polls, so either may page
    # first; what matters is one page, for the breach, not two.
    runtime.watch()
    page = pager.wait_for(1)[0].json()
    assert page["case"] == turn["handoff"]["id"] and page["trigger"] == "sla_breached"
    assert runtime.watch() == 0
    assert len(outbox(ops_services, webhooks.PAGE)) == 1


def test_the_page_is_stored_without_keys(ops_client, ops_services, pager):  # type: ignore[no-untyped-def]
    _p1(ops_client)
    pager.wait_for(1)
    stored = json.dumps([dict(r._mapping) for r in outbox(ops_services)], default=str)
    assert PAGING_KEY not in stored and "someone" not in stored


def test_a_p1_with_nobody_online_pages_on_postgresql(settings, tiny_nlu, postgres_url, pager,  # type: ignore[no-untyped-def]
                                                     exchange, ops_env):
    from fastapi.testclient import TestClient

    from bot.server.app import create_app
    from tests.conftest import make_services
    from tests.ops.conftest import ops_settings

    services = make_services(ops_settings(settings, pager, exchange), tiny_nlu, postgres_url)
    try:
        with TestClient(create_app(services, background=False)) as client:
            _conversation, turn, returned = _p1(client)
            page = pager.wait_for(1)[0]
            print(f"\n  PostgreSQL: page arrived {page.at - returned:+.3f} s after the turn "
                  "returned")
            assert page.json()["case"] == turn["handoff"]["id"]
            assert wait_until(lambda: outbox(services, webhooks.PAGE)[0].state == webhooks.SENT)
    finally:
        services.db.dispose()
