"""The understanding step: text + context → Understanding.

language → secrets scan/redaction → embeddings → intent + calibrated confidence →
FAQ retrieval → entities → security-incident detection → urgency. Only the redacted text
reaches the embedder, the entities and anything returned (seed words held back until the
next message are read by the models, in memory, but never returned).
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from bot.config import Settings
from bot.nlu.chinese_script import mainland_simplified, mainland_words, one_script
from bot.nlu.classifier import IntentClassifier
from bot.nlu.embeddings import Embedder
from bot.nlu.entities import EntityExtractor
from bot.nlu.faq_index import FaqIndex
from bot.nlu.incidents import (
    IncidentDetector,
    IncidentJudgement,
    awaited_own_transfer,
    floor,
    unasked_tokens_only,
)
from bot.nlu.language import LanguageIdentifier, strip_noise
from bot.nlu.language_ngrams import LanguageProfiles
from bot.nlu.model_text import incident_text, without_identifiers
from bot.nlu.scam_posts import ScamPostDetector
from bot.nlu.secrets import (
    POSSIBLE_SEED,
    SCANNER_ERROR,
    UNCLEAR_HEX,
    SecretScan,
    SecretScanner,
    scan_safely,
)
from bot.nlu.secrets.keys import says_private_key
from bot.nlu.translit import from_wrong_layout, in_cyrillic
from bot.nlu.triage import FREEZE_REQUESTED, WANTS_HUMAN, asking_for_a_person, triage
from bot.nlu.typos import mend_typos
from bot.nlu.understanding import (
    AWAITED_TRANSFER,
    EMPTY,
    LOW_CONFIDENCE,
    NAMES_PRIVATE_KEY,
    NO_TEXT,
    SCANNER_FAILED,
    TRUNCATED,
    UNASKED_TOKENS,
    UNCLEAR_VALUE,
    UNFAMILIAR,
    WITHHELD,
    IntentScore,
    ParseContext,
    Understanding,
)
from bot.taxonomy import OUT_OF_SCOPE

ACCOUNT_HACKED = "account_hacked"
BOT_CHALLENGE, REQUEST_HUMAN = "bot_challenge", "request_human"
# What a request to freeze the account is read as, when it is not read as a takeover.
_NOT_WHAT_A_FREEZE_MEANS = frozenset({"account_closure", "account_locked", OUT_OF_SCOPE,
                                      REQUEST_HUMAN})

# Control characters except tab and newline: they confuse tokenisers and terminals.
# The zero-width joiner (U+200D) stays between emoji ("👨‍👩‍👧" is one family, not three).
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_REDACTION = re.compile(r"\[(?:REDACTED|WITHHELD):\w+\]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_HAS_WORD = re.compile(r"[^\W\d_]{2,}|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
RANKING_SIZE = 5
# Entities that tie a message to a transaction or a case (see _finish).
CASE_IDENTIFIERS = frozenset({"tx_hash", "evm_address", "btc_address", "tron_address",
                              "order_id", "ticket_id"})


# One message to understand: its text, what the conversation knows, the intent a quick
# reply button forces, and the scan of the text when the caller already made it (the
# engine scans before storing; the understanding must not scan twice).
ParseItem = tuple[str, ParseContext | None, str | None, SecretScan | None]
_FLAGS_OF_WITHHELD = {UNCLEAR_HEX: UNCLEAR_VALUE, POSSIBLE_SEED: WITHHELD,
                      SCANNER_ERROR: SCANNER_FAILED}


@dataclass(frozen=True)
class _Prepared:
    """One message after the per-message steps that come before the shared model calls."""

    text: str
    redacted: str  # stored and returned
    readable: str  # read by the models only
    secrets: tuple[str, ...]
    lang: str
    lang_confidence: float
    script: str | None
    flags: list[str]
    forced_intent: str | None


# Invisible characters inside a word ("acc\u200bount hac\u200bked", a seed word "sn\u200bow")
# split it for the secrets scanner, the cue words and the models (0.11.13 trial: a
# takeover so written was P2, such a seed phrase stored in clear). Between two letters of
# a chunk that reads as one word once they are gone (20 letters at most), they are taken
# out; in a longer chunk they separate words ("embody\u200bbring\u200banalyst…", a seed
# phrase joined by them) and become spaces. Elsewhere they are left to _CONTROL.
# Of the bidirectional controls, only the two that reverse what follows (U+202E, U+2067)
# stay spaces: "evil\u202egnp.exe" shows its trick as one. The others (embeddings, pops,
# isolates: what copying from a right-to-left page leaves inside words) are taken out like
# any invisible character, so a seed word or a key with one inside is read whole (0.11.13
# review: "ne\u2069utral fi\u2069re …" was stored in clear as two words each).
_INVISIBLE = ("\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202d\u2060-\u2064"
              "\u2066\u2068\u2069\u2800\u3164\ufe00-\ufe0f\ufeff\U000e0000-\U000e007f")
_INVISIBLE_IN_WORD = re.compile(rf"(?<=\w)[{_INVISIBLE}]+(?=\w)")
_CHUNK = re.compile(r"\S+")
_EDGE_PUNCTUATION = ".,;:!?…'\"“”‘’()[]«»。，！？、"
_LONGEST_SPLIT_WORD = 20
# Strike-through and overlay marks drawn over each letter ("m̶y̶ ̶a̶c̶c̶o̶u̶n̶t̶").
_OVERLAYS = re.compile(r"[\u0334-\u0338\u20d2\u20d3\u20e5\u20e6]")
# A lone UTF-16 surrogate (JSON "\ud800") cannot be stored or encoded: it becomes U+FFFD
# instead of failing the request and losing the message.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _chunk_without_invisible(match: re.Match[str]) -> str:
    chunk = match.group(0)
    if not _INVISIBLE_IN_WORD.search(chunk):
        return chunk
    joined = _INVISIBLE_IN_WORD.sub("", chunk)
    pieces = _INVISIBLE_IN_WORD.split(chunk)
    # Words glued by them (letters only, most of a word's length; the chunk's own
    # punctuation at either end aside: "…\u200bdoor.") are kept apart; a key, a token or
    # a comma list with one inside is read joined (0.11.13 review: a key split by a
    # zero-width space was no longer a key).
    words = [piece.strip(_EDGE_PUNCTUATION) for piece in pieces]
    separate = len(joined) > _LONGEST_SPLIT_WORD and all(
        word.isalpha() for word in words) and 2 * sum(len(word) >= 3 for word in words) >= len(
        words)
    return _INVISIBLE_IN_WORD.sub(" ", chunk) if separate else joined


def clean_text(text: str) -> str:
    # NFC first: a decomposed accent (U+0301) or dakuten (U+3099) is no letter on its own.
    text = unicodedata.normalize("NFC", _OVERLAYS.sub("", _SURROGATE.sub("\ufffd", text or "")))
    text = _CHUNK.sub(_chunk_without_invisible, text)
    return unicodedata.normalize("NFC", _CONTROL.sub(" ", text)).strip()


class NLU:
    def __init__(self, settings: Settings, embedder: Embedder, classifier: IntentClassifier,
                 faq: FaqIndex, incidents: IncidentDetector | None = None,
                 scam_posts: ScamPostDetector | None = None,
                 language_profiles: LanguageProfiles | None = None):
        self.settings = settings
        self.embedder = embedder
        self.classifier = classifier
        self.faq = faq
        # None for benchmark models trained without safety_data: no incident verdicts.
        self.incidents = incidents
        self.scam_posts = scam_posts  # None for models trained without safety_data/scam
        # None for models trained before 0.11.0 or without language-named data files.
        self.languages = LanguageIdentifier(settings.language, language_profiles)
        self.secrets = SecretScanner()
        self.entities = EntityExtractor()
        # Where the model was read from (NLU.load): a child process reads the same files.
        # None for a model built in memory.
        self.model_dir: Path | None = None
        # Every native thread pool in the process (OpenBLAS, three copies of it here;
        # OpenMP for faiss) gets the embedder's thread count, once everything is loaded.
        # An idle OpenBLAS thread spins before it sleeps: with pools sized for the whole
        # machine in each of two worker processes, those spinning threads took most of
        # the CPU and a 5 ms parse took 150-300 ms.
        threadpool_limits(max(backend.threads for backend in settings.embeddings.backends))

    @classmethod
    def load(cls, settings: Settings, model_dir: Path | str | None = None,
             check_fresh: bool = True) -> NLU:
        from bot.nlu.training import current_fingerprints, load_artefacts

        return load_artefacts(
            settings, Path(model_dir or settings.paths.models),
            current_fingerprints(settings) if check_fresh else None,
        )

    def scam_post(self, text: str) -> bool:
        """Does a public group's post look like a scam? False without a trained detector."""
        if self.scam_posts is None:
            return False
        cleaned = one_script(clean_text(text)[: self.settings.limits.max_message_chars])
        vectors = self.embedder.encode([cleaned])
        return self.scam_posts.is_scam([cleaned], vectors, self.settings.safety.scam_cut)[0]

    def parse(self, text: str, context: ParseContext | None = None,
              forced_intent: str | None = None, scan: SecretScan | None = None) -> Understanding:
        """Understand one message. `forced_intent` comes from a quick-reply button ("/x"):
        the user told us the intent, so only the rest (entities, FAQ, triage) is computed.
        `scan`: the secrets scan of the cleaned text, when the caller already made it."""
        return self.parse_many([(text, context, forced_intent, scan)])[0]

    def parse_many(self, items: Sequence[ParseItem]) -> list[Understanding]:
        """Several messages at once, each understood exactly as `parse` would. The
        embedder and the classifier run once for the whole batch, which is where batching
        pays: per message they cost about half as much in a batch of 8 as alone."""
        started = time.perf_counter()
        prepared = [self._prepare(text, context or ParseContext(), forced, scan)
                    for text, context, forced, scan in items]
        live = [item for item in prepared if item.text]
        full = [item.readable for item in live]
        # The intent model and the FAQ read the text without long identifiers (random
        # grams to them, bot/nlu/model_text.py); the incident detector reads it with them
        # but without the numbers of amounts, as it was trained, and only the messages
        # that held either are encoded twice.
        texts = [without_identifiers(text) for text in full]
        vectors = self.embedder.encode(texts)
        to_judge = [incident_text(text) for text in full]
        whole = self._whole_vectors(to_judge, texts, vectors)
        probabilities = self.classifier.probabilities(texts, vectors) if live else None
        unfamiliar = self.classifier.unfamiliar(vectors, probabilities)
        # Models trained without safety_data (benchmarks) have only the rule under the
        # learned detector.
        incidents = (self.incidents.judge(to_judge, whole, self.settings.safety.incident_cut)
                     if self.incidents is not None
                     else [IncidentJudgement(floor(text), 0.0) for text in full])
        results: list[Understanding] = []
        row = 0
        for item in prepared:
            if not item.text:
                results.append(self._empty(item.lang, [*item.flags, EMPTY], started))
                continue
            assert probabilities is not None
            results.append(self._finish(item, vectors[row], probabilities[row],
                                        bool(unfamiliar[row]), incidents[row], started))
            row += 1
        return results

    def _whole_vectors(self, full: list[str], texts: list[str],
                       vectors: np.ndarray) -> np.ndarray:
        """Sentence vectors of the texts the incident detector reads, re-using those of
        the texts that had neither an identifier nor an amount to leave out."""
        changed = [i for i, (a, b) in enumerate(zip(full, texts, strict=True)) if a != b]
        if not changed:
            return vectors
        whole = np.array(vectors, copy=True)
        whole[changed] = self.embedder.encode([full[i] for i in changed])
        return whole

    def _prepare(self, text: str, context: ParseContext, forced: str | None,
                 scan: SecretScan | None) -> _Prepared:
        text = clean_text(text)
        # Scan the whole text before cutting it, so a secret across the cut is still found.
        if scan is None:
            scan = scan_safely(self.secrets, text, context.carried)
        redacted, readable = scan.redacted_text, scan.understood_text
        flags = [_FLAGS_OF_WITHHELD[kind] for kind in scan.withheld]
        limit = self.settings.limits.max_message_chars
        if len(redacted) > limit:
            redacted, readable = redacted[:limit], readable[:limit]
            flags.append(TRUNCATED)
        words = _REDACTION.sub(" ", readable)
        swapped = from_wrong_layout(words)
        if swapped is not None and self.languages.identify(swapped, None, None).lang == "ru":
            # Russian typed with the Latin layout on: read as the Russian keys would have
            # typed it (the stored text keeps what was typed).
            words = swapped
            readable = from_wrong_layout(readable) or swapped
        language = self.languages.identify(words, context.locale_hint, context.previous_lang)
        if language.lang == "zh" and language.script == "Hant":
            # The models read one script (see chinese_script); the stored text keeps the
            # user's own.
            readable = mainland_simplified(readable)
        elif language.lang == "ru" and not _CYRILLIC.search(readable):
            # "zablokirujte moj akkaunt": the models and the cue words read Cyrillic
            # (bot/nlu/translit.py); the stored text keeps the trader's letters.
            readable = in_cyrillic(readable, self.languages.jargon,
                                   self.languages.russian_in_latin)
        elif language.lang == "zh":
            # Taiwan words need no Traditional letters: "出金卡住了" reads as "提现卡住了".
            readable = mainland_words(readable)
        # "my ac is hakced": the words a takeover report hangs on, read as meant.
        readable = mend_typos(readable)
        if text and not _HAS_WORD.search(strip_noise(words)) and not scan.found:
            flags.append(NO_TEXT)
        return _Prepared(text, redacted, readable, tuple(scan.kinds), language.lang,
                         language.confidence, language.script, flags, forced)

    def _finish(self, item: _Prepared, vector: np.ndarray, probs: np.ndarray,
                unfamiliar: bool, incident: IncidentJudgement,
                started: float) -> Understanding:
        flags = list(item.flags)
        entities = tuple(self.entities.extract(item.redacted))
        # A message holding a TXID, an address, an order or ticket number is about a
        # transaction or a case: the identifier (taken out before encoding) leaves a terse
        # text the sentence encoder finds unlike the training set ("dépôt non reçu, TXID
        # …, 8 SOL"), so only the confidence cut reads it for out of scope. In the spent
        # sets' 8,886 labelled messages the similarity cut put 4 such messages out of
        # scope, all four in scope.
        if (unfamiliar and item.forced_intent is None
                and not any(e.label in CASE_IDENTIFIERS for e in entities)):
            flags.append(UNFAMILIAR)
        if says_private_key(item.redacted):
            flags.append(NAMES_PRIVATE_KEY)
        classes = self.classifier.classes
        order = np.argsort(-probs)[:RANKING_SIZE]
        ranking = tuple(IntentScore(classes[i], round(float(probs[i]), 4)) for i in order)
        by_intent = {classes[i]: float(probs[i]) for i in range(len(classes))}
        if item.forced_intent is not None:
            ranking = (IntentScore(item.forced_intent, 1.0),)
            by_intent = {item.forced_intent: 1.0}
            flags = [flag for flag in flags if flag != NO_TEXT]
        intent, confidence = ranking[0].intent, ranking[0].confidence
        # The raw probability, as calibration compared it (the ranking is rounded).
        unsure = item.forced_intent is None and float(probs.max()) < (
            self.classifier.calibration.threshold)
        if unsure or NO_TEXT in flags:
            flags.append(LOW_CONFIDENCE)
            intent = OUT_OF_SCOPE
        elif UNFAMILIAR in flags:  # out of scope, but not a doubt about which intent
            intent = OUT_OF_SCOPE
        faq = self.settings.faq
        hits = self.faq.search(
            vector, by_intent, faq.top_k, faq.intent_weight, faq.support, item.readable,
            faq.lexical_weight if item.lang in faq.lexical_languages else 0.0)
        if incident.kind is not None and item.forced_intent is None and awaited_own_transfer(
                item.readable, ranking[0].intent, ranking[0].confidence, incident.score,
                self.settings.safety):
            incident = IncidentJudgement(None, incident.score)
            flags.append(AWAITED_TRANSFER)
        elif item.forced_intent is None and unasked_tokens_only(
                item.readable, incident.score, self.settings.safety):
            # Whether or not the detector fired, and whatever the intent model read ("was I
            # hacked?", a scam, out of scope): every such message gets the one reply (policy
            # row 6), not an unauthorized-withdrawal article for some and "I can't help with
            # that" for others. Tokens awaited, official or delisted are no such message
            # (`dust_not`).
            incident = IncidentJudgement(None, incident.score)
            flags.append(UNASKED_TOKENS)
        # An incident is P1 whatever the intent, out of scope included; otherwise an
        # out-of-scope message gets out_of_scope's urgency, not its top guess's.
        result = triage(ranking[0].intent, by_intent, item.readable, entities, item.secrets,
                        self.settings.triage, incident,
                        out_of_scope=intent == OUT_OF_SCOPE and item.forced_intent is None)
        urgency = result.urgency
        if FREEZE_REQUESTED in result.flags and intent in _NOT_WHAT_A_FREEZE_MEANS:
            # "제 계정 동결해 주세요" read as closing the account: the agent must see what the
            # trader fears, not an account to close (0.11.12 trial). Nor a bare request for
            # someone ("freeze my account right now", read as request_human, fresh set v):
            # a freeze request that also asks for a person is turned back just below.
            intent = ACCOUNT_HACKED
        if (WANTS_HUMAN in result.flags and item.forced_intent is None
                and ranking[0].intent != BOT_CHALLENGE):
            # "… my deposit is missing, I want to talk to a person": what the user asks
            # for is a person. The classifier's reading stays first in the ranking (the
            # topic the agent sees in the packet) and its urgency stands when it is more
            # urgent than a plain request for a human (an incident stays P1). "Are you a
            # bot or a real person?" asks about us, not for someone. A victim who handed
            # something over is read so too when they ask for someone: until 0.11.3 they
            # were not (their story is mostly about the fake "agent" who took it), but the
            # sentence-by-sentence reading already keeps a fake agent from counting, and
            # the detector's false "handed over" on angry routine requests for a person
            # hid what those users asked for (0.11.4; the spent fresh sets: 36 → 46 of the
            # 48 such requests in fresh_2026_12_04 read right, nothing lost elsewhere).
            # What happens is the same either way: a P1 hands off first (policy row 5),
            # with its reason and checklist taken from the flags, not from the intent.
            intent, confidence = REQUEST_HUMAN, 1.0
            urgency = asking_for_a_person(result, self.settings.triage)
        return Understanding(
            text=item.redacted, lang=item.lang, lang_confidence=item.lang_confidence,
            script=item.script, intent=intent, confidence=confidence, ranking=ranking,
            faq_hits=tuple(hits), entities=entities, urgency=urgency,
            flags=tuple(flags) + result.flags, secrets=item.secrets,
            threshold=self.classifier.calibration.threshold,
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
            incident=incident.kind, incident_score=incident.score,
        )

    def _empty(self, lang: str, flags: list[str], started: float) -> Understanding:
        return Understanding(
            text="", lang=lang, lang_confidence=0.0, script=None, intent=OUT_OF_SCOPE,
            confidence=0.0, ranking=(), faq_hits=(), entities=(), urgency="P4",
            flags=tuple(flags), latency_ms=round((time.perf_counter() - started) * 1000, 3),
        )
