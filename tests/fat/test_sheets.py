"""A signal list spread over one sheet per bay, as utilities send it: a cover sheet, a sheet per
bay with the same header row, a revision history. Every sheet with the header is read, the others
are named as skipped, and every row is named with its sheet ('Bay_E01!4')."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from c104test.cli import main
from c104test.fat import SignalListError, read_signal_list

HEADER = ["Name", "CA", "IOA", "Type", "Expected Value", "Groups", "Command IOA", "Command Type", "Command Value",
          "Timeout", "Remark"]


def bay_workbook(path: Path, *, e02_voltage: str = "225..235", e02_first_ioa: int = 300) -> Path:
    """Cover, Bay_E01 (title above the header, CA merged over the bay), Bay_E02 (its columns in
    another order), Revision history: the demo RTU's points split over two bays."""
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "Cover"
    cover.append(["Signal list substation Nordfeld"])
    cover.append(["RTU", "RTU 7"])
    cover.append(["Revision", "C"])
    e01 = book.create_sheet("Bay_E01")
    e01.append(["Bay E01 feeder"])
    e01.append(HEADER)
    e01.append(["Breaker Q0 closed", 47, 100, "M_SP_NA_1", "ON", "1", 500, "C_SC_NA_1", "ON", 3, ""])
    e01.append(["Disconnector Q1 position", None, 200, "M_DP_NA_1", "ON", "1", None, None, None, None, "merged CA"])
    e01.append(["# spare", None, None, None, None, None, None, None, None, None, None])
    e01.append(["Tap changer position", None, 310, "M_ST_NA_1", "5", "3", None, None, None, None, None])
    e01.merge_cells("B3:B6")  # the bay's CA, merged over its rows
    e02 = book.create_sheet("Bay_E02")
    order = [HEADER[i] for i in (2, 0, 1, 3, 4, 5, 10)]  # IOA first, no command columns
    e02.append(order)
    e02.append([e02_first_ioa, "Active power", 47, "M_ME_NB_1", "1234 +- 5", "2", ""])
    e02.append([301, "Busbar voltage", 47, "M_ME_NC_1", e02_voltage, "2", "kV"])
    history = book.create_sheet("Revision history")
    history.append(["Rev", "Date", "Author", "Change"])
    history.append(["C", "2026-11-30", "A. Engineer", "bay E02 added"])
    book.save(path)
    return path


def test_every_sheet_with_the_header_is_read_and_the_others_are_named(tmp_path: Path) -> None:
    signals = read_signal_list(bay_workbook(tmp_path / "l.xlsx"))
    assert [(r.row, r.io_address, r.common_address) for r in signals.rows] == [
        ("Bay_E01!3", 100, 47), ("Bay_E01!4", 200, 47), ("Bay_E01!6", 310, 47),
        ("Bay_E02!2", 300, 47), ("Bay_E02!3", 301, 47)]
    assert signals.sheets == ("Bay_E01", "Bay_E02")
    assert signals.sheet_notes() == [
        ("sheets read", "Bay_E01, Bay_E02"),
        ("sheets skipped", "Cover: no header row naming the columns name, common_address, io_address, type; "
                           "Revision history: no header row naming the columns name, common_address, io_address, type")]
    # the report keeps each row as written, under the first sheet's headers
    assert signals.headers == tuple(HEADER)
    assert signals.rows[4].cells == ("Busbar voltage", "47", "301", "M_ME_NC_1", "225..235", "2", "", "", "", "", "kV")
    # an explicit sheet is read alone, its rows numbered as the sheet numbers them
    alone = read_signal_list(tmp_path / "l.xlsx", sheet="bay_e02")
    assert [r.row for r in alone.rows] == [2, 3] and alone.sheet == "Bay_E02" and alone.sheet_notes() == []


def test_a_point_listed_on_two_sheets_names_both_places(tmp_path: Path) -> None:
    with pytest.raises(SignalListError) as info:
        read_signal_list(bay_workbook(tmp_path / "l.xlsx", e02_first_ioa=200))
    assert str(info.value) == (f"{tmp_path / 'l.xlsx'}, sheet Bay_E02, row 2, column A 'IOA': duplicate IOA 200 of "
                               "CA 47: row Bay_E01!4 lists it already; every sheet whose header row names the "
                               "columns is read, and a point is listed on one of them (or read one sheet with --sheet)")


def test_a_bad_cell_on_any_sheet_is_refused_with_its_sheet(tmp_path: Path) -> None:
    """Every sheet is checked before anything is sent: an unreadable row never becomes a pass,
    and a bay whose header misses one column is refused, not skipped with its points unchecked."""
    with pytest.raises(SignalListError) as info:
        read_signal_list(bay_workbook(tmp_path / "l.xlsx", e02_voltage="230 Volt"))
    assert str(info.value).startswith(f"{tmp_path / 'l.xlsx'}, sheet Bay_E02, row 3, column E 'Expected Value': ")
    book = openpyxl.load_workbook(bay_workbook(tmp_path / "l.xlsx"))
    book["Bay_E02"]["A1"] = "Adress"
    book.save(tmp_path / "l.xlsx")
    with pytest.raises(SignalListError) as info:
        read_signal_list(tmp_path / "l.xlsx")
    assert str(info.value).startswith(f"{tmp_path / 'l.xlsx'}, sheet Bay_E02, row 1: missing column 'io_address' ")


def test_fat_over_the_bays_names_each_row_with_its_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = bay_workbook(tmp_path / "l.xlsx", e02_voltage="231 +- 0.2")

    def fat(*more: str) -> tuple[int, str, dict[str, tuple[str, str]]]:
        code = main(["fat", "--simulate", "--points", str(path), "--timeout", "2", "--overwrite",
                     "--output", str(tmp_path / "out"), *more])
        captured = capsys.readouterr()
        points = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))["points"]
        return code, captured.out + captured.err, {p["row"]: (p["verdict"], p["reason"]) for p in points}

    code, out, verdicts = fat()
    assert code == 1, out
    assert verdicts == {"Bay_E01!3": ("pass", ""), "Bay_E01!4": ("pass", ""), "Bay_E01!6": ("pass", ""),
                        "Bay_E02!2": ("pass", ""), "Bay_E02!3": ("fail", "value 230.5, expected 231 ± 0.2")}
    assert "row Bay_E02!3 fail: value 230.5, expected 231 ± 0.2" in out
    assert f"c104test fat: {path}: sheets skipped: Cover: no header row naming the columns" in out
    book = openpyxl.load_workbook(tmp_path / "out" / "report.xlsx")
    assert [c.value for c in book.worksheets[0]["A"]][1:] == list(verdicts)
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r}
    assert summary["sheets read"] == "Bay_E01, Bay_E02" and summary["sheets skipped"].startswith("Cover: ")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "row Bay_E02!3" in html and "Revision history: no header row" in html
    code, out, verdicts = fat("--only", "bay_e02!3")
    assert code == 1 and [r for r, v in verdicts.items() if v[0] != "skipped"] == ["Bay_E02!3"], out
