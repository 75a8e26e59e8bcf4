"""A FAT run against an RTU that stops reading, stops acknowledging or closes mid-run
(tests/faults/scripted_rtu.py): the row at which it happens is an error of the run naming who
closed and why, the rows after it end at once as 'not checked' (the cause named once), and the
whole run ends within t1 plus the row's timeout. An RTU that acknowledges the command but does
not confirm it is the point's fail, and the run goes on."""

from __future__ import annotations

import struct
import time
from pathlib import Path

import pytest
import trio

from c104test.cli import main
from c104test.fat import FatOptions, run_fat
from c104test.fat.runner import failure_message
from c104test.fat.signals import parse_csv_text
from c104test.protocol.link import LinkParameters
from tests.faults import scripted_rtu
from tests.faults.scripted_rtu import ACT_CON, ACT_TERM, CA, CLOSE, STALL, FaultyRtu

faulty_rtu = scripted_rtu.faulty_rtu  # the fixture

T1 = 2.0
TIMEOUT = 1.0
IOAS = (100, 101, 102, 103)
LIST = ("name,common_address,io_address,type,expected_value,command_io_address,command_type,command_value\n"
        + "".join(f"Breaker {i},47,{i},M_SP_NA_1,ON,{400 + i},C_SC_NA_1,OFF\n" for i in IOAS)
        + "Alarm,47,104,M_SP_NA_1,ON,,,\n")


def single(ioa: int, value: int, cot: int) -> bytes:
    return bytes([1, 1, cot, 0]) + struct.pack("<H", CA) + ioa.to_bytes(3, "little") + bytes([value])


def rtu_plan(first_command: list[tuple[object, ...]], others: list[tuple[object, ...]] | None = None):  # type: ignore[no-untyped-def]
    """Answers the station interrogation with every point ON; the first command with
    ``first_command``, the others with ``others`` (default: ACT_CON, the return report OFF)."""

    def plan(n: int, asdu: bytes) -> list[tuple[object, ...]]:
        if asdu[0] == 100:  # C_IC_NA_1
            return [ACT_CON, *(("asdu", single(i, 1, 20)) for i in (*IOAS, 104)), ACT_TERM]
        if n == 1:
            return first_command
        ioa = int.from_bytes(asdu[6:9], "little") - 400
        return others if others is not None else [ACT_CON, ("asdu", single(ioa, 0, 11))]

    return plan


def run(port: int):  # type: ignore[no-untyped-def]
    params = LinkParameters(t1=T1, t2=T1 / 2, t3=20)
    return trio.run(lambda: run_fat("127.0.0.1", port, parse_csv_text(LIST, file="list.csv"),
                                    options=FatOptions(timeout=TIMEOUT), connect_options={"params": params}))


def commands_sent(rtu: FaultyRtu) -> list[int]:
    return [int.from_bytes(f[12:15], "little") for f in rtu.frames if len(f) > 6 and f[6] == 45]


@pytest.mark.parametrize("stall", [[STALL], [("sleep", T1 + 0.5)]], ids=["stops-reading", "hangs"])
def test_an_rtu_that_stalls_ends_the_run_within_t1_plus_the_timeout(faulty_rtu, stall) -> None:  # type: ignore[no-untyped-def]
    rtu = faulty_rtu(rtu_plan(stall))
    began = time.monotonic()
    results = run(rtu.port)
    took = time.monotonic() - began
    assert took < T1 + TIMEOUT + 1.0, f"{took:.1f} s: the rows after the stall waited their timeouts"
    first, *rest = results.points
    assert first.verdict == "error", first.reason  # the RTU took no frame: not the point's fail
    assert first.reason == ("connection lost: c104test closed the connection (t1 expired: I-frame N(S)=1 not "
                            f"acknowledged within {T1:g} s)")
    assert any(f.sent and "C_SC_NA_1" in f.text for f in first.frames), "the command is the row's evidence"
    assert [(p.verdict, p.reason) for p in rest] == [("error", "not checked: connection lost (row 2 says why)")] * 4
    assert results.interrupted == f"row 2: {first.reason}; 5 rows not checked"
    assert commands_sent(rtu) == [500], "no command after the stall"
    message = failure_message(results)
    assert message.count("t1 expired") == 1 and "4 more rows not checked" in message, message


def test_an_rtu_that_takes_the_command_but_does_not_confirm_it_fails_that_point_only(faulty_rtu) -> None:  # type: ignore[no-untyped-def]
    """The same RTU, but it acknowledges the command (an S-frame): it read it and did not answer.
    That is the point's fail, and the run goes on to the other rows."""
    holder: list[FaultyRtu] = []

    def acknowledge() -> list[tuple[object, ...]]:
        return [("raw", bytes([0x68, 4, 1, 0]) + struct.pack("<H", holder[0]._nr << 1))]

    plan = rtu_plan([])
    rtu = faulty_rtu(lambda n, asdu: acknowledge() if n == 1 else plan(n, asdu))
    holder.append(rtu)
    results = run(rtu.port)
    verdicts = [(p.row, p.verdict) for p in results.points]
    assert verdicts == [(2, "fail"), (3, "pass"), (4, "pass"), (5, "pass"), (6, "pass")], [p.reason for p in results.points]
    assert results.points[0].reason == f"C_SC_NA_1 OFF to IOA 500: no ACT_CON for C_SC_NA_1 IOA 500 CA 47 within {TIMEOUT:g} s"
    assert not results.interrupted
    assert commands_sent(rtu) == [500, 501, 502, 503]


def test_an_rtu_that_closes_is_named_once_on_the_console(faulty_rtu, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    rtu = faulty_rtu(rtu_plan([CLOSE]))
    points = tmp_path / "list.csv"
    points.write_text(LIST)
    began = time.monotonic()
    code = main(["fat", f"127.0.0.1:{rtu.port}", "--points", str(points), "-o", str(tmp_path / "r"), "--timeout", "1"])
    out = capsys.readouterr()
    assert time.monotonic() - began < TIMEOUT + 1.0
    assert code == 1
    cause = "connection lost: the RTU closed the connection"
    assert out.out.count(cause) == 1 and "row 2 error: " + cause in out.out, out.out
    assert out.out.count("not checked: connection lost (row 2 says why)") == 4
    assert "c104test fat: INTERRUPTED: 0 pass, 0 fail, 5 error, 0 skipped, 0 unexpected" in out.out
    assert out.err.strip().endswith(f"5 rows not checked; continue with --resume --output {tmp_path / 'r'}"), out.err
    assert commands_sent(rtu) == [500]


def test_a_skew_wait_ended_by_the_rtus_close_is_the_runs_error(faulty_rtu) -> None:  # type: ignore[no-untyped-def]
    def plan(n: int, asdu: bytes) -> list[tuple[object, ...]]:
        if asdu[0] == 100:
            return [ACT_CON, ("asdu", single(101, 0, 20)), ACT_TERM]
        return [ACT_CON, ("sleep", 0.2), CLOSE]  # the clock sync confirmed, then the RTU goes

    rtu = faulty_rtu(plan)
    signals = parse_csv_text("name,ca,ioa,type,max_skew\nQ8,47,101,M_SP_TB_1,2\n", file="skew.csv")
    results = trio.run(lambda: run_fat("127.0.0.1", rtu.port, signals, options=FatOptions(timeout=5)))
    point = results.points[0]
    assert point.verdict == "error" and point.reason.startswith("connection lost: the RTU closed the connection"), point
    assert point.duration < 2


def test_an_rtu_that_stalls_at_the_interrogation_leaves_every_row_unchecked(faulty_rtu) -> None:  # type: ignore[no-untyped-def]
    rtu = faulty_rtu(lambda n, asdu: [STALL])
    began = time.monotonic()
    results = run(rtu.port)
    assert time.monotonic() - began < T1 + TIMEOUT + 1.0
    first, *rest = results.points
    assert first.reason == ("connection lost during the interrogations of CA 47: c104test closed the connection "
                            f"(t1 expired: I-frame N(S)=0 not acknowledged within {T1:g} s)")
    assert {(p.verdict, p.reason) for p in rest} == {("error", "not checked: connection lost (row 2 says why)")}
    assert commands_sent(rtu) == []


def test_the_progress_bar_names_the_cause_once() -> None:
    """On a terminal the bar printed every row a lost connection left unchecked (thousands of lines
    for a long list); it prints the row that names the cause and counts the others."""
    import io

    from c104test.fat.progress import Progress
    from c104test.reports.results import ItemResult

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    with Progress(3, screen) as progress:
        progress._bar.console.file = screen
        progress.advance(ItemResult(2, 47, 100, "a", "error", reason="connection lost: the RTU closed the connection"))
        progress.advance(ItemResult(3, 47, 101, "b", "error", reason="not checked: connection lost (row 2 says why)"))
        progress.advance(ItemResult(4, 47, 102, "c", "fail", reason="value ON, expected OFF"))
    printed = screen.getvalue()
    assert "row 2 error: connection lost: the RTU closed the connection" in printed
    assert "row 4 fail: value ON, expected OFF" in printed and "row 3 error:" not in printed
