"""The three processes of a Rasa deployment that uses us, on loopback ports: our server,
our action server (`supportbot actions`) and a real Rasa 3.6 server in its own Python 3.10
environment (scripts/rasa_env.sh), plus the user's end of Rasa's callback channel."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.live_server import ROOT, free_port, stop

RASA_ENV_SCRIPT = ROOT / "scripts" / "rasa_env.sh"


def rasa_environment() -> Path:
    """The Rasa environment (built once, cached outside the repository). In CI a failure
    fails the test: it is never skipped there."""
    if not Path(os.environ.get("SUPPORTBOT_PY310",
                               "/root/.pyenv/versions/3.10.13/bin/python")).exists():
        if os.environ.get("CI"):
            pytest.fail("CI needs Python 3.10 for Rasa (SUPPORTBOT_PY310)")
        pytest.skip("no Python 3.10 here for Rasa (set SUPPORTBOT_PY310)")
    done = subprocess.run([str(RASA_ENV_SCRIPT)], capture_output=True, text=True,
                          timeout=900)
    if done.returncode != 0:
        pytest.fail(f"scripts/rasa_env.sh failed:\n{done.stderr[-3000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


class CallbackUser:
    """The user's side of Rasa's callback channel: Rasa POSTs each bot message here."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with owner.lock:
                    owner.received.append(body)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def texts(self) -> list[str]:
        with self.lock:
            return [str(m.get("text", "")) for m in self.received]

    def wait_for(self, count: int, timeout: float = 60.0) -> list[dict[str, Any]]:
        """The first `count` messages, waiting for them to arrive."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            if time.monotonic() > deadline:
                raise AssertionError(f"waited for {count} messages, got {self.texts()}")
            time.sleep(0.1)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_http(url: str, process: subprocess.Popen[bytes], log: Path,
              timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{url} never answered:\n"
                                 f"{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.3)


@contextmanager
def action_server(folder: Path, config: Path, server_url: str,
                  token: str) -> Iterator[str]:
    port = free_port()
    log = folder / "actions.log"
    env = {**os.environ, "SUPPORTBOT_RASA_TOKEN": token, "SUPPORTBOT_SERVER_URL": server_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), "actions", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/health", process, log, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@contextmanager
def rasa_server(env_dir: Path, project: Path, port: int, auth_token: str,
                token: str) -> Iterator[str]:
    log = project / "rasa.log"
    env = {**os.environ, "SUPPORTBOT_RASA_TOKEN": token, "RASA_TELEMETRY_ENABLED": "false",
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("CI", None)  # Rasa reads CI=true as "no terminal" and that is all; keep it quiet
    process = subprocess.Popen(
        [str(env_dir / "bin" / "rasa"), "run", "--enable-api", "--auth-token", auth_token,
         "--interface", "127.0.0.1", "--port", str(port), "--model", "models/core.tar.gz",
         "--credentials", "credentials.yml", "--endpoints", "endpoints.yml",
         *(["--debug"] if os.environ.get("SUPPORTBOT_RASA_DEBUG") else [])],
        cwd=project, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/status?token={auth_token}", process, log, timeout=180)
        yield base
    finally:
        stop(process)


def validate(env_dir: Path, project: Path) -> str:
    """`rasa data validate` on the project: it must pass (exit 0, no error line)."""
    done = subprocess.run([str(env_dir / "bin" / "rasa"), "data", "validate"], cwd=project,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "RASA_TELEMETRY_ENABLED": "false",
                               "SUPPORTBOT_RASA_TOKEN": "unused-at-validation"})
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert " ERROR " not in output, output[-3000:]
    return output


# Rasa core models trained from an exported project, kept between runs on one machine
# like the shipped model (tests/conftest.py MODEL_CACHE): `rasa train core` costs about a
# minute of every run on 2 cores, and its input is the same until the export changes.
RASA_CORE_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / \
    "supportbot" / "rasa-core"
# What `rasa train core` reads: the domain, the stories and rules, the policies. Not the
# endpoints or credentials, which name this run's ports.
_CORE_INPUTS = ("domain.yml", "config.yml", "data")


def core_training_key(env_dir: Path, project: Path) -> str:
    """The trained model's key: the Rasa environment and every file training reads."""
    digest = hashlib.sha256(str(env_dir.resolve()).encode())
    for name in _CORE_INPUTS:
        part = project / name
        for path in sorted(part.rglob("*") if part.is_dir() else [part]):
            if path.is_file():
                digest.update(path.relative_to(project).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def train_core(env_dir: Path, project: Path) -> None:
    """`rasa train core` on the exported project, or the model it trained before from the
    same files (written aside and renamed, so a reader never sees half a model)."""
    model = project / "models" / "core.tar.gz"
    kept = RASA_CORE_CACHE / core_training_key(env_dir, project) / "core.tar.gz"
    if kept.exists():
        model.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(kept, model)
        return
    done = subprocess.run([str(env_dir / "bin" / "rasa"), "train", "core",
                           "--fixed-model-name", "core", "--out", "models"],
                          cwd=project, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "RASA_TELEMETRY_ENABLED": "false",
                               "SUPPORTBOT_RASA_TOKEN": "unused-at-training"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert model.exists()
    kept.parent.mkdir(parents=True, exist_ok=True)
    aside = kept.with_name(f".core.{os.getpid()}.tar.gz")
    shutil.copyfile(model, aside)
    aside.replace(kept)
