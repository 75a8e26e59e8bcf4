"""A Client's queue of the callbacks that c104 runs on its worker thread, not on the receive path.

c104 queues ``on_state_change``, ``on_receive_raw``, ``on_send_raw`` and
``on_unexpected_message`` to its client worker thread, so a script may call a blocking method
there (``connection.interrogation()`` once the state is OPEN is the common case). c104test
queues the same four here (``Connection._queue``); they run, in the order the frames were
journalled, in a thread of their own (``c104test-client-callbacks``) that starts with the
first and ends ``LINGER`` s after the last (at once when ``Client.stop()`` closes it). The
others (``on_new_station``, ``on_new_point``, ``on_station_initialized``, a point's
``on_receive``) run on c104's receive thread, where a blocking call never returns; here they
run in the trio thread, where one raises RuntimeError at once.

>>> queue = CallbackQueue()
>>> seen = []
>>> queue.submit(lambda: seen.append(1), "on_state_change")
>>> queue.drain(1.0)
True
>>> seen
[1]
>>> queue.close(1.0)
True
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

__all__ = ["STOP_CALLBACK_WAIT", "THREAD", "CallbackQueue"]

log = logging.getLogger("c104test.callbacks")

THREAD = "c104test-client-callbacks"
STOP_CALLBACK_WAIT = 1.0  # seconds Client.stop() waits for the queued callbacks to run
_LIMIT = 10_000  # callbacks waiting; more are dropped and counted (a script that never returns)
#: seconds the thread waits for the next callback before it ends: a thread started per frame
#: (a raw-frame callback, a command a time) cost about 0.4 ms each
LINGER = 0.2


class CallbackQueue:
    """Callbacks run in order in one thread at a time, started when the first is queued and
    ended ``LINGER`` s after the last one (or at once by ``close``)."""

    def __init__(self) -> None:
        self._jobs: deque[tuple[Callable[[], Any], str]] = deque()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._idle = False  # the thread waits for the next callback (LINGER)
        self._closing = False  # close(): the thread ends as soon as nothing is queued
        self.running: tuple[str, float] | None = None  # the callback running now, since (monotonic)
        self.dropped = 0

    def submit(self, job: Callable[[], Any], what: str) -> None:
        """Queue ``job`` (any thread; never blocks); ``what`` names the callback for log lines."""
        with self._cond:
            if len(self._jobs) >= _LIMIT:
                self.dropped += 1
                if self.dropped == 1:
                    running = self.running[0] if self.running is not None else "?"
                    log.warning("%d callbacks wait for %s (running: %s); %s and the later ones are dropped "
                                "(counted: Client.stop() logs how many)", _LIMIT, THREAD, running, what)
                return
            self._jobs.append((job, what))
            if self._thread is None:
                self._closing = False
                self._thread = threading.Thread(target=self._run, name=THREAD, daemon=True)
                self._thread.start()
            elif self._idle:
                self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._jobs:
                    self.running = None
                    self._idle = True
                    self._cond.notify_all()  # drain(): all has run
                    deadline = time.monotonic() + LINGER
                    while not self._jobs and not self._closing:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            break
                        self._cond.wait(left)
                    self._idle = False
                    if not self._jobs:
                        self._thread = None
                        self._cond.notify_all()  # close(): the thread ends
                        return
                job, what = self._jobs.popleft()
                self.running = (what, time.monotonic())
            try:
                job()
            except Exception:  # a job must never end the thread with callbacks still queued
                log.exception("client callback %s failed", what)
            job = None  # type: ignore[assignment]

    def drain(self, timeout: float) -> bool:
        """Wait until every queued callback has run (at most ``timeout`` s); False, with a
        warning naming the callback that holds the queue up, if they have not. From a callback
        of this queue it returns at once: it would wait for itself. Callbacks dropped at the
        bound since the last drain are logged here with their number."""
        if self.dropped:
            log.warning("%d client callbacks were dropped: more than %d waited for %s", self.dropped, _LIMIT, THREAD)
            self.dropped = 0
        if threading.current_thread() is self._thread:
            return False
        return self._wait(lambda: self._idle and not self._jobs, timeout)

    def close(self, timeout: float) -> bool:
        """``drain``, then end the thread now rather than after ``LINGER`` (``Client.stop()``)."""
        deadline = time.monotonic() + timeout
        if not self.drain(timeout):
            return False
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        return self._wait(None, max(deadline - time.monotonic(), 0.0))

    def _wait(self, done: Callable[[], bool] | None, timeout: float) -> bool:
        """Wait (at most ``timeout`` s) until the thread has ended or ``done()``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._thread is not None and not (done is not None and done()):
                left = deadline - time.monotonic()
                if left <= 0:
                    running = self.running
                    if running is not None:
                        log.warning(
                            "Client.stop(): callback %s has run for %.1f s and has not returned; %d more "
                            "are queued; stop() returns without waiting for them (they run on in thread %s)",
                            running[0], time.monotonic() - running[1], len(self._jobs), THREAD,
                        )
                    return False
                self._cond.wait(left)
        return True
