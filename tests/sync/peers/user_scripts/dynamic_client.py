"""A c104 client script with two connections (two RTUs): Init.CLOCK_SYNC on one, Init.MUTED on
the other until the script unmutes it, its own originator address and protocol parameters, the
message attributes of what it receives, a point the RTU adds while connected.

Usage: python dynamic_client.py PORT1,PORT2. Prints STEP lines.
"""

import sys
import threading
import time

import c104

first_port, second_port = (int(p) for p in sys.argv[1].split(","))
lock = threading.Lock()
received = []
new_points = []


def step(*parts):
    print("STEP", *parts, flush=True)


def show(value):
    if hasattr(value, "name") and not isinstance(value, type):
        return value.name
    if isinstance(value, float):
        return round(value, 4)
    return value


def on_value(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    with lock:
        received.append((message.common_address, point.io_address, show(point.value), message.cot.name,
                         message.type.name, message.number_of_objects, message.is_test, message.is_negative,
                         len(message.raw)))
    return c104.ResponseState.NONE


def on_new_point(client: c104.Client, station: c104.Station, io_address: int, point_type: c104.Type) -> None:
    with lock:
        new_points.append((station.common_address, io_address, point_type.name))
    station.add_point(io_address=io_address, type=point_type).on_receive(callable=on_value)


def wait(predicate, limit=5.0):
    deadline = time.monotonic() + limit
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


def taken():
    time.sleep(0.2)
    with lock:
        rows = sorted(received)
        received.clear()
    return rows


client = c104.Client(tick_rate_ms=100, command_timeout_ms=2000)
client.originator_address = 7
client.on_new_point(callable=on_new_point)
feeder = client.add_connection(ip="127.0.0.1", port=first_port, init=c104.Init.CLOCK_SYNC)
breaker = client.add_connection(ip="127.0.0.1", port=second_port, init=c104.Init.MUTED)
breaker.originator_address = 9
feeder.protocol_parameters.message_timeout = 5
feeder.protocol_parameters.keep_alive_interval = 4
pp = feeder.protocol_parameters
step("parameters", (pp.send_window_size, pp.receive_window_size, pp.connection_timeout, pp.message_timeout,
                    pp.confirm_interval, pp.keep_alive_interval))
step("originators", client.originator_address, feeder.originator_address, breaker.originator_address)
line = feeder.add_station(common_address=1)
bay = breaker.add_station(common_address=2)
change = line.add_point(io_address=20, type=c104.Type.C_SC_NA_1)
client.start()
opened = wait(lambda: feeder.state == c104.ConnectionState.OPEN, limit=3.0)
if not opened and feeder.state == c104.ConnectionState.OPEN_MUTED:
    feeder.unmute()  # c104 2.2.1 now and then sends no STARTDT: scripts written for it send it
    opened = wait(lambda: feeder.state == c104.ConnectionState.OPEN, limit=3.0)
step("feeder", opened)
step("breaker", wait(lambda: breaker.state == c104.ConnectionState.OPEN_MUTED), breaker.is_muted, breaker.is_connected)
time.sleep(0.3)
step("counts", client.open_connection_count, client.active_connection_count, client.has_active_connections)
step("get_connection", client.get_connection(common_address=2) is breaker, client.get_connection(ip="127.0.0.1", port=first_port) is feeder)
step("unmute", breaker.unmute(), wait(lambda: breaker.state == c104.ConnectionState.OPEN))
step("gi breaker", breaker.interrogation(common_address=2), taken())
step("gi feeder", feeder.interrogation(common_address=1), taken())
change.value = True
step("change", change.transmit(cause=c104.Cot.ACTIVATION))
wait(lambda: len(received) >= 1, limit=2.0)
step("spontaneous", taken())
step("new points", new_points)
step("gi after change", feeder.interrogation(common_address=1), taken())
step("points", sorted((p.io_address, p.type.name) for p in line.points))
feeder.disconnect()
step("disconnected", wait(lambda: feeder.state == c104.ConnectionState.CLOSED), client.open_connection_count)
client.stop()
