"""Telegram: private chats (with handoff) and public groups. See channel.py."""

from bot.channels.telegram.channel import CHANNELS, TelegramChannel
from bot.channels.telegram.updates import GROUP_CHANNEL, PRIVATE_CHANNEL
from bot.channels.telegram.webhook import BASE_URL_ENV, SECRET_ENV, TOKEN_ENV, webhook_router

__all__ = ["BASE_URL_ENV", "CHANNELS", "GROUP_CHANNEL", "PRIVATE_CHANNEL", "SECRET_ENV",
           "TOKEN_ENV", "TelegramChannel", "webhook_router"]
