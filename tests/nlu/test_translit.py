"""Russian typed in Latin letters is read in Cyrillic by the models and the cue words."""

from bot.nlu.language import LanguageIdentifier
from bot.nlu.translit import from_wrong_layout, in_cyrillic
from bot.nlu.triage import FREEZE_REQUESTED

JARGON = frozenset({"usdt", "p2p", "binance"})


def test_words_are_spelt_back_and_jargon_identifiers_and_markers_stay():
    assert in_cyrillic("zablokirujte moj akkaunt srochno pozhalujsta", JARGON) == (
        "заблокируйте мой аккаунт срочно пожалуйста")
    assert in_cyrillic("privet", JARGON) == "привет"
    text = "prishli USDT TRC20 binance, 0xab12cd, pishite a@b.ru https://x.ru [REDACTED:password]"
    assert in_cyrillic(text, JARGON) == (
        "пришли USDT TRC20 binance, 0xab12cd, пишите a@b.ru https://x.ru [REDACTED:password]")
    # English mixed in keeps its words (and the cues in them); known Russian words do not.
    assert in_cyrillic("someone logged in, not me, pomogite", JARGON, {"pomogite"}) == (
        "someone логгед in, not me, помогите")
    # Short Russian words that other languages also have are spelt back ("не я").
    assert in_cyrillic("eto ne ya", JARGON) == "ето не я"


def test_more_latin_russian_is_recognised_and_other_languages_are_not(settings):
    languages = LanguageIdentifier(settings.language)
    for text in ("mozhno li vyvesti na kartu tinkoff napryamuyu ili tolko cherez p2p?",
                 "vvel nepravilno parol 5 raz, teper blokirovka na 24 chasa"):
        assert languages.identify(text).lang == "ru", text
    for text, lang in (("il mio prelievo è ancora in attesa", "it"),
                       ("minha conta foi bloqueada ontem", "pt"),
                       ("rút tiền bị treo từ hôm qua", "vi")):
        assert languages.identify(text).lang == lang


def test_a_latin_russian_freeze_request_is_p1_and_a_greeting_a_greeting(shipped_nlu):
    """Set s (spent): the freeze request was read as out of scope, P4."""
    freeze = shipped_nlu.parse(
        "zablokirujte moj akkaunt srochno pozhalujsta, kto-to pytaetsya vyvesti dengi")
    assert freeze.urgency == "P1" and FREEZE_REQUESTED in freeze.flags
    assert freeze.text.startswith("zablokirujte")  # stored as typed
    assert shipped_nlu.parse("privet").intent == "greet"
    assert shipped_nlu.parse("ne mogu vojti v akkaunt, zabyl parol").intent == "login_problem"
    # Review of 0.11.13: respelling the English of a mixed message lost this P1.
    assert shipped_nlu.parse(
        "someone logged in, not me, pomogite srochno, chto delat").urgency == "P1"


def test_longer_latin_russian_is_read_in_russian(shipped_nlu):
    """Fresh set v (0.11.17): read as French, Turkish and Spanish, so replied to in them."""
    for text in ("ne mogu zaiti v akkaunt, pishet oshibka s utra",
                 "ya otpravil dengi bankovskim perevodom, proshlo 3 dnya, na balanse nichego",
                 "da, vse horosho, poluchilos"):
        assert shipped_nlu.languages.identify(text).lang == "ru", text
    # One such word in another language's sentence is not enough (two are needed).
    for text, lang in (("mi balanse es cero y no puedo retirar nada", "es"),
                       ("ho un vopros sul prelievo, non arriva niente", "it"),
                       ("kartoy ödeme yaptım ama bakiyem hala sıfır görünüyor", "tr")):
        assert shipped_nlu.languages.identify(text).lang == lang, text


def test_russian_typed_with_the_latin_layout_on_is_read_in_russian():
    assert from_wrong_layout("frr dpkjvfkb ,fkfyc 0 gjvjubnt") == "акк взломали баланс 0 помогите"
    assert from_wrong_layout("e vtyz erhfkb ltymub") == "у меня украли деньги"
    # Latin-letter Russian, Turkish and Italian without accents, English: not swapped.
    for text in ("ne mogu voiti, pishet nevernyi parol", "cekimim 3 saattir beklemede ne oluyo",
                 "deposito SOL non accreditato", "my withdrawal is pending", "ghbdtn"):
        assert from_wrong_layout(text) is None


def test_a_takeover_typed_with_the_wrong_layout_is_p1(shipped_nlu):
    """Set u's typo part (spent): read as "thanks"."""
    result = shipped_nlu.parse("frr dpkjvfkb ,fkfyc 0 gjvjubnt")
    assert result.urgency == "P1" and result.text == "frr dpkjvfkb ,fkfyc 0 gjvjubnt"
