"""Broken RTUs against the c104 API's inline receive (no callbacks: the caller's thread reads its
own command's answer, TrioBridge._receive + Session.read_outside). Each call must end within its
bound (t1 + the command timeout) with c104's return value (False on failure), the journal must
hold every frame that came, and the close must name who closed.

The RTU is a raw-socket peer in a thread that answers each command I-frame with a scripted list
of actions, so what arrives around each ACT_CON, and when, is known."""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from typing import Any

import pytest

import c104test as c104
from c104test.engine.journal import Direction
from c104test.protocol.closing import CloseCause, ClosedBy
from c104test.protocol.enums import Cot

from ..faults import scripted_rtu
from ..faults.scripted_rtu import (
    ACT_CON,
    ACT_TERM,
    CLOSE,
    NEGATIVE,
    RESET,
    STALL,
    TESTFR_ACT,
    FaultyRtu,
    spontaneous,
    with_cot,
)
from .sync_support import CA, HOST, journal, wait_open, wait_until

T = c104.Type
IOA = 500
TIMEOUT = 1.0  # the command timeout of these tests, seconds
SLACK = 1.0  # what a bounded call may take beyond its bound on a loaded 2-core machine
faulty_rtu = scripted_rtu.faulty_rtu  # the fixture



def _connect(make_client: Callable[..., Any], port: int, t1: float | None = None) -> tuple[Any, Any]:
    client = make_client(command_timeout_ms=int(TIMEOUT * 1000))
    connection = client.add_connection(ip=HOST, port=port, init=c104.Init.NONE)
    if t1 is not None:
        connection.protocol_parameters.message_timeout = t1
    point = connection.add_station(common_address=CA).add_point(io_address=IOA, type=T.C_SC_NA_1)
    point.value = True
    client.start()
    wait_open(connection)
    time.sleep(0.05)  # trio parked: the caller reads its answer itself
    return connection, point


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = fn()
    return result, time.monotonic() - started


def _received(connection: Any) -> list[bytes]:
    return [e.raw for e in journal(connection) if e.direction is Direction.RECEIVED]


def _assert_journalled(connection: Any, rtu: FaultyRtu) -> None:
    """Every octet the RTU sent is in the journal, in order (nothing received is lost). A call
    may end before the RTU's last frames are read (an ACT_TERM before the ACT_CON ends an
    interrogation at once): what the RTU sent must be journalled within SLACK."""
    deadline = time.monotonic() + SLACK
    while True:
        sent = b"".join(rtu.sent)
        got = b"".join(_received(connection))
        if got == sent or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert got == sent, f"journal {got.hex()} != sent {sent.hex()}"


def _closed(connection: Any) -> Any:
    engine = connection._engine
    wait_until(lambda: engine.close_info is not None, TIMEOUT + SLACK, "the connection closed")
    return engine.close_info


# ---- answers that never come or come wrong -------------------------------------------------------


def test_no_answer_is_false_after_the_command_timeout(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu]
) -> None:
    rtu = faulty_rtu(lambda n, asdu: [] if n == 0 else [ACT_CON])
    _connection, point = _connect(make_client, rtu.port)
    result, took = _timed(lambda: point.transmit(cause=Cot.ACTIVATION))
    assert result is False
    assert TIMEOUT * 0.9 < took < TIMEOUT + SLACK
    assert point.transmit(cause=Cot.ACTIVATION) is True  # the connection serves the next one


def test_a_negative_act_con_is_false_at_once(make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu]) -> None:
    rtu = faulty_rtu(lambda n, asdu: [NEGATIVE])
    connection, point = _connect(make_client, rtu.port)
    result, took = _timed(lambda: point.transmit(cause=Cot.ACTIVATION))
    assert result is False and took < SLACK
    _assert_journalled(connection, rtu)


@pytest.mark.parametrize(
    "wrong",
    [
        pytest.param(lambda a: a[:6] + (IOA + 1).to_bytes(3, "little") + a[9:], id="io_address"),
        pytest.param(lambda a: a[:4] + struct.pack("<H", CA + 1) + a[6:], id="common_address"),
        pytest.param(lambda a: bytes([46]) + a[1:], id="type"),
    ],
)
def test_an_act_con_for_another_object_is_not_the_answer(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu], wrong: Callable[[bytes], bytes]
) -> None:
    rtu = faulty_rtu(lambda n, asdu: [("asdu", wrong(with_cot(asdu, 7)))])
    connection, point = _connect(make_client, rtu.port)
    result, took = _timed(lambda: point.transmit(cause=Cot.ACTIVATION))
    assert result is False
    assert took < TIMEOUT + SLACK
    _assert_journalled(connection, rtu)


def test_an_answer_given_twice_is_not_the_next_commands_answer(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu]
) -> None:
    # the 1st command is confirmed twice, the 2nd never
    rtu = faulty_rtu(lambda n, asdu: [ACT_CON, ACT_CON] if n == 0 else [])
    connection, point = _connect(make_client, rtu.port)
    assert point.transmit(cause=Cot.ACTIVATION) is True
    wait_until(lambda: len(_received(connection)) >= 3, 2, "both confirmations")  # STARTDT con + 2
    result, took = _timed(lambda: point.transmit(cause=Cot.ACTIVATION))
    assert result is False  # the duplicate came before the 2nd command: not its return information
    assert took > TIMEOUT * 0.9
    _assert_journalled(connection, rtu)


def test_act_term_before_act_con_ends_an_interrogation_in_time(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu]
) -> None:
    rtu = faulty_rtu(lambda n, asdu: [ACT_TERM, ACT_CON])
    connection, _ = _connect(make_client, rtu.port)
    result, took = _timed(lambda: connection.interrogation(common_address=CA))
    assert result is False  # no ACT_TERM after the ACT_CON: not a completed interrogation
    assert took < TIMEOUT + SLACK
    _assert_journalled(connection, rtu)


# ---- floods while the caller waits ---------------------------------------------------------------


def test_a_flood_of_reports_before_the_act_con_loses_nothing(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu]
) -> None:
    reports = 3000

    def plan(n: int, asdu: bytes) -> list[tuple[Any, ...]]:
        return [("asdu", spontaneous(1000 + i % 500, float(i))) for i in range(reports)] + [ACT_CON]

    rtu = faulty_rtu(plan)
    connection, point = _connect(make_client, rtu.port)
    result, took = _timed(lambda: point.transmit(cause=Cot.ACTIVATION))
    assert result is True and took < TIMEOUT + SLACK
    _assert_journalled(connection, rtu)
    station = connection.get_station(common_address=CA)
    assert [station.get_point(1000 + i).value for i in range(500)] == [float(reports - 500 + i) for i in range(500)]


def test_a_testfr_storm_while_waiting_is_answered_and_the_command_confirmed(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu]
) -> None:
    rtu = faulty_rtu(lambda n, asdu: [("raw", TESTFR_ACT)] * 500 + [ACT_CON])
    connection, point = _connect(make_client, rtu.port)
    result, took = _timed(lambda: point.transmit(cause=Cot.ACTIVATION))
    assert result is True and took < TIMEOUT + SLACK
    wait_until(
        lambda: sum(1 for f in rtu.frames if f == bytes.fromhex("680483000000")) == 500, 2, "500 TESTFR con"
    )
    _assert_journalled(connection, rtu)


# ---- the link ends while the caller waits ---------------------------------------------------------


def test_a_close_right_after_the_act_con(make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu]) -> None:
    rtu = faulty_rtu(lambda n, asdu: [ACT_CON, CLOSE])
    connection, point = _connect(make_client, rtu.port)
    result, took = _timed(lambda: point.transmit(cause=Cot.ACTIVATION))
    assert result is True and took < SLACK  # confirmed: the close came after
    info = _closed(connection)
    assert info.by is ClosedBy.PEER and info.cause is CloseCause.PEER_CLOSED
    _assert_journalled(connection, rtu)


def test_an_interrogation_closed_after_its_act_con_is_false_at_once(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu]
) -> None:
    rtu = faulty_rtu(lambda n, asdu: [ACT_CON, ("asdu", spontaneous(100, 1.0)), CLOSE])
    connection, _ = _connect(make_client, rtu.port)
    result, took = _timed(lambda: connection.interrogation(common_address=CA))
    assert result is False and took < SLACK  # not the command timeout: the peer's close ends it
    info = _closed(connection)
    assert info.by is ClosedBy.PEER
    _assert_journalled(connection, rtu)


def test_a_reset_mid_frame_is_false_at_once_and_the_half_frame_kept(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu]
) -> None:
    def plan(n: int, asdu: bytes) -> list[tuple[Any, ...]]:
        whole = rtu.i_frame(with_cot(asdu, 7))
        return [("raw", whole[:7]), ("sleep", 0.1), RESET]

    rtu = faulty_rtu(plan)
    connection, point = _connect(make_client, rtu.port)
    result, took = _timed(lambda: point.transmit(cause=Cot.ACTIVATION))
    assert result is False and took < SLACK
    info = _closed(connection)
    assert info.by is ClosedBy.PEER and info.cause is CloseCause.CONNECTION_RESET
    assert "in the middle of an APDU (7 of " in info.reason, info.reason
    # the half frame that came before the reset is not lost
    _assert_journalled(connection, rtu)
    assert "incomplete APDU" in journal(connection)[-1].error


def test_half_an_apdu_then_silence_is_false_within_the_command_timeout(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu]
) -> None:
    def plan(n: int, asdu: bytes) -> list[tuple[Any, ...]]:
        return [("raw", rtu.i_frame(with_cot(asdu, 7))[:5]), STALL]

    rtu = faulty_rtu(plan)
    _connection, point = _connect(make_client, rtu.port)
    result, took = _timed(lambda: point.transmit(cause=Cot.ACTIVATION))
    assert result is False and took < TIMEOUT + SLACK


@pytest.mark.parametrize(
    ("octets", "what"),
    [
        pytest.param(b"\x00\xff\x01\x02\x03\x04", "start", id="bad-start-octet"),
        pytest.param(bytes.fromhex("6803010000"), "length", id="length-3"),
        pytest.param(bytes([0x68, 254]) + bytes(254), "length", id="length-254"),
    ],
)
def test_garbage_instead_of_the_answer_is_false_at_once_and_journalled(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu], octets: bytes, what: str
) -> None:
    rtu = faulty_rtu(lambda n, asdu: [("raw", octets)])
    connection, point = _connect(make_client, rtu.port)
    result, took = _timed(lambda: point.transmit(cause=Cot.ACTIVATION))
    assert result is False and took < SLACK
    info = _closed(connection)
    assert info.by is ClosedBy.LOCAL and info.cause is CloseCause.PROTOCOL_VIOLATION
    assert what in info.reason, info.reason
    bad = [e for e in journal(connection) if e.error]
    assert bad and bad[0].direction is Direction.RECEIVED


def test_an_s_frame_for_frames_never_sent_is_a_violation_at_once(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu]
) -> None:
    rtu = faulty_rtu(lambda n, asdu: [("raw", bytes.fromhex("680401002000"))])  # S-frame N(R) 16
    connection, point = _connect(make_client, rtu.port)
    result, took = _timed(lambda: point.transmit(cause=Cot.ACTIVATION))
    assert result is False and took < SLACK
    info = _closed(connection)
    assert info.by is ClosedBy.LOCAL and info.cause is CloseCause.PROTOCOL_VIOLATION
    _assert_journalled(connection, rtu)


def test_an_rtu_that_never_acknowledges_is_ended_by_t1(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu]
) -> None:
    rtu = faulty_rtu(lambda n, asdu: [], acknowledge=False)
    client = make_client(command_timeout_ms=5000)
    connection = client.add_connection(ip=HOST, port=rtu.port, init=c104.Init.NONE)
    connection.protocol_parameters.confirm_interval = 0.5
    connection.protocol_parameters.message_timeout = 1
    point = connection.add_station(common_address=CA).add_point(io_address=IOA, type=T.C_SC_NA_1)
    point.value = True
    client.start()
    wait_open(connection)
    time.sleep(0.05)
    result, took = _timed(lambda: point.transmit(cause=Cot.ACTIVATION))
    assert result is False
    assert 0.9 < took < 1 + SLACK  # t1, not the 5 s command timeout
    info = _closed(connection)
    assert info.by is ClosedBy.LOCAL and info.cause is CloseCause.T1_EXPIRED


def test_an_undecodable_act_con_is_not_the_answer_and_is_journalled(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu]
) -> None:
    # the ACT_CON without its SCO octet: a whole APDU whose ASDU does not decode
    rtu = faulty_rtu(lambda n, asdu: [("asdu", with_cot(asdu, 7)[:-1])] if n == 0 else [ACT_CON])
    connection, point = _connect(make_client, rtu.port)
    result, took = _timed(lambda: point.transmit(cause=Cot.ACTIVATION))
    assert result is False and took < TIMEOUT + SLACK
    _assert_journalled(connection, rtu)
    assert journal(connection)[-1].error  # the journal says what was wrong with it
    assert point.transmit(cause=Cot.ACTIVATION) is True


def test_an_interrogation_brings_every_object_before_its_act_term(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu]
) -> None:
    objects = 2000

    def plan(n: int, asdu: bytes) -> list[tuple[Any, ...]]:
        replies = [("asdu", bytes([13, 1, 20, 0]) + spontaneous(2000 + i, float(i))[4:]) for i in range(objects)]
        return [ACT_CON, *replies, ACT_TERM]

    rtu = faulty_rtu(plan)
    connection, _ = _connect(make_client, rtu.port)
    result, took = _timed(lambda: connection.interrogation(common_address=CA))
    assert result is True and took < TIMEOUT + SLACK, (
        f"{result} after {took:.3f} s; {len(_received(connection))} frames journalled of {len(rtu.sent)} sent; "
        f"{connection._engine.close_info}"
    )
    station = connection.get_station(common_address=CA)
    # every reply applied when the call returns (design.md §4), none lost
    assert [station.get_point(2000 + i).value for i in range(objects)] == [float(i) for i in range(objects)]
    _assert_journalled(connection, rtu)


def test_commands_to_an_rtu_that_stopped_reading_end_by_t1(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu]
) -> None:
    rtu = faulty_rtu(lambda n, asdu: [STALL])  # takes the first command, then reads nothing
    client = make_client(command_timeout_ms=5000)
    connection = client.add_connection(ip=HOST, port=rtu.port, init=c104.Init.NONE)
    connection.protocol_parameters.confirm_interval = 0.5
    connection.protocol_parameters.message_timeout = 1
    point = connection.add_station(common_address=CA).add_point(io_address=IOA, type=T.C_SC_NA_1)
    point.value = True
    client.start()
    wait_open(connection)
    # requests without waiting: the k window (12) fills, the 13th waits for room until t1 ends it
    sent, took = _timed(lambda: [connection.interrogation(common_address=CA, wait_for_response=False) for _ in range(13)])
    info = connection._engine.close_info  # (the client dials again 1 s later, as c104's does)
    assert sent == [True] * 12 + [False]
    assert took < 1 + SLACK  # t1, not the 5 s command timeout
    assert info.by is ClosedBy.LOCAL and info.cause is CloseCause.T1_EXPIRED
    assert "not acknowledged within 1 s" in info.reason


def test_a_never_ending_flood_without_an_answer_still_ends_at_the_timeout(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu]
) -> None:
    # reports keep coming for 3 s (past the 1 s timeout), no ACT_CON: the caller reading them
    # itself must still look at its clock
    burst = [("asdu", spontaneous(3000 + i, float(i))) for i in range(50)]

    def plan(n: int, asdu: bytes) -> list[tuple[Any, ...]]:
        return [step for _ in range(300) for step in (*burst, ("sleep", 0.01))] if n == 0 else [ACT_CON]

    rtu = faulty_rtu(plan)
    connection, point = _connect(make_client, rtu.port)
    result, took = _timed(lambda: point.transmit(cause=Cot.ACTIVATION))
    assert result is False
    assert TIMEOUT * 0.9 < took < TIMEOUT + SLACK
    assert connection.state == c104.ConnectionState.OPEN  # the flood is no fault: it stays open


def test_a_caller_waiting_inline_on_a_silent_rtu_does_not_hold_up_another_connection(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu]
) -> None:
    import threading

    silent = faulty_rtu(lambda n, asdu: [])
    answering = faulty_rtu(lambda n, asdu: [ACT_CON])
    client = make_client(command_timeout_ms=int(TIMEOUT * 1000))
    stuck = client.add_connection(ip=HOST, port=silent.port, init=c104.Init.NONE)
    served = client.add_connection(ip=HOST, port=answering.port, init=c104.Init.NONE)
    points = []
    for connection in (stuck, served):
        point = connection.add_station(common_address=CA).add_point(io_address=IOA, type=T.C_SC_NA_1)
        point.value = True
        points.append(point)
    client.start()
    wait_open(stuck)
    wait_open(served)
    time.sleep(0.05)
    outcome: list[Any] = []
    waiting = threading.Thread(target=lambda: outcome.append(_timed(lambda: points[0].transmit(cause=Cot.ACTIVATION))))
    waiting.start()
    time.sleep(0.1)  # the other thread waits for its answer (inline, most likely)
    results, took = _timed(lambda: [points[1].transmit(cause=Cot.ACTIVATION) for _ in range(20)])
    waiting.join(TIMEOUT + SLACK + 1)
    assert results == [True] * 20
    assert took < TIMEOUT / 2  # not behind the other caller's wait
    assert outcome and outcome[0][0] is False and outcome[0][1] < TIMEOUT + SLACK


@pytest.mark.parametrize(
    ("answer", "rule"),
    [
        pytest.param(lambda asdu: [("raw", bytes([0x68, 14]) + struct.pack("<HH", 5 << 1, 1 << 1) + with_cot(asdu, 7))],
                     "sequence error", id="wrong-N(S)"),
        pytest.param(lambda asdu: [("raw", bytes.fromhex("68040b000000")), ACT_CON], "", id="unsolicited-STARTDT-con"),
        pytest.param(lambda asdu: [("raw", bytes.fromhex("680423000000")), ACT_CON], "", id="unsolicited-STOPDT-con"),
    ],
)
def test_a_link_fault_with_the_answer_gets_a_prompt_verdict(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu],
    answer: Callable[[bytes], list[tuple[Any, ...]]], rule: str,
) -> None:
    rtu = faulty_rtu(lambda n, asdu: answer(asdu))
    connection, point = _connect(make_client, rtu.port)
    result, took = _timed(lambda: point.transmit(cause=Cot.ACTIVATION))
    assert took < SLACK  # never the timeout: the verdict comes with the frames
    engine = connection._engine
    if rule:
        info = _closed(connection)
        assert result is False  # its ACT_CON came in the frame that broke the rule
        last = journal(connection)[-1]
        assert last.asdu is None and rule in last.error and "ACTIVATION_CON" in last.explain()
        assert info.by is ClosedBy.LOCAL and info.cause is CloseCause.PROTOCOL_VIOLATION and rule in info.reason
    else:  # a STARTDT/STOPDT con nobody asked for is no reason to close, nor to lose the answer
        assert result is True and engine.close_info is None
    _assert_journalled(connection, rtu)


def test_a_select_and_execute_closed_before_its_act_term_is_false_at_once(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu]
) -> None:
    # the select is confirmed; the execute gets its ACT_CON, then the RTU closes (no ACT_TERM)
    rtu = faulty_rtu(lambda n, asdu: [ACT_CON] if n == 0 else [ACT_CON, CLOSE])
    client = make_client(command_timeout_ms=int(TIMEOUT * 1000))
    connection = client.add_connection(ip=HOST, port=rtu.port, init=c104.Init.NONE)
    point = connection.add_station(common_address=CA).add_point(
        io_address=IOA, type=T.C_SC_NA_1, command_mode=c104.CommandMode.SELECT_AND_EXECUTE
    )
    point.value = True
    client.start()
    wait_open(connection)
    time.sleep(0.05)
    result, took = _timed(lambda: point.transmit(cause=Cot.ACTIVATION))
    assert result is False and took < SLACK
    assert _closed(connection).by is ClosedBy.PEER
    sent = [e.asdu for e in journal(connection) if e.direction is Direction.SENT and e.asdu is not None]
    assert [a.objects[0].sco.se for a in sent] == [True, False]  # select, then execute
    _assert_journalled(connection, rtu)


def test_after_many_equal_answers_a_negative_or_wrong_one_is_judged_on_its_own_octets(
    make_client: Callable[..., Any], faulty_rtu: Callable[..., FaultyRtu]
) -> None:
    # 20 equal ACT_CONs (their decoding shared, the command's bound calls reused), then a
    # negative one, one for another object, and a right one again: each call gets its own verdict
    def plan(n: int, asdu: bytes) -> list[tuple[Any, ...]]:
        if n == 20:
            return [NEGATIVE]
        if n == 21:
            return [("asdu", with_cot(asdu, 7)[:6] + (IOA + 1).to_bytes(3, "little") + asdu[9:])]
        return [ACT_CON]

    rtu = faulty_rtu(plan)
    connection, point = _connect(make_client, rtu.port)
    assert [point.transmit(cause=Cot.ACTIVATION) for _ in range(20)] == [True] * 20
    assert point.transmit(cause=Cot.ACTIVATION) is False  # the negative one, at once
    result, took = _timed(lambda: point.transmit(cause=Cot.ACTIVATION))
    assert result is False and took > TIMEOUT * 0.9  # another object's ACT_CON is no answer
    assert point.transmit(cause=Cot.ACTIVATION) is True
    _assert_journalled(connection, rtu)
    entries = [e for e in journal(connection) if e.asdu is not None and e.asdu.type is T.C_SC_NA_1]
    assert [e.direction for e in entries] == [Direction.SENT, Direction.RECEIVED] * 23
    got = [e.asdu for e in entries if e.direction is Direction.RECEIVED]
    assert [a.negative for a in got] == [False] * 20 + [True, False, False]
    assert [a.objects[0].io_address for a in got] == [IOA] * 21 + [IOA + 1, IOA]
