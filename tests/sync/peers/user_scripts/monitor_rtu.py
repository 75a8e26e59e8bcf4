"""A c104 RTU script: two stations with points of every common monitoring type (time-tagged ones,
counters), a cyclic measurement (report_ms, on_before_auto_transmit), a sampled one
(on_before_read), clock sync, and commands that make it transmit a point with each cause and
signal its initialisation.

Usage: python monitor_rtu.py PORT. Prints READY, then EVENT lines; ends when stdin closes.
"""

import datetime
import sys
import threading

import c104

port = int(sys.argv[1])
T = datetime.datetime(2024, 5, 6, 7, 8, 9, 123000)
lock = threading.Lock()


def note(*parts):
    with lock:
        print("EVENT", *parts, flush=True)


server = c104.Server(ip="127.0.0.1", port=port, tick_rate_ms=100)
north = server.add_station(common_address=10)
south = server.add_station(common_address=11)

alarm = north.add_point(io_address=1, type=c104.Type.M_SP_TB_1)
alarm.info = c104.SingleInfo(on=True, quality=c104.Quality.Substituted, recorded_at=T)
breaker = north.add_point(io_address=2, type=c104.Type.M_DP_NA_1)
breaker.value = c104.Double.INDETERMINATE
breaker.quality = c104.Quality.Blocked
tap = north.add_point(io_address=3, type=c104.Type.M_ST_NA_1)
tap.info = c104.StepInfo(state=c104.Int7(-7), transient=True)
bits = north.add_point(io_address=4, type=c104.Type.M_BO_NA_1)
bits.value = c104.Byte32(b"\x01\x02\x03\x04")
load = north.add_point(io_address=5, type=c104.Type.M_ME_NA_1)
load.value = c104.NormalizedFloat(-0.5)
current = north.add_point(io_address=6, type=c104.Type.M_ME_NB_1)
current.info = c104.ScaledInfo(actual=c104.Int16(-300), quality=c104.Quality.Overflow)
voltage = north.add_point(io_address=7, type=c104.Type.M_ME_NC_1)
voltage.value = 12.25
frequency = north.add_point(io_address=8, type=c104.Type.M_ME_TF_1)
frequency.info = c104.ShortInfo(actual=-1.5, recorded_at=T)
energy = north.add_point(io_address=9, type=c104.Type.M_IT_NA_1)
energy.info = c104.BinaryCounterInfo(counter=1000, sequence=c104.UInt5(3), quality=c104.BinaryCounterQuality.Carry)
pulses = north.add_point(io_address=10, type=c104.Type.M_IT_TB_1)
pulses.info = c104.BinaryCounterInfo(counter=-5, sequence=c104.UInt5(0), quality=c104.BinaryCounterQuality(), recorded_at=T)
position = north.add_point(io_address=11, type=c104.Type.M_DP_TB_1)
position.info = c104.DoubleInfo(state=c104.Double.ON, recorded_at=T)

flow = south.add_point(io_address=20, type=c104.Type.M_ME_NC_1, report_ms=200)
flow.value = 0.0
sampled = south.add_point(io_address=21, type=c104.Type.M_ME_NB_1)
level = south.add_point(io_address=22, type=c104.Type.M_SP_NA_1)
level.value = True
causes = south.add_point(io_address=30, type=c104.Type.C_SC_NA_1)
init = south.add_point(io_address=31, type=c104.Type.C_SC_NA_1)
samples = [0]


def on_auto(point: c104.Point) -> None:
    point.value = point.value + 1.0


def on_sample(point: c104.Point) -> None:
    samples[0] += 1
    point.value = c104.Int16(100 + samples[0])


CAUSES = ("SPONTANEOUS", "PERIODIC", "BACKGROUND_SCAN", "REQUEST", "RETURN_INFO_REMOTE", "RETURN_INFO_LOCAL",
          "INTERROGATED_BY_STATION", "INITIALIZED", "ACTIVATION", "REQUESTED_BY_GENERAL_COUNTER")


def send_each_cause() -> None:
    for n, name in enumerate(CAUSES):
        level.value = n % 2 == 0
        try:
            result = level.transmit(cause=getattr(c104.Cot, name))
        except Exception as exc:
            result = type(exc).__name__
        note("transmit", name, result)


def on_causes(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    note("causes", point.value, message.originator_address)
    threading.Thread(target=send_each_cause, daemon=True).start()
    return c104.ResponseState.SUCCESS


def on_init(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    note("init", point.value)
    south.signal_initialized(cause=c104.Coi.REMOTE_RESET)
    return c104.ResponseState.SUCCESS


def on_clock(server: c104.Server, ip: str, date_time: datetime.datetime) -> c104.ResponseState:
    offset = abs((date_time - datetime.datetime.now()).total_seconds())
    note("clock", ip.split(":")[0], type(date_time).__name__, date_time.tzinfo, offset < 5)
    return c104.ResponseState.SUCCESS


flow.on_before_auto_transmit(callable=on_auto)
sampled.on_before_read(callable=on_sample)
causes.on_receive(callable=on_causes)
init.on_receive(callable=on_init)
server.on_clock_sync(callable=on_clock)
server.start()
print("READY", flush=True)
sys.stdin.read()
note("samples", samples[0] > 0, flow.value >= 1.0)
server.stop()
