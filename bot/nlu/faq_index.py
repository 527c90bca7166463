"""Semantic FAQ retrieval: a faiss index over every question variant in every language."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np

from bot.config import LinkSettings
from bot.knowledge.faq_corpus import LINK_PLACEHOLDERS, FaqEntry
from bot.nlu.chinese_script import in_script


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


class FaqIndex:
    def __init__(self, entries: list[FaqEntry], index: faiss.Index, rows: list[tuple[int, str]]):
        self.entries = entries
        self.by_id = {entry.id: entry for entry in entries}
        self.index = index
        self.rows = rows  # one (entry position, language) per indexed question
        self.positions = np.array([position for position, _ in rows], dtype=np.int64)

    @classmethod
    def build(cls, entries: list[FaqEntry], vectors: np.ndarray, rows: list[tuple[int, str]],
              dim: int) -> FaqIndex:
        # Exact inner product: a few thousand unit vectors search in well under 1 ms, and
        # exact search has no recall loss to explain.
        index = faiss.IndexFlatIP(dim)
        if len(rows):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(entries, index, rows)

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
               intent_weight: float, support: int = 1) -> list[FaqHit]:
        if self.index.ntotal == 0:
            return []
        # Every question variant, not the nearest 50: an entry of the understood intent is
        # never missed because other entries' variants were nearer (its intent's weight
        # can still lift it to the top). A few thousand unit vectors compare in well under
        # a millisecond.
        scores, ids = self.index.search(vector.reshape(1, -1).astype(np.float32),
                                        self.index.ntotal)
        # faiss returns the rows closest first; a stable sort by entry keeps that order
        # inside each entry, so an entry's rows start with its closest.
        found = self.positions[ids[0]]
        order = np.argsort(found, kind="stable")
        by_entry, similarities, rows = found[order], scores[0][order], ids[0][order]
        starts = np.flatnonzero(np.r_[True, by_entry[1:] != by_entry[:-1]])
        ends = np.r_[starts[1:], len(by_entry)]
        hits = []
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            entry = self.entries[int(by_entry[start])]
            weight = intent_weight * intent_probs.get(entry.intent, 0.0)
            similarity = float(similarities[start])
            nearest = float(similarities[start:min(end, start + support)].mean())
            hits.append(FaqHit(entry.id, entry.intent, round(similarity + weight, 4),
                               round(similarity, 4), self.rows[int(rows[start])][1],
                               round(nearest + weight, 4)))
        hits.sort(key=lambda hit: (hit.rank, hit.score), reverse=True)
        return hits[:top_k]

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
        return cls(entries, faiss.read_index(str(folder / "faq.faiss")), rows)


def render_answer(entry: FaqEntry, lang: str, script: str | None, links: LinkSettings) -> str:
    """The answer in the user's language and script, with link placeholders filled in."""
    text, written_in = entry.answer_in(lang)
    text = in_script(text, written_in, script)  # OpenCC leaves the ASCII placeholders alone
    values = links.model_dump()
    for name in LINK_PLACEHOLDERS:
        text = text.replace("{" + name + "}", values[name])
    return text
