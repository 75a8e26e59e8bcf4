"""FAT checks against the simulator: each check passes on the demo RTU and fails on a wrong
expectation or a misbehaving RTU (fault plans), on the wire."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import trio

from c104test.engine.profile import demo_profile
from c104test.engine.simulator import open_simulator
from c104test.fat import FatOptions, read_signal_list, run_fat, run_fat_simulated
from c104test.fat.checks import row_selection
from c104test.fat.signals import parse_csv_text
from c104test.protocol.enums import Cot, Type
from c104test.protocol.link import LinkParameters
from c104test.protocol.station import parse_fault

from .lists import HEADER, RIGHT, WRONG_ROWS, write_csv, wrong_lines


def run(signals, **kwargs):  # type: ignore[no-untyped-def]
    return trio.run(lambda: run_fat_simulated(signals, **kwargs))


def verdicts(results) -> dict[int, str]:  # type: ignore[no-untyped-def]
    return {p.row: p.verdict for p in results.points}


def test_right_list_passes_every_row(tmp_path: Path) -> None:
    results = run(read_signal_list(write_csv(tmp_path / "l.csv", RIGHT)))
    assert set(verdicts(results).values()) == {"pass"}, [p.reason for p in results.points if p.reason]
    assert results.unexpected == []
    assert results.passed
    commanded = [p.row for p in results.points if p.commanded]
    assert commanded == [2, 3, 4]


def test_exactly_the_wrong_rows_fail_with_readable_reasons(tmp_path: Path) -> None:
    results = run(read_signal_list(write_csv(tmp_path / "l.csv", wrong_lines())))
    failed = {p.row: p.reason for p in results.points if p.verdict == "fail"}
    assert set(failed) == set(WRONG_ROWS)
    for row, (_, words) in WRONG_ROWS.items():
        assert words in failed[row], (row, failed[row])
        assert next(p for p in results.points if p.row == row).frames, "failures carry their evidence"
    assert not results.passed


def _one(line: str):  # type: ignore[no-untyped-def]
    return parse_csv_text(f"{HEADER}\n{line}\n", file="one.csv")


BREAKER = "Breaker Q0,47,100,M_SP_NA_1,ON,,1,500,C_SC_NA_1,OFF,,,,1,yes,"


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("no_confirmation type=C_SC_NA_1", "no ACT_CON"),
        ("negative_confirmation type=C_SC_NA_1", "negative confirmation"),
        ("no_return_information type=C_SC_NA_1", "no fresh report of IOA 100 showing OFF"),
    ],
)
def test_command_round_trip_fails_on_a_misbehaving_rtu(fault: str, words: str) -> None:
    assert run(_one(BREAKER)).points[0].verdict == "pass"
    result = run(_one(BREAKER), faults=(parse_fault(fault),)).points[0]
    assert result.verdict == "fail" and words in result.reason, result.reason
    assert any(f.sent and "C_SC_NA_1" in f.text for f in result.frames)


def test_act_term_required_by_the_pixit() -> None:
    fault = (parse_fault("no_termination type=C_SC_NA_1"),)
    assert run(_one(BREAKER), faults=fault).points[0].verdict == "pass"  # optional: ACT_CON is enough
    assert run(_one(BREAKER), options=FatOptions(act_term="required", timeout=1)).points[0].verdict == "pass"
    result = run(_one(BREAKER), faults=fault, options=FatOptions(act_term="required", timeout=1)).points[0]
    assert result.verdict == "fail" and "no ACT_TERM" in result.reason


def test_a_stale_report_is_not_a_return_report() -> None:
    """Commanding ON a breaker that is already ON: the interrogation's ON came before the command,
    so only a fresh report counts; the RTU with no return information fails."""
    line = "Breaker Q0,47,100,M_SP_NA_1,ON,,1,500,C_SC_NA_1,ON,,,,1,,"
    assert run(_one(line)).points[0].verdict == "pass"
    result = run(_one(line), faults=(parse_fault("no_return_information type=C_SC_NA_1"),)).points[0]
    assert result.verdict == "fail" and "no fresh report" in result.reason


def test_restore_commands_the_original_value_back() -> None:
    async def main() -> list[tuple[Type, object]]:
        async with open_simulator() as sim:
            assert sim.port is not None
            results = await run_fat("127.0.0.1", sim.port, _one(BREAKER))
            assert results.points[0].verdict == "pass"
            assert sim.get_point(47, 100).value is True  # type: ignore[union-attr]
            return [(c.asdu.type, c.asdu.objects[0].value) for c in sim.received_commands if c.asdu.type is Type.C_SC_NA_1]

    assert trio.run(main) == [(Type.C_SC_NA_1, False), (Type.C_SC_NA_1, True)]


def test_no_commands_option_sends_none() -> None:
    async def main() -> tuple[int, str, str]:
        async with open_simulator() as sim:
            assert sim.port is not None
            results = await run_fat("127.0.0.1", sim.port, _one(BREAKER), options=FatOptions(commands=False))
            sent = sum(1 for c in sim.received_commands if int(c.asdu.type) in range(45, 65))
            return sent, results.points[0].verdict, results.points[0].reason

    # the row passes on its monitoring checks, and its remark says the command was not checked
    assert trio.run(main) == (0, "pass", "command not sent (monitoring checks only): the command round trip is not checked")


def test_point_missing_from_the_rtu_and_from_its_group() -> None:
    fault = (parse_fault("drop_objects type=C_IC_NA_1"),)
    results = run(parse_csv_text(f"{HEADER}\n" + "\n".join(RIGHT) + "\n"), faults=fault,
                  options=FatOptions(commands=False))
    failed = [p for p in results.points if p.verdict == "fail"]
    assert failed and all("interrogation" in p.reason for p in failed)


def test_unexpected_points_are_reported() -> None:
    results = run(_one("Breaker Q0,47,100,M_SP_NA_1,ON,,1,,,,,,,,,"))
    assert results.points[0].verdict == "pass"
    unexpected = {u["io_address"] for u in results.unexpected}
    assert {101, 200, 300} <= unexpected and 100 not in unexpected  # no counters listed: none asked
    assert results.passed  # reported, not failed


def test_resume_sends_no_command_twice(tmp_path: Path) -> None:
    signals = read_signal_list(write_csv(tmp_path / "l.csv", RIGHT))

    class PowerCut(Exception):
        pass

    def cut_after_row_3(item) -> None:  # type: ignore[no-untyped-def]
        if item.row == 3:
            raise PowerCut

    async def main() -> list[tuple[int, int]]:
        async with open_simulator() as sim:
            assert sim.port is not None
            with pytest.raises(PowerCut):
                await run_fat("127.0.0.1", sim.port, signals, output=tmp_path / "out", on_result=cut_after_row_3)
            first = len(sim.received_commands)
            results = await run_fat("127.0.0.1", sim.port, signals, output=tmp_path / "out", resume=True)
            assert [p.row for p in results.points] == list(range(2, 2 + len(RIGHT)))
            assert set(verdicts(results).values()) == {"pass"}
            assert len(results.captures) == 2
            assert first > 0
            return [(int(c.asdu.type), c.asdu.objects[0].io_address) for c in sim.received_commands
                    if int(c.asdu.type) in range(45, 65) and c.asdu.cot == Cot.ACTIVATION]

    sent = trio.run(main)
    # rows 2 (500, direct) and 3 (501, select+execute) were done before the cut: once each, with restore
    assert sent.count((45, 500)) == 2
    assert sent.count((45, 501)) == 4
    assert sent.count((46, 502)) == 2
    assert (tmp_path / "out" / "report.html").exists()


def test_time_tag_within_the_skew_after_a_clock_sync() -> None:
    header = HEADER + ",max_skew"
    signals = parse_csv_text(f"{header}\nEarthing switch Q8,47,101,M_SP_TB_1,OFF,,1,501,C_SC_NA_1,ON,yes,,,3,yes,,2\n",
                             file="skew.csv")
    assert signals.rows[0].max_skew == 2.0

    async def main(wrong_clock: bool):  # type: ignore[no-untyped-def]
        async with open_simulator() as sim:
            assert sim.port is not None
            if wrong_clock:  # an RTU whose clock is 2 minutes behind and ignores clock synchronisation
                sim.station._clock_offset = -120.0
                sim.station.set_clock = lambda when: None  # type: ignore[method-assign]
            results = await run_fat("127.0.0.1", sim.port, signals)
            kinds = [int(c.asdu.type) for c in sim.received_commands]
            assert kinds.index(103) < kinds.index(45)  # C_CS_NA_1 before the command
            return results.points[0]

    assert trio.run(main, False).verdict == "pass"
    result = trio.run(main, True)
    assert result.verdict == "fail" and "s off this clock after the clock sync (max 2 s)" in result.reason


def test_a_skew_needs_a_time_tagged_type() -> None:
    from c104test.fat.signals import SignalListError

    with pytest.raises(SignalListError, match=r"row 2, column 'max_skew': M_SP_NA_1 carries no time tag"):
        parse_csv_text(f"{HEADER},max_skew\nQ0,47,100,M_SP_NA_1,ON,,,,,,,,,,,,2\n", file="skew.csv")


def test_a_skew_needs_an_event_after_the_clock_sync() -> None:
    signals = parse_csv_text(f"{HEADER},max_skew\nEarthing switch Q8,47,101,M_SP_TB_1,OFF,,1,,,,,,,0.5,,,2\n", file="s.csv")
    result = run(signals).points[0]
    assert result.verdict == "fail"
    assert result.reason == "no report of IOA 101 with time tag after the clock sync within 0.5 s"


def test_a_reason_ends_where_its_frames_begin() -> None:
    """The report cell read '...within 0.5 s; last frames:' and stopped: the frames are the row's
    evidence, so the dangling tail goes."""
    row = "Disconnector Q1,47,200,M_DP_NA_1,ON,,,,,,,,,,,"
    # the RTU acknowledges the silenced request within its t2: short here (the check waits for it)
    quick = dataclasses.replace(demo_profile(), link=LinkParameters(t1=2, t2=0.3))
    result = run(_one(row), profile=quick, faults=(parse_fault("silence type=C_IC_NA_1"),),
                 options=FatOptions(timeout=0.5)).points[0]
    assert result.verdict == "fail"
    assert result.reason == "station interrogation of CA 47: no ACT_CON for C_IC_NA_1 IOA 0 CA 47 within 0.5 s"
    assert any(f.sent and "C_IC_NA_1" in f.text for f in result.frames)


def test_a_command_answer_is_named_as_the_standard_names_it() -> None:
    """With act_term=never an RTU that sends ACT_TERM got 'negative confirmation (COT
    Cot.ACTIVATION_CON)' although its ACT_CON was positive: the engine's reason was dropped."""
    never = run(_one(BREAKER), options=FatOptions(act_term="never")).points[0]
    assert never.verdict == "fail"
    assert never.reason == ("C_SC_NA_1 OFF to IOA 500: the RTU sent ACT_TERM although act_term=never "
                            "(the PIXIT says it does not)")
    refused = run(_one(BREAKER), faults=(parse_fault("negative_confirmation type=C_SC_NA_1"),)).points[0]
    assert refused.reason == "C_SC_NA_1 OFF to IOA 500: negative confirmation (COT 7 ACTIVATION_CON, P/N=1)"


def test_resume_checks_the_rows_that_only_left_out(tmp_path: Path) -> None:
    """A run with --only rows 2-3, then --resume without it: rows 4 on are checked (they were
    'not selected by --only', not done), and rows 2-3 are not checked again (no command twice)."""
    signals = read_signal_list(write_csv(tmp_path / "l.csv", RIGHT[:5]))

    async def main() -> tuple[object, object, list[tuple[int, int]]]:
        async with open_simulator() as sim:
            assert sim.port is not None
            first = await run_fat("127.0.0.1", sim.port, signals, output=tmp_path / "out",
                                  options=FatOptions(only=row_selection(["2-3"], signals.rows)))
            again = await run_fat("127.0.0.1", sim.port, signals, output=tmp_path / "out", resume=True)
            sent = [(int(c.asdu.type), c.asdu.objects[0].io_address) for c in sim.received_commands
                    if int(c.asdu.type) in range(45, 65) and c.asdu.cot == Cot.ACTIVATION]
            return first, again, sent

    first, again, sent = trio.run(main)
    assert verdicts(first) == {2: "pass", 3: "pass", 4: "skipped", 5: "skipped", 6: "skipped"}
    assert verdicts(again) == {2: "pass", 3: "pass", 4: "pass", 5: "pass", 6: "pass"}
    # rows 2 (500, direct) and 3 (501, select and execute) once each with restore; row 4 (502) now
    assert (sent.count((45, 500)), sent.count((45, 501)), sent.count((46, 502))) == (2, 4, 2)
