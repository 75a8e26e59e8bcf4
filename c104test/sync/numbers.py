"""c104's bounded number types (Int7, UInt16, NormalizedFloat, Byte32, ...): immutable values.

They carry what one protocol field can carry and refuse the rest with c104's IndexError
(``OUT_OF_RANGE``). Unlike c104 they compare by value and keep their class in arithmetic (see
information.py for the list of deliberate differences).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, ClassVar

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

    def __str__(self) -> str:
        return f"{self._value:f}"  # six decimals, as c104 prints it: "0.500000"

    def __repr__(self) -> str:
        return f"<c104test.NormalizedFloat value={self}>"

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
