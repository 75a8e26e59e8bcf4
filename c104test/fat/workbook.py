"""Signal lists in XLSX workbooks: the sheet, its cells as text, merged cells and formulas.

A workbook is read as its spreadsheet shows it: a cell merged over rows gives each row its value,
a formula its computed value (one never computed is named, not read as empty), a number
``100.0`` is ``100``. The rows then go through the same reader as a CSV list
(``signals._Reader``), so a value means the same in both.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from .merged_cells import fill_merged, merged_ranges
from .signals import (
    _BY_FIELD,
    COLUMNS_SHEET,
    SIGNAL_SHEET,
    Problem,
    SignalList,
    SignalListError,
    _letter,
    _no_field,
    _norm,
    _Reader,
    _sha256,
)

__all__ = ["read_workbook"]


def read_workbook(path: Path, data: bytes, sheet: str | None, mapping: dict[str, str]) -> SignalList:
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
        wanted = sheet or SIGNAL_SHEET
        # 'signals', 'Signals ' as the workbook spells it: the sheet the user means, not an error
        wanted = next((n for n in book.sheetnames if n.strip().lower() == wanted.strip().lower()), wanted)
        if wanted not in book.sheetnames:
            if sheet is None and len([n for n in book.sheetnames if n != COLUMNS_SHEET]) == 1:
                wanted = next(n for n in book.sheetnames if n != COLUMNS_SHEET)
            else:
                raise SignalListError([Problem(str(path), None, None, None,
                                               f"no sheet named {wanted!r}; the workbook has "
                                               f"{', '.join(repr(n) for n in book.sheetnames)} (choose one with --sheet)")])
        raw = list(book[wanted].iter_rows(values_only=True))
        table = [["" if c is None else _cell_text(c) for c in r] for r in raw]
    finally:
        book.close()
    fill_merged(table, merged_ranges(data, wanted))  # a CA merged over a bay's rows is every row's CA
    if not any(any(c.strip() for c in r) for r in table):
        raise SignalListError([Problem(str(path), wanted, None, None, "the sheet is empty: it needs a header row")])
    uncomputed = _uncomputed_formulas(path, data, wanted, raw)
    if uncomputed:
        raise SignalListError(uncomputed)
    reader = _Reader(str(path), wanted, mapping, letters=True)
    headers, rows = reader.read(table)
    if reader.problems:
        raise SignalListError(reader.problems)
    return SignalList(str(path), wanted, tuple(headers), tuple(rows), _sha256(data), reader.unused(headers))


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


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
