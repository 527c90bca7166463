"""How FAQ entries are ranked: by their closest question variant (shipped), or by the
mean of their k closest (`faq.rank_by_nearest`, tried in 0.11.6), where one stray variant
cannot pull an answer; either way the answer cut reads the closest variant."""

from __future__ import annotations

import numpy as np

from bot.config import FaqSettings
from bot.knowledge.faq_corpus import FaqEntry
from bot.nlu.faq_index import FaqIndex


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _index() -> tuple[FaqIndex, np.ndarray]:
    query = _unit(1, 0, 0)
    # "stray": one variant almost equal to the query, three unrelated ones.
    # "steady": four variants all fairly close to it.
    stray = [_unit(1, 0.1, 0), _unit(0, 1, 0), _unit(0, 0, 1), _unit(0, 1, 1)]
    steady = [_unit(1, 0.5, 0), _unit(1, 0, 0.5), _unit(1, 0.4, 0.3), _unit(1, 0.3, 0.4)]
    entries = [FaqEntry(name, "withdrawal_delay", {"en": ("q",) * 4}, {"en": "a"})
               for name in ("stray", "steady")]
    rows = [(0, "en")] * 4 + [(1, "zh")] * 4
    return FaqIndex.build(entries, np.stack(stray + steady), rows, 3), query


def test_the_closest_variant_alone_decides_by_default():
    index, query = _index()
    hits = index.search(query, {"withdrawal_delay": 0.9}, top_k=2, intent_weight=0.5,
                        rank_by_nearest=FaqSettings().rank_by_nearest)
    assert [hit.entry_id for hit in hits] == ["stray", "steady"]


def test_agreeing_variants_outrank_one_stray_variant():
    index, query = _index()
    hits = index.search(query, {"withdrawal_delay": 0.9}, top_k=2, intent_weight=0.5,
                        rank_by_nearest=8)
    assert [hit.entry_id for hit in hits] == ["steady", "stray"]
    stray = hits[1]
    # The answer cut reads the closest variant and the intent's weight, as before.
    assert stray.similarity > hits[0].similarity
    assert stray.score == round(stray.similarity + 0.5 * 0.9, 4)
    assert hits[0].rank_score > stray.rank_score
    assert hits[0].matched_lang == "zh"
