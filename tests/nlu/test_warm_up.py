"""A process reads a few messages of every kind before it serves (bot/nlu/warm_up.py): all
of them through the real models, and a message the models fail on never stops a server
from starting, nor puts its text in the log."""

from __future__ import annotations

import logging
from typing import Any

from bot.nlu import chinese_script, translit
from bot.nlu.warm_up import WARM_UP_MESSAGES, warm_up


class _Recording:
    """The real NLU, noting what it was asked to read; it fails on `failing`."""

    def __init__(self, nlu: Any, failing: str | None = None):
        self.nlu, self.failing, self.read = nlu, failing, []
        self.posts_checked = 0

    def scam_post(self, text: str) -> bool:
        self.posts_checked += 1
        return bool(self.nlu.scam_post(text))

    def parse(self, text: str) -> Any:
        if text == self.failing:
            raise ValueError(f"cannot read {text}")
        understood = self.nlu.parse(text)
        self.read.append((text, understood.lang))
        return understood


def test_every_warm_up_message_goes_through_the_models(shipped_nlu):  # type: ignore[no-untyped-def]
    # Tables built on first use, which a first takeover report in Traditional Chinese or
    # typed with the Latin layout on would otherwise pay for (33 and 23 ms measured).
    chinese_script._to_taiwan_standard.cache_clear()
    translit._russian_letter_pairs.cache_clear()
    recording = _Recording(shipped_nlu)
    warm_up(recording)  # type: ignore[arg-type]
    assert [text for text, _ in recording.read] == list(WARM_UP_MESSAGES)
    assert recording.posts_checked == 1  # a public group's scam check
    assert chinese_script._to_taiwan_standard.cache_info().currsize == 1
    assert translit._russian_letter_pairs.cache_info().currsize == 1
    # One per supported language at least, so each language's first-use costs are paid.
    languages = {lang for _, lang in recording.read}
    assert set(shipped_nlu.settings.language.supported) <= languages


def test_the_warm_up_messages_hold_no_secret(shipped_nlu):  # type: ignore[no-untyped-def]
    for text in WARM_UP_MESSAGES:
        assert not shipped_nlu.secrets.scan(text).found, text


def test_a_message_the_models_fail_on_is_skipped_and_not_quoted(shipped_nlu, caplog):  # type: ignore[no-untyped-def]
    failing = WARM_UP_MESSAGES[3]
    recording = _Recording(shipped_nlu, failing=failing)
    with caplog.at_level(logging.WARNING, logger="bot.nlu.warm_up"):
        warm_up(recording)  # type: ignore[arg-type]
    assert len(recording.read) == len(WARM_UP_MESSAGES) - 1
    assert recording.posts_checked == 1  # the steps after it still ran
    assert "ValueError" in caplog.text and failing not in caplog.text
