"""Tolerances on numbers: how far a reported value may be from the expected one.

A tolerance is written after the number as ``+-``, ``+/-`` or ``±``, absolute or in percent of
the expected value: ``230 +- 0.5``, ``230 +/- 0.5``, ``230 ± 0.5``, ``50 ± 1%``.

Without one, :data:`DEFAULT` applies. It absorbs exactly the rounding of the wire and nothing
more: a normalized value travels as a multiple of 2^-15, and a short float as float32 (24-bit
mantissa). So two numbers are the same when they differ by at most
``max(2^-15, 2^-23 * max(|a|, |b|))``: ``0.25`` matches ``0.2500305`` (one normalized step) and
``49.98`` matches float32's ``49.97999954``, but ``0.25005`` does not match ``0.25`` (more than
one normalized step apart). Integers (scaled values, counters, step positions, bitstrings) are
therefore compared exactly.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = [
    "DEFAULT",
    "NORMALIZED_STEP",
    "Tolerance",
    "not_a_number",
    "parse_tolerance",
    "split_tolerance",
    "within_default",
]

NORMALIZED_STEP = 2.0**-15  # one step of a normalized value (NVA)
FLOAT32_RELATIVE = 2.0**-23  # one unit in the last place of a float32, relative

_SPLIT = re.compile(r"^(?P<value>.*?\S)\s*(?:±|\+/-|\+-)\s*(?P<amount>[^%\s]+)\s*(?P<percent>%?)$", re.S)


_DECIMAL_COMMA = re.compile(r"[-+]?\d*,\d+(?:[eE][-+]?\d+)?")
#: A range written otherwise than ``min..max``: ``225 - 235``, ``225 to 235``, ``225...235``.
_OTHER_RANGE = re.compile(r"(?P<low>[-+]?\d[\d.,]*)\s*(?:-|\u2013|\u2014|to|bis|à|\.{3,}|…)\s*(?P<high>[-+]?\d[\d.,]*)",
                          re.IGNORECASE)


def not_a_number(text: str) -> str:
    """Why ``text`` is no number: a decimal comma (as a spreadsheet in many countries writes it)
    is named, not read, since ``1,234`` may as well be a thousand and more."""
    if _DECIMAL_COMMA.fullmatch(text):
        thousands = re.fullmatch(r"[-+]?\d{1,3},\d{3}", text)  # 1,234: a thousands separator?
        other = f" (or {text.replace(',', '')} if it separates thousands)" if thousands else ""
        return f"{text!r} is not a number: a comma as the decimal sign? write {text.replace(',', '.')}{other}"
    found = _OTHER_RANGE.fullmatch(text.strip())
    if found:
        return f"{text!r} is not a number; a range is written min..max, with two dots ({found['low']}..{found['high']})"
    return f"{text!r} is not a number"


@dataclass(frozen=True, slots=True)
class Tolerance:
    """``amount`` absolute, or in percent of the expected value when ``percent``."""

    amount: float
    percent: bool = False

    def __post_init__(self) -> None:
        if not math.isfinite(self.amount) or self.amount < 0:
            raise ValueError(f"tolerance {self.amount:g} must be a number of 0 or more")

    def allows(self, actual: float, expected: float) -> bool:
        """True when ``actual`` is within this tolerance of ``expected`` (edges included)."""
        allowed = abs(expected) * self.amount / 100 if self.percent else self.amount
        # the edge itself passes even when the subtraction rounds (0.3 - 0.1 vs 0.2)
        return abs(float(actual) - float(expected)) <= allowed * (1 + 1e-12) + 1e-12

    def __str__(self) -> str:
        return f"± {self.amount:g}{'%' if self.percent else ''}"


def within_default(actual: float, expected: float) -> bool:
    """The comparison without a written tolerance: the wire's rounding and nothing more."""
    actual, expected = float(actual), float(expected)
    if actual == expected:
        return True
    if not (math.isfinite(actual) and math.isfinite(expected)):
        return False
    scale = max(abs(actual), abs(expected))
    return abs(actual - expected) <= max(NORMALIZED_STEP, FLOAT32_RELATIVE * scale)


DEFAULT = within_default


def split_tolerance(text: str) -> tuple[str, Tolerance | None]:
    """``"230 +- 0.5"`` -> ``("230", Tolerance(0.5))``; text without a tolerance -> ``(text, None)``.

    ValueError when the part after the sign is not a number of 0 or more.
    """
    found = _SPLIT.match(text.strip())
    if found is None:
        return text.strip(), None
    return found["value"].strip(), _tolerance(found["amount"], bool(found["percent"]), text.strip())


def _tolerance(raw: str, percent: bool, where: str) -> Tolerance:
    try:
        amount = float(raw.replace("_", ""))
    except ValueError:
        raise ValueError(f"tolerance {not_a_number(raw)} (in {where!r})") from None
    return Tolerance(amount, percent)


def parse_tolerance(text: str | float) -> Tolerance:
    """A tolerance given on its own (Robot's ``tolerance=``): ``0.5``, ``1%``, ``± 0.5``.

    >>> parse_tolerance("1 %")
    Tolerance(amount=1.0, percent=True)
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        return Tolerance(float(text))
    found = re.fullmatch(r"\s*(?:±|\+/-|\+-)?\s*(?P<amount>[^%\s]+)\s*(?P<percent>%?)\s*", str(text))
    if found is None:
        raise ValueError(f"tolerance {str(text).strip()!r} is not a number (0.5) or a percentage (1%)")
    return _tolerance(found["amount"], bool(found["percent"]), str(text).strip())
