"""A c104 script (server and client in one process): the less common monitoring types (protection
events, packed single points, normalized values without quality, time-tagged step positions,
bitstrings, measured values and counters) sent spontaneously and as a batch, and what the
client's on_receive sees of each: value, its extra fields, quality and time tag.

Usage: python rare_types.py PORT. Prints STEP lines.
"""

import datetime
import sys
import threading
import time

import c104

port = int(sys.argv[1])
T = datetime.datetime(2024, 5, 6, 7, 8, 9, 123000)
lock = threading.Lock()
seen = []
FLAGS = ("Quality", "BinaryCounterQuality", "StartEvents", "OutputCircuits", "PackedSingle")


def step(*parts):
    print("STEP", *parts, flush=True)


def show(value):
    if type(value).__name__ in FLAGS:
        return f"{type(value).__name__}({value.value if hasattr(value, 'value') else int(value)})"
    if isinstance(value, datetime.datetime):
        return "T" if value == T else "other"
    if hasattr(value, "name") and not isinstance(value, type):
        return value.name
    if isinstance(value, float):
        return round(value, 4)
    if type(value).__name__ == "Byte32":
        return bytes(value).hex()
    if type(value).__name__ in ("Int7", "Int16", "UInt16", "UInt5", "NormalizedFloat"):
        return round(float(value), 4)
    return value


EXTRA = ("elapsed_ms", "relay_duration_ms", "relay_operating_ms", "changed", "transient", "sequence")


def on_value(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    info = point.info
    extra = tuple((name, show(getattr(info, name))) for name in EXTRA if hasattr(info, name))
    with lock:
        seen.append((point.io_address, message.type.name, message.cot.name, type(info).__name__, show(info.value),
                     show(info.quality), show(info.recorded_at), extra, message.number_of_objects))
    return c104.ResponseState.NONE


def on_new_point(client: c104.Client, station: c104.Station, io_address: int, point_type: c104.Type) -> None:
    station.add_point(io_address=io_address, type=point_type).on_receive(callable=on_value)


def wait(predicate, limit=5.0):
    deadline = time.monotonic() + limit
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


server = c104.Server(ip="127.0.0.1", port=port)
rtu = server.add_station(common_address=5)
Q = c104.Quality
points = []


def add(ioa, t, info):
    point = rtu.add_point(io_address=ioa, type=t)
    point.info = info
    points.append(point)
    return point


add(1, c104.Type.M_EP_TD_1, c104.ProtectionEventInfo(state=c104.EventState.ON, elapsed_ms=c104.UInt16(250), quality=Q.Invalid, recorded_at=T))
add(2, c104.Type.M_EP_TE_1, c104.ProtectionStartInfo(events=c104.StartEvents.PhaseL1 | c104.StartEvents.InEarthCurrent, relay_duration_ms=c104.UInt16(30), quality=Q.Blocked, recorded_at=T))
add(3, c104.Type.M_EP_TF_1, c104.ProtectionCircuitInfo(events=c104.OutputCircuits.PhaseL3, relay_duration_ms=c104.UInt16(40), recorded_at=T))
add(4, c104.Type.M_PS_NA_1, c104.StatusAndChanged(status=c104.PackedSingle.I0 | c104.PackedSingle.I15, changed=c104.PackedSingle.I15, quality=Q.NonTopical))
add(5, c104.Type.M_ME_ND_1, c104.NormalizedInfo(actual=c104.NormalizedFloat(0.75)))
add(6, c104.Type.M_ME_TD_1, c104.NormalizedInfo(actual=c104.NormalizedFloat(-0.125), quality=Q.Overflow, recorded_at=T))
add(7, c104.Type.M_ME_TE_1, c104.ScaledInfo(actual=c104.Int16(-32768), recorded_at=T))
add(8, c104.Type.M_ST_TB_1, c104.StepInfo(state=c104.Int7(63), transient=True, quality=Q.Substituted, recorded_at=T))
add(9, c104.Type.M_BO_TB_1, c104.BinaryInfo(blob=c104.Byte32(b"\xff\x00\x00\x80"), recorded_at=T))
add(10, c104.Type.M_IT_TB_1, c104.BinaryCounterInfo(counter=2147483647, sequence=c104.UInt5(31), quality=c104.BinaryCounterQuality.Invalid, recorded_at=T))
add(11, c104.Type.M_SP_TB_1, c104.SingleInfo(on=True, recorded_at=T))
batch = c104.Batch(cause=c104.Cot.SPONTANEOUS)
for n in range(3):
    tagged = rtu.add_point(io_address=20 + n, type=c104.Type.M_DP_TB_1)
    tagged.info = c104.DoubleInfo(state=c104.Double.ON if n % 2 else c104.Double.OFF, quality=Q.Invalid if n == 2 else Q(), recorded_at=T)
    batch.add_point(tagged)
server.start()

client = c104.Client(tick_rate_ms=100, command_timeout_ms=2000)
client.on_new_point(callable=on_new_point)
connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.NONE)
client.start()
opened = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=3.0)
if not opened and connection.state == c104.ConnectionState.OPEN_MUTED:
    connection.unmute()  # c104 2.2.1 now and then sends no STARTDT: scripts written for it send it
    opened = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=3.0)
step("open", opened)
wait(lambda: server.active_connection_count == 1, limit=2.0)
time.sleep(0.3)
step("transmitted", [p.transmit(cause=c104.Cot.SPONTANEOUS) for p in points])
step("batch", batch.number_of_objects, batch.is_sequence, server.transmit_batch(batch))
wait(lambda: len(seen) >= len(points) + 3, limit=3.0)
time.sleep(0.2)
with lock:
    for row in sorted(seen):
        step("received", row)
client.stop()
server.stop()
