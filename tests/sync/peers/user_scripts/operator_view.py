"""A c104 script (server and client in one process) as an operator display and its test RTU
write it: the RTU sends its points with each cause a real RTU uses (spontaneous, periodic,
background scan, request, return information, initialised) and reads back its own points'
attributes; the display finds its connection and stations by address, reads the attributes of
every point it got from the interrogation, polls points with ``read()``, drops a point it no
longer wants and sees it come back, and checks each message's header fields.

Usage: python operator_view.py PORT. Prints STEP lines.
"""

import datetime
import sys
import threading
import time

import c104

port = int(sys.argv[1])
lock = threading.Lock()
seen = []
new_points = []


def step(*parts):
    print("STEP", *parts, flush=True)


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
    if type(value).__name__ == "NormalizedFloat":
        return round(float(value), 3)
    if type(value).__name__ == "Byte32":
        return bytes(value).hex()
    return f"{type(value).__name__}:{int(value)}"


def attempt(action):
    try:
        result = action()
        return "ok" if result is None else show(result)
    except Exception as exc:  # what a script's mistake raises is the point
        return "!! " + "|".join(e.__name__ for e in (ValueError, TypeError, IndexError, AttributeError, RuntimeError) if isinstance(exc, e))


def wait(predicate, limit=5.0):
    deadline = time.monotonic() + limit
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


def attributes(point):
    return (
        point.io_address, point.type.name, type(point.info).__name__, show(point.value), show(point.quality),
        show(point.recorded_at), type(point.processed_at).__name__, point.station.common_address,
    )


# ---- the RTU ----------------------------------------------------------------------------------------
sampled = [0]


def on_sample(point: c104.Point) -> None:
    sampled[0] += 1
    point.value = 40.0 + sampled[0]


server = c104.Server(ip="127.0.0.1", port=port, tick_rate_ms=50, select_timeout_ms=2000)
feeder = server.add_station(common_address=20)
bay = server.add_station(common_address=21)
breaker = feeder.add_point(io_address=1, type=c104.Type.M_DP_NA_1)
breaker.value = c104.Double.ON
current = feeder.add_point(io_address=2, type=c104.Type.M_ME_NC_1)
current.value = 123.5
voltage = feeder.add_point(io_address=3, type=c104.Type.M_ME_NB_1)
voltage.value = c104.Int16(1100)
alarm = feeder.add_point(io_address=4, type=c104.Type.M_SP_NA_1)
alarm.info = c104.SingleInfo(on=False, quality=c104.Quality.NonTopical)
energy = feeder.add_point(io_address=5, type=c104.Type.M_IT_NA_1)
energy.info = c104.BinaryCounterInfo(counter=5000, sequence=c104.UInt5(1), quality=c104.BinaryCounterQuality())
sample = feeder.add_point(io_address=6, type=c104.Type.M_ME_NC_1)
sample.on_before_read(callable=on_sample)
trip = feeder.add_point(io_address=10, type=c104.Type.C_DC_NA_1, related_io_address=1, related_io_autoreturn=True,
                        command_mode=c104.CommandMode.SELECT_AND_EXECUTE)
tap = bay.add_point(io_address=1, type=c104.Type.M_ST_NA_1)
tap.info = c104.StepInfo(state=c104.Int7(4), transient=False)
limit = bay.add_point(io_address=2, type=c104.Type.M_ME_NA_1, report_ms=500)
limit.value = c104.NormalizedFloat(0.25)

step("rtu points", [attributes(p) for p in feeder.points + bay.points])
step("rtu command", trip.related_io_address, trip.related_io_autoreturn, trip.command_mode.name, trip.report_ms, trip.timer_ms)
step("rtu report", limit.report_ms, limit.timer_ms, limit.related_io_address is None or limit.related_io_address == 0)
step("rtu station", feeder.common_address, feeder.is_local, feeder.server is server, [p.io_address for p in feeder.points])
step("rtu get_station", server.get_station(common_address=21) is bay, server.get_station(common_address=22))
step("rtu transmit stopped", breaker.transmit(cause=c104.Cot.SPONTANEOUS))
server.start()
step("rtu running", server.is_running, server.has_open_connections, server.active_connection_count)

# ---- the display --------------------------------------------------------------------------------------


def on_value(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    with lock:
        seen.append((message.common_address, point.io_address, message.type.name, message.cot.name, show(point.value),
                     message.is_negative, message.is_test, message.originator_address, message.number_of_objects))
    return c104.ResponseState.NONE


def on_new_point(client: c104.Client, station: c104.Station, io_address: int, point_type: c104.Type) -> None:
    with lock:
        new_points.append((station.common_address, io_address, point_type.name))
    station.add_point(io_address=io_address, type=point_type).on_receive(callable=on_value)


client = c104.Client(tick_rate_ms=50, command_timeout_ms=2000)
client.on_new_point(callable=on_new_point)
connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.INTERROGATION)
client.start()
opened = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=4.0)
if not opened and connection.state == c104.ConnectionState.OPEN_MUTED:
    connection.unmute()  # c104 2.2.1 now and then sends no STARTDT: scripts written for it send it
    opened = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=3.0)
step("open", opened)
wait(lambda: len(new_points) >= 7, limit=3.0)
time.sleep(0.2)
with lock:
    step("new points", sorted(new_points))
    step("gi", sorted(row for row in seen if row[3] == "INTERROGATED_BY_STATION"))
    seen.clear()

step("get_connection ip port", client.get_connection(ip="127.0.0.1", port=port) is connection)
step("get_connection ca", client.get_connection(common_address=21) is connection)
step("get_connection unknown ca", client.get_connection(common_address=99))
step("get_connection other port", client.get_connection(ip="127.0.0.1", port=port + 1))
step("connection", connection.ip, connection.port == port, connection.is_connected, connection.is_muted,
     [s.common_address for s in connection.stations], connection.has_stations)
station = connection.get_station(common_address=20)
step("get_station", station.common_address, station.connection is connection, station.is_local,
     connection.get_station(common_address=99))
step("client points", [attributes(p) for p in station.points])
step("client bay", [attributes(p) for p in connection.get_station(common_address=21).points])
step("client get_point", station.get_point(io_address=2).type.name, station.get_point(io_address=99))

# the RTU sends with each cause a real RTU uses
with lock:
    seen.clear()
for point, cause in ((current, c104.Cot.SPONTANEOUS), (current, c104.Cot.PERIODIC), (voltage, c104.Cot.BACKGROUND_SCAN),
                     (alarm, c104.Cot.REQUEST), (breaker, c104.Cot.RETURN_INFO_LOCAL), (breaker, c104.Cot.RETURN_INFO_REMOTE),
                     (tap, c104.Cot.INTERROGATED_BY_STATION), (tap, c104.Cot.INITIALIZED)):
    point.value = point.value  # what the script had set is sent again
    step("transmit", point.io_address, cause.name, point.transmit(cause=cause))
for cause in (c104.Cot.ACTIVATION, c104.Cot.ACTIVATION_CON, c104.Cot.UNKNOWN_IOA):
    step("transmit refused", cause.name, attempt(lambda cause=cause: alarm.transmit(cause=cause)))
wait(lambda: len([row for row in seen if row[:2] != (21, 2)]) >= 11, limit=3.0)
time.sleep(0.2)
with lock:
    step("causes", sorted(row for row in seen if row[:2] != (21, 2)))  # not the cyclic point
    seen.clear()

# the display polls
before = station.get_point(io_address=6).processed_at
step("read sampled", station.get_point(io_address=6).read())
wait(lambda: any(row[1] == 6 for row in seen), limit=2.0)
step("sampled value", show(station.get_point(io_address=6).value), station.get_point(io_address=6).processed_at > before)
step("read breaker", station.get_point(io_address=1).read())
step("read alarm", station.get_point(io_address=4).read())
step("read unknown", station.add_point(io_address=8, type=c104.Type.M_SP_NA_1).read())
time.sleep(0.3)
with lock:
    step("reads", sorted(row for row in seen if row[:2] != (21, 2)))
    seen.clear()

# a point the display drops comes back with the next report
step("remove point", station.remove_point(io_address=3), station.remove_point(io_address=3), station.get_point(io_address=3))
with lock:
    new_points.clear()
voltage.value = c104.Int16(1111)
voltage.transmit(cause=c104.Cot.SPONTANEOUS)
wait(lambda: any(row[:2] == (20, 3) for row in seen), limit=2.0)
with lock:
    step("back", new_points, [row for row in seen if row[:2] == (20, 3)])
    seen.clear()
step("back point", attributes(station.get_point(io_address=3)))

# a command with return information, and the RTU's view of it
status = station.get_point(io_address=1)
command = station.add_point(io_address=10, type=c104.Type.C_DC_NA_1, command_mode=c104.CommandMode.SELECT_AND_EXECUTE)
step("client command", attributes(command), command.command_mode.name)


def on_trip(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    breaker.value = point.value
    return c104.ResponseState.SUCCESS


trip.on_receive(callable=on_trip)
command.value = c104.Double.OFF
step("trip", command.transmit(cause=c104.Cot.ACTIVATION))
wait(lambda: any(row[:2] == (20, 1) for row in seen), limit=2.0)
with lock:
    step("trip return", [row for row in seen if row[:2] == (20, 1)])
step("rtu after trip", show(trip.value), show(breaker.value), trip.selected_by)
step("display after trip", show(status.value), show(command.value))

# periodic reports
with lock:
    seen.clear()
time.sleep(1.2)
with lock:
    periodic = [row for row in seen if row[1] == 2 and row[0] == 21]
step("periodic", len(periodic) >= 2, sorted(set(row[2:5] for row in periodic)))
client.stop()
server.stop()
step("stopped", connection.state.name, server.is_running)
