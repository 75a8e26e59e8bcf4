"""Merged cells of a workbook sheet, filled as the eye reads them.

Engineering lists often merge a column over a block of rows (the CA of a bay, a group, a
timeout). The sheet stores the value in the block's first cell only; read cell by cell, the
other rows would have an empty CA. Each row of a merged block gets the block's value, as the
spreadsheet shows it. openpyxl's fast read-only mode does not read merges, so they are taken from
the sheet's XML (``<mergeCell ref="B2:B9"/>``), found through the workbook's relationships.

>>> table = [["ca", "ioa"], ["47", "1"], ["", "2"]]
>>> fill_merged(table, [(2, 1, 3, 1)])
>>> table
[['ca', 'ioa'], ['47', '1'], ['47', '2']]
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from xml.etree import ElementTree

from openpyxl.utils.cell import range_boundaries

__all__ = ["fill_merged", "merged_ranges"]

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def merged_ranges(data: bytes, sheet: str) -> list[tuple[int, int, int, int]]:
    """(first row, first column, last row, last column), 1-based, of each merged block of ``sheet``;
    [] when the workbook does not say (a file the spreadsheet programs would not open either)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
            rid = next((s.get(f"{_REL}id") for s in workbook.iter(f"{_MAIN}sheet") if s.get("name") == sheet), None)
            rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
            target = next((r.get("Target") for r in rels.iter(f"{_PKG}Relationship") if r.get("Id") == rid), None)
            if target is None:
                return []
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            root = ElementTree.fromstring(book.read(path))
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return []
    found = []
    for cell in root.iter(f"{_MAIN}mergeCell"):
        try:
            low_col, low_row, high_col, high_row = range_boundaries(cell.get("ref", ""))
        except (ValueError, TypeError):
            continue
        if None not in (low_col, low_row, high_col, high_row):
            found.append((int(low_row), int(low_col), int(high_row), int(high_col)))  # type: ignore[arg-type]
    return found


def fill_merged(table: list[list[str]], ranges: list[tuple[int, int, int, int]]) -> None:
    """Give each row of a merged block the value of its first cell, in the block's first column
    (rows padded as needed). Across columns nothing is copied: a heading merged over a row's width
    ('Bay 1 switchgear') is one cell of text, never an IOA or a type."""
    for low_row, low_col, high_row, _ in ranges:
        if low_row > len(table) or high_row == low_row:
            continue
        first = table[low_row - 1]
        value = first[low_col - 1] if low_col <= len(first) else ""
        for number in range(low_row + 1, min(high_row, len(table)) + 1):
            row = table[number - 1]
            row.extend([""] * (low_col - len(row)))
            row[low_col - 1] = value
