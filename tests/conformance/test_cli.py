"""``c104test conformance``: progress lines, results.json, junit.xml, exit status, PICS output."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from c104test.cli import main
from c104test.conformance import parse_pics, pics_template
from c104test.conformance.pics import PicsError
from c104test.protocol.station.faults import ConfirmRead, parse_fault
from c104test.sync.session import SimulatedRtu
from tests.interrupt import interrupt

from .simulated import PICS_TEXT, PROFILE

pytestmark = pytest.mark.timeout(90)


def run(tmp_path: Path, faults=(), pics_text: str = PICS_TEXT, cases: str = "A02,A16,A19") -> tuple[int, Path]:
    pics = tmp_path / "rtu.yaml"
    pics.write_text(pics_text)
    rtu = SimulatedRtu.start(PROFILE, faults=tuple(faults))
    try:
        status = main(["conformance", f"127.0.0.1:{rtu.port}", "--pics", str(pics), "--cases", cases,
                       "--output", str(tmp_path / "out")])
    finally:
        rtu.stop()
    return status, tmp_path / "out"


def test_a_conformant_rtu_passes_with_one_line_per_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(tmp_path)
    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    assert [line.split()[0] for line in lines[:3]] == ["A02", "A16", "A19"]
    assert all(" pass " in line for line in lines[:3])
    document = json.loads((out / "results.json").read_text())
    assert document["tool"]["name"] == "c104test" and document["rtu"]["host"] == "127.0.0.1"
    assert [c["id"] for c in document["cases"]] == ["A02", "A16", "A19"]
    first = document["cases"][0]
    assert first["verdict"] == "pass" and first["clause"] and first["seconds"] >= 0
    assert {"t", "dir", "hex", "explained"} <= set(first["evidence"][0])
    assert any(e["dir"] == "received" and "C_IC_NA_1" in e["explained"] for e in first["evidence"])
    suite = ET.parse(out / "junit.xml").getroot()
    assert [t.get("name").split()[0] for t in suite.iter("testcase")] == ["A02", "A16", "A19"]
    assert suite.get("failures") == "0"
    assert_capture_decodes(out, document, port=document["rtu"]["port"], types=("STARTDT act", "C_IC_NA_1", "C_RD_NA_1", "<TypeId=104>"))


def assert_capture_decodes(out: Path, document: dict, *, port: int, types: tuple[str, ...]) -> None:
    """capture.pcap opens in tshark, holds the run's IEC 104 frames, and its sha256 is in results.json."""
    capture = out / "capture.pcap"
    assert document["capture_sha256"] == hashlib.sha256(capture.read_bytes()).hexdigest()
    if shutil.which("tshark") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tshark is missing, and the oracle checks must run when CI=true")
        return
    shown = subprocess.run(
        ["tshark", "-r", str(capture), "-d", f"tcp.port=={port},iec60870_104", "-Y", "iec60870_104"],
        capture_output=True, text=True, timeout=60, check=True, env={**os.environ, "TZ": "UTC"},
    ).stdout
    assert len(shown.splitlines()) >= 6
    for name in types:
        assert name in shown, f"{name} not decoded by tshark in {shown[:800]}"


def test_a_deviation_fails_the_run_and_names_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(tmp_path, faults=(ConfirmRead(),))
    assert status == 1
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("A16"))
    assert " fail " in line and "answered with an ACT_CON" in line
    suite = ET.parse(out / "junit.xml").getroot()
    failed = [t.get("name") for t in suite.iter("testcase") if t.find("failure") is not None]
    assert failed == ["A16 Read"]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "CONFORMANCE report" in page and "A16 Read" in page and "<svg" in page  # the failure's chart


def test_the_report_page_speaks_of_cases_and_the_pics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """report.html named the PICS 'list file', showed CA and IOA 'None' for each case, n/a as
    'skipped', '0 unexpected', linked passed cases to charts it does not draw; results.json had no
    sha256 of the PICS, and the page no capture."""
    text = PICS_TEXT.replace("  read: true", "  read: false")
    status, out = run(tmp_path, pics_text=text, cases="A02,A16")
    assert status == 0
    document = json.loads((out / "results.json").read_text())
    assert document["pics_sha256"] == hashlib.sha256((tmp_path / "rtu.yaml").read_bytes()).hexdigest()
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f"<tr><th>PICS sha256</th><td>{document['pics_sha256']}</td></tr>" in page
    assert f"<th>capture capture.pcap sha256</th><td>{document['capture_sha256']}</td>" in page
    assert "<th>#</th><th>case</th><th>clause</th><th>verdict</th>" in page
    assert "None" not in page and "list file" not in page and "unexpected" not in page
    assert "PASSED: 1 pass, 0 fail, 0 error, 1 n/a</h2>" in page
    assert "href='#row-" not in page  # nothing failed: no chart to link to


def test_a_case_the_pics_does_not_claim_is_n_a_naming_the_item(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = PICS_TEXT.replace("  read: true", "  read: false")
    status, out = run(tmp_path, pics_text=text, cases="A16")
    assert status == 0
    assert "n/a" in capsys.readouterr().out
    case = json.loads((out / "results.json").read_text())["cases"][0]
    assert case["verdict"] == "n/a" and "functions.read" in case["reason"]


def test_no_rtu_is_an_error_with_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pics = tmp_path / "rtu.yaml"
    pics.write_text(PICS_TEXT.replace("t0: 5", "t0: 1"))
    status = main(["conformance", "127.0.0.1:1", "--pics", str(pics), "--cases", "L01", "--output", str(tmp_path)])
    assert status == 1
    assert " error " in capsys.readouterr().out


def test_a_run_against_no_rtu_stops_after_its_first_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 80 cases would each wait t0 (30 s by default) against a wrong address
    pics = tmp_path / "rtu.yaml"
    pics.write_text(PICS_TEXT.replace("t0: 5", "t0: 1"))
    status = main(["conformance", "127.0.0.1:1", "--pics", str(pics), "--cases", "L01-L05", "--output", str(tmp_path)])
    assert status == 1
    err = capsys.readouterr().err
    assert "stopped: the first case could not connect to the RTU at 127.0.0.1:1" in err
    assert "the other 4 cases did not run" in err
    document = json.loads((tmp_path / "results.json").read_text())
    assert [c["id"] for c in document["cases"]] == ["L01"]
    assert "1 of 5 cases finished; stopped: the first case" in document["interrupted"]
    # report.html said nothing of it: a page of 1 n/a or error read as a complete run
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<th>interrupted</th><td>1 of 5 cases finished; stopped: the first case" in page
    assert "<h2 id='verdict'>INTERRUPTED: " in page and "PASSED" not in page
    suite = ET.parse(tmp_path / "junit.xml").getroot()
    assert suite.get("tests") == "2" and suite.get("errors") == "2"  # L01 and the interruption itself
    error = suite.find("testcase[@name='run interrupted']/error")
    assert error is not None and error.get("message", "").startswith("interrupted: 1 of 5 cases finished; stopped:")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["conformance"], "HOST[:PORT] and --pics FILE are required"),
        (["conformance", "h", "--pics", "missing.yaml"], "missing.yaml: cannot read"),
        (["conformance", "h", "--pics", "x", "--cases", "Q1"], "--cases 'Q1' is no catalogue case: the series are L, A and R"),
        (["conformance", "--pics-from-profile", "nowhere.yaml"], "nowhere.yaml"),
        # the options of --master went unused, silently, against an RTU
        (["conformance", "h", "--pics", "x", "--profile", "rtu.yaml", "--wait", "5"],
         "--wait, --profile go with --master (the simulated RTU that waits for a master)"),
    ],
)
def test_usage_errors_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("cases", "message"),
    [
        ("L10-L05", "'L10-L05' runs backwards; write L05-L10"),
        ("L01,A42", "'A42' (part 2 of 'L01,A42') is no catalogue case: the A series runs A01-A41"),
        ("A02-L05", "'A02-L05' mixes two series (A and L)"),
        ("L01,x-1", "'x-1' (part 2 of 'L01,x-1') is not an ID (a letter and a number: A02), a range"),
        ("A50-A60", "'A50-A60' holds no catalogue case: the A series runs A01-A41"),
        ("M01", "'M01' is no catalogue case: M is the master checks' series: give --master"),
        ("Z*", "'Z*' matches no catalogue case: the series are L, A and R"),
    ],
)
def test_a_wrong_case_list_names_the_part_and_what_is_wrong(
    cases: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--cases A1 and reversed ranges said only "names no catalogue case"."""
    assert main(["conformance", "127.0.0.1", "--pics", "x.yaml", "--cases", cases]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"c104test conformance: --cases {message}"), err
    assert "(valid: L01-L22, A01-A41, R01-R17; ranges like" in err


def test_case_ids_as_typed() -> None:
    """A2 is A02 (as the range A2-5 is A02-A05); semicolons and spaces separate; A02 - A05 is a range."""
    from c104test.conformance import select_cases, select_master_checks

    assert [c.id for c in select_cases("a1; L1-3 A02 - A04")] == ["L01", "L02", "L03", "A01", "A02", "A03", "A04"]
    assert [c.id for c in select_master_checks("M1,M3-4")] == ["M01", "M03", "M04"]
    with pytest.raises(ValueError, match="'A01' is no master check: A is a series of catalogue cases"):
        select_master_checks("A01")
    with pytest.raises(ValueError, match="'M05-M01' runs backwards; write M01-M05"):
        select_master_checks("M05-M01")


def test_a_binary_pics_file_is_named_not_a_decoding_traceback_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A workbook given as --pics said only "'utf-8' codec can't decode byte 0xaf ...", no file."""
    (tmp_path / "rtu.xlsx").write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\xaf\xfe")
    assert main(["conformance", "127.0.0.1", "--pics", str(tmp_path / "rtu.xlsx")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'rtu.xlsx'}" in err and "not a YAML text file (UTF-8): octet 10 is 0xaf" in err


def test_master_wait_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conformance", "--master", "--pics", "x.yaml", "--wait", "-5"]) == 2
    assert "--wait: timeout must be a positive number of seconds" in capsys.readouterr().err


def test_pics_template_and_from_profile_are_valid_pics(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conformance", "--pics-template"]) == 0
    template = capsys.readouterr().out
    assert template == pics_template() and "# " in template
    parse_pics(template)
    assert main(["conformance", "--pics-from-profile", "demo"]) == 0
    demo = parse_pics(capsys.readouterr().out)
    assert demo.common_address == 47 and any(p.mode == "select" for p in demo.command_points)


def test_the_window_cases_pass_against_a_simulator_in_its_own_process(tmp_path: Path) -> None:
    # L15 pipelines 32,800 reads: the simulator once paused reading while its answers piled up and
    # then waited for an acknowledgement unread in the socket (a deadlock seen only across processes);
    # L19 and L20 count connections in a redundancy group, so the run waits for the RTU to release
    # the previous case's connections
    from tests.sync.sync_support import start_simulator

    profile = Path(__file__).resolve().parents[2] / "features" / "profiles" / "conformance_rtu.yaml"
    pics = tmp_path / "pics.yaml"
    pics.write_text(PICS_TEXT, encoding="utf-8")
    sim = start_simulator(profile=str(profile))
    try:
        status = main(["conformance", f"127.0.0.1:{sim.port}", "--pics", str(pics), "--cases", "L13,L15,L19,L20",
                       "--output", str(tmp_path / "out")])
    finally:
        sim.stop()
    document = json.loads((tmp_path / "out" / "results.json").read_text())
    assert {c["id"]: c["verdict"] for c in document["cases"]} == {"L13": "pass", "L15": "pass", "L19": "pass", "L20": "pass"}, document
    assert status == 0


def test_the_tools_own_warnings_go_to_the_log_file_not_between_the_progress_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # L05 stops the link with a raw STOPDT act while the RTU has data outstanding: the engine
    # client sees a STOPDT con it did not ask for and warns; the console keeps the case lines only
    status, out = run(tmp_path, cases="L05,A02")
    captured = capsys.readouterr()
    assert status == 0
    assert "STOPDT con without STOPDT act" not in captured.out + captured.err
    lines = captured.out.splitlines()
    assert [line.split()[0] for line in lines[:2]] == ["L05", "A02"], lines
    assert "warning" in lines[-1] and "conformance.log" in lines[-1], lines
    log = (out / "conformance.log").read_text(encoding="utf-8")
    # every line carries its zone, as results.json's times do (they were local times without one)
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d ", line)
               for line in log.splitlines() if line[:1].isdigit()), log[:300]
    assert re.match(r"\d{4}-", log)
    assert "WARNING c104test.client: unexpected frame from 127.0.0.1:" in log
    assert "STOPDT con without STOPDT act" in log


def test_ctrl_c_stops_the_run_at_once_and_leaves_the_report_of_the_finished_cases(tmp_path: Path) -> None:
    """SIGINT mid-run printed a KeyboardInterrupt traceback and left no results.json, junit.xml or
    report.html: a long run cut short lost every verdict it had."""
    import select
    import sys

    pics = tmp_path / "rtu.yaml"
    pics.write_text(PICS_TEXT)
    rtu = SimulatedRtu.start(PROFILE)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = tmp_path / "out"
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "c104test", "conformance", f"127.0.0.1:{rtu.port}", "--pics", str(pics),
             "--cases", "A02,L01,A16,A19", "--output", str(out)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        try:
            ready, _, _ = select.select([process.stdout], [], [], 30)
            assert ready, "no progress line within 30 s"
            first = process.stdout.readline()
            assert first.split()[0] in ("A02", "L01", "A16", "A19"), first
            err, took = interrupt(process)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    finally:
        rtu.stop()
    assert process.returncode == 1 and took < 3, (process.returncode, took, err)
    assert "Traceback" not in err and "interrupted; the report in" in err, err
    document = json.loads((out / "results.json").read_text())
    ids = [c["id"] for c in document["cases"]]
    assert first.split()[0] in ids and len(ids) < 4 and document["interrupted"] == f"{len(ids)} of 4 cases finished"
    assert (out / "junit.xml").is_file() and (out / "report.html").is_file()
    assert document["capture_sha256"] == hashlib.sha256((out / "capture.pcap").read_bytes()).hexdigest()


def test_an_output_that_is_a_file_is_named_before_anything_is_sent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--output naming an existing file ended in a FileExistsError traceback after the run."""
    (tmp_path / "rtu.yaml").write_text(PICS_TEXT)
    (tmp_path / "report").write_text("")
    assert main(["conformance", "127.0.0.1:1", "--pics", str(tmp_path / "rtu.yaml"), "--cases", "L01",
                 "--output", str(tmp_path / "report")]) == 2
    assert capsys.readouterr().err == (f"c104test conformance: --output {tmp_path / 'report'}: cannot make the report "
                                       "directory: a file of that name exists\n")


def test_a_pics_with_a_ca_the_rtu_does_not_know_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The template's CA 1 against an RTU of CA 47: A02 said only 'answered with COT 46 P/N=1'."""
    text = PICS_TEXT.replace("common_addresses: [47]", "common_addresses: [12]")
    assert text != PICS_TEXT
    status, _ = run(tmp_path, pics_text=text, cases="A02")
    assert status == 1
    line = capsys.readouterr().out.splitlines()[0]
    assert line.endswith("station interrogation was answered with COT 46 (unknown common address) P/N=1 where a "
                         "positive ACT_CON (COT 7) was expected; the RTU does not know CA 12: is PICS "
                         "rtu.common_addresses right?"), line


def test_an_omitted_optional_item_is_not_claimed_and_the_run_lists_what_the_file_left_out(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A hand-written PICS without 'read' claimed the read command silently (ITEMS' default was
    true), and nothing said which items came from defaults. Now an omitted function is not claimed
    (n/a naming the item), the console, results.json and report.html list every omitted item, and a
    failure that depends on one names it (A19 judged by the default 'unknown.type negative')."""
    text = re.sub(r"(?m)^  read: true.*\n", "", PICS_TEXT).replace("  type: negative", "  # type: omitted")
    assert "  read: true" not in text
    status, out = run(tmp_path, faults=[parse_fault("positive_confirmation type=C_TS_NA_1")], pics_text=text,
                      cases="A16,A19")
    assert status == 1
    console = capsys.readouterr().out
    assert (f"PICS {tmp_path / 'rtu.yaml'}: not claimed (optional, not in the file): functions.read; "
            "not in the file, the standard's default used: unknown.type negative") in console, console
    document = json.loads((out / "results.json").read_text())
    assert document["pics_omitted"] == {"functions.read": False, "unknown.type": "negative"}
    a16, a19 = document["cases"]
    assert a16["verdict"] == "n/a" and a16["reason"].startswith("PICS functions.read is not in the file: not claimed"), a16
    assert a19["verdict"] == "fail" and a19["reason"].endswith(
        "(PICS items not in the file, default used: unknown.type negative)"), a19
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<th>PICS: not claimed (optional, not in the file)</th><td>functions.read</td>" in page
    assert "<th>PICS: not in the file, the standard&#x27;s default used</th><td>unknown.type negative</td>" in page


def test_every_function_the_standard_leaves_optional_is_not_claimed_when_omitted() -> None:
    minimal = parse_pics("rtu: {common_addresses: [47]}\n", "minimal.yaml")
    for key in ("commands.act_term", "functions.test_command", "functions.read", "functions.end_of_initialisation",
                "functions.station_interrogation", "functions.clock_sync", "master.general_interrogation"):
        assert minimal[key] is False, key
    assert minimal["link.t1"] == 15.0 and "link.t1" in minimal.omitted()
    assert "master.general_interrogation" not in minimal.omitted() and "master.general_interrogation" in minimal.omitted(master=True)
    template = parse_pics(pics_template())
    assert "# Optional is optional: a function (true/false) left out of the file is not claimed" in pics_template()
    assert template.omitted() == {}


def test_ctrl_c_during_a_master_run_leaves_the_report_and_the_frames_seen(tmp_path: Path) -> None:
    """--master interrupted by Ctrl-C wrote no results.json, junit.xml, report.html nor capture:
    the STARTDT the master had sent was lost with the verdicts' only evidence."""
    import select
    import socket
    import sys
    import time

    from .masters import PICS_TEXT as MASTER_PICS_TEXT

    pics = tmp_path / "master.yaml"
    pics.write_text(MASTER_PICS_TEXT)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "c104test", "conformance", "--master", "--listen", "127.0.0.1:0", "--wait", "30",
         "--pics", str(pics), "--output", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        line = ""
        deadline = time.monotonic() + 30
        while "listening on" not in line and time.monotonic() < deadline:
            ready, _, _ = select.select([process.stdout], [], [], 1)
            line = process.stdout.readline() if ready else line
        port = int(re.search(r"listening on 127\.0\.0\.1:(\d+)", line).group(1))  # type: ignore[union-attr]
        with socket.create_connection(("127.0.0.1", port), timeout=10) as master:
            master.sendall(bytes.fromhex("680407000000"))  # STARTDT act
            assert master.recv(6) == bytes.fromhex("68040b000000")  # STARTDT con
            err, took = interrupt(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 1 and took < 3, (process.returncode, took, err)
    assert "Traceback" not in err and f"interrupted; the report in {out}" in err, err
    document = json.loads((out / "results.json").read_text())
    assert document["mode"] == "master" and document["cases"] == []
    assert re.fullmatch(r"0 of 1\d checks finished: interrupted while the tool observed the master; "
                        r"capture\.pcap holds the frames exchanged until then", document["interrupted"]), document
    capture = (out / "capture.pcap").read_bytes()
    assert document["capture_sha256"] == hashlib.sha256(capture).hexdigest()
    assert bytes.fromhex("680407000000") in capture and bytes.fromhex("68040b000000") in capture
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<th>interrupted</th><td>0 of" in page and "<h2 id='verdict'>INTERRUPTED: 0 pass" in page  # not "PASSED"
    assert (out / "junit.xml").is_file()


def test_a_pics_point_quality_is_read_as_every_front_end_reads_a_flag() -> None:
    """``Invalid`` and ``nt`` are IV and NT, as in Robot, Gherkin, profiles and signal lists (one
    reader, rules.quality); a word that is no flag gets that reader's message; a real flag that A36
    does not check (EI) is refused naming the ones it does."""
    base = "rtu: {common_addresses: [47]}\npoints:\n  read:\n    - {io_address: 100, type: M_SP_NA_1, quality: %s}\n"
    pics = parse_pics(base % "[Invalid, nt]", "q.yaml")
    assert pics.read_points[0].quality == {"IV", "NT"}
    with pytest.raises(PicsError, match=r"q.yaml:4: points.read\[0\].quality: 'XX' is not a quality flag"):
        parse_pics(base % "[IV, XX]", "q.yaml")
    with pytest.raises(PicsError, match=r"EI not one of: IV, NT, SB, BL, OV"):
        parse_pics(base % "[EI]", "q.yaml")
