"""Which kind of value each type carries: one table for every front end.

The codec (``protocol.asdu``) stays the truth for codes and layouts; this table only says how a
test engineer writes a value of the type (ON/OFF, a number, a bitstring, ...) and how two values
of it compare. It is built from the codec's object classes, so a type the codec learns is
classified here without a second list.

>>> type_class(Type.M_ME_TF_1), type_class(Type.C_RC_NA_1)
(<TypeClass.SHORT: 'short float'>, <TypeClass.REGULATING: 'regulating step'>)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..protocol import objects as o
from ..protocol.asdu import type_info
from ..protocol.enums import Type

__all__ = ["TypeClass", "TypeClassInfo", "classify", "interrogated", "object_class_of", "type_class", "types_of"]


class TypeClass(enum.Enum):
    """The value classes a test writes; the value is how an error message names it."""

    SINGLE = "single point"
    DOUBLE = "double point"
    STEP = "step position"
    BITSTRING = "bitstring"
    NORMALIZED = "normalized value"
    SCALED = "scaled value"
    SHORT = "short float"
    COUNTER = "counter"
    EVENT = "protection event"
    REGULATING = "regulating step"


_BY_OBJECT: dict[type, TypeClass] = {
    o.SinglePoint: TypeClass.SINGLE,
    o.SingleCommand: TypeClass.SINGLE,
    o.DoublePoint: TypeClass.DOUBLE,
    o.DoubleCommand: TypeClass.DOUBLE,
    o.StepPosition: TypeClass.STEP,
    o.StepCommand: TypeClass.REGULATING,
    o.Bitstring: TypeClass.BITSTRING,
    o.BitstringCommand: TypeClass.BITSTRING,
    o.MeasuredNormalized: TypeClass.NORMALIZED,
    o.SetpointNormalized: TypeClass.NORMALIZED,
    o.ParameterNormalized: TypeClass.NORMALIZED,
    o.MeasuredScaled: TypeClass.SCALED,
    o.SetpointScaled: TypeClass.SCALED,
    o.ParameterScaled: TypeClass.SCALED,
    o.MeasuredShort: TypeClass.SHORT,
    o.SetpointShort: TypeClass.SHORT,
    o.ParameterShort: TypeClass.SHORT,
    o.IntegratedTotals: TypeClass.COUNTER,
    o.ProtectionEvent: TypeClass.EVENT,
}


@dataclass(frozen=True, slots=True)
class TypeClassInfo:
    """One row of the table: a type, its value class, command or monitor, with or without time."""

    type: Type
    value_class: TypeClass
    command: bool
    time_tag: bool


def _build() -> dict[Type, TypeClassInfo]:
    table: dict[Type, TypeClassInfo] = {}
    for t in Type:
        try:
            info = type_info(t)
        except KeyError:
            continue
        value_class = _BY_OBJECT.get(info.object_class)
        if value_class is None:
            continue
        command = t.name.startswith("C_") or t.name.startswith("P_")
        table[t] = TypeClassInfo(t, value_class, command, info.time_tag is not None)
    return table


TABLE: dict[Type, TypeClassInfo] = _build()


def classify(type_id: Type | int) -> TypeClassInfo | None:
    """The row of ``type_id``; None for a type without a process value (C_IC_NA_1, ...)."""
    try:
        return TABLE.get(Type(int(type_id)))
    except ValueError:
        return None


def type_class(type_id: Type | int | None) -> TypeClass | None:
    """The value class of ``type_id``, or None when it carries no process value."""
    if type_id is None:
        return None
    row = classify(type_id)
    return None if row is None else row.value_class


def types_of(value_class: TypeClass, *, command: bool | None = None) -> tuple[Type, ...]:
    """Every type of a class, optionally only commands (True) or only monitor types (False)."""
    return tuple(
        row.type
        for row in TABLE.values()
        if row.value_class is value_class and (command is None or row.command is command)
    )


def object_class_of(reported: object) -> TypeClass | None:
    """The value class of a reported information object (``StepPosition`` -> STEP); None for anything else."""
    return _BY_OBJECT.get(type(reported))


def interrogated(type_id: Type | int) -> bool:
    """Whether the standard puts a monitor type in the interrogation answer: every one but the
    protection events (M_EP_*), which are reported only as events.

    >>> interrogated(Type.M_SP_TB_1), interrogated(Type.M_EP_TD_1)
    (True, False)
    """
    row = classify(type_id)
    return row is not None and not row.command and row.value_class is not TypeClass.EVENT
