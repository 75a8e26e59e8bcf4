"""A c104 client script for the plant RTU: it takes only the stations it knows
(``on_new_station``) and every point but a spare one (``on_new_point``), watches the wire
(``on_receive_raw``/``on_send_raw``), inspects each IncomingMessage, commands with explicit
Information objects (select-and-execute, time-tagged, refused), interrogates while the RTU
bursts spontaneous reports, locks remote access and sees a second client refused, disconnects
and connects again, and makes the mistakes a script makes (wrong value types, a monitoring point
transmitted, an unknown station, a connection nobody answers, a command never confirmed).

Usage: python plant_client.py PORT. Prints STEP lines.
"""

import datetime
import sys
import threading
import time

import c104

port = int(sys.argv[1])
T = datetime.datetime(2024, 2, 29, 23, 59, 58, 500000)
lock = threading.Lock()
records = []
unexpected = []
wire = {"in": [], "out": []}
FLAGS = ("Quality", "BinaryCounterQuality")


def step(*parts):
    print("STEP", *parts, flush=True)


def show(value):
    if type(value).__name__ in FLAGS:
        return str(value)
    if isinstance(value, datetime.datetime):
        if value == T:
            return "T"
        return "now" if abs((value - datetime.datetime.now()).total_seconds()) < 60 else repr(value)
    if hasattr(value, "name") and not isinstance(value, type):
        return value.name
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, (bool, int, str, type(None))):
        return value
    if type(value).__name__ == "Byte32":
        return bytes(value).hex()
    return f"{type(value).__name__}:{int(value)}"


def attempt(label, action):
    try:
        result = action()
        step(label, "->", show(result) if not hasattr(result, "io_address") else type(result).__name__)
    except Exception as exc:  # what the script's mistakes raise is the point
        caught = [e.__name__ for e in (ValueError, TypeError, AttributeError, IndexError, RuntimeError) if isinstance(exc, e)]
        step(label, "!!", "|".join(caught) or type(exc).__name__)


def on_value(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    if message.cot == c104.Cot.PERIODIC:
        return c104.ResponseState.NONE
    if point.io_address == 102:  # cyclic: its value depends on how many periods have passed
        with lock:
            records.append((message.common_address, point.io_address, message.type.name, message.cot.name))
        return c104.ResponseState.NONE
    row = (message.common_address, point.io_address, message.type.name, message.cot.name, show(point.value),
           show(point.quality), show(point.recorded_at), show(previous_info.value), message.is_negative,
           message.is_test, point.processed_at >= previous_info.processed_at)
    with lock:
        records.append(row)
    return c104.ResponseState.NONE


def on_new_station(client: c104.Client, connection: c104.Connection, common_address: int) -> None:
    if common_address in (1, 2, 3):
        connection.add_station(common_address=common_address)


def on_new_point(client: c104.Client, station: c104.Station, io_address: int, point_type: c104.Type) -> None:
    if io_address != 203:  # the set point's feedback is added by the script itself
        station.add_point(io_address=io_address, type=point_type).on_receive(callable=on_value)


def on_unexpected(connection: c104.Connection, message: c104.IncomingMessage, cause: c104.Umc) -> None:
    with lock:
        unexpected.append((message.common_address, message.io_address, message.type.name, message.cot.name, cause.name))


def summary(data):
    d = c104.explain_bytes_dict(apdu=data)
    if d["format"] != "I":
        return None
    return (d["type"].name, d["cot"].name, d["commonAddress"], d["numberOfObjects"], d["negative"])


def on_receive_raw(connection: c104.Connection, data: bytes) -> None:
    row = summary(data)
    if row is not None and row[1] != "PERIODIC":
        with lock:
            wire["in"].append(row)


def on_send_raw(connection: c104.Connection, data: bytes) -> None:
    row = summary(data)
    if row is not None:
        with lock:
            wire["out"].append(row)


def wait(predicate, limit=5.0):
    deadline = time.monotonic() + limit
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


def taken(settle=0.2):
    time.sleep(settle)
    with lock:
        rows = sorted(records)
        records.clear()
    return rows


def opened(connection, limit=3.0):
    ok = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=limit)
    if not ok and connection.state == c104.ConnectionState.OPEN_MUTED:
        connection.unmute()  # c104 2.2.1 now and then sends no STARTDT: scripts written for it send it
        ok = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=3.0)
    return ok


client = c104.Client(tick_rate_ms=50, command_timeout_ms=1000)
client.originator_address = 7
client.on_new_station(callable=on_new_station)
client.on_new_point(callable=on_new_point)
connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.NONE)
connection.on_unexpected_message(callable=on_unexpected)
connection.on_receive_raw(callable=on_receive_raw)
connection.on_send_raw(callable=on_send_raw)
nobody = client.add_connection(ip="127.0.0.1", port=1, init=c104.Init.NONE)
ghost = nobody.add_station(common_address=1).add_point(io_address=1, type=c104.Type.C_SC_NA_1)

attempt("client report_ms", lambda: connection.add_station(common_address=9).add_point(
    io_address=1, type=c104.Type.M_ME_NC_1, report_ms=100))
attempt("client related", lambda: connection.get_station(common_address=9).add_point(
    io_address=2, type=c104.Type.C_SC_NA_1, related_io_address=1))
attempt("remove station 9", lambda: connection.remove_station(common_address=9))
attempt("bad ip", lambda: client.add_connection(ip="300.1.1.1", port=port))
attempt("tick 10", lambda: c104.Client(tick_rate_ms=10))
attempt("ghost before start", lambda: ghost.transmit(cause=c104.Cot.ACTIVATION))
client.start()
step("open", opened(connection))
attempt("ghost", lambda: ghost.transmit(cause=c104.Cot.ACTIVATION))
step("nobody", nobody.is_connected, client.open_connection_count, client.active_connection_count)

step("gi global", connection.interrogation(common_address=65535))
step("stations", sorted(s.common_address for s in connection.stations))
for row in taken():
    step("gi", row)
feeder = connection.get_station(common_address=1)
transformer = connection.get_station(common_address=2)
events = connection.get_station(common_address=3)
step("gi 4", connection.interrogation(common_address=4))
step("gi 9", connection.interrogation(common_address=9))
step("gi group 3", connection.interrogation(common_address=1, qualifier=c104.Qoi.GROUP_3))
step("ci 1", connection.counter_interrogation(common_address=1))
for row in taken():
    step("ci", row)
with lock:
    for row in sorted(set(unexpected)):
        step("unexpected", row)
    unexpected.clear()

feedback = transformer.add_point(io_address=203, type=c104.Type.M_ME_NC_1)
feedback.on_receive(callable=on_value)
step("read 203", feedback.read(), round(feedback.value, 2))
step("read 100", feeder.get_point(io_address=100).read())
step("read 103", feeder.get_point(io_address=103).read())
for row in taken():
    step("read", row)

close_cmd = feeder.add_point(io_address=1, type=c104.Type.C_DC_NA_1, command_mode=c104.CommandMode.SELECT_AND_EXECUTE)
close_cmd.info = c104.DoubleCmd(state=c104.Double.ON, qualifier=c104.Qoc.LONG_PULSE)
step("close", close_cmd.transmit(cause=c104.Cot.ACTIVATION), show(close_cmd.value), show(close_cmd.info.qualifier))
tap_cmd = transformer.add_point(io_address=2, type=c104.Type.C_RC_TA_1)
tap_cmd.info = c104.StepCmd(direction=c104.Step.HIGHER, qualifier=c104.Qoc.SHORT_PULSE, recorded_at=T)
step("tap up", tap_cmd.transmit(cause=c104.Cot.ACTIVATION))
step("tap up at top", tap_cmd.transmit(cause=c104.Cot.ACTIVATION))
tap_cmd.info = c104.StepCmd(direction=c104.Step.LOWER)
step("tap down", tap_cmd.transmit(cause=c104.Cot.ACTIVATION))
voltage_cmd = transformer.add_point(io_address=3, type=c104.Type.C_SE_NC_1)
voltage_cmd.info = c104.ShortCmd(target=10.5, qualifier=c104.UInt7(9))
step("voltage 10.5", voltage_cmd.transmit(cause=c104.Cot.ACTIVATION))
voltage_cmd.value = 15.0
step("voltage 15", voltage_cmd.transmit(cause=c104.Cot.ACTIVATION), show(voltage_cmd.info.qualifier))
mask_cmd = events.add_point(io_address=6, type=c104.Type.C_BO_TA_1)
mask_cmd.info = c104.BinaryCmd(blob=c104.Byte32(b"\xde\xad\xbe\xef"), recorded_at=T)
step("mask", mask_cmd.transmit(cause=c104.Cot.ACTIVATION))
for row in taken():
    step("return", row)
step("clock", connection.clock_sync(common_address=1))
step("test", connection.test(common_address=1))

monitor = feeder.get_point(io_address=101)
attempt("transmit monitoring", lambda: monitor.transmit(cause=c104.Cot.ACTIVATION))
attempt("DoubleCmd on SC", lambda: setattr(events.add_point(io_address=4, type=c104.Type.C_SC_NA_1), "info",
                                           c104.DoubleCmd(state=c104.Double.ON)))
lock_cmd = events.get_point(io_address=4)
attempt("value str on SC", lambda: setattr(lock_cmd, "value", "on"))
attempt("value Double on SC", lambda: setattr(lock_cmd, "value", c104.Double.ON))
attempt("unknown ioa", lambda: events.add_point(io_address=77, type=c104.Type.C_SC_NA_1).transmit(cause=c104.Cot.ACTIVATION))
attempt("unknown station", lambda: connection.add_station(common_address=8).add_point(
    io_address=1, type=c104.Type.C_SC_NA_1).transmit(cause=c104.Cot.ACTIVATION))
attempt("read command point", lambda: lock_cmd.read())
attempt("received info readonly", lambda: setattr(monitor.info, "on", True))
attempt("set received value", lambda: setattr(monitor, "value", True))
attempt("set received quality", lambda: setattr(monitor, "quality", c104.Quality.Blocked))
attempt("replace received info", lambda: setattr(monitor, "info", c104.SingleInfo(on=True)))
attempt("then set value", lambda: setattr(monitor, "value", False))
with lock:
    for row in sorted(set(unexpected)):
        step("unexpected", row)
    unexpected.clear()

# the burst: 30 spontaneous reports from the RTU's main thread while the client interrogates
burst_cmd = events.add_point(io_address=5, type=c104.Type.C_SC_NA_1)
burst_cmd.value = True
step("burst", burst_cmd.transmit(cause=c104.Cot.ACTIVATION))
step("gi 3 during burst", connection.interrogation(common_address=3))
wait(lambda: sum(1 for r in records if r[1] == 300 and r[3] == "SPONTANEOUS") >= 30, limit=3.0)
rows = [r for r in taken() if r[1] == 300]
spontaneous = [r[4] for r in rows if r[3] == "SPONTANEOUS"]
step("burst received", len(spontaneous), set(spontaneous) == {f"Int16:{n * 10}" for n in range(1, 31)},
     show(events.get_point(io_address=300).value))

# lock remote access: a second client is refused until it is unlocked
lock_cmd.value = True
step("lock", lock_cmd.transmit(cause=c104.Cot.ACTIVATION))
second = c104.Client(tick_rate_ms=50, command_timeout_ms=1000)
other = second.add_connection(ip="127.0.0.1", port=port, init=c104.Init.NONE)
second.start()
step("second while locked", wait(lambda: other.state == c104.ConnectionState.OPEN, limit=0.6))
lock_cmd.value = False
step("unlock", lock_cmd.transmit(cause=c104.Cot.ACTIVATION))
step("second after unlock", opened(other, limit=4.0))
second.stop()

# disconnect and connect again
connection.disconnect()
step("disconnected", wait(lambda: connection.state == c104.ConnectionState.CLOSED, limit=3.0),
     connection.is_connected, connection.connected_at is None)
attempt("command while disconnected", lambda: lock_cmd.transmit(cause=c104.Cot.ACTIVATION))
connection.connect()
step("connected again", opened(connection), connection.disconnected_at is None, show(connection.connected_at))
step("gi 2 again", connection.interrogation(common_address=2))
for row in taken():
    step("again", row)
client.stop()
with lock:
    counted = {}
    for row in wire["out"]:
        counted[row] = counted.get(row, 0) + 1
    for row, count in sorted(counted.items()):
        step("wire out", row, count)
    step("wire in spontaneous", sum(r[3] for r in wire["in"] if r[:3] == ("M_ME_NB_1", "SPONTANEOUS", 3)))
    for row in sorted(set(unexpected)):
        step("unexpected", row)
