"""Sign-in throttling: growing delays, a clear 429 with Retry-After, no lock-out of the
real agent, nothing that tells which accounts exist, guesses sent at once judged in turn."""

from __future__ import annotations

import threading

from bot.server.login_throttle import LoginThrottle
from tests.conftest import AGENT_PASSWORD


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_delays_grow_and_are_capped_per_account_and_address():  # type: ignore[no-untyped-def]
    clock = Clock()
    throttle = LoginThrottle(free=5, account_cap=30, address_cap=900, clock=clock)
    waits = []
    for _ in range(12):
        waits.append(throttle.retry_after("alice", "10.0.0.1"))
        throttle.failed("alice", "10.0.0.1")
        clock.now += 0.001
    assert waits[:5] == [0] * 5 and waits[5:8] == [1, 2, 4]  # five free, then doubling
    assert throttle.retry_after("alice", "10.0.0.1") >= 128  # 2^7 after twelve failures
    # Another address: alice herself waits only the account's cap, never a lock.
    assert throttle.retry_after("Alice", "10.0.0.2") <= 30
    clock.now += 30
    assert throttle.retry_after("alice", "10.0.0.2") == 0
    # The guessing address stays slowed down for any account.
    assert throttle.retry_after("bob", "10.0.0.1") > 0
    throttle.succeeded("alice", "10.0.0.2")
    assert throttle.retry_after("alice", "10.0.0.2") == 0


def test_two_hundred_wrong_passwords_then_the_right_one(client, services):  # type: ignore[no-untyped-def]
    services.agents.add("alice", AGENT_PASSWORD, ["en"], 3)
    clock = Clock()
    client.app.state.login_throttle = LoginThrottle(clock=clock)
    statuses = []
    for i in range(200):
        response = client.post("/api/v1/agent/login",
                               json={"username": "alice", "password": f"guess-{i}"})
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) >= 1
            assert "Try again in" in response.json()["detail"]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    # During the delay even the right password gets the same 429 (no oracle) ...
    right = {"username": "alice", "password": AGENT_PASSWORD}
    assert client.post("/api/v1/agent/login", json=right).status_code == 429
    # ... and once the delay has passed it works.
    clock.now += 60
    response = client.post("/api/v1/agent/login", json=right)
    assert response.status_code == 200, response.text


def test_unknown_names_are_treated_like_known_ones(client, services):  # type: ignore[no-untyped-def]
    services.agents.add("carol", AGENT_PASSWORD, ["en"], 3)
    client.app.state.login_throttle = LoginThrottle(clock=Clock())
    for name in ("carol", "nobody-by-this-name"):
        statuses = [client.post("/api/v1/agent/login",
                                json={"username": name, "password": "wrong"}).status_code
                    for _ in range(7)]
        # Counted per account and per address: the address has used its free tries on
        # carol, so the unknown name is throttled from the start, exactly as a known one.
        assert set(statuses) <= {401, 429}
    details = {client.post("/api/v1/agent/login", json={"username": n, "password": "x"})
               .json()["detail"] for n in ("carol", "nobody-by-this-name")}
    assert len(details) == 1


def test_guesses_sent_at_once_are_judged_in_turn(client, services):  # type: ignore[no-untyped-def]
    services.agents.add("dave", AGENT_PASSWORD, ["en"], 3)
    client.app.state.login_throttle = LoginThrottle(clock=Clock())
    statuses: list[int] = []
    barrier = threading.Barrier(30)

    def guess(i: int) -> None:
        barrier.wait()
        statuses.append(client.post("/api/v1/agent/login",
                                    json={"username": "dave", "password": f"g{i}"}).status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(401) == 5 and statuses.count(429) == 25
