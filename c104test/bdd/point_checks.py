"""What the Then steps expect of points: values, qualities, and the bounded wait on the point database.

The wait sleeps until the engine reports the next ASDU and gives up at the step's timeout; a failure
names the point, what was expected and what it reported (the last values it had, newest first).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from c104test import rules
from c104test.protocol.asdu import type_info
from c104test.protocol.enums import Type

from .registry import StepUsageError

if TYPE_CHECKING:
    from c104test.engine.points import PointValue
    from c104test.sync.session import RtuConnection

# ---- values ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedValue:
    """A value as a step writes it ("ON", "230.5 +/- 0.1", "0xA5A5"), judged by c104test.rules."""

    text: str

    @classmethod
    def parse(cls, text: str, point_type: Type | None = None) -> ExpectedValue:
        """Checks the text at once (a number with a bad tolerance, a word that is no state), for the
        point's type when it is known (as Robot's ``Expect State``), else as any value."""
        value = cls(text.strip())
        if point_type is not None:
            value.expected(point_type)
            return value
        try:
            rules.expectation(value.text)
        except ValueError as exc:
            raise StepUsageError(str(exc)) from None
        return value

    def expected(self, point_type: Type | None = None, actual: Any = None) -> rules.Expected | rules.ValueRange:
        """The rules' expectation for a point of this type; StepUsageError if the text cannot be one."""
        try:
            return rules.expectation(self.text, point_type, actual)
        except ValueError as exc:
            where = f"{point_type.name}: " if point_type is not None else ""
            raise StepUsageError(f"{where}{exc}") from None

    def __str__(self) -> str:
        return self.text

    def matches(self, actual: Any, point_type: Type | None = None) -> bool:
        """True if ``actual`` (a point's value, or the information object it came in: a step's
        transient bit, a counter's sequence number) is this value; StepUsageError if it cannot be."""
        if actual is None:
            return False
        return self.expected(point_type, actual).matches(actual)


def show_value(value: Any) -> str:
    return rules.show_value(value)


# ---- quality ----------------------------------------------------------------------------------------


def expected_quality(text: str) -> frozenset[str]:
    """The flags a step names ("IV and NT", "IV, NT", "IV | NT", "good"), as abbreviations."""
    return quality_expectation(text).flags


def quality_expectation(text: str) -> rules.QualityExpectation:
    try:
        return rules.QualityExpectation.parse(text)
    except ValueError as exc:
        raise StepUsageError(str(exc)) from None


def quality_flags(quality: Any) -> frozenset[str]:
    """The flags set in a reported quality (Quality, BinaryCounterQuality, an int, or None)."""
    return rules.flags_of(quality)


def show_quality(flags: frozenset[str]) -> str:
    return rules.show_flags(flags)


def same_family(expected: Type, reported: Type) -> bool:
    """M_SP_TB_1 and M_SP_NA_1 carry the same object (interrogation answers drop the time tag)."""
    if expected == reported:
        return True
    try:
        return type_info(expected).object_class is type_info(reported).object_class
    except (KeyError, ValueError):
        return False


# ---- waiting on points --------------------------------------------------------------------------------

PointCheck = Callable[["PointValue | None"], "str | None"]


def describe_point(point: PointValue) -> str:
    cot = point.cot.name if isinstance(point.cot, enum.Enum) else str(point.cot)
    return (
        f"{show_value(point.value)} ({point.type.name}, cause {cot}, "
        f"quality {show_quality(quality_flags(point.quality))})"
    )


def await_points(
    connection: RtuConnection, checks: Sequence[tuple[int, int, PointCheck]], timeout: float
) -> list[str]:
    """Wait until every check passes; returns what still fails after ``timeout`` (empty: all passed).

    Each check looks at the point database; between two looks the wait sleeps until the next ASDU
    arrives (the engine wakes it), never by polling.
    """
    from c104test.engine.client import MessageFilter
    from c104test.engine.errors import ExpectationFailed

    deadline = time.monotonic() + timeout
    cursor = connection.mark()
    history: dict[tuple[int, int], list[str]] = {}
    while True:
        failures: list[str] = []
        for ca, ioa, check in checks:
            point = connection.point(ca, ioa)
            if point is not None:
                seen = history.setdefault((ca, ioa), [])
                shown = describe_point(point)
                if not seen or seen[-1] != shown:
                    seen.append(shown)
            problem = check(point)
            if problem is not None:
                failures.append(_failure_text(ca, ioa, problem, history.get((ca, ioa), [])))
        remaining = deadline - time.monotonic()
        if not failures or remaining <= 0:
            return failures
        if not connection.is_open:
            return [*failures, f"the connection closed: {connection.close_reason}"]
        try:
            entry = connection.expect_message(MessageFilter(), timeout=remaining, since=cursor)
            cursor = entry.index + 1
        except ExpectationFailed:
            pass


def _failure_text(ca: int, ioa: int, problem: str, seen: list[str]) -> str:
    if not seen:
        return f"IOA {ioa} (CA {ca}): {problem}; the RTU has not reported it (send an interrogation or read it first)"
    text = f"IOA {ioa} (CA {ca}): {problem}; it reported {seen[-1]}"
    if len(seen) > 1:
        text += "; before that " + ", ".join(seen[-6:-1])
    return text


def value_check(expected: ExpectedValue) -> PointCheck:
    def check(point: PointValue | None) -> str | None:
        if point is not None and expected.matches(point.object, point.type):
            return None
        if point is not None:
            wanted = expected.expected(point.type, point.object)
            detailed = getattr(wanted, "hex_digits", 0) or wanted.qualifiers is not None
            return f"expected {wanted}; it is {wanted.show(point.object)}" if detailed else f"expected {wanted}"
        return f"expected {expected}"

    return check


def quality_check(expected: rules.QualityExpectation) -> PointCheck:
    def check(point: PointValue | None) -> str | None:
        if point is not None and expected.matches(quality_flags(point.quality)):
            return None
        return f"expected quality {expected}"

    return check


def row_check(
    type_id: Type | None, value: ExpectedValue | None, quality: rules.QualityExpectation | None
) -> PointCheck:
    def check(point: PointValue | None) -> str | None:
        wanted: list[str] = []
        if type_id is not None and (point is None or not same_family(type_id, point.type)):
            wanted.append(f"type {type_id.name}")
        if value is not None and (point is None or not value.matches(point.object, point.type)):
            wanted.append(str(value))
        if quality is not None and (point is None or not quality.matches(quality_flags(point.quality))):
            wanted.append(f"quality {quality}")
        if point is None and not wanted:
            wanted.append("a report")
        return "expected " + ", ".join(wanted) if wanted else None

    return check
