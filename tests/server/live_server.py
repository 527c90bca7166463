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


def merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`extra` laid over `base`, section by section: a test's "limits: {busy_after: 24}"
    changes that one setting, not the whole section (YAML keeps the last of two
    "limits:" blocks whole, and the shipped limits went back to their defaults)."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = (merged(out[key], value) if isinstance(value, dict)
                    and isinstance(out.get(key), dict) else value)
    return out


@contextmanager
def live_server(model_dir: Path, folder: Path, env: dict[str, str] | None = None,
                extra_config: str = ""
                ) -> Iterator[tuple[str, Path, subprocess.Popen[bytes]]]:
    model = folder / "models"
    if not model.exists():
        shutil.copytree(model_dir, model)
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
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or process.poll() is not None:
                tail = log.read_text(errors="replace")[-3000:]
                raise AssertionError(f"the server did not start:\n{tail}")
            time.sleep(0.3)
        yield base, config, process
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it has not ended within 20 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
