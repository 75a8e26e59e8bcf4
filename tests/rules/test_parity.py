"""Parity: one table of expressions, judged by Robot, by the Gherkin steps, by a FAT signal list,
by the CLI and by the rules in Python.

Each row is a point of the simulated RTU (type, value, quality) and an expression a test would
write about it. Every front end runs every row for real: a generated Robot suite through
``robot`` (``Get Point Value ==``, ``Expect State`` and ``Expect Report``, ``Get Point Quality``, ``Send Raw
APDU``), a generated feature through pytest-bdd (``IOA n reports``, ``has quality``, ``I send the
raw APDU``), a generated signal list through the command line's FAT check (``c104test fat --simulate``:
``expected_value``, ``expected_quality``), ``c104test explain`` for hex, and the rules called from Python. The verdicts (pass, fail, error) must be the same in every front
end AND equal to the verdict in the table (issue 11: Robot and Gherkin judged the same text
differently), and a refused text must be refused with the rules' own message in every front end.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from c104test import rules
from c104test.fat.signals import SignalListError, parse_csv_text
from c104test.protocol.elements import BCR, VTI
from c104test.protocol.enums import Cot, Type

ROOT = Path(__file__).resolve().parents[2]
PASS, FAIL, ERROR = "pass", "fail", "error"
CA = 47
FIRST_IOA = 1000


@dataclass(frozen=True)
class Row:
    kind: str  # value, quality, hex, command, set, address or type
    type: str  # the point's type ("" for hex)
    value: str  # the point's value in the profile (YAML)
    text: str  # the expression under test
    verdict: str
    quality: str = ""  # the point's quality in the profile
    reports: str = ""  # set rows: the value (and quality) the point then reports; type rows: the cause
    at: int = 0  # address rows: the point's IOA (the text writes it)


def V(type_: str, value: str, text: str, verdict: str) -> Row:
    return Row("value", type_, value, text, verdict)


def VQ(type_: str, value: str, quality: str, text: str, verdict: str) -> Row:
    """A value row whose point also has quality flags (a counter's CY, CA, IV are its BCR's)."""
    return Row("value", type_, value, text, verdict, quality)


def Q(quality: str, text: str, verdict: str) -> Row:
    return Row("quality", "M_ME_NC_1", "1.0", text, verdict, quality)


def H(text: str, verdict: str) -> Row:
    return Row("hex", "", "", text, verdict)


def C(type_: str, text: str, verdict: str) -> Row:
    return Row("command", type_, "", text, verdict)


def S(type_: str, value: str, text: str, verdict: str, reports: str) -> Row:
    """The simulator sets a point to ``text`` ("VALUE" or "VALUE with quality Q"); it then reports ``reports``."""
    return Row("set", type_, value, text, verdict, reports=reports)


def A(at: int, text: str, verdict: str) -> Row:
    """An IOA as a test writes it (``text``) for a single point at IOA ``at``."""
    return Row("address", "M_SP_NA_1", "true", text, verdict, at=at)


def T(type_name: str, cot: str, verdict: str) -> Row:
    """A type name and a cause as a test writes them, for the single point's interrogation answer."""
    return Row("type", "M_SP_NA_1", "true", type_name, verdict, reports=cot)


def set_parts(row: Row) -> tuple[str, str | None]:
    value, _, quality = row.text.partition(" with quality ")
    return value, quality or None


GHERKIN_COMMANDS = {
    "C_SC_NA_1": "a single command",
    "C_DC_NA_1": "a double command",
    "C_RC_NA_1": "a regulating step",
    "C_SE_NA_1": "a normalised set point",
    "C_SE_NB_1": "a scaled set point",
    "C_SE_NC_1": "a set point",
}


# One table per concept; together they are the TABLE every front end runs.

#: values per value class, with tolerances and ranges (the rules' values, tolerance and ranges)
VALUES: list[Row] = [
    # single points
    V("M_SP_NA_1", "true", "ON", PASS),
    V("M_SP_NA_1", "true", "true", PASS),
    V("M_SP_NA_1", "true", "1", PASS),
    V("M_SP_NA_1", "true", "OFF", FAIL),
    V("M_SP_NA_1", "false", "0", PASS),
    V("M_SP_NA_1", "true", "maybe", ERROR),
    V("M_SP_NA_1", "true", "ON +- 1", ERROR),
    # double points
    V("M_DP_NA_1", "ON", "ON", PASS),
    V("M_DP_NA_1", "OFF", "ON", FAIL),
    V("M_DP_NA_1", "INTERMEDIATE", "INTERMEDIATE", PASS),
    V("M_DP_NA_1", "INDETERMINATE", "indeterminate", PASS),
    V("M_DP_NA_1", "ON", "true", PASS),
    V("M_DP_NA_1", "ON", "1", ERROR),  # DPI 1 is OFF: ambiguous, refused
    # step positions
    V("M_ST_NA_1", "5", "5", PASS),
    V("M_ST_NA_1", "5", "6", FAIL),
    V("M_ST_NA_1", "5", "64", ERROR),
    V("M_ST_NA_1", "-3", "-2 +- 1", PASS),
    # bitstrings
    V("M_BO_NA_1", "0x0000A5A5", "0x0000A5A5", PASS),
    V("M_BO_NA_1", "0x0000A5A5", "0xA5A5", PASS),
    V("M_BO_NA_1", "0x0000A5A5", "42405", PASS),
    V("M_BO_NA_1", "0x0000A5A5", "0b1010010110100101", PASS),
    V("M_BO_NA_1", "0xA5A5A5A5", "0x0000A5A5", FAIL),
    V("M_BO_NA_1", "0x0000A5A5", "0x1FFFFFFFF", ERROR),
    V("M_BO_NA_1", "0x0000A5A5", "0xA5A5 +- 1", ERROR),
    # normalized values (multiples of 2^-15 on the wire)
    V("M_ME_NA_1", "0.25", "0.25", PASS),
    V("M_ME_NA_1", "0.25", "0.25005", FAIL),  # more than one step (3.05e-5) away
    V("M_ME_NA_1", "0.25", "0.25003", PASS),  # within one step
    V("M_ME_NA_1", "0.1", "0.1", PASS),  # 0.1 travels as 3277/32768
    V("M_ME_NA_1", "0.25", "1.5", ERROR),
    V("M_ME_NA_1", "0.25", "0.2 +- 0.05", PASS),
    # scaled values
    V("M_ME_NB_1", "1234", "1234", PASS),
    V("M_ME_NB_1", "1234", "1235", FAIL),
    V("M_ME_NB_1", "1234", "1230 +- 5", PASS),
    V("M_ME_NB_1", "1234", "1230 +/- 3", FAIL),
    V("M_ME_NB_1", "1234", "1234 ± 0", PASS),
    V("M_ME_NB_1", "1234", "40000", ERROR),
    V("M_ME_NB_1", "1234", "1234.5", ERROR),
    # short floats (float32 on the wire)
    V("M_ME_NC_1", "230.5", "230.5", PASS),
    V("M_ME_NC_1", "230.5", "230 ± 0.5", PASS),
    V("M_ME_NC_1", "230.5", "230 +- 0.4", FAIL),
    V("M_ME_NC_1", "230.5", "230 +/- 0.5", PASS),
    V("M_ME_NC_1", "49.98", "49.98", PASS),  # 49.979999542 as float32
    V("M_ME_NC_1", "50.0", "49 +- 3%", PASS),
    V("M_ME_NC_1", "50.0", "49 +- 2%", FAIL),
    V("M_ME_NC_1", "230.5", "230.6", FAIL),
    V("M_ME_NC_1", "230.5", "abc", ERROR),
    V("M_ME_NC_1", "230.5", "230 +- x", ERROR),
    V("M_ME_NC_1", "230.5", "1e40", ERROR),  # Gherkin said only "not a value", not "outside the float32 range"
    V("M_ME_NC_1", "50.0", "50±0.1", PASS),
    V("M_ME_NC_1", "50.0", "50.1 +/- 0.2%", PASS),
    V("M_ME_NC_1", "50.0", "50.2 +/- 0.2%", FAIL),
    # ranges (min..max, both ends included): the FAT list read them, Robot and Gherkin refused them
    V("M_ME_NC_1", "50.0", "49.9..50.1", PASS),
    V("M_ME_NC_1", "50.0", "50.05..50.1", FAIL),
    V("M_ME_NC_1", "50.0", "50.1..49.9", ERROR),  # runs backwards
    V("M_ME_NC_1", "50.0", "49.9..50.1 +- 1", ERROR),  # the range is the tolerance
    V("M_ME_NA_1", "0.25", "0.2..0.3", PASS),
    V("M_ME_NA_1", "0.25", "0..1.5", ERROR),  # 1.5 is no normalized value
    V("M_ME_NB_1", "1234", "1000..2000", PASS),
    V("M_ME_NB_1", "1234", "1000.5..2000", ERROR),
    V("M_ST_NA_1", "5", "-64..63", PASS),
    V("M_IT_NA_1", "12345", "12000..12300", FAIL),
    V("M_SP_NA_1", "true", "0..1", ERROR),  # a range applies to numbers
    V("M_DP_NA_1", "ON", "OFF..ON", ERROR),
    # counters
    V("M_IT_NA_1", "12345", "12345", PASS),
    V("M_IT_NA_1", "12345", "12346", FAIL),
    V("M_IT_NA_1", "100000", "100000", PASS),
    # numbers as people write them: signs, exponents; a decimal comma is refused with its reason
    V("M_ME_NC_1", "230.5", "+230.5", PASS),
    V("M_ME_NC_1", "230.5", "2.305e2", PASS),
    V("M_ME_NC_1", "230.5", "2.305E+2", PASS),
    V("M_ME_NB_1", "1234", "1.234e3", PASS),
    V("M_ME_NB_1", "1234", "+1234", PASS),
    V("M_ME_NB_1", "-1000", "-1e3", PASS),
    V("M_ME_NC_1", "230.5", "230,5", ERROR),  # "a comma as the decimal sign? write 230.5"
    V("M_ME_NC_1", "-3.5", "-5..-1", PASS),
    V("M_ME_NC_1", "50.0", "49,9..50,1", ERROR),
]

#: tolerances written after a number: ±, +-, +/-, percent, with or without spaces
TOLERANCES: list[Row] = [
    V("M_ME_NC_1", "230.5", "230.5 ± 0.5 %", PASS),
    V("M_ME_NC_1", "230.5", "230 ±0.5", PASS),
    V("M_ME_NC_1", "230.5", "230 +/-0.5", PASS),
    V("M_ME_NC_1", "230.5", "230 ± 1e-1", FAIL),
    V("M_ME_NC_1", "230.5", "230 +- 0,5", ERROR),
    V("M_ME_NC_1", "230.5", "230 +- -1", ERROR),
    V("M_ME_NC_1", "230.5", "0.5 %", ERROR),  # a tolerance without a number
    V("M_ME_NC_1", "230.5", "230.5 kV", PASS),  # a unit after the number (rules.units): read in every front end
    V("M_ME_NC_1", "230.5", "229 kV +- 1 kV", FAIL),
    V("M_ME_NC_1", "230.5", "230 kV +- 1 V", ERROR),  # two units: which one the RTU reports in is a guess
]

#: what a value says beyond the number: a step's transient bit, a counter's sequence number and flags
QUALIFIERS: list[Row] = [
    # a step position's transient bit (VTI bit 8): the simulator sends it, every front end reads it
    V("M_ST_NA_1", "5 transient", "5 transient", PASS),
    V("M_ST_NA_1", "5 transient", "5", PASS),  # not named, not checked
    V("M_ST_NA_1", "5", "5 transient", FAIL),  # a steady 5 is not a transient one
    V("M_ST_NA_1", "5 transient", "5 not transient", FAIL),
    V("M_ST_NA_1", "5", "5 NOT TRANSIENT", PASS),
    V("M_ST_NA_1", "-3 transient", "-2 +- 1 transient", PASS),
    V("M_ST_NA_1", "5 transient", "-64..63 transient", PASS),
    V("M_ST_NA_1", "5", "5 transient yes", ERROR),
    V("M_ST_NA_1", "5", "5 seq 1", ERROR),  # a counter's qualifier
    V("M_ME_NB_1", "1234", "1234 transient", ERROR),
    # a counter's sequence number and flags (BCR): sent by the simulator, read the same everywhere
    V("M_IT_NA_1", "12345 seq 3", "12345 seq 3", PASS),
    V("M_IT_NA_1", "12345 seq 3", "12345 seq 4", FAIL),  # a wrong sequence number fails
    V("M_IT_NA_1", "12345 seq 3", "12345 sequence 3", PASS),
    V("M_IT_NA_1", "12345 seq 3", "12000..12400 seq 3", PASS),
    V("M_IT_NA_1", "12345 seq 3", "12345 seq 32", ERROR),  # 5 bits
    V("M_IT_NA_1", "12345 seq 3", "12345 seq", ERROR),
    VQ("M_IT_NA_1", "12345 seq 3", "CY", "12345 seq 3 carry", PASS),
    VQ("M_IT_NA_1", "12345 seq 3", "CY", "12345 seq 3 CY", PASS),
    VQ("M_IT_NA_1", "12345 seq 3", "CY", "12345 CA", FAIL),  # flags are exact, as a quality expression
    VQ("M_IT_NA_1", "12345 seq 3", "CA, CY", "12345 seq 3 CA and CY", PASS),
    VQ("M_IT_NA_1", "12345 seq 3", "CY", "12345 good", FAIL),
    VQ("M_IT_NA_1", "12345 seq 3", "CY", "12345 seq 3 NT", ERROR),  # NT is no flag of a counter
    V("M_ME_NC_1", "230.5", "230.5 IV", ERROR),  # a counter's qualifier on a float
]

#: quality expressions (the rules' quality table)
QUALITIES: list[Row] = [
    # exact by default, contains when written
    Q("IV, NT", "IV and NT", PASS),
    Q("IV, NT", "IV,NT", PASS),
    Q("IV, NT", "IV | NT", PASS),
    Q("IV, NT", "IV", FAIL),
    Q("IV, NT", "contains IV", PASS),
    Q("NT", "contains IV", FAIL),
    Q("good", "good", PASS),
    Q("good", "none", PASS),
    Q("IV", "IX", ERROR),
    Q("IV, NT", "IV NT", PASS),
    Q("IV", "Invalid", PASS),
    Q("IV", "0x80", ERROR),  # an octet as a decoder shows it: refused, naming its flags (IV)
    Q("IV, NT", "invalid,not topical", PASS),  # the standard's names, "not topical" in two words
    Q("IV, NT", "Invalid, NonTopical", PASS),
    Q("NT", "not topical", PASS),
    Q("good", "GOOD", PASS),
    Q("IV", "[IV]", PASS),
    Q("IV, NT", "IV;NT", ERROR),
]

#: octets in hex, as copied from Wireshark, logs and specifications (the rules' hexdump)
HEX: list[Row] = [
    # a TESTFR act; the RTU answers TESTFR con
    H("68 04 43 00 00 00", PASS),
    H("68:04:43:00:00:00", PASS),
    H("0x68 0x04 0x43 0x00 0x00 0x00", PASS),
    H("68-04-43-00-00-00", PASS),
    H("680443000000", PASS),
    H("0X68 0X04 0X43 0X00 0X00 0X00", PASS),
    H("68 04 4g 00 00 00", ERROR),
    H("680443 00000", ERROR),
    H(r"\x68\x04\x43\x00\x00\x00", PASS),  # Wireshark: Copy as Escaped String
    H("0000   68 04 43 00 00 00                                 h.C...", PASS),  # Copy as Hex Dump
    H("68 04 43\n00 00 00\n", PASS),  # lines (Gherkin: the doc string of "I send the raw APDU:")
    H("0000   68 04 43 00 00 00                                 h.C...\n", PASS),
    H("0x68, 0x04, 0x43, 0x00, 0x00, 0x00", PASS),  # from a C array
    H("68 04 43\n00 0g 00", ERROR),  # the position names the line's character, newline included
]

#: command values (refused before anything is sent, or confirmed by the RTU)
COMMANDS: list[Row] = [
    C("C_SC_NA_1", "ON", PASS),
    C("C_SC_NA_1", "maybe", ERROR),
    C("C_DC_NA_1", "OFF", PASS),
    C("C_DC_NA_1", "1", ERROR),
    C("C_RC_NA_1", "HIGHER", PASS),
    C("C_RC_NA_1", "UP", ERROR),
    C("C_SE_NA_1", "0.5", PASS),
    C("C_SE_NA_1", "1.5", ERROR),
    C("C_SE_NB_1", "1500", PASS),
    C("C_SE_NB_1", "40000", ERROR),
    C("C_SE_NB_1", "12.5", ERROR),
    C("C_SE_NC_1", "-3.25", PASS),
]

#: the simulator's points set by a test (Robot's Set Simulated Point, the step "the simulated
#: RTU sets IOA n to ..."): one reading of the value and quality for the point's type
SETS: list[Row] = [
    S("M_DP_NA_1", "ON", "OFF", PASS, "OFF"),
    S("M_DP_NA_1", "ON", "1", ERROR, "OFF"),  # DPI 1 is OFF: ambiguous, refused (Gherkin set OFF)
    S("M_SP_NA_1", "false", "1", PASS, "ON"),
    S("M_ME_NB_1", "5", "1e3", PASS, "1000"),  # Gherkin refused it: 'expected an integer'
    S("M_ME_NB_1", "5", "12.5", ERROR, "12"),
    S("M_IT_NA_1", "5", "7 with quality CY", PASS, "7"),  # a counter's carry (Gherkin refused CY)
    S("M_IT_NA_1", "5", "8 with quality CA and CY", PASS, "8"),
    S("M_IT_NA_1", "5", "9 with quality NT", ERROR, "9"),  # NT is no flag of a counter
    S("M_ME_NA_1", "0.25", "0.5 with quality IV and NT", PASS, "0.5"),
    S("M_ST_NA_1", "5", "7 transient", PASS, "7 transient"),  # the RTU then sends the transient bit
    S("M_ST_NA_1", "5 transient", "8", PASS, "8 not transient"),  # a plain number is a steady step
    S("M_IT_NA_1", "5", "9 seq 7", PASS, "9 seq 7"),
    S("M_IT_NA_1", "5", "9 seq 7 CY", ERROR, "9"),  # a counter's flags are set as its quality
]

#: addresses: decimal, hex, digit groups, a spreadsheet's 5002.0; a structured IOA is refused
#: with its reason everywhere (only FAT lists named it; Gherkin found no step for 5_001 or 1-2-3)
ADDRESSES: list[Row] = [
    A(5000, "0x1388", PASS),
    A(5001, "5_001", PASS),
    A(5002, "5002.0", PASS),
    A(5003, "1-2-3", ERROR),
    A(5004, "16777216", ERROR),
]

#: type names (any case, with or without _1) and causes (name or number)
NAMES: list[Row] = [
    T("M_SP_NA_1", "INTERROGATED_BY_STATION", PASS),
    T("m_sp_na_1", "20", PASS),  # Gherkin found no step for a lower-case type
    T("M_SP_NA", "interrogated_by_station", PASS),  # refused everywhere before
    T("M_SP_NB_1", "20", ERROR),
    T("M_SP_NA_1", "INTERROGATED", ERROR),
]

TABLE: list[Row] = [*VALUES, *TOLERANCES, *QUALIFIERS, *QUALITIES, *HEX, *COMMANDS, *SETS, *ADDRESSES, *NAMES]


def ioa(index: int) -> int:
    return FIRST_IOA + index


#: (row index) -> (front end, message) of every refusal seen, to compare with the rules' own message
Messages = dict[int, list[tuple[str, str]]]


def write_profile(path: Path) -> None:
    lines = ["name: parity", "stations:", f"  - common_address: {CA}", "    points:"]
    for index, row in enumerate(TABLE):
        if row.kind == "hex":
            continue
        if row.kind == "command":
            lines += [f"      - io_address: {ioa(index)}", f"        type: {row.type}"]
            continue
        lines += [f"      - io_address: {row.at or ioa(index)}", f"        type: {row.type}", f"        value: {row.value}"]  # value and set rows
        if row.quality:
            lines.append(f"        quality: {'[' + row.quality + ']' if row.quality != 'good' else '[]'}")
        lines.append("        counter_group: 1" if row.type.startswith("M_IT") else "        groups: [1]")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---- Robot --------------------------------------------------------------------------------------


def robot_cell(text: str) -> str:
    """``text`` as one Robot cell that the keyword gets unchanged: backslashes and newlines
    escaped, a run of spaces (a cell separator in Robot) kept with ``\\ ``."""
    text = text.replace("\\", "\\\\").replace("\n", "\\n")
    return re.sub(r" {2,}", lambda m: " " + "\\ " * (len(m[0]) - 1), text)


def in_gherkin(row: Row) -> bool:
    """A Gherkin step is one line: a text with a newline is a Gherkin row only as the doc string
    of "I send the raw APDU:" (hex)."""
    return row.kind == "hex" or "\n" not in row.text


def robot_tests() -> list[tuple[str, int, str]]:
    """(test name, row index, body) of every Robot test: values are judged by two keywords."""
    tests = []
    for index, original in enumerate(TABLE):
        row = dataclasses.replace(original, text=robot_cell(original.text))
        if row.kind == "value":
            tests.append((f"Get {index}", index, f"    Get Point Value    {ioa(index)}    ==    {row.text}"))
            tests.append((f"Expect {index}", index, f"    Expect State    {ioa(index)}    {row.text}    timeout=0.3s"))
            # a fresh report, as the Gherkin step "IOA n reports" wants it
            tests.append(
                (f"Report {index}", index, f"    {_robot_interrogation(row)}\n    Expect Report    {ioa(index)}    {row.text}    timeout=0.3s")
            )
        elif row.kind == "quality":
            operator, expected = ("contains", row.text.split(" ", 1)[1]) if row.text.startswith("contains ") else ("==", row.text)
            tests.append((f"Quality {index}", index, f"    Get Point Quality    {ioa(index)}    {operator}    {expected}"))
        elif row.kind == "command":
            tests.append((f"Command {index}", index, f"    Send Command    {ioa(index)}    {row.text}    {row.type}"))
        elif row.kind == "address":
            tests.append((f"Address {index}", index, f"    Get Point Value    {row.text}    ==    ON"))
        elif row.kind == "type":
            body = f"    Send Interrogation\n    Expect Message    {row.text}    {row.reports}    io_address={ioa(index)}    timeout=1s"
            tests.append((f"Type {index}", index, body))
        elif row.kind == "set":
            value, quality = set_parts(row)
            body = f"    Set Simulated Point    {ioa(index)}    {value}" + (f"    quality={quality}" if quality else "")
            body += f"\n    Expect Report    {ioa(index)}    {row.reports}    timeout=1s"
            if quality:
                body += f"\n    Get Point Quality    {ioa(index)}    ==    {quality}"
            tests.append((f"Set {index}", index, body))
        else:
            tests.append(
                (f"Hex {index}", index, f"    Send Raw APDU    {row.text}\n    Expect Frame    TESTFR_CON    timeout=2s")
            )
    return tests


def _robot_interrogation(row: Row) -> str:
    return "Send Counter Interrogation" if row.type.startswith("M_IT") else "Send Interrogation"


def _gherkin_interrogation(row: Row) -> str:
    return "I send a counter interrogation" if row.type.startswith("M_IT") else "I send a general interrogation"


def robot_verdicts(tmp_path: Path, profile: Path, messages: Messages) -> dict[int, set[str]]:
    tests = robot_tests()
    suite = tmp_path / "parity.robot"
    suite.write_text(
        "*** Settings ***\n"
        "Library    c104test.keywords.IEC104Library    timeout=2s\n"
        "Suite Setup    Open\n"
        "Suite Teardown    Close All RTU Connections\n\n"
        "*** Keywords ***\n"
        "Open\n"
        f"    ${{port}} =    Start Simulated RTU    {profile}\n"
        f"    Connect To RTU    127.0.0.1    ${{port}}    common_address={CA}\n"
        "    Send Interrogation\n"
        "    Send Counter Interrogation\n\n"
        "*** Test Cases ***\n" + "".join(f"{name}\n{body}\n" for name, _, body in tests),
        encoding="utf-8",
    )
    output = tmp_path / "output.xml"
    subprocess.run(
        [sys.executable, "-m", "robot", "--output", str(output), "--report", "NONE", "--log", "NONE",
         "--console", "none", str(suite)],
        cwd=ROOT, timeout=300, check=False,
    )
    statuses = {}
    for test in ET.parse(output).getroot().iter("test"):
        status = test.find("status")
        assert status is not None
        message = (status.text or "").strip()
        if status.get("status") == "PASS":
            verdict = PASS
        elif message.startswith(("ValueError:", "Argument '")) or "cannot be converted" in message:
            verdict = ERROR
        else:
            verdict = FAIL
        statuses[test.get("name")] = (verdict, message)
    verdicts: dict[int, set[str]] = {}
    for name, index, _ in tests:
        verdicts.setdefault(index, set()).add(statuses[name][0])
        if statuses[name][0] == ERROR:
            messages.setdefault(index, []).append((f"robot {name}", statuses[name][1]))
    return verdicts


# ---- Gherkin ------------------------------------------------------------------------------------


def gherkin_verdicts(tmp_path: Path, profile: Path, messages: Messages) -> dict[int, set[str]]:
    features = tmp_path / "features"
    features.mkdir()
    scenarios = []
    for index, row in enumerate(TABLE):
        if not in_gherkin(row):
            continue
        if row.kind == "value":
            # "IOA n reports" wants a fresh report: the interrogation brings it
            then = f"When {_gherkin_interrogation(row)}\n    Then IOA {ioa(index)} reports {row.text} within 0.3 seconds"
        elif row.kind == "quality":
            text = row.text.replace("contains ", "containing ", 1)
            then = f"Then IOA {ioa(index)} has quality {text} within 0.3 seconds"
        elif row.kind == "command":
            then = f"When I send {GHERKIN_COMMANDS[row.type]} {row.text} to IOA {ioa(index)}\n    Then the command is confirmed"
        elif row.kind == "address":
            then = f"Then IOA {row.text} has quality good within 0.3 seconds"
        elif row.kind == "type":
            then = (f"When I send a general interrogation\n    Then I receive {row.text} with cause {row.reports} "
                    f"for IOA {ioa(index)} within 1 seconds")
        elif row.kind == "set":
            then = f"When the simulated RTU sets IOA {ioa(index)} to {row.text}\n    Then IOA {ioa(index)} reports {row.reports} within 1 seconds"
            if set_parts(row)[1]:
                then += f"\n    And IOA {ioa(index)} has quality {set_parts(row)[1]} within 1 seconds"
        elif "\n" in row.text:  # as Wireshark copied it, in the step's doc string
            lines = "".join(f"      {line}\n" for line in row.text.splitlines())
            then = f'When I send the raw APDU:\n      """\n{lines}      """\n    Then I receive TESTFR con within 2 seconds'
        else:
            then = f'When I send the raw APDU "{row.text}"\n    Then I receive TESTFR con within 2 seconds'
        scenarios.append(f"  Scenario: row {index}\n    {then}\n")
    (features / "parity.feature").write_text(
        "Feature: Parity\n"
        "  Background:\n"
        f'    Given a simulated RTU from profile "{profile}"\n'
        "    And a connection to the RTU\n"
        "    And data transfer is started\n"
        "    When I send a general interrogation\n"
        "    And I send a counter interrogation\n\n" + "\n".join(scenarios),
        encoding="utf-8",
    )
    (features / "test_parity_features.py").write_text(
        "from pytest_bdd import scenarios\n\nscenarios('parity.feature')\n", encoding="utf-8"
    )
    junit = tmp_path / "junit.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", str(features), "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
         f"--junitxml={junit}", "--rootdir", str(features)],
        cwd=tmp_path, timeout=300, check=False, capture_output=True,
    )
    verdicts: dict[int, set[str]] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        index = int(case.get("name", "").rsplit("row_", 1)[1])
        failure = case.find("failure")
        if failure is None:
            verdict = PASS
        else:
            text = (failure.get("message") or "") + (failure.text or "")
            verdict = ERROR if "StepUsageError" in text else FAIL
            if verdict == ERROR:
                messages.setdefault(index, []).append(("gherkin", text))
        verdicts.setdefault(index, set()).add(verdict)
    return verdicts


# ---- the command line -----------------------------------------------------------------------------


def cli_verdicts(messages: Messages) -> dict[int, set[str]]:
    verdicts: dict[int, set[str]] = {}
    for index, row in enumerate(TABLE):
        if row.kind != "hex":
            continue
        done = subprocess.run(
            [sys.executable, "-m", "c104test", "explain", row.text],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        )
        ok = done.returncode == 0 and "TestFR act" in done.stdout
        verdicts[index] = {PASS if ok else ERROR}
        if not ok:
            messages.setdefault(index, []).append(("cli", done.stderr))
    return verdicts


# ---- a FAT signal list -------------------------------------------------------------------------------

FAT_KINDS = ("value", "quality", "address", "type")


def fat_verdicts(tmp_path: Path, profile: Path, messages: Messages) -> dict[int, set[str]]:
    """Every value and quality row as a row of one signal list: a refused cell is an error (the
    list names its row), the others are checked by ``c104test fat --simulate`` (the command line)
    against the simulator, and their verdicts read from its results.json."""
    header = "name,common_address,io_address,type,expected_value,expected_quality"

    def line(index: int, row: Row) -> str:
        value, quality = (row.text, row.quality) if row.kind == "value" else ("", row.text) if row.kind == "quality" else ("ON", "")
        address = row.text if row.kind == "address" else ioa(index)
        type_name = row.text if row.kind == "type" else row.type
        return ",".join(f'"{cell}"' for cell in (f"row {index}", CA, address, type_name, value, quality))

    rows = [(index, row) for index, row in enumerate(TABLE) if row.kind in FAT_KINDS and _in_fat(row)]
    verdicts: dict[int, set[str]] = {}
    try:  # what the CLI reads its list with, every refused cell at once (its stderr shows 20)
        parse_csv_text(header + "\n" + "\n".join(line(i, r) for i, r in rows) + "\n")
    except SignalListError as exc:
        for problem in exc.problems:
            index = rows[problem.row - 2][0]  # the header is row 1
            verdicts[index] = {ERROR}
            messages.setdefault(index, []).append(("fat", problem.message))
    good = [(i, r) for i, r in rows if i not in verdicts]
    listing = tmp_path / "signals.csv"
    listing.write_text(header + "\n" + "\n".join(line(i, r) for i, r in good) + "\n", encoding="utf-8")
    output = tmp_path / "fat-report"
    done = subprocess.run(
        [sys.executable, "-m", "c104test", "fat", "--simulate", str(profile), "--points", str(listing),
         "--output", str(output), "--timeout", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    by_name = {point["name"]: point["verdict"] for point in json.loads((output / "results.json").read_text())["points"]}
    for index, _ in good:
        verdicts[index] = {PASS if by_name[f"row {index}"] == "pass" else FAIL}
    return verdicts


def _in_fat(row: Row) -> bool:
    """A signal list has no cause column: a type row whose cause is the error is not a FAT row."""
    if row.kind != "type":
        return True
    try:
        rules.lookup(Cot, row.reports)
    except ValueError:
        return False
    return True


# ---- Python: the rules themselves --------------------------------------------------------------------


def rules_message(row: Row) -> str | None:
    """The rules' own message for a refused text (None when they accept it)."""
    try:
        if row.kind == "value":
            rules.expectation(row.text, Type[row.type])
        elif row.kind == "quality":
            rules.QualityExpectation.parse(row.text)
        elif row.kind == "hex":
            rules.parse_hex(row.text)
        elif row.kind == "command":
            rules.parse_value(row.text, rules.type_class(Type[row.type]))  # type: ignore[arg-type]
        elif row.kind == "address":
            rules.io_address(row.text)
        elif row.kind == "type":
            rules.lookup(Type, row.text)
            rules.lookup(Cot, row.reports)
        elif row.kind == "set":
            value, quality = set_parts(row)
            rules.value_for(Type[row.type], value)
            if quality:
                rules.quality_for(Type[row.type], quality)
    except ValueError as exc:
        return str(exc)
    return None


def python_verdict(row: Row) -> str | None:
    """The verdict of the rules called directly, for value and quality rows."""
    if row.kind not in FAT_KINDS:
        return None
    if rules_message(row) is not None:
        return ERROR
    reported: Any
    if row.kind == "address":
        return PASS if rules.io_address(row.text) == row.at else FAIL
    if row.kind == "type":
        return PASS if rules.lookup(Type, row.text) is Type[row.type] else FAIL
    if row.kind == "value":
        reported = _reported(row)
        return PASS if rules.expectation(row.text, Type[row.type]).matches(reported) else FAIL
    reported = rules.flags_of(rules.quality_for(Type[row.type], row.quality if row.quality != "good" else "good"))
    return PASS if rules.QualityExpectation.parse(row.text).matches(reported) else FAIL


def _reported(row: Row) -> Any:
    """What the simulator sends for a value row: its value, or the VTI / BCR (with the row's flags)."""
    reported = rules.value_for(Type[row.type], row.value)
    if rules.type_class(Type[row.type]) is rules.TypeClass.STEP and not isinstance(reported, VTI):
        return VTI(reported)  # a plain number is a steady step
    if rules.type_class(Type[row.type]) is rules.TypeClass.COUNTER:
        bcr = reported if isinstance(reported, BCR) else BCR(reported)
        flags = rules.flags_of(rules.quality_for(Type[row.type], row.quality or "good"))
        return BCR(bcr.counter, bcr.sequence, cy="CY" in flags, ca="CA" in flags, iv="IV" in flags)
    return reported


# ---- the test ---------------------------------------------------------------------------------------


def test_the_table_covers_every_value_class_and_syntax() -> None:
    assert len(TABLE) >= 40
    types = {row.type for row in TABLE if row.kind == "value"}
    assert {"M_SP_NA_1", "M_DP_NA_1", "M_ST_NA_1", "M_BO_NA_1", "M_ME_NA_1", "M_ME_NB_1", "M_ME_NC_1", "M_IT_NA_1"} <= types
    texts = " ".join(row.text for row in TABLE)
    assert {row.type for row in TABLE if row.kind == "command"} == set(GHERKIN_COMMANDS)
    for syntax in ("+-", "+/-", "±", "%", "contains", " and ", "|", "0x", ":"):
        assert syntax in texts
    assert {row.verdict for row in TABLE} == {PASS, FAIL, ERROR}
    assert {row.verdict for row in TABLE if row.kind == "set"} == {PASS, ERROR}


@pytest.mark.timeout(300)
def test_robot_gherkin_fat_cli_and_python_give_the_same_verdicts(tmp_path: Path) -> None:
    profile = tmp_path / "parity.yaml"
    write_profile(profile)
    messages: Messages = {}
    (tmp_path / "robot").mkdir()
    (tmp_path / "gherkin").mkdir()
    robot = robot_verdicts(tmp_path / "robot", profile, messages)
    gherkin = gherkin_verdicts(tmp_path / "gherkin", profile, messages)
    (tmp_path / "cli").mkdir()
    fat = fat_verdicts(tmp_path / "cli", profile, messages)
    cli = cli_verdicts(messages)
    wrong = []
    for index, row in enumerate(TABLE):
        seen = {"robot": robot.get(index)}
        if in_gherkin(row):
            seen["gherkin"] = gherkin.get(index)
        if row.kind == "hex":
            seen["cli"] = cli.get(index)
        if row.kind in FAT_KINDS and _in_fat(row):
            seen["cli fat"] = fat.get(index)
            seen["python"] = {python_verdict(row)}
        if any(v != {row.verdict} for v in seen.values()):
            wrong.append(f"row {index} {row.kind} {row.type} {row.value!r} {row.text!r}: expected {row.verdict}, got {seen}")
        expected_message = rules_message(row)
        if row.verdict == ERROR and expected_message is not None:
            # a refusal names what was wrong in the rules' words, in every front end alike
            expected_message = expected_message.split(" Valid: ")[0]  # FAT lists name the kind of type instead
            for where, message in messages.get(index, []):
                if expected_message not in message.replace("\n", " "):
                    wrong.append(f"row {index} {row.text!r}: {where} said {message[:300]!r}, not the rules' {expected_message!r}")
    assert not wrong, "\n".join(wrong)
