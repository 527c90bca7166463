"""The safety promises through the whole server, checked in the raw SQLite file: what a
user pastes is never stored in clear, split phrases included, and incidents reach P1."""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

from sqlalchemy import select

from bot.conversations.withheld import MARKER, WithheldFragments
from bot.storage.schema import conversations, messages, withheld_fragments
from tests.phrases import seed_phrase
from tests.server.helpers import open_conversation, say

TXID = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"


def raw(sqlite_url: str) -> bytes:
    """Every byte of the database: the file and its write-ahead log."""
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def stored_user_texts(services, conversation_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    with services.db.connect() as connection:
        return list(connection.scalars(select(messages.c.text).where(
            messages.c.conversation_id == conversation_id, messages.c.author == "user")
            .order_by(messages.c.id)))


def test_a_phrase_split_over_two_messages_never_reaches_the_disk(client, services, sqlite_url):
    words = seed_phrase("english", 128).split()
    conversation = open_conversation(client)
    say(client, conversation, " ".join(words[:6]))
    # The first half waits, encrypted: not in the file in clear.
    assert MARKER in stored_user_texts(services, conversation)[0]
    database = raw(sqlite_url)
    assert not any(f" {w} ".encode() in b" " + database + b" " for w in words[:6]
                   if len(w) > 5)
    turn = say(client, conversation, " ".join(words[6:]))
    assert turn["urgency"] == "P1" and turn["state"] == "queued"
    first, second = stored_user_texts(services, conversation)
    assert first == "[REDACTED:seed_phrase]" and "[REDACTED:seed_phrase]" in second
    database = raw(sqlite_url)
    for word in words:
        if len(word) > 5:
            assert word.encode() not in database, word
    with services.db.connect() as connection:
        # Only the fact that a seed was named stays, for reading the next message.
        rows = list(connection.execute(select(withheld_fragments)))
    assert [row.ciphertext for row in rows] == [b""] and rows[0].seed_context


def test_words_that_were_not_a_phrase_come_back_in_clear(client, services):
    conversation = open_conversation(client)
    # Seed words ending a message: held back until the next message.
    say(client, conversation, "wallet garden dragon: zebra absurd ankle")
    assert MARKER in stored_user_texts(services, conversation)[0]
    say(client, conversation, "sorry, how do I deposit usdt?")
    first = stored_user_texts(services, conversation)[0]
    assert first == "wallet garden dragon: zebra absurd ankle"


def test_withheld_words_are_released_after_the_timeout(client, services):
    conversation = open_conversation(client)
    say(client, conversation, "agent please help now")
    assert MARKER in stored_user_texts(services, conversation)[0]
    changed = services.dialogue.withheld.release_expired(
        now=time.time() + services.settings.safety.withhold_seconds + 1)
    assert conversation in changed
    assert stored_user_texts(services, conversation)[0] == "agent please help now"


def test_random_list_words_stay_hidden_after_the_timeout(client, services, sqlite_url):
    """0.11.14 trial: a phrase sent as "words 1-6: …" and "words 7-12: …" was shown whole
    a minute later. Words no sentence has are taken for a phrase's part."""
    conversation = open_conversation(client)
    say(client, conversation, "cactus marble velvet orbit")
    services.dialogue.withheld.release_expired(
        now=time.time() + services.settings.safety.withhold_seconds + 1)
    assert stored_user_texts(services, conversation)[0] == "[REDACTED:seed_phrase]"
    assert b"velvet" not in raw(sqlite_url)


def test_a_fragment_sealed_under_another_key_is_never_shown(client, services):
    conversation = open_conversation(client)
    say(client, conversation, "cactus marble velvet orbit")
    other = WithheldFragments(services.db, services.settings.safety.withhold_seconds,
                              key=b"k" * 32)
    # Another server's key: it leaves the fragment to the server that sealed it …
    other.release_expired(now=time.time() + 3600)
    assert MARKER in stored_user_texts(services, conversation)[0]
    # … until nobody has been able to open it for a day (the key is gone).
    other.release_expired(now=time.time() + 2 * 86400)
    assert stored_user_texts(services, conversation)[0] == "[WITHHELD:unreadable]"


def test_korean_phrase_decomposed_as_wallets_export_it(client, services, sqlite_url):
    phrase = seed_phrase("korean", 128)  # NFKD, as the library writes it
    conversation = open_conversation(client)
    turn = say(client, conversation, f"복구 문구: {phrase}")
    assert turn["urgency"] == "P1"
    database = raw(sqlite_url)
    for word in unicodedata.normalize("NFC", phrase).split()[:12]:
        assert word.encode() not in database


def test_an_unclear_hex_value_is_withheld_and_the_user_asked(client, services, sqlite_url):
    conversation = open_conversation(client)
    turn = say(client, conversation, TXID)
    assert TXID.encode() not in raw(sqlite_url)
    assert any("TXID" in reply["text"] for reply in turn["replies"])
    assert turn["urgency"] != "P1"
    # Sent again with its context it is a transaction id, kept for the agent.
    say(client, conversation, f"TXID {TXID}")
    assert TXID in stored_user_texts(services, conversation)[-1]


def test_a_withheld_value_the_trader_then_calls_a_private_key_goes_to_a_person_at_p1(
        client, sqlite_url):  # type: ignore[no-untyped-def]
    conversation = open_conversation(client)
    say(client, conversation, TXID)
    turn = say(client, conversation, "that was my private key, is my wallet safe?")
    assert turn["state"] == "queued" and turn["handoff"]["priority"] == "P1"
    assert "secret_warning" in [reply["kind"] for reply in turn["replies"]]
    assert TXID.encode() not in raw(sqlite_url)


def test_a_txid_next_to_a_denied_key_survives(client, services):
    conversation = open_conversation(client)
    turn = say(client, conversation,
               f"i never shared my private key! withdrawal {TXID} went out, not me")
    assert TXID in stored_user_texts(services, conversation)[0]
    assert turn["urgency"] == "P1"


def test_passwords_and_codes_in_several_languages_are_not_stored(client, services, sqlite_url):
    cases = {"pw hunter2": "hunter2", "мой пароль hunter77": "hunter77",
             "密码 abc123456": "abc123456", "2fa code is 492 011": "492 011",
             "코드 493017": "493017", "clave secreta: Zk29xLmq81PpQwEr": "Zk29xLmq81PpQwEr"}
    for text, secret in cases.items():
        conversation = open_conversation(client)
        turn = say(client, conversation, text)
        assert turn["urgency"] == "P1", text
        assert secret.encode() not in raw(sqlite_url), text


def test_look_alikes_are_kept_for_the_agent(client, services):
    for text in ["error code 100001 when I withdraw", "referral code 12345678 not applied",
                 "mã giao dịch 12345678 chưa về", "код ошибки 100500 при выводе",
                 "Passwort ist falsch, was tun?", "la contraseña es incorrecta"]:
        conversation = open_conversation(client)
        turn = say(client, conversation, text)
        assert stored_user_texts(services, conversation) == [text], text
        assert turn["urgency"] != "P1", text


def test_the_display_name_is_scanned_too(client, services):
    response = client.post("/api/v1/conversations", json={"channel": "api",
                                                            "user": "pw hunter2"})
    conversation = response.json()["id"]
    with services.db.connect() as connection:
        label = connection.scalar(select(conversations.c.user_label).where(
            conversations.c.id == conversation))
    assert "hunter2" not in label and "[REDACTED:password]" in label


def test_a_scanner_failure_stores_the_message_withheld(client, services, monkeypatch):
    def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("detector bug")

    monkeypatch.setattr(services.nlu.secrets, "scan", broken)
    conversation = open_conversation(client)
    say(client, conversation, "my seed is something only I know")
    assert stored_user_texts(services, conversation) == ["[WITHHELD:scanner_error]"]


def test_takeovers_reach_p1_whatever_the_intent(client):
    for text in ["someone is placing orders with my API key, it wasn't me",
                 "30k USDT 출금한 적 없는데 다 빠져나갔어요!!",
                 "kein Netz mehr auf dem Handy und jetzt ist mein Passwort geändert, SIM-Swap??",
                 "le pase mi frase semilla a un tipo que decia ser soporte"]:
        conversation = open_conversation(client)
        turn = say(client, conversation, text)
        assert turn["urgency"] == "P1" and turn["state"] == "queued", text


def test_alarming_routine_messages_are_not_p1(client):
    for text in ["this exchange is a scam, my withdrawal is pending for 6 hours!!!",
                 "I got a phishing mail, didn't click anything",
                 "how do I enable 2FA?", "新设备登录的提醒是我自己，换了新手机"]:
        conversation = open_conversation(client)
        assert say(client, conversation, text)["urgency"] != "P1", text


def test_a_key_sent_in_two_messages_never_reaches_the_disk(client, services, sqlite_url):
    """The 0.11.13 trial: the second half of a key, and both halves of a WIF key, were
    stored in clear."""
    halves = ("3f9c0b1a77e24d55c1a09b3e6f8d2c4a", "73065400a1068bc93c95b5e594520e5d")
    conversation = open_conversation(client)
    say(client, conversation, f"private key part 1: {halves[0]}")
    say(client, conversation, f"part 2: {halves[1]}")
    wif = ("KzQw6hMr8yqxuj3zHRiUiig8t8", "cwc7uFzBEoXcKemTs8ZQuGzi9P")
    other = open_conversation(client)
    say(client, other, f"key: {wif[0]}")
    say(client, other, wif[1])
    database = raw(sqlite_url)
    for part in (*halves, *wif):
        assert part.encode() not in database, part
    assert stored_user_texts(services, conversation)[1] == "part 2: [REDACTED:private_key]"
    # A transaction id after it is a transaction id.
    say(client, conversation, f"and my deposit txid is {TXID}")
    assert TXID in stored_user_texts(services, conversation)[2]


def test_a_password_named_in_one_message_and_given_in_the_next_is_never_stored(
        client, services, sqlite_url):
    """0.11.14 trial: "do you need my password?" then "ok it's <password>" was stored in
    clear; the first message's expectation travels as a withheld fragment's list."""
    conversation = open_conversation(client)
    say(client, conversation, "do you need my password?")
    say(client, conversation, "ok it's Gx7#kP2!mq9Z")
    assert stored_user_texts(services, conversation)[1] == "ok it's [REDACTED:password]"
    assert b"Gx7#kP2" not in raw(sqlite_url)
    say(client, conversation, "my uid is 48213957")  # the expectation lasts one message
    assert stored_user_texts(services, conversation)[2] == "my uid is 48213957"
