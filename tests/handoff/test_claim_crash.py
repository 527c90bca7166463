"""A claim is one transaction: a process killed (SIGKILL) in the middle of one, after the
handoff was assigned and the conversation marked "with agent" but before the commit,
leaves both as they were, and the next claim works. The kill is real; the child process
only chooses the moment by dying inside its own claim."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.storage.schema import conversations, handoffs
from handoff.queue import ClaimOutcome
from tests.conftest import make_services

ROOT = Path(__file__).resolve().parents[2]

# Run in a separate process: it claims the handoff and kills itself with SIGKILL right
# after both halves were written, inside the still open transaction.
_DYING_CLAIM = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path

    from bot.config import load_settings
    from bot.conversations import store
    from bot.knowledge.replies import read_reply_catalog
    from bot.storage.database import create_database_engine
    from handoff.agents import AgentDirectory
    from handoff.desk import AgentDesk
    from handoff.queue import HandoffQueue

    url, handoff_id, username = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    settings = load_settings(Path("config.yml"))
    db = create_database_engine(url)
    queue = HandoffQueue(db, settings.handoff)
    agents = AgentDirectory(db, settings.handoff.session_hours)
    replies = read_reply_catalog(Path(settings.paths.responses), settings.language.supported)
    desk = AgentDesk(db, queue, agents, replies, settings, notify=lambda _id: None)
    save = store.ConversationStore.save

    def save_then_die(connection, conversation_id, **values):
        save(connection, conversation_id, **values)
        if values.get("state") == "with_agent":
            os.kill(os.getpid(), signal.SIGKILL)

    store.ConversationStore.save = staticmethod(save_then_die)
    desk.claim(handoff_id, agents.get(username))
    print("the claim finished: the kill never happened", flush=True)
""")


def _killed_claim_leaves_everything_queued(services, url: str) -> None:  # type: ignore[no-untyped-def]
    conversation = services.dialogue.open("api", "killed-claim")
    turn = services.dialogue.handle(conversation, "I want to talk to a human please")
    assert turn.handoff is not None
    handoff_id = turn.handoff["id"]
    agent = services.agents.add("dora", "long enough pw", ["en"], 3)
    child = subprocess.run([sys.executable, "-c", _DYING_CLAIM, url, str(handoff_id), "dora"],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    with services.db.connect() as connection:
        handoff = connection.execute(select(handoffs).where(handoffs.c.id == handoff_id)).one()
        state = connection.scalar(select(conversations.c.state).where(
            conversations.c.id == conversation))
    assert (handoff.status, handoff.agent_id, state) == ("queued", None, "queued")
    outcome, _ = services.desk.claim(handoff_id, agent)
    assert outcome is ClaimOutcome.CLAIMED
    assert services.dialogue.store.get(conversation).state == "with_agent"


def test_killed_claim_sqlite(services, sqlite_url):  # type: ignore[no-untyped-def]
    _killed_claim_leaves_everything_queued(services, sqlite_url)


@pytest.mark.postgres
def test_killed_claim_postgres(settings, shipped_nlu, postgres_url):  # type: ignore[no-untyped-def]
    services = make_services(settings, shipped_nlu, postgres_url)
    try:
        _killed_claim_leaves_everything_queued(services, postgres_url)
    finally:
        services.db.dispose()
