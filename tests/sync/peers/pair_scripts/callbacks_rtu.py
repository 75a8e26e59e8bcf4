"""A c104 server script: two stations, command points answering SUCCESS, FAILURE and NONE,
clock sync and unexpected-message callbacks, a timer, and a restart on command.

Usage: python rtu_callbacks.py PORT. Prints READY, then one line per event; ends when stdin closes.
"""

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


server = c104.Server(ip="127.0.0.1", port=port, select_timeout_ms=2000)
north = server.add_station(common_address=47)
south = server.add_station(common_address=48)

breaker = north.add_point(io_address=100, type=c104.Type.M_DP_NA_1)
breaker.value = c104.Double.OFF
voltage = north.add_point(io_address=101, type=c104.Type.M_ME_NC_1)
voltage.value = 230.0
counter = north.add_point(io_address=102, type=c104.Type.M_IT_NA_1)
counter.info = c104.BinaryCounterInfo(counter=1000, sequence=c104.UInt5(0), quality=c104.BinaryCounterQuality())
temperature = south.add_point(io_address=200, type=c104.Type.M_ME_NB_1)
temperature.value = c104.Int16(21)
alarm = south.add_point(io_address=201, type=c104.Type.M_SP_NA_1)
alarm.value = False

switch = north.add_point(io_address=300, type=c104.Type.C_DC_NA_1, command_mode=c104.CommandMode.SELECT_AND_EXECUTE,
                         related_io_address=100, related_io_autoreturn=True)
refused = north.add_point(io_address=301, type=c104.Type.C_SC_NA_1)
later = north.add_point(io_address=302, type=c104.Type.C_SC_NA_1)
setpoint = south.add_point(io_address=400, type=c104.Type.C_SE_NC_1)
restart = south.add_point(io_address=999, type=c104.Type.C_SC_NA_1)


def on_switch(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    note("switch", point.value.name, message.cot.name, message.is_select_command)
    breaker.value = point.value
    return c104.ResponseState.SUCCESS


def on_refused(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    note("refused", point.value, message.originator_address)
    return c104.ResponseState.FAILURE


def confirm_later() -> None:
    time.sleep(0.3)
    note("later transmit", later.transmit(cause=c104.Cot.ACTIVATION_CON))


def on_later(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    note("later", point.value, previous_info.value)
    threading.Thread(target=confirm_later, daemon=True).start()
    return c104.ResponseState.NONE


def on_setpoint(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    note("setpoint", round(point.value, 3), type(point.info).__name__)
    temperature.value = c104.Int16(int(point.value))
    temperature.transmit(cause=c104.Cot.SPONTANEOUS)
    return c104.ResponseState.SUCCESS


def do_restart() -> None:
    time.sleep(0.2)
    server.stop()
    note("stopped", server.is_running, server.active_connection_count)
    time.sleep(0.5)
    alarm.value = True
    server.start()
    note("started", server.is_running)


def on_restart(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    note("restart requested")
    threading.Thread(target=do_restart, daemon=True).start()
    return c104.ResponseState.SUCCESS


def on_before_read(point: c104.Point) -> None:
    voltage.value = voltage.value + 1.0


def on_unexpected(server: c104.Server, message: c104.IncomingMessage, cause: c104.Umc) -> None:
    note("unexpected", message.type.name, message.cot.name, message.common_address, message.io_address, cause.name)




def on_clock(server: c104.Server, ip: str, date_time: datetime.datetime) -> c104.ResponseState:
    note("clock sync", type(date_time).__name__)
    return c104.ResponseState.SUCCESS


wire = {"in": [], "out": []}


def summary(data: bytes):
    d = c104.explain_bytes_dict(apdu=data)
    if d["format"] != "I":
        return d["format"] + ("" if d["format"] == "S" else " " + d["type"] + " " + d["cot"])
    return f'{d["type"].name} {d["cot"].name} CA{d["commonAddress"]} IOA{d["firstInformationObjectAddress"]} n{d["numberOfObjects"]}{" NEG" if d["negative"] else ""}'


def on_receive_raw(server: c104.Server, data: bytes) -> None:
    with lock:
        wire["in"].append(summary(data))


def on_send_raw(server: c104.Server, data: bytes) -> None:
    with lock:
        wire["out"].append(summary(data))


server.on_receive_raw(callable=on_receive_raw)
server.on_send_raw(callable=on_send_raw)
switch.on_receive(callable=on_switch)
refused.on_receive(callable=on_refused)
later.on_receive(callable=on_later)
setpoint.on_receive(callable=on_setpoint)
restart.on_receive(callable=on_restart)
voltage.on_before_read(callable=on_before_read)
server.on_clock_sync(callable=on_clock)
server.on_unexpected_message(callable=on_unexpected)
server.start()
print("READY", flush=True)
sys.stdin.read()
note("final", breaker.value.name, round(voltage.value, 1), int(temperature.value), alarm.value)
server.stop()
note("end", server.is_running)
with lock:
    for direction in ("in", "out"):
        for line in wire[direction]:
            if not line.startswith("S"):
                print("WIRE", direction, line)
