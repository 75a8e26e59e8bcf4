"""A c104 server script: one client at a time, a select timeout, an SBO point answered later,
a callback that raises, a refused clock sync."""

import datetime
import sys
import threading
import time

import c104

port = int(sys.argv[1])
lock = threading.Lock()


def note(*parts):
    with lock:
        print("EVENT", *parts, flush=True)


server = c104.Server(ip="127.0.0.1", port=port, select_timeout_ms=400, max_connections=1)
station = server.add_station(common_address=3)
status = station.add_point(io_address=10, type=c104.Type.M_DP_NA_1)
status.value = c104.Double.OFF
slow = station.add_point(io_address=20, type=c104.Type.C_DC_NA_1, command_mode=c104.CommandMode.SELECT_AND_EXECUTE)
boom = station.add_point(io_address=21, type=c104.Type.C_SC_NA_1)
plain = station.add_point(io_address=22, type=c104.Type.C_SC_NA_1)
sbo = station.add_point(io_address=23, type=c104.Type.C_SC_NA_1, command_mode=c104.CommandMode.SELECT_AND_EXECUTE)
calls = {"boom": 0, "connect": 0}


def finish() -> None:
    time.sleep(0.2)
    status.value = slow.value
    note("act_con", slow.transmit(cause=c104.Cot.ACTIVATION_CON))
    note("act_term", slow.transmit(cause=c104.Cot.ACTIVATION_TERMINATION))


def on_slow(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    note("slow", point.value.name, message.cot.name)
    threading.Thread(target=finish, daemon=True).start()
    return c104.ResponseState.NONE


def on_boom(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    calls["boom"] += 1
    note("boom", calls["boom"])
    raise RuntimeError("a bug in the script")


def on_plain(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    note("plain", point.value, message.cot.name)
    return c104.ResponseState.SUCCESS


def on_sbo(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    note("sbo", point.value, message.cot.name, message.is_select_command)
    return c104.ResponseState.SUCCESS


def on_connect(server: c104.Server, ip: str) -> bool:
    calls["connect"] += 1
    note("connect", ip, calls["connect"])
    return True


def on_clock(server: c104.Server, ip: str, date_time: datetime.datetime) -> c104.ResponseState:
    note("clock", type(date_time).__name__)
    return c104.ResponseState.FAILURE


slow.on_receive(callable=on_slow)
boom.on_receive(callable=on_boom)
plain.on_receive(callable=on_plain)
sbo.on_receive(callable=on_sbo)
server.on_connect(callable=on_connect)
server.on_clock_sync(callable=on_clock)
server.start()
print("READY", flush=True)
sys.stdin.read()
note("final", status.value.name, server.open_connection_count)
server.stop()
