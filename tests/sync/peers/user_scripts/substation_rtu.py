"""A c104 RTU script for two SCADA masters (main and backup) at once: ``max_connections=2``, an
``on_connect`` log, a timer (``on_timer``) that reports a changing value spontaneously, an alarm
the script raises on command, a breaker with return information, end of initialisation on
command, and counts of open and active connections.

Usage: python substation_rtu.py PORT. Prints READY, then EVENT lines; ends when stdin closes.
"""

import sys
import threading

import c104

port = int(sys.argv[1])
lock = threading.Lock()


def note(*parts):
    with lock:
        print("EVENT", *parts, flush=True)


server = c104.Server(ip="127.0.0.1", port=port, tick_rate_ms=50, max_connections=2)
station = server.add_station(common_address=7)
alarm = station.add_point(io_address=1, type=c104.Type.M_SP_NA_1)
breaker = station.add_point(io_address=2, type=c104.Type.M_DP_NA_1)
breaker.value = c104.Double.OFF
ticker = station.add_point(io_address=3, type=c104.Type.M_ME_NB_1)
ticker.value = c104.Int16(0)
raise_alarm = station.add_point(io_address=10, type=c104.Type.C_SC_NA_1)
operate = station.add_point(io_address=11, type=c104.Type.C_DC_NA_1, related_io_address=2, related_io_autoreturn=True)
restart = station.add_point(io_address=12, type=c104.Type.C_SC_NA_1)
counts = station.add_point(io_address=13, type=c104.Type.C_SC_NA_1)
ticking = {"on": False}


def on_tick(point: c104.Point) -> None:
    if ticking["on"]:
        point.value = c104.Int16(int(point.value) + 1)
        point.transmit(cause=c104.Cot.SPONTANEOUS)


def on_raise(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    alarm.value = point.value
    note("alarm", point.value, message.originator_address, alarm.transmit(cause=c104.Cot.SPONTANEOUS))
    return c104.ResponseState.SUCCESS


def on_operate(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    note("operate", point.value.name, message.originator_address)
    breaker.value = point.value
    return c104.ResponseState.SUCCESS


def on_restart(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    station.signal_initialized(cause=c104.Coi.LOCAL_MANUAL_RESET)
    note("initialized", message.originator_address)
    return c104.ResponseState.SUCCESS


def on_counts(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    note("counts", point.value, server.open_connection_count, server.active_connection_count,
         server.has_open_connections, server.has_active_connections)
    ticking["on"] = point.value
    return c104.ResponseState.SUCCESS


def on_connect(server: c104.Server, ip: str) -> bool:
    note("connect", ip)
    return True


ticker.on_timer(callable=on_tick, interval_ms=100)
raise_alarm.on_receive(callable=on_raise)
operate.on_receive(callable=on_operate)
restart.on_receive(callable=on_restart)
counts.on_receive(callable=on_counts)
server.on_connect(callable=on_connect)
server.start()
print("READY", flush=True)
sys.stdin.read()
note("final", alarm.value, breaker.value.name, int(ticker.value) > 0, server.max_connections)
server.stop()
