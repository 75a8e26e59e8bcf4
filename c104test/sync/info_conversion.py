"""Between Information and the protocol's information objects: INFO_CLASS and the conversions.

``info_from_object`` makes the read-only info of a received object, ``object_from_info`` the
object that sends a script's info, ``default_info`` the info a new point starts with.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

from ..protocol.asdu import type_info
from ..protocol.elements import BCR, DCO, DIQ, OCI, QDP, QDS, QOS, RCO, SCD, SCO, SEP, SIQ, SPE, VTI
from ..protocol.enums import (
    BinaryCounterQuality,
    Double,
    EventState,
    OutputCircuits,
    PackedSingle,
    Quality,
    StartEvents,
    Step,
    Type,
)
from ..protocol.objects import (
    Bitstring,
    BitstringCommand,
    DoubleCommand,
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
    SetpointNormalized,
    SetpointScaled,
    SetpointShort,
    SingleCommand,
    SinglePoint,
    StepCommand,
    StepPosition,
)
from ..protocol.timetags import CP16Time2a, CP56Time2a
from .command_info import (
    BinaryCmd,
    DoubleCmd,
    NormalizedCmd,
    ScaledCmd,
    ShortCmd,
    SingleCmd,
    StepCmd,
)
from .info_base import Information
from .info_fields import _now, _to_counter, _to_float32
from .monitoring_info import (
    BinaryCounterInfo,
    BinaryInfo,
    DoubleInfo,
    NormalizedInfo,
    ProtectionCircuitInfo,
    ProtectionEventInfo,
    ProtectionStartInfo,
    ScaledInfo,
    ShortInfo,
    SingleInfo,
    StatusAndChanged,
    StepInfo,
)
from .numbers import Byte32, Int7, Int16, NormalizedFloat, UInt5, UInt7, UInt16

# ---- conversions for the engine ---------------------------------------------------------------------

INFO_CLASS: dict[Type, type[Information]] = {
    Type.M_SP_NA_1: SingleInfo,
    Type.M_SP_TB_1: SingleInfo,
    Type.M_DP_NA_1: DoubleInfo,
    Type.M_DP_TB_1: DoubleInfo,
    Type.M_ST_NA_1: StepInfo,
    Type.M_ST_TB_1: StepInfo,
    Type.M_BO_NA_1: BinaryInfo,
    Type.M_BO_TB_1: BinaryInfo,
    Type.M_ME_NA_1: NormalizedInfo,
    Type.M_ME_ND_1: NormalizedInfo,
    Type.M_ME_TD_1: NormalizedInfo,
    Type.M_ME_NB_1: ScaledInfo,
    Type.M_ME_TE_1: ScaledInfo,
    Type.M_ME_NC_1: ShortInfo,
    Type.M_ME_TF_1: ShortInfo,
    Type.M_IT_NA_1: BinaryCounterInfo,
    Type.M_IT_TB_1: BinaryCounterInfo,
    Type.M_EP_TD_1: ProtectionEventInfo,
    Type.M_EP_TE_1: ProtectionStartInfo,
    Type.M_EP_TF_1: ProtectionCircuitInfo,
    Type.M_PS_NA_1: StatusAndChanged,
    Type.C_SC_NA_1: SingleCmd,
    Type.C_SC_TA_1: SingleCmd,
    Type.C_DC_NA_1: DoubleCmd,
    Type.C_DC_TA_1: DoubleCmd,
    Type.C_RC_NA_1: StepCmd,
    Type.C_RC_TA_1: StepCmd,
    Type.C_SE_NA_1: NormalizedCmd,
    Type.C_SE_TA_1: NormalizedCmd,
    Type.C_SE_NB_1: ScaledCmd,
    Type.C_SE_TB_1: ScaledCmd,
    Type.C_SE_NC_1: ShortCmd,
    Type.C_SE_TC_1: ShortCmd,
    Type.C_BO_NA_1: BinaryCmd,
    Type.C_BO_TA_1: BinaryCmd,
}
"""The Information class of every type that c104 supports as a point (c104-api.md §1.5)."""


def _info_class(type_id: Type | int) -> tuple[Type, type[Information]]:
    cls = INFO_CLASS.get(type_id)  # type: ignore[call-overload]
    if cls is not None and type(type_id) is Type:
        return type_id, cls  # the common case, once per received object: no enum call
    try:
        t = Type(type_id)
        return t, INFO_CLASS[t]
    except (ValueError, KeyError):
        name = Type(type_id).name if type_id in Type._value2member_map_ else str(type_id)
        raise ValueError(f"Unsupported type {name}: no point information for it") from None


def _has_cp56(t: Type) -> bool:
    return type_info(t).time_tag is CP56Time2a


_DEFAULTS: dict[type[Information], Callable[[], Information]] = {
    SingleInfo: lambda: SingleInfo(False),
    DoubleInfo: lambda: DoubleInfo(Double.OFF),
    StepInfo: lambda: StepInfo(Int7(0), False),
    BinaryInfo: lambda: BinaryInfo(Byte32(0)),
    NormalizedInfo: lambda: NormalizedInfo(NormalizedFloat(0)),
    ScaledInfo: lambda: ScaledInfo(Int16(0)),
    ShortInfo: lambda: ShortInfo(0.0),
    BinaryCounterInfo: lambda: BinaryCounterInfo(0),
    ProtectionEventInfo: lambda: ProtectionEventInfo(EventState.OFF),
    ProtectionStartInfo: lambda: ProtectionStartInfo(StartEvents(0)),
    ProtectionCircuitInfo: lambda: ProtectionCircuitInfo(OutputCircuits(0)),
    StatusAndChanged: lambda: StatusAndChanged(PackedSingle(0), PackedSingle(0)),
    SingleCmd: lambda: SingleCmd(False),
    DoubleCmd: lambda: DoubleCmd(Double.OFF),
    StepCmd: lambda: StepCmd(Step.LOWER),
    NormalizedCmd: lambda: NormalizedCmd(NormalizedFloat(0)),
    ScaledCmd: lambda: ScaledCmd(Int16(0)),
    ShortCmd: lambda: ShortCmd(0.0),
    BinaryCmd: lambda: BinaryCmd(Byte32(0)),
}


def default_info(type_id: Type | int) -> Information:
    """The writable info a new point of this type starts with, as in c104.

    Values are zero, OFF or LOWER (c104's choices); time-tagged types get ``recorded_at`` = now.
    ValueError for a type that is not in INFO_CLASS.
    """
    t, _cls = _info_class(type_id)
    info = _DEFAULTS[_cls]()
    if _has_cp56(t):
        info._recorded_at = info._processed_at
    return info


def fit_time_tag(info: Information, type_id: Type, *, refresh: bool = False) -> Information:
    """Give a point's info the time tag its type has, as c104 does when a script sets it.

    A type without a time tag carries none (``recorded_at`` None, even if the script's info had
    one); a time-tagged type gets now when the info has none, or always with ``refresh`` (a new
    value or quality is a new event). The info is changed in place: the point keeps the
    script's object, as in c104.

    >>> info = fit_time_tag(SingleInfo(True, recorded_at=_dt.datetime(2024, 1, 1)), Type.M_SP_NA_1)
    >>> info.recorded_at is None
    True
    """
    if type_info(type_id).time_tag is None:
        if info._recorded_at is not None:
            info._recorded_at = None
    elif refresh or info._recorded_at is None:
        info._recorded_at = _now()
    return info


def _new(cls: type[Information], quality: Any) -> Any:
    info = object.__new__(cls)
    info._quality = quality
    return info


def _from_single(ob: SinglePoint) -> SingleInfo:
    info = _new(SingleInfo, ob.siq.quality)
    info._on = ob.siq.spi
    return info


def _from_double(ob: DoublePoint) -> DoubleInfo:
    info = _new(DoubleInfo, ob.diq.quality)
    info._state = ob.diq.dpi
    return info


def _from_step(ob: StepPosition) -> StepInfo:
    info = _new(StepInfo, ob.qds.quality)
    info._position = Int7(ob.vti.value)
    info._transient = ob.vti.transient
    return info


def _from_bitstring(ob: Bitstring) -> BinaryInfo:
    info = _new(BinaryInfo, ob.qds.quality)
    info._blob = Byte32(ob.bsi)
    return info


def _from_normalized(ob: MeasuredNormalized) -> NormalizedInfo:
    info = _new(NormalizedInfo, Quality(0) if ob.qds is None else ob.qds.quality)
    info._actual = NormalizedFloat(ob.nva)
    return info


def _from_scaled(ob: MeasuredScaled) -> ScaledInfo:
    info = _new(ScaledInfo, ob.qds.quality)
    info._actual = Int16(ob.sva)
    return info


def _from_short(ob: MeasuredShort) -> ShortInfo:
    info = _new(ShortInfo, ob.qds.quality)
    info._actual = _to_float32(ob.r32)
    return info


def _from_totals(ob: IntegratedTotals) -> BinaryCounterInfo:
    info = _new(BinaryCounterInfo, ob.bcr.quality)
    info._counter = _to_counter(ob.bcr.counter)
    info._sequence = UInt5(ob.bcr.sequence)
    return info


def _from_event(ob: ProtectionEvent) -> ProtectionEventInfo:
    info = _new(ProtectionEventInfo, ob.sep.quality)
    info._state = ob.sep.es
    info._elapsed_ms = UInt16(ob.elapsed.milliseconds)
    return info


def _from_start(ob: ProtectionStart) -> ProtectionStartInfo:
    info = _new(ProtectionStartInfo, ob.qdp.quality)
    info._events = ob.spe.events
    info._relay_duration_ms = UInt16(ob.duration.milliseconds)
    return info


def _from_circuit(ob: ProtectionCircuit) -> ProtectionCircuitInfo:
    info = _new(ProtectionCircuitInfo, ob.qdp.quality)
    info._circuits = ob.oci.circuits
    info._relay_operating_ms = UInt16(ob.operating.milliseconds)
    return info


def _from_packed(ob: PackedSinglePoints) -> StatusAndChanged:
    info = _new(StatusAndChanged, ob.qds.quality)
    info._status = PackedSingle(ob.scd.st)
    info._changed = PackedSingle(ob.scd.cd)
    return info


def _from_single_cmd(ob: SingleCommand) -> SingleCmd:
    info = _new(SingleCmd, None)
    info._on = ob.sco.scs
    info._qualifier = ob.sco.qu
    return info


def _from_double_cmd(ob: DoubleCommand) -> DoubleCmd:
    info = _new(DoubleCmd, None)
    info._state = ob.dco.dcs
    info._qualifier = ob.dco.qu
    return info


def _from_step_cmd(ob: StepCommand) -> StepCmd:
    info = _new(StepCmd, None)
    info._direction = ob.rco.rcs
    info._qualifier = ob.rco.qu
    return info


def _from_setpoint_normalized(ob: SetpointNormalized) -> NormalizedCmd:
    info = _new(NormalizedCmd, None)
    info._target = NormalizedFloat(ob.nva)
    info._qualifier = UInt7(ob.qos.ql)
    return info


def _from_setpoint_scaled(ob: SetpointScaled) -> ScaledCmd:
    info = _new(ScaledCmd, None)
    info._target = Int16(ob.sva)
    info._qualifier = UInt7(ob.qos.ql)
    return info


def _from_setpoint_short(ob: SetpointShort) -> ShortCmd:
    info = _new(ShortCmd, None)
    info._target = _to_float32(ob.r32)
    info._qualifier = UInt7(ob.qos.ql)
    return info


def _from_bitstring_cmd(ob: BitstringCommand) -> BinaryCmd:
    info = _new(BinaryCmd, None)
    info._blob = Byte32(ob.bsi)
    return info


_FROM_OBJECT: dict[type[InformationObject], Callable[[Any], Information]] = {
    SinglePoint: _from_single,
    DoublePoint: _from_double,
    StepPosition: _from_step,
    Bitstring: _from_bitstring,
    MeasuredNormalized: _from_normalized,
    MeasuredScaled: _from_scaled,
    MeasuredShort: _from_short,
    IntegratedTotals: _from_totals,
    ProtectionEvent: _from_event,
    ProtectionStart: _from_start,
    ProtectionCircuit: _from_circuit,
    PackedSinglePoints: _from_packed,
    SingleCommand: _from_single_cmd,
    DoubleCommand: _from_double_cmd,
    StepCommand: _from_step_cmd,
    SetpointNormalized: _from_setpoint_normalized,
    SetpointScaled: _from_setpoint_scaled,
    SetpointShort: _from_setpoint_short,
    BitstringCommand: _from_bitstring_cmd,
}


def _recorded_at(time: Any) -> _dt.datetime | None:
    if not isinstance(time, CP56Time2a):
        return None
    try:
        return time.to_datetime()
    except ValueError:  # a time tag that names no real date (month 0, hour 25, ...)
        return None


_OBJECT_CLASS: dict[Type, type] = {t: type_info(t).object_class for t in INFO_CLASS}


def info_from_object(
    type_id: Type | int, ob: InformationObject, *, processed_at: _dt.datetime
) -> Information:
    """The read-only info of a received object.

    ``recorded_at`` is the CP56Time2a tag as it reads (naive, IV/SU flags dropped), or None when
    the type has none or the tag is no valid date. The select bit of a command is not kept: the
    caller reads it from the object. ValueError for a type not in INFO_CLASS or an object of
    another type's class.
    """
    t, _cls = _info_class(type_id)
    if type(ob) not in _FROM_OBJECT or type(ob) is not _OBJECT_CLASS[t]:
        raise ValueError(
            f"{t.name} carries {type_info(t).object_class.__name__}, not {type(ob).__name__}"
        )
    return received_info(ob, processed_at)


def received_info(ob: InformationObject, processed_at: _dt.datetime) -> Information:
    """``info_from_object`` for an object whose type was checked already (by its point's class).

    Points keep what they receive as ``(object, processed_at)`` and call this only when a script
    reads the info: most received values are never read, and converting is most of the cost.
    """
    info = _FROM_OBJECT[type(ob)](ob)
    info._recorded_at = _recorded_at(getattr(ob, "time", None))
    info._processed_at = processed_at
    info._readonly = True
    return info


def _qds(info: Information) -> QDS:
    return QDS.from_quality(info._quality)


def _to_single(io: int, info: SingleInfo, se: bool, time: Any) -> InformationObject:
    return SinglePoint(io, SIQ.TABLE[(info._quality & 0xF0) | info._on], time)


def _to_double(io: int, info: DoubleInfo, se: bool, time: Any) -> InformationObject:
    return DoublePoint(io, DIQ.TABLE[(info._quality & 0xF0) | info._state], time)


def _to_step(io: int, info: StepInfo, se: bool, time: Any) -> InformationObject:
    vti = VTI.TABLE[(int(info._position) & 0x7F) | (info._transient << 7)]
    return StepPosition(io, vti, _qds(info), time)


def _to_bitstring(io: int, info: BinaryInfo, se: bool, time: Any) -> InformationObject:
    return Bitstring(io, int(info._blob), _qds(info), time)


def _to_normalized(
    io: int, info: NormalizedInfo, se: bool, time: Any, plain: bool = False
) -> InformationObject:
    return MeasuredNormalized(io, float(info._actual), None if plain else _qds(info), time)


def _to_scaled(io: int, info: ScaledInfo, se: bool, time: Any) -> InformationObject:
    return MeasuredScaled(io, int(info._actual), _qds(info), time)


def _to_short(io: int, info: ShortInfo, se: bool, time: Any) -> InformationObject:
    return MeasuredShort(io, info._actual, _qds(info), time)


def _to_totals(io: int, info: BinaryCounterInfo, se: bool, time: Any) -> InformationObject:
    q = info._quality
    bcr = BCR(
        info._counter,
        int(info._sequence),
        bool(q & BinaryCounterQuality.Carry),
        bool(q & BinaryCounterQuality.Adjusted),
        bool(q & BinaryCounterQuality.Invalid),
    )
    return IntegratedTotals(io, bcr, time)


def _to_event(io: int, info: ProtectionEventInfo, se: bool, time: Any) -> InformationObject:
    sep = SEP.TABLE[(info._quality & 0xF8) | info._state]
    return ProtectionEvent(io, sep, CP16Time2a(int(info._elapsed_ms)), time)


def _to_start(io: int, info: ProtectionStartInfo, se: bool, time: Any) -> InformationObject:
    spe = SPE.TABLE[int(info._events)]
    duration = CP16Time2a(int(info._relay_duration_ms))
    return ProtectionStart(io, spe, QDP.TABLE[info._quality & 0xF8], duration, time)


def _to_circuit(io: int, info: ProtectionCircuitInfo, se: bool, time: Any) -> InformationObject:
    oci = OCI.TABLE[int(info._circuits)]
    operating = CP16Time2a(int(info._relay_operating_ms))
    return ProtectionCircuit(io, oci, QDP.TABLE[info._quality & 0xF8], operating, time)


def _to_packed(io: int, info: StatusAndChanged, se: bool, time: Any) -> InformationObject:
    return PackedSinglePoints(io, SCD(int(info._status), int(info._changed)), _qds(info))


def _to_single_cmd(io: int, info: SingleCmd, se: bool, time: Any) -> InformationObject:
    return SingleCommand(io, SCO(info._on, info._qualifier, se), time)


def _to_double_cmd(io: int, info: DoubleCmd, se: bool, time: Any) -> InformationObject:
    return DoubleCommand(io, DCO(info._state, info._qualifier, se), time)


def _to_step_cmd(io: int, info: StepCmd, se: bool, time: Any) -> InformationObject:
    return StepCommand(io, RCO(info._direction, info._qualifier, se), time)


def _to_setpoint_normalized(io: int, info: NormalizedCmd, se: bool, time: Any) -> InformationObject:
    return SetpointNormalized(io, float(info._target), QOS(int(info._qualifier), se), time)


def _to_setpoint_scaled(io: int, info: ScaledCmd, se: bool, time: Any) -> InformationObject:
    return SetpointScaled(io, int(info._target), QOS(int(info._qualifier), se), time)


def _to_setpoint_short(io: int, info: ShortCmd, se: bool, time: Any) -> InformationObject:
    return SetpointShort(io, info._target, QOS(int(info._qualifier), se), time)


def _to_bitstring_cmd(io: int, info: BinaryCmd, se: bool, time: Any) -> InformationObject:
    return BitstringCommand(io, int(info._blob), time)


_TO_OBJECT: dict[type[Information], Callable[[int, Any, bool, Any], InformationObject]] = {
    SingleInfo: _to_single,
    DoubleInfo: _to_double,
    StepInfo: _to_step,
    BinaryInfo: _to_bitstring,
    NormalizedInfo: _to_normalized,
    ScaledInfo: _to_scaled,
    ShortInfo: _to_short,
    BinaryCounterInfo: _to_totals,
    ProtectionEventInfo: _to_event,
    ProtectionStartInfo: _to_start,
    ProtectionCircuitInfo: _to_circuit,
    StatusAndChanged: _to_packed,
    SingleCmd: _to_single_cmd,
    DoubleCmd: _to_double_cmd,
    StepCmd: _to_step_cmd,
    NormalizedCmd: _to_setpoint_normalized,
    ScaledCmd: _to_setpoint_scaled,
    ShortCmd: _to_setpoint_short,
    BinaryCmd: _to_bitstring_cmd,
}

_SELECTABLE = frozenset({SingleCmd, DoubleCmd, StepCmd, NormalizedCmd, ScaledCmd, ShortCmd})


def object_from_info(
    type_id: Type | int,
    io_address: int,
    info: Information,
    *,
    select: bool = False,
    time: _dt.datetime | CP56Time2a | None = None,
) -> InformationObject:
    """The information object that sends ``info`` as ``type_id`` at ``io_address``.

    ``select`` sets S/E of a command (SCO, DCO, RCO, QOS). A type with a CP56Time2a tag takes
    ``info.recorded_at``, else ``time``, else now. Quality bits that the type's element cannot
    carry are left out (OV in SIQ/DIQ, EI outside QDP/SEP, all of it in M_ME_ND_1).
    ValueError for a type not in INFO_CLASS, an info of another class, or select on a type
    without S/E.
    """
    t, cls = _info_class(type_id)
    if type(info) is not cls:
        raise ValueError(f"{t.name} requires {cls.__name__}, not {type(info).__name__}")
    if select and cls not in _SELECTABLE:
        raise ValueError(f"{t.name} has no select (S/E) bit")
    tag: CP56Time2a | None = None
    if _has_cp56(t):
        when = info._recorded_at or time or _now()
        tag = when if isinstance(when, CP56Time2a) else CP56Time2a.from_datetime(when)
    if t is Type.M_ME_ND_1:
        return _to_normalized(io_address, info, select, None, plain=True)  # type: ignore[arg-type]
    return _TO_OBJECT[cls](io_address, info, select, tag)
