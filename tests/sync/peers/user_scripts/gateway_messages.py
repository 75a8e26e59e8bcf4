"""A c104 script (server and client in one process) of a protocol gateway: the master takes only
the stations and points it maps (``on_new_station``, ``on_new_point``), logs what it does not map
from ``on_unexpected_message`` by walking the message's objects (``first()``, ``next()``), and
reads each mapped message's header and info; the RTU's command callbacks read the command's
message (info class, qualifier, time tag, select bit) and the point's previous info. Debug output
is switched on and off around the start.

Usage: python gateway_messages.py PORT. Prints STEP lines.
"""

import datetime
import sys
import threading
import time

import c104

port = int(sys.argv[1])
lock = threading.Lock()
mapped = []
unmapped = []
commands = []
stations_seen = []


def step(*parts):
    print("STEP", *parts, flush=True)


def wait(predicate, limit=5.0):
    deadline = time.monotonic() + limit
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


def show(value):
    if isinstance(value, datetime.datetime):
        return "datetime"
    if type(value).__name__ in ("Quality", "BinaryCounterQuality"):
        return str(value)
    if hasattr(value, "name") and not isinstance(value, type):
        return value.name
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, (bool, int, str, type(None))):
        return value
    if type(value).__name__ == "Byte32":
        return bytes(value).hex()
    return round(float(value), 3) if type(value).__name__ == "NormalizedFloat" else int(value)


# ---- the RTU ----------------------------------------------------------------------------------------
def on_command(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    info = message.info
    with lock:
        commands.append((point.io_address, message.type.name, type(info).__name__, show(info.value),
                         show(getattr(info, "qualifier", None)), show(info.recorded_at), show(previous_info.value),
                         show(point.value), message.is_select_command, message.io_address, message.number_of_objects,
                         info.is_readonly, show(info.quality)))
    return c104.ResponseState.SUCCESS


server = c104.Server(ip="127.0.0.1", port=port, tick_rate_ms=50, select_timeout_ms=2000)
rtu = server.add_station(common_address=50)
foreign = server.add_station(common_address=51)
unknown = server.add_station(common_address=52)
for ioa, kind, mode in ((1, c104.Type.C_SC_TA_1, c104.CommandMode.DIRECT), (2, c104.Type.C_SE_NC_1, c104.CommandMode.DIRECT),
                        (3, c104.Type.C_BO_NA_1, c104.CommandMode.DIRECT), (4, c104.Type.C_DC_NA_1, c104.CommandMode.SELECT_AND_EXECUTE),
                        (5, c104.Type.C_SE_NA_1, c104.CommandMode.DIRECT), (6, c104.Type.C_RC_TA_1, c104.CommandMode.DIRECT)):
    rtu.add_point(io_address=ioa, type=kind, command_mode=mode).on_receive(callable=on_command)
feed = [rtu.add_point(io_address=10 + n, type=c104.Type.M_ME_NB_1) for n in range(3)]
for n, point in enumerate(feed):
    point.value = c104.Int16(100 * n - 50)
extra = [foreign.add_point(io_address=20 + n, type=c104.Type.M_SP_NA_1) for n in range(3)]
for n, point in enumerate(extra):
    point.info = c104.SingleInfo(on=n != 1, quality=c104.Quality.Blocked if n == 2 else c104.Quality())
unknown.add_point(io_address=1, type=c104.Type.M_DP_NA_1).value = c104.Double.OFF
server.start()

# ---- the gateway -----------------------------------------------------------------------------------------
def on_new_station(client: c104.Client, connection: c104.Connection, common_address: int) -> None:
    with lock:
        stations_seen.append(common_address)
    if common_address in (50, 51):
        connection.add_station(common_address=common_address)


def on_new_point(client: c104.Client, station: c104.Station, io_address: int, point_type: c104.Type) -> None:
    if station.common_address == 50:
        station.add_point(io_address=io_address, type=point_type).on_receive(callable=on_mapped)


def on_mapped(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    with lock:
        mapped.append((point.io_address, message.io_address, message.cot.name, message.number_of_objects,
                       type(message.info).__name__, show(message.info.value), show(previous_info.value),
                       message.info.is_readonly, len(message.raw)))
    return c104.ResponseState.NONE


def on_unexpected(connection: c104.Connection, message: c104.IncomingMessage, cause: c104.Umc) -> None:
    objects = []
    message.first()
    while True:
        objects.append((message.io_address, show(message.info.value), show(message.info.quality)))
        if not message.next():
            break
    with lock:
        unmapped.append((cause.name, message.common_address, message.type.name, message.cot.name,
                         message.number_of_objects, objects))


c104.set_debug_mode(mode=c104.Debug.Client | c104.Debug.Connection)
step("debug", str(c104.get_debug_mode()))
client = c104.Client(tick_rate_ms=50, command_timeout_ms=2000)
client.on_new_station(callable=on_new_station)
client.on_new_point(callable=on_new_point)
connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.NONE)
connection.on_unexpected_message(callable=on_unexpected)
client.start()
opened = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=3.0)
if not opened and connection.state == c104.ConnectionState.OPEN_MUTED:
    connection.unmute()  # c104 2.2.1 now and then sends no STARTDT: scripts written for it send it
    opened = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=3.0)
c104.set_debug_mode(mode=c104.Debug())
step("open", opened, str(c104.get_debug_mode()))
wait(lambda: server.active_connection_count == 1, limit=2.0)

# every station sends a batch of its points
for station_points in (feed, extra):
    server.transmit_batch(c104.Batch(cause=c104.Cot.SPONTANEOUS, points=station_points))
unknown.get_point(io_address=1).transmit(cause=c104.Cot.SPONTANEOUS)
wait(lambda: len(mapped) >= 3 and len(unmapped) >= 2, limit=3.0)
time.sleep(0.2)
with lock:
    step("stations seen", sorted(set(stations_seen)), [s.common_address for s in connection.stations])
    step("mapped", sorted(mapped))
    step("unmapped", sorted(unmapped))
    mapped.clear()
    unmapped.clear()
step("foreign points", connection.get_station(common_address=51).points)

# the gateway forwards commands from its other side
station = connection.get_station(common_address=50)
pulse = station.add_point(io_address=1, type=c104.Type.C_SC_TA_1)
pulse.info = c104.SingleCmd(on=True, qualifier=c104.Qoc.LONG_PULSE, recorded_at=datetime.datetime.now())
step("pulse", pulse.transmit(cause=c104.Cot.ACTIVATION))
setpoint = station.add_point(io_address=2, type=c104.Type.C_SE_NC_1)
setpoint.info = c104.ShortCmd(target=-12.75, qualifier=c104.UInt7(17))
step("setpoint", setpoint.transmit(cause=c104.Cot.ACTIVATION))
bits = station.add_point(io_address=3, type=c104.Type.C_BO_NA_1)
bits.value = c104.Byte32(b"\x0f\x00\x00\xf0")
step("bits", bits.transmit(cause=c104.Cot.ACTIVATION))
breaker = station.add_point(io_address=4, type=c104.Type.C_DC_NA_1, command_mode=c104.CommandMode.SELECT_AND_EXECUTE)
breaker.info = c104.DoubleCmd(state=c104.Double.ON, qualifier=c104.Qoc.SHORT_PULSE)
step("breaker", breaker.transmit(cause=c104.Cot.ACTIVATION))
normalized = station.add_point(io_address=5, type=c104.Type.C_SE_NA_1)
normalized.value = c104.NormalizedFloat(-0.5)
step("normalized", normalized.transmit(cause=c104.Cot.ACTIVATION))
tap = station.add_point(io_address=6, type=c104.Type.C_RC_TA_1)
tap.info = c104.StepCmd(direction=c104.Step.HIGHER, recorded_at=datetime.datetime.now())
step("tap", tap.transmit(cause=c104.Cot.ACTIVATION))
time.sleep(0.2)
with lock:
    step("commands", commands)
step("rtu infos", [(p.io_address, type(p.info).__name__, show(p.value), p.info.is_readonly) for p in rtu.points if p.io_address < 10])
step("client infos", [(p.io_address, type(p.info).__name__, show(p.value), p.info.is_readonly) for p in station.points if p.io_address < 10])

# the gateway unmaps a station; its reports become unexpected
step("remove station", connection.remove_station(common_address=50), connection.get_station(common_address=50))
with lock:
    stations_seen.clear()
feed[0].value = c104.Int16(7)
feed[0].transmit(cause=c104.Cot.SPONTANEOUS)
wait(lambda: len(stations_seen) >= 1, limit=2.0)
time.sleep(0.2)
with lock:
    step("after remove", stations_seen, sorted(mapped), [s.common_address for s in connection.stations])
client.stop()
server.stop()
