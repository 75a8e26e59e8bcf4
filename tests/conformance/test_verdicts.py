"""Regression tests of the verdicts: the old false passes and false failures, and the messages
(a near miss is named, a refusal without P/N is a deviation, a close by c104test is not the RTU's)."""

from __future__ import annotations

import dataclasses

import pytest
import trio

from c104test.conformance import (
    CASES,
    Verdict,
    mutant_plan,
    parse_pics,
    pics_from_profile,
    run_case,
    select_cases,
)
from c104test.conformance.context import tool_parameters
from c104test.engine.simulator import open_simulator

from .simulated import PICS, PICS_TEXT, PROFILE, run_against_simulator

select_cases()


def verdict(case_id: str, plan: str = "", pics=PICS, profile=PROFILE):
    async def main():
        async with open_simulator(profile, faults=mutant_plan(plan) if plan else ()) as sim:
            return await run_case(CASES[case_id], "127.0.0.1", sim.port, pics)

    return trio.run(main)


@pytest.mark.parametrize(
    ("case_id", "plan", "words"),
    [
        # a near miss is named: a positive ACT_CON where a refusal was expected
        ("A23", "positive_confirmation", "an ACT_CON with P/N=0"),
        ("A17", "positive_confirmation", "where a negative one"),
        # a refusal with COT 44-47 and P/N=0 is a deviation, not a pass
        ("A17", "refusal_without_pn", "deviation"),
        ("R08", "refusal_without_pn", "P/N=0"),
        ("A16", "confirm_read", "deviation: the read"),
        # the old false passes: each now fails with its reason
        ("A02", "wrong_originator", "OA"),
        ("A02", "drop_objects", "not reported"),
        ("A03", "wrong_cause part=data cot=20", "COT 21"),
        ("A13", "wrong_io_address", "IOA 0 expected"),
        ("A18", "negative_confirmation", "P/N=1"),
        ("A26", "positive_confirmation", "an ACT_CON with P/N=0"),
        # a close by c104test itself never counts as the RTU's (L10, L16)
        ("L16", "no_sequence_check", "c104test closed the connection itself"),
        ("L10", "no_t1", "kept the connection open"),
        ("R08", "silence", "no answer"),
    ],
)
def test_the_reason_names_the_deviation(case_id: str, plan: str, words: str) -> None:
    result = verdict(case_id, plan)
    assert result.verdict is Verdict.FAIL
    assert words in result.reason, result.reason


def test_the_tools_timers_never_mask_the_rtus() -> None:
    params = tool_parameters(PICS)
    assert params.t3 >= 3 * PICS["link.t3"]  # L08, L09: the RTU's TESTFR comes from its own t3
    assert params.t1 > PICS["link.t1"]  # the RTU's t1 acts before the tool's (L10)
    real = parse_pics("rtu: {common_addresses: [1]}\n")  # the standard's 15/10/20 s
    assert tool_parameters(real).t3 >= 60 and tool_parameters(real).t1 > 15


def test_l09_passes_with_the_rtus_own_t3_only() -> None:
    result = run_against_simulator(CASES["L09"])
    assert result.verdict is Verdict.PASS, result.reason
    sent_testfr = [e for e in result.evidence if e.dir == "sent" and "TestFR act" in e.explained]
    assert not sent_testfr, "the tool sent TESTFR act itself"


def _simulator_without(**pixit):
    return dataclasses.replace(PROFILE, pixit=dataclasses.replace(PROFILE.pixit, **pixit))


def test_features_come_from_the_pics_not_from_the_suite() -> None:
    # A03, A08, A20: what the RTU does not claim is n/a, naming the PICS item
    text = (PICS_TEXT.replace("interrogation_groups: [1, 2, 3]", "interrogation_groups: []")
            .replace("counter_interrogation: true", "counter_interrogation: false")
            .replace("reset_process: true", "reset_process: false"))
    pics = parse_pics(text)
    for case_id, item in (("A03", "functions.interrogation_groups"), ("A08", "functions.counter_interrogation"),
                          ("A20", "functions.reset_process")):
        result = verdict(case_id, pics=pics)
        assert result.verdict is Verdict.NOT_APPLICABLE and item in result.reason, (case_id, result.reason)


def test_act_term_comes_from_the_pics() -> None:
    # A21: an RTU without ACT_TERM passes when its PICS says so, fails when it claims ACT_TERM
    profile = _simulator_without(act_term=False)
    honest = parse_pics(pics_from_profile(profile))
    assert honest["commands.act_term"] is False
    assert verdict("A21", pics=honest, profile=profile).verdict is Verdict.PASS
    claimed = verdict("A21", pics=PICS, profile=profile)
    assert claimed.verdict is Verdict.FAIL and "commands.act_term" in claimed.reason


def test_an_unreachable_rtu_is_an_error_not_a_failure() -> None:
    pics = parse_pics(PICS_TEXT.replace("t0: 5", "t0: 1"))

    async def main():
        return await run_case(CASES["A02"], "127.0.0.1", 1, pics)

    result = trio.run(main)
    assert result.verdict is Verdict.ERROR and "could not connect" in result.reason


def test_a_run_stops_when_the_rtu_goes_away_for_three_cases_in_a_row(monkeypatch: pytest.MonkeyPatch) -> None:
    # one case without a connection is carried on (an RTU restarting after a robustness case);
    # three in a row end the run, naming them, instead of waiting t0 for every case left
    from c104test.conformance import runner

    reachable = {"L01": True, "L02": False, "L03": True, "L04": False, "L05": False, "L06": False, "L07": True}

    async def fake_run_case(case, host, port, pics, **options):
        reason = "" if reachable[case.id] else "could not connect to the RTU: refused"
        return runner.CaseResult(case.id, case.title, case.clause,
                                 Verdict.PASS if reachable[case.id] else Verdict.ERROR, reason, 0.0, ())

    monkeypatch.setattr(runner, "run_case", fake_run_case)
    monkeypatch.setattr(runner, "SETTLE_SECONDS", 0)
    seen: list[str] = []
    with pytest.raises(runner.RtuUnreachable, match=r"3 cases in a row \(L04, L05, L06\) could not connect .* "
                                                    r"the other 1 case did not run"):
        trio.run(runner.run_cases, select_cases("L01-L07"), "127.0.0.1", 1, PICS, lambda r: seen.append(r.id))
    assert seen == ["L01", "L02", "L03", "L04", "L05", "L06"]


def test_a15_runs_before_the_clock_sync_of_a13_in_one_run() -> None:
    # A13 synchronises the clock; A15 checks the time tags before any sync, so a run takes it first
    from c104test.conformance import run_cases

    order: list[str] = []

    async def main():
        async with open_simulator(PROFILE) as sim:
            return await run_cases(select_cases("A13,A15"), "127.0.0.1", sim.port, PICS,
                                   lambda r: order.append(r.id))

    results = trio.run(main)
    assert PICS["functions.time_before_sync"] == "invalid"
    assert order == ["A15", "A13"]
    assert [r.id for r in results] == ["A13", "A15"]
    assert [r.verdict for r in results] == [Verdict.PASS, Verdict.PASS], [r.reason for r in results]


def test_the_suite_reconnects_only_after_the_rtu_took_its_close() -> None:
    """L18 right after L17 failed against this conformant simulator now and then: the suite closed
    L17's connection and opened L18's at once, the RTU accepted the new one before it took the
    close, so the new connection joined another redundancy group and missed its buffered events.
    The next connection waits RECONNECT_SETTLE after the suite's close: the simulator has then
    let the old connection go, and the new one joins the group it left."""
    from c104test.conformance.context import RECONNECT_SETTLE, CaseContext

    async def main() -> None:
        async with open_simulator(PROFILE) as sim:
            assert sim.port is not None
            async with CaseContext("127.0.0.1", sim.port, PICS).open() as ctx:
                first = await ctx.connect()
                await ctx.close(first)
                closed = trio.current_time()
                second = await ctx.connect(start=False)
                assert trio.current_time() - closed >= RECONNECT_SETTLE
                assert len(sim.connections) == 1, "the first connection was still the RTU's when the second came"
                assert second.close_info is None

    trio.run(main)
