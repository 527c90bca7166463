"""Agent authentication: a bearer token from POST /api/v1/agent/login (or the console's
session cookie), then the second factor (bot.agent_auth). No default account exists:
`supportbot agent add` creates them.

`current_session` is what every agent route depends on: it refuses a session that has
not passed the second factor (403, code `second_factor_required`). Only the sign-in
steps themselves (enrol, verify, log out) take `password_session`."""

from __future__ import annotations

from fastapi import HTTPException, Request, status

from handoff.agents import Session
from handoff.second_factor import passed

SESSION_COOKIE = "supportbot_session"
SECOND_FACTOR_REQUIRED = "second_factor_required"


class CodedError(HTTPException):
    """An error whose body also carries a machine-readable `code` (see app.py)."""

    def __init__(self, status_code: int, code: str, detail: str,
                 headers: dict[str, str] | None = None):
        super().__init__(status_code, detail, headers)
        self.code = code


def password_session(request: Request) -> Session:
    """The session of the bearer token or cookie, whether or not it passed the second
    factor."""
    services = request.app.state.services
    token = ""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
    elif SESSION_COOKIE in request.cookies:
        token = request.cookies[SESSION_COOKIE]
        # Cookies ride along on cross-site requests: state changes need the CSRF token too.
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            session = services.agents.session(token)
            if session is None or request.headers.get("x-csrf-token") != session.csrf_token:
                raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token")
            return session
    session = services.agents.session(token) if token else None
    if session is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "log in as an agent first",
                            headers={"WWW-Authenticate": "Bearer"})
    return session


def current_session(request: Request) -> Session:
    """A session that passed the second factor (or needs none: `agents.second_factor:
    optional` and the agent never enrolled)."""
    session = password_session(request)
    if not passed(session, request.app.state.services.settings.agents.second_factor):
        raise CodedError(status.HTTP_403_FORBIDDEN, SECOND_FACTOR_REQUIRED,
                         "enter the code from your authenticator app first" if session.enrolled
                         else "set up your authenticator app first (two-factor sign-in)")
    return session
