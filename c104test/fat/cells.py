"""How one cell of a signal list is read: flags, command modes, addresses, types, times, groups,
and the hints a cell's problem carries (a decimal comma, a unit, a date). The values, tolerances
and qualities themselves are the rules' (``c104test.rules``); these only say how a list writes
the rest.
"""

from __future__ import annotations

import re
from typing import Any

from ..protocol.enums import Type
from ..rules import did_you_mean, lookup
from ..rules.addresses import common_address, hex_text, io_address, octets
from ..rules.typeclasses import TypeClass, classify, types_of
from ..rules.units import header_unit, same_unit, split_unit
from .columns import _NO, _SELECT_WORDS, _TIME_UNITS, _YES

__all__: list[str] = []  # the reader's (signals) helpers, not an API


#: Cells that hold numbers (values, tolerances, ranges, times): in a list whose decimal sign is the
#: comma they go through ``rules.with_decimal_point``, so ``230,5 +- 0,5`` is ``230.5 +- 0.5``.
_DECIMAL_FIELDS = frozenset({"expected_value", "command_value", "return_value", "timeout", "max_skew"})

#: A number with a unit after it (``230 kV``, ``50 Hz +- 0.1``, ``12 °C``): the unit is named as the problem.
_WITH_UNIT = re.compile(r"^[-+]?\d[\d.,]*(\s*\+-\s*[\d.,]+%?)?\s*[A-Za-z°µΩ%/²³]+\s*(\+-\s*[\d.,]+%?)?$")
_VALUE_FIELDS = frozenset({"expected_value", "command_value", "return_value"})
_UNIT_HINT = ("; write the number without its unit, or with a unit c104test knows (kV, MW, Hz, ...; the unit column "
              "then must agree); a percent as the RTU reports it: 50, or 0.5 for a normalized value (a workbook cell "
              "formatted as percent shows 50 % for 0.5)")

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


def _address(text: str, parse: Any, high: int, what: str, order: str | None = None) -> int:
    """An IOA or CA as every front end reads it (rules.addresses: ``100``, ``0x64``, ``1_000``,
    ``100.0``), or written as octets (``12.34.56``, a CA ``1/2``) in the list's ``order``, then
    1..high: a point in a list has neither IOA 0 nor the broadcast address."""
    count, name = (3, "IOA") if parse is io_address else (2, "common address")
    number = octets(text, count, order, name) if order else None
    if number is None:
        try:
            number = parse(text)  # the protocol's range and the rules' message, as in Robot and Gherkin
        except ValueError as exc:
            try:
                shaped = order is None and octets(text, count, "high-first", name) is not None
            except ValueError:
                shaped = False
            if shaped:  # the list may say how it writes its octets
                raise ValueError(f"{exc}; or say which octet comes first: {OCTET_HINT}") from None
            raise
    if not 1 <= number <= high:
        raise ValueError(f"{text.strip()} outside 1..{high}, the range of {what}")
    return int(number)


#: How lists write a type beside its name: the number after TI/TK/Typ (``TI 1``, ``TK 30``), or the
#: name with its number (``M_ME_NC_1 (13)``, ``13 (M_ME_NC_1)``); both then must agree.
_TYPE_NUMBER = re.compile(r"(?:ti|tk|typ|type|type ?id|typkennung)\s*[:=]?\s*<?(\d{1,3})>?|<(\d{1,3})>", re.IGNORECASE)
_NAME_AND_NUMBER = re.compile(r"([A-Za-z]_[A-Za-z]{2}_[A-Za-z]{2}(?:_1)?)\s*[(\[<]\s*(?:ti\s*)?(\d{1,3})\s*[)\]>]"
                              r"|(\d{1,3})\s*[(\[]\s*([A-Za-z]_[A-Za-z]{2}_[A-Za-z]{2}(?:_1)?)\s*[)\]]")

#: Words that name a kind of point, not a type: each kind has types with and without time tag (and
#: the measured values three codings), and which one the RTU sends is checked, so none is guessed.
_KINDS: dict[str, tuple[TypeClass, ...]] = {}
for _words, _classes in (
    ("sp spi single single point single-point einzelmeldung em meldung indication", (TypeClass.SINGLE,)),
    ("dp dpi double double point double-point doppelmeldung dm", (TypeClass.DOUBLE,)),
    ("me mv measured value measurand measurement messwert mesure analog analogue ana mw",
     (TypeClass.NORMALIZED, TypeClass.SCALED, TypeClass.SHORT)),
    ("float real short float floating point gleitkomma", (TypeClass.SHORT,)),
    ("scaled skaliert", (TypeClass.SCALED,)), ("normalized normalised normiert", (TypeClass.NORMALIZED,)),
    ("it counter integrated total zählwert zaehlwert compteur", (TypeClass.COUNTER,)),
    ("st step step position stufenstellung", (TypeClass.STEP,)), ("bo bitstring bit string", (TypeClass.BITSTRING,)),
    ("sc single command einzelbefehl", (TypeClass.SINGLE,)), ("dc double command doppelbefehl", (TypeClass.DOUBLE,)),
    ("rc regulating step command", (TypeClass.REGULATING,)),
    ("se setpoint set point sollwert consigne", (TypeClass.NORMALIZED, TypeClass.SCALED, TypeClass.SHORT)),
):
    # a word list of phrases: split on two spaces is unreadable, so phrases are known by their words
    for _word in re.findall(r"single point|single-point|double point|double-point|measured value|integrated total|"
                            r"short float|floating point|bit string|step position|single command|double command|"
                            r"regulating step command|set point|\S+", _words):
        _KINDS[_word] = _classes


class _TypeRefused(ValueError):
    """A type cell read and refused (a kind, two types, a name and number or note that disagree):
    its message is complete, the column's hint is not added."""


def _any_type(text: str) -> Type:
    """A type as a list writes it: ``M_SP_NA_1``, ``1``, ``TI 1``, ``M_ME_NC_1 (13)``; a kind
    (``SP``, ``single point``, ``float``) is refused naming the types it may be."""
    stripped = text.strip()
    numbered = _TYPE_NUMBER.fullmatch(stripped)
    if numbered:
        stripped = numbered[1] or numbered[2]
    both = _NAME_AND_NUMBER.fullmatch(stripped)
    if both:
        name, number = (both[1], both[2]) if both[1] else (both[4], both[3])
        named, numbered_as = lookup(Type, name), lookup(Type, number)
        if named is not numbered_as:
            raise _TypeRefused(f"{stripped!r}: {named.name} is type {named.value}, and {number} is {numbered_as.name}: "
                             "write the one the RTU sends")
        return named
    noted = re.fullmatch(r"([A-Za-z]_[A-Za-z]{2}_[A-Za-z]{2}(?:_1)?)\s*[(\[]([^\d()\[\]][^()\[\]]*)[)\]]", stripped)
    if noted:  # 'M_SP_NA_1 (Einzelmeldung)': the name, and a note that must not contradict it
        named, note = lookup(Type, noted[1]), noted[2].strip()
        said = _KINDS.get(re.sub(r"[\s_]+", " ", note.lower()))
        found = classify(named)
        if said is not None and found is not None and found.value_class not in said:
            raise _TypeRefused(f"{stripped!r}: {named.name} is a {found.value_class.value}, but the note says {note!r}: "
                             "write the type the RTU sends")
        return named
    pair = re.fullmatch(r"(\w+)\s*[/+]\s*(\w+)", stripped)
    if pair and not _TYPE_NUMBER.fullmatch(stripped):
        return _pair(stripped, _any_type(pair[1]), _any_type(pair[2]))
    kind = _KINDS.get(re.sub(r"[\s_]+", " ", stripped.lower()))
    if kind is not None:
        command = stripped.lower() in ("sc", "dc", "rc", "se") or "command" in stripped.lower() or \
            stripped.lower() in ("einzelbefehl", "doppelbefehl", "sollwert", "consigne", "setpoint", "set point")
        types = [t for c in kind for t in types_of(c, command=command)]
        shown = ", ".join(f"{t.name} ({t.value}{', with time tag' if _timed(t) else ''})" for t in types)
        raise _TypeRefused(f"{stripped!r} names a kind of point, not its type: it may be {shown}; write the one the "
                         "RTU sends (the checks compare it)")
    return lookup(Type, stripped)


def _pair(text: str, one: Type, other: Type) -> Type:
    """``M_SP_NA_1/M_SP_TB_1`` (or ``1/30``): the interrogation answers in the plain type, events
    carry the time tag. That is the time-tagged type as the FAT checks it (its interrogation may
    answer plain); any other pair is refused."""
    a, b = classify(one), classify(other)
    if a and b and a.value_class is b.value_class and not a.command and not b.command and a.time_tag != b.time_tag:
        return one if a.time_tag else other  # a command pair is refused: which one to send is a guess
    raise _TypeRefused(f"{text!r} names two types ({one.name} and {other.name}); a row checks one: write the one the "
                     "RTU sends (a type with time tag: its interrogation may answer in the plain type)")


def _type(text: str, *, command: bool) -> Type:
    kind = "a command type (C_SC_NA_1, C_SE_NC_1, ...)" if command else "a monitor type (M_SP_NA_1, M_ME_NC_1, ...)"
    try:
        found = _any_type(text)
    except _TypeRefused:
        raise
    except (ValueError, KeyError) as exc:
        # the rules list every type (P_, F_, system types too): name the kind this column holds
        message = re.split(r" Valid:|; valid:", str(exc))[0]
        if "did you mean" in message:  # among the types this column may hold, not P_ or F_ types
            fits = [t.name for t in Type if (r := classify(t)) is not None and r.command is command]
            message = message.split("; did you mean")[0] + did_you_mean(text.strip(), fits)
        raise ValueError(message + ("" if "did you mean" in message else f"; the column holds {kind}")) from None
    row = classify(found)
    if row is None or row.command is not command:
        raise ValueError(f"{found.name} is not {kind}")
    return found


#: How a list says the order of its octets, named wherever an address written so is refused.
OCTET_HINT = "--octet-order high-first or low-first (octet_order= in Robot)"


def _ioa(text: str, order: str | None) -> int:
    return _address(text, io_address, 0xFFFFFF, "an IOA", order)


def _ca(text: str, order: str | None) -> int:
    return _address(text, common_address, 65534, "a common address", order)


def _return_address(text: str, order: str | None = None) -> int:
    """A return report's IOA; a word that is no IOA says how to write 'no return information'."""
    try:
        return _ioa(text, order)
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
        row = classify(_any_type(text))
    except (ValueError, KeyError):
        return False
    return row is not None and row.command


def _value_units(reader: Any, number: int, headers: list[str], columns: dict[str, int],
                 cells: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """The unit each value cell names (``110 kV``), and the cell without it. A unit the row's
    ``unit`` column or the value column's header (``Value [kV]``) contradicts is a problem: which
    one the RTU reports in is a guess."""
    units: dict[str, str] = {}
    unitless: dict[str, str] = {}
    stated = cells[columns["unit"]].strip() if "unit" in columns and columns["unit"] < len(cells) else ""
    for name in sorted(_VALUE_FIELDS):
        at = columns.get(name)
        raw = cells[at].strip() if at is not None and at < len(cells) else ""
        if not raw:
            continue
        try:
            text, unit = split_unit(raw)
        except ValueError as exc:
            reader.problem(number, reader.where(headers, at), str(exc))  # type: ignore[arg-type]
            unitless[name] = raw
            continue
        if unit is None:
            continue
        said = [(f"the unit column {reader.where(headers, columns['unit'])}", stated)] if stated else []
        if name in reader.header_units:
            said.append((f"its header {' '.join(headers[at].split())!r}", reader.header_units[name]))  # type: ignore[index]
        for source, other in said:
            if not same_unit(unit, other):
                reader.problem(number, reader.where(headers, at),  # type: ignore[arg-type]
                               f"{raw!r} is in {unit}, but {source} says {other}: which unit the RTU reports in "
                               "is a guess; write the value in the one unit")
        units[name], unitless[name] = unit, text
    return units, unitless


def _twin_agrees(twin: str, text: str, got: int, convert: Any) -> None:
    """An address written twice, in decimal and in the hex column ``twin`` beside it (``IOA (hex)``):
    a difference is a ValueError naming both, as which of them the RTU uses is a guess."""
    try:
        other = convert(hex_text(text) or text)
    except ValueError as exc:
        raise ValueError(f"column {twin} {text!r}: {exc}") from None
    if other != got:
        raise ValueError(f"{got} (0x{got:X}), but column {twin} says {text} ({other}): which one the RTU uses is a "
                         "guess; correct one of them")


def _units_row(body: list[tuple[int, list[str]]], columns: dict[str, int],
               header_units: dict[str, str]) -> list[tuple[int, list[str]]]:
    """A row of units under the header (``[kV]``, ``Hz``, ``-``), as SCADA exports write it: the
    units of its value columns (``header_units``), and no point; the body without it."""
    first = next(((n, c) for n, c in body if any(x.strip() for x in c)), None)
    if first is None:
        return body
    filled = [(i, c.strip().strip("[]()").strip()) for i, c in enumerate(first[1]) if c.strip()]
    units = {i: header_unit(f"({text})")[1] for i, text in filled if text not in ("", "-")}
    if not units or any(u is None for u in units.values()):
        return body
    for field, at in columns.items():
        if field in _VALUE_FIELDS and units.get(at):
            header_units[field] = units[at]  # type: ignore[assignment]
    return [row for row in body if row[0] != first[0]]
