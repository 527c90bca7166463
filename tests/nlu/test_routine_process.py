"""Routine batches in a child process at a lower CPU priority: same answers, nothing lost
when it dies, and no child left behind by a killed server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.nlu.batching import URGENT, BatchingParser
from bot.nlu.routine_process import RoutineProcess

TEXTS = ["usdt充值两个小时了还没到账", "mi retiro de usdt lleva 5 horas pendiente",
         "how do I enable 2FA?", "hola", "my account was hacked, someone changed my email"]
ROOT = Path(__file__).resolve().parents[2]


def _ask_together(parser: BatchingParser, texts: list[str]) -> list[tuple[str, str, str]]:
    results: dict[int, tuple[str, str, str]] = {}

    def ask(i: int) -> None:
        understood = parser.parse(texts[i])
        results[i] = (understood.text, understood.lang, understood.intent)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return [results[i] for i in range(len(texts))]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purpose (its parent, the pool, has not reaped it yet).
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_a_busy_parser_hands_routine_batches_to_a_lower_priority_child(settings, tiny_nlu,
                                                                        tiny_model_dir):
    routine = RoutineProcess(settings, tiny_model_dir, niceness=10)
    parser = BatchingParser(tiny_nlu, routine=routine, routine_after=1)
    try:
        assert routine.pid is None  # nothing starts before a batch needs it
        parser.parse(TEXTS[0])  # starts the child; understood here while it loads
        assert routine.wait_ready(timeout=120)
        pid = routine.pid
        assert pid is not None and pid != os.getpid()
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, ours + 10)

        texts = TEXTS * 3
        assert _ask_together(parser, texts) == [
            (u.text, u.lang, u.intent) for u in (tiny_nlu.parse(t) for t in texts)]
        by_child = routine.batches
        assert by_child >= 1

        parser.parse(TEXTS[-1], lane=URGENT)  # an urgent message never goes to the child
        assert routine.batches == by_child

        # A batch the models cannot read raises as it would in-process (the batching
        # thread then reads its messages one by one); the child is not given up for it.
        with pytest.raises(AttributeError):
            routine.parse_many([(TEXTS[0], "not a context", None, None)])  # type: ignore[list-item]
        assert routine.pid == pid
    finally:
        parser.close()


def test_a_killed_child_loses_no_message_and_is_not_restarted_at_once(settings, tiny_nlu,
                                                                      tiny_model_dir):
    routine = RoutineProcess(settings, tiny_model_dir, niceness=10)
    parser = BatchingParser(tiny_nlu, routine=routine, routine_after=1)
    try:
        assert routine.state() == "not_started" and parser.routine_state() == "not_started"
        routine.start()
        assert routine.wait_ready(timeout=120)
        assert parser.routine_state() == "ready"
        pid = routine.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        # Dead before any batch noticed: /healthz must not go on saying "ready".
        assert parser.routine_state() == "broken"

        # Every message of the batch the dead child should have read is answered here.
        texts = TEXTS * 2
        assert _ask_together(parser, texts) == [
            (u.text, u.lang, u.intent) for u in (tiny_nlu.parse(t) for t in texts)]
        assert routine.pid is None and parser.routine_state() == "broken"
        routine.start()  # a model that cannot load must not cost a load per batch
        assert routine.pid is None and not routine.wait_ready(timeout=0.1)
        assert parser.routine_state() == "broken"
    finally:
        parser.close()


def test_a_child_that_cannot_load_its_models_is_reported_broken(settings, tmp_path):
    routine = RoutineProcess(settings, tmp_path / "no-model-here", niceness=10)
    try:
        routine.start()
        assert routine.state() == "loading"
        assert not routine.wait_ready(timeout=120)
        assert routine.state() == "broken"  # not "loading" for ever
    finally:
        routine.close()


CHILD_OF_A_KILLED_SERVER = """
import sys, time
from pathlib import Path
from bot.config import load_settings
from bot.nlu.routine_process import RoutineProcess
routine = RoutineProcess(load_settings(Path("config.yml")), Path(sys.argv[1]), 10)
routine.start()
assert routine.wait_ready(timeout=120)
print(routine.pid, flush=True)
time.sleep(600)
"""


def test_the_child_does_not_outlive_a_server_killed_with_sigkill(tiny_model_dir):
    server = subprocess.Popen([sys.executable, "-c", CHILD_OF_A_KILLED_SERVER,
                               str(tiny_model_dir)], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert server.stdout is not None
        child = int(server.stdout.readline())
        assert _alive(child)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child)
    finally:
        server.kill()
