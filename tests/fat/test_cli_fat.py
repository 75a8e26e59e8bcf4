"""``c104test fat`` end to end against the embedded simulator: the four report forms agree."""

from __future__ import annotations

import hashlib
import json
import socket
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest

from c104test.cli import main

from .lists import RIGHT, WRONG_ROWS, write_csv, write_xlsx, wrong_lines


def fat(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["fat", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def report_verdicts(directory: Path) -> dict[str, dict[int, str]]:
    """Row -> verdict as each of the four report forms tells it."""
    data = json.loads((directory / "results.json").read_text())
    forms = {"json": {p["row"]: p["verdict"] for p in data["points"]}}
    junit: dict[int, str] = {}
    for case in ET.parse(directory / "junit.xml").getroot().iter("testcase"):
        if not case.get("name", "").startswith("row "):
            continue
        row = int(case.get("name", "").split(":")[0][4:])
        junit[row] = ("fail" if case.find("failure") is not None else "error" if case.find("error") is not None
                      else "skipped" if case.find("skipped") is not None else "pass")
    forms["junit"] = junit
    sheet = openpyxl.load_workbook(directory / "report.xlsx")["Results"]
    header = [c.value for c in sheet[1]]
    # the list's own row number is the first column (the sheet drops blank and comment rows)
    assert header[0] == "list row"
    forms["xlsx"] = {r[0]: r[header.index("verdict")] for r in sheet.iter_rows(min_row=2, values_only=True)}
    html = (directory / "report.html").read_text()
    forms["html"] = {}
    for chunk in html.split("<tr class='")[1:]:
        verdict, rest = chunk.split("'", 1)
        if verdict in ("pass", "fail", "error", "skipped") and rest.startswith("><td>"):
            cell = rest[5:].split("<", 1)[0]
            if cell.isdigit():
                forms["html"][int(cell)] = verdict
    return forms


def test_wrong_list_fails_exactly_the_wrong_rows_in_all_four_forms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    points = write_csv(tmp_path / "list.csv", wrong_lines())
    code, out, err = fat(capsys, "--simulate", "--points", str(points), "--output", str(tmp_path / "r"),
                         "--witness", "A. Vendor", "--witness", "B. Utility")
    assert code == 1, err
    assert "FAILED" in out and f"{len(WRONG_ROWS)} fail" in out
    for row in WRONG_ROWS:
        assert f"row {row} fail: " in out  # plain progress lines: stdout is no terminal
    forms = report_verdicts(tmp_path / "r")
    expected = {row: ("fail" if row in WRONG_ROWS else "pass") for row in range(2, 2 + len(wrong_lines()))}
    for name, found in forms.items():
        assert found == expected, name
    html = (tmp_path / "r" / "report.html").read_text()
    for _, words in WRONG_ROWS.values():
        assert words in html
    assert html.count("<svg") == len(WRONG_ROWS)  # a sequence chart of evidence per failure
    assert "A. Vendor" in html and hashlib.sha256(points.read_bytes()).hexdigest() in html
    capture = hashlib.sha256((tmp_path / "r" / "capture.pcap").read_bytes()).hexdigest()
    assert capture in html
    data = json.loads((tmp_path / "r" / "results.json").read_text())
    assert set(data) >= {"rtu", "points_file", "points_sha256", "started", "finished", "points", "unexpected"}
    assert set(data["points"][0]) >= {"row", "common_address", "io_address", "name", "verdict", "expected", "seen", "reason"}
    sheet = openpyxl.load_workbook(tmp_path / "r" / "report.xlsx")["Results"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["list row", "name", "common_address", "io_address", "type"]
    assert header[-5:] == ["seen value", "seen quality", "verdict", "time (s)", "remark"]
    remarks = {r[3]: r[-1] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert "value ON, expected OFF" in remarks[200]


def test_same_list_as_xlsx_gives_the_same_verdicts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_csv(tmp_path / "list.csv", wrong_lines())
    b = write_xlsx(tmp_path / "list.xlsx", wrong_lines())
    assert fat(capsys, "--simulate", "--points", str(a), "-o", str(tmp_path / "a"))[0] == 1
    assert fat(capsys, "--simulate", "--points", str(b), "-o", str(tmp_path / "b"))[0] == 1
    ja = json.loads((tmp_path / "a" / "results.json").read_text())["points"]
    jb = json.loads((tmp_path / "b" / "results.json").read_text())["points"]
    assert [(p["row"], p["verdict"], p["reason"].split(" within")[0]) for p in ja] == [
        (p["row"], p["verdict"], p["reason"].split(" within")[0]) for p in jb]


def test_right_list_exit_0_and_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    points = write_csv(tmp_path / "list.csv", RIGHT)
    code, out, _ = fat(capsys, "--simulate", "--points", str(points), "-o", str(tmp_path / "r"))
    assert code == 0 and "PASSED" in out
    code, out, _ = fat(capsys, "--simulate", "--points", str(write_csv(tmp_path / "w.csv", wrong_lines())),
                       "-o", str(tmp_path / "o"), "--only", "3,5-7", "--only", "voltage")
    assert code == 1  # row 6 (wrong type) is selected
    verdicts = {p["row"]: p["verdict"] for p in json.loads((tmp_path / "o" / "results.json").read_text())["points"]}
    assert {r for r, v in verdicts.items() if v != "skipped"} == {3, 5, 6, 7}
    assert verdicts[6] == "fail"


@pytest.mark.parametrize(("only", "words"), [
    ("breakr", "'breakr' selects no row of the list: its rows are 2..13"),
    ("99", "'99' selects no row"),
    ("5-3", "row range '5-3' runs backwards"),
])
def test_only_that_selects_nothing_is_refused_not_passed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], only: str, words: str
) -> None:
    """A misspelt --only checked nothing and reported PASSED, exit 0: a FAT that passes anything."""
    points = write_csv(tmp_path / "list.csv", RIGHT)
    code, out, err = fat(capsys, f"127.0.0.1:{_closed_port()}", "--points", str(points), "-o", str(tmp_path / "r"),
                         "--only", only)
    assert (code, out) == (2, ""), out
    assert err.startswith("c104test fat: --only: ") and words in err, err
    assert not (tmp_path / "r").exists()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_broken_list_is_refused_before_connecting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write_csv(tmp_path / "bad.csv", ["A,47,100,M_SP_NA_1,maybe,,,,,,,,,,,"])
    code, _, err = fat(capsys, f"127.0.0.1:{_closed_port()}", "--points", str(bad), "-o", str(tmp_path / "r"))
    assert code == 2
    assert err.startswith(f"c104test fat: {bad}, row 2, column 'expected_value': ")
    assert not (tmp_path / "r").exists()


def test_unreachable_rtu_is_one_line_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    points = write_csv(tmp_path / "list.csv", RIGHT)
    code, _, err = fat(capsys, f"127.0.0.1:{_closed_port()}", "--points", str(points), "-o", str(tmp_path / "r"),
                       "--timeout", "2")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "127.0.0.1" in err


def test_timeout_bounds_the_wait_for_startdt_con(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An RTU that takes the TCP connection and never confirms STARTDT: --timeout is the bound, not t1 (15 s)."""
    points = write_csv(tmp_path / "list.csv", RIGHT)
    with socket.create_server(("127.0.0.1", 0)) as mute:  # the kernel accepts; nobody answers
        port = mute.getsockname()[1]
        started = time.monotonic()
        code, _, err = fat(capsys, f"127.0.0.1:{port}", "--points", str(points), "-o", str(tmp_path / "r"),
                           "--timeout", "1")
        took = time.monotonic() - started
    assert code == 1
    # the frames of the failed start (STARTDT act, nothing back) are the evidence: a capture, named
    assert err.splitlines() == [
        f"c104test fat: the RTU at 127.0.0.1:{port} accepted the TCP connection but did not confirm STARTDT act "
        "(no STARTDT con) within 1 s; no point was checked (--timeout)",
        f"c104test fat: the frames exchanged until then are in {tmp_path / 'r' / 'capture.pcap'}",
    ]
    assert bytes.fromhex("680407000000") in (tmp_path / "r" / "capture.pcap").read_bytes()
    assert took < 6, f"took {took:.1f} s; t1 (15 s) must not be the bound"


def test_resume_after_a_run_that_never_connected_lists_only_real_captures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The report of the resumed run listed 'capture.pcap' with an empty sha256 when that file did
    not exist. The first run never got its STARTDT con: its capture holds the STARTDT act it sent
    (the evidence of the failed start), and the resumed run's frames are in capture-2.pcap."""
    points = write_csv(tmp_path / "list.csv", RIGHT)
    with socket.create_server(("127.0.0.1", 0)) as mute:
        code, _, _ = fat(capsys, f"127.0.0.1:{mute.getsockname()[1]}", "--points", str(points),
                         "-o", str(tmp_path / "r"), "--timeout", "0.5", "--no-commands")
    assert code == 1
    code, _, err = fat(capsys, "--simulate", "--points", str(points), "-o", str(tmp_path / "r"), "--resume", "--no-commands")
    assert code == 0, err
    captures = json.loads((tmp_path / "r" / "results.json").read_text())["captures"]
    assert [c["file"] for c in captures] == ["capture.pcap", "capture-2.pcap"]
    for capture in captures:
        assert capture["sha256"] == hashlib.sha256((tmp_path / "r" / capture["file"]).read_bytes()).hexdigest()


def test_ctrl_c_before_the_first_row_does_not_suggest_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the simulator started said 'continue with --resume', which then found no state."""
    import trio

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(trio, "run", interrupted)
    points = write_csv(tmp_path / "list.csv", RIGHT)
    code, _, err = fat(capsys, "--simulate", "--points", str(points), "-o", str(tmp_path / "r"))
    assert code == 1
    assert err.strip() == "c104test fat: interrupted before the run began; nothing to resume"


def test_resume_without_a_state_file_says_there_is_nothing_to_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    points = write_csv(tmp_path / "list.csv", RIGHT)
    code, _, err = fat(capsys, "--simulate", "--points", str(points), "-o", str(tmp_path / "r"), "--resume")
    assert code == 2
    assert err.strip() == (f"c104test fat: {tmp_path / 'r' / 'fat-state.json'}: no such file, so there is nothing to "
                           "resume (the interrupted run had not started its first row, or wrote its reports elsewhere); "
                           "run without --resume")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--simulate"], "--points FILE is required"),
        (["--points", "x.csv"], "give the RTU as HOST[:PORT], or --simulate"),
        (["--template", "x.txt"], "must end in .csv or .xlsx"),
        # a fault against a real RTU went unused, silently
        (["127.0.0.1", "--points", "x.csv", "--fault", "silence"],
         "--fault makes the simulated RTU misbehave: it goes with --simulate (and no --fleet)"),
        (["--simulate", "--points", "x.csv", "--fault", "nonsense"], "--fault: unknown fault 'nonsense'"),
        (["--simulate", "--points", "/nonexistent/x.csv"], "cannot read"),
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], words: str) -> None:
    code, _, err = fat(capsys, *argv)
    assert code == 2 and words in err


@pytest.mark.parametrize("timeout", ["-1", "0", "abc"])
def test_timeout_that_is_no_positive_number_is_a_usage_error(capsys: pytest.CaptureFixture[str], timeout: str) -> None:
    """--timeout -1 ended in a ValueError traceback from the link parameters (t0)."""
    assert main(["fat", "127.0.0.1:1", "--points", "x.csv", "--timeout", timeout]) == 2
    assert "argument --timeout: timeout must be a" in capsys.readouterr().err


def test_template_then_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("t.csv", "t.xlsx"):
        code, out, _ = fat(capsys, "--template", str(tmp_path / name))
        assert code == 0
        code, out, _ = fat(capsys, "--simulate", "--points", str(tmp_path / name), "-o", str(tmp_path / name[2:]))
        assert code == 0, out


def test_template_never_overwrites_a_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--template over an existing file replaced it with the demo RTU's rows: a signal list lost."""
    points = write_csv(tmp_path / "signals.csv", RIGHT[:2])
    before = points.read_bytes()
    code, out, err = fat(capsys, "--template", str(points))
    assert code == 2 and out == "" and "the file exists; give a new name" in err
    assert points.read_bytes() == before


def test_report_merge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fat(capsys, "--simulate", "--points", str(write_csv(tmp_path / "a.csv", RIGHT)), "-o", str(tmp_path / "a"))
    fat(capsys, "--simulate", "--points", str(write_csv(tmp_path / "b.csv", wrong_lines())), "-o", str(tmp_path / "b"))
    assert main(["report", "merge", str(tmp_path / "a"), "-o", str(tmp_path / "s1")]) == 0
    assert main(["report", "merge", str(tmp_path / "a"), str(tmp_path / "b"), "-o", str(tmp_path / "s")]) == 1
    rows = json.loads((tmp_path / "s" / "summary.json").read_text())
    assert [(r["passed"], r["fail"]) for r in rows] == [(True, 0), (False, len(WRONG_ROWS))]
    assert "../b/report.html" in (tmp_path / "s" / "summary.html").read_text()
    assert main(["report", "merge", str(tmp_path / "nothing")]) == 2
    # a results.json kept alone (a CI artifact): the summary linked a report.html that does not exist
    (tmp_path / "alone").mkdir()
    (tmp_path / "alone" / "results.json").write_bytes((tmp_path / "a" / "results.json").read_bytes())
    assert main(["report", "merge", str(tmp_path / "alone" / "results.json"), str(tmp_path / "a"), "-o", str(tmp_path / "s2")]) == 0
    assert [r["report"] for r in json.loads((tmp_path / "s2" / "summary.json").read_text())] == [None, "../a/report.html"]
    page = (tmp_path / "s2" / "summary.html").read_text()
    assert "../alone/report.html" not in page and "<td>no report.html beside its results.json</td>" in page


def sent_commands(capture: Path) -> list[tuple[str, int]]:
    """(type, IOA) of every command ACT the tool sent, read back from a capture file (scapy).

    Only the controlling station sends a process command with COT 6, so the direction needs no
    address (both ends are 127.0.0.1 in the real-endpoint capture).
    """
    from scapy.all import TCP, rdpcap

    from c104test.protocol.apci import IFrame, decode_frame
    from c104test.protocol.asdu import decode_asdu
    from c104test.protocol.enums import Cot

    found = []
    for packet in rdpcap(str(capture)):
        payload = bytes(packet[TCP].payload) if TCP in packet else b""
        if not payload:
            continue
        frame = decode_frame(payload)
        if isinstance(frame, IFrame):
            asdu = decode_asdu(frame.asdu)
            if 45 <= int(asdu.type) <= 64 and asdu.cot == Cot.ACTIVATION:
                found.append((asdu.type.name, asdu.objects[0].io_address))
    return found


def test_resume_after_a_lost_connection_sends_no_command_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    points = write_csv(tmp_path / "list.csv", RIGHT)
    out = tmp_path / "r"
    # the simulated RTU breaks the link (a wrong N(S)) after the first rows: the run stops there
    code, stdout, _ = fat(capsys, "--simulate", "--points", str(points), "-o", str(out),
                          "--fault", "wrong_send_sequence nth=40")
    assert code == 1 and " error: connection lost" in stdout
    first = json.loads((out / "results.json").read_text())["points"]
    done = [p["row"] for p in first if p["verdict"] == "pass"]
    assert 2 in done and len(done) < len(RIGHT)
    # the row whose report came in the frame that broke the link is an error of the run, not the
    # point's fail (that frame is no evidence: the link refused it)
    assert {p["verdict"] for p in first} == {"pass", "error"}, [(p["row"], p["verdict"], p["reason"]) for p in first]
    before = sent_commands(out / "capture.pcap")
    assert ("C_SC_NA_1", 500) in before
    code, stdout, _ = fat(capsys, "--simulate", "--points", str(points), "-o", str(out), "--resume")
    assert code == 0, stdout
    data = json.loads((out / "results.json").read_text())
    assert [p["row"] for p in data["points"]] == list(range(2, 2 + len(RIGHT)))
    assert {p["verdict"] for p in data["points"]} == {"pass"}
    assert [c["file"] for c in data["captures"]] == ["capture.pcap", "capture-2.pcap"]
    after = sent_commands(out / "capture-2.pcap")
    command_of_row = {2: 500, 3: 501, 4: 502}
    done_commands = {command_of_row[row] for row in done if row in command_of_row}
    assert done_commands and not done_commands & {ioa for _, ioa in after}, (done, after)
    assert {command_of_row[r] for r in command_of_row if r not in done} <= {ioa for _, ioa in after}
    for row in done:  # the rows of the first session keep their result, commands and all
        assert next(p for p in data["points"] if p["row"] == row) == next(p for p in first if p["row"] == row)
    # a state file of another list is refused
    other = write_csv(tmp_path / "other.csv", RIGHT[:3])
    code, _, err = fat(capsys, "--simulate", "--points", str(other), "-o", str(out), "--resume")
    assert code == 2 and "belongs to another version of the list" in err


def test_columns_that_are_no_field_are_named_before_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An expected value under an unknown header ('Soll') was silently not checked: the run passed a
    point whose value differs. The header 'Expected' is an alias now; others are named on stderr."""
    points = tmp_path / "list.csv"
    points.write_text("name,ca,ioa,type,Expected,Soll,Remark\nQ1,47,200,M_DP_NA_1,OFF,OFF,x\n")
    code, out, err = fat(capsys, "--simulate", "--points", str(points), "-o", str(tmp_path / "r"))
    assert code == 1 and "value ON, expected OFF" in out  # read from 'Expected'
    assert err.splitlines()[0] == ("c104test fat: columns not checked (no field of the list; --columns maps a header "
                                   "to a field): 'Soll', 'Remark'")


def test_the_signed_workbook_keeps_cells_as_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """report.xlsx is 'the signal list as written': a signal number 0042 became the number 42; an
    IOA written 100 stays a number, a decimal comma and hex stay as written."""
    points = tmp_path / "list.csv"
    points.write_text("Signal no;name;ca;ioa;type;value\n0042;Voltage;47;301;M_ME_NC_1;230,5 +- 0,5\n"
                      "0;Breaker;47;0x64;M_SP_NA_1;ON\n", encoding="utf-8")
    code, _, err = fat(capsys, "--simulate", "--points", str(points), "-o", str(tmp_path / "r"))
    assert code == 0, err
    sheet = openpyxl.load_workbook(tmp_path / "r" / "report.xlsx")["Results"]
    rows = [list(r[1:7]) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert rows == [["0042", "Voltage", 47, 301, "M_ME_NC_1", "230,5 +- 0,5"], [0, "Breaker", 47, "0x64", "M_SP_NA_1", "ON"]]


def test_report_merge_of_a_conformance_run_says_what_it_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A conformance run's directory was 'not a c104test results.json ('points_file')'."""
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "results.json").write_text(json.dumps({"tool": {"name": "c104test"}, "cases": []}))
    assert main(["report", "merge", str(tmp_path / "conf")]) == 2
    assert "the results of a conformance run (cases, not points); report merge joins the results of FAT runs" in (
        capsys.readouterr().err)


def test_restore_of_a_regulating_step_commands_the_opposite_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A tap changer row (C_RC_NA_1 HIGHER, return on the step position) with restore failed a good
    RTU: 'cannot restore 5: 5 is not a step direction'."""
    points = tmp_path / "list.csv"
    points.write_text("name,ca,ioa,type,expected_value,command_io_address,command_type,command_value,return_value,"
                      "restore,timeout\nTap,47,310,M_ST_NA_1,5,520,C_RC_NA_1,HIGHER,6,yes,3\n")
    code, out, err = fat(capsys, "--simulate", "--points", str(points), "-o", str(tmp_path / "r"))
    assert code == 0, out + err
    row = json.loads((tmp_path / "r" / "results.json").read_text())["points"][0]
    assert row["verdict"] == "pass" and row["commanded"]
    rc_commands = [ioa for name, ioa in sent_commands(tmp_path / "r" / "capture.pcap") if name == "C_RC_NA_1"]
    assert rc_commands == [520, 520]  # HIGHER, then LOWER


def test_the_signed_workbook_never_shows_two_columns_of_one_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A list with its own 'Verdict' and 'Remark' columns (for the witnesses' hand) got c104test's
    'verdict' and 'remark' beside them: two columns of one name on the sheet that is signed."""
    points = tmp_path / "list.csv"
    points.write_text("name,ca,ioa,type,expected,Verdict,Remark\nQ1,47,200,M_DP_NA_1,ON,,checked on site\n")
    code, _, err = fat(capsys, "--simulate", "--points", str(points), "-o", str(tmp_path / "r"), "--no-commands")
    assert code == 0, err
    sheet = openpyxl.load_workbook(tmp_path / "r" / "report.xlsx")["Results"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("list row", "name", "ca", "ioa", "type", "expected", "Verdict", "Remark",
                       "seen value", "seen quality", "c104test verdict", "time (s)", "c104test remark")
    assert rows[1][6:8] == (None, "checked on site") and rows[1][10] == "pass"


def test_an_output_that_is_a_file_is_named_before_anything_is_sent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--output naming an existing file (the list itself, say) ended in a FileExistsError traceback."""
    points = write_csv(tmp_path / "list.csv", RIGHT)
    code, _, err = fat(capsys, f"127.0.0.1:{_closed_port()}", "--points", str(points), "--output", str(points))
    assert code == 2
    assert err == f"c104test fat: --output {points}: cannot make the report directory: a file of that name exists\n"


def test_a_template_or_a_merge_that_cannot_be_done_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--template into a folder that does not exist was a FileNotFoundError traceback; report merge of
    a mistyped directory said 'not a c104test results.json ([Errno 2] ...)'."""
    code, _, err = fat(capsys, "--template", str(tmp_path / "no" / "list.csv"))
    assert code == 2
    assert err == f"c104test fat: --template {tmp_path / 'no' / 'list.csv'}: cannot write: No such file or directory\n"
    assert main(["report", "merge", str(tmp_path / "nothere")]) == 2
    assert capsys.readouterr().err == f"c104test report merge: {tmp_path / 'nothere'}: cannot read: No such file or directory\n"


def test_a_cell_that_begins_with_an_equals_sign_stays_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A remark '=> see drawing 12' became a formula in report.xlsx (a broken one: Excel repairs the
    file or shows #NAME?), in the workbook that is signed; a witness named '=...' likewise."""
    points = tmp_path / "list.csv"
    points.write_text("name,ca,ioa,type,expected,Remark\nQ1,47,200,M_DP_NA_1,ON,=> see drawing 12\n")
    code, _, err = fat(capsys, "--simulate", "--points", str(points), "-o", str(tmp_path / "r"), "--no-commands",
                       "--witness", "=A. Vendor")
    assert code == 0, err
    book = openpyxl.load_workbook(tmp_path / "r" / "report.xlsx")
    remark = book["Results"]["G2"]
    assert (remark.value, remark.data_type) == ("=> see drawing 12", "s")
    witness = next(c for c in book["Summary"]["A"] if c.value == "=A. Vendor")
    assert witness.data_type == "s"


def test_the_signed_workbook_numbers_each_row_as_the_list_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """report.xlsx had no row-number column: with a title row, a blank row and a comment row
    dropped, the reason and the console's "row 7" was the sheet's row 3."""
    points = tmp_path / "list.csv"
    points.write_text("Substation Nord, signal list rev. B\n\nname,common_address,io_address,type,expected_value\n"
                      "Breaker Q0,47,100,M_SP_NA_1,ON\n\n# section: measurands\nDisconnector Q1,47,200,M_DP_NA_1,OFF\n",
                      encoding="utf-8")
    code, out, err = fat(capsys, "--simulate", "--points", str(points), "-o", str(tmp_path / "r"))
    assert code == 1, err
    assert "row 7 fail: " in out and "row 4 pass" in out, out
    sheet = openpyxl.load_workbook(tmp_path / "r" / "report.xlsx")["Results"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: (r[1], r[header.index("verdict")]) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert header[0] == "list row" and rows == {4: ("Breaker Q0", "pass"), 7: ("Disconnector Q1", "fail")}
    data = json.loads((tmp_path / "r" / "results.json").read_text())
    assert [(p["row"], p["verdict"]) for p in data["points"]] == [(4, "pass"), (7, "fail")]
