"""The point database of a controlled station: live values, how they are reported, their walk.

A ``StationPoint`` holds the live state of one information object (value, quality, time tag,
the frozen register of a counter) and builds it as the information object of any type it is
reported in (``build``). ``LogicalStation`` is one common address with its points and what
interrogations report, grouped by type once at start.

The configuration comes from the engine's profile (``PointProfile``, ``StationProfile``); this
module reads only their attributes, so the protocol layer imports nothing from the engine.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..asdu import type_info
from ..commands import COMMAND_TYPES, parse_bool, parse_double
from ..construction import twin
from ..elements import BCR, DIQ, OCI, QDP, QDS, SCD, SEP, SIQ, SPE, VTI
from ..enums import (
    BinaryCounterQuality,
    Double,
    EventState,
    OutputCircuits,
    Quality,
    StartEvents,
    Type,
)
from ..objects import (
    Bitstring,
    DoublePoint,
    InformationObject,
    IntegratedTotals,
    MeasuredNormalized,
    MeasuredScaled,
    MeasuredShort,
    PackedSinglePoints,
    ProtectionCircuit,
    ProtectionEvent,
    ProtectionStart,
    SinglePoint,
    StepPosition,
)
from ..timetags import CP16Time2a, CP24Time2a, CP56Time2a

__all__ = [
    "INT_RANGES",
    "KINDS",
    "NVA_MAX",
    "OCTETS",
    "UNTIMED_CAUSES",
    "LogicalStation",
    "SimulatedPoint",
    "StationPoint",
    "all_points",
    "coerce",
    "quality_bits",
    "walk",
]

# Causes whose reports carry the type without time tag (protocol.md 1.7: time-tagged types are
# never sent periodically, in background scan or as interrogation answers).
UNTIMED_CAUSES = frozenset({1, 2, *range(20, 37)})


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




# What a monitoring type's value is; it decides coercion, building and the simulated walk.
KINDS: dict[Type, str] = {
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


INT_RANGES = {
    "step": (-64, 63),
    "bitstring": (0, 0xFFFFFFFF),
    "scaled": (-32768, 32767),
    "counter": (-(2**31), 2**31 - 1),
    "packed": (0, 0xFFFF),
}
NVA_MAX = 1.0 - 2.0**-15  # the largest normalized value the wire carries
_FLOAT32 = struct.Struct("<f")


def _coerce_single(value: Any) -> Any:
    return value if value is True or value is False else parse_bool(value)


def _coerce_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    return float(value)


def _coerce_normalized(value: Any) -> float:
    number = _coerce_number(value)
    # Stored as the wire carries it, so that what get_point says is what clients see.
    if not -1.0 <= number <= 1.0:
        raise ValueError(f"{number} is outside -1..1 (a normalized value)")
    return min(round(number * 32768), 32767) / 32768


def _coerce_short(value: Any, _pack: Any = _FLOAT32.pack, _unpack: Any = _FLOAT32.unpack) -> float:
    # The common case (a float) first: it is the hot path of every spontaneous measurement.
    if type(value) is not float:
        value = _coerce_number(value)
    return _unpack(_pack(value))[0]  # OverflowError: too big


def _coerce_integer(kind: str) -> Callable[[Any], int]:
    lo, hi = INT_RANGES[kind]

    def to_int(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected an integer, got {value!r}")
        if not lo <= value <= hi:
            raise ValueError(f"{value} is outside {lo}..{hi}")
        return int(value)

    return to_int


# kind -> the function giving a value's canonical form (ValueError, TypeError, OverflowError).
_COERCERS: dict[str, Callable[[Any], Any]] = {
    "single": _coerce_single,
    "double": parse_double,
    "normalized": _coerce_normalized,
    "short": _coerce_short,
    **{kind: _coerce_integer(kind) for kind in INT_RANGES},
    "event": lambda value: value if isinstance(value, EventState) else EventState.parse(value),
    "start": lambda value: StartEvents(int(value)),
    "circuit": lambda value: OutputCircuits(int(value)),
}


def _keep(value: Any) -> Any:
    return value  # commands: whatever was commanded


def coerce(kind: str, value: Any, point: StationPoint) -> Any:
    """The value in the canonical form of ``kind``; ValueError names the point."""
    try:
        return _COERCERS.get(kind, _keep)(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(f"{point.name}: {exc}") from None


class StationPoint:
    """The live state of one point of a simulated station."""

    __slots__ = (
        "builder",
        "changed",
        "coercer",
        "common_address",
        "elapsed",
        "event_keys",
        "frozen",
        "frozen_time",
        "io_address",
        "ioa_high",
        "ioa_low",
        "kind",
        "profile",
        "quality",
        "reports",
        "sequence",
        "source",
        "steps",
        "time",
        "transient",
        "type",
        "value",
    )

    def __init__(
        self, common_address: int, profile: Any, time: CP56Time2a, event_keys: dict[Any, Any] | None = None
    ) -> None:
        self.common_address = common_address
        #: The event keys of the points of one common address, one tuple per key (shared by the
        #: LogicalStation): the event buffer compares consecutive keys, an identical one at once.
        self.event_keys: dict[Any, Any] = {} if event_keys is None else event_keys
        self.profile = profile
        self.io_address = profile.io_address
        self.ioa_low, self.ioa_high = self.io_address & 0xFFFF, self.io_address >> 16  # as encoded
        self.type = profile.type
        self.kind = KINDS[profile.type]
        #: Per-kind functions, looked up once: the canonical value, the information object.
        self.coercer = _COERCERS.get(self.kind, _keep)
        self.builder = _BUILDERS.get(self.kind)
        #: cause (+ 64 when time-tagged spontaneous) -> (report type, event key with originator
        #: 0, the type's time tag class or None, the kind's fast encoder or None): cached for the
        #: report path (station.broadcast).
        self.reports: dict[int, tuple[Type, tuple[Type, int, int, int], Any, Any]] = {}
        self.transient = False  # step positions: the VTI's transient bit
        self.sequence = 0  # counters: BCR sequence number, counts freezes
        self.changed = 0  # packed single points: the SCD's change detection bits
        self.elapsed = 0  # protection events: the CP16Time2a (elapsed, duration, operating time), ms
        self.value: Any = (
            profile.value if profile.is_command else coerce(self.kind, self.take_element(profile.value), self)
        )
        self.quality = quality_bits(self.kind, profile.quality)
        self.time = time
        self.frozen: int | None = None  # counters: the frozen register
        self.frozen_time = time
        self.steps = 0  # how often simulate_changes moved it
        #: An application that owns the value (c104test.Server): a callable giving
        #: ``(value, quality, time or None)``, asked each time the point is built.
        self.source: Callable[[], tuple[Any, Any, CP56Time2a | None]] | None = None

    @property
    def name(self) -> str:
        return f"CA {self.common_address} IOA {self.io_address}"

    def take_element(self, value: Any) -> Any:
        """A step position's VTI or a counter's BCR as a value: keeps its transient bit or sequence
        number on the point and returns the number. A plain number for a step position is a
        steady one (transient bit clear); a counter keeps its sequence number. Likewise a
        PackedSinglePoints object keeps its change bits (a plain number has none), and a
        protection object (ProtectionEvent, ...) its CP16 time."""
        if self.kind == "step":
            if type(value) is VTI:
                self.transient = value.transient
                return value.value
            self.transient = False
        elif self.kind == "counter" and type(value) is BCR:
            if not 0 <= value.sequence <= 31:
                raise ValueError(f"{self.name}: BCR sequence number {value.sequence} outside 0..31")
            self.sequence = value.sequence
            return value.counter
        elif self.kind == "packed":
            if type(value) is PackedSinglePoints:
                self.changed = value.scd.cd
                return value.scd.st
            self.changed = 0
        elif type(value) in _PROTECTION_TIMES:  # a whole protection object: its CP16 time too
            self.elapsed = getattr(value, _PROTECTION_TIMES[type(value)]).milliseconds
            return value.value
        return value

    def coerce(self, value: Any) -> Any:
        """``value`` in the point's canonical form; ValueError names the point."""
        try:
            return self.coercer(value)
        except (ValueError, TypeError, OverflowError) as exc:
            raise ValueError(f"{self.name}: {exc}") from None

    def report(self, cause: int, pixit_timed: bool) -> tuple[Type, tuple[Type, int, int, int], Any, Any]:
        """``report_type``, the event key (type, CA, COT, originator 0), the type's time tag
        class (None: untimed) and the fast encoder of the object's octets without the time tag
        (``OCTETS``; None: build and encode the object), cached per cause."""
        slot = cause + 64 if pixit_timed else cause
        entry = self.reports.get(slot)
        if entry is None:
            t = self.report_type(cause, pixit_timed)
            tag = type_info(t).time_tag
            fast = OCTETS.get(self.kind) if tag is not CP24Time2a else None
            key = (t, self.common_address, int(cause), 0)
            key = self.event_keys.setdefault(key, key)
            entry = self.reports[slot] = (t, key, tag, fast)
        return entry

    def report_type(self, cause: int, pixit_timed: bool) -> Type:
        """The type a report with ``cause`` carries (plain for COT 1, 2, 20-36)."""
        plain = self.profile.plain_type
        if plain is None:  # M_EP_TD/TE/TF_1 exist only with time tag
            return self.type
        if cause in UNTIMED_CAUSES or not pixit_timed:
            return plain
        return self.type

    def build(self, t: Type, time: CP56Time2a | None = None, *, frozen: bool = False) -> InformationObject:
        """The information object of this point in type ``t`` (time tag only if ``t`` has one)."""
        if self.source is not None:
            self.refresh()
            time = None
        tag = _TIME_TAGS.get(t, _NO_TAG)
        if tag is _NO_TAG:
            tag = _TIME_TAGS[t] = type_info(t).time_tag
        stamp: CP56Time2a | CP24Time2a | None = None
        if tag is not None:
            stamp = time or self.time
            if tag is CP24Time2a:
                stamp = CP24Time2a(stamp.milliseconds, stamp.minute, stamp.iv)
        builder = self.builder
        if builder is None:
            raise KeyError(f"{self.name}: a {self.kind} point is not reported")
        return builder(self, t, stamp, frozen)

    def refresh(self) -> None:
        """Take value, quality and time from the application's ``source``."""
        assert self.source is not None
        value, quality, time = self.source()
        self.value = self.coerce(self.take_element(value))  # a VTI: the position and its transient bit
        self.quality = quality_bits(self.kind, quality)
        if time is not None:
            self.time = time

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


def quality_bits(kind: str, quality: Any) -> int:
    """Quality flags as the octet bits the point's element uses."""
    if quality is None:
        return 0
    if kind == "counter":
        if isinstance(quality, BinaryCounterQuality):
            return int(quality) & 0xE0
        return int(quality) & int(Quality.Invalid)  # IV is the only shared flag
    return int(quality) & 0xF9


_Builder = Callable[[StationPoint, Type, Any, bool], InformationObject]
_NO_TAG = object()
_TIME_TAGS: dict[Type, Any] = {}  # type -> its time tag class (None: untimed), filled as used


def _build_counter(p: StationPoint, t: Type, stamp: Any, frozen: bool) -> InformationObject:
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


def _build_normalized(p: StationPoint, t: Type, stamp: Any, frozen: bool) -> InformationObject:
    value = min(p.value, NVA_MAX)
    if t is Type.M_ME_ND_1:
        return MeasuredNormalized(p.io_address, value, None, None)
    return MeasuredNormalized(p.io_address, value, QDS.TABLE[p.quality & 0xF1], stamp)


# The report path builds one object per value: the common kinds fill a mutable twin and make it
# the frozen class (construction.py), a third of the cost of the dataclass's __init__.
_SinglePointTwin: Any = twin(SinglePoint)
_DoublePointTwin: Any = twin(DoublePoint)
_MeasuredScaledTwin: Any = twin(MeasuredScaled)
_MeasuredShortTwin: Any = twin(MeasuredShort)


def _build_single(p: StationPoint, t: Type, stamp: Any, frozen: bool) -> InformationObject:
    ob = _SinglePointTwin()
    ob.io_address = p.io_address
    ob.siq = SIQ.TABLE[(1 if p.value else 0) | (p.quality & 0xF0)]
    ob.time = stamp
    ob.__class__ = SinglePoint
    return ob  # type: ignore[no-any-return]


def _build_double(p: StationPoint, t: Type, stamp: Any, frozen: bool) -> InformationObject:
    ob = _DoublePointTwin()
    ob.io_address = p.io_address
    ob.diq = DIQ.TABLE[int(p.value) | (p.quality & 0xF0)]
    ob.time = stamp
    ob.__class__ = DoublePoint
    return ob  # type: ignore[no-any-return]


def _build_scaled(p: StationPoint, t: Type, stamp: Any, frozen: bool) -> InformationObject:
    ob = _MeasuredScaledTwin()
    ob.io_address = p.io_address
    ob.sva = p.value
    ob.qds = QDS.TABLE[p.quality & 0xF1]
    ob.time = stamp
    ob.__class__ = MeasuredScaled
    return ob  # type: ignore[no-any-return]


def _build_short(p: StationPoint, t: Type, stamp: Any, frozen: bool) -> InformationObject:
    ob = _MeasuredShortTwin()
    ob.io_address = p.io_address
    ob.r32 = p.value
    ob.qds = QDS.TABLE[p.quality & 0xF1]
    ob.time = stamp
    ob.__class__ = MeasuredShort
    return ob  # type: ignore[no-any-return]


# The report path encodes each report once, when it is made (events.py). For the common kinds
# the octets come straight from the point, without an information object: IOA, then the
# element as the type's encoder writes it (SIQ/DIQ/QDS octets are the quality bits the point
# keeps, so ``TABLE[bits].to_octet() == bits``). None asks for the general path (a NaN keeps
# its bits only there). tests/protocol/station/test_report_octets.py holds every one of them
# to ``encode_object`` of the built object.
_IOA_OCTET = struct.Struct("<HBB").pack
_IOA_SCALED = struct.Struct("<HBhB").pack
_IOA_SHORT = struct.Struct("<HBfB").pack


def _octets_single(p: StationPoint) -> bytes | None:
    return _IOA_OCTET(p.ioa_low, p.ioa_high, (1 if p.value else 0) | (p.quality & 0xF0))


def _octets_double(p: StationPoint) -> bytes | None:
    return _IOA_OCTET(p.ioa_low, p.ioa_high, p.value | (p.quality & 0xF0))


def _octets_scaled(p: StationPoint) -> bytes | None:
    return _IOA_SCALED(p.ioa_low, p.ioa_high, p.value, p.quality & 0xF1)


def _octets_short(p: StationPoint) -> bytes | None:
    value = p.value
    if value != value:
        return None
    return _IOA_SHORT(p.ioa_low, p.ioa_high, value, p.quality & 0xF1)


_SHORT_VALUE = struct.Struct("<f").unpack_from  # the float32 of a short float's octets (station.set_point)


#: kind -> the octets of the point's object without its time tag (CP56Time2a octets follow).
OCTETS: dict[str, Callable[[StationPoint], bytes | None]] = {
    "single": _octets_single,
    "double": _octets_double,
    "scaled": _octets_scaled,
    "short": _octets_short,
}


#: The field that holds each protection object's CP16Time2a (StationPoint.take_element).
_PROTECTION_TIMES: dict[type, str] = {
    ProtectionEvent: "elapsed",
    ProtectionStart: "duration",
    ProtectionCircuit: "operating",
}

_BUILDERS: dict[str, _Builder] = {
    "single": _build_single,
    "double": _build_double,
    "step": lambda p, t, s, f: StepPosition(
        p.io_address, VTI.TABLE[(p.value & 0x7F) | (p.transient << 7)], QDS.TABLE[p.quality & 0xF1], s
    ),
    "bitstring": lambda p, t, s, f: Bitstring(p.io_address, p.value, QDS.TABLE[p.quality & 0xF1], s),
    "normalized": _build_normalized,
    "scaled": _build_scaled,
    "short": _build_short,
    "counter": _build_counter,
    "packed": lambda p, t, s, f: PackedSinglePoints(
        p.io_address, SCD(p.value, p.changed), QDS.TABLE[p.quality & 0xF1]
    ),
    "event": lambda p, t, s, f: ProtectionEvent(
        p.io_address, SEP.TABLE[int(p.value) | (p.quality & 0xF8)], CP16Time2a(p.elapsed), s
    ),
    "start": lambda p, t, s, f: ProtectionStart(
        p.io_address, SPE.TABLE[int(p.value) & 0x3F], QDP.TABLE[p.quality & 0xF8], CP16Time2a(p.elapsed), s
    ),
    "circuit": lambda p, t, s, f: ProtectionCircuit(
        p.io_address, OCI.TABLE[int(p.value) & 0x0F], QDP.TABLE[p.quality & 0xF8], CP16Time2a(p.elapsed), s
    ),
}


class LogicalStation:
    """One common address: its points and what interrogations report, precomputed."""

    __slots__ = ("command_types", "common_address", "counter_groups", "counters", "groups", "points")

    def __init__(self, profile: Any, pixit_untimed: bool, time: CP56Time2a) -> None:
        self.common_address = profile.common_address
        keys: dict[Any, Any] = {}  # (StationPoint.event_keys)
        self.points = {p.io_address: StationPoint(profile.common_address, p, time, keys) for p in profile.points}
        self.command_types = frozenset(p.type for p in profile.points if p.is_command)
        # qoi -> [(type, points)], points grouped by the type they are reported in
        self.groups: dict[int, list[tuple[Type, list[StationPoint]]]] = {}
        for qoi in range(20, 37):
            members = [
                p
                for p in self.points.values()
                if p.profile.answers_interrogation and (qoi == 20 or qoi - 20 in p.profile.groups)
            ]
            if members or qoi == 20:
                self.groups[qoi] = by_type(
                    members, lambda p: p.profile.plain_type if pixit_untimed else p.type
                )
        counters = [p for p in self.points.values() if p.profile.is_counter]
        self.counters = by_type(counters, lambda p: p.type)
        self.counter_groups = {
            group: by_type([p for p in counters if p.profile.counter_group == group], lambda p: p.type)
            for group in range(1, 5)
        }


def by_type(points: Iterable[StationPoint], type_of: Callable[[StationPoint], Any]) -> list[tuple[Type, list[StationPoint]]]:
    grouped: dict[Type, list[StationPoint]] = {}
    for p in points:
        grouped.setdefault(type_of(p), []).append(p)
    return list(grouped.items())


def all_points(groups: list[tuple[Type, list[StationPoint]]]) -> Iterator[StationPoint]:
    for _, points in groups:
        yield from points


def _triangle(n: int, amplitude: int) -> int:
    """0, 1, ..., a, ..., 1, 0, -1, ..., -a, ..., -1, 0, ...: a deterministic bounded walk."""
    period = 4 * amplitude
    phase = n % period
    if phase <= amplitude:
        return phase
    if phase <= 3 * amplitude:
        return 2 * amplitude - phase
    return phase - period




def walk(point: StationPoint) -> Any:
    """The next value of a deterministic walk around the profile's value (simulated changes)."""
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
    lo, hi = INT_RANGES.get(kind, (-math.inf, math.inf))
    if kind == "normalized":
        lo, hi = -1.0, NVA_MAX
        value = start + 0.01 * _triangle(n, 5)
    elif kind == "short":
        value = start + 0.1 * _triangle(n, 5)
    else:  # step, scaled
        value = start + _triangle(n, 3)
    return min(max(value, lo), hi)
