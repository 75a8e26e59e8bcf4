"""The suite against a c104 RTU (PyPI ``c104``, lib60870 inside) with an honest PICS: it fails
exactly where that RTU deviates from the standard, each with a reason naming the deviation.

c104 is GPLv3: it runs only as a separate process (tests/engine/peers/c104_server.py). The peer
runs with short timers (t1 3 s, t2 2 s, t3 4 s, select time-out 2 s, set through c104's options) so that the
cases that wait on the RTU's timers (L08-L10, and every case whose answer may not come) take seconds,
not a minute; the PICS says so, as an honest PICS must. All 80 cases run, L15 (65,600 I-frames)
in about 7 s.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import trio

from c104test.conformance import CASES, Verdict, parse_pics, run_case, select_cases
from tests.engine.test_client_c104 import c104_peer

pytestmark = pytest.mark.timeout(60)

# What the c104 server of tests/engine/peers/c104_server.py claims (and does).
HONEST_PICS = parse_pics("""\
rtu:
  common_addresses: [47]
link: {k: 12, w: 8, t0: 10, t1: 3, t2: 2, t3: 4, i_frame_when_stopped: close}
functions:
  station_interrogation: true
  clock_sync: true
  read: true
  test_command: true
  interrogation_groups: []
  second_interrogation: queue  # it neither refuses nor restarts: a second GI is answered too
  counter_interrogation: true
  reset_process: false
  end_of_initialisation: false
  file_transfer: false  # the c104 Python wrapper has no file service
commands:
  act_term: false
  select_timeout: 2
robustness:
  short_apdu: close
  invalid_u_frame: ignore  # it does not close; it interprets them (R13 names that)
  s_frame_reserved_bits: ignore  # read as a valid S-frame
connections:
  max: 1000  # the peer sets no limit (lib60870 takes 100 by default): L21 is n/a
  # every connection is its own group with its own event queue (CONNECTION_IS_REDUNDANCY_GROUP):
  # L19 and L20 are n/a; a stopped connection still gets events queued (L06 passes)
  redundancy_group_size: 1
events:
  kept_while_disconnected: false  # a connection's queue ends with it: L18 is n/a
points:
  read:
    - {io_address: 100, type: M_SP_NA_1}
    - {io_address: 200, type: M_DP_NA_1}
    - {io_address: 300, type: M_ME_NB_1}
    - {io_address: 301, type: M_ME_NC_1}
    - {io_address: 400, type: M_IT_NA_1}
  commands:
    - {io_address: 500, type: C_SC_NA_1, value: true, mode: direct, return_io_address: 100}
    - {io_address: 501, type: C_SC_NA_1, value: true, mode: select}
""", "c104-pics.yaml")

# The deviations of this RTU, and the words the reason must contain.
DEVIATIONS = {
    "L05": "STOPDT con must wait",  # STOPDT con at once, with its I-frames unacknowledged
    "A02": "data carries OA 0",  # interrogated data does not echo the request's OA
    "A41": "data carries OA 0",
    "A14": "an ACT_CON with P/N=0",  # clock sync to IOA 5 confirmed instead of COT 47
    "A16": "answered with an ACT_CON",  # c104 issue #75
    "A17": "but P/N=0",  # negative ACT_CON, then a COT 47 mirror without P/N
    "A19": "no answer to C_TS_NA_1",  # unknown type: no COT 44
    "R08": "no answer to an ASDU of unknown type 200",  # no COT 44 (the wrapper drops it)
    "R06": "kept the connection open",  # VSQ N=5 with one object: silently ignored, not rejected
    "R09": "but P/N=0",
    "A31": "with QU 8",  # a qualifier reserved by the standard is executed
    "A25": "an ACT_CON with P/N=0",  # an execute with another value than the select is executed
    "A26": "where COT 9 was expected",  # a select is cancelled with ACT_CON, not DEACT_CON
    "A34": "but P/N=0",
    "R11": "was confirmed positively",  # P/N=1 on an activation is executed
    "R12": "an ACT_CON with P/N=0",  # minute 61 accepted
    "A07": "the two answers interleave",  # a second GI is answered in the middle of the first
    "R13": "such a frame must not be interpreted",  # 0x0F taken as STARTDT act and confirmed
    "R15": "split over 3 TCP segments",  # closes when 0x68 and the length octet come in two segments
}

# What this RTU does not claim, and the PICS item the n/a must name (the c104 wrapper has no file service).
NOT_CLAIMED = {"A39": "functions.file_transfer", "A40": "functions.file_transfer"}

select_cases()
IDS = list(CASES)


@pytest.fixture(scope="module")
def c104_rtu() -> Iterator[int]:
    with c104_peer("--t1", "3", "--t2", "2", "--t3", "4", "--select-timeout", "2") as port:
        yield port


@pytest.mark.parametrize("case_id", IDS)
def test_case_against_the_c104_rtu(case_id: str, c104_rtu: int) -> None:
    async def main():
        return await run_case(CASES[case_id], "127.0.0.1", c104_rtu, HONEST_PICS)

    result = trio.run(main)
    if case_id in DEVIATIONS:
        assert result.verdict is Verdict.FAIL, f"{case_id}: {result.verdict.value} {result.reason}"
        assert DEVIATIONS[case_id] in result.reason, result.reason
    else:
        assert result.verdict in (Verdict.PASS, Verdict.NOT_APPLICABLE), f"{case_id}: {result.verdict.value} {result.reason}"
        if result.verdict is Verdict.NOT_APPLICABLE:
            assert "PICS" in result.reason
        if case_id in NOT_CLAIMED:
            assert result.verdict is Verdict.NOT_APPLICABLE and NOT_CLAIMED[case_id] in result.reason, result.reason
