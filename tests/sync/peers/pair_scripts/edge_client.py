"""A c104 client script: Init.ALL with a refused clock sync, a second connection the RTU refuses
(max_connections), a command answered later, deactivation, a failing callback, reconnect_all."""

import sys
import threading
import time

import c104

port = int(sys.argv[1])
lock = threading.Lock()
states = {"a": [], "b": []}


def step(*parts):
    print("STEP", *parts, flush=True)


def tracker(name):
    def on_state(connection: c104.Connection, state: c104.ConnectionState) -> None:
        with lock:
            states[name].append(state.name)
    return on_state


def wait_state(connection, wanted, limit=6.0):
    deadline = time.monotonic() + limit
    while connection.state != wanted and time.monotonic() < deadline:
        time.sleep(0.05)
    return connection.state.name


client = c104.Client(tick_rate_ms=100, command_timeout_ms=2000)
a = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.ALL)
a.on_state_change(callable=tracker("a"))
station = a.add_station(common_address=3)
slow = station.add_point(io_address=20, type=c104.Type.C_DC_NA_1, command_mode=c104.CommandMode.SELECT_AND_EXECUTE)
boom = station.add_point(io_address=21, type=c104.Type.C_SC_NA_1)
plain = station.add_point(io_address=22, type=c104.Type.C_SC_NA_1)
sbo = station.add_point(io_address=23, type=c104.Type.C_SC_NA_1, command_mode=c104.CommandMode.SELECT_AND_EXECUTE)
client.start()
step("a", wait_state(a, c104.ConnectionState.OPEN))
step("status", station.get_point(io_address=10).value.name if station.get_point(io_address=10) else None)

b = client.add_connection(ip="127.0.0.2", port=port, init=c104.Init.NONE)
b.on_state_change(callable=tracker("b"))
time.sleep(1.5)
step("b", b.is_connected, client.open_connection_count, client.active_connection_count)
step("get_connection ca", client.get_connection(common_address=3) is a)
b.disconnect()
step("b removed", wait_state(b, c104.ConnectionState.CLOSED))

slow.value = c104.Double.ON
step("slow sbo", slow.transmit(cause=c104.Cot.ACTIVATION))
time.sleep(0.3)
step("status after", station.get_point(io_address=10).value.name)
boom.value = True
step("boom 1", boom.transmit(cause=c104.Cot.ACTIVATION))
step("boom 2", boom.transmit(cause=c104.Cot.ACTIVATION))
plain.value = True
step("deactivate", plain.transmit(cause=c104.Cot.DEACTIVATION))
step("clock", a.clock_sync(common_address=3))
sbo.value = True
step("sbo", sbo.transmit(cause=c104.Cot.ACTIVATION))

client.reconnect_all()
step("reconnected", wait_state(a, c104.ConnectionState.OPEN))
client.disconnect_all()
step("all disconnected", wait_state(a, c104.ConnectionState.CLOSED), client.open_connection_count)
client.stop()
time.sleep(0.5)
with lock:
    step("states a", states["a"])
    step("states b", sorted(set(states["b"])))
