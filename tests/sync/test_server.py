"""c104test.Server with a c104test client in the same process: every method and callback on the wire."""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import c104test as c104
from c104test.protocol.apci import (
    IFrame,
    SFrame,
    UFrame,
    UFunction,
    encode_u_frame,
)
from c104test.protocol.asdu import Asdu, decode_asdu
from c104test.protocol.objects import Read

try:
    from .server_support import RawClient, single_command
    from .sync_support import wait_open, wait_until
except ImportError:  # rootdir-relative import mode
    from server_support import RawClient, single_command  # type: ignore[no-redef]
    from sync_support import wait_open, wait_until  # type: ignore[no-redef]

HOST = "127.0.0.1"


@pytest.fixture
def server() -> Iterator[Any]:
    server = c104.Server(ip=HOST, port=0, select_timeout_ms=500)
    yield server
    server.stop()


@pytest.fixture
def client() -> Iterator[Any]:
    client = c104.Client(command_timeout_ms=3000)
    yield client
    client.stop()


def connect(client: Any, server: Any, *points: tuple[int, c104.Type, c104.CommandMode]) -> tuple[Any, Any]:
    connection = client.add_connection(HOST, server.port, init=c104.Init.NONE)
    station = connection.add_station(47)
    for ioa, t, mode in points:
        station.add_point(io_address=ioa, type=t, command_mode=mode)
    received: list[bytes] = []
    connection.on_receive_raw(lambda c, data: received.append(data))
    connection._received = received  # type: ignore[attr-defined]
    client.start()
    wait_open(connection)
    wait_until(lambda: server.active_connection_count == 1, what="STARTDT seen by the server")
    return connection, station


def asdus(connection: Any) -> list[Asdu]:
    assert connection._client._callbacks.drain(3)  # on_receive_raw is queued, as in c104
    return [decode_asdu(raw[6:], 6) for raw in connection._received if len(raw) > 6 and not raw[2] & 1]


def test_interrogation_reports_values_set_in_on_before_read(server: Any, client: Any) -> None:
    station = server.add_station(common_address=47)
    sp = station.add_point(io_address=100, type=c104.Type.M_SP_TB_1)
    sp.value = True
    me = station.add_point(io_address=101, type=c104.Type.M_ME_NC_1)
    calls: list[int] = []

    def before_read(point: c104.Point) -> None:
        calls.append(point.io_address)
        point.value = 42.5

    me.on_before_read(before_read)
    server.start()
    assert server.is_running and server.has_stations and server.stations == [station]
    connection, cstation = connect(client, server)
    assert connection.interrogation(47)
    assert calls == [101]
    got = {a.type: a for a in asdus(connection) if a.cot == c104.Cot.INTERROGATED_BY_STATION}
    # the standard: interrogation answers carry the type without time tag (c104 sends M_SP_TB_1)
    assert set(got) == {c104.Type.M_SP_NA_1, c104.Type.M_ME_NC_1}
    assert cstation.get_point(101).value == 42.5 and cstation.get_point(100).value is True
    # a read: the value with COT 5, no ACT_CON (the standard; c104 sends an ACT_CON first)
    assert cstation.get_point(101).read()
    assert calls == [101, 101]
    reads = [a for a in asdus(connection) if a.type == c104.Type.C_RD_NA_1]
    assert reads == []


def test_direct_command_return_info_and_failure(server: Any, client: Any) -> None:
    station = server.add_station(47)
    sp = station.add_point(100, c104.Type.M_SP_NA_1)
    cmd = station.add_point(500, c104.Type.C_SC_NA_1, related_io_address=100, related_io_autoreturn=True)
    answers = [c104.ResponseState.SUCCESS, c104.ResponseState.FAILURE]
    seen: list[Any] = []

    def on_receive(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        seen.append((point.value, previous_info.value, message.type, threading.current_thread().name))
        sp.value = point.value
        return answers.pop(0)

    cmd.on_receive(on_receive)
    server.start()
    connection, cstation = connect(client, server, (500, c104.Type.C_SC_NA_1, c104.CommandMode.DIRECT))
    command = cstation.get_point(500)
    command.value = True
    assert command.transmit(c104.Cot.ACTIVATION)
    wait_until(lambda: any(a.cot == c104.Cot.RETURN_INFO_REMOTE for a in asdus(connection)), what="COT 11")
    assert seen[0][:3] == (True, False, c104.Type.C_SC_NA_1)
    assert seen[0][3] == "c104test-server-callbacks"  # a worker thread, not the trio thread
    ret = next(a for a in asdus(connection) if a.cot == c104.Cot.RETURN_INFO_REMOTE)
    assert ret.type == c104.Type.M_SP_NA_1 and ret.objects[0].io_address == 100 and ret.objects[0].value is True
    # a direct command gets no ACT_TERM, as in c104
    assert not [a for a in asdus(connection) if a.cot == c104.Cot.ACTIVATION_TERMINATION]
    command.value = False
    assert not command.transmit(c104.Cot.ACTIVATION)  # FAILURE: negative ACT_CON
    negative = [a for a in asdus(connection) if a.cot == c104.Cot.ACTIVATION_CON and a.negative]
    assert len(negative) == 1


def test_a_callback_that_answers_no_response_state_is_negative_and_logged(
    server: Any, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A forgotten ``return`` in a command callback (None) or ``return True`` gave a negative
    (or positive) ACT_CON and no word why; c104 prints an error for both. Now both are FAILURE and
    the log names the callback, what it returned and what went on the wire."""
    station = server.add_station(47)

    def forgot_return(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        pass  # type: ignore[return-value]

    def returns_true(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        return True  # type: ignore[return-value]

    station.add_point(500, c104.Type.C_SC_NA_1).on_receive(forgot_return)
    station.add_point(501, c104.Type.C_SC_NA_1).on_receive(returns_true)
    server.on_clock_sync(lambda server, ip, date_time: None)
    server.start()
    connection, cstation = connect(
        client, server, (500, c104.Type.C_SC_NA_1, c104.CommandMode.DIRECT), (501, c104.Type.C_SC_NA_1, c104.CommandMode.DIRECT)
    )
    with caplog.at_level("ERROR", logger="c104test.callbacks"):
        for ioa in (500, 501):
            command = cstation.get_point(ioa)
            command.value = True
            assert not command.transmit(c104.Cot.ACTIVATION)
        assert not connection.clock_sync(47)
    negative = [a for a in asdus(connection) if a.cot == c104.Cot.ACTIVATION_CON and a.negative]
    assert [a.type for a in negative] == [c104.Type.C_SC_NA_1, c104.Type.C_SC_NA_1, c104.Type.C_CS_NA_1]
    messages = [r.getMessage() for r in caplog.records if r.name == "c104test.callbacks"]
    assert len(messages) == 3, messages
    assert "forgot_return returned None, not a ResponseState; the C_SC_NA_1 to IOA 500 is confirmed negatively" in messages[0]
    assert "returns_true returned True, not a ResponseState; the C_SC_NA_1 to IOA 501" in messages[1]
    assert "returned None, not a ResponseState; the clock synchronisation is confirmed negatively" in messages[2]


def test_select_before_operate_and_select_timeout(server: Any, client: Any) -> None:
    station = server.add_station(47)
    sbo = station.add_point(501, c104.Type.C_DC_NA_1, command_mode=c104.CommandMode.SELECT_AND_EXECUTE)
    calls: list[Any] = []
    sbo.on_receive(lambda p, prev, msg: (calls.append(msg.is_select_command), c104.ResponseState.SUCCESS)[1])
    server.start()
    connection, cstation = connect(client, server, (501, c104.Type.C_DC_NA_1, c104.CommandMode.SELECT_AND_EXECUTE))
    point = cstation.get_point(501)
    point.value = c104.Double.ON
    assert point.transmit(c104.Cot.ACTIVATION)  # select, ACT_CON, execute, ACT_CON, ACT_TERM
    assert calls == [False]  # on_receive runs for the execute only
    assert sbo.value == c104.Double.ON
    terms = [a for a in asdus(connection) if a.cot == c104.Cot.ACTIVATION_TERMINATION]
    assert len(terms) == 1
    # an execute without a select is refused
    direct = cstation.add_point(502, c104.Type.C_DC_NA_1)
    assert direct is not None
    execute_only = cstation.get_point(501)
    execute_only.command_mode = c104.CommandMode.DIRECT
    assert not execute_only.transmit(c104.Cot.ACTIVATION)
    assert calls == [False]


def test_select_lapses_after_the_select_timeout(server: Any) -> None:
    station = server.add_station(47)
    station.add_point(501, c104.Type.C_SC_NA_1, command_mode=c104.CommandMode.SELECT_AND_EXECUTE)
    server.start()
    with RawClient(server.port) as raw:
        select = Asdu(c104.Type.C_SC_NA_1, c104.Cot.ACTIVATION, 47, (single_command(501, True, select=True),))
        raw.send_asdu(select)
        assert not raw.next_asdu(2.0).negative
        time.sleep(0.7)  # select_timeout_ms=500
        raw.send_asdu(Asdu(c104.Type.C_SC_NA_1, c104.Cot.ACTIVATION, 47, (single_command(501, True),)))
        answer = raw.next_asdu(2.0)
        assert answer.cot == c104.Cot.ACTIVATION_CON and answer.negative


def test_response_none_then_transmit_confirms_later(server: Any, client: Any) -> None:
    station = server.add_station(47)
    cmd = station.add_point(500, c104.Type.C_SC_NA_1)
    cmd.on_receive(lambda p, prev, msg: c104.ResponseState.NONE)
    server.start()
    connection, cstation = connect(client, server, (500, c104.Type.C_SC_NA_1, c104.CommandMode.DIRECT))
    point = cstation.get_point(500)
    point.value = True
    result: list[bool] = []
    sender = threading.Thread(target=lambda: result.append(point.transmit(c104.Cot.ACTIVATION)))
    sender.start()
    wait_until(lambda: cmd.value is True, what="command received")
    # the value is applied before on_receive runs, and the command is held for a later
    # confirmation once it returned NONE: the worker may not be there yet
    wait_until(lambda: cmd._unconfirmed is not None, what="the command held for a later confirmation")
    time.sleep(0.2)
    assert not [a for a in asdus(connection) if a.cot == c104.Cot.ACTIVATION_CON]
    assert cmd.transmit(c104.Cot.ACTIVATION_CON)
    sender.join(5)
    assert result == [True]


def test_clock_sync_callback_decides(server: Any, client: Any) -> None:
    server.add_station(47)
    seen: list[Any] = []
    answers = [c104.ResponseState.SUCCESS, c104.ResponseState.FAILURE]

    def on_clock_sync(server: c104.Server, ip: str, date_time: Any) -> c104.ResponseState:
        seen.append((ip, date_time))
        return answers.pop(0)

    server.on_clock_sync(on_clock_sync)
    server.start()
    connection, _ = connect(client, server)
    assert connection.clock_sync(47)
    assert not connection.clock_sync(47)
    assert seen[0][0].startswith("127.0.0.1:") and abs(seen[0][1].timestamp() - time.time()) < 5


def test_on_connect_refuses_and_counts(server: Any, client: Any) -> None:
    server.add_station(47)
    hosts: list[str] = []
    allow = [False]
    server.on_connect(lambda s, ip: (hosts.append(ip), allow[0])[1])
    server.start()
    with socket.create_connection((HOST, server.port), timeout=2) as sock:
        sock.settimeout(2)
        assert sock.recv(10) == b""  # refused: closed at once
    assert hosts == ["127.0.0.1"] and server.open_connection_count == 0
    allow[0] = True
    connection, _ = connect(client, server)
    assert server.open_connection_count == 1 and server.has_open_connections
    assert server.active_connection_count == 1 and server.has_active_connections
    connection.mute()
    wait_until(lambda: server.active_connection_count == 0, what="STOPDT seen by the server")
    assert server.open_connection_count == 1


def test_raw_callbacks_and_unexpected_message(server: Any, client: Any) -> None:
    server.add_station(47)
    received: list[bytes] = []
    sent: list[bytes] = []
    unexpected: list[Any] = []
    server.on_receive_raw(lambda s, data: received.append(data))
    server.on_send_raw(lambda s, data: sent.append(data))
    server.on_unexpected_message(lambda s, message, cause: unexpected.append((message.common_address, cause)))
    server.start()
    connection, _ = connect(client, server)
    assert not connection.interrogation(48)  # unknown CA: COT 46 mirror
    wait_until(lambda: unexpected, what="on_unexpected_message")
    assert unexpected == [(48, c104.Umc.UNKNOWN_CA)]
    assert bytes.fromhex("680407000000") in received  # STARTDT act
    assert bytes.fromhex("68040b000000") in sent  # STARTDT con
    # the mirror's on_send_raw is queued after on_unexpected_message in the worker: it may
    # still be on its way when the wait above returns
    wait_until(lambda: any(len(r) > 6 and r[8] & 0x3F == 46 for r in sent), what="on_send_raw of the COT 46 mirror")


def test_batch_and_spontaneous_transmit(server: Any, client: Any) -> None:
    station = server.add_station(47)
    points = [station.add_point(200 + n, c104.Type.M_ME_NB_1) for n in range(3)]
    for n, p in enumerate(points):
        p.value = c104.Int16(10 * n)
    other = server.add_station(48).add_point(1, c104.Type.M_ME_NB_1)
    batch = c104.Batch(c104.Cot.SPONTANEOUS)
    assert batch.type == c104.Type.C_TS_TA_1 and not batch.has_points
    assert not server.transmit_batch(batch)
    for p in points:
        batch.add_point(p)
    with pytest.raises(ValueError):
        batch.add_point(points[0])
    with pytest.raises(ValueError):
        batch.add_point(other)
    assert batch.is_sequence and batch.number_of_objects == 3 and batch.common_address == 47
    server.start()
    assert not server.transmit_batch(batch)  # no active client
    connection, _ = connect(client, server)
    assert server.transmit_batch(batch)
    wait_until(lambda: any(a.cot == c104.Cot.SPONTANEOUS for a in asdus(connection)), what="the batch")
    spontaneous = [a for a in asdus(connection) if a.cot == c104.Cot.SPONTANEOUS]
    assert len(spontaneous) == 1 and [o.value for o in spontaneous[0].objects] == [0, 10, 20]
    points[0].value = c104.Int16(-5)
    assert points[0].transmit(c104.Cot.SPONTANEOUS)
    wait_until(lambda: len([a for a in asdus(connection) if a.cot == c104.Cot.SPONTANEOUS]) == 2, what="transmit")


def test_cyclic_report_ms_and_on_timer(server: Any, client: Any) -> None:
    station = server.add_station(47)
    a = station.add_point(300, c104.Type.M_ME_NC_1, report_ms=200)
    b = station.add_point(301, c104.Type.M_ME_NC_1, report_ms=200)
    with pytest.raises(ValueError):
        station.add_point(302, c104.Type.M_ME_NC_1, report_ms=150)  # not a multiple of 100
    with pytest.raises(ValueError):
        station.add_point(303, c104.Type.C_SC_NA_1, report_ms=200)
    counter = [0]

    def before(point: c104.Point) -> None:
        counter[0] += 1
        point.value = float(counter[0])

    a.on_before_auto_transmit(before)
    ticks: list[float] = []
    b.on_timer(lambda p: ticks.append(time.monotonic()), 100)
    assert b.timer_ms == 100
    server.start()
    connection, _ = connect(client, server)
    wait_until(lambda: len([x for x in asdus(connection) if x.cot == c104.Cot.PERIODIC]) >= 3, timeout=5, what="cyclic")
    periodic = [x for x in asdus(connection) if x.cot == c104.Cot.PERIODIC]
    # both points of one station and type in one ASDU
    assert all(len(x.objects) == 2 for x in periodic)
    values = [x.objects[0].value for x in periodic]
    assert values == sorted(values) and counter[0] >= 3
    assert len(ticks) >= 5


def test_cyclic_reports_keep_their_interval_after_a_pause() -> None:
    """After a time without an active client (or a restart) the due time of a report_ms point
    was in the past; it was set to 'now', so the point was reported on two ticks in a row
    (50 ms apart instead of 200 ms)."""
    server = c104.Server(ip=HOST, port=0, tick_rate_ms=50)
    point = server.add_station(47).add_point(300, c104.Type.M_ME_NC_1, report_ms=200)
    point.value = 1.5
    server.start()
    try:
        with RawClient(server.port, acknowledge=True) as first:
            first.collect(quiet=1.0, limit=0.5)  # the point's report schedule starts
        wait_until(lambda: server.active_connection_count == 0, what="the first client gone")
        time.sleep(0.5)  # more than one interval without an active client
        with RawClient(server.port, acknowledge=True) as second:
            second.collect(quiet=2.0, limit=1.1)
            times = [when for when, frame, _ in second.frames if isinstance(frame, IFrame)]
    finally:
        server.stop()
    assert len(times) >= 4, times
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(times)]
    assert min(gaps) > 0.1, gaps  # 200 ms, one 50 ms tick early or late at worst


def test_a_quality_change_gets_a_new_time_tag(server: Any) -> None:
    """c104 refreshes the time tag of a time-tagged point when its value or its quality is set;
    c104test refreshed it only for the value, so a quality change (IV: the sensor failed) went
    out with the time of the last value change."""
    import datetime

    station = server.add_station(47)
    tagged = station.add_point(10, c104.Type.M_ME_TF_1)
    tagged.info = c104.ShortInfo(actual=12.5, recorded_at=datetime.datetime(2020, 1, 1))
    plain = station.add_point(11, c104.Type.M_ME_NC_1)
    before = datetime.datetime.now()
    tagged.quality = c104.Quality.Invalid
    plain.quality = c104.Quality.Invalid
    assert tagged.recorded_at >= before and plain.recorded_at is None
    server.start()
    with RawClient(server.port, acknowledge=True) as raw:
        assert tagged.transmit(c104.Cot.SPONTANEOUS)
        sent = raw.next_asdu(2.0)
    assert sent.type == c104.Type.M_ME_TF_1 and sent.objects[0].time.to_datetime() >= before.replace(microsecond=0)


def test_a_server_the_script_drops_stops_as_in_c104() -> None:
    """c104's Server stops when the script drops its last reference (a test function that
    returns without ``stop()``); c104test's kept listening, with its worker thread, for the
    life of the process: the engine, the worker and the stations held it. A station the script
    keeps does not keep the server, as in c104."""
    import gc

    def serve() -> tuple[int, Any, Any]:
        server = c104.Server(ip=HOST, port=0)
        station = server.add_station(47)
        point = station.add_point(100, c104.Type.M_SP_NA_1)
        point.on_receive(lambda point, previous, message: None)
        server.start()
        with RawClient(server.port) as raw:  # serving: answers a read
            raw.send_asdu(Asdu(c104.Type.C_RD_NA_1, c104.Cot.REQUEST, 47, (Read(100),)))
            assert raw.next_asdu(2.0).cot == c104.Cot.REQUEST
        return server.port, station, point

    port, station, _point = serve()  # the script keeps a station and a point, not the server
    gc.collect()
    wait_until(lambda: not [t for t in threading.enumerate() if t.name.startswith("c104test")], what="threads gone")
    with pytest.raises(OSError):
        socket.create_connection((HOST, port), timeout=1).close()
    assert station.server is None  # as in c104, which still lets the station take points
    assert station.add_point(101, c104.Type.M_SP_NA_1) is not None
    with pytest.raises(ValueError, match="the server of station 47 is gone"):
        station.signal_initialized(c104.Coi.REMOTE_RESET)


def test_stations_points_and_names(server: Any) -> None:
    station = server.add_station(47)
    assert server.add_station(47) is None and server.get_station(47) is station
    point = station.add_point(1, c104.Type.M_SP_NA_1)
    assert station.add_point(1, c104.Type.M_SP_NA_1) is None
    with pytest.raises(ValueError):
        station.add_point(2, c104.Type.C_IC_NA_1)
    # as c104 2.2.1 (the spec said ValueError): auto return without a related IOA is accepted
    # (it returns nothing), a related IOA on a monitoring point is kept; auto return on one is refused
    assert station.add_point(3, c104.Type.C_SC_NA_1, related_io_autoreturn=True).related_io_autoreturn
    assert station.add_point(4, c104.Type.M_SP_NA_1, related_io_address=1).related_io_address == 1
    with pytest.raises(ValueError, match="related_io_autoreturn is for command points"):
        station.add_point(5, c104.Type.M_SP_NA_1, related_io_address=1, related_io_autoreturn=True)
    assert station.remove_point(3) and station.remove_point(4)
    assert station.is_local and station.server is server and point.station is station
    assert isinstance(point, c104.Point) and isinstance(station, c104.Station)  # one class each in c104
    point.quality = c104.Quality.Invalid
    assert point.quality == c104.Quality.Invalid
    with pytest.raises(ValueError):
        point.info = c104.DoubleInfo(c104.Double.ON)
    assert station.remove_point(1) and not station.has_points
    assert server.remove_station(47) and not server.has_stations
    assert server.protocol_parameters.confirm_interval == 10
    with pytest.raises(ValueError):
        c104.Server(tick_rate_ms=20)
    with pytest.raises(TypeError, match="TransportSecurity"):
        c104.Server(transport_security=object())
    assert isinstance(c104.TransportSecurity(only_known=False), c104.TransportSecurity)
    assert c104.TlsVersion.TLS_1_3.value == 7


def test_station_added_while_running_answers(server: Any, client: Any) -> None:
    server.start()
    station = server.add_station(47)
    point = station.add_point(7, c104.Type.M_DP_NA_1)
    point.value = c104.Double.ON
    connection, cstation = connect(client, server)
    assert connection.interrogation(47)
    assert cstation.get_point(7).value == c104.Double.ON
    station.signal_initialized(c104.Coi.REMOTE_RESET)
    wait_until(lambda: any(a.type == c104.Type.M_EI_NA_1 for a in asdus(connection)), what="M_EI_NA_1")


# ---- a slow callback never stalls the link ------------------------------------------------------


def test_slow_callback_does_not_stall_t2_or_testfr(server: Any) -> None:
    server.protocol_parameters.confirm_interval = 1
    server.protocol_parameters.message_timeout = 4
    station = server.add_station(47)
    cmd = station.add_point(500, c104.Type.C_SC_NA_1)

    def slow(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        time.sleep(3.0)  # much longer than t2 (1 s)
        return c104.ResponseState.SUCCESS

    cmd.on_receive(slow)
    server.start()
    with RawClient(server.port) as raw:
        sent_at = time.monotonic()
        raw.send_asdu(Asdu(c104.Type.C_SC_NA_1, c104.Cot.ACTIVATION, 47, (single_command(500, True),)))
        time.sleep(0.3)
        testfr_at = time.monotonic()
        raw.sock.sendall(encode_u_frame(UFunction.TESTFR_ACT))
        got: dict[str, float] = {}
        while "actcon" not in got:
            at, frame, _ = raw.next_frame(5.0)
            if frame == UFrame(UFunction.TESTFR_CON):
                got["testfr"] = at - testfr_at
            elif isinstance(frame, SFrame):
                got["s"] = at - sent_at
            elif isinstance(frame, IFrame):
                got["actcon"] = at - sent_at
    assert got["testfr"] < 0.5, got  # answered while the callback sleeps
    assert 0.9 < got["s"] < 2.0, got  # the t2 acknowledgement on time, long before the ACT_CON
    assert got["actcon"] >= 2.9, got  # the ACT_CON after the callback


def test_a_global_interrogation_returns_after_every_stations_data(server: Any, client: Any) -> None:
    """The Server confirms every station first, then sends each station's data and ACT_TERM:
    the client returned at the first ACT_TERM, before the other stations' data (a script that
    listed ``connection.stations`` right after it missed stations). It now counts ACT_CON/ACT_TERM
    pairs, as c104 does, and returns when the last station has terminated."""
    for ca in range(1, 6):
        point = server.add_station(common_address=ca).add_point(io_address=ca * 10, type=c104.Type.M_ME_NB_1)
        point.value = c104.Int16(ca)
    server.start()
    connection = client.add_connection(HOST, server.port, init=c104.Init.NONE)
    client.start()
    wait_open(connection)
    for _ in range(5):
        assert connection.interrogation(common_address=65535)
        assert sorted(s.common_address for s in connection.stations) == [1, 2, 3, 4, 5]
        assert [int(s.get_point(io_address=s.common_address * 10).value) for s in connection.stations] == [1, 2, 3, 4, 5]
        for ca in range(2, 6):
            connection.remove_station(common_address=ca)
    terms = [a for a in asdus_of(connection) if a.cot == c104.Cot.ACTIVATION_TERMINATION]
    assert sorted(a.common_address for a in terms) == sorted(list(range(1, 6)) * 5)


def asdus_of(connection: Any) -> list[Asdu]:
    return [a for a in (e.asdu for e in connection.engine.journal.since(0)) if a is not None]


def test_command_mode_and_command_transmit_as_c104_takes_them(server: Any, client: Any, caplog: Any) -> None:
    """c104's add_point keeps SELECT_AND_EXECUTE on any type, its setter refuses it for a
    monitoring point and for C_BO_*; a server's command point transmitted with another cause
    than ACTIVATION_CON/TERMINATION sends nothing and returns False. c104test took the setter
    (and then ``start()`` failed on the monitoring point) and raised on the transmit."""
    se = c104.CommandMode.SELECT_AND_EXECUTE
    station = server.add_station(common_address=47)
    alarm = station.add_point(io_address=1, type=c104.Type.M_SP_NA_1, command_mode=se)
    assert alarm.command_mode is se  # kept, as in c104, and ignored
    mask = station.add_point(io_address=2, type=c104.Type.C_BO_NA_1)
    switch = station.add_point(io_address=3, type=c104.Type.C_SC_NA_1)
    for point in (alarm, mask):
        with pytest.raises(ValueError, match="Only control points"):
            point.command_mode = se
    switch.command_mode = se
    assert switch.command_mode is se
    server.start()  # failed: "command_mode is only for commands"
    connection, client_station = connect(client, server)
    with pytest.raises(ValueError, match="Only control points"):
        client_station.add_point(io_address=1, type=c104.Type.M_SP_NA_1).command_mode = se
    assert connection.interrogation(common_address=47)
    assert switch.transmit(cause=c104.Cot.SPONTANEOUS) is False
    assert "sends nothing with SPONTANEOUS" in caplog.text
