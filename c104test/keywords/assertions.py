"""Assertion operators of the getter keywords: robotframework-assertion-engine over the rules.

The operators, their spellings and the Python-expression operators (``validate``, ``then``) are
robotframework-assertion-engine's, as in Browser. What a value *means* is not: the expected text
is parsed by ``c104test.rules`` for the point's type (``ON`` for a double point, ``230 +- 0.5`` for
a float, ``0xA5A5`` for a bitstring, ``IV and NT`` for quality), and equality uses the rules'
tolerance. The engine compares two small wrappers whose ``==``, ``<`` and ``in`` ask the rules,
so a Robot getter and a Gherkin step give the same verdict for the same text.
"""

from __future__ import annotations

from typing import Any

from assertionengine import AssertionOperator
from assertionengine import verify_assertion as _engine_verify
from assertionengine.assertion_engine import handlers as _ENGINE_HANDLERS

from ..protocol.enums import BinaryCounterQuality, Quality, Type
from ..rules import quality as rq
from ..rules.ranges import ValueRange
from ..rules.typeclasses import TypeClass
from ..rules.values import (
    Expected,
    class_of,
    expectation,
    parse_expected,
    show_value,
    value_for,
)

__all__ = [
    "AssertionOperator",
    "StateMatcher",
    "convert_for_type",
    "parse_quality",
    "quality_flags",
    "quality_names",
    "show",
    "verify_assertion",
    "verify_quality",
]

_OP = AssertionOperator
_EXPRESSIONS = {_OP["validate"], _OP["then"]}
_TEXT_ONLY = {_OP["^="], _OP["$="], _OP["matches"]}
_EQUALITY = {_OP["=="], _OP["!="]}
_SETS = {_OP["*="], _OP["not contains"]}
_NUMERIC = {TypeClass.STEP, TypeClass.NORMALIZED, TypeClass.SCALED, TypeClass.SHORT, TypeClass.COUNTER, TypeClass.BITSTRING}


def show(value: Any) -> str:
    """A value as a test engineer reads it: ON/OFF, enum names, float32 digits, quality flags."""
    if isinstance(value, Quality | BinaryCounterQuality):
        return rq.show_flags(rq.flags_of(value))
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return show_value(value)


# ---- what the engine compares -----------------------------------------------------------------------


class _Reading:
    """A process value compared by the rules: ``==`` within tolerance, ``in`` on bits, hex shown as hex."""

    __slots__ = ("expected", "is_expected", "reported", "value")
    __hash__ = None  # type: ignore[assignment]

    def __init__(
        self, value: Any, expected: Expected | ValueRange, *, is_expected: bool = False, reported: Any = None
    ) -> None:
        self.value = value
        self.expected = expected
        self.is_expected = is_expected
        #: the information object the value came in (a step's transient bit, a counter's sequence number)
        self.reported = value if reported is None else reported

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reading) and other.expected.matches(self.reported)

    def _number(self, operator: str) -> float:
        if self.expected.value_class not in _NUMERIC or isinstance(self.value, bool):
            raise ValueError(f"operator {operator!r} compares numbers, not {self}")
        return float(self.value)

    def __lt__(self, other: _Reading) -> bool:
        return self._number("<") < other._number("<")

    def __le__(self, other: _Reading) -> bool:
        return self._number("<=") <= other._number("<=")

    def __gt__(self, other: _Reading) -> bool:
        return self._number(">") > other._number(">")

    def __ge__(self, other: _Reading) -> bool:
        return self._number(">=") >= other._number(">=")

    def __contains__(self, other: _Reading) -> bool:  # bitstrings: every bit of other is set
        if self.expected.value_class is not TypeClass.BITSTRING:
            raise ValueError(f"operator 'contains' applies to bitstrings and quality, not to {self}")
        return int(self.value) & int(other.value) == int(other.value)

    def __str__(self) -> str:
        return self.expected.show() if self.is_expected else self.expected.show(self.reported)


class _Flags:
    """Quality flags as a set: ``==`` exact, ``in`` subset (``contains``)."""

    __slots__ = ("flags",)
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, flags: frozenset[str]) -> None:
        self.flags = flags

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Flags) and self.flags == other.flags

    def __contains__(self, other: _Flags) -> bool:
        return other.flags <= self.flags

    def __str__(self) -> str:
        return rq.show_flags(self.flags)


def _check(actual: Any, operator: Any, expected: Any, prefix: str, message: str | None) -> None:
    words = _ENGINE_HANDLERS[operator][1]
    template = message if message else f"{prefix} {{value}} {words} {{expected}}"
    _engine_verify(actual, operator, expected, prefix, template)


# ---- values ---------------------------------------------------------------------------------------


def convert_for_type(point_type: Type | None, value: Any, sample: Any = None) -> Any:
    """``value`` (often a string from Robot) as a value of ``point_type`` (rules.values)."""
    return value_for(point_type, value, sample, what="expected value")


def verify_assertion(
    value: Any,
    operator: Any,
    expected: Any,
    prefix: str,
    message: str | None = None,
    *,
    point_type: Type | None = None,
    reported: Any = None,
) -> Any:
    """Check ``value <operator> expected`` (expected parsed by the rules first); return ``value``.

    ``reported``: the information object ``value`` came in, for what the text may say beyond the
    number (``5 transient``, ``1234 seq 3``).

    Raises AssertionError naming the value and the expectation, ValueError for misuse.
    """
    if operator is None:
        if expected is not None:
            raise ValueError("an expected value needs an assertion operator such as ==")
        return value
    if operator in _EXPRESSIONS:
        return _engine_verify(value, operator, expected, prefix, message)
    if operator in _TEXT_ONLY:
        raise ValueError(f"operator {operator.value!r} applies to text, not to process values")
    if expected is None:
        raise ValueError(f"operator {operator.value!r} needs an expected value")
    value_class = class_of(point_type, value)
    if value_class is None:
        return _engine_verify(value, operator, expected, prefix, message)
    try:
        wanted = parse_expected(expected, value_class)
    except ValueError as exc:
        where = point_type.name if point_type is not None else "the point"
        raise ValueError(f"expected value {expected!r} does not fit {where}: {exc}") from None
    if operator in _SETS and value_class is not TypeClass.BITSTRING:
        raise ValueError(f"operator {operator.value!r} applies to bitstrings and quality, not to {show(value)}")
    if wanted.qualifiers is not None and operator not in _EQUALITY:
        raise ValueError(f"{str(wanted.qualifiers)!r} applies to == and !=, not to {operator.value!r}")
    if isinstance(wanted, ValueRange):
        if operator not in _EQUALITY:
            raise ValueError(f"a range applies to == and !=, not to {operator.value!r}")
        _check(_Reading(value, wanted, reported=reported), operator, _Reading(None, wanted, is_expected=True), prefix, message)
        return value
    if wanted.tolerance is not None and operator not in _EQUALITY:
        raise ValueError(f"a tolerance applies to == and !=, not to {operator.value!r}")
    _check(_Reading(value, wanted, reported=reported), operator, _Reading(wanted.value, wanted, is_expected=True), prefix, message)
    return value


class StateMatcher:
    """The predicate of ``Expect State``: a value as the rules parse it, for the point's type.

    Built in the main thread (so that a bad expectation fails at once); called in the trio
    thread with every value the point reports. ``point_type`` is the type already reported,
    when there is one; otherwise each reported value decides.
    """

    def __init__(self, expected: Any, tolerance: float | str | None = None, point_type: Type | None = None) -> None:
        self.expected = expected
        self.tolerance = tolerance
        value_class = class_of(point_type)
        try:
            guess = parse_expected(expected, value_class, tolerance=tolerance)
        except ValueError as exc:
            if value_class is not None:
                raise ValueError(f"expected value {expected!r} does not fit {point_type.name}: {exc}") from None  # type: ignore[union-attr]
            raise  # the rules' own message, as Gherkin gives it
        self._by_class: dict[TypeClass, Expected | ValueRange | None] = {guess.value_class: guess}
        self.description = str(guess)

    def _for(self, value: Any, point_type: Type | None = None) -> Expected | ValueRange | None:
        """The expectation for the reported value's class (its type's, when the caller knows it).

        A text that cannot be a value of that class raises the rules' ValueError, as the Gherkin
        step does when the first report names the type: "1000.5" for a scaled point is an error
        at once, not a wait until the timeout.
        """
        value_class = class_of(point_type, value)
        if value_class is None:
            return None
        if value_class not in self._by_class:
            try:
                self._by_class[value_class] = expectation(self.expected, point_type, value, tolerance=self.tolerance)
            except ValueError as exc:
                where = point_type.name if point_type is not None else f"a {value_class.value}"
                raise ValueError(f"expected value {self.expected!r} does not fit {where}: {exc}") from None
        return self._by_class[value_class]

    def __call__(self, value: Any, point_type: Type | None = None) -> bool:
        """``value``: a reported value, or the information object it came in (as the engine gives it)."""
        expected = self._for(value, point_type)
        return expected is not None and expected.matches(value)


# ---- quality --------------------------------------------------------------------------------------


def quality_names(quality: Any) -> list[str]:
    """The IEC abbreviations of the flags set in ``quality`` (``[]`` for good quality)."""
    return rq.ordered(rq.flags_of(quality))


def parse_quality(text: Any) -> list[str]:
    """``"IV, NT"``, ``"IV and NT"``, ``"[IV NT]"``, ``"Invalid"``, ``"good"`` -> ``["IV", "NT"]``."""
    if isinstance(text, int) and not isinstance(text, bool | Quality | BinaryCounterQuality):
        return quality_names(Quality(text))
    return rq.ordered(rq.parse_flags(text))


def quality_flags(names: Any, *, counter: bool = False) -> Quality | BinaryCounterQuality:
    """The flag set of IEC abbreviations: Quality, or BinaryCounterQuality for counters."""
    return rq.to_quality(names, counter=counter)


def verify_quality(
    names: list[str],
    operator: Any,
    expected: Any,
    prefix: str,
    message: str | None = None,
) -> list[str]:
    """Compare a point's quality flags as a set (exact ``==``, subset ``contains``); return them."""
    if operator is None:
        if expected is not None:
            raise ValueError("an expected quality needs an assertion operator such as == or contains")
        return names
    if operator in _EXPRESSIONS:
        return _engine_verify(names, operator, expected, prefix, message)  # type: ignore[no-any-return]
    if operator not in _EQUALITY | _SETS:
        raise ValueError(f"operator {operator.value!r} does not apply to quality; use ==, !=, contains or not contains")
    _check(_Flags(frozenset(names)), operator, _Flags(rq.parse_flags(expected)), prefix, message)
    return names
