"""Signal lists in XLSX workbooks: the sheet, its cells as text, merged cells and formulas.

A workbook is read as its spreadsheet shows it: a cell merged over rows gives each row its value,
a formula its computed value (one never computed is named, not read as empty), a number
``100.0`` is ``100``. The rows then go through the same reader as a CSV list
(``signals._Reader``), so a value means the same in both.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

from .columns import COLUMNS, COLUMNS_SHEET, SIGNAL_SHEET
from .merged_cells import fill_merged, merged_ranges
from .signals import (
    _BY_FIELD,
    _HEADER_SEARCH,
    Problem,
    SignalList,
    SignalListError,
    SignalRow,
    _letter,
    _no_field,
    _norm,
    _Reader,
    _sha256,
)

__all__ = ["read_workbook"]


def read_workbook(path: Path, data: bytes, sheet: str | None, mapping: dict[str, str],
                  octet_order: str | None = None) -> SignalList:
    """The list of a workbook: the sheet named ``sheet``; by default every sheet whose header row
    names the required columns (one sheet per bay), the others (a cover, a revision history) left
    out and named in ``skipped_sheets``. Rows of a list over several sheets are 'Bay_E01!12'."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for a bad file
        raise SignalListError([Problem(str(path), None, None, None, f"not a readable XLSX workbook: {exc}")]) from None
    try:
        if COLUMNS_SHEET in book.sheetnames and not mapping:
            wrong = []  # a field misspelt in column A is named at its cell, not on the sheet Signals
            for number, cells in enumerate(book[COLUMNS_SHEET].iter_rows(values_only=True), 1):
                if number == 1 or not cells or cells[0] is None:
                    continue  # header row: field, header
                if len(cells) < 2 or cells[1] is None:
                    raise SignalListError([Problem(str(path), COLUMNS_SHEET, number, "B", "the header for this field is empty")])
                if _norm(str(cells[0])) not in _BY_FIELD:
                    wrong.append(Problem(str(path), COLUMNS_SHEET, number, "A", _no_field(str(cells[0]))))
                mapping[str(cells[0])] = str(cells[1])
            if wrong:
                raise SignalListError(wrong)
        hidden: list[str] = []
        if sheet is not None:
            # 'signals', 'Signals ' as the workbook spells it: the sheet the user means, not an error
            wanted = next((n for n in book.sheetnames if n.strip().lower() == sheet.strip().lower()), sheet)
            if wanted not in book.sheetnames:
                raise SignalListError([Problem(str(path), None, None, None,
                                               f"no sheet named {wanted!r}; the workbook has "
                                               f"{', '.join(repr(n) for n in book.sheetnames)} (choose one with --sheet)")])
            names = [wanted]
        else:
            names = [n for n in book.sheetnames if n != COLUMNS_SHEET]
            # a hidden sheet (an old revision, a lookup table) is left out and named; --sheet reads it
            hidden = [n for n in names if getattr(book[n], "sheet_state", "visible") != "visible"]
            if len(hidden) < len(names):
                names = [n for n in names if n not in hidden]
        raws, percents = {}, {}
        for name in names:
            raws[name], percents[name] = _values(book[name])
    finally:
        book.close()
    tables: dict[str, list[list[str]]] = {}
    for name in names:
        tables[name] = [["" if c is None else _cell_text(c, (i, j) in percents[name]) for j, c in enumerate(r)]
                        for i, r in enumerate(raws[name], 1)]
        fill_merged(tables[name], merged_ranges(data, name))  # a CA merged over a bay's rows is every row's CA
    read, skipped = (names, ()) if sheet is not None else _list_sheets(path, tables, mapping)
    skipped += tuple(f"{n}: hidden (read it with --sheet)" for n in hidden if n not in names)
    several = len(read) > 1
    problems: list[Problem] = []
    for name in read:
        if not any(any(c.strip() for c in r) for r in tables[name]):
            problems.append(Problem(str(path), name, None, None, "the sheet is empty: it needs a header row"))
        else:
            problems += _uncomputed_formulas(path, data, name, raws[name])
    if problems:
        raise SignalListError(problems)
    seen: dict[tuple[int, int], int | str] = {}
    headers: list[str] = []
    rows: list[SignalRow] = []
    unused: list[str] = []
    for name in read:
        # the decimal sign as the text cells show it (a German list's '230,5 +- 0,5'); number cells have none
        numbers = frozenset((i, j) for i, r in enumerate(raws[name], 1) for j, c in enumerate(r)
                            if isinstance(c, int | float) and not isinstance(c, bool))
        reader = _Reader(str(path), name, mapping, letters=True, decimal=None, seen=seen,
                         prefix=f"{name}!" if several else "", numbers=numbers, octets=octet_order)
        sheet_headers, sheet_rows = reader.read(tables[name])
        problems += reader.problems
        if not headers:
            headers = sheet_headers
        elif [_norm(h) for h in sheet_headers] != [_norm(h) for h in headers]:
            headers, sheet_rows = _aligned(headers, sheet_headers, sheet_rows)
        rows += sheet_rows
        unused += [h for h in reader.unused(sheet_headers) if h not in unused]
    if several and not problems:
        whole = _Reader(str(path), None, mapping, letters=True)
        whole.nothing_to_check(rows, None)
        problems += whole.problems
    if problems:
        raise SignalListError(problems)
    return SignalList(str(path), None if several else read[0], tuple(headers), tuple(rows), _sha256(data),
                      tuple(unused), tuple(read), skipped)


def _list_sheets(path: Path, tables: dict[str, list[list[str]]], mapping: dict[str, str]) -> tuple[list[str], tuple[str, ...]]:
    """The sheets that hold the list (a header row naming every required column, or all but one,
    in their first rows) and the others, each with why. With none, the sheet ``Signals`` (any case) or the only
    sheet is read, so that its missing columns are named; else the workbook is refused."""
    probe = _Reader(str(path), None, mapping, letters=True)
    required = sum(c.required for c in COLUMNS)
    fields = ", ".join(probe.header_names(c)[0] for c in COLUMNS if c.required)
    # a header that lacks one required column is a bay's header with a typo, not a cover: read, so
    # that the missing column is named (skipped, the bay's points would go unchecked)
    found = [n for n, table in tables.items()
             if any(probe.required_found(r) >= required - 1 for r in table[:_HEADER_SEARCH])]
    if not found:
        fallback = next((n for n in tables if n.strip().lower() == SIGNAL_SHEET.lower()), None)
        if fallback is None and len(tables) == 1:
            fallback = next(iter(tables))
        if fallback is None:
            shown = ", ".join(repr(n) for n in tables) or "no sheet"
            raise SignalListError([Problem(str(path), None, None, None,
                                           f"no sheet has a header row naming the columns {fields} (in its first "
                                           f"{_HEADER_SEARCH} rows); the workbook has {shown} (choose one with --sheet, "
                                           "or map your headers with a column mapping)")])
        found = [fallback]
    skipped = tuple(
        f"{n}: " + ("empty" if not any(any(c.strip() for c in r) for r in table) else
                    f"no header row naming the columns {fields}")
        for n, table in tables.items() if n not in found)
    return found, skipped


def _aligned(headers: list[str], other: list[str], rows: list[SignalRow]) -> tuple[list[str], list[SignalRow]]:
    """Rows of a sheet whose columns stand in another order (or has more of them) than the first
    sheet's: their cells under the first sheet's headers, new headers appended, for the report."""
    merged = list(headers)
    for h in other:
        if str(h).strip() and _norm(h) not in {_norm(m) for m in merged}:
            merged.append(h)
    where = {_norm(h): i for i, h in enumerate(other) if str(h).strip()}
    out = []
    for row in rows:
        cells = [row.cells[where[_norm(h)]] if _norm(h) in where and where[_norm(h)] < len(row.cells) else ""
                 for h in merged]
        out.append(dataclasses.replace(row, cells=tuple(cells)))
    return merged, out


def _uncomputed_formulas(path: Path, data: bytes, sheet: str, values: list[tuple[Any, ...]]) -> list[Problem]:
    """Cells that hold a formula but no computed value: a workbook written by a program (openpyxl,
    an export script) and never opened in a spreadsheet. Read as values they are empty, so an
    expected value there would go unchecked; each is named instead. A formula whose value is the
    empty string (``=IF(A2="","",...)``) has one: the spreadsheet marks it as text (t="str")."""
    import openpyxl

    candidates: dict[tuple[int, int], str] = {}
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        for number, cells in enumerate(book[sheet].iter_rows(values_only=True), 1):
            row = values[number - 1] if number <= len(values) else ()
            for index, cell in enumerate(cells):
                if isinstance(cell, str) and cell.startswith("=") and (index >= len(row) or row[index] is None):
                    candidates[(number, index)] = cell
    finally:
        book.close()
    if not candidates:
        return []
    uncomputed = []
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for number, cells in enumerate(book[sheet].iter_rows(), 1):
            for index, cell in enumerate(cells):
                if (number, index) in candidates and getattr(cell, "data_type", "n") == "n":
                    uncomputed.append(Problem(
                        str(path), sheet, number, _letter(index),
                        f"the formula {candidates[number, index]} has no computed value (the workbook was written by "
                        "a program and never opened in a spreadsheet): open and save it in Excel or LibreOffice, "
                        "or write the value"))
    finally:
        book.close()
    return uncomputed


def _values(sheet: Any) -> tuple[list[tuple[Any, ...]], set[tuple[int, int]]]:
    """A sheet's values, row by row, and the (row, column) of the numbers it shows as percent: a
    cell formatted ``0%`` holds 0.5 and shows 50%, and the list means what it shows."""
    rows, percents = [], set()
    for i, row in enumerate(sheet.iter_rows(), 1):
        values = tuple(getattr(c, "value", None) for c in row)
        for j, (cell, value) in enumerate(zip(row, values, strict=True)):
            if isinstance(value, int | float) and not isinstance(value, bool) \
                    and "%" in str(getattr(cell, "number_format", "") or ""):
                percents.add((i, j))
        rows.append(values)
    return rows, percents


def _cell_text(value: Any, percent: bool = False) -> str:
    if percent and isinstance(value, int | float):
        return f"{round(value * 100, 10):g} %"  # as shown, its unit said: rules.units reads it
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
