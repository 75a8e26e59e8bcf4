"""A fleet of 20 simulated RTUs checked in one process; one summary page; a bad fleet file refused."""

from __future__ import annotations

import json
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
import trio

from c104test.cli import main
from c104test.engine.simulator import open_simulator
from c104test.fat.fleet import read_fleet, run_fleet
from c104test.fat.signals import SignalListError
from tests.interrupt import interrupt

from .lists import RIGHT, WRONG_ROWS, write_csv, wrong_lines


def test_fleet_of_20_simulated_rtus(tmp_path: Path) -> None:
    write_csv(tmp_path / "right.csv", RIGHT)
    write_csv(tmp_path / "wrong.csv", wrong_lines())

    async def main_() -> list:  # type: ignore[type-arg]
        async with AsyncExitStack() as stack:
            sims = [await stack.enter_async_context(open_simulator()) for _ in range(20)]
            lines = ["name,host,port,common_address,points"]
            for i, sim in enumerate(sims):
                lines.append(f"rtu-{i:02},127.0.0.1,{sim.port},47,{'wrong' if i in (3, 17) else 'right'}.csv")
            (tmp_path / "fleet.csv").write_text("\n".join(lines) + "\n")
            entries = read_fleet(tmp_path / "fleet.csv")
            runs = await run_fleet(entries, tmp_path / "out", jobs=10)
            # every RTU got its own commands: each simulator saw the command round trips of its list
            assert all(any(int(c.asdu.type) == 45 for c in sim.received_commands) for sim in sims)
            return runs

    runs = trio.run(main_)
    assert len(runs) == 20
    assert [r.rtu for r in runs if not r.passed] == ["rtu-03", "rtu-17"]
    assert all(len([p for p in r.failures()]) == len(WRONG_ROWS) for r in runs if not r.passed)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert len(summary) == 20 and [s["rtu"] for s in summary if not s["passed"]] == ["rtu-03", "rtu-17"]
    page = (tmp_path / "out" / "summary.html").read_text()
    assert page.count("report.html") == 20 and (tmp_path / "out" / "rtu-03" / "report.xlsx").exists()


def test_fleet_cli_with_simulators(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_csv(tmp_path / "right.csv", RIGHT)
    (tmp_path / "fleet.csv").write_text("name,host,port,points\na,127.0.0.1,2404,right.csv\nb,127.0.0.1,2404,right.csv\n")
    code = main(["fat", "--fleet", str(tmp_path / "fleet.csv"), "--simulate", "--jobs", "2", "-o", str(tmp_path / "o")])
    assert code == 0, capsys.readouterr().err
    assert "2 of 2 RTUs passed" in capsys.readouterr().out
    # the same fleet into the same directory: refused before any RTU is contacted, naming every report
    before = (tmp_path / "o" / "a" / "results.json").read_bytes()
    code = main(["fat", "--fleet", str(tmp_path / "fleet.csv"), "--simulate", "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines()[0] == f"c104test fat: {tmp_path / 'o' / 'summary.html'}: the summary of an earlier fleet run is there"
    for name in ("a", "b"):
        assert f"c104test fat: {tmp_path / 'o' / name / 'results.json'}: a report of an earlier run is there" in err
    assert err.splitlines()[-1].endswith("give another --output, or replace them with --overwrite")
    assert (tmp_path / "o" / "a" / "results.json").read_bytes() == before
    code = main(["fat", "--fleet", str(tmp_path / "fleet.csv"), "--simulate", "-o", str(tmp_path / "o"), "--overwrite"])
    assert code == 0 and (tmp_path / "o" / "a" / "results.json").read_bytes() != before


def test_bad_fleet_file_names_row_and_column(tmp_path: Path) -> None:
    write_csv(tmp_path / "bad.csv", ["A,47,100,M_SP_NA_1,maybe,,,,,,,,,,,"])
    (tmp_path / "fleet.csv").write_text("name,host,port,points\na,h,99999,x.csv\n,h,2404,x.csv\n,,,\nc,h,2404,bad.csv\n")
    with pytest.raises(SignalListError) as info:
        read_fleet(tmp_path / "fleet.csv")
    text = str(info.value)
    assert "fleet.csv, row 2, column 'port': '99999' is not a port" in text
    assert "fleet.csv, row 3, column 'name': empty name" in text
    assert "bad.csv, row 2, column 'expected_value'" in text
    assert "row 4" not in text  # a blank row (',,,') is skipped, as in a signal list


def test_a_fleet_ca_for_a_list_of_two_stations_is_refused(tmp_path: Path) -> None:
    """common_address moved the rows of CA 47 and CA 48 to CA 47: IOA 100 of both stations became
    one point, checked twice, and both rows passed."""
    (tmp_path / "two.csv").write_text("name,ca,ioa,type,expected\nA,47,100,M_SP_NA_1,ON\nB,48,100,M_SP_NA_1,ON\n")
    (tmp_path / "fleet.csv").write_text("name,host,port,common_address,points\nbay-01,127.0.0.1,2404,47,two.csv\n"
                                        "bay-02,127.0.0.1,2404,,two.csv\n")
    with pytest.raises(SignalListError) as info:
        read_fleet(tmp_path / "fleet.csv")
    assert [str(p) for p in info.value.problems] == [
        f"{tmp_path / 'fleet.csv'}, row 2, column 'common_address': moves every row of two.csv to CA 47, but that "
        "list holds the stations CA 47 (from row 2), CA 48 (from row 3); leave common_address empty, or give one "
        "list per station"]


def test_an_unreachable_rtu_gets_errors_and_the_others_go_on(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    write_csv(tmp_path / "right.csv", RIGHT)

    async def main_() -> list:  # type: ignore[type-arg]
        async with open_simulator() as sim:
            (tmp_path / "fleet.csv").write_text(
                f"name,host,port,points\nup,127.0.0.1,{sim.port},right.csv\ndown,127.0.0.1,{closed},right.csv\n")
            return await run_fleet(read_fleet(tmp_path / "fleet.csv"), tmp_path / "out", jobs=2,
                                   on_result=lambda name, item: seen.append((name, item.row, item.verdict)))

    seen: list[tuple[str, int, str]] = []
    up, down = trio.run(main_)
    assert up.passed and not down.passed
    # the console's count covers the rows of the RTU not reached too (it ended at "[12/24]")
    assert sorted(seen) == sorted([("up", p.row, p.verdict) for p in up.points] + [("down", p.row, "error") for p in down.points])
    assert {p.verdict for p in down.points} == {"error"} and "127.0.0.1" in down.points[0].reason
    assert (tmp_path / "out" / "down" / "report.html").exists()
    # the summary says why an RTU failed (it showed only '12 error'), and when its run ended (it was empty)
    summary = {row["rtu"]: row for row in json.loads((tmp_path / "out" / "summary.json").read_text())}
    assert summary["down"]["first_problem"] == f"row 2: {down.points[0].reason}" and summary["down"]["finished"]
    assert summary["up"]["first_problem"] == ""
    assert f"<td>row 2: cannot connect to 127.0.0.1:{closed}" in (tmp_path / "out" / "summary.html").read_text()


def test_fleet_file_as_excel_writes_it_in_europe(tmp_path: Path) -> None:
    """A fleet file with semicolons was read as one column ('row 2, column 'name': empty name'),
    and one in Windows-1252 (an umlaut in a name) ended in a UnicodeDecodeError traceback."""
    write_csv(tmp_path / "list.csv", RIGHT[:2])
    (tmp_path / "semi.csv").write_bytes("name;host;port;common_address;points\r\n"
                                        "Feld Süd;127.0.0.1;2404;12;list.csv\r\n".encode("cp1252"))
    entries = read_fleet(tmp_path / "semi.csv")
    assert [(e.name, e.host, e.port) for e in entries] == [("Feld Süd", "127.0.0.1", 2404)]
    assert {r.common_address for r in entries[0].signals.rows} == {12}


def test_ctrl_c_stops_a_fleet_without_a_traceback(tmp_path: Path) -> None:
    """Ctrl-C in a fleet run ended in a BaseExceptionGroup traceback (the RTUs' nursery wraps it)."""
    import os
    import select
    import subprocess
    import sys

    # commands whose return report never comes (IOA 310 does not change): each row waits 2 s
    (tmp_path / "slow.csv").write_text(
        "name,ca,ioa,type,command_io_address,command_type,command_value,return_io_address,timeout\n"
        "R1,47,100,M_SP_NA_1,500,C_SC_NA_1,ON,310,2\nR2,47,101,M_SP_NA_1,500,C_SC_NA_1,ON,310,2\n")
    (tmp_path / "fleet.csv").write_text("name,host,port,common_address,points\nbay-01,127.0.0.1,2404,47,slow.csv\n"
                                        "bay-02,127.0.0.1,2404,47,slow.csv\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "c104test", "fat", "--fleet", str(tmp_path / "fleet.csv"),
                                "--simulate", "--output", str(tmp_path / "out")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 30)
        assert ready, "no progress line within 30 s"
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("["), first + process.communicate(timeout=10)[1]
        err, took = interrupt(process, 15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 1 and took < 3, (process.returncode, took, err)
    assert "Traceback" not in err and "interrupted; each RTU's finished rows are in" in err, err


def test_an_rtu_that_never_confirms_startdt_leaves_its_frames_in_the_report(tmp_path: Path) -> None:
    """A run that failed at STARTDT wrote no capture: the STARTDT act sent and the silence after it
    are the evidence the RTU's owner needs. The report now lists capture.pcap with its sha256."""
    import hashlib
    import socket

    from c104test.fat.checks import FatOptions

    write_csv(tmp_path / "right.csv", RIGHT[:2])
    with socket.create_server(("127.0.0.1", 0)) as mute:  # the kernel accepts; nobody answers
        (tmp_path / "fleet.csv").write_text(f"name,host,port,points\nmute,127.0.0.1,{mute.getsockname()[1]},right.csv\n")
        [run] = trio.run(lambda: run_fleet(read_fleet(tmp_path / "fleet.csv"), tmp_path / "out",
                                           options=lambda: FatOptions(timeout=0.5)))
    assert {p.verdict for p in run.points} == {"error"} and "did not confirm STARTDT act" in run.points[0].reason
    capture = tmp_path / "out" / "mute" / "capture.pcap"
    assert run.captures == [{"file": "capture.pcap", "sha256": hashlib.sha256(capture.read_bytes()).hexdigest()}]
    assert bytes.fromhex("680407000000") in capture.read_bytes()
    assert run.captures[0]["sha256"] in (tmp_path / "out" / "mute" / "report.html").read_text()
