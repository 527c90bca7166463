import random

import pytest
from mnemonic import Mnemonic

from bot.nlu.secrets import SecretScanner
from tests.phrases import seed_phrase

TX_HASH = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"


@pytest.fixture(scope="module")
def scanner() -> SecretScanner:
    return SecretScanner()


@pytest.mark.parametrize("language", ["english", "spanish", "french", "italian", "korean"])
def test_seed_phrases_in_several_wordlists(scanner, language):
    phrase = seed_phrase(language, 128)
    result = scanner.scan(f"help, here: {phrase} what now")
    assert result.kinds == ("seed_phrase",)
    for word in phrase.split()[:12]:
        assert word not in result.redacted_text.split()


def test_24_word_seed_with_numbering(scanner):
    words = seed_phrase("english", 256).split()
    numbered = " ".join(f"{i}. {w}" for i, w in enumerate(words, start=1))
    result = scanner.scan(numbered)
    assert "seed_phrase" in result.kinds
    assert all(w not in result.redacted_text for w in words if len(w) > 4)


def test_chinese_seed_spaced_and_solid(scanner):
    phrase = seed_phrase("chinese_simplified", 128)
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


# --- structure, not cue words (issue 10) -------------------------------------------------
from bot.nlu.secrets import (  # noqa: E402
    CARRIED_KEPT,
    CARRIED_RELEASED,
    CARRIED_SECRET,
    POSSIBLE_SEED,
    Carried,
)


def _english(strength: int = 128) -> list[str]:
    return seed_phrase("english", strength).split()


@pytest.mark.parametrize("layout", [
    lambda w: " | ".join(w), lambda w: "/".join(w), lambda w: "\n".join("• " + x for x in w),
    lambda w: '["' + '", "'.join(w) + '"]', lambda w: " ".join(x.upper() for x in w),
    lambda w: "\t".join(f"{i}) {x}" for i, x in enumerate(w, 1)),
])
def test_any_separator_and_case(scanner, layout):
    words = _english()
    result = scanner.scan(f"here it is {layout(words)} thanks")
    assert result.kinds == ("seed_phrase",)
    assert not any(w.lower() in result.redacted_text.lower() for w in words if len(w) > 4)


def test_a_mistyped_word_does_not_cut_the_phrase_in_two(scanner):
    words = _english(256)
    words[11] = words[11][0] + words[11][2:] if len(words[11]) > 4 else words[11] + "x"
    result = scanner.scan(" ".join(words))
    assert result.redacted_text == "[REDACTED:seed_phrase]"


def test_spanish_and_french_phrases_without_accents(scanner):
    import unicodedata

    for language in ("spanish", "french"):
        phrase = seed_phrase(language, 128)
        bare = "".join(c for c in unicodedata.normalize("NFKD", phrase)
                       if not unicodedata.combining(c))
        assert scanner.scan(bare).kinds == ("seed_phrase",), language


def test_solid_chinese_needs_the_checksum(scanner):
    phrase = seed_phrase("chinese_simplified", 128).replace(" ", "")
    assert scanner.scan(phrase).kinds == ("seed_phrase",)
    # Ordinary Chinese is nearly all wordlist characters: it must stay.
    for sentence in ("请问这个月的手续费为什么比上个月高很多", "账户里有好几笔我没下过的卖单",
                     "我的提现已经处理了三个小时还没有到账请帮我看一下"):
        assert not scanner.scan(sentence).spans, sentence


def _hidden_share(scanner, before: str, phrase: str, after: str = "") -> float:
    """The share of the phrase's characters that the scan redacts."""
    scan = scanner.scan(before + phrase + after)
    spans = [(s.start, s.end) for s in scan.spans if s.kind != POSSIBLE_SEED]
    at = len(before)
    return sum(any(a <= k < b for a, b in spans)
               for k in range(at, at + len(phrase))) / len(phrase)


@pytest.mark.parametrize("before,after", [
    ("我的助记词是", ""), ("助记词", ""), ("钱包被盗了", ""), ("我的", "请帮我")])
def test_solid_chinese_after_other_characters_is_hidden_whole(scanner, before, after):
    # The characters before a phrase make a window that passes the checksum 1 time in
    # 16 too; before 0.11.16 the scanner kept that window alone, leaving the phrase's
    # end in clear in 9% to 36% of these messages (bench.han_phrases).
    rng = random.Random(16)
    words = Mnemonic("chinese_simplified")
    phrases = [words.to_mnemonic(rng.randbytes(16)).replace(" ", "") for _ in range(120)]
    shares = [_hidden_share(scanner, before, phrase, after) for phrase in phrases]
    assert all(share == 1.0 for share in shares), sorted(shares)[:5]


@pytest.mark.parametrize("text", [
    "刚改完密码提币就被限制了24小时？？为什么啊 我急着用",
    "交易所账户根本没有助记词这个东西，谁跟你要交易所的助记词直接就是骗子",
])
def test_ordinary_chinese_passing_the_checksum_stays(scanner, text):
    # Twelve characters of the wordlist in a row that pass the checksum by chance (0.11.15
    # blind set and evaluation data): 密码 限制 and 就 被 了 make them a sentence.
    scan = scanner.scan(text)
    assert scan.redacted_text == text and not scan.kinds


def test_a_sentence_of_wordlist_words_is_not_a_seed(scanner):
    text = "you must always check your account balance before you trade again today"
    assert not scanner.scan(text).found


def test_a_phrase_split_over_two_messages(scanner):
    words = _english()
    first = scanner.scan(" ".join(words[:6]))
    assert first.withheld == (POSSIBLE_SEED,) and first.withheld_tail
    second = scanner.scan(" ".join(words[6:]), Carried(first.withheld_tail,
                                                       first.seed_context))
    assert second.carried == CARRIED_SECRET and "seed_phrase" in second.kinds
    assert second.redacted_text == "[REDACTED:seed_phrase]"


def test_a_third_part_keeps_the_first_withheld_and_ordinary_text_releases_it(scanner):
    words = _english()
    first = scanner.scan(" ".join(words[:4]))
    second = scanner.scan(" ".join(words[4:8]), Carried(first.withheld_tail or ""))
    assert second.carried == CARRIED_KEPT
    other = scanner.scan("ok thanks, and what are the withdrawal fees?",
                         Carried(first.withheld_tail or ""))
    assert other.carried == CARRIED_RELEASED


@pytest.mark.parametrize("text", [
    f"{TX_HASH} <- my private key, is it safe?", f"私钥是 {TX_HASH[2:]}",
    f"мой приватный ключ {TX_HASH[2:]}", f"clé privée : {TX_HASH}",
])
def test_keys_with_the_cue_on_either_side(scanner, text):
    assert scanner.scan(text).kinds == ("private_key",)


@pytest.mark.parametrize("text", [
    f"i never shared my private key! withdrawal {TX_HASH} went out",
    f"https://etherscan.io/tx/{TX_HASH}", f"提现的哈希 {TX_HASH} 还没到",
    f"Nunca compartí mi clave privada. El retiro {TX_HASH} salió sin mí",
])
def test_transaction_hashes_survive(scanner, text):
    assert TX_HASH in scanner.scan(text).redacted_text


def test_a_bare_hex_value_is_withheld_not_called_a_secret(scanner):
    result = scanner.scan(TX_HASH)
    assert result.withheld == ("unclear_hex",) and not result.found
    assert TX_HASH not in result.redacted_text


def test_extended_key_and_bare_exchange_secret(scanner):
    xprv = ("xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5"
            "kejMRNNU3TGtRBeJgk33yuGBxrMPHi")
    assert scanner.scan(f"backup {xprv}").kinds == ("private_key",)
    secret = "aZ3kP0qLm8Vt2YwB7nXc1RsD4fGh6JkO9uIeTyHbNmQlWx5Ep0Cv2Bn4Mz6Ka8Sd"
    assert scanner.scan(f"here are my keys {secret}").kinds == ("api_secret",)


@pytest.mark.parametrize("text,secret", [
    ("pw hunter2", "hunter2"), ("мой пароль hunter2", "hunter2"), ("密码 abc123456", "abc123456"),
    ("my password is sunshine", "sunshine"), ("Tr0ub4dor&3 is my password", "Tr0ub4dor&3"),
    ("şifrem elma, basit biliyorum", "elma"), ("2fa code is 492 011", "492 011"),
    ("코드 492011", "492011"), ("clave secreta: Zk29xLmq81PpQwEr", "Zk29xLmq81PpQwEr"),
])
def test_passwords_codes_and_secrets_after_their_cue(scanner, text, secret):
    result = scanner.scan(text)
    assert result.found and secret not in result.redacted_text, text


@pytest.mark.parametrize("text", [
    "error code 100001", "referral code 12345678", "mã giao dịch 12345678",
    "код ошибки 100500", "ticket #558210 about my 2fa reset", "Passwort ist falsch",
    "la contraseña es incorrecta", "密码是正确的但是登不上", "j'ai passé commande hier",
    "password reset for order ORD-8812345 failed", "la password è stata cambiata ieri",
])
def test_look_alikes_stay(scanner, text):
    assert not scanner.scan(text).spans, text


def test_a_wall_of_4000_characters_of_words_is_hidden_whole(scanner):
    # Its speed is a figure of bench/safety.py (scan_4000_characters), not asserted here.
    wall = " ".join(_english(256) * 30)[:4000].rsplit(" ", 1)[0]
    assert scanner.scan(wall).redacted_text == "[REDACTED:seed_phrase]"


def test_agents_keep_transaction_ids_and_lose_secrets(scanner):
    text = f"Your withdrawal hash is {TX_HASH}. Never send us a password like Hunter22!x"
    staff = scanner.scan_staff_text(text)
    assert TX_HASH in staff and "Hunter22!x" not in staff
    # Seed words ending an agent's note stay: no next message will complete them.
    assert scanner.scan_staff_text("please check zebra absurd ankle") == (
        "please check zebra absurd ankle")


def test_markers_of_an_earlier_scan_are_not_cues(scanner):
    words = _english()
    text = "[REDACTED:seed_phrase] what now"
    assert not scanner.scan(text, Carried(" ".join(words[:6]))).found


def test_the_rest_of_a_phrase_later_in_the_message(scanner):
    words = _english()
    first = scanner.scan("here are the words: " + " ".join(words[:6]))
    assert first.withheld_tail
    second = scanner.scan("ok the rest of the words are " + " ".join(words[6:]),
                          Carried(first.withheld_tail, first.seed_context))
    assert second.carried == CARRIED_SECRET


def test_a_half_phrase_followed_by_a_question_is_withheld(scanner):
    words = _english()
    result = scanner.scan(" ".join(words[:6]) + " is this safe?")
    assert result.withheld_tail and not any(w in result.redacted_text for w in words[:6])


@pytest.mark.parametrize("text,secret", [
    ("password: sunflower, why won't it work", "sunflower"),
    ("my password is sunflower but it doesnt work", "sunflower"),
    ("sunflower is my password", "sunflower"), ("girasol es mi contraseña", "girasol"),
    ("abc123是我的密码", "abc123"),
])
def test_plain_words_said_to_be_the_password(scanner, text, secret):
    assert secret not in scanner.scan(text).redacted_text


@pytest.mark.parametrize("text", [
    "my password is working again", "j'ai tapé mon mot de passe sur un site",
    "dov'è il link per recuperare la password?", "sahte temsilciye şifremi söyledim, acil",
    "code d'erreur 200004",
])
def test_words_about_a_password_stay(scanner, text):
    assert not scanner.scan(text).found, text


# --- whole, never in part (issue 10, third round) ----------------------------------------
def test_a_numbered_phrase_is_hidden_with_its_numbers(scanner):
    words = _english()
    for layout in ("\n".join(f"{i}) {w}" for i, w in enumerate(words, 1)),
                   " ".join(f"{i}.{w}" for i, w in enumerate(words, 1))):
        result = scanner.scan(f"see:\n{layout}\n\nwhat now?")
        assert result.redacted_text == "see:\n[REDACTED:seed_phrase]\n\nwhat now?", layout


def test_a_numbered_list_cut_after_its_number_hides_the_number_too(scanner):
    words = _english()
    first_part = "\n".join(f"{i}) {w}" for i, w in enumerate(words[:6], 1)) + "\n7)"
    first = scanner.scan(first_part)
    assert first.withheld == (POSSIBLE_SEED,) and first.withheld_tail == first_part
    second = scanner.scan("\n".join(f"{i}) {w}" for i, w in enumerate(words[6:], 7)),
                          Carried(first.withheld_tail, first.seed_context))
    assert second.carried == CARRIED_SECRET
    assert second.redacted_text == "[REDACTED:seed_phrase]"


@pytest.mark.parametrize("position,typo", [(5, "msa"), (1, "gtn"), (0, "fir"), (11, "laly")])
def test_a_short_typo_anywhere_never_leaves_half_the_phrase(scanner, position, typo):
    words = _english()
    words[position] = typo
    result = scanner.scan("my seed phrase:\n" + " ".join(words) + "\n\nis it safe?")
    assert result.redacted_text == "my seed phrase:\n[REDACTED:seed_phrase]\n\nis it safe?"


def test_solid_chinese_split_over_two_messages(scanner):
    phrase = seed_phrase("chinese_simplified", 256).replace(" ", "")
    first = scanner.scan("助记词 " + phrase[:12])
    assert first.withheld == (POSSIBLE_SEED,) and first.withheld_tail == phrase[:12]
    second = scanner.scan(phrase[12:], Carried(first.withheld_tail, first.seed_context,
                                               first.seed_wordlist))
    assert second.carried == CARRIED_SECRET
    assert second.redacted_text == "[REDACTED:seed_phrase]"


def test_ordinary_chinese_at_the_end_of_a_message_is_not_withheld(scanner):
    for text in ("我把助记词给了假客服", "限价单挂着不动", "谷歌验证要去哪里开启",
                 "有人在群里要我的助记词，我拒绝并拉黑了"):
        assert POSSIBLE_SEED not in scanner.scan(text).withheld, text


@pytest.mark.parametrize("text,secret", [
    ("谷歌验证码：305 118，客服能不能帮我登录", "305 118"),
    ("SMS ile gelen doğrulama kodu: 8 3 0 2 7 6 — nereye gireceğim?", "8 3 0 2 7 6"),
    ("пароль — ромашка, я знаю, что он простой", "ромашка"),
    ("Hesabımın şifresi papatya, değiştirmem gerekir mi?", "papatya"),
    ("mật khẩu của em là chocolate, có cần đổi không ạ?", "chocolate"),
    ("API key: a76ab8729c36ead42ac41a54, passphrase: Pistacchio88", "a76ab8729c36ead42ac41a54"),
    ("API key: a76ab8729c36ead42ac41a54, passphrase: Pistacchio88", "Pistacchio88"),
    ("Chave de API: BEP7UzUJ7YfLiIKn\nnão consigo conectar o bot", "BEP7UzUJ7YfLiIKn"),
    ("0x" + "db2e84e768a39ff66eb208e81ff24b1993c93a81d3afc6dbb05adce41102adf9"
     + "\nDas ist der Private Key von meinem Konto. Die Auszahlung hängt.",
     "db2e84e768a39ff66eb208e81ff24b1993c93a81d3afc6dbb05adce41102adf9"),
])
def test_third_round_shapes_of_secrets(scanner, text, secret):
    assert secret not in scanner.scan(text).redacted_text


@pytest.mark.parametrize("text", [
    "Ticket 2FA n° 3390821, toujours sans réponse après trois jours",
    "aparece código de erro 100001 quando tento sacar",
])
def test_numbers_qualified_on_either_side_stay(scanner, text):
    assert not scanner.scan(text).spans


def test_a_half_phrase_presented_after_a_colon_waits_for_the_rest(scanner):
    words = _english()
    first = scanner.scan("the chat cuts me off, here are six: " + " ".join(words[:6]))
    assert first.withheld == (POSSIBLE_SEED,)
    second = scanner.scan(" ".join(words[6:]) + " are the rest, thanks",
                          Carried(first.withheld_tail, first.seed_context,
                                  first.seed_wordlist))
    assert second.carried == CARRIED_SECRET
    assert second.redacted_text == "[REDACTED:seed_phrase] are the rest, thanks"


def test_solid_chinese_halves_presented_after_colons(scanner):
    phrase = seed_phrase("chinese_simplified", 128).replace(" ", "")
    first = scanner.scan("前六个字：" + phrase[:6])
    assert first.withheld == (POSSIBLE_SEED,)
    second = scanner.scan("后六个字：" + phrase[6:] + "，麻烦帮我恢复一下钱包",
                          Carried(first.withheld_tail, first.seed_context,
                                  first.seed_wordlist))
    assert second.carried == CARRIED_SECRET
    assert second.redacted_text == "后六个字：[REDACTED:seed_phrase]，麻烦帮我恢复一下钱包"


@pytest.mark.parametrize("text", [
    "トランザクションID: 0x6f945bb2d11beb1b5d9a13f704c60894ac71f1ed8e097101b29bfe1a0417f561\n"
    "秘密鍵は誰にも教えていません。なぜ出金が失敗したのですか？",
    "işlem hash'i 8a99fd09543a54a664cd9e940784a8af754eec7ac6e018a9554d55973e6571ad, "
    "özel anahtarımı kimseyle paylaşmadım, para nereye gitti?",
])
def test_a_labelled_transaction_id_beats_a_key_word_after_it(scanner, text):
    assert not scanner.scan(text).spans


@pytest.mark.parametrize("text,secret", [
    ("Me sale error 10003. Este es mi .env:\nBYBIT_API_KEY=ItFCjaPzzXdB5jVx6C\n"
     "BYBIT_API_SECRET=FvDUYKskrUpev1wYmkw3XcdFful9PsKOSK5j",
     "FvDUYKskrUpev1wYmkw3XcdFful9PsKOSK5j"),
    ("KUCOIN_API_PASSPHRASE=Galatasaray1905\nInvalid KC-API-PASSPHRASE", "Galatasaray1905"),
    ('{"privateKey": "-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEEIKK7inoLIh4LBHfaBi9hIdoq'
     'UcbCX7oKCCAu3BJ+GL8UoAoGCCqGSM49\\n-----END EC PRIVATE KEY-----\\n"}', "MHcCAQEEIKK7ino"),
    ("Clé privée : EJWSimODQuSJ9o0NJooiz3hjzWim06pHqNR234Q8lS6XFC9kVswRIakIba0jvBPh9eNYl1QA==",
     "EJWSimODQuSJ9o0NJooiz3hjzWim06pH"),
])
def test_credentials_pasted_as_files(scanner, text, secret):
    assert secret not in scanner.scan(text).redacted_text


def test_a_ticket_number_stays_next_to_2fa(scanner):
    text = "Ticket-Nr. 482917 – 2FA-Reset beantragt vor 5 Tagen, immer noch keine Antwort!!"
    assert not scanner.scan(text).spans


@pytest.mark.parametrize("text,secrets", [
    ('contraseña "girasol" y desde ayer ya no entra', ["girasol"]),
    ('changed my pw last week, the old one was "meadow" and the new is "R1ver#Stone9"',
     ["meadow", "R1ver#Stone9"]),
    ("GET /api/v3/order?apiKey=Ab12Cd34Ef56Gh78Ij90&secretKey=Zx98Yw76Vu54Ts32Rq10Po "
     "kommt immer 401", ["Ab12Cd34Ef56Gh78Ij90", "Zx98Yw76Vu54Ts32Rq10Po"]),
    ("Access key: Qd7RmT2xWv9LpKs4Hn8YbZc3Jf6Gt1Ue5Ai0Oo\nSecret key: "
     "MASi45ub7Qe4ZE36UT5G6cU4ud8Fhhe4deS4F3cw\n봇이 안 돌아가요", [
         "MASi45ub7Qe4ZE36UT5G6cU4ud8Fhhe4deS4F3cw"]),
    ("no autenticador aparece 415-902 mas o site recusa", ["415-902"]),
    ("в аутентификаторе сейчас 318 604, сайт не принимает", ["318 604"]),
    # seventh round
    ("ancien mdp : Paris75011xx, nouveau : LeChat#Noir2024, aucun des deux ne marche",
     ["Paris75011xx", "LeChat#Noir2024"]),
    ("原密码Aa123456，改成Xb!9pQ_2024之后就登不上了", ["Aa123456", "Xb!9pQ_2024"]),
    ("谷歌验证器上显示561-038，输进去说无效", ["561-038"]),
    ("验证码483920怎么一直无效", ["483920"]),
    ("https://api.example.com/v1/account?api_key=22TZWhyPunIoMfsa99079ZD&secret="
     "sxGBV9ouBZqyFrom7b7TtdyuKGvzX04o&recvWindow=5000 me renvoie 403",
     ["sxGBV9ouBZqyFrom7b7TtdyuKGvzX04o"]),
    ("Der Code aus Google Authenticator ist 661 093, Ticket 4420917", ["661 093"]),
    # eighth round
    ('сменила пароль на "ромашка" и всё, не пускает', ["ромашка"]),
    ('I changed my password to "marmalade" yesterday and now it fails', ["marmalade"]),
    ("recebi por e-mail, chegou no email: código 725184, expira logo", ["725184"]),
    ("API Key是Qw3rTy7uIo9pAs1dFg5hJk2lZx，Secret Key是Mn8bVc4xZa6sDf2gHj9kLp3oIu7yTr5eWq，"
     "签名一直错", ["Mn8bVc4xZa6sDf2gHj9kLp3oIu7yTr5eWq"]),
    ("シークレットキーXy7pQr2sTu9vWx4yZa8bCd3eFg6hIj1kLm5nで署名エラー",
     ["Xy7pQr2sTu9vWx4yZa8bCd3eFg6hIj1kLm5n"]),
    ("login: marta_k / пасс: vesna2019\nне могу войти", ["vesna2019"]),
])
def test_shapes_of_secrets_from_the_blind_rounds(scanner, text, secrets):
    redacted = scanner.scan(text).redacted_text
    assert all(secret not in redacted for secret in secrets), redacted


def _in_two_parts(scanner, first_text: str, second_text: str):
    """Both scans of a phrase sent in two messages, the first one's withheld tail carried."""
    first = scanner.scan(first_text)
    second = scanner.scan(second_text, Carried(first.withheld_tail, first.seed_context,
                                               first.seed_wordlist))
    return first, second


def test_a_list_numbered_without_spaces_split_over_two_messages(scanner):
    words = _english()
    intro = "mando en dos partes"
    first, second = _in_two_parts(
        scanner, intro + "\n" + " ".join(f"{i}.{w}" for i, w in enumerate(words[:6], start=1)),
        " ".join(f"{i}.{w}" for i, w in enumerate(words[6:], start=7)) + "\nya lo mandé todo")
    assert first.withheld == (POSSIBLE_SEED,)
    assert first.redacted_text == intro + "\n[WITHHELD:possible_seed]"  # intro not held
    assert second.carried == CARRIED_SECRET
    assert second.redacted_text == "[REDACTED:seed_phrase]\nya lo mandé todo"


def test_a_list_marked_with_hashes_is_hidden_with_its_marks(scanner):
    words = _english()
    text = "aqui:\n" + "\n".join(f"#{i} {w}" for i, w in enumerate(words, start=1))
    assert scanner.scan(text).redacted_text == "aqui:\n[REDACTED:seed_phrase]"


@pytest.mark.parametrize("text", [
    "wallet empty, market crash, total panic, crazy price, please help, never again, so sad "
    "now",
    "coin dump again, whale profit, panic sell, market chaos, price crazy, total loss, help "
    "please",
])
def test_terse_prose_of_list_words_is_no_seed_phrase(scanner, text):
    assert "seed_phrase" not in scanner.scan(text).kinds


# Seventh round (eval_data/safety/holdout7_secrets.jsonl, scored once, then mended).
@pytest.mark.parametrize("text,kept", [
    ("Ticketnummer 904417 wegen 2FA-Reset, keine Antwort seit Montag", "904417"),
    ("我的UID是38829105，手机号13812345678能收到短信吗", "38829105"),
    ("Der Code aus Google Authenticator ist 661 093, Ticket 4420917", "4420917"),
    ("https://example.com/order?symbol=BTCUSDT&side=BUY&quantity=0.01", "BTCUSDT"),
])
def test_seventh_round_look_alikes_stay(scanner, text, kept):
    assert kept in scanner.scan(text).redacted_text


@pytest.mark.parametrize("intro", ["Die Ledger zeigt Fehler beim Import. Wörter 1-6: ",
                                   "vou mandar minhas palavras de backup em 2 partes\n"])
def test_a_half_phrase_after_a_word_that_passes_for_a_typo(scanner, intro):
    words = _english()
    first, second = _in_two_parts(scanner, intro + " | ".join(words[:6]),
                                  " | ".join(words[6:]) + "\nwas mache ich falsch??")
    assert first.withheld == (POSSIBLE_SEED,), first.redacted_text
    assert second.carried == CARRIED_SECRET
    assert all(word not in second.redacted_text.split() for word in words[6:])


@pytest.mark.parametrize("text,secret", [
    ("la password e girasole, non va", "girasole"),
    ("minha senha e saudade, nao consigo entrar", "saudade"),
])
def test_an_is_typed_without_its_accent(scanner, text, secret):
    assert secret not in scanner.scan(text).redacted_text


@pytest.mark.parametrize("text", ["mudei a senha e pronto.", "esqueci a senha e agora?",
                                  "cambiato password e email."])
def test_and_after_password_is_not_an_is(scanner, text):
    assert not scanner.scan(text).spans, text


def test_a_half_phrase_named_with_an_is(scanner):
    words = _english()
    first, second = _in_two_parts(
        scanner, "je veux restaurer mon wallet, la phrase c'est " + " ".join(words[:6]),
        " ".join(words[6:]) + "\ndésolé, envoyé trop tôt")
    assert first.withheld == (POSSIBLE_SEED,), first.redacted_text
    assert second.carried == CARRIED_SECRET


@pytest.mark.parametrize("text", [
    f"我知道你们不会要助记词和私钥，我只是想查一下这笔转账 {TX_HASH}",
    f"Özel anahtarımı kimseyle paylaşmadım! Ama {TX_HASH[2:]} çekimi gece çıkmış",  # no label
])
def test_a_transaction_next_to_a_key_that_was_not_shared(scanner, text):
    assert TX_HASH[2:] in scanner.scan(text).redacted_text


@pytest.mark.parametrize("layout", [
    lambda w: "\n".join(f"{i}. {x}" for i, x in enumerate(w, 1)) + "\nplease hurry",
    lambda w: "\n".join(w) + "\nbitte schnell",
])
def test_a_whole_listed_phrase_is_hidden_at_once_whatever_its_words(scanner, layout):
    # Common list words ("home", "now", "own") read like a sentence to the frequency test,
    # and a list word after the list ("please") made the numbers look broken: a phrase
    # numbered or one word per line was only held back, then released in clear.
    words = ["index", "answer", "essay", "casino", "essence", "scrub", "home", "now", "own",
             "behave", "frog", "reward"]
    scan = scanner.scan("wallet empty, here are my words\n" + layout(words))
    assert scan.kinds == ("seed_phrase",) and not scan.withheld
    assert not any(word in scan.redacted_text.split() for word in words), scan.redacted_text


def test_a_whole_phrase_named_as_the_words_is_hidden_without_its_checksum(scanner):
    words = ("renna lesivo uovo rigare duna vivido nessuno guaio buono tizio gonna vegetale"
             ).split()
    scan = scanner.scan("le mie 12 parole sono " + " ".join(words) + " e il wallet è vuoto")
    assert scan.kinds == ("seed_phrase",)
    assert "renna" not in scan.redacted_text and "il wallet" in scan.redacted_text


@pytest.mark.parametrize("key", [
    "5Kb8kLf9zgWQnogidDA76MzPL6TsZZY36hWXMssSzNydYXYB9KF",  # valid checksum
    "5Kb8kLf9zgWQnogidDA76MzPL6TsZZY36hWXMssSzNydYXYB9KG",  # one character off
    "L1aW4aubDFB7yfras2S1mN3bqg9nwySY8nkoLmJebSLD5BWv3ENZ",
    "KxN2pQ7rT4vW8yZa1bC3dE5fG7hJ9kM2nP4qR6sT8uV1wX3yZ5aB",
])
def test_a_wif_key_is_hidden_even_with_a_broken_checksum(scanner, key):
    assert key not in scanner.scan(f"electrum exported this key {key} sweep pls").redacted_text
    assert key not in scanner.scan(f"비트코인 개인키{key}로 가져왔어요").redacted_text


def test_a_compressed_public_key_stays(scanner):
    key = "03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd"
    assert key in scanner.scan(f"my public key for the multisig: {key} is it right?").redacted_text


def test_portuguese_no_is_not_a_number_sign(scanner):
    assert "nº 48213" in scanner.scan("pedido nº 48213 ainda não chegou").redacted_text


@pytest.mark.parametrize("text", [
    'went to "Settings" and then to password, nothing happens',
    'mi contraseña no funciona, fui a "Seguridad" y no aparece',
    'password page goes to "error" every time',
])
def test_a_quoted_page_name_near_a_password_word_stays(scanner, text):
    assert not scanner.scan(text).spans


def _one_word_misread(words: list[str]) -> list[str]:
    """The phrase with its last word read as another list word that breaks the checksum,
    as when a word is misread off the paper it was written on."""
    wordlist = Mnemonic("english").wordlist
    for other in wordlist:
        guess = [*words[:-1], other]
        if other != words[-1] and not Mnemonic("english").check(" ".join(guess)):
            return guess
    raise AssertionError("every list word passes")  # pragma: no cover


@pytest.mark.parametrize("separator", [" ", ", ", " - "])
def test_a_phrase_with_one_word_misread_is_still_a_secret(scanner, separator):
    # Found by trying the product as a trader: twelve list words alone, evenly spaced,
    # failing the checksum, were held back and then released in clear. Eleven right
    # words are the wallet.
    words = _one_word_misread(_english())
    result = scanner.scan(separator.join(words))
    assert result.kinds == ("seed_phrase",)
    assert all(word not in result.redacted_text for word in words[:-1])


def test_a_misread_phrase_sent_in_two_messages_is_still_a_secret(scanner):
    words = _one_word_misread(_english())
    first, second = _in_two_parts(scanner, " ".join(words[:6]), " ".join(words[6:]))
    assert first.withheld == (POSSIBLE_SEED,)
    assert second.carried == CARRIED_SECRET
    assert all(word not in second.redacted_text.split() for word in words[6:])


@pytest.mark.parametrize("text, secret", [
    ("login john.doe@gmail.com / Tr0ub4dor&3 cant get in", "Tr0ub4dor&3"),
    ("email: anna.k@mail.ru:Qwerty2024! не могу войти", "Qwerty2024!"),
    ("mi cuenta es pedro.g@hotmail.es  Clave#2024x y no entra", "Clave#2024x"),
])
def test_a_password_typed_right_after_the_login_email_is_redacted(scanner, text, secret):
    # Found by the 0.11.12 trial: no password word, so the pair reached the agent in clear.
    scan = scanner.scan(text)
    assert secret not in scan.redacted_text and "password" in scan.kinds


@pytest.mark.parametrize("text", [
    "my email is john.doe@gmail.com and order ORD-8812345 failed",
    "my email john@x.com, UID 48213377",
    "mail a.b@c.de txid 7164be4a34732f5ea20165121869a049416435df35b790da44c3cb3e0e8e3b17",
    "write to me at maria@example.com thanks",
])
def test_what_follows_an_email_address_is_kept_unless_it_looks_like_a_password(scanner, text):
    assert scanner.scan(text).redacted_text == text


@pytest.mark.parametrize("text, secret", [
    ("Xy7#pQ92!mz", "Xy7#pQ92!mz"),  # alone, the message after "login a@b.com"
    ("pwd: correcthorsebattery", "correcthorsebattery"),  # starts like "correct"
    ("pasword: Qw3rty!!2024", "Qw3rty!!2024"),  # the cue misspelt
])
def test_passwords_the_second_trial_found_in_clear(scanner, text, secret):
    scan = scanner.scan(text)
    assert secret not in scan.redacted_text and "password" in scan.kinds


@pytest.mark.parametrize("text", [
    "TQm8qR3vXk2Ng7pZbW5eYc9Ha4sJdF6uT1", "ORD-8812345", "USDT!!!", "ok!", "wen2moon?",
    "password incorrecto", "Passwort abgelaufen",
    "现货maker和taker费率各是多少?交易量到多少能升VIP1",  # a sentence without spaces
    # The code review of 0.11.12: handles, links, case numbers, times, versions.
    "@binance_support24", "john#1234", "case#4420917x", "t.me/support_bot?start=abc123",
    "binance.com/en/register?ref=abc123xy", "my email is john.doe@gmail.com 12:30pm yesterday",
    "john.doe@gmail.com v2.3.1 app version", "<script>window.__xss=1</script>",
    "<b>x=1</b>",
    # Long words that describe a password are no password.
    "мой пароль недействительный, что делать", "la contraseña es incorrectamente",
])
def test_a_lone_address_id_or_shout_is_no_password(scanner, text):
    assert scanner.scan(text).redacted_text == text


# The 0.11.13 adversarial trial: ways of writing a phrase that were stored in clear.
@pytest.mark.parametrize("layout", [
    lambda w: ", ".join(f"word {i} is {x}" for i, x in enumerate(w, 1)),
    lambda w: " ".join(f"{i}{'st' if i == 1 else 'nd' if i == 2 else 'rd' if i == 3 else 'th'}:"
                       f" {x}" for i, x in enumerate(w, 1)),
    lambda w: ", ".join(w[:-1]) + " and " + w[-1],
    lambda w: "first half " + " ".join(w[:6]) + " and second half " + " ".join(w[6:]),
])
def test_numbered_joined_and_halved_phrases(scanner, layout):
    words = _english()
    result = scanner.scan(layout(words))
    assert result.kinds == ("seed_phrase",), result.redacted_text
    assert not result.withheld
    assert not any(w in result.redacted_text.split() for w in words if len(w) > 3)


def test_two_dropped_letters_in_twelve_words_are_still_a_phrase(scanner):
    """One typo in six: the second one, past the ninth word, must not cut the run short
    (it was held back, then restored in clear a minute later)."""
    words = _english()
    for i in (2, 9):
        words[i] = words[i][:-1]
    result = scanner.scan(" ".join(words))
    assert result.redacted_text == "[REDACTED:seed_phrase]"


def test_list_words_joined_by_and_in_prose_stay(scanner):
    for text in ("I want to buy, sell and trade bitcoin and ethereum, is that possible?",
                 "I bought btc, eth and sol last week and now the price is down"):
        assert scanner.scan(text).redacted_text == text


@pytest.mark.parametrize("text, kept", [
    ("my passwrod is Gr8tDay!22", "Gr8tDay"),
    ("my p@ssw0rd is Tr0ub4dor&3", "Tr0ub4dor"),
    ("my password is: purple monkey dishwasher", "monkey"),
])
def test_misspelt_cues_and_passphrases(scanner, text, kept):
    result = scanner.scan(text)
    assert result.kinds == ("password",) and kept not in result.redacted_text


def test_a_passphrase_stops_where_the_sentence_goes_on(scanner):
    assert scanner.scan("password: hunter2x doesnt work").redacted_text == (
        "password: [REDACTED:password] doesnt work")


_NUMBERS = "one two three four five six seven eight nine ten eleven twelve".split()
_ORDINALS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
             "twelfth").split()


@pytest.mark.parametrize("layout", [
    lambda w: ". ".join(f"word {n} is {x}" for n, x in zip(_NUMBERS, w, strict=True)),
    lambda w: " ".join(f"{o}: {x}" for o, x in zip(_ORDINALS, w, strict=True)),
])
def test_numbers_spelt_out_between_the_words(scanner, layout):
    """The second trial of 0.11.13: "word one is indoor. word two is fault. …"."""
    words = _english()
    result = scanner.scan(layout(words))
    assert result.kinds == ("seed_phrase",)
    assert not any(w in result.redacted_text.split() for w in words if len(w) > 3)


def test_a_short_aside_between_the_halves_keeps_the_first_withheld(scanner):
    words = _english()
    first = scanner.scan(" ".join(words[:6]))
    held = Carried(first.withheld_tail or "", first.tail_context or first.seed_context,
                   first.seed_wordlist)
    assert first.withheld and scanner.scan("wait what do I do now", held).carried == CARRIED_KEPT
    rest = scanner.scan(" ".join(words[6:]), held)
    assert rest.carried == CARRIED_SECRET and rest.redacted_text == "[REDACTED:seed_phrase]"


def test_the_same_list_words_sent_again_and_again_make_no_phrase(scanner):
    carried = None
    for number in range(1, 9):
        result = scanner.scan(f"burst message number {number} about my deposit", carried)
        assert "seed_phrase" not in result.kinds and result.redacted_text.endswith("my deposit")
        if result.withheld_tail:
            previous = carried.text + "\n" if carried and result.carried == CARRIED_KEPT else ""
            carried = Carried(previous + result.withheld_tail, result.tail_context,
                              result.seed_wordlist)


def test_a_password_shaped_cue_stays_readable(scanner):
    assert scanner.scan("p4ssw0rd: Qz9!mK2#vL").redacted_text == "p4ssw0rd: [REDACTED:password]"
    assert scanner.scan("my password is purple monkey dishwasher").redacted_text == (
        "my password is [REDACTED:password]")
    assert scanner.scan("my password is Abc123!x on the app").redacted_text == (
        "my password is [REDACTED:password] on the app")


def test_a_key_copied_in_groups_or_on_two_lines(scanner):
    key = "3f9c0b1a" * 8
    on_two_lines = scanner.scan(f"private key: {key[:32]}\n{key[32:]}")
    assert on_two_lines.redacted_text == "private key: [REDACTED:private_key]"
    grouped = scanner.scan("0x" + " ".join(key[i:i + 8] for i in range(0, 64, 8)))
    assert grouped.withheld == ("unclear_hex",) and "3f9c0b1a" not in grouped.redacted_text
    tx = "txid " + " ".join(key[i:i + 8] for i in range(0, 64, 8))
    assert scanner.scan(tx).redacted_text == tx


# The code review of 0.11.13 (a helper reading the change): what the first version broke.
def test_a_phrase_pasted_twice_is_still_a_phrase(scanner):
    phrase = " ".join(_english())
    result = scanner.scan(f"{phrase}\n{phrase}\nis my wallet safe? please tell me what to do next")
    assert result.redacted_text.startswith("[REDACTED:seed_phrase]\nis my wallet safe")


@pytest.mark.parametrize("text", [
    "my password is P@ssw0rd", "password: Passw0rd", "pw: Pa$$word",
    "login john@gmail.com / P@ssw0rd cant get in",
])
def test_the_commonest_passwords_are_passwords_not_cues(scanner, text):
    assert scanner.scan(text).kinds == ("password",)


@pytest.mark.parametrize("text, kept", [
    ("password: Abc12345 withdrawals locked", "withdrawals locked"),
    ("비밀번호: moonlight 로 로그인하는데 자꾸 실패해요", "자꾸 실패해요"),
    ("Muito obrigado, hoje tudo certo: dinheiro, moeda e valores, ótimo trabalho", "valores"),
])
def test_what_follows_a_password_or_a_list_stays(scanner, text, kept):
    assert kept in scanner.scan(text).redacted_text


def test_numbering_in_other_languages_and_a_sentence_after_the_phrase(scanner):
    words = _english()
    numbered = scanner.scan(
        "seed: " + ", ".join(f"palavra {i} é {w}" for i, w in enumerate(words, 1)))
    assert numbered.kinds == ("seed_phrase",) and words[5] not in numbered.redacted_text
    after = scanner.scan("seed: " + " ".join(words) + "\nwithdrawal 5000 is still pending")
    assert after.redacted_text == "seed: [REDACTED:seed_phrase]\nwithdrawal 5000 is still pending"


def test_grouped_hex_is_trimmed_to_the_key_and_uuids_are_not_one(scanner):
    key = "3f9c0b1a" * 8
    grouped = " ".join(key[i:i + 8] for i in range(0, 64, 8))
    assert scanner.scan(f"private key {grouped} added to metamask").redacted_text == (
        "private key [REDACTED:private_key] added to metamask")
    ids = ("order ids 9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d 1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed "
           "please check")
    assert scanner.scan(ids).redacted_text == ids


# The second code review of 0.11.13.
def test_a_key_wrapped_unevenly_or_split_by_an_invisible_character(scanner):
    from bot.nlu.pipeline import clean_text

    key = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    assert scanner.scan(f"my private key:\n{key[:40]}\n{key[40:]}").kinds == ("private_key",)
    assert scanner.scan(clean_text(f"my private key: {key[:40]}\u200b{key[40:]}")).kinds == (
        "private_key",)


def test_a_phrase_numbered_n_is_and_ticket_numbers(scanner):
    words = _english()
    listed = scanner.scan("seed: " + ", ".join(f"{i} is {w}" for i, w in enumerate(words, 1)))
    assert listed.kinds == ("seed_phrase",)
    text = "Ticket 12 is still open, order 34 is pending"
    assert scanner.scan(text).redacted_text == text


@pytest.mark.parametrize("text", [
    "how do I reset my passw0rd?", "I cant remember my passw0rd.",
    "please cancel, refund and close", "apple, banana, orange and grape",
    "I created an API key to trade cryptocurrencies with my bot",
    "key question: why is my withdrawal 9876543219876543 pending?",
    "I exported my wallet, LTC deposit address LbTjMGN7gELw4KbeyQf6cTCq859hD18guE",
])
def test_look_alikes_of_the_new_rules_stay(scanner, text):
    assert scanner.scan(text).redacted_text == text


def test_a_leetspeak_password_named_by_a_cue_is_a_password(scanner):
    assert scanner.scan("old password was P@ssw0rd, new password is Tr0ub4dor&3").redacted_text == (
        "old password was [REDACTED:password], new password is [REDACTED:password]")


def test_a_key_in_two_messages_in_another_language_and_what_follows_a_whole_key(scanner):
    first = scanner.scan("mi clave privada parte 1: 3f9c0b1a3f9c0b1a3f9c0b1a3f9c0b1a")
    assert first.key_context
    rest = scanner.scan("parte 2: 73065400a1068bc93c95b5e594520e5d",
                        Carried("", False, first.seed_wordlist))
    assert rest.redacted_text == "parte 2: [REDACTED:private_key]"
    whole = scanner.scan("my api key is Xy7pQ92mzAb3kLm0Qw")
    assert not whole.key_context  # a whole secret: the next message is read as usual


@pytest.mark.parametrize("text, kept", [
    ("пароль: синий кот летает", "кот"),
    ("mot de passe : girafe été rouge", "rouge"),
])
def test_passphrases_in_other_scripts(scanner, text, kept):
    assert kept not in scanner.scan(text).redacted_text


@pytest.mark.parametrize("text, kept", [
    ("password: correct horse battery staple", "horse"),
    ("my password is correct horse battery staple", "staple"),
])
def test_a_passphrase_may_start_with_a_describing_word(scanner, text, kept):
    result = scanner.scan(text)
    assert result.kinds == ("password",) and kept not in result.redacted_text


@pytest.mark.parametrize("text", [
    "my password is correct but it says wrong",
    "my password is correct and my email is verified",
    "my password is wrong again",
    "the password is correct I checked three times",
    "my p4ssw0rd is not working",
    "how do I change my password from the app? my passw0rd reset link is broken",
])
def test_described_passwords_and_leetspeak_cues_stay(scanner, text):
    assert scanner.scan(text).redacted_text == text


@pytest.mark.parametrize("text, kept", [
    ("changed pass from p4ssw0rd to Summer2024!", "p4ssw0rd"),
    ("reset password to p@ssword", "p@ssword"),
    ("ich habe mein Passwort von p4ssw0rd geändert", "p4ssw0rd"),
])
def test_a_leetspeak_cue_as_the_old_or_new_password(scanner, text, kept):
    result = scanner.scan(text)
    assert result.kinds == ("password",) and kept not in result.redacted_text


def _conversation(scanner, messages):
    """Each message scanned with what the one before carried, as the engine does."""
    carried, scans = None, []
    for text in messages:
        scan = scanner.scan(text, carried)
        scans.append(scan)
        carried = Carried(scan.withheld_tail or "",
                          scan.tail_context if scan.withheld_tail else scan.seed_context,
                          scan.seed_wordlist)
    return scans


def test_sentence_words_after_a_pasted_phrase_stay_readable(scanner):
    # 0.11.13 trial (second): the next message's list words ("want", "account") were redacted
    # one by one, and the words after a phrase in its own message were hidden with it.
    phrase = seed_phrase("english", 128, seed=3)
    after = _conversation(scanner, [f"my wallet words: {phrase}",
                                    "also: I want to secure my account and restore access"])
    assert after[1].redacted_text == "also: I want to secure my account and restore access"
    same = scanner.scan(f"my seed phrase is {phrase} can you restore my wallet?")
    assert same.redacted_text == (
        "my seed phrase is [REDACTED:seed_phrase] can you restore my wallet?")
    lines = scanner.scan(f"{phrase}\nplease help me, I think someone took my coins")
    assert lines.redacted_text == (
        "[REDACTED:seed_phrase]\nplease help me, I think someone took my coins")


def test_the_rest_of_a_phrase_in_the_next_message_is_still_hidden(scanner):
    words = seed_phrase("english", 160, seed=4).split()  # 15 words, sent 13 + 2
    for rest in (" ".join(words[13:]), "second half: " + " ".join(words[13:])):
        scans = _conversation(scanner, [" ".join(words[:13]), rest])
        assert scans[1].kinds == ("seed_phrase",)
        assert not any(word in scans[1].redacted_text.split() for word in words[13:])


@pytest.mark.parametrize("aside", ["hold on a moment", "sending the rest", "anyway",
                                   "give me a minute", "wait what do I do now?"])
def test_an_aside_of_any_words_keeps_a_half_phrase_held(scanner, aside):
    words = seed_phrase("english", 128, seed=5).split()
    first, middle = _conversation(scanner, [" ".join(words[:6]), aside])
    assert first.withheld == ("possible_seed",) and middle.carried == "kept"


def test_a_question_of_its_own_releases_held_words(scanner):
    words = seed_phrase("english", 128, seed=5).split()
    _, question = _conversation(scanner, [" ".join(words[:6]), "sorry, how do I deposit usdt?"])
    assert question.carried == "released"


@pytest.mark.parametrize("text", ["my password is password", "password: password",
                                  "Mein Passwort ist passwort", "my password is pass"])
def test_a_cue_word_given_as_the_password_is_redacted(scanner, text):
    assert scanner.scan(text).kinds == ("password",)


def test_a_cue_word_that_goes_on_with_the_sentence_stays(scanner):
    text = "forgot password: password reset doesn't work"
    assert scanner.scan(text).redacted_text == text


@pytest.mark.parametrize("messages, secret", [
    (["do you need my password?", "ok it's Gx7#kP2!mq9Z"], "Gx7#kP2!mq9Z"),
    (["2fa", "771935"], "771935"),
    (["my authenticator code is below", "558210"], "558210"),
    (["here's the api secret, first half Xk29fLq8ZmT4vR7pWn3s", "second half Hq5tYb8LcN2mRw6KdJ4e"],
     "Hq5tYb8LcN2mRw6KdJ4e"),
    (["here is my private key", "4c0883a69102937d6231471b5dbb6204",
      "fe5129617082792ae468d01a3f362318"], "fe5129617082792ae468d01a3f362318"),
])
def test_a_secret_named_in_one_message_and_given_in_the_next(scanner, messages, secret):
    scans = _conversation(scanner, messages)
    assert scans[-1].found and secret not in scans[-1].redacted_text


@pytest.mark.parametrize("messages", [
    ["I forgot my password", "my order is 12345678 and email a@b.com"],
    ["i did not get the 2fa code", "order 123456 still pending"],
    ["I forgot my password", "thanks, my uid is 48213377"],
])
def test_numbers_after_a_message_about_passwords_or_codes_stay(scanner, messages):
    assert _conversation(scanner, messages)[-1].redacted_text == messages[-1]


def test_a_bare_hex_value_after_talk_of_transactions_is_still_withheld(scanner):
    # 0.11.14 review: a TXID and a raw private key look alike, and "my withdrawal
    # transaction is missing" does not say which one comes next.
    value = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    for before in ("I'll send the transaction hash", "what's a hash?", "hello"):
        assert _conversation(scanner, [before, value])[-1].withheld == ("unclear_hex",)


def test_backup_codes_are_redacted(scanner):
    result = scanner.scan("my 2fa backup codes: ABCD-EFGH-1234, WXYZ-9876-QRST")
    assert result.redacted_text == "my 2fa backup codes: [REDACTED:otp_code], [REDACTED:otp_code]"
    assert not scanner.scan("where do I find my backup codes?").found


@pytest.mark.parametrize("per_message, first", [(1, 1), (2, 2), (1, 2), (2, 1)])
def test_a_phrase_sent_a_word_or_two_a_message_after_naming_it(scanner, per_message, first):
    # 0.11.13 review: after "here is my seed phrase", a word or two a message were all
    # stored in clear. Emulates the withheld store: held words wait while messages keep
    # them, and go together when one message decides.
    words = seed_phrase("english", 128, seed=6).split()
    # The first word or two alone, then the rest a word or two a message, or all at once
    # (0.11.14 review: the held words were released when the rest came whole).
    pieces = [words[:first]] + ([words[first:]] if per_message == first else [
        words[i:i + per_message] for i in range(first, 12, per_message)])
    messages = ["ok here is my seed phrase"] + [" ".join(piece) for piece in pieces]
    carried, held, shown = None, [], []
    for text in messages:
        scan = scanner.scan(text, carried)
        if scan.carried not in ("secret", "kept"):  # WithheldFragments.settle releases
            shown += held
        if scan.carried != "kept":
            held = []
        if scan.withheld_tail:
            held.append(scan.withheld_tail)
        shown.append(scan.redacted_text)
        carried = Carried("\n".join(held), scan.seed_context, scan.seed_wordlist)
    assert not any(word in " ".join(shown).split() for word in words)


@pytest.mark.parametrize("text", [
    "address 0x8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d 6f1a2b3c4d5e6f7a8b9c0d1e",
    "txids 8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d 6f1a2b3c4d5e6f7a8b9c0d1e",
])
def test_an_address_and_an_id_side_by_side_are_no_wrapped_key(scanner, text):
    assert scanner.scan(text).redacted_text == text


@pytest.mark.parametrize("text, kept", [
    ("password: kiss-me-now", "kiss"),
    ("pw = i_love_my_dog", "love"),
    ("my password is: purple monkey dishwasher, please help", "dishwasher"),
])
def test_joined_words_and_a_passphrase_before_a_comma(scanner, text, kept):
    result = scanner.scan(text)
    assert result.kinds == ("password",) and kept not in result.redacted_text


@pytest.mark.parametrize("text", ["password: correct, it works now",
                                  "my password is wrong, please help",
                                  "the password is e-mail based"])
def test_describing_a_password_before_a_comma_stays(scanner, text):
    assert scanner.scan(text).redacted_text == text


def test_seed_words_after_a_password_cue_stay_hidden(scanner):
    # 0.11.14 review: "password: <8 list words>" showed 7 of them once the first was a
    # password (a run overlapping any secret was no longer held back).
    for seed in range(20):
        words = seed_phrase("english", 128, seed=seed).split()[:8]
        shown = scanner.scan("password: " + " ".join(words)).redacted_text.split()
        assert not any(word in shown for word in words[1:])


@pytest.mark.parametrize("mangle", [
    lambda w: [*w[:5], w[4], *w[5:]],  # a word typed twice
    lambda w: w[:6] + w[7:],  # a word left out
])
def test_a_mistyped_phrase_before_a_sentence_is_hidden_whole(scanner, mangle):
    for seed in range(30):
        words = seed_phrase("english", 128, seed=seed).split()
        text = " ".join(mangle(words)) + " can you restore my wallet?"
        shown = scanner.scan(text).redacted_text.split()
        assert not any(word in shown for word in words if word not in ("can", "you"))


def test_the_last_words_presented_after_a_long_lead_are_hidden(scanner):
    words = seed_phrase("english", 160, seed=7).split()
    scans = _conversation(scanner, [" ".join(words[:13]),
                                    "oh and the last two words are " + " ".join(words[13:])])
    assert not any(word in scans[1].redacted_text.split() for word in words[13:])


@pytest.mark.parametrize("messages", [
    ["I forgot my password", "my address is TJYeasTPa6gpEEfYcq3Q8QgV1fYh6vTNCJ"],
    ["I forgot my password", "ref code Ab12Cd34"],
    ["KYC didn't pass", "my uid is Ab12Cd34"],
    ["2fa not working", "uid: 48213377"],
    ["how do I export my trade history?", "order 12345678 is missing"],
    ["I lost my backup codes. My UID is 12345678, order 9876543210 and phone 555-123-4567"],
    ["the password is case-sensitive"],
])
def test_ids_after_broad_cues_stay_readable(scanner, messages):
    assert _conversation(scanner, messages)[-1].redacted_text == messages[-1]


def test_google_style_backup_codes_one_per_line(scanner):
    text = "my google backup codes:\n1234 5678\n8765 4321\n1111 2222"
    assert scanner.scan(text).redacted_text == (
        "my google backup codes:\n[REDACTED:otp_code]\n[REDACTED:otp_code]\n[REDACTED:otp_code]")


def test_a_short_plea_after_a_pasted_phrase_is_not_redacted_as_its_rest(scanner):
    phrase = seed_phrase("english", 128, seed=8)
    for plea in ("someone stole my funds, help!", "please help"):
        assert "seed_phrase" not in _conversation(scanner, [phrase, plea])[-1].kinds



@pytest.mark.parametrize("join", [
    lambda w: " ".join(w[:6]) + " and " + " ".join(w[6:]),
    lambda w: " ".join(w[:6]) + " or " + " ".join(w[6:]),
    lambda w: " x ".join(" ".join(w[i:i + 3]) for i in range(0, 12, 3)),
    lambda w: " ".join(w[:4]) + " um " + " ".join(w[4:8]) + " and " + " ".join(w[8:]),
    lambda w: " ".join(w[:11]) + " and " + w[11],
])
def test_a_phrase_joined_by_filler_words_is_hidden(scanner, join):
    # 0.11.14 second trial: "<6> and <6>", "<6> or <6>" … were stored in clear.
    for seed in range(10):
        words = seed_phrase("english", 128, seed=seed).split()
        shown = scanner.scan(join(words)).redacted_text.split()
        assert not any(word in shown for word in words)


def test_a_phrase_labelled_words_1_6_and_7_12_is_completed(scanner):
    words = seed_phrase("english", 128, seed=9).split()
    scans = _conversation(scanner, ["words 1-6: " + " ".join(words[:6]),
                                    "words 7-12: " + " ".join(words[6:])])
    assert scans[1].carried == "secret"


def test_held_words_left_undecided_stay_hidden_when_random():
    from bot.nlu.secrets import still_secret

    words = seed_phrase("english", 128, seed=10).split()
    assert still_secret(" ".join(words[:6])) and still_secret(words[0])
    for text in ("help", "please help", "agent please now", "thank you"):
        assert not still_secret(text)


@pytest.mark.parametrize("messages", [
    ["¿necesitas mi contraseña?", "vale, es Gato!Negro2024"],
    ["要我的密码吗", "好的 Qq5201314abc"],
    ["do you need my password?", "letmein"],
    ["backup code", "K7QP-3MZX-9T2B"],
    ["recovery codes for google authenticator", "wsgc njgw gy3w hnjt"],
])
def test_more_secrets_given_after_the_message_that_names_them(scanner, messages):
    last = _conversation(scanner, messages)[-1]
    assert last.found and messages[-1].split()[-1] not in last.redacted_text


@pytest.mark.parametrize("messages", [
    ["do you need my password?", "thanks"],
    ["I need to reset my password", "TN3W4H6rK2ce4vX9YnFQHwKENnHjoxb3m9"],
    ["my 2fa code isn't accepted", "48213957"],
    ["2fa", "123456 is my uid"],
    ["uid=48213957"],
    ["order_id=8834512390"],
    ["my 2fa backup codes", "thanks I saved them"],
])
def test_ids_and_replies_after_those_messages_stay(scanner, messages):
    assert _conversation(scanner, messages)[-1].redacted_text == messages[-1]


# 0.11.16: passwords the holdout8 and holdout9 secrets suites found stored in clear (spent; these
# are their shapes, written afresh).
@pytest.mark.parametrize("text,secret", [
    ("パスワード「ひまわり」でログインできません", "ひまわり"),
    ("パスワードは『さくらもち』です", "さくらもち"),
    ("비밀번호를 '고양이'로 바꿨는데 너무 쉬운가요?", "고양이"),
    ("비번 사랑해1004 인데 잠겼어요", "사랑해1004"),
    ('mein pw lautet "Hausboot_Sommer" (ohne Anführungszeichen)', "Hausboot_Sommer"),
    ("«подсолнух» — это мой пасс, сменил вчера", "подсолнух"),
    # 0.11.16 review: the whole token, not its kana/Hangul-and-digits start.
    ("비번 하늘1004sky", "sky"), ("비번 사랑해1004사랑 인데", "1004사랑"),
    ("password was '사랑해' but it fails", "사랑해"),
    # The second review: what follows a quoted value, and dates inside a password.
    ("비번은 '고양이'야", "고양이"), ("パスワードは「さくらんぼ」にしました", "さくらんぼ"),
    ("パスワード「ひまわり」って入れたのに", "ひまわり"),
    ("비번 민수1990.05.12 인데", "1990.05.12"),
])
def test_a_password_in_its_own_script_or_quoted_near_the_cue(scanner, text, secret):
    result = scanner.scan(text)
    assert result.kinds == ("password",) and secret not in result.redacted_text


@pytest.mark.parametrize("text", [
    "パスワード「間違っています」と表示される", "비밀번호 '오류' 떠요", "密码「错误」怎么办",
    "비번 3번 틀려서 잠겼어요", "비밀번호 변경했는데 출금이 안돼요",
    "ticket n°559201 concernant le mot de passe oublié", "проблема это мой пароль, он не подходит",
    # 0.11.16 review: a label quoted from a screen, an error code, a date.
    "비밀번호 '찾기' 누르면 아무것도 안 돼요", "パスワードを「お忘れですか？」を押しても",
    "パスワード「ログイン」ボタン押せない", "パスワード「期限切れ」と出ます",
    "비밀번호 '불일치' 라고 떠요", "パスワード エラーコード401 です", "비번 에러1005 뜸",
    "비밀번호 어제2024.05.01에 바꿨어요", "비밀번호가 '틀렸다'로 나와요",
    "비밀번호 '확인해주세요'로 나와요", "パスワードを「表示する」にしてもダメ",
])
def test_what_is_said_about_the_password_near_the_cue_stays(scanner, text):
    assert scanner.scan(text).redacted_text == text


@pytest.mark.parametrize("first,second,secret", [
    ("troquei a senha ontem", 'agora é "casaverde22" mas o app diz incorreta', "casaverde22"),
    ("hab gestern das Passwort geändert", "das neue ist Zugspitze_88 aber die App sagt falsch",
     "Zugspitze_88"),
    ("my password doesnt work", "the new one is Tr4der!2025", "Tr4der!2025"),
])
def test_the_new_password_in_the_next_message(scanner, first, second, secret):
    scans = _conversation(scanner, [first, second])
    assert scans[1].kinds == ("password",) and secret not in scans[1].redacted_text


@pytest.mark.parametrize("second", ["now it's working thanks", "now it is ORD-88812 the order"])
def test_what_follows_a_password_message_without_one_stays(scanner, second):
    scans = _conversation(scanner, ["my password doesnt work", second])
    assert scans[1].redacted_text == second


def test_solid_chinese_named_as_a_seed_without_its_checksum(scanner):
    # Copied off paper with one character wrong (or no checksum at all): named by the
    # cue and reading as no Chinese, it is hidden up to the request after it.
    phrase = seed_phrase("chinese_simplified", 128, seed=9).replace(" ", "")
    wrong = phrase[:5] + ("天" if phrase[5] != "天" else "地") + phrase[6:]
    result = scanner.scan(f"我的助记词是{wrong}帮我看看钱包里的币还在不在")
    # 是 goes with it: it may be the phrase's own first character.
    assert result.redacted_text == "我的助记词[REDACTED:seed_phrase]帮我看看钱包里的币还在不在"


def test_phrase_words_typed_straight_after_chinese_are_words(scanner):
    # "后面6个chuckle …": read as one word "个chuckle", the phrase's first word stayed in
    # clear (holdout8 secrets suite); the Chinese after its last word is no mistyped word of it.
    words = seed_phrase("english", 128, seed=11).split()
    scans = _conversation(scanner, ["助记词前6个：" + " ".join(words[:6]),
                                    "后面6个" + " ".join(words[6:]) + "可能有一个拼错了"])
    assert scans[0].redacted_text == "助记词前6个：[REDACTED:seed_phrase]"
    assert scans[1].redacted_text == "后面6个[REDACTED:seed_phrase]可能有一个拼错了"


@pytest.mark.parametrize("first,second,secret,kind", [
    ("제 비밀번호 필요하신 거죠?", '"고양이천국" 이에요', "고양이천국", "password"),
    ("パスワードが必要ですか？", "はい、ひまわり77です", "ひまわり77", "password"),
    ("вам пароль мой нужен что ли?", "ну вот он: медвежонок1987", "медвежонок1987", "password"),
    ("Operatore: ci invii il codice ricevuto via SMS per favore", "eccolo 918 447", "918 447",
     "otp_code"),
])
def test_the_value_asked_for_given_with_a_presenting_word_or_copula(scanner, first, second,
                                                                    secret, kind):
    scans = _conversation(scanner, [first, second])
    assert scans[1].kinds == (kind,) and secret not in scans[1].redacted_text


@pytest.mark.parametrize("second", ["네 감사합니다", "ok thanks!", "はい、わかりました"])
def test_a_plain_answer_to_the_question_stays(scanner, second):
    scans = _conversation(scanner, ["do you need my password?", second])
    assert scans[1].redacted_text == second


@pytest.mark.parametrize("bits", [128, 256])
def test_solid_chinese_halves_over_two_messages_with_a_request_after(scanner, bits):
    # 0.11.16 review: windows merged over the request after the rest ("…这是后面的部分请
    # 帮我查一下") kept the rest from completing the held half, and both went out in
    # clear; a half with a common word in it was not held at all.
    rng = random.Random(bits)
    words = Mnemonic("chinese_simplified")
    for _ in range(40):
        phrase = words.to_mnemonic(rng.randbytes(bits // 8)).replace(" ", "")
        half = len(phrase) // 2
        first, second = _conversation(scanner, ["助记词前半：" + phrase[:half],
                                                "后半：" + phrase[half:] + "帮我看看钱包"])
        assert first.withheld_tail == phrase[:half] or "seed_phrase" in first.kinds, phrase
        if first.withheld_tail:
            assert second.carried == "secret", phrase
        hidden = [(s.start, s.end) for s in second.spans if not s.withheld]
        assert all(any(a <= k < b for a, b in hidden) for k in range(3, 3 + len(phrase) - half))


def test_held_solid_chinese_stays_hidden_when_no_rest_came():
    from bot.nlu.secrets import still_secret

    phrase = seed_phrase("chinese_simplified", 128, seed=12).replace(" ", "")
    assert still_secret(phrase[:6]) and not still_secret("我已经发给你了")


def test_a_phrase_alone_with_two_common_words_is_still_a_phrase(scanner):
    # 0.11.16 review: a valid phrase whose words and frequent characters added up to the
    # first cut (0.4) read as Chinese.
    assert scanner.scan("队醒潮独长腊疯成熟中将斥").redacted_text == "[REDACTED:seed_phrase]"


def test_a_held_half_after_a_label_is_completed(scanner):
    # The second review: "助记词前半<half>" holds the label with the half; the rest must
    # complete it wherever the phrase starts in the held characters.
    rng = random.Random(21)
    words = Mnemonic("chinese_simplified")
    for _ in range(30):
        phrase = words.to_mnemonic(rng.randbytes(16)).replace(" ", "")
        first, second = _conversation(scanner, ["助记词前半" + phrase[:6], "后半：" + phrase[6:]])
        assert phrase[:6] in (first.withheld_tail or "") and second.carried == "secret"
        assert phrase[6:] not in second.redacted_text


@pytest.mark.parametrize("text", ["退钱退钱退钱退钱退钱退钱，帮我看看",
                                  "急急急急急急急急急急急急急急！"])
def test_the_same_characters_over_again_are_no_phrase(scanner, text):
    scans = _conversation(scanner, ["我的助记词被盗了怎么办", text])
    assert scans[1].redacted_text == text


def test_held_characters_repeated_are_published_at_the_timeout():
    from bot.nlu.secrets import still_secret

    assert not still_secret("急急急急急急急急急急急急")
    assert not still_secret("一三八零零一三八零零零零")


@pytest.mark.parametrize("messages,secret", [
    (["le code 2FA c'est", "attendez", "532 265"], "532 265"),
    (["mã OTP đây", "đợi xíu", "306 160"], "306 160"),
    (["perdi o celular, tenho os códigos reserva", "peraí", "7d0g-xcaf gemy-k9hl"], "gemy-k9hl"),
])
def test_an_aside_keeps_what_the_conversation_waits_for(scanner, messages, secret):
    # holdout10 (spent): the value after "wait" was stored in clear.
    scans = _conversation(scanner, messages)
    assert scans[2].kinds == ("otp_code",) and secret not in scans[2].redacted_text


def test_an_aside_keeps_a_held_chinese_half():
    scanner = SecretScanner()
    phrase = seed_phrase("chinese_simplified", 128, seed=14).replace(" ", "")
    first = scanner.scan("助记词前半：" + phrase[:6])
    held = Carried(first.withheld_tail or "", first.tail_context, first.seed_wordlist)
    aside = scanner.scan("稍等", held)
    assert first.withheld_tail == phrase[:6] and aside.carried == "kept"
    rest = scanner.scan("后半：" + phrase[6:], held)  # still held: the engine carries it on
    assert rest.carried == "secret" and phrase[6:] not in rest.redacted_text


def test_backup_codes_of_one_shape_are_hidden_together(scanner):
    text = "Meine Backup-Codes:\nzbdc-6vww\nmiky-bmsk\n9pwt-af64\nwelchen soll ich nehmen?"
    assert scanner.scan(text).redacted_text == (
        "Meine Backup-Codes:\n[REDACTED:otp_code]\n[REDACTED:otp_code]\n[REDACTED:otp_code]\n"
        "welchen soll ich nehmen?")


def test_a_cantonese_named_phrase(scanner):
    phrase = seed_phrase("chinese_traditional", 128, seed=15).replace(" ", "")
    wrong = phrase[:4] + ("個" if phrase[4] != "個" else "的") + phrase[5:]
    result = scanner.scan(f"唔該幫手睇下，我個助記詞係{wrong}，匯入唔到")
    assert result.redacted_text == "唔該幫手睇下，我個助記詞[REDACTED:seed_phrase]，匯入唔到"
