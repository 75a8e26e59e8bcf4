"""c104's ``Client`` on c104test: construction, connections, start/stop, callbacks and counts.

Runs against c104test's simulator (the demo RTU, CA 47) in a separate process; what the client
sends and receives is checked in each connection's journal.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

import c104test as c104
from c104test.engine.journal import Direction

try:
    from .sync_support import (
        CA,
        HOST,
        free_port,
        journal,
        mark,
        received_asdus,
        sent_asdus,
        sockets,
        trio_threads,
        u_frames,
        wait_initialized,
        wait_open,
        wait_until,
    )
except ImportError:  # rootdir-relative import mode (tests/sync is not a package)
    from sync_support import (  # type: ignore[no-redef]
        CA,
        HOST,
        free_port,
        journal,
        mark,
        received_asdus,
        sent_asdus,
        sockets,
        trio_threads,
        u_frames,
        wait_initialized,
        wait_open,
        wait_until,
    )

pytestmark = pytest.mark.timeout(60)

T = c104.Type
State = c104.ConnectionState
DEMO_GI_POINTS = {100, 101, 200, 201, 300, 301, 302, 303, 310, 320}
DEMO_GI_TYPES = {
    100: T.M_SP_NA_1, 101: T.M_SP_NA_1, 200: T.M_DP_NA_1, 201: T.M_DP_NA_1, 300: T.M_ME_NB_1,
    301: T.M_ME_NC_1, 302: T.M_ME_NC_1, 303: T.M_ME_NA_1, 310: T.M_ST_NA_1, 320: T.M_BO_NA_1,
}


# ---- construction ----------------------------------------------------------------------------------


def test_constructor_defaults_and_validation() -> None:
    client = c104.Client()
    try:
        assert client.tick_rate_ms == 100
        assert client.originator_address == 0
        assert client.is_running is False
        assert client.connections == [] and client.has_connections is False
        assert client.open_connection_count == 0 and client.active_connection_count == 0
    finally:
        client.stop()
    with pytest.raises(ValueError):
        c104.Client(tick_rate_ms=49)
    with pytest.raises(ValueError):
        c104.Client(tick_rate_ms=10, command_timeout_ms=1000)
    with pytest.raises(ValueError):
        c104.Client(command_timeout_ms=0)
    with pytest.raises(TypeError, match="TransportSecurity"):  # TLS: tests/sync/test_transport_security.py
        c104.Client(transport_security=object())
    client = c104.Client(tick_rate_ms=50, command_timeout_ms=1)
    try:
        assert client.tick_rate_ms == 50
    finally:
        client.stop()


# ---- connections -------------------------------------------------------------------------------------


def test_add_connection(make_client: Callable[..., Any], caplog: pytest.LogCaptureFixture) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=2405)
    assert isinstance(connection, c104.Connection)
    assert (connection.ip, connection.port, connection.state) == (HOST, 2405, State.CLOSED)
    with caplog.at_level(logging.WARNING, logger="c104test.client"):
        assert client.add_connection(ip=HOST, port=2405) is None  # duplicate ip:port
    # c104 prints "Connection already exists" to stderr; a bare None would explain nothing
    assert f"a connection to {HOST}:2405 exists already" in caplog.text
    assert client.add_connection(ip=HOST, port=2405, init=c104.Init.MUTED) is None
    other = client.add_connection(ip=HOST, port=2406)
    assert other is not None and other is not connection
    default = client.add_connection(ip="10.0.0.1")
    assert default.port == 2404  # the default port
    assert client.add_connection(ip="localhost", port=2404) is not None  # c104 accepts it too
    assert client.add_connection(ip="::1", port=2404) is not None  # c104test accepts IPv6
    assert client.connections == [connection, other, default, client.get_connection("localhost"),
                                  client.get_connection("::1")]
    assert client.has_connections
    for bad in ("", "not-an-ip", "999.1.1.1", "1.2.3", "127.0.0.1:2404"):
        with pytest.raises(ValueError):
            client.add_connection(ip=bad)
    for port in (0, 65536):
        with pytest.raises(ValueError):
            client.add_connection(ip=HOST, port=port)
    assert len(client.connections) == 5
    # nothing was dialled: the client is not started
    assert all(journal(c) == [] for c in client.connections)


def test_get_connection_by_address_and_by_common_address(
    make_client: Callable[..., Any], rtu_port: int
) -> None:
    client = make_client()
    first = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.INTERROGATION)
    second = client.add_connection(ip="127.0.0.2", port=2404)
    assert client.get_connection(ip=HOST, port=rtu_port) is first
    assert client.get_connection(ip="127.0.0.2") is second  # port defaults to 2404
    assert client.get_connection(ip=HOST, port=2404) is None
    assert client.get_connection(ip="10.9.9.9", port=rtu_port) is None
    assert client.get_connection(common_address=CA) is None  # no station yet
    assert client.get_connection() is None

    second.add_station(common_address=12)
    assert client.get_connection(common_address=12) is second
    client.start()
    wait_open(first)  # the init interrogation created station 47 on the first connection
    assert client.get_connection(common_address=CA) is first
    assert client.get_connection(common_address=99) is None


# ---- start and stop --------------------------------------------------------------------------------


def test_start_and_stop_leave_no_thread_or_socket(make_client: Callable[..., Any], rtu_port: int) -> None:
    baseline = sockets()
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.ALL)
    assert trio_threads()  # the engine thread starts with the first connection
    client.start()
    assert client.is_running
    wait_open(connection)
    assert len(sockets() - baseline) >= 1  # our TCP connection (and the trio thread's wake-up pair)
    assert connection.interrogation(common_address=CA) is True

    assert client.stop() is None
    assert client.is_running is False
    assert connection.state == State.CLOSED and not connection.is_connected
    assert not [t for t in threading.enumerate() if t.name.startswith("c104test-trio")]
    assert sockets() <= baseline
    client.stop()  # twice is harmless


def test_restart_after_stop(make_client: Callable[..., Any], rtu_port: int) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    station = connection.add_station(common_address=CA)
    client.start()
    wait_open(connection)
    client.stop()
    assert not trio_threads()
    client.start()
    # right after the restart: connecting, and a command waits for OPEN (as after the first start)
    assert connection.state != State.CLOSED
    assert connection.interrogation(common_address=CA) is True
    assert connection.state == State.OPEN
    connection.connect()  # a no-op on a running connection, after a restart too
    time.sleep(0.3)
    starts = [f for f in u_frames(connection) if f == (Direction.SENT, "U-Format | StartDT act")]
    assert len(starts) == 1  # one engine, one TCP connection since the restart
    assert connection.get_station(CA) is station  # stations and points survive a restart
    assert {p.io_address for p in station.points} == DEMO_GI_POINTS
    client.stop()
    assert not trio_threads()


def test_settings_after_stop_start_no_thread(make_client: Callable[..., Any], rtu_port: int) -> None:
    """Changing a stopped client's connection must not start an engine thread that nothing stops."""
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    client.start()
    wait_open(connection)
    client.stop()
    connection.originator_address = 9
    connection.protocol_parameters.keep_alive_interval = 5
    client.originator_address = 3
    assert not trio_threads()
    # and they apply when the client runs again
    client.start()
    wait_open(connection)
    assert connection.engine.link.params.t3 == 5
    start = mark(connection)
    assert connection.clock_sync(common_address=CA) is True
    assert {a.originator_address for a in sent_asdus(connection, start)} == {9}


def test_no_thread_at_interpreter_exit(rtu_port: int) -> None:
    """A script that never calls stop() still exits promptly: nothing keeps the process alive."""
    script = textwrap.dedent(
        f"""
        import threading, c104test as c104
        client = c104.Client(command_timeout_ms=3000)
        connection = client.add_connection(ip="{HOST}", port={rtu_port}, init=c104.Init.NONE)
        client.start()
        assert connection.interrogation(common_address={CA})
        print("threads", sorted(t.name for t in threading.enumerate()))
        """
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False,
        env={**os.environ, "PYTHONWARNINGS": "error::RuntimeWarning"},
    )
    assert done.returncode == 0, done.stderr
    assert "c104test-trio" in done.stdout
    assert time.monotonic() - started < 15
    assert "Traceback" not in done.stderr


def test_reconnect_all(make_client: Callable[..., Any], rtu_port: int) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    states: list[c104.ConnectionState] = []
    connection.on_state_change(callable=lambda connection, state: states.append(state))
    client.start()
    wait_open(connection)
    first_connected = connection.connected_at
    assert client.reconnect_all() is None
    wait_open(connection)
    wait_until(lambda: len(states) == 8, 3, "eight states reported")  # queued, as in c104
    assert states == [
        State.CLOSED_AWAIT_OPEN, State.OPEN_MUTED, State.OPEN,
        State.OPEN_AWAIT_CLOSED, State.CLOSED,
        State.CLOSED_AWAIT_OPEN, State.OPEN_MUTED, State.OPEN,
    ]
    assert connection.connected_at > first_connected
    starts = [f for f in u_frames(connection) if f == (Direction.SENT, "U-Format | StartDT act")]
    assert len(starts) == 2  # a new TCP connection and a new STARTDT
    # the send sequence starts again at 0 on the new connection
    start = mark(connection)
    assert connection.clock_sync(common_address=CA) is True
    first_i_frame = next(e for e in journal(connection, start) if e.direction is Direction.SENT and e.asdu)
    assert first_i_frame.raw[2:4] == b"\x00\x00"


def test_reconnect_all_on_a_stopped_client_only_disconnects(make_client: Callable[..., Any], rtu_port: int) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    connection.connect()
    wait_open(connection)
    client.reconnect_all()  # not running: c104 reconnects only a running client's connections
    assert connection.state == State.CLOSED
    time.sleep(0.3)
    assert connection.state == State.CLOSED


def test_disconnect_all(make_client: Callable[..., Any], rtu_port: int) -> None:
    client = make_client()
    first = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    second = client.add_connection(ip="localhost", port=rtu_port, init=c104.Init.MUTED)
    client.start()
    wait_open(first)
    wait_until(lambda: second.state == State.OPEN_MUTED, 5, "second connection OPEN_MUTED")
    assert client.open_connection_count == 2
    assert client.disconnect_all() is None
    assert (first.state, second.state) == (State.CLOSED, State.CLOSED)
    assert client.open_connection_count == 0 and not client.has_open_connections
    time.sleep(1.3)  # longer than the reconnect delay: they stay closed
    assert (first.state, second.state) == (State.CLOSED, State.CLOSED)
    assert client.is_running  # disconnect_all() does not stop the client


# ---- callbacks ---------------------------------------------------------------------------------------


def test_on_new_station_default_adds_it(make_client: Callable[..., Any], rtu_port: int) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    client.start()
    wait_open(connection)
    assert connection.interrogation(common_address=CA) is True
    station = connection.get_station(CA)
    assert station is not None
    assert {p.io_address: p.type for p in station.points} == DEMO_GI_TYPES


def test_on_new_station_and_on_new_point(make_client: Callable[..., Any], rtu_port: int) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    new_stations: list[tuple[Any, Any, int]] = []
    new_points: list[tuple[Any, Any, int, c104.Type]] = []

    def on_new_station(client: c104.Client, connection: c104.Connection, common_address: int) -> None:
        new_stations.append((client, connection, common_address))
        connection.add_station(common_address=common_address)

    def on_new_point(client: c104.Client, station: c104.Station, io_address: int, point_type: c104.Type) -> None:
        new_points.append((client, station, io_address, point_type))
        if io_address != 303:  # refuse one
            station.add_point(io_address=io_address, type=point_type)

    client.on_new_station(callable=on_new_station)
    client.on_new_point(callable=on_new_point)
    client.start()
    wait_open(connection)
    assert connection.interrogation(common_address=CA) is True
    assert new_stations == [(client, connection, CA)]  # once: it added the station
    station = connection.get_station(CA)
    assert all(c is client and s is station for c, s, _, _ in new_points)
    assert {ioa: t for _, _, ioa, t in new_points} == DEMO_GI_TYPES
    assert {p.io_address for p in station.points} == DEMO_GI_POINTS - {303}
    # the callback was asked for the refused point again at the next interrogation, no others
    new_points.clear()
    assert connection.interrogation(common_address=CA) is True
    assert [ioa for _, _, ioa, _ in new_points] == [303]


def test_on_station_initialized(make_client: Callable[..., Any], rtu_port: int) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    initialized: list[tuple[Any, Any, Any]] = []

    def on_station_initialized(client: c104.Client, station: c104.Station, cause: c104.Coi) -> None:
        initialized.append((client, station, cause))

    client.on_station_initialized(callable=on_station_initialized)
    client.start()
    wait_open(connection)
    wait_until(lambda: initialized, 3, "on_station_initialized")
    ((who, station, cause),) = initialized
    assert who is client
    assert station is connection.get_station(CA)
    assert cause == c104.Coi.LOCAL_POWER_ON
    # on the wire: M_EI_NA_1, COT 4 (INITIALIZED), IOA 0, right after the STARTDT con
    frames = journal(connection)
    startdt_con = next(i for i, e in enumerate(frames) if c104.explain_bytes(e.raw) == "U-Format | StartDT con")
    eoi = next(i for i, e in enumerate(frames) if e.asdu is not None and e.asdu.type == T.M_EI_NA_1)
    assert eoi > startdt_con and frames[eoi].direction is Direction.RECEIVED
    asdu = frames[eoi].asdu
    assert (asdu.cot, asdu.common_address, asdu.objects[0].io_address) == (c104.Cot.INITIALIZED, CA, 0)
    # only after the first STARTDT: muting and unmuting do not initialise the station again
    assert connection.mute() and connection.unmute()
    time.sleep(0.3)
    assert len(initialized) == 1


# ---- counts --------------------------------------------------------------------------------------------


def test_connection_counts(make_client: Callable[..., Any], rtu_port: int) -> None:
    client = make_client()
    active = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    muted = client.add_connection(ip="localhost", port=rtu_port, init=c104.Init.MUTED)
    dead = client.add_connection(ip=HOST, port=free_port(), init=c104.Init.NONE)
    assert (client.open_connection_count, client.active_connection_count) == (0, 0)
    assert not client.has_open_connections and not client.has_active_connections
    client.start()
    wait_open(active)
    wait_until(lambda: muted.state == State.OPEN_MUTED, 5, "OPEN_MUTED")
    assert dead.state in (State.CLOSED_AWAIT_OPEN, State.CLOSED_AWAIT_RECONNECT)  # dialling since start()
    assert client.open_connection_count == 2  # OPEN and OPEN_MUTED
    assert client.active_connection_count == 1  # OPEN only
    assert client.has_open_connections and client.has_active_connections
    assert muted.unmute() is True
    wait_until(lambda: client.active_connection_count == 2, 3, "two active connections")
    active.mute()
    wait_until(lambda: client.active_connection_count == 1, 3, "one active connection")
    assert client.open_connection_count == 2
    client.stop()
    assert (client.open_connection_count, client.active_connection_count) == (0, 0)
    assert not client.has_open_connections and not client.has_active_connections


# ---- originator address -------------------------------------------------------------------------------


def test_originator_address_propagation(make_client: Callable[..., Any], rtu_port: int) -> None:
    client = make_client()
    follows = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    own = client.add_connection(ip="localhost", port=rtu_port, init=c104.Init.NONE)
    own.originator_address = 9
    for bad in (-1, 256):
        with pytest.raises(ValueError):
            client.originator_address = bad
    client.originator_address = 5
    assert client.originator_address == 5
    assert follows.originator_address == 5  # still used the client's address
    assert own.originator_address == 9  # set on its own: kept
    late = client.add_connection(ip="127.0.0.3", port=rtu_port)
    assert late.originator_address == 5  # a new connection starts with the client's

    client.start()
    wait_open(follows)
    wait_open(own)
    for connection, oa in ((follows, 5), (own, 9)):
        wait_initialized(connection)  # its OA is 0: it must not come after the mark
        start = mark(connection)
        assert connection.interrogation(common_address=CA) is True
        assert {a.originator_address for a in sent_asdus(connection, start)} == {oa}
        assert {a.originator_address for a in received_asdus(connection, start)} == {oa}  # echoed

    client.originator_address = 6  # while running: applies to the next command
    start = mark(follows)
    assert follows.clock_sync(common_address=CA) is True
    assert {a.originator_address for a in sent_asdus(follows, start)} == {6}
    assert own.originator_address == 9


# ---- two clients in one process ----------------------------------------------------------------------


def test_two_clients_share_the_engine_thread(make_client: Callable[..., Any], rtu_port: int) -> None:
    """Stopping one client leaves the other running; the thread ends with the last one."""
    first, second = make_client(), make_client()
    one = first.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    other = second.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    first.start()
    second.start()
    wait_open(one)
    wait_open(other)
    first.stop()
    assert one.state == State.CLOSED
    assert other.state == State.OPEN
    assert other.clock_sync(common_address=CA) is True
    assert len(trio_threads()) == 1
    second.stop()
    assert other.state == State.CLOSED
    assert not trio_threads()


def test_a_client_the_script_drops_stops_as_in_c104() -> None:
    """c104's Client stops when the script drops its last reference (a function that returns
    without ``stop()``); c104test's kept its connections open, reconnecting, and its trio thread
    for the life of the process. A connection the script keeps does not keep its client."""
    import gc
    import socket

    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(5)
        port = listener.getsockname()[1]

        client = c104.Client(command_timeout_ms=2000)
        connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.MUTED)
        client.start()
        peer, _ = listener.accept()
        with peer:
            del client  # the script keeps the connection, not the client
            gc.collect()
            peer.settimeout(5)
            assert peer.recv(100) == b""  # the client closed its end of the TCP connection
        wait_until(lambda: not [t for t in threading.enumerate() if t.name.startswith("c104test")],
                   what="the c104test threads ending")
        listener.settimeout(1.5)  # longer than the reconnect delay (1 s): it does not come back
        with pytest.raises(TimeoutError):
            listener.accept()
    assert connection.state is c104.ConnectionState.CLOSED
