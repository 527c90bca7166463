"""Bring a blind set (or blind training data) written by helpers into the repository.

A message is kept only when
- it is well formed: a known language, intent and urgency (a bad line names the file and
  the line, and the whole run stops: nothing half-written lands);
- nobody wrote it already: its folded text is not in nlu_data/, safety_data/, eval_data/
  or the tests' fixtures (a blind set that repeats a training example measures memory);
- the secrets scanner leaves it unchanged (a message the scanner redacts would be scored
  on text the product never reads, and a blind set must not hold anything secret-like).

Chinese script pairs ("pair" key) are kept or dropped whole. A line labelled with the FAQ
entry it needs ("entry" key, the sets of bench.faq_siblings --entries) must name an entry
of faq_corpus/ whose intent is the line's intent.

    .venv/bin/python scripts/blind_set.py OUT.jsonl IN.jsonl [IN.jsonl ...]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.errors import DataFileError  # noqa: E402
from bot.knowledge.faq_corpus import read_faq_corpus  # noqa: E402
from bot.knowledge.jsonl import text_objects  # noqa: E402
from bot.nlu.secrets import SecretScanner  # noqa: E402
from bot.taxonomy import ALL_INTENTS, SUPPORTED_LANGUAGES, URGENCY_LEVELS  # noqa: E402

_NOT_A_WORD = re.compile(r"[\W_]+", re.UNICODE)
_YAML_ITEM = re.compile(r"^\s*-\s+(.*)$")
_WRITTEN = ("nlu_data", "safety_data", "eval_data", "tests")


def folded(text: str) -> str:
    return _NOT_A_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def written_already(exclude: set[Path]) -> set[str]:
    """The folded text of every message line the repository holds (YAML list items and
    JSON "text" fields)."""
    seen: set[str] = set()
    for folder in _WRITTEN:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".yml", ".yaml", ".jsonl", ".json") or path in exclude:
                continue
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                item = _YAML_ITEM.match(line)
                if item:
                    seen.add(folded(item.group(1).strip("\"'")))
                elif line.lstrip().startswith("{"):
                    try:
                        obj = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
                        seen.add(folded(obj["text"]))
    seen.discard("")
    return seen


@lru_cache(maxsize=1)
def faq_intents(folder: Path = ROOT / "faq_corpus") -> dict[str, str]:
    """Each FAQ entry's id and its intent (read once, however many files name entries)."""
    return {entry.id: entry.intent
            for entry in read_faq_corpus(folder, ALL_INTENTS, SUPPORTED_LANGUAGES)}


def checked(path: Path, entries: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """`entries`: FAQ entry id → intent, read when a line names an entry."""
    rows = []
    for number, row in text_objects(path, '{"text": "...", "lang": "..", "intent": "..."}'):
        problems = []
        if row.get("lang") not in SUPPORTED_LANGUAGES:
            problems.append(f"unknown lang {row.get('lang')!r}")
        if "intent" in row and row["intent"] not in ALL_INTENTS:
            problems.append(f"unknown intent {row['intent']!r}")
        if "urgency" in row and row["urgency"] not in URGENCY_LEVELS:
            problems.append(f"unknown urgency {row['urgency']!r}")
        if "entry" in row:
            entries = faq_intents() if entries is None else entries
            if row["entry"] not in entries:
                problems.append(f"unknown FAQ entry {row['entry']!r}")
            elif row.get("intent") != entries[row["entry"]]:
                problems.append(f"FAQ entry {row['entry']!r} answers intent "
                                f"{entries[row['entry']]!r}, not {row.get('intent')!r}")
        if problems:
            sys.exit(f"{path}:{number}: {', '.join(problems)}; fix the line and rerun")
        rows.append(row)
    return rows


def new_rows(rows: list[dict[str, Any]], exclude: set[Path]
             ) -> tuple[list[dict[str, Any]], Counter[str], set[Any]]:
    """The rows nobody wrote yet and the secrets scanner leaves alone, a Chinese pair
    whole or not at all; with what was dropped and why."""
    seen = written_already(exclude)
    scanner = SecretScanner()
    dropped: Counter[str] = Counter()
    bad_pairs = set()
    kept: list[dict[str, Any]] = []
    for row in rows:
        key = folded(row["text"])
        why = ("written already" if key in seen else "repeated in the input" if any(
            folded(k["text"]) == key for k in kept) else "secrets scanner changes it"
            if scanner.scan(row["text"]).redacted_text != unicodedata.normalize(
                "NFC", row["text"]) else None)
        if why:
            dropped[why] += 1
            if "pair" in row:
                bad_pairs.add(row["pair"])
            continue
        kept.append(row)
    kept = [row for row in kept if row.get("pair") not in bad_pairs or "pair" not in row]
    return kept, dropped, bad_pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("inputs", type=Path, nargs="+")
    args = parser.parse_args()
    try:
        rows = [row for path in args.inputs for row in checked(path)]
    except DataFileError as error:  # not JSON, or no text: the file, the line, the fix
        sys.exit(str(error))
    kept, dropped, bad_pairs = new_rows(rows, {args.out.resolve()})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in kept),
                        encoding="utf-8")
    print(f"{len(kept)} of {len(rows)} kept → {args.out}; dropped: {dict(dropped)}"
          f"{f'; whole pairs dropped: {sorted(bad_pairs)}' if bad_pairs else ''}")
    print(dict(Counter(row["lang"] for row in kept)))


if __name__ == "__main__":
    main()
