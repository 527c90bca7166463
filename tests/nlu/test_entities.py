import pytest

from bot.nlu.entities import EntityExtractor, names_only

TX = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"


@pytest.fixture(scope="module")
def extractor() -> EntityExtractor:
    return EntityExtractor()


def labels(extractor, text):
    return {(e.label, e.text) for e in extractor.extract(text)}


def test_hash_inside_chinese_text(extractor):
    found = labels(extractor, f"提现{TX}没到账 500u TRC20")
    assert ("tx_hash", TX) in found
    assert ("amount", "500u") in found
    assert ("network", "TRC20") in found


def test_addresses(extractor):
    text = ("to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq and "
            "0x52908400098527886E0F7030069857D2E4169EE7 and "
            "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8 and 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
    found = labels(extractor, text)
    assert {label for label, _ in found} >= {"btc_address", "evm_address", "tron_address"}
    assert ("btc_address", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa") in found


def test_random_word_with_bad_checksum_is_not_an_address(extractor):
    assert not any(e.label == "tron_address"
                   for e in extractor.extract("TJRabPrwbZy45sbavfcjinPJC18kjpRTv9"))


def test_ids_in_several_languages(extractor):
    assert ("order_id", "ORD-8812345") in labels(extractor, "order ORD-8812345 not filled")
    assert ("order_id", "123456789") in labels(extractor, "订单号123456789一直没成交")
    assert ("order_id", "98765432") in labels(extractor, "注文番号 98765432 が約定しない")
    assert ("ticket_id", "#48213") in labels(extractor, "工单#48213 有进展吗")
    assert ("uid", "12345678") in labels(extractor, "my uid 12345678")
    assert ("email", "bob.smith@gmail.com") in labels(extractor, "mail bob.smith@gmail.com pls")
    assert ("email", "abc@mail.com") in labels(extractor, "邮箱是abc@mail.com没收到")
    assert ("order_id", "ORD-123456") in labels(extractor, "订单ORD-123456没成交")


@pytest.mark.parametrize(
    ("text", "amount", "asset"),
    [("sent 0.35 btc", 0.35, "BTC"), ("2万U", 20000.0, "USDT"),
     ("1,500.50 USDT", 1500.5, "USDT"), ("20.000 USDT", 20000.0, "USDT"),
     ("0,5 ETH", 0.5, "ETH"), ("$20k", 20000.0, "USD"), ("3個BTC", 3.0, "BTC"),
     # Chinese written straight after the ticker, and thousands the way each language
     # writes them.
     ("提现5000USDT还没到", 5000.0, "USDT"), ("2万USDT没到账", 20000.0, "USDT"),
     ("позицию на 40к USDT ликвидировали", 40000.0, "USDT"),
     ("пропали 40 тыс USDT", 40000.0, "USDT"), ("4만 USDT 출금", 40000.0, "USDT"),
     ("perdí 40 mil USDT", 40000.0, "USDT"), ("1 Mio USDT weg", 1000000.0, "USDT")],
)
def test_amounts(extractor, text, amount, asset):
    found = [e for e in extractor.extract(text) if e.label == "amount"]
    assert found and found[0].value == {"amount": amount, "asset": asset}


@pytest.mark.parametrize(("text", "only"), [
    ("USDT", True), ("usdt??", True), ("eth trc20", True), ("500 USDT", True),
    ("ERC-20 / BEP-20", True), ("my USDT is gone", False), ("USDT?? help", False),
    ("", False), ("123", True),
])
def test_a_message_of_coin_and_network_names_only(text, only):
    assert names_only(text) is only


@pytest.mark.parametrize("text", ["USDT", "usdt!!", "ETH TRC20"])
def test_a_coin_name_alone_raises_no_incident(shipped_nlu, text):  # type: ignore[no-untyped-def]
    from bot.nlu.understanding import ParseContext

    understood = shipped_nlu.parse(text, ParseContext())
    assert understood.incident is None and understood.urgency != "P1", understood


def test_an_incident_that_names_a_coin_is_still_one(shipped_nlu):  # type: ignore[no-untyped-def]
    from bot.nlu.understanding import ParseContext

    understood = shipped_nlu.parse("someone withdrew all my USDT, it was not me",
                                   ParseContext())
    assert understood.urgency == "P1"
