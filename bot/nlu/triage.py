"""Urgency, following the table and rules in shared/DESIGN.md.

P1 is decided elsewhere, by structure and by a learned model: a pasted secret (the
secrets scanner) or an incident (bot.nlu.incidents). Here: the base urgency of the intent
(or of out_of_scope), one level up for distress, a large amount or time pressure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.config import TriageSettings
from bot.nlu.entities import Entity
from bot.nlu.folding import fold
from bot.nlu.incidents import GAVE_AWAY, TAKEOVER, IncidentJudgement, cue_patterns
from bot.nlu.person_request import asks_for_person
from bot.nlu.self_exclusion import asks_for_a_trading_break
from bot.nlu.triage_words import CLAUSE_BREAK, NEGATION_CONTEXT, load_cues
from bot.taxonomy import (
    CONVERSATIONAL_INTENTS,
    OUT_OF_SCOPE,
    URGENCY_LEVELS,
    Urgency,
    raise_urgency,
)

# Flags the policy and the agent console read.
DISTRESS = "distress"
WANTS_HUMAN = "wants_human"  # asks for a person inside a longer message
TIME_PRESSURE = "time_pressure"
LARGE_AMOUNT = "large_amount"
SECRET_SHARED = "secret_shared"
CREDENTIALS_GIVEN_AWAY = "credentials_given_away"
SECURITY_INCIDENT = "security_incident"
# "Freeze my account now": the trader fears someone is in it. Handled as a takeover (P1,
# the checklist, the freeze offer to a verified trader) whatever the detector says: the
# one thing that stops the loss must not wait behind a FAQ (found by the 0.11.12 trial:
# "freeze my account" got the locked-account article, "Bitte sperren Sie sofort mein
# Konto" the account-closure one).
FREEZE_REQUESTED = "freeze_requested"
# "Lock my futures for 30 days, I keep revenge trading": a freeze asked for to keep the
# trader from trading (self-exclusion, a cooling-off period), with no fear of an intruder.
# A person sets it, so it hands off, at P2: not a takeover page. Only when the incident
# detector finds nothing: a takeover told with the same words is P1 by its verdict.
SELF_EXCLUSION = "self_exclusion"


@dataclass(frozen=True)
class TriageResult:
    urgency: Urgency
    flags: tuple[str, ...]


def worth_hurrying(text: str) -> bool:
    """A glance before any model runs: could this message be an incident? It puts the
    message ahead of the queue when the server is busy and never sets its priority, so it
    errs towards yes: any "not me", loss, SIM swap or incident word, a secret handed
    over, or a request to freeze the account."""
    patterns = cue_patterns()
    folded = fold(text)
    if any(patterns[name].search(folded) for name in ("not_me", "loss", "sim")):
        return True
    if patterns["gave"].search(folded) and patterns["secret_object"].search(folded):
        return True
    cues = load_cues()
    return cues["incident"].search(text) is not None or asks_to_freeze(text, cues)


def asks_to_freeze(text: str, cues: dict[str, re.Pattern[str]] | None = None) -> bool:
    """"Freeze my account", "请马上冻结我的账户": a request to freeze, unless the words just
    before it make it a question or a negation. Only those words: a "how did this happen?"
    or "as soon as possible" later in the message does not undo the request."""
    cues = cues or load_cues()
    for match in cues["freeze_request"].finditer(text):
        # Its own clause only: "I never made that withdrawal. Please freeze my account".
        clause = CLAUSE_BREAK.split(text[max(0, match.start() - _FREEZE_CONTEXT):
                                          match.end()])[-1]
        just_before = CLAUSE_BREAK.split(
            text[max(0, match.start() - NEGATION_CONTEXT):match.start()])[-1]
        if cues["freeze_question"].search(clause) or cues["freeze_negation"].search(
                just_before) or _asked_about_after_if(text, match, cues):
            continue
        if not _someone_elses_account(text, match, cues):
            return True
    return False


_FREEZE_CONTEXT = 30  # characters before the freeze words that may turn them into a question
_SENTENCE_END = re.compile(r"[.!?。！？\n]")


def _asked_about_after_if(text: str, match: re.Match[str],
                          cues: dict[str, re.Pattern[str]]) -> bool:
    """"If I mistype my password five times, do you lock my account?": a sentence that
    opens with an "if" and whose freeze words' clause ends in a question mark asks what the
    exchange would do, whatever the freeze words' mood ("¿se bloquea la cuenta?", "vous
    bloquez mon compte ?"). Not "if possible, can you freeze it?", which asks for it. A
    pasted notice's "if this wasn't you, lock your account" asks nothing of the trader."""
    opening = _SENTENCE_END.split(text[:match.start()])[-1]
    if cues["freeze_notice_condition"].search(opening):
        return True  # a pasted notice's advice: "if this wasn't you, lock your account"
    if not cues["freeze_conditional"].search(opening) or cues["freeze_conditional_not"].search(
            opening):
        return False
    ending = _SENTENCE_END.search(text, match.end())
    return ending is not None and ending.group() in "?？" and not CLAUSE_BREAK.search(
        text, match.end(), ending.start())


def _someone_elses_account(text: str, match: re.Match[str],
                           cues: dict[str, re.Pattern[str]]) -> bool:
    """"My husband is a gambler, can you lock his account?": the freeze words name
    someone else's account (in their own clause, up to 30 characters either side), hold
    no "my" of their own, the message names a habit (`someone_elses_habit`) and holds no
    incident word. A relative's worry about a relative's habit then pages nobody; "my
    mom's account got drained, lock her account" stays a freeze request, because a
    drained account is a P1 whoever writes (so does one with a login, a device, a secret
    or money handed over in it)."""
    if cues["freeze_own"].search(match.group()):
        return False
    before = CLAUSE_BREAK.split(text[max(0, match.start() - _FREEZE_CONTEXT):match.start()])[-1]
    after = CLAUSE_BREAK.split(text[match.end():match.end() + _FREEZE_CONTEXT])[0]
    if not (cues["freeze_someone_else"].search(before + match.group() + after)
            and cues["someone_elses_habit"].search(text)):
        return False
    patterns = cue_patterns()
    folded = fold(text)
    # Words of access too (a login, a device, a password): "my dad got a login from a new
    # device, lock his account" may be a takeover the detector missed; so may a secret
    # or money handed to someone.
    return not (cues["incident"].search(text) or cues["account_access"].search(folded) or any(
        patterns[name].search(folded) for name in (
            "not_me", "loss", "sim", "someone_did", "stranger", "gave", "secret_object",
            "someone")))


def _shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha() and c.isascii()]
    words = [w for w in re.findall(r"[A-Za-z]{2,}", text) if len(w) > 4]  # not tickers
    return len(letters) >= 12 and len(words) >= 2 and sum(c.isupper() for c in letters) / len(
        letters) >= 0.7


def usd_value(entities: Iterable[Entity], prices: Mapping[str, float]) -> float:
    total = 0.0
    for entity in entities:
        if entity.label == "amount":
            asset = str(entity.value.get("asset", "")).upper()
            total = max(total, float(entity.value.get("amount", 0.0)) * prices.get(asset, 0.0))
    return total


def triage(
    intent: str,
    probabilities: Mapping[str, float],
    text: str,
    entities: Iterable[Entity],
    secret_kinds: Iterable[str],
    settings: TriageSettings,
    incident: IncidentJudgement | None = None,
    out_of_scope: bool = False,
) -> TriageResult:
    """P1 means an incident: a pasted secret, the incident detector's verdict (a
    takeover, or credentials or funds already handed over) or a request to freeze the
    account now, whatever the intent and even out of scope. Otherwise the intent's base
    urgency (the out-of-scope one when the message is out of scope), raised one level by
    distress, a large amount or time pressure, never into P1."""
    cues = load_cues()
    flags: list[str] = []
    if list(secret_kinds):
        flags.append(SECRET_SHARED)
    kind = incident.kind if incident is not None else None
    if kind == TAKEOVER:
        flags.append(SECURITY_INCIDENT)
    elif kind == GAVE_AWAY:
        flags.append(CREDENTIALS_GIVEN_AWAY)
    freeze = asks_to_freeze(text, cues)
    # Also without the freeze rule's words: a restriction asked for because of the trader's
    # own habit reaches a person (out of scope, it would get no one).
    self_exclusion = kind is None and asks_for_a_trading_break(text, freeze, cues)
    if freeze and not self_exclusion:
        flags.append(FREEZE_REQUESTED)
        if kind is None:
            flags.append(SECURITY_INCIDENT)
    # A request for a person inside a longer message: the policy hands off and the
    # pipeline reads it as request_human (asking_for_a_person gives its urgency).
    wants_human = [WANTS_HUMAN] if asks_for_person(text, cues["wants_human"]) else []
    if flags:
        return TriageResult("P1", (*flags, *wants_human))

    base = settings.base_urgency
    if out_of_scope:
        judged = OUT_OF_SCOPE
    else:
        # The most urgent of the top intent and any close second guess: "account frozen
        # with 20,000 USDT" read as a withdrawal problem is still triaged as a frozen
        # account. "позицию ликвидировали" read as a withdrawal is still a liquidation.
        guesses = [intent] + [i for i, p in probabilities.items()
                              if p >= settings.security_second_guess]
        if cues["incident"].search(text):
            guesses.append("futures_liquidation")
        judged = min(guesses, key=lambda name: _routine(base.get(name, "P4")))
    urgency = _routine(base.get(judged, "P4"))
    if judged == "futures_liquidation" and cues["how_question"].search(text) and not cues[
            "incident"].search(text):
        urgency = "P3"

    if cues["distress"].search(text) or "!!" in text or "！！" in text or _shouting(text):
        flags.append(DISTRESS)
    if cues["time_pressure"].search(text):
        flags.append(TIME_PRESSURE)
    if usd_value(entities, settings.reference_prices_usd) >= settings.large_amount_usd:
        flags.append(LARGE_AMOUNT)
    if flags and (judged not in CONVERSATIONAL_INTENTS or judged == "request_human"):
        raised = raise_urgency(urgency)
        urgency = "P2" if raised == "P1" else raised  # one level, never into P1
    if self_exclusion:
        flags.append(SELF_EXCLUSION)
        urgency = min(urgency, "P2", key=URGENCY_LEVELS.index)
    return TriageResult(urgency, (*flags, *wants_human))


def asking_for_a_person(result: TriageResult, settings: TriageSettings) -> Urgency:
    """The urgency of a message read as a request for a person (see the pipeline): that of
    request_human, raised one level by the same distress, amount or time pressure, or the
    urgency of what the message reports when that is more urgent (a frozen account stays
    P2 when its owner also asks for someone)."""
    level = _routine(settings.base_urgency.get("request_human", "P3"))
    if {DISTRESS, TIME_PRESSURE, LARGE_AMOUNT} & set(result.flags):
        raised = raise_urgency(level)
        level = "P2" if raised == "P1" else raised
    return min(level, result.urgency, key=URGENCY_LEVELS.index)


def _routine(level: Urgency) -> Urgency:
    """Without an incident nothing is P1: an "account hacked?" question is P2."""
    return "P2" if level == "P1" else level
