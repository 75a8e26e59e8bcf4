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

Every connection owns a ``Link(Role.CONTROLLED)`` driven by an ``engine.session.Session`` (the
same adapter as the client's: a reader, a writer whose every send has a t1 deadline, and a
timer); the connection keeps no I/O loop. It hands the station what the session received
(``asdu_received``) and gives the session the station's ASDUs when the k window has room (the
pull hook ``_produce``). Answers waiting for a connection are bounded (``response_limit``
octets, counted as the largest APDU per answer): past the bound the connection holds back its
acknowledgements (no S-frame, no N(R) on its I-frames) until the answers drain, so a client that
keeps to k stops sending; it goes on reading, for the client's acknowledgements of the answers.
A client that ignores the window (k more requests past the bound) is no longer read from
(back-pressure), and t1 releases one that does not read its answers (catalogue R17), logged with
its address; other clients are not slowed down.
Answers to requests leave first, in request order
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
  C_CD_NA_1, the file types of a file write) are answered with COT 44 (catalogue
  A19, R09).
- Files of the profile are read with F_SC_NA_1 and F_AF_NA_1 (``protocol/station/files.py``):
  the directory with COT 5, the rest with COT 13. An unknown NOF at a file's IOA gets F_FR_NA_1
  with FRQ bit 7, an IOA without a file COT 47; a request the transfer's state does not expect
  is mirrored with P/N=1 and the error in its qualifier; a negative section ack repeats the
  section or aborts the transfer (``pixit.negative_section_ack``; catalogue A39, A40).
- Parameters of measured values (P_ME_NA/NB/NC_1, KPA 1-4) are stored per point and confirmed
  when the parameter type fits the point's measured type; P_AC_NA_1 (QPA 1-3) is confirmed with
  COT 7 or 9 (A38; ``protocol/station/parameters.py``).
- A time-tagged command further off the station's clock than ``pixit.command_max_delay`` gets a
  negative ACT_CON and is not executed (A32). With ``pixit.time_invalid_before_sync`` time tags
  carry IV=1 until a clock synchronisation is accepted (A15).
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

import dataclasses
import functools
import ipaddress
import logging
import math
import time as _time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import trio

from ..protocol.asdu import Asdu, UnknownAsdu
from ..protocol.closing import CloseCause, ClosedBy
from ..protocol.enums import BinaryCounterQuality, Cot, Quality
from ..protocol.explain import explain_asdu
from ..protocol.link import (
    Acknowledged,
    DataTransferStarted,
    DataTransferStopped,
    Event,
    Link,
    LinkState,
    Role,
)
from ..protocol.station import ControlledStation, Fault, RedundancySettings, SimulatedPoint
from ..protocol.station.answers import BROADCAST_CA
from ..protocol.station.faults import IgnoreMalformedAsdu, NoConnectionLimit
from .collector import tune_collector
from .errors import unwrap_group
from .journal import Direction, Journal, JournalBudget, JournalEntry, parse_size
from .pcap import CaptureWriter, Conversation
from .profile import Profile, demo_profile
from .session import CloseInfo, Session
from .transport import Endpoint, OpenStream, Transport

__all__ = [
    "BROADCAST_CA",
    "ReceivedCommand",
    "SimulatedPoint",
    "Simulator",
    "SimulatorConnection",
    "open_simulator",
]

log = logging.getLogger("c104test.simulator")

def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def fault_in_words(fault: Fault) -> str:
    """One fault as a test engineer reads it on the console: its name, what it does (the first
    sentence of its description) and which requests or points it touches.

    >>> from c104test.protocol.station.faults import parse_fault
    >>> fault_in_words(parse_fault("no_confirmation type=C_SC_NA_1 ioa=500 nth=2"))
    'no_confirmation (no ACT_CON/DEACT_CON (positive or negative) for the request) on C_SC_NA_1, IOA 500, the 2nd match only'
    """
    doc = " ".join((type(fault).__doc__ or "").split("\n\n")[0].split())
    what = doc.split(". ")[0].rstrip(".").replace("``", "")
    what = what[0].lower() + what[1:] if what else ""
    parameters = [f"{f.name} {getattr(fault, f.name)}" for f in dataclasses.fields(fault) if f.name != "scope"]
    scope = fault.scope
    where = ([scope.type.name] if scope.type is not None else []) \
        + ([f"CA {scope.common_address}"] if scope.common_address is not None else []) \
        + ([f"IOA {scope.io_address}"] if scope.io_address is not None else [])
    text = f"{fault.name} ({what})" if what else fault.name
    if parameters:
        text += " with " + ", ".join(parameters)
    text += " on " + ", ".join(where) if where else f" on every {'frame' if fault.acts_on == 'link' else fault.acts_on}"
    if scope.occurrence is not None:
        text += f", the {_ordinal(scope.occurrence)} match only"
    return text


def fault_plan_in_words(faults: Iterable[Fault]) -> str:
    """The console line of a fault plan: the simulator misbehaves on purpose, and how."""
    faults = tuple(faults)
    return (f"simulator fault plan: {len(faults)} deliberate misbehaviour{'s' if len(faults) != 1 else ''}: "
            + "; ".join(fault_in_words(f) for f in faults))


SIMULATOR_JOURNAL_SIZE = 8 * 1024 * 1024  # octets, all connections of one simulator together
_checkpoint_if_cancelled = trio.lowlevel.checkpoint_if_cancelled  # (bound once: per value)
_YIELD_EVERY = 120  # set_point calls between schedule points (whole ASDUs, ~0.2 ms of work)
_HEADER_LENGTH = 6
_APDU_MAX = 255  # octets; what one queued answer counts against ``response_limit``
# Ends of a connection that the simulator decided because of the client: logged as releases.
_RELEASES = frozenset({CloseCause.T1_EXPIRED, CloseCause.PEER_NOT_READING, CloseCause.PROTOCOL_VIOLATION})


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
    """One client of the simulator: its link, session and journal; the station answers."""

    def __init__(self, simulator: Simulator, opened: OpenStream, number: int) -> None:
        self.simulator = simulator
        self.id = number
        address = opened.peer
        self.peer = (address.host, address.port) if address is not None else ("?", 0)
        #: The real addresses of this TCP connection (None for in-memory test streams).
        self.local_address, self.peer_address = opened.local, opened.peer
        self.stream = opened.stream
        now = trio.current_time()
        self.link = Link(Role.CONTROLLED, simulator.profile.link, now=now)
        self.link.report_frames = True  # every received frame goes into the journal
        simulator.station.link_faults.apply(self.link)
        self.journal = Journal(simulator.journal_budget)
        self.journal.endpoints = opened.endpoints  # for captures: the real addresses
        self.journal.tls = opened.tls
        self.opened_at = now
        self._closed = False
        self._station = simulator.station
        # The station's answer queue of this connection: its length drives the back-pressure.
        self._answers = self._station.connect(number, now, self.name).responses
        self._max_answers = max(1, simulator.response_limit // _APDU_MAX)
        self._throttled = False  # acknowledgements held back while answers pile up
        self._room = trio.lowlevel.ParkingLot()
        #: This connection's TCP conversation in the simulator's capture (None: no capture).
        self._capture: Conversation | None = None
        if simulator.capture is not None:
            tls = f"; TLS ({opened.tls}): the decrypted APDUs" if opened.tls else ""
            self._capture = simulator.capture.conversation(
                endpoints=opened.endpoints, local_is_client=False,
                comment=f"c104test simulator: connection {number} from {self.name}{tls}",
            )
        self.session = Session(
            opened,
            self.link,
            self.journal,
            self,
            peer=f"the client at {self.name}",
            on_frame=self._log_frame,
            produce=self._produce,
            cancel_reason="simulator stopped",
        )

    def __repr__(self) -> str:
        return f"<SimulatorConnection {self.id} {self.name} {self.state.name}>"

    @property
    def name(self) -> str:
        return str(Endpoint(*self.peer))  # [::1]:2404 for IPv6

    @property
    def state(self) -> LinkState:
        return self.link.state

    @property
    def is_open(self) -> bool:
        return not self._closed

    @property
    def close_reason(self) -> str | None:
        """Why the connection closed (None while open)."""
        info = self.session.closed
        return None if info is None else info.reason

    @property
    def close_info(self) -> CloseInfo | None:
        """Who closed it and why (``ClosedBy``, ``CloseCause``); None while open."""
        return self.session.closed

    @property
    def reading_paused(self) -> bool:
        """Back-pressure: the client's requests wait in TCP until it reads our answers."""
        return self.session.reading_paused

    @property
    def answers_queued(self) -> int:
        """Answers (or lazy answer streams) waiting for the k window."""
        return len(self._answers)

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
        """The station may have something for this connection: the writer pulls it."""
        self.session.wake_writer()

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

    # ---- the session's hooks ----

    async def _run(self) -> CloseInfo:
        return await self.session.run()

    def _produce(self, now: float, room: int) -> list[tuple[bytes, Asdu | None, int]]:
        """The pull hook: the station's ASDUs for the k window (answers first, then reports)."""
        out = [(o.raw, o.asdu, o.send_seq_offset) for o in self._station.next_outgoing(self.id, now, room)]
        if len(self._answers) <= self._max_answers // 2:
            if self._throttled:  # the answers drained: acknowledge the requests held back
                self._throttled = False
                self._station.link_faults.apply(self.link)
                if self.link.pending_acks and not self.link.withhold_acknowledgements:
                    self.link.send_acknowledgement()
            if self.session.reading_paused:
                self.session.resume_reading()
        if self._room and not self._station.over_limit(self.id):
            self._room.unpark_all()
        return out

    def _log_frame(self, entry: JournalEntry) -> None:
        """Frames at DEBUG (connections and commands are logged at INFO); every frame to the
        capture as it is journalled, so the capture is complete where the journal is bounded."""
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s: %s", self.name, entry.explain())
        if self._capture is not None:
            try:
                self._capture.add(entry.wall, entry.direction is Direction.RECEIVED, entry.raw)
            except OSError as exc:  # a full disk must not cost the connection: the capture ends
                self.simulator._capture_failed(exc)

    def asdu_received(self, entry: JournalEntry, now: float) -> None:
        asdu = entry.asdu
        if asdu is None:
            if any(isinstance(f, IgnoreMalformedAsdu) for f in self.simulator.faults):
                return  # the fault: dropped, the connection stays
            # A malformed ASDU is never executed in part; lib60870 closes too (R05, R06).
            self.session.violation(f"undecodable ASDU: {entry.error}", entry.raw)
            return
        self.simulator._dispatch(self, entry.raw[_HEADER_LENGTH:], asdu, now)
        queued = len(self._answers)
        if queued > self._max_answers:
            # Flow control through the window: the peer's requests stay unacknowledged (no S-frame,
            # no N(R) on our I-frames) until the answers drain, so a peer that keeps to k stops at k.
            # Reading goes on, for the peer's acknowledgements of our answers: a pause here would
            # wait for an acknowledgement that sits unread in the socket.
            if not self._throttled:
                self._throttled = True
                self.link.withhold_acknowledgements = True
                self.link.acknowledge_in_i_frames = False
            if queued > self._max_answers + 2 * self.link.params.k:
                self.session.pause_reading()  # the peer ignores the window: stop taking its octets

    def link_event(self, event: Event, now: float) -> None:
        kind = type(event)
        station = self._station
        if kind is Acknowledged:
            station.acknowledged(self.id, event.count)  # type: ignore[union-attr]
        elif kind is DataTransferStarted:
            log.info("%s: data transfer started", self.name)
            previous = station.started(self.id, now)
            if previous is not None:
                self.simulator._wake_connection(previous)
            self.simulator._log_notices()
            self._wake()
        elif kind is DataTransferStopped:
            log.info("%s: data transfer stopped", self.name)
            station.stopped(self.id, now)
        else:
            log.debug("%s: %s", self.name, event)

    def changed(self) -> None:
        if self.session.closed is not None and not self._closed:
            self._closed = True
            self._room.unpark_all()

    def _finish(self, reason: str) -> None:
        self.session.close(reason)  # the first reason stays
        self._closed = True
        self._room.unpark_all()


# ---- the simulator -------------------------------------------------------------------------------


class Simulator:
    """A simulated RTU (controlled station) serving IEC 104 clients from a profile.

    ``simulate_changes`` lets points with ``change_every`` move by themselves (a deterministic
    walk, reported spontaneously). ``queue_limit`` overrides the profile's event buffer size;
    ``journal_size`` bounds the journals of all its connections together, in octets (default
    8 MiB: a simulator's own record of the traffic is rarely read, and a peer that floods it must
    not grow it by more). ``max_connections``, ``redundancy_group_size`` and ``faults`` override
    the profile's (CLI and Robot options). ``capture`` gets every frame of every connection as it
    is sent and received, one TCP conversation per connection (``tshark -r FILE``); the journals
    are bounded, the capture is not (the caller opens and closes it).
    """

    #: The class of each connection (c104test.Server's adapter taps the frames in a subclass).
    connection_class: type[SimulatorConnection] = SimulatorConnection

    def __init__(
        self,
        profile: Profile | None = None,
        *,
        simulate_changes: bool = False,
        queue_limit: int | None = None,
        journal_size: int | str | None = None,
        command_log_size: int = 10_000,
        max_connections: int | None = None,
        redundancy_group_size: int | None = None,
        faults: Iterable[Fault] | None = None,
        response_limit: int = 65_536,
        transport: Transport | None = None,
        capture: CaptureWriter | None = None,
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
        #: Every frame of every connection, as it is sent and received (``c104test simulate --capture``).
        self.capture = capture
        self.journal_size = SIMULATOR_JOURNAL_SIZE if journal_size is None else parse_size(journal_size)
        self.journal_budget = JournalBudget(self.journal_size)
        #: Octets of answers (counted as 255 each) queued per connection before the simulator
        #: stops reading from it; reading resumes below half.
        self.response_limit = response_limit
        self.transport = Transport()
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
        #: How connections are accepted: plain TCP, or TLS (``engine.tls.tls_transport``).
        self.transport = transport if transport is not None else Transport()
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
            log.warning("%s", fault_plan_in_words(self.faults))

    # ---- the fault plan ----

    def set_faults(self, faults: Iterable[Fault]) -> None:
        """Replace the fault plan at run time (``Inject Fault``); open links get the link faults too."""
        self.faults = tuple(faults)
        self.station.set_faults(self.faults)
        link_faults = self.station.link_faults
        for connection in self._connections:
            link_faults.apply(connection.link)
            connection._wake()  # (a fault that ignores k opens the window)
        if self.faults:
            log.warning("%s", fault_plan_in_words(self.faults))
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
        station = self.station
        station.set_point(common_address, io_address, value, quality, cause)
        for connection in self._connections:  # only a writer that would pull (Session.writer_can_pull)
            session = connection.session
            if session.writer_can_pull:
                session.wake_writer()
        if station.notices:
            self._log_notices()

    def set_point(
        self,
        common_address: int,
        io_address: int,
        value: Any = None,
        quality: Quality | BinaryCounterQuality | int | None = None,
        cause: Cot | int = Cot.SPONTANEOUS,
    ) -> Awaitable[None]:
        """Like ``set_point_nowait``, then wait while a connection's event queue is full.

        Use it as ``await sim.set_point(...)``. This is backpressure for producers: a client that
        acknowledges slowly slows the producer down instead of losing intermediate values. Every
        call is a cancellation point (``trio.lowlevel.checkpoint_if_cancelled``: a cancelled
        producer stops at the ``await``, the value it set stays set and reported). It is a
        schedule point when it waits for room, and otherwise every 120 calls: a producer in a
        loop lets the connections' writers run that often, so it fills whole ASDUs instead of
        sending one object per ASDU (120 short floats are four full ASDUs, 120 single points
        two) and a full k window leaves in one send, at a few microseconds per schedule point
        instead of that on every call (figures: bench/README.md, issue 16).

        The point is set when it is called (the call itself raises KeyError or ValueError); what
        it returns is the awaitable of the wait: trio's own ``checkpoint_if_cancelled`` in the
        common case, so a value costs one coroutine, not two (bench/README.md, issue 16,
        session 8).
        """
        station = self.station
        full = station.set_point(common_address, io_address, value, quality, cause)
        for connection in self._connections:  # set_point_nowait, inlined: one call less per value
            session = connection.session
            if session.writer_can_pull:
                session.wake_writer()
        if station.notices:
            self._log_notices()
        unyielded = self._unyielded + 1
        if full or unyielded >= _YIELD_EVERY:  # else no connection is over its limit
            return self._wait_after_set(full)
        self._unyielded = unyielded
        return _checkpoint_if_cancelled()  # trio's public call: no internals read

    async def _wait_after_set(self, full: bool) -> None:
        """``set_point``'s wait: the cancellation point, then room in every event queue (``full``)
        or the schedule point that is due."""
        await _checkpoint_if_cancelled()
        if full:
            waited = False
            for connection in self.connections:
                while connection._over_limit():
                    waited = True
                    await connection._room.park()
            if waited:
                self._unyielded = 0
                return
        self._unyielded += 1
        if self._unyielded >= _YIELD_EVERY:
            self._unyielded = 0
            await trio.lowlevel.cancel_shielded_checkpoint()

    def _capture_failed(self, exc: OSError) -> None:
        """The capture file cannot be written: log once and capture no more."""
        if self.capture is not None:
            log.error("capture %s: %s; no more frames are written to it", self.capture.path, exc)
            self.capture = None
            for connection in self._connections:
                connection._capture = None

    def _wake_connection(self, number: int) -> None:
        connection = self._by_id.get(number)
        if connection is not None:
            connection._wake()

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
        tune_collector()  # once per process: see engine/collector.py
        with trio.CancelScope() as scope:
            self._serve_scope = scope
            try:
                async with trio.open_nursery() as nursery:
                    listeners = await nursery.start(
                        functools.partial(
                            self.transport.serve,
                            self._serve_connection,
                            host,
                            port,
                            handler_nursery=nursery,
                            secure=False,
                        )
                    )
                    self.port = listeners[0].socket.getsockname()[1]
                    log.info("simulator %r listening on %s", self.profile.name, Endpoint(host or "*", self.port))
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
                    connection._wake()
                if station.notices:
                    self._log_notices()

    async def _serve_connection(self, opened: OpenStream) -> None:
        if opened.peer is None:  # the client is gone already
            await trio.aclose_forcefully(opened.stream)
            return
        name = str(opened.peer)
        refusal = self._refusal(opened.peer.host)
        if refusal is not None:
            self.connections_refused += 1
            log.warning("connection from %s refused: %s", name, refusal)
            await trio.aclose_forcefully(opened.stream)
            return
        secured = await self.transport.accept(opened.stream)  # TLS; a refused peer is logged
        if secured is None:
            self.connections_refused += 1
            return
        if secured is not opened.stream:
            opened = OpenStream.of(secured)
        self._numbers += 1
        connection = self.connection_class(self, opened, self._numbers)
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
            connection._finish("simulator stopped")  # the first reason stays
            self._connections.remove(connection)
            del self._by_id[connection.id]
            self.station.disconnect(connection.id, trio.current_time())
            self._log_notices()
            for other in self._connections:  # reports put back may go to a started one
                other._wake()
            # Logged before the close: when the simulator stops, the await below is cancelled.
            info = connection.close_info
            if info is not None and info.by is ClosedBy.LOCAL and info.cause in _RELEASES:
                log.warning(
                    "connection %d from %s closed: %s (the simulator released it)", connection.id, name, info.reason
                )
            else:
                log.info("connection %d from %s closed: %s", connection.id, name, connection.close_reason)
            if self.capture is not None:  # the file holds every ended connection whole
                try:
                    self.capture.flush()
                except OSError as exc:
                    self._capture_failed(exc)
            await trio.aclose_forcefully(opened.stream)

    def _refusal(self, host: str) -> str | None:
        if self._allowed:
            address = ipaddress.ip_address(host.split("%")[0])
            if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
                address = address.ipv4_mapped
            if address not in self._allowed:
                return "not in allowed_clients"
        if len(self._connections) >= self.max_connections and not any(
            isinstance(f, NoConnectionLimit) for f in self.faults
        ):
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
            other._wake()
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
