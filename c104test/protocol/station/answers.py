"""Answers of a controlled station to one received ASDU (protocol.md 1.10-1.11).

``Answer`` checks a request in lib60870's order (CA, type, COT, IOA) and collects its replies as
tagged ASDUs (``replies.Reply``): confirmations, data, terminations and the negative mirrors
COT 44-47. Interrogation answers are generators, built when they are sent, so they carry the
values of that moment. Commands live in ``commands.py``. Choices where the standard leaves room
are listed in ``c104test/engine/simulator.py``'s docstring and ``docs/profile.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..asdu import Asdu, UnknownAsdu, encode_asdu, mirror
from ..commands import COMMAND_TYPES
from ..enums import Cot, Frz, Type
from .commands import command, name_of
from .events import COT_MEMBERS
from .files import answer_file
from .parameters import parameter, parameter_activation
from .points import LogicalStation, StationPoint, all_points
from .replies import Part, Reply, with_common_address

if TYPE_CHECKING:
    from .hooks import Pending
    from .station import ControlledStation, StationConnection

__all__ = ["BROADCAST_CA", "Answer"]

BROADCAST_CA = 0xFFFF
_SYSTEM_BROADCAST = frozenset({Type.C_IC_NA_1, Type.C_CI_NA_1, Type.C_CS_NA_1, Type.C_RP_NA_1})
# Kinds without COT 5 in their type/COT matrix: C_RD_NA_1 finds no readable object there.
_UNREADABLE = frozenset({"command", "counter", "event", "start", "circuit"})


class Answer:
    """Answer one received ASDU on one connection; ``outcome`` says what was answered."""

    __slots__ = ("asdu", "connection", "now", "outcome", "pixit", "positive", "raw", "replies", "sim")

    def __init__(
        self,
        sim: ControlledStation,
        connection: StationConnection,
        raw: bytes,
        asdu: Asdu | UnknownAsdu,
        now: float,
    ) -> None:
        self.sim = sim
        self.connection = connection
        self.raw = raw
        self.asdu = asdu
        self.now = now
        self.pixit = sim.pixit
        self.positive = True
        self.outcome = ""
        #: What goes out, in order: ready replies and generators of replies.
        self.replies: list[Reply | Iterator[Reply]] = []

    # ---- replies ----

    def respond(self, part: Part, raw: bytes, asdu: Asdu | None = None) -> None:
        self.replies.append((part, raw, asdu))

    def mirror(self, cot: Cot, why: str) -> None:
        """The standard's negative reply: the ASDU mirrored with ``cot`` and P/N=1."""
        self.respond(Part.NEGATIVE, mirror(self.raw, cot))
        self.positive = False
        self.outcome = f"{cot.name} mirror (P/N=1): {why}"

    def confirm(self, cot: Cot, common_address: int | None = None, *, negative: bool = False) -> None:
        raw = mirror(self.raw, cot, negative=negative)
        if common_address is not None and common_address != self.asdu.common_address:
            raw = with_common_address(raw, common_address)
        part = Part.TERMINATION if cot == Cot.ACTIVATION_TERMINATION else Part.CONFIRMATION
        self.respond(part, raw)

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
                self.mirror(Cot.UNKNOWN_CA, f"the broadcast address is not allowed for {name_of(t)}")
                return
            stations = list(sim.stations.values())
        else:
            station = sim.stations.get(ca)
            if station is None:
                self.mirror(Cot.UNKNOWN_CA, f"no station with common address {ca}")
                return
            stations = [station]
        if isinstance(asdu, UnknownAsdu):
            self.mirror(Cot.UNKNOWN_TYPE_ID, f"type {asdu.type_id} is not a known type")
            return
        handler = _HANDLERS.get(asdu.type)
        if handler is None and asdu.type in COMMAND_TYPES:
            handler = command
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

    def interrogation(self, stations: list[LogicalStation], ob: Any) -> None:
        cot = self.asdu.cot
        connection = self.connection
        if cot not in (Cot.ACTIVATION, Cot.DEACTIVATION):
            self.mirror(Cot.UNKNOWN_COT, f"interrogation with cause {name_of(cot)}")
            return
        if ob.io_address != 0:
            self.mirror(Cot.UNKNOWN_IOA, f"interrogation with IOA {ob.io_address}, not 0")
            return
        qoi = int(ob.qoi)
        if cot == Cot.DEACTIVATION:
            stopped = []
            for station in stations:
                job = connection.interrogations.pop(station.common_address, None)
                if job is not None and "interrogation_not_stopped" not in self.sim.station_faults:
                    job.close()
                stopped.append(job is not None)
                self.confirm(Cot.DEACTIVATION_CON, station.common_address, negative=job is None)
            self.positive = any(stopped)
            self.outcome = "DEACT_CON" if self.positive else "negative DEACT_CON: no interrogation running"
            return
        if not 20 <= qoi <= 36:
            self.refuse(f"qualifier of interrogation {qoi} is not 20-36", cas(stations))
            return
        answered = []
        start = len(self.replies)
        for station in stations:
            ca = station.common_address
            groups = station.groups.get(qoi)
            if ca in connection.interrogations:
                self.confirm(Cot.ACTIVATION_CON, ca, negative=True)
                self.note(f"negative ACT_CON for CA {ca}: an interrogation is running")
                continue
            if groups is None and self.pixit.unknown_group == "negative":
                self.confirm(Cot.ACTIVATION_CON, ca, negative=True)
                self.note(f"negative ACT_CON for CA {ca}: group {qoi - 20} has no points")
                continue
            self.confirm(Cot.ACTIVATION_CON, ca)
            self._before_read(list(all_points(groups or [])))
            job = self._interrogation_answer(station, qoi, groups or [])
            connection.interrogations[ca] = job
            self.replies.append(job)
            answered.append(ca)
        self._confirmations_first(start)
        self.positive = bool(answered)
        if answered:
            self.note(f"ACT_CON, data with COT {qoi}, ACT_TERM for CA {', '.join(map(str, answered))}")

    def _interrogation_answer(
        self, station: LogicalStation, qoi: int, groups: list[tuple[Type, list[StationPoint]]]
    ) -> Generator[Reply, None, None]:
        ca = station.common_address
        oa = self.asdu.originator_address
        per_asdu = self.sim.objects_per_asdu
        for t, points in groups:
            limit = per_asdu(t)
            for first in range(0, len(points), limit):
                objects = tuple(p.build(t) for p in points[first : first + limit])
                asdu = Asdu(t, COT_MEMBERS[qoi], ca, objects, oa)
                yield Part.DATA, encode_asdu(asdu), asdu
        self.connection.interrogations.pop(ca, None)
        yield Part.TERMINATION, with_common_address(mirror(self.raw, Cot.ACTIVATION_TERMINATION, negative=False), ca), None

    def counter_interrogation(self, stations: list[LogicalStation], ob: Any) -> None:
        if self.asdu.cot != Cot.ACTIVATION:
            self.mirror(Cot.UNKNOWN_COT, f"counter interrogation with cause {name_of(self.asdu.cot)}")
            return
        if ob.io_address != 0:
            self.mirror(Cot.UNKNOWN_IOA, f"counter interrogation with IOA {ob.io_address}, not 0")
            return
        rqt = int(ob.qcc.rqt)
        frz = ob.qcc.frz
        if not 1 <= rqt <= 5:
            self.refuse(f"request qualifier {rqt} is not 1-5", cas(stations))
            return
        answered = []
        start = len(self.replies)
        for station in stations:
            ca = station.common_address
            groups = station.counters if rqt == 5 else station.counter_groups[rqt]
            if not groups and rqt != 5 and self.pixit.unknown_group == "negative":
                self.confirm(Cot.ACTIVATION_CON, ca, negative=True)
                self.note(f"negative ACT_CON for CA {ca}: counter group {rqt} has no counters")
                continue
            self.confirm(Cot.ACTIVATION_CON, ca)
            if frz is Frz.READ:
                self.replies.append(self._counter_answer(station, rqt, groups))
            else:
                self._freeze(groups, frz)
                self.confirm(Cot.ACTIVATION_TERMINATION, ca)
            answered.append(ca)
        self._confirmations_first(start)
        self.positive = bool(answered)
        if answered:
            what = "counters with COT " + str(37 if rqt == 5 else 37 + rqt) if frz is Frz.READ else frz.name
            self.note(f"ACT_CON, {what}, ACT_TERM")

    def _confirmations_first(self, start: int) -> None:
        """Every station's confirmation before any station's data (from ``start`` on).

        Only the broadcast address has several stations. c104's server confirms them all first,
        and clients written for it (c104's, c104test's) count ACT_CON/ACT_TERM pairs: with
        station after station they ended a global interrogation at the first ACT_TERM, before
        the other stations' data. Each station's data still ends with its own ACT_TERM.
        """
        tail = self.replies[start:]
        first = [r for r in tail if isinstance(r, tuple) and r[0] is Part.CONFIRMATION]
        if len(first) > 1:
            self.replies[start:] = first + [r for r in tail if not (isinstance(r, tuple) and r[0] is Part.CONFIRMATION)]

    def _freeze(self, groups: list[tuple[Type, list[StationPoint]]], frz: Frz) -> None:
        stamp = self.sim.now_cp56()
        keep = "no_counter_reset" in self.sim.station_faults
        for point in all_points(groups):
            if keep:
                if frz is not Frz.COUNTER_RESET:
                    point.frozen, point.frozen_time = point.value, stamp
                    point.sequence = (point.sequence + 1) & 0x1F
            elif frz is Frz.COUNTER_RESET:
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
        self, station: LogicalStation, rqt: int, groups: list[tuple[Type, list[StationPoint]]]
    ) -> Iterator[Reply]:
        ca = station.common_address
        oa = self.asdu.originator_address
        cot = 37 if rqt == 5 else 37 + rqt
        per_asdu = self.sim.objects_per_asdu
        for t, points in groups:
            limit = per_asdu(t)
            for first in range(0, len(points), limit):
                objects = tuple(p.build(t, frozen=True) for p in points[first : first + limit])
                asdu = Asdu(t, COT_MEMBERS[cot], ca, objects, oa)
                yield Part.DATA, encode_asdu(asdu), asdu
        yield Part.TERMINATION, with_common_address(mirror(self.raw, Cot.ACTIVATION_TERMINATION, negative=False), ca), None

    def read(self, stations: list[LogicalStation], ob: Any) -> None:
        if self.asdu.cot != Cot.REQUEST:
            self.mirror(Cot.UNKNOWN_COT, f"read with cause {name_of(self.asdu.cot)}, not REQUEST")
            return
        point = stations[0].points.get(ob.io_address)
        if point is None or point.kind in _UNREADABLE:
            what = "no point" if point is None else f"{point.type.name} is not readable"
            self.mirror(Cot.UNKNOWN_IOA, f"{what} at IOA {ob.io_address}")
            return
        if self.pixit.answer_read_with_actcon:
            self.confirm(Cot.ACTIVATION_CON)
        if self._before_read([point]):
            self.replies.append(self._read_answer(point))
        else:
            self.replies.extend(self._read_answer(point))
        self.outcome = f"{point.type.name} with COT 5"

    def _read_answer(self, point: StationPoint) -> Iterator[Reply]:
        asdu = Asdu(
            point.type, Cot.REQUEST, point.common_address, (point.build(point.type),), self.asdu.originator_address
        )
        yield Part.DATA, encode_asdu(asdu), asdu

    def _before_read(self, points: list[StationPoint]) -> bool:
        """Let the application update ``points`` first (hooks.before_read); True if it does."""
        hooks = self.sim.hooks
        if hooks is None or hooks.before_read is None or not points:
            return False
        pending = hooks.before_read(self.connection.id, points)
        if pending is None:
            return False
        self.replies.append(pending)
        return True

    def clock_sync(self, stations: list[LogicalStation], ob: Any) -> None:
        if self.asdu.cot != Cot.ACTIVATION:
            self.mirror(Cot.UNKNOWN_COT, f"clock synchronisation with cause {name_of(self.asdu.cot)}")
            return
        if ob.io_address != 0:
            self.mirror(Cot.UNKNOWN_IOA, f"clock synchronisation with IOA {ob.io_address}, not 0")
            return
        try:
            when = ob.time.to_datetime().timestamp()
        except (ValueError, OverflowError, OSError) as exc:
            self.refuse(f"invalid time {ob.time}: {exc}", cas(stations))
            return
        hooks = self.sim.hooks
        if hooks is not None and hooks.clock_sync is not None:
            pending = hooks.clock_sync(self.connection.id, ob.time.to_datetime())
            self.replies.append(pending)
            self.replies.append(self._clock_decided(stations, when, pending))
            self.outcome = "clock synchronisation: waiting for the application's decision"
            return
        self.sim.set_clock(when)
        for station in stations:
            self.confirm(Cot.ACTIVATION_CON, station.common_address)
        self.outcome = f"ACT_CON; clock set to {ob.time}"

    def _clock_decided(self, stations: list[LogicalStation], when: float, pending: Pending) -> Iterator[Reply]:
        accepted = pending.result is not False
        if accepted:
            self.sim.set_clock(when)
        self.replies = []
        for station in stations:
            self.confirm(Cot.ACTIVATION_CON, station.common_address, negative=not accepted)
        yield from self.replies  # type: ignore[misc]

    def test_command(self, stations: list[LogicalStation], ob: Any) -> None:
        if self.asdu.cot != Cot.ACTIVATION:
            self.mirror(Cot.UNKNOWN_COT, f"test command with cause {name_of(self.asdu.cot)}")
            return
        if ob.io_address != 0:
            self.mirror(Cot.UNKNOWN_IOA, f"test command with IOA {ob.io_address}, not 0")
            return
        self.confirm(Cot.ACTIVATION_CON)
        self.outcome = f"ACT_CON (TSC {ob.tsc})"

    def reset_process(self, stations: list[LogicalStation], ob: Any) -> None:
        if self.asdu.cot != Cot.ACTIVATION:
            self.mirror(Cot.UNKNOWN_COT, f"reset process with cause {name_of(self.asdu.cot)}")
            return
        if ob.io_address != 0:
            self.mirror(Cot.UNKNOWN_IOA, f"reset process with IOA {ob.io_address}, not 0")
            return
        if ob.qrp not in (1, 2):
            self.refuse(f"qualifier of reset process {ob.qrp} is not 1 or 2", cas(stations))
            return
        for station in stations:
            self.confirm(Cot.ACTIVATION_CON, station.common_address)
        if ob.qrp == 2:
            # Reset of pending information with time tag: this connection's event buffer.
            self.sim.clear_events(self.connection)
        self.outcome = f"ACT_CON (QRP {ob.qrp})"


_HANDLERS: dict[Type, Callable[[Answer, list[LogicalStation], Any], None]] = {
    Type.C_IC_NA_1: Answer.interrogation,
    Type.C_CI_NA_1: Answer.counter_interrogation,
    Type.C_RD_NA_1: Answer.read,
    Type.C_CS_NA_1: Answer.clock_sync,
    Type.C_TS_TA_1: Answer.test_command,
    Type.C_RP_NA_1: Answer.reset_process,
    Type.F_SC_NA_1: answer_file,
    Type.F_AF_NA_1: answer_file,
    Type.P_ME_NA_1: parameter,
    Type.P_ME_NB_1: parameter,
    Type.P_ME_NC_1: parameter,
    Type.P_AC_NA_1: parameter_activation,
}


def cas(stations: list[LogicalStation]) -> list[int]:
    return [s.common_address for s in stations]
