"""A c104 script (server and client in one process) of the kind a SCADA gateway runs: a poller
thread reads while the main thread commands and a third thread interrogates; a command the RTU
never confirms (the command timeout), one confirmed later by the RTU script, two threads sending
the same command at once, requests sent without waiting, a batch of two stations' points, and
keep-alive (TESTFR) on an idle link with short t3.

Usage: python threads.py PORT. Prints STEP lines.
"""

import sys
import threading
import time

import c104

port = int(sys.argv[1])
lock = threading.Lock()
frames = {"in": [], "out": []}
values = []


def step(*parts):
    print("STEP", *parts, flush=True)


def attempt(action):
    try:
        return action()
    except Exception as exc:  # what a script's mistakes raise is the point
        return type(exc).__name__ if not isinstance(exc, (ValueError, RuntimeError)) else (
            "ValueError" if isinstance(exc, ValueError) else "RuntimeError")


def wait(predicate, limit=5.0):
    deadline = time.monotonic() + limit
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


# ---- the RTU -----------------------------------------------------------------------------------
server = c104.Server(ip="127.0.0.1", port=port, tick_rate_ms=50)
server.protocol_parameters.keep_alive_interval = 1
plant = server.add_station(common_address=5)
other = server.add_station(common_address=6)
flow = plant.add_point(io_address=1, type=c104.Type.M_ME_NC_1)
flow.value = 0.0
alarm = plant.add_point(io_address=2, type=c104.Type.M_SP_NA_1)
alarm2 = other.add_point(io_address=2, type=c104.Type.M_SP_NA_1)
energy = plant.add_point(io_address=20, type=c104.Type.M_IT_NA_1)
energy.info = c104.BinaryCounterInfo(counter=77, sequence=c104.UInt5(1), quality=c104.BinaryCounterQuality())
pump = plant.add_point(io_address=10, type=c104.Type.C_SC_NA_1)
stuck = plant.add_point(io_address=11, type=c104.Type.C_SC_NA_1)
setpoint = plant.add_point(io_address=12, type=c104.Type.C_SE_NB_1)
reads = [0]
commands = []


def on_read(point: c104.Point) -> None:
    reads[0] += 1
    point.value = float(reads[0])


def on_pump(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    time.sleep(0.02)  # the pump's contactor
    with lock:
        commands.append(point.value)
    return c104.ResponseState.SUCCESS


def on_stuck(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    return c104.ResponseState.NONE  # never confirmed: the client's command timeout ends it


def confirm_setpoint() -> None:
    time.sleep(0.2)
    with lock:
        commands.append(("setpoint", int(setpoint.value)))
    setpoint.transmit(cause=c104.Cot.ACTIVATION_CON)


def on_setpoint(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    threading.Thread(target=confirm_setpoint, daemon=True).start()
    return c104.ResponseState.NONE


flow.on_before_read(callable=on_read)
pump.on_receive(callable=on_pump)
stuck.on_receive(callable=on_stuck)
setpoint.on_receive(callable=on_setpoint)
server.start()

# ---- the gateway -------------------------------------------------------------------------------


def on_value(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    with lock:
        values.append((message.common_address, point.io_address, message.cot.name))
    return c104.ResponseState.NONE


def summary(data):
    d = c104.explain_bytes_dict(apdu=data)
    return d["format"] + ("" if d["format"] != "U" else " " + d["type"] + " " + d["cot"])


def on_receive_raw(connection: c104.Connection, data: bytes) -> None:
    with lock:
        frames["in"].append(summary(data))


def on_send_raw(connection: c104.Connection, data: bytes) -> None:
    with lock:
        frames["out"].append(summary(data))


client = c104.Client(tick_rate_ms=50, command_timeout_ms=600)
connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.NONE)
connection.protocol_parameters.keep_alive_interval = 3  # the RTU tests the idle link first
connection.on_receive_raw(callable=on_receive_raw)
connection.on_send_raw(callable=on_send_raw)
station = connection.add_station(common_address=5)
station.add_point(io_address=1, type=c104.Type.M_ME_NC_1).on_receive(callable=on_value)
station.add_point(io_address=2, type=c104.Type.M_SP_NA_1).on_receive(callable=on_value)
station.add_point(io_address=20, type=c104.Type.M_IT_NA_1).on_receive(callable=on_value)
c_pump = station.add_point(io_address=10, type=c104.Type.C_SC_NA_1)
c_stuck = station.add_point(io_address=11, type=c104.Type.C_SC_NA_1)
c_setpoint = station.add_point(io_address=12, type=c104.Type.C_SE_NB_1)
client.start()
opened = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=3.0)
if not opened and connection.state == c104.ConnectionState.OPEN_MUTED:
    connection.unmute()  # c104 2.2.1 now and then sends no STARTDT: scripts written for it send it
    opened = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=3.0)
step("open", opened)
wait(lambda: server.active_connection_count == 1, limit=2.0)

results = {"poll": [], "gi": [], "pump": []}


def poller():
    point = station.get_point(io_address=1)
    for _ in range(8):
        results["poll"].append(attempt(point.read))
        time.sleep(0.02)


def interrogator():
    for _ in range(3):
        results["gi"].append(attempt(lambda: connection.interrogation(common_address=5)))
        time.sleep(0.05)


workers = [threading.Thread(target=poller), threading.Thread(target=interrogator)]
for worker in workers:
    worker.start()
for n in range(6):
    c_pump.value = n % 2 == 0
    results["pump"].append(attempt(lambda: c_pump.transmit(cause=c104.Cot.ACTIVATION)))
for worker in workers:
    worker.join(timeout=10)
step("threads", results["poll"], results["gi"], results["pump"])
with lock:
    step("pump commands", commands)
    commands.clear()
step("flow read", reads[0] >= 8, float(station.get_point(io_address=1).value) >= 8.0)

# a command the RTU never confirms, and the same command from a second thread meanwhile
c_stuck.value = True
second = []
worker = threading.Thread(target=lambda: (time.sleep(0.2), second.append(attempt(lambda: c_stuck.transmit(cause=c104.Cot.ACTIVATION)))))
worker.start()
started = time.monotonic()
first = attempt(lambda: c_stuck.transmit(cause=c104.Cot.ACTIVATION))
took = time.monotonic() - started
worker.join(timeout=5)
step("stuck", first, 0.45 < took < 2.0, second)
step("stuck again", attempt(lambda: c_stuck.transmit(cause=c104.Cot.ACTIVATION)))

# confirmed later by the RTU script (within the command timeout)
c_setpoint.value = c104.Int16(-1200)
step("setpoint", attempt(lambda: c_setpoint.transmit(cause=c104.Cot.ACTIVATION)))
with lock:
    step("setpoint commands", commands)
    values.clear()

# requests without waiting
step("ci no wait", connection.counter_interrogation(common_address=5, wait_for_response=False))
step("clock no wait", connection.clock_sync(common_address=5, wait_for_response=False))
step("test no wait", connection.test(common_address=5, wait_for_response=False))
step("gi no wait", connection.interrogation(common_address=5, wait_for_response=False))
wait(lambda: len(values) >= 3, limit=2.0)
time.sleep(0.2)
with lock:
    step("arrived", sorted(set(values)))
    values.clear()

# a batch of two stations' points, and of one station's
alarm.value = True
alarm2.value = True
step("batch two stations", attempt(lambda: c104.Batch(cause=c104.Cot.SPONTANEOUS, points=[alarm, alarm2])))
batch = c104.Batch(cause=c104.Cot.SPONTANEOUS, points=[alarm])
step("batch add other", attempt(lambda: batch.add_point(alarm2)), batch.has_points, len(batch.points))
step("batch", server.transmit_batch(batch))
wait(lambda: len(values) >= 1, limit=2.0)
time.sleep(0.1)
with lock:
    step("batch arrived", sorted(set(values)))

# an idle link: the RTU (t3 = 1 s) tests it, the client answers
with lock:
    frames["in"].clear()
    frames["out"].clear()
time.sleep(1.6)
with lock:
    step("keep-alive", sorted(set(frames["out"])), sorted(set(frames["in"])), connection.state.name)
client.stop()
server.stop()
