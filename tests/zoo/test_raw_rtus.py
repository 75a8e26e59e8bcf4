"""Zoo RTUs the simulator cannot play (tests/zoo/raw_rtus.py): conformant link-layer differences
that c104test's client must take without closing the link or failing a verdict, and the one
fault among them (an RTU that stops sending) that it must name. Timers are short (t1=2, t2=1,
t3=2) and every wait is bounded by ``trio.fail_after``.

Bugs these RTUs found (each test named fails without its fix):

- t3 counted whole frames only: while a slow RTU was part-way through an APDU we sent TESTFR
  act, which it could answer only after the APDU, and closed the working link on t1
  (protocol/link.py; test_an_rtu_that_sends_apdus_one_octet_at_a_time, and
  tests/protocol/test_link.py::test_t3_restarts_on_every_received_octet_not_only_on_whole_frames);
- ``expect_value`` on a closed connection waited its whole timeout and said "it reported:
  nothing", not that the connection had closed and why (engine/expectations.py;
  test_an_rtu_that_stops_sending_is_closed_on_t1_naming_us).
"""

from __future__ import annotations

import time
from functools import partial

import pytest
import trio

from c104test.conformance import CASES, Verdict, parse_pics, run_case
from c104test.engine.client import ClientConnection, open_connection
from c104test.engine.errors import ExpectationFailed, LinkDown
from c104test.engine.journal import Direction
from c104test.protocol.closing import CloseCause, ClosedBy
from c104test.protocol.enums import Type
from c104test.protocol.link import LinkParameters

from .raw_rtus import (
    STARTDT_ACT,
    STARTDT_CON,
    TESTFR_ACT,
    TESTFR_CON,
    RawRtu,
    command_answerer,
    float_sequence,
    serve_raw,
    serve_raw_in_thread,
    single_points,
)

PARAMS = LinkParameters(k=12, w=8, t0=2, t1=2, t2=1, t3=2)
IDLE = LinkParameters(k=12, w=8, t0=2, t1=1, t2=0.5, t3=0.8)  # two t3 in 2 s


def _received(conn: ClientConnection, kind: str) -> int:
    """How many I-, S- or U-frames the client's journal holds as received."""
    entries = [e.raw for e in conn.journal.since(0) if e.direction is Direction.RECEIVED]
    return sum(1 for raw in entries if ("I" if raw[2] & 1 == 0 else "S" if raw[2] & 3 == 1 else "U") == kind)


# ---- 1. an RTU that never sends S-frames -------------------------------------------------------


def test_an_rtu_that_acknowledges_only_in_its_own_i_frames_keeps_the_link() -> None:
    """Commands spread over 2.4 s (more than t1): each is acknowledged by the ACT_CON's N(R) and the
    reports between them; no S-frame ever comes, and the link stays up with every command positive."""

    async def main() -> None:
        with trio.fail_after(15):
            async with serve_raw(partial(command_answerer, report_every=0.5)) as (port, rtus), \
                    open_connection("127.0.0.1", port, params=PARAMS, act_term="never") as conn:
                for n in range(3):
                    result = await conn.send_command(47, 200, Type.C_SC_NA_1, n % 2 == 0, timeout=1)
                    assert result.positive, result
                    await trio.sleep(0.8)
                assert conn.is_open and conn.close_info is None, conn.close_reason
                rtu = rtus[0]
                assert rtu.frames_sent("S") == 0 and _received(conn, "S") == 0
                assert rtu.frames_sent("I") >= 6  # 3 ACT_CON and the reports
                # we acknowledged the RTU's I-frames (in our I- or S-frames) within t2: at most the
                # reports of the last t2 (1 s, one every 0.5 s) wait for it
                acked = max(int.from_bytes(raw[4:6], "little") >> 1 for raw in rtu.received if raw[2] & 1 == 0 or raw[2] & 3 == 1)
                assert rtu.vs - acked <= 3, (rtu.vs, acked)
                assert conn.points.get(47, 100) is not None

    trio.run(main)


def test_an_rtu_that_stops_sending_is_closed_on_t1_naming_us() -> None:
    """The same RTU goes silent (it still reads): our next command is not acknowledged, and we
    close on t1 - our close, for the RTU's fault, with the N(S) that was not acknowledged."""

    async def main() -> None:
        with trio.fail_after(15):
            async with serve_raw(partial(command_answerer, report_every=0.5)) as (port, rtus), \
                    open_connection("127.0.0.1", port, params=PARAMS, act_term="never") as conn:
                assert (await conn.send_command(47, 200, Type.C_SC_NA_1, True, timeout=1)).positive
                rtus[0].silent = True
                started = trio.current_time()
                with pytest.raises(LinkDown) as failed:
                    await conn.send_command(47, 200, Type.C_SC_NA_1, False, timeout=5)
                took = trio.current_time() - started
                info = conn.close_info
                assert info is not None and info.cause is CloseCause.T1_EXPIRED and info.by is ClosedBy.LOCAL, info
                assert "t1 expired: I-frame N(S)=1 not acknowledged within 2 s" in info.reason, info.reason
                assert str(failed.value).endswith(
                    "t1 expired: I-frame N(S)=1 not acknowledged within 2 s; c104test closed the connection"
                ), failed.value
                assert 1.9 <= took <= 3.5, took
                # a value awaited on the closed link fails at once, saying why (not at its timeout)
                with trio.fail_after(1), pytest.raises(ExpectationFailed) as missing:
                    await conn.expect_value(47, 100, lambda ob: False, timeout=5, description="anything new")
                assert "did not report anything new: the connection closed (t1 expired: I-frame N(S)=1" in str(missing.value)

    trio.run(main)


def test_a_burst_beyond_k_is_acknowledged_only_by_spontaneous_reports() -> None:
    """12 interrogation requests the RTU does not answer yet (it only reports, every 0.4 s) with
    k=4: only the reports' N(R) open the k window again, and no frame waits longer than t1."""
    params = LinkParameters(k=4, w=2, t0=2, t1=2, t2=1, t3=2)

    async def main() -> None:
        with trio.fail_after(15):
            async with serve_raw(partial(command_answerer, report_every=0.4, slow=True)) as (port, rtus), \
                    open_connection("127.0.0.1", port, params=params) as conn:
                request = conn.interrogation_request(47)
                await conn.send_burst(request.asdu, 12, timeout=3)
                assert await conn.wait_acknowledged(timeout=1) == ""
                rtu = rtus[0]
                assert sum(1 for raw in rtu.received if raw[2] & 1 == 0) == 12
                assert rtu.most_unacknowledged() == 4  # k filled, never exceeded
                assert rtu.frames_sent("S") == 0 and _received(conn, "S") == 0
                assert conn.is_open and conn.close_info is None, conn.close_reason

    trio.run(main)


def test_the_c104_api_against_an_rtu_that_never_sends_s_frames() -> None:
    """The same RTU through ``import c104test as c104``: commands return True over more than t1
    and the reports reach the point; once the RTU is silent, a command returns False and the
    link ends on t1 (our close)."""
    import c104test as c104
    from c104test.sync.bridge import shutdown_bridge

    with serve_raw_in_thread(partial(command_answerer, report_every=0.5)) as (port, rtus):
        client = c104.Client(command_timeout_ms=1000)
        try:
            connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.NONE)
            params = connection.protocol_parameters
            params.message_timeout, params.confirm_interval, params.keep_alive_interval = 1.5, 0.5, 1.5
            station = connection.add_station(common_address=47)
            command = station.add_point(io_address=200, type=c104.Type.C_SC_NA_1)
            report = station.add_point(io_address=100, type=c104.Type.M_SP_NA_1)
            seen: list[bool] = []
            report.on_receive(callable=lambda point, previous_info, message: seen.append(point.value))
            client.start()
            deadline = time.monotonic() + 5
            while not connection.is_connected and time.monotonic() < deadline:
                time.sleep(0.02)
            for n in range(3):  # 1.8 s: more than t1
                command.value = n % 2 == 0
                assert command.transmit(cause=c104.Cot.ACTIVATION) is True
                time.sleep(0.6)
            assert connection.is_connected and len(seen) >= 3, seen
            assert rtus[0].frames_sent("S") == 0
            rtus[0].silent = True
            started = time.monotonic()
            assert command.transmit(cause=c104.Cot.ACTIVATION) is False
            while connection.is_connected and time.monotonic() - started < 5:
                time.sleep(0.02)
            assert not connection.is_connected and 1.4 <= time.monotonic() - started <= 3.0
            info = connection.engine.close_info
            assert info is not None and info.cause is CloseCause.T1_EXPIRED and info.by is ClosedBy.LOCAL, info
        finally:
            client.stop()
            shutdown_bridge()


#: the raw RTU's PICS: its timers and CA; no optional function claimed
RAW_PICS = """
rtu:
  common_addresses: [47]
link: {k: 12, w: 8, t0: 2, t1: 2, t2: 1, t3: 2}
"""


def test_the_link_cases_pass_an_rtu_that_acknowledges_only_in_its_own_i_frames() -> None:
    """L11 and L12 take the N(R) of its ACT_CONs (piggyback) as the acknowledgement; the other
    link cases that need no RTU timer pass too."""
    pics = parse_pics(RAW_PICS, "raw_rtu.yaml")

    async def main() -> dict[str, object]:
        with trio.fail_after(20):
            async with serve_raw(partial(command_answerer, report_every=0.5)) as (port, rtus):
                results = {cid: await run_case(CASES[cid], "127.0.0.1", port, pics) for cid in ("L01", "L07", "L11", "L12", "L14")}
                assert rtus and not any(rtu.frames_sent("S") for rtu in rtus)
                return results

    for cid, result in trio.run(main).items():
        assert result.verdict is Verdict.PASS, f"{cid}: {result.reason}"


# ---- 2. TESTFR from the RTU, a late STARTDT con -------------------------------------------------


async def _testing_rtu(rtu: RawRtu, t3: float, crossing: bool = False) -> None:
    """Answers like every RTU; sends its own TESTFR act after ``t3`` s without a frame from the
    client. With ``crossing``, its t3 ends just as the client's act arrives: act, then con."""
    while True:
        with trio.move_on_after(t3):
            apdu = await rtu.read_apdu()
            if apdu is None:
                return
            if crossing and apdu == TESTFR_ACT:
                await rtu.send(TESTFR_ACT)
            await rtu.answer(apdu)
            continue
        await rtu.send(TESTFR_ACT)


@pytest.mark.parametrize("crossing", [False, True], ids=["rtu_t3_shorter", "acts_crossing"])
def test_an_rtu_that_sends_its_own_testfr_act_while_we_are_idle(crossing: bool) -> None:
    """We answer every TESTFR act of the RTU with a con, take the con for our own act whether
    or not the RTU's act came first, and keep the idle link open through several t3."""

    async def main() -> None:
        with trio.fail_after(15):
            behaviour = partial(_testing_rtu, t3=30.0 if crossing else 0.5, crossing=crossing)
            async with serve_raw(behaviour) as (port, rtus), \
                    open_connection("127.0.0.1", port, params=IDLE) as conn:
                await trio.sleep(2.0)
                assert conn.is_open and conn.close_info is None, conn.close_reason
                rtu = rtus[0]
                acts = rtu.sent.count(TESTFR_ACT)
                assert acts >= (2 if crossing else 3), rtu.sent
                assert rtu.received.count(TESTFR_CON) == acts  # every act of the RTU confirmed
                ours = rtu.received.count(TESTFR_ACT)
                # its acts restart our t3: we test only when it does not (crossing: every t3)
                assert ours == (0 if not crossing else acts), ours

    trio.run(main)


async def _late_start(rtu: RawRtu, delay: float) -> None:
    """Confirms STARTDT only ``delay`` s after the act, and tests the link (TESTFR act) halfway
    through; otherwise answers like every RTU."""
    while True:
        apdu = await rtu.read_apdu()
        if apdu is None:
            return
        if apdu == STARTDT_ACT:
            await trio.sleep(delay / 2)
            await rtu.send(TESTFR_ACT)
            with trio.move_on_after(delay / 2):
                while (answer := await rtu.read_apdu()) is not None:
                    await rtu.answer(answer)
        await rtu.answer(apdu)


def test_an_rtu_that_confirms_startdt_just_inside_t1() -> None:
    async def main() -> None:
        with trio.fail_after(10):
            async with serve_raw(partial(_late_start, delay=1.7)) as (port, rtus):
                started = trio.current_time()
                async with open_connection("127.0.0.1", port, params=PARAMS, act_term="never") as conn:
                    assert 1.6 <= trio.current_time() - started <= 2.0
                    assert conn.is_open and conn.close_info is None
                    assert (await conn.send_command(47, 200, Type.C_SC_NA_1, True, timeout=1)).positive
                    rtu = rtus[0]
                    assert rtu.received[:2] == [STARTDT_ACT, TESTFR_CON] and rtu.sent[:2] == [TESTFR_ACT, STARTDT_CON]

    trio.run(main)


def test_an_rtu_that_confirms_startdt_after_t1_is_closed_naming_us() -> None:
    async def main() -> None:
        with trio.fail_after(10):
            async with serve_raw(partial(_late_start, delay=3.0)) as (port, _rtus):
                conn = ClientConnection("127.0.0.1", port, params=PARAMS)
                with pytest.raises(LinkDown) as failed:
                    await conn.run()
                info = conn.close_info
                assert info is not None and info.by is ClosedBy.LOCAL, info
                assert info.cause is CloseCause.T1_EXPIRED, info
                assert str(failed.value).endswith(
                    "no STARTDT con: t1 expired: no STARTDT con within 2 s of STARTDT act; c104test closed the connection"
                ), failed.value

    trio.run(main)


# ---- 3. the largest APDU, the largest SQ=1 ASDU, an APDU split into octets ---------------------


async def _sender(rtu: RawRtu, asdus: list[bytes], piece: int = 0, pause: float = 0.0) -> None:
    """Answers like every RTU; after STARTDT con, sends ``asdus`` (split as asked), then serves."""
    while True:
        apdu = await rtu.read_apdu()
        if apdu is None:
            return
        if apdu == STARTDT_ACT:
            await rtu.send(STARTDT_CON, piece=piece, pause=pause)
            for asdu in asdus:
                await rtu.send_asdu(asdu, piece=piece, pause=pause)
        else:
            await rtu.answer(apdu)


def test_the_largest_apdu_and_the_largest_sequence_of_single_points() -> None:
    floats = [i * 0.5 for i in range(48)]  # M_ME_NC_1 SQ=1: 6 + 3 + 48 * 5 = 249 octets
    largest = float_sequence(47, 3000, floats)
    singles = [i % 3 == 0 for i in range(127)]
    sequence = single_points(47, 1000, singles, sequence=True)
    assert len(largest) == 249 and sequence[1] == 0xFF

    async def main() -> None:
        with trio.fail_after(10):
            async with serve_raw(partial(_sender, asdus=[largest, sequence])) as (port, _rtus), \
                    open_connection("127.0.0.1", port, params=PARAMS) as conn:
                await conn.expect_value(47, 1126, lambda ob: True, timeout=2)
                got = [e.raw for e in conn.journal.since(0) if e.direction is Direction.RECEIVED and len(e.raw) > 6]
                assert [len(raw) for raw in got] == [255, 6 + 136]  # 0x68, L=253; and 127 objects
                assert [conn.points.get(47, 3000 + i).value for i in range(48)] == pytest.approx(floats)
                assert [conn.points.get(47, 1000 + i).value for i in range(127)] == singles
                assert conn.is_open and conn.close_info is None

    trio.run(main)


def test_an_rtu_that_sends_apdus_one_octet_at_a_time() -> None:
    """STARTDT con, the largest APDU (about 1.5 s long here, longer than t3) and a report, one
    octet per TCP segment. The octets show the RTU is alive: we send no TESTFR act in the middle
    of an APDU (the RTU could answer it only after the APDU, later than t1: before the fix, t3
    counted whole frames only and we closed this working link on t1)."""
    largest = float_sequence(47, 3000, [float(i) for i in range(48)])
    reports = [largest, single_points(47, 100, [True, False, True], sequence=False)]
    slow = LinkParameters(k=12, w=8, t0=2, t1=0.8, t2=0.4, t3=0.4)

    async def main() -> None:
        with trio.fail_after(10):
            behaviour = partial(_sender, asdus=reports, piece=1, pause=0.005)
            async with serve_raw(behaviour) as (port, rtus), \
                    open_connection("127.0.0.1", port, params=slow, act_term="never") as conn:
                await conn.expect_value(47, 102, lambda ob: True, timeout=5)
                assert [conn.points.get(47, 100 + i).value for i in range(3)] == [True, False, True]
                assert conn.points.get(47, 3047).value == 47.0
                received = [e.raw for e in conn.journal.since(0) if e.direction is Direction.RECEIVED]
                assert received == rtus[0].sent  # whole APDUs, none lost or merged
                assert TESTFR_ACT not in rtus[0].received, rtus[0].received
                assert conn.is_open and conn.close_info is None, conn.close_reason

    trio.run(main)
