"""Erase a trader's data on request: their conversations' text and files, their account
links, the details of their cases, and every old copy in the database file.

A conversation that is open (waiting in the queue, or with an agent) is not erased unless
the caller says so (`force`): an agent may be typing an answer to it. With `force` its
case is closed first, in the same transaction, and the console sees it gone.

Each request is written to the audit log: who, when, which conversations; not the text,
and not the trader's identifiers (the log outlives the erasure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Engine

from bot.attachments import AttachmentStore
from bot.attachments import erasure as files
from bot.conversations import erasure as transcripts
from bot.identity import erasure as identity
from bot.ops import erasure as webhooks
from bot.privacy.subject import Trader
from bot.storage.scrub import erasing, reclaim
from handoff import erasure as cases


@dataclass(frozen=True)
class Actor:
    """Who asks: an agent (their id and name), or the command line / the sweep (id 0)."""

    agent_id: int
    username: str


class Outcome(Enum):
    ERASED = "erased"
    NOT_FOUND = "not_found"
    OPEN = "open"  # refused: a conversation is open and `force` was not given


@dataclass
class Erasure:
    outcome: Outcome
    trader: str  # how the request named them (identifiers only)
    conversations: list[str] = field(default_factory=list)
    open_conversations: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    reclaimed: str = ""

    def line(self) -> str:
        """What happened, in one line, with counts and no user text."""
        if self.outcome is Outcome.NOT_FOUND:
            return f"no conversations found for {self.trader}"
        if self.outcome is Outcome.OPEN:
            return (f"not erased: {len(self.open_conversations)} of the "
                    f"{len(self.conversations)} conversation(s) of {self.trader} are open "
                    "(queued or with an agent); close them first or repeat with force "
                    "to close and erase them")
        counts = self.counts
        return (f"erased {len(self.conversations)} conversation(s) of {self.trader}: "
                f"{counts.get('messages', 0)} message(s), {counts.get('files', 0)} file(s), "
                f"{counts.get('cases', 0)} case(s) kept anonymised"
                + (f", {counts['closed_cases']} open case(s) closed"
                   if counts.get("closed_cases") else "")
                + (f"; {self.reclaimed}" if self.reclaimed else ""))

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome.value, "trader": self.trader,
                "conversations": self.conversations,
                "open_conversations": self.open_conversations, "counts": self.counts,
                "summary": self.line()}


def erase_trader(engine: Engine, store: AttachmentStore, trader: Trader, actor: Actor,
                 force: bool = False, vacuum: bool = False) -> Erasure:
    with erasing(engine) as connection:
        rows = transcripts.find(connection, **trader.lookup())
        result = Erasure(Outcome.ERASED, trader.describe(), [str(row.id) for row in rows],
                         [str(row.id) for row in rows if transcripts.is_open(row)])
        if not rows:
            result.outcome = Outcome.NOT_FOUND
            return result
        if result.open_conversations and not force:
            result.outcome = Outcome.OPEN
            return result
        closed = cases.close_open(connection, result.open_conversations)
        result.counts, gone = erase_rows(connection, rows, trader.uid, actor, "erase")
        if closed:
            result.counts["closed_cases"] = closed
    files.erase_files(store, gone)
    result.reclaimed = reclaim(engine, vacuum)
    return result


def erase_rows(connection: Connection, rows: list[Any], uid: str | None, actor: Actor,
               action: str) -> tuple[dict[str, int], list[str]]:
    """Erase these conversations in the caller's (erasing) transaction: the counts, and
    the attachment ids whose files go once it committed."""
    ids = [str(row.id) for row in rows]
    latest_case = {str(case.conversation_id): int(case.id)
                   for case in cases.cases_of(connection, ids)}
    gone = files.erase_records(connection, ids)
    counts = transcripts.erase(connection, rows)
    counts["cases"] = cases.erase_cases(connection, ids)
    counts["files"] = len(gone)
    counts["links"] = identity.forget(connection, uid, [(str(row.channel), str(row.channel_key))
                                                       for row in rows])
    counts["webhooks"] = webhooks.empty_bodies(connection, ids)
    cases.record_request(connection, agent_id=actor.agent_id, username=actor.username,
                         action=action, conversation_ids=ids, case_ids=latest_case)
    return counts, gone
