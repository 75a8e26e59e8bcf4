"""A c104 RTU script of a small plant: four stations, points of many types with
``on_before_read``, a cyclic point, command points with return information and a refused range,
a select-and-execute breaker, a remote-access lock that ``on_connect`` honours, and a burst of
spontaneous reports sent from the main thread while the client interrogates. What a script's
own mistakes raise (wrong value types, duplicate or out-of-range addresses, bad report_ms ...)
is printed at the end.

Usage: python plant_rtu.py PORT. Prints READY, then EVENT lines; ends when stdin closes.
"""

import datetime
import sys
import threading

import c104

port = int(sys.argv[1])
T = datetime.datetime(2024, 2, 29, 23, 59, 58, 500000)
lock = threading.Lock()
probes = []
burst = threading.Event()
state = {"locked": False, "reads": 0, "connects": 0}


def note(*parts):
    with lock:
        print("EVENT", *parts, flush=True)


def probe(label, action):
    try:
        result = action()
        if hasattr(result, "name") and not isinstance(result, type):
            result = result.name
        elif isinstance(result, c104.Point):
            result = "a Point"
        elif result is not None and not isinstance(result, (bool, int, float, str, tuple)):
            result = type(result).__name__
        probes.append(f"{label} -> {result}")
    except Exception as exc:  # what the script's mistakes raise is the point
        caught = [e.__name__ for e in (ValueError, TypeError, AttributeError, IndexError, RuntimeError) if isinstance(exc, e)]
        probes.append(f"{label} !! {'|'.join(caught) or type(exc).__name__}")


server = c104.Server(ip="127.0.0.1", port=port, tick_rate_ms=50, select_timeout_ms=800, max_connections=3)
server.protocol_parameters.keep_alive_interval = 5
feeder = server.add_station(common_address=1)
transformer = server.add_station(common_address=2)
events = server.add_station(common_address=3)
hidden = server.add_station(common_address=4)

breaker = feeder.add_point(io_address=100, type=c104.Type.M_DP_TB_1)
breaker.info = c104.DoubleInfo(state=c104.Double.OFF, quality=c104.Quality(), recorded_at=T)
earth = feeder.add_point(io_address=101, type=c104.Type.M_SP_NA_1)
earth.value = False
earth.quality = c104.Quality.Invalid | c104.Quality.NonTopical
current = feeder.add_point(io_address=102, type=c104.Type.M_ME_NC_1, report_ms=200)
current.value = 100.0
energy = feeder.add_point(io_address=103, type=c104.Type.M_IT_NA_1)
energy.info = c104.BinaryCounterInfo(counter=123456, sequence=c104.UInt5(0), quality=c104.BinaryCounterQuality())
tap = transformer.add_point(io_address=200, type=c104.Type.M_ST_TB_1)
tap.info = c104.StepInfo(state=c104.Int7(5), transient=False, recorded_at=T)
oil = transformer.add_point(io_address=201, type=c104.Type.M_ME_TE_1)
oil.info = c104.ScaledInfo(actual=c104.Int16(-40), quality=c104.Quality.Overflow, recorded_at=T)
status_word = transformer.add_point(io_address=202, type=c104.Type.M_BO_TB_1)
status_word.info = c104.BinaryInfo(blob=c104.Byte32(b"\x00\x00\x80\x01"), recorded_at=T)
setpoint_fb = transformer.add_point(io_address=203, type=c104.Type.M_ME_NC_1)
setpoint_fb.value = 11.0
counter = events.add_point(io_address=300, type=c104.Type.M_ME_NB_1)
counter.value = c104.Int16(0)
secret = hidden.add_point(io_address=400, type=c104.Type.M_SP_NA_1)
secret.value = True

close_cmd = feeder.add_point(io_address=1, type=c104.Type.C_DC_NA_1, command_mode=c104.CommandMode.SELECT_AND_EXECUTE,
                             related_io_address=100, related_io_autoreturn=True)
tap_cmd = transformer.add_point(io_address=2, type=c104.Type.C_RC_TA_1, related_io_address=200, related_io_autoreturn=True)
voltage_cmd = transformer.add_point(io_address=3, type=c104.Type.C_SE_NC_1, related_io_address=203)
lock_cmd = events.add_point(io_address=4, type=c104.Type.C_SC_NA_1)
burst_cmd = events.add_point(io_address=5, type=c104.Type.C_SC_NA_1)
mask_cmd = events.add_point(io_address=6, type=c104.Type.C_BO_TA_1)

# a script's mistakes
probe("duplicate ioa", lambda: feeder.add_point(io_address=100, type=c104.Type.M_SP_NA_1))
probe("ioa 2**24", lambda: feeder.add_point(io_address=2**24, type=c104.Type.M_SP_NA_1))
probe("report_ms 120", lambda: feeder.add_point(io_address=110, type=c104.Type.M_ME_NC_1, report_ms=120))
probe("report_ms on command", lambda: feeder.add_point(io_address=111, type=c104.Type.C_SC_NA_1, report_ms=100))
probe("autoreturn alone", lambda: feeder.add_point(io_address=112, type=c104.Type.C_SC_NA_1, related_io_autoreturn=True))
probe("unsupported type", lambda: feeder.add_point(io_address=113, type=c104.Type.C_IC_NA_1))
probe("duplicate station", lambda: server.add_station(common_address=1))
probe("value str on DP", lambda: setattr(breaker, "value", "ON"))
probe("value bool on DP", lambda: setattr(breaker, "value", True))
probe("value float on IT", lambda: setattr(energy, "value", 1.5))
probe("info class mismatch", lambda: setattr(earth, "info", c104.DoubleInfo(state=c104.Double.ON)))
probe("quality on counter", lambda: setattr(energy, "quality", c104.Quality.Invalid))
probe("transmit without client", lambda: counter.transmit(cause=c104.Cot.SPONTANEOUS))
probe("empty batch", lambda: server.transmit_batch(c104.Batch(cause=c104.Cot.SPONTANEOUS)))
probe("batch mixed types", lambda: c104.Batch(cause=c104.Cot.SPONTANEOUS, points=[earth, current]))
probe("get_station 9", lambda: server.get_station(common_address=9))
probe("remove_station 9", lambda: server.remove_station(common_address=9))
probe("point count", lambda: (len(feeder.points), feeder.has_points, feeder.is_local, feeder.server is server))
probe("recorded_at kept", lambda: breaker.recorded_at == T)
probe("processed_at type", lambda: type(breaker.processed_at).__name__)
probe("timer_ms", lambda: current.timer_ms)
probe("report_ms", lambda: current.report_ms)
probe("related", lambda: (voltage_cmd.related_io_address, voltage_cmd.related_io_autoreturn, close_cmd.command_mode.name))


def on_before_read(point: c104.Point) -> None:
    with lock:
        state["reads"] += 1
    if point.io_address == 203:
        point.value = point.value + 0.5


def on_auto(point: c104.Point) -> None:
    point.value = point.value + 1.0


def on_close(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    note("close", point.value.name, previous_info.value.name, message.is_select_command, message.originator_address)
    breaker.info = c104.DoubleInfo(state=point.value, recorded_at=T)
    return c104.ResponseState.SUCCESS


def on_tap(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    info = point.info
    note("tap", info.direction.name, info.qualifier.name, info.recorded_at is not None)
    if info.direction == c104.Step.HIGHER and int(tap.value) >= 6:
        return c104.ResponseState.FAILURE  # the tap changer is at its top position
    tap.value = c104.Int7(int(tap.value) + (1 if info.direction == c104.Step.HIGHER else -1))
    return c104.ResponseState.SUCCESS


def on_voltage(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    note("voltage", round(point.value, 2), round(previous_info.value, 2), int(point.info.qualifier))
    if not 9.0 <= point.value <= 12.0:
        return c104.ResponseState.FAILURE
    setpoint_fb.value = point.value
    setpoint_fb.transmit(cause=c104.Cot.RETURN_INFO_REMOTE)
    return c104.ResponseState.SUCCESS


def on_lock(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    with lock:
        state["locked"] = point.value
    note("lock", point.value)
    return c104.ResponseState.SUCCESS


def on_burst(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    burst.set()
    return c104.ResponseState.SUCCESS


def on_mask(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    note("mask", bytes(point.value).hex(), point.info.recorded_at is not None, message.type.name)
    return c104.ResponseState.SUCCESS


def on_connect(server: c104.Server, ip: str) -> bool:
    with lock:
        state["connects"] += 1
        locked = state["locked"]
    note("connect", ip, not locked)
    return not locked


def on_clock(server: c104.Server, ip: str, date_time: datetime.datetime) -> c104.ResponseState:
    note("clock", ip.split(":")[0], abs((date_time - datetime.datetime.now()).total_seconds()) < 5)
    return c104.ResponseState.FAILURE  # this RTU keeps GPS time


def on_unexpected(server: c104.Server, message: c104.IncomingMessage, cause: c104.Umc) -> None:
    note("unexpected", message.type.name, message.cot.name, message.common_address, message.io_address, cause.name)


for point in (breaker, earth, tap, oil, status_word, setpoint_fb):
    point.on_before_read(callable=on_before_read)
current.on_before_auto_transmit(callable=on_auto)
close_cmd.on_receive(callable=on_close)
tap_cmd.on_receive(callable=on_tap)
voltage_cmd.on_receive(callable=on_voltage)
lock_cmd.on_receive(callable=on_lock)
burst_cmd.on_receive(callable=on_burst)
mask_cmd.on_receive(callable=on_mask)
server.on_connect(callable=on_connect)
server.on_clock_sync(callable=on_clock)
server.on_unexpected_message(callable=on_unexpected)
server.start()
probe("start twice", server.start)
other = c104.Server(ip="127.0.0.1", port=port)
probe("port in use", other.start)
print("READY", flush=True)

# the main thread: a burst of spontaneous reports when the client asks for it
sent = []
if burst.wait(timeout=20):
    for n in range(1, 31):
        counter.value = c104.Int16(n * 10)
        sent.append(counter.transmit(cause=c104.Cot.SPONTANEOUS))
note("burst", len(sent), all(sent))
sys.stdin.read()
note("final", breaker.value.name, int(tap.value), round(setpoint_fb.value, 2), int(counter.value), state["reads"] > 0,
     server.is_running)
server.stop()
note("stopped", server.is_running, server.open_connection_count)
for line in probes:
    print("EVENT probe", line, flush=True)
