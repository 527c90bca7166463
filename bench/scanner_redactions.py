"""The secrets scanner over every message of the project's data, for a before/after diff
of a scanner change: each message read alone (nlu_data, faq_corpus, safety_data and
eval_data; the secrets suites too), and the ones it changes written out with their
redacted text. With `--against` an earlier run's file, the messages whose redaction
changed are listed (redacted both ways: the suites hold test secrets).

    .venv/bin/python -m bench.scanner_redactions --out /tmp/after.json [--against /tmp/before.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, dump, machine

_FOLDERS = ("nlu_data", "faq_corpus", "safety_data", "eval_data")


def messages() -> list[str]:
    import yaml

    found: list[str] = []
    for folder in _FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix == ".jsonl":
                for line in path.read_text(encoding="utf-8").splitlines():
                    if line.strip():
                        found += _strings_of(json.loads(line))
            elif path.suffix in (".yml", ".yaml"):
                document = yaml.safe_load(path.read_text(encoding="utf-8"))
                # Rasa-style examples are one block of "- text" lines: read them one by one.
                for text in _strings_of(document):
                    found += [line[2:] if line.startswith("- ") else line
                              for line in text.splitlines() if line.strip()]
    return sorted(set(found))


# Fields that label a case rather than hold what a user wrote.
_LABELS = frozenset(("id", "lang", "kind", "category", "split", "intent", "need", "urgency",
                     "label", "script", "source", "entry", "faq_entry", "expected"))


def _strings_of(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for key, value in node.items() if key not in _LABELS
                for s in _strings_of(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings_of(value)]
    return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--against", type=Path)
    args = parser.parse_args()
    from bot.nlu.secrets import SecretScanner

    scanner = SecretScanner()
    texts = messages()
    started = time.perf_counter()
    changed = {}
    for text in texts:
        scan = scanner.scan(text)
        if scan.spans:
            changed[text] = scan.redacted_text
    seconds = time.perf_counter() - started
    args.out.write_text(json.dumps(changed, ensure_ascii=False, indent=0), encoding="utf-8")
    report: dict[str, Any] = {"machine": machine(), "messages": len(texts),
                              "redacted": len(changed), "scan_seconds": round(seconds, 1)}
    if args.against:
        before = json.loads(args.against.read_text(encoding="utf-8"))
        report["differences"] = [
            {"before": before.get(text, "(not redacted)"),
             "after": changed.get(text, "(not redacted)")}
            for text in sorted(set(before) | set(changed)) if before.get(text) != changed.get(text)]
    dump(report)


if __name__ == "__main__":
    main()
