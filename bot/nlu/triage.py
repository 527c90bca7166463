"""Urgency and security triage, following the table and rules in shared/DESIGN.md.

Biased on purpose: a missed P1 (an account being emptied right now) costs far more than
an agent's look at a false alarm, so several independent signals can each force P1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.config import TriageSettings
from bot.nlu.entities import Entity
from bot.taxonomy import CONVERSATIONAL_INTENTS, Urgency, raise_urgency

_RESOURCES = Path(__file__).parent / "resources"

# Flags the policy and the agent console read.
DISTRESS = "distress"
TIME_PRESSURE = "time_pressure"
LARGE_AMOUNT = "large_amount"
SECRET_SHARED = "secret_shared"
CREDENTIALS_GIVEN_AWAY = "credentials_given_away"
SECURITY_INCIDENT = "security_incident"

_SECURITY_INTENTS = ("account_hacked", "phishing_scam")


@dataclass(frozen=True)
class TriageResult:
    urgency: Urgency
    flags: tuple[str, ...]


@lru_cache(maxsize=1)
def load_cues() -> dict[str, re.Pattern[str]]:
    # BaseLoader: every word stays a string ("yes", "no", "on" are not booleans).
    raw = yaml.load((_RESOURCES / "triage_cues.yml").read_text(encoding="utf-8"),
                    Loader=yaml.BaseLoader)
    for name, text in raw.items():
        # A "# comment" inside a folded YAML block is text, and would silently become part
        # of the pattern: refuse it.
        if re.search(r"(^|\|)\s*#", str(text)):
            raise ValueError(f"triage_cues.yml: '{name}' contains a '#' comment inside its "
                             "pattern; move the comment above the key")
    return {
        name: re.compile("|".join(part.strip() for part in str(text).split("|") if part.strip()),
                         re.IGNORECASE)
        for name, text in raw.items()
    }


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
) -> TriageResult:
    cues = load_cues()
    flags: list[str] = []
    base = settings.base_urgency
    # Triage the most urgent of the top intent and any close second guess: "account frozen
    # with 20,000 USDT" read as a withdrawal problem is still triaged as a frozen account.
    guesses = [intent] + [i for i, p in probabilities.items()
                          if p >= settings.security_second_guess]
    # "позицию ликвидировали" read as a withdrawal problem is still a liquidation: the
    # words of a liquidation incident count as a guess of their own.
    if cues["incident"].search(text):
        guesses.append("futures_liquidation")
    judged = min(guesses, key=lambda name: base.get(name, "P4"))  # ties keep the top intent
    urgency: Urgency = base.get(judged, "P4")

    if judged == "futures_liquidation" and cues["how_question"].search(text) and not cues[
        "incident"
    ].search(text):
        urgency = "P3"

    if cues["distress"].search(text) or "!!" in text or "！！" in text or _shouting(text):
        flags.append(DISTRESS)
    if cues["time_pressure"].search(text):
        flags.append(TIME_PRESSURE)
    if usd_value(entities, settings.reference_prices_usd) >= settings.large_amount_usd:
        flags.append(LARGE_AMOUNT)
    if flags and (judged not in CONVERSATIONAL_INTENTS or judged == "request_human"):
        urgency = raise_urgency(urgency)

    security_mass = sum(probabilities.get(name, 0.0) for name in _SECURITY_INTENTS)
    if cues["gave_away"].search(text) and (
        intent == "phishing_scam" or security_mass >= settings.security_second_guess
    ):
        flags.append(CREDENTIALS_GIVEN_AWAY)
        urgency = "P1"
    if cues["security_incident"].search(text) or (
        probabilities.get("account_hacked", 0.0) >= settings.security_second_guess
    ):
        flags.append(SECURITY_INCIDENT)
        urgency = "P1"
    secrets = list(secret_kinds)
    if secrets:
        flags.append(SECRET_SHARED)
        urgency = "P1"
    return TriageResult(urgency, tuple(flags))
