"""The exchange's "freeze withdrawals" call: what is stored, and the signed request.

The body names the verified account (its UID, which the exchange vouched for), the case,
and an idempotency key: a retry after a timeout, or a second press, freezes once. The
signature is HMAC-SHA256 over the exact body bytes with SUPPORTBOT_EXCHANGE_WEBHOOK_SECRET,
sent as `X-Supportbot-Signature: sha256=<hex>`."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import uuid
from typing import Any

from bot.config import ExchangeSettings
from bot.ops.webhooks import Request

SECRET_ENV = "SUPPORTBOT_EXCHANGE_WEBHOOK_SECRET"
SIGNATURE_HEADER = "X-Supportbot-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def freeze_available(settings: ExchangeSettings) -> bool:
    """Offered only when the call can be made and signed."""
    return bool(settings.freeze_url.strip() and os.environ.get(SECRET_ENV))


def freeze_body(*, uid: str, conversation_id: str, handoff_id: int | None,
                requested_at: float) -> dict[str, Any]:
    return {"action": "freeze_withdrawals", "uid": uid, "requested_by": "trader",
            "requested_at": requested_at, "case": handoff_id,
            "conversation_id": conversation_id,
            "idempotency_key": f"freeze-{uuid.uuid4().hex}"}


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def freeze_request(settings: ExchangeSettings, body: dict[str, Any],
                   secret: str | None = None) -> Request | None:
    """None when the freeze is not configured now (no URL or no secret): never unsigned."""
    secret = secret if secret is not None else os.environ.get(SECRET_ENV, "")
    if not settings.freeze_url.strip() or not secret:
        return None
    content = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return Request(settings.freeze_url.strip(), content,
                   {SIGNATURE_HEADER: sign(content, secret),
                    IDEMPOTENCY_HEADER: str(body["idempotency_key"])})
