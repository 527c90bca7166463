"""The incidents table, its only owner: declare an incident, end it, read the active one.

One incident is active at a time (the newest row without `ended_at`); every server
process reads it from the database, so a declaration made by the CLI, or by a supervisor
on another process, reaches all of them. A turn does not read the table: it asks the
process's `ActiveIncidentCache`, refreshed at most every `incidents.cache_seconds`.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from bot.errors import SupportbotError
from bot.incidents.matching import ActiveIncident, compose_banner
from bot.incidents.templates import MAX_BANNER_CHARS, MAX_TITLE_CHARS, IncidentTemplate
from bot.storage.database import is_postgres, reading
from bot.storage.schema import incidents

log = logging.getLogger(__name__)
MAX_KEYWORDS = 40
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class IncidentError(SupportbotError):
    """A declaration that cannot be made as asked (the API answers 409 or 422)."""


class IncidentAlreadyActive(IncidentError):
    pass


class NoActiveIncident(IncidentError):
    pass


class BadIncidentInput(IncidentError):
    pass


def _clean(text: str, what: str, limit: int) -> str:
    cleaned = _CONTROL.sub(" ", text).strip()
    if not cleaned:
        raise BadIncidentInput(f"{what} is empty: write the text or leave it out")
    if len(cleaned) > limit:
        raise BadIncidentInput(f"{what} has {len(cleaned)} characters; keep it under {limit}")
    return cleaned


def _from_row(row: Any) -> ActiveIncident:
    return ActiveIncident(
        id=int(row.id), title=str(row.title), template=row.template,
        banner=dict(row.banner or {}), intents=frozenset(row.intents or ()),
        keywords=tuple(row.keywords or ()), started_at=float(row.started_at),
        started_by=str(row.started_by))


class IncidentStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    def active(self) -> ActiveIncident | None:
        with reading(self.engine) as connection:
            return self._active(connection)

    @staticmethod
    def _active(connection: Connection) -> ActiveIncident | None:
        row = connection.execute(select(incidents).where(incidents.c.ended_at.is_(None))
                                 .order_by(incidents.c.id.desc()).limit(1)).first()
        return _from_row(row) if row is not None else None

    def start(self, template: IncidentTemplate, *, started_by: str,
              languages: tuple[str, ...], title: str | None = None,
              banner: Mapping[str, str] | None = None,
              keywords: tuple[str, ...] = ()) -> tuple[ActiveIncident, list[str]]:
        """Declare an incident from a template. `banner` replaces the template's text in
        the languages it names; the others keep the template's. Returns the incident and
        the languages that kept the template's text."""
        custom = {}
        for lang, text in (banner or {}).items():
            if lang not in languages:
                raise BadIncidentInput(f"unknown language '{lang}' for the banner; use one of "
                                       f"{', '.join(languages)}")
            custom[lang] = _clean(text, f"the {lang} banner", MAX_BANNER_CHARS)
        name = _clean(title, "the title", MAX_TITLE_CHARS) if title else template.title
        extra = tuple(_clean(word, "a keyword", 60).lower() for word in keywords)
        words = tuple(dict.fromkeys(template.all_keywords() + extra))
        if len(extra) > MAX_KEYWORDS:
            raise BadIncidentInput(f"at most {MAX_KEYWORDS} extra keywords")
        stored, fallback = compose_banner(template.banner, custom, languages)
        with self.engine.begin() as connection:
            if is_postgres(connection.engine):
                # Two supervisors declaring at once: one wins, the other is told.
                connection.exec_driver_sql("LOCK TABLE incidents IN SHARE ROW EXCLUSIVE MODE")
            current = self._active(connection)
            if current is not None:
                raise IncidentAlreadyActive(
                    f"incident #{current.id} ({current.title}) is active: end it first")
            connection.execute(insert(incidents).values(
                title=name, banner=stored, keywords=list(words), started_by=started_by[:64],
                started_at=time.time(), template=template.name,
                intents=list(template.intents)))
            declared = self._active(connection)
        assert declared is not None
        return declared, fallback

    def end(self, ended_by: str) -> ActiveIncident:
        with self.engine.begin() as connection:
            current = self._active(connection)
            if current is None:
                raise NoActiveIncident("no incident is active")
            connection.execute(update(incidents).where(incidents.c.id == current.id)
                               .values(ended_at=time.time(), ended_by=ended_by[:64]))
        return current

    def recent(self, limit: int = 10) -> list[dict[str, Any]]:
        """The latest incidents, newest first (for `supportbot incident show`)."""
        with reading(self.engine) as connection:
            rows = connection.execute(select(incidents).order_by(incidents.c.id.desc())
                                      .limit(limit)).all()
        return [{"id": row.id, "title": row.title, "template": row.template,
                 "started_by": row.started_by, "started_at": row.started_at,
                 "ended_by": row.ended_by, "ended_at": row.ended_at} for row in rows]


class ActiveIncidentCache:
    """The active incident as this process last read it, re-read at most every
    `ttl` seconds. A database hiccup keeps the last value: a turn never fails for it."""

    def __init__(self, store: IncidentStore, ttl: float):
        self.store = store
        self.ttl = ttl
        self._value: ActiveIncident | None = None
        self._read_at = -math.inf
        self._lock = threading.Lock()

    def current(self) -> ActiveIncident | None:
        if time.monotonic() - self._read_at < self.ttl:
            return self._value
        with self._lock:
            if time.monotonic() - self._read_at >= self.ttl:
                try:
                    self._value = self.store.active()
                except Exception as error:
                    log.warning("could not read the active incident (%s)",
                                type(error).__name__)
                self._read_at = time.monotonic()
        return self._value

    def invalidate(self) -> None:
        """This process changed it: the next read goes to the database."""
        self._read_at = -math.inf
