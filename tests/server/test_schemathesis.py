"""The whole HTTP API fuzzed from its own OpenAPI document by schemathesis, against a live
server on SQLite and on PostgreSQL, with an agent session and a real handoff (so agent
routes are exercised past 401 and 404): any 500 or response that breaks the schema fails.

The suite runs a bounded number of examples per operation; the full run
(`--max-examples 300`) is the command in the README ("API fuzzing")."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from tests.authenticator import pass_second_factor
from tests.server.live_server import ROOT, live_server

PASSWORD = "fuzzing agent password"
EXAMPLES = int(os.environ.get("SUPPORTBOT_FUZZ_EXAMPLES", "20"))


# The fuzzer sends hundreds of messages a second from one address: with the flood limits
# (tested in test_message_flood.py) nearly all would be 429s and the turn's logic would go
# untested. The other limits stay as shipped.
_FUZZ_LIMITS = ("limits:\n  max_message_chars: 4096\n  busy_after: 24\n"
                "  messages_per_conversation: 10000\n  messages_per_client: 100000\n")


def _fuzz(model_dir, folder, env):  # type: ignore[no-untyped-def]
    env = {**env, "SUPPORTBOT_AGENT_PASSWORD": PASSWORD}
    with live_server(model_dir, folder, env, extra_config=_FUZZ_LIMITS) as (base, config, _):
        subprocess.run([sys.executable, "-m", "bot", "--config", str(config), "agent", "add",
                        "fuzzer", "--languages", "en,zh,es", "--capacity", "50",
                        # A supervisor, so the supervisor-only routes (incident, erasure,
                        # export) are fuzzed past their 403 as well.
                        "--role", "supervisor"],
                       cwd=ROOT, env={**os.environ, "SUPPORTBOT_DATABASE_URL": "", **env},
                       check=True, capture_output=True)
        conversation = httpx.post(f"{base}/api/v1/conversations", json={}).json()["id"]
        turn = httpx.post(f"{base}/api/v1/conversations/{conversation}/messages",
                          json={"text": "I want to talk to a human"}, timeout=30).json()
        login = httpx.post(f"{base}/api/v1/agent/login", json={
            "username": "fuzzer", "password": PASSWORD}).json()
        token = login["token"]
        # Past the second factor too, or every agent route would stop at its 403.
        pass_second_factor(lambda path, **kw: httpx.post(base + path, **kw), token,
                           login["second_factor"], "fuzzer", {})
        (folder / "schemathesis.toml").write_text(
            f'[parameters]\n"path.handoff_id" = {turn["handoff"]["id"]}\n'
            f'"path.conversation_id" = "{conversation}"\n')
        def fuzz(*selection: str) -> str:
            result = subprocess.run(
                [str(ROOT / ".venv" / "bin" / "st"), "run", f"{base}/openapi.json",
                 "--checks", "all", "--max-examples", str(EXAMPLES), "--seed", "1",
                 # This test is about 500s and the schema. Its implicit 10 s response limit
                 # failed once on a loaded 2-core CI machine (a 422 in 19 s on PostgreSQL,
                 # 2026-12-04); a minute still catches a hung server.
                 "--max-response-time", "60",
                 *selection, "-H", f"Authorization: Bearer {token}"],
                cwd=folder, capture_output=True, text=True, timeout=900)
            summary = result.stdout[-6000:]
            assert result.returncode == 0, summary
            assert "Server error" not in summary, summary
            return summary

        # Logout, and a supervisor's reset of the fuzzer's own second factor (schemathesis
        # follows the links to its username), would end the session for every operation
        # after them: the reset is fuzzed last, on its own; logout has its own tests.
        reset = "/api/v1/agent/agents/{username}/second-factor"
        summary = fuzz("--exclude-path", "/api/v1/agent/logout", "--exclude-path", reset)
        assert "Authentication failed" not in summary, summary
        fuzz("--include-path", reset)
    return summary


def test_fuzzing_finds_no_500_on_sqlite(shipped_model_dir, tmp_path):
    _fuzz(shipped_model_dir, tmp_path, {})


def test_fuzzing_finds_no_500_on_postgres(shipped_model_dir, tmp_path, postgres_url):
    _fuzz(shipped_model_dir, tmp_path, {"SUPPORTBOT_DATABASE_URL": postgres_url})
