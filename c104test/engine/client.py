"""The controlling station: a client connection to an RTU, on trio.

>>> async def main():
...     async with open_connection("127.0.0.1", 2404) as conn:
...         result = await conn.interrogation(47)
...         print(result.positive, len(result.objects), conn.points.get(47, 100))

One connection owns one stream (opened by ``engine.transport``) and one ``Link``, driven by an
``engine.session.Session``: its reader, writer (every send with a t1 deadline) and timer, and
its journal of every frame. The client keeps no I/O loop of its own; it reacts to the session's
events (points, callbacks, state) and serialises commands, each waiting for its confirmation
(and termination) with a timeout. When the connection ends, ``close_reason`` says why in words
and ``close_info`` says who (``ClosedBy``) and why (``CloseCause``); ``close_error`` is the
peer's ``RemoteProtocolError`` (with the offending frame) when it broke the protocol.
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

import trio

from ..protocol.asdu import Asdu, UnknownAsdu, encode_asdu
from ..protocol.closing import CloseCause
from ..protocol.enums import ConnectionState
from ..protocol.errors import RemoteProtocolError
from ..protocol.link import (
    DataTransferStarted,
    DataTransferStopped,
    Event,
    Link,
    LinkParameters,
    LinkState,
    Role,
    UnexpectedFrame,
)
from .collector import tune_collector
from .command_path import CommandPath, station_set
from .confirmation import AwaitedCommand, command_name
from .errors import (
    CommandTimeout,
    ConnectFailed,
    LinkDown,
    NotConnected,
    unwrap_group,
)
from .expectations import Expectations
from .journal import Journal, JournalEntry
from .messages import CommandResult, MessageFilter
from .points import PROCESS_TYPES, PointDatabase
from .requests import StationRequests
from .session import CloseInfo, Session
from .termination import ActTerm
from .transport import Endpoint, OpenStream, Transport

__all__ = ["ActTerm", "ClientConnection", "CommandResult", "MessageFilter", "open_connection"]

log = logging.getLogger("c104test.client")

_name = command_name


class ClientConnection(StationRequests, CommandPath, Expectations):
    """A controlling-station connection. Use ``open_connection`` or run ``run()`` in a nursery.

    Callbacks (``on_frame``, ``on_state``, ``on_asdu``) run in the trio thread, in this order for a
    received I-frame: the frame, then the ASDU after its objects reached the point database. One
    exception: ``on_asdu`` for what the caller of a command reads itself (``outside_reader``) runs
    in that caller's thread, while the trio thread is parked (the sync bridge's hold).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 2404,
        *,
        params: LinkParameters | None = None,
        originator_address: int = 0,
        start_data_transfer: bool = True,
        reconnect: bool = False,
        reconnect_delay: float = 1.0,
        command_timeout: float = 10.0,
        act_term: ActTerm | str = ActTerm.OPTIONAL,
        journal_size: int | str | None = None,
        stream_factory: Callable[[], Awaitable[trio.abc.Stream]] | None = None,
        start_timeout: float | None = None,
        transport: Transport | None = None,
        keep_points: bool = True,
        stations: Iterable[int] | None = None,
    ) -> None:
        if not 0 <= originator_address <= 255:
            raise ValueError(f"originator address {originator_address} outside 0..255")
        if not 0 < port <= 65535:
            raise ValueError(f"port {port} outside 1..65535")
        self.host = host
        self.port = port
        self.params = params or LinkParameters()
        self.originator_address = originator_address
        self.auto_start = start_data_transfer
        self.reconnect = reconnect
        self.reconnect_delay = reconnect_delay
        self.command_timeout = command_timeout
        #: The common addresses of the RTU's stations, where the caller knows them (a profile, a
        #: PICS): a procedure sent to the broadcast address waits for each one's ACT_TERM. None:
        #: not known, it ends when every station that confirmed has terminated (engine.confirmation).
        self.stations = station_set(stations)
        #: PIXIT: does the RTU terminate process commands with ACT_TERM (see engine.termination)
        self.act_term = ActTerm.parse(act_term)
        # the last process command that returned before its ACT_TERM: (command, journal cursor, mode)
        self._unterminated: tuple[Asdu, int, ActTerm] | None = None
        # None: the process-wide budget (64 MiB, journal.set_journal_size); else this connection's own
        self.journal = Journal(journal_size)
        self.points = PointDatabase()
        #: False: ``points`` stays empty, for an owner that keeps the values itself (the c104
        #: facade's points): a store per received object saved; ``expect_state`` then refuses.
        self.keep_points = keep_points
        self.state = ConnectionState.CLOSED
        self.connected_at: _dt.datetime | None = None
        self.disconnected_at: _dt.datetime | None = None
        #: Why the last connection ended, in words (None while open or never opened).
        self.close_reason: str | None = None
        #: Who ended it and why (``ClosedBy``, ``CloseCause``), the unsent counts; None while open.
        self.close_info: CloseInfo | None = None
        #: The peer's protocol violation that ended it, with the offending frame; else None.
        self.close_error: RemoteProtocolError | None = None
        #: Bound on the STARTDT confirmation when data transfer starts on connect (None: t1).
        self.start_timeout = start_timeout
        #: The real addresses of the current (or last) TCP connection; None for test streams.
        self.local_address: Endpoint | None = None
        self.peer_address: Endpoint | None = None
        #: "TLSv1.3 TLS_AES_256_GCM_SHA384" while the link is TLS (engine.tls), None for plain TCP.
        self.tls: str | None = None
        self.transport = transport if transport is not None else Transport()
        self.last_command_index = 0  # journal index where the last command began
        self.tsc = 0  # test sequence counter of C_TS_TA_1
        # conformance options, applied to each new link
        self.withhold_acknowledgements = False
        self.ignore_test_frames = False
        self._on_frame: Callable[[JournalEntry], None] | None = None
        #: ``on_frame`` only hands the entry on (the c104 facade queues it to its callback
        #: thread): it may run in the thread of a caller that reads its own answer too.
        self.on_frame_any_thread = False
        self.on_state: Callable[[ConnectionState], None] | None = None
        self.on_asdu: Callable[[Asdu | UnknownAsdu], None] | None = None
        # tests pass trio.testing.memory_stream_pair halves instead of a TCP connection
        self.stream_factory = stream_factory
        self._link: Link | None = None
        self._session: Session | None = None
        self._command_lock = trio.Lock()
        # the command of submit_command() under way: (wait, on_done, give-up time, timeout)
        self._submitted: tuple[AwaitedCommand, Callable[[Any], None], float, float] | None = None
        self._awaited: AwaitedCommand | None = None  # the command that command() waits for
        self._outside_now: float | None = None  # the time of the batch read_outside dispatches
        #: (session, what outside_reader returns for it): made once per session
        self._outside_made: tuple[Session, tuple[int, Any, Any]] | None = None
        self._changed = trio.Event()  # replaced after every wake-up: frames, state, window
        self._watched = False  # a task waits on _changed: only then is it set and replaced
        self._run_scope: trio.CancelScope | None = None
        self._closing = False
        self._reported = False
        #: awaited after STARTDT con on every (re)connect, before the state becomes OPEN
        self.initializer: Callable[[ClientConnection], Awaitable[None]] | None = None
        self._initializing = False

    # ---- lifecycle -------------------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"<ClientConnection {Endpoint(self.host, self.port)} {self.state.name}>"

    @property
    def link(self) -> Link | None:
        return self._link

    def stall(self) -> str:
        """What of ours the RTU has left untaken or unacknowledged for half of t1 or more, in the
        session's words ("the RTU at ... has not taken 48118 octets of ours for 2.6 s"); "" if nothing."""
        return self._stall()

    async def wait_acknowledged(self, timeout: float | None = None, *, until_named: bool = False) -> str:
        """Wait until the RTU has taken and acknowledged what of ours has waited on it longest now;
        then "" (at once when nothing waits). Else the stall in the session's words (``stall()``):
        at ``timeout`` s (by default t1 after that wait began, + 1 s: the link has ended the
        connection by then), or, with ``until_named``, as soon as ``stall()`` names it (half of
        t1). "" too when the connection ends meanwhile (``close_info`` says why).

        One judgement of "the RTU stopped reading or acknowledging" for the FAT (was a missing
        answer the point's fault or a stalled RTU's?) and conformance (a case's "no answer" names
        the stall). An acknowledgement wakes nobody (the connection publishes no state for it),
        so this looks every 20 ms.
        """
        session = self._session
        if session is None or session.closed is not None:
            return ""
        since = session.waiting_since()
        if since is None:
            return ""
        now = trio.current_time()
        deadline = since + session.link.params.t1 + 1.0 if timeout is None else now + timeout
        while now < deadline:
            if session.closed is not None or self._session is not session:
                return ""
            waited = session.waiting_since()
            if waited is None or waited > since:
                return self._stall()  # the RTU took it: "" unless something newer waits past half of t1
            if until_named and session.stall(now):
                break
            await trio.sleep(min(0.02, deadline - now))
            now = trio.current_time()
        return self._stall()

    @property
    def stalling(self) -> bool:
        """Something of ours waits on the RTU now: octets it has not taken, or I-frames it has not
        acknowledged; ``stall()`` names it once it has lasted half of t1."""
        session = self._session
        return session is not None and session.closed is None and session.waiting_on_peer

    @property
    def is_establishing(self) -> bool:
        """Dialling, waiting for STARTDT con, or running the initializer: OPEN is on its way."""
        if self.state in (ConnectionState.CLOSED_AWAIT_OPEN, ConnectionState.CLOSED_AWAIT_RECONNECT):
            return True
        link = self._link
        return (
            self.state is ConnectionState.OPEN_MUTED
            and link is not None
            and (self._initializing or link.state is LinkState.PENDING_START)
        )

    def mark_dialling(self) -> None:
        """Report CLOSED_AWAIT_OPEN now, before ``run()`` has had its first turn (as c104 does)."""
        if self.state is ConnectionState.CLOSED:
            self._set_state(ConnectionState.CLOSED_AWAIT_OPEN)

    @property
    def is_open(self) -> bool:
        return self.state in (ConnectionState.OPEN, ConnectionState.OPEN_MUTED)

    async def run(self, *, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        """Connect, keep the connection, and reconnect if asked to, until ``close()``.

        ``task_status.started()`` fires once the first connection is open (and data transfer
        started, unless ``start_data_transfer=False``). Without ``reconnect`` a failed first
        connect raises ConnectFailed.
        """
        reported = False
        tune_collector()  # once per process: see engine/collector.py
        try:
            await self._run_connections(reported, task_status)
        finally:  # cancelled too (the trio thread stopping): the state says it is over
            self._run_scope = None
            self._set_state(ConnectionState.CLOSED)

    async def _run_connections(self, reported: bool, task_status: Any) -> None:
        with trio.CancelScope() as scope:
            self._run_scope = scope
            self._closing = False
            self._reported = False  # set by _session when it calls task_status.started()
            while not self._closing:
                self._set_state(ConnectionState.CLOSED_AWAIT_OPEN)
                try:
                    opened = await self.transport.connect(
                        self.host, self.port, timeout=self.params.t0, opener=self.stream_factory
                    )
                except ConnectFailed as exc:
                    self.close_reason = str(exc)
                    self.close_info = CloseInfo(exc.by, exc.cause, str(exc))
                    if not self.reconnect and not reported:
                        self._set_state(ConnectionState.CLOSED)
                        raise
                    if not self.reconnect:
                        break
                    self._set_state(ConnectionState.CLOSED_AWAIT_RECONNECT)
                    await trio.sleep(self.reconnect_delay)
                    continue
                try:
                    await self._serve(opened, None if reported else task_status)
                except LinkDown:
                    if not self._reported and not self.reconnect:
                        self._set_state(ConnectionState.CLOSED)
                        raise
                # a session that opened ends in LinkDown too, when the link is lost
                reported = self._reported
                if self._closing or not self.reconnect:
                    break
                self._set_state(ConnectionState.CLOSED_AWAIT_RECONNECT)
                await trio.sleep(self.reconnect_delay)

    async def close(self) -> None:
        """Close the connection and stop reconnecting (bounded: about 2 s at most)."""
        self._closing = True
        session = self._session
        if session is not None and session.is_open:
            self._set_state(ConnectionState.OPEN_AWAIT_CLOSED)
            await session.aclose("closed by the test")
        if self._run_scope is not None:
            self._run_scope.cancel()
        self._notify()

    async def _serve(self, opened: OpenStream, task_status: Any) -> None:
        """One connection: the session runs beside the start-up and ends the connection."""
        now = trio.current_time()
        link = Link(Role.CONTROLLING, self.params, now=now)
        link.report_frames = True
        link.withhold_acknowledgements = self.withhold_acknowledgements
        link.ignore_test_frames = self.ignore_test_frames
        session = Session(
            opened, link, self.journal, self, peer=f"the RTU at {Endpoint(self.host, self.port)}",
            on_frame=None if self._on_frame is None else self._frame,
        )
        self._link, self._session = link, session
        if self._on_frame is not None:  # set by another thread meanwhile (see the on_frame setter)
            session.frames_to(self._frame)
        self.local_address, self.peer_address = opened.local, opened.peer
        self.journal.endpoints = opened.endpoints
        self.tls = self.journal.tls = opened.tls
        self.close_reason = None
        self.close_info = None
        self.close_error = None
        self.connected_at = _dt.datetime.now()
        self.disconnected_at = None
        log.info("connected to %s:%s", self.host, self.port)
        self._set_state(ConnectionState.OPEN_MUTED)
        failure: Exception | None = None
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._drive, session, nursery.cancel_scope)
                # errors are kept, not raised, here: the nursery would wrap them in a group
                try:
                    if self.auto_start:
                        self._initializing = self.initializer is not None
                        try:
                            await self.start_data_transfer(timeout=self.start_timeout)
                        except CommandTimeout as exc:
                            session.close(str(exc), CloseCause.START_TIMEOUT)
                            raise
                        if self.initializer is not None:
                            try:
                                await self.initializer(self)
                            finally:
                                self._initializing = False
                            if link.state is LinkState.STARTED:
                                self._set_state(ConnectionState.OPEN)
                except (CommandTimeout, LinkDown, NotConnected) as exc:
                    failure = exc
                else:
                    if task_status is not None:
                        task_status.started(self)
                        self._reported = True
                    await trio.sleep_forever()
                nursery.cancel_scope.cancel()
        finally:
            self._session_ended(session)
            self.disconnected_at = _dt.datetime.now()
            log.info("disconnected from %s:%s: %s", self.host, self.port, self.close_reason)
            if not self._closing and not self.reconnect:
                # with reconnect, run() goes on to CLOSED_AWAIT_RECONNECT (as c104 does)
                self._set_state(ConnectionState.CLOSED)
            self._notify()
        info = session.closed
        by, cause = (info.by, info.cause) if info is not None else (None, None)
        if failure is not None:
            kind = type(failure) if isinstance(failure, LinkDown) else LinkDown
            raise kind(
                f"connection to {Endpoint(self.host, self.port)} failed to start: {failure}", by=by, cause=cause
            ) from failure
        if not self._closing:
            context = "" if cause is CloseCause.PEER_NOT_READING else f"connection to {Endpoint(self.host, self.port)} closed"
            raise session.exception(context) from session.error

    async def _drive(self, session: Session, scope: trio.CancelScope) -> None:
        try:
            await session.run()
        finally:
            scope.cancel()  # the connection ended: so does whatever waited on it

    def _session_ended(self, session: Session) -> None:
        info = session.closed
        if info is None or self.close_info is not None:
            return
        self.close_info = info
        self.close_error = session.error
        if self.close_reason is None:
            self.close_reason = info.reason

    # ---- the session's callbacks -------------------------------------------------------------------

    @property
    def on_frame(self) -> Callable[[JournalEntry], None] | None:
        """Called with every frame's journal entry (received, then sent), in the trio thread."""
        return self._on_frame

    @on_frame.setter
    def on_frame(self, fn: Callable[[JournalEntry], None] | None) -> None:
        # the session hears of frames only while there is someone to tell (one store, any
        # thread: the session sees it from its next batch on)
        self._on_frame = fn
        session = self._session
        if session is not None:
            session.frames_to(None if fn is None else self._frame)

    def _frame(self, entry: JournalEntry) -> None:
        fn = self._on_frame
        if fn is not None:
            self._callback(fn, entry)

    def asdu_received(self, entry: JournalEntry, now: float) -> None:
        asdu = entry.asdu
        if asdu is None:  # undecodable: the journal entry has the reason
            if entry.error:
                log.warning("undecodable ASDU from %s:%s: %s", self.host, self.port, entry.error)
            for awaited in (self._awaited, self._submitted[0] if self._submitted is not None else None):
                if awaited is not None:
                    awaited.feed(entry, now)  # looked at: the journal may drop it
            return
        if type(asdu) is Asdu and self.keep_points and asdu.type in PROCESS_TYPES:
            self.points.apply(asdu, entry.timestamp)
        on_asdu = self.on_asdu
        if on_asdu is not None:
            try:  # _callback, inline: once per received ASDU
                on_asdu(asdu)
            except Exception:
                log.exception("callback %r raised; it stays registered", on_asdu)
        # the awaited command sees every received frame as it is applied: a small journal may
        # drop frames of a long batch before the batch's end, and the answer must not go with them
        awaited = self._awaited
        if awaited is not None:
            awaited.feed(entry, now)
        submitted = self._submitted
        if submitted is not None:
            wait = submitted[0]
            wait.feed(entry, now)
            if wait.mode is None:
                # no ACT_TERM to look for: the frame that confirms it ends it, not the batch's end
                # (the caller need not wait while the rest of a streamed batch is applied). What
                # _check_submitted(now, entry.index) decides here: feed has looked at this frame
                # (the journal's frames up to it were looked at before), so its outcome is all.
                outcome = wait.outcome
                if outcome is not None:
                    self._submitted = None
                    submitted[1](outcome)

    def link_event(self, event: Event, now: float) -> None:
        kind = type(event)
        if kind is DataTransferStarted:
            # with an initializer, OPEN waits until the init commands are done (as in c104)
            if not self._initializing:
                self._set_state(ConnectionState.OPEN)
        elif kind is DataTransferStopped:
            self._set_state(ConnectionState.OPEN_MUTED)
        elif kind is UnexpectedFrame:
            log.warning("unexpected frame from %s:%s: %s", self.host, self.port, event.reason)  # type: ignore[union-attr]

    def changed(self) -> None:
        session = self._session
        if session is not None and session.closed is not None:
            self._session_ended(session)
        if self._submitted is not None:
            self._check_submitted(self._outside_now)  # None in the trio thread: trio's clock
        if self._watched:  # _notify, inline: once per received batch
            self._notify()

    def _notify(self) -> None:
        # no task waits (all wait in _wait_changed, after a look at the state): no new Event
        if self._watched:
            self._watched = False
            self._changed.set()
            self._changed = trio.Event()

    def _set_state(self, state: ConnectionState) -> None:
        if state is not self.state:
            self.state = state
            self._callback(self.on_state, state)
            self._notify()

    def _callback(self, fn: Callable[[Any], None] | None, arg: Any) -> None:
        if fn is None:
            return
        try:
            fn(arg)
        except Exception:
            log.exception("callback %r raised; it stays registered", fn)

    # ---- waiting ---------------------------------------------------------------------------------

    async def _wait_changed(self) -> None:
        self._watched = True
        await self._changed.wait()

    def _require_link(self) -> Link:
        session = self._session
        if self._link is None or session is None or not session.is_open or self._link.state is LinkState.CLOSED:
            raise NotConnected(
                f"connection to {Endpoint(self.host, self.port)} is not open ({self.state.name}"
                + (f": {self.close_reason}" if self.close_reason else "")
                + ")"
            )
        return self._link

    async def wait_for_state(self, *states: ConnectionState, timeout: float | None = None) -> None:
        timeout = self.command_timeout if timeout is None else timeout
        try:
            with trio.fail_after(timeout):
                while self.state not in states:
                    await self._wait_changed()
        except trio.TooSlowError:
            names = " or ".join(s.name for s in states)
            raise CommandTimeout(
                f"connection to {Endpoint(self.host, self.port)} did not become {names} within {timeout:g} s "
                f"(state {self.state.name})"
            ) from None

    # ---- link control ----------------------------------------------------------------------------

    async def start_data_transfer(self, timeout: float | None = None) -> None:
        """Send STARTDT act and wait for the con (t1 closes the link if it never comes)."""
        link = self._require_link()
        if link.state is LinkState.STARTED:
            return
        link.start_data_transfer(trio.current_time())
        self._wake()
        await self._wait_link(link, LinkState.STARTED, "STARTDT con", timeout)

    async def stop_data_transfer(self, timeout: float | None = None) -> None:
        """Send STOPDT act and wait for the con."""
        link = self._require_link()
        if link.state is LinkState.STOPPED:
            return
        link.stop_data_transfer(trio.current_time())
        self._wake()
        await self._wait_link(link, LinkState.STOPPED, "STOPDT con", timeout)

    async def _wait_link(self, link: Link, state: LinkState, what: str, timeout: float | None) -> None:
        # By default the link's own t1 ends the wait (closing the link with a reason that names
        # t1); a deadline of exactly t1 here would race it and win about half the time.
        timeout = self.params.t1 + 1.0 if timeout is None else timeout
        try:
            with trio.fail_after(timeout):
                while link.state is not state:
                    if link.state is LinkState.CLOSED:
                        raise self._down(f"no {what}" + self._silent_close_hint(link))
                    await self._wait_changed()
        except trio.TooSlowError:
            stall = self._stall()  # a STARTDT/STOPDT act the RTU never took is not its late answer
            raise CommandTimeout(f"no {what} within {timeout:g} s" + (f"; {stall}" if stall else "")) from None

    async def send_test_frame(self) -> None:
        self._require_link().send_test_frame(trio.current_time())
        self._wake()
        await trio.lowlevel.checkpoint()

    async def send_raw(self, apdu: bytes) -> None:
        """Send octets exactly as given (conformance tests); no checks, no numbering."""
        self._require_link().send_raw(apdu)
        self._wake()
        await trio.lowlevel.checkpoint()

    def pause_reading(self, paused: bool = True) -> None:
        """Stop (or resume) reading from the RTU at TCP level (conformance R17: a half-open
        peer); meanwhile its frames wait in the socket buffers."""
        if self._session is not None:
            (self._session.pause_reading if paused else self._session.resume_reading)()

    async def send_acknowledgement(self, recv_seq: int | None = None) -> None:
        self._require_link().send_acknowledgement(recv_seq=recv_seq)
        self._wake()
        await trio.lowlevel.checkpoint()

    def _wake(self) -> None:
        """Something was queued in the link: the session's writer sends it, the timer re-arms."""
        if self._session is not None:
            self._session.wake()

    def _silent_close_hint(self, link: Link) -> str:
        """Why an RTU may close a plain connection before it sent one octet: a test engineer's
        first guesses (a TLS port, an address not on the RTU's list), '' in any other case."""
        session = self._session
        info = session.closed if session is not None else None
        if info is None or not info.peer_closed or self.tls is not None or link.frame_decoder.offset:
            return ""
        return (" (the RTU closed the connection before it sent anything: does it expect TLS on this port,"
                " or accept only other client addresses?)")

    def _down(self, context: str) -> LinkDown:
        """The error for a wait that the connection's end cut short (LinkTimeout for t1)."""
        session = self._session
        if session is None or session.closed is None:
            return LinkDown(f"{context}: connection closed ({self.close_reason})")
        error = session.exception(context)
        error.__cause__ = session.error
        return error

    def set_withhold_acknowledgements(self, value: bool) -> None:
        self.withhold_acknowledgements = value
        if self._link is not None:
            self._link.withhold_acknowledgements = value
            self._wake()  # t2 counts again once acknowledgements are no longer withheld

    def set_ignore_test_frames(self, value: bool) -> None:
        self.ignore_test_frames = value
        if self._link is not None:
            self._link.ignore_test_frames = value

    async def send_asdu(
        self,
        asdu: Asdu | UnknownAsdu,
        *,
        timeout: float | None = None,
        send_seq: int | None = None,
        recv_seq: int | None = None,
        force: bool = False,
    ) -> int:
        """Encode and send one ASDU, waiting for room in the k window; returns its N(S)."""
        data = encode_asdu(asdu)
        link = await self._room(asdu, self.command_timeout if timeout is None else timeout, force=force)
        ns = link.send_asdu(data, trio.current_time(), send_seq=send_seq, recv_seq=recv_seq, force=force)
        self._wake()
        await trio.lowlevel.checkpoint()
        return ns

    async def send_burst(self, asdu: Asdu | UnknownAsdu, count: int, *, timeout: float | None = None) -> None:
        """Send ``asdu`` ``count`` times as fast as the k window allows (conformance L15).

        Whenever the window has room it is filled at once and the writer woken once, so the
        frames leave in few TCP segments (about four times as fast as ``send_asdu`` in a loop).
        """
        data = encode_asdu(asdu)
        timeout = self.command_timeout if timeout is None else timeout
        left = count
        while left > 0:
            link = await self._room(asdu, timeout, note=f" ({count - left} of {count} sent)")
            now = trio.current_time()
            while left > 0 and link.can_send:
                link.send_asdu(data, now)
                left -= 1
            self._wake()
            await trio.lowlevel.checkpoint()

    async def _room(self, asdu: Asdu | UnknownAsdu, timeout: float, *, force: bool = False, note: str = "") -> Link:
        """The link once its k window has room (at once with ``force``); CommandTimeout after
        ``timeout`` s, NotConnected when data transfer is not started."""
        try:
            with trio.fail_after(timeout):
                while True:
                    link = self._require_link()
                    if force or link.can_send:
                        return link
                    if link.state not in (LinkState.STARTED, LinkState.PENDING_START):
                        raise NotConnected(
                            f"cannot send {_name(asdu)}: data transfer is not started "
                            f"(link {link.state.value}); start it first"
                        )
                    await self._wait_changed()
        except trio.TooSlowError:
            raise CommandTimeout(f"cannot send {_name(asdu)}: k window stayed full for {timeout:g} s{note}") from None

@asynccontextmanager
async def open_connection(host: str = "127.0.0.1", port: int = 2404, **options: Any) -> AsyncIterator[ClientConnection]:
    """Connect (and start data transfer); close on exit. Options as for ``ClientConnection``."""
    conn = ClientConnection(host, port, **options)
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(conn.run)
            try:
                yield conn
            finally:
                await conn.close()
                nursery.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        error = unwrap_group(group)
        raise error from error.__cause__  # keeps a RemoteProtocolError behind a LinkDown

