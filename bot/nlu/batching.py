"""One understanding thread per process that batches whatever messages are waiting.

A server answers many conversations at once from a pool of request threads. If each of
them ran the models itself, they would fight over the GIL and the two cores, and every
message would pay the full per-call cost of the embedder and classifier. Instead each
request hands its message to this thread and waits: when the thread is idle a message
goes through alone (no added delay), and under load everything that queued up meanwhile
goes through as one batch, which costs per message about half as much from 8 up.

The queue has two lanes: the messages a request is waiting on before the turns already
deferred with a "busy, your reply follows" notice. An urgent message (a pasted secret,
incident words) does not queue at all: its own thread understands it at once, beside the
batch in progress. Queued, it waited for that batch (up to `max_batch` messages) and then
paid for a batch of its own: under a flood that was most of a P1's 300-500 ms. The
models only read their weights at parse time (request threads called them side by side
before this thread existed, and a Telegram group's scam check still does); the batch
loses a little speed meanwhile. `backlog` is what the server's overload check reads.
Once a child process at a lower CPU priority runs, the batches go there, so that the
urgent thread has the cores (bot/nlu/routine_process.py).
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from bot.nlu.pipeline import NLU, ParseItem
from bot.nlu.routine_process import RoutineProcess
from bot.nlu.secrets import SecretScan
from bot.nlu.understanding import ParseContext, Understanding

log = logging.getLogger(__name__)

# Queue lanes, served in this order; URGENT is parsed on the caller's thread, never queued.
URGENT, WAITED_ON, DEFERRED = 0, 1, 2
# While an urgent message is understood and answered, the next batch waits, in steps, up
# to a bound, so routine work can never be starved for good.
YIELD_STEP, YIELD_AT_MOST = 0.002, 0.25


class BatchingParser:
    def __init__(self, nlu: NLU, max_batch: int = 32,
                 yield_to: Callable[[], bool] = lambda: False,
                 routine: RoutineProcess | None = None, routine_after: int = 8):
        self.nlu = nlu
        # The child: a server starts it at once (start_routine); elsewhere the first batch
        # of `routine_after` messages or more does, so a host that is never busy never
        # pays for a second copy of the models.
        self.routine = routine
        self.routine_after = routine_after
        self.yield_to = yield_to
        self.max_batch = max_batch
        # (lane, arrival number, item, future): the arrival number keeps each lane FIFO
        # and means the items themselves are never compared.
        self._waiting: queue.PriorityQueue[Any] = queue.PriorityQueue()
        self._arrivals = itertools.count()
        self._outstanding = 0
        self._count_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.batches = 0  # for the benchmark and the tests: how much batching happened
        self.messages = 0

    @property
    def backlog(self) -> int:
        """Messages handed in and not yet understood (queued or in the current batch)."""
        return self._outstanding

    def parse(self, text: str, context: ParseContext | None = None,
              forced_intent: str | None = None, scan: SecretScan | None = None,
              lane: int = WAITED_ON) -> Understanding:
        """Same contract as NLU.parse; blocks until this message is understood."""
        if lane == URGENT:
            return self.nlu.parse(text, context, forced_intent, scan)
        self._ensure_started()
        future: Future[Understanding] = Future()
        with self._count_lock:
            self._outstanding += 1
        self._waiting.put((lane, next(self._arrivals), (text, context, forced_intent, scan),
                           future))
        return future.result()

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="nlu-batcher",
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            entries = [self._waiting.get()]
            waited = 0.0
            while waited < YIELD_AT_MOST and self.yield_to():
                time.sleep(YIELD_STEP)
                waited += YIELD_STEP
            while len(entries) < self.max_batch:
                try:
                    entries.append(self._waiting.get_nowait())
                except queue.Empty:
                    break
            batch = [(item, future) for _, _, item, future in entries]
            self.batches += 1
            self.messages += len(batch)
            try:
                try:
                    results = self._parse_batch([item for item, _ in batch])
                except Exception as error:  # isolate the message that broke the batch
                    # The type only: a message or traceback could quote unredacted text.
                    log.error("batched parse failed (%s); parsing the %d messages one by one",
                              type(error).__name__, len(batch))
                    self._one_by_one(batch)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    future.set_result(result)
            finally:
                with self._count_lock:
                    self._outstanding -= len(batch)

    def _parse_batch(self, items: list[ParseItem]) -> list[Understanding]:
        if self.routine is not None:
            if len(items) >= self.routine_after:
                self.routine.start()
            understood = self.routine.parse_many(items)
            if understood is not None:
                return understood
        return self.nlu.parse_many(items)

    def start_routine(self) -> None:
        """Start the child process now rather than with the first large batch."""
        if self.routine is not None:
            self.routine.start()

    def routine_state(self) -> str:
        """The child's: "off" (limits.routine_process false, or a model without a folder),
        "not_started" (a host that is not a server starts it with its first large batch),
        "loading", "ready" or "broken" (RoutineProcess.state). Until it is "ready" this
        process understands routine batches itself, slower under a flood."""
        return "off" if self.routine is None else self.routine.state()

    def close(self) -> None:
        """Stop the child process, if any (the thread is a daemon)."""
        if self.routine is not None:
            self.routine.close()

    def _one_by_one(self, batch: list[tuple[ParseItem, Future[Understanding]]]) -> None:
        for item, future in batch:
            try:
                future.set_result(self.nlu.parse(*item))
            except Exception as error:  # handed to the waiting request
                future.set_exception(error)
