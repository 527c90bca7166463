"""The queue on the real databases: order, atomic claims, routing, SLA, heartbeats."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, update

from bot.storage.schema import agents, conversations, handoffs
from handoff.queue import ClaimOutcome
from tests.conftest import make_services


def _queue_one(services, text="human please"):  # type: ignore[no-untyped-def]
    conversation = services.dialogue.open("api", f"k-{time.time_ns()}")
    turn = services.dialogue.handle(conversation, text)
    assert turn.handoff is not None, turn
    return conversation, turn.handoff["id"]


def _all_at_once(claims):  # type: ignore[no-untyped-def]
    """Run the claims (functions) in threads released together; their outcomes."""
    barrier = threading.Barrier(len(claims))
    outcomes: list[ClaimOutcome] = []

    def attempt(claim):  # type: ignore[no-untyped-def]
        barrier.wait()
        outcomes.append(claim())

    threads = [threading.Thread(target=attempt, args=(claim,)) for claim in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _race(services, handoff_id, contenders=20):  # type: ignore[no-untyped-def]
    people = [services.agents.add(f"agent{i:02d}", "long enough pw", ["en"], 5)
              for i in range(contenders)]
    return _all_at_once([lambda a=agent: services.desk.claim(handoff_id, a)[0]
                         for agent in people])


def test_twenty_agents_race_exactly_one_wins_sqlite(services):
    _, handoff_id = _queue_one(services)
    outcomes = _race(services, handoff_id)
    assert outcomes.count(ClaimOutcome.CLAIMED) == 1
    assert set(outcomes) == {ClaimOutcome.CLAIMED, ClaimOutcome.TAKEN}


@pytest.mark.postgres
def test_twenty_agents_race_exactly_one_wins_postgres(settings, shipped_nlu, postgres_url):
    services = make_services(settings, shipped_nlu, postgres_url)
    try:
        assert services.db.dialect.name == "postgresql"
        _, handoff_id = _queue_one(services)
        outcomes = _race(services, handoff_id)
        assert outcomes.count(ClaimOutcome.CLAIMED) == 1
    finally:
        services.db.dispose()


@pytest.mark.postgres
def test_conversation_and_handoff_on_postgres(settings, shipped_nlu, postgres_url):
    services = make_services(settings, shipped_nlu, postgres_url)
    try:
        conversation = services.dialogue.open("api", "pg-user")
        first = services.dialogue.handle(conversation, "mi depósito de usdt no llegó")
        assert first.understanding.lang == "es" and first.replies
        queued = services.dialogue.handle(conversation, "quiero hablar con un humano")
        assert queued.state == "queued" and queued.handoff["priority"] in ("P3", "P2")
        again = services.dialogue.handle(conversation, "hola?", client_message_id="x1")
        replay = services.dialogue.handle(conversation, "hola?", client_message_id="x1")
        assert replay.understanding is None and replay.message_id == again.message_id
    finally:
        services.db.dispose()


def test_order_is_priority_then_waiting_time(services):
    _, p3_first = _queue_one(services, "I want a human")
    _, p3_second = _queue_one(services, "talk to agent please")
    _, p1 = _queue_one(services, "my account got hacked, all my usdt is gone")
    items = services.queue.listing()
    assert [item.id for item in items] == [p1, p3_first, p3_second]
    with services.db.connect() as connection:
        from handoff.queue import HandoffQueue

        assert HandoffQueue.position(connection, HandoffQueue.by_id(connection, p3_second)) == 3


def test_language_routing_falls_back_after_the_wait(services, settings):
    _, handoff_id = _queue_one(services, "我要人工客服")
    english_only = services.agents.add("eve", "long enough pw", ["en"], 3)
    assert handoff_id not in [i.id for i in services.queue.listing(english_only)]
    assert services.desk.claim(handoff_id, english_only)[0] is ClaimOutcome.NOT_OFFERED
    waited = time.time() - settings.handoff.language_fallback_seconds - 1
    with services.db.begin() as connection:
        connection.execute(update(handoffs).values(queued_at=waited))
    assert handoff_id in [i.id for i in services.queue.listing(english_only)]
    assert services.desk.claim(handoff_id, english_only)[0] is ClaimOutcome.CLAIMED


def test_sla_breach_is_visible(services, settings):
    _queue_one(services)
    fresh = services.queue.listing()[0]
    assert not fresh.sla_breached and fresh.sla_seconds_left > 0
    late = time.time() - settings.handoff.sla_minutes["P3"] * 60 - 5
    with services.db.begin() as connection:
        connection.execute(update(handoffs).values(queued_at=late))
    assert services.queue.listing()[0].sla_breached


def _capacity_race(services, trials: int, claims: int = 10, capacity: int = 3):  # type: ignore[no-untyped-def]
    """One agent, `claims` simultaneous claims of different handoffs, per trial: how many
    does the agent end up holding?"""
    held = []
    for trial in range(trials):
        agent = services.agents.add(f"cap{trial}_{time.time_ns()}", "long enough pw", ["en"],
                                    capacity)
        ids = [_queue_one(services)[1] for _ in range(claims)]
        outcomes = _all_at_once([lambda i=i, a=agent: services.desk.claim(i, a)[0]
                                 for i in ids])
        with services.db.connect() as connection:
            count = connection.scalar(select(func.count()).select_from(handoffs).where(
                handoffs.c.agent_id == agent.id, handoffs.c.status == "assigned"))
            states = set(connection.scalars(select(conversations.c.state).where(
                conversations.c.id.in_(select(handoffs.c.conversation_id).where(
                    handoffs.c.agent_id == agent.id)))))
        assert outcomes.count(ClaimOutcome.CLAIMED) == count
        assert states <= {"with_agent"}  # claimed handoffs and their conversations agree
        held.append(int(count or 0))
        # Make room for the next trial's queue: close what this agent took.
        for item in services.queue.assigned_to(agent):
            services.desk.close(item.id, agent, "done")
    return held


def test_capacity_holds_under_simultaneous_claims_sqlite(services):
    assert _capacity_race(services, trials=20) == [3] * 20


@pytest.mark.postgres
def test_capacity_holds_under_simultaneous_claims_postgres(settings, shipped_nlu,
                                                           postgres_url):
    services = make_services(settings, shipped_nlu, postgres_url)
    try:
        assert _capacity_race(services, trials=20) == [3] * 20
    finally:
        services.db.dispose()


def test_capacity_is_respected(services):
    busy = services.agents.add("busy", "long enough pw", ["en"], 1)
    _, first = _queue_one(services)
    _, second = _queue_one(services)
    assert services.desk.claim(first, busy)[0] is ClaimOutcome.CLAIMED
    assert services.desk.claim(second, busy)[0] is ClaimOutcome.AT_CAPACITY


def test_silent_agent_conversations_return_to_the_queue(services, settings):
    conversation, handoff_id = _queue_one(services)
    agent = services.agents.add("sleepy", "long enough pw", ["en"], 3)
    services.agents.heartbeat(agent.id)
    assert services.desk.claim(handoff_id, agent)[0] is ClaimOutcome.CLAIMED
    assert services.desk.requeue_silent_agents() == []
    stale = time.time() - settings.handoff.heartbeat_timeout_seconds - 1
    with services.db.begin() as connection:
        connection.execute(update(agents).values(last_heartbeat=stale))
    assert services.desk.requeue_silent_agents() == [handoff_id]
    assert services.queue.listing()[0].id == handoff_id
    assert services.dialogue.store.get(conversation).state == "queued"
    kinds = [m["kind"] for m in services.dialogue.store.messages_after(conversation)]
    assert kinds[-1] == "agent_left"


def test_release_and_transfer(services):
    conversation, handoff_id = _queue_one(services)
    ann = services.agents.add("ann", "long enough pw", ["en"], 3)
    ben = services.agents.add("ben", "long enough pw", ["en"], 3)
    services.desk.claim(handoff_id, ann)
    # Ben has never signed in: offline, so not a transfer target (test_transfer.py).
    assert services.desk.transfer(handoff_id, ann, "ben").outcome.value == "conflict"
    services.agents.heartbeat(ben.id)
    assert services.desk.transfer(handoff_id, ann, "ben").outcome.value == "ok"
    assert services.desk.reply(handoff_id, ann, "still mine?").outcome.value == "conflict"
    assert services.desk.reply(handoff_id, ben, "ben here").outcome.value == "ok"
    assert services.desk.release(handoff_id, ben).outcome.value == "ok"
    assert services.queue.listing()[0].id == handoff_id
    assert services.dialogue.store.get(conversation).state == "queued"


def test_agent_accounts_have_no_default_and_hash_passwords(services):
    assert services.agents.list() == []
    services.agents.add("zoe", "a long password", ["de"], 2)
    with services.db.connect() as connection:
        stored = connection.execute(agents.select()).one().password_hash
    assert "a long password" not in stored and stored.startswith("$argon2")
    with pytest.raises(Exception, match="at least"):
        services.agents.add("tim", "short", ["en"], 1)
