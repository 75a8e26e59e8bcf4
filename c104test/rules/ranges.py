"""Value ranges as tests write them: ``min..max`` (both ends included), for numeric classes only.

>>> from c104test.rules.typeclasses import TypeClass
>>> r = parse_range("49.9..50.1", TypeClass.SHORT)
>>> r.matches(49.98), r.matches(50.2), str(r)
(True, False, '49.9..50.1')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .qualifiers import Qualifiers, value_of
from .typeclasses import TypeClass
from .values import parse_value, show_reported

__all__ = ["ValueRange", "is_range", "parse_range"]

_NUMERIC = {TypeClass.STEP, TypeClass.NORMALIZED, TypeClass.SCALED, TypeClass.SHORT, TypeClass.COUNTER}


@dataclass(frozen=True, slots=True)
class ValueRange:
    """An expected value between ``low`` and ``high``; ``matches`` judges a reported value."""

    low: float
    high: float
    value_class: TypeClass
    text: str = field(default="", compare=False)
    qualifiers: Qualifiers | None = None  # a step's transient bit, a counter's sequence number and flags

    def matches(self, actual: Any) -> bool:
        """Whether ``actual`` (a reported value, or the information object it came in) is in the range."""
        if self.qualifiers is not None and not self.qualifiers.matches(actual):
            return False
        actual = value_of(actual)
        if isinstance(actual, bool) or not isinstance(actual, int | float):
            return False
        return self.low <= actual <= self.high

    def show(self, value: Any = None) -> str:
        return str(self) if value is None else show_reported(value, self.qualifiers)

    def __str__(self) -> str:
        text = f"{show_reported(self.low)}..{show_reported(self.high)}"
        return text if self.qualifiers is None else f"{text} {self.qualifiers}"


def is_range(text: Any) -> bool:
    """Whether ``text`` is written as a range (``a..b``)."""
    return isinstance(text, str) and ".." in text


def parse_range(text: str, value_class: TypeClass, qualifiers: Qualifiers | None = None) -> ValueRange:
    """``"-5..5"`` for a numeric class; ValueError for a state class or a reversed range."""
    if value_class not in _NUMERIC:
        raise ValueError(f"a range applies to numbers, not to a {value_class.value} ({text.strip()})")
    if "..." in text:
        raise ValueError(f"range {text.strip()!r} has three dots; a range is written min..max, with two")
    low_text, _, high_text = text.partition("..")
    if not low_text.strip() or not high_text.strip():
        raise ValueError(f"range {text.strip()!r} needs both ends: min..max")
    low = parse_value(low_text.strip(), value_class)
    high = parse_value(high_text.strip(), value_class)
    if low > high:
        raise ValueError(f"range {text.strip()!r} runs backwards: {low_text.strip()} is above {high_text.strip()}")
    return ValueRange(low, high, value_class, text.strip(), qualifiers)
