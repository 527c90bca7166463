"""The agent's second sign-in step (bot.agent_auth): status, enrolment, verification,
and a supervisor's reset. These routes (and logout) are the only ones a password-only
session may use; every other agent route depends on bot.server.auth.current_session."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from anyio import to_thread
from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from pydantic import BaseModel, Field

from bot.server.auth import CodedError, current_session, password_session
from bot.server.login_throttle import LoginThrottle
from bot.server.schemas import NO_NUL, _Request, errors
from handoff.agents import AgentError, Session
from handoff.second_factor import Outcome, Result, SecondFactor, State
from handoff.visibility import SUPERVISOR

router = APIRouter(prefix="/api/v1/agent", tags=["agents"], responses=errors(400, 401, 403))

_STATUS = {Outcome.WRONG: 403, Outcome.USED: 403, Outcome.NOT_ENROLLED: 409,
           Outcome.ALREADY_ENROLLED: 409, Outcome.NOT_STARTED: 409}
_WORDS = {Outcome.WRONG: "wrong code",
          Outcome.USED: "this code was used already: wait for the next one in your app",
          Outcome.NOT_ENROLLED: "no authenticator is set up for this account: enrol first",
          Outcome.ALREADY_ENROLLED: "an authenticator is set up already (a supervisor can "
                                    "reset it if the phone is lost)",
          Outcome.NOT_STARTED: "start the enrolment first (POST …/second-factor/enrol)"}


def code_throttle() -> LoginThrottle:
    """Wrong codes slow the next tries down like wrong passwords do, but an account waits
    up to 5 minutes (not 30 s): whoever is guessing already has the password, and a
    6-digit code has only a million values."""
    return LoginThrottle(free=5, account_cap=300.0, address_cap=900.0)


class Code(_Request):
    code: str = Field(..., min_length=1, max_length=64, pattern=NO_NUL,
                      description="6 digits from the authenticator app, or a recovery code")


class StatusOut(BaseModel):
    state: Literal["passed", "verify", "enrol"]
    username: str
    display_name: str
    languages: list[str]
    recovery_left: int | None = None


class EnrolmentOut(BaseModel):
    secret: str = Field(description="base32, to type into an app by hand (shown once)")
    otpauth_uri: str
    qr_svg: str = Field(description="the otpauth URI as a QR code, an SVG data: URI")


class ConfirmOut(BaseModel):
    ok: bool
    recovery_codes: list[str] = Field(description="shown once: each works once")


class VerifyOut(BaseModel):
    ok: bool
    recovery_used: bool = False
    recovery_left: int | None = None


def _factor(request: Request) -> SecondFactor:
    factor: SecondFactor = request.app.state.services.second_factor
    return factor


@router.get("/second-factor", response_model=StatusOut)
def second_factor_status(request: Request,
                         session: Session = Depends(password_session)) -> dict[str, Any]:
    """What this session still needs (the console asks after a reload)."""
    factor = _factor(request)
    state = factor.state(session)
    agent = session.agent
    return {"state": state.value, "username": agent.username,
            "display_name": agent.display_name, "languages": list(agent.languages),
            "recovery_left": (factor.recovery_left(agent.id)
                              if state is State.PASSED and session.enrolled else None)}


@router.post("/second-factor/enrol", response_model=EnrolmentOut, responses=errors(409))
def enrol(request: Request, session: Session = Depends(password_session)) -> dict[str, Any]:
    """Start enrolment: a new secret, shown this once (as a QR code, a URI and text). It
    is in force when confirmed with a first code; starting again replaces it."""
    enrolment = _factor(request).start_enrolment(session)
    if enrolment is None:
        raise CodedError(409, Outcome.ALREADY_ENROLLED.value, _WORDS[Outcome.ALREADY_ENROLLED])
    return {"secret": enrolment.secret, "otpauth_uri": enrolment.otpauth_uri,
            "qr_svg": enrolment.qr_svg}


@router.post("/second-factor/enrol/confirm", response_model=ConfirmOut,
             responses=errors(409, 429))
async def confirm(body: Code, request: Request,
                  session: Session = Depends(password_session)) -> dict[str, Any]:
    """The first code from the app: the authenticator is in force, this session has
    passed, and ten recovery codes are returned (this once; stored hashed)."""
    result = await _throttled(request, session, _factor(request).confirm_enrolment, body.code)
    return {"ok": True, "recovery_codes": result.recovery_codes or []}


@router.post("/second-factor/verify", response_model=VerifyOut, responses=errors(409, 429))
async def verify(body: Code, request: Request,
                 session: Session = Depends(password_session)) -> dict[str, Any]:
    """A 6-digit code (each good once, within 30 s either side of now) or a recovery code
    (good once ever). Wrong codes are throttled like wrong passwords."""
    if session.second_factor_at is not None:
        return {"ok": True}
    result = await _throttled(request, session, _factor(request).verify, body.code)
    return {"ok": True, "recovery_used": result.recovery_used,
            "recovery_left": result.recovery_left}


async def _throttled(request: Request, session: Session, check: Any, code: str) -> Result:
    throttle: LoginThrottle = request.app.state.second_factor_throttle
    address = request.client.host if request.client else ""
    username = session.agent.username
    wait = throttle.retry_after(username, address)
    if wait:
        raise CodedError(status.HTTP_429_TOO_MANY_REQUESTS, "too_many_tries",
                         f"Too many wrong codes. Try again in {wait} seconds.",
                         headers={"Retry-After": str(wait)})
    result: Result = await to_thread.run_sync(check, session, code)
    if result.outcome in (Outcome.WRONG, Outcome.USED):
        throttle.failed(username, address)
    elif result.outcome is Outcome.OK:
        throttle.succeeded(username, address)
    if result.outcome is not Outcome.OK:
        raise CodedError(_STATUS[result.outcome], result.outcome.value, _WORDS[result.outcome])
    return result


Username = Annotated[str, Path(pattern=r"^[A-Za-z0-9._]{1,64}$",
                               description="an agent's username")]


@router.delete("/agents/{username}/second-factor", responses=errors(404))
def reset(username: Username, request: Request,
          session: Session = Depends(current_session)) -> dict[str, bool]:
    """A supervisor takes an agent's second factor away (a lost phone): the agent's
    sessions end and they enrol again at the next sign-in. Written to the audit log."""
    if session.agent.role != SUPERVISOR:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "only supervisors reset another agent's second factor")
    try:
        _factor(request).reset(username, by=session.agent)
    except AgentError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no agent '{username}'") from None
    return {"ok": True}
