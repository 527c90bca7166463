"""The understanding step: text + context → Understanding.

language → secrets scan/redaction → embeddings → intent + calibrated confidence →
FAQ retrieval → entities → urgency/security triage. Only the redacted text reaches the
embedder, the entities, and anything returned.
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import replace
from pathlib import Path

import numpy as np

from bot.config import Settings
from bot.nlu.classifier import IntentClassifier
from bot.nlu.embeddings import Embedder
from bot.nlu.entities import EntityExtractor
from bot.nlu.faq_index import FaqIndex
from bot.nlu.language import LanguageIdentifier, strip_noise
from bot.nlu.secrets import SecretScanner
from bot.nlu.triage import triage
from bot.nlu.understanding import (
    EMPTY,
    LOW_CONFIDENCE,
    NO_TEXT,
    TRUNCATED,
    IntentScore,
    ParseContext,
    Understanding,
)
from bot.taxonomy import OUT_OF_SCOPE

# Control characters except tab and newline: they confuse tokenisers and terminals.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
_REDACTION = re.compile(r"\[REDACTED:\w+\]")
_HAS_WORD = re.compile(r"[^\W\d_]{2,}|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
RANKING_SIZE = 5


def clean_text(text: str) -> str:
    return unicodedata.normalize("NFC", _CONTROL.sub(" ", text or "")).strip()


class NLU:
    def __init__(self, settings: Settings, embedder: Embedder, classifier: IntentClassifier,
                 faq: FaqIndex):
        self.settings = settings
        self.embedder = embedder
        self.classifier = classifier
        self.faq = faq
        self.languages = LanguageIdentifier(settings.language)
        self.secrets = SecretScanner()
        self.entities = EntityExtractor()

    @classmethod
    def load(cls, settings: Settings, model_dir: Path | str | None = None,
             check_fresh: bool = True) -> NLU:
        from bot.nlu.training import current_fingerprints, load_artefacts

        return load_artefacts(
            settings, Path(model_dir or settings.paths.models),
            current_fingerprints(settings) if check_fresh else None,
        )

    def parse(self, text: str, context: ParseContext | None = None,
              forced_intent: str | None = None) -> Understanding:
        """Understand one message. `forced_intent` comes from a quick-reply button ("/x"):
        the user told us the intent, so only the rest (entities, FAQ, triage) is computed."""
        started = time.perf_counter()
        context = context or ParseContext()
        text = clean_text(text)
        # Scan the whole text before cutting it, so a secret across the cut is still found.
        scan = self.secrets.scan(text)
        redacted = scan.redacted_text
        flags = []
        limit = self.settings.limits.max_message_chars
        if len(redacted) > limit:
            redacted = redacted[:limit]
            flags.append(TRUNCATED)
        readable = _REDACTION.sub(" ", redacted)
        language = self.languages.identify(readable, context.locale_hint, context.previous_lang)
        if not text:
            return self._empty(language.lang, [*flags, EMPTY], started)
        if not _HAS_WORD.search(strip_noise(readable)) and not scan.found:
            flags.append(NO_TEXT)
        vector = self.embedder.encode([redacted])
        probs = self.classifier.probabilities([redacted], vector)[0]
        classes = self.classifier.classes
        order = np.argsort(-probs)[:RANKING_SIZE]
        ranking = tuple(IntentScore(classes[i], round(float(probs[i]), 4)) for i in order)
        by_intent = {classes[i]: float(probs[i]) for i in range(len(classes))}
        if forced_intent is not None:
            ranking = (IntentScore(forced_intent, 1.0),)
            by_intent = {forced_intent: 1.0}
            flags = [flag for flag in flags if flag != NO_TEXT]
        intent, confidence = ranking[0].intent, ranking[0].confidence
        if confidence < self.classifier.calibration.threshold or NO_TEXT in flags:
            flags.append(LOW_CONFIDENCE)
            intent = OUT_OF_SCOPE
        hits = self.faq.search(vector[0], by_intent, self.settings.faq.top_k,
                               self.settings.faq.intent_weight)
        entities = tuple(self.entities.extract(redacted))
        # Urgency follows the best guess even when it is too unsure to answer on: a
        # frozen account with 20,000 USDT inside is P1 whether or not we are confident.
        result = triage(ranking[0].intent, by_intent, redacted, entities, scan.kinds,
                        self.settings.triage)
        understanding = Understanding(
            text=redacted, lang=language.lang, lang_confidence=language.confidence,
            script=language.script, intent=intent, confidence=confidence, ranking=ranking,
            faq_hits=tuple(hits), entities=entities, urgency=result.urgency,
            flags=tuple(flags) + result.flags, secrets=scan.kinds,
            threshold=self.classifier.calibration.threshold,
        )
        return replace(understanding, latency_ms=round((time.perf_counter() - started) * 1000, 3))

    def _empty(self, lang: str, flags: list[str], started: float) -> Understanding:
        return Understanding(
            text="", lang=lang, lang_confidence=0.0, script=None, intent=OUT_OF_SCOPE,
            confidence=0.0, ranking=(), faq_hits=(), entities=(), urgency="P4",
            flags=tuple(flags), latency_ms=round((time.perf_counter() - started) * 1000, 3),
        )
