"""Assertion operators for the getter keywords, and the conversions they need.

The operators are spelled as in robotframework-assertion-engine (``==``, ``!=``, ``<``, ``>``,
``<=``, ``>=``, ``contains``, ``not contains``, ``validate``), so Browser users read them at once.
This module is a small equivalent rather than a dependency: the expected value has to be
converted to the point's own type first (``ON`` to ``Double.ON`` for a double point, ``230`` to a
float for a measured value), quality is compared as a set of IEC flags (``IV``, ``NT``), and floats
compare within the precision the wire carries.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Iterable
from typing import Any

from ..protocol.commands import parse_bool, parse_double
from ..protocol.enums import BinaryCounterQuality, Double, EventState, Quality, Type

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

AssertionOperator = enum.Enum(  # type: ignore[misc]
    "AssertionOperator",
    {
        "==": "==",
        "equal": "==",
        "equals": "==",
        "should be": "==",
        "!=": "!=",
        "inequal": "!=",
        "should not be": "!=",
        "<": "<",
        "less than": "<",
        ">": ">",
        "greater than": ">",
        "<=": "<=",
        ">=": ">=",
        "contains": "contains",
        "*=": "contains",
        "not contains": "not contains",
        "validate": "validate",
    },
    module=__name__,
)
AssertionOperator.__doc__ = """Compares the value a getter read with an expected value.

| = Operator = | = Also spelled = | = Passes when = |
| ``==`` | ``equal``, ``equals``, ``should be`` | the value equals the expected value (floats within the precision the wire carries) |
| ``!=`` | ``inequal``, ``should not be`` | the value differs |
| ``<``, ``>``, ``<=``, ``>=`` | ``less than``, ``greater than`` | numeric comparison |
| ``contains`` | ``*=`` | quality: every expected flag is set; bitstring: every expected bit is set |
| ``not contains`` | | quality: none of the expected flags is set; bitstring: none of the bits is set |
| ``validate`` | | the Python expression is true, with ``value`` bound to the value |

The expected value is converted to the point's type before comparing: ``ON/OFF`` for single
and double points, numbers for measured values, counters and step positions, ``0x...`` for
bitstrings, and flag lists such as ``IV, NT`` for quality.
"""

_OP = {op.value: op for op in AssertionOperator}  # canonical member per operator

_QUALITY_FLAGS: tuple[tuple[str, Quality], ...] = (
    ("IV", Quality.Invalid),
    ("NT", Quality.NonTopical),
    ("SB", Quality.Substituted),
    ("BL", Quality.Blocked),
    ("OV", Quality.Overflow),
    ("EI", Quality.ElapsedTimeInvalid),
)
_COUNTER_FLAGS: tuple[tuple[str, BinaryCounterQuality], ...] = (
    ("IV", BinaryCounterQuality.Invalid),
    ("CA", BinaryCounterQuality.Adjusted),
    ("CY", BinaryCounterQuality.Carry),
)
_QUALITY_WORDS = {
    **{name: name for name, _ in _QUALITY_FLAGS},
    **{name: name for name, _ in _COUNTER_FLAGS},
    **{str(flag.name).upper(): name for name, flag in _QUALITY_FLAGS},
    "ADJUSTED": "CA",
    "CARRY": "CY",
}
_GOOD = {"", "GOOD", "NONE", "OK", "[]", "{}"}

# normalized values travel as multiples of 2^-15; short floats as float32
_ABS_TOLERANCE = 2.0**-16
_REL_TOLERANCE = 1e-6
_TOLERANCE = re.compile(r"^(?P<number>.+?)\s*(?:±|\+/-|\+-)\s*(?P<tolerance>[0-9.eE+-]+)\s*(?P<percent>%?)$")


def show(value: Any) -> str:
    """A value as a test engineer reads it: ON/OFF, enum names, float32 digits."""
    if isinstance(value, bool):
        return "ON" if value else "OFF"
    if isinstance(value, enum.Flag):
        return ", ".join(quality_names(value)) or "good"
    if isinstance(value, enum.Enum):
        return str(value.name)
    if isinstance(value, float):
        return f"{value:.7g}"
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


# ---- quality --------------------------------------------------------------------------------------


def quality_names(quality: Any) -> list[str]:
    """The IEC abbreviations of the flags set in ``quality`` (``[]`` for good quality)."""
    if quality is None:
        return []
    if isinstance(quality, BinaryCounterQuality):
        return [name for name, flag in _COUNTER_FLAGS if flag in quality]
    bits = int(quality)
    return [name for name, flag in _QUALITY_FLAGS if bits & int(flag)]


def parse_quality(text: Any) -> list[str]:
    """``"IV, NT"``, ``"[IV NT]"``, ``"Invalid"``, ``"good"`` or a list -> ``["IV", "NT"]``."""
    if isinstance(text, Quality | BinaryCounterQuality):
        return quality_names(text)
    if isinstance(text, int) and not isinstance(text, bool):
        return quality_names(Quality(text))
    if isinstance(text, str):
        key = text.strip().upper()
        if key in _GOOD:
            return []
        items: Iterable[Any] = [s for s in re.split(r"[\s,|\[\]{}]+", key) if s]
    elif isinstance(text, list | tuple | set | frozenset):
        items = text
    else:
        raise ValueError(f"{text!r} is not a list of quality flags; use IV, NT, SB, BL, OV, EI")
    names: list[str] = []
    for item in items:
        key = str(item).strip().upper().replace("_", "")
        key = key.removeprefix("QUALITY.")
        name = _QUALITY_WORDS.get(key)
        if name is None:
            raise ValueError(
                f"{item!r} is not a quality flag; use IV, NT, SB, BL, OV, EI "
                "(or CA, CY for counters), or 'good'"
            )
        if name not in names:
            names.append(name)
    return names


def quality_flags(names: Iterable[str], *, counter: bool = False) -> Quality | BinaryCounterQuality:
    """The flag set of IEC abbreviations: Quality, or BinaryCounterQuality for counters."""
    names = list(names)
    table: dict[str, Any] = dict(_COUNTER_FLAGS if counter else _QUALITY_FLAGS)
    wrong = [name for name in names if name not in table]
    if wrong:
        allowed = ", ".join(table)
        raise ValueError(f"{', '.join(wrong)} is not a quality flag of this point; it has {allowed}")
    result = BinaryCounterQuality(0) if counter else Quality(0)
    for name in names:
        result |= table[name]
    return result


def verify_quality(
    names: list[str],
    operator: Any,
    expected: Any,
    prefix: str,
    message: str | None = None,
) -> list[str]:
    """Compare a point's quality flags as a set; return them."""
    if operator is None:
        if expected is not None:
            raise ValueError("an expected quality needs an assertion operator such as == or contains")
        return names
    op = _OP[operator.value]
    if op.value == "validate":
        return _validate(names, expected, prefix, message)
    wanted = parse_quality(expected)
    have, want = set(names), set(wanted)
    checks: dict[str, tuple[Callable[[], bool], str]] = {
        "==": (lambda: have == want, "should be"),
        "!=": (lambda: have != want, "should not be"),
        "contains": (lambda: want <= have, "should contain"),
        "not contains": (lambda: not want & have, "should contain none of"),
    }
    if op.value not in checks:
        raise ValueError(f"operator {op.value!r} does not apply to quality; use ==, !=, contains or not contains")
    check, words = checks[op.value]
    if not check():
        _fail(prefix, show(names) if names else "good", words, show(wanted) if wanted else "good", message)
    return names


# ---- values ---------------------------------------------------------------------------------------


def convert_for_type(point_type: Type | None, value: Any, sample: Any = None) -> Any:
    """``value`` (often a string from Robot) as a value of ``point_type``.

    ``sample`` is a value of the point as received; it decides when the type is unknown.
    """
    kind = _kind(point_type, sample)
    try:
        if kind == "single":
            return parse_bool(value)
        if kind == "double":
            return parse_double(value)
        if kind == "event":
            return value if isinstance(value, EventState) else EventState.parse(parse_double(value).name)
        if kind == "int":
            return _integer(value)
        if kind == "float":
            return _number(value)
    except ValueError as exc:
        where = point_type.name if point_type is not None else "the point"
        raise ValueError(f"expected value {value!r} does not fit {where}: {exc}") from None
    return value


def verify_assertion(
    value: Any,
    operator: Any,
    expected: Any,
    prefix: str,
    message: str | None = None,
    *,
    point_type: Type | None = None,
) -> Any:
    """Check ``value <operator> expected`` (expected converted first); return ``value``.

    Raises AssertionError naming the value and the expectation, ValueError for misuse.
    """
    if operator is None:
        if expected is not None:
            raise ValueError("an expected value needs an assertion operator such as ==")
        return value
    op = _OP[operator.value]
    if op.value == "validate":
        return _validate(value, expected, prefix, message)
    if expected is None:
        raise ValueError(f"operator {op.value!r} needs an expected value")
    want = convert_for_type(point_type, expected, value)
    kind = _kind(point_type, value)
    if op.value in ("contains", "not contains"):
        if kind != "int" or isinstance(value, bool):
            raise ValueError(
                f"operator {op.value!r} applies to bitstrings and quality, not to {show(value)}"
            )
        hit = value & want
        ok = hit == want if op.value == "contains" else hit == 0
        words = "should have every bit of" if op.value == "contains" else "should have none of the bits of"
        if not ok:
            _fail(prefix, f"0x{value:08X}", words, f"0x{want:08X}", message)
        return value
    if op.value in ("==", "!="):
        same = _close(value, want) if kind == "float" else value == want
        if same != (op.value == "=="):
            _fail(prefix, show(value), "should be" if op.value == "==" else "should not be", show(want), message)
        return value
    if kind not in ("int", "float") or isinstance(value, bool):
        raise ValueError(f"operator {op.value!r} compares numbers, not {show(value)}")
    compare: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
        "<": (lambda a, b: a < b, "should be less than"),
        ">": (lambda a, b: a > b, "should be greater than"),
        "<=": (lambda a, b: a <= b, "should be less than or equal to"),
        ">=": (lambda a, b: a >= b, "should be greater than or equal to"),
    }
    check, words = compare[op.value]
    if not check(value, want):
        _fail(prefix, show(value), words, show(want), message)
    return value


class StateMatcher:
    """The predicate of ``Expect State``: ON/OFF/INTERMEDIATE, True/False, or a number ± tolerance.

    Built in the main thread (so that a bad expectation fails at once); called in the trio
    thread with every value the point reports.
    """

    def __init__(self, expected: Any, tolerance: float | None = None) -> None:
        self.expected = expected
        self.tolerance: float | None = tolerance
        self.relative = False
        self.number: float | None = None
        self.state: Double | None = None
        text = expected.strip() if isinstance(expected, str) else expected
        if isinstance(text, str):
            match = _TOLERANCE.match(text)
            if match is not None:
                if tolerance is not None:
                    raise ValueError("give the tolerance either in the expected value or as tolerance=, not both")
                text = match["number"]
                self.tolerance = _number(match["tolerance"])
                self.relative = bool(match["percent"])
        if isinstance(text, bool):
            self.state = Double.ON if text else Double.OFF
        elif isinstance(text, int | float):
            self.number = float(text)
        else:
            try:
                self.number = float(_integer(text)) if _looks_integer(text) else _number(text)
            except ValueError:
                try:
                    self.state = parse_double(parse_bool(text)) if _is_bool_word(text) else parse_double(text)
                except ValueError:
                    raise ValueError(
                        f"{expected!r} is not a state or a number; use ON, OFF, INTERMEDIATE, "
                        "INDETERMINATE, True, False or a number with an optional tolerance (230 ± 0.5)"
                    ) from None
        if self.state is not None and self.tolerance is not None:
            raise ValueError(f"a tolerance applies to numbers, not to the state {expected!r}")
        if self.tolerance is not None and self.tolerance < 0:
            raise ValueError(f"tolerance {self.tolerance} is negative")

    @property
    def description(self) -> str:
        if self.state is not None:
            return self.state.name
        assert self.number is not None
        text = show(self.number) if not self.number.is_integer() else str(int(self.number))
        if self.tolerance:
            text += f" ± {show(self.tolerance)}{'%' if self.relative else ''}"
        return text

    def __call__(self, value: Any) -> bool:
        if self.state is not None:
            if isinstance(value, bool):
                return value is (self.state is Double.ON) and self.state in (Double.ON, Double.OFF)
            if isinstance(value, Double | EventState):
                return int(value) == int(self.state)
            if isinstance(value, int | float) and self.state in (Double.ON, Double.OFF):
                return value == (1 if self.state is Double.ON else 0)
            return False
        assert self.number is not None
        if isinstance(value, bool):  # a single point compared with 1 or 0
            return float(value) == self.number
        if isinstance(value, enum.Enum) and not isinstance(value, int):
            return False
        if not isinstance(value, int | float):
            return False
        if self.tolerance is None:
            return _close(float(value), self.number)
        allowed = abs(self.number) * self.tolerance / 100 if self.relative else self.tolerance
        return abs(float(value) - self.number) <= allowed + 1e-12


# ---- helpers --------------------------------------------------------------------------------------


def _kind(point_type: Type | None, sample: Any) -> str:
    if point_type is not None:
        name = point_type.name
        if name.startswith("M_SP") or name.startswith("C_SC"):
            return "single"
        if name.startswith("M_DP") or name.startswith("C_DC"):
            return "double"
        if point_type in (Type.M_EP_TA_1, Type.M_EP_TD_1):
            return "event"
        if name.startswith(("M_ME_NA", "M_ME_TA", "M_ME_TD", "M_ME_ND", "M_ME_NC", "M_ME_TC", "M_ME_TF", "C_SE_NA", "C_SE_NC", "C_SE_TA", "C_SE_TC")):
            return "float"
        if name.startswith(("M_ST", "M_BO", "M_IT", "M_ME_NB", "M_ME_TB", "M_ME_TE", "M_PS", "C_SE_NB", "C_SE_TB", "C_BO")):
            return "int"
    if isinstance(sample, bool):
        return "single"
    if isinstance(sample, Double):
        return "double"
    if isinstance(sample, EventState):
        return "event"
    if isinstance(sample, float):
        return "float"
    if isinstance(sample, int):
        return "int"
    return "other"


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=_REL_TOLERANCE, abs_tol=_ABS_TOLERANCE)


def _looks_integer(text: str) -> bool:
    return bool(re.fullmatch(r"[-+]?(0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)", text.strip()))


def _is_bool_word(text: str) -> bool:
    return text.strip().lower() in {"true", "false", "yes", "no", "closed", "open"}


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{value} is not an integer")
        return int(value)
    text = str(value).strip().replace("_", "")
    try:
        return int(text, 0)
    except ValueError:
        number = float(text)  # "12.0" is fine, "12.5" is not
        if not number.is_integer():
            raise ValueError(f"{value!r} is not an integer") from None
        return int(number)


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace("_", "")
    if _looks_integer(text):
        return float(int(text, 0))
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None


def _validate(value: Any, expression: Any, prefix: str, message: str | None) -> Any:
    from robot.libraries.BuiltIn import BuiltIn  # the Robot path only

    if not isinstance(expression, str) or not expression.strip():
        raise ValueError("operator 'validate' needs a Python expression, like: value > 40")
    if not BuiltIn().evaluate(expression, namespace={"value": value}):
        _fail(prefix, show(value), "should validate to true with", expression, message)
    return value


def _fail(prefix: str, value: str, words: str, expected: str, message: str | None) -> None:
    if message:
        raise AssertionError(message.replace("{value}", value).replace("{expected}", expected))
    raise AssertionError(f"{prefix} {value} {words} {expected}")
