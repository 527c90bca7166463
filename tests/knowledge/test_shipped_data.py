"""The shipped knowledge: every file parses, follows its schema and the minimum counts.

On failure the message names the file and the entry (or line)."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from bot.knowledge.faq_corpus import LINK_PLACEHOLDERS, read_faq_corpus
from bot.knowledge.nlu_examples import read_examples
from bot.knowledge.replies import read_reply_catalog
from bot.nlu.training import shipped_data
from bot.taxonomy import ALL_INTENTS, DOMAIN_INTENTS, SUPPORTED_LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
MIN_EXAMPLES = {"en": 20, "zh": 20}  # per intent; every other language: 8
MIN_TRADITIONAL_ZH = 3  # per intent
_OPENCC = None


def _examples_by_file():
    return {path.stem: read_examples(path, ALL_INTENTS)
            for path in sorted((ROOT / "nlu_data").glob("*.yml"))}


def test_every_language_has_a_training_file():
    # One main file per language (nlu_data/vi.yml); later rounds name theirs
    # round<N>_<lang>.yml, whose language the letter profiles read from the name.
    stems = sorted(_examples_by_file())
    assert [stem for stem in stems if "_" not in stem] == sorted(SUPPORTED_LANGUAGES)
    rounds = [stem for stem in stems if "_" in stem]
    assert all(re.fullmatch(r"round\d+_[a-z]{2}", stem) and stem[-2:] in SUPPORTED_LANGUAGES
               for stem in rounds), rounds


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_minimum_examples_per_intent(lang):
    examples = read_examples(ROOT / "nlu_data" / f"{lang}.yml", ALL_INTENTS)
    counts = Counter(e.intent for e in examples)
    minimum = MIN_EXAMPLES.get(lang, 8)
    short = {i: counts[i] for i in ALL_INTENTS if counts[i] < minimum}
    assert not short, f"nlu_data/{lang}.yml: fewer than {minimum} examples for {short}"


def test_traditional_chinese_examples_for_every_intent():
    from opencc import OpenCC

    to_simplified = OpenCC("t2s")
    by_intent: dict[str, int] = defaultdict(int)
    for example in read_examples(ROOT / "nlu_data" / "zh.yml", ALL_INTENTS):
        if to_simplified.convert(example.text) != example.text:
            by_intent[example.intent] += 1
    short = {i: by_intent[i] for i in ALL_INTENTS if by_intent[i] < MIN_TRADITIONAL_ZH}
    assert not short, f"nlu_data/zh.yml: too few Traditional-script examples: {short}"


def test_no_duplicates_and_no_example_under_two_intents():
    seen: dict[str, tuple[str, str]] = {}
    problems = []
    for examples in _examples_by_file().values():
        for example in examples:
            key = " ".join(example.text.lower().split())
            if key in seen:
                problems.append(f"{example.source} repeats {seen[key][1]} "
                                f"({example.intent} / {seen[key][0]}): {example.text!r}")
            seen.setdefault(key, (example.intent, example.source))
    assert not problems, "\n".join(problems[:20])


def test_training_data_and_faq_questions_agree():
    from bot.config import load_settings

    shipped_data(load_settings(ROOT / "config.yml"))  # raises DataFileError on a conflict


@pytest.fixture(scope="module")
def faq():
    return read_faq_corpus(ROOT / "faq_corpus", ALL_INTENTS, SUPPORTED_LANGUAGES)


def test_faq_size_and_coverage(faq):
    assert len(faq) >= 40, f"faq_corpus/ has {len(faq)} entries; at least 40 are required"
    covered = {entry.intent for entry in faq}
    missing = sorted(set(DOMAIN_INTENTS) - covered)
    assert not missing, f"faq_corpus/: no entry for the domain intents {missing}"


def test_faq_entries_have_several_phrasings_and_every_answer(faq):
    problems = []
    for entry in faq:
        for lang in SUPPORTED_LANGUAGES:
            if len(entry.questions.get(lang, ())) < 2:
                problems.append(f"{entry.source} '{entry.id}': fewer than 2 questions in {lang}")
            if lang not in entry.answer:
                problems.append(f"{entry.source} '{entry.id}': no answer in {lang}")
    assert not problems, "\n".join(problems[:20])


def test_faq_answers_offer_a_human_and_never_invent_links(faq):
    problems = []
    for entry in faq:
        for lang, answer in entry.answer.items():
            placeholders = set(re.findall(r"\{(\w+)\}", answer))
            if not placeholders <= LINK_PLACEHOLDERS:
                problems.append(f"{entry.source} '{entry.id}' [{lang}]: {placeholders}")
            if "{support_url}" not in answer:
                problems.append(f"{entry.source} '{entry.id}' [{lang}]: no way to a human "
                                "({support_url})")
    assert not problems, "\n".join(problems[:20])


def test_faq_answers_never_ask_for_secrets(faq):
    # An answer may warn about secrets; it must not ask the user to send one.
    asking = re.compile(r"(send|give|share|provide|enter) (us |me )?(your )?"
                        r"(password|2fa code|seed phrase|private key)", re.I)
    def asks(text: str) -> bool:
        return any(not re.search(r"(never|not|n't)\s*$", text[: m.start()], re.I)
                   for m in asking.finditer(text))

    bad = [f"{e.source} '{e.id}'" for e in faq if asks(e.answer["en"])]
    assert not bad, f"answers that ask for a secret: {bad}"


def test_every_reply_exists_in_every_language():
    catalog = read_reply_catalog(ROOT / "responses", SUPPORTED_LANGUAGES)
    assert sorted(catalog.languages()) == sorted(SUPPORTED_LANGUAGES)


def test_reply_keys_cover_what_the_bot_says():
    needed = {"greet", "ask_resolved", "clarify", "ask_details", "handoff_queued",
              "agent_joined", "agent_left", "security_checklist", "secret_warning",
              "secret_warning_code",
              "out_of_scope", "group_dm_redirect", "group_scam_warning", "csat_prompt",
              "goodbye"}
    english = yaml.safe_load((ROOT / "responses" / "en.yml").read_text())
    assert needed <= set(english), f"responses/en.yml lacks {sorted(needed - set(english))}"


def test_heldout_set_is_separate_and_complete():
    rows = [json.loads(line) for line in (ROOT / "eval_data" / "heldout.jsonl").open()]
    assert len(rows) >= 300
    assert {r["lang"] for r in rows} == set(SUPPORTED_LANGUAGES)
    assert {r["intent"] for r in rows} <= ALL_INTENTS
    training = {" ".join(e.text.lower().split())
                for examples in _examples_by_file().values() for e in examples}
    leaked = [r["text"] for r in rows if " ".join(r["text"].lower().split()) in training]
    assert not leaked, f"held-out messages also in nlu_data/: {leaked[:5]}"
