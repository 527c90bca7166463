"""The retention period: conversations with no open case and nothing new for longer than
their channel's period (`retention:` in config.yml, days; 0 keeps forever) are erased the
way an erasure request erases them, skeleton kept (bot.privacy.erasure).

The server sweeps at start-up and every `retention.sweep_minutes`, in one process only
(bot.storage.leader: a lock file beside SQLite, an advisory lock on PostgreSQL);
`supportbot privacy sweep [--dry-run]` sweeps by hand.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from bot.attachments import AttachmentStore
from bot.attachments import erasure as files
from bot.config import RetentionSettings
from bot.conversations import erasure as transcripts
from bot.privacy.erasure import Actor, erase_rows
from bot.storage.database import reading
from bot.storage.scrub import erasing, reclaim

log = logging.getLogger(__name__)
SWEEPER = Actor(0, "retention")
DAY = 86400.0
BATCH = 200  # conversations per transaction: writers wait for one batch at most
# The channels each setting covers (Telegram groups keep the private chats' period).
CHANNELS = {"web": ("web",), "telegram": ("telegram", "telegram_group"), "api": ("api",)}


@dataclass
class Sweep:
    dry_run: bool
    per_channel: dict[str, int] = field(default_factory=dict)
    messages: int = 0
    files: int = 0
    reclaimed: str = ""

    @property
    def conversations(self) -> int:
        return sum(self.per_channel.values())

    def line(self) -> str:
        """One line, counts only."""
        channels = ", ".join(f"{name} {count}" for name, count in self.per_channel.items())
        if self.dry_run:
            return (f"retention sweep (dry run): {self.conversations} conversation(s) would "
                    f"be erased ({channels or 'every channel keeps its transcripts forever'})")
        return (f"retention sweep: erased {self.conversations} conversation(s) ({channels}), "
                f"{self.messages} message(s), {self.files} file(s)"
                + (f"; {self.reclaimed}" if self.reclaimed else ""))


def sweep(engine: Engine, store: AttachmentStore, settings: RetentionSettings,
          now: float | None = None, dry_run: bool = False) -> Sweep:
    now = time.time() if now is None else now
    result = Sweep(dry_run)
    for name, channels in CHANNELS.items():
        days = int(getattr(settings, name))
        if days <= 0:
            continue
        before = now - days * DAY
        result.per_channel[name] = (_count(engine, channels, before) if dry_run
                                    else _erase_all(engine, store, channels, before, result))
    if result.conversations and not dry_run:
        result.reclaimed = reclaim(engine, settings.vacuum)
    return result


def _count(engine: Engine, channels: tuple[str, ...], before: float) -> int:
    with reading(engine) as connection:
        return len(transcripts.idle_since(connection, channels, before, limit=10**9))


def _erase_all(engine: Engine, store: AttachmentStore, channels: tuple[str, ...],
               before: float, result: Sweep) -> int:
    erased = 0
    while True:
        with erasing(engine) as connection:
            rows = transcripts.idle_since(connection, channels, before, BATCH)
            if rows:
                counts, gone = erase_rows(connection, rows, None, SWEEPER, "retention_erase")
        if not rows:
            return erased
        files.erase_files(store, gone)
        erased += len(rows)
        result.messages += counts.get("messages", 0)
        result.files += counts.get("files", 0)


async def run_sweeper(services: Any, store: AttachmentStore) -> None:
    """The server's background sweep (one process: the others return at once)."""
    from bot.storage.leader import try_lead

    settings: RetentionSettings = services.settings.retention
    leads = await asyncio.to_thread(try_lead, services.db, "retention",
                                    services.settings.paths.data_dir)
    if not leads:
        return
    while True:
        try:
            done = await asyncio.to_thread(sweep, services.db, store, settings)
            if done.conversations:
                log.info(done.line())
        except Exception as error:  # a database hiccup must not kill the loop
            log.warning("retention sweep failed (%s); next try in %d min",
                        type(error).__name__, settings.sweep_minutes)
        await asyncio.sleep(settings.sweep_minutes * 60)
