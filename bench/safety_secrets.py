"""Scores the secrets scanner on eval_data/safety/secrets.jsonl (see bench/safety.py).

Each case is one or more consecutive messages of one conversation, run through the
scanner as the conversation would: a withheld tail is carried to the next message, and a
tail still withheld after the last message is released (shown in clear) as the timeout
would. What counts is the text as finally stored:
- a secret is caught when every character of each `redact` substring (spaces and
  punctuation aside) is redacted; a partial leak is a secret some of whose characters
  were redacted and some not (the worst outcome: the user thinks it was hidden);
- a look-alike is wrongly redacted when any character of a `keep` substring is hidden;
- an unclear 64-hex value counts as handled when it is not stored in clear.
"""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.nlu.secrets import (
    CARRIED_KEPT,
    CARRIED_SECRET,
    POSSIBLE_SEED,
    SEED_PHRASE,
    Carried,
    SecretScanner,
    Span,
)


@dataclass
class Outcome:
    texts: list[str]
    hidden: list[list[tuple[int, int]]] = field(default_factory=list)  # per message
    secret_kinds: set[str] = field(default_factory=set)


def run_conversation(scanner: SecretScanner, messages: list[str]) -> Outcome:
    messages = [unicodedata.normalize("NFC", m) for m in messages]
    outcome = Outcome(messages, [[] for _ in messages])
    pending: list[tuple[int, Span]] = []  # withheld tails not yet decided
    carried: Carried | None = None
    for index, text in enumerate(messages):
        scan = scanner.scan(text, carried)
        outcome.secret_kinds |= set(scan.kinds)
        for span in scan.spans:
            if span.kind != POSSIBLE_SEED:
                outcome.hidden[index].append((span.start, span.end))
        if scan.carried == CARRIED_SECRET:
            for earlier, span in pending:
                outcome.hidden[earlier].append((span.start, span.end))
            outcome.secret_kinds.add(SEED_PHRASE)
            pending = []
        elif scan.carried != CARRIED_KEPT:
            pending = []  # released: shown in clear
        tail = next((s for s in scan.spans if s.kind == POSSIBLE_SEED), None)
        if tail is not None:
            pending.append((index, tail))
        carried = Carried("\n".join(messages[i][s.start:s.end] for i, s in pending),
                          scan.seed_context, scan.seed_wordlist)
    return outcome  # whatever is still pending is released by the timeout


def _coverage(outcome: Outcome, substring: str, avoid: Sequence[str] = ()) -> tuple[int, int]:
    """(characters of the substring hidden, its characters), spaces and punctuation aside.
    A secret's word may also occur in the text to keep ("지갑 화면 그대로 복사했어요" above
    a phrase holding 화면), and a kept word inside a secret: the first occurrence outside
    the `avoid` parts (the other side's) is the one read."""
    substring = unicodedata.normalize("NFC", substring)
    for index, text in enumerate(outcome.texts):
        other = [(at, at + len(k)) for k in avoid if k not in substring
                 for at in _occurrences(text, unicodedata.normalize("NFC", k))]
        starts = [at for at in _occurrences(text, substring)
                  if not any(a <= at < b for a, b in other)]
        if not starts:
            continue
        positions = [starts[0] + i for i, c in enumerate(substring) if c.isalnum()]
        hidden = sum(any(a <= p < b for a, b in outcome.hidden[index]) for p in positions)
        return hidden, len(positions)
    raise ValueError(f"substring not in its messages: {substring[:20]}…")


def _occurrences(text: str, substring: str) -> list[int]:
    found, at = [], text.find(substring)
    while at >= 0:
        found.append(at)
        at = text.find(substring, at + 1)
    return found


def score_secrets(cases: list[dict[str, Any]], scanner: SecretScanner) -> dict[str, Any]:
    totals: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    failures = []
    for case in cases:
        outcome = run_conversation(scanner, case["messages"])
        keys = ["all", f"lang:{case['lang']}", f"kind:{case['kind']}",
                f"category:{case['category']}"]
        kind = case["kind"]
        problems = []
        if kind not in ("none", "ambiguous_hex"):
            cover = [_coverage(outcome, s, case["keep"]) for s in case["redact"]]
            caught = all(h == n for h, n in cover)
            partial = any(h > 0 for h, _ in cover) and not caught
            for key in keys:
                totals[key]["secrets"] += 1
                totals[key]["caught"] += caught
                totals[key]["partial_leaks"] += partial
            if not caught:
                problems.append("partial leak" if partial else "missed")
        if kind == "ambiguous_hex":
            cover = [_coverage(outcome, s) for s in case["redact"]]
            handled = all(h == n for h, n in cover)
            for key in keys:
                totals[key]["unclear"] += 1
                totals[key]["unclear_not_stored"] += handled
            if not handled:
                problems.append("unclear value stored")
        if kind == "none":
            touched = any(h > 0 for h, _ in (_coverage(outcome, s, case["redact"])
                                             for s in case["keep"]))
            flagged = bool(outcome.secret_kinds)
            for key in keys:
                totals[key]["lookalikes"] += 1
                totals[key]["wrongly_redacted"] += touched
                totals[key]["false_alarms"] += flagged
            if touched or flagged:
                problems.append("look-alike redacted" if touched else "look-alike flagged")
        for value in case["keep"]:
            if _is_txid(value):
                kept = _coverage(outcome, value, case["redact"])[0] == 0
                for key in keys:
                    totals[key]["txids"] += 1
                    totals[key]["txids_kept"] += kept
                if not kept and kind != "none":
                    problems.append("txid hidden")
        if problems:
            failures.append({"id": case["id"], "lang": case["lang"], "kind": kind,
                             "category": case["category"], "problem": ", ".join(problems)})
    return {"figures": {key: _rates(value) for key, value in sorted(totals.items())},
            "failures": failures}


def _is_txid(value: str) -> bool:
    bare = value.split("/")[-1]
    bare = bare[2:] if bare.lower().startswith("0x") else bare
    return len(bare) == 64 and all(c in "0123456789abcdefABCDEF" for c in bare)


def _rates(counts: dict[str, int]) -> dict[str, Any]:
    def ratio(hits: str, total: str) -> float | None:
        return round(counts[hits] / counts[total], 4) if counts.get(total) else None

    return {
        "secrets": counts.get("secrets", 0),
        "secret_recall": ratio("caught", "secrets"),
        "partial_leaks": counts.get("partial_leaks", 0),
        "lookalikes": counts.get("lookalikes", 0),
        "lookalikes_wrongly_redacted": ratio("wrongly_redacted", "lookalikes"),
        "lookalikes_flagged_as_secret": ratio("false_alarms", "lookalikes"),
        "txids": counts.get("txids", 0),
        "txids_kept": ratio("txids_kept", "txids"),
        "unclear_hex": counts.get("unclear", 0),
        "unclear_hex_not_stored": ratio("unclear_not_stored", "unclear"),
    }


def read_suite(path: Path, split: str) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [r for r in rows if split == "all" or r["split"] == split]
