"""Turns answered after their request returned: what a busy server does instead of making
every user wait (or refusing anyone).

The message is stored before it gets here; the user was told "busy, your reply follows";
the reply reaches them over the live channel when the turn is done. Each conversation
has one lane, so its messages are answered in the order they came; the lanes run side by
side, and their understanding goes through the parser's lowest lane, behind urgent
messages and those a request is waiting on. A process that dies with turns here loses
none of them: the messages are stored unanswered, and `DialogueEngine.answer_orphans`
(any process, later) finds them.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable

log = logging.getLogger(__name__)

Job = Callable[[], object]


# A deferred turn is background work: while messages wait to be stored (and acknowledged),
# a lane lets them go first, up to this long per turn, so it cannot be starved for good.
YIELD_STEP, YIELD_AT_MOST = 0.005, 0.5


class DeferredTurns:
    def __init__(self, lanes: int = 8, yield_to: Callable[[], bool] = lambda: False):
        self.yield_to = yield_to
        self._lanes: list[queue.SimpleQueue[tuple[str, int, Job]]] = [
            queue.SimpleQueue() for _ in range(lanes)]
        self._lock = threading.Lock()
        self._per_conversation: Counter[str] = Counter()
        self._message_ids: set[int] = set()
        self._threads: list[threading.Thread] = []

    @property
    def waiting(self) -> int:
        """Deferred turns not finished yet."""
        return len(self._message_ids)

    def holds(self, conversation_id: str) -> bool:
        """Has this conversation a turn waiting here? Its next message waits behind it."""
        return self._per_conversation[conversation_id] > 0

    def holds_message(self, message_id: int) -> bool:
        return message_id in self._message_ids

    def add(self, conversation_id: str, message_id: int, job: Job) -> None:
        with self._lock:
            if not self._threads:
                self._start()
            self._per_conversation[conversation_id] += 1
            self._message_ids.add(message_id)
        lane = zlib.crc32(conversation_id.encode()) % len(self._lanes)
        self._lanes[lane].put((conversation_id, message_id, job))

    def _start(self) -> None:
        for number, lane in enumerate(self._lanes):
            thread = threading.Thread(target=self._run, args=(lane,),
                                      name=f"deferred-turns-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _run(self, lane: queue.SimpleQueue[tuple[str, int, Job]]) -> None:
        while True:
            conversation_id, message_id, job = lane.get()
            waited = 0.0
            while waited < YIELD_AT_MOST and self.yield_to():
                time.sleep(YIELD_STEP)
                waited += YIELD_STEP
            try:
                job()
            except Exception as error:
                # The message stays stored and unanswered: the orphan sweep retries it.
                # The type only: the text of an error could quote what the user wrote.
                log.error("deferred turn for message %d failed (%s)", message_id,
                          type(error).__name__)
            finally:
                with self._lock:
                    self._per_conversation[conversation_id] -= 1
                    if self._per_conversation[conversation_id] <= 0:
                        del self._per_conversation[conversation_id]
                    self._message_ids.discard(message_id)
