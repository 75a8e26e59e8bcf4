"""Process values as tests write them, per value class, and whether a reported value matches.

Accepted spellings (any case):

=================  =====================================================================
single point       ``ON``/``OFF``, ``true``/``false``, ``1``/``0`` (also ``yes/no``, ``closed/open``,
                   ``EIN/AUS``, ``ZU/AUF``, ``fermé/ouvert``: :data:`STATE_WORDS`)
double point       ``ON``, ``OFF``, ``INTERMEDIATE``, ``INDETERMINATE``, ``true``/``false``, ``closed/open``
                   (a bare number is refused: DPI 1 is OFF, which no one means by "1")
step position      an integer -64..63
regulating step    ``HIGHER``, ``LOWER``
bitstring          ``0xA5A5`` (hex), ``0b1010`` (binary) or decimal, 0..0xFFFFFFFF
normalized         a number -1 .. 1-2^-15
scaled             an integer -32768..32767
short float        any finite number (float32 range)
counter            an integer -2^31 .. 2^31-1
=================  =====================================================================

A step position may say its transient bit (``5 transient``, ``5 not transient``) and a counter
its sequence number and flags (``1234 seq 3 CY``): see :mod:`c104test.rules.qualifiers`.

Numbers may carry a tolerance (``230 +- 0.5``; see :mod:`c104test.rules.tolerance`); without one
the default absorbs the wire's rounding. An expected number may also be a range (``49.9..50.1``,
both ends included; see :mod:`c104test.rules.ranges`), in every front end alike. A bitstring written in hex is shown in hex in a failure
(``0xA5A5A5A5 should be 0x0000A5A5``).
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..protocol.commands import parse_bool, parse_double, parse_step
from ..protocol.elements import BCR, VTI
from ..protocol.enums import Double, EventState, Step, Type
from .qualifiers import Qualifiers, shown, split_qualifiers, value_of
from .quality import show_flags
from .tolerance import (
    NORMALIZED_STEP,
    Tolerance,
    not_a_number,
    parse_tolerance,
    split_tolerance,
    within_default,
)
from .typeclasses import TypeClass, object_class_of, type_class
from .units import split_unit

if TYPE_CHECKING:
    from .ranges import ValueRange

__all__ = ["Expected", "class_of", "expectation", "parse_expected", "parse_value", "show_value", "value_for"]

_NUMERIC = {TypeClass.STEP, TypeClass.NORMALIZED, TypeClass.SCALED, TypeClass.SHORT, TypeClass.COUNTER}
_INTEGER = {TypeClass.STEP, TypeClass.SCALED, TypeClass.COUNTER, TypeClass.BITSTRING}
_RANGES: dict[TypeClass, tuple[float, float, str]] = {
    TypeClass.STEP: (-64, 63, "-64..63"),
    TypeClass.BITSTRING: (0, 0xFFFFFFFF, "0..0xFFFFFFFF"),
    # up to the text that still rounds to the top step 32767/32768 (0.99997 is fine, 0.99999 is not)
    TypeClass.NORMALIZED: (-1.0, (32767.5 - 1e-9) * NORMALIZED_STEP, "-1..0.999969 (1-2^-15)"),
    TypeClass.SCALED: (-32768, 32767, "-32768..32767"),
    TypeClass.SHORT: (-3.4028234663852886e38, 3.4028234663852886e38, "the float32 range"),
    TypeClass.COUNTER: (-(2**31), 2**31 - 1, "-2147483648..2147483647"),
}
#: what an expected value may be, when neither the point's type nor a reported value tells
UNTYPED_HELP = (
    "use ON, OFF, INTERMEDIATE, INDETERMINATE, True, False, a number with an optional tolerance "
    "(230 +- 0.5), a range (49.9..50.1) or a bitstring (0xA5A5)"
)
_INTEGER_TEXT = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|\d[\d_]*)")


def class_of(point_type: Type | int | None, sample: Any = None) -> TypeClass | None:
    """The value class of a type, else of a reported information object, else guessed from a value
    as received (bool, Double, float...)."""
    found = type_class(point_type)
    if found is not None:
        return found
    found = object_class_of(sample)
    if found is not None:
        return found
    if isinstance(sample, bool):
        return TypeClass.SINGLE
    if isinstance(sample, Double):
        return TypeClass.DOUBLE
    if isinstance(sample, EventState):
        return TypeClass.EVENT
    if isinstance(sample, Step):
        return TypeClass.REGULATING
    if isinstance(sample, float):
        return TypeClass.SHORT
    if isinstance(sample, int):
        return TypeClass.COUNTER  # the widest signed integer class
    return None


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{value:g} is not a whole number")
        return int(value)
    text = str(value).strip()
    if _INTEGER_TEXT.fullmatch(text):
        return int(text.replace("_", ""), 0)
    try:
        number = float(text.replace("_", ""))
    except ValueError:
        raise ValueError(not_a_number(text)) from None
    if not number.is_integer():
        raise ValueError(f"{text!r} is not a whole number")
    return int(number)


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if _INTEGER_TEXT.fullmatch(text):
        return float(int(text.replace("_", ""), 0))
    try:
        number = float(text.replace("_", ""))
    except ValueError:
        raise ValueError(not_a_number(text)) from None
    if not math.isfinite(number):
        raise ValueError(f"{text!r} is not a finite number")
    return number


def _is_number_text(value: Any) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return True
    try:
        _number(value)
    except ValueError:
        return False
    return True


def _state(value: Any, cls: type[Double] | type[EventState], what: str) -> Any:
    if isinstance(value, cls):
        return value
    if isinstance(value, Double | EventState):
        return cls(int(value))
    if isinstance(value, bool):
        return cls.ON if value else cls.OFF
    if isinstance(value, int):
        return cls(value)  # a DPI / ES value from Python code
    text = str(value).strip()
    if text.lower() in ("true", "false", "closed", "open"):  # closed/open as for a single point
        return cls.ON if text.lower() in ("true", "closed") else cls.OFF
    if _is_number_text(text):
        raise ValueError(
            f"{text!r} is ambiguous for a {what} (DPI 1 is OFF); use ON, OFF, INTERMEDIATE or INDETERMINATE"
        )
    try:
        return cls(int(parse_double(text)))
    except ValueError:
        raise ValueError(f"{text!r} is not a {what} state; use ON, OFF, INTERMEDIATE or INDETERMINATE") from None


#: State words of German and French signal lists, as the English word the protocol reads: EIN/AUS
#: (on/off), ZU/AUF (closed/open, a switch), fermé/ouvert. Nothing else is translated.
STATE_WORDS = {"ein": "ON", "aus": "OFF", "an": "ON", "zu": "closed", "auf": "open", "geschlossen": "closed",
               "offen": "open", "marche": "ON", "arrêt": "OFF", "arret": "OFF", "fermé": "closed", "ferme": "closed",
               "ouvert": "open"}
#: Step directions of German and French lists (höher/tiefer, monter/descendre) and "raise".
STEP_WORDS = {"höher": "HIGHER", "hoeher": "HIGHER", "tiefer": "LOWER", "raise": "HIGHER", "monter": "HIGHER",
              "descendre": "LOWER", "plus": "HIGHER", "moins": "LOWER"}


def _state_word(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in STATE_WORDS:
        return STATE_WORDS[value.strip().lower()]
    return value


def parse_value(value: Any, value_class: TypeClass) -> Any:
    """``value`` (text from a test, or a Python value) as a value of the class; ValueError with the range."""
    if value_class in (TypeClass.SINGLE, TypeClass.DOUBLE, TypeClass.EVENT):
        value = _state_word(value)
    if value_class is TypeClass.REGULATING and isinstance(value, str):
        value = STEP_WORDS.get(value.strip().lower(), value)
    if value_class is TypeClass.SINGLE:
        if isinstance(value, Double) and value in (Double.ON, Double.OFF):
            return value is Double.ON
        try:
            return parse_bool(value.strip() if isinstance(value, str) else value)
        except ValueError:
            raise ValueError(f"{value!r} is not a single-point state; use ON/OFF, True/False or 1/0") from None
    if value_class is TypeClass.DOUBLE:
        return _state(value, Double, "double point")
    if value_class is TypeClass.EVENT:
        return _state(value, EventState, "protection event")
    if value_class is TypeClass.REGULATING:
        return parse_step(value.strip() if isinstance(value, str) else value)
    low, high, shown = _RANGES[value_class]
    name = value_class.value
    if value_class in _INTEGER:
        try:
            number: int | float = _integer(value)
        except ValueError as exc:
            raise ValueError(f"{exc}; a {name} is a whole number in {shown}") from None
    else:
        try:
            number = _number(value)
        except ValueError as exc:
            raise ValueError(f"{exc}; a {name} is a number in {shown}") from None
    if not low <= number <= high:
        raise ValueError(f"{_as_text(value)} outside {shown}, the range of a {name}")
    return number


def value_for(point_type: Type | int | None, value: Any, sample: Any = None, *, what: str = "value") -> Any:
    """``value`` (a test's text or a Python value) as a value of a point of ``point_type``.

    Every front end that gives a point a value (Robot's ``Set Simulated Point``, the Gherkin
    step ``the simulated RTU sets IOA n to ...``) reads it here, so ``1`` for a double point is
    refused and ``1e3`` for a scaled value is 1000 in all of them. A type without a value class
    (and no ``sample`` to judge by) keeps the value as given. ValueError names the type.

    >>> value_for(Type.M_ME_NB_1, "1e3")
    1000
    """
    value_class = class_of(point_type, sample)
    if value_class is None:
        return value
    try:
        if isinstance(value, str):
            head, qualifiers = split_qualifiers(value.strip(), value_class)
            if qualifiers is not None:
                return _element(parse_value(head, value_class), qualifiers)
        return parse_value(value, value_class)
    except ValueError as exc:
        where = Type(point_type).name if point_type is not None else "the point"
        raise ValueError(f"{what} {value!r} does not fit {where}: {exc}") from None


def _element(value: Any, qualifiers: Qualifiers) -> VTI | BCR:
    """A value set with its qualifiers: the VTI or BCR the RTU then sends."""
    if qualifiers.transient is not None:
        return VTI(int(value), qualifiers.transient)
    if qualifiers.flags is not None:
        raise ValueError(
            f"a counter's flags ({show_flags(qualifiers.flags)}) are set as its quality, not in its value"
        )
    return BCR(int(value), 0 if qualifiers.sequence is None else qualifiers.sequence)


def _as_text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else repr(value)


def show_value(value: Any, *, hex_digits: int = 0) -> str:
    """A value as a test engineer reads it: ON/OFF, enum names, float32 digits, or hex."""
    if isinstance(value, bool):
        return "ON" if value else "OFF"
    if isinstance(value, enum.Enum):
        return str(value.name)
    if hex_digits and isinstance(value, int):
        return f"0x{value:0{hex_digits}X}"
    if isinstance(value, float):
        return f"{value:.7g}"
    return str(value)


def show_reported(reported: Any, qualifiers: Qualifiers | None = None, *, hex_digits: int = 0) -> str:
    """A reported value (or information object) as a failure shows it; with the element's
    qualifiers (``5 not transient``, ``1234 seq 2 CY``) when the expectation names some."""
    text = show_value(value_of(reported), hex_digits=hex_digits)
    extra = shown(reported) if qualifiers is not None else ""
    return f"{text} {extra}" if extra else text


@dataclass(frozen=True, slots=True)
class Expected:
    """An expected value of one value class, with its tolerance; ``matches`` judges a reported value."""

    value: Any
    value_class: TypeClass
    tolerance: Tolerance | None = None
    hex_digits: int = 0  # written in hex: failures show values in hex with this many digits
    text: str = field(default="", compare=False)
    qualifiers: Qualifiers | None = None  # a step's transient bit, a counter's sequence number and flags

    def matches(self, actual: Any) -> bool:
        """Whether ``actual`` (a reported value, or the information object it came in) is this value."""
        if self.qualifiers is not None and not self.qualifiers.matches(actual):
            return False
        actual = value_of(actual)
        if actual is None:
            return False
        if self.value_class in (TypeClass.SINGLE, TypeClass.DOUBLE, TypeClass.EVENT, TypeClass.REGULATING):
            try:
                return bool(parse_value(actual, self.value_class) == self.value)
            except ValueError:
                return False
        if isinstance(actual, bool) or not isinstance(actual, int | float):
            return False
        if self.tolerance is not None:
            return self.tolerance.allows(actual, self.value)
        if isinstance(actual, int) and isinstance(self.value, int):
            return actual == self.value
        if self.value_class in _INTEGER:
            return float(actual) == float(self.value)
        return within_default(actual, self.value)

    def show(self, value: Any = None) -> str:
        """The expected value (or ``value``, a reported one) as the test wrote it: hex stays hex."""
        if value is None:
            text = show_value(self.value, hex_digits=self.hex_digits)
            if isinstance(self.value, float) and self.value.is_integer() and self.value_class is not TypeClass.SHORT:
                text = str(int(self.value))
            text = text if self.tolerance is None else f"{text} {self.tolerance}"
            return text if self.qualifiers is None else f"{text} {self.qualifiers}"
        return show_reported(value, self.qualifiers, hex_digits=self.hex_digits)

    def __str__(self) -> str:
        return self.show()


def parse_expected(
    text: Any,
    value_class: TypeClass | None,
    *,
    tolerance: float | str | Tolerance | None = None,
) -> Expected | ValueRange:
    """An expected value: ``ON``, ``230 +- 0.5``, ``0xA5A5``, ``49.9..50.1``; ValueError saying what is wrong.

    ``value_class`` None guesses from the text (a state word or a number), for a point whose
    type is not known yet. A range (``min..max``) is a :class:`~c104test.rules.ranges.ValueRange`;
    both have ``matches``, ``show`` and ``value_class``.
    """
    raw = text.strip() if isinstance(text, str) else text
    written: Tolerance | None = None
    qualifiers: Qualifiers | None = None
    if isinstance(raw, str):
        raw = split_unit(raw)[0]  # '110 kV', '49.9..50.1 Hz': the number is the value (rules.units)
        raw, qualifiers = split_qualifiers(raw, value_class)
        if qualifiers is not None and value_class is None:
            value_class = qualifiers.value_class  # "5 transient" is a step position, "7 seq 1" a counter
        raw, written = split_tolerance(raw)
    if written is not None and tolerance is not None:
        raise ValueError("give the tolerance either in the expected value or as tolerance=, not both")
    if tolerance is not None:
        written = tolerance if isinstance(tolerance, Tolerance) else parse_tolerance(tolerance)
    if isinstance(raw, str) and ".." in raw:
        # ranges reads its ends with parse_value: imported here, not in a cycle
        from .ranges import parse_range

        if written is not None:
            raise ValueError(f"range {raw!r} takes no tolerance: the range is the tolerance ({_as_text(text)})")
        if value_class is not None:
            return parse_range(raw, value_class, qualifiers)
        try:  # no type known yet: any numbers will do
            return parse_range(raw, TypeClass.SHORT)
        except ValueError as exc:
            if "backwards" in str(exc) or "both ends" in str(exc):
                raise
            raise ValueError(f"{raw!r} is not a value; a range needs a number at both ends (49.9..50.1)") from None
    guessed = value_class is None
    if value_class is None:
        value_class = TypeClass.SHORT if _is_number_text(raw) and not isinstance(raw, bool) else TypeClass.DOUBLE
    if written is not None and value_class not in _NUMERIC:
        raise ValueError(f"a tolerance applies to numbers, not to a {value_class.value} ({_as_text(text)})")
    try:
        value = parse_value(raw, value_class)
    except ValueError:
        if guessed and value_class is TypeClass.DOUBLE:
            raise ValueError(f"{raw!r} is not a value; {UNTYPED_HELP}") from None
        raise
    hex_digits = 0
    if value_class is TypeClass.BITSTRING and isinstance(raw, str) and raw.lower().startswith("0x"):
        hex_digits = 8  # BSI is 32 bits: show all of them, so 0x0000A5A5 and 0xA5A5A5A5 differ at a glance
    return Expected(value, value_class, written, hex_digits, str(text), qualifiers)


def expectation(
    text: Any,
    point_type: Type | int | None = None,
    sample: Any = None,
    *,
    tolerance: float | str | Tolerance | None = None,
) -> Expected | ValueRange:
    """The expected value for a point of ``point_type`` (else judged by a reported ``sample``).

    Every front end builds its expectations here, so the same text means the same everywhere.
    A value written in hex or binary for a point whose type is unknown is a bitstring.
    """
    value_class = class_of(point_type, sample)
    if (
        type_class(point_type) is None
        and value_class is TypeClass.COUNTER
        and isinstance(text, str)
        and text.strip().lower().startswith(("0x", "0b"))
    ):
        value_class = TypeClass.BITSTRING
    return parse_expected(text, value_class, tolerance=tolerance)
