"""Incident mode without a model: the shipped templates, a malformed template file, keyword
matching in several languages, and the policy row (banner first; never for a P1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import PolicySettings
from bot.dialogue import state as st
from bot.dialogue.policy import decide
from bot.dialogue.state import DialogueState
from bot.errors import DataFileError
from bot.incidents.figures import per_minute, window_start
from bot.incidents.matching import ActiveIncident, compose_banner, matches
from bot.incidents.templates import read_templates
from bot.nlu.faq_index import FaqHit
from bot.nlu.triage import SECURITY_INCIDENT
from bot.nlu.understanding import LOW_CONFIDENCE, IntentScore, Understanding
from bot.taxonomy import SUPPORTED_LANGUAGES
from handoff.incident_groups import incident_groups
from handoff.queue import QueueItem

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "responses" / "incidents.yml"


@pytest.fixture(scope="module")
def templates():  # type: ignore[no-untyped-def]
    return read_templates(SHIPPED, SUPPORTED_LANGUAGES)


def incident_from(template, incident_id: int = 7) -> ActiveIncident:  # type: ignore[no-untyped-def]
    return ActiveIncident(incident_id, template.title, template.name, dict(template.banner),
                          frozenset(template.intents), template.all_keywords(), 1.0, "test")


def test_the_shipped_templates_speak_every_language(templates):  # type: ignore[no-untyped-def]
    assert {"withdrawals_delayed", "deposits_delayed", "trading_halted", "site_degraded",
            "market_volatility", "login_problems", "maintenance"} <= set(templates)
    for template in templates.values():
        assert set(template.banner) == set(SUPPORTED_LANGUAGES), template.name
        # Twelve different texts: no language was left in English by copy and paste.
        assert len(set(template.banner.values())) == len(SUPPORTED_LANGUAGES), template.name
        assert set(template.keywords) == set(SUPPORTED_LANGUAGES), template.name
    assert templates["withdrawals_delayed"].intents[0] == "withdrawal_delay"


BROKEN = {
    # (file text, the line the error must name, words of the message)
    "unknown_intent": ("withdrawals_delayed:\n  title: Withdrawals delayed\n"
                       "  intents: [withdrawal_delay, withdrawl_delay]\n  keywords: {}\n"
                       "  banner: {en: x}\n", 3, "unknown intent 'withdrawl_delay'"),
    "missing_language": ("maintenance:\n  title: Maintenance\n  intents: []\n  keywords: {}\n"
                         "  banner:\n    en: We are doing maintenance.\n"
                         "    de: Wir warten die Systeme.\n", 5, "no text for"),
    "unknown_field": ("maintenance:\n  title: Maintenance\n  intents: []\n  keywords: {}\n"
                      "  colour: red\n  banner: {en: x}\n", 5, "unknown field 'colour'"),
    "bad_yaml": ("maintenance:\n  title: Maintenance\n  intents: []\n  banner: en: x\n", 4,
                 "does not parse"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_malformed_template_file_names_the_file_and_the_line(tmp_path, case):  # type: ignore[no-untyped-def]
    text, line, words = BROKEN[case]
    path = tmp_path / "incidents.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        read_templates(path, SUPPORTED_LANGUAGES)
    error = caught.value
    assert error.path == str(path) and error.line == line, str(error)
    assert words in str(error) and f"{path}:{line}:" in str(error)
    assert error.fix  # and what to do about it


@pytest.mark.parametrize("text", [
    "where is my withdrawal??", "Meine Auszahlung ist noch nicht da", "我的提现怎么还没到",
    "出金がまだ届きません", "mi retiro sigue pendiente", "Mon retrait est bloqué",
    "вывод средств завис", "para çekme işlemim bekliyor", "rút tiền chưa về",
])
def test_keywords_tie_messages_in_many_languages(templates, text):  # type: ignore[no-untyped-def]
    incident = incident_from(templates["withdrawals_delayed"])
    assert matches(incident, intent="out_of_scope", confident=True, text=text)


def test_other_questions_do_not_match(templates):  # type: ignore[no-untyped-def]
    incident = incident_from(templates["withdrawals_delayed"])
    for text in ("How do I complete KYC?", "Wie hoch sind die Handelsgebühren?", "怎么开启2FA"):
        assert not matches(incident, intent="kyc_verification", confident=True, text=text)
    # The intent ties it too, but only a confident one.
    assert matches(incident, intent="withdrawal_delay", confident=True, text="it hasn't come")
    assert not matches(incident, intent="withdrawal_delay", confident=False,
                       text="it hasn't come")
    # A template without keywords matches by intent only (an empty list matches nothing).
    bare = ActiveIncident(1, "x", None, {"en": "x"}, frozenset(), (), 0.0, "t")
    assert not matches(bare, intent="greet", confident=True, text="anything at all")


def test_a_custom_banner_keeps_the_template_text_elsewhere(templates):  # type: ignore[no-untyped-def]
    template = templates["withdrawals_delayed"]
    banner, fallback = compose_banner(template.banner, {"de": "Auszahlungen dauern länger."},
                                      SUPPORTED_LANGUAGES)
    assert banner["de"] == "Auszahlungen dauern länger."
    assert banner["zh"] == template.banner["zh"] and banner["en"] == template.banner["en"]
    assert "de" not in fallback and len(fallback) == len(SUPPORTED_LANGUAGES) - 1


def understanding(text: str, intent: str, *, urgency: str = "P3", confidence: float = 0.9,
                  flags: tuple[str, ...] = (), faq: str | None = None,
                  lang: str = "en") -> Understanding:
    hits = (FaqHit(faq, intent, 1.5, 0.8, lang),) if faq else ()
    return Understanding(text, lang, 0.99, None, intent, confidence,
                         (IntentScore(intent, confidence),), hits, (), urgency,  # type: ignore[arg-type]
                         flags)


def test_the_banner_replaces_a_routine_faq_answer_and_tags_the_later_case(templates):  # type: ignore[no-untyped-def]
    incident = incident_from(templates["withdrawals_delayed"])
    settings = PolicySettings()
    u = understanding("my withdrawal is pending for hours", "withdrawal_delay",
                      faq="withdrawal_pending")
    first = decide(u, DialogueState(), st.BOT, settings, incident)
    names = [a.name for a in first.actions]
    assert names[0] == "incident_banner" and "answer_faq" not in names, first
    assert first.actions[0].params["banner"]["de"] == templates["withdrawals_delayed"].banner["de"]
    assert first.dialogue.incident_id == incident.id and first.dialogue.answered == []
    # Without the incident the same message gets the FAQ answer.
    plain = decide(u, DialogueState(), st.BOT, settings)
    assert [a.name for a in plain.actions] == ["answer_faq", "ask_resolved"]
    # "Talk to a human" later: the case joins the incident's group.
    human = decide(understanding("/request_human", "request_human"), first.dialogue, st.BOT,
                   settings, incident)
    handoff = next(a for a in human.actions if a.name == "handoff")
    assert handoff.params["incident_id"] == incident.id


def test_a_p1_never_gets_the_banner_nor_the_group(templates):  # type: ignore[no-untyped-def]
    incident = incident_from(templates["withdrawals_delayed"])
    u = understanding("I did not make this withdrawal, someone logged in and took everything",
                      "account_hacked", urgency="P1", flags=(SECURITY_INCIDENT,))
    # Even in a conversation already tied to the incident.
    decision = decide(u, DialogueState(incident_id=incident.id), st.BOT, PolicySettings(),
                      incident)
    assert decision.rule.startswith("5")
    assert "incident_banner" not in [a.name for a in decision.actions]
    handoff = next(a for a in decision.actions if a.name == "handoff")
    assert handoff.params["urgency"] == "P1" and "incident_id" not in handoff.params


def test_with_an_agent_the_message_is_counted_not_answered(templates):  # type: ignore[no-untyped-def]
    incident = incident_from(templates["withdrawals_delayed"])
    u = understanding("any news about my withdrawal?", "withdrawal_delay")
    decision = decide(u, DialogueState(), st.WITH_AGENT, PolicySettings(), incident)
    banner = decision.actions[0]
    assert banner.name == "incident_banner" and banner.params["say"] is False
    assert decision.actions[-1].name == "forward_to_agent"


def test_an_unsure_message_without_keywords_is_left_alone(templates):  # type: ignore[no-untyped-def]
    incident = incident_from(templates["withdrawals_delayed"])
    u = understanding("it is still not there", "withdrawal_delay", confidence=0.3,
                      flags=(LOW_CONFIDENCE,))
    decision = decide(u, DialogueState(), st.BOT, PolicySettings(), incident)
    assert "incident_banner" not in [a.name for a in decision.actions]


def _item(handoff_id: int, priority: int, incident_id: int | None) -> QueueItem:
    return QueueItem(handoff_id, f"c{handoff_id}", priority, "user_request", "en", None,
                     float(handoff_id), 1.0, 0.0, 0.0, False, "", None, incident_id)


def test_the_group_counts_its_cases_but_never_a_p1():  # type: ignore[no-untyped-def]
    items = [_item(1, 1, 7), _item(2, 3, 7), _item(3, 3, None), _item(4, 2, 7), _item(5, 3, 6)]
    groups = incident_groups(items, {"id": 7, "title": "Withdrawals delayed"})
    assert groups == [{"incident_id": 7, "title": "Withdrawals delayed", "count": 2,
                       "handoff_ids": [2, 4], "top_priority": "P2", "oldest_queued_at": 2.0}]
    assert incident_groups(items, None) == []


def test_per_minute_counts_the_last_hour():  # type: ignore[no-untyped-def]
    now = 10_000 * 60 + 30.0
    start = window_start(now, 60)
    counts = per_minute([now, now - 1, start, start - 1, now - 59 * 60], now)
    assert len(counts) == 60 and counts[-1] == 2 and counts[0] == 2 and sum(counts) == 4


def test_console_and_widget_words_exist_in_every_language():  # type: ignore[no-untyped-def]
    import json
    import re

    static = ROOT / "bot" / "server" / "static"
    console = (static / "agent.js").read_text(encoding="utf-8")
    block = console.split("var INCIDENT_WORDS = {", 1)[1].split("\n  };", 1)[0]
    words = {m.group(1): json.loads(m.group(2))
             for m in re.finditer(r"^\s+(\w\w): (\{.*\}),?$", block, re.M)}
    assert set(words) == set(SUPPORTED_LANGUAGES)
    for lang, table in words.items():
        assert set(table) == set(words["en"]), lang
        assert all(text.strip() for text in table.values()), lang
    widget = (static / "widget.js").read_text(encoding="utf-8")
    notices = re.findall(r'\bnotice: "([^"]+)"', widget)
    # Every language, and Chinese twice: Taiwan / Hong Kong browsers get Traditional.
    assert len(set(notices)) == len(SUPPORTED_LANGUAGES) + 1


def test_the_cli_names_the_file_and_line_of_a_broken_template(tmp_path, capsys):  # type: ignore[no-untyped-def]
    import shutil

    from bot.cli import main

    responses = tmp_path / "responses"
    shutil.copytree(ROOT / "responses", responses)
    lines = (responses / "incidents.yml").read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("  intents: [withdrawal"))
    lines[at] = "  intents: [withdrawal_delay, moon_landing]"
    (responses / "incidents.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = tmp_path / "config.yml"
    config.write_text((ROOT / "config.yml").read_text(encoding="utf-8")
                      + f"\npaths:\n  responses: {responses}\n  data_dir: {tmp_path}\n",
                      encoding="utf-8")
    assert main(["--config", str(config), "incident", "templates"]) == 2
    error = capsys.readouterr().err
    assert f"{responses / 'incidents.yml'}:{at + 1}:" in error
    assert "unknown intent 'moon_landing'" in error
