"""The c104test command: `c104test explain HEX...`, in-process and as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from c104test import __version__
from c104test.cli import main

STARTDT_ACT = "68 04 07 00 00 00"
GI_ACT = "68 0e 00 00 00 00 64 01 06 00 01 00 00 00 00 14"
GI_LINE = (
    "I-Format | C_IC_NA_1 | ACTIVATION | POSITIVE | CA 1 | 1st IOA 0 | LIST[1] (00 00 00 14 )"
    " | N(S) 0 N(R) 0 | IOA 0 = STATION"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], list[str]]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out.splitlines(), err.splitlines()


# ---- in-process ---------------------------------------------------------------------------------


def test_explain_one_line_per_argument(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "explain", STARTDT_ACT, GI_ACT.replace(" ", ""), "680401000a00")
    assert status == 0
    assert out == ["U-Format | StartDT act", GI_LINE, "S-Format | N(R) 5"]
    assert err == []


def test_explain_several_apdus_in_one_argument(capsys: pytest.CaptureFixture[str]) -> None:
    # any whitespace, even none, between and inside APDUs; xxd-style groups of four digits
    status, out, err = run(capsys, "explain", "6804 0700 0000\t" + GI_ACT + "\n680443000000")
    assert (status, err) == (0, [])
    assert out == ["U-Format | StartDT act", GI_LINE, "U-Format | TestFR act"]


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("6804070", "odd number of hex digits (7): every octet needs two"),
        ("68 zz", "'z' is not a hex digit (character 4 of '68 zz')"),
        ("0x6g", "'g' is not a hex digit (character 4 of '0x6g')"),
        ("", "no hex digits given"),
        ("   ", "no hex digits given"),
        ("12 04 07 00 00 00", "start octet 0x12 is not 0x68 (at byte 0)"),
        ("68 04 07 00 00", "APDU of 5 octets is shorter than 6 (at byte 5)"),
        ("68 0e 00 00 00 00 64 01", "length octet 14 does not match 6 octets after it (at byte 1)"),
        ("68 04 ff 00 00 00", "U-frame octet 3 0xff is not exactly one function (at byte 2)"),
        (
            "68 0e 00 00 00 00 64 05 06 00 01 00 00 00 00 14",
            "C_IC_NA_1 with 5 objects (SQ=0) needs 20 octets of objects, got 4 (at byte 12)",
        ),
    ],
)
def test_explain_bad_input(capsys: pytest.CaptureFixture[str], argument: str, message: str) -> None:
    status, out, err = run(capsys, "explain", STARTDT_ACT, argument)
    assert status == 2
    assert out == ["U-Format | StartDT act"]
    assert err == [f"c104test explain: argument 2: {message}"]


def test_explain_offsets_count_in_the_argument_and_go_on_after_a_sound_frame(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # a malformed U-frame whose framing is sound: the APDU after it is still explained
    status, out, err = run(capsys, "explain", f"{STARTDT_ACT} 68 04 ff 00 00 00 68 04 13 00 00 00")
    assert status == 2
    assert out == ["U-Format | StartDT act", "U-Format | StopDT act"]
    assert err == ["c104test explain: argument 1: U-frame octet 3 0xff is not exactly one function (at byte 8)"]


def test_explain_stops_an_argument_at_a_framing_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "explain", f"{STARTDT_ACT} 12 04 07 00 00 00 {STARTDT_ACT}", STARTDT_ACT)
    assert status == 2
    assert out == ["U-Format | StartDT act", "U-Format | StartDT act"]  # first of arg 1, then arg 2
    assert err == ["c104test explain: argument 1: start octet 0x12 is not 0x68 (at byte 6)"]


def test_explain_truncated_last_apdu(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "explain", f"{STARTDT_ACT} 68")
    assert (status, out) == (2, ["U-Format | StartDT act"])
    assert err == ["c104test explain: argument 1: APDU of 1 octets is shorter than 6 (at byte 7)"]


def test_every_bad_argument_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "explain", "6", STARTDT_ACT, "zz")
    assert status == 2
    assert out == ["U-Format | StartDT act"]
    assert err == [
        "c104test explain: argument 1: odd number of hex digits (1): every octet needs two",
        "c104test explain: argument 3: 'z' is not a hex digit (character 1 of 'zz')",
    ]


@pytest.mark.parametrize("argv", [[], ["explain"], ["nosuchcommand"]])
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == []
    assert err[0].startswith("usage: c104test")


def test_help_and_version_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "explain", "--help")
    assert status == 0
    assert out[0].startswith("usage: c104test explain")
    status, out, _ = run(capsys, "--version")
    assert (status, out) == (0, [f"c104test {__version__}"])


# ---- as a command -------------------------------------------------------------------------------


def command(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "c104test", *args], capture_output=True, text=True, encoding="utf-8", timeout=60,
        env=env,
    )  # fmt: skip


def test_python_m_c104test_explain() -> None:
    sq = "68 12 00 00 00 00 01 85 14 00 01 00 0a 00 00 00 01 80 11 81"
    result = command("explain", STARTDT_ACT, GI_ACT, sq)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "U-Format | StartDT act",
        GI_LINE,
        "I-Format | M_SP_NA_1 | INTERROGATED_BY_STATION | POSITIVE | CA 1 | 1st IOA 10"
        " | SEQUENCE[5] (0a 00 00 00 01 80 11 81 ) | N(S) 0 N(R) 0"
        " | IOA 10 = OFF, IOA 11 = ON, IOA 12 = OFF (IV), … 2 more",
    ]


def test_python_m_c104test_bad_input() -> None:
    result = command("explain", STARTDT_ACT, "12 04")
    assert result.returncode == 2
    assert result.stdout == "U-Format | StartDT act\n"
    assert result.stderr == "c104test explain: argument 2: start octet 0x12 is not 0x68 (at byte 0)\n"


def test_python_m_c104test_without_command() -> None:
    result = command()
    assert result.returncode == 2
    assert "usage: c104test" in result.stderr


def test_console_script() -> None:
    script = Path(sys.executable).with_name("c104test")
    if not script.exists():
        pytest.skip("c104test is not installed as a command in this environment")
    result = subprocess.run([str(script), "explain", STARTDT_ACT], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (0, "U-Format | StartDT act\n", "")


def test_docstring_examples() -> None:
    import doctest

    from c104test import cli

    result = doctest.testmod(cli)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["68:04:0b:00:00:00"],
        ["0x68 0x04 0x0B 0x00 0x00 0x00"],
        ["68", "04", "0b", "00", "00", "00"],
        ["68-04-0b", "00 00 00"],
    ],
)
def test_explain_accepts_the_hex_spellings_of_the_rules(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    """Issue 11: colons, 0x and octets as separate arguments were refused ("argument 6: start octet")."""
    status, out, err = run(capsys, "explain", *argv)
    assert (status, out, err) == (0, ["U-Format | StartDT con"], [])
