"""The RTU simulator: a controlled station on trio, driven by a profile.

>>> async def main():
...     async with open_simulator(demo_profile()) as sim:
...         print(sim.port)
...         await sim.set_point(47, 100, False)

It answers like a conforming RTU (protocol.md 1.10-1.11, the catalogue in 2.3): station and
group interrogation, counter interrogation with freeze and reset, read, clock synchronisation,
test and reset-process commands, direct and select-before-operate commands with return
information, spontaneous and cyclic data, and the negative mirrors COT 44-47.

The station behaviour (points, answers, selections, redundancy groups, event buffers, cyclic
data, fault plans) lives in the sans-I/O ``protocol/station`` layer; this module is the adapter
that feeds it received ASDUs and the time, and hands what it answers to each connection's link.

Every connection owns a ``Link(Role.CONTROLLED)`` and three tasks in one nursery: a reader that
feeds octets to the link and answers ASDUs, a writer that drains the outgoing queues while the k
window has room, and a timer that sleeps until ``link.next_deadline()`` (one wake-up event
re-arms it, aioquic style). Answers to requests leave first, in request order
(lib60870 does the same, so a command is not stuck behind thousands of spontaneous reports);
interrogation answers are built lazily, so they carry the values of the moment they are sent.
Spontaneous and cyclic reports go to the bounded event buffer of the connection's redundancy
group and are packed into one ASDU per run of equal type, CA, COT and OA. When the buffer
exceeds its bound, the overflow policy drops reports (default: superseded reports of the same
point, so the newest value of every point is kept) and counts them in ``overflows``.
``await set_point`` instead waits for room (while the connection is started), so an async
producer loses nothing. A fault plan (``faults=``, ``set_faults``; ``protocol/station/faults.py``)
makes the simulator misbehave on purpose, for conformance tests; without one it conforms.

Choices where the standard leaves room or real RTUs differ (documented for the test engineer):

- A command type (45-64) that no point of the station uses is answered with COT 44 (unknown
  type), as the interoperability list demands for a type marked "not used". A command type the
  station uses, sent to a point of another type, gets a negative ACT_CON (COT 7, P/N=1): the
  address and the type are known, the combination is refused (catalogue A34 allows /7- or /44-).
  A point accepts exactly its configured type (C_SC_NA_1 and C_SC_TA_1 are different points).
- Types that are not accepted in the control direction at all (monitoring types, C_TS_NA_1,
  C_CD_NA_1, parameters, files) are answered with COT 44 (catalogue A19, R09).
- A received ASDU with P/N=1 is answered with COT 45: a negative activation is no cause the
  control direction may use (R11). A single-object request with N != 1 or SQ=1 gets a negative
  confirmation and is not executed (R07).
- The broadcast address 0xFFFF is accepted for interrogation, counter interrogation, clock
  synchronisation and reset process; every station answers with its own CA (A05). Other types
  with 0xFFFF get COT 46, as lib60870 does.
- Interrogation deactivation (COT 8) stops the running interrogation of that CA and is
  confirmed with DEACT_CON; with no interrogation running the DEACT_CON is negative. A second
  interrogation while one is running for the same CA gets a negative ACT_CON (A07).
- Counter interrogation accepts only COT 6 (the type/COT matrix; lib60870 also takes 8). It
  works in mode C: a freeze copies the counters into frozen registers (the BCR sequence number
  counts freezes), a later read reports the frozen registers (the live counters where none was
  frozen); counter reset zeroes the live counter and discards the frozen one. Counters are
  reported in their own type (M_IT_TB_1 with the time of the freeze).
- C_RD_NA_1 reads monitoring points in their own type (with time tag), without ACT_CON unless
  the PIXIT asks for it. Commands, counters and protection events have no COT 5 in their
  type/COT matrix: reading them is answered with COT 47.
- A selection (S/E=1) belongs to the connection that made it: another connection can neither
  select nor execute that point until it lapses (``pixit.select_timeout``) or is executed or
  cancelled. Execute without a valid selection, or differing from it, gets a negative ACT_CON.
- Commands with the test bit set are confirmed (ACT_CON and ACT_TERM mirror T=1) but change
  nothing and send no return information (A33).
- Spontaneous data is queued to every connection that has started data transfer at least once
  and is still open, so a client that stops and restarts data transfer gets what changed in
  between (L06). A connection that never started gets nothing (a standby connection). With
  ``redundancy_group_size`` the connections of a group share one buffer and only the group's
  started connection gets data (``protocol/station/redundancy.py``, ``docs/profile.md``).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
import time as _time
from collections import deque
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import trio

from ..protocol.apci import IFrame
from ..protocol.asdu import Asdu, UnknownAsdu, decode_asdu
from ..protocol.enums import BinaryCounterQuality, Cot, Quality
from ..protocol.errors import DecodeError
from ..protocol.explain import explain_asdu
from ..protocol.link import (
    Acknowledged,
    AsduReceived,
    DataTransferStarted,
    DataTransferStopped,
    Event,
    FrameReceived,
    Link,
    LinkClosed,
    LinkState,
    Role,
)
from ..protocol.station import ControlledStation, Fault, RedundancySettings, SimulatedPoint
from ..protocol.station.answers import BROADCAST_CA
from .errors import unwrap_group
from .journal import Direction, Journal
from .profile import Profile, demo_profile

__all__ = [
    "BROADCAST_CA",
    "ReceivedCommand",
    "SimulatedPoint",
    "Simulator",
    "SimulatorConnection",
    "open_simulator",
]

log = logging.getLogger("c104test.simulator")

_RECEIVE_SIZE = 65536
_YIELD_EVERY = 32  # set_point calls between schedule points (about one ASDU of reports)
_HEADER_LENGTH = 6


@dataclass(frozen=True, slots=True)
class ReceivedCommand:
    """One ASDU received by the simulator and what it answered (``outcome``, for humans)."""

    connection: int
    peer: tuple[str, int]
    asdu: Asdu | UnknownAsdu
    positive: bool
    outcome: str
    timestamp: float  # trio clock


# ---- one connection ------------------------------------------------------------------------------


class SimulatorConnection:
    """One client of the simulator: its link, journal and send path; the station answers."""

    def __init__(
        self,
        simulator: Simulator,
        stream: trio.SocketStream,
        peer: tuple[str, int],
        number: int,
    ) -> None:
        self.simulator = simulator
        self.id = number
        self.peer = peer
        self.stream = stream
        now = trio.current_time()
        self.link = Link(Role.CONTROLLED, simulator.profile.link, now=now)
        self.link.report_frames = True  # every received frame goes into the journal
        faults = simulator.station.link_faults
        self.link.withhold_acknowledgements = faults.withhold_acknowledgements
        self.link.ignore_test_frames = faults.ignore_test_frames
        self.journal = Journal(simulator.journal_size)
        self.opened_at = now
        #: Why the connection closed (None while open).
        self.close_reason: str | None = None
        self._closed = False
        self._send_lock = trio.Lock()
        self._outbox: list[bytes] = []  # journalled APDUs waiting for the send lock
        self._station = simulator.station
        self._station.connect(number, now, self.name)
        # The decoded ASDU of each I-frame handed to the link, in order, for the journal.
        self._sent: deque[Asdu | None] = deque()
        self._received: tuple[Asdu | UnknownAsdu | None, str | None] = (None, None)
        self._writer_wakeup = trio.Event()
        self._timer_wakeup = trio.Event()
        self._armed = math.inf
        self._room = trio.lowlevel.ParkingLot()
        self._cancel_scope = trio.CancelScope()

    def __repr__(self) -> str:
        return f"<SimulatorConnection {self.id} {self.name} {self.state.name}>"

    @property
    def name(self) -> str:
        return f"{self.peer[0]}:{self.peer[1]}"

    @property
    def state(self) -> LinkState:
        return self.link.state

    @property
    def is_open(self) -> bool:
        return not self._closed

    @property
    def started(self) -> bool:
        """Data transfer has been started at least once (the connection gets spontaneous data)."""
        connection = self._station.connections.get(self.id)
        return connection is not None and connection.initialised

    @property
    def queued(self) -> int:
        """Spontaneous and cyclic reports waiting in the buffer of this connection's group."""
        return self._station.queued(self.id)

    @property
    def overflows(self) -> int:
        """Reports the overflow policy dropped from the buffer of this connection's group."""
        return self._station.dropped(self.id)

    def close(self, reason: str = "closed by the simulator") -> None:
        """Close this connection (its TCP connection ends; the others are not affected)."""
        self._finish(reason)

    def _wake(self) -> None:
        self._writer_wakeup.set()

    def _over_limit(self) -> bool:
        """The event buffer is full and draining: ``set_point`` waits for room.

        A stopped connection does not drain, so producers do not wait for it; its buffer
        applies the overflow policy instead.
        """
        return (
            not self._closed
            and self.link.state is LinkState.STARTED
            and self._station.over_limit(self.id)
        )

    # ---- tasks ----

    async def _run(self) -> None:
        with self._cancel_scope:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._read)
                nursery.start_soon(self._write)
                nursery.start_soon(self._tick)

    async def _read(self) -> None:
        link = self.link
        while True:
            try:
                data = await self.stream.receive_some(_RECEIVE_SIZE)
            except (trio.BrokenResourceError, trio.ClosedResourceError) as exc:
                self._finish(f"connection lost: {exc}")
                return
            if not data:
                self._finish("closed by the peer")
                return
            now = trio.current_time()
            self._handle(link.receive_data(data, now), now)
            self._rearm_timer()
            await self._transmit()
            if link.state is LinkState.CLOSED:
                self._finish(link.close_reason or "link closed")
                return

    async def _write(self) -> None:
        link = self.link
        while True:
            if link.can_send and self._station.has_outgoing(self.id, trio.current_time()):
                self._fill(trio.current_time())
                self._rearm_timer()
                await self._transmit()
            else:
                # Woken by new data, an acknowledgement (k window) or the start of transfer.
                self._writer_wakeup = trio.Event()
                await self._writer_wakeup.wait()

    async def _tick(self) -> None:
        link = self.link
        while True:
            deadline = link.next_deadline()
            self._armed = math.inf if deadline is None else deadline
            self._timer_wakeup = trio.Event()
            with trio.move_on_at(self._armed):
                await self._timer_wakeup.wait()
            now = trio.current_time()
            if now >= self._armed:
                self._handle(link.handle_timeout(now), now)
                await self._transmit()
                if link.state is LinkState.CLOSED:
                    self._finish(link.close_reason or "link closed")
                    return

    def _rearm_timer(self) -> None:
        deadline = self.link.next_deadline()
        if deadline is not None and deadline < self._armed:
            self._timer_wakeup.set()

    def _fill(self, now: float) -> None:
        """Hand the station's ASDUs to the link while the k window has room (answers first)."""
        link = self.link
        sent = self._sent
        room = link.window_free if link.can_send else 0
        if room:
            for out in self._station.next_outgoing(self.id, now, room):
                if out.send_seq_offset:  # fault plan: a wrong N(S), V(S) left alone
                    seq = (link.vs + out.send_seq_offset) & 0x7FFF
                    link.send_asdu(out.raw, now, send_seq=seq)
                else:
                    link.send_asdu(out.raw, now)
                sent.append(out.asdu)
        if self._room and not self._station.over_limit(self.id):
            self._room.unpark_all()

    async def _transmit(self) -> None:
        """Send what the link queued, in order, recording every frame in the journal.

        The link's output is taken and journalled at once (no await in between), so frames
        keep their order whichever task sends them; with nothing to send there is no wait for
        the lock, which keeps the reader and the writer from taking turns for nothing.
        """
        apdus = self.link.apdus_to_send()
        if apdus:
            now = trio.current_time()
            wall = _time.time()
            record = self.journal.record
            sent = self._sent
            for apdu in apdus:
                if len(apdu) > 6 and not apdu[2] & 1 and sent:
                    record(Direction.SENT, apdu, now=now, wall=wall, asdu=sent.popleft())
                else:
                    record(Direction.SENT, apdu, now=now, wall=wall)
            self._outbox.extend(apdus)
        if not self._outbox:
            return
        async with self._send_lock:
            if not self._outbox:
                return  # sent by the task that held the lock before us
            data = b"".join(self._outbox)
            self._outbox.clear()
            try:
                await self.stream.send_all(data)
            except (trio.BrokenResourceError, trio.ClosedResourceError) as exc:
                self._finish(f"connection lost: {exc}")

    def _handle(self, events: list[Event], now: float) -> None:
        """React to the link's events (runs between awaits, so it needs no lock)."""
        wall = _time.time()
        station = self._station
        for event in events:
            kind = type(event)
            if kind is FrameReceived:
                assert isinstance(event, FrameReceived)
                asdu: Asdu | UnknownAsdu | None = None
                error = None
                if type(event.frame) is IFrame:
                    try:
                        asdu = decode_asdu(event.frame.asdu, _HEADER_LENGTH)
                    except DecodeError as exc:
                        error = str(exc)
                    self._received = (asdu, error)
                self.journal.record(
                    Direction.RECEIVED, event.apdu, now=now, wall=wall, asdu=asdu, error=error
                )
            elif kind is AsduReceived:
                assert isinstance(event, AsduReceived)
                asdu, error = self._received
                if asdu is None:
                    # A malformed ASDU is never executed in part; lib60870 closes too (R05, R06).
                    self.link.close(f"undecodable ASDU: {error}")
                    return
                self.simulator._dispatch(self, event.asdu, asdu, now)
            elif kind is Acknowledged:
                assert isinstance(event, Acknowledged)
                station.acknowledged(self.id, event.count)
                self._writer_wakeup.set()
            elif kind is DataTransferStarted:
                log.info("%s: data transfer started", self.name)
                previous = station.started(self.id, now)
                if previous is not None:
                    self.simulator._wake_connection(previous)
                self.simulator._log_notices()
                self._writer_wakeup.set()
            elif kind is DataTransferStopped:
                log.info("%s: data transfer stopped", self.name)
                station.stopped(self.id, now)
            elif kind is LinkClosed:
                assert isinstance(event, LinkClosed)
                self.close_reason = self.close_reason or event.reason
            else:
                log.debug("%s: %s", self.name, event)

    def _finish(self, reason: str) -> None:
        if self.close_reason is None:
            self.close_reason = reason
        self._closed = True
        self._room.unpark_all()
        self._cancel_scope.cancel()


# ---- the simulator -------------------------------------------------------------------------------


class Simulator:
    """A simulated RTU (controlled station) serving IEC 104 clients from a profile.

    ``simulate_changes`` lets points with ``change_every`` move by themselves (a deterministic
    walk, reported spontaneously). ``queue_limit`` overrides the profile's event buffer size;
    ``journal_size`` bounds each connection's journal. ``max_connections``,
    ``redundancy_group_size`` and ``faults`` override the profile's (CLI and Robot options).
    """

    #: The class of each connection (c104test.Server's adapter taps the frames in a subclass).
    connection_class: type[SimulatorConnection] = SimulatorConnection

    def __init__(
        self,
        profile: Profile | None = None,
        *,
        simulate_changes: bool = False,
        queue_limit: int | None = None,
        journal_size: int = 10_000,
        command_log_size: int = 10_000,
        max_connections: int | None = None,
        redundancy_group_size: int | None = None,
        faults: Iterable[Fault] | None = None,
    ) -> None:
        if queue_limit is not None and queue_limit < 1:
            raise ValueError(f"queue_limit must be at least 1, got {queue_limit}")
        if max_connections is not None and max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, got {max_connections}")
        self.profile = profile if profile is not None else demo_profile()
        self.simulate_changes = simulate_changes
        redundancy: RedundancySettings = self.profile.redundancy
        if queue_limit is not None or redundancy_group_size is not None:
            redundancy = RedundancySettings(
                redundancy_group_size if redundancy_group_size is not None else redundancy.group_size,
                queue_limit if queue_limit is not None else redundancy.buffer_size,
                redundancy.overflow,
            )
        self.redundancy = redundancy
        self.queue_limit = redundancy.buffer_size
        self.journal_size = journal_size
        self.max_connections = max_connections if max_connections is not None else self.profile.max_connections
        #: The fault plan: the profile's, or the one given here.
        self.faults: tuple[Fault, ...] = tuple(self.profile.faults if faults is None else faults)
        #: The station layer: every answer, buffer and fault lives there.
        self.station = ControlledStation(
            self.profile,
            wall_clock=_time.time,
            faults=self.faults,
            redundancy=redundancy,
            simulate_changes=simulate_changes,
        )
        #: The TCP port once ``serve`` listens (None before).
        self.port: int | None = None
        #: Connections accepted since the simulator was made (refused ones not counted).
        self.connections_served = 0
        #: Connections closed at once (max_connections reached or client not allowed).
        self.connections_refused = 0
        #: Every ASDU received on any connection and what the simulator answered.
        self.received_commands: deque[ReceivedCommand] = deque(maxlen=command_log_size)
        self._connections: list[SimulatorConnection] = []
        self._by_id: dict[int, SimulatorConnection] = {}
        self._numbers = 0
        self._allowed = frozenset(ipaddress.ip_address(a) for a in self.profile.allowed_clients)
        self._serve_scope: trio.CancelScope | None = None
        self._unyielded = 0  # set_point calls since the last schedule point
        self._timer_wakeup = trio.Event()
        if self.faults:
            log.warning("simulator fault plan: %s", ", ".join(repr(f) for f in self.faults))

    # ---- the fault plan ----

    def set_faults(self, faults: Iterable[Fault]) -> None:
        """Replace the fault plan at run time (``Inject Fault``); open links get the link faults too."""
        self.faults = tuple(faults)
        self.station.set_faults(self.faults)
        link_faults = self.station.link_faults
        for connection in self._connections:
            connection.link.withhold_acknowledgements = link_faults.withhold_acknowledgements
            connection.link.ignore_test_frames = link_faults.ignore_test_frames
        if self.faults:
            log.warning("simulator fault plan: %s", ", ".join(repr(f) for f in self.faults))
        else:
            log.info("simulator fault plan cleared")

    # ---- observability ----

    @property
    def connections(self) -> list[SimulatorConnection]:
        """The connections that are open now."""
        return list(self._connections)

    def get_point(self, common_address: int, io_address: int) -> SimulatedPoint | None:
        """A snapshot of the point, or None if the profile has no such point."""
        return self.station.get_point(common_address, io_address)

    @property
    def overflows(self) -> int:
        """Reports dropped by the overflow policy since the start, on all buffers."""
        return self.station.overflows

    # ---- spontaneous data ----

    def set_point_nowait(
        self,
        common_address: int,
        io_address: int,
        value: Any = None,
        quality: Quality | BinaryCounterQuality | int | None = None,
        cause: Cot | int = Cot.SPONTANEOUS,
    ) -> None:
        """Change a point and report it with ``cause`` to every started connection.

        ``value=None`` keeps the value, ``quality=None`` keeps the quality. Time-tagged points
        report with a CP56Time2a of now (the simulator's clock, set by clock synchronisation).
        A command point only stores the value. ValueError for a value the type cannot carry,
        KeyError for a point the profile does not have.
        """
        self.station.set_point(common_address, io_address, value, quality, cause)
        for connection in self._connections:
            connection._writer_wakeup.set()
        if self.station.notices:
            self._log_notices()

    async def set_point(
        self,
        common_address: int,
        io_address: int,
        value: Any = None,
        quality: Quality | BinaryCounterQuality | int | None = None,
        cause: Cot | int = Cot.SPONTANEOUS,
    ) -> None:
        """Like ``set_point_nowait``, then wait while a connection's event queue is full.

        This is backpressure for producers: a client that acknowledges slowly slows the
        producer down instead of losing intermediate values. Every call is a cancellation
        point; it lets other tasks run every 32 calls (or when it waits), so that a producer in
        a loop fills whole ASDUs instead of sending one object per ASDU.
        """
        self.set_point_nowait(common_address, io_address, value, quality, cause)
        await trio.lowlevel.checkpoint_if_cancelled()
        waited = False
        for connection in self.connections:
            while connection._over_limit():
                waited = True
                await connection._room.park()
        self._unyielded += 1
        if waited:
            self._unyielded = 0
        elif self._unyielded >= _YIELD_EVERY:
            self._unyielded = 0
            await trio.lowlevel.cancel_shielded_checkpoint()

    def _wake_connection(self, number: int) -> None:
        connection = self._by_id.get(number)
        if connection is not None:
            connection._writer_wakeup.set()

    def _log_notices(self) -> None:
        for notice in self.station.take_notices():
            log.warning("%s", notice)

    # ---- serving ----

    async def serve(
        self,
        host: str | None = "127.0.0.1",
        port: int = 0,
        *,
        task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Listen on ``host``:``port`` (0: any free port) until cancelled or ``stop()``.

        ``task_status.started`` reports the port actually bound. Every connection and the
        station's timer live in this call's nursery, so none outlives it.
        """
        if self._serve_scope is not None:
            raise RuntimeError("this simulator is already serving")
        with trio.CancelScope() as scope:
            self._serve_scope = scope
            try:
                async with trio.open_nursery() as nursery:
                    listeners = await nursery.start(
                        functools.partial(
                            trio.serve_tcp,
                            self._serve_connection,
                            port,
                            host=host,
                            handler_nursery=nursery,
                        )
                    )
                    self.port = listeners[0].socket.getsockname()[1]
                    log.info("simulator %r listening on %s:%d", self.profile.name, host, self.port)
                    self.station.start_timers(trio.current_time())
                    nursery.start_soon(self._station_timer)
                    task_status.started(self.port)
            finally:
                self._serve_scope = None
                log.info("simulator stopped")

    def stop(self) -> None:
        """Stop serving: close every connection and the listener."""
        if self._serve_scope is not None:
            self._serve_scope.cancel()

    async def _station_timer(self) -> None:
        """Cyclic data, simulated changes, select time-outs and delayed answers, on time."""
        station = self.station
        while True:
            deadline = station.next_deadline()
            self._timer_wakeup = trio.Event()
            with trio.move_on_at(math.inf if deadline is None else deadline):
                await self._timer_wakeup.wait()
            now = trio.current_time()
            if deadline is not None and now >= deadline:
                station.handle_timeout(now)
                for connection in self._connections:
                    connection._writer_wakeup.set()
                if station.notices:
                    self._log_notices()

    async def _serve_connection(self, stream: trio.SocketStream) -> None:
        try:
            address = stream.socket.getpeername()
        except OSError:  # the client is gone already
            await trio.aclose_forcefully(stream)
            return
        peer = (str(address[0]), int(address[1]))
        name = f"{peer[0]}:{peer[1]}"
        refusal = self._refusal(peer[0])
        if refusal is not None:
            self.connections_refused += 1
            log.warning("connection from %s refused: %s", name, refusal)
            await trio.aclose_forcefully(stream)
            return
        self._numbers += 1
        connection = self.connection_class(self, stream, peer, self._numbers)
        self._connections.append(connection)
        self._by_id[connection.id] = connection
        self.connections_served += 1
        log.info("connection %d from %s opened", connection.id, name)
        try:
            await connection._run()
        except Exception as exc:  # a bug must cost this connection only, never the simulator
            log.exception("connection %d from %s failed", connection.id, name)
            connection._finish(f"simulator error: {exc!r}")
        finally:
            connection._finish(connection.close_reason or "simulator stopped")
            self._connections.remove(connection)
            del self._by_id[connection.id]
            self.station.disconnect(connection.id, trio.current_time())
            self._log_notices()
            for other in self._connections:  # reports put back may go to a started one
                other._writer_wakeup.set()
            # Logged before the close: when the simulator stops, the await below is cancelled.
            log.info("connection %d from %s closed: %s", connection.id, name, connection.close_reason)
            await trio.aclose_forcefully(stream)

    def _refusal(self, host: str) -> str | None:
        if self._allowed:
            address = ipaddress.ip_address(host.split("%")[0])
            if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
                address = address.ipv4_mapped
            if address not in self._allowed:
                return "not in allowed_clients"
        if len(self._connections) >= self.max_connections:
            return f"max_connections ({self.max_connections}) reached"
        return None

    # ---- answering ----

    def _dispatch(
        self, connection: SimulatorConnection, raw: bytes, asdu: Asdu | UnknownAsdu, now: float
    ) -> None:
        answered = self.station.receive(connection.id, raw, asdu, now)
        self.received_commands.append(
            ReceivedCommand(connection.id, connection.peer, asdu, answered.positive, answered.outcome, now)
        )
        if log.isEnabledFor(logging.INFO):
            log.info("%s: %s -> %s", connection.name, explain_asdu(asdu, limit=3), answered.outcome)
        # Return information goes to other groups as events; a delayed answer needs the timer.
        for other in self._connections:
            other._writer_wakeup.set()
        self._timer_wakeup.set()


# ---- entry points ------------------------------------------------------------------------------


@asynccontextmanager
async def open_simulator(
    profile: Profile | None = None,
    host: str | None = "127.0.0.1",
    port: int = 0,
    **options: Any,
) -> AsyncIterator[Simulator]:
    """Serve a simulator for the duration of the block; ``sim.port`` is the bound port.

    ``options`` go to ``Simulator`` (``simulate_changes``, ``queue_limit``, ``journal_size``).
    Leaving the block closes every connection. An error raised in the block comes out as
    itself, not wrapped in an exception group.
    """
    simulator = Simulator(profile, **options)
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(simulator.serve, host, port)
            try:
                yield simulator
            finally:
                nursery.cancel_scope.cancel()
    except BaseExceptionGroup as group:  # the block's own error, as it was raised
        raise unwrap_group(group) from None
