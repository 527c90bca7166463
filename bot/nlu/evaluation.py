"""`supportbot evaluate`: the figures of the contract in shared/DESIGN.md.

Input: JSONL cases {"text", "lang"?, "intent"?, "urgency"?}. A figure whose labels are
absent from the file is null.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.knowledge.jsonl import text_objects
from bot.nlu.pipeline import NLU
from bot.nlu.understanding import ParseContext, Understanding
from bot.taxonomy import OUT_OF_SCOPE


@dataclass(frozen=True)
class Case:
    text: str
    lang: str | None = None
    intent: str | None = None
    urgency: str | None = None


def read_cases(path: Path) -> list[Case]:
    return [Case(raw["text"], raw.get("lang"), raw.get("intent"), raw.get("urgency"))
            for _, raw in text_objects(path)]


def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def wilson_interval(hits: int, total: int, z: float = 1.96) -> list[float] | None:
    """The Wilson score interval of hits / total (95 % for z = 1.96), as [low, high].

    Per-language sets are small (a few dozen cases), where the normal approximation
    gives intervals past 0 or 1 and far too narrow near 100 %; Wilson's stays inside
    [0, 1] and keeps its coverage. A list, not a tuple, so that it reads the same in
    JSON."""
    if not total:
        return None
    share = hits / total
    spread = z * z / total
    centre = (share + spread / 2) / (1 + spread)
    half = z * ((share * (1 - share) + spread / 4) / total) ** 0.5 / (1 + spread)
    return [round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)]


def _figures(cases: list[Case], results: list[Understanding], faq_intents: set[str]) -> dict[
    str, Any
]:
    pairs = list(zip(cases, results, strict=True))
    with_intent = [(c, r) for c, r in pairs if c.intent is not None]
    in_scope = [(c, r) for c, r in with_intent if c.intent != OUT_OF_SCOPE]
    oos_true = [(c, r) for c, r in with_intent if c.intent == OUT_OF_SCOPE]
    oos_pred = [(c, r) for c, r in with_intent if r.intent == OUT_OF_SCOPE]
    with_lang = [(c, r) for c, r in pairs if c.lang is not None]
    with_urgency = [(c, r) for c, r in pairs if c.urgency is not None]
    p1 = [(c, r) for c, r in with_urgency if c.urgency == "P1"]
    faq_cases = [(c, r) for c, r in with_intent if c.intent in faq_intents]
    intent_hits = sum(c.intent == r.intent for c, r in with_intent)
    return {
        "n": len(cases),
        "intent_accuracy": _ratio(intent_hits, len(with_intent)),
        # A new key beside the old ones: outside checks read the figures by name.
        "intent_accuracy_ci95": wilson_interval(intent_hits, len(with_intent)),
        "lang_accuracy": _ratio(sum(c.lang == r.lang for c, r in with_lang), len(with_lang)),
        "urgency_accuracy": _ratio(sum(c.urgency == r.urgency for c, r in with_urgency),
                                   len(with_urgency)),
        "p1_recall": _ratio(sum(r.urgency == "P1" for _, r in p1), len(p1)),
        "faq_hit_at_1": _ratio(
            sum(bool(r.faq_hits) and r.faq_hits[0].intent == c.intent for c, r in faq_cases),
            len(faq_cases)),
        "in_scope_accuracy": _ratio(sum(c.intent == r.intent for c, r in in_scope),
                                    len(in_scope)) if with_intent else None,
        "oos_recall": _ratio(sum(r.intent == OUT_OF_SCOPE for _, r in oos_true), len(oos_true))
        if with_intent else None,
        "oos_precision": _ratio(sum(c.intent == OUT_OF_SCOPE for c, _ in oos_pred),
                                len(oos_pred)) if with_intent else None,
    }


def _percentiles(values: Iterable[float]) -> dict[str, float | None]:
    data = np.array(list(values))
    if not len(data):
        return {"p50": None, "p95": None, "p99": None}
    return {f"p{q}": round(float(np.percentile(data, q)), 3) for q in (50, 95, 99)}


def evaluate(nlu: NLU, cases: list[Case], warmup: int = 5) -> dict[str, Any]:
    return evaluate_with_results(nlu, cases, warmup)[0]


def evaluate_with_results(nlu: NLU, cases: list[Case], warmup: int = 5) -> tuple[
    dict[str, Any], list[Understanding]
]:
    """The figures and each case's understanding, in the cases' order (for the report)."""
    for case in cases[:warmup]:  # first calls pay for lazy initialisation, not parsing
        nlu.parse(case.text)
    # Cases are independent messages: no conversation language to stick to.
    results = [nlu.parse(case.text, ParseContext()) for case in cases]
    faq_intents = {entry.intent for entry in nlu.faq.entries}
    report = _figures(cases, results, faq_intents)
    langs = sorted({c.lang for c in cases if c.lang})
    report["per_lang"] = {
        lang: _figures([c for c in cases if c.lang == lang],
                       [r for c, r in zip(cases, results, strict=True) if c.lang == lang],
                       faq_intents)
        for lang in langs
    }
    report["latency_ms"] = _percentiles(r.latency_ms for r in results)
    report["confusions"] = _confusions(cases, results)
    return report, results


def _confusions(cases: list[Case], results: list[Understanding], top: int = 15) -> list[
    dict[str, Any]
]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for case, result in zip(cases, results, strict=True):
        if case.intent and case.intent != result.intent:
            counts[(case.intent, result.intent)] += 1
    ordered = sorted(counts.items(), key=lambda item: -item[1])[:top]
    return [{"expected": e, "predicted": p, "count": n} for (e, p), n in ordered]
