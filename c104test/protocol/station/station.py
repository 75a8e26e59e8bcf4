"""The controlled station (RTU) as a sans-I/O state machine, in the style of h11.

The engine's adapter owns sockets, links and timers; the station owns what an RTU knows: the
point database, the answers, selections, redundancy groups and their event buffers, cyclic and
simulated data, and the fault plan. Time is always an argument (``now``, the same monotonic
clock the link uses); the wall clock for time tags is a function the adapter passes in.

>>> from c104test.engine.profile import demo_profile
>>> from c104test.protocol import decode_asdu
>>> station = ControlledStation(demo_profile(), wall_clock=lambda: 1.7e9)
>>> _ = station.connect(1, now=0.0); station.started(1, now=0.0)
>>> raw = bytes.fromhex("64010600" "2f00" "000000" "14")      # C_IC_NA_1, CA 47, QOI 20
>>> station.receive(1, raw, decode_asdu(raw), now=0.1).outcome
'ACT_CON, data with COT 20, ACT_TERM for CA 47'
>>> [o.part.name for o in station.next_outgoing(1, now=0.1, room=12)]
['INITIALISATION', 'CONFIRMATION', 'DATA', 'DATA', 'DATA', 'DATA', 'DATA', 'DATA', 'DATA', 'TERMINATION']

The adapter's side of the contract:

- ``connect``/``disconnect``, ``started``/``stopped`` (the link's DataTransferStarted/Stopped),
  ``acknowledged`` (the link's Acknowledged count) tell the station what the link did;
- ``receive`` answers one received ASDU; ``next_outgoing(connection, now, room)`` gives at most
  ``room`` ASDUs for the link (answers first, in request order, then reports);
- ``next_deadline``/``handle_timeout`` drive cyclic data, simulated changes, select time-outs
  and delayed answers;
- ``link_faults`` says which link options the fault plan needs; ``Outgoing.send_seq_offset``
  carries a wrong N(S);
- ``take_notices`` returns what deserves a log line (overflows, switch-overs).
"""

from __future__ import annotations

import datetime as _dt
import heapq
import struct
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

from ..asdu import (
    Asdu,
    UnknownAsdu,
    decode_asdu,
    encode_asdu,
    encode_object,
    max_objects,
    type_info,
)
from ..elements import COI
from ..enums import BinaryCounterQuality, Coi, Cot, Quality, Type
from ..objects import EndOfInitialisation
from ..timetags import CP56Time2a
from .answers import Answer
from .commands import Selection
from .events import EventBuffer, Report, pack
from .faults import (
    DuplicateEvent,
    Fault,
    IgnoreNegativeSectionAck,
    LinkFaults,
    LoseEvent,
    NoEndOfInitialisation,
    NoResend,
    RestartSequence,
    StayActive,
    WrongCause,
    WrongSendSequence,
    link_faults,
)
from .files import FileTransfer, StoredFile
from .hooks import ApplicationHooks, Pending
from .points import (
    _IOA_SHORT,
    _SHORT_VALUE,
    LogicalStation,
    SimulatedPoint,
    StationPoint,
    _coerce_number,
    quality_bits,
    walk,
)
from .redundancy import RedundancyGroup, RedundancySettings
from .replies import Outgoing, Part, Reply

__all__ = ["Answered", "ControlledStation", "StationConnection"]

_HEADER_LENGTH = 6
_CP56_OCTETS = struct.Struct("<HBBBBB").pack  # a CP56Time2a as every encoder writes it
_ONCE = (None,)  # one copy of a report (fault plans may ask for none or more)
_SPONTANEOUS = Cot.SPONTANEOUS  # the default cause: known to be in range, no check needed
_ELEMENT_KINDS = frozenset({"step", "counter"})  # set_point takes their VTI / BCR (StationPoint.take_element)


@dataclass(frozen=True, slots=True)
class Answered:
    """What the station made of one received ASDU (``outcome`` is for humans)."""

    positive: bool
    outcome: str


class _Hold:
    """In a connection's answer queue: nothing after this leaves before ``until`` (Delay)."""

    __slots__ = ("until",)

    def __init__(self, until: float) -> None:
        self.until = until


class StationConnection:
    """What the station keeps per connection: answers waiting, selections, frames in flight."""

    __slots__ = (
        "files",
        "group",
        "i_frames",
        "id",
        "in_flight",
        "initialised",
        "interrogations",
        "name",
        "responses",
        "selections",
        "sequence_shift",
        "stopped",
    )

    def __init__(self, number: int, name: str, group: RedundancyGroup) -> None:
        self.id = number
        self.name = name or f"connection {number}"
        self.group = group
        #: Answers in request order: ready replies, generators of replies, holds, and
        #: ``Pending`` decisions of an application (nothing after one leaves before it is done).
        self.responses: deque[Reply | Iterator[Reply] | _Hold | Pending] = deque()
        #: Per unacknowledged I-frame, oldest first: the reports it carried (None: an answer).
        self.in_flight: deque[list[Report] | None] = deque()
        self.interrogations: dict[int, Iterator[Reply]] = {}
        self.selections: dict[tuple[int, int], Selection] = {}
        self.files: dict[tuple[int, int], FileTransfer] = {}  # (CA, IOA): file transfers
        self.initialised = False  # end of initialisation sent (first STARTDT)
        self.i_frames = 0  # ASDUs handed out, for WrongSendSequence
        self.stopped = False  # data transfer stopped after it had started (RestartSequence)
        self.sequence_shift = 0  # added to N(S) from a restart on (RestartSequence)

    def __repr__(self) -> str:
        return f"<StationConnection {self.id} {self.name} group {self.group.number}>"


class ControlledStation:
    """An RTU's behaviour for any number of connections; see the module docstring."""

    def __init__(
        self,
        profile: Any,
        *,
        wall_clock: Callable[[], float],
        faults: Iterable[Fault] = (),
        redundancy: RedundancySettings | None = None,
        simulate_changes: bool = False,
        hooks: ApplicationHooks | None = None,
    ) -> None:
        self.profile = profile
        #: An application's hooks (c104test.Server); None: the station decides alone.
        self.hooks = hooks
        self.pixit = profile.pixit
        self._timed = self.pixit.time_tagged_spontaneous  # (the profile's pixit never changes)
        self._spontaneous_slot = 3 + 64 if self._timed else 3  # StationPoint.reports' key of COT 3
        self.settings = redundancy if redundancy is not None else RedundancySettings()
        self.simulate_changes = simulate_changes
        self._wall_clock = wall_clock
        self._clock_offset = 0.0  # seconds, set by clock synchronisation
        self.synchronised = False  # a clock synchronisation was accepted since start
        self.station_faults: frozenset[str] = frozenset()  # set_faults fills it
        #: Loaded parameters of measured values: (CA, IOA, KPA) -> value (parameters.py).
        self.parameters: dict[tuple[int, int, int], Any] = {}
        self._cp56_ms = -1
        self._cp56_from = self._cp56_to = 0.0  # wall clock readings that fall in _cp56's millisecond
        self._cp56 = self.now_cp56()
        self.stations: dict[int, LogicalStation] = {
            s.common_address: LogicalStation(s, self.pixit.interrogation_types_without_time, self._cp56)
            for s in profile.stations
        }
        #: CA -> IOA -> the file there (files.py serves them).
        self.files: dict[int, dict[int, StoredFile]] = {s.common_address: stored_files(s) for s in profile.stations}
        self.connections: dict[int, StationConnection] = {}
        self.groups: list[RedundancyGroup] = []
        self._buffers: list[EventBuffer] = []  # of the groups that buffer reports (set_point's loop)
        self._group_numbers = 0
        self._gone_overflows = 0  # reports dropped by buffers that are gone
        self._per_asdu: dict[Type, int] = {}
        self.set_faults(faults)
        self._cyclic: list[list[Any]] = []  # [due, period, points]
        self._changes: list[tuple[float, int, StationPoint]] = []
        self._timers_started = False
        #: Things worth a log line, oldest first (the adapter logs and clears them).
        self.notices: deque[str] = deque(maxlen=1000)

    # ---- the fault plan ----

    def set_faults(self, faults: Iterable[Fault]) -> None:
        """Replace the fault plan (occurrences count from now). Link faults apply to links
        opened from now on; the adapter applies them to open links itself."""
        self.faults: tuple[Fault, ...] = tuple(faults)
        self._fault_hits = [0] * len(self.faults)
        self._answer_faults = [
            (i, f) for i, f in enumerate(self.faults)
            if f.acts_on == "answer" and not (isinstance(f, WrongCause) and f.part is Part.EVENT)
        ]
        self._event_faults = [
            (i, f) for i, f in enumerate(self.faults) if isinstance(f, LoseEvent | DuplicateEvent)
        ]
        self._pack_faults = [
            f for f in self.faults if isinstance(f, WrongCause) and f.part is Part.EVENT
        ]
        self._sequence_faults = [f for f in self.faults if isinstance(f, WrongSendSequence)]
        self.ignore_negative_section_ack = any(isinstance(f, IgnoreNegativeSectionAck) for f in self.faults)
        #: Names of the station faults in the plan (``faults_process``: checked where they act).
        self.station_faults = frozenset(f.name for f in self.faults if f.acts_on == "station")
        self._cp56_ms = -1
        self._cp56_to = 0.0

    # ---- clock ----

    def now_cp56(self) -> CP56Time2a:
        """CP56Time2a of now on the station's clock (local time, as c104 sends it); IV=1 before
        the first clock synchronisation when ``pixit.time_invalid_before_sync`` (A15)."""
        ms = int((self._wall_clock() + self._clock_offset) * 1000)
        if ms != self._cp56_ms:
            self._set_cp56(ms)
        return self._cp56

    def _set_cp56(self, ms: int) -> None:
        """Make the CP56Time2a of ``ms`` (epoch milliseconds) the cached one."""
        seconds, millis = divmod(ms, 1000)
        moment = _dt.datetime.fromtimestamp(seconds).replace(microsecond=millis * 1000)
        invalid = (self.pixit.time_invalid_before_sync and not self.synchronised
                   and "valid_time_before_sync" not in self.station_faults)
        self._cp56 = CP56Time2a.from_datetime(moment, iv=invalid)
        self._cp56_octets = _CP56_OCTETS(*self._cp56.items())
        self._cp56_ms = ms
        # the same millisecond as readings of the wall clock, so that set_point compares one
        # reading instead of computing the millisecond (a float's rounding may move a reading
        # at the very edge into the neighbouring millisecond)
        self._cp56_from = ms / 1000 - self._clock_offset
        self._cp56_to = (ms + 1) / 1000 - self._clock_offset

    def wall_seconds(self) -> float:
        """Epoch seconds on the station's clock (what a time tag of now means)."""
        return self._wall_clock() + self._clock_offset

    def set_clock(self, when: float) -> None:
        """Clock synchronisation: the station's clock shows ``when`` (epoch seconds) now."""
        self._clock_offset = when - self._wall_clock()
        self.synchronised = True
        self._cp56_ms = -1
        self._cp56_to = 0.0

    # ---- connections ----

    def connect(self, connection_id: int, now: float, name: str = "") -> StationConnection:
        """A new TCP connection: it joins a redundancy group (see redundancy.py)."""
        if connection_id in self.connections:
            raise ValueError(f"connection {connection_id} is already connected")
        size = self.settings.group_size
        group = None
        if size is not None:
            group = next((g for g in self.groups if len(g.members) < size), None)
        if group is None:
            self._group_numbers += 1
            group = RedundancyGroup(self._group_numbers, self.settings)
            self.groups.append(group)
            self._buffering_changed()
        group.members.append(connection_id)
        connection = StationConnection(connection_id, name, group)
        self.connections[connection_id] = connection
        return connection

    def disconnect(self, connection_id: int, now: float) -> None:
        """The TCP connection is gone: its unacknowledged reports go back to the group."""
        connection = self.connections.pop(connection_id, None)
        if connection is None:
            return
        group = connection.group
        group.leave(connection_id)
        unacknowledged = [r for frame in connection.in_flight if frame for r in frame]
        for job in connection.interrogations.values():
            close = getattr(job, "close", None)
            if close is not None:
                close()
        if any(isinstance(f, NoResend) for f in self.faults):
            unacknowledged = []
        if group.persistent:
            if unacknowledged:
                group.buffer.put_back(unacknowledged)
                self.notices.append(
                    f"{connection.name}: {len(unacknowledged)} unacknowledged reports back in the "
                    f"buffer of redundancy group {group.number}"
                )
        elif not group.members:
            self.groups.remove(group)
            self._buffering_changed()
            self._gone_overflows += group.buffer.dropped

    def started(self, connection_id: int, now: float) -> int | None:
        """Data transfer started on the connection; returns the connection it took over from."""
        connection = self.connections[connection_id]
        group = connection.group
        if connection.stopped and any(isinstance(f, RestartSequence) for f in self.faults):
            connection.sequence_shift = -connection.i_frames
        connection.stopped = False
        previous = None
        if group.active in (None, connection_id) or not any(isinstance(f, StayActive) for f in self.faults):
            previous = group.start(connection_id)  # (StayActive: the data flow stays where it is)
            self._buffering_changed()
        if previous is not None:
            other = self.connections.get(previous)
            self.notices.append(
                f"{connection.name}: STARTDT in redundancy group {connection.group.number}; "
                f"{other.name if other else previous} gets no more data"
            )
        if not connection.initialised:
            connection.initialised = True
            self._end_of_initialisation(connection)
        return previous

    def stopped(self, connection_id: int, now: float) -> None:
        connection = self.connections.get(connection_id)
        if connection is not None:
            connection.stopped = True
            if not any(isinstance(f, StayActive) for f in self.faults):
                connection.group.stop(connection_id)

    def acknowledged(self, connection_id: int, count: int) -> None:
        """The peer acknowledged ``count`` more I-frames of the connection."""
        connection = self.connections.get(connection_id)
        if connection is None:
            return
        in_flight = connection.in_flight
        for _ in range(min(count, len(in_flight))):
            in_flight.popleft()

    @property
    def link_faults(self) -> LinkFaults:
        return link_faults(self.faults)

    def _end_of_initialisation(self, connection: StationConnection) -> None:
        """First start of data transfer: end of initialisation per station (A01)."""
        if not self.pixit.end_of_initialisation:
            return
        if any(isinstance(f, NoEndOfInitialisation) for f in self.faults):
            return
        for ca in self.stations:
            asdu = Asdu(
                Type.M_EI_NA_1,
                Cot.INITIALIZED,
                ca,
                (EndOfInitialisation(0, COI(Coi.LOCAL_POWER_ON, False)),),
            )
            connection.responses.append((Part.INITIALISATION, encode_asdu(asdu), asdu))

    # ---- requests ----

    def receive(self, connection_id: int, raw: bytes, asdu: Asdu | UnknownAsdu, now: float) -> Answered:
        """Answer one received ASDU (``raw`` its octets, ``asdu`` decoded)."""
        connection = self.connections[connection_id]
        answer = Answer(self, connection, raw, asdu, now)
        answer.run()
        replies = answer.replies
        faults = [f for i, f in self._answer_faults if f.scope.covers(asdu) and self._fires(i, f)]
        if not faults:
            connection.responses.extend(replies)
        else:
            stream: Iterator[Reply] = chain.from_iterable(
                (r,) if isinstance(r, tuple) else r for r in replies
            )
            delay = 0.0
            for fault in faults:
                stream = fault.rewrite(stream, raw)
                delay = max(delay, fault.delay)
            if delay:
                connection.responses.append(_Hold(now + delay))
            connection.responses.append(stream)
            answer.note("fault plan: " + ", ".join(f.name for f in faults))
        return Answered(answer.positive, answer.outcome)

    def _fires(self, index: int, fault: Fault) -> bool:
        self._fault_hits[index] += 1
        occurrence = fault.scope.occurrence
        return occurrence is None or self._fault_hits[index] == occurrence

    # ---- output ----

    def has_outgoing(self, connection_id: int, now: float) -> bool:
        """Something may leave now (the adapter's writer waits while False)."""
        connection = self.connections.get(connection_id)
        if connection is None:
            return False
        responses = connection.responses
        if responses:
            head = responses[0]
            kind = type(head)
            if kind is Pending:
                return head.done  # type: ignore[union-attr]
            return kind is not _Hold or head.until <= now  # type: ignore[union-attr]
        group = connection.group
        return group.active == connection_id and bool(group.buffer.entries)

    def next_outgoing(self, connection_id: int, now: float, room: int) -> list[Outgoing]:
        """At most ``room`` ASDUs for the connection's link: answers first, then reports."""
        connection = self.connections.get(connection_id)
        out: list[Outgoing] = []
        if connection is None:
            return out
        responses = connection.responses
        group = connection.group
        buffer = group.buffer
        in_flight = connection.in_flight
        overtake = "events_overtake_interrogation" in self.station_faults
        while len(out) < room:
            if overtake and responses and group.active == connection_id and buffer.entries and \
                    type(responses[0]) not in (tuple, _Hold, Pending):  # a stream in progress
                reports = buffer.take(self.objects_per_asdu(buffer.entries[0][0][0]))
                raw, asdu, part = pack(reports), None, Part.EVENT
                in_flight.append(reports)
            elif responses:
                head = responses[0]
                kind = type(head)
                if kind is tuple:
                    responses.popleft()
                    part, raw, asdu = head  # type: ignore[misc]
                elif kind is _Hold:
                    if head.until > now:  # type: ignore[union-attr]
                        break
                    responses.popleft()
                    continue
                elif kind is Pending:
                    if not head.done:  # type: ignore[union-attr]
                        break
                    responses.popleft()
                    continue
                else:
                    item = next(head, None)  # type: ignore[call-overload]
                    if item is None:
                        responses.popleft()
                        continue
                    part, raw, asdu = item
                in_flight.append(None)
            elif group.active == connection_id and buffer.entries:
                reports = buffer.take(self.objects_per_asdu(buffer.entries[0][0][0]))
                raw = pack(reports)  # the journal decodes it if anyone looks (asdu None)
                asdu = None
                part = Part.EVENT
                for fault in self._pack_faults:
                    if fault.scope.covers(decode_asdu(raw)):
                        raw = raw[:2] + bytes(((raw[2] & 0xC0) | fault.cot,)) + raw[3:]
                in_flight.append(reports)
            else:
                break
            connection.i_frames += 1
            offset = connection.sequence_shift
            for fault in self._sequence_faults:
                if connection.i_frames == (fault.scope.occurrence or 1):
                    offset += fault.offset
            out.append(Outgoing(raw, asdu, part, offset))
        return out

    def send(self, connection_id: int, part: Part, raw: bytes, asdu: Asdu | None = None) -> bool:
        """An application's own ASDU for one connection, after the answers waiting there
        (a late ACT_CON, an end of initialisation). False if the connection is gone."""
        connection = self.connections.get(connection_id)
        if connection is None:
            return False
        connection.responses.append((part, raw, asdu))
        return True

    def objects_per_asdu(self, t: Type) -> int:
        limit = self._per_asdu.get(t)
        if limit is None:
            room = self.pixit.max_asdu_length - _HEADER_LENGTH
            limit = max(1, min(max_objects(t), room // (3 + type_info(t).element_size)))
            self._per_asdu[t] = limit
        return limit

    # ---- the event buffers ----

    def queued(self, connection_id: int) -> int:
        """Reports waiting in the buffer of the connection's group."""
        connection = self.connections.get(connection_id)
        return 0 if connection is None else len(connection.group.buffer)

    def dropped(self, connection_id: int) -> int:
        """Reports the overflow policy dropped from the buffer of the connection's group."""
        connection = self.connections.get(connection_id)
        return 0 if connection is None else connection.group.buffer.dropped

    @property
    def overflows(self) -> int:
        """Reports dropped by the overflow policy, all buffers, since the start."""
        return self._gone_overflows + sum(g.buffer.dropped for g in self.groups)

    def over_limit(self, connection_id: int) -> bool:
        """The group's buffer is full while the connection drains it (producers should wait)."""
        connection = self.connections.get(connection_id)
        if connection is None:
            return False
        group = connection.group
        return group.active == connection_id and len(group.buffer) >= group.buffer.limit

    def any_buffer_full(self) -> bool:
        """Some group's buffer is at its limit (a cheap pre-check for ``over_limit``)."""
        for group in self.groups:
            buffer = group.buffer
            if len(buffer.entries) >= buffer.limit:
                return True
        return False

    def clear_events(self, connection: StationConnection) -> None:
        """Reset process with QRP 2: the pending reports of the connection's group are gone."""
        connection.group.buffer.clear()

    # ---- stations and points ----

    def put_station(self, profile: Any) -> None:
        """Add a station, or replace one with a new profile of it (points added or removed at
        run time); points that stay keep their live value, quality and time."""
        old = self.stations.get(profile.common_address)
        station = LogicalStation(profile, self.pixit.interrogation_types_without_time, self.now_cp56())
        if old is not None:
            for io_address, point in station.points.items():
                before = old.points.get(io_address)
                if before is not None and before.type is point.type:
                    point.value, point.quality, point.time = before.value, before.quality, before.time
                    point.source = before.source
        self.stations[profile.common_address] = station
        self.files[profile.common_address] = stored_files(profile)

    def remove_station(self, common_address: int) -> bool:
        """Forget a station: requests to it get COT 46 from now on."""
        self.files.pop(common_address, None)
        return self.stations.pop(common_address, None) is not None

    def point(self, common_address: int, io_address: int) -> StationPoint:
        station = self.stations.get(common_address)
        point = None if station is None else station.points.get(io_address)
        if point is None:
            raise KeyError(f"the profile has no point CA {common_address} IOA {io_address}")
        return point

    def get_point(self, common_address: int, io_address: int) -> SimulatedPoint | None:
        """A snapshot of the point, or None if the profile has no such point."""
        station = self.stations.get(common_address)
        point = None if station is None else station.points.get(io_address)
        return None if point is None else point.snapshot()

    def set_point(
        self,
        common_address: int,
        io_address: int,
        value: Any = None,
        quality: Quality | BinaryCounterQuality | int | None = None,
        cause: Cot | int = _SPONTANEOUS,
    ) -> bool:
        """Change a point and report it with ``cause`` to every group that buffers reports.

        ``value=None`` keeps the value, ``quality=None`` the quality; a command point only
        stores the value. ValueError for a value the type cannot carry, KeyError for a point
        the profile does not have. True when an event buffer is full now (``any_buffer_full``:
        a producer with back-pressure should wait for ``over_limit`` to clear).
        """
        station = self.stations.get(common_address)
        point = None if station is None else station.points.get(io_address)
        if point is None:
            raise KeyError(f"the profile has no point CA {common_address} IOA {io_address}")
        if cause is _SPONTANEOUS:
            cause, slot = 3, self._spontaneous_slot
        else:
            cause = int(cause)
            if not 1 <= cause <= 63:
                raise ValueError(f"cause of transmission {cause} outside 1..63")
            slot = cause + 64 if self._timed else cause
        kind = point.kind
        quality = point.quality if quality is None else quality_bits(kind, quality)
        octets = None
        try:
            if kind == "short" and value is not None:
                # points.set_short, inlined (a call less per value): coerced and encoded in one pack
                if type(value) is not float:
                    value = _coerce_number(value)
                octets = _IOA_SHORT(point.ioa_low, point.ioa_high, value, quality & 0xF1)  # OverflowError: too big
                point.value = _SHORT_VALUE(octets, 3)[0]  # as the wire's float32 carries it
                point.quality = quality
            else:
                if value is not None:
                    if kind in _ELEMENT_KINDS:  # a VTI (transient bit) or BCR (sequence number) too
                        value = point.take_element(value)
                    point.value = point.coercer(value)
                point.quality = quality
        except (ValueError, TypeError, OverflowError) as exc:
            raise ValueError(f"{point.name}: {exc}") from None
        # now_cp56, inlined: the time tag is made once per millisecond, not once per value
        wall = self._wall_clock()
        if not self._cp56_from <= wall < self._cp56_to:
            self._set_cp56(int((wall + self._clock_offset) * 1000))
        point.time = self._cp56
        if octets is None and kind == "command":
            return False
        if point.source is None and not self._event_faults:
            # broadcast's common case, inlined (one call per value less): a fast-encoded report
            # appended to every buffering group's buffer while it has room
            entry = point.reports.get(slot)
            _, key, tag, fast = entry if entry is not None else point.report(cause, self._timed)
            if fast is None:  # (nor for CP24Time2a types)
                octets = None
            elif octets is None:
                octets = fast(point)
            if octets is not None:
                if tag is not None:
                    octets += self._cp56_octets  # point.time is self._cp56 (just set)
                report = (key, octets)
                full = False
                for buffer in self._buffers:
                    entries = buffer.entries
                    queued = len(entries)
                    if queued < buffer.append_below:
                        entries.append(report)
                        queued += 1
                    else:
                        if buffer.add(key, octets):
                            self._overflow_notice(next(g for g in self.groups if g.buffer is buffer))
                        queued = len(buffer.entries)
                    if queued >= buffer.limit:
                        full = True
                return full
        self.broadcast(point, cause, 0)
        return self.any_buffer_full()

    def broadcast(self, point: StationPoint, cause: int, originator: int, skip: StationConnection | None = None) -> None:
        """Report ``point`` to every group that buffers (but ``skip``'s group).

        The report is encoded here, once (``events.py``): the common kinds straight from the
        point (``points.OCTETS``), the others by building and encoding the object.
        """
        timed = self.pixit.time_tagged_spontaneous
        entry = point.reports.get(cause + 64 if timed else cause)
        t, key, tag, fast = entry if entry is not None else point.report(cause, timed)
        octets = fast(point) if fast is not None and point.source is None else None
        if octets is None:
            octets = encode_object(t, point.build(t, point.time))
        elif tag is not None:  # CP56Time2a (the fast encoders are never used for CP24Time2a)
            time = point.time
            octets += self._cp56_octets if time is self._cp56 else _CP56_OCTETS(*time.items())
        if originator:
            key = (t, point.common_address, cause, originator)
        copies = 1
        for i, fault in self._event_faults:
            if fault.scope.matches(t, point.common_address, point.io_address) and self._fires(i, fault):
                copies = 0 if isinstance(fault, LoseEvent) else copies + 1
        skipped = None if skip is None else skip.group
        for group in self.groups:
            if group.buffering and group is not skipped:
                buffer = group.buffer
                for _ in range(copies) if copies != 1 else _ONCE:
                    if buffer.add(key, octets):
                        self._overflow_notice(group)

    def _buffering_changed(self) -> None:
        """A group came, went or started buffering: the buffers ``set_point`` appends to."""
        self._buffers = [g.buffer for g in self.groups if g.buffering]

    def _overflow_notice(self, group: RedundancyGroup) -> None:
        """Once per overflow (``EventBuffer.add``): the first, and each after the buffer drained."""
        buffer = group.buffer
        self.notices.append(
            f"event buffer of redundancy group {group.number} over "
            f"{buffer.limit} reports; overflow policy {buffer.policy} "
            f"({buffer.dropped} report{'s' * (buffer.dropped != 1)} dropped since the buffer was made)"
        )

    # ---- time ----

    def start_timers(self, now: float) -> None:
        """Schedule cyclic data (and simulated changes) from ``now``."""
        if self._timers_started:
            return
        self._timers_started = True
        periods: dict[float, list[StationPoint]] = {}
        for station in self.stations.values():
            for point in station.points.values():
                if point.profile.cycle:
                    periods.setdefault(point.profile.cycle, []).append(point)
        for period, points in periods.items():
            # Sorted so that points of one station and type are consecutive and pack together.
            points.sort(key=lambda p: (p.common_address, int(p.profile.plain_type or p.type)))
            self._cyclic.append([now + period, period, points])
        if self.simulate_changes:
            self._changes = [
                (now + p.profile.change_every, n, p)
                for n, p in enumerate(p for s in self.stations.values() for p in s.points.values())
                if p.profile.change_every
            ]
            heapq.heapify(self._changes)

    def next_deadline(self) -> float | None:
        """When ``handle_timeout`` has work: cyclic data, a change, a select time-out, a hold."""
        deadlines = [entry[0] for entry in self._cyclic]
        if self._changes:
            deadlines.append(self._changes[0][0])
        for connection in self.connections.values():
            if connection.responses and type(connection.responses[0]) is _Hold:
                deadlines.append(connection.responses[0].until)  # type: ignore[union-attr]
            deadlines.extend(s.deadline for s in connection.selections.values() if not s.lapsed)
        return min(deadlines) if deadlines else None

    def handle_timeout(self, now: float) -> None:
        """Do what is due at ``now``."""
        for entry in self._cyclic:
            if entry[0] <= now:
                entry[0] = max(entry[0] + entry[1], now)
                for point in entry[2]:
                    self.broadcast(point, int(Cot.PERIODIC), 0)
        changes = self._changes
        while changes and changes[0][0] <= now:
            due, n, point = changes[0]
            heapq.heapreplace(changes, (due + (point.profile.change_every or 1.0), n, point))
            point.steps += 1
            try:
                self.set_point(point.common_address, point.io_address, walk(point))
            except ValueError as exc:  # a walk off the type's range: keep the others moving
                self.notices.append(f"simulated change of {point.name} skipped: {exc}")
        for connection in self.connections.values():
            for selection in connection.selections.values():
                if not selection.lapsed and selection.deadline <= now:
                    selection.lapsed = True  # an execute now gets "the selection timed out"

    def take_notices(self) -> list[str]:
        notices = list(self.notices)
        self.notices.clear()
        return notices


def stored_files(station_profile: Any) -> dict[int, StoredFile]:
    """The files of a station profile (``files``: io_address, name, content, sections) by IOA."""
    return {
        f.io_address: StoredFile.split(f.io_address, f.name, f.content, f.sections)
        for f in getattr(station_profile, "files", ())
    }
