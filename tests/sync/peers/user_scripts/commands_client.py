"""A c104 client script: each command type against its status point (return information),
select-and-execute switches and set points, qualifiers, a time-tagged command, a refused set
point, a station that refuses, a command with a cause the RTU does not take; Init.INTERROGATION
fills the status points first.

Usage: python commands_client.py PORT. Prints STEP lines.
"""

import sys
import threading
import time

import c104

port = int(sys.argv[1])
lock = threading.Lock()
received = {}


def step(*parts):
    print("STEP", *parts, flush=True)


def show(value):
    if hasattr(value, "name") and not isinstance(value, type):
        return value.name
    if isinstance(value, float):
        return round(value, 4)
    if type(value).__name__ == "Byte32":
        return bytes(value).hex()
    if type(value).__name__ in ("Int16", "Int7", "NormalizedFloat"):
        return round(float(value), 4)
    return value


def on_status(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    with lock:
        received.setdefault(point.io_address, []).append((message.cot.name, show(point.value), message.type.name))
    return c104.ResponseState.NONE


def wait(predicate, limit=5.0):
    deadline = time.monotonic() + limit
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


def settle(ioa, count):
    wait(lambda: len(received.get(ioa, [])) >= count, limit=2.0)
    with lock:
        return list(received.get(ioa, []))


client = c104.Client(tick_rate_ms=100, command_timeout_ms=2000)
connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.INTERROGATION)
plant = connection.add_station(common_address=20)
spare_station = connection.add_station(common_address=21)
SA = c104.CommandMode.SELECT_AND_EXECUTE
for ioa, t in ((101, c104.Type.M_SP_NA_1), (102, c104.Type.M_DP_TB_1), (103, c104.Type.M_ST_NA_1),
               (104, c104.Type.M_ME_NC_1), (105, c104.Type.M_ME_NB_1), (106, c104.Type.M_BO_NA_1)):
    plant.add_point(io_address=ioa, type=t).on_receive(callable=on_status)
pump = plant.add_point(io_address=1, type=c104.Type.C_SC_NA_1, command_mode=SA)
valve = plant.add_point(io_address=2, type=c104.Type.C_DC_TA_1)
tap = plant.add_point(io_address=3, type=c104.Type.C_RC_NA_1)
level = plant.add_point(io_address=4, type=c104.Type.C_SE_NC_1, command_mode=SA)
limit = plant.add_point(io_address=5, type=c104.Type.C_SE_NB_1)
mask = plant.add_point(io_address=6, type=c104.Type.C_BO_NA_1)
gain = plant.add_point(io_address=7, type=c104.Type.C_SE_NA_1)
horn = plant.add_point(io_address=8, type=c104.Type.C_SC_TA_1)
spare = spare_station.add_point(io_address=1, type=c104.Type.C_SC_NA_1)
client.start()
opened = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=3.0)
if not opened and connection.state == c104.ConnectionState.OPEN_MUTED:
    connection.unmute()  # c104 2.2.1 now and then sends no STARTDT: scripts written for it send it
    opened = wait(lambda: connection.state == c104.ConnectionState.OPEN, limit=3.0)
step("open", opened)
if not opened:
    client.stop()
    sys.exit(0)
time.sleep(0.2)  # OPEN comes after the init interrogation's ACT_TERM: its values are in
with lock:
    step("initial", sorted((ioa, rows[-1]) for ioa, rows in received.items()))
    received.clear()

pump.info = c104.SingleCmd(on=True, qualifier=c104.Qoc.SHORT_PULSE)
step("pump", pump.transmit(cause=c104.Cot.ACTIVATION), settle(101, 1))
valve.value = c104.Double.ON
step("valve", valve.transmit(cause=c104.Cot.ACTIVATION), settle(102, 1))
tap.value = c104.Step.HIGHER
step("tap up", tap.transmit(cause=c104.Cot.ACTIVATION), settle(103, 1))
step("tap up again", tap.transmit(cause=c104.Cot.ACTIVATION), settle(103, 2))
tap.info = c104.StepCmd(direction=c104.Step.LOWER, qualifier=c104.Qoc.LONG_PULSE)
step("tap down", tap.transmit(cause=c104.Cot.ACTIVATION), settle(103, 3))
level.value = 42.5
step("level", level.transmit(cause=c104.Cot.ACTIVATION), settle(104, 1))
limit.info = c104.ScaledCmd(target=c104.Int16(500), qualifier=c104.UInt7(3))
step("limit 500", limit.transmit(cause=c104.Cot.ACTIVATION), settle(105, 1))
limit.value = c104.Int16(5000)
step("limit 5000", limit.transmit(cause=c104.Cot.ACTIVATION))
mask.value = c104.Byte32(b"\x0f\x00\xf0\x01")
step("mask", mask.transmit(cause=c104.Cot.ACTIVATION), settle(106, 1))
gain.info = c104.NormalizedCmd(target=c104.NormalizedFloat(0.25), qualifier=c104.UInt7(5))
step("gain", gain.transmit(cause=c104.Cot.ACTIVATION))
horn.value = True
step("horn", horn.transmit(cause=c104.Cot.ACTIVATION))
spare.value = True
step("spare", spare.transmit(cause=c104.Cot.ACTIVATION))
time.sleep(0.3)
with lock:
    step("late", sorted(received.items()))
client.stop()
