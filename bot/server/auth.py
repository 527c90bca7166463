"""Agent authentication: a bearer token from POST /api/v1/agent/login (or the console's
session cookie). No default account exists: `supportbot agent add` creates them."""

from __future__ import annotations

from fastapi import HTTPException, Request, status

from handoff.agents import Session

SESSION_COOKIE = "supportbot_session"


def current_session(request: Request) -> Session:
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
