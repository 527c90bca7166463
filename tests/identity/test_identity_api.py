"""Verified identity over HTTP: the widget's signed token (on opening a conversation or
later), the exchange's link-code endpoint, and what the desk sees in packet and queue."""

from __future__ import annotations

import hashlib
import time

import pytest
from sqlalchemy import select

from bot.identity.service import API_KEY_ENV, SECRET_ENV
from bot.identity.tokens import sign
from bot.storage.schema import conversations, link_codes
from tests.conftest import make_services
from tests.server.helpers import open_conversation, say

SECRET = "test identity secret, forty characters.."
API_KEY = "test exchange api key, also long enough"


@pytest.fixture
def services(settings, tiny_nlu, sqlite_url, monkeypatch):  # type: ignore[no-untyped-def]
    # The small real model: these tests are about identity, not understanding.
    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.setenv(API_KEY_ENV, API_KEY)
    built = make_services(settings, tiny_nlu, sqlite_url)
    yield built
    built.db.dispose()


def token(uid="U1001", email="mei@example.com", ttl=600, secret=SECRET):  # type: ignore[no-untyped-def]
    expires = int(time.time()) + ttl
    return {"uid": uid, "email": email, "expires": expires,
            "signature": sign(secret.encode(), uid, email, expires)}


def _row(services, conversation_id):  # type: ignore[no-untyped-def]
    with services.db.connect() as connection:
        return connection.execute(select(conversations).where(
            conversations.c.id == conversation_id)).first()


def _count(services, table):  # type: ignore[no-untyped-def]
    with services.db.connect() as connection:
        return len(connection.execute(select(table)).all())


def _case(client, headers, conversation_id):  # type: ignore[no-untyped-def]
    items = client.get("/api/v1/agent/queue", headers=headers).json()["items"]
    item = next(i for i in items if i["conversation_id"] == conversation_id)
    return item, client.get(f"/api/v1/agent/handoffs/{item['id']}", headers=headers).json()


def test_a_good_token_verifies_the_conversation_and_the_desk_sees_it(client, services,
                                                                    agent_headers):
    response = client.post("/api/v1/conversations", json={"channel": "web",
                                                           "identity": token()})
    assert response.status_code == 201, response.text
    opened = response.json()
    assert opened["identity"] == {"verified": True, "uid": "U1001", "email": "mei@example.com",
                                  "via": "widget"}
    row = _row(services, opened["id"])
    assert (row.verified_uid, row.verified_email) == ("U1001", "mei@example.com")
    assert row.verified_at == pytest.approx(time.time(), abs=30)
    assert client.get(f"/api/v1/conversations/{opened['id']}").json()["identity"]["verified"]

    say(client, opened["id"], "/request_human")
    item, case = _case(client, agent_headers(), opened["id"])
    assert item["identity"]["verified"] is True and item["identity"]["uid"] == "U1001"
    assert case["packet"]["identity"] == {"verified": True, "uid": "U1001",
                                          "email": "mei@example.com", "via": "widget"}
    assert case["packet"]["identity_warning"] is False


@pytest.mark.parametrize("bad,status,words", [
    (token(secret="a forged secret that the exchange never had"), 401, "does not match"),
    (token(ttl=-3600), 401, "expired"),
    ({**token(), "email": "thief@example.com"}, 401, "does not match"),  # tampered
    ({**token(), "uid": "U1002"}, 401, "does not match"),
    ({**token(), "signature": "0" * 65}, 422, "signature"),  # oversize
    ({**token(), "uid": "U1\n001"}, 422, "uid"),
    ({**token(), "extra": "field"}, 422, "extra"),
])
def test_a_bad_token_is_refused_and_opens_nothing(client, services, bad, status, words):
    before = _count(services, conversations)
    response = client.post("/api/v1/conversations", json={"channel": "web", "identity": bad})
    assert response.status_code == status, response.text
    assert words in str(response.json()["detail"])
    assert _count(services, conversations) == before
    # The widget then opens it without one: the trader is helped, unverified.
    conversation_id = open_conversation(client)
    assert _row(services, conversation_id).verified_uid is None


def test_a_conversation_verified_later_and_a_bad_token_changes_nothing(client, services):
    conversation_id = open_conversation(client)
    path = f"/api/v1/conversations/{conversation_id}/identity"
    refused = client.post(path, json=token(ttl=-600))
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]
    assert _row(services, conversation_id).verified_uid is None
    assert client.post(path, json={**token(), "signature": "x"}).status_code == 422
    say(client, conversation_id, "hello")  # the conversation goes on

    accepted = client.post(path, json=token(uid="U77", email=""))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {"verified": True, "uid": "U77", "email": None, "via": "widget"}
    row = _row(services, conversation_id)
    assert (row.verified_uid, row.verified_email) == ("U77", None)
    # Another account's token cannot take the conversation over.
    other = client.post(path, json=token(uid="U78"))
    assert other.status_code == 409 and "another exchange account" in other.json()["detail"]
    assert _row(services, conversation_id).verified_uid == "U77"
    assert client.post("/api/v1/conversations/nope/identity", json=token()).status_code == 404


def test_account_changing_help_to_an_unverified_trader_is_flagged(client, services,
                                                                  agent_headers):
    conversation_id = open_conversation(client)
    say(client, conversation_id, "someone logged into my account")
    say(client, conversation_id, "/request_human")
    headers = agent_headers()
    item, case = _case(client, headers, conversation_id)
    assert case["handoff"]["intent"] == "account_hacked"
    assert item["identity"] == {"verified": False, "via": None}
    assert case["packet"]["identity"] == {"verified": False, "via": None}
    assert case["packet"]["identity_warning"] is True
    # Verified while waiting: the card and the packet say so at once, the warning goes.
    client.post(f"/api/v1/conversations/{conversation_id}/identity", json=token())
    item, case = _case(client, headers, conversation_id)
    assert item["identity"]["verified"] and case["packet"]["identity"]["verified"]
    assert case["packet"]["identity_warning"] is False


def test_link_codes_need_the_exchanges_key_and_are_stored_hashed(client, services):
    path = "/api/v1/identity/link-codes"
    assert client.post(path, json={"uid": "U1"}).status_code == 401
    wrong = client.post(path, json={"uid": "U1"},
                        headers={"Authorization": "Bearer " + API_KEY[:-1] + "x"})
    assert wrong.status_code == 401 and "API key" in wrong.json()["detail"]
    good = {"Authorization": f"Bearer {API_KEY}"}
    assert client.post(path, json={"uid": "U 1"}, headers=good).status_code == 422
    assert client.post(path, json={"uid": "U1", "ttl_seconds": 5}, headers=good
                       ).status_code == 422
    made = client.post(path, json={"uid": "U1", "ttl_seconds": 300}, headers=good)
    assert made.status_code == 201, made.text
    code = made.json()["code"]
    assert made.json()["expires_at"] == pytest.approx(time.time() + 300, abs=30)
    with services.db.connect() as connection:
        rows = connection.execute(select(link_codes)).all()
    assert [r.code_hash for r in rows] == [
        hashlib.sha256(code.replace("-", "").encode()).hexdigest()]
    assert code not in str([tuple(r) for r in rows])


def test_without_secrets_identity_is_off_and_says_so(settings, tiny_nlu, tmp_path,
                                                     monkeypatch):
    from fastapi.testclient import TestClient

    from bot.server.app import create_app

    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    built = make_services(settings, tiny_nlu, f"sqlite:///{tmp_path / 'off.sqlite3'}")
    try:
        with TestClient(create_app(built, background=False)) as off:
            refused = off.post("/api/v1/conversations", json={"identity": token()})
            assert refused.status_code == 409 and SECRET_ENV in refused.json()["detail"]
            opened = off.post("/api/v1/conversations", json={}).json()
            assert opened["identity"] == {"verified": False, "uid": None, "email": None,
                                          "via": None}
            linking = off.post("/api/v1/identity/link-codes", json={"uid": "U1"},
                               headers={"Authorization": f"Bearer {API_KEY}"})
            assert linking.status_code == 404 and API_KEY_ENV in linking.json()["detail"]
    finally:
        built.db.dispose()


def test_a_short_secret_stops_the_start(monkeypatch):
    from bot.errors import ConfigError
    from bot.identity.service import status_line

    monkeypatch.setenv(SECRET_ENV, "short")
    with pytest.raises(ConfigError, match="openssl rand"):
        status_line()
    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    assert status_line() == ("widget tokens on; Telegram link codes off (set "
                             f"{API_KEY_ENV})")
