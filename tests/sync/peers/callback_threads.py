"""A c104 script: which thread runs each client callback, and may it call a blocking method?

Usage: python callback_threads.py PORT (run by run_server_script.py under c104 or c104test).
A Server and a Client in one process: the client's callbacks note their thread; the queued ones
(raw frames, unexpected message) each call ``connection.test()`` once (c104 answers True or,
now and then, False: the line says only that it returned). Prints STEP lines. No blocking call
is made from a point's ``on_receive``, ``on_new_station`` or ``on_new_point``: in c104 it
never returns (not even after the command timeout) and the connection stalls.
"""

import sys
import threading
import time

import c104

port = int(sys.argv[1])
lock = threading.Lock()
threads = {}  # callback name -> thread ident
events = []  # the queued callbacks, in the order they ran
blocking = {}


def note(name):
    with lock:
        threads.setdefault(name, threading.get_ident())


def block_once(name, connection):
    with lock:
        if name in blocking:
            return
        blocking[name] = None
    try:
        result = connection.test(common_address=1)
        blocking[name] = "returned" if isinstance(result, bool) else repr(result)
    except Exception as exc:  # c104test raised RuntimeError here before the callback queue
        blocking[name] = f"raised {type(exc).__name__}"


def is_i_frame(data):
    return len(data) > 6 and data[2] & 1 == 0


def on_state(connection: c104.Connection, state: c104.ConnectionState) -> None:
    note("on_state_change")


def on_raw_in(connection: c104.Connection, data: bytes) -> None:
    note("on_receive_raw")
    with lock:
        events.append(("raw", data[6] if is_i_frame(data) else None))
    if is_i_frame(data):
        block_once("on_receive_raw", connection)


def on_raw_out(connection: c104.Connection, data: bytes) -> None:
    note("on_send_raw")
    if is_i_frame(data):
        block_once("on_send_raw", connection)


def on_unexpected(connection: c104.Connection, message: c104.IncomingMessage, cause: c104.Umc) -> None:
    note("on_unexpected_message")
    with lock:
        events.append(("unexpected", int(message.type)))
    block_once("on_unexpected_message", connection)


def on_new_station(client: c104.Client, connection: c104.Connection, common_address: int) -> None:
    note("on_new_station")
    connection.add_station(common_address=common_address)


def on_new_point(client: c104.Client, station: c104.Station, io_address: int, point_type: c104.Type) -> None:
    note("on_new_point")
    if io_address != 11:  # 11 stays unknown: on_unexpected_message
        station.add_point(io_address=io_address, type=point_type).on_receive(callable=on_value)


def on_value(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    note("on_receive")
    return c104.ResponseState.NONE


def on_initialized(client: c104.Client, station: c104.Station, cause: c104.Coi) -> None:
    note("on_station_initialized")


def on_command(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    return c104.ResponseState.SUCCESS


def wait(predicate, limit=5.0):
    deadline = time.monotonic() + limit
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)


server = c104.Server(ip="127.0.0.1", port=port)
rtu = server.add_station(common_address=1)
single = rtu.add_point(io_address=10, type=c104.Type.M_SP_NA_1)
measured = rtu.add_point(io_address=11, type=c104.Type.M_ME_NC_1)
rtu.add_point(io_address=20, type=c104.Type.C_SC_NA_1).on_receive(callable=on_command)
server.start()

client = c104.Client(tick_rate_ms=100, command_timeout_ms=2000)
client.on_new_station(callable=on_new_station)
client.on_new_point(callable=on_new_point)
client.on_station_initialized(callable=on_initialized)
connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.NONE)
connection.on_state_change(callable=on_state)
connection.on_receive_raw(callable=on_raw_in)
connection.on_send_raw(callable=on_raw_out)
connection.on_unexpected_message(callable=on_unexpected)
client.start()
wait(lambda: connection.state == c104.ConnectionState.OPEN)
time.sleep(0.3)
gi = connection.interrogation(common_address=1)
wait(lambda: connection.get_station(common_address=1) is not None)
rtu.signal_initialized(cause=c104.Coi.LOCAL_MANUAL_RESET)
single.value = True
single.transmit(cause=c104.Cot.SPONTANEOUS)
measured.value = 1.5
measured.transmit(cause=c104.Cot.SPONTANEOUS)
wait(lambda: len(blocking) == 3 and None not in blocking.values() and len(threads) == 8
     and sum(what == "unexpected" for what, _ in events) >= 2)
time.sleep(0.3)

with lock:
    worker, receive = threads.get("on_state_change"), threads.get("on_receive")
    print("STEP gi", gi, flush=True)
    print("STEP worker is not the receive thread", worker != receive, flush=True)
    for name in ("on_receive_raw", "on_send_raw", "on_unexpected_message", "on_new_station", "on_new_point",
                 "on_receive", "on_station_initialized"):
        ident = threads.get(name)
        where = "worker" if ident == worker else "receive" if ident == receive else "missing" if ident is None else "other"
        print("STEP thread", name, where, flush=True)
    for name in ("on_receive_raw", "on_send_raw", "on_unexpected_message"):
        print("STEP blocking", name, blocking.get(name), flush=True)
    # each unexpected message runs right after the raw callback of its frame (one queue)
    after = all(events[i - 1] == ("raw", kind) for i, (what, kind) in enumerate(events) if what == "unexpected")
    print("STEP unexpected after its frame", after, flush=True)
client.stop()
server.stop()
