"""The template signal list: the demo RTU's rows under every column, as CSV or as a workbook
whose headers carry a comment saying what each column holds (``c104test fat --template``)."""

from __future__ import annotations

import csv
from pathlib import Path

from .columns import COLUMNS, COLUMNS_SHEET, SIGNAL_SHEET, TEMPLATE_ROWS

__all__ = ["write_template"]


def write_template(path: str | Path) -> None:
    """Write the template signal list (CSV or XLSX by suffix) with the demo RTU's rows."""
    path = Path(path)
    headers = [c.header for c in COLUMNS]
    rows = [[r.get(c.field, "") for c in COLUMNS] for r in TEMPLATE_ROWS]
    if path.suffix.lower() == ".xlsx":
        import openpyxl
        from openpyxl.comments import Comment

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = SIGNAL_SHEET
        sheet.append(headers)
        for cell, column in zip(sheet[1], COLUMNS, strict=True):
            cell.comment = Comment(column.help + (" (required)" if column.required else ""), "c104test")
        for row in rows:
            sheet.append(row)
        mapping = book.create_sheet(COLUMNS_SHEET)
        mapping.append(["field", "header"])
        for column in COLUMNS:
            mapping.append([column.field, column.header])
        book.save(path)
        return
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerows(rows)
