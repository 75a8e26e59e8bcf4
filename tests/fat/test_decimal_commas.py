"""Lists written where the comma is the decimal sign: Excel's 'Unicode text' (UTF-16, tabs) and
text cells of a German workbook, beside the semicolon CSV. Every number goes through the rules
(``rules.with_decimal_point``, then the rules' own reading), so a value means what it means with
a point; what either sign could mean is refused, naming file, row and column, and never passes."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from c104test.cli import main
from c104test.fat import SignalListError, read_signal_list
from c104test.fat.signals import parse_csv_text

HEADER = ["name", "common_address", "io_address", "type", "expected_value", "timeout"]
# the demo RTU: 301 is 230.5, 302 49.98, 303 0.25, 310 5, 300 1234 (so the last row fails on its value)
ROWS = [
    ["Busbar voltage", "47", "301", "M_ME_NC_1", "230,5 +- 0,5", "2,5"],
    ["Frequency", "47", "302", "M_ME_NC_1", "49,9..50,1", ""],
    ["Transformer load", "47", "303", "M_ME_NA_1", "0,25", ""],
    ["Tap changer", "47", "310", "M_ST_NA_1", "5", "1,5"],
    ["Active power", "47", "300", "M_ME_NB_1", "1.250,0 +- 0,5%", ""],
]
#: the same list as a list with the decimal point writes it
POINTED = [
    ["Busbar voltage", "47", "301", "M_ME_NC_1", "230.5 +- 0.5", "2.5"],
    ["Frequency", "47", "302", "M_ME_NC_1", "49.9..50.1", ""],
    ["Transformer load", "47", "303", "M_ME_NA_1", "0.25", ""],
    ["Tap changer", "47", "310", "M_ST_NA_1", "5", "1.5"],
    ["Active power", "47", "300", "M_ME_NB_1", "1250.0 +- 0.5%", ""],
]


def _text(rows: list[list[str]], sign: str = "\t") -> str:
    return "\r\n".join(sign.join(r) for r in [HEADER, *rows]) + "\r\n"


def test_unicode_text_with_decimal_commas_reads_as_the_list_with_points(tmp_path: Path) -> None:
    (tmp_path / "l.txt").write_bytes(_text(ROWS).encode("utf-16"))  # Excel's 'Unicode text'
    tab = read_signal_list(tmp_path / "l.txt")
    point = parse_csv_text(_text(POINTED, ","), file="p.csv")
    semicolon = parse_csv_text(_text(ROWS, ";"), file="s.csv")
    for rows in (tab.rows, semicolon.rows):
        assert [(r.expected, r.timeout) for r in rows] == [(r.expected, r.timeout) for r in point.rows]
    assert tab.rows[0].timeout == 2.5 and tab.rows[0].expected.matches(230.9) and not tab.rows[0].expected.matches(231.1)
    assert tab.rows[0].cells[4] == "230,5 +- 0,5"  # the report keeps the cell as written


def test_a_workbook_whose_text_cells_write_the_decimal_comma(tmp_path: Path) -> None:
    """A German workbook: tolerances are text ('230,5 +- 0,5'), plain values number cells (0.25)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Signals"
    sheet.append(HEADER)
    sheet.append(["Busbar voltage", 47, 301, "M_ME_NC_1", "230,5 +- 0,5", 2.5])
    sheet.append(["Transformer load", 47, 303, "M_ME_NA_1", 0.25, None])
    sheet.append(["Frequency", 47, 302, "M_ME_NC_1", 49.975, None])  # a number cell: no thousands to guess
    book.save(tmp_path / "l.xlsx")
    rows = read_signal_list(tmp_path / "l.xlsx").rows
    assert [(str(r.expected), r.timeout) for r in rows] == [("230.5 ± 0.5", 2.5), ("0.25", None), ("49.975", None)]


@pytest.mark.parametrize(("cells", "message"), [
    # a tab list showing no decimal sign: '1,234' is a thousand and more, or one and a bit
    ([["P", "47", "300", "M_ME_NC_1", "1,234", ""]],
     "row 2, column 'expected_value': '1,234' is not a number: a comma as the decimal sign? write 1.234 (or 1234 "
     "if it separates thousands); a short float is a number in the float32 range"),
    # the comma is the decimal sign (row 2 shows it): '12.345' is twelve thousand, or twelve
    ([["U", "47", "301", "M_ME_NC_1", "230,5", ""], ["P", "47", "300", "M_ME_NB_1", "12.345", ""]],
     "row 3, column 'expected_value': '12.345': in this list the comma is the decimal sign (row 2, column "
     "'expected_value': '230,5'), so the point in 12.345 may separate thousands; write 12345 (or 12,345 for a decimal)"),
    # both signs shown: which one separates decimals is a guess
    ([["U", "47", "301", "M_ME_NC_1", "230,5", ""], ["L", "47", "303", "M_ME_NA_1", "0.25", ""]],
     "row 2, column 'expected_value': '230,5' has a decimal comma, but row 3, column 'expected_value' has a decimal "
     "point ('0.25'): which sign separates the decimals of this list is a guess; write every number with one of them"),
])
def test_what_either_sign_could_mean_is_refused_where_it_is(cells: list[list[str]], message: str) -> None:
    with pytest.raises(SignalListError) as info:
        parse_csv_text(_text(cells), file="l.txt")
    assert str(info.value) == f"l.txt, {message}"


def test_fat_of_a_list_with_decimal_commas(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Against the demo RTU: the right rows pass, the wrong one fails on its value as written."""
    (tmp_path / "l.txt").write_bytes(_text(ROWS).encode("utf-16"))
    code = main(["fat", "--simulate", "--points", str(tmp_path / "l.txt"), "--timeout", "2",
                 "--output", str(tmp_path / "out")])
    out = capsys.readouterr()
    points = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))["points"]
    assert code == 1, out
    assert [(p["row"], p["verdict"], p["reason"]) for p in points] == [
        (2, "pass", ""), (3, "pass", ""), (4, "pass", ""), (5, "pass", ""),
        (6, "fail", "value 1234, expected 1250 ± 0.5%")]
