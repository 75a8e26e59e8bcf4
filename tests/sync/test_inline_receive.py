"""The caller reads its own command's answer (TrioBridge._receive + Session.read_outside): on the
wire and in the journal, not only in the results. The RTU here is a scripted raw-socket peer in a
thread, so what arrives before, with and after each ACT_CON, and when, is known."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import trio

import c104test as c104
from c104test.engine.client import ClientConnection
from c104test.engine.journal import Direction
from c104test.engine.session import Session
from c104test.protocol.closing import CloseCause
from c104test.protocol.enums import Cot
from c104test.sync import bridge
from c104test.sync.bridge import THREAD_NAME
from tests.faults.scripted_rtu import ACT_CON, FaultyRtu, spontaneous

from .sync_support import CA, HOST, journal, wait_open, wait_until
from .test_command_handoff import _check_sequence_numbers

T = c104.Type
IOA = 500


def scripted(plan: Callable[[int, bytes], list[tuple[float, bytes | None]]]) -> FaultyRtu:
    """The scripted RTU of tests/faults (one raw-socket peer for every fault test), with the plans
    of this file: each command I-frame answered by a list of (seconds to wait first, ASDU octets
    or raw APDU octets), ``None`` for the command's own ACT_CON."""

    def actions(n: int, asdu: bytes) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        for delay, item in plan(n, asdu):
            if delay:
                out.append(("sleep", delay))
            out.append(ACT_CON if item is None else ("raw", item) if item[0] == 0x68 else ("asdu", item))
        return out

    return FaultyRtu(actions)


@pytest.fixture
def scripted_rtu() -> Iterator[Callable[..., FaultyRtu]]:
    made: list[FaultyRtu] = []

    def make(plan: Callable[[int, bytes], list[tuple[float, bytes | None]]]) -> FaultyRtu:
        made.append(scripted(plan))
        return made[-1]

    yield make
    for rtu in made:
        rtu.stop()


def _command_point(make_client: Callable[..., Any], port: int, **options: Any) -> tuple[Any, Any]:
    client = make_client(**options)
    connection = client.add_connection(ip=HOST, port=port, init=c104.Init.NONE)
    point = connection.add_station(common_address=CA).add_point(io_address=IOA, type=T.C_SC_NA_1)
    point.value = True
    client.start()
    wait_open(connection)
    return connection, point


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Every Session.read_outside: (the thread's name, True when it dispatched or found nothing)."""
    seen: list[tuple[str, bool]] = []
    original = Session.read_outside

    def spy(self: Session, now: float, later: Any) -> bool:
        result = original(self, now, later)
        seen.append((threading.current_thread().name, result))
        return result

    monkeypatch.setattr(Session, "read_outside", spy)
    return seen


@pytest.fixture
def dispatched(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """Every ASDU the client was told of: (the thread's name, its cause of transmission)."""
    seen: list[tuple[str, Any]] = []
    original = ClientConnection.asdu_received

    def spy(self: ClientConnection, entry: Any, now: float) -> None:
        seen.append((threading.current_thread().name, entry.asdu.cot if entry.asdu is not None else None))
        original(self, entry, now)

    monkeypatch.setattr(ClientConnection, "asdu_received", spy)
    return seen


def test_the_caller_reads_its_own_answer_with_the_journal_in_order(
    make_client: Callable[..., Any],
    scripted_rtu: Callable[..., FaultyRtu],
    reads: list[tuple[str, bool]],
    dispatched: list[tuple[str, Any]],
) -> None:
    rtu = scripted_rtu(lambda n, asdu: [(0, None)])
    connection, point = _command_point(make_client, rtu.port)
    assert [point.transmit(cause=Cot.ACTIVATION) for _ in range(30)] == [True] * 30
    # the answers were read and dispatched by the caller's thread (most of them: trio may be
    # running now and then)
    here = threading.current_thread().name
    assert sum(1 for name, _ in reads if name == here) >= 10, reads
    assert not any(name.startswith(THREAD_NAME) for name, _ in reads)
    assert sum(1 for name, cot in dispatched if name == here and cot is Cot.ACTIVATION_CON) >= 10, dispatched
    entries = journal(connection)
    # each ACT_CON journalled after its command, before the next one
    kinds = [(e.direction, e.asdu.cot) for e in entries if e.asdu is not None and e.asdu.type is T.C_SC_NA_1]
    assert kinds == [(Direction.SENT, Cot.ACTIVATION), (Direction.RECEIVED, Cot.ACTIVATION_CON)] * 30
    assert _check_sequence_numbers(entries) == 30


def test_with_raw_callbacks_the_caller_still_reads_its_answer_and_they_see_every_frame_in_order(
    make_client: Callable[..., Any],
    scripted_rtu: Callable[..., FaultyRtu],
    reads: list[tuple[str, bool]],
) -> None:
    """on_receive_raw / on_send_raw / on_unexpected_message are only queued by the dispatch (to
    the client's callback thread, as in c104), so they do not keep the caller from reading its
    own answer (Connection._inline); what they see is the journal, in its order; one of them
    calling a blocking method meanwhile works."""
    rtu = scripted_rtu(lambda n, asdu: [(0, None)])
    connection, point = _command_point(make_client, rtu.port)
    frames: list[tuple[str, bytes, str]] = []
    tests: list[bool] = []

    def raw(kind: str) -> Callable[[Any, bytes], None]:
        def note(connection: Any, data: bytes) -> None:
            frames.append((kind, data, threading.current_thread().name))
            if kind == "rx" and len(frames) > 20 and not tests:
                tests.append(point.transmit(cause=Cot.ACTIVATION))  # from the callback thread

        return note

    connection.on_receive_raw(callable=raw("rx"))
    connection.on_send_raw(callable=raw("tx"))
    connection.on_unexpected_message(callable=lambda connection, message, cause: None)
    assert connection._inline()
    assert [point.transmit(cause=Cot.ACTIVATION) for _ in range(30)] == [True] * 30
    here = threading.current_thread().name
    assert sum(1 for name, _ in reads if name == here) >= 10, reads
    wait_until(lambda: tests, 5, "the command sent from on_receive_raw")
    assert tests == [True]
    assert connection._client._callbacks.drain(5)
    entries = journal(connection)
    seen = [(kind, data) for kind, data, _ in frames]
    first = next(i for i, e in enumerate(entries) if e.raw == seen[0][1])
    assert seen == [("rx" if e.direction is Direction.RECEIVED else "tx", e.raw) for e in entries[first:]]
    assert {name for _, _, name in frames} == {"c104test-client-callbacks"}
    assert _check_sequence_numbers(entries) == 31


def _s_frames(entries: list[Any]) -> int:
    """Every S-frame we sent acknowledges only I-frames journalled as received before it
    (journalled first; it may acknowledge fewer: the w-th of a longer read); returns how many."""
    received = s_frames = 0
    for entry in entries:
        raw = entry.raw
        if len(raw) < 6 or raw[2] & 3 == 3:
            continue
        if entry.direction is Direction.RECEIVED:
            received += not raw[2] & 1
        elif raw[2] & 1:
            assert int.from_bytes(raw[4:6], "little") >> 1 <= received, entry.explain()
            s_frames += 1
    return s_frames


def test_reports_before_the_act_con_are_applied_in_order_and_none_lost(
    make_client: Callable[..., Any], scripted_rtu: Callable[..., FaultyRtu], reads: list[tuple[str, bool]]
) -> None:
    # each command: 9 reports (each its own write, some after a short pause), then the ACT_CON:
    # an S-frame is due after the 8th
    def plan(n: int, asdu: bytes) -> list[tuple[float, bytes | None]]:
        return [(0.002 if i % 3 == 2 else 0, spontaneous(100 + i, n * 10.0 + i)) for i in range(9)] + [(0, None)]

    rtu = scripted_rtu(plan)
    connection, point = _command_point(make_client, rtu.port)
    assert [point.transmit(cause=Cot.ACTIVATION) for _ in range(12)] == [True] * 12
    here = threading.current_thread().name
    assert sum(1 for name, _ in reads if name == here) >= 10, reads
    station = connection.get_station(common_address=CA)
    assert [station.get_point(100 + i).value for i in range(9)] == [110.0 + i for i in range(9)]
    entries = journal(connection)
    received = [e.asdu for e in entries if e.direction is Direction.RECEIVED and e.asdu is not None]
    assert [(a.type, a.objects[0].io_address) for a in received] == (
        [(T.M_ME_NC_1, 100 + i) for i in range(9)] + [(T.C_SC_NA_1, IOA)]
    ) * 12
    assert _check_sequence_numbers(entries) == 12
    assert _s_frames(entries) >= 12  # one per command at least: 10 I-frames came for each (w = 8)


def test_a_late_answer_while_trio_has_work_is_read_by_the_trio_thread(
    make_client: Callable[..., Any],
    scripted_rtu: Callable[..., FaultyRtu],
    reads: list[tuple[str, bool]],
    dispatched: list[tuple[str, Any]],
) -> None:
    rtu = scripted_rtu(lambda n, asdu: [(0.3, None)])
    connection, point = _command_point(make_client, rtu.port)
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.monotonic())
            await trio.sleep(0.01)

    bridge = connection._b
    bridge.start_background(ticker)
    wait_until(lambda: len(ticks) > 3, 5, "the ticker runs")
    before = len(ticks)
    started = time.monotonic()
    assert point.transmit(cause=Cot.ACTIVATION) is True
    took = time.monotonic() - started
    assert 0.25 < took < 1.0
    assert len(ticks) - before >= 10  # trio ran its timers while the caller waited: it got the hold
    acts = [e for e in journal(connection) if e.asdu is not None and e.asdu.cot is Cot.ACTIVATION_CON]
    assert len(acts) == 1
    # the caller gave the hold back without reading the answer: the trio thread's reader did
    assert [(name.startswith(THREAD_NAME), cot) for name, cot in dispatched] == [(True, Cot.ACTIVATION_CON)]


def test_a_batch_that_ends_the_link_is_handed_to_the_trio_thread(
    make_client: Callable[..., Any],
    scripted_rtu: Callable[..., FaultyRtu],
    reads: list[tuple[str, bool]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ended: list[str] = []
    link_closed = Session._link_closed

    def spy(self: Session, *args: Any) -> None:
        ended.append(threading.current_thread().name)
        link_closed(self, *args)

    monkeypatch.setattr(Session, "_link_closed", spy)

    # the ACT_CON of the 3rd command comes with a broken frame behind it, in one write
    def plan(n: int, asdu: bytes) -> list[tuple[float, bytes | None]]:
        if n < 2:
            return [(0, None)]
        act_con = asdu[:2] + bytes([(asdu[2] & 0xC0) | 7]) + asdu[3:]
        return [(0, rtu.i_frame(act_con) + b"\x00\x01\x02\x03")]

    rtu = scripted_rtu(plan)
    connection, point = _command_point(make_client, rtu.port, command_timeout_ms=2000)
    assert point.transmit(cause=Cot.ACTIVATION) is True
    assert point.transmit(cause=Cot.ACTIVATION) is True
    time.sleep(0.05)  # trio settles (parked, wanting nothing): the caller reads the next answer itself
    started = time.monotonic()
    point.transmit(cause=Cot.ACTIVATION)  # its ACT_CON and the violation: either way, promptly
    assert time.monotonic() - started < 1.0
    engine = connection._engine
    wait_until(lambda: engine.close_info is not None, 3, "the connection closed")
    assert engine.close_info.cause is CloseCause.PROTOCOL_VIOLATION
    entries = journal(connection)
    # the ACT_CON and then the broken octets, journalled in the order they came
    broken = [i for i, e in enumerate(entries) if e.error]
    assert len(broken) == 1 and entries[broken[0]].direction is Direction.RECEIVED, [e.explain() for e in entries[-4:]]
    before = entries[broken[0] - 1]
    assert before.direction is Direction.RECEIVED and before.asdu.cot is Cot.ACTIVATION_CON
    # whoever read that batch, the trio thread dispatched it (read_outside hands it over)
    assert len(ended) == 1 and ended[0].startswith(THREAD_NAME), ended


def test_with_a_point_callback_the_answers_stay_in_the_trio_thread_and_a_blocking_call_there_fails(
    make_client: Callable[..., Any], scripted_rtu: Callable[..., FaultyRtu], reads: list[tuple[str, bool]]
) -> None:
    rtu = scripted_rtu(lambda n, asdu: [(0, spontaneous(100, float(n))), (0, None)])
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu.port, init=c104.Init.NONE)
    station = connection.add_station(common_address=CA)
    point = station.add_point(io_address=IOA, type=T.C_SC_NA_1)
    monitored = station.add_point(io_address=100, type=T.M_ME_NC_1)
    outcomes: list[tuple[str, str]] = []

    def on_receive(p: Any, previous: Any, message: Any) -> c104.ResponseState:
        try:
            connection.test(common_address=CA)  # a blocking call from a callback
            outcomes.append((threading.current_thread().name, "returned"))
        except RuntimeError as exc:
            outcomes.append((threading.current_thread().name, str(exc)))
        return c104.ResponseState.SUCCESS

    monitored.on_receive(callable=on_receive)
    client.start()
    wait_open(connection)
    assert [point.transmit(cause=Cot.ACTIVATION) for _ in range(5)] == [True] * 5  # no deadlock
    assert reads == []  # the inline path was never taken
    assert len(outcomes) == 5
    assert all(name.startswith(THREAD_NAME) and "inside the trio thread" in text for name, text in outcomes)


def test_ctrl_c_while_the_caller_waits_for_its_answer_gives_the_hold_back_and_ends_the_command(
    make_client: Callable[..., Any], silent_rtu: Any, reads: list[tuple[str, bool]]
) -> None:
    import _thread

    connection, point = _command_point(make_client, silent_rtu.port, command_timeout_ms=5000)
    time.sleep(0.05)  # trio parked: the caller waits for the answer itself
    parked = connection._b._parked
    seen: list[bool] = []

    def interrupt() -> None:
        seen.append(parked.inline)  # the caller waits in its own poll, holding the hold
        _thread.interrupt_main()

    timer = threading.Timer(0.3, interrupt)
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        point.transmit(cause=Cot.ACTIVATION)
    assert time.monotonic() - started < 2.0  # not the 5 s command timeout
    timer.join(5)
    assert seen == [True]
    engine = connection._engine
    wait_until(lambda: engine._submitted is None, 3, "the interrupted command ended")
    hold = parked.hold
    assert hold.acquire(True, 3)  # given back: trio parks again and lets go of it
    hold.release()


class _ReaderSteps(trio.abc.Instrument):
    """Counts the steps of the sessions' reader tasks (each is a wake-up for octets)."""

    def __init__(self) -> None:
        self.steps = 0

    def before_task_step(self, task: trio.lowlevel.Task) -> None:
        if task.name.endswith("Session._reader"):
            self.steps += 1


def test_trio_is_not_woken_for_the_answers_the_caller_read(
    make_client: Callable[..., Any], scripted_rtu: Callable[..., FaultyRtu], reads: list[tuple[str, bool]]
) -> None:
    # the caller mutes trio's reader (engine.read_gate) from before its command goes out until
    # it gives the hold back: the answer it reads wakes no trio task
    rtu = scripted_rtu(lambda n, asdu: [(0, None)])
    connection, point = _command_point(make_client, rtu.port)
    bridge = connection._b
    steps = _ReaderSteps()
    bridge.run_sync(trio.lowlevel.add_instrument, steps)
    try:
        assert [point.transmit(cause=Cot.ACTIVATION) for _ in range(40)] == [True] * 40
    finally:
        bridge.run_sync(trio.lowlevel.remove_instrument, steps)
    here = threading.current_thread().name
    assert sum(1 for name, _ in reads if name == here) >= 30, reads
    assert steps.steps <= 4, f"trio's reader woke {steps.steps} times for 40 answers read by the caller"


def test_what_comes_after_the_callers_turn_is_read_by_trio(
    make_client: Callable[..., Any],
    scripted_rtu: Callable[..., FaultyRtu],
    dispatched: list[tuple[str, Any]],
) -> None:
    # the ACT_CON, then a report 50 ms later: the caller has given the hold back by then, and
    # trio's reader, watching the socket again, reads it (a gate left muted would lose it)
    rtu = scripted_rtu(lambda n, asdu: [(0, None), (0.05, spontaneous(100, 7.5 + n))])
    connection, point = _command_point(make_client, rtu.port)
    station = connection.get_station(common_address=CA)
    for n in range(3):
        assert point.transmit(cause=Cot.ACTIVATION) is True
        wait_until(lambda n=n: station.get_point(100) is not None and station.get_point(100).value == 7.5 + n,
                   2, f"report {n} read after the caller's turn")
    late = [name for name, cot in dispatched if cot is Cot.SPONTANEOUS]
    assert len(late) == 3 and all(name.startswith(THREAD_NAME) for name in late), dispatched


@pytest.fixture
def spins(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float]]:
    """Every turn of the caller's spin (bridge._yield): (the thread's name, when)."""
    seen: list[tuple[str, float]] = []
    monkeypatch.setattr(bridge, "_yield", lambda: seen.append((threading.current_thread().name, time.monotonic())))
    return seen


def test_a_command_spins_briefly_for_its_answer_and_an_interrogation_never(
    make_client: Callable[..., Any], scripted_rtu: Callable[..., FaultyRtu], spins: list[tuple[str, float]]
) -> None:
    """A one-frame answer is polled for without sleeping, at most bridge.SPIN, then waited for
    asleep; an interrogation's many frames are never spun for (the RTU needs the CPU)."""

    def plan(n: int, asdu: bytes) -> list[tuple[float, bytes | None]]:
        if asdu[0] == T.C_IC_NA_1:  # ACT_CON, a report, ACT_TERM: each 0.3 s late
            term = asdu[:2] + bytes([Cot.ACTIVATION_TERMINATION]) + asdu[3:]
            return [(0.3, None), (0.3, spontaneous(100, 1.0)), (0.3, term)]
        return [(0.3, None)]

    rtu = scripted_rtu(plan)
    connection, point = _command_point(make_client, rtu.port)
    here = threading.current_thread().name
    assert point.transmit(cause=Cot.ACTIVATION)
    mine = [at for name, at in spins if name == here]
    assert mine, "no spin before a command's answer"
    # bounded: the answer came 0.3 s later, the spin ended long before (load allowing)
    assert mine[-1] - mine[0] < bridge.SPIN + 0.1, (mine[-1] - mine[0])
    spins.clear()
    assert connection.interrogation(common_address=CA)
    assert connection.get_station(common_address=CA).get_point(100) is not None
    assert not [at for name, at in spins if name == here]
