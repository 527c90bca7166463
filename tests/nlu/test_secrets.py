import pytest
from mnemonic import Mnemonic

from bot.nlu.secrets import SecretScanner

TX_HASH = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"


@pytest.fixture(scope="module")
def scanner() -> SecretScanner:
    return SecretScanner()


@pytest.mark.parametrize("language", ["english", "spanish", "french", "italian", "korean"])
def test_seed_phrases_in_several_wordlists(scanner, language):
    phrase = Mnemonic(language).generate(128)
    result = scanner.scan(f"help, here: {phrase} what now")
    assert result.kinds == ("seed_phrase",)
    for word in phrase.split()[:12]:
        assert word not in result.redacted_text.split()


def test_24_word_seed_with_numbering(scanner):
    words = Mnemonic("english").generate(256).split()
    numbered = " ".join(f"{i}. {w}" for i, w in enumerate(words, start=1))
    result = scanner.scan(numbered)
    assert "seed_phrase" in result.kinds
    assert all(w not in result.redacted_text for w in words if len(w) > 4)


def test_chinese_seed_spaced_and_solid(scanner):
    phrase = Mnemonic("chinese_simplified").generate(128)
    spaced = scanner.scan(f"助记词 {phrase} 怎么办")
    assert spaced.kinds == ("seed_phrase",)
    assert phrase not in spaced.redacted_text
    solid = phrase.replace(" ", "")
    named = scanner.scan(f"我的助记词是{solid}")
    assert named.kinds == ("seed_phrase",) and solid not in named.redacted_text


def test_talking_about_a_seed_is_not_a_seed(scanner):
    assert not scanner.scan("我的助记词被别人拿走了怎么办我好着急啊").found
    assert not scanner.scan("I lost my seed phrase, can you help me recover the wallet?").found


def test_private_keys(scanner):
    assert scanner.scan(f"my private key is {TX_HASH[2:]}").kinds == ("private_key",)
    assert scanner.scan(f"私钥 {TX_HASH}").kinds == ("private_key",)
    wif = "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ"
    assert scanner.scan(f"here {wif}").kinds == ("private_key",)


def test_transaction_hash_is_not_a_key(scanner):
    result = scanner.scan(f"txid {TX_HASH} still not credited")
    assert not result.found and TX_HASH in result.redacted_text


@pytest.mark.parametrize(
    "text",
    ["my password is Hunter22!", "pass: abc12345", "密码是abc12345", "パスワードはqwerty99です",
     "비밀번호는 Qwer1234!", "mi contraseña es Madrid2024", "mein Passwort ist Sommer2024",
     "мой пароль: Zima2024", "şifrem: Ankara06", "a minha senha é Brasil2024",
     "mật khẩu là Hanoi123"],
)
def test_passwords_in_context(scanner, text):
    result = scanner.scan(text)
    assert result.kinds == ("password",), text
    assert "[REDACTED:password]" in result.redacted_text


@pytest.mark.parametrize(
    "text", ["forgot password", "password reset not working", "my password is correct but",
             "passport is expired", "密码忘了怎么办"],
)
def test_password_talk_is_not_a_password(scanner, text):
    assert not scanner.scan(text).found


@pytest.mark.parametrize(
    "text", ["my 2fa code is 123456", "google auth 654321 doesnt work", "验证码 882913",
             "el código es 441122"],
)
def test_otp_codes(scanner, text):
    result = scanner.scan(text)
    assert result.kinds == ("otp_code",)
    codes = ("123456", "654321", "882913", "441122")
    assert not any(code in result.redacted_text for code in codes)


def test_order_numbers_are_not_codes(scanner):
    assert not scanner.scan("order 12345678 not filled").found


def test_api_secret(scanner):
    result = scanner.scan("api secret: AbCdEf0123456789GhIjKl")
    assert result.kinds == ("api_secret",)
    assert "AbCdEf0123456789GhIjKl" not in result.redacted_text


def test_password_shaped_token_in_a_message_about_passwords(scanner):
    result = scanner.scan("wrong password but its definitely Moonboy#2291 i checked")
    assert result.kinds == ("password",) and "Moonboy#2291" not in result.redacted_text
    for harmless in ["password reset for order ORD-8812345 failed",
                     "password fails on 0x52908400098527886E0F7030069857D2E4169EE7",
                     "password mail bob.Smith1@gmail.com"]:
        assert not scanner.scan(harmless).found, harmless
