"""Agent accounts (argon2-hashed passwords, no default account) and login sessions."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, insert, select, update

from bot.errors import SupportbotError
from bot.storage.database import reading
from bot.storage.schema import agent_sessions, agents
from handoff.visibility import ROLES

_HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


class AgentError(SupportbotError):
    pass


@dataclass(frozen=True)
class Agent:
    id: int
    username: str
    display_name: str
    languages: tuple[str, ...]
    capacity: int
    last_heartbeat: float | None
    role: str = "agent"  # or "supervisor" (handoff/visibility.py)

    @classmethod
    def from_row(cls, row: Any) -> Agent:
        return cls(row.id, row.username, row.display_name, tuple(row.languages or ()),
                   row.capacity, row.last_heartbeat, row.role or "agent")


@dataclass(frozen=True)
class Session:
    token: str  # returned once at login; only its hash is stored
    csrf_token: str
    expires_at: float
    agent: Agent
    # When this session passed the second factor (None: password only), and whether the
    # agent has a confirmed authenticator (bot.agent_auth, bot.server.auth).
    second_factor_at: float | None = None
    enrolled: bool = False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AgentDirectory:
    def __init__(self, engine: Engine, session_hours: float):
        self.engine = engine
        self.session_seconds = session_hours * 3600

    def add(self, username: str, password: str, languages: list[str], capacity: int,
            display_name: str | None = None, role: str = "agent") -> Agent:
        if role not in ROLES:
            raise AgentError(f"a role is one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AgentError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
        if not username.strip() or not username.replace("_", "").replace(".", "").isalnum():
            raise AgentError("usernames use letters, digits, '.' and '_' only")
        with self.engine.begin() as connection:
            if connection.scalar(select(agents.c.id).where(agents.c.username == username)):
                raise AgentError(f"agent '{username}' already exists")
            connection.execute(insert(agents).values(
                username=username, display_name=display_name or username,
                password_hash=_HASHER.hash(password), languages=languages, capacity=capacity,
                role=role, active=True, created_at=time.time(),
            ))
        agent = self.get(username)
        assert agent is not None
        return agent

    def remove(self, username: str) -> None:
        with self.engine.begin() as connection:
            agent_id = connection.scalar(select(agents.c.id).where(agents.c.username == username))
            if agent_id is None:
                raise AgentError(f"no agent '{username}'")
            connection.execute(delete(agent_sessions).where(agent_sessions.c.agent_id == agent_id))
            # Keep the row for the history of handled conversations; it can never log in.
            connection.execute(update(agents).where(agents.c.id == agent_id).values(
                active=False, password_hash="!", username=f"{username}#removed{agent_id}"))

    def list(self) -> list[Agent]:
        with reading(self.engine) as connection:
            rows = connection.execute(select(agents).where(agents.c.active.is_(True))
                                      .order_by(agents.c.username))
            return [Agent.from_row(row) for row in rows]

    def get(self, username: str) -> Agent | None:
        with reading(self.engine) as connection:
            row = connection.execute(select(agents).where(
                agents.c.username == username, agents.c.active.is_(True))).first()
        return Agent.from_row(row) if row else None

    def login(self, username: str, password: str) -> Session | None:
        with reading(self.engine) as connection:
            row = connection.execute(select(agents).where(
                agents.c.username == username, agents.c.active.is_(True))).first()
        stored = row.password_hash if row else _DUMMY_HASH
        try:
            # Verify even for unknown users, so timing does not reveal which names exist.
            _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        now = time.time()
        with self.engine.begin() as connection:
            connection.execute(insert(agent_sessions).values(
                token_hash=_token_hash(token), agent_id=row.id, csrf_token=csrf,
                created_at=now, expires_at=now + self.session_seconds))
            connection.execute(update(agents).where(agents.c.id == row.id)
                               .values(last_heartbeat=now))
        return Session(token, csrf, now + self.session_seconds, Agent.from_row(row),
                       enrolled=row.totp_enabled_at is not None)

    def session(self, token: str) -> Session | None:
        now = time.time()
        with reading(self.engine) as connection:
            row = connection.execute(
                select(agent_sessions, agents)
                .join(agents, agents.c.id == agent_sessions.c.agent_id)
                .where(agent_sessions.c.token_hash == _token_hash(token),
                       agent_sessions.c.expires_at > now, agents.c.active.is_(True))
            ).first()
        if row is None:
            return None
        agent = Agent(row.agent_id, row.username, row.display_name, tuple(row.languages or ()),
                      row.capacity, row.last_heartbeat, row.role or "agent")
        return Session(token, row.csrf_token, row.expires_at, agent, row.second_factor_at,
                       row.totp_enabled_at is not None)

    def pass_second_factor(self, token: str) -> None:
        """The session's holder gave a valid code (bot.agent_auth): it may do everything."""
        with self.engine.begin() as connection:
            connection.execute(update(agent_sessions).where(
                agent_sessions.c.token_hash == _token_hash(token)).values(
                    second_factor_at=time.time()))

    def end_sessions(self, agent_id: int) -> None:
        """Every session of this agent ends (their second factor was reset)."""
        with self.engine.begin() as connection:
            connection.execute(delete(agent_sessions).where(
                agent_sessions.c.agent_id == agent_id))

    def logout(self, token: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(agent_sessions).where(
                agent_sessions.c.token_hash == _token_hash(token)))

    @staticmethod
    def display_name(connection: Any, agent_id: int | None) -> str | None:
        return connection.scalar(select(agents.c.display_name).where(agents.c.id == agent_id))

    def heartbeat(self, agent_id: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(agents).where(agents.c.id == agent_id)
                               .values(last_heartbeat=time.time()))


_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
