"""One Robot test per row of a signal list, with robotframework-datadriver.

The reader gives DataDriver one test per row (named ``row N: name``) with the arguments ``${file}``
and ``${row}``; the template checks that row with `Verify Point List`'s ``rows=``:

| *** Settings ***
| Library     c104test.keywords.IEC104Library    common_address=47
| Library     DataDriver    file=signals.csv    reader_class=c104test.fat.datadriver.SignalListReader
| Test Template    Check Row
|
| *** Test Cases ***
| Row ${row}    ${file}    ${row}
|
| *** Keywords ***
| Check Row
|     [Arguments]    ${file}    ${row}
|     Verify Point List    ${file}    rows=${row}

A broken list fails the suite's import with the list's problems (row and column), as everywhere.
"""

from __future__ import annotations

from pathlib import Path

from DataDriver.AbstractReaderClass import AbstractReaderClass  # type: ignore[import-not-found]
from DataDriver.ReaderConfig import TestCaseData  # type: ignore[import-not-found]

from .signals import read_signal_list

__all__ = ["SignalListReader"]


class SignalListReader(AbstractReaderClass):  # type: ignore[misc]
    """A DataDriver reader over ``read_signal_list`` (CSV or XLSX, the sheet from ``sheet_name``)."""

    def get_data_from_source(self) -> list[TestCaseData]:
        path = Path(self.file)
        sheet = self.sheet_name if isinstance(self.sheet_name, str) else None
        signals = read_signal_list(path, sheet=sheet)
        return [
            TestCaseData(f"row {r.row}: {r.name}", {"${file}": str(path), "${row}": str(r.row)},
                         ["skip"] if r.skip else [], f"CA {r.common_address} IOA {r.io_address} {r.type.name}")
            for r in signals.rows
        ]
