"""Chinese seed phrases written without separators, through the whole secrets scanner.

Solid Chinese has no word boundaries, so the scanner finds a phrase by its BIP39 checksum
alone, and any 12 characters of ordinary text pass that checksum 1 time in 16. Two
figures follow from that:
- **Phrases:** random checksummed phrases (both Chinese lists, 12 to 24 characters,
  `--phrases` of each) written eight ways: alone, right after "助记词", after "我的助记词是",
  after "助记词：" with a request after it, inside a sentence ("我的…请帮我"), after one
  ("钱包被盗了…"), before one ("…帮我看看钱包里还有多少钱"), and in halves over two
  messages ("助记词前半：…", then "后半：…帮我看看钱包"; run as a conversation, a half
  still withheld at the end counted as shown). Each counts as hidden (every character
  redacted), partly hidden (the worst outcome: the user thinks it was hidden) or missed,
  with the characters of the text around it that were hidden too.
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
    "before_a_request": ("", "帮我看看钱包里还有多少钱"),
}
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{12,}")
_HAS_HAN = re.compile(r"[\u4e00-\u9fff]")


def _outcome(scanner: Any, messages: list[str], secret: list[tuple[int, int, int]]) -> tuple[
        str, int]:
    """("hidden" | "partly_hidden" | "missed", other characters hidden) of one case:
    `secret` holds (message, start, end) of the phrase's parts."""
    from bench.safety_secrets import run_conversation

    outcome = run_conversation(scanner, messages)
    covered = total = other = 0
    for index, text in enumerate(messages):
        parts = [(a, b) for i, a, b in secret if i == index]
        for k, char in enumerate(text):
            hidden = any(a <= k < b for a, b in outcome.hidden[index])
            if any(a <= k < b for a, b in parts):
                total += 1
                covered += hidden
            elif hidden and not char.isspace():
                other += 1
    kind = "hidden" if covered == total else "partly_hidden" if covered else "missed"
    return kind, other


def score_phrases(count: int, seed: int) -> dict[str, Any]:
    """Each setting: how many phrases were hidden, partly hidden or missed, and how many
    characters of the text around them were hidden too (the cue and a presenting 是
    included: they are hidden where they may be the phrase's own)."""
    import mnemonic

    from bot.nlu.secrets import SecretScanner

    scanner = SecretScanner()
    rng = random.Random(seed)
    names = [*SETTINGS, "two_messages"]
    outcomes: dict[str, Counter[str]] = {name: Counter() for name in names}
    for wordlist in ("chinese_simplified", "chinese_traditional"):
        words = mnemonic.Mnemonic(wordlist)
        for bits in (128, 160, 192, 224, 256):
            for _ in range(count):
                phrase = words.to_mnemonic(rng.randbytes(bits // 8)).replace(" ", "")
                cases = {name: ([before + phrase + after],
                                [(0, len(before), len(before) + len(phrase))])
                         for name, (before, after) in SETTINGS.items()}
                half = len(phrase) // 2
                first, second = "助记词前半：" + phrase[:half], "后半：" + phrase[half:]
                cases["two_messages"] = ([first, second + "帮我看看钱包"],
                                         [(0, 6, len(first)), (1, 3, len(second))])
                for name, (messages, secret) in cases.items():
                    kind, other = _outcome(scanner, messages, secret)
                    outcomes[name][kind] += 1
                    outcomes[name]["other_characters_hidden"] += other
    total = Counter[str]()
    for counts in outcomes.values():
        total.update(counts)
    return {"per_setting": {name: dict(c) for name, c in outcomes.items()},
            "all": dict(total)}


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
