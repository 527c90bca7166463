"""`supportbot run` with something wrong: one clear paragraph and a non-zero exit, before
the banner and before any worker starts, with one worker and with several."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from tests.server.live_server import ROOT, free_port, write_config


def _run(config, port, workers, env=None):  # type: ignore[no-untyped-def]
    environment = {**os.environ, "SUPPORTBOT_DATABASE_URL": "", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "run", "--no-train",
         "--port", str(port), "--workers", str(workers)],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)


def _config(tmp_path, model_dir, data_dir=None):  # type: ignore[no-untyped-def]
    config = write_config(tmp_path, model_dir)
    if data_dir is not None:
        config.write_text(config.read_text().replace(f"data_dir: {tmp_path}",
                                                     f"data_dir: {data_dir}"))
    return config


def _one_paragraph(result, *words):  # type: ignore[no-untyped-def]
    assert result.returncode != 0
    assert "supportbot on http" not in result.stdout  # no banner
    assert "Traceback" not in result.stderr, result.stderr
    message = result.stderr.strip()
    assert message.startswith("error: ") and "\n\n" not in message, message
    for word in words:
        assert word in message, message


@pytest.mark.parametrize("workers", [1, 2])
def test_a_data_directory_that_cannot_be_made(shipped_model_dir, tmp_path, workers):
    config = _config(tmp_path, shipped_model_dir, "/proc/supportbot-test/data")
    _one_paragraph(_run(config, free_port(), workers), "data directory", "paths.data_dir")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_database_that_cannot_be_opened(shipped_model_dir, tmp_path, workers):
    data = tmp_path / "data"
    (data / "supportbot.sqlite3").mkdir(parents=True)  # a folder where the file should be
    config = _config(tmp_path, shipped_model_dir, data)
    _one_paragraph(_run(config, free_port(), workers), "database", "writable")


def test_an_unreachable_postgresql(shipped_model_dir, tmp_path):
    config = _config(tmp_path, shipped_model_dir)
    url = "postgresql://postgres@127.0.0.1:5432/no_such_database_here"
    _one_paragraph(_run(config, free_port(), 2, {"SUPPORTBOT_DATABASE_URL": url}),
                   "no_such_database_here", "SUPPORTBOT_DATABASE_URL")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_missing_model(tmp_path, workers):
    config = _config(tmp_path, tmp_path / "no-model")
    _one_paragraph(_run(config, free_port(), workers), "supportbot train")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_port_in_use(shipped_model_dir, tmp_path, workers):
    config = _config(tmp_path, shipped_model_dir)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        _one_paragraph(_run(config, port, workers), f"127.0.0.1:{port}", "--port")
