"""The second factor's records: each agent's sealed TOTP secret, the last step accepted,
their recovery codes (keyed hashes), and the session's mark that it passed.

Enrolment is two steps: `start_enrolment` makes a secret (shown once, as an otpauth://
URI, a QR code and text) and stores it sealed but not yet in force; `confirm_enrolment`
puts it in force when the agent types a first valid code from their app, and returns ten
recovery codes (shown once, stored hashed). `verify` checks a TOTP code or a recovery
code for a password-only session. `reset` (a supervisor or the CLI) takes the factor
away and ends the agent's sessions: they enrol again at their next sign-in.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, and_, delete, func, insert, or_, select, update

from bot.agent_auth import codes
from bot.storage.database import reading
from bot.storage.schema import agent_recovery_codes, agents
from handoff.agents import Agent, AgentDirectory, AgentError, Session
from handoff.audit import AuditLog

REQUIRED, OPTIONAL = "required", "optional"
_SEALED_V1 = b"\x01"  # the format of a sealed secret: version, 12-byte nonce, AES-GCM
_NONCE = 12


class State(enum.Enum):
    PASSED = "passed"  # the session may do everything
    VERIFY = "verify"  # enrolled: enter a code
    ENROL = "enrol"  # not enrolled: set up an authenticator first


class Outcome(enum.Enum):
    OK = "ok"
    WRONG = "wrong_code"
    USED = "code_already_used"
    NOT_ENROLLED = "not_enrolled"
    ALREADY_ENROLLED = "already_enrolled"
    NOT_STARTED = "enrolment_not_started"


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, for typing into an app by hand
    otpauth_uri: str
    qr_svg: str  # a data: URI


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    recovery_codes: list[str] | None = None  # confirm_enrolment: shown once
    recovery_used: bool = False
    recovery_left: int | None = None


def _subkey(key: bytes, purpose: bytes) -> bytes:
    return hmac.new(key, b"supportbot:" + purpose, hashlib.sha256).digest()


def passed(session: Session, mode: str) -> bool:
    """May this session do more than enrol, verify and log out?"""
    if session.second_factor_at is not None:
        return True
    return mode == OPTIONAL and not session.enrolled


class SecondFactor:
    def __init__(self, engine: Engine, key: bytes, mode: str, issuer: str,
                 agents_directory: AgentDirectory, audit: AuditLog,
                 clock: Callable[[], float] = time.time):
        self.engine = engine
        self.mode = mode
        self.issuer = issuer
        self.agents = agents_directory
        self.audit = audit
        self.clock = clock
        self._cipher = AESGCM(_subkey(key, b"totp-seal"))
        self._recovery_key = _subkey(key, b"recovery-codes")

    # ---- sealing -----------------------------------------------------------------------
    def _seal(self, agent_id: int, secret: str) -> bytes:
        nonce = os.urandom(_NONCE)
        # Bound to the agent: a sealed secret copied onto another row does not open.
        return _SEALED_V1 + nonce + self._cipher.encrypt(nonce, secret.encode(),
                                                         _aad(agent_id))

    def _open(self, agent_id: int, sealed: bytes) -> str | None:
        if not sealed or sealed[:1] != _SEALED_V1:
            return None
        try:
            return self._cipher.decrypt(sealed[1:1 + _NONCE], sealed[1 + _NONCE:],
                                        _aad(agent_id)).decode()
        except (InvalidTag, ValueError):
            return None  # sealed under another key: the agent must be reset

    # ---- state -------------------------------------------------------------------------
    def state(self, session: Session) -> State:
        if passed(session, self.mode):
            return State.PASSED
        return State.VERIFY if session.enrolled else State.ENROL

    def _row(self, agent_id: int) -> Any:
        with reading(self.engine) as connection:
            return connection.execute(select(
                agents.c.totp_secret, agents.c.totp_enabled_at, agents.c.totp_last_step)
                .where(agents.c.id == agent_id)).first()

    def recovery_left(self, agent_id: int) -> int:
        with reading(self.engine) as connection:
            return int(connection.scalar(select(func.count()).select_from(
                agent_recovery_codes).where(agent_recovery_codes.c.agent_id == agent_id,
                                            agent_recovery_codes.c.used_at.is_(None))) or 0)

    # ---- enrolment -----------------------------------------------------------------------
    def start_enrolment(self, session: Session) -> Enrolment | None:
        """A new secret, not in force until confirmed; None if the agent is enrolled
        already (only a reset lets them enrol another authenticator)."""
        agent = session.agent
        secret = codes.new_secret()
        with self.engine.begin() as connection:
            changed = connection.execute(update(agents).where(
                agents.c.id == agent.id, agents.c.totp_enabled_at.is_(None)).values(
                    totp_secret=self._seal(agent.id, secret), totp_last_step=None)).rowcount
        if not changed:
            return None
        uri = codes.otpauth_uri(secret, agent.username, self.issuer)
        return Enrolment(secret, uri, codes.qr_svg_data_uri(uri))

    def confirm_enrolment(self, session: Session, code: str) -> Result:
        agent = session.agent
        row = self._row(agent.id)
        if row is None or row.totp_enabled_at is not None:
            return Result(Outcome.ALREADY_ENROLLED)
        secret = self._open(agent.id, row.totp_secret) if row.totp_secret else None
        if secret is None:
            return Result(Outcome.NOT_STARTED)
        step = codes.matching_step(secret, code, self.clock(), None)
        if step is None:
            return Result(Outcome.WRONG)
        recovery = codes.new_recovery_codes()
        now = self.clock()
        with self.engine.begin() as connection:
            taken = connection.execute(update(agents).where(
                agents.c.id == agent.id, agents.c.totp_enabled_at.is_(None),
                agents.c.totp_secret == row.totp_secret).values(
                    totp_enabled_at=now, totp_last_step=step)).rowcount
            if not taken:  # confirmed (or restarted) meanwhile by another request
                return Result(Outcome.ALREADY_ENROLLED)
            connection.execute(delete(agent_recovery_codes).where(
                agent_recovery_codes.c.agent_id == agent.id))
            connection.execute(insert(agent_recovery_codes), [
                {"agent_id": agent.id, "code_hash": self._recovery_hash(agent.id, item)}
                for item in recovery])
        self.agents.pass_second_factor(session.token)
        self.audit.record(agent, "second_factor_enrolled", None, None, agent.username)
        return Result(Outcome.OK, recovery_codes=recovery, recovery_left=len(recovery))

    # ---- verification ----------------------------------------------------------------------
    def verify(self, session: Session, code: str) -> Result:
        """A 6-digit TOTP code (once per time step), or a recovery code (once ever)."""
        agent = session.agent
        row = self._row(agent.id)
        if row is None or row.totp_enabled_at is None:
            return Result(Outcome.NOT_ENROLLED)
        if codes.is_totp_shaped(code):
            outcome = self._check_totp(agent, row, code)
            if outcome is not Outcome.OK:
                return Result(outcome)
            self.agents.pass_second_factor(session.token)
            return Result(Outcome.OK)
        if not self._use_recovery_code(agent.id, code):
            return Result(Outcome.WRONG)
        self.agents.pass_second_factor(session.token)
        self.audit.record(agent, "recovery_code_used", None, None, agent.username)
        return Result(Outcome.OK, recovery_used=True, recovery_left=self.recovery_left(agent.id))

    def _check_totp(self, agent: Agent, row: Any, code: str) -> Outcome:
        secret = self._open(agent.id, row.totp_secret)
        if secret is None:
            return Outcome.WRONG  # sealed under a lost key: a recovery code or a reset
        now = self.clock()
        step = codes.matching_step(secret, code, now, row.totp_last_step)
        if step is None:
            # Right code, but its step was used already: a replay (or a double submit).
            used = codes.matching_step(secret, code, now, None) is not None
            return Outcome.USED if used else Outcome.WRONG
        with self.engine.begin() as connection:
            # Compared and set in one statement: two requests with one code, one wins.
            won = connection.execute(update(agents).where(
                agents.c.id == agent.id,
                or_(agents.c.totp_last_step.is_(None), agents.c.totp_last_step < step))
                .values(totp_last_step=step)).rowcount
        return Outcome.OK if won else Outcome.USED

    def _recovery_hash(self, agent_id: int, code: str) -> str:
        return codes.recovery_hash(self._recovery_key, agent_id, code)

    def _use_recovery_code(self, agent_id: int, code: str) -> bool:
        if not codes.normalise_recovery(code):
            return False
        with self.engine.begin() as connection:
            return bool(connection.execute(update(agent_recovery_codes).where(and_(
                agent_recovery_codes.c.agent_id == agent_id,
                agent_recovery_codes.c.code_hash == self._recovery_hash(agent_id, code),
                agent_recovery_codes.c.used_at.is_(None))).values(
                    used_at=self.clock())).rowcount)

    # ---- reset -----------------------------------------------------------------------------
    def reset(self, username: str, by: Agent | None, operator: str = "") -> Agent:
        return reset_second_factor(self.engine, self.agents, self.audit, username, by, operator)


def reset_second_factor(engine: Engine, directory: AgentDirectory, audit: AuditLog,
                        username: str, by: Agent | None, operator: str = "") -> Agent:
    """Take the agent's factor away (a lost phone): secret, recovery codes and every
    session go; they enrol again at the next sign-in. Audited: by a supervisor `by`, or
    at the command line by `operator`. Needs no key: nothing sealed is opened."""
    target = directory.get(username)
    if target is None:
        raise AgentError(f"no agent '{username}'")
    with engine.begin() as connection:
        connection.execute(update(agents).where(agents.c.id == target.id).values(
            totp_secret=None, totp_enabled_at=None, totp_last_step=None))
        connection.execute(delete(agent_recovery_codes).where(
            agent_recovery_codes.c.agent_id == target.id))
    directory.end_sessions(target.id)
    if by is not None:
        audit.record(by, "reset_second_factor", None, None, target.username)
    else:
        audit.record_operator(operator or "unknown", "reset_second_factor", target.username)
    return target


def _aad(agent_id: int) -> bytes:
    return f"agent-totp:{agent_id}".encode()
