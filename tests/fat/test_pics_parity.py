"""One list (a workbook with a sheet per bay) and one PICS through the three front ends: ``c104test fat --pics``, Robot's
``Verify Point List pics=`` and the Gherkin step after ``Given the PICS "file"`` reach the same
verdicts with the same words. The PICS claims ACT_TERM (the simulated RTU sends none) and no
counter interrogation (the counter's row is not checked, naming the item)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest

from c104test.cli import main

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parents[2]

PROFILE = """\
pixit: {act_term: false}
stations:
  - common_address: 47
    points:
      - {io_address: 100, type: M_SP_NA_1, value: true}
      - {io_address: 301, type: M_ME_NC_1, value: 230.5}
      - {io_address: 400, type: M_IT_NA_1, value: 12345}
      - {io_address: 500, type: C_SC_NA_1, return_io_address: 100}
"""
PICS = "rtu: {common_addresses: [47]}\ncommands: {act_term: true}\n"
#: the list: a cover sheet, then one sheet per bay (rows named 'Bay_E01!2' in every front end)
BAYS = {
    "Bay_E01": [["Breaker Q0", 47, 100, "M_SP_NA_1", "ON", 500, "C_SC_NA_1", "ON", 0.5],
                ["Energy import", 47, 400, "M_IT_NA_1", "12345", None, None, None, None]],
    "Bay_E02": [["Busbar voltage", 47, 301, "M_ME_NC_1", "231 +- 0.2", None, None, None, None]],
}
HEADER = ["name", "common_address", "io_address", "type", "expected_value", "command_io_address", "command_type",
          "command_value", "timeout"]


def _workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Cover"
    book.active.append(["Signal list RTU 7", "revision B"])
    for name, rows in BAYS.items():
        sheet = book.create_sheet(name)
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
    book.save(path)


ROBOT = """\
*** Settings ***
Library    c104test.keywords.IEC104Library    timeout=2s    common_address=47

*** Test Cases ***
List With PICS
    ${port} =    Start Simulated RTU    profile=${CURDIR}/rtu.yaml
    Connect To RTU    127.0.0.1    ${port}
    Verify Point List    ${CURDIR}/l.xlsx    output=${CURDIR}/robot-report    pics=${CURDIR}/pics.yaml
    [Teardown]    Run Keywords    Close All RTU Connections    AND    Stop Simulated RTU
PICS With The Link Of A Slow RTU
    ${port} =    Start Simulated RTU    profile=${CURDIR}/rtu.yaml
    Connect To RTU    127.0.0.1    ${port}
    Verify Point List    ${CURDIR}/l.xlsx    rows=bay_e01!3    pics=${CURDIR}/slow.yaml
    [Teardown]    Run Keywords    Close All RTU Connections    AND    Stop Simulated RTU
"""
FEATURE = """\
Feature: FAT with a PICS
  Scenario: List with PICS
    Given the PICS "pics.yaml"
    And a connection to the RTU
    And data transfer is started
    Then the RTU matches the point list "l.xlsx"
"""

#: what every front end must say, row by row (the wait's length cut off)
EXPECTED = {
    ("Bay_E01!2", "fail", "C_SC_NA_1 ON to IOA 500: no ACT_TERM for C_SC_NA_1 IOA 500 CA 47"),
    ("Bay_E01!3", "skipped", "not checked: n/a: a counter is read by the counter interrogation (C_CI_NA_1), which the PICS "
     "does not claim (PICS functions.counter_interrogation is not in the file: not claimed (optional; "
     "'counter_interrogation: true' in its section claims it))"),
    ("Bay_E02!2", "fail", "value 230.5, expected 231 ± 0.2"),
}


def _cut(reason: str) -> str:
    return re.sub(r" within [\d.]+ s.*", "", reason).rstrip()


def _from_results(path: Path) -> set[tuple[str, str, str]]:
    points = json.loads(path.read_text(encoding="utf-8"))["points"]
    return {(str(p["row"]), p["verdict"], _cut(p["reason"])) for p in points if p["verdict"] != "pass"}


def _from_messages(text: str) -> set[tuple[str, str, str]]:
    """The rows a failure message (``row 4 (name, CA 47 IOA 301): fail: ...``) and the warning on
    rows not checked (``row 3 (name, CA 47 IOA 400): not checked: ...``) name."""
    found = set()
    for row, verdict, reason in re.findall(r"row (\S+) \([^()]*, CA \d+ IOA \d+\): (fail: |error: |)([^\n]*)", text):
        found.add((row, verdict.rstrip(": ") or "skipped", _cut(reason)))
    return found


def _write(folder: Path) -> None:
    (folder / "rtu.yaml").write_text(PROFILE, encoding="utf-8")
    (folder / "pics.yaml").write_text(PICS, encoding="utf-8")
    (folder / "slow.yaml").write_text(PICS + "link: {k: 6, t1: 3, t2: 1}\n", encoding="utf-8")
    _workbook(folder / "l.xlsx")


def test_cli_robot_and_gherkin_read_the_pics_alike(tmp_path: Path, pytester: pytest.Pytester,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path)
    code = main(["fat", "--simulate", str(tmp_path / "rtu.yaml"), "--points", str(tmp_path / "l.xlsx"),
                 "--pics", str(tmp_path / "pics.yaml"), "--timeout", "2", "--output", str(tmp_path / "out")])
    captured = capsys.readouterr()
    cli = captured.out + captured.err
    assert code == 1 and _from_results(tmp_path / "out" / "results.json") == EXPECTED, cli
    assert _from_messages(cli) >= {e for e in EXPECTED if e[1] == "skipped"}

    (tmp_path / "fat.robot").write_text(ROBOT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, "-m", "robot", "--output", "output.xml", "--report", "NONE", "--log", "NONE",
                    "--console", "none", "fat.robot"], cwd=tmp_path, timeout=120, check=False, env=env)
    root = ET.parse(tmp_path / "output.xml").getroot()
    first, slow = root.iter("test")
    status = first.find("status")
    assert status is not None and status.get("status") == "FAIL"
    robot = (status.text or "") + "\n" + "\n".join(m.text or "" for m in first.iter("msg") if m.get("level") == "WARN")
    # the connection is open already: a PICS whose k and t1 need earlier acknowledgements says so
    warned = [m.text or "" for m in slow.iter("msg") if m.get("level") == "WARN"]
    assert any(w.endswith("slow.yaml: the RTU's k 6, t1 3 need acknowledgements after at most 4 I-frames and within "
                          "1.5 s; the connection uses w 8 and t2 10 s (Connect To RTU w=4 t2=1.5)") for w in warned), warned
    assert slow.find("status").get("status") == "PASS"  # type: ignore[union-attr]  # rows=: the counter, n/a
    assert _from_messages(robot) == EXPECTED == _from_results(tmp_path / "robot-report" / "results.json"), robot

    features = pytester.path / "features"
    features.mkdir()
    _write(features)
    (features / "fat.feature").write_text(FEATURE, encoding="utf-8")
    pytester.makepyfile(test_fat='from pytest_bdd import scenarios\n\nscenarios("features")\n')
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "--c104-timeout", "2",
                                "--rtu-profile", str(features / "rtu.yaml"))
    result.assert_outcomes(failed=1)
    gherkin = result.stdout.str().split("short test summary info")[0]
    assert _from_messages(gherkin) == EXPECTED, gherkin
