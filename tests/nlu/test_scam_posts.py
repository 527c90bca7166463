"""The group scam check on posts written for this test (not from any training or
evaluation file): scams in several languages are caught; members warning about a named
fake handle or domain, quoting a scam they reported, or asking an admin to write to them
are not accused."""

from __future__ import annotations

import pytest

from bot.nlu.scam_posts import without_names

SCAMS = [
    "send 0.5 ETH to 0x4f2a9C0b7E13d5A8f6B2c9D1e0A7b3C5d8E2f104 and receive 1 ETH back, "
    "only today",
    "Я админ, скиньте мне в личку сид-фразу, проверю кошелёк",
    "Hola a todos, soy del soporte oficial, escríbanme por privado y les libero el retiro",
    "账户冻结的加我微信，内部人员帮你解冻，先交500U保证金",
]
CHATTER = [
    "PSA: @Support_Help_Desk24 is NOT staff, it DMs people asking for 2FA codes. "
    "block and report",
    "Achtung: exchange-verify-login.com ist Phishing, nicht draufklicken!",
    "someone DMed me 'send 1 BTC get 2 back', lol reported",
    "can an admin DM me? ticket #55321 has been open for 3 days",
    "注意：有人冒充管理员私聊要助记词，千万别给，已经举报了",
]


@pytest.mark.parametrize("post", SCAMS)
def test_scam_posts_are_caught(shipped_nlu, post):
    assert shipped_nlu.scam_post(post)


@pytest.mark.parametrize("post", CHATTER)
def test_warnings_and_requests_are_not_accused(shipped_nlu, post):
    assert not shipped_nlu.scam_post(post)


def test_names_are_read_as_placeholders():
    masked = without_names("contact @Exch_Support_Desk or go to https://claim-refund.app/x, "
                           "send to TXk9vQ3mPz7LrA2bN8cY5wE1uD4sF6gH0j; group moved t.me/new_chat")
    assert masked.split() == ["contact", "@handle", "or", "go", "to", "weblink", "send", "to",
                              "cryptoaddr", ";", "group", "moved", "tlink"]
    # Ordinary words, numbers and versions stay as they are.
    assert without_names("fee is 0.1% since v3.1, ok?") == "fee is 0.1% since v3.1, ok?"


def test_the_vote_follows_the_nearest_posts():
    import numpy as np

    from bot.nlu.neighbours import similarity_vote

    is_scam = np.array([1.0, 0.0, 0.0, 1.0], np.float32)
    # Row 0: a scam is much nearer than the rest; row 1: a chatter post is.
    similarity = np.array([[0.95, 0.60, 0.55, 0.50], [0.40, 0.90, 0.50, 0.45]])
    votes = similarity_vote(similarity, is_scam, neighbours=10, temperature=0.05)
    assert votes[0] > 0.99 and votes[1] < 0.01


def test_only_group_posts_are_remembered_and_pickling_keeps_them(shipped_nlu):
    import pickle

    import numpy as np

    from bot.nlu.scam_posts import GROUP_CHATTER, SCAM_POST, ScamPostDetector

    scams = [f"{offer} {coin} to our wallet and get double back, {when}"
             for offer in ("send", "transfer", "deposit") for coin in ("ETH", "BTC", "USDT")
             for when in ("today only", "before midnight")]
    chatter = [f"{who} my {coin} {what}"
               for who in ("anyone else?", "help,", "lol") for coin in ("ETH", "BTC", "USDT")
               for what in ("withdrawal is pending", "deposit has not arrived")]
    support = [f"how do I {act} {coin}" for act in ("buy", "sell", "stake")
               for coin in ("ETH", "BTC", "USDT")]
    texts = scams + chatter + support
    labels = [SCAM_POST] * len(scams) + [GROUP_CHATTER] * (len(chatter) + len(support))
    remembered = [True] * (len(scams) + len(chatter)) + [False] * len(support)
    vectors = shipped_nlu.embedder.encode(texts)
    detector = ScamPostDetector(false_alarms=0.05, C=4.0)
    detector.fit(texts, vectors, labels, remembered)
    assert detector.memory_scam is not None and detector.memory_vectors is not None
    assert len(detector.memory_scam) == len(scams) + len(chatter)
    assert detector.memory_scam.sum() == len(scams)

    posts = ["send BTC to our wallet and get double back, only today",
             "lol my USDT withdrawal is still pending"]
    post_vectors = shipped_nlu.embedder.encode(posts)
    scores = detector.probability(posts, post_vectors)
    assert scores[0] > 0.5 > scores[1]
    restored = pickle.loads(pickle.dumps(detector))
    assert np.allclose(restored.probability(posts, post_vectors), scores)

    # A detector pickled before the memory existed scores with its linear model alone.
    for name in ("memory_vectors", "memory_grams_t", "memory_scam"):
        delattr(restored, name)
    linear_only = restored.probability(posts, post_vectors)
    assert not np.allclose(linear_only, scores)
    assert linear_only[0] > 0.5 > linear_only[1]


def test_a_post_in_an_unread_script_gets_no_letter_vote(shipped_nlu):
    """Arabic shares no letter gram with the remembered posts: its ten "nearest" by letters
    would be arbitrary rows, so only the linear model and the meaning vote count."""
    import numpy as np

    from bot.nlu.neighbours import similarity_vote, unit_rows

    detector = shipped_nlu.scam_posts
    post = "مرحبا بالجميع، كيف حال السوق اليوم؟"
    vectors = shipped_nlu.embedder.encode([post])
    grams = detector.fast[0].transform([without_names(post)])
    assert (grams @ detector.memory_grams_t).toarray().max() <= 0
    p_second = 1.0 / (1.0 + np.exp(-detector.logits([post], vectors)[:, 0]))
    linear = p_second if detector.model.classes_[1] == "scam_post" else 1.0 - p_second
    meaning = similarity_vote(unit_rows(vectors) @ detector.memory_vectors.T,
                              detector.memory_scam, neighbours=10, temperature=0.05)
    assert np.allclose(detector.probability([post], vectors), (linear + meaning) / 2.0)
    assert not shipped_nlu.scam_post(post)
