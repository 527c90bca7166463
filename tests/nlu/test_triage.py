from bot.config import TriageSettings
from bot.nlu.entities import EntityExtractor
from bot.nlu.triage import (
    CREDENTIALS_GIVEN_AWAY,
    DISTRESS,
    LARGE_AMOUNT,
    SECURITY_INCIDENT,
    TIME_PRESSURE,
    triage,
)

SETTINGS = TriageSettings()
EXTRACT = EntityExtractor()


def run(intent, text, probs=None, secrets=()):
    probs = probs or {intent: 0.9}
    return triage(intent, probs, text, EXTRACT.extract(text), secrets, SETTINGS)


def test_base_urgency_from_the_table():
    assert run("deposit_howto", "how do i deposit").urgency == "P4"
    assert run("deposit_missing", "deposit not arrived").urgency == "P3"
    assert run("reset_2fa", "lost my phone with authenticator").urgency == "P2"
    assert run("request_human", "agent please").urgency == "P3"
    assert run("greet", "hello").urgency == "P4"


def test_raised_one_level_for_distress_amount_or_time():
    assert run("deposit_missing", "WHERE IS MY DEPOSIT, THIS IS RIDICULOUS").urgency == "P2"
    result = run("withdrawal_delay", "提现 2万U 还没到")
    assert result.urgency == "P2" and LARGE_AMOUNT in result.flags
    result = run("order_problem", "order stuck, need it fixed urgente")
    assert result.urgency == "P2" and TIME_PRESSURE in result.flags
    # Several signs still raise once.
    assert run("deposit_missing", "URGENT!!! 50000 USDT deposit missing wtf").urgency == "P2"


def test_conversational_intents_are_not_raised():
    assert run("thanks", "THANK YOU SO MUCH!!!").urgency == "P4"
    assert DISTRESS in run("request_human", "human now!!!").flags
    assert run("request_human", "human now!!!").urgency == "P2"


def test_futures_how_it_works_is_p3():
    assert run("futures_liquidation", "how is the liquidation price calculated?").urgency == "P3"
    assert run("futures_liquidation", "强平价格怎么算").urgency == "P3"
    assert run("futures_liquidation", "I got liquidated, how is that possible?").urgency == "P2"


def test_liquidation_words_count_even_when_the_classifier_guessed_otherwise():
    # The classifier read this as a withdrawal (P3); the words say liquidation (P2), and
    # the distress raises it to P1.
    text = "позицию на 40к USDT ликвидировали за секунду на фитиле!!! верните деньги"
    assert run("withdrawal_delay", text).urgency == "P1"
    assert run("withdrawal_delay", "my withdrawal is late").urgency == "P3"


def test_phishing_with_credentials_given_is_p1():
    assert run("phishing_scam", "is this site official?").urgency == "P2"
    for text in ["I gave my seed phrase to a guy from support",
                 "把助记词给了客服", "サポートと名乗る人にシードフレーズを教えてしまいました",
                 "le di mi frase semilla a un falso soporte"]:
        result = run("phishing_scam", text)
        assert result.urgency == "P1" and CREDENTIALS_GIVEN_AWAY in result.flags, text


def test_pasted_secret_is_p1_whatever_the_intent():
    assert run("greet", "hello", secrets=("seed_phrase",)).urgency == "P1"


def test_security_net_catches_takeover_under_another_intent():
    result = run("login_problem", "someone changed my email and my account is hacked")
    assert result.urgency == "P1" and SECURITY_INCIDENT in result.flags
    # The classifier's second guess alone is enough.
    probs = {"login_problem": 0.6, "account_hacked": 0.3}
    assert run("login_problem", "cant get in", probs).urgency == "P1"


def test_typed_credentials_or_sent_funds_in_a_scam_are_p1():
    for text in ["j'ai tapé mon mot de passe sur un faux site",
                 "перевел 0.5 ETH на адрес из раздачи, ничего не вернули",
                 "I sent 300 usdt to the giveaway address"]:
        assert run("phishing_scam", text).urgency == "P1", text
