"""Language identification for short, informal chat messages.

langdetect alone guesses badly on two-word messages ("sí", "danke") and is random unless
seeded. We layer, strongest evidence first:
1. script rules: Kana, Hangul, Han, Cyrillic, Thai, Arabic decide outright;
2. for Latin script: langdetect (seeded) + a short-word lexicon + letters only one
   language uses (ş, ơ, ñ, ß, ã) + letter n-gram and whole-word profiles of our own
   training text (language_ngrams) + the channel's locale hint;
3. Han characters without kana: Chinese, unless the Han profiles of our zh and ja text
   are sure of Japanese ("出金遅延", "本人確認");
4. stickiness: a conversation keeps its language unless the new evidence is strong.
For Chinese we record the script (Hans/Hant) so replies match what the user writes.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import yaml
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from bot.config import LanguageSettings
from bot.nlu.chinese_script import to_simplified, to_traditional
from bot.nlu.language_ngrams import WORD, LanguageProfiles

_RESOURCES = Path(__file__).parent / "resources"

# Tokens that carry no language: links, e-mails, hashes, wallet addresses (long tokens
# mixing letters and digits: bech32, base58), networks and tickers with digits (TRC20,
# BEP20, typed "erc20" as often as "ERC20"), numbers. Removed before anything is counted:
# a Russian message holding a 64-hex TXID is Cyrillic, not Latin.
_NOISE = re.compile(
    r"https?://\S+|www\.\S+|\S+@\S+|\b0x[0-9a-fA-F]+\b|\b[0-9a-fA-F]{16,}\b"
    r"|\b(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]{20,}\b|\b[A-Za-z]{2,6}\d{1,3}\b"
    # Short codes mixing letters and digits ("2FA", "P2P", "3DS", "100x"): read without
    # their digits they would leave "fa" (Italian) or "p".
    r"|\b(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]{2,8}\b"
    r"|[\d.,:%$€#/+-]+"
)
# Chat words every language uses; alone they say nothing about the language.
_NEUTRAL_WORDS = frozenset({"ok", "okay", "okey", "okk", "k", "kk", "lol", "haha", "hahaha",
                            "no", "usdt", "btc", "eth", "kyc", "api", "otc", "p2p", "vip"})

# Languages whose script decides outright (see _by_script); langdetect never picks them.
SCRIPT_DECIDED = frozenset({"zh", "ja", "ko", "ru", "th", "ar"})

# Letters that (among our languages) only one language writes. Strong hints, not proof.
_SIGNATURE_LETTERS: dict[str, str] = {
    "vi": "ơưđăạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ",
    "tr": "şğı",
    "es": "ñ¿¡",
    "pt": "ãõ",
    "de": "ßäö",
    "fr": "œëêèîïûùâ",
    "it": "ò",
}

# How the letter profiles join the other evidence: their posterior (a softmax of the
# mean per-gram log-likelihood, sharpened 8x) weighs 3 points against langdetect's 0.6-0.8
# and the lexicon's 2. Chosen by cross-validation on the training text (a fifth of each
# Latin language's examples held out, cut to one-to-four-word snippets: 72.6% without
# the profiles, 88.6% with them; weights 2-10 and sharpness 4-16 all within 0.5 points),
# never on an evaluation set.
PROFILE_WEIGHT = 3.0
PROFILE_SHARPNESS = 8.0
# The whole-word model (language_ngrams) beside the letters: WORD_WEIGHT points for its
# posterior at WORD_SHARPNESS; LEXICON_WEIGHT for the share of words in a language's
# short-word list. Chosen like the letters' weights, on training text only
# (`bench.language_cv`, two folds, one-to-four-word snippets of the held-out fifth):
# 90.3% of snippets without the word model, 92.6-92.7% with weight 4-6 and sharpness
# 2-4 (a plateau: 4 / 4 taken, the smaller weight of the best two); the lexicon's weight
# (1-3) moved nothing by more than 0.1 point and stays 2.
WORD_WEIGHT = 4.0
WORD_SHARPNESS = 4.0
LEXICON_WEIGHT = 2.0
# A message of at most 8 Han characters and no kana is read as Japanese when the Han
# profiles (sharpness 4) give Japanese a posterior of at least 0.95; anything longer, or
# less sure, is Chinese, whose users write Han alone far more often. Chosen on held-out
# training text (2-8-character pieces: 97.6% of Japanese kanji runs found, 1.4% of
# Chinese pieces taken for Japanese) and checked on the spent sets (238 Han-only Chinese
# messages kept, 14 kanji-only Japanese found).
HAN_SHARPNESS = 4.0
JAPANESE_HAN_CUT = 0.95
JAPANESE_HAN_LONGEST = 8


@dataclass(frozen=True)
class EvidenceWeights:
    """How much each kind of evidence counts for the Latin-script languages; the defaults
    are the shipped ones, a benchmark passes others to compare."""

    profile: float = PROFILE_WEIGHT
    profile_sharpness: float = PROFILE_SHARPNESS
    words: float = WORD_WEIGHT
    word_sharpness: float = WORD_SHARPNESS
    lexicon: float = LEXICON_WEIGHT


@dataclass(frozen=True)
class LanguageGuess:
    lang: str
    confidence: float
    script: str | None = None  # "Hans" or "Hant" for Chinese
    method: str = "langdetect"  # script | profile | langdetect | hint | sticky | default


def _script_counts(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for char in text:
        code = ord(char)
        if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9D:
            counts["kana"] += 1
        elif 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
            counts["hangul"] += 1
        elif _is_han(char):
            counts["han"] += 1
        elif 0x0400 <= code <= 0x04FF:
            counts["cyrillic"] += 1
        elif 0x0E00 <= code <= 0x0E7F:
            counts["thai"] += 1
        elif 0x0600 <= code <= 0x06FF:
            counts["arabic"] += 1
        elif char.isalpha():
            counts["latin"] += 1
    return counts


class LanguageIdentifier:
    """Thread-safe; one instance per process (the langdetect profiles load once)."""

    def __init__(self, settings: LanguageSettings, profiles: LanguageProfiles | None = None,
                 weights: EvidenceWeights | None = None):
        self.settings = settings
        self.weights = weights or EvidenceWeights()
        # Learned from the training text by `supportbot train`; None (a benchmark model,
        # or no model yet) leaves langdetect, the lexicon and the letters to decide.
        self.profiles = profiles if profiles is not None and not profiles.empty else None
        self._supported = set(settings.supported)
        self._latin = sorted(self._supported - SCRIPT_DECIDED)
        self._factory = DetectorFactory()
        # Only the languages langdetect can still decide between: its inner loop walks every
        # loaded profile for every sampled n-gram, so 8 profiles instead of 55 make it ~4x
        # faster, and probability no longer leaks to languages we do not serve.
        wikipedia = [(Path(PROFILES_DIRECTORY) / lang).read_text(encoding="utf-8")
                     for lang in self._latin if (Path(PROFILES_DIRECTORY) / lang).exists()]
        # langdetect needs two profiles to compare; with fewer the lexicon decides alone.
        self._has_profiles = len(wikipedia) >= 2
        if self._has_profiles:
            self._factory.load_json_profile(wikipedia)
        self._factory.set_seed(settings.seed)
        self._lock = threading.Lock()
        self._lexicon = _load_lexicon()

    @property
    def russian_in_latin(self) -> frozenset[str]:
        """Russian words as typed in Latin letters ("privet", "akkaunt")."""
        return self._lexicon.get("ru_translit", frozenset())

    @property
    def jargon(self) -> frozenset[str]:
        """Latin words that belong to no language: tickers, networks, apps ("usdt", "p2p")."""
        return self._lexicon.get("jargon", frozenset())

    def identify(
        self, text: str, hint: str | None = None, previous: str | None = None
    ) -> LanguageGuess:
        locale, hint = hint, normalise_locale(hint)
        previous = previous if previous in self._supported else None
        readable = _NOISE.sub(" ", text)
        counts = _script_counts(readable)
        by_script = self._by_script(text, counts)
        if by_script is not None:
            if by_script.lang == "zh" and self._script_undecided(text):
                # "你好", "我要找真人客服": the same characters in both scripts. A Taiwan or
                # Hong Kong browser says Traditional; otherwise no script is claimed, so
                # the conversation keeps the one it had (the 0.11.12 trial: a zh-TW
                # widget got its replies in Simplified).
                script = locale_script(locale) if hint == "zh" else None
                return replace(by_script, script=script if script == "Hant" else None)
            return by_script
        jargon = self._lexicon.get("jargon", frozenset())
        # The same words the letter profiles were counted over.
        words = [word for word in WORD.findall(readable.lower()) if word not in jargon]
        cleaned = " ".join(words)
        if "ru" in self._supported and _is_translit_russian(
                words, self._lexicon.get("ru_translit", frozenset())):
            return LanguageGuess("ru", 0.6, method="translit")
        if all(word in _NEUTRAL_WORDS for word in words):
            # Emoji, numbers, a bare link, "ok": nothing to read, so keep what we knew.
            return self._fallback(previous, hint)
        if hint in self._latin and len(words) <= 3 and all(
                _in_lexicon(word, self._lexicon.get(hint, frozenset())) for word in words):
            # "ja" from a German browser, "si" from a Spanish one: a short message that the
            # channel's own language says word for word is that language, whichever other
            # language writes the same words more often.
            return LanguageGuess(hint, 0.6, method="hint")
        scores = self._latin_scores(cleaned, words, hint)
        best, best_score = max(scores.items(), key=lambda item: item[1])
        total = sum(scores.values()) or 1.0
        confidence = best_score / total
        if previous and best != previous and confidence < self.settings.switch_confidence:
            return LanguageGuess(previous, confidence, method="sticky")
        return LanguageGuess(best, round(confidence, 4), method="langdetect")

    def _by_script(self, text: str, counts: Counter[str]) -> LanguageGuess | None:
        letters = sum(counts.values()) or 1
        cjk = counts["kana"] + counts["hangul"] + counts["han"]
        # Mixed messages ("提现 pending 好久了") follow the CJK part: whoever types CJK
        # characters reads them.
        if cjk >= 2 or cjk / letters >= 0.3:
            if counts["kana"] > 0:
                return LanguageGuess("ja", 1.0, method="script")
            if counts["hangul"] >= counts["han"]:
                return LanguageGuess("ko", 1.0, method="script")
            if counts["hangul"] == 0 and self._japanese_kanji(text):
                return LanguageGuess("ja", 1.0, method="profile")
            return LanguageGuess("zh", 1.0, script=self.chinese_script(text), method="script")
        # No Latin-script language we serve writes Cyrillic, Thai or Arabic letters, while
        # Russian support messages are half English jargon ("Пополнение USDT не пришло,
        # TXID … в etherscan всё Success"): a third of the letters is evidence enough.
        for script, lang in (("cyrillic", "ru"), ("thai", "th"), ("arabic", "ar")):
            if counts[script] / letters >= 0.3:
                return LanguageGuess(lang, 1.0, method="script")
        return None

    def _latin_scores(self, cleaned: str, words: list[str], hint: str | None) -> dict[str, float]:
        short = len(words) <= 3
        scores = dict.fromkeys(self._latin, 0.0)
        # langdetect knows many words but is noisy on short text: weigh it less there. The
        # weights (0.6 / 0.8 langdetect, 2.0 lexicon) were picked by a grid on the 6,556
        # nlu_data examples, never on eval_data.
        for lang, prob in self._langdetect(cleaned).items():
            if lang in scores:
                scores[lang] += prob * (0.6 if short else 0.8)
        for lang in scores:
            lexicon = self._lexicon.get(lang, frozenset())
            known = sum(1 for word in words if _in_lexicon(word, lexicon))
            scores[lang] += self.weights.lexicon * known / len(words)
            signature = _SIGNATURE_LETTERS.get(lang, "")
            if signature and any(char in signature for char in cleaned):
                scores[lang] += 1.0
        if self.profiles is not None:
            weights = self.weights
            posteriors = [(weights.profile,
                           self.profiles.latin_posterior(words, weights.profile_sharpness))]
            if weights.words:
                posteriors.append(
                    (weights.words, self.profiles.word_posterior(words, weights.word_sharpness)))
            for weight, posterior in posteriors:
                for lang, share in posterior.items():
                    if lang in scores:
                        scores[lang] += weight * share
        if hint in scores:
            scores[hint] += self.settings.hint_weight * (1.0 if short else 0.4)
        return scores

    def _japanese_kanji(self, text: str) -> bool:
        if self.profiles is None or "ja" not in self._supported:
            return False
        if sum(1 for char in text if _is_han(char)) > JAPANESE_HAN_LONGEST:
            return False
        return self.profiles.han_posterior(text, HAN_SHARPNESS).get(
            "ja", 0.0) >= JAPANESE_HAN_CUT

    def _langdetect(self, text: str) -> dict[str, float]:
        if not self._has_profiles:
            return {}
        with self._lock:  # the factory's seeded RNG is shared state
            try:
                detector = self._factory.create()
                detector.append(text)
                return {item.lang: item.prob for item in detector.get_probabilities()}
            except LangDetectException:
                return {}

    def from_context(self, previous: str | None, locale: str | None) -> LanguageGuess:
        """The language when there is no text to read (a quick-reply button): the
        conversation's, else the channel's locale, else the default."""
        previous = previous if previous in self._supported else None
        guess = self._fallback(previous, normalise_locale(locale))
        if guess.lang == "zh" and guess.method == "hint":
            return replace(guess, script=locale_script(locale))
        return guess

    def _fallback(self, previous: str | None, hint: str | None) -> LanguageGuess:
        if previous:
            return LanguageGuess(previous, 0.5, method="sticky")
        if hint in self._supported:
            return LanguageGuess(hint, 0.5, method="hint")
        return LanguageGuess(self.settings.default, 0.2, method="default")

    @staticmethod
    def _script_undecided(text: str) -> bool:
        # Two conversions of the whole text, not two per character (a long paste).
        return to_simplified(text) == text and to_traditional(text) == text

    def chinese_script(self, text: str) -> str:
        traditional = sum(1 for c in text if to_simplified(c) != c)
        simplified = sum(1 for c in text if to_traditional(c) != c)
        return "Hant" if traditional > simplified else "Hans"


def _is_han(char: str) -> bool:
    code = ord(char)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF


def _in_lexicon(word: str, lexicon: frozenset[str]) -> bool:
    # Suffixes pile up in Turkish and friends ("merhabalar", "hesabımı"): a long lexicon
    # word at the start of a longer word still counts.
    return word in lexicon or any(
        word.startswith(word[:cut]) and word[:cut] in lexicon for cut in range(5, len(word))
    )


def strip_noise(text: str) -> str:
    """The text without links, e-mails, hashes and numbers: what is left to read."""
    return _NOISE.sub(" ", text)


def normalise_locale(locale: str | None) -> str | None:
    """'zh-TW', 'pt_BR', 'en-US' → 'zh', 'pt', 'en'; None stays None."""
    if not locale:
        return None
    return locale.replace("_", "-").split("-")[0].strip().lower() or None


def locale_script(locale: str | None) -> str:
    """Chinese script implied by a locale: zh-TW, zh-HK, zh-MO and zh-Hant write Traditional."""
    parts = {part.lower() for part in (locale or "").replace("_", "-").split("-")[1:]}
    return "Hant" if parts & {"tw", "hk", "mo", "hant"} else "Hans"


def _is_translit_russian(words: list[str], markers: frozenset[str]) -> bool:
    # Two marker words, or the one word of a one-word message ("privet", "spasibo").
    hits = sum(1 for word in words if word in markers)
    return bool(words) and hits >= min(2, len(words)) and hits >= 0.3 * len(words)


@lru_cache(maxsize=1)
def _load_lexicon() -> dict[str, frozenset[str]]:
    # BaseLoader: every word stays a string ("yes", "no", "on" are not booleans).
    raw = yaml.load((_RESOURCES / "short_words.yml").read_text(encoding="utf-8"),
                    Loader=yaml.BaseLoader)
    return {
        lang: frozenset(unicodedata.normalize("NFC", str(word)).lower() for word in words)
        for lang, words in raw.items()
    }
