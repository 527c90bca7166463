import pytest

from bot.config import LanguageSettings
from bot.nlu.language import LanguageIdentifier, normalise_locale


@pytest.fixture(scope="module")
def identifier() -> LanguageIdentifier:
    return LanguageIdentifier(LanguageSettings())


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("提现 pending 好久了", "zh"),
        ("usdt充值没到", "zh"),
        ("出金が反映されない", "ja"),
        ("入金まだ？", "ja"),  # Kana separates Japanese from Chinese
        ("입금이 안 들어와요", "ko"),
        ("спасибо", "ru"),
        ("вывод usdt завис", "ru"),
    ],
)
def test_script_decides(identifier, text, lang):
    guess = identifier.identify(text)
    assert guess.lang == lang
    assert guess.method == "script"


@pytest.mark.parametrize(
    ("text", "lang"),
    [("hi", "en"), ("sí", "es"), ("danke", "de"), ("merci beaucoup", "fr"),
     ("grazie", "it"), ("obrigado", "pt"), ("teşekkürler", "tr"), ("cảm ơn", "vi"),
     ("my withdrawal is stuck since yesterday", "en"),
     ("mi retiro sigue pendiente desde ayer", "es")],
)
def test_short_and_latin_texts(identifier, text, lang):
    assert identifier.identify(text).lang == lang


def test_deterministic(identifier):
    guesses = {identifier.identify("retiro pendiente").lang for _ in range(20)}
    assert guesses == {"es"}


def test_ok_follows_the_conversation_or_the_hint(identifier):
    assert identifier.identify("ok", previous="de").lang == "de"
    assert identifier.identify("ok", hint="fr-FR").lang == "fr"
    assert identifier.identify("ok").lang == "en"  # the configured default


def test_sticky_unless_the_evidence_is_strong(identifier):
    # One ambiguous word does not flip a German conversation...
    assert identifier.identify("no", previous="de").lang == "de"
    # ...but a clear sentence in another language does.
    assert identifier.identify("my deposit never arrived, please help", previous="de").lang == "en"
    assert identifier.identify("提现没到", previous="en").lang == "zh"


def test_chinese_script_is_recorded(identifier):
    assert identifier.identify("提现没到账").script == "Hans"
    assert identifier.identify("提現沒到帳").script == "Hant"


def test_nothing_to_read_keeps_previous(identifier):
    assert identifier.identify("🙂🙂", previous="ja").lang == "ja"
    assert identifier.identify("https://example.com/x", previous="ko").lang == "ko"


def test_locale_normalisation():
    assert normalise_locale("zh-TW") == "zh"
    assert normalise_locale("pt_BR") == "pt"
    assert normalise_locale(None) is None


TXID = "9f3c" * 16


@pytest.mark.parametrize(("text", "lang"), [
    (f"где мой депозит 0x{TXID}", "ru"),  # the hash's a-f letters are not Latin words
    (f"депозит не пришел {TXID}", "ru"),
    # More Latin letters than Cyrillic once the hash is gone: jargon, not English.
    (f"Пополнение USDT ERC20 не пришло, TXID 0x{TXID} , в etherscan всё Success", "ru"),
    (f"入金まだ？ {TXID}", "ja"),
    ("nạp USDT TRC20 chưa về TXa1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6", "vi"),
])
def test_hashes_addresses_and_networks_are_not_read_as_words(identifier, text, lang):
    assert identifier.identify(text).lang == lang


def test_an_address_and_a_network_alone_keep_the_conversations_language(identifier):
    guess = identifier.identify("TRC20 bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh", previous="ru")
    assert (guess.lang, guess.method) == ("ru", "sticky")
    # A long word without digits is a word, not an address.
    assert identifier.identify("Geschwindigkeitsbegrenzung kaputt, bitte helfen").lang == "de"


def test_chinese_that_reads_the_same_in_both_scripts_takes_the_browsers(identifier):
    # "你好" from a zh-TW widget was answered in Simplified (0.11.12 trial).
    assert identifier.identify("你好", "zh-TW").script == "Hant"
    assert identifier.identify("我要找真人客服", "zh-HK").script == "Hant"
    # Otherwise no script is claimed: the conversation keeps the one it has.
    assert identifier.identify("你好", "zh-CN").script is None
    assert identifier.identify("你好").script is None
    # Characters of one script decide, whatever the browser.
    assert identifier.identify("请问怎么充值", "zh-TW").script == "Hans"
    assert identifier.identify("請問如何儲值", "zh-CN").script == "Hant"
