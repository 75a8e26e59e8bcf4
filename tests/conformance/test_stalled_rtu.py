"""A02 and L04 against an RTU that stopped reading: the failure names the stall (who stopped
reading, for how long), not only the answer that never came.

The RTU is the scripted raw-socket one of tests/faults (``FaultyRtu``): after STARTDT con it
floods TESTFR acts and reads nothing more, with a small receive buffer, so the TESTFR cons we
owe it fill its TCP window and ours stay untaken.
"""

from __future__ import annotations

import re

import pytest
import trio

from c104test.conformance import CASES, Verdict, run_case, select_cases
from tests.faults.scripted_rtu import STALL, TESTFR_ACT, FaultyRtu

from .simulated import PICS

select_cases()

FLOOD = [("raw", TESTFR_ACT * 120_000), STALL]


@pytest.mark.parametrize(
    ("case_id", "failure"),
    [
        ("A02", "no answer to the C_IC_NA_1 ACT (QOI 20) within 2 s: "),
        ("L04", "STOPDT act was not confirmed: no STOPDT con within 2 s; "),
    ],
)
def test_a_case_against_an_rtu_that_stopped_reading_names_the_stall(case_id: str, failure: str) -> None:
    rtu = FaultyRtu(lambda n, asdu: [STALL], on_start=FLOOD, receive_buffer=2048)
    try:
        result = trio.run(lambda: run_case(CASES[case_id], "127.0.0.1", rtu.port, PICS))
    finally:
        rtu.stop()
    assert result.verdict is Verdict.FAIL, result.reason
    assert result.reason.startswith(failure), result.reason
    stall = re.search(r"the RTU at 127\.0\.0\.1:(\d+) has not taken (\d+) octets of ours for ([\d.]+) s", result.reason)
    assert stall is not None, result.reason
    assert int(stall[1]) == rtu.port and int(stall[2]) > 0
    assert 2.0 <= float(stall[3]) < 5.0  # since when: about the case's wait (the RTU's t1), bounded


def test_an_interrogation_the_rtu_read_and_never_acknowledged_names_that() -> None:
    """The RTU took the C_IC_NA_1 and then read and said nothing: A02 says it was never acknowledged."""
    rtu = FaultyRtu(lambda n, asdu: [STALL])
    try:
        result = trio.run(lambda: run_case(CASES["A02"], "127.0.0.1", rtu.port, PICS))
    finally:
        rtu.stop()
    assert result.verdict is Verdict.FAIL
    assert f"the RTU at 127.0.0.1:{rtu.port} has not acknowledged 1 I-frame of ours for " in result.reason, result.reason
