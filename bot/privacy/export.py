"""A trader's data handed back to them: every conversation with its messages (the text as
stored: secrets already redacted), times, CSAT, the outcome of each case, and the files'
details; as JSON, or as a zip holding that JSON and the files themselves.

The format is versioned (`format`, `version`): a field may be added in a later version,
none is renamed or removed without a new version.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any

from sqlalchemy import Engine

from bot.attachments import AttachmentStore
from bot.attachments import erasure as files
from bot.conversations import erasure as transcripts
from bot.conversations.store import ConversationStore
from bot.privacy.subject import Trader
from bot.storage.database import reading
from handoff import erasure as cases

FORMAT, VERSION = "supportbot-trader-export", 1


def export_trader(engine: Engine, trader: Trader) -> dict[str, Any] | None:
    """The export document; None when no conversation is found."""
    with reading(engine) as connection:
        rows = transcripts.find(connection, lock=False, **trader.lookup())
        if not rows:
            return None
        ids = [str(row.id) for row in rows]
        by_conversation: dict[str, list[dict[str, Any]]] = {cid: [] for cid in ids}
        for case in cases.cases_of(connection, ids):
            by_conversation[str(case.conversation_id)].append(cases.outcome(case))
        attached: dict[str, list[dict[str, Any]]] = {cid: [] for cid in ids}
        for meta in files.files_of(connection, ids):
            attached[meta.conversation_id].append(files.exported(meta))
        conversations = [{
            "id": str(row.id), "channel": row.channel, "lang": row.lang, "state": row.state,
            "created_at": row.created_at, "updated_at": row.updated_at,
            "closed_at": row.closed_at, "resolved_by": row.resolved_by, "csat": row.csat,
            "verified_uid": row.verified_uid,
            "messages": ConversationStore.transcript(connection, str(row.id)),
            "cases": by_conversation[str(row.id)],
            "attachments": attached[str(row.id)],
        } for row in rows]
    return {"format": FORMAT, "version": VERSION, "exported_at": time.time(),
            "trader": trader.describe(), "conversations": conversations}


def as_zip(document: dict[str, Any], store: AttachmentStore) -> bytes:
    """export.json and files/<id>-<name> for every attachment still stored."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.json", json.dumps(document, ensure_ascii=False, indent=1))
        for conversation in document["conversations"]:
            for attachment in conversation["attachments"]:
                found = store.get(attachment["id"])
                if found is not None:
                    archive.writestr(f"files/{attachment['id']}-{attachment['name']}",
                                     found[1])
    return out.getvalue()


def record_export(engine: Engine, actor_id: int, username: str, document: dict[str, Any]) -> None:
    """The audit line of each exported conversation (who took a copy, when)."""
    with engine.begin() as connection:
        cases.record_request(connection, agent_id=actor_id, username=username, action="export",
                             conversation_ids=[c["id"] for c in document["conversations"]])
