"""Chinese seed phrases written without separators, through the whole secrets scanner.

Solid Chinese has no word boundaries, so the scanner finds a phrase by its BIP39 checksum
alone, and any 12 characters of ordinary text pass that checksum 1 time in 16. Two
figures follow from that:
- **Phrases:** random checksummed phrases (both Chinese lists, 12 to 24 characters,
  `--phrases` of each) written six ways: alone, right after "助记词", after "我的助记词是",
  after "助记词：" with a request after it, inside a sentence ("我的…请帮我") and after one
  ("钱包被盗了…"). Each counts as hidden (every character redacted), partly hidden (the
  worst outcome: the user thinks it was hidden) or missed.
- **Ordinary text:** every Chinese line of the project's data (training, FAQ and the
  labelled evaluation sets; the secrets suites aside, they hold phrases on purpose): the
  windows of wordlist characters that only the checksum separates from a phrase, the
  false phrases that leaves to be expected (a window passes 1 in 2^(length/3)), and the
  lines the scanner actually redacts as a seed phrase (shown redacted, to read: the
  evaluation sets hold a few real test phrases).

    .venv/bin/python -m bench.han_phrases [--phrases 2000] [--seed 7] [--lines]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from typing import Any

from bench.common import ROOT, dump, machine

SETTINGS = {
    "alone": ("", ""),
    "after_cue": ("助记词", ""),
    "after_cue_is": ("我的助记词是", ""),
    "after_colon": ("助记词：", "，帮我看看"),
    "inside_sentence": ("我的", "请帮我"),
    "after_sentence": ("钱包被盗了", ""),
}
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{12,}")
_HAS_HAN = re.compile(r"[\u4e00-\u9fff]")


def score_phrases(count: int, seed: int) -> dict[str, Any]:
    import mnemonic

    from bot.nlu.secrets import POSSIBLE_SEED, SecretScanner

    scanner = SecretScanner()
    rng = random.Random(seed)
    outcomes: dict[str, Counter[str]] = {name: Counter() for name in SETTINGS}
    for wordlist in ("chinese_simplified", "chinese_traditional"):
        words = mnemonic.Mnemonic(wordlist)
        for bits in (128, 160, 192, 224, 256):
            for _ in range(count):
                phrase = words.to_mnemonic(rng.randbytes(bits // 8)).replace(" ", "")
                for name, (before, after) in SETTINGS.items():
                    scan = scanner.scan(before + phrase + after)
                    hidden = [(s.start, s.end) for s in scan.spans if s.kind != POSSIBLE_SEED]
                    covered = sum(any(a <= k < b for a, b in hidden)
                                  for k in range(len(before), len(before) + len(phrase)))
                    outcomes[name]["hidden" if covered == len(phrase)
                                   else "partly_hidden" if covered else "missed"] += 1
    total = Counter[str]()
    for counts in outcomes.values():
        total.update(counts)
    return {"per_setting": {name: dict(c) for name, c in outcomes.items()},
            "all": dict(total), "phrases": sum(total.values())}


def chinese_lines() -> list[str]:
    """The Chinese lines of the project's data, secrets suites aside."""
    files = [*sorted((ROOT / "nlu_data").glob("*.yml")),
             *sorted((ROOT / "faq_corpus").glob("*.yml")),
             *sorted(p for p in (ROOT / "eval_data").rglob("*.jsonl") if "secret" not in p.name)]
    lines = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not _HAS_HAN.search(line):
                continue
            if path.suffix == ".jsonl":
                row = json.loads(line)
                lines += [value for value in row.values()
                          if isinstance(value, str) and _HAS_HAN.search(value)]
            else:
                lines.append(line.strip().lstrip("- ").strip("\"'"))
    return lines


def score_text(show: bool) -> dict[str, Any]:
    from bot.nlu.folding import fold
    from bot.nlu.secrets import SEED_PHRASE, SecretScanner
    from bot.nlu.secrets.seed_phrases import VALID_LENGTHS, _reads_as_chinese
    from bot.nlu.secrets.wordlists import han_wordlists, is_function_char

    lines = chinese_lines()
    windows = Counter[int]()
    for line in lines:
        for run in _HAN_RUN.finditer(fold(line)):
            block = run.group(0)
            for wordlist in han_wordlists():
                known = [wordlist.exact(char) is not None for char in block]
                for size in VALID_LENGTHS:
                    for start in range(len(block) - size + 1):
                        window = block[start:start + size]
                        if (all(known[start:start + size])
                                and sum(map(is_function_char, window)) < max(4, size // 4 + 1)
                                and not _reads_as_chinese(block, start, size, False)):
                            windows[size] += 1
    scanner = SecretScanner()
    redacted = []
    for line in lines:
        scan = scanner.scan(line)
        if SEED_PHRASE in scan.kinds:
            redacted.append(scan.redacted_text)
    expected = sum(n / 2 ** (size // 3) for size, n in windows.items())
    report: dict[str, Any] = {
        "lines": len(lines),
        "windows_left_to_the_checksum": dict(windows),
        "expected_false_phrases": round(expected, 2),
        "lines_redacted_as_seed_phrase": len(redacted),
    }
    if show:
        report["redacted"] = redacted
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--phrases", type=int, default=2000, help="of each list and length")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lines", action="store_true", help="show the redacted lines")
    args = parser.parse_args()
    dump({"machine": machine(), "phrases": score_phrases(args.phrases, args.seed),
          "ordinary_text": score_text(args.lines)})


if __name__ == "__main__":
    main()
