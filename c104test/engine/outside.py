"""The reader's and writer's turn taken by the caller's thread while the trio thread is parked.

A command of the c104-compatible API writes its frame and reads its answer in the caller's thread
(``sync.bridge``'s hold: nothing of trio runs meanwhile, so the link, journal and session stay
consistent). ``Session`` has these methods (``OutsideTurn`` is its base): the write
(``send_outside``, then ``resume`` in the trio thread), the read (``read_outside`` on the socket of
``outside_fd``), and the switch that keeps the trio thread's reader asleep meanwhile
(``mute_reader``, ``engine.read_gate``). What they cannot do here is handed to the trio thread
whole (``_hand``), before anything that is read or sent after it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial

from ..protocol.closing import CloseCause
from ..protocol.link import (
    Acknowledged,
    AsduReceived,
    FrameReceived,
    TestFrameReceived,
    UnexpectedFrame,
)
from .ending import cause_text

__all__ = ["RECEIVE_SIZE", "OutsideTurn"]

RECEIVE_SIZE = 65536  # the most octets of one read (the trio thread's reader's and the caller's)
#: The events that ``read_outside`` dispatches in the caller's thread: none of them changes the
#: connection's state or needs trio (a batch with any other, a state change or the link's end,
#: goes to the trio thread whole, in order: see ``_take_over``).
_OUTSIDE_EVENTS = frozenset({FrameReceived, AsduReceived, Acknowledged, TestFrameReceived, UnexpectedFrame})


class OutsideTurn:
    """The caller-thread methods of ``Session`` (its state is in ``Session.__slots__``)."""

    __slots__ = ()

    @property
    def writer_idle(self) -> bool:
        """Nothing queued or half-sent and the writer waits: ``send_outside`` may write now."""
        return (self._fd >= 0 and self._writer_idle and not self._in_flight and self.closed is None
                and not self._handed)

    def send_outside(self, now: float) -> bool:
        """``_send_now`` for another thread while the trio thread is parked (``sync.bridge``'s
        hold, so nothing here runs concurrently): the link's output is journalled and written
        without a trio call. True when the trio thread must then call ``resume`` (the rest of a
        partial write, a timer to re-arm earlier); call it only when ``writer_idle``."""
        self._take(now)
        # the timer's question asked before the write (it does not change the link): on this
        # VM the peer often runs on our CPU within the write, and what follows it runs cold
        deadline = self.link.next_deadline()
        rearm = deadline is not None and deadline < self._armed
        if not self._write_in_flight():
            return True
        return rearm

    def resume(self) -> None:
        """In the trio thread after ``send_outside`` returned True: the writer sends the rest,
        the timer re-arms."""
        if self._in_flight or self.link.has_data_to_send:
            self._writer_wakeup.set()
        deadline = self.link.next_deadline()
        if deadline is not None and deadline < self._armed:
            self._timer_wakeup.set()

    def outside_fd(self) -> int:
        """The socket ``read_outside`` may read now, else -1 (TLS or a test stream, a simulator's
        session, reading paused, the connection ended, a batch still handed to the trio thread)."""
        if self._produce is not None or self.closed is not None or self._handed or not self._reading.is_set():
            return -1
        return self._fd

    def mute_reader(self, muted: bool) -> None:
        """For the thread of ``read_outside``, under the same hold: the trio thread's reader is
        not woken for octets while muted (``engine.read_gate``); unmute before giving the hold
        back."""
        gate = self._gate
        if gate is not None:
            if muted:
                gate.mute()
            else:
                gate.unmute()

    def muter(self) -> Callable[[bool], None]:
        """``mute_reader``, or the gate's own switch once the reader has one (a call fewer)."""
        gate = self._gate
        return self.mute_reader if gate is None else gate.set_muted

    def read_outside(self, now: float, later: Callable[[Callable[[], None]], None]) -> bool:
        """The reader's turn, taken by another thread while the trio thread is parked
        (``sync.bridge``'s hold, as for ``send_outside``; only on the socket of ``outside_fd``).

        One ``os.read``; what it returns is journalled and dispatched here exactly as the reader
        would (``_dispatch``), and the link's answers (an S-frame) are written here. Nothing of
        trio runs: a writer or timer to wake becomes ``later(resume)``. True when it dispatched a
        batch or found nothing to read; False when the trio thread must take over: the batch
        changes the connection's state or ends it (a STOPDT con, the link's end: it is handed to
        the trio thread whole, journalled before anything read or sent after it), the read
        failed, or the peer closed (its end stays readable for the reader).
        """
        try:
            data = os.read(self._fd, RECEIVE_SIZE)
        except BlockingIOError:
            return True
        except OSError as exc:
            self._hand(partial(self._end, CloseCause.CONNECTION_RESET, f"connection lost: {cause_text(exc)}"), later)
            return False
        if not data:
            return False
        link = self.link
        events = link.receive_data(data, now)
        for event in events:
            if type(event) not in _OUTSIDE_EVENTS:
                self._hand(partial(self._received, events, now), later)
                return False
        self._outside = True
        try:
            self._dispatch(events, now)
            if link.has_data_to_send:
                self._send_now(now)
        finally:
            self._outside = False
        deadline = link.next_deadline()
        if self._resume_due or (deadline is not None and deadline < self._armed):
            self._resume_due = False
            later(self.resume)
        return True

    def _hand(self, step: Callable[[], None], later: Callable[[Callable[[], None]], None]) -> None:
        """Leave ``step`` to the trio thread: before anything is dispatched or sent there (see
        ``_take_over``), and soon in any case."""
        self._handed.append(step)
        later(self._take_over)

    def _take_over(self) -> None:
        """In the trio thread: the steps ``read_outside`` handed over, in order (once)."""
        steps = self._handed
        if steps:
            self._handed = []
            for step in steps:
                step()
