"""The Information classes of monitoring points: SingleInfo, DoubleInfo, ... StatusAndChanged."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..protocol.enums import (
    BinaryCounterQuality,
    Double,
    EventState,
    OutputCircuits,
    PackedSingle,
    Quality,
    StartEvents,
)
from .info_base import Information
from .info_fields import (
    _GOOD,
    _GOOD_COUNTER,
    _MS_0,
    _NO_CHANGE,
    _SEQUENCE_0,
    _bool_argument,
    _Field,
    _to_bool,
    _to_counter,
    _to_counter_quality,
    _to_enum,
    _to_flags,
    _to_float32,
    _to_number,
)
from .numbers import Byte32, Int7, Int16, NormalizedFloat, UInt5, UInt16

_MEASUREMENT_DOC = "The measured value."

class SingleInfo(Information):
    """Single-point information (M_SP_NA_1, M_SP_TB_1)."""

    __slots__ = ("_on",)
    _VALUE = "on"
    _FIELDS = ("on",)
    on: _Field[bool] = _Field(_to_bool, "The state: True is ON.")

    def __init__(
        self, on: bool, quality: Quality | int = _GOOD, recorded_at: _dt.datetime | None = None
    ) -> None:
        self._on = _bool_argument(on)
        self._init_base(quality, recorded_at)


class DoubleInfo(Information):
    """Double-point information (M_DP_NA_1, M_DP_TB_1)."""

    __slots__ = ("_state",)
    _VALUE = "state"
    _FIELDS = ("state",)
    state: _Field[Double] = _Field(_to_enum(Double), "The double-point state.")

    def __init__(
        self,
        state: Double | int,
        quality: Quality | int = _GOOD,
        recorded_at: _dt.datetime | None = None,
    ) -> None:
        self._state = _to_enum(Double)(state)
        self._init_base(quality, recorded_at)


def _alias(name: str, value: Any, old_name: str, old_value: Any, cls: str) -> Any:
    """The value of a keyword that c104 2.2.1's binding spelled differently from its documentation."""
    if value is None and old_value is None:
        raise TypeError(f"{cls}() missing required argument: '{name}'")
    if value is not None and old_value is not None:
        raise TypeError(f"{cls}() got both '{name}' and '{old_name}'")
    return value if old_value is None else old_value


class StepInfo(Information):
    """Step position (M_ST_NA_1, M_ST_TB_1): a position -64..63 and a transient flag.

    ``state=`` is accepted for ``position=``: c104 2.2.1's binding takes that name.
    """

    __slots__ = ("_position", "_transient")
    _VALUE = "position"
    _FIELDS = ("position", "transient")
    position: _Field[Int7] = _Field(_to_number(Int7), "The step position.")
    transient: _Field[bool] = _Field(_to_bool, "True while the step change is in progress.")

    def __init__(
        self,
        position: Int7 | int | None = None,
        transient: bool = False,
        quality: Quality | int = _GOOD,
        recorded_at: _dt.datetime | None = None,
        *,
        state: Int7 | int | None = None,
    ) -> None:
        self._position = _to_number(Int7)(_alias("position", position, "state", state, "StepInfo"))
        self._transient = _bool_argument(transient)
        self._init_base(quality, recorded_at)


class BinaryInfo(Information):
    """Bitstring of 32 bits (M_BO_NA_1, M_BO_TB_1)."""

    __slots__ = ("_blob",)
    _VALUE = "blob"
    _FIELDS = ("blob",)
    blob: _Field[Byte32] = _Field(_to_number(Byte32), "The 32 bits.")

    def __init__(
        self,
        blob: Byte32 | bytes | int,
        quality: Quality | int = _GOOD,
        recorded_at: _dt.datetime | None = None,
    ) -> None:
        self._blob = _to_number(Byte32)(blob)
        self._init_base(quality, recorded_at)


class NormalizedInfo(Information):
    """Normalized measured value (M_ME_NA_1, M_ME_ND_1 without quality on the wire, M_ME_TD_1)."""

    __slots__ = ("_actual",)
    _VALUE = "actual"
    _FIELDS = ("actual",)
    actual: _Field[NormalizedFloat] = _Field(_to_number(NormalizedFloat), _MEASUREMENT_DOC)

    def __init__(
        self,
        actual: NormalizedFloat | float,
        quality: Quality | int = _GOOD,
        recorded_at: _dt.datetime | None = None,
    ) -> None:
        self._actual = _to_number(NormalizedFloat)(actual)
        self._init_base(quality, recorded_at)


class ScaledInfo(Information):
    """Scaled measured value (M_ME_NB_1, M_ME_TE_1)."""

    __slots__ = ("_actual",)
    _VALUE = "actual"
    _FIELDS = ("actual",)
    actual: _Field[Int16] = _Field(_to_number(Int16), _MEASUREMENT_DOC)

    def __init__(
        self,
        actual: Int16 | int,
        quality: Quality | int = _GOOD,
        recorded_at: _dt.datetime | None = None,
    ) -> None:
        self._actual = _to_number(Int16)(actual)
        self._init_base(quality, recorded_at)


class ShortInfo(Information):
    """Short floating point measured value (M_ME_NC_1, M_ME_TF_1)."""

    __slots__ = ("_actual",)
    _VALUE = "actual"
    _FIELDS = ("actual",)
    actual: _Field[float] = _Field(_to_float32, _MEASUREMENT_DOC)

    def __init__(
        self,
        actual: float,
        quality: Quality | int = _GOOD,
        recorded_at: _dt.datetime | None = None,
    ) -> None:
        self._actual = _to_float32(actual)
        self._init_base(quality, recorded_at)


class BinaryCounterInfo(Information):
    """Integrated totals (M_IT_NA_1, M_IT_TB_1): a signed 32-bit counter and a sequence number.

    c104 2.2.1 declares ``quality`` with a broken default (a TypeError unless it is given);
    here the default works.
    """

    __slots__ = ("_counter", "_sequence")
    _VALUE = "counter"
    _FIELDS = ("counter", "sequence")
    _QUALITY = _to_counter_quality
    counter: _Field[int] = _Field(_to_counter, "The counter reading.")
    sequence: _Field[UInt5] = _Field(_to_number(UInt5), "The sequence number 0..31.")

    def __init__(
        self,
        counter: int,
        sequence: UInt5 | int = _SEQUENCE_0,
        quality: BinaryCounterQuality | int = _GOOD_COUNTER,
        recorded_at: _dt.datetime | None = None,
    ) -> None:
        self._counter = _to_counter(counter)
        self._sequence = _to_number(UInt5)(sequence)
        self._init_base(quality, recorded_at)


class ProtectionEventInfo(Information):
    """Event of protection equipment (M_EP_TD_1)."""

    __slots__ = ("_elapsed_ms", "_state")
    _VALUE = "state"
    _FIELDS = ("state", "elapsed_ms")
    state: _Field[EventState] = _Field(_to_enum(EventState), "The event state.")
    elapsed_ms: _Field[UInt16] = _Field(_to_number(UInt16), "Elapsed time in milliseconds.")

    def __init__(
        self,
        state: EventState | int,
        elapsed_ms: UInt16 | int = _MS_0,
        quality: Quality | int = _GOOD,
        recorded_at: _dt.datetime | None = None,
    ) -> None:
        self._state = _to_enum(EventState)(state)
        self._elapsed_ms = _to_number(UInt16)(elapsed_ms)
        self._init_base(quality, recorded_at)


class ProtectionStartInfo(Information):
    """Packed start events of protection equipment (M_EP_TE_1)."""

    __slots__ = ("_events", "_relay_duration_ms")
    _VALUE = "events"
    _FIELDS = ("events", "relay_duration_ms")
    events: _Field[StartEvents] = _Field(_to_flags(StartEvents), "The start events.")
    relay_duration_ms: _Field[UInt16] = _Field(
        _to_number(UInt16), "Relay duration in milliseconds."
    )

    def __init__(
        self,
        events: StartEvents | int,
        relay_duration_ms: UInt16 | int = _MS_0,
        quality: Quality | int = _GOOD,
        recorded_at: _dt.datetime | None = None,
    ) -> None:
        self._events = _to_flags(StartEvents)(events)
        self._relay_duration_ms = _to_number(UInt16)(relay_duration_ms)
        self._init_base(quality, recorded_at)


class ProtectionCircuitInfo(Information):
    """Packed output circuit information of protection equipment (M_EP_TF_1).

    ``events=`` and ``relay_duration_ms=`` are accepted for ``circuits=`` and
    ``relay_operating_ms=``: c104 2.2.1's binding takes those names.
    """

    __slots__ = ("_circuits", "_relay_operating_ms")
    _VALUE = "circuits"
    _FIELDS = ("circuits", "relay_operating_ms")
    circuits: _Field[OutputCircuits] = _Field(_to_flags(OutputCircuits), "The output circuits.")
    relay_operating_ms: _Field[UInt16] = _Field(
        _to_number(UInt16), "Relay operating time in milliseconds."
    )

    def __init__(
        self,
        circuits: OutputCircuits | int | None = None,
        relay_operating_ms: UInt16 | int | None = None,
        quality: Quality | int = _GOOD,
        recorded_at: _dt.datetime | None = None,
        *,
        events: OutputCircuits | int | None = None,
        relay_duration_ms: UInt16 | int | None = None,
    ) -> None:
        name = "ProtectionCircuitInfo"
        self._circuits = _to_flags(OutputCircuits)(
            _alias("circuits", circuits, "events", events, name)
        )
        if relay_operating_ms is None and relay_duration_ms is None:
            relay_operating_ms = _MS_0
        ms = _alias(
            "relay_operating_ms", relay_operating_ms, "relay_duration_ms", relay_duration_ms, name
        )
        self._relay_operating_ms = _to_number(UInt16)(ms)
        self._init_base(quality, recorded_at)


class StatusAndChanged(Information):
    """Packed single points with status change detection (M_PS_NA_1)."""

    __slots__ = ("_changed", "_status")
    _VALUE = "status"
    _FIELDS = ("status", "changed")
    status: _Field[Any] = _Field(_to_flags(PackedSingle), "The 16 states (ST).")
    changed: _Field[Any] = _Field(_to_flags(PackedSingle), "The 16 change detections (CD).")

    def __init__(
        self,
        status: Any,
        changed: Any = _NO_CHANGE,
        quality: Quality | int = _GOOD,
        recorded_at: _dt.datetime | None = None,
    ) -> None:
        self._status = _to_flags(PackedSingle)(status)
        self._changed = _to_flags(PackedSingle)(changed)
        self._init_base(quality, recorded_at)
