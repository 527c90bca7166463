"""The test's authenticator app: the helpers that sign agents in (tests/conftest.py
`agent_headers`, the browser's `agent_login`, the fuzzer's session) pass the second
factor with real TOTP codes computed here by pyotp from the secret enrolment returned."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pyotp

from bot.agent_auth.codes import STEP_SECONDS, WINDOW

BASE = "/api/v1/agent/second-factor"


class Phone:
    """One agent's authenticator, with the recovery codes they saved."""

    def __init__(self, secret: str):
        self.secret = secret
        self.recovery_codes: list[str] = []
        self.last_step: int | None = None

    def code(self) -> str:
        """A code the server has not seen: now's, or the next step's (inside its window)
        when now's was used by an earlier sign-in, else a recovery code."""
        now = int(time.time() // STEP_SECONDS)
        for step in range(now, now + WINDOW + 1):
            if self.last_step is None or step > self.last_step:
                self.last_step = step
                return pyotp.TOTP(self.secret).at(step * STEP_SECONDS)
        return self.recovery_codes.pop()


Post = Callable[..., Any]  # (path, json=..., headers=...) -> a response with .json()


def pass_second_factor(post: Post, token: str, state: str, username: str,
                       phones: dict[str, Phone]) -> None:
    """After a password login that answered `second_factor: state`: enrol (first time)
    or verify with a fresh code, over HTTP like any client."""
    headers = {"Authorization": f"Bearer {token}"}
    if state == "passed":
        return
    if state == "enrol":
        response = post(f"{BASE}/enrol", headers=headers)
        assert response.status_code == 200, response.text
        phone = Phone(response.json()["secret"])
        response = post(f"{BASE}/enrol/confirm", json={"code": phone.code()}, headers=headers)
        assert response.status_code == 200, response.text
        phone.recovery_codes = list(response.json()["recovery_codes"])
        phones[username] = phone
        return
    response = post(f"{BASE}/verify", json={"code": phones[username].code()}, headers=headers)
    assert response.status_code == 200, response.text
