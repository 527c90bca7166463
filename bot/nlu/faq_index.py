"""Semantic FAQ retrieval: a faiss index over every question variant in every language,
with a letter n-gram index beside it for the languages the sentence encoder never learned
(Vietnamese: multilingual USE v3 was not trained on it, so its vectors of two Vietnamese
questions about different things are often nearer than those of one question asked two
ways)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.config import LinkSettings
from bot.knowledge.faq_corpus import LINK_PLACEHOLDERS, FaqEntry
from bot.nlu.chinese_script import in_script
from bot.nlu.cue_words import cue_file
from bot.nlu.folding import fold
from bot.nlu.tfidf import FastTfidf


@dataclass(frozen=True)
class FaqHit:
    entry_id: str
    intent: str
    score: float  # similarity + intent_weight * P(intent): what the answer cut compares
    similarity: float  # cosine similarity to the closest question variant
    matched_lang: str
    # Mean similarity of the entry's `support` nearest variants (+ intent_weight * P(intent)):
    # what hits are ordered by. One lucky variant then does not decide between two entries
    # of the same intent; the Chinese script pairs disagreed on them most (README).
    rank: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class LexicalIndex:
    """TF-IDF letter n-grams (one to four, inside word edges) of the question variants, one
    unit row per indexed question: how much a message shares its spelling with each."""

    def __init__(self, vectorizer: TfidfVectorizer, matrix: sparse.csr_matrix):
        self.vectorizer = vectorizer
        self.matrix = matrix
        # One message a turn: sklearn's per-call checks would cost more than the transform.
        self.query = FastTfidf(vectorizer)

    @classmethod
    def fit(cls, questions: list[str]) -> LexicalIndex:
        # Accents stripped: Vietnamese is typed without its marks as often as with them
        # ("rut tien" for "rút tiền").
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True,
                                     lowercase=True, strip_accents="unicode",
                                     dtype=np.float32)
        return cls(vectorizer, sparse.csr_matrix(vectorizer.fit_transform(questions)))

    def similarities(self, text: str) -> np.ndarray:
        return np.asarray((self.matrix @ self.query.transform([text]).T).toarray()).ravel()

    def without(self, keep: np.ndarray) -> LexicalIndex:
        """The same index over the kept rows (a benchmark leaves a variant out)."""
        return LexicalIndex(self.vectorizer, sparse.csr_matrix(self.matrix[keep]))


FIAT_TAG, FIAT_INTENT = "fiat", "fiat_transfer"
_FAQ_CUES = Path(__file__).parent / "resources" / "faq_cues.yml"


def names_fiat(text: str) -> bool:
    """The message names a bank, a card or a national currency (resources/faq_cues.yml)."""
    return cue_file(_FAQ_CUES)["fiat"].search(fold(text)) is not None


class FaqIndex:
    def __init__(self, entries: list[FaqEntry], index: faiss.Index, rows: list[tuple[int, str]],
                 lexical: LexicalIndex | None = None):
        self.entries = entries
        self.by_id = {entry.id: entry for entry in entries}
        self.index = index
        self.rows = rows  # one (entry position, language) per indexed question
        self.positions = np.array([position for position, _ in rows], dtype=np.int64)
        self.lexical = lexical

    @classmethod
    def build(cls, entries: list[FaqEntry], vectors: np.ndarray, rows: list[tuple[int, str]],
              dim: int, lexical: LexicalIndex | None = None) -> FaqIndex:
        # Exact inner product: a few thousand unit vectors search in well under 1 ms, and
        # exact search has no recall loss to explain.
        index = faiss.IndexFlatIP(dim)
        if len(rows):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        if lexical is None and len(rows):
            # Rebuilt, never stored: the questions are in the payload, and a few thousand
            # of them fit in about 0.3 s.
            lexical = LexicalIndex.fit(cls.questions(entries)[0])
        return cls(entries, index, rows, lexical)

    @staticmethod
    def questions(entries: list[FaqEntry]) -> tuple[list[str], list[tuple[int, str]]]:
        texts, rows = [], []
        for position, entry in enumerate(entries):
            for lang, phrasings in entry.questions.items():
                for question in phrasings:
                    texts.append(question)
                    rows.append((position, lang))
        return texts, rows

    def search(self, vector: np.ndarray, intent_probs: dict[str, float], top_k: int,
               intent_weight: float, support: int = 1, text: str | None = None,
               lexical_weight: float = 0.0) -> list[FaqHit]:
        """Entries by rank. With `text` and a `lexical_weight`, the rank reads each variant's
        cosine similarity plus lexical_weight times its letter n-gram similarity; the
        score (what the answer cut compares) stays the vectors' alone."""
        if self.index.ntotal == 0:
            return []
        # Every question variant, not the nearest 50: an entry of the understood intent is
        # never missed because other entries' variants were nearer (its intent's weight
        # can still lift it to the top). A few thousand unit vectors compare in well under
        # a millisecond.
        scores, ids = self.index.search(vector.reshape(1, -1).astype(np.float32),
                                        self.index.ntotal)
        ranked = scores[0]
        if text and lexical_weight > 0 and self.lexical is not None:
            ranked = ranked + lexical_weight * self.lexical.similarities(text)[ids[0]]
        # Each entry's rows, closest (by rank) first.
        found = self.positions[ids[0]]
        order = np.lexsort((-ranked, found))
        by_entry, similarities, rows = found[order], scores[0][order], ids[0][order]
        ranked = ranked[order]
        starts = np.flatnonzero(np.r_[True, by_entry[1:] != by_entry[:-1]])
        ends = np.r_[starts[1:], len(by_entry)]
        hits = []
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            entry = self.entries[int(by_entry[start])]
            weight = intent_weight * intent_probs.get(entry.intent, 0.0)
            similarity = float(similarities[start:end].max())
            nearest = float(ranked[start:min(end, start + support)].mean())
            closest = start + int(similarities[start:end].argmax())
            hits.append(FaqHit(entry.id, entry.intent, round(similarity + weight, 4),
                               round(similarity, 4), self.rows[int(rows[closest])][1],
                               round(nearest + weight, 4)))
        hits.sort(key=lambda hit: (hit.rank, hit.score), reverse=True)
        if text is not None and not names_fiat(text):
            # Stable: the bank articles of other intents go last, the rest keep their order.
            hits.sort(key=lambda hit: self._fiat_only(hit.entry_id))
        return hits[:top_k]

    def _fiat_only(self, entry_id: str) -> bool:
        """A bank article under an intent that is not about banks: "withdrawal delayed" has
        one for SEPA transfers beside its on-chain ones."""
        entry = self.by_id[entry_id]
        return FIAT_TAG in entry.tags and entry.intent != FIAT_INTENT

    def save(self, folder: Path) -> None:
        faiss.write_index(self.index, str(folder / "faq.faiss"))
        payload = {
            "entries": [asdict(entry) for entry in self.entries],
            "rows": self.rows,
        }
        (folder / "faq_entries.json").write_text(json.dumps(payload, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path) -> FaqIndex:
        payload = json.loads((folder / "faq_entries.json").read_text())
        entries = [
            FaqEntry(
                id=e["id"], intent=e["intent"],
                questions={k: tuple(v) for k, v in e["questions"].items()},
                answer=e["answer"], escalate_if_unresolved=e["escalate_if_unresolved"],
                tags=tuple(e["tags"]), source=e["source"],
            )
            for e in payload["entries"]
        ]
        rows = [(int(position), str(lang)) for position, lang in payload["rows"]]
        questions, built_rows = cls.questions(entries)
        # The payload's rows are the questions in this order; anything else (a hand-edited
        # payload) leaves the index without its letter side rather than misaligned.
        lexical = LexicalIndex.fit(questions) if built_rows == rows and rows else None
        return cls(entries, faiss.read_index(str(folder / "faq.faiss")), rows, lexical)


def render_answer(entry: FaqEntry, lang: str, script: str | None, links: LinkSettings) -> str:
    """The answer in the user's language and script, with link placeholders filled in."""
    text, written_in = entry.answer_in(lang)
    text = in_script(text, written_in, script)  # OpenCC leaves the ASCII placeholders alone
    values = links.model_dump()
    for name in LINK_PLACEHOLDERS:
        text = text.replace("{" + name + "}", values[name])
    return text
