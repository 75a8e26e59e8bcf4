"""The value fields of an Information: argument conversion, defaults and the ``_Field`` descriptor.

Every value a script gives an Information goes through one of these converters: plain numbers,
ints and enums are accepted where c104 wants its own types, and are range checked.
"""

from __future__ import annotations

import datetime as _dt
import enum
import math
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from ..protocol.enums import (
    BinaryCounterQuality,
    PackedSingle,
    Qoc,
    Quality,
)
from .numbers import _FLOAT32_MAX, Byte32, UInt5, UInt7, UInt16, _BoundedInt, _Number, _out_of_range

if TYPE_CHECKING:
    from .info_base import Information

# ---- argument conversion ---------------------------------------------------------------------------

T = TypeVar("T")
_UNSET: Any = object()


class WrongValueType(ValueError, TypeError):
    """A value of the wrong Python type for a point: c104 raises ValueError for most (``point.value
    = 5`` on a single point) and TypeError for some, so scripts catch either; both catch this."""


class ReadOnlyInformation(ValueError, AttributeError):
    """A received Information (or a point holding one) changed: c104 raises AttributeError for a
    field (``info.on = True``: the property has no setter) and ValueError for ``point.value``
    ("Information is read-only!"), so scripts catch either; both catch this."""


def _to_bool(value: Any) -> bool:
    if value is True or value is False:
        return value
    if isinstance(value, int) and not isinstance(value, enum.Enum) and value in (0, 1):
        return bool(value)
    raise WrongValueType(f"expected a bool, not {value!r}")


def _bool_argument(value: Any) -> bool:
    """A bool given to an Information's constructor: c104's binding takes None (False) and
    anything with a truth value of its own (``SingleInfo(on=row["state"])`` with 0.0, 2 or None
    from a database); a str or a list has none and is refused, as there."""
    if value is None:
        return False
    if isinstance(value, str | bytes) or not hasattr(type(value), "__bool__"):
        raise WrongValueType(f"expected a bool, not {value!r}")
    return bool(value)


def _to_number(cls: Callable[[Any], T]) -> Callable[[Any], T]:
    whole = issubclass(cls, _BoundedInt)  # type: ignore[arg-type]
    wanted = f"{cls.__name__} (a whole number)" if whole else cls.__name__  # type: ignore[attr-defined]

    def convert(value: Any) -> T:
        if type(value) is cls:
            return value
        try:
            return cls(value)
        except TypeError:  # 5.7 for an Int16: c104's point.value raises ValueError, so both
            raise WrongValueType(f"expected {wanted}, not {value!r}") from None

    return convert


def _to_float32(value: Any) -> float:
    """An R32 value: any float, inf and NaN included. A finite value beyond the float32 range
    becomes what a float32 holds for it, as in c104: the largest float32 if it rounds to that,
    else an infinity (``point.value = 1e39`` is ``inf``)."""
    if isinstance(value, float):
        number = value  # keep the object: a NaN read from the wire carries its bits with it
    elif isinstance(value, int | _Number) and not isinstance(value, Byte32):
        number = float(value)
    else:
        raise WrongValueType(f"expected a float, not {value!r}")
    if math.isfinite(number) and abs(number) > _FLOAT32_MAX:
        # round to nearest: up to half a float32 step (2**103) above the largest, that one
        return math.copysign(_FLOAT32_MAX if abs(number) < _FLOAT32_MAX + 2.0**103 else math.inf, number)
    return number


def _to_counter(value: Any) -> int:
    """A binary counter reading: a signed 32-bit int."""
    try:
        number = operator.index(value)
    except TypeError:
        raise WrongValueType(f"expected a counter reading (a whole number), not {value!r}") from None
    if not -0x80000000 <= number <= 0x7FFFFFFF:
        raise _out_of_range()
    return number


def _to_enum(cls: type[enum.IntEnum]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, cls):
            return value
        # a bool is refused as c104 refuses it: True would be Double(1), which is OFF
        if isinstance(value, enum.Enum | bool) or not isinstance(value, int):
            raise WrongValueType(f"expected {cls.__name__}, not {value!r}")
        try:
            return cls(value)
        except ValueError:  # c104 refuses every int with TypeError: a script catches either
            raise WrongValueType(f"{value} is not a valid {cls.__name__}") from None

    return convert


def _to_flags(cls: Any) -> Callable[[Any], Any]:
    mask = 0
    for member in cls:
        mask |= member.value

    def convert(value: Any) -> Any:
        if (isinstance(value, enum.Enum) and not isinstance(value, cls)) or not isinstance(
            value, int
        ):
            raise WrongValueType(f"expected {cls.__name__}, not {value!r}")
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
    """A time tag as c104's binding takes it: naive (an aware datetime's wall clock is kept and
    its zone dropped, so it compares with c104's naive times), a date is its midnight."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is not None else value
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day)
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
