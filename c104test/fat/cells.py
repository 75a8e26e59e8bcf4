"""How one cell of a signal list is read: flags, command modes, addresses, types, times, groups,
and the hints a cell's problem carries (a decimal comma, a unit, a date). The values, tolerances
and qualities themselves are the rules' (``c104test.rules``); these only say how a list writes
the rest.
"""

from __future__ import annotations

import re
from typing import Any

from ..protocol.enums import Type
from ..rules import lookup
from ..rules.addresses import io_address
from ..rules.typeclasses import classify
from .columns import _NO, _SELECT_WORDS, _TIME_UNITS, _YES

__all__: list[str] = []  # the reader's (signals) helpers, not an API


#: Cells that hold numbers (values, tolerances, ranges, times): in a list whose decimal sign is the
#: comma they go through ``rules.with_decimal_point``, so ``230,5 +- 0,5`` is ``230.5 +- 0.5``.
_DECIMAL_FIELDS = frozenset({"expected_value", "command_value", "return_value", "timeout", "max_skew"})

#: A number with a unit after it (``230 kV``, ``50 Hz +- 0.1``, ``12 °C``): the unit is named as the problem.
_WITH_UNIT = re.compile(r"^[-+]?\d[\d.,]*(\s*\+-\s*[\d.,]+%?)?\s*[A-Za-z°µΩ%/²³]+\s*(\+-\s*[\d.,]+%?)?$")
_VALUE_FIELDS = frozenset({"expected_value", "command_value", "return_value"})
_UNIT_HINT = "; write the number without its unit (a unit column is kept in the report, not checked)"

#: A cell a spreadsheet turned into a date (``1.5`` or ``1/5`` typed in a cell formatted General).
_DATE_CELL = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$")
_DATE_HINT = ("; the cell holds a date: the spreadsheet read what was typed (1.5, 1/5) as one. Format the column "
              "as text and type the value again")


def _flag(text: str) -> bool:
    word = text.strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ValueError(f"{text!r} is not yes or no")


def _select(text: str) -> bool:
    word = re.sub(r"[\s_\-]+", " ", text.strip().lower())
    if word in _SELECT_WORDS:
        return _SELECT_WORDS[word]
    try:
        return _flag(text)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not yes (select before operate, SBO) or no (direct)") from None


def _integer(text: str, low: int, high: int, what: str) -> int:
    try:
        number = float(text.strip())
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a number; {what} is a whole number {low}..{high}") from None
    if not number.is_integer():
        raise ValueError(f"{text.strip()} is not a whole number; {what} is a whole number {low}..{high}")
    if not low <= number <= high:
        raise ValueError(f"{text.strip()} outside {low}..{high}, the range of {what}")
    return int(number)


def _address(text: str, parse: Any, high: int, what: str) -> int:
    """An IOA or CA as every front end reads it (rules.addresses: ``100``, ``0x64``, ``1_000``,
    ``100.0``), then 1..high: a point in a list has neither IOA 0 nor the broadcast address."""
    number = parse(text)  # the protocol's range and the rules' message, as in Robot and Gherkin
    if not 1 <= number <= high:
        raise ValueError(f"{text.strip()} outside 1..{high}, the range of {what}")
    return int(number)


def _type(text: str, *, command: bool) -> Type:
    kind = "a command type (C_SC_NA_1, C_SE_NC_1, ...)" if command else "a monitor type (M_SP_NA_1, M_ME_NC_1, ...)"
    try:
        found = lookup(Type, text.strip())
    except (ValueError, KeyError) as exc:
        # the rules list every type (P_, F_, system types too): name the kind this column holds
        message = re.split(r" Valid:|; valid:", str(exc))[0]
        raise ValueError(message + ("" if "did you mean" in message else f"; the column holds {kind}")) from None
    row = classify(found)
    if row is None or row.command is not command:
        raise ValueError(f"{found.name} is not {kind}")
    return found


def _return_address(text: str) -> int:
    """A return report's IOA; a word that is no IOA says how to write 'no return information'."""
    try:
        return _address(text, io_address, 0xFFFFFF, "an IOA")
    except ValueError as exc:
        raise ValueError(f"{exc}; a command without return information has 'none' here") from None


def _seconds(text: str) -> float:
    """Seconds as a list writes them: ``5``, ``2.5``, ``5 s``, ``5s``, ``500 ms``, ``2 min``."""
    found = re.fullmatch(r"(.*?\d)\s*([a-z]*)", text.strip(), flags=re.IGNORECASE)
    unit = found[2].lower() if found else None
    try:
        if found is None or unit not in _TIME_UNITS:
            raise ValueError
        return float(found[1]) * _TIME_UNITS[unit]
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a number of seconds (5, 2.5, 5 s, 500 ms or 2 min)") from None


def _timed(point_type: Type) -> bool:
    row = classify(point_type)
    return row is not None and row.time_tag


def _groups(text: str) -> tuple[int, ...]:
    parts = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    try:
        return tuple(sorted({_integer(p, 1, 16, "an interrogation group") for p in parts}))
    except ValueError as exc:
        if re.fullmatch(r"\d+\.\d+", text.strip()):  # '1,3' typed where the comma is the decimal sign
            raise ValueError(f"{exc} (a spreadsheet may have read '1,3' as a decimal number: separate the "
                             "groups with spaces or ';')") from None
        raise


def _is_command(text: str) -> bool:
    """Whether a type cell names a command type (the row is then the command's own)."""
    try:
        row = classify(lookup(Type, text.strip()))
    except (ValueError, KeyError):
        return False
    return row is not None and row.command
