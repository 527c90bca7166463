"""Bad requests get the right status and never lose a stored message."""

from __future__ import annotations

from tests.server.helpers import open_conversation, say


def test_unknown_conversation_404(client):
    assert client.post("/api/v1/conversations/nope/messages",
                       json={"text": "hi"}).status_code == 404
    assert client.get("/api/v1/conversations/nope/messages").status_code == 404


def test_text_over_the_limit_413(client, settings, services):
    conversation = open_conversation(client)
    say(client, conversation, "hello")
    response = client.post(f"/api/v1/conversations/{conversation}/messages",
                           json={"text": "x" * (settings.limits.max_message_chars + 1)})
    assert response.status_code == 413 and "limited" in response.json()["detail"]
    assert [m["text"] for m in services.dialogue.store.messages_after(conversation)
            if m["author"] == "user"] == ["hello"]


def test_a_body_over_64_kib_is_refused_before_it_is_read(client, services):
    from bot.server.app import MAX_BODY_BYTES

    conversation = open_conversation(client)
    say(client, conversation, "hello")
    big = b'{"text": "' + b"x" * MAX_BODY_BYTES + b'"}'
    url = f"/api/v1/conversations/{conversation}/messages"
    declared = client.post(url, content=big, headers={"content-type": "application/json"})
    assert declared.status_code == 413 and declared.json() == {
        "detail": "request body too large"}
    # Chunked upload, no Content-Length: the bytes are counted as they arrive.
    chunked = client.post(url, content=iter([big[:40_000], big[40_000:]]),
                          headers={"content-type": "application/json"})
    assert chunked.status_code == 413
    assert [m["text"] for m in services.dialogue.store.messages_after(conversation)
            if m["author"] == "user"] == ["hello"]
    assert say(client, conversation, "thanks")["message_id"] > 0


def test_invalid_json_422(client):
    conversation = open_conversation(client)
    response = client.post(f"/api/v1/conversations/{conversation}/messages",
                           content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert client.post(f"/api/v1/conversations/{conversation}/messages",
                       json={"txt": "typo"}).status_code == 422


def test_agent_endpoints_need_credentials_401(client, agent_headers):
    assert client.get("/api/v1/agent/queue").status_code == 401
    assert client.get("/api/v1/agent/queue",
                      headers={"Authorization": "Bearer forged"}).status_code == 401
    agent_headers("alice")
    assert client.post("/api/v1/agent/login",
                       json={"username": "alice", "password": "wrong"}).status_code == 401
    assert client.post("/api/v1/agent/login",
                       json={"username": "nobody", "password": "x" * 12}).status_code == 401


def test_claiming_a_held_conversation_409_and_reply_after_close_409(client, agent_headers):
    conversation = open_conversation(client)
    handoff = say(client, conversation, "human please")["handoff"]["id"]
    alice, bob = agent_headers("alice"), agent_headers("bob")
    assert client.post(f"/api/v1/agent/handoffs/{handoff}/claim", headers=alice).status_code == 200
    assert client.post(f"/api/v1/agent/handoffs/{handoff}/claim", headers=bob).status_code == 409
    assert client.post(f"/api/v1/agent/handoffs/{handoff}/reply", headers=bob,
                       json={"text": "hi"}).status_code == 409
    assert client.post(f"/api/v1/agent/handoffs/{handoff}/close", headers=alice,
                       json={"resolution": "done"}).status_code == 200
    assert client.post(f"/api/v1/agent/handoffs/{handoff}/reply", headers=alice,
                       json={"text": "one more thing"}).status_code == 409
    assert client.post("/api/v1/agent/handoffs/999999/claim", headers=alice).status_code == 404


def test_health_metrics_openapi(client):
    assert client.get("/healthz").json()["status"] == "ok"
    conversation = open_conversation(client)
    say(client, conversation, "human")
    body = client.get("/metrics").text
    assert "supportbot_messages_total" in body and "supportbot_queue_length" in body
    assert 'supportbot_handoffs_total{priority="P3",reason="user_request"}' in body
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/conversations/{conversation_id}/messages" in paths
    assert "/api/v1/agent/handoffs/{handoff_id}/claim" in paths


def _ids_at_the_edge(client, headers):  # type: ignore[no-untyped-def]
    conversation = open_conversation(client)
    big, beyond = 2**31, 2**63
    assert client.get(f"/api/v1/conversations/{conversation}/messages",
                      params={"after": big}).status_code == 200
    assert client.get(f"/api/v1/conversations/{conversation}/messages",
                      params={"after": beyond}).status_code == 422
    for path in ("claim", "release"):
        assert client.post(f"/api/v1/agent/handoffs/{big}/{path}",
                           headers=headers).status_code == 404
        assert client.post(f"/api/v1/agent/handoffs/{beyond}/{path}",
                           headers=headers).status_code == 422
    assert client.get(f"/api/v1/agent/handoffs/{big}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/agent/handoffs/{beyond}", headers=headers).status_code == 422
    assert client.get(f"/api/v1/agent/handoffs/{big}", headers=headers,
                      params={"after": beyond}).status_code == 422


def test_ids_beyond_the_keys_range_are_422_not_500(client, agent_headers):
    _ids_at_the_edge(client, agent_headers("alice"))


def test_ids_beyond_4_bytes_on_postgres(settings, shipped_nlu, postgres_url):
    from fastapi.testclient import TestClient

    from bot.server.app import create_app
    from tests.authenticator import pass_second_factor
    from tests.conftest import AGENT_PASSWORD, make_services

    services = make_services(settings, shipped_nlu, postgres_url)
    try:
        services.agents.add("pg_alice", AGENT_PASSWORD, ["en"], 3)
        with TestClient(create_app(services, background=False)) as client:
            login = client.post("/api/v1/agent/login", json={
                "username": "pg_alice", "password": AGENT_PASSWORD}).json()
            token = login["token"]
            client.cookies.clear()
            pass_second_factor(client.post, token, login["second_factor"], "pg_alice", {})
            _ids_at_the_edge(client, {"Authorization": f"Bearer {token}"})
    finally:
        services.db.dispose()


def test_an_empty_client_id_is_no_id(client, services):
    conversation = open_conversation(client)
    for text in ("first", "second"):
        response = client.post(f"/api/v1/conversations/{conversation}/messages",
                               json={"text": text, "client_message_id": ""})
        assert response.status_code == 200
    assert [m["text"] for m in services.dialogue.store.messages_after(conversation)
            if m["author"] == "user"] == ["first", "second"]


def test_client_numbers_order_what_arrives_out_of_order(client, services):
    import threading

    conversation = open_conversation(client)
    say(client, conversation, "zero", client_seq=1)
    results: dict[str, int] = {}

    def send(text: str, seq: int) -> None:
        results[text] = client.post(f"/api/v1/conversations/{conversation}/messages",
                                    json={"text": text, "client_seq": seq}).status_code

    late = threading.Thread(target=send, args=("beta", 3))
    late.start()  # number 3 arrives first and waits for number 2
    threading.Event().wait(0.5)
    send("alpha", 2)
    late.join()
    assert results == {"alpha": 200, "beta": 200}
    assert [m["text"] for m in services.dialogue.store.messages_after(conversation)
            if m["author"] == "user"] == ["zero", "alpha", "beta"]
    # A number far ahead (a new device) is stored at once, not after a wait.
    assert say(client, conversation, "jump", client_seq=5000)["message_id"]


def test_a_message_with_a_nul_or_a_lone_surrogate_is_stored_not_lost(client, services):
    """A NUL becomes a space and a lone surrogate U+FFFD (the 0.11.13 trial: the first was
    refused with the seed phrase beside it echoed back, the second failed with a 500)."""
    conversation = open_conversation(client)
    phrase = ("trust great ripple crane lumber mesh zone carbon order dizzy follow birth")
    body = ('{"text": "my deposit is missing \\u0000 and \\ud800 here", '
            '"client_message_id": "n\\ud8001", "locale": "en\\udc00"}')
    response = client.post(f"/api/v1/conversations/{conversation}/messages", content=body,
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    stored = [m["text"] for m in services.dialogue.store.messages_after(conversation)
              if m["author"] == "user"]
    assert stored == ["my deposit is missing   and \ufffd here"]
    # A request refused for another field does not echo the message back.
    refused = client.post(f"/api/v1/conversations/{conversation}/messages",
                          json={"text": f"my seed is {phrase}", "locale": "en\x00"})
    assert refused.status_code == 422
    assert "ripple" not in refused.text and refused.json()["detail"][0]["loc"][-1] == "locale"


def test_nul_characters_are_refused_at_the_edge(client):
    conversation = open_conversation(client)
    for body in ({"text": "hi", "client_message_id": "a\x00"},
                 {"text": "hi", "locale": "en\x00"}):
        assert client.post(f"/api/v1/conversations/{conversation}/messages",
                           json=body).status_code == 422
    assert client.post("/api/v1/conversations", json={"user": "x\x00"}).status_code == 422
    assert client.get("/api/v1/conversations/ab%00cd/messages").status_code == 422
