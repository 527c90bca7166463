"""Writes bot/nlu/secrets/bip39_frequencies.json: how common each BIP39 word is in its
language, and the cut above which a run of wordlist words reads like a sentence.

Why: a seed phrase is random words, so its words are on average rarer than the words of a
sentence ("you can always check your account balance again" uses only wordlist words).
The scanner reads the table at start-up; this script needs `pip install wordfreq` and is
only re-run when the wordlists change. It also writes common_words.json (see COMMON).
Japanese and Korean lists are left out: their words are never written space-separated as
ordinary text. Chinese is written solid, so a checksummed window of characters is a
phrase only when it does not read as Chinese: the table keeps the common Chinese words
of two to four characters (both scripts), and the scanner measures how much of a window
they cover (a sentence: most; random characters: little).

    .venv/bin/python scripts/build_bip39_frequencies.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import mnemonic
import numpy as np
from opencc import OpenCC
from wordfreq import top_n_list, zipf_frequency

from bot.nlu.folding import fold

LISTS = {"english": "en", "spanish": "es", "french": "fr", "italian": "it",
         "portuguese": "pt", "czech": "cs", "russian": "ru", "turkish": "tr"}
RUN_LENGTHS = (3, 4, 6, 9, 12)
SAMPLES = 50_000
# The share of random phrases allowed to read as "natural": 1 in 10,000.
QUANTILE = 99.99
SECRETS = Path(__file__).resolve().parent.parent / "bot" / "nlu" / "secrets"
OUT = SECRETS / "bip39_frequencies.json"
# The 3,000 most frequent words of each spaced language we serve: after "my password
# is", a word outside them ("sunflower") is the password, one inside ("working") is not.
COMMON = SECRETS / "common_words.json"
COMMON_LANGUAGES = ("en", "es", "fr", "it", "pt", "de", "ru", "tr", "vi")


def main() -> None:
    folder = Path(mnemonic.__file__).parent / "wordlist"
    rng = random.Random(0)
    table: dict[str, object] = {}
    for name, lang in LISTS.items():
        words = (folder / f"{name}.txt").read_text(encoding="utf-8").split()
        zipf = {fold(w): round(zipf_frequency(w, lang), 2) for w in words}
        values = list(zipf.values())
        cuts = {}
        for n in RUN_LENGTHS:
            means = [float(np.mean(rng.sample(values, n))) for _ in range(SAMPLES)]
            cuts[str(n)] = round(float(np.percentile(means, QUANTILE)), 3)
        table[name] = {"language": lang, "natural_cut": cuts, "zipf": zipf}
        print(name, cuts)
    common = [w for w in top_n_list("zh", 30_000)
              if 2 <= len(w) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in w)]
    traditional = OpenCC("s2t")
    table["chinese_words"] = sorted(set(common) | {traditional.convert(w) for w in common})
    # The most frequent single characters (的, 是, 了, 我 …): a sentence is full of them.
    single = [w for w in top_n_list("zh", 1_000) if len(w) == 1 and "\u4e00" <= w <= "\u9fff"]
    table["chinese_function_chars"] = "".join(
        sorted(set(single[:30]) | {traditional.convert(w) for w in single[:30]}))
    OUT.write_text(json.dumps(table, ensure_ascii=False, sort_keys=True, indent=0) + "\n",
                   encoding="utf-8")
    print("wrote", OUT)
    common = sorted({fold(w) for lang in COMMON_LANGUAGES for w in top_n_list(lang, 3_000)})
    COMMON.write_text(json.dumps(common, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print("wrote", COMMON)


if __name__ == "__main__":
    main()
