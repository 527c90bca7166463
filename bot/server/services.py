"""Everything a server process needs, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from bot.agent_auth.server_key import server_key
from bot.config import Settings
from bot.conversations.typing import TypingMarks
from bot.dialogue.engine import DialogueEngine
from bot.errors import ModelNotReadyError
from bot.identity.service import IdentityService
from bot.knowledge.replies import ReplyCatalog, read_reply_catalog
from bot.nlu.pipeline import NLU
from bot.storage.database import create_database_engine, database_url, migrate
from handoff.agents import AgentDirectory
from handoff.audit import AuditLog
from handoff.desk import AgentDesk
from handoff.queue import HandoffQueue
from handoff.second_factor import SecondFactor


@dataclass
class Services:
    settings: Settings
    db: Engine
    nlu: NLU
    replies: ReplyCatalog
    queue: HandoffQueue
    agents: AgentDirectory
    dialogue: DialogueEngine
    desk: AgentDesk
    typing: TypingMarks
    audit: AuditLog
    second_factor: SecondFactor
    identity: IdentityService  # verified trader identity (bot.identity)
    started_at: float = field(default=0.0)


def load_nlu(settings: Settings, train_if_needed: bool) -> NLU:
    """The trained model; with train_if_needed, (re)train when it is missing or stale."""
    try:
        return NLU.load(settings)
    except ModelNotReadyError as problem:
        if not train_if_needed:
            raise
        from bot.nlu.training import shipped_data, train

        print(f"{problem} Training now…", flush=True)
        train(settings, shipped_data(settings), Path(settings.paths.models))
        return NLU.load(settings)


def build_services(settings: Settings, database: str | None = None, nlu: NLU | None = None,
                   train_if_needed: bool = False) -> Services:
    import time

    db = create_database_engine(database or database_url(settings.paths.data_dir))
    migrate(db)
    model = nlu or load_nlu(settings, train_if_needed)
    replies = read_reply_catalog(Path(settings.paths.responses), settings.language.supported)
    queue = HandoffQueue(db, settings.handoff)
    agents = AgentDirectory(db, settings.handoff.session_hours)
    dialogue = DialogueEngine(db, model, replies, settings, queue)
    desk = AgentDesk(db, queue, agents, replies, settings, notify=dialogue.notify)
    audit = AuditLog(db)
    identity = IdentityService.from_environment(db, settings.identity, notify=dialogue.notify)
    second_factor = SecondFactor(db, server_key(settings.paths.data_dir),
                                 settings.agents.second_factor, settings.agents.totp_issuer,
                                 agents, audit)
    return Services(settings, db, model, replies, queue, agents, dialogue, desk,
                    TypingMarks(db), audit, second_factor=second_factor,
                    identity=identity,
                    started_at=time.time())
