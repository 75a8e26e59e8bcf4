"""Address ranges of IEC 104, checked where a test writes an address, before any encoding.

>>> io_address("16777215")
16777215
>>> common_address(65536)
Traceback (most recent call last):
ValueError: common address 65536 outside 0..65535
"""

from __future__ import annotations

from typing import Any

from ..protocol.asdu import MAX_IOA

__all__ = ["CA_MAX", "IOA_MAX", "OA_MAX", "common_address", "io_address", "originator_address"]

IOA_MAX = MAX_IOA  # three octets; the codec's constant
CA_MAX = 0xFFFF  # two octets; 65535 is the broadcast address
OA_MAX = 0xFF


def _address(value: Any, what: str, top: int) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what} {value!r} is not a number")
    if isinstance(value, str):
        try:
            value = int(value.strip().replace("_", ""), 0)
        except ValueError:
            raise ValueError(f"{what} {value!r} is not a number (0..{top})") from None
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{what} {value} is not a whole number (0..{top})")
        value = int(value)
    if not isinstance(value, int):
        raise ValueError(f"{what} {value!r} is not a number (0..{top})")
    if not 0 <= value <= top:
        raise ValueError(f"{what} {value} outside 0..{top}")
    return int(value)


def io_address(value: Any) -> int:
    """An information object address, 0..16777215."""
    return _address(value, "IOA", IOA_MAX)


def common_address(value: Any) -> int:
    """A common address of ASDU, 0..65535."""
    return _address(value, "common address", CA_MAX)


def originator_address(value: Any) -> int:
    """An originator address, 0..255."""
    return _address(value, "originator address", OA_MAX)
