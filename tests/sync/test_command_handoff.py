"""The command path of the synchronous API (TrioBridge.run_handoff + ClientConnection.submit_command)
from callers' threads: written by the caller's thread while the trio thread is parked (else one
hop), bounded waits, one command at a time on the wire, the link's sequence numbers in the
journal's order, and the session API."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import trio

import c104test as c104
from c104test.engine.errors import CommandTimeout
from c104test.engine.journal import Direction
from c104test.engine.session import Session
from c104test.protocol.enums import Cot, Type
from c104test.sync.bridge import THREAD_NAME, _Call, get_bridge, shutdown_bridge
from c104test.sync.callback_queue import THREAD as CALLBACK_THREAD
from c104test.sync.session import RtuConnection

from .sync_support import CA, HOST, SilentRtu, elapsed, journal, wait_open, wait_until

T = c104.Type


def _command_point(make_client: Callable[..., Any], port: int, **options: Any) -> tuple[Any, Any]:
    client = make_client(**options)
    connection = client.add_connection(ip=HOST, port=port, init=c104.Init.NONE)
    point = connection.add_station(common_address=CA).add_point(io_address=500, type=T.C_SC_NA_1)
    point.value = True
    client.start()
    wait_open(connection)
    return connection, point


def test_an_unanswered_command_returns_false_after_the_timeout_and_frees_the_connection(
    make_client: Callable[..., Any], silent_rtu: SilentRtu
) -> None:
    connection, point = _command_point(make_client, silent_rtu.port, command_timeout_ms=500)
    result, took = elapsed(lambda: point.transmit(cause=Cot.ACTIVATION))
    assert result is False and 0.45 <= took < 2.0
    result, took = elapsed(lambda: point.transmit(cause=Cot.ACTIVATION))  # not blocked by the first
    assert result is False and 0.45 <= took < 2.0
    wait_until(lambda: sum(1 for f in silent_rtu.frames if len(f) > 6) == 2, 3, "both commands at the RTU")
    assert connection._engine._submitted is None


def test_session_api_timeout_names_the_command(silent_rtu: SilentRtu) -> None:
    conn = RtuConnection.open(HOST, silent_rtu.port, timeout=5.0)
    try:
        with pytest.raises(CommandTimeout, match=r"^no ACT_CON for C_SC_NA_1 IOA 500 CA 47 within 0.4 s"):
            elapsed(lambda: conn.send_command(CA, 500, Type.C_SC_NA_1, True, timeout=0.4))
        assert conn.engine._submitted is None
    finally:
        conn.close()
        shutdown_bridge()


def test_commands_from_two_threads_go_one_at_a_time(make_client: Callable[..., Any], rtu_port: int) -> None:
    connection, point = _command_point(make_client, rtu_port)
    results: list[bool] = []

    def caller() -> None:
        for _ in range(15):
            results.append(point.transmit(cause=Cot.ACTIVATION))

    threads = [threading.Thread(target=caller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == [True] * 30
    # on the wire: never a second command before the first one's ACT_CON
    outstanding = 0
    for entry in journal(connection):
        asdu = entry.asdu
        if asdu is None or asdu.type is not Type.C_SC_NA_1:
            continue
        if asdu.cot is Cot.ACTIVATION:
            assert outstanding == 0, entry.explain()
            outstanding += 1
        elif asdu.cot is Cot.ACTIVATION_CON:
            outstanding -= 1
    assert outstanding == 0
    assert _check_sequence_numbers(journal(connection)) == 30


def _check_sequence_numbers(entries: list[Any]) -> int:
    """Every sent I-frame carries the link's numbers as the journal shows them: N(S) counts the
    I-frames sent before it, N(R) the I-frames received before it (an S-frame, due after w
    I-frames of a batch, may acknowledge fewer, never fewer than before). Returns the I-frames sent."""
    sent = received = acknowledged = 0
    for entry in entries:
        raw = entry.raw
        if len(raw) < 6 or raw[2] & 3 == 3:
            continue  # a U-frame
        if entry.direction is Direction.RECEIVED:
            received += not raw[2] & 1
            continue
        recv_seq = int.from_bytes(raw[4:6], "little") >> 1
        if raw[2] & 1:
            assert acknowledged <= recv_seq <= received, entry.explain()
        else:
            assert recv_seq == received, entry.explain()
            assert int.from_bytes(raw[2:4], "little") >> 1 == sent, entry.explain()
            sent += 1
        acknowledged = recv_seq
    return sent


def test_commands_are_written_by_the_callers_thread_in_the_links_order(
    make_client: Callable[..., Any], rtu_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    writers: list[str] = []
    send_outside = Session.send_outside

    def spy(self: Session, now: float) -> bool:
        writers.append(threading.current_thread().name)
        return send_outside(self, now)

    monkeypatch.setattr(Session, "send_outside", spy)
    connection, point = _command_point(make_client, rtu_port)
    results = [point.transmit(cause=Cot.ACTIVATION) for _ in range(30)]
    assert results == [True] * 30
    # the trio thread is parked between commands: most go out without a hop (none must not)
    assert writers and threading.current_thread().name in writers
    assert not any(name.startswith(THREAD_NAME) for name in writers)
    assert _check_sequence_numbers(journal(connection)) == 30


def test_a_raw_send_callback_runs_in_the_callback_thread_in_the_order_sent(
    make_client: Callable[..., Any], rtu_port: int
) -> None:
    """on_send_raw is queued (as c104 queues it to its worker): the send itself may go out
    from the caller's thread, and the callback sees the frames in the journal's order."""
    seen: list[tuple[str, bytes]] = []
    connection, point = _command_point(make_client, rtu_port)
    connection.on_send_raw(callable=lambda connection, data: seen.append((threading.current_thread().name, data)))
    assert [point.transmit(cause=Cot.ACTIVATION) for _ in range(3)] == [True] * 3
    wait_until(lambda: len(seen) >= 3, 3, "three sent frames reported")
    sent = [e.raw for e in journal(connection) if e.direction is Direction.SENT]
    frames = [data for _, data in seen]
    start = sent.index(frames[0])  # registered after the connection opened: a run of the journal's frames
    assert frames == sent[start:start + len(frames)]
    assert {name for name, _ in seen} == {CALLBACK_THREAD}


def test_while_another_thread_holds_the_parked_trio_thread_nothing_of_trio_runs() -> None:
    bridge = get_bridge()
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.monotonic())
            await trio.sleep(0.002)

    bridge.start_background(ticker)
    try:
        wait_until(lambda: len(ticks) > 3, 5, "the ticker runs")
        hold = bridge._parked.hold  # type: ignore[union-attr]
        assert hold.acquire(True, 5)  # trio gives it up when it waits for I/O or its timer
        try:
            before = len(ticks)
            time.sleep(0.1)
            assert len(ticks) == before  # 50 ticks were due: none ran
        finally:
            hold.release()
        wait_until(lambda: len(ticks) > before + 3, 5, "the ticker runs again")
    finally:
        shutdown_bridge()


def test_a_call_finished_in_the_trio_thread_wakes_its_caller_when_trio_parks() -> None:
    bridge = get_bridge()
    try:
        woken: list[float] = []

        def finish_then_work() -> None:
            call.finish(42)
            finished_at.append(time.monotonic())
            time.sleep(0.2)  # the rest of trio's batch: the caller is not woken before it ends

        call = _Call(trio.sleep, (0,), bridge._parked)
        finished_at: list[float] = []
        bridge.call_soon(finish_then_work)
        assert call.wait(5)
        woken.append(time.monotonic())
        assert call.result() == 42
        assert woken[0] - finished_at[0] >= 0.15
    finally:
        shutdown_bridge()


def test_read_interrogation_clock_sync_and_test_take_the_command_path(
    make_client: Callable[..., Any], rtu_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    writers: list[str] = []
    send_outside = Session.send_outside

    def spy(self: Session, now: float) -> bool:
        writers.append(threading.current_thread().name)
        return send_outside(self, now)

    monkeypatch.setattr(Session, "send_outside", spy)
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    station = connection.add_station(common_address=CA)
    point = station.add_point(io_address=100, type=T.M_SP_NA_1)
    client.start()
    wait_open(connection)
    start = len(journal(connection))
    for _ in range(3):
        assert connection.interrogation(common_address=CA) is True
        assert point.read() is True
        assert connection.clock_sync(common_address=CA) is True
        assert connection.test(common_address=CA) is True
    assert connection.interrogation(common_address=CA, wait_for_response=False) is True  # a task
    sent = [e.asdu.type for e in journal(connection, start) if e.direction is Direction.SENT and e.asdu]
    assert sent == [T.C_IC_NA_1, T.C_RD_NA_1, T.C_CS_NA_1, T.C_TS_TA_1] * 3 + [T.C_IC_NA_1]
    assert writers and not any(name.startswith(THREAD_NAME) for name in writers)
    _check_sequence_numbers(journal(connection))
