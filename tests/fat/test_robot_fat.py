"""Verify Point List and Verify Point in a real Robot run against the simulator: the same verdicts
as the CLI, the failing rows in the message, the four report forms written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from .lists import RIGHT, WRONG_ROWS, write_csv, write_xlsx, wrong_lines

ROOT = Path(__file__).resolve().parents[2]

SUITE = """\
*** Settings ***
Library    c104test.keywords.IEC104Library    timeout=3s    common_address=47
Test Setup    Open
Test Teardown    Close Everything

*** Keywords ***
Open
    ${port} =    Start Simulated RTU
    Connect To RTU    127.0.0.1    ${port}
Close Everything
    Close All RTU Connections
    Stop Simulated RTU

*** Test Cases ***
Right List
    ${results} =    Verify Point List    ${CURDIR}/right.csv
    Should Be Equal As Integers    ${results.counts()}[pass]    12
Wrong List
    Verify Point List    ${CURDIR}/wrong.csv    output=${CURDIR}/report
Wrong List As Workbook
    Verify Point List    ${CURDIR}/wrong.xlsx
Broken List
    Verify Point List    ${CURDIR}/broken.csv
One Right Point
    Verify Point    200    M_DP_NA_1    ON    groups=1
One Right Command
    Verify Point    100    M_SP_NA_1    ON    command_io_address=500    command_type=C_SC_NA_1    command_value=OFF    restore=True
One Wrong Point
    Verify Point    300    M_ME_NB_1    999    groups=2
Command Without Return Information
    ${r} =    Verify Point    200    M_DP_NA_1    ON    command_io_address=502    command_type=C_DC_NA_1    command_value=ON    return_information=False
    Should Start With    ${r.points[0].reason}    command confirmed; no return information checked
Point Reported Only As Events Never Passes Unseen
    ${r} =    Verify Point    999    M_SP_NA_1    interrogation=False
    Should Be Equal    ${r.points[0].verdict}    skipped
    Should Start With    ${r.points[0].reason}    not checked: reported only as events
Report Twice
    Verify Point List    ${CURDIR}/right.csv    output=${CURDIR}/twice
    Verify Point List    ${CURDIR}/right.csv    output=${CURDIR}/twice
Report Twice With Overwrite
    Verify Point List    ${CURDIR}/right.csv    output=${CURDIR}/again
    Verify Point List    ${CURDIR}/right.csv    output=${CURDIR}/again    overwrite=True
Octet List
    ${results} =    Verify Point List    ${CURDIR}/octets.csv    octet_order=high-first
    Should Be Equal As Integers    ${results.counts()}[pass]    2
Octet List Without Its Order
    Verify Point List    ${CURDIR}/octets.csv
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[str, str]]]:
    folder = tmp_path_factory.mktemp("robot-fat")
    write_csv(folder / "right.csv", RIGHT)
    write_csv(folder / "wrong.csv", wrong_lines())
    write_xlsx(folder / "wrong.xlsx", wrong_lines())
    write_csv(folder / "broken.csv", ["A,47,100,M_SP_NA_1,maybe,,,,,,,,,,,"])
    (folder / "octets.csv").write_text("Bezeichnung;ASDU;IOA;Typ;Wert\nQ0;0/47;0.0.100;TK 1;EIN\n"
                                       "U;0/47;0.1.45;M_ME_NC_1 (13);230,5 kV\n", encoding="utf-8")
    (folder / "fat.robot").write_text(SUITE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    subprocess.run(
        [sys.executable, "-m", "robot", "--output", "output.xml", "--report", "NONE", "--log", "log.html",
         "--console", "none", "fat.robot"],
        cwd=folder, timeout=120, check=False, env=env,
    )
    found = {}
    for test in ET.parse(folder / "output.xml").getroot().iter("test"):
        status = test.find("status")
        assert status is not None
        found[str(test.get("name"))] = (str(status.get("status")), (status.text or "").strip())
    return folder, found


def test_right_list_and_points_pass(results: tuple[Path, dict[str, tuple[str, str]]]) -> None:
    _, found = results
    for name in ("Right List", "One Right Point", "One Right Command", "Command Without Return Information",
                 "Point Reported Only As Events Never Passes Unseen"):
        assert found[name][0] == "PASS", found[name]


def test_wrong_list_fails_with_count_and_rows(results: tuple[Path, dict[str, tuple[str, str]]]) -> None:
    folder, found = results
    for name in ("Wrong List", "Wrong List As Workbook"):
        status, message = found[name]
        assert status == "FAIL"
        assert message.startswith(f"{len(WRONG_ROWS)} of {len(wrong_lines())} points failed:")
        failing = {int(line.split()[1]) for line in message.splitlines()[1:]}
        assert failing == set(WRONG_ROWS)
        for _, words in WRONG_ROWS.values():
            assert words in message
    data = json.loads((folder / "report" / "results.json").read_text())
    assert {p["row"] for p in data["points"] if p["verdict"] == "fail"} == set(WRONG_ROWS)
    assert (folder / "report" / "report.xlsx").exists() and (folder / "report" / "junit.xml").exists()
    assert "<table" in (folder / "log.html").read_text()


def test_broken_list_and_wrong_point(results: tuple[Path, dict[str, tuple[str, str]]]) -> None:
    _, found = results
    status, message = found["Broken List"]
    assert status == "FAIL" and "broken.csv, row 2, column 'expected_value'" in message
    status, message = found["One Wrong Point"]
    assert status == "FAIL" and "value 1234, expected 999" in message


def test_an_earlier_report_is_never_overwritten_silently(results: tuple[Path, dict[str, tuple[str, str]]]) -> None:
    folder, found = results
    status, message = found["Report Twice"]
    assert status == "FAIL"
    assert message.startswith(f"{folder / 'twice' / 'results.json'}: a report of an earlier run is there (")
    assert message.endswith("PASSED: 12 pass); it is never overwritten silently: give another output=, "
                            "or replace it with overwrite=True"), message
    assert found["Report Twice With Overwrite"][0] == "PASS", found["Report Twice With Overwrite"]


def test_a_list_with_addresses_as_octets(results: tuple[Path, dict[str, tuple[str, str]]]) -> None:
    _, found = results
    assert found["Octet List"][0] == "PASS", found["Octet List"]
    status, message = found["Octet List Without Its Order"]
    assert status == "FAIL" and "octets.csv, row 2, column 'ASDU': common address '0/47' is not a number" in message
    assert "--octet-order high-first or low-first (octet_order= in Robot)" in message


DATADRIVER_SUITE = """\
*** Settings ***
Library    c104test.keywords.IEC104Library    timeout=3s    common_address=47
Library    DataDriver    file=wrong.csv    reader_class=c104test.fat.datadriver.SignalListReader
Suite Setup    Open
Suite Teardown    Close Everything
Test Template    Check Row

*** Test Cases ***
Row ${row}    ${file}    ${row}

*** Keywords ***
Open
    ${port} =    Start Simulated RTU
    Connect To RTU    127.0.0.1    ${port}
Close Everything
    Close All RTU Connections
    Stop Simulated RTU
Check Row
    [Arguments]    ${file}    ${row}
    Verify Point List    ${file}    rows=${row}
"""


def test_one_robot_test_per_row_with_datadriver(tmp_path: Path) -> None:
    pytest.importorskip("DataDriver")
    write_csv(tmp_path / "wrong.csv", wrong_lines())
    (tmp_path / "rows.robot").write_text(DATADRIVER_SUITE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    subprocess.run(
        [sys.executable, "-m", "robot", "--output", "output.xml", "--report", "NONE", "--log", "NONE",
         "--console", "none", "rows.robot"],
        cwd=tmp_path, timeout=120, check=False, env=env,
    )
    found = {}
    for test in ET.parse(tmp_path / "output.xml").getroot().iter("test"):
        status = test.find("status")
        assert status is not None
        found[str(test.get("name"))] = (str(status.get("status")), (status.text or "").strip())
    assert len(found) == len(wrong_lines())
    failed = {int(name.split()[1].rstrip(":")) for name, (status, _) in found.items() if status == "FAIL"}
    assert failed == set(WRONG_ROWS), found
    for name, (_, message) in found.items():
        row = int(name.split()[1].rstrip(":"))
        if row in WRONG_ROWS:
            assert WRONG_ROWS[row][1] in message
