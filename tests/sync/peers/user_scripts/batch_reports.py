"""A c104 script (server and client in one process) of an RTU that reports in batches, as a
data concentrator does after it polled its field devices: batches built point by point and from a
list, with each cause (spontaneous, periodic, background scan, request, interrogated,
initialised), of several types, a batch the script gets wrong, a timer that changes its interval,
end-of-initialisation with each cause; the master records every message's header and objects.

Usage: python batch_reports.py PORT. Prints STEP lines.
"""

import sys
import threading
import time

import c104

port = int(sys.argv[1])
lock = threading.Lock()
messages = []
inits = []
ticks = []


def step(*parts):
    print("STEP", *parts, flush=True)


def wait(predicate, limit=5.0):
    deadline = time.monotonic() + limit
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


def attempt(action):
    try:
        result = action()
        return "ok" if result is None else result
    except Exception as exc:  # what a script's mistake raises is the point
        return "!! " + "|".join(e.__name__ for e in (ValueError, TypeError, IndexError, AttributeError, RuntimeError) if isinstance(exc, e))


def number(value):
    if isinstance(value, float):
        return round(value, 2)
    if hasattr(value, "name"):
        return value.name
    if isinstance(value, (bool, int)):
        return value
    return round(float(value), 3) if type(value).__name__ == "NormalizedFloat" else int(value)


def batch_view(batch):
    return (batch.common_address, batch.type.name, batch.cot.name, batch.number_of_objects, batch.has_points,
            [p.io_address for p in batch.points], batch.originator_address, batch.is_negative, batch.is_test)


# ---- the concentrator ------------------------------------------------------------------------------------
def on_tick(point: c104.Point) -> None:
    with lock:
        ticks.append(point.timer_ms)


server = c104.Server(ip="127.0.0.1", port=port, tick_rate_ms=50)
hub = server.add_station(common_address=40)
other = server.add_station(common_address=41)
temperatures = [hub.add_point(io_address=100 + n, type=c104.Type.M_ME_NC_1) for n in range(4)]
levels = [hub.add_point(io_address=200 + n, type=c104.Type.M_ME_NB_1) for n in (0, 1, 5)]
switches = [hub.add_point(io_address=300 + n, type=c104.Type.M_SP_NA_1) for n in range(3)]
remote = other.add_point(io_address=100, type=c104.Type.M_ME_NC_1)
clock = hub.add_point(io_address=1, type=c104.Type.M_SP_NA_1)
clock.on_timer(callable=on_tick, interval_ms=200)
step("timer", clock.timer_ms)
server.start()

# ---- the master -----------------------------------------------------------------------------------------
def on_raw(connection: c104.Connection, data: bytes) -> None:
    if len(data) > 6 and data[2] & 1 == 0:
        explained = c104.explain_bytes_dict(apdu=data)
        with lock:
            messages.append((explained["commonAddress"], explained["type"].name, explained["cot"].name,
                             explained["numberOfObjects"], explained["negative"], explained["test"]))


values = []


def on_value(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    with lock:
        values.append((message.common_address, point.io_address, message.cot.name, number(point.value)))
    return c104.ResponseState.NONE


def on_new_point(client: c104.Client, station: c104.Station, io_address: int, point_type: c104.Type) -> None:
    station.add_point(io_address=io_address, type=point_type).on_receive(callable=on_value)


def on_initialized(client: c104.Client, station: c104.Station, cause: c104.Coi) -> None:
    with lock:
        inits.append((station.common_address, cause.name))


client = c104.Client(tick_rate_ms=50, command_timeout_ms=2000)
client.on_new_point(callable=on_new_point)
client.on_station_initialized(callable=on_initialized)
connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.NONE)
connection.on_receive_raw(callable=on_raw)
client.start()
opened = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=3.0)
if not opened and connection.state == c104.ConnectionState.OPEN_MUTED:
    connection.unmute()  # c104 2.2.1 now and then sends no STARTDT: scripts written for it send it
    opened = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=3.0)
step("open", opened)
wait(lambda: server.active_connection_count == 1, limit=2.0)
time.sleep(0.5)
with lock:
    step("timer ticks", len(ticks) >= 1, sorted(set(ticks)))
clock.on_timer(callable=on_tick, interval_ms=100)
step("timer changed", clock.timer_ms)
step("timer off 0", attempt(lambda: clock.on_timer(callable=None, interval_ms=0)))
clock.on_timer(callable=None, interval_ms=100)
step("timer off", clock.timer_ms)
time.sleep(0.2)
with lock:
    ticks.clear()
time.sleep(0.3)
step("no ticks", ticks)

# batches with each cause
for n, point in enumerate(temperatures):
    point.value = 20.0 + n
for n, point in enumerate(levels):
    point.value = c104.Int16(10 * (n + 1))
for n, point in enumerate(switches):
    point.value = n % 2 == 0
built = c104.Batch(cause=c104.Cot.SPONTANEOUS)
step("empty", batch_view(built))
for point in temperatures:
    built.add_point(point)
step("built", batch_view(built))
step("add twice", attempt(lambda: built.add_point(temperatures[0])))
step("add other type", attempt(lambda: built.add_point(levels[0])))
step("add other station", attempt(lambda: built.add_point(remote)))
step("built after mistakes", batch_view(built))
listed = c104.Batch(cause=c104.Cot.PERIODIC, points=levels)
step("listed", batch_view(listed))
scan = c104.Batch(cause=c104.Cot.BACKGROUND_SCAN, points=switches)
requested = c104.Batch(cause=c104.Cot.REQUEST, points=[temperatures[2]])
interrogated = c104.Batch(cause=c104.Cot.INTERROGATED_BY_STATION, points=switches[:2])
initial = c104.Batch(cause=c104.Cot.INITIALIZED, points=levels[1:])
with lock:
    messages.clear()
    values.clear()
for batch in (built, listed, scan, requested, interrogated, initial):
    step("transmit", batch.cot.name, server.transmit_batch(batch))
step("transmit empty", server.transmit_batch(c104.Batch(cause=c104.Cot.SPONTANEOUS)))
wait(lambda: len(values) >= 16, limit=3.0)
time.sleep(0.2)
with lock:
    step("messages", sorted(messages))
    step("values", sorted(values))
    messages.clear()
    values.clear()

# end of initialisation with each cause
for cause in (c104.Coi.LOCAL_POWER_ON, c104.Coi.LOCAL_MANUAL_RESET, c104.Coi.REMOTE_RESET):
    hub.signal_initialized(cause=cause)
other.signal_initialized(cause=c104.Coi.LOCAL_POWER_ON)
wait(lambda: len(inits) >= 4, limit=3.0)
time.sleep(0.1)
with lock:
    step("initialized", sorted(inits))
    step("init messages", sorted(messages))

# a changed value goes out in the next batch, the old batch object holds the points
temperatures[0].value = 99.5
with lock:
    values.clear()
step("again", server.transmit_batch(built))
wait(lambda: len(values) >= 4, limit=2.0)
with lock:
    step("again values", sorted(values))
client.stop()
step("transmit without client", server.transmit_batch(listed))
server.stop()
