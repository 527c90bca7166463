"""`supportbot webhooks list | retry`: what was paged or frozen, and a failed call sent
again once its receiver is back."""

from __future__ import annotations

import time

from bot.cli import main
from bot.config import WebhookSettings
from bot.ops import webhooks
from bot.storage.database import create_database_engine, migrate
from tests.conftest import ROOT


def test_list_and_retry_a_failed_call(tmp_path, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", url)
    engine = create_database_engine(url)
    migrate(engine)
    with engine.begin() as connection:
        call = webhooks.enqueue(connection, webhooks.FREEZE, {"uid": "UID-1"}, handoff_id=7)
    (claimed,) = webhooks.claim_due(engine, 1, 30)
    failed = webhooks.Outcome(False, False, "HTTP 401")
    assert webhooks.settle(engine, claimed, failed, WebhookSettings()) == "failed"
    config = ["--config", str(ROOT / "config.yml")]

    assert main([*config, "webhooks", "list", "--state", "failed"]) == 0
    shown = capsys.readouterr().out
    assert f"#{call}" in shown and "freeze" in shown and "case #7" in shown
    assert "HTTP 401" in shown and "UID-1" not in shown  # the body stays in the database

    assert main([*config, "webhooks", "retry", str(call)]) == 0
    row = webhooks.get(engine, call)
    assert row.state == "pending" and row.attempts == 0 and row.next_attempt_at <= time.time()
    assert main([*config, "webhooks", "retry", str(call)]) == 2  # not failed any more
    assert "no failed webhook call" in capsys.readouterr().err
    engine.dispose()
