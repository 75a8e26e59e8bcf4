"""A c104 client script: every point the RTU has comes by on_new_point and gets an on_receive that
records what arrives (type, cause, value, quality, time tag); a global interrogation, counter
interrogations with each freeze, clock syncs, a test command, reads, and a command that makes
the RTU transmit one point with each cause.

Usage: python monitor_client.py PORT. Prints STEP lines.
"""

import datetime
import sys
import threading
import time

import c104

port = int(sys.argv[1])
T = datetime.datetime(2024, 5, 6, 7, 8, 9, 123000)
lock = threading.Lock()
records = {}
initialized = []
FLAGS = ("Quality", "BinaryCounterQuality", "StartEvents", "OutputCircuits", "PackedSingle")


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
        return round(value, 4)
    if isinstance(value, (bool, int, str, type(None))):
        return value
    if type(value).__name__ == "Byte32":
        return bytes(value).hex()
    if type(value).__name__ == "NormalizedFloat":
        return round(float(value), 4)
    return f"{type(value).__name__}:{int(value)}"


def on_value(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    info = point.info
    extra = ()
    if isinstance(info, c104.BinaryCounterInfo):
        extra = (int(info.sequence),)
    if isinstance(info, c104.StepInfo):
        extra = (info.transient,)
    row = (message.cot.name, show(info.value), show(info.quality), show(info.recorded_at), info.is_readonly,
           message.type.name, message.common_address, message.io_address == point.io_address, *extra)
    with lock:
        records.setdefault((point.station.common_address, point.io_address, point.type.name), []).append(row)
    return c104.ResponseState.NONE


def on_new_point(client: c104.Client, station: c104.Station, io_address: int, point_type: c104.Type) -> None:
    station.add_point(io_address=io_address, type=point_type).on_receive(callable=on_value)


def on_initialized(client: c104.Client, station: c104.Station, cause: c104.Coi) -> None:
    with lock:
        initialized.append((station.common_address, cause.name))


def wait(predicate, limit=5.0):
    deadline = time.monotonic() + limit
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


def taken(key):
    with lock:
        return list(records.pop(key, []))


client = c104.Client(tick_rate_ms=100, command_timeout_ms=2000)
client.on_new_point(callable=on_new_point)
client.on_station_initialized(callable=on_initialized)
connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.NONE)
client.start()
opened = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=2.0)
if not opened and connection.state == c104.ConnectionState.OPEN_MUTED:
    # c104 2.2.1 now and then sends no STARTDT (docs/c104-differences.md): scripts written for it
    # send it themselves
    connection.unmute()
    opened = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=3.0)
step("open", opened if opened else connection.state.name)
if not opened:
    client.stop()
    sys.exit(0)
time.sleep(0.3)
step("gi global", connection.interrogation(common_address=65535))
step("stations", sorted(s.common_address for s in connection.stations))
time.sleep(0.3)
north = connection.get_station(common_address=10)
south = connection.get_station(common_address=11)
flow = taken((11, 20, "M_ME_NC_1"))  # cyclic: how often it came by now depends on timing
with lock:
    for key in sorted(records):
        step("gi", key, records[key])
    records.clear()
step("ci", connection.counter_interrogation(common_address=10))
step("ci freeze", connection.counter_interrogation(common_address=10, freeze=c104.Frz.FREEZE_WITHOUT_RESET))
step("ci reset", connection.counter_interrogation(common_address=10, freeze=c104.Frz.COUNTER_RESET))
step("ci group 1", connection.counter_interrogation(common_address=10, qualifier=c104.Rqt.GROUP_1))
time.sleep(0.2)
for key in ((10, 9, "M_IT_NA_1"), (10, 10, "M_IT_TB_1")):
    step("ci values", key, [row[:5] for row in taken(key)])
step("clock", connection.clock_sync(common_address=10))
step("clock global", connection.clock_sync(common_address=65535))
step("test", connection.test(common_address=11))
sampled = south.get_point(io_address=21)
step("read 21", sampled.read(), int(sampled.value))
step("read 21 again", sampled.read(), int(sampled.value))
time.sleep(0.2)
step("read 21 records", [row[:2] for row in taken((11, 21, "M_ME_NB_1"))])
step("read 7", north.get_point(io_address=7).read())
step("read counter", north.get_point(io_address=9).read())
step("read unknown", north.add_point(io_address=99, type=c104.Type.M_SP_NA_1).read())
time.sleep(0.2)
step("read 7 records", [row[:2] for row in taken((10, 7, "M_ME_NC_1"))])
trigger = south.add_point(io_address=30, type=c104.Type.C_SC_NA_1)
trigger.value = True
step("causes", trigger.transmit(cause=c104.Cot.ACTIVATION))
wait(lambda: len(records.get((11, 22, "M_SP_NA_1"), [])) >= 7, limit=3.0)
time.sleep(0.5)
step("causes received", [row[:2] for row in taken((11, 22, "M_SP_NA_1"))])
init = south.add_point(io_address=31, type=c104.Type.C_SC_NA_1)
init.value = True
step("init command", init.transmit(cause=c104.Cot.ACTIVATION))
step("initialized", wait(lambda: len(initialized) > 0, limit=3.0), initialized)
flow += taken((11, 20, "M_ME_NC_1"))
values = [row[1] for row in flow if row[0] == "PERIODIC"]
step("periodic", len(values) >= 2, values == sorted(values), {row[0] for row in flow} <= {"PERIODIC", "INTERROGATED_BY_STATION"})
with lock:
    step("left over", sorted(records))
client.stop()
