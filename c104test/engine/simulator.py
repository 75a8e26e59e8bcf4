"""The RTU simulator: a controlled station on trio, driven by a profile.

>>> async def main():
...     async with open_simulator(demo_profile()) as sim:
...         print(sim.port)
...         await sim.set_point(47, 100, False)

It answers like a conforming RTU (protocol.md 1.10-1.11, the catalogue in 2.3): station and
group interrogation, counter interrogation with freeze and reset, read, clock synchronisation,
test and reset-process commands, direct and select-before-operate commands with return
information, spontaneous and cyclic data, and the negative mirrors COT 44-47.

Every connection owns a ``Link(Role.CONTROLLED)`` and three tasks in one nursery: a reader that
feeds octets to the link and answers ASDUs, a writer that drains the outgoing queues while the k
window has room, and a timer that sleeps until ``link.next_deadline()`` (one wake-up event
re-arms it, aioquic style). Answers to requests go to a priority queue and leave in request order
(lib60870 does the same, so a command is not stuck behind thousands of spontaneous reports);
interrogation answers are built lazily, so they carry the values of the moment they are sent.
Spontaneous and cyclic reports go to a bounded event queue per connection and are packed into
one ASDU per run of equal type, CA, COT and OA. When the queue exceeds its bound, superseded
reports of the same point are dropped (the newest value of every point is kept) and counted in
``overflows``; nothing else is ever dropped. ``await set_point`` instead waits for room (while
the connection is started), so an async producer loses nothing.

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
  between (L06). A connection that never started gets nothing (a standby connection).
"""

from __future__ import annotations

import datetime as _dt
import functools
import heapq
import ipaddress
import logging
import math
import struct
import time as _time
from collections import deque
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeAlias

import trio

from ..protocol.apci import IFrame
from ..protocol.asdu import (
    Asdu,
    UnknownAsdu,
    decode_asdu,
    encode_asdu,
    max_objects,
    mirror,
    type_info,
)
from ..protocol.commands import COMMAND_TYPES, parse_bool, parse_double
from ..protocol.elements import BCR, COI, DIQ, OCI, QDP, QDS, SCD, SEP, SIQ, SPE, VTI
from ..protocol.enums import (
    BinaryCounterQuality,
    Coi,
    Cot,
    Double,
    EventState,
    Frz,
    OutputCircuits,
    Quality,
    StartEvents,
    Step,
    Type,
)
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
from ..protocol.objects import (
    Bitstring,
    BitstringCommand,
    DoubleCommand,
    DoublePoint,
    EndOfInitialisation,
    InformationObject,
    IntegratedTotals,
    MeasuredNormalized,
    MeasuredScaled,
    MeasuredShort,
    PackedSinglePoints,
    ProtectionCircuit,
    ProtectionEvent,
    ProtectionStart,
    SetpointNormalized,
    SetpointScaled,
    SetpointShort,
    SingleCommand,
    SinglePoint,
    StepCommand,
    StepPosition,
)
from ..protocol.timetags import CP16Time2a, CP24Time2a, CP56Time2a
from .errors import unwrap_group
from .journal import Direction, Journal
from .profile import PointProfile, Profile, StationProfile, demo_profile

__all__ = [
    "BROADCAST_CA",
    "ReceivedCommand",
    "SimulatedPoint",
    "Simulator",
    "SimulatorConnection",
    "open_simulator",
]

log = logging.getLogger("c104test.simulator")

BROADCAST_CA = 0xFFFF
_RECEIVE_SIZE = 65536
_YIELD_EVERY = 32  # set_point calls between schedule points (about one ASDU of reports)
_HEADER_LENGTH = 6

# One outgoing ASDU: its octets and, when we built it, the decoded form for the journal.
_Item: TypeAlias = tuple[bytes, Asdu | None]
# Key under which spontaneous reports are packed together: type, CA, COT, OA.
_Key: TypeAlias = tuple[Type, int, int, int]

# Cause octet values as Cot members where the enum has one (as decode_asdu gives them).
_COT: tuple[Cot | int, ...] = tuple(Cot(c) if c in Cot._value2member_map_ else c for c in range(64))
_SYSTEM_BROADCAST = frozenset({Type.C_IC_NA_1, Type.C_CI_NA_1, Type.C_CS_NA_1, Type.C_RP_NA_1})
# Causes whose reports carry the type without time tag (protocol.md 1.7: time-tagged types are
# never sent periodically, in background scan or as interrogation answers).
_UNTIMED_CAUSES = frozenset({1, 2, *range(20, 37)})
# Kinds without COT 5 in their type/COT matrix: C_RD_NA_1 finds no readable object there.
_UNREADABLE = frozenset({"command", "counter", "event", "start", "circuit"})


# ---- public records ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SimulatedPoint:
    """A snapshot of one simulated point.

    ``value`` is canonical as in the profile (bool, Double, int, float, ...); for a command it is
    the last commanded value. ``frozen_value`` is the frozen register of a counter (None when
    never frozen). ``time`` is the time tag of the last change.
    """

    common_address: int
    io_address: int
    type: Type
    value: Any
    quality: Quality | BinaryCounterQuality
    time: CP56Time2a
    frozen_value: int | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class ReceivedCommand:
    """One ASDU received by the simulator and what it answered (``outcome``, for humans)."""

    connection: int
    peer: tuple[str, int]
    asdu: Asdu | UnknownAsdu
    positive: bool
    outcome: str
    timestamp: float  # trio clock


# ---- points -------------------------------------------------------------------------------------


# What a monitoring type's value is; it decides coercion, building and the simulated walk.
_KINDS: dict[Type, str] = {
    **dict.fromkeys((Type.M_SP_NA_1, Type.M_SP_TA_1, Type.M_SP_TB_1), "single"),
    **dict.fromkeys((Type.M_DP_NA_1, Type.M_DP_TA_1, Type.M_DP_TB_1), "double"),
    **dict.fromkeys((Type.M_ST_NA_1, Type.M_ST_TA_1, Type.M_ST_TB_1), "step"),
    **dict.fromkeys((Type.M_BO_NA_1, Type.M_BO_TA_1, Type.M_BO_TB_1), "bitstring"),
    **dict.fromkeys((Type.M_ME_NA_1, Type.M_ME_TA_1, Type.M_ME_TD_1, Type.M_ME_ND_1), "normalized"),
    **dict.fromkeys((Type.M_ME_NB_1, Type.M_ME_TB_1, Type.M_ME_TE_1), "scaled"),
    **dict.fromkeys((Type.M_ME_NC_1, Type.M_ME_TC_1, Type.M_ME_TF_1), "short"),
    **dict.fromkeys((Type.M_IT_NA_1, Type.M_IT_TA_1, Type.M_IT_TB_1), "counter"),
    Type.M_PS_NA_1: "packed",
    Type.M_EP_TD_1: "event",
    Type.M_EP_TE_1: "start",
    Type.M_EP_TF_1: "circuit",
    **dict.fromkeys(COMMAND_TYPES, "command"),
}


_INT_RANGES = {
    "step": (-64, 63),
    "bitstring": (0, 0xFFFFFFFF),
    "scaled": (-32768, 32767),
    "counter": (-(2**31), 2**31 - 1),
    "packed": (0, 0xFFFF),
}
_NVA_MAX = 1.0 - 2.0**-15  # the largest normalized value the wire carries
_FLOAT32 = struct.Struct("<f")


def _coerce(kind: str, value: Any, point: _Point) -> Any:
    """The value in the canonical form of ``kind``; ValueError names the point."""
    try:
        if kind == "single":
            return value if value is True or value is False else parse_bool(value)
        if kind == "double":
            return parse_double(value)
        if kind in ("normalized", "short"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"expected a number, got {value!r}")
            number = float(value)
            # Stored as the wire carries it, so that what get_point says is what clients see.
            if kind == "normalized":
                if not -1.0 <= number <= 1.0:
                    raise ValueError(f"{number} is outside -1..1 (a normalized value)")
                return min(round(number * 32768), 32767) / 32768
            return _FLOAT32.unpack(_FLOAT32.pack(number))[0]  # OverflowError: too big
        if kind in _INT_RANGES:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"expected an integer, got {value!r}")
            lo, hi = _INT_RANGES[kind]
            if not lo <= value <= hi:
                raise ValueError(f"{value} is outside {lo}..{hi}")
            return int(value)
        if kind == "event":
            return value if isinstance(value, EventState) else EventState.parse(value)
        if kind == "start":
            return StartEvents(int(value))
        if kind == "circuit":
            return OutputCircuits(int(value))
        return value  # commands: whatever was commanded
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(f"{point.name}: {exc}") from None


class _Point:
    """The live state of one point of a simulated station."""

    __slots__ = (
        "common_address",
        "frozen",
        "frozen_time",
        "io_address",
        "kind",
        "profile",
        "quality",
        "sequence",
        "steps",
        "time",
        "type",
        "value",
    )

    def __init__(self, common_address: int, profile: PointProfile, time: CP56Time2a) -> None:
        self.common_address = common_address
        self.profile = profile
        self.io_address = profile.io_address
        self.type = profile.type
        self.kind = _KINDS[profile.type]
        self.value: Any = (
            profile.value if profile.is_command else _coerce(self.kind, profile.value, self)
        )
        self.quality = _quality_bits(self.kind, profile.quality)
        self.time = time
        self.frozen: int | None = None  # counters: the frozen register
        self.frozen_time = time
        self.sequence = 0  # counters: BCR sequence number, counts freezes
        self.steps = 0  # how often simulate_changes moved it

    @property
    def name(self) -> str:
        return f"CA {self.common_address} IOA {self.io_address}"

    def report_type(self, cause: int, pixit_timed: bool) -> Type:
        """The type a report with ``cause`` carries (plain for COT 1, 2, 20-36)."""
        plain = self.profile.plain_type
        if plain is None:  # M_EP_TD/TE/TF_1 exist only with time tag
            return self.type
        if cause in _UNTIMED_CAUSES or not pixit_timed:
            return plain
        return self.type

    def build(self, t: Type, time: CP56Time2a | None = None, *, frozen: bool = False) -> InformationObject:
        """The information object of this point in type ``t`` (time tag only if ``t`` has one)."""
        tag = type_info(t).time_tag
        stamp: CP56Time2a | CP24Time2a | None = None
        if tag is not None:
            stamp = time or self.time
            if tag is CP24Time2a:
                stamp = CP24Time2a(stamp.milliseconds, stamp.minute, stamp.iv)
        return _BUILDERS[self.kind](self, t, stamp, frozen)

    def snapshot(self) -> SimulatedPoint:
        quality: Quality | BinaryCounterQuality = (
            BinaryCounterQuality(self.quality) if self.kind == "counter" else Quality(self.quality)
        )
        return SimulatedPoint(
            self.common_address,
            self.io_address,
            self.type,
            self.value,
            quality,
            self.time,
            self.frozen,
            self.profile.description,
        )


def _quality_bits(kind: str, quality: Any) -> int:
    """Quality flags as the octet bits the point's element uses."""
    if quality is None:
        return 0
    if kind == "counter":
        if isinstance(quality, BinaryCounterQuality):
            return int(quality) & 0xE0
        return int(quality) & int(Quality.Invalid)  # IV is the only shared flag
    return int(quality) & 0xF9


_Builder = Callable[[_Point, Type, Any, bool], InformationObject]


def _build_counter(p: _Point, t: Type, stamp: Any, frozen: bool) -> InformationObject:
    q = p.quality
    value = p.frozen if frozen and p.frozen is not None else p.value
    if frozen and p.frozen is not None and stamp is not None:
        stamp = p.frozen_time
    bcr = BCR(
        value,
        p.sequence,
        cy=bool(q & BinaryCounterQuality.Carry),
        ca=bool(q & BinaryCounterQuality.Adjusted),
        iv=bool(q & BinaryCounterQuality.Invalid),
    )
    return IntegratedTotals(p.io_address, bcr, stamp)


def _build_normalized(p: _Point, t: Type, stamp: Any, frozen: bool) -> InformationObject:
    value = min(p.value, _NVA_MAX)
    if t is Type.M_ME_ND_1:
        return MeasuredNormalized(p.io_address, value, None, None)
    return MeasuredNormalized(p.io_address, value, QDS.TABLE[p.quality & 0xF1], stamp)


_BUILDERS: dict[str, _Builder] = {
    "single": lambda p, t, s, f: SinglePoint(
        p.io_address, SIQ.TABLE[(1 if p.value else 0) | (p.quality & 0xF0)], s
    ),
    "double": lambda p, t, s, f: DoublePoint(
        p.io_address, DIQ.TABLE[int(p.value) | (p.quality & 0xF0)], s
    ),
    "step": lambda p, t, s, f: StepPosition(
        p.io_address, VTI.TABLE[p.value & 0x7F], QDS.TABLE[p.quality & 0xF1], s
    ),
    "bitstring": lambda p, t, s, f: Bitstring(p.io_address, p.value, QDS.TABLE[p.quality & 0xF1], s),
    "normalized": _build_normalized,
    "scaled": lambda p, t, s, f: MeasuredScaled(p.io_address, p.value, QDS.TABLE[p.quality & 0xF1], s),
    "short": lambda p, t, s, f: MeasuredShort(p.io_address, p.value, QDS.TABLE[p.quality & 0xF1], s),
    "counter": _build_counter,
    "packed": lambda p, t, s, f: PackedSinglePoints(
        p.io_address, SCD(p.value, 0), QDS.TABLE[p.quality & 0xF1]
    ),
    "event": lambda p, t, s, f: ProtectionEvent(
        p.io_address, SEP.TABLE[int(p.value) | (p.quality & 0xF8)], CP16Time2a(0), s
    ),
    "start": lambda p, t, s, f: ProtectionStart(
        p.io_address, SPE.TABLE[int(p.value) & 0x3F], QDP.TABLE[p.quality & 0xF8], CP16Time2a(0), s
    ),
    "circuit": lambda p, t, s, f: ProtectionCircuit(
        p.io_address, OCI.TABLE[int(p.value) & 0x0F], QDP.TABLE[p.quality & 0xF8], CP16Time2a(0), s
    ),
}


class _Station:
    """One common address: its points and what interrogations report, precomputed."""

    __slots__ = ("command_types", "common_address", "counter_groups", "counters", "groups", "points")

    def __init__(self, profile: StationProfile, pixit_untimed: bool, time: CP56Time2a) -> None:
        self.common_address = profile.common_address
        self.points = {p.io_address: _Point(profile.common_address, p, time) for p in profile.points}
        self.command_types = frozenset(p.type for p in profile.points if p.is_command)
        # qoi -> [(type, points)], points grouped by the type they are reported in
        self.groups: dict[int, list[tuple[Type, list[_Point]]]] = {}
        for qoi in range(20, 37):
            members = [
                p
                for p in self.points.values()
                if p.profile.answers_interrogation and (qoi == 20 or qoi - 20 in p.profile.groups)
            ]
            if members or qoi == 20:
                self.groups[qoi] = _by_type(
                    members, lambda p: p.profile.plain_type if pixit_untimed else p.type
                )
        counters = [p for p in self.points.values() if p.profile.is_counter]
        self.counters = _by_type(counters, lambda p: p.type)
        self.counter_groups = {
            group: _by_type([p for p in counters if p.profile.counter_group == group], lambda p: p.type)
            for group in range(1, 5)
        }


def _by_type(points: Iterable[_Point], type_of: Callable[[_Point], Any]) -> list[tuple[Type, list[_Point]]]:
    grouped: dict[Type, list[_Point]] = {}
    for p in points:
        grouped.setdefault(type_of(p), []).append(p)
    return list(grouped.items())


def _all_points(groups: list[tuple[Type, list[_Point]]]) -> Iterator[_Point]:
    for _, points in groups:
        yield from points


def _with_ca(raw: bytes, common_address: int) -> bytes:
    """The ASDU ``raw`` with another common address (for answers to the broadcast CA)."""
    return raw[:4] + common_address.to_bytes(2, "little") + raw[6:]


def _command_parts(ob: InformationObject) -> tuple[Any, int, bool]:
    """(state or value, qualifier QU/QL, S/E) of a command object."""
    if isinstance(ob, SingleCommand):
        return ob.sco.scs, int(ob.sco.qu), ob.sco.se
    if isinstance(ob, DoubleCommand):
        return ob.dco.dcs, int(ob.dco.qu), ob.dco.se
    if isinstance(ob, StepCommand):
        return ob.rco.rcs, int(ob.rco.qu), ob.rco.se
    if isinstance(ob, SetpointNormalized | SetpointScaled | SetpointShort):
        return ob.value, ob.qos.ql, ob.qos.se
    assert isinstance(ob, BitstringCommand)
    return ob.bsi, 0, False


def _refusal(ob: InformationObject, state: Any, qualifier: int) -> str | None:
    """Why a command's content is refused (the standard forbids it), or None."""
    if isinstance(ob, SingleCommand | DoubleCommand | StepCommand) and qualifier > 3:
        return f"qualifier of command {qualifier} is not supported (0-3)"
    if isinstance(ob, DoubleCommand) and state not in (Double.OFF, Double.ON):
        return f"double command state {int(state)} is not permitted"
    if isinstance(ob, StepCommand) and state not in (Step.LOWER, Step.HIGHER):
        return f"regulating step {int(state)} is not permitted"
    return None


def _triangle(n: int, amplitude: int) -> int:
    """0, 1, ..., a, ..., 1, 0, -1, ..., -a, ..., -1, 0, ...: a deterministic bounded walk."""
    period = 4 * amplitude
    phase = n % period
    if phase <= amplitude:
        return phase
    if phase <= 3 * amplitude:
        return 2 * amplitude - phase
    return phase - period


# ---- one connection ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Selection:
    type: Type
    command: tuple[Any, int]
    deadline: float


class SimulatorConnection:
    """One client of the simulator: its link, journal, outgoing queues and selections."""

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
        self.journal = Journal(simulator.journal_size)
        self.opened_at = now
        #: Why the connection closed (None while open).
        self.close_reason: str | None = None
        #: Superseded spontaneous reports dropped because the event queue exceeded its bound.
        self.overflows = 0
        #: Data transfer has been started at least once (the connection gets spontaneous data).
        self.started = False
        self._closed = False
        self._send_lock = trio.Lock()
        self._outbox: list[bytes] = []  # journalled APDUs waiting for the send lock
        # Answers to requests first; items are ready ASDUs or iterators of them (lazy
        # interrogation answers read the values when they are sent, never older ones).
        self._responses: deque[_Item | Iterator[_Item]] = deque()
        self._events: deque[tuple[_Key, InformationObject]] = deque()
        self._limit = simulator.queue_limit
        self._coalesce_at = self._limit
        # The decoded ASDU of each I-frame handed to the link, in order, for the journal.
        self._sent: deque[Asdu | None] = deque()
        self._received: tuple[Asdu | UnknownAsdu | None, str | None] = (None, None)
        self._selections: dict[tuple[int, int], _Selection] = {}
        self._interrogations: dict[int, Generator[_Item, None, None]] = {}
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
    def queued(self) -> int:
        """Spontaneous and cyclic reports waiting for the k window."""
        return len(self._events)

    def close(self, reason: str = "closed by the simulator") -> None:
        """Close this connection (its TCP connection ends; the others are not affected)."""
        self._finish(reason)

    # ---- queues ----

    def _respond(self, raw: bytes, asdu: Asdu | None = None) -> None:
        self._responses.append((raw, asdu))
        self._writer_wakeup.set()

    def _respond_all(self, job: Iterator[_Item]) -> None:
        self._responses.append(job)
        self._writer_wakeup.set()

    def _report(self, key: _Key, ob: InformationObject) -> None:
        events = self._events
        events.append((key, ob))
        if len(events) > self._coalesce_at:
            self._coalesce()
        self._writer_wakeup.set()

    def _coalesce(self) -> None:
        """Keep only the newest queued report of every point; count what was dropped."""
        seen: set[tuple[int, int]] = set()
        kept: deque[tuple[_Key, InformationObject]] = deque()
        for entry in reversed(self._events):
            point = (entry[0][1], entry[1].io_address)
            if point not in seen:
                seen.add(point)
                kept.appendleft(entry)
        dropped = len(self._events) - len(kept)
        self._events = kept
        # With more distinct points queued than the bound, coalescing again at every report
        # would cost O(n) each time; wait until the queue has doubled.
        self._coalesce_at = max(self._limit, 2 * len(kept))
        if dropped:
            if not self.overflows:
                log.warning(
                    "%s: event queue over %d reports; older values of the same points dropped",
                    self.name,
                    self._limit,
                )
            self.overflows += dropped

    def _over_limit(self) -> bool:
        """The event queue is full and draining: ``set_point`` waits for room.

        A stopped connection does not drain, so producers do not wait for it; its queue is
        coalesced instead.
        """
        return (
            len(self._events) >= self._limit
            and not self._closed
            and self.link.state is LinkState.STARTED
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
            if link.can_send and (self._responses or self._events):
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
        """Hand queued ASDUs to the link while the k window has room (answers first)."""
        link = self.link
        responses = self._responses
        events = self._events
        sent = self._sent
        while link.can_send:
            if responses:
                head = responses[0]
                if type(head) is tuple:
                    responses.popleft()
                    raw, asdu = head
                else:
                    item = next(head, None)  # type: ignore[call-overload]
                    if item is None:
                        responses.popleft()
                        continue
                    raw, asdu = item
            elif events:
                raw, asdu = self._pack(events)
            else:
                break
            link.send_asdu(raw, now)
            sent.append(asdu)
        if self._room and len(events) < self._limit:
            self._room.unpark_all()
        if len(events) <= self._limit:
            self._coalesce_at = self._limit

    def _pack(self, events: deque[tuple[_Key, InformationObject]]) -> _Item:
        """One ASDU of consecutive queued reports with the same type, CA, COT and OA."""
        key, ob = events.popleft()
        objects = [ob]
        limit = self.simulator._objects_per_asdu(key[0])
        while events and len(objects) < limit and events[0][0] == key:
            objects.append(events.popleft()[1])
        asdu = Asdu(key[0], _COT[key[2]], key[1], tuple(objects), key[3])
        return encode_asdu(asdu), asdu

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
                self._writer_wakeup.set()
            elif kind is DataTransferStarted:
                log.info("%s: data transfer started", self.name)
                if not self.started:
                    self.started = True
                    self.simulator._initialised(self)
                self._writer_wakeup.set()
            elif kind is DataTransferStopped:
                log.info("%s: data transfer stopped", self.name)
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

    # ---- selections ----

    def _selected(self, key: tuple[int, int], now: float) -> _Selection | None:
        selection = self._selections.get(key)
        if selection is not None and selection.deadline < now:
            del self._selections[key]
            return None
        return selection


# ---- the simulator -------------------------------------------------------------------------------


class Simulator:
    """A simulated RTU (controlled station) serving IEC 104 clients from a profile.

    ``simulate_changes`` lets points with ``change_every`` move by themselves (a deterministic
    walk, reported spontaneously). ``queue_limit`` bounds each connection's spontaneous-event
    queue; ``journal_size`` bounds each connection's journal.
    """

    def __init__(
        self,
        profile: Profile | None = None,
        *,
        simulate_changes: bool = False,
        queue_limit: int = 10_000,
        journal_size: int = 10_000,
        command_log_size: int = 10_000,
    ) -> None:
        if queue_limit < 1:
            raise ValueError(f"queue_limit must be at least 1, got {queue_limit}")
        self.profile = profile if profile is not None else demo_profile()
        self.simulate_changes = simulate_changes
        self.queue_limit = queue_limit
        self.journal_size = journal_size
        #: The TCP port once ``serve`` listens (None before).
        self.port: int | None = None
        #: Connections accepted since the simulator was made (refused ones not counted).
        self.connections_served = 0
        #: Connections closed at once (max_connections reached or client not allowed).
        self.connections_refused = 0
        #: Every ASDU received on any connection and what the simulator answered.
        self.received_commands: deque[ReceivedCommand] = deque(maxlen=command_log_size)
        self._connections: list[SimulatorConnection] = []
        self._numbers = 0
        self._clock_offset = 0.0  # seconds, set by clock synchronisation
        self._cp56_ms = -1
        self._cp56 = self._now_cp56()
        pixit = self.profile.pixit
        self._pixit = pixit
        self._stations = {
            s.common_address: _Station(s, pixit.interrogation_types_without_time, self._cp56)
            for s in self.profile.stations
        }
        self._allowed = frozenset(ipaddress.ip_address(a) for a in self.profile.allowed_clients)
        self._per_asdu: dict[Type, int] = {}
        self._serve_scope: trio.CancelScope | None = None
        self._unyielded = 0  # set_point calls since the last schedule point
        self._closed_overflows = 0  # overflows of connections that are gone

    # ---- observability ----

    @property
    def connections(self) -> list[SimulatorConnection]:
        """The connections that are open now."""
        return list(self._connections)

    def get_point(self, common_address: int, io_address: int) -> SimulatedPoint | None:
        """A snapshot of the point, or None if the profile has no such point."""
        station = self._stations.get(common_address)
        point = None if station is None else station.points.get(io_address)
        return None if point is None else point.snapshot()

    @property
    def overflows(self) -> int:
        """Superseded spontaneous reports dropped since the start, on all connections."""
        return self._closed_overflows + sum(c.overflows for c in self._connections)

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
        point = self._point(common_address, io_address)
        cause = int(cause)
        if not 1 <= cause <= 63:
            raise ValueError(f"cause of transmission {cause} outside 1..63")
        if value is not None:
            point.value = _coerce(point.kind, value, point)
        if quality is not None:
            point.quality = _quality_bits(point.kind, quality)
        point.time = self._now_cp56()
        if point.kind != "command":
            self._broadcast(point, cause, 0)

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

    def _point(self, common_address: int, io_address: int) -> _Point:
        station = self._stations.get(common_address)
        point = None if station is None else station.points.get(io_address)
        if point is None:
            raise KeyError(f"the profile has no point CA {common_address} IOA {io_address}")
        return point

    def _broadcast(self, point: _Point, cause: int, originator: int, skip: object = None) -> None:
        t = point.report_type(cause, self._pixit.time_tagged_spontaneous)
        ob = point.build(t, point.time)
        key = (t, point.common_address, cause, originator)
        for connection in self._connections:
            if connection.started and connection is not skip and not connection._closed:
                connection._report(key, ob)

    def _now_cp56(self) -> CP56Time2a:
        """CP56Time2a of now on the simulator's clock (local time, as c104 sends it)."""
        ms = int((_time.time() + self._clock_offset) * 1000)
        if ms != self._cp56_ms:
            seconds, millis = divmod(ms, 1000)
            moment = _dt.datetime.fromtimestamp(seconds).replace(microsecond=millis * 1000)
            self._cp56 = CP56Time2a.from_datetime(moment)
            self._cp56_ms = ms
        return self._cp56

    def _objects_per_asdu(self, t: Type) -> int:
        limit = self._per_asdu.get(t)
        if limit is None:
            room = self._pixit.max_asdu_length - _HEADER_LENGTH
            limit = max(1, min(max_objects(t), room // (3 + type_info(t).element_size)))
            self._per_asdu[t] = limit
        return limit

    # ---- serving ----

    async def serve(
        self,
        host: str | None = "127.0.0.1",
        port: int = 0,
        *,
        task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Listen on ``host``:``port`` (0: any free port) until cancelled or ``stop()``.

        ``task_status.started`` reports the port actually bound. Every connection, cyclic task
        and change task lives in this call's nursery, so none outlives it.
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
                    for period, points in self._cyclic_points().items():
                        nursery.start_soon(self._cyclic, period, points)
                    if self.simulate_changes:
                        nursery.start_soon(self._change)
                    task_status.started(self.port)
            finally:
                self._serve_scope = None
                log.info("simulator stopped")

    def stop(self) -> None:
        """Stop serving: close every connection and the listener."""
        if self._serve_scope is not None:
            self._serve_scope.cancel()

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
        connection = SimulatorConnection(self, stream, peer, self._numbers)
        self._connections.append(connection)
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
            self._closed_overflows += connection.overflows
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
        if len(self._connections) >= self.profile.max_connections:
            return f"max_connections ({self.profile.max_connections}) reached"
        return None

    # ---- periodic and simulated data ----

    def _cyclic_points(self) -> dict[float, list[_Point]]:
        periods: dict[float, list[_Point]] = {}
        for station in self._stations.values():
            for point in station.points.values():
                if point.profile.cycle:
                    periods.setdefault(point.profile.cycle, []).append(point)
        return periods

    async def _cyclic(self, period: float, points: list[_Point]) -> None:
        """Report ``points`` with COT 1 every ``period`` seconds, packed per station and type."""
        # Sorted so that points of one station and type are consecutive and pack together.
        points = sorted(points, key=lambda p: (p.common_address, int(p.profile.plain_type or p.type)))
        due = trio.current_time() + period
        while True:
            await trio.sleep_until(due)
            due = max(due + period, trio.current_time())
            for point in points:
                self._broadcast(point, Cot.PERIODIC, 0)

    async def _change(self) -> None:
        """Move every ``change_every`` point at its pace, reported spontaneously."""
        start = trio.current_time()
        heap = [
            (start + p.profile.change_every, n, p)
            for n, p in enumerate(self._all_points())
            if p.profile.change_every
        ]
        heapq.heapify(heap)
        while heap:
            due, n, point = heap[0]
            await trio.sleep_until(due)
            heapq.heapreplace(heap, (due + (point.profile.change_every or 1.0), n, point))
            point.steps += 1
            try:
                self.set_point_nowait(point.common_address, point.io_address, self._walk(point))
            except ValueError as exc:  # a walk off the type's range: keep the other points moving
                log.warning("simulated change of %s skipped: %s", point.name, exc)

    def _all_points(self) -> Iterator[_Point]:
        for station in self._stations.values():
            yield from station.points.values()

    @staticmethod
    def _walk(point: _Point) -> Any:
        """The next value of a deterministic walk around the profile's value."""
        n = point.steps
        start = point.profile.value
        kind = point.kind
        if kind == "single":
            return not point.value
        if kind == "double":
            return Double.OFF if point.value is Double.ON else Double.ON
        if kind == "counter":
            return point.value + 1 if point.value < 2**31 - 1 else 0
        if kind in ("bitstring", "packed"):
            return start ^ (1 << (n % (32 if kind == "bitstring" else 16)))
        if kind == "event":
            return EventState.OFF if point.value is EventState.ON else EventState.ON
        if kind in ("start", "circuit"):
            return type(point.value)(int(point.value) ^ 1)
        lo, hi = _INT_RANGES.get(kind, (-math.inf, math.inf))
        if kind == "normalized":
            lo, hi = -1.0, _NVA_MAX
            value = start + 0.01 * _triangle(n, 5)
        elif kind == "short":
            value = start + 0.1 * _triangle(n, 5)
        else:  # step, scaled
            value = start + _triangle(n, 3)
        return min(max(value, lo), hi)

    # ---- answering ----

    def _initialised(self, connection: SimulatorConnection) -> None:
        """First start of data transfer: end of initialisation per station (A01)."""
        if not self._pixit.end_of_initialisation:
            return
        for ca in self._stations:
            asdu = Asdu(
                Type.M_EI_NA_1,
                Cot.INITIALIZED,
                ca,
                (EndOfInitialisation(0, COI(Coi.LOCAL_POWER_ON, False)),),
            )
            connection._respond(encode_asdu(asdu), asdu)

    def _dispatch(
        self, connection: SimulatorConnection, raw: bytes, asdu: Asdu | UnknownAsdu, now: float
    ) -> None:
        answer = _Answer(self, connection, raw, asdu, now)
        answer.run()
        self.received_commands.append(
            ReceivedCommand(connection.id, connection.peer, asdu, answer.positive, answer.outcome, now)
        )
        if log.isEnabledFor(logging.INFO):
            log.info("%s: %s -> %s", connection.name, explain_asdu(asdu, limit=3), answer.outcome)


class _Answer:
    """Answer one received ASDU on one connection; ``outcome`` says what was answered."""

    __slots__ = ("asdu", "connection", "now", "outcome", "pixit", "positive", "raw", "sim")

    def __init__(
        self,
        sim: Simulator,
        connection: SimulatorConnection,
        raw: bytes,
        asdu: Asdu | UnknownAsdu,
        now: float,
    ) -> None:
        self.sim = sim
        self.connection = connection
        self.raw = raw
        self.asdu = asdu
        self.now = now
        self.pixit = sim._pixit
        self.positive = True
        self.outcome = ""

    # ---- replies ----

    def mirror(self, cot: Cot, why: str) -> None:
        """The standard's negative reply: the ASDU mirrored with ``cot`` and P/N=1."""
        self.connection._respond(mirror(self.raw, cot))
        self.positive = False
        self.outcome = f"{cot.name} mirror (P/N=1): {why}"

    def confirm(self, cot: Cot, common_address: int | None = None, *, negative: bool = False) -> None:
        raw = mirror(self.raw, cot, negative=negative)
        if common_address is not None and common_address != self.asdu.common_address:
            raw = _with_ca(raw, common_address)
        self.connection._respond(raw)

    def refuse(self, why: str, stations: Iterable[int] | None = None) -> None:
        """Negative ACT_CON (or DEACT_CON for a deactivation)."""
        cot = Cot.DEACTIVATION_CON if self.asdu.cot == Cot.DEACTIVATION else Cot.ACTIVATION_CON
        for ca in stations if stations is not None else (None,):
            self.confirm(cot, ca, negative=True)
        self.positive = False
        self.outcome = f"negative {cot.name}: {why}"

    def note(self, outcome: str) -> None:
        self.outcome = f"{self.outcome}; {outcome}" if self.outcome else outcome

    # ---- dispatch ----

    def run(self) -> None:
        asdu = self.asdu
        sim = self.sim
        ca = asdu.common_address
        t = asdu.type
        # Order of checks as lib60870 (protocol.md 1.10): CA first, then type, COT, IOA.
        if ca == BROADCAST_CA:
            if t not in _SYSTEM_BROADCAST:
                self.mirror(Cot.UNKNOWN_CA, f"the broadcast address is not allowed for {_name(t)}")
                return
            stations = list(sim._stations.values())
        else:
            station = sim._stations.get(ca)
            if station is None:
                self.mirror(Cot.UNKNOWN_CA, f"no station with common address {ca}")
                return
            stations = [station]
        if isinstance(asdu, UnknownAsdu):
            self.mirror(Cot.UNKNOWN_TYPE_ID, f"type {asdu.type_id} is not a known type")
            return
        handler = _HANDLERS.get(asdu.type)
        if handler is None and asdu.type in COMMAND_TYPES:
            handler = _Answer.command
        if handler is None:
            self.mirror(Cot.UNKNOWN_TYPE_ID, f"{t.name} is not accepted in the control direction")
            return
        if asdu.type in COMMAND_TYPES and asdu.type not in stations[0].command_types:
            self.mirror(Cot.UNKNOWN_TYPE_ID, f"no point of station {ca} is a {t.name}")
            return
        if asdu.negative:
            self.mirror(Cot.UNKNOWN_COT, "P/N=1 in the control direction")
            return
        if asdu.count != 1 or asdu.sequence:
            # Single-object types; executing one of several (or none twice) would be worse (R07).
            self.refuse(f"{t.name} carries exactly one object, got {asdu.count}")
            return
        handler(self, stations, asdu.objects[0])

    def interrogation(self, stations: list[_Station], ob: Any) -> None:
        cot = self.asdu.cot
        connection = self.connection
        if cot not in (Cot.ACTIVATION, Cot.DEACTIVATION):
            self.mirror(Cot.UNKNOWN_COT, f"interrogation with cause {_name(cot)}")
            return
        if ob.io_address != 0:
            self.mirror(Cot.UNKNOWN_IOA, f"interrogation with IOA {ob.io_address}, not 0")
            return
        qoi = int(ob.qoi)
        if cot == Cot.DEACTIVATION:
            stopped = []
            for station in stations:
                job = connection._interrogations.pop(station.common_address, None)
                if job is not None:
                    job.close()
                stopped.append(job is not None)
                self.confirm(Cot.DEACTIVATION_CON, station.common_address, negative=job is None)
            self.positive = any(stopped)
            self.outcome = "DEACT_CON" if self.positive else "negative DEACT_CON: no interrogation running"
            return
        if not 20 <= qoi <= 36:
            self.refuse(f"qualifier of interrogation {qoi} is not 20-36", _cas(stations))
            return
        answered = []
        for station in stations:
            ca = station.common_address
            groups = station.groups.get(qoi)
            if ca in connection._interrogations:
                self.confirm(Cot.ACTIVATION_CON, ca, negative=True)
                self.note(f"negative ACT_CON for CA {ca}: an interrogation is running")
                continue
            if groups is None and self.pixit.unknown_group == "negative":
                self.confirm(Cot.ACTIVATION_CON, ca, negative=True)
                self.note(f"negative ACT_CON for CA {ca}: group {qoi - 20} has no points")
                continue
            self.confirm(Cot.ACTIVATION_CON, ca)
            job = self._interrogation_answer(station, qoi, groups or [])
            connection._interrogations[ca] = job
            connection._respond_all(job)
            answered.append(ca)
        self.positive = bool(answered)
        if answered:
            self.note(f"ACT_CON, data with COT {qoi}, ACT_TERM for CA {', '.join(map(str, answered))}")

    def _interrogation_answer(
        self, station: _Station, qoi: int, groups: list[tuple[Type, list[_Point]]]
    ) -> Generator[_Item, None, None]:
        ca = station.common_address
        oa = self.asdu.originator_address
        per_asdu = self.sim._objects_per_asdu
        for t, points in groups:
            limit = per_asdu(t)
            for first in range(0, len(points), limit):
                objects = tuple(p.build(t) for p in points[first : first + limit])
                asdu = Asdu(t, _COT[qoi], ca, objects, oa)
                yield encode_asdu(asdu), asdu
        self.connection._interrogations.pop(ca, None)
        yield _with_ca(mirror(self.raw, Cot.ACTIVATION_TERMINATION, negative=False), ca), None

    def counter_interrogation(self, stations: list[_Station], ob: Any) -> None:
        if self.asdu.cot != Cot.ACTIVATION:
            self.mirror(Cot.UNKNOWN_COT, f"counter interrogation with cause {_name(self.asdu.cot)}")
            return
        if ob.io_address != 0:
            self.mirror(Cot.UNKNOWN_IOA, f"counter interrogation with IOA {ob.io_address}, not 0")
            return
        rqt = int(ob.qcc.rqt)
        frz = ob.qcc.frz
        if not 1 <= rqt <= 5:
            self.refuse(f"request qualifier {rqt} is not 1-5", _cas(stations))
            return
        answered = []
        for station in stations:
            ca = station.common_address
            groups = station.counters if rqt == 5 else station.counter_groups[rqt]
            if not groups and rqt != 5 and self.pixit.unknown_group == "negative":
                self.confirm(Cot.ACTIVATION_CON, ca, negative=True)
                self.note(f"negative ACT_CON for CA {ca}: counter group {rqt} has no counters")
                continue
            self.confirm(Cot.ACTIVATION_CON, ca)
            if frz is Frz.READ:
                self.connection._respond_all(self._counter_answer(station, rqt, groups))
            else:
                self._freeze(groups, frz)
                self.confirm(Cot.ACTIVATION_TERMINATION, ca)
            answered.append(ca)
        self.positive = bool(answered)
        if answered:
            what = "counters with COT " + str(37 if rqt == 5 else 37 + rqt) if frz is Frz.READ else frz.name
            self.note(f"ACT_CON, {what}, ACT_TERM")

    def _freeze(self, groups: list[tuple[Type, list[_Point]]], frz: Frz) -> None:
        stamp = self.sim._now_cp56()
        for point in _all_points(groups):
            if frz is Frz.COUNTER_RESET:
                point.value = 0
                point.frozen = None
            else:
                point.frozen = point.value
                point.frozen_time = stamp
                point.sequence = (point.sequence + 1) & 0x1F
                if frz is Frz.FREEZE_WITH_RESET:
                    point.value = 0
            point.time = stamp

    def _counter_answer(
        self, station: _Station, rqt: int, groups: list[tuple[Type, list[_Point]]]
    ) -> Iterator[_Item]:
        ca = station.common_address
        oa = self.asdu.originator_address
        cot = 37 if rqt == 5 else 37 + rqt
        per_asdu = self.sim._objects_per_asdu
        for t, points in groups:
            limit = per_asdu(t)
            for first in range(0, len(points), limit):
                objects = tuple(p.build(t, frozen=True) for p in points[first : first + limit])
                asdu = Asdu(t, _COT[cot], ca, objects, oa)
                yield encode_asdu(asdu), asdu
        yield _with_ca(mirror(self.raw, Cot.ACTIVATION_TERMINATION, negative=False), ca), None

    def read(self, stations: list[_Station], ob: Any) -> None:
        if self.asdu.cot != Cot.REQUEST:
            self.mirror(Cot.UNKNOWN_COT, f"read with cause {_name(self.asdu.cot)}, not REQUEST")
            return
        point = stations[0].points.get(ob.io_address)
        if point is None or point.kind in _UNREADABLE:
            what = "no point" if point is None else f"{point.type.name} is not readable"
            self.mirror(Cot.UNKNOWN_IOA, f"{what} at IOA {ob.io_address}")
            return
        if self.pixit.answer_read_with_actcon:
            self.confirm(Cot.ACTIVATION_CON)
        asdu = Asdu(
            point.type, Cot.REQUEST, point.common_address, (point.build(point.type),), self.asdu.originator_address
        )
        self.connection._respond(encode_asdu(asdu), asdu)
        self.outcome = f"{point.type.name} with COT 5"

    def clock_sync(self, stations: list[_Station], ob: Any) -> None:
        if self.asdu.cot != Cot.ACTIVATION:
            self.mirror(Cot.UNKNOWN_COT, f"clock synchronisation with cause {_name(self.asdu.cot)}")
            return
        if ob.io_address != 0:
            self.mirror(Cot.UNKNOWN_IOA, f"clock synchronisation with IOA {ob.io_address}, not 0")
            return
        try:
            when = ob.time.to_datetime().timestamp()
        except (ValueError, OverflowError, OSError) as exc:
            self.refuse(f"invalid time {ob.time}: {exc}", _cas(stations))
            return
        self.sim._clock_offset = when - _time.time()
        self.sim._cp56_ms = -1
        for station in stations:
            self.confirm(Cot.ACTIVATION_CON, station.common_address)
        self.outcome = f"ACT_CON; clock set to {ob.time}"

    def test_command(self, stations: list[_Station], ob: Any) -> None:
        if self.asdu.cot != Cot.ACTIVATION:
            self.mirror(Cot.UNKNOWN_COT, f"test command with cause {_name(self.asdu.cot)}")
            return
        if ob.io_address != 0:
            self.mirror(Cot.UNKNOWN_IOA, f"test command with IOA {ob.io_address}, not 0")
            return
        self.confirm(Cot.ACTIVATION_CON)
        self.outcome = f"ACT_CON (TSC {ob.tsc})"

    def reset_process(self, stations: list[_Station], ob: Any) -> None:
        if self.asdu.cot != Cot.ACTIVATION:
            self.mirror(Cot.UNKNOWN_COT, f"reset process with cause {_name(self.asdu.cot)}")
            return
        if ob.io_address != 0:
            self.mirror(Cot.UNKNOWN_IOA, f"reset process with IOA {ob.io_address}, not 0")
            return
        if ob.qrp not in (1, 2):
            self.refuse(f"qualifier of reset process {ob.qrp} is not 1 or 2", _cas(stations))
            return
        for station in stations:
            self.confirm(Cot.ACTIVATION_CON, station.common_address)
        if ob.qrp == 2:
            # Reset of pending information with time tag: this connection's event buffer.
            self.connection._events.clear()
        self.outcome = f"ACT_CON (QRP {ob.qrp})"

    def command(self, stations: list[_Station], ob: Any) -> None:
        asdu = self.asdu
        cot = asdu.cot
        connection = self.connection
        station = stations[0]
        if cot not in (Cot.ACTIVATION, Cot.DEACTIVATION):
            self.mirror(Cot.UNKNOWN_COT, f"command with cause {_name(cot)}")
            return
        point = station.points.get(ob.io_address)
        if point is None:
            self.mirror(Cot.UNKNOWN_IOA, f"no point at IOA {ob.io_address}")
            return
        if point.type != asdu.type:
            self.refuse(f"IOA {ob.io_address} is a {point.type.name}, not a {asdu.type.name}")
            return
        key = (station.common_address, ob.io_address)
        state, qualifier, select = _command_parts(ob)
        if cot == Cot.DEACTIVATION:
            selection = connection._selected(key, self.now)
            connection._selections.pop(key, None)
            if selection is None:
                self.refuse("nothing selected to cancel")
                return
            self.confirm(Cot.DEACTIVATION_CON)
            self.outcome = "DEACT_CON: selection cancelled"
            return
        why = _refusal(ob, state, qualifier)
        if why is not None:
            self.refuse(why)
            return
        if select:
            if not point.profile.select_before_operate:
                self.refuse(f"IOA {ob.io_address} executes directly; it cannot be selected")
                return
            for other in self.sim._connections:
                if other is not connection and other._selected(key, self.now) is not None:
                    self.refuse(f"IOA {ob.io_address} is selected by {other.name}")
                    return
            connection._selections[key] = _Selection(
                asdu.type, (state, qualifier), self.now + self.pixit.select_timeout
            )
            self.confirm(Cot.ACTIVATION_CON)
            self.outcome = "ACT_CON: selected"
            return
        if point.profile.select_before_operate:
            selection = connection._selections.pop(key, None)  # an execute ends the selection
            if selection is None:
                self.refuse("execute without select")
                return
            if selection.deadline < self.now:
                self.refuse(f"the selection timed out ({self.pixit.select_timeout:g} s)")
                return
            if selection.type != asdu.type or selection.command != (state, qualifier):
                self.refuse("execute differs from the select")
                return
        try:
            returned = self._returned_value(station, point, state)
        except ValueError as exc:
            self.refuse(f"the return information cannot carry it: {exc}")
            return
        self.confirm(Cot.ACTIVATION_CON)
        self.outcome = "ACT_CON"
        if asdu.test:
            self.note("test command: not executed")
        else:
            self._execute(station, point, state, returned)
        if self.pixit.act_term:
            self.confirm(Cot.ACTIVATION_TERMINATION)
            self.note("ACT_TERM")

    @staticmethod
    def _returned_value(station: _Station, point: _Point, state: Any) -> Any:
        """The related monitoring point's value after the command (None: no related point)."""
        target_ioa = point.profile.return_io_address
        if target_ioa is None:
            return None
        target = station.points[target_ioa]
        if target.kind == "step":
            new: Any = target.value + (1 if state is Step.HIGHER else -1)
            new = min(max(new, -64), 63)
        elif target.kind == "single":
            new = bool(state)
        elif target.kind == "double":
            new = Double(state)
        else:
            new = state
        return _coerce(target.kind, new, target)

    def _execute(self, station: _Station, point: _Point, state: Any, returned: Any) -> None:
        sim = self.sim
        point.value = state
        point.time = sim._now_cp56()
        target_ioa = point.profile.return_io_address
        if target_ioa is None:
            return
        target = station.points[target_ioa]
        target.value = returned
        target.time = point.time
        # Return information: to the commanding connection in order (between ACT_CON and
        # ACT_TERM), to every other started connection as an event.
        cause = int(Cot.RETURN_INFO_REMOTE)
        oa = self.asdu.originator_address
        t = target.report_type(cause, self.pixit.time_tagged_spontaneous)
        asdu = Asdu(t, Cot.RETURN_INFO_REMOTE, station.common_address, (target.build(t),), oa)
        self.connection._respond(encode_asdu(asdu), asdu)
        sim._broadcast(target, cause, oa, skip=self.connection)
        self.note(f"{t.name} IOA {target_ioa} = {_show(target.value)} with COT 11")


_HANDLERS: dict[Type, Callable[[_Answer, list[_Station], Any], None]] = {
    Type.C_IC_NA_1: _Answer.interrogation,
    Type.C_CI_NA_1: _Answer.counter_interrogation,
    Type.C_RD_NA_1: _Answer.read,
    Type.C_CS_NA_1: _Answer.clock_sync,
    Type.C_TS_TA_1: _Answer.test_command,
    Type.C_RP_NA_1: _Answer.reset_process,
}


def _cas(stations: list[_Station]) -> list[int]:
    return [s.common_address for s in stations]


def _name(value: Any) -> str:
    return str(getattr(value, "name", value))


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "ON" if value else "OFF"
    return _name(value)


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
