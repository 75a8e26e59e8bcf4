"""An earlier FAT report in the output directory is never overwritten silently (refused before
anything is sent, naming the file and how to go on), ``--overwrite`` replaces it whole, and a
``--resume`` with nothing left says so and leaves the earlier report as it was."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from c104test.cli import main

from .lists import RIGHT, WRONG_ROWS, write_csv, wrong_lines


def fat(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["fat", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def closed_port() -> str:
    """An address where nothing listens: a run that tried to connect would end with status 1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_a_second_run_into_the_same_directory_is_refused_naming_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    points = write_csv(tmp_path / "list.csv", wrong_lines())
    out = tmp_path / "r"
    code, _, _ = fat(capsys, "--simulate", "--points", str(points), "-o", str(out))
    assert code == 1
    before = snapshot(out)
    started = json.loads((out / "results.json").read_text())["started"]
    code, stdout, err = fat(capsys, closed_port(), "--points", str(points), "-o", str(out))
    assert code == 2, err  # refused before connecting (an unreachable RTU would be status 1)
    fails = len(WRONG_ROWS)
    assert err.strip() == (
        f"c104test fat: {out / 'results.json'}: a report of an earlier run is there ({points}, started {started}, "
        f"FAILED: {len(wrong_lines()) - fails} pass, {fails} fail); it is never overwritten silently: give another "
        "--output, continue that run with --resume, or replace it with --overwrite")
    assert snapshot(out) == before and stdout == ""


def test_overwrite_replaces_every_file_of_the_earlier_run_and_nothing_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    points = write_csv(tmp_path / "list.csv", RIGHT[:3])
    out = tmp_path / "r"
    out.mkdir()
    (out / "capture-2.pcap").write_bytes(b"an earlier resumed session")  # would be signed with the new report
    (out / "witness notes.txt").write_text("not ours")
    code, _, err = fat(capsys, "--simulate", "--points", str(points), "-o", str(out), "--overwrite")
    assert code == 0, err
    assert not (out / "capture-2.pcap").exists() and (out / "witness notes.txt").read_text() == "not ours"
    assert [c["file"] for c in json.loads((out / "results.json").read_text())["captures"]] == ["capture.pcap"]
    code, _, err = fat(capsys, "--simulate", "--points", str(points), "-o", str(out), "--overwrite", "--resume")
    assert code == 2 and "give one of them" in err


def test_the_state_of_an_interrupted_run_is_not_lost_to_a_new_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    points = write_csv(tmp_path / "list.csv", RIGHT[:3])
    out = tmp_path / "r"
    code, _, _ = fat(capsys, "--simulate", "--points", str(points), "-o", str(out))
    assert code == 0
    for name in ("results.json", "report.html", "report.xlsx", "junit.xml", "capture.pcap"):
        (out / name).unlink()  # as a run cut short leaves it: the state file only
    code, _, err = fat(capsys, closed_port(), "--points", str(points), "-o", str(out))
    assert code == 2
    assert err.startswith(f"c104test fat: {out / 'fat-state.json'}: the state of an interrupted run is there "
                          "(3 rows done); it is never overwritten silently"), err


def test_resume_with_nothing_left_says_so_and_keeps_the_earlier_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    points = write_csv(tmp_path / "list.csv", wrong_lines())
    out = tmp_path / "r"
    code, _, _ = fat(capsys, "--simulate", "--points", str(points), "-o", str(out))
    assert code == 1
    before = snapshot(out)
    code, stdout, err = fat(capsys, closed_port(), "--points", str(points), "-o", str(out), "--resume")
    assert code == 1, err  # the earlier verdict stands; nothing was sent (the RTU is unreachable)
    started = json.loads((out / "results.json").read_text())["started"]
    fails = len(WRONG_ROWS)
    assert stdout.strip() == (
        f"c104test fat: nothing left to resume in {out}: {len(wrong_lines())} of {len(wrong_lines())} rows of "
        f"{points} have their result from the run started {started}; nothing was sent, the reports in it are "
        f"unchanged: FAILED: {len(wrong_lines()) - fails} pass, {fails} fail")
    assert "unexpected" not in stdout
    assert snapshot(out) == before


def test_resume_after_the_last_row_writes_the_reports_from_the_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run cut short after its last row, before its reports: the resumed run has no row left; it
    writes the reports from the state, sends nothing, and says what it cannot know."""
    points = write_csv(tmp_path / "list.csv", RIGHT[:3])
    out = tmp_path / "r"
    assert fat(capsys, "--simulate", "--points", str(points), "-o", str(out))[0] == 0
    first = json.loads((out / "results.json").read_text())
    for name in ("results.json", "report.html", "report.xlsx", "junit.xml"):
        (out / name).unlink()
    code, stdout, _ = fat(capsys, closed_port(), "--points", str(points), "-o", str(out), "--resume")
    assert code == 0
    assert "its reports are written from its state now" in stdout and stdout.rstrip().endswith("PASSED: 3 pass")
    data = json.loads((out / "results.json").read_text())
    assert data["points"] == first["points"] and data["captures"] == first["captures"]
    assert data["started"] == first["started"]
    assert not (out / "capture-2.pcap").exists()
