"""Build the information object of a command from a plain value.

This is where "ON", 42.5 or "HIGHER" become an SCO, a set-point or an RCO, so every front end
(the c104-compatible API, Robot keywords, Gherkin steps) converts values the same way.

>>> command_object(Type.C_SC_NA_1, 500, "ON", select=True)
SingleCommand(io_address=500, sco=SCO(scs=True, qu=<Qoc.NONE: 0>, se=True, reserved=0), time=None)
"""

from __future__ import annotations

from typing import Any

from .asdu import type_info
from .elements import DCO, QOS, RCO, SCO
from .enums import Double, Qoc, Step, Type
from .objects import (
    BitstringCommand,
    DoubleCommand,
    InformationObject,
    SetpointNormalized,
    SetpointScaled,
    SetpointShort,
    SingleCommand,
    StepCommand,
)
from .timetags import CP56Time2a

__all__ = ["COMMAND_TYPES", "command_object", "parse_bool", "parse_double", "parse_step", "timed_type"]

_TIMED = {
    Type.C_SC_NA_1: Type.C_SC_TA_1,
    Type.C_DC_NA_1: Type.C_DC_TA_1,
    Type.C_RC_NA_1: Type.C_RC_TA_1,
    Type.C_SE_NA_1: Type.C_SE_TA_1,
    Type.C_SE_NB_1: Type.C_SE_TB_1,
    Type.C_SE_NC_1: Type.C_SE_TC_1,
    Type.C_BO_NA_1: Type.C_BO_TA_1,
}
COMMAND_TYPES = frozenset(_TIMED) | frozenset(_TIMED.values())

_TRUE = {"on", "true", "1", "yes", "closed"}
_FALSE = {"off", "false", "0", "no", "open"}


def timed_type(type_id: Type) -> Type:
    """The CP56 variant of a command type (C_SC_NA_1 -> C_SC_TA_1); time types map to themselves."""
    return _TIMED.get(type_id, type_id)


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"{value!r} is not a single-point state; use ON/OFF or True/False")


def parse_double(value: Any) -> Double:
    if isinstance(value, Double):
        return value
    if isinstance(value, bool):
        return Double.ON if value else Double.OFF
    try:
        return Double.parse(value) if isinstance(value, str | int) else Double(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a double-point state; use ON, OFF, INTERMEDIATE or INDETERMINATE"
        ) from None


def parse_step(value: Any) -> Step:
    if isinstance(value, Step):
        return value
    try:
        return Step.parse(value) if isinstance(value, str | int) else Step(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a step direction; use HIGHER or LOWER") from None


def command_object(
    type_id: Type,
    io_address: int,
    value: Any,
    *,
    select: bool = False,
    qualifier: int = 0,
    time: CP56Time2a | None = None,
) -> InformationObject:
    """The information object of command ``type_id`` for ``value``.

    ``qualifier`` is QU for single, double and step commands and QL for set-points. ``time`` is
    required for the time-tagged types (C_*_TA_1) and refused for the others.
    """
    if type_id not in COMMAND_TYPES:
        raise ValueError(f"{Type(type_id).name} is not a command type (45-51, 58-64)")
    timed = type_info(type_id).time_tag is not None
    if timed and time is None:
        raise ValueError(f"{type_id.name} needs a time tag")
    if not timed:
        time = None
    if not 0 <= int(qualifier) <= (127 if type_id in _SETPOINTS else 31):
        raise ValueError(f"qualifier {qualifier} out of range for {type_id.name}")
    base = next((plain for plain, t in _TIMED.items() if t == type_id), type_id)
    if base is Type.C_SC_NA_1:
        return SingleCommand(io_address, SCO(parse_bool(value), _qoc(qualifier), select), time)
    if base is Type.C_DC_NA_1:
        return DoubleCommand(io_address, DCO(parse_double(value), _qoc(qualifier), select), time)
    if base is Type.C_RC_NA_1:
        return StepCommand(io_address, RCO(parse_step(value), _qoc(qualifier), select), time)
    if base is Type.C_SE_NA_1:
        number = float(value)
        if not -1.0 <= number <= 1.0:
            raise ValueError(f"normalized set-point {number} outside -1..1")
        return SetpointNormalized(io_address, number, QOS(int(qualifier), select), time)
    if base is Type.C_SE_NB_1:
        number = _int(value)
        if not -32768 <= number <= 32767:
            raise ValueError(f"scaled set-point {number} outside -32768..32767")
        return SetpointScaled(io_address, number, QOS(int(qualifier), select), time)
    if base is Type.C_SE_NC_1:
        return SetpointShort(io_address, float(value), QOS(int(qualifier), select), time)
    number = _int(value)
    if not 0 <= number <= 0xFFFFFFFF:
        raise ValueError(f"bitstring {number} outside 0..0xFFFFFFFF")
    if select:
        raise ValueError("bitstring commands have no select-before-operate")
    return BitstringCommand(io_address, number, time)


_SETPOINTS = {Type.C_SE_NA_1, Type.C_SE_NB_1, Type.C_SE_NC_1, Type.C_SE_TA_1, Type.C_SE_TB_1, Type.C_SE_TC_1}


def _qoc(qualifier: int) -> Qoc | int:
    return Qoc(qualifier) if qualifier in Qoc._value2member_map_ else int(qualifier)


def _int(value: Any) -> int:
    if isinstance(value, str):
        return int(value, 0)
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"{value} is not an integer")
    return int(value)
