"""FAQ retrieval reads every question variant: an entry of the understood intent is found
even when many variants of other entries are nearer to the message, and each entry is
scored by its closest variant plus its intent's weight."""

from __future__ import annotations

import numpy as np

from bot.knowledge.faq_corpus import FaqEntry
from bot.nlu.faq_index import FaqIndex


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_an_entry_of_the_understood_intent_behind_many_nearer_variants_is_found():
    query = _unit(1, 0, 0)
    # 60 variants of a bank-transfer entry sit nearer to the message than either variant
    # of the crypto-withdrawal entry (the nearest 50 rows would hold only the former).
    near = [_unit(1, 0.1 + i / 1000, 0) for i in range(60)]
    far = [_unit(1, 0, 0.9), _unit(1, 0, 1.2)]
    entries = [FaqEntry("fiat_withdraw_to_bank", "fiat_transfer", {"en": ("q",) * 60},
                        {"en": "a"}),
               FaqEntry("withdrawal_network_congestion", "withdrawal_delay",
                        {"zh": ("q", "q")}, {"en": "a"})]
    rows = [(0, "en")] * 60 + [(1, "zh")] * 2
    index = FaqIndex.build(entries, np.stack(near + far), rows, 3)
    hits = index.search(query, {"withdrawal_delay": 0.9, "fiat_transfer": 0.05}, top_k=5,
                        intent_weight=0.5)
    assert [hit.entry_id for hit in hits] == ["withdrawal_network_congestion",
                                              "fiat_withdraw_to_bank"]
    crypto = hits[0]
    # Scored by its closest variant (and reported in that variant's language).
    assert crypto.similarity == round(float(far[0] @ query), 4)
    assert crypto.score == round(crypto.similarity + 0.5 * 0.9, 4)
    assert crypto.matched_lang == "zh"


def test_sibling_entries_are_ordered_by_their_two_nearest_variants_not_one_lucky_one():
    query = _unit(1, 0, 0)
    # "manual review" has one variant very near the message and one far from it; "network
    # congestion" has two variants both fairly near. Same intent, so only the variants
    # decide which answer is shown.
    lucky = [_unit(1, 0.05, 0), _unit(0.2, 1, 0)]
    steady = [_unit(1, 0, 0.2), _unit(1, 0, 0.25)]
    entries = [FaqEntry("withdrawal_manual_review", "withdrawal_delay", {"en": ("q", "q")},
                        {"en": "a"}),
               FaqEntry("withdrawal_network_congestion", "withdrawal_delay",
                        {"en": ("q", "q")}, {"en": "a"})]
    rows = [(0, "en")] * 2 + [(1, "en")] * 2
    index = FaqIndex.build(entries, np.stack(lucky + steady), rows, 3)
    probs = {"withdrawal_delay": 0.8}
    nearest_only = index.search(query, probs, top_k=5, intent_weight=0.5, support=1)
    two_nearest = index.search(query, probs, top_k=5, intent_weight=0.5, support=2)
    assert [h.entry_id for h in nearest_only] == ["withdrawal_manual_review",
                                                  "withdrawal_network_congestion"]
    assert [h.entry_id for h in two_nearest] == ["withdrawal_network_congestion",
                                                 "withdrawal_manual_review"]
    steady_hit = two_nearest[0]
    # The rank averages the two variants; the answer cut's score still reads the nearest.
    assert steady_hit.rank == round(float((steady[0] @ query + steady[1] @ query) / 2)
                                    + 0.5 * 0.8, 4)
    assert steady_hit.score == round(float(steady[0] @ query) + 0.5 * 0.8, 4)
    assert two_nearest[1].score > steady_hit.score  # the lucky variant is still nearer


def _vietnamese_siblings() -> FaqIndex:
    # The vectors favour "manual review" (as USE's do for Vietnamese text it never
    # learned); the spelling of the message is that of "network congestion".
    entries = [FaqEntry("withdrawal_manual_review", "withdrawal_delay",
                        {"vi": ("lệnh rút đang được xem xét", "rút số lớn bị kiểm tra")},
                        {"en": "a"}),
               FaqEntry("withdrawal_network_congestion", "withdrawal_delay",
                        {"vi": ("rút tiền bị kẹt vì mạng nghẽn", "mạng nghẽn, phí gas cao")},
                        {"en": "a"})]
    vectors = [_unit(1, 0.1, 0), _unit(1, 0.2, 0), _unit(1, 0, 0.6), _unit(1, 0, 0.7)]
    return FaqIndex.build(entries, np.stack(vectors), [(0, "vi")] * 2 + [(1, "vi")] * 2, 3)


def test_shared_spelling_orders_siblings_when_asked_and_leaves_the_score_alone():
    index = _vietnamese_siblings()
    query, probs = _unit(1, 0, 0), {"withdrawal_delay": 0.9}
    text = "rut tien ket qua, mang nghen a"  # typed without its marks
    by_vectors = index.search(query, probs, top_k=5, intent_weight=0.5, support=2, text=text)
    with_letters = index.search(query, probs, top_k=5, intent_weight=0.5, support=2,
                                text=text, lexical_weight=8.0)
    assert [h.entry_id for h in by_vectors] == ["withdrawal_manual_review",
                                                "withdrawal_network_congestion"]
    assert [h.entry_id for h in with_letters] == ["withdrawal_network_congestion",
                                                  "withdrawal_manual_review"]
    # The answer cut reads the vectors alone, whatever ordered the entries.
    scores = {h.entry_id: (h.score, h.similarity) for h in by_vectors}
    assert {h.entry_id: (h.score, h.similarity) for h in with_letters} == scores


def test_accents_do_not_part_a_message_from_its_variant():
    lexical = _vietnamese_siblings().lexical
    assert lexical is not None
    plain, marked = lexical.similarities("mang nghen"), lexical.similarities("mạng nghẽn")
    assert np.allclose(plain, marked)
    assert plain[2:].min() > plain[:2].max()


def test_a_saved_index_rebuilds_its_letter_side(tmp_path):
    index = _vietnamese_siblings()
    index.save(tmp_path)
    loaded = FaqIndex.load(tmp_path)
    assert loaded.lexical is not None
    assert np.allclose(loaded.lexical.similarities("mạng nghẽn"),
                       index.lexical.similarities("mạng nghẽn"))  # type: ignore[union-attr]


def test_the_pipeline_reads_spelling_for_vietnamese_only(shipped_nlu):  # type: ignore[no-untyped-def]
    from bot.nlu.understanding import ParseContext

    shipped = shipped_nlu.settings
    ranks = {}
    try:
        for weight in (0.0, 8.0):
            shipped_nlu.settings = shipped.model_copy(update={"faq": shipped.faq.model_copy(
                update={"lexical_weight": weight, "top_k": 50})})
            ranks[weight] = {
                text: {h.entry_id: h.rank for h in shipped_nlu.parse(text, ParseContext()).faq_hits}
                for text in ("rút tiền bị kẹt mấy tiếng rồi", "my withdrawal is stuck for hours")}
    finally:
        shipped_nlu.settings = shipped
    assert ranks[0.0]["my withdrawal is stuck for hours"] == ranks[8.0][
        "my withdrawal is stuck for hours"]
    assert ranks[0.0]["rút tiền bị kẹt mấy tiếng rồi"] != ranks[8.0][
        "rút tiền bị kẹt mấy tiếng rồi"]
