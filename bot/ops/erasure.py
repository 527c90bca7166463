"""Webhook calls about an erased trader emptied (bot.privacy decides; bot.ops.webhooks
owns `webhook_outbox`). A freeze names the account's UID and a page may describe the case:
once sent (or given up), the body has done its job. A call still pending is left to go
out: it is on its way to someone who must act on it."""

from __future__ import annotations

from sqlalchemy import Connection, update

from bot.ops.webhooks import PENDING
from bot.storage.schema import webhook_outbox


def empty_bodies(connection: Connection, conversation_ids: list[str]) -> int:
    if not conversation_ids:
        return 0
    return int(connection.execute(update(webhook_outbox).where(
        webhook_outbox.c.conversation_id.in_(conversation_ids),
        webhook_outbox.c.state != PENDING).values(body={"erased": True}, last_error=None))
        .rowcount)
