"""The incidents table on both databases: one active incident at a time, even when two
supervisors declare at once; every process sees a change within the cache time."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from bot.incidents.store import (
    ActiveIncidentCache,
    BadIncidentInput,
    IncidentAlreadyActive,
    IncidentStore,
    NoActiveIncident,
)
from bot.incidents.templates import read_templates
from bot.storage.database import create_database_engine, migrate
from bot.taxonomy import SUPPORTED_LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = read_templates(ROOT / "responses" / "incidents.yml", SUPPORTED_LANGUAGES)


def _exercise(url: str) -> None:
    engine, other_engine = create_database_engine(url), create_database_engine(url)
    migrate(engine)
    try:
        store, other_process = IncidentStore(engine), IncidentStore(other_engine)
        cache = ActiveIncidentCache(other_process, ttl=0.5)
        assert cache.current() is None
        with pytest.raises(BadIncidentInput):
            store.start(TEMPLATES["maintenance"], started_by="t", languages=SUPPORTED_LANGUAGES,
                        banner={"xx": "hello"})
        # Two declarations at the same moment: exactly one wins.
        outcomes: list[str] = []

        def declare(name: str) -> None:
            try:
                store.start(TEMPLATES[name], started_by=name, languages=SUPPORTED_LANGUAGES)
                outcomes.append("declared")
            except IncidentAlreadyActive:
                outcomes.append("refused")

        threads = [threading.Thread(target=declare, args=(name,))
                   for name in ("maintenance", "withdrawals_delayed", "login_problems")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["declared", "refused", "refused"]
        active = store.active()
        assert active is not None and len(active.banner) == len(SUPPORTED_LANGUAGES)
        assert cache.current() is None  # still the value read a moment ago …
        time.sleep(0.6)
        seen = cache.current()
        assert seen is not None and seen.id == active.id  # … then the new one
        ended = store.end("t")
        assert ended.id == active.id and store.active() is None
        with pytest.raises(NoActiveIncident):
            store.end("t")
        assert store.recent()[0]["ended_by"] == "t"
    finally:
        engine.dispose()
        other_engine.dispose()


def test_one_active_incident_on_sqlite(sqlite_url):  # type: ignore[no-untyped-def]
    _exercise(sqlite_url)


@pytest.mark.postgres
def test_one_active_incident_on_postgres(postgres_url):  # type: ignore[no-untyped-def]
    _exercise(postgres_url)
