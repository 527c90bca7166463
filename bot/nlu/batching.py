"""One understanding thread per process that batches whatever messages are waiting.

A server answers many conversations at once from a pool of request threads. If each of
them ran the models itself, they would fight over the GIL and the two cores, and every
message would pay the full per-call cost of the embedder and classifier. Instead each
request hands its message to this thread and waits: when the thread is idle a message
goes through alone (no added delay), and under load everything that queued up meanwhile
goes through as one batch, which costs per message about half as much from 8 up.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future

from bot.nlu.pipeline import NLU, ParseItem
from bot.nlu.secrets import SecretScan
from bot.nlu.understanding import ParseContext, Understanding

log = logging.getLogger(__name__)



class BatchingParser:
    def __init__(self, nlu: NLU, max_batch: int = 32):
        self.nlu = nlu
        self.max_batch = max_batch
        self._waiting: queue.SimpleQueue[tuple[ParseItem, Future[Understanding]]] = (
            queue.SimpleQueue())
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.batches = 0  # for the benchmark and the tests: how much batching happened
        self.messages = 0

    def parse(self, text: str, context: ParseContext | None = None,
              forced_intent: str | None = None, scan: SecretScan | None = None) -> Understanding:
        """Same contract as NLU.parse; blocks until this message is understood."""
        self._ensure_started()
        future: Future[Understanding] = Future()
        self._waiting.put(((text, context, forced_intent, scan), future))
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
            batch = [self._waiting.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._waiting.get_nowait())
                except queue.Empty:
                    break
            self.batches += 1
            self.messages += len(batch)
            try:
                results = self.nlu.parse_many([item for item, _ in batch])
            except Exception as error:  # isolate the message that broke the batch
                # The type only: a message or traceback could quote unredacted user text.
                log.error("batched parse failed (%s); parsing the %d messages one by one",
                          type(error).__name__, len(batch))
                self._one_by_one(batch)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                future.set_result(result)

    def _one_by_one(self, batch: list[tuple[ParseItem, Future[Understanding]]]) -> None:
        for item, future in batch:
            try:
                future.set_result(self.nlu.parse(*item))
            except Exception as error:  # handed to the waiting request
                future.set_exception(error)
