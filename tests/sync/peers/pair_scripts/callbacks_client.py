"""A c104 client script: two stations, point callbacks, commands of every mode, reconnects.

Usage: python client_callbacks.py PORT. Prints one line per step ("STEP name value").
"""

import sys
import threading
import time

import c104

port = int(sys.argv[1])
lock = threading.Lock()
states = []
values = {}
stations_new = []
points_new = []
unexpected = []


def step(name, value):
    print("STEP", name, value, flush=True)


def on_state(connection: c104.Connection, state: c104.ConnectionState) -> None:
    with lock:
        states.append(state.name)


def on_unexpected(connection: c104.Connection, message: c104.IncomingMessage, cause: c104.Umc) -> None:
    with lock:
        unexpected.append((message.type.name, message.cot.name, message.io_address, cause.name))


def on_new_station(client: c104.Client, connection: c104.Connection, common_address: int) -> None:
    with lock:
        stations_new.append(common_address)
    connection.add_station(common_address=common_address)


def on_new_point(client: c104.Client, station: c104.Station, io_address: int, point_type: c104.Type) -> None:
    with lock:
        points_new.append((station.common_address, io_address, point_type.name))
    point = station.add_point(io_address=io_address, type=point_type)
    point.on_receive(callable=on_value)


def on_value(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    value = point.value
    if hasattr(value, "name"):
        value = value.name
    elif not isinstance(value, bool):
        value = round(float(value), 2)
    with lock:
        values.setdefault((point.station.common_address, point.io_address), []).append((value, message.cot.name))
    return c104.ResponseState.NONE


def wait_state(connection, wanted, limit=10.0):
    deadline = time.monotonic() + limit
    while connection.state != wanted and time.monotonic() < deadline:
        time.sleep(0.05)
    return connection.state.name


client = c104.Client(tick_rate_ms=100, command_timeout_ms=3000)
client.on_new_station(callable=on_new_station)
client.on_new_point(callable=on_new_point)
connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.NONE)
step("duplicate", client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.NONE))
connection.on_state_change(callable=on_state)
connection.on_unexpected_message(callable=on_unexpected)
north = connection.add_station(common_address=47)
switch = north.add_point(io_address=300, type=c104.Type.C_DC_NA_1, command_mode=c104.CommandMode.SELECT_AND_EXECUTE)
refused = north.add_point(io_address=301, type=c104.Type.C_SC_NA_1)
later = north.add_point(io_address=302, type=c104.Type.C_SC_NA_1)
missing = north.add_point(io_address=303, type=c104.Type.C_SC_NA_1)
step("get_station miss", connection.get_station(common_address=49))
step("get_point miss", north.get_point(io_address=12345))
step("command before start", refused.transmit(cause=c104.Cot.ACTIVATION))

client.start()
step("open", wait_state(connection, c104.ConnectionState.OPEN))
step("gi 47", connection.interrogation(common_address=47, cause=c104.Cot.ACTIVATION, qualifier=c104.Qoi.STATION))
step("gi 48", connection.interrogation(common_address=48))
step("stations", sorted(s.common_address for s in connection.stations))
with lock:
    step("new stations", sorted(stations_new))
    step("new points", sorted(points_new))
south = connection.get_station(common_address=48)
setpoint = south.add_point(io_address=400, type=c104.Type.C_SE_NC_1)
step("ci", connection.counter_interrogation(common_address=47, cause=c104.Cot.ACTIVATION, qualifier=c104.Rqt.GENERAL,
                                            freeze=c104.Frz.READ))
step("counter", int(north.get_point(io_address=102).value) if north.get_point(io_address=102) else None)
step("clock sync", connection.clock_sync(common_address=47))
step("read 101", north.get_point(io_address=101).read())
step("voltage", north.get_point(io_address=101).value)

switch.value = c104.Double.ON
step("sbo", switch.transmit(cause=c104.Cot.ACTIVATION))
time.sleep(0.3)
step("breaker", north.get_point(io_address=100).value.name)
refused.value = True
step("refused", refused.transmit(cause=c104.Cot.ACTIVATION))
later.value = True
step("later", later.transmit(cause=c104.Cot.ACTIVATION))
step("unknown ioa", missing.transmit(cause=c104.Cot.ACTIVATION))
setpoint.value = 25.5
step("setpoint", setpoint.transmit(cause=c104.Cot.ACTIVATION))
time.sleep(0.3)
step("temperature", int(south.get_point(io_address=200).value))
step("no wait gi", connection.interrogation(common_address=48, wait_for_response=False))
time.sleep(0.5)

# the RTU restarts: the connection comes back by itself
restart = south.add_point(io_address=999, type=c104.Type.C_SC_NA_1)
restart.value = True
step("restart", restart.transmit(cause=c104.Cot.ACTIVATION))
time.sleep(0.4)
step("after restart", wait_state(connection, c104.ConnectionState.OPEN))
step("gi after restart", connection.interrogation(common_address=48))
step("alarm", south.get_point(io_address=201).value)

# the script stops and starts its client
client.stop()
step("stopped", (client.is_running, connection.state.name, connection.is_connected))
step("command while stopped", refused.transmit(cause=c104.Cot.ACTIVATION))
client.start()
step("restarted", wait_state(connection, c104.ConnectionState.OPEN))
step("gi after client restart", connection.interrogation(common_address=47))

connection.disconnect()
step("disconnected", wait_state(connection, c104.ConnectionState.CLOSED))
connection.connect()
step("connected", wait_state(connection, c104.ConnectionState.OPEN))
step("mute", connection.mute())
step("muted", wait_state(connection, c104.ConnectionState.OPEN_MUTED))
step("unmute", connection.unmute())
step("unmuted", wait_state(connection, c104.ConnectionState.OPEN))
client.stop()
time.sleep(0.3)
with lock:
    step("values", sorted((k, v) for k, v in values.items()))
    step("unexpected", sorted(unexpected))
    step("states", states)
