"""Issue 11, argument errors: each defect as a real Robot run, checked in output.xml.

- ``selct=True`` was blamed on ``common_address``;
- a misspelt COT or type listed no valid names;
- IOA -1 / 16777216 failed deep in the encoder ("ubyte format requires ...");
- a bitstring mismatch was shown in decimal where the test wrote hex;
- "IV and NT" was refused by Robot ("'AND' is not a quality flag") while Gherkin took it.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from c104test.bdd.arguments import parse_cot, parse_io_address, parse_type, step_common_address
from c104test.bdd.registry import StepUsageError

ROOT = Path(__file__).resolve().parents[2]

SUITE = """\
*** Settings ***
Library    c104test.keywords.IEC104Library    timeout=2s    common_address=47
Suite Setup    Open
Suite Teardown    Close All RTU Connections

*** Keywords ***
Open
    ${port} =    Start Simulated RTU
    Connect To RTU    127.0.0.1    ${port}
    Send Interrogation

*** Test Cases ***
Misspelt Argument
    Send Command    500    ON    C_SC_NA_1    selct=True
Misspelt Cot
    Expect Message    cot=SPONTANEUS    timeout=0.1s
Misspelt Type
    Send Command    500    ON    C_SC_NA_2
Misspelt Qualifier
    Send Interrogation    qualifier=GRUOP_2
IOA Below Range
    Send Command    -1    ON    C_SC_NA_1
IOA Above Range
    Send Read Command    16777216
CA Above Range
    Send Interrogation    65536
Structured Command IOA
    Verify Point    100    M_SP_NA_1    ON    command_io_address=1-2-3    command_type=C_SC_NA_1    command_value=OFF
Spreadsheet Return IOA
    Verify Point    100    M_SP_NA_1    ON    command_io_address=0x1F4    command_type=C_SC_NA_1    command_value=ON    return_io_address=100.0
Bitstring In Hex
    Set Simulated Point    320    0xA5A5A5A5
    Expect State    320    0xA5A5A5A5
    Get Point Value    320    ==    0x0000A5A5
Quality Joined With And
    Set Simulated Point    301    230.5    quality=IV, NT
    Expect State    301    230.5
    Get Point Quality    301    ==    IV and NT
    Get Point Quality    301    contains    IV
Correct Named Argument Still Works
    Send Command    500    OFF    C_SC_NA_1    select=False
Argument Named With A Prefix
    Connect To RTU    127.0.0.1    1    alias=second    connect_timeout=1s
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    folder = tmp_path_factory.mktemp("argument-errors")
    (folder / "errors.robot").write_text(SUITE, encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "robot", "--output", "output.xml", "--report", "NONE", "--log", "NONE",
         "--console", "none", "errors.robot"],
        cwd=folder, timeout=120, check=False,
    )
    found = {}
    for test in ET.parse(folder / "output.xml").getroot().iter("test"):
        status = test.find("status")
        assert status is not None
        found[str(test.get("name"))] = (str(status.get("status")), (status.text or "").strip())
    return found


def test_a_misspelt_argument_is_blamed_on_itself(results: dict[str, tuple[str, str]]) -> None:
    assert results["Misspelt Argument"] == (
        "FAIL",
        "Send Command got an unexpected argument 'selct'; did you mean 'select'?",
    )
    assert results["Correct Named Argument Still Works"][0] == "PASS"
    # no close spelling, but the word holds a real name: Robot alone said only "unexpected named argument"
    assert results["Argument Named With A Prefix"] == (
        "FAIL",
        "Connect To RTU got an unexpected argument 'connect_timeout'; did you mean 'timeout'?",
    )


@pytest.mark.parametrize(
    ("test", "wanted"),
    [
        ("Misspelt Cot", "'SPONTANEUS' is not a Cot; did you mean SPONTANEOUS? Valid: PERIODIC, BACKGROUND_SCAN"),
        ("Misspelt Type", "'C_SC_NA_2' is not a Type; did you mean C_SC_NA_1? Valid: M_SP_NA_1"),
        ("Misspelt Qualifier", "'GRUOP_2' is not a Qoi; did you mean GROUP_2? Valid: "),
    ],
)
def test_a_misspelt_name_lists_the_valid_ones(results: dict[str, tuple[str, str]], test: str, wanted: str) -> None:
    status, message = results[test]
    assert status == "FAIL"
    assert wanted in message


@pytest.mark.parametrize(
    ("test", "wanted"),
    [
        ("IOA Below Range", "Argument 'io_address' got value '-1' that cannot be converted to IoAddress: IOA -1 outside 0..16777215"),
        ("IOA Above Range", "IOA 16777216 outside 0..16777215"),
        ("CA Above Range", "common address 65536 outside 0..65535"),
        # Robot's own int conversion said only "cannot be converted to integer"
        ("Structured Command IOA", "a structured IOA (1-2-3) is not read, as tools order its octets differently"),
    ],
)
def test_addresses_are_refused_with_the_range(results: dict[str, tuple[str, str]], test: str, wanted: str) -> None:
    status, message = results[test]
    assert status == "FAIL"
    assert wanted in message
    assert "format requires" not in message


def test_a_command_ioa_reads_as_every_other_ioa(results: dict[str, tuple[str, str]]) -> None:
    assert results["Spreadsheet Return IOA"][0] == "PASS", results["Spreadsheet Return IOA"]


def test_a_bitstring_mismatch_is_shown_in_hex(results: dict[str, tuple[str, str]]) -> None:
    assert results["Bitstring In Hex"] == ("FAIL", "IOA 320 (CA 47) value 0xA5A5A5A5 should be 0x0000A5A5")


def test_robot_takes_the_quality_expressions_gherkin_takes(results: dict[str, tuple[str, str]]) -> None:
    assert results["Quality Joined With And"] == ("PASS", "")


def test_gherkin_argument_errors() -> None:
    with pytest.raises(StepUsageError, match="did you mean SPONTANEOUS"):
        parse_cot("SPONTANEUS")
    with pytest.raises(StepUsageError, match="did you mean M_SP_NA_1"):
        parse_type("M_SP_NA_2")
    with pytest.raises(StepUsageError, match=r"IOA 16777216 outside 0\.\.16777215"):
        parse_io_address("16777216")
    with pytest.raises(StepUsageError, match=r"common address 65536 outside 0\.\.65535"):
        step_common_address(None, "65536")  # type: ignore[arg-type]
