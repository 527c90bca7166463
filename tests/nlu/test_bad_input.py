"""Each bad input gets a clear result and no crash."""

from bot.nlu.understanding import EMPTY, LOW_CONFIDENCE, NO_TEXT, TRUNCATED
from tests.phrases import seed_phrase


def test_empty_and_whitespace(tiny_nlu):
    for text in ["", "   \n\t "]:
        result = tiny_nlu.parse(text)
        assert EMPTY in result.flags and result.text == ""


def test_long_text_is_truncated_and_flagged(tiny_nlu, settings):
    result = tiny_nlu.parse("my deposit is missing " * 400)
    assert TRUNCATED in result.flags
    assert len(result.text) == settings.limits.max_message_chars
    assert result.intent == "deposit_missing"


def test_secret_beyond_the_cut_is_still_redacted(tiny_nlu):

    phrase = seed_phrase("english", 128)
    result = tiny_nlu.parse("x" * 3990 + " " + phrase)
    assert "seed_phrase" in result.secrets
    assert phrase.split()[0] not in result.text.split()[-1]


def test_control_characters_are_removed(tiny_nlu):
    result = tiny_nlu.parse("my\x00 deposit\x1b[31m is \u200bmissing")
    assert "\x00" not in result.text and "\x1b" not in result.text
    assert result.intent == "deposit_missing"


def test_emoji_only_and_url_only(tiny_nlu):
    for text in ["🙂🙂🙂", "https://example.com/abc"]:
        result = tiny_nlu.parse(text)
        assert NO_TEXT in result.flags and LOW_CONFIDENCE in result.flags
        assert result.intent == "out_of_scope"


def test_mixed_scripts(tiny_nlu):
    result = tiny_nlu.parse("usdt充值 not arrived 入金 депозит")
    assert result.lang in {"zh", "ja"}
    assert result.intent  # understood as something, no crash


def test_invisible_characters_split_words_or_separate_them():
    """Inside a word they go ("acc\u200bount"); between many words glued by them (a seed
    phrase) they separate; a family emoji keeps its joiners."""
    from bot.nlu.pipeline import clean_text

    assert clean_text("acc\u200bount hac\u200bked, fu\u200bnds sto\u200blen") == (
        "account hacked, funds stolen")
    words = "embody bring analyst suggest reopen tragic cute cliff renew glare keen grace"
    assert clean_text("\u200b".join(words.split())) == words
    assert clean_text("\U0001F468\u200d\U0001F469\u200d\U0001F467 ok") == (
        "\U0001F468\u200d\U0001F469\u200d\U0001F467 ok")
    assert clean_text("m\u0336y\u0336 a\u0336c\u0336c") == "my acc"


def test_invisible_separators_of_a_phrase_ending_a_sentence_or_decomposed():
    """0.11.13 review: a full stop after the last word, a decomposed accent or a
    right-to-left pop inside the words glued the phrase into one word shown in clear."""
    import unicodedata

    from bot.nlu.pipeline import clean_text

    words = "embody bring analyst suggest reopen tragic cute cliff renew glare keen grace"
    assert clean_text("\u200b".join(words.split()) + ".") == words + "."
    spanish = "ábaco pétalo órbita ñandú lápiz cóndor"
    assert clean_text(unicodedata.normalize("NFD", "\u200b".join(spanish.split()))) == spanish
    assert clean_text(" ".join(w[:2] + "\u2069" + w[2:] for w in words.split())) == words
    assert clean_text("evil\u202egnp.exe") == "evil gnp.exe"  # a reversal still shows
