"""The Robot recipe for a fleet: pabot runs one suite per RTU (an argument file each, one process
each) and merges the outputs; here against three demo RTUs served by ``c104test simulate``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from robot.api import ExecutionResult

from .lists import RIGHT, WRONG_ROWS, write_csv, wrong_lines

ROOT = Path(__file__).resolve().parents[2]

SUITE = """\
*** Settings ***
Documentation    One RTU of a fleet: pabot runs it once per argument file (one process per RTU).
Library    c104test.keywords.IEC104Library    timeout=3s    common_address=${CA}
Suite Setup    Connect To RTU    ${RTU_HOST}    ${RTU_PORT}
Suite Teardown    Close All RTU Connections

*** Variables ***
${RTU_HOST}    127.0.0.1
${RTU_PORT}    2404
${CA}    47
${SIGNAL_LIST}    signals.csv
${RTU_NAME}    RTU

*** Test Cases ***
Signal List Of ${RTU_NAME}
    Verify Point List    ${SIGNAL_LIST}    output=${OUTPUT DIR}/${RTU_NAME}
"""


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


@pytest.fixture
def rtus() -> Iterator[list[int]]:
    """Three demo RTUs, each a ``c104test simulate`` process on a free port."""
    processes: list[subprocess.Popen[str]] = []
    ports: list[int] = []
    try:
        for _ in range(3):
            process = subprocess.Popen(
                [sys.executable, "-m", "c104test", "simulate", "--port", "0", "--no-changes", "--quiet"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=environment(),
            )
            processes.append(process)
            assert process.stdout is not None
            line = process.stdout.readline()  # the simulator prints this line at once, or exits
            found = re.search(r"listening on \S+:(\d+)", line)
            assert found, line
            ports.append(int(found[1]))
        yield ports
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def test_pabot_runs_one_process_per_rtu_and_merges(tmp_path: Path, rtus: list[int]) -> None:
    pytest.importorskip("pabot")
    write_csv(tmp_path / "right.csv", RIGHT)
    write_csv(tmp_path / "wrong.csv", wrong_lines())
    (tmp_path / "fleet.robot").write_text(SUITE, encoding="utf-8")
    arguments = []
    for number, port in enumerate(rtus, 1):
        points = "wrong.csv" if number == 2 else "right.csv"
        (tmp_path / f"rtu{number}.txt").write_text(
            f"--variable RTU_PORT:{port}\n--variable SIGNAL_LIST:{points}\n--variable RTU_NAME:rtu-{number}\n")
        arguments += [f"--argumentfile{number}", f"rtu{number}.txt"]
    done = subprocess.run(
        [sys.executable, "-m", "pabot.pabot", "--no-pabotlib", "--command", sys.executable, "-m", "robot",
         "--end-command", *arguments, "--outputdir", "out", "--report", "NONE", "--log", "NONE", "fleet.robot"],
        cwd=tmp_path, env=environment(), capture_output=True, text=True, timeout=120, check=False,
    )
    result = ExecutionResult(str(tmp_path / "out" / "output.xml"))
    tests = {t.name: (t.status, t.message) for s in result.suite.suites for t in s.tests}
    assert sorted(tests) == ["Signal List Of rtu-1", "Signal List Of rtu-2", "Signal List Of rtu-3"], done.stdout[-3000:]
    assert tests["Signal List Of rtu-1"][0] == tests["Signal List Of rtu-3"][0] == "PASS"
    status, message = tests["Signal List Of rtu-2"]
    assert status == "FAIL" and message.startswith(f"{len(WRONG_ROWS)} of {len(wrong_lines())} points failed:")
    # each process wrote its RTU's reports; report merge joins them
    reports = sorted((tmp_path / "out").rglob("rtu-*/results.json"))
    assert len(reports) == 3
    merged = subprocess.run(
        [sys.executable, "-m", "c104test", "report", "merge", *(str(p.parent) for p in reports), "-o", "summary"],
        cwd=tmp_path, env=environment(), capture_output=True, text=True, timeout=60, check=False,
    )
    assert merged.returncode == 1 and "3 runs, some failed" in merged.stdout
