"""c104's value classes: the bounded number types and the Information classes of points.

Scripts written for c104 build these (``c104.SingleCmd(on=True)``, ``c104.Int7(-5)``) and read
them back from points, so names, constructor keywords, ranges and error types follow c104 2.2.1.
Where c104 2.2.1 is awkward or broken, c104test is deliberately different:

- the number types are immutable values: ``x += 1`` rebinds ``x`` instead of changing an object
  that a point's info may share, they compare by value (c104 compares identity, so
  ``Int7(5) == 5`` is False there), and binary arithmetic keeps the class and its range
  (c104 returns a plain int or float from ``+ - * /`` and checks the range only in ``+=``);
- the value properties of an Information (``on``, ``state``, ``actual``, ...) can be set unless
  the info was received (c104 2.2.1 has no setters at all);
- plain numbers and ints are accepted wherever c104 wants one of its number types, enums or
  flag sets, and are range checked (c104 mostly refuses them with a TypeError);
- ``Byte32(int)`` keeps every int in 0..2**32-1 (see Byte32), and ``BinaryCounterInfo`` works
  without an explicit ``quality=``.

The engine converts with ``info_from_object`` (received, read-only) and ``object_from_info``.
"""

from __future__ import annotations

import datetime as _dt
import enum
import math
import operator
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar, overload

from ..protocol.asdu import type_info
from ..protocol.elements import BCR, DCO, DIQ, OCI, QDP, QDS, QOS, RCO, SCD, SCO, SEP, SIQ, SPE, VTI
from ..protocol.enums import (
    BinaryCounterQuality,
    Double,
    EventState,
    OutputCircuits,
    PackedSingle,
    Qoc,
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

__all__ = [
    "INFO_CLASS",
    "BinaryCmd",
    "BinaryCounterInfo",
    "BinaryInfo",
    "Byte32",
    "DoubleCmd",
    "DoubleInfo",
    "Information",
    "Int7",
    "Int16",
    "NormalizedCmd",
    "NormalizedFloat",
    "NormalizedInfo",
    "ProtectionCircuitInfo",
    "ProtectionEventInfo",
    "ProtectionStartInfo",
    "ScaledCmd",
    "ScaledInfo",
    "ShortCmd",
    "ShortInfo",
    "SingleCmd",
    "SingleInfo",
    "StatusAndChanged",
    "StepCmd",
    "StepInfo",
    "UInt5",
    "UInt7",
    "UInt16",
    "default_info",
    "info_from_object",
    "object_from_info",
]

OUT_OF_RANGE = "Value is out of range."  # c104's message, which scripts may match

_FLOAT32_MAX = 3.4028234663852886e38


def _out_of_range() -> IndexError:
    return IndexError(OUT_OF_RANGE)


# ---- number types ---------------------------------------------------------------------------------


class _Number:
    """A number bounded to what its protocol field can carry."""

    __slots__ = ("_value",)
    _value: Any
    _MIN: ClassVar[int | float]
    _MAX: ClassVar[int | float]

    @property
    def min(self) -> int | float:
        return self._MIN

    @property
    def max(self) -> int | float:
        return self._MAX

    def __int__(self) -> int:
        return int(self._value)

    def __float__(self) -> float:
        return float(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __str__(self) -> str:
        return str(self._value)

    def __repr__(self) -> str:
        return f"<c104test.{type(self).__name__} value={self._value}>"

    def __hash__(self) -> int:
        return hash(self._value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; assign a new one")

    def _set(self, value: int | float) -> None:
        object.__setattr__(self, "_value", value)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._value,))

    def _operand(self, other: object) -> int | float | None:
        raise NotImplementedError  # pragma: no cover

    def _compare(self, other: object, op: Callable[[Any, Any], bool]) -> Any:
        value = self._operand(other)
        if value is None:
            return NotImplemented
        return op(self._value, value)

    def __eq__(self, other: object) -> Any:
        return self._compare(other, operator.eq)

    def __lt__(self, other: object) -> Any:
        return self._compare(other, operator.lt)

    def __le__(self, other: object) -> Any:
        return self._compare(other, operator.le)

    def __gt__(self, other: object) -> Any:
        return self._compare(other, operator.gt)

    def __ge__(self, other: object) -> Any:
        return self._compare(other, operator.ge)


class _BoundedInt(_Number):
    __slots__ = ()
    _value: int
    _MIN: ClassVar[int]
    _MAX: ClassVar[int]

    def __init__(self, value: int | _BoundedInt) -> None:
        number = operator.index(value)  # TypeError for floats and strings, as in c104
        if not self._MIN <= number <= self._MAX:
            raise _out_of_range()
        self._set(number)

    @property
    def min(self) -> int:
        return self._MIN

    @property
    def max(self) -> int:
        return self._MAX

    def __index__(self) -> int:
        return self._value

    def _operand(self, other: object) -> int | None:
        if isinstance(other, int | _BoundedInt):
            return operator.index(other)
        return None

    def _arith(self, other: object, op: Callable[[int, int], int]) -> Any:
        value = self._operand(other)
        if value is None:
            return NotImplemented
        return type(self)(op(self._value, value))

    def __add__(self, other: object) -> Any:
        return self._arith(other, operator.add)

    def __sub__(self, other: object) -> Any:
        return self._arith(other, operator.sub)

    def __mul__(self, other: object) -> Any:
        return self._arith(other, operator.mul)

    def __truediv__(self, other: object) -> Any:
        return self._arith(other, _int_divide)

    def __eq__(self, other: object) -> Any:
        if isinstance(other, float):
            return self._value == other
        return self._compare(other, operator.eq)

    __hash__ = _Number.__hash__


def _int_divide(a: int, b: int) -> int:
    """Integer division truncating toward zero, as c104 (C++) divides: -5 / 2 is -2."""
    if b == 0:
        raise ZeroDivisionError("division by zero")
    quotient = abs(a) // abs(b)
    return quotient if (a < 0) == (b < 0) else -quotient


class Int7(_BoundedInt):
    """Signed 7-bit value: the step position of M_ST_* (VTI), -64..63."""

    __slots__ = ()
    _MIN = -64
    _MAX = 63


class Int16(_BoundedInt):
    """Signed 16-bit value: the scaled value of M_ME_NB_1/TE_1 and C_SE_NB_1/TB_1."""

    __slots__ = ()
    _MIN = -32768
    _MAX = 32767


class UInt5(_BoundedInt):
    """Unsigned 5-bit value: the sequence number of a binary counter reading, 0..31."""

    __slots__ = ()
    _MIN = 0
    _MAX = 31


class UInt7(_BoundedInt):
    """Unsigned 7-bit value: the qualifier QL of a set-point command, 0..127."""

    __slots__ = ()
    _MIN = 0
    _MAX = 127


class UInt16(_BoundedInt):
    """Unsigned 16-bit value: the elapsed and relay times (CP16Time2a) of M_EP_*, in ms."""

    __slots__ = ()
    _MIN = 0
    _MAX = 65535


class NormalizedFloat(_Number):
    """Normalized value -1.0..1.0 (NVA). The wire's largest value is 1 - 2**-15; 1.0 is sent as that."""

    __slots__ = ()
    _value: float
    _MIN = -1.0
    _MAX = 1.0

    def __init__(self, value: float | _Number) -> None:
        if isinstance(value, Byte32) or not isinstance(value, int | float | _Number):
            raise TypeError(f"NormalizedFloat takes an int or a float, not {type(value).__name__}")
        number = float(value)
        if not -1.0 <= number <= 1.0:  # also refuses NaN, which the wire cannot carry
            raise _out_of_range()
        self._set(number)

    @property
    def min(self) -> float:
        return self._MIN

    @property
    def max(self) -> float:
        return self._MAX

    def _operand(self, other: object) -> float | None:
        if isinstance(other, int | float | _Number):
            return float(other)
        return None

    def _arith(self, other: object, op: Callable[[float, float], float]) -> Any:
        value = self._operand(other)
        if value is None:
            return NotImplemented
        return NormalizedFloat(op(self._value, value))

    def __add__(self, other: object) -> Any:
        return self._arith(other, operator.add)

    def __sub__(self, other: object) -> Any:
        return self._arith(other, operator.sub)

    def __mul__(self, other: object) -> Any:
        return self._arith(other, operator.mul)

    def __truediv__(self, other: object) -> Any:
        return self._arith(other, operator.truediv)

    __hash__ = _Number.__hash__


class Byte32(_Number):
    """The 32-bit string BSI of M_BO_* and C_BO_*: 4 bytes, little endian (bit 0 is ``b"\\x01\\0\\0\\0"``).

    Takes bytes (up to 4, missing high bytes are zero) or an int in 0..2**32-1.
    c104 2.2.1 turns ints below 2**31 into 0 (``Byte32(1)`` is all zero there); c104test does not
    reproduce that bug, so ``Byte32(1) == Byte32(b"\\x01")``. Scripts that pass bytes, the only
    form that works in c104, behave the same in both.
    """

    __slots__ = ()
    _value: int
    _MIN = 0
    _MAX = 0xFFFFFFFF

    def __init__(self, value: bytes | bytearray | memoryview | int | Byte32) -> None:
        if isinstance(value, Byte32):
            number = value._value
        elif isinstance(value, bytes | bytearray | memoryview):
            if len(value) > 4:
                raise _out_of_range()
            number = int.from_bytes(value, "little")
        else:
            number = operator.index(value)
            if not 0 <= number <= 0xFFFFFFFF:
                raise _out_of_range()
        self._set(number)

    def __bytes__(self) -> bytes:
        return self._value.to_bytes(4, "little")

    def __index__(self) -> int:
        return self._value

    def __str__(self) -> str:
        return f"0b{self._value:032b}"

    def __repr__(self) -> str:
        return f"<c104test.Byte32 value={self}>"

    def _operand(self, other: object) -> int | None:
        if isinstance(other, Byte32):
            return other._value
        if isinstance(other, int):
            return other
        return None

    __hash__ = _Number.__hash__


# ---- argument conversion ---------------------------------------------------------------------------

T = TypeVar("T")
_UNSET: Any = object()


def _to_bool(value: Any) -> bool:
    if value is True or value is False:
        return value
    if isinstance(value, int) and not isinstance(value, enum.Enum) and value in (0, 1):
        return bool(value)
    raise TypeError(f"expected a bool, not {value!r}")


def _to_number(cls: Callable[[Any], T]) -> Callable[[Any], T]:
    def convert(value: Any) -> T:
        return value if type(value) is cls else cls(value)

    return convert


def _to_float32(value: Any) -> float:
    """An R32 value: any float (inf and NaN included) whose magnitude fits into a float32."""
    if isinstance(value, float):
        number = value  # keep the object: a NaN read from the wire carries its bits with it
    elif isinstance(value, int | _Number) and not isinstance(value, Byte32):
        number = float(value)
    else:
        raise TypeError(f"expected a float, not {value!r}")
    if math.isfinite(number) and abs(number) > _FLOAT32_MAX:
        raise _out_of_range()
    return number


def _to_counter(value: Any) -> int:
    """A binary counter reading: a signed 32-bit int."""
    number = operator.index(value)
    if not -0x80000000 <= number <= 0x7FFFFFFF:
        raise _out_of_range()
    return number


def _to_enum(cls: type[enum.IntEnum]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, cls):
            return value
        if isinstance(value, enum.Enum) or not isinstance(value, int):
            raise TypeError(f"expected {cls.__name__}, not {value!r}")
        return cls(value)

    return convert


def _to_flags(cls: Any) -> Callable[[Any], Any]:
    mask = 0
    for member in cls:
        mask |= member.value

    def convert(value: Any) -> Any:
        if (isinstance(value, enum.Enum) and not isinstance(value, cls)) or not isinstance(
            value, int
        ):
            raise TypeError(f"expected {cls.__name__}, not {value!r}")
        if value & ~mask or value < 0:
            raise ValueError(f"{int(value):#x} is not a valid {cls.__name__} (bits {mask:#x})")
        return value if type(value) is cls else cls(int(value))

    return convert


def _to_qoc(value: Any) -> Qoc | int:
    """The QU of a command: a Qoc, or 4..31 (reserved and private values, kept as int)."""
    if isinstance(value, Qoc):
        return value
    if isinstance(value, enum.Enum) or not isinstance(value, int):
        raise TypeError(f"expected Qoc, not {value!r}")
    if not 0 <= value <= 31:
        raise ValueError(f"qualifier of command {value} outside 0..31")
    return Qoc(value) if value <= 3 else int(value)


def _to_time(value: Any) -> _dt.datetime | None:
    if value is None or isinstance(value, _dt.datetime):
        return value
    raise TypeError(f"recorded_at must be a datetime or None, not {value!r}")


_to_quality = _to_flags(Quality)
_to_counter_quality = _to_flags(BinaryCounterQuality)

# defaults of the constructors (immutable values)
_GOOD = Quality(0)
_GOOD_COUNTER = BinaryCounterQuality(0)
_NO_CHANGE = PackedSingle(0)
_SEQUENCE_0 = UInt5(0)
_MS_0 = UInt16(0)
_QL_0 = UInt7(0)


def _now() -> _dt.datetime:
    # c104 hands out naive local datetimes; so does c104test
    return _dt.datetime.now()


# ---- Information ------------------------------------------------------------------------------------


class _Field(Generic[T]):
    """A value property of an Information: converted on assignment, refused on a read-only info."""

    def __init__(self, convert: Callable[[Any], T], doc: str) -> None:
        self._convert = convert
        self.__doc__ = doc
        self._name = ""
        self._slot = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name
        self._slot = "_" + name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _Field[T]: ...

    @overload
    def __get__(self, obj: Information, owner: type | None = None) -> T: ...

    def __get__(self, obj: Information | None, owner: type | None = None) -> T | _Field[T]:
        if obj is None:
            return self
        return getattr(obj, self._slot)

    def __set__(self, obj: Information, value: Any) -> None:
        obj._check_writable(self._name)
        setattr(obj, self._slot, self._convert(value))


class Information:
    """The value of a point at one moment, with its quality and time tag.

    Received infos are read-only (``is_readonly``); the ones a script builds can be changed.
    """

    __slots__ = ("_processed_at", "_quality", "_readonly", "_recorded_at")

    _VALUE: ClassVar[str]  # the field that ``value`` returns
    _FIELDS: ClassVar[tuple[str, ...]]  # in the order of the constructor
    _QUALITY: ClassVar[Callable[[Any], Any] | None] = _to_quality  # None for commands

    _quality: Any
    _recorded_at: _dt.datetime | None
    _processed_at: _dt.datetime
    _readonly: bool

    def __init__(self) -> None:
        raise TypeError("Information is abstract; build a SingleInfo, a SingleCmd, ...")

    def _init_base(self, quality: Any, recorded_at: _dt.datetime | None) -> None:
        convert = type(self)._QUALITY
        self._quality = None if convert is None else convert(quality)
        self._recorded_at = _to_time(recorded_at)
        self._processed_at = _now()
        self._readonly = False

    def _check_writable(self, what: str) -> None:
        if self._readonly:
            raise ValueError(
                f"{type(self).__name__} is read-only (it was received): cannot set {what}"
            )

    @property
    def value(self) -> Any:
        """The primary value: ``on``, ``state``, ``position``, ``blob``, ``actual``, ..."""
        return getattr(self, self._VALUE)

    @property
    def quality(self) -> Quality | BinaryCounterQuality | None:
        """Quality flags; BinaryCounterQuality for counters, None for commands."""
        return self._quality

    @property
    def recorded_at(self) -> _dt.datetime | None:
        """The CP56Time2a time tag as a naive datetime; None for types without one."""
        return self._recorded_at

    @property
    def processed_at(self) -> _dt.datetime:
        """When the info was received or built (naive local time)."""
        return self._processed_at

    @property
    def is_readonly(self) -> bool:
        return self._readonly

    def update(
        self, *, value: Any = _UNSET, quality: Any = _UNSET, recorded_at: Any = _UNSET
    ) -> None:
        """Change value, quality and time together, all or nothing (not in c104).

        The Point layer uses it for ``point.value = ...`` and ``point.quality = ...``. Errors:
        ValueError on a read-only info or a quality for a command, TypeError for a wrong type,
        IndexError for a number out of range.
        """
        self._check_writable("its value")
        cls = type(self)
        new: dict[str, Any] = {}
        if value is not _UNSET:
            new["_" + cls._VALUE] = getattr(cls, cls._VALUE)._convert(value)
        if quality is not _UNSET:
            if cls._QUALITY is None:
                if quality is not None:
                    raise ValueError(f"{cls.__name__} is a command and has no quality")
            else:
                new["_quality"] = cls._QUALITY(quality)
        if recorded_at is not _UNSET:
            new["_recorded_at"] = _to_time(recorded_at)
        for slot, item in new.items():
            setattr(self, slot, item)

    def __repr__(self) -> str:
        parts = [f"{name}={_show(getattr(self, name))}" for name in self._FIELDS]
        if type(self)._QUALITY is not None:
            parts.append(f"quality={self._quality}")
        parts.append(f"recorded_at={_show_time(self._recorded_at)}")
        parts.append(f"processed_at={_show_time(self._processed_at)}")
        parts.append(f"readonly={self._readonly}")
        return f"<c104test.{type(self).__name__} {', '.join(parts)}>"

    __str__ = __repr__


def _show(value: Any) -> str:
    if isinstance(value, enum.Flag):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.name
    return str(value)


def _show_time(value: _dt.datetime | None) -> str:
    return "None" if value is None else value.isoformat()


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
        self._on = _to_bool(on)
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
        self._transient = _to_bool(transient)
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
        self._on = _to_bool(on)
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
    convert = _FROM_OBJECT.get(type(ob))
    if convert is None or type(ob) is not _OBJECT_CLASS[t]:
        raise ValueError(
            f"{t.name} carries {type_info(t).object_class.__name__}, not {type(ob).__name__}"
        )
    info = convert(ob)
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
