"""The Information classes of command points: SingleCmd, DoubleCmd, ... BinaryCmd."""

from __future__ import annotations

import datetime as _dt

from ..protocol.enums import (
    Double,
    Qoc,
    Step,
)
from .info_base import Information
from .info_fields import (
    _QL_0,
    _bool_argument,
    _Field,
    _to_bool,
    _to_enum,
    _to_float32,
    _to_number,
    _to_qoc,
)
from .numbers import Byte32, Int16, NormalizedFloat, UInt7


class _Command(Information):
    __slots__ = ()
    _QUALITY = None


class SingleCmd(_Command):
    """Single command (C_SC_NA_1, C_SC_TA_1)."""

    __slots__ = ("_on", "_qualifier")
    _VALUE = "on"
    _FIELDS = ("on", "qualifier")
    on: _Field[bool] = _Field(_to_bool, "The command state: True is ON.")
    qualifier: _Field[Qoc | int] = _Field(_to_qoc, "QU: a Qoc, or 4..31 as int.")

    def __init__(
        self, on: bool, qualifier: Qoc | int = Qoc.NONE, recorded_at: _dt.datetime | None = None
    ) -> None:
        self._on = _bool_argument(on)
        self._qualifier = _to_qoc(qualifier)
        self._init_base(None, recorded_at)


class DoubleCmd(_Command):
    """Double command (C_DC_NA_1, C_DC_TA_1)."""

    __slots__ = ("_qualifier", "_state")
    _VALUE = "state"
    _FIELDS = ("state", "qualifier")
    state: _Field[Double] = _Field(_to_enum(Double), "The command state (OFF or ON are valid).")
    qualifier: _Field[Qoc | int] = _Field(_to_qoc, "QU: a Qoc, or 4..31 as int.")

    def __init__(
        self,
        state: Double | int,
        qualifier: Qoc | int = Qoc.NONE,
        recorded_at: _dt.datetime | None = None,
    ) -> None:
        self._state = _to_enum(Double)(state)
        self._qualifier = _to_qoc(qualifier)
        self._init_base(None, recorded_at)


class StepCmd(_Command):
    """Regulating step command (C_RC_NA_1, C_RC_TA_1)."""

    __slots__ = ("_direction", "_qualifier")
    _VALUE = "direction"
    _FIELDS = ("direction", "qualifier")
    direction: _Field[Step] = _Field(_to_enum(Step), "LOWER or HIGHER.")
    qualifier: _Field[Qoc | int] = _Field(_to_qoc, "QU: a Qoc, or 4..31 as int.")

    def __init__(
        self,
        direction: Step | int,
        qualifier: Qoc | int = Qoc.NONE,
        recorded_at: _dt.datetime | None = None,
    ) -> None:
        self._direction = _to_enum(Step)(direction)
        self._qualifier = _to_qoc(qualifier)
        self._init_base(None, recorded_at)


class NormalizedCmd(_Command):
    """Set-point command, normalized value (C_SE_NA_1, C_SE_TA_1)."""

    __slots__ = ("_qualifier", "_target")
    _VALUE = "target"
    _FIELDS = ("target", "qualifier")
    target: _Field[NormalizedFloat] = _Field(_to_number(NormalizedFloat), "The set-point.")
    qualifier: _Field[UInt7] = _Field(_to_number(UInt7), "QL 0..127.")

    def __init__(
        self,
        target: NormalizedFloat | float,
        qualifier: UInt7 | int = _QL_0,
        recorded_at: _dt.datetime | None = None,
    ) -> None:
        self._target = _to_number(NormalizedFloat)(target)
        self._qualifier = _to_number(UInt7)(qualifier)
        self._init_base(None, recorded_at)


class ScaledCmd(_Command):
    """Set-point command, scaled value (C_SE_NB_1, C_SE_TB_1)."""

    __slots__ = ("_qualifier", "_target")
    _VALUE = "target"
    _FIELDS = ("target", "qualifier")
    target: _Field[Int16] = _Field(_to_number(Int16), "The set-point.")
    qualifier: _Field[UInt7] = _Field(_to_number(UInt7), "QL 0..127.")

    def __init__(
        self,
        target: Int16 | int,
        qualifier: UInt7 | int = _QL_0,
        recorded_at: _dt.datetime | None = None,
    ) -> None:
        self._target = _to_number(Int16)(target)
        self._qualifier = _to_number(UInt7)(qualifier)
        self._init_base(None, recorded_at)


class ShortCmd(_Command):
    """Set-point command, short floating point value (C_SE_NC_1, C_SE_TC_1)."""

    __slots__ = ("_qualifier", "_target")
    _VALUE = "target"
    _FIELDS = ("target", "qualifier")
    target: _Field[float] = _Field(_to_float32, "The set-point.")
    qualifier: _Field[UInt7] = _Field(_to_number(UInt7), "QL 0..127.")

    def __init__(
        self,
        target: float,
        qualifier: UInt7 | int = _QL_0,
        recorded_at: _dt.datetime | None = None,
    ) -> None:
        self._target = _to_float32(target)
        self._qualifier = _to_number(UInt7)(qualifier)
        self._init_base(None, recorded_at)


class BinaryCmd(_Command):
    """Bitstring of 32 bits command (C_BO_NA_1, C_BO_TA_1); it has no qualifier and no S/E."""

    __slots__ = ("_blob",)
    _VALUE = "blob"
    _FIELDS = ("blob",)
    blob: _Field[Byte32] = _Field(_to_number(Byte32), "The 32 bits.")

    def __init__(self, blob: Byte32 | bytes | int, recorded_at: _dt.datetime | None = None) -> None:
        self._blob = _to_number(Byte32)(blob)
        self._init_base(None, recorded_at)
