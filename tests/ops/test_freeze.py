"""The verified trader's "freeze withdrawals now": offered on a takeover P1, confirmed,
sent once to the exchange (signed), and answered in the trader's language; refused to an
unverified trader, whatever they send."""

from __future__ import annotations

import hashlib
import hmac
import time
from pathlib import Path

from bot.knowledge.replies import read_reply_catalog
from bot.ops import webhooks
from bot.storage.database import reading
from handoff.queue import HandoffQueue
from tests.ops.conftest import EXCHANGE_SECRET, outbox, verify, wait_until
from tests.server.helpers import kinds, open_conversation, say

ROOT = Path(__file__).resolve().parents[2]
REPLIES = read_reply_catalog(ROOT / "responses", ("en", "es"))
SPANISH_TAKEOVER = "alguien retiró mis fondos y no fui yo"


def _messages(client, conversation: str) -> list[dict]:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/conversations/{conversation}/messages")
    assert response.status_code == 200, response.text
    body = response.json()
    return list(body["messages"] if isinstance(body, dict) else body)


def _packet(services, handoff_id: int) -> dict:  # type: ignore[no-untyped-def]
    with reading(services.db) as connection:
        return dict(HandoffQueue.by_id(connection, handoff_id).packet)


def _verified_p1(client, services, text: str = SPANISH_TAKEOVER):  # type: ignore[no-untyped-def]
    conversation = open_conversation(client)
    verify(services, conversation)
    turn = say(client, conversation, text)
    assert turn["urgency"] == "P1" and turn["state"] == "queued", turn
    return conversation, turn


def test_the_whole_freeze_in_spanish(ops_client, ops_services, exchange):  # type: ignore[no-untyped-def]
    conversation, turn = _verified_p1(ops_client, ops_services)
    assert turn["lang"] == "es"
    offer = next(r for r in turn["replies"] if r["kind"] == "freeze_offer")
    assert offer["text"] == REPLIES.render("freeze_offer", "es")
    assert offer["quick_replies"] == [{"title": "Congelar retiros ahora",
                                       "payload": "/freeze_withdrawals"}]
    # The offer comes after the handoff notice, in the same answer.
    assert kinds(turn).index("handoff_notice") < kinds(turn).index("freeze_offer")

    asked = say(ops_client, conversation, "/freeze_withdrawals")
    assert kinds(asked) == ["freeze_confirm"]
    assert asked["replies"][0]["text"] == REPLIES.render("freeze_confirm_question", "es")
    assert [b["payload"] for b in asked["replies"][0]["quick_replies"]] == [
        "/freeze_confirm", "/freeze_cancel"]
    assert outbox(ops_services, webhooks.FREEZE) == []  # nothing before the "yes"

    yes = say(ops_client, conversation, "/freeze_confirm")
    assert [r["text"] for r in yes["replies"]] == [REPLIES.render("freeze_requested", "es")]
    call = exchange.wait_for(1)[0]
    body = call.json()
    assert body["action"] == "freeze_withdrawals" and body["uid"] == "UID-20240917"
    assert body["case"] == turn["handoff"]["id"] and body["requested_by"] == "trader"
    expected = "sha256=" + hmac.new(EXCHANGE_SECRET.encode(), call.body,
                                    hashlib.sha256).hexdigest()
    assert call.headers["X-Supportbot-Signature"] == expected
    assert call.headers["Idempotency-Key"] == body["idempotency_key"]

    done = REPLIES.render("freeze_done", "es")
    wait_until(lambda: any(m["text"] == done for m in _messages(ops_client, conversation)),
               what="the confirmation in the conversation")
    note = wait_until(lambda: _packet(ops_services, turn["handoff"]["id"])
                      .get("withdrawals_freeze", {}).get("state") == "frozen"
                      and _packet(ops_services, turn["handoff"]["id"])["withdrawals_freeze"])
    assert note["by"] == "trader" and note["at"] >= note["requested_at"]

    # A second "yes" (asked again first: a bare press asks) is answered, not sent again.
    say(ops_client, conversation, "/freeze_withdrawals")
    again = say(ops_client, conversation, "/freeze_confirm")
    assert [r["text"] for r in again["replies"]] == [REPLIES.render("freeze_already_done", "es")]
    # The packet keeps the freeze when the conversation goes on (it is rebuilt each turn).
    say(ops_client, conversation, "gracias")
    assert _packet(ops_services, turn["handoff"]["id"])["withdrawals_freeze"]["state"] == "frozen"
    time.sleep(0.5)
    assert len(exchange.requests) == 1 and len(outbox(ops_services, webhooks.FREEZE)) == 1


def test_a_double_press_while_the_exchange_is_slow_freezes_once(ops_client, ops_services,  # type: ignore[no-untyped-def]
                                                                exchange):
    exchange.delay = 0.3  # within the timeout: slow, not failing
    conversation, _turn = _verified_p1(ops_client, ops_services,
                                       "someone hacked my account")
    say(ops_client, conversation, "/freeze_withdrawals")
    first = say(ops_client, conversation, "/freeze_confirm")
    assert kinds(first) == ["freeze_notice"]
    say(ops_client, conversation, "/freeze_withdrawals")
    second = say(ops_client, conversation, "/freeze_confirm")
    assert second["replies"][0]["text"] in (REPLIES.render("freeze_already_requested", "en"),
                                            REPLIES.render("freeze_already_done", "en"))
    exchange.wait_for(1)
    wait_until(lambda: outbox(ops_services, webhooks.FREEZE)[0].state == webhooks.SENT)
    time.sleep(0.5)
    assert len(exchange.requests) == 1 and len(outbox(ops_services, webhooks.FREEZE)) == 1


def test_yes_without_the_question_only_asks(ops_client, ops_services, exchange):  # type: ignore[no-untyped-def]
    conversation, _turn = _verified_p1(ops_client, ops_services, "someone hacked my account")
    crafted = say(ops_client, conversation, "/freeze_confirm")
    assert kinds(crafted) == ["freeze_confirm"]
    no = say(ops_client, conversation, "/freeze_cancel")
    assert [r["text"] for r in no["replies"]] == [REPLIES.render("freeze_cancelled", "en")]
    after_no = say(ops_client, conversation, "/freeze_confirm")
    assert kinds(after_no) == ["freeze_confirm"]  # "no" ended the question
    assert outbox(ops_services, webhooks.FREEZE) == [] and exchange.requests == []


def test_an_unverified_trader_is_never_offered_and_a_crafted_press_is_refused(  # type: ignore[no-untyped-def]
        ops_client, ops_services, exchange):
    conversation = open_conversation(ops_client)
    turn = say(ops_client, conversation, SPANISH_TAKEOVER)
    assert turn["urgency"] == "P1" and "freeze_offer" not in kinds(turn)
    for press in ("/freeze_withdrawals", "/freeze_confirm", "/freeze_confirm"):
        refused = say(ops_client, conversation, press)
        assert [r["text"] for r in refused["replies"]] == [
            REPLIES.render("freeze_not_available", "es")]
        assert refused["replies"][0]["quick_replies"] == []
    time.sleep(0.3)
    assert outbox(ops_services, webhooks.FREEZE) == [] and exchange.requests == []


def test_a_verified_trader_without_a_takeover_is_not_offered(ops_client, ops_services):  # type: ignore[no-untyped-def]
    conversation = open_conversation(ops_client)
    verify(ops_services, conversation)
    turn = say(ops_client, conversation, "/request_human")
    assert turn["state"] == "queued" and "freeze_offer" not in kinds(turn)


def test_a_freeze_that_fails_tells_the_trader_marks_the_packet_and_pages(ops_client,  # type: ignore[no-untyped-def]
                                                                          ops_services,
                                                                          exchange, pager):
    exchange.fail_next = 100
    conversation, turn = _verified_p1(ops_client, ops_services)
    say(ops_client, conversation, "/freeze_withdrawals")
    say(ops_client, conversation, "/freeze_confirm")
    failed = REPLIES.render("freeze_failed", "es")
    wait_until(lambda: any(m["text"] == failed for m in _messages(ops_client, conversation)),
               timeout=20, what="the trader told the freeze failed")
    row = outbox(ops_services, webhooks.FREEZE)[0]
    assert row.state == webhooks.FAILED and row.attempts == 4
    assert len(exchange.requests) == 4
    assert len({r.headers["Idempotency-Key"] for r in exchange.requests}) == 1
    assert _packet(ops_services, turn["handoff"]["id"])["withdrawals_freeze"]["state"] == "failed"
    triggers = [p.json()["trigger"] for p in pager.wait_for(2)]
    assert triggers == ["nobody_online", "freeze_failed"]
