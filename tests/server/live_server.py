"""Start the real server (`python -m bot run`) on a free loopback port for end-to-end tests."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(folder: Path, model_dir: Path) -> Path:
    """The shipped config with every path made absolute (the project's data, this test's
    models and data folder): its own `paths` section is replaced, not repeated, so the
    calibration sets still count in the model's fingerprint."""
    config = folder / "config.yml"
    shipped = (ROOT / "config.yml").read_text()
    calibration = yaml.safe_load(shipped).get("paths", {}).get("calibration_data", [])
    without_paths = re.sub(r"^paths:\n(?:(?:  .*)?\n)*", "", shipped, flags=re.MULTILINE)
    config.write_text(without_paths +
                      f"\npaths:\n  nlu_data: {ROOT / 'nlu_data'}\n"
                      f"  safety_data: {ROOT / 'safety_data'}\n"
                      f"  faq_corpus: {ROOT / 'faq_corpus'}\n  responses: {ROOT / 'responses'}\n"
                      f"  models: {model_dir}\n  data_dir: {folder}\n"
                      "  calibration_data:\n"
                      + "".join(f"    - {ROOT / pattern}\n" for pattern in calibration))
    return config


def link_tree(source: Path, target: Path) -> None:
    """`source` copied as hard links: a model is about 250 MB and a run starts some 40
    servers. Safe because nothing writes a model file in place: training writes a new
    folder and renames it (bot/storage/model_store.py), so a server's retraining never
    reaches the shared files. Copied where links cannot be made (another file system)."""
    def link_or_copy(src: str, dst: str) -> object:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)
        return dst

    shutil.copytree(source, target, copy_function=link_or_copy)


def merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`extra` laid over `base`, section by section: a test's "limits: {busy_after: 24}"
    changes that one setting, not the whole section (YAML keeps the last of two
    "limits:" blocks whole, and the shipped limits went back to their defaults)."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = (merged(out[key], value) if isinstance(value, dict)
                    and isinstance(out.get(key), dict) else value)
    return out


@dataclass
class Launched:
    """A server process started and not yet known to answer (`wait_ready`)."""
    base: str
    config: Path
    process: subprocess.Popen[bytes]
    log: Path


def launch(model_dir: Path, folder: Path, env: dict[str, str] | None = None,
           extra_config: str = "") -> Launched:
    """Start `python -m bot run` on a free port in `folder`; returns at once."""
    model = folder / "models"
    if not model.exists():
        link_tree(model_dir, model)
    config = write_config(folder, model)
    if extra_config:
        config.write_text(yaml.safe_dump(merged(yaml.safe_load(config.read_text()),
                                                yaml.safe_load(extra_config)),
                                         allow_unicode=True, sort_keys=False))
    port = free_port()
    environment = {**os.environ, "SUPPORTBOT_DATABASE_URL": "", **(env or {})}
    log = folder / "server.log"  # appended to across restarts; quoted when it fails
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), "run", "--no-train",
         "--port", str(port)], cwd=ROOT, env=environment,
        stdout=log.open("ab"), stderr=subprocess.STDOUT)
    return Launched(f"http://127.0.0.1:{port}", config, process, log)


def wait_ready(server: Launched, timeout: float = 90) -> None:
    """Until /healthz answers 200; the log's tail in the error if the server died or
    never answered."""
    deadline = time.time() + timeout
    while True:
        try:
            if httpx.get(f"{server.base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.time() > deadline or server.process.poll() is not None:
            tail = server.log.read_text(errors="replace")[-3000:]
            raise AssertionError(f"the server did not start:\n{tail}")
        time.sleep(0.3)


@contextmanager
def live_server(model_dir: Path, folder: Path, env: dict[str, str] | None = None,
                extra_config: str = ""
                ) -> Iterator[tuple[str, Path, subprocess.Popen[bytes]]]:
    server = launch(model_dir, folder, env, extra_config)
    try:
        wait_ready(server)
        yield server.base, server.config, server.process
    finally:
        stop(server.process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it has not ended within 20 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
