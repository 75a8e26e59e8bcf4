"""Every method and property of c104's ``Connection`` (spec/c104-connection-api.txt) on c104test.

Each test runs against c104test's simulator (the demo RTU, CA 47) and checks the return value and
what went over the wire: ``connection.engine.journal`` holds every frame sent and received, with
its decoded ASDU (type, COT, CA, IOA, OA, P/N).

Where c104test differs from c104 on purpose (docs/c104-differences.md), the test says so.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

import c104test as c104
from c104test.engine.journal import Direction
from c104test.protocol.elements import QCC
from c104test.protocol.enums import Frz, Rqt

try:
    from .sync_support import (
        CA,
        HOST,
        SilentRtu,
        elapsed,
        free_port,
        journal,
        mark,
        one,
        received_asdus,
        sent_asdus,
        start_simulator,
        u_frames,
        wait_initialized,
        wait_open,
        wait_received,
        wait_until,
    )
except ImportError:  # rootdir-relative import mode (tests/sync is not a package)
    from sync_support import (  # type: ignore[no-redef]
        CA,
        HOST,
        SilentRtu,
        elapsed,
        free_port,
        journal,
        mark,
        one,
        received_asdus,
        sent_asdus,
        start_simulator,
        u_frames,
        wait_initialized,
        wait_open,
        wait_received,
        wait_until,
    )

pytestmark = pytest.mark.timeout(60)

T = c104.Type
Cot = c104.Cot
State = c104.ConnectionState
DEMO_GI_POINTS = {100, 101, 200, 201, 300, 301, 302, 303, 310, 320}
GROUP_1_POINTS = {100, 101, 200, 201}


def ioas(asdus: list[Any], cot: int) -> set[int]:
    return {ob.io_address for a in asdus if int(a.cot) == cot and a.type < 45 for ob in a.objects}


# ---- stations -----------------------------------------------------------------------------------


def test_add_get_remove_station(make_client: Callable[..., Any], rtu_port: int) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    own = connection.add_station(common_address=CA)  # before connecting
    assert isinstance(own, c104.Station)
    assert own.common_address == CA and own.connection is connection
    client.start()
    wait_open(connection)

    station = connection.add_station(common_address=15)
    assert isinstance(station, c104.Station) and station.common_address == 15
    assert connection.add_station(common_address=15) is None  # duplicate
    assert connection.get_station(common_address=15) is station
    assert connection.get_station(common_address=14) is None
    assert {s.common_address for s in connection.stations} == {CA, 15}
    assert connection.has_stations

    # c104test checks the range (c104 2.2.1 does not)
    for bad in (-1, 65536):
        with pytest.raises(ValueError):
            connection.add_station(common_address=bad)

    point = station.add_point(io_address=1, type=T.C_SC_NA_1)
    assert connection.remove_station(common_address=15) is True
    assert connection.remove_station(common_address=15) is False
    assert connection.get_station(common_address=15) is None
    with pytest.raises(ValueError):
        point.transmit(cause=Cot.ACTIVATION)  # detached with its station

    # the station we added is the one that receives the RTU's values (no second object)
    start = mark(connection)
    assert connection.interrogation(common_address=CA) is True
    assert connection.get_station(CA) is own
    assert {p.io_address for p in own.points} >= DEMO_GI_POINTS
    # adding and removing stations sends nothing; only the interrogation went out
    assert [a.type for a in sent_asdus(connection, start)] == [T.C_IC_NA_1]


def test_stations_on_a_fresh_connection(make_client: Callable[..., Any], rtu_port: int) -> None:
    connection = make_client().add_connection(ip=HOST, port=rtu_port)
    assert connection.stations == [] and connection.has_stations is False
    assert connection.get_station(common_address=CA) is None
    assert journal(connection) == []  # nothing on the wire before connect()


# ---- clock sync -----------------------------------------------------------------------------------


def test_clock_sync(open_connection: Callable[..., Any]) -> None:
    connection = open_connection()
    start = mark(connection)
    before = dt.datetime.now()
    assert connection.clock_sync(common_address=CA) is True
    sent = one(sent_asdus(connection, start), T.C_CS_NA_1, Cot.ACTIVATION)
    assert sent.common_address == CA and sent.objects[0].io_address == 0 and sent.originator_address == 0
    stamp = sent.objects[0].time.to_datetime()
    assert abs((stamp - before).total_seconds()) < 5  # the client's OS time (local)
    con = one(received_asdus(connection, start), T.C_CS_NA_1, Cot.ACTIVATION_CON)
    assert not con.negative and con.common_address == CA


def test_clock_sync_broadcast(open_connection: Callable[..., Any]) -> None:
    connection = open_connection()
    start = mark(connection)
    assert connection.clock_sync(common_address=0xFFFF) is True
    assert one(sent_asdus(connection, start), T.C_CS_NA_1, Cot.ACTIVATION).common_address == 0xFFFF
    # every station answers with its own common address
    assert one(received_asdus(connection, start), T.C_CS_NA_1, Cot.ACTIVATION_CON).common_address == CA


def test_clock_sync_common_address_0(open_connection: Callable[..., Any]) -> None:
    """The seed calls CA 0 a wildcard; IEC 104 says 0 is not used, and the simulator (like
    lib60870) knows only 65535 as the broadcast address: it mirrors CA 0 with COT 46."""
    connection = open_connection()
    start = mark(connection)
    assert connection.clock_sync(common_address=0) is False
    mirror = one(received_asdus(connection, start), T.C_CS_NA_1, Cot.UNKNOWN_CA)
    assert mirror.negative and mirror.common_address == 0


# ---- connect and the connection states ------------------------------------------------------------


def test_connect_is_non_blocking_and_walks_the_states(make_client: Callable[..., Any], rtu_port: int) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.ALL)
    assert connection.state == State.CLOSED and not connection.is_connected
    states: list[c104.ConnectionState] = []
    seen_at_open: list[list[tuple[Any, Any]]] = []

    def on_state_change(connection: c104.Connection, state: c104.ConnectionState) -> None:
        states.append(state)
        if state == State.OPEN:  # queued, as in c104: a blocking call (the journal's snapshot) is allowed
            seen_at_open.append([(e.asdu.type, e.asdu.cot) for e in journal(connection) if e.asdu])

    connection.on_state_change(callable=on_state_change)
    result, took = elapsed(connection.connect)
    assert result is None
    assert took < 0.5
    assert connection.state != State.CLOSED  # dialling (or further) once connect() returns, as c104
    wait_open(connection)
    wait_until(lambda: len(states) == 3, 3, "three states reported")
    assert states == [State.CLOSED_AWAIT_OPEN, State.OPEN_MUTED, State.OPEN]

    frames = journal(connection)
    assert c104.explain_bytes(frames[0].raw) == "U-Format | StartDT act"
    assert frames[0].direction is Direction.SENT
    assert (Direction.RECEIVED, "U-Format | StartDT con") in u_frames(connection)
    # Init.ALL: interrogation, then clock sync, both to CA 65535, and only then OPEN (as c104)
    sent = sent_asdus(connection)
    assert [(a.type, a.common_address) for a in sent[:2]] == [(T.C_IC_NA_1, 0xFFFF), (T.C_CS_NA_1, 0xFFFF)]
    # the callback appends OPEN before it takes the journal: that snapshot may come a little later
    wait_until(lambda: seen_at_open, 3, "the journal taken in on_state_change(OPEN)")
    assert (T.C_IC_NA_1, Cot.ACTIVATION_TERMINATION) in seen_at_open[0]
    assert (T.C_CS_NA_1, Cot.ACTIVATION_CON) in seen_at_open[0]
    # the init interrogation filled the points before OPEN
    assert {p.io_address for p in connection.get_station(CA).points} >= DEMO_GI_POINTS

    connection.connect()  # no-op while open: no second STARTDT, no second connection
    time.sleep(0.2)
    assert sum(1 for d, text in u_frames(connection) if text == "U-Format | StartDT act") == 1
    assert connection.state == State.OPEN


@pytest.mark.parametrize(
    ("init", "expected_types", "final"),
    [
        (c104.Init.ALL, [T.C_IC_NA_1, T.C_CS_NA_1], State.OPEN),
        (c104.Init.INTERROGATION, [T.C_IC_NA_1], State.OPEN),
        (c104.Init.CLOCK_SYNC, [T.C_CS_NA_1], State.OPEN),
        (c104.Init.NONE, [], State.OPEN),
        (c104.Init.MUTED, [], State.OPEN_MUTED),
    ],
)
def test_init_modes_on_the_wire(
    make_client: Callable[..., Any],
    rtu_port: int,
    init: c104.Init,
    expected_types: list[c104.Type],
    final: c104.ConnectionState,
) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=init)
    client.start()
    wait_until(lambda: connection.state == final, 5, f"state {final.name}")
    time.sleep(0.3)  # nothing else should follow
    startdt = [f for f in u_frames(connection) if f == (Direction.SENT, "U-Format | StartDT act")]
    # STARTDT is always sent, unless MUTED (c104 sometimes stays stuck in OPEN_MUTED)
    assert len(startdt) == (0 if init == c104.Init.MUTED else 1)
    assert [a.type for a in sent_asdus(connection)] == expected_types
    assert connection.state == final
    assert connection.is_connected
    assert connection.is_muted is (final == State.OPEN_MUTED)


# ---- counter interrogation -------------------------------------------------------------------------


def test_counter_interrogation(open_connection: Callable[..., Any]) -> None:
    connection = open_connection()
    start = mark(connection)
    assert connection.counter_interrogation(common_address=CA) is True
    sent = one(sent_asdus(connection, start), T.C_CI_NA_1, Cot.ACTIVATION)
    assert sent.common_address == CA and sent.objects[0].qcc == QCC(Rqt.GENERAL, Frz.READ)
    received = received_asdus(connection, start)
    assert not one(received, T.C_CI_NA_1, Cot.ACTIVATION_CON).negative
    one(received, T.C_CI_NA_1, Cot.ACTIVATION_TERMINATION)
    assert ioas(received, int(Cot.REQUESTED_BY_GENERAL_COUNTER)) == {400, 401}
    # the values are in the points when the call returns
    station = connection.get_station(CA)
    assert station.get_point(400).type == T.M_IT_NA_1 and station.get_point(400).value == 12345
    assert station.get_point(401).type == T.M_IT_TB_1 and station.get_point(401).value == 678
    assert station.get_point(401).recorded_at is not None


def test_counter_interrogation_group_and_freeze(open_connection: Callable[..., Any]) -> None:
    connection = open_connection()
    start = mark(connection)
    assert connection.counter_interrogation(common_address=CA, qualifier=c104.Rqt.GROUP_1) is True
    received = received_asdus(connection, start)
    assert ioas(received, int(Cot.REQUESTED_BY_GROUP_1_COUNTER)) == {400}

    # the seed's example: a counter reset (QCC FRZ=3) is confirmed and terminated, with no values
    start = mark(connection)
    assert connection.counter_interrogation(
        common_address=CA, cause=c104.Cot.ACTIVATION, qualifier=c104.Rqt.GENERAL, freeze=c104.Frz.COUNTER_RESET
    ) is True
    sent = one(sent_asdus(connection, start), T.C_CI_NA_1, Cot.ACTIVATION)
    assert sent.objects[0].qcc == QCC(Rqt.GENERAL, Frz.COUNTER_RESET)
    assert raw_qcc(connection, start) == 0xC5
    one(received_asdus(connection, start), T.C_CI_NA_1, Cot.ACTIVATION_TERMINATION)
    assert connection.counter_interrogation(common_address=CA) is True
    assert connection.get_station(CA).get_point(400).value == 0


def raw_qcc(connection: Any, since: int) -> int:
    """The QCC octet as sent: the last octet of the C_CI_NA_1 I-frame."""
    frames = [e.raw for e in journal(connection, since) if e.direction is Direction.SENT and e.asdu is not None]
    return frames[0][-1]


# ---- disconnect -------------------------------------------------------------------------------------


def test_disconnect(make_client: Callable[..., Any], inprocess_rtu: Any) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=inprocess_rtu.port, init=c104.Init.NONE)
    states: list[c104.ConnectionState] = []
    connection.on_state_change(callable=lambda connection, state: states.append(state))
    client.start()
    wait_open(connection)
    assert inprocess_rtu.connection_count == 1
    assert connection.disconnected_at is None and connection.connected_at is not None

    assert connection.disconnect() is None
    assert connection.state == State.CLOSED
    wait_until(lambda: states[-1:] == [State.CLOSED], 3, "CLOSED reported")  # queued, as in c104
    assert states[-2:] == [State.OPEN_AWAIT_CLOSED, State.CLOSED]
    assert not connection.is_connected
    assert connection.connected_at is None
    assert isinstance(connection.disconnected_at, dt.datetime)
    wait_until(lambda: inprocess_rtu.connection_count == 0, 3, "the RTU sees the connection closed")
    time.sleep(1.3)  # longer than the reconnect delay: no reconnect after disconnect()
    assert connection.state == State.CLOSED and inprocess_rtu.connection_count == 0
    # a closed connection refuses commands at once and sends nothing
    start = mark(connection)
    result, took = elapsed(lambda: connection.clock_sync(common_address=CA))
    assert result is False and took < 0.5
    assert journal(connection, start) == []
    connection.disconnect()  # twice is harmless

    # connect() opens it again
    connection.connect()
    wait_open(connection)
    assert inprocess_rtu.connection_count == 1
    assert connection.clock_sync(common_address=CA) is True


# ---- interrogation ------------------------------------------------------------------------------------


def test_interrogation(open_connection: Callable[..., Any]) -> None:
    connection = open_connection()
    station = connection.get_station(CA)
    assert station is None or not station.points  # Init.NONE: nothing known yet
    start = mark(connection)
    assert connection.interrogation(common_address=CA, cause=c104.Cot.ACTIVATION, qualifier=c104.Qoi.STATION) is True
    # every object of the answer has been applied when the call returns
    station = connection.get_station(CA)
    values = {p.io_address: p.value for p in station.points}
    assert set(values) == DEMO_GI_POINTS
    assert values[100] is True and values[101] is False
    assert values[200] == c104.Double.ON and values[201] == c104.Double.OFF
    assert int(values[300]) == 1234 and values[301] == pytest.approx(230.5)
    assert float(values[303]) == pytest.approx(0.25, abs=1e-4) and int(values[310]) == 5
    assert int(values[320]) == 0xA5A5
    # on the wire: ACT (QOI 20), ACT_CON, the data with COT 20, ACT_TERM
    sent = one(sent_asdus(connection, start), T.C_IC_NA_1, Cot.ACTIVATION)
    assert sent.common_address == CA and sent.objects[0].io_address == 0 and sent.objects[0].qoi == 20
    received = received_asdus(connection, start)
    assert not one(received, T.C_IC_NA_1, Cot.ACTIVATION_CON).negative
    one(received, T.C_IC_NA_1, Cot.ACTIVATION_TERMINATION)
    assert ioas(received, 20) == DEMO_GI_POINTS
    order = [(a.type, int(a.cot)) for a in received if a.type == T.C_IC_NA_1]
    assert order == [(T.C_IC_NA_1, 7), (T.C_IC_NA_1, 10)]
    # the values live in the Points only: the engine below keeps no second copy (keep_points)
    assert len(connection._engine.points) == 0


def test_interrogation_returns_after_every_object_was_applied(open_connection: Callable[..., Any]) -> None:
    """Slow on_receive callbacks: interrogation() still returns only after all of them ran."""
    connection = open_connection()
    station = connection.add_station(CA) or connection.get_station(CA)
    done: list[int] = []

    def slow(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        time.sleep(0.02)
        done.append(point.io_address)
        return c104.ResponseState.SUCCESS

    for ioa, type_id in ((100, T.M_SP_NA_1), (200, T.M_DP_NA_1), (310, T.M_ST_NA_1), (320, T.M_BO_NA_1)):
        station.add_point(io_address=ioa, type=type_id).on_receive(callable=slow)
    assert connection.interrogation(common_address=CA) is True
    assert sorted(done) == [100, 200, 310, 320]
    assert {p.io_address for p in station.points} == DEMO_GI_POINTS


@pytest.mark.parametrize("qualifier", [19, 37, 0])
def test_interrogation_invalid_qualifier(open_connection: Callable[..., Any], qualifier: int) -> None:
    connection = open_connection()
    start = mark(connection)
    with pytest.raises(ValueError):
        connection.interrogation(common_address=CA, qualifier=qualifier)
    assert journal(connection, start) == []  # nothing sent


def test_group_interrogation(open_connection: Callable[..., Any]) -> None:
    connection = open_connection()
    start = mark(connection)
    assert connection.interrogation(common_address=CA, qualifier=c104.Qoi.GROUP_1) is True
    sent = one(sent_asdus(connection, start), T.C_IC_NA_1, Cot.ACTIVATION)
    assert sent.objects[0].qoi == 21
    received = received_asdus(connection, start)
    assert ioas(received, 21) == GROUP_1_POINTS
    assert one(received, T.C_IC_NA_1, Cot.ACTIVATION_TERMINATION).objects[0].qoi == 21
    assert {p.io_address for p in connection.get_station(CA).points} == GROUP_1_POINTS


def test_interrogation_of_an_empty_group_is_false(open_connection: Callable[..., Any]) -> None:
    connection = open_connection()
    start = mark(connection)
    assert connection.interrogation(common_address=CA, qualifier=c104.Qoi.GROUP_16) is False
    assert one(received_asdus(connection, start), T.C_IC_NA_1, Cot.ACTIVATION_CON).negative


# ---- mute and unmute ----------------------------------------------------------------------------------


def test_mute_and_unmute(open_connection: Callable[..., Any]) -> None:
    connection = open_connection()
    states: list[c104.ConnectionState] = []
    connection.on_state_change(callable=lambda connection, state: states.append(state))
    start = mark(connection)
    assert connection.mute() is True
    assert u_frames(connection, start) == [
        (Direction.SENT, "U-Format | StopDT act"),
        (Direction.RECEIVED, "U-Format | StopDT con"),
    ]
    wait_until(lambda: connection.state == State.OPEN_MUTED, 3, "OPEN_MUTED")
    assert connection.is_muted and connection.is_connected
    wait_until(lambda: states, 3, "OPEN_MUTED reported")  # queued, as in c104
    assert states == [State.OPEN_MUTED]

    # while muted no I-frame may be sent: commands return False at once and send nothing
    start = mark(connection)
    result, took = elapsed(lambda: connection.clock_sync(common_address=CA))
    assert result is False and took < 0.5
    assert journal(connection, start) == []

    assert connection.unmute() is True
    assert u_frames(connection, start) == [
        (Direction.SENT, "U-Format | StartDT act"),
        (Direction.RECEIVED, "U-Format | StartDT con"),
    ]
    wait_until(lambda: connection.state == State.OPEN, 3, "OPEN")
    assert not connection.is_muted and connection.is_connected
    wait_until(lambda: len(states) == 2, 3, "OPEN reported")
    assert states == [State.OPEN_MUTED, State.OPEN]
    assert connection.clock_sync(common_address=CA) is True


def test_mute_and_unmute_on_a_closed_connection(make_client: Callable[..., Any], rtu_port: int) -> None:
    connection = make_client().add_connection(ip=HOST, port=rtu_port)
    assert connection.mute() is False
    assert connection.unmute() is False
    assert journal(connection) == []


# ---- raw callbacks ---------------------------------------------------------------------------------------


def test_on_receive_raw_and_on_send_raw(make_client: Callable[..., Any], rtu_port: int) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    events: list[tuple[str, Any]] = []
    lock = threading.Lock()

    def con_on_receive_raw(connection: c104.Connection, data: bytes) -> None:
        with lock:
            events.append(("rx", data))

    def con_on_send_raw(connection: c104.Connection, data: bytes) -> None:
        with lock:
            events.append(("tx", data))

    def on_receive(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        with lock:
            events.append(("point", point.io_address))
        return c104.ResponseState.NONE

    def on_new_point(client: c104.Client, station: c104.Station, io_address: int, point_type: c104.Type) -> None:
        station.add_point(io_address=io_address, type=point_type).on_receive(callable=on_receive)

    connection.on_receive_raw(callable=con_on_receive_raw)
    connection.on_send_raw(callable=con_on_send_raw)
    client.on_new_point(callable=on_new_point)
    client.start()
    wait_open(connection)
    assert connection.interrogation(common_address=CA) is True
    time.sleep(0.2)  # let the S-frame acknowledging the answer go out
    assert client._callbacks.drain(3)  # the raw callbacks are queued, as in c104

    with lock:
        snapshot = list(events)
    frames = journal(connection)
    # the callbacks saw exactly the journal's frames (APCI included), in the same order
    assert [(("rx" if e.direction is Direction.RECEIVED else "tx"), e.raw) for e in frames] == [
        ev for ev in snapshot if ev[0] != "point"
    ]
    assert all(isinstance(data, bytes) and data[0] == 0x68 for kind, data in snapshot if kind != "point")
    # a point's on_receive runs in the dispatch, the raw callbacks later in the callback thread
    # (c104: its receive thread and its worker; neither keeps an order between the two)
    assert {data for kind, data in snapshot if kind == "point"} == DEMO_GI_POINTS


# ---- unexpected messages ------------------------------------------------------------------------------


def test_on_unexpected_message_unknown_ca(make_client: Callable[..., Any], rtu_port: int) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    unexpected: list[tuple[Any, Any, Any]] = []
    asked: list[int] = []

    def con_on_unexpected_message(connection: c104.Connection, message: c104.IncomingMessage, cause: c104.Umc) -> None:
        unexpected.append((connection, message, cause))

    def on_new_station(client: c104.Client, connection: c104.Connection, common_address: int) -> None:
        asked.append(common_address)  # and does not add it

    connection.on_unexpected_message(callable=con_on_unexpected_message)
    client.on_new_station(callable=on_new_station)
    client.start()
    wait_open(connection)
    assert connection.interrogation(common_address=CA) is True  # the command itself succeeds
    assert client._callbacks.drain(3)  # on_unexpected_message is queued, as in c104
    assert connection.get_station(CA) is None and not connection.has_stations
    assert set(asked) == {CA}
    causes = {cause for _, _, cause in unexpected}
    assert causes == {c104.Umc.UNKNOWN_CA}
    types = {message.type for _, message, _ in unexpected}
    # M_EI_NA_1 after STARTDT, then every data ASDU of the interrogation
    assert types == {T.M_EI_NA_1, T.M_SP_NA_1, T.M_DP_NA_1, T.M_ME_NB_1, T.M_ME_NC_1, T.M_ME_NA_1, T.M_ST_NA_1, T.M_BO_NA_1}
    for conn, message, _ in unexpected:
        assert conn is connection
        assert isinstance(message, c104.IncomingMessage)
        assert message.common_address == CA
    data = next(m for _, m, _ in unexpected if m.type == T.M_SP_NA_1)
    assert data.cot == Cot.INTERROGATED_BY_STATION and data.number_of_objects == 2


def test_on_unexpected_message_unknown_ioa_and_mismatched_type(
    make_client: Callable[..., Any], rtu_port: int
) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    station = connection.add_station(common_address=CA)
    before = station.add_point(io_address=100, type=T.M_DP_NA_1).value  # the RTU has a single point
    unexpected: list[tuple[int, Any, Any]] = []
    walked: set[int] = set()

    def on_unexpected(connection: Any, message: Any, cause: Any) -> None:
        unexpected.append((message.io_address, message.type, cause))
        message.first()  # reported once per message, as in c104: the script walks its objects
        while message.next():
            walked.add(message.io_address)

    connection.on_unexpected_message(callable=on_unexpected)
    client.on_new_point(callable=lambda client, station, io_address, point_type: None)  # adds nothing
    client.start()
    wait_open(connection)
    assert connection.interrogation(common_address=CA) is True
    assert client._callbacks.drain(3)  # on_unexpected_message is queued, as in c104
    assert (100, T.M_SP_NA_1, c104.Umc.MISMATCHED_TYPE_ID) in unexpected
    assert len(unexpected) == len({(ioa, message_type) for ioa, message_type, _ in unexpected})
    assert walked - {100} == DEMO_GI_POINTS - {100}
    assert station.get_point(100).type == T.M_DP_NA_1
    assert station.get_point(100).value == before  # the mismatched object was not applied
    assert [p.io_address for p in station.points] == [100]


# ---- test command ------------------------------------------------------------------------------------


def test_test_command_with_time(open_connection: Callable[..., Any]) -> None:
    connection = open_connection()
    start = mark(connection)
    assert connection.test(common_address=CA) is True
    assert connection.test(common_address=CA, with_time=True, wait_for_response=True) is True
    sent = [a for a in sent_asdus(connection, start) if a.type == T.C_TS_TA_1]
    assert [a.cot for a in sent] == [Cot.ACTIVATION, Cot.ACTIVATION]
    tscs = [a.objects[0].tsc for a in sent]
    assert tscs[1] == (tscs[0] + 1) & 0xFFFF  # a running test sequence counter
    assert abs((sent[0].objects[0].time.to_datetime() - dt.datetime.now()).total_seconds()) < 5
    cons = [a for a in received_asdus(connection, start) if a.type == T.C_TS_TA_1]
    assert [(int(a.cot), a.negative, a.objects[0].tsc) for a in cons] == [(7, False, tscs[0]), (7, False, tscs[1])]


def test_test_command_without_time(open_connection: Callable[..., Any]) -> None:
    """with_time=False sends C_TS_NA_1 (type 104), which IEC 60870-5-104 does not use: the
    simulator answers it as an unknown type (COT 44, P/N=1), so the call returns False."""
    connection = open_connection()
    start = mark(connection)
    assert connection.test(common_address=CA, with_time=False) is False
    sent = one(sent_asdus(connection, start), T.C_TS_NA_1, Cot.ACTIVATION)
    assert sent.objects[0].fbp == 0x55AA
    mirror = one(received_asdus(connection, start), T.C_TS_NA_1, Cot.UNKNOWN_TYPE_ID)
    assert mirror.negative


# ---- properties ------------------------------------------------------------------------------------------


def test_ip_port_state_and_timestamps(make_client: Callable[..., Any], rtu_port: int) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    assert isinstance(connection, c104.Connection)
    assert connection.ip == HOST and connection.port == rtu_port
    assert connection.state == State.CLOSED
    assert connection.is_connected is False and connection.is_muted is False
    assert connection.connected_at is None
    assert connection.disconnected_at is None  # c104 2.2.1: epoch 0 before the first close
    for name in ("ip", "port", "state", "is_connected", "is_muted", "connected_at", "disconnected_at",
                 "has_stations", "stations"):
        with pytest.raises(AttributeError):
            setattr(connection, name, None)  # read-only

    before = dt.datetime.now()
    client.start()
    wait_open(connection)
    assert connection.is_connected is True
    assert isinstance(connection.connected_at, dt.datetime)
    assert before <= connection.connected_at <= dt.datetime.now()
    assert connection.disconnected_at is None

    connection.disconnect()
    assert connection.connected_at is None
    assert before <= connection.disconnected_at <= dt.datetime.now()
    assert connection.state == State.CLOSED and not connection.is_connected


def test_originator_address(make_client: Callable[..., Any], rtu_port: int) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    assert connection.originator_address == 0
    for bad in (-1, 256):
        with pytest.raises(ValueError):
            connection.originator_address = bad
    connection.originator_address = 7
    assert connection.originator_address == 7
    client.start()
    wait_open(connection)
    wait_initialized(connection)  # its OA is 0: it must not come after the mark
    start = mark(connection)
    assert connection.interrogation(common_address=CA) is True
    assert connection.clock_sync(common_address=CA) is True
    assert {a.originator_address for a in sent_asdus(connection, start)} == {7}
    # the simulator echoes the request's OA in every reply (c104 2.2.1 sends 0 in data: #74)
    assert {a.originator_address for a in received_asdus(connection, start)} == {7}

    connection.originator_address = 255  # applies at once, on the open connection
    start = mark(connection)
    assert connection.test(common_address=CA) is True
    assert {a.originator_address for a in sent_asdus(connection, start)} == {255}


def test_protocol_parameters(make_client: Callable[..., Any], rtu_port: int) -> None:
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.NONE)
    params = connection.protocol_parameters
    assert isinstance(params, c104.ProtocolParameters)
    # c104 2.2.1's defaults (c104-api.md §2.3)
    assert (
        params.send_window_size,
        params.receive_window_size,
        params.connection_timeout,
        params.message_timeout,
        params.confirm_interval,
        params.keep_alive_interval,
    ) == (12, 8, 10, 15, 10, 20)

    params.send_window_size = 20
    params.receive_window_size = 10
    params.message_timeout = 12
    params.keep_alive_interval = 1  # t3: TESTFR after 1 s of silence
    assert connection.protocol_parameters.send_window_size == 20
    assert connection.protocol_parameters.receive_window_size == 10
    assert connection.protocol_parameters.message_timeout == 12

    with pytest.raises(ValueError):
        params.receive_window_size = 21  # w > k
    with pytest.raises(ValueError):
        params.confirm_interval = 12  # t2 must be below t1
    with pytest.raises(ValueError):
        params.send_window_size = 0
    with pytest.raises(AttributeError):
        params.no_such_parameter = 1
    assert params.receive_window_size == 10 and params.confirm_interval == 10  # unchanged

    client.start()
    wait_open(connection)
    assert connection.engine.link.params.k == 20
    start = mark(connection)
    # t3 = 1 s on the wire: an idle link is tested with TESTFR act, which the RTU confirms
    wait_until(
        lambda: (Direction.RECEIVED, "U-Format | TestFR con") in u_frames(connection, start),
        5,
        "TESTFR after t3",
    )
    assert (Direction.SENT, "U-Format | TestFR act") in u_frames(connection, start)


def test_state_and_stations_follow_the_rtu(open_connection: Callable[..., Any]) -> None:
    connection = open_connection(init=c104.Init.ALL)
    assert connection.state == State.OPEN
    assert connection.has_stations
    assert [s.common_address for s in connection.stations] == [CA]
    assert all(isinstance(s, c104.Station) for s in connection.stations)
    connection.stations.clear()  # a copy: the connection keeps its stations
    assert connection.has_stations


# ---- waiting, timeouts and negative confirmations ---------------------------------------------------------


def test_wait_for_response_false_returns_at_once(open_connection: Callable[..., Any]) -> None:
    connection = open_connection()
    calls: list[tuple[str, Callable[[], bool], c104.Type]] = [
        ("interrogation", lambda: connection.interrogation(CA, wait_for_response=False), T.C_IC_NA_1),
        ("counter", lambda: connection.counter_interrogation(CA, wait_for_response=False), T.C_CI_NA_1),
        ("clock", lambda: connection.clock_sync(CA, wait_for_response=False), T.C_CS_NA_1),
        ("test", lambda: connection.test(CA, wait_for_response=False), T.C_TS_TA_1),
    ]
    for name, call, type_id in calls:
        start = mark(connection)
        result, took = elapsed(call)
        assert result is True, name
        assert took < 0.5, name
        assert one(sent_asdus(connection, start), type_id, Cot.ACTIVATION)
        # the confirmation still arrives, later
        wait_received(connection, lambda a, t=type_id: a.type == t and a.cot == Cot.ACTIVATION_CON, start)
        time.sleep(0.1)  # let the interrogation's answer finish before the next command


def test_silent_rtu_wait_for_response(make_client: Callable[..., Any], silent_rtu: SilentRtu) -> None:
    """Against an RTU that never confirms: without waiting True at once, with waiting False after
    the command timeout."""
    client = make_client(command_timeout_ms=1000)
    connection = client.add_connection(ip=HOST, port=silent_rtu.port, init=c104.Init.NONE)
    client.start()
    wait_open(connection)
    result, took = elapsed(lambda: connection.interrogation(CA, wait_for_response=False))
    assert result is True and took < 0.5
    result, took = elapsed(lambda: connection.clock_sync(CA))
    assert result is False and 0.9 <= took < 2.5
    wait_until(lambda: sum(1 for f in silent_rtu.frames if len(f) > 6) == 2, 3, "both commands at the RTU")


def test_commands_on_a_never_connected_connection_return_false_at_once(
    make_client: Callable[..., Any], rtu_port: int
) -> None:
    connection = make_client().add_connection(ip=HOST, port=rtu_port)
    station = connection.add_station(common_address=CA)
    command = station.add_point(io_address=500, type=T.C_SC_NA_1)
    monitor = station.add_point(io_address=301, type=T.M_ME_NC_1)
    calls = {
        "interrogation": lambda: connection.interrogation(CA),
        "counter_interrogation": lambda: connection.counter_interrogation(CA),
        "clock_sync": lambda: connection.clock_sync(CA),
        "test": lambda: connection.test(CA),
        "no-wait": lambda: connection.clock_sync(CA, wait_for_response=False),
        "transmit": lambda: command.transmit(cause=Cot.ACTIVATION),
        "read": monitor.read,
    }
    for name, call in calls.items():
        result, took = elapsed(call)
        assert result is False, name
        assert took < 0.5, name
    assert connection.state == State.CLOSED
    assert journal(connection) == []


def test_command_right_after_start_waits_for_open(make_client: Callable[..., Any], rtu_port: int) -> None:
    """c104 returns False while the connection is being established (#20, #33); c104test waits."""
    client = make_client()
    connection = client.add_connection(ip=HOST, port=rtu_port, init=c104.Init.ALL)
    client.start()
    state_at_call = connection.state
    assert state_at_call != State.OPEN
    assert connection.clock_sync(common_address=CA) is True
    assert connection.state == State.OPEN
    # sent after STARTDT and after the init commands (GI and clock sync to 65535)
    sent = sent_asdus(connection)
    assert [(a.type, a.common_address) for a in sent] == [
        (T.C_IC_NA_1, 0xFFFF),
        (T.C_CS_NA_1, 0xFFFF),
        (T.C_CS_NA_1, CA),
    ]


def test_command_while_reconnecting_waits_for_the_rtu(make_client: Callable[..., Any]) -> None:
    """The RTU comes up only after the command was issued; the command waits and succeeds."""
    port = free_port()
    client = make_client(command_timeout_ms=8000)
    connection = client.add_connection(ip=HOST, port=port, init=c104.Init.NONE)
    client.start()
    wait_until(lambda: connection.state == State.CLOSED_AWAIT_RECONNECT, 3, "CLOSED_AWAIT_RECONNECT")
    started: list[Any] = []
    timer = threading.Timer(0.5, lambda: started.append(start_simulator(port)))
    timer.start()
    try:
        result, took = elapsed(lambda: connection.test(common_address=CA))
        assert result is True
        assert took > 0.4
        assert connection.state == State.OPEN
    finally:
        timer.join()
        for sim in started:
            sim.stop()


def test_command_on_a_connection_that_never_opens_is_false(make_client: Callable[..., Any]) -> None:
    client = make_client(command_timeout_ms=1000)
    connection = client.add_connection(ip=HOST, port=free_port(), init=c104.Init.NONE)
    client.start()
    result, took = elapsed(lambda: connection.clock_sync(common_address=CA))
    assert result is False
    assert 0.9 <= took < 2.5
    assert journal(connection) == []


@pytest.mark.parametrize(
    ("name", "type_id"),
    [
        ("interrogation", T.C_IC_NA_1),
        ("counter_interrogation", T.C_CI_NA_1),
        ("clock_sync", T.C_CS_NA_1),
        ("test", T.C_TS_TA_1),
    ],
)
def test_negative_confirmation_is_false(open_connection: Callable[..., Any], name: str, type_id: c104.Type) -> None:
    connection = open_connection()
    start = mark(connection)
    assert getattr(connection, name)(common_address=99) is False
    mirror = one(received_asdus(connection, start), type_id, Cot.UNKNOWN_CA)
    assert mirror.negative and mirror.common_address == 99
