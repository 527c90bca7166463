"""Webhook mode: Telegram posts each update to us, signed with the secret given to
setWebhook. An update is stored before the 200 goes back; a body that is not an update
gets 400 (a 500 would make Telegram send it again forever)."""

from __future__ import annotations

import hmac
import json
import logging
import os
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Request
from telegram import Bot, Update

from bot.config import TelegramSettings
from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.channels.telegram.channel import TelegramChannel

log = logging.getLogger("supportbot.telegram")
TOKEN_ENV, SECRET_ENV, BASE_URL_ENV = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET",
                                       "TELEGRAM_API_BASE_URL")


async def register_webhook(bot: Bot, settings: TelegramSettings) -> None:
    secret = os.environ.get(SECRET_ENV, "")
    if not settings.webhook_url or not secret:
        raise ConfigError(f"webhook mode needs channels.telegram.webhook_url and {SECRET_ENV}")
    await bot.set_webhook(settings.webhook_url.rstrip("/") + settings.webhook_path,
                          secret_token=secret, allowed_updates=Update.ALL_TYPES,
                          drop_pending_updates=settings.drop_pending_updates)
    log.info("webhook registered (drop_pending_updates=%s)", settings.drop_pending_updates)


def webhook_router(channel: TelegramChannel, path: str) -> APIRouter:
    router = APIRouter(tags=["telegram"])
    secret = os.environ.get(SECRET_ENV, "")

    @router.post(path, include_in_schema=False)
    async def telegram_webhook(request: Request) -> dict[str, bool]:
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            raise HTTPException(403, "missing or wrong secret token")
        try:
            data: Any = json.loads(await request.body())
            update = Update.de_json(data, channel.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            log.warning("malformed webhook body: %s", type(error).__name__)
            update = None
        if update is None or not isinstance(data.get("update_id"), int):
            raise HTTPException(400, "the body is not a Telegram update")
        await channel.accept(update)
        return {"ok": True}

    return router
