"""Address ranges of IEC 104, checked where a test writes an address, before any encoding.

>>> io_address("16777215")
16777215
>>> common_address(65536)
Traceback (most recent call last):
ValueError: common address 65536 outside 0..65535
"""

from __future__ import annotations

import re
from typing import Any

from ..protocol.asdu import MAX_IOA

__all__ = ["CA_MAX", "IOA_MAX", "OA_MAX", "OCTET_ORDERS", "common_address", "hex_text", "io_address", "octets", "originator_address"]

IOA_MAX = MAX_IOA  # three octets; the codec's constant
CA_MAX = 0xFFFF  # two octets; 65535 is the broadcast address
OA_MAX = 0xFF


def _address(value: Any, what: str, top: int) -> int:
    """``100``, ``0x64``, ``1_000``, ``000100`` (padded) and ``100.0`` (a number as a spreadsheet
    exports it), 0..top."""
    if isinstance(value, bool):
        raise ValueError(f"{what} {value!r} is not a number")
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
            # '1.000': a thousand as a German or French spreadsheet shows it, or one with three
            # decimals; a guess would address another point, so neither reading is taken
            whole = int(text.replace(".", ""))
            point = f" or a decimal point ({float(text):g})" if text.count(".") == 1 and float(text).is_integer() else ""
            raise ValueError(f"{what} {text!r}: is the point a thousands separator ({whole}){point}? "
                             "write the number without separators")
        if re.fullmatch(r"\d[0-9A-Fa-f]*[hH]", text):
            text = hex_text(text)  # type: ignore[assignment]  # '0C2238h': hex as assembler listings write it
        try:
            # '000100': an address padded with zeros (as many tools export it) is decimal, never octal
            value = int(text, 10) if re.fullmatch(r"0+\d+", text) else int(text, 0)
        except ValueError:
            try:
                value = float(text) if re.fullmatch(r"[-+]?\d+\.\d*(?:[eE][-+]?\d+)?", text) else None
            except ValueError:
                value = None
            if value is None:
                raise ValueError(f"{what} {text!r} is not a number: write a whole number 0..{top}, decimal or hex "
                                 f"(0x64){_structured_hint(text, what)}") from None
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{what} {value:g} is not a whole number (0..{top})")
        value = int(value)
    if not isinstance(value, int):
        raise ValueError(f"{what} {value!r} is not a number (0..{top})")
    if not 0 <= value <= top:
        raise ValueError(f"{what} {value} outside 0..{top}")
    return int(value)


def hex_text(text: str) -> str | None:
    """An address written in hex as tools write it, ``0C2238``, ``0x0C2238`` or ``0C2238h``, as
    ``0x0C2238``; None when ``text`` is no hex number. (Only where hex is known: ``123`` is 0x123.)

    >>> hex_text("0C2238h"), hex_text("123"), hex_text("12.3")
    ('0x0C2238', '0x123', None)
    """
    found = re.fullmatch(r"(?:0[xX](?=[0-9A-Fa-f]))?([0-9A-Fa-f]+?)[hH]?", text.strip())
    return None if found is None else "0x" + found[1]


#: How a list writes an address as octets (``12.34.56``): the most significant octet first (as an
#: IP address is written) or the least significant first (as the octets go on the wire).
OCTET_ORDERS = ("high-first", "low-first")

#: The separators of an address written as octets: 12.34.56, 12-34-56, 12 34 56, 12/34/56, 12:34:56.
_OCTETS = re.compile(r"\s*(\d{1,3})(?:\s*([./:-]|\s)\s*(\d{1,3}))+\s*")


def octets(text: str, count: int, order: str | None, what: str) -> int | None:
    """An address written as ``count`` octets (an IOA ``12.34.56``, a CA ``1/2``) read in ``order``;
    None when ``text`` is not written so, or no order is given: tools order the octets differently,
    either guess addresses another point, and the address's own parse refuses it naming both."""
    if not isinstance(text, str) or not _OCTETS.fullmatch(text):
        return None
    parts = [int(p) for p in re.split(r"\s*[./:-]\s*|\s+", text.strip())]
    seps = set(re.findall(r"\s*([./:-])\s*|\s+", text.strip()))
    if len(parts) != count or len(seps) != 1 or (count == 2 and "." in seps):
        return None  # '47.0' is a number as a spreadsheet exports it, not two octets

    if any(p > 255 for p in parts):
        raise ValueError(f"{what} {text.strip()!r}: written as {count} octets, each is 0..255")
    high = sum(p << 8 * (count - 1 - i) for i, p in enumerate(parts))
    low = sum(p << 8 * i for i, p in enumerate(parts))
    return high if order == "high-first" else low if order == "low-first" else None


def _structured_hint(text: str, what: str = "IOA") -> str:
    """For ``1-2-3``, ``1.2.3``, ``1 2 3`` as an IOA (or ``0/47`` as a CA): why it is not read, and
    the numbers it may mean."""
    count = 3 if what == "IOA" else 2
    try:
        if octets(text, count, "high-first", what) is None:
            return ""
    except ValueError as exc:  # an octet above 255: it is no structure
        return f"; {exc}" if "." not in text else ""
    parts = re.split(r"\s*[./:-]\s*|\s+", text.strip())
    if "." in text and all(len(p) == 3 for p in parts[1:]):
        return ""  # 1.002.003: a thousands separator as likely as a structure
    low, high = octets(text, count, "low-first", what), octets(text, count, "high-first", what)
    return (f"; a structured {what} ({text}) is not read, as tools order its octets differently: write the number "
            f"({low} when {parts[0]} is the lowest octet, {high} when it is the highest)")


def io_address(value: Any) -> int:
    """An information object address, 0..16777215."""
    return _address(value, "IOA", IOA_MAX)


def common_address(value: Any) -> int:
    """A common address of ASDU, 0..65535."""
    return _address(value, "common address", CA_MAX)


def originator_address(value: Any) -> int:
    """An originator address, 0..255."""
    return _address(value, "originator address", OA_MAX)
