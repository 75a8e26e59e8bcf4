"""The signal list: one row per point, read from CSV or XLSX, checked before anything is sent.

>>> rows = parse_csv_text("name,common_address,io_address,type,expected_value\\nQ0,47,100,M_SP_NA_1,ON\\n")
>>> rows.rows[0].io_address, rows.rows[0].expected.show()
(100, 'ON')

Every cell goes through the shared rules (``c104test.rules``): a value means in a signal list what
it means in a Robot test or a Gherkin step. Header names vary between engineering tools: a mapping
(a YAML file, or a sheet named ``Columns`` in the workbook) gives the header used for each field.
Every problem names the file, the sheet, the row and the column; all are collected, then raised
together as one ``SignalListError``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine.errors import C104TestError
from ..engine.profile_rules import Invalid, check_quality
from ..protocol.commands import command_object
from ..protocol.enums import Type
from ..rules import (
    Expected,
    QualityExpectation,
    ValueRange,
    decimal_sign_shown,
    expectation,
    interrogated,
    parse_value,
    type_class,
    with_decimal_point,
)
from ..rules.addresses import OCTET_ORDERS, hex_text
from ..rules.typeclasses import classify
from ..rules.units import header_unit
from .cells import (
    _DATE_CELL,
    _DATE_HINT,
    _DECIMAL_FIELDS,
    _UNIT_HINT,
    _VALUE_FIELDS,
    _WITH_UNIT,
    OCTET_HINT,
    _ca,
    _flag,
    _groups,
    _ioa,
    _is_command,
    _return_address,
    _seconds,
    _select,
    _timed,
    _twin_agrees,
    _type,
    _units_row,
    _value_units,
)
from .columns import (
    _BY_FIELD,
    _IN_INTERROGATION,
    _YES,
    ADDRESS_FIELDS,
    COLUMNS,
    EVENTS_ONLY,
    NO_RETURN,
    PLACEHOLDERS,
    Column,
    _grouped,
    _norm,
    hex_header,
)
from .file_kinds import decode_csv, file_kind
from .mapping import _mapping_file, _no_field
from .template import write_template

__all__ = [
    "COLUMNS",
    "EVENTS_ONLY",
    "NO_RETURN",
    "Column",
    "Problem",
    "SignalList",
    "SignalListError",
    "SignalRow",
    "from_table",
    "parse_csv_text",
    "read_signal_list",
    "write_template",
]



#: Fields where a placeholder says something ('-': no return information, in no interrogation), and
#: the required ones, where it is no address or type and is refused as such.
_PLACEHOLDER_MEANS = frozenset({"return_io_address", "interrogation", "name", "common_address", "io_address", "type"})

#: Rows searched for the header: a title, the RTU's name or a blank row may come first.
_HEADER_SEARCH = 20

@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a signal list, and where."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"sheet {self.sheet}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


class SignalListError(C104TestError):
    """The signal list cannot be used; ``problems`` lists each one with file, sheet, row, column."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        shown = [str(p) for p in self.problems[:20]]
        if len(self.problems) > 20:
            shown.append(f"... and {len(self.problems) - 20} more")
        super().__init__("\n".join(shown))


@dataclass(frozen=True, slots=True)
class SignalRow:
    """One checked row; ``cells`` keeps the row as written, for the signed report. ``row`` is the
    row's number in its file or sheet; in a list spread over several sheets, ``'Bay_E01!12'``."""

    row: int | str
    name: str
    common_address: int
    io_address: int
    type: Type
    expected: Expected | ValueRange | None
    quality: QualityExpectation
    groups: tuple[int, ...]
    command_io_address: int | None = None
    command_type: Type | None = None
    command_value: Any = None
    select: bool = False
    return_io_address: int | None = None  # None with a command: the RTU sends no return information
    return_value: Expected | None = None
    timeout: float | None = None
    restore: bool = False
    skip: bool = False
    max_skew: float | None = None
    cells: tuple[str, ...] = field(default=(), compare=False)
    #: False: the RTU reports the point only as events (the ``interrogation`` column, or M_EP_*)
    interrogation: bool = True

    @property
    def is_counter(self) -> bool:
        return type_class(self.type) is not None and self.type.name.startswith("M_IT")

    @property
    def has_command(self) -> bool:
        return self.command_io_address is not None

    @property
    def is_command(self) -> bool:
        """The row is a command's own (its type a command type): judged by the command alone."""
        found = classify(self.type)
        return found is not None and found.command

    @property
    def has_return(self) -> bool:
        """The command is reported back (return information on ``return_io_address``); False: the
        list says the RTU sends none, and only the confirmation is checked."""
        return self.return_io_address is not None

    @property
    def key(self) -> tuple[int, int]:
        return (self.common_address, self.io_address)


@dataclass(frozen=True, slots=True)
class SignalList:
    """The rows of one list, the headers as written, and the file's sha256."""

    path: str
    sheet: str | None
    headers: tuple[str, ...]
    rows: tuple[SignalRow, ...]
    sha256: str
    #: headers of columns that are no field (kept in the report, never checked): an expected
    #: value under a header c104test does not know would go unchecked, so the CLI names them
    unused: tuple[str, ...] = ()
    #: a workbook read sheet by sheet: the sheets read (their rows are 'Sheet!12'), and the
    #: sheets left out, each with why ('Cover: no header row naming name, common_address, ...')
    sheets: tuple[str, ...] = ()
    skipped_sheets: tuple[str, ...] = ()

    def sheet_notes(self) -> list[tuple[str, str]]:
        """What the console, the log and the report say of the sheets: read, and left out with why
        (nothing for a CSV, or a workbook of one sheet)."""
        notes = []
        if len(self.sheets) > 1 or self.skipped_sheets:
            notes.append(("sheets read", ", ".join(self.sheets)))
        if self.skipped_sheets:
            notes.append(("sheets skipped", "; ".join(self.skipped_sheets)))
        return notes


def _letter(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


class _Reader:
    """Turns header + rows of text into SignalRows, collecting every problem."""

    def __init__(self, file: str, sheet: str | None, mapping: Mapping[str, str], letters: bool,
                 decimal: str | None = ".", delimiter: str | None = None, *,
                 seen: dict[tuple[int, int], int | str] | None = None, prefix: str = "",
                 numbers: frozenset[tuple[int, int]] = frozenset(), octets: str | None = None) -> None:
        self.file, self.sheet, self.letters = file, sheet, letters
        # how the list writes an address as octets (12.34.56): 'high-first', 'low-first', or None:
        # not said, and such an address is refused naming both readings (rules.addresses.octets)
        self.octets = octets
        self.header_units: dict[str, str] = {}
        self.hex_fields: set[str] = set()  # address columns whose header says hex ('IOA (hex)')
        self.twins: dict[str, int] = {}  # an address field's second column, in hex ('IOA' and 'IOA (hex)')
        self.octet_rows: dict[int, list[int | str]] = {}  # column -> rows whose address is written as octets  # a value column's unit from its header ('Value [kV]')
        # the decimal sign of the list's numbers: '.', ',' (a list separated by semicolons), or
        # None: told by the numbers themselves (a tab-separated list, a workbook's text cells)
        self.decimal = decimal
        self.decimal_why = "in a list separated by semicolons the comma is the decimal sign"
        self.numbers = numbers  # (row, column) of a workbook's number cells: no text to read a sign from
        self.delimiter = delimiter  # a CSV's separator: a row with more cells than the header is misread
        self.mapping = {_norm(k): v for k, v in mapping.items()}
        self.problems: list[Problem] = []
        # one sheet of several: rows are 'Sheet!12', a (CA, IOA) is unique across the sheets
        # (``seen`` is shared), and the list as a whole is judged by its reader (workbook)
        self.seen: dict[tuple[int, int], int | str] = {} if seen is None else seen
        self.prefix = prefix

    def ref(self, number: int) -> int | str:
        """The row as every message and report names it: 12, or 'Bay_E01!12' for one sheet of several."""
        return f"{self.prefix}{number}" if self.prefix else number

    def problem(self, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.file, self.sheet, row, column, message))

    def header_names(self, column: Column) -> list[str]:
        return [self.mapping[column.field]] if column.field in self.mapping else [column.header, *column.aliases]

    def required_found(self, cells: list[str]) -> int:
        """How many required fields ``cells`` name."""
        index = {_norm(c) for c in cells if str(c).strip()}
        return sum(any(_norm(n) in index for n in self.header_names(c)) for c in COLUMNS if c.required)

    def header_index(self, table: list[list[str]]) -> int:
        """The header row: the first that names every required column within the first rows, else
        the one that names the most of them (a title above it names none), else the first
        non-blank one; the missing columns of that row are then reported."""
        best, found = None, 0
        for i, cells in enumerate(table[:_HEADER_SEARCH]):
            count = self.required_found(cells)
            if count == sum(c.required for c in COLUMNS):
                return i
            if count > found:
                best, found = i, count
        if best is not None:
            return best
        return next((i for i, cells in enumerate(table) if any(str(c).strip() for c in cells)), 0)

    def read(self, table: list[list[str]]) -> tuple[list[str], list[SignalRow]]:
        """Header and rows of a whole table; row numbers are the table's own (1-based)."""
        start = self.header_index(table)
        headers = [str(h) for h in table[start]]
        if start > 0:
            headers = _grouped(headers, [str(c) for c in table[start - 1]], self.header_names)
        body = ((start + i + 2, [str(c) for c in r]) for i, r in enumerate(table[start + 1:]))
        return headers, self.rows(headers, body, start + 1)

    def unused(self, headers: list[str]) -> tuple[str, ...]:
        """The headers that no field was read from."""
        found = self.locate(headers, 0, report=False)
        used = {*found.values(), *self.twins.values()}
        return tuple(" ".join(str(h).split()) for i, h in enumerate(headers) if str(h).strip() and i not in used)

    def locate(self, headers: list[str], header_row: int, *, report: bool = True) -> dict[str, int]:
        index = {_norm(h): i for i, h in enumerate(headers) if str(h).strip()}
        found: dict[str, int] = {}
        for key in self.mapping if report else ():
            if key not in _BY_FIELD:
                self.problem(None, None, _no_field(key))
        for column in COLUMNS:
            names = self.header_names(column)
            # every column whose header names this field: two of them (an 'IOA' twice, or 'ca' beside
            # 'common_address') would leave one unread, and which one is a guess
            # ('Name' beside 'Description' is common and checks nothing: the first name found is shown)
            matching = [i for i, h in enumerate(headers) if str(h).strip() and _norm(h) in {_norm(n) for n in names}]
            hexed = [i for i in matching if hex_header(headers[i])]
            if column.field in ADDRESS_FIELDS and len(matching) == 2 and len(hexed) == 1:
                # 'IOA' beside 'IOA (hex)', as many tools export: both are read, and must agree
                self.twins[column.field] = hexed[0]
                found[column.field] = next(i for i in matching if i != hexed[0])
                continue
            if len(matching) > 1 and report and column.field != "name":
                shown = " and ".join(self.where(headers, i) + ("" if self.letters else f" (column {i + 1})")
                                     for i in matching)
                same = len({_norm(headers[i]) for i in matching}) == 1
                how = ("rename or delete the others" if same else
                       f"rename or delete the others, or name the one to read in a column mapping ({column.field}: header)")
                self.problem(header_row, None, f"the columns {shown} are each read as {column.field}: "
                             f"which one holds it is a guess; keep one ({how})")
            for name in names:
                if _norm(name) in index:
                    found[column.field] = index[_norm(name)]
                    break
            else:
                if column.required and report:
                    shown = names[0] if column.field in self.mapping else column.header
                    known = "" if column.field in self.mapping else (
                        f"; the headers {' or '.join(repr(n) for n in names[:3])}{' ...' if len(names) > 3 else ''} (any case) "
                        f"are read as {column.field},"
                        " a column mapping names another")
                    self.problem(header_row, None, f"missing column {shown!r} ({column.help}){known}; "
                                 f"the header row has: {', '.join(str(h) for h in headers if str(h).strip())}")
        return found

    def where(self, headers: list[str], index: int) -> str:
        name = " ".join(str(headers[index]).split())  # a header with a line break, as one line
        return f"{_letter(index)} {name!r}" if self.letters else repr(name)

    def rows(self, headers: list[str], body: Iterable[tuple[int, list[str]]], header_row: int) -> list[SignalRow]:
        columns = self.locate(headers, header_row)
        if any(p.row == header_row for p in self.problems):
            return []
        self.header_units = {f: u for f, i in columns.items() if (u := header_unit(str(headers[i]))[1])}
        self.hex_fields = {f for f, i in columns.items() if f in ADDRESS_FIELDS and hex_header(headers[i])}
        body = list(body)
        if self.decimal is None and not self.decide_decimal(headers, columns, body):
            return []
        body = _units_row(body, columns, self.header_units)
        out: list[SignalRow] = []
        seen = self.seen
        for number, cells in body:
            cells = [("" if c is None else str(c)) for c in cells] + [""] * (len(headers) - len(cells))
            if not any(c.strip() for c in cells) or _comment(cells, columns):
                continue
            if self.delimiter and len(cells) > len(headers) and self.split_value(number, headers, columns, cells):
                continue
            filled = [i for i, c in enumerate(cells) if c.strip()]
            if len(filled) == 1 and "io_address" in columns and filled[0] != columns["io_address"]:
                # a heading ('Bay 1 switchgear', merged over the row): one problem saying so, not
                # 'empty common_address', 'empty io_address', 'empty type'
                at = filled[0]
                self.problem(number, self.where(headers, at) if at < len(headers) else _letter(at) if self.letters else None,
                             f"only this cell is filled ({cells[at].strip()!r}): a section heading? start it with # "
                             "(or fill in the point's common_address, io_address and type)")
                continue
            row = self.row(number, headers, columns, cells)
            if row is None:
                continue
            if row.key in seen:
                again = ("; a second command of the point gets a row of its own: its type and io_address the "
                         f"command's, its return_io_address {row.io_address}") if row.has_command and not row.is_command else ""
                if self.prefix and not str(seen[row.key]).startswith(self.prefix):
                    again += ("; every sheet whose header row names the columns is read, and a point is listed on "
                              "one of them (or read one sheet with --sheet)")
                self.problem(number, self.where(headers, columns["io_address"]),
                             f"duplicate IOA {row.io_address} of CA {row.common_address}: row {seen[row.key]} lists it "
                             f"already{again}")
                continue
            seen[row.key] = self.ref(number)
            out.append(row)
        self.octets_once(headers)
        if not self.prefix:
            self.nothing_to_check(out, header_row)
        return out

    def octets_once(self, headers: list[str]) -> None:
        """Addresses written as octets without an order: the first of each column says why, the
        others are counted in one line (a list of 2,000 such rows would otherwise say it 2,000 times)."""
        again = {i for at in self.octet_rows.values() for i in at[1:]}
        for at, indexes in self.octet_rows.items():
            if len(indexes) > 1:
                refs = [self.problems[i].row for i in indexes[1:]]
                shown = ", ".join(str(r) for r in refs[:5]) + (", ..." if len(refs) > 5 else "")
                self.problems.append(Problem(self.file, self.sheet, None, self.where(headers, at),
                                             f"{len(refs)} more addresses are written as octets (rows {shown}): the "
                                             "same, read once --octet-order says which octet comes first"))
        self.problems = [p for i, p in enumerate(self.problems) if i not in again]
        self.octet_rows = {}

    def decide_decimal(self, headers: list[str], columns: dict[str, int], body: list[tuple[int, list[str]]]) -> bool:
        """The decimal sign of a list that does not say (tab-separated, a workbook's text cells):
        the comma when a number shows it beyond doubt (``12,5``, ``1.234,5``; rules.decimal_sign)
        and none shows the point, else the point. Both shown is a guess: refused naming a cell of
        each (False), so no number is read with the wrong sign."""
        found: dict[str, tuple[int, str, str]] = {}
        for number, cells in body:
            for name in sorted(_DECIMAL_FIELDS):
                at = columns.get(name)
                if at is None or at >= len(cells) or (number, at) in self.numbers:
                    continue
                sign = decimal_sign_shown(str(cells[at]))
                if sign is not None and sign not in found:
                    found[sign] = (number, self.where(headers, at), str(cells[at]).strip())
        if len(found) == 2:
            (row, column, text), (other_row, other_column, other) = found[","], found["."]
            self.problem(row, column, f"{text!r} has a decimal comma, but row {self.ref(other_row)}, column "
                         f"{other_column} has a decimal point ({other!r}): which sign separates the decimals of this "
                         "list is a guess; write every number with one of them")
            return False
        self.decimal = "," if "," in found else "."
        if "," in found:
            row, column, text = found[","]
            self.decimal_why = (f"in this list the comma is the decimal sign (row {self.ref(row)}, column {column}: "
                                f"{text!r})")
        return True

    def nothing_to_check(self, out: list[SignalRow], header_row: int | None) -> None:
        """A run that checks nothing would pass: a list without points (all filtered out, or
        commented) or with every row skipped is refused, as --only that selects no row is."""
        if not self.problems and not out:
            below = f"below the header (row {header_row})" if header_row is not None else "below the headers of the sheets"
            self.problem(None, None, f"no point rows {below}: a run would check nothing "
                         "and pass; fill in the points (a row starting with # is a comment)")
        elif not self.problems and all(r.skip for r in out):
            self.problem(None, None, f"every row ({len(out)}) has skip set: a run would check nothing and pass; "
                         "clear skip on the rows to check")

    def split_value(self, number: int, headers: list[str], columns: dict[str, int], cells: list[str]) -> bool:
        """A CSV row with more cells than its header: an unquoted separator inside a value (a decimal
        comma, ``231,5``, in a comma-separated list) shifts every cell after it, and each shifted cell
        would be reported under the wrong column. Reports the row once, naming the value that was
        split when joining two cells again makes a clean row; True when it did."""
        probe = _Reader(self.file, self.sheet, {}, self.letters, self.decimal, octets=self.octets)
        probe.mapping = self.mapping
        extra = [c for c in cells[len(headers):] if c.strip()]
        if not extra and probe.row(number, headers, columns, cells) is not None and not probe.problems:
            return False  # trailing empty cells only: nothing is shifted
        hint = ""
        for i in range(len(cells) - 1) if len(cells) == len(headers) + 1 else ():
            if not (re.search(r"\d$", cells[i]) and re.match(r"\d", cells[i + 1])):
                continue
            joined = f"{cells[i]}{self.delimiter}{cells[i + 1]}"
            probe = _Reader(self.file, self.sheet, {}, self.letters, decimal=",", octets=self.octets)
            probe.mapping = self.mapping
            if probe.row(number, headers, columns, [*cells[:i], joined, *cells[i + 2:]]) and not probe.problems:
                point = joined.replace(self.delimiter, ".") if self.delimiter == "," else joined
                hint = (f"; column {self.where(headers, i)} reads as '{cells[i]}' and the next as '{cells[i + 1]}':"
                        f" write {point}" + (f" or quote it (\"{joined}\")" if self.delimiter == "," else ""))
                break
        sep = {",": "comma", ";": "semicolon", "\t": "tab"}.get(self.delimiter, repr(self.delimiter))
        self.problem(number, None, f"{len(cells)} cells, but the header row has {len(headers)}: a {sep} inside a "
                     f"value splits it (a decimal comma in a comma-separated list?){hint}")
        return True

    def row(self, number: int, headers: list[str], columns: dict[str, int], cells: list[str]) -> SignalRow | None:
        values: dict[str, Any] = {}
        number_row = number
        before = len(self.problems)

        _, unitless = _value_units(self, number, headers, columns, cells)

        def localized(name: str) -> bool:
            """A number cell written with the list's decimal comma (a workbook's number cell has none)."""
            return self.decimal == "," and name in _DECIMAL_FIELDS and (number, columns.get(name)) not in self.numbers

        def cell(name: str) -> str:
            text = unitless.get(name, cells[columns[name]].strip()) if name in columns else ""
            if text.lower() in PLACEHOLDERS and name not in _PLACEHOLDER_MEANS:
                return ""  # '-' or 'n/a' where a list has nothing to say: the empty cell it stands for
            if text and localized(name):
                # 230,5 +- 0,5 as the rules write it (230.5 +- 0.5): the rules then read it
                try:
                    text = with_decimal_point(text, ",")
                except ValueError:
                    pass  # parse() names it
            return text

        def parse(name: str, convert: Any) -> Any:
            text = cell(name)
            if not text:
                return None
            raw = unitless.get(name, cells[columns[name]].strip())
            if localized(name):
                try:
                    with_decimal_point(raw, ",")
                except ValueError as exc:  # '12.345' where the comma is the decimal sign: twelve thousand, or twelve?
                    self.problem(number_row, self.where(headers, columns[name]), f"{raw!r}: {self.decimal_why}, so {exc}")
                    return None
            if name in self.hex_fields:
                text = hex_text(text) or text  # the header says hex: '123' is 0x123
            try:
                got = convert(text)
                twin = self.twins.get(name)
                if twin is not None and twin < len(cells) and cells[twin].strip():
                    _twin_agrees(self.where(headers, twin), cells[twin].strip(), got, convert)
                return got
            except ValueError as exc:
                if OCTET_HINT in str(exc):  # said once per column, not on every row
                    self.octet_rows.setdefault(columns[name], []).append(len(self.problems))
                # a quoted '230,5' in a comma list: the rules say how to write it, as in Robot and Gherkin
                hint = _UNIT_HINT if name in _VALUE_FIELDS and _WITH_UNIT.match(text) else ""
                if _DATE_CELL.match(text):
                    hint += _DATE_HINT
                self.problem(number, self.where(headers, columns[name]), f"{exc}{hint}")
                return None

        if _is_command(cell("type")):
            return self.command_row(number, headers, columns, cells, cell, parse)
        for name in ("name", "common_address", "io_address", "type"):
            if not cell(name):
                self.problem(number, self.where(headers, columns[name]), f"empty {name}: every row needs one")
        values["common_address"] = parse("common_address", lambda t: _ca(t, self.octets))
        values["io_address"] = parse("io_address", lambda t: _ioa(t, self.octets))
        point_type = parse("type", lambda t: _type(t, command=False))
        # a value, a tolerance or a range, read as Robot and Gherkin read it
        values["expected"] = parse("expected_value", lambda t: expectation(t, point_type)) if point_type is not None else None
        values["quality"] = parse("expected_quality", QualityExpectation.parse) or QualityExpectation(frozenset())
        if point_type is not None and values["quality"].flags and cell("expected_quality"):
            try:  # the flags the type carries, as the simulator's profile reads them: one table
                check_quality(point_type, sorted(values["quality"].flags))
            except Invalid as exc:
                self.problem(number, self.where(headers, columns["expected_quality"]),
                             f"{exc}: no device can report it, so the row could never pass")
        marks = getattr(values["expected"], "qualifiers", None)
        if marks is not None and marks.flags is not None and not cell("expected_quality"):
            # '12345 seq 3 CY': the counter's flags are its quality; an empty expected_quality
            # ('good') beside them failed every counter that has them (given both, both are checked,
            # as in Robot and Gherkin)
            values["quality"] = QualityExpectation(marks.flags)
        values["groups"] = parse("groups", _groups) or ()
        command_ioa = parse("command_io_address", lambda t: _ioa(t, self.octets))
        command_type = parse("command_type", lambda t: _type(t, command=True))
        command_value = None
        if command_type is not None:
            command_value = parse("command_value", lambda t: parse_value(t, type_class(command_type)))  # type: ignore[arg-type]
        if command_ioa is not None or command_type is not None:
            for name, got in (("command_io_address", command_ioa), ("command_type", command_type),
                              ("command_value", command_value)):
                if got is None and not cell(name) and not any(p.row == number for p in self.problems[before:]):
                    column = self.where(headers, columns[name]) if name in columns else repr(_BY_FIELD[name].header)
                    self.problem(number, column, f"empty {name}: a command needs its IOA, type and value")
        no_return = cell("return_io_address").lower() in NO_RETURN
        select = parse("select", _select) or False
        if command_type is not None and command_value is not None:
            self.command_problem(number, headers, columns, command_type, command_ioa or 1, command_value, select)
        return_ioa = None if no_return else parse("return_io_address", lambda t: _return_address(t, self.octets))
        return_value = None
        ret_type = point_type if return_ioa in (None, values["io_address"]) else None
        if no_return:
            for name, why in (("return_value", "there is no return report to show it"),
                              ("restore", "the value to command back is the return report's, and there is none")):
                if name in columns and cell(name) and (name != "restore" or cell(name).lower() in _YES):
                    self.problem(number, self.where(headers, columns[name]),
                                 f"{name} {cell(name)!r} with return_io_address {cell('return_io_address')!r} "
                                 f"(no return information): {why}; empty it, or give the return report's IOA")
            if command_ioa is None and command_type is None:
                self.problem(number, self.where(headers, columns["return_io_address"]),
                             f"return_io_address {cell('return_io_address')!r} (no return information) in a row "
                             "without a command: fill in command_io_address, command_type and command_value")
        elif command_type is not None:
            return_value = parse("return_value", lambda t: expectation(t, ret_type))
        timeout = parse("timeout", _seconds)
        if timeout is not None and timeout <= 0:
            self.problem(number, self.where(headers, columns["timeout"]), f"timeout {timeout:g} must be above 0 s")
        max_skew = parse("max_skew", _seconds)
        if max_skew is not None and max_skew <= 0:
            self.problem(number, self.where(headers, columns["max_skew"]), f"max_skew {max_skew:g} must be above 0 s")
        elif max_skew is not None and point_type is not None and not _timed(point_type):
            self.problem(number, self.where(headers, columns["max_skew"]),
                         f"{point_type.name} carries no time tag; a skew needs a type with time (M_SP_TB_1, ...)")
        restore = parse("restore", _flag) or False
        skip = parse("skip", _flag) or False
        interrogation = interrogated(point_type) if point_type is not None else True
        said = cell("interrogation").lower()
        if said in EVENTS_ONLY:
            interrogation = False
        elif said and said not in _IN_INTERROGATION:
            self.problem(number, self.where(headers, columns["interrogation"]),
                         f"{cell('interrogation')!r} is not yes or no: 'no' (or spontaneous, events only) says the RTU "
                         "reports the point only as events; empty or yes: in the station interrogation"
                         + ("; interrogation groups (1..16) go in the groups column" if said.isdigit() else ""))
        elif said and not interrogation:
            self.problem(number, self.where(headers, columns["interrogation"]),
                         f"{point_type.name if point_type else ''} is in no interrogation: the standard reports protection "
                         "events only as events; empty the cell")
        if not interrogation and restore and command_ioa is not None and return_ioa in (None, values["io_address"]) \
                and not no_return:
            self.problem(number, self.where(headers, columns["restore"]),
                         "restore with a point reported only as events: the value to command back is the one the "
                         "point had before the command, and it is in no interrogation to read it from; empty restore")
        if point_type is not None and point_type.name.startswith("M_IT") and any(g > 4 for g in values["groups"] or ()):
            self.problem(number, self.where(headers, columns["groups"]),
                         f"groups {cell('groups')!r} of a counter: a counter's groups are its counter interrogation "
                         "groups 1..4 (counters are in no station or group interrogation)")
        if not interrogation and values["groups"]:
            why = (f"with interrogation {cell('interrogation')!r}" if said else
                   f"of a {point_type.name if point_type else ''} point")
            self.problem(number, self.where(headers, columns["groups"]),
                         f"groups {cell('groups')!r} {why}: a point reported only as events is in no interrogation "
                         "group; empty " + ("one of them" if said else "the cell"))
        if len(self.problems) > before or point_type is None:
            return None
        if command_type is not None and return_value is None and command_value is not None and not no_return:
            return_value = self.command_as_return(number, headers, columns, cell("command_value"), ret_type)
            if return_value is None:
                return None
        return SignalRow(
            self.ref(number), cell("name"), values["common_address"], values["io_address"], point_type,
            values["expected"], values["quality"], values["groups"], command_ioa, command_type, command_value,
            select, return_ioa if return_ioa is not None or no_return else (values["io_address"] if command_ioa else None),
            return_value, timeout, restore, skip, max_skew, tuple(cells), interrogation,
        )


    def command_as_return(self, number: int, headers: list[str], columns: dict[str, int], text: str,
                          return_type: Type | None) -> Any:
        """With ``return_value`` empty, the command value is the expected return report; None (the
        problem named) when it cannot be one."""
        try:
            return expectation(text, return_type)
        except ValueError as exc:
            self.problem(number, self.where(headers, columns["command_value"]),
                         f"return_value is empty, so the command value is the expected return: {exc}; "
                         "write the return report's value in return_value")
            return None

    def command_problem(self, number: int, headers: list[str], columns: dict[str, int], command_type: Type,
                        ioa: int, value: Any, select: bool) -> None:
        """The command as it would go out (protocol.commands builds it): a value or a select the
        type cannot carry (a bitstring has no S/E bit) is the list's problem, named at load, not an
        error in the middle of the run."""
        try:
            command_object(command_type, ioa, value, select=select)
        except ValueError as exc:
            alone = True
            if select:
                try:
                    command_object(command_type, ioa, value)
                except ValueError:
                    alone = False
            name = "select" if select and alone else "command_value"
            column = self.where(headers, columns[name]) if name in columns else repr(name)
            self.problem(number, column, f"{command_type.name}: {exc}")

    def command_row(self, number: int, headers: list[str], columns: dict[str, int], cells: list[str],
                    cell: Any, parse: Any) -> SignalRow | None:
        """A row of its own for a command (``type`` C_SC_NA_1 ...; its IOA the command's): a command
        that drives no listed point (a reset, an acknowledgement, a setpoint), or a list that gives
        every command a row. It is judged by its confirmation, and by a return report when
        ``return_io_address`` names one; empty or ``none``: the RTU sends none."""
        before = len(self.problems)
        for name in ("name", "common_address", "io_address"):
            if not cell(name):
                self.problem(number, self.where(headers, columns[name]), f"empty {name}: every row needs one")
        ca = parse("common_address", lambda t: _ca(t, self.octets))
        ioa = parse("io_address", lambda t: _ioa(t, self.octets))
        command_type = parse("type", lambda t: _type(t, command=True))
        kind = command_type.name if command_type is not None else "a command"
        for name in ("expected_value", "expected_quality", "groups", "interrogation", "max_skew"):
            if name in columns and cell(name):
                self.problem(number, self.where(headers, columns[name]),
                             f"{name} {cell(name)!r} in the row of a command ({kind}): a command is in no interrogation "
                             "and shows no value of its own; the value to send goes in command_value, the report it "
                             "causes in return_io_address and return_value")
        for name, same in (("command_io_address", ioa), ("command_type", command_type)):
            got = parse(name, lambda t, n=name: (_type(t, command=True) if n == "command_type" else
                                                 _ioa(t, self.octets)))
            if got is not None and same is not None and got != same:
                self.problem(number, self.where(headers, columns[name]),
                             f"{name} {cell(name)!r} in the row of command {kind} at IOA {cell('io_address')}: the "
                             f"row's type and io_address are the command's; empty {name}")
        value = parse("command_value", lambda t: parse_value(t, type_class(command_type))) if command_type else None
        if value is None and not cell("command_value") and len(self.problems) == before:
            column = self.where(headers, columns["command_value"]) if "command_value" in columns else "'command_value'"
            self.problem(number, column, f"empty command_value: the row of a command ({kind}) needs the value to send")
        said = cell("return_io_address")
        no_return = not said or said.lower() in NO_RETURN
        return_ioa = None if no_return else parse("return_io_address", lambda t: _return_address(t, self.octets))
        return_value = None if no_return else parse("return_value", lambda t: expectation(t, None))
        restore = parse("restore", _flag) or False
        for name, why in (("return_value", "there is no return report to show it"),
                          ("restore", "the value to command back is the return report's, and there is none")):
            if no_return and name in columns and cell(name) and (name != "restore" or restore):
                self.problem(number, self.where(headers, columns[name]),
                             f"{name} {cell(name)!r} with no return information (return_io_address "
                             f"{said or 'empty'}): {why}; empty it, or give the return report's IOA")
        if return_ioa is not None and return_value is None and value is not None:
            return_value = self.command_as_return(number, headers, columns, cell("command_value"), None)
        timeout = parse("timeout", _seconds)
        if timeout is not None and timeout <= 0:
            self.problem(number, self.where(headers, columns["timeout"]), f"timeout {timeout:g} must be above 0 s")
        select = parse("select", _select) or False
        skip = parse("skip", _flag) or False
        if command_type is not None and value is not None:
            self.command_problem(number, headers, columns, command_type, ioa or 1, value, select)
        if len(self.problems) > before or command_type is None or ca is None or ioa is None:
            return None
        return SignalRow(self.ref(number), cell("name"), ca, ioa, command_type, None, QualityExpectation(frozenset()), (), ioa,
                         command_type, value, select, return_ioa, return_value, timeout, restore, skip, None,
                         tuple(cells), interrogation=False)


def _comment(cells: list[str], columns: dict[str, int]) -> bool:
    """A comment or section row: its first filled cell starts with ``#`` and it has no IOA (a point
    named ``#1 Transformer`` with its IOA is a point, never skipped)."""
    first = next((c.strip() for c in cells if c.strip()), "")
    ioa = cells[columns["io_address"]].strip() if "io_address" in columns else ""
    return first.startswith("#") and not ioa


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_csv_text(text: str, *, file: str = "<csv>", mapping: Mapping[str, str] | None = None,
                   sha256: str = "", octet_order: str | None = None) -> SignalList:
    """A signal list from CSV text: comma, semicolon or tab, whichever makes a header row (else sniffed).

    With semicolons a comma between digits of a value is a decimal comma (Excel's CSV in Europe).
    """
    tables = {d: list(csv.reader(io.StringIO(text), delimiter=d)) for d in (",", ";", "\t")}
    probe = _Reader(file, None, mapping or {}, letters=False)
    # the separator whose rows name the most required columns (a header with one unknown name still wins)
    found = {d: max((probe.required_found(r) for r in t[:_HEADER_SEARCH]), default=0) for d, t in tables.items()}
    delimiter = max(found, key=lambda d: found[d]) if any(found.values()) else None
    if delimiter is None:
        first = next((line for line in text.splitlines() if line.strip()), "")
        try:
            delimiter = csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
    table = tables[delimiter]
    if not any(any(c.strip() for c in r) for r in table):
        raise SignalListError([Problem(file, None, None, None, "the file is empty: it needs a header row")])
    # ';': Excel's CSV where the comma is the decimal sign; ',': the point; a tab: as the numbers show
    decimal = {";": ",", ",": "."}.get(delimiter)
    reader = _Reader(file, None, mapping or {}, letters=False, decimal=decimal, delimiter=delimiter, octets=octet_order)
    headers, rows = reader.read(table)
    if reader.problems:
        raise SignalListError(reader.problems)
    return SignalList(file, None, tuple(headers), tuple(rows), sha256 or _sha256(text.encode()), reader.unused(headers))


def from_table(table: list[list[str]], *, file: str = "<table>", mapping: Mapping[str, str] | None = None) -> SignalList:
    """A signal list from rows of text, the first one the header (a Gherkin data table, keyword arguments)."""
    if not table:
        raise SignalListError([Problem(file, None, None, None, "the table is empty: it needs a header row")])
    reader = _Reader(file, None, mapping or {}, letters=False)
    rows = reader.rows([str(h) for h in table[0]], ((i + 2, [str(c) for c in r]) for i, r in enumerate(table[1:])), 1)
    if reader.problems:
        raise SignalListError(reader.problems)
    text = "\n".join(",".join(str(c) for c in r) for r in table)
    return SignalList(file, None, tuple(str(h) for h in table[0]), tuple(rows), _sha256(text.encode()))


def read_signal_list(path: str | Path, *, columns: str | Path | None = None, sheet: str | None = None,
                     octet_order: str | None = None) -> SignalList:
    """Read and check a CSV or XLSX signal list; SignalListError names every problem. ``octet_order``
    (``high-first``, ``low-first``): how the list writes an address as octets (``12.34.56``)."""
    if octet_order not in (None, *OCTET_ORDERS):
        raise ValueError(f"octet order {octet_order!r}: give one of {', '.join(OCTET_ORDERS)}")
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SignalListError([Problem(str(path), None, None, None, f"cannot read: {exc.strerror or exc}")]) from None
    mapping = _mapping_file(columns)
    kind = file_kind(data)
    if kind == "zip" and b"mimetype" in data[:100] and b"opendocument.spreadsheet" in data[:200]:
        raise SignalListError([Problem(str(path), None, None, None, "an OpenDocument spreadsheet (.ods): save it "
                                       "as .xlsx or CSV (LibreOffice: File > Save As)")])
    if kind == "ole2":
        raise SignalListError([Problem(str(path), None, None, None, "a legacy Excel 97-2003 workbook (.xls): save "
                                       "it as .xlsx or CSV")])
    if kind == "zip" or path.suffix.lower() in (".xlsx", ".xlsm"):
        from .workbook import read_workbook

        return read_workbook(path, data, sheet, mapping, octet_order)  # a workbook, whatever its name says
    if kind == "binary":
        raise SignalListError([Problem(str(path), None, None, None, "not a CSV text file nor an XLSX workbook "
                                       f"(octet {data.index(0)} is 0x00)")])
    if sheet is not None:  # it would go unused: the list read may not be the one meant
        raise SignalListError([Problem(str(path), None, None, None, f"the sheet {sheet!r} was named, but the file "
                                       "is CSV text, which has no sheets")])
    try:
        return parse_csv_text(decode_csv(data), file=str(path), mapping=mapping, sha256=_sha256(data),
                              octet_order=octet_order)
    except csv.Error as exc:
        raise SignalListError([Problem(str(path), None, None, None, f"not readable as CSV: {exc}")]) from None
