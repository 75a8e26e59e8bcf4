"""Callback registration: what c104 accepts is accepted, mismatched callables are refused.

c104 2.2.1 accepts a callback only if its parameter names and annotations equal the documented
ones (spec/c104-api.md §1.11), plus bound methods and functools.partial with extra trailing
arguments. c104test accepts all of those and anything else that can be called with the
documented positional arguments (lambdas, unannotated functions); a callable that cannot be called
that way raises ValueError at registration (docs/c104-differences.md).

This module deliberately has no ``from __future__ import annotations``: the seed's examples are
written with real (evaluated) annotations, as c104 requires.
"""

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

import c104test as c104
from c104test.sync.callback_queue import THREAD as CALLBACK_THREAD

try:
    from .sync_support import CA, HOST, elapsed, wait_open, wait_until
except ImportError:  # rootdir-relative import mode (tests/sync is not a package)
    from sync_support import CA, HOST, elapsed, wait_open, wait_until  # type: ignore[no-redef]

pytestmark = pytest.mark.timeout(60)


# ---- the seed's examples (spec/c104-connection-api.txt), fully annotated --------------------------------

calls: list[tuple[str, tuple[Any, ...]]] = []
_lock = threading.Lock()


def _record(name: str, *args: Any) -> None:
    with _lock:
        calls.append((name, args))


def con_on_receive_raw(connection: c104.Connection, data: bytes) -> None:
    _record("receive_raw", connection, data, c104.explain_bytes(apdu=data))


def con_on_send_raw(connection: c104.Connection, data: bytes) -> None:
    _record("send_raw", connection, data, c104.explain_bytes(apdu=data))


def con_on_state_change(connection: c104.Connection, state: c104.ConnectionState) -> None:
    _record("state_change", connection, state)


def con_on_unexpected_message(connection: c104.Connection, message: c104.IncomingMessage, cause: c104.Umc) -> None:
    _record("unexpected_message", connection, message, cause)


def cl_on_new_station(client: c104.Client, connection: c104.Connection, common_address: int) -> None:
    _record("new_station", client, connection, common_address)
    connection.add_station(common_address=common_address)


def cl_on_new_point(client: c104.Client, station: c104.Station, io_address: int, point_type: c104.Type) -> None:
    _record("new_point", client, station, io_address, point_type)
    if io_address != 303:  # refused: gives an unexpected message (UNKNOWN_IOA)
        station.add_point(io_address=io_address, type=point_type)


def cl_on_station_initialized(client: c104.Client, station: c104.Station, cause: c104.Coi) -> None:
    _record("station_initialized", client, station, cause)


def pt_on_receive(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    _record("receive", point, previous_info, message)
    return c104.ResponseState.SUCCESS


@pytest.fixture(autouse=True)
def _clear_calls() -> None:
    with _lock:
        calls.clear()


def recorded(name: str) -> list[tuple[Any, ...]]:
    with _lock:
        return [args for n, args in calls if n == name]


@pytest.fixture
def objects(make_client: Callable[..., Any]) -> dict[str, Any]:
    """A client, a (not started) connection, a station and a point to register callbacks on."""
    client = make_client()
    connection = client.add_connection(ip=HOST, port=2404)
    station = connection.add_station(common_address=CA)
    point = station.add_point(io_address=100, type=c104.Type.M_SP_NA_1)
    return {"client": client, "connection": connection, "station": station, "point": point}


# (owner, method, number of documented arguments)
REGISTRATIONS = [
    ("connection", "on_receive_raw", 2),
    ("connection", "on_send_raw", 2),
    ("connection", "on_state_change", 2),
    ("connection", "on_unexpected_message", 3),
    ("client", "on_new_station", 3),
    ("client", "on_new_point", 4),
    ("client", "on_station_initialized", 3),
    ("point", "on_receive", 3),
]
IDS = [f"{owner}.{method}" for owner, method, _ in REGISTRATIONS]


def register(objects: dict[str, Any], owner: str, method: str, fn: Any) -> None:
    getattr(objects[owner], method)(callable=fn)


# ---- accepted ----------------------------------------------------------------------------------------


def test_the_seed_examples_are_accepted_and_called(make_client: Callable[..., Any], rtu_port: int) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    connection.on_receive_raw(callable=con_on_receive_raw)
    connection.on_send_raw(callable=con_on_send_raw)
    connection.on_state_change(callable=con_on_state_change)
    connection.on_unexpected_message(callable=con_on_unexpected_message)
    client.on_new_station(callable=cl_on_new_station)
    client.on_new_point(callable=cl_on_new_point)
    client.on_station_initialized(callable=cl_on_station_initialized)
    client.start()
    wait_open(connection)
    # added by cl_on_new_station when M_EI_NA_1 arrives, which is after STARTDT con (OPEN)
    wait_until(lambda: connection.get_station(CA) is not None, 3, "on_new_station")
    station = connection.get_station(CA)
    assert station is not None
    assert connection.interrogation(common_address=CA) is True
    station.get_point(100).on_receive(callable=pt_on_receive)
    assert station.get_point(100).read() is True
    wait_until(lambda: recorded("receive"), 3, "on_receive")
    # on_state_change, on_station_initialized and on_unexpected_message run in the callback
    # thread (queued, as in c104): under load they may still be on their way
    wait_until(lambda: len(recorded("state_change")) >= 3, 5, "on_state_change OPEN")
    wait_until(lambda: recorded("station_initialized"), 5, "on_station_initialized")
    wait_until(lambda: recorded("unexpected_message"), 5, "on_unexpected_message")

    for conn, data, explained in recorded("receive_raw") + recorded("send_raw"):
        assert conn is connection and isinstance(data, bytes) and isinstance(explained, str)
    assert any("StartDT act" in e for _, _, e in recorded("send_raw"))
    assert any("StartDT con" in e for _, _, e in recorded("receive_raw"))
    assert [s for _, s in recorded("state_change")] == [
        c104.ConnectionState.CLOSED_AWAIT_OPEN, c104.ConnectionState.OPEN_MUTED, c104.ConnectionState.OPEN
    ]
    assert recorded("new_station") == [(client, connection, CA)]
    assert recorded("station_initialized") == [(client, station, c104.Coi.LOCAL_POWER_ON)]
    assert {args[2] for args in recorded("new_point")} == {100, 101, 200, 201, 300, 301, 302, 303, 310, 320}
    ((conn, message, cause),) = recorded("unexpected_message")
    assert conn is connection and cause == c104.Umc.UNKNOWN_IOA
    assert isinstance(message, c104.IncomingMessage) and message.io_address == 303
    ((point, previous, message),) = recorded("receive")
    assert point is station.get_point(100)
    assert isinstance(previous, c104.Information) and isinstance(message, c104.IncomingMessage)


class Handler:
    def __init__(self) -> None:
        self.seen: list[Any] = []

    def on_receive_raw(self, connection: c104.Connection, data: bytes) -> None:
        self.seen.append(data)

    def on_state_change(self, connection: c104.Connection, state: c104.ConnectionState) -> None:
        self.seen.append(state)

    def __call__(self, connection: c104.Connection, data: bytes) -> None:
        self.seen.append(data)


def test_bound_methods_and_partials_are_called(make_client: Callable[..., Any], rtu_port: int) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    handler = Handler()
    sent: list[tuple[bytes, str]] = []

    def on_send_raw(connection: c104.Connection, data: bytes, sink: list, tag: str = "tx") -> None:
        sink.append((data, tag))

    connection.on_receive_raw(callable=handler.on_receive_raw)  # bound method
    connection.on_state_change(callable=handler.on_state_change)
    connection.on_send_raw(callable=functools.partial(on_send_raw, sink=sent, tag="sent"))  # extra trailing
    client.start()
    wait_open(connection)
    assert connection.clock_sync(common_address=CA) is True
    wait_until(lambda: len(sent) >= 2, 3, "two frames sent")
    wait_until(lambda: c104.ConnectionState.OPEN in handler.seen, 3, "OPEN reported")  # queued, as in c104
    assert any(isinstance(x, bytes) for x in handler.seen)
    assert all(tag == "sent" and isinstance(data, bytes) for data, tag in sent)


@pytest.mark.parametrize(("owner", "method", "count"), REGISTRATIONS, ids=IDS)
def test_lenient_forms_are_accepted(objects: dict[str, Any], owner: str, method: str, count: int) -> None:
    """c104 refuses these; c104test accepts any callable it can call with the documented arguments."""
    names = ", ".join(f"a{i}" for i in range(count))
    accepted = [
        eval(f"lambda {names}: None"),  # a lambda
        eval(f"lambda {names}, extra=1: None"),  # an extra parameter with a default
        eval("lambda *args: None"),  # varargs
        Handler() if count == 2 else eval(f"lambda {names}, **kw: None"),  # a callable object
    ]

    def unannotated(*args):  # type: ignore[no-untyped-def]
        return None

    accepted.append(unannotated)
    for fn in accepted:
        register(objects, owner, method, fn)


def test_string_annotations_are_accepted(objects: dict[str, Any]) -> None:
    """``from __future__ import annotations`` style (c104 refuses it)."""

    def on_state_change(connection: "c104.Connection", state: "c104.ConnectionState") -> "None":
        return None

    objects["connection"].on_state_change(callable=on_state_change)


# ---- refused -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("owner", "method", "count"), REGISTRATIONS, ids=IDS)
def test_mismatched_callables_are_refused(objects: dict[str, Any], owner: str, method: str, count: int) -> None:
    too_many = eval(f"lambda {', '.join(f'a{i}' for i in range(count + 1))}: None")
    too_few = eval(f"lambda {', '.join(f'a{i}' for i in range(count - 1))}: None")

    def keyword_only(*args: Any, required: int) -> None:
        return None

    def partial_target(a: Any, b: Any, c: Any, d: Any, e: Any, f: Any) -> None:
        return None

    refused = [
        too_many,
        too_few,
        lambda: None,
        keyword_only,  # a required keyword-only parameter cannot be filled
        functools.partial(partial_target, 1),  # still too many required parameters
        42,  # not callable
        None,
    ]
    for fn in refused:
        with pytest.raises(ValueError):
            register(objects, owner, method, fn)


def test_refused_registration_keeps_the_previous_callback(make_client: Callable[..., Any], rtu_port: int) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    states: list[Any] = []
    connection.on_state_change(callable=lambda connection, state: states.append(state))
    with pytest.raises(ValueError, match="Invalid callback"):
        connection.on_state_change(callable=lambda connection: None)
    client.start()
    wait_open(connection)
    wait_until(lambda: states[-1:] == [c104.ConnectionState.OPEN], 3, "OPEN reported")  # queued, as in c104


def test_the_error_names_the_expected_signature(objects: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as caught:
        objects["connection"].on_unexpected_message(callable=lambda connection: None)
    assert "connection: c104.Connection, message: c104.IncomingMessage, cause: c104.Umc" in str(caught.value)


# ---- a callback that raises ----------------------------------------------------------------------------


def test_a_raising_callback_is_logged_and_stays_registered(
    make_client: Callable[..., Any], rtu_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    raised: list[bytes] = []

    def on_receive_raw(connection: c104.Connection, data: bytes) -> None:
        raised.append(data)
        raise RuntimeError(f"boom {len(raised)}")

    def on_receive(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        raise KeyError("point callback")

    connection.on_receive_raw(callable=on_receive_raw)
    station = connection.add_station(common_address=CA)
    station.add_point(io_address=100, type=c104.Type.M_SP_NA_1).on_receive(callable=on_receive)
    with caplog.at_level(logging.ERROR, logger="c104test.callbacks"):
        client.start()
        wait_open(connection)
        before = len(raised)
        assert connection.interrogation(common_address=CA) is True  # the engine carries on
        wait_until(lambda: len(raised) > before + 5, 3, "more raw frames")
        client.stop()  # waits for the queued on_receive_raw calls (and their log lines)
    assert station.get_point(100).value is True  # the point was updated despite its callback
    records = [r for r in caplog.records if r.name == "c104test.callbacks"]
    assert len(records) >= len(raised)  # one per call: it stayed registered
    assert any("boom 1" in r.getMessage() or (r.exc_info and "boom 1" in str(r.exc_info[1])) for r in records)
    assert all(r.exc_info is not None for r in records)  # with the traceback
    assert any(r.exc_info and isinstance(r.exc_info[1], KeyError) for r in records)


def test_a_blocking_call_inside_a_callback_raises_instead_of_deadlocking(
    make_client: Callable[..., Any], rtu_port: int
) -> None:
    """A point's on_receive runs in the dispatch (in c104 too, where such a call hangs the
    connection: see docs/c104-differences.md); here it raises at once."""
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    errors: list[BaseException] = []

    def on_receive(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        if not errors:
            try:
                point.station.connection.clock_sync(common_address=CA)
            except RuntimeError as exc:
                errors.append(exc)
        return c104.ResponseState.NONE

    station = connection.add_station(common_address=CA)
    station.add_point(io_address=100, type=c104.Type.M_SP_NA_1).on_receive(callable=on_receive)
    started = time.monotonic()
    client.start()
    wait_open(connection)
    assert connection.interrogation(common_address=CA) is True
    wait_until(lambda: errors, 3, "the RuntimeError")
    assert time.monotonic() - started < 4
    assert "callback" in str(errors[0])
    assert connection.clock_sync(common_address=CA) is True  # outside a callback it works


def test_raw_and_unexpected_callbacks_may_call_blocking_methods_as_in_c104(
    make_client: Callable[..., Any], rtu_port: int
) -> None:
    """c104 queues on_receive_raw, on_send_raw and on_unexpected_message to its worker thread,
    where a blocking call works (tests/sync/peers/callback_threads.py); so here, in the
    c104test-client-callbacks thread, each in the order of the frames."""
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    results: dict[str, tuple[bool, str]] = {}
    order: list[str] = []

    def blocking(name: str, call: Callable[[], bool]) -> None:
        if name not in results:
            results[name] = (False, "running")
            results[name] = (call(), threading.current_thread().name)

    def on_receive_raw(connection: c104.Connection, data: bytes) -> None:
        order.append("raw " + c104.explain_bytes(apdu=data).split(" | ")[1])
        if len(data) > 6 and data[2] & 1 == 0:  # an I-frame
            blocking("on_receive_raw", lambda: connection.clock_sync(common_address=CA))

    def on_send_raw(connection: c104.Connection, data: bytes) -> None:
        if len(data) > 6 and data[2] & 1 == 0:
            blocking("on_send_raw", lambda: connection.test(common_address=CA))

    def on_unexpected(connection: c104.Connection, message: c104.IncomingMessage, cause: c104.Umc) -> None:
        order.append(f"unexpected {message.type.name} {message.io_address}")
        blocking("on_unexpected_message", lambda: connection.interrogation(common_address=CA))

    connection.on_receive_raw(callable=on_receive_raw)
    connection.on_send_raw(callable=on_send_raw)
    connection.on_unexpected_message(callable=on_unexpected)
    station = connection.add_station(common_address=CA)
    station.add_point(io_address=100, type=c104.Type.M_ME_NC_1)  # the RTU's 100 is M_SP_NA_1: unexpected
    client.start()
    wait_open(connection)
    assert connection.interrogation(common_address=CA) is True
    wait_until(lambda: len(results) == 3 and all(r[1] != "running" for r in results.values()), 10,
               "the three blocking calls")
    assert results == {name: (True, CALLBACK_THREAD) for name in ("on_receive_raw", "on_send_raw", "on_unexpected_message")}
    # the frame's raw callback before its unexpected message: one queue, in the frames' order
    first = order.index("unexpected M_SP_NA_1 100")
    assert order[first - 1] == "raw M_SP_NA_1"


def test_on_state_change_may_call_blocking_methods_as_in_c104(make_client: Callable[..., Any], rtu_port: int) -> None:
    """c104 queues on_state_change to its worker thread: an interrogation once the state is OPEN
    (a common script) works there; so it does here (c104test-client-callbacks thread)."""
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    results: list[tuple[bool, str]] = []

    def on_state_change(connection: c104.Connection, state: c104.ConnectionState) -> None:
        if state == c104.ConnectionState.OPEN:
            results.append((connection.interrogation(common_address=CA), threading.current_thread().name))

    connection.on_state_change(callable=on_state_change)
    client.start()
    wait_until(lambda: results, 5, "the interrogation from on_state_change")
    assert results == [(True, "c104test-client-callbacks")]
    client.stop()
    assert not [t for t in threading.enumerate() if t.name == "c104test-client-callbacks"]


def test_client_stop_waits_a_bounded_time_for_a_blocked_state_callback(
    make_client: Callable[..., Any], rtu_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    from c104test.sync.callback_queue import STOP_CALLBACK_WAIT, THREAD

    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    release = threading.Event()
    seen: list[c104.ConnectionState] = []

    def on_state_change(connection: c104.Connection, state: c104.ConnectionState) -> None:
        seen.append(state)
        if state == c104.ConnectionState.OPEN_AWAIT_CLOSED:
            release.wait(10)

    connection.on_state_change(callable=on_state_change)
    client.start()
    wait_open(connection)
    try:
        with caplog.at_level(logging.WARNING, logger="c104test.callbacks"):
            _, took = elapsed(client.stop)
        assert STOP_CALLBACK_WAIT - 0.1 < took < STOP_CALLBACK_WAIT + 1.5, took
        assert "on_state_change" in caplog.text and "OPEN_AWAIT_CLOSED" in caplog.text and "has not returned" in caplog.text
    finally:
        release.set()
    wait_until(lambda: seen[-1:] == [c104.ConnectionState.CLOSED], 3, "CLOSED after the callback returned")
    wait_until(lambda: not [t for t in threading.enumerate() if t.name == THREAD], 3, "the callback thread ended")
