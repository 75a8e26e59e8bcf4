"""One trio adapter that drives a sans-I/O ``Link`` over a byte stream, for both roles.

The client and the simulator each own a ``Session`` per TCP connection; neither has an I/O loop
of its own. Three tasks share one nursery and never wait on each other:

- the **reader** feeds received octets to the link and hands the events to the owner (every
  frame is journalled first); it can be paused by the owner (back-pressure: the simulator stops
  reading from a peer whose answers pile up);
- the **writer** is the only task that writes to the stream. It takes what the link queued,
  journals it and sends it with a deadline: a peer that has not taken our octets within t1 ends
  the connection with ``CloseCause.PEER_NOT_READING`` and the count of frames and octets that
  stayed unsent. When the link is idle and the k window has room it pulls more ASDUs from the
  owner's ``produce`` hook (the simulator's answers and reports);
- the **timer** sleeps until ``link.next_deadline()`` and calls ``link.handle_timeout``.

Nothing holds a lock across an await, so a stuck send never stops the timer or the reader.
Closing is shielded and bounded (``close_timeout``, 1 s by default): the link's last frames go
out if the stream still takes them, then the stream is closed.

>>> async def serve(opened):
...     session = Session(opened, Link(Role.CONTROLLED), Journal(), handler, peer="the client")
...     info = await session.run()
...     print(info.by, info.cause, info.reason)
"""

from __future__ import annotations

import math
import os
import ssl
import time as _time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Protocol

import trio

from ..protocol.asdu import Asdu, UnknownAsdu
from ..protocol.closing import CloseCause, ClosedBy
from ..protocol.errors import RemoteProtocolError
from ..protocol.link import (
    Acknowledged,
    AsduReceived,
    DataTransferStarted,
    Event,
    FrameReceived,
    Link,
    LinkClosed,
    LinkState,
)
from .ending import (
    FOR_THE_PEER,
    NO_FLUSH_CAUSES,
    TIMEOUT_CAUSES,
    CloseInfo,
    cause_text,
    frames_after,
)
from .errors import LinkDown, LinkTimeout
from .journal import Direction, Journal, JournalEntry, release_decoded
from .outside import RECEIVE_SIZE as _RECEIVE_SIZE
from .outside import OutsideTurn
from .read_gate import ReadGate
from .transport import OpenStream

__all__ = ["CloseInfo", "Produce", "Session", "SessionHandler"]

_SEND_SLICE = 65536
_FAST_SENDS = 12  # os.write sends in a row without a checkpoint, at most (a k window)
_RECEIVED, _SENT = Direction.RECEIVED, Direction.SENT  # plain names: a member looked up on its Enum costs 0.1 us

#: The pull hook: given ``now`` and how many I-frames the k window takes, the next ASDUs to
#: send as (octets, decoded form or None) or (octets, decoded, send_seq_offset): a nonzero
#: offset sends N(S) = V(S) + offset (a fault plan's wrong sequence number). Called by the
#: writer when the link has nothing queued, so at most one window of ASDUs waits in memory.
Produce = Callable[[float, int], Iterable[tuple[bytes, Asdu | None] | tuple[bytes, Asdu | None, int]]]


class SessionHandler(Protocol):
    """What the owner of a session (client or simulator connection) is told."""

    def asdu_received(self, entry: JournalEntry, now: float) -> None:
        """An I-frame in sequence; ``entry`` is its journal entry (``entry.asdu`` decoded)."""

    def link_event(self, event: Event, now: float) -> None:
        """Any other link event except FrameReceived, AsduReceived and LinkClosed."""

    def changed(self) -> None:
        """After each batch of events and when the session ends: wake waiters."""


class Session(OutsideTurn):
    """Reader, writer and timer for one link over one stream (see the module docstring).

    ``peer`` names the other end in messages ("the RTU at 127.0.0.1:2404"). ``on_frame`` gets
    every journal entry, sent and received. ``send_timeout`` (default t1) bounds each send.
    """

    __slots__ = (
        "_armed",
        "_cancel_reason",
        "_close_timeout",
        "_decoded",
        "_done",
        "_fast_sends",
        "_fd",
        "_flight_since",
        "_gate",
        "_handed",
        "_handler",
        "_held_sent",
        "_in_flight",
        "_in_flight_sent",
        "_nursery_scope",
        "_on_frame",
        "_outside",
        "_produce",
        "_reading",
        "_receive_scope",
        "_resume_due",
        "_send_timeout",
        "_timer_wakeup",
        "_writer_idle",
        "_writer_wakeup",
        "closed",
        "error",
        "journal",
        "link",
        "opened",
        "peer",
        "writer_can_pull",
    )

    def __init__(
        self,
        opened: OpenStream,
        link: Link,
        journal: Journal,
        handler: SessionHandler,
        *,
        peer: str,
        on_frame: Callable[[JournalEntry], None] | None = None,
        produce: Produce | None = None,
        send_timeout: float | None = None,
        close_timeout: float = 1.0,
        cancel_reason: str = "closed locally",
    ) -> None:
        self.opened = opened
        self.link = link
        self.journal = journal
        self.peer = peer
        self._handler = handler
        self._on_frame = on_frame
        #: While a received batch is dispatched: the sent frames whose ``on_frame`` waits, so that
        #: the callbacks see the journal's order (the early S-frame after the frames it acknowledges).
        self._held_sent: list[JournalEntry] | None = None
        self._produce = produce
        self._send_timeout = link.params.t1 if send_timeout is None else send_timeout
        self._close_timeout = close_timeout
        self._cancel_reason = cancel_reason
        #: How the connection ended; None while it runs.
        self.closed: CloseInfo | None = None
        #: The peer's protocol violation that ended it (with the frame), else None.
        self.error: RemoteProtocolError | None = None
        self._decoded: deque[tuple[bytes, Asdu | None]] = deque()
        self._writer_wakeup = trio.Event()
        self._timer_wakeup = trio.Event()
        self._reading = trio.Event()
        self._reading.set()
        self._receive_scope: trio.CancelScope | None = None  # the receive in progress
        self._armed = math.inf
        self._in_flight = b""  # octets the writer is handing to the stream right now
        self._in_flight_sent = 0  # of which the stream took this many
        self._writer_idle = False
        #: The writer waits for ``wake_writer`` and the k window has room, so it would pull:
        #: only then does a producer's ``wake_writer`` help (a busy writer pulls again before it
        #: waits; one waiting for the window is woken by the acknowledgement).
        self.writer_can_pull = False
        stream = opened.stream
        plain = isinstance(stream, trio.SocketStream) and os.name == "posix"
        self._fd = stream.socket.fileno() if plain else -1  # for _send_now
        #: What the reader waits on when another thread may read its socket (``read_outside``).
        self._gate: ReadGate | None = None
        self._flight_since = 0.0
        self._fast_sends = 0  # os.write sends since the writer last waited (bounded: see _send_in_flight)
        self._nursery_scope: trio.CancelScope | None = None
        self._done = trio.Event()
        #: ``read_outside`` runs (another thread, under the bridge's hold): wake no trio task, note it.
        self._outside = False
        self._resume_due = False
        #: What ``read_outside`` read and left to the trio thread (a batch to dispatch, the read's
        #: error), in order: done before anything else is dispatched or sent (``_take_over``).
        self._handed: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        state = self.closed.cause.name if self.closed else self.link.state.name
        return f"<Session {self.peer} {state}>"

    # ---- the owner's controls -------------------------------------------------------------------

    async def run(self) -> CloseInfo:
        """Run until the connection ends (peer, timer, violation, ``close()`` or cancellation)."""
        try:
            if self.closed is None:
                async with trio.open_nursery() as nursery:
                    self._nursery_scope = nursery.cancel_scope
                    nursery.start_soon(self._reader)
                    nursery.start_soon(self._writer)
                    nursery.start_soon(self._timer)
        finally:
            if self.closed is None:  # cancelled from outside
                self._end(CloseCause.LOCAL_CLOSE, self._cancel_reason)
            with trio.CancelScope(shield=True):
                await self._shut()
            self._done.set()
            self._handler.changed()
        assert self.closed is not None
        return self.closed

    def wake(self) -> None:
        """The owner queued something in the link (or for ``produce``): send it, re-arm timers."""
        if self.link.has_data_to_send:
            self._send_now()
        else:
            self._writer_wakeup.set()
        deadline = self.link.next_deadline()
        if deadline is not None and deadline < self._armed:
            self._timer_wakeup.set()

    def frames_to(self, on_frame: Callable[[JournalEntry], None] | None) -> None:
        """From the next batch on, tell ``on_frame`` of every frame journalled (None: nobody)."""
        self._on_frame = on_frame


    def _received(self, events: list[Event], now: float) -> None:
        """What the reader does with the events of one read (in the trio thread): dispatch them,
        send the link's answers, re-arm the timer. A batch handed over by ``read_outside`` too."""
        self._dispatch(events, now)
        link = self.link
        if link.has_data_to_send:
            self._send_now(now)
        deadline = link.next_deadline()
        if deadline is not None and deadline < self._armed:
            self._timer_wakeup.set()

    def wake_writer(self) -> None:
        """Cheaper ``wake`` for the pull hook: ``produce`` has more (the writer re-arms t1).

        A woken writer pulls when it runs: until it waits again, waking it more would not help
        (``writer_can_pull`` is False), so a producer's next values skip the call.
        """
        self.writer_can_pull = False
        self._writer_wakeup.set()

    def send_asdu(self, raw: bytes, now: float, asdu: Asdu | UnknownAsdu | None = None, **options: object) -> int:
        """``link.send_asdu`` that also keeps the decoded form for the journal; wakes the writer."""
        ns = self.link.send_asdu(raw, now, **options)  # type: ignore[arg-type]
        if asdu is not None:
            self._decoded.append((raw, asdu))  # type: ignore[arg-type]
        self.wake()
        return ns

    def close(self, reason: str = "closed locally", cause: CloseCause = CloseCause.LOCAL_CLOSE) -> None:
        """End the connection now; ``run()`` sends the link's last frames and closes the stream."""
        self._end(cause, reason)

    def violation(self, reason: str, frame: bytes | None = None) -> None:
        """The owner found the peer breaking a rule the link cannot see (an undecodable ASDU)."""
        if self.closed is None:
            self.error = RemoteProtocolError(f"{self.peer} broke the protocol: {reason}", frame)
        self._finish(CloseInfo(ClosedBy.LOCAL, CloseCause.PROTOCOL_VIOLATION, reason, frame))

    async def aclose(self, reason: str = "closed locally") -> None:
        """``close()`` and wait (bounded) until ``run()`` has closed the stream."""
        self.close(reason)
        with trio.move_on_after(self._close_timeout + 1.0):
            await self._done.wait()

    def pause_reading(self) -> None:
        """Back-pressure: stop taking octets from the peer until ``resume_reading``.

        A receive in progress is cancelled (on plain streams trio's receive is cancel-safe:
        nothing is read, so nothing is lost; a TLS stream's is not, so it delivers its chunk);
        what the peer sends waits in the transport until resumed.
        """
        if self._reading.is_set():
            self._reading = trio.Event()
        if self._receive_scope is not None and not isinstance(self.opened.stream, trio.SSLStream):
            self._receive_scope.cancel()

    def resume_reading(self) -> None:
        self._reading.set()

    @property
    def reading_paused(self) -> bool:
        return not self._reading.is_set()

    @property
    def is_open(self) -> bool:
        return self.closed is None

    def exception(self, context: str = "") -> LinkDown:
        """The error to raise to someone who waited on this connection (LinkTimeout for t1).

        Chain it ``from session.error`` so a protocol violation keeps its frame.
        """
        info = self.closed
        if info is None:
            return LinkDown(f"{context}: the connection is open" if context else "open")
        kind = LinkTimeout if info.cause in TIMEOUT_CAUSES else LinkDown
        reason = info.reason
        if info.cause in FOR_THE_PEER:  # who did what: the peer's fault, our close
            if info.cause is CloseCause.PROTOCOL_VIOLATION:
                reason = f"{self.peer} broke the protocol: {reason}"
            reason = f"{reason}; c104test closed the connection"
        text = f"{context}: {reason}" if context else reason
        return kind(text, by=info.by, cause=info.cause)

    # ---- tasks --------------------------------------------------------------------------------

    async def _reader(self) -> None:
        link = self.link
        fd = self._fd
        receive = self.opened.stream.receive_some
        wait_readable = trio.lowlevel.wait_readable
        read = os.read
        clock = trio.lowlevel.current_clock()  # its current_time() is trio.current_time(), two calls fewer
        if fd >= 0 and self._produce is None:  # a client's: its caller may read it (read_outside)
            self._gate = ReadGate(fd)
            ready = self._gate.fileno()
        else:
            ready = fd
        try:
            while True:
                if not self._reading.is_set():
                    await self._reading.wait()
                # One cancel scope per reading period, not per receive (entering one costs
                # microseconds): ``pause_reading`` cancels it, and the only checkpoint inside is
                # the receive, which is cancel-safe on plain streams.
                with trio.CancelScope() as self._receive_scope:
                    while self._reading.is_set():
                        try:
                            if fd >= 0:
                                # A plain TCP socket: wait until readable, then one os.read (as
                                # _write_in_flight writes), inline. Cancel-safe like trio's
                                # receive_some: a cancelled wait has read nothing. trio's own tries
                                # the read first and waits only when it fails, which on a command
                                # round trip is a failed recv (a raised BlockingIOError) per frame.
                                await wait_readable(ready)  # a checkpoint, as receive_some has
                                try:
                                    data = read(fd, _RECEIVE_SIZE)
                                except BlockingIOError:
                                    continue  # woken without data (it can happen): wait again
                            else:
                                data = await receive(_RECEIVE_SIZE)
                        except trio.ClosedResourceError:
                            return
                        except (trio.BrokenResourceError, OSError) as exc:
                            self._take_over()  # an ending the caller's read met first (read_outside) wins
                            self._end(CloseCause.CONNECTION_RESET, f"connection lost: {cause_text(exc)}")
                            return
                        if not data:
                            # after a reset only the first read reports it, the next ones read an
                            # end: when the caller's read (read_outside) met the reset, it is the cause
                            self._take_over()
                            self._end(CloseCause.PEER_CLOSED, "closed by the peer")
                            return
                        now = clock.current_time()
                        self._received(link.receive_data(data, now), now)
                self._receive_scope = None
        finally:
            if self._gate is not None:
                trio.lowlevel.notify_closing(self._gate.fileno())
                self._gate.close()

    async def _writer(self) -> None:
        link = self.link
        produce = self._produce
        while True:
            if not self._in_flight:
                if not link.has_data_to_send:
                    if produce is not None and link.can_send:
                        self._pull(produce)
                    if not link.has_data_to_send:
                        self._writer_wakeup = trio.Event()
                        self._fast_sends = 0
                        self._writer_idle = True
                        self.writer_can_pull = produce is not None and link.can_send
                        try:
                            await self._writer_wakeup.wait()
                        finally:
                            self._writer_idle = self.writer_can_pull = False
                        continue
                self._take(trio.current_time())
            if not await self._send_in_flight():
                return

    def _take(self, now: float) -> None:
        """Move the link's output into ``_in_flight`` (journalled first, in order)."""
        if self._handed:
            self._take_over()  # the frames read before it, journalled first
        apdus = self.link.apdus_to_send()
        self._journal_sent(apdus, now)
        self._in_flight = apdus[0] if len(apdus) == 1 else b"".join(apdus)
        self._in_flight_sent = 0
        self._flight_since = now

    async def _send_in_flight(self) -> bool:
        """Send the rest of ``_in_flight``; False if the connection ended meanwhile.

        In slices, so that "unsent" counts what the peer really did not take, and the deadline
        means "took nothing for t1" (a slow reader is not a dead one).
        """
        stream = self.opened.stream
        data = self._in_flight
        if self._fd >= 0 and self._in_flight_sent == 0 and self.closed is None and self._fast_sends < _FAST_SENDS:
            # The kernel usually takes it all at once (as in _send_now): no cancel scope and no
            # trio socket call per send. What it does not take goes through send_all below, and
            # so does every _FAST_SENDS-th send in a row, so the writer still lets others run.
            if self._write_in_flight():
                self._fast_sends += 1
                return True
            if self._in_flight_sent:
                self._flight_since = trio.current_time()
        while self._in_flight_sent < len(data):
            start = self._in_flight_sent
            piece = data if start == 0 and len(data) <= _SEND_SLICE else data[start : start + _SEND_SLICE]
            with trio.move_on_after(self._send_timeout) as scope:
                try:
                    await stream.send_all(piece)
                except trio.ClosedResourceError:
                    return False
                except (trio.BrokenResourceError, OSError) as exc:
                    self._end(CloseCause.CONNECTION_RESET, f"send failed: {cause_text(exc)}")
                    return False
            if scope.cancelled_caught:
                self._end_not_reading(trio.current_time())
                return False
            self._in_flight_sent = start + len(piece)
            self._flight_since = trio.current_time()
        self._in_flight = b""
        self._fast_sends = 0  # send_all was a checkpoint
        return True

    def _send_now(self, now: float | None = None) -> None:
        """Hand the link's output to the kernel at once if the writer is idle (no await).

        An acknowledgement or a command then leaves without a task switch; what the kernel
        does not take at once stays in ``_in_flight`` for the writer, which applies the
        deadline. Plain TCP sockets only (POSIX); anything else goes through the writer.
        """
        if not self.writer_idle:
            self._wake_writer()
            return
        self._take(trio.current_time() if now is None else now)
        if not self._write_in_flight():
            self._wake_writer()

    def _wake_writer(self) -> None:
        if self._outside:  # read_outside: the trio thread does it (resume)
            self._resume_due = True
        else:
            self._writer_wakeup.set()

    def _write_in_flight(self) -> bool:
        """One ``os.write`` of ``_in_flight`` (none of it sent yet); True if the kernel took it all.

        What it did not take stays in ``_in_flight`` from ``_in_flight_sent`` on, for the writer,
        which applies the deadline. No trio call: ``send_outside`` runs it from another thread.
        """
        data = self._in_flight
        try:
            sent = os.write(self._fd, data)
        except OSError:  # full (BlockingIOError) or broken: the writer sends or reports it
            sent = 0
        if sent >= len(data):
            self._in_flight = b""
            return True
        self._in_flight_sent = sent
        return False

    async def _timer(self) -> None:
        link = self.link
        while True:
            deadline = link.next_deadline()
            self._armed = math.inf if deadline is None else deadline
            self._timer_wakeup = trio.Event()
            with trio.move_on_at(self._armed):
                await self._timer_wakeup.wait()
            now = trio.current_time()
            if now >= self._armed:
                self._dispatch(link.handle_timeout(now), now)
                if link.has_data_to_send:
                    self._send_now(now)

    # ---- internals ----------------------------------------------------------------------------

    def _pull(self, produce: Produce) -> None:
        link = self.link
        now = trio.current_time()
        decoded = self._decoded
        for item in produce(now, link.window_free):
            raw, asdu = item[0], item[1]
            if len(item) > 2 and item[2]:
                link.send_asdu(raw, now, send_seq=(link.vs + item[2]) & 0x7FFF)  # type: ignore[misc]
            else:
                link.send_asdu(raw, now)
            if asdu is not None:
                decoded.append((raw, asdu))
        if link.has_data_to_send:
            deadline = link.next_deadline()
            if deadline is not None and deadline < self._armed:
                self._timer_wakeup.set()

    def _journal_sent(self, apdus: list[bytes], now: float) -> None:
        wall = _time.time()
        record = self.journal.record
        decoded = self._decoded
        on_frame = self._on_frame
        for apdu in apdus:
            asdu = None
            if decoded and len(apdu) > 6 and not apdu[2] & 1:
                raw, known = decoded[0]
                if len(apdu) == len(raw) + 6 and apdu.endswith(raw):
                    decoded.popleft()
                    asdu = known
            entry = record(_SENT, apdu, now=now, wall=wall, asdu=asdu)
            if on_frame is not None:
                if self._held_sent is not None:
                    self._held_sent.append(entry)
                else:
                    on_frame(entry)

    def _dispatch(self, events: list[Event], now: float) -> None:
        """Journal every received frame, acknowledge them, then tell the owner (the receive hot path).

        What the link answers to the batch (the S-frame every w I-frames, a TESTFR con) leaves as
        soon as the frames are journalled and their ASDUs decoded, before the owner applies them,
        so the peer sends its next frames while this side works. When an ASDU does not decode or
        the link closed, the owner acts first (it may end the connection), as before. The owner
        still hears of each frame (``on_frame``) just before its ASDU, and of sent frames after
        the batch, in the journal's order.
        """
        if self._handed:
            self._take_over()  # the frames read before these, dispatched first
        if not events:
            return
        handler = self._handler
        record = self.journal.record
        on_frame = self._on_frame
        wall = _time.time()
        size = len(events)
        if (
            size < 4
            and on_frame is None
            and size > 1
            and type(events[0]) is FrameReceived
            and type(events[-1]) is AsduReceived
            and (size == 2 or type(events[1]) is Acknowledged)
        ):
            # One I-frame (and what its N(R) acknowledged), such as a command's answer: what the
            # loops below do with it, in a few steps (no frame to tell anyone of).
            entry = record(_RECEIVED, events[0].apdu, now=now, wall=wall)  # type: ignore[union-attr]
            release_decoded()
            if entry.asdu is not None and self.link.has_data_to_send:
                self._send_now(now)  # early: it decodes
            if size == 3:
                if self._produce is not None:
                    self._writer_wakeup.set()  # the window has room: produce more
                handler.link_event(events[1], now)
            handler.asdu_received(entry, now)
            handler.changed()
            return
        entry: JournalEntry | None = None
        early = True  # may the link's answers go out before the owner hears of the batch?
        released = False
        batch: list[tuple[Event, JournalEntry | None]] = []
        for event in events:
            kind = type(event)
            if kind is FrameReceived:
                entry = record(_RECEIVED, event.apdu, now=now, wall=wall)  # type: ignore[union-attr]
                if on_frame is not None:
                    batch.append((event, entry))
                continue
            if kind is AsduReceived:
                if not released:  # this batch decodes: free older ASDUs first, while still warm
                    release_decoded()
                    released = True
                if entry is not None and entry.asdu is None:  # decoded here, once (the entry keeps it)
                    early = False
            elif kind is LinkClosed:
                early = False
                if entry is not None and event.frame is not None and entry.raw == event.frame:  # type: ignore[union-attr]
                    # the frame that broke a rule (a wrong N(S), N(R) or state) is no answer to
                    # anything: marked before any owner looks at the journal
                    entry.reject(event.reason)  # type: ignore[union-attr]
            batch.append((event, entry))
        held = self._held_sent = [] if on_frame is not None else None
        try:
            if early and self.link.has_data_to_send:
                self._send_now(now)
            for event, entry in batch:
                kind = type(event)
                if kind is FrameReceived:
                    on_frame(entry)  # type: ignore[misc, arg-type]
                elif kind is AsduReceived:
                    if entry is not None:
                        handler.asdu_received(entry, now)
                        if self.closed is not None:
                            break  # the owner ended it (an undecodable ASDU): act on nothing more
                elif kind is LinkClosed:
                    self._link_closed(event, entry, now, wall)  # type: ignore[arg-type]
                else:
                    if (kind is Acknowledged or kind is DataTransferStarted) and self._produce is not None:
                        self._writer_wakeup.set()  # the window has room: produce more (a client has no produce)
                    handler.link_event(event, now)
        finally:
            self._held_sent = None
            if held:
                for sent in held:
                    on_frame(sent)  # type: ignore[misc]
        handler.changed()

    def _link_closed(self, event: LinkClosed, last: JournalEntry | None, now: float, wall: float) -> None:
        frame = event.frame
        if event.cause is CloseCause.PROTOCOL_VIOLATION:
            if frame is not None and (last is None or last.raw != frame):
                # Octets that never made a frame are journalled too: nothing received is lost.
                entry = self.journal.record(Direction.RECEIVED, frame, now=now, wall=wall, error=event.reason)
                if self._on_frame is not None:
                    self._on_frame(entry)
            self.error = RemoteProtocolError(f"{self.peer} broke the protocol: {event.reason}", frame)
        if event.cause is CloseCause.T1_EXPIRED and self._in_flight:
            self._end_not_reading(now, also=event.reason)
            return
        self._finish(CloseInfo(event.by, event.cause, event.reason, frame))

    @property
    def waiting_on_peer(self) -> bool:
        """Something of ours waits on the peer now: octets it has not taken, or I-frames it has
        not acknowledged (``stall`` names it once it has lasted half of t1)."""
        return len(self._in_flight) > self._in_flight_sent or self.link.unacknowledged > 0

    def waiting_since(self) -> float | None:
        """Since when the longest-waiting of ours has waited on the peer (the time ``stall``
        counts from); None when nothing waits. A later value means the peer took or acknowledged it."""
        since = self._flight_since if len(self._in_flight) > self._in_flight_sent else None
        oldest = self.link.oldest_unacknowledged
        return oldest if since is None or (oldest is not None and oldest < since) else since

    def stall(self, now: float) -> str:
        """What of ours the peer has left untaken or unacknowledged for half of t1 or more; "" if nothing.

        For a wait that ends at about the moment t1 would: the caller's timeout then names the
        stall that t1 was about to report (a peer that stopped reading, or answering).
        """
        t1 = self.link.params.t1
        unsent = len(self._in_flight) - self._in_flight_sent
        if unsent > 0 and now - self._flight_since >= t1 / 2:
            return f"{self.peer} has not taken {unsent} octets of ours for {now - self._flight_since:.3g} s (t1={t1:g} s)"
        oldest = self.link.oldest_unacknowledged
        if oldest is not None and now - oldest >= t1 / 2:
            count = self.link.unacknowledged
            return (f"{self.peer} has not acknowledged {count} I-frame{'s' * (count != 1)} of ours for "
                    f"{now - oldest:.3g} s (t1={t1:g} s)")
        return ""

    def _end_not_reading(self, now: float, also: str = "") -> None:
        link = self.link
        flight, taken = self._in_flight, self._in_flight_sent
        queued = link.data_to_send() if link.state is not LinkState.CLOSED else b""
        frames = frames_after(flight, taken) + frames_after(queued, 0)
        octets = len(flight) - taken + len(queued)
        waited = now - self._flight_since
        reason = (
            f"{self.peer} read nothing for {waited:.3g} s (t1={self.link.params.t1:g} s)"
            f"{'; ' + also if also else ''}; {frames} frame{'s' * (frames != 1)}, "
            f"{octets} octets unsent"
        )
        self._finish(CloseInfo(ClosedBy.LOCAL, CloseCause.PEER_NOT_READING, reason, None, frames, octets))

    def _end(self, cause: CloseCause, reason: str) -> None:
        self._finish(CloseInfo(cause.closed_by, cause, reason))

    def _finish(self, info: CloseInfo) -> None:
        """The first ending wins; close the link the same way and stop the tasks."""
        if self.closed is not None:
            return
        decoder = self.link.frame_decoder
        if decoder.pending and decoder.error is None:
            info = self._journal_incomplete(info, decoder.incomplete)
        self.closed = info
        if self.link.state is not LinkState.CLOSED:
            self.link.close(info.reason, info.cause, info.by)
        if self._nursery_scope is not None:
            self._nursery_scope.cancel()
        self._reading.set()
        self._handler.changed()

    def _journal_incomplete(self, info: CloseInfo, octets: bytes) -> CloseInfo:
        """Octets of an APDU the peer began and never finished, journalled (nothing received is
        lost) and named in the reason: "closed by the peer in the middle of an APDU"."""
        announced = octets[1] + 2 if len(octets) > 1 else 0
        part = f"{len(octets)} of {announced} octets" if announced else f"{len(octets)} octet"
        error = f"incomplete APDU ({part}) when the connection ended: {info.reason}"
        try:
            now = trio.current_time()
        except RuntimeError:  # ended from read_outside's thread (under the bridge's hold)
            last = self.journal.tail(1)
            now = last[0].timestamp if last else 0.0
        entry = self.journal.record(Direction.RECEIVED, octets, now=now, wall=_time.time(), error=error)
        if self._on_frame is not None:
            self._on_frame(entry)
        reason = f"{info.reason} in the middle of an APDU ({part} received)"
        return CloseInfo(info.by, info.cause, reason, info.frame or octets, info.unsent_frames, info.unsent_octets)

    async def _shut(self) -> None:
        """Send the link's last frames (if the stream can take them), then close; bounded."""
        stream = self.opened.stream
        self._take_over()
        info = self.closed
        with trio.move_on_after(self._close_timeout):
            if info is not None and info.cause not in NO_FLUSH_CAUSES and not self._in_flight:
                apdus = self.link.apdus_to_send()
                if apdus:
                    self._journal_sent(apdus, trio.current_time())
                    try:
                        await stream.send_all(b"".join(apdus))
                    except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
                        pass
            if not isinstance(stream, trio.SocketStream) and info is not None and info.cause not in NO_FLUSH_CAUSES:
                # TLS (TlsStream): a close_notify, so that the peer sees our close as one and not as a
                # connection lost (it does not wait for the peer's; bounded like the rest)
                try:
                    await stream.aclose()
                except (trio.BrokenResourceError, trio.ClosedResourceError, OSError, ssl.SSLError):
                    pass
        await trio.aclose_forcefully(stream)
