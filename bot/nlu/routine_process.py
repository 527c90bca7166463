"""Routine understanding in a child process at a lower CPU priority (started with a server).

Under a flood the batching thread (bot.nlu.batching) keeps both cores busy with routine
batches, and inside the server process it also shares the GIL with the urgent turns: a
P1 waited for the CPU and the GIL behind routine work (p99 75-105 ms under overload
against about 30 ms at light load, `bench.api_turns --overload` on 0.10.5, where
in-process levers such as a shorter switch interval changed nothing). In a child process
with a raised nice value the kernel gives the server's own threads, the urgent turn's
among them, the cores first, and the GIL is no longer shared.

The child costs a second copy of the models (about 500 MB) and a few seconds to load them.
A server process starts it at start-up (so the models are loaded before a flood); other
hosts of the engine with their first batch of `limits.routine_process_after` messages.
It loads in the background: until it is ready, and whenever it fails, batches are
understood in the server process as before. Either way the caller keeps its items, so a
dead child loses nothing. An urgent message is never sent to the child.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:
    from bot.nlu.pipeline import NLU, ParseItem
    from bot.nlu.understanding import Understanding

log = logging.getLogger(__name__)

# A child that broke is started again at most this often: a model that cannot be read
# must not cost a model load per batch.
RESTART_AFTER_SECONDS = 60.0
PARENT_CHECK_SECONDS = 1.0

# In the child: its own copy of the models.
_child_nlu: NLU | None = None


def _start_child(settings: Settings, model_dir: str, niceness: int, parent: int) -> None:
    global _child_nlu
    os.nice(niceness)  # before the models start their thread pools, which inherit it
    threading.Thread(target=_exit_with_parent, args=(parent,), name="parent-watch",
                     daemon=True).start()
    from bot.nlu.pipeline import NLU
    from bot.nlu.warm_up import warm_up

    # The server checked the model's fingerprint before it started; this is the same file.
    _child_nlu = NLU.load(settings, model_dir, check_fresh=False)
    warm_up(_child_nlu)


def _exit_with_parent(parent: int) -> None:
    # A pool worker holds both ends of its task queue, so it would outlive a server killed
    # with SIGKILL, models and all: it watches for its parent instead.
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _alive(pid: int) -> bool:
    """Is the process there and not a zombie (dead, not yet reaped by the pool)?"""
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:  # no /proc: the signal check is all there is
        return True


def _loaded() -> int:
    return os.getpid()


def _parse_many(items: list[ParseItem]) -> list[Understanding]:
    assert _child_nlu is not None, "the pool's initializer loads the models first"
    return _child_nlu.parse_many(items)


class RoutineProcess:
    """A child process that understands routine batches, started on first need."""

    def __init__(self, settings: Settings, model_dir: Path, niceness: int):
        self.settings = settings
        self.model_dir = model_dir
        self.niceness = niceness
        self._pool: ProcessPoolExecutor | None = None
        self._ready: Future[int] | None = None
        self._broke_at = float("-inf")
        self._closed = False  # the server is stopping: never started again
        self._lock = threading.Lock()
        self.batches = 0  # understood by the child: for the tests and the benchmark

    @property
    def pid(self) -> int | None:
        """The child's process id once it has loaded the models, else None."""
        ready = self._ready
        if ready is None or not ready.done() or ready.exception() is not None:
            return None
        return ready.result()

    def state(self) -> str:
        """"not_started"; "loading"; "ready" (loaded, and its process is alive);
        "broken" (it could not load or it died: batches are understood in the server
        process, and a new child starts with the first batch a minute or more later)."""
        ready = self._ready
        if self._pool is None or ready is None:
            return "broken" if self._broke_at > float("-inf") else "not_started"
        if not ready.done():
            return "loading"
        pid = self.pid
        return "ready" if pid is not None and _alive(pid) else "broken"

    def wait_ready(self, timeout: float) -> bool:
        """Wait (for a test, a benchmark) until the child has loaded the models."""
        ready = self._ready
        if ready is None:
            return False
        try:
            ready.result(timeout=timeout)
        except Exception:  # a child that could not start, or not in time
            return False
        return True

    def start(self) -> None:
        """Start the child unless it runs, or broke less than a minute ago. Returns at
        once: the models load in the child meanwhile."""
        with self._lock:
            if self._pool is not None or self._closed:
                return
            if time.monotonic() - self._broke_at < RESTART_AFTER_SECONDS:
                return
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                # Not fork: the server's threads (and the models' thread pools) would be
                # copied mid-flight into the child.
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_child,
                initargs=(self.settings, str(self.model_dir), self.niceness, os.getpid()))
            self._ready = self._pool.submit(_loaded)
            log.info("starting a routine-understanding process (nice %d)", self.niceness)

    def parse_many(self, items: Sequence[ParseItem]) -> list[Understanding] | None:
        """The child's understanding of the items; None when it is not ready (still
        loading, broken or never started): then the caller understands them itself. A
        message that makes the models raise raises here too, as in-process. A child that
        broke is started again here, a minute or more later, whatever the batch's size."""
        if self._pool is None and self._broke_at > float("-inf"):
            self.start()  # returns at once; this batch is understood by the caller
        pool, ready = self._pool, self._ready
        if pool is None or ready is None or not ready.done():
            return None
        try:
            if ready.exception() is not None:
                raise BrokenProcessPool("the child could not load the models")
            future = pool.submit(_parse_many, list(items))
        except (BrokenProcessPool, RuntimeError) as error:
            # RuntimeError: the pool was shut down meanwhile (the server is stopping).
            self._broken(pool, error)
            return None
        try:
            result = future.result()
        except BrokenProcessPool as error:  # the child died; any other error is the batch's
            self._broken(pool, error)
            return None
        self.batches += 1
        return result

    def _broken(self, pool: ProcessPoolExecutor, error: BaseException) -> None:
        with self._lock:
            if self._pool is not pool:
                return
            # The type only: an exception's text could quote a message.
            log.error("the routine-understanding process failed (%s); understanding in "
                      "the server process, a new one in %.0f s at the earliest",
                      type(error).__name__, RESTART_AFTER_SECONDS)
            self._pool, self._ready = None, None
            self._broke_at = time.monotonic()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool, self._ready = self._pool, None, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
