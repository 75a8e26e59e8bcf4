"""``--only`` / ``rows=`` that select no row are refused: a FAT that checks nothing must not pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from c104test.fat.checks import row_selection
from c104test.fat.signals import parse_csv_text
from c104test.keywords import IEC104Library

LIST = "name,ca,ioa,type\nBreaker Q0,47,100,M_SP_NA_1\nBreaker Q1,47,101,M_SP_NA_1\n"


def test_selection_of_no_listed_row_is_a_value_error() -> None:
    rows = parse_csv_text(LIST, file="l.csv").rows
    assert [r.row for r in rows if row_selection(["3"], rows)(r)] == [3]
    assert [r.row for r in rows if row_selection(["breaker"], rows)(r)] == [2, 3]
    with pytest.raises(ValueError, match=r"'4, brekr' selects no row of the list: its rows are 2..3"):
        row_selection(["4", "brekr"], rows)
    with pytest.raises(ValueError, match=r"row range '3-2' runs backwards: write 2-3"):
        row_selection(["3-2"])


def test_verify_point_list_rows_that_select_nothing_fail_before_connecting(tmp_path: Path) -> None:
    """The DataDriver suite's ``rows=${row}`` with a row not in the list passed without a check."""
    (tmp_path / "l.csv").write_text(LIST)
    library = IEC104Library()
    with pytest.raises(ValueError, match=r"rows=9: '9' selects no row of the list"):
        library.run_keyword("Verify Point List", [str(tmp_path / "l.csv")], {"rows": "9"})
