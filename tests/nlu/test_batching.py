"""The understanding thread: batched results are the ones `parse` gives, whoever asks."""

from __future__ import annotations

import threading

import pytest

from bot.nlu.batching import URGENT, BatchingParser
from bot.nlu.understanding import ParseContext

MESSAGES = [
    ("usdt充值两个小时了还没到账", None, None, None),
    ("my account was hacked, someone changed my email", None, None, None),
    ("", None, None, None),
    ("mi retiro de usdt lleva 5 horas pendiente", ParseContext(locale_hint="es-ES"), None,
     None),
    ("request_human", ParseContext(previous_lang="ja"), "request_human", None),
    ("ok", ParseContext(previous_lang="de"), None, None),
]


def test_parse_many_matches_parse_one_by_one(shipped_nlu):
    together = shipped_nlu.parse_many(MESSAGES)
    for item, batched in zip(MESSAGES, together, strict=True):
        alone = shipped_nlu.parse(*item)
        assert (batched.lang, batched.intent, batched.urgency, batched.flags) == (
            alone.lang, alone.intent, alone.urgency, alone.flags)
        assert batched.confidence == pytest.approx(alone.confidence, abs=1e-3)
        assert [h.entry_id for h in batched.faq_hits[:1]] == [h.entry_id for h in
                                                               alone.faq_hits[:1]]


def test_concurrent_callers_each_get_their_own_answer(shipped_nlu):
    parser = BatchingParser(shipped_nlu)
    texts = [text for text, *_ in MESSAGES if text] * 4
    results: dict[int, str] = {}

    def ask(i: int) -> None:
        results[i] = parser.parse(texts[i]).text

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [results[i] for i in range(len(texts))] == [shipped_nlu.parse(t).text for t in texts]
    assert parser.messages == len(texts)
    assert parser.batches < len(texts)  # some of them were understood together


def test_a_failing_batch_falls_back_to_one_by_one(shipped_nlu, monkeypatch):
    parser = BatchingParser(shipped_nlu)

    def broken(items):  # type: ignore[no-untyped-def]
        raise RuntimeError("batch failed")

    monkeypatch.setattr(shipped_nlu, "parse_many", broken)
    monkeypatch.setattr(shipped_nlu, "parse",
                        lambda text, context=None, forced=None, scan=None: f"alone:{text}")
    assert parser.parse("hello") == "alone:hello"


def test_an_urgent_message_is_understood_beside_a_batch_not_behind_it(shipped_nlu):
    parser = BatchingParser(shipped_nlu)
    routine = [text for text, *_ in MESSAGES if text] * 4
    threads = [threading.Thread(target=parser.parse, args=(text,)) for text in routine]
    for thread in threads:
        thread.start()
    urgent = parser.parse("someone logged in and withdrew all my USDT, it wasn't me",
                          lane=URGENT)
    for thread in threads:
        thread.join(timeout=60)
    assert urgent.urgency == "P1"
    assert parser.messages == len(routine)  # the urgent one never joined a batch
