"""A c104 script (server and client in one process) that sends values at the edges of their types
and every quality flag, as a utility's test bench does before it trusts a gateway: normalized
-1 and the largest positive, scaled -32768/32767, float NaN, infinities, tiny and huge floats,
step positions -64/63, counters at the 32-bit limits, bitstrings with every bit, the quality
flags one by one, time tags at the edges of the CP56Time2a range, and the runtime changes a
script makes (report_ms, related_io_address, command_mode, points and stations removed).

Usage: python extremes.py PORT. Prints STEP lines.
"""

import datetime
import math
import sys
import threading
import time

import c104

port = int(sys.argv[1])
lock = threading.Lock()
received = []


def step(*parts):
    print("STEP", *parts, flush=True)


def show(value):
    if type(value).__name__ in ("Quality", "BinaryCounterQuality"):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if hasattr(value, "name") and not isinstance(value, type):
        return value.name
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)
    if isinstance(value, (bool, int, str, type(None))):
        return value
    if type(value).__name__ == "Byte32":
        return bytes(value).hex()
    if type(value).__name__ == "NormalizedFloat":
        return round(float(value), 6)
    return f"{type(value).__name__}:{int(value)}"


def attempt(action):
    try:
        result = action()
        return "ok" if result is None else show(result)
    except Exception as exc:  # what a script's mistakes raise is the point
        return "!! " + "|".join(e.__name__ for e in (ValueError, TypeError, IndexError, OverflowError) if isinstance(exc, e))


def wait(predicate, limit=5.0):
    deadline = time.monotonic() + limit
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


server = c104.Server(ip="127.0.0.1", port=port, tick_rate_ms=50)
rtu = server.add_station(common_address=100)
spare = server.add_station(common_address=101)
spare.add_point(io_address=1, type=c104.Type.M_SP_NA_1)
points = {
    "normalized": rtu.add_point(io_address=1, type=c104.Type.M_ME_NA_1),
    "scaled": rtu.add_point(io_address=2, type=c104.Type.M_ME_NB_1),
    "float": rtu.add_point(io_address=3, type=c104.Type.M_ME_NC_1),
    "step": rtu.add_point(io_address=4, type=c104.Type.M_ST_NA_1),
    "counter": rtu.add_point(io_address=5, type=c104.Type.M_IT_NA_1),
    "bits": rtu.add_point(io_address=6, type=c104.Type.M_BO_NA_1),
    "single": rtu.add_point(io_address=7, type=c104.Type.M_SP_TB_1),
    "double": rtu.add_point(io_address=8, type=c104.Type.M_DP_NA_1),
}
command = rtu.add_point(io_address=50, type=c104.Type.C_SC_NA_1)
status = rtu.add_point(io_address=51, type=c104.Type.M_SP_NA_1)


def on_command(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    status.value = point.value
    return c104.ResponseState.SUCCESS


command.on_receive(callable=on_command)
server.start()


def on_value(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    with lock:
        received.append((point.io_address, message.cot.name, show(point.value), show(point.quality), show(point.recorded_at)))
    return c104.ResponseState.NONE


def on_new_point(client: c104.Client, station: c104.Station, io_address: int, point_type: c104.Type) -> None:
    station.add_point(io_address=io_address, type=point_type).on_receive(callable=on_value)


client = c104.Client(tick_rate_ms=50, command_timeout_ms=1000)
client.on_new_point(callable=on_new_point)
connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.NONE)
client.start()
opened = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=3.0)
if not opened and connection.state == c104.ConnectionState.OPEN_MUTED:
    connection.unmute()  # c104 2.2.1 now and then sends no STARTDT: scripts written for it send it
    opened = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=3.0)
step("open", opened)
wait(lambda: server.active_connection_count == 1, limit=2.0)


def send(name, value=None, info=None):
    """Set the RTU's point, transmit it, and return what the client's on_receive saw."""
    point = points[name]
    with lock:
        received.clear()
    if info is not None:
        result = attempt(lambda: setattr(point, "info", info))
    else:
        result = attempt(lambda: setattr(point, "value", value))
    if result != "ok":
        return result
    point.transmit(cause=c104.Cot.SPONTANEOUS)
    wait(lambda: len(received) >= 1, limit=2.0)
    with lock:
        return received[-1][2:] if received else "nothing"


for value in (c104.NormalizedFloat(-1.0), c104.NormalizedFloat(0.999969482421875), c104.NormalizedFloat(0.5)):
    step("normalized", show(value), send("normalized", value))
step("normalized 1.0", attempt(lambda: c104.NormalizedFloat(1.0)))
step("normalized -1.5", attempt(lambda: c104.NormalizedFloat(-1.5)))
for value in (c104.Int16(-32768), c104.Int16(32767), c104.Int16(0)):
    step("scaled", show(value), send("scaled", value))
step("Int16 32768", attempt(lambda: c104.Int16(32768)))
for value in (float("nan"), float("inf"), float("-inf"), 1e-45, 3.4e38, 1e39, -0.0, 0.1):
    step("float", show(value), send("float", value))
for value in (c104.Int7(-64), c104.Int7(63)):
    step("step", show(value), send("step", value))
step("step transient", send("step", info=c104.StepInfo(state=c104.Int7(-1), transient=True, quality=c104.Quality.Invalid)))
step("Int7 64", attempt(lambda: c104.Int7(64)))
for value in (2**31 - 1, -(2**31), -1):
    step("counter", value, send("counter", info=c104.BinaryCounterInfo(
        counter=value, sequence=c104.UInt5(31), quality=c104.BinaryCounterQuality.Invalid | c104.BinaryCounterQuality.Carry)))
for value in (b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\x80"):
    step("bits", value.hex(), send("bits", c104.Byte32(value)))
for flag in ("Overflow", "ElapsedTimeInvalid", "Blocked", "Substituted", "NonTopical", "Invalid"):
    quality = getattr(c104.Quality, flag)
    step("quality", flag, send("double", info=c104.DoubleInfo(state=c104.Double.INDETERMINATE, quality=quality)))
step("double all flags", send("double", info=c104.DoubleInfo(
    state=c104.Double.INTERMEDIATE, quality=c104.Quality.Blocked | c104.Quality.Substituted | c104.Quality.NonTopical | c104.Quality.Invalid)))
for when in (datetime.datetime(2000, 1, 1, 0, 0, 0), datetime.datetime(2099, 12, 31, 23, 59, 59, 999000),
             datetime.datetime(2024, 2, 29, 12, 0, 0, 1000), datetime.datetime(2024, 2, 29, 12, 0, 0, 1500)):
    step("time tag", when.isoformat(), send("single", info=c104.SingleInfo(on=True, recorded_at=when)))
step("time tag 1999", send("single", info=c104.SingleInfo(on=False, recorded_at=datetime.datetime(1999, 12, 31, 23, 59))))

# runtime changes a script makes
status_point = points["float"]
step("report_ms set", attempt(lambda: setattr(status_point, "report_ms", 100)), status_point.report_ms)
with lock:
    received.clear()
time.sleep(0.5)
with lock:
    periodic = [row for row in received if row[0] == 3 and row[1] == "PERIODIC"]
step("periodic after set", len(periodic) >= 2)
step("report_ms 0", attempt(lambda: setattr(status_point, "report_ms", 0)), status_point.report_ms)
step("report_ms 75", attempt(lambda: setattr(status_point, "report_ms", 75)))
step("related set", attempt(lambda: setattr(command, "related_io_address", 51)), command.related_io_address)
step("autoreturn set", attempt(lambda: setattr(command, "related_io_autoreturn", True)), command.related_io_autoreturn)
time.sleep(0.1)
with lock:
    received.clear()
c_command = connection.get_station(common_address=100).add_point(io_address=50, type=c104.Type.C_SC_NA_1)
c_command.value = True
step("command", c_command.transmit(cause=c104.Cot.ACTIVATION))
wait(lambda: any(row[0] == 51 for row in received), limit=2.0)
with lock:
    step("return info", [row[:3] for row in received if row[0] == 51])
step("command_mode set", attempt(lambda: setattr(command, "command_mode", c104.CommandMode.SELECT_AND_EXECUTE)), command.command_mode.name)
step("direct now refused", c_command.transmit(cause=c104.Cot.ACTIVATION))
c_command.command_mode = c104.CommandMode.SELECT_AND_EXECUTE
step("select and execute", c_command.transmit(cause=c104.Cot.ACTIVATION))
step("remove point", rtu.remove_point(io_address=50), rtu.get_point(io_address=50))
step("removed point transmit", attempt(lambda: command.transmit(cause=c104.Cot.SPONTANEOUS)))
step("command to removed", c_command.transmit(cause=c104.Cot.ACTIVATION))
step("remove station", server.remove_station(common_address=101), [s.common_address for s in server.stations])
step("gi removed station", connection.interrogation(common_address=101))
client.stop()
server.stop()
