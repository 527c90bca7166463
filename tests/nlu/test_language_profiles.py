"""Letter and Han profiles of the training text, and the language of short messages.

The messages below were written for these tests, not taken from nlu_data/ or any
evaluation set.
"""

from __future__ import annotations

import pytest

from bot.config import LanguageSettings
from bot.nlu.language import EvidenceWeights, LanguageIdentifier
from bot.nlu.language_ngrams import LanguageProfiles, language_of_file, word_grams


def test_a_word_is_read_as_its_letter_grams_with_its_edges():
    grams = word_grams("pix")
    assert {" p", "pix", " pix", "pix ", "x "} <= set(grams)
    assert " " not in grams


def test_the_file_name_says_the_language():
    languages = ("en", "pt", "vi")
    assert language_of_file("nlu_data/pt.yml:12", languages) == "pt"
    assert language_of_file("safety_data/incidents/round11_vi.yml:40", languages) == "vi"
    assert language_of_file("safety_data/incidents/remote_access_asked.yml:3", languages) is None
    assert language_of_file("faq_corpus/funds.yml:7", languages) is None


def test_profiles_learn_which_language_writes_which_letters():
    profiles = LanguageProfiles.build(
        {"pt": ["meu saque ainda não caiu", "saque pendente faz dois dias",
                "cadê meu saque", "o saque não chegou na carteira"] * 50,
         "es": ["mi retiro sigue pendiente", "el retiro no llega", "dónde está mi retiro",
                "retiro pendiente desde ayer"] * 50},
        ["pt", "es"])
    assert profiles.examples == {"pt": 200, "es": 200}
    pt = profiles.latin_posterior(["saque", "pendente"], 8.0)
    es = profiles.latin_posterior(["retiro", "pendiente"], 8.0)
    assert pt["pt"] > 0.9 and es["es"] > 0.9
    assert abs(sum(pt.values()) - 1.0) < 1e-9


def test_without_two_languages_there_is_no_profile():
    profiles = LanguageProfiles.build({"en": ["hello there"] * 300}, ["en"])
    assert profiles.empty
    assert LanguageIdentifier(LanguageSettings(), profiles).profiles is None


def test_a_few_sentences_make_no_profile():
    # A handful of FAQ questions would outvote langdetect: no profile from so little.
    profiles = LanguageProfiles.build(
        {"en": ["someone hacked my account"] * 20, "es": ["me hackearon la cuenta"] * 20},
        ["en", "es"])
    assert profiles.empty
    # Every compared language needs enough text, not only some.
    uneven = LanguageProfiles.build(
        {"en": ["my withdrawal is late"] * 300, "es": ["mi retiro"] * 20}, ["en", "es"])
    assert uneven.empty


@pytest.fixture(scope="module")
def identifier(shipped_nlu) -> LanguageIdentifier:  # type: ignore[no-untyped-def]
    return shipped_nlu.languages


def test_the_shipped_model_carries_profiles(identifier):
    assert identifier.profiles is not None


@pytest.mark.parametrize(("text", "lang"), [
    ("saque travado ainda", "pt"),
    ("retiro atascado todavia", "es"),
    ("prelievo fermo ancora", "it"),
    ("retrait bloqué encore", "fr"),
    ("cekim islemi bekliyor", "tr"),       # Turkish typed without its letters
    ("rut tien bi treo", "vi"),            # Vietnamese typed without its marks
    ("Auszahlung immer noch offen", "de"),
    ("withdrawal still on hold", "en"),
])
def test_short_messages_in_close_languages(identifier, text, lang):
    assert identifier.identify(text).lang == lang, text


def test_a_network_name_in_lower_case_is_not_a_latin_word(identifier):
    assert identifier.identify("trc20 или erc20 выбрать?").lang == "ru"


@pytest.mark.parametrize(("text", "lang"), [
    ("出金保留中", "ja"),     # 保留 + 出金: a Japanese desk's words, no kana
    ("口座凍結解除", "ja"),
    ("提币一直没到账", "zh"),
    ("帳號被凍結了怎麼辦", "zh"),
    ("请问手续费多少", "zh"),
])
def test_han_only_messages(identifier, text, lang):
    assert identifier.identify(text).lang == lang, text


def _letters_mislead_words_do_not() -> LanguageProfiles:
    # Short Vietnamese text dense with "hi" syllables, long English text where "hi" is a
    # word of its own: the letters of "hi" look Vietnamese, the word is English.
    return LanguageProfiles.build(
        {"en": ["hi can you check my deposit status please",
                "my transfer is late since monday, hi"] * 150,
         "vi": ["hieu chi nhi hiep", "thi hiep nhi chi"] * 150},
        ["en", "vi"])


def test_whole_words_speak_where_their_letters_mislead():
    profiles = _letters_mislead_words_do_not()
    assert profiles.latin_posterior(["hi"], 8.0)["vi"] > 0.5
    assert profiles.word_posterior(["hi"], 4.0)["en"] > 0.9
    # A word neither language wrote twice is no evidence at all.
    assert profiles.word_posterior(["zzyzx"], 4.0) == {}


def test_the_word_model_changes_the_identifiers_answer():
    profiles = _letters_mislead_words_do_not()
    settings = LanguageSettings(supported=("en", "vi"))
    letters_only = LanguageIdentifier(settings, profiles, EvidenceWeights(words=0.0,
                                                                          lexicon=0.0))
    with_words = LanguageIdentifier(settings, profiles, EvidenceWeights(lexicon=0.0))
    assert letters_only.identify("hi").lang == "vi"
    assert with_words.identify("hi").lang == "en"


def test_profiles_pickled_before_the_word_model_still_load():
    profiles = _letters_mislead_words_do_not()
    state = dict(profiles.__dict__)
    del state["words"]  # what a version 1 pickle holds
    old = LanguageProfiles.__new__(LanguageProfiles)
    old.__setstate__(state)
    assert old.word_posterior(["hi"], 4.0) == {}
    assert old.latin_posterior(["hi"], 8.0) == profiles.latin_posterior(["hi"], 8.0)


@pytest.mark.parametrize(("text", "hint", "lang"), [
    ("sim", "pt-BR", "pt"),              # the browser's language settles one short word
    ("evet", "tr", "tr"),
    ("saque ainda pendente", "en", "pt"),  # a wrong hint does not outvote the words
    ("prelievo ancora fermo", "en", "it"),
])
def test_the_channels_locale_weighs_on_short_messages(identifier, text, hint, lang):
    assert identifier.identify(text, hint).lang == lang, text
