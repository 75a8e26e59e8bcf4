"""A c104 RTU script: a command point of each command type with its status point
(``related_io_address`` with ``related_io_autoreturn``), select-before-execute set points and
switches, qualifiers and time-tagged commands, a set point it refuses above a limit, and a second
station whose switch always fails.

Usage: python commands_rtu.py PORT. Prints READY, then EVENT lines; ends when stdin closes.
"""

import datetime
import sys
import threading

import c104

port = int(sys.argv[1])
lock = threading.Lock()


def note(*parts):
    with lock:
        print("EVENT", *parts, flush=True)


def show(value):
    if hasattr(value, "name") and not isinstance(value, type):
        return value.name
    if isinstance(value, float):
        return round(value, 4)
    if type(value).__name__ == "Byte32":
        return bytes(value).hex()
    if type(value).__name__ in ("Int16", "Int7", "UInt7", "NormalizedFloat"):
        return round(float(value), 4)
    return value


def when(value):
    if value is None:
        return None
    return "recent" if abs((value - datetime.datetime.now()).total_seconds()) < 60 else "old"


server = c104.Server(ip="127.0.0.1", port=port, select_timeout_ms=1000)
plant = server.add_station(common_address=20)
spare = server.add_station(common_address=21)
SA = c104.CommandMode.SELECT_AND_EXECUTE

pump = plant.add_point(io_address=101, type=c104.Type.M_SP_NA_1)
valve = plant.add_point(io_address=102, type=c104.Type.M_DP_TB_1)
valve.value = c104.Double.OFF
tap = plant.add_point(io_address=103, type=c104.Type.M_ST_NA_1)
level = plant.add_point(io_address=104, type=c104.Type.M_ME_NC_1)
limit = plant.add_point(io_address=105, type=c104.Type.M_ME_NB_1)
mask = plant.add_point(io_address=106, type=c104.Type.M_BO_NA_1)

commands = {
    "pump": plant.add_point(io_address=1, type=c104.Type.C_SC_NA_1, related_io_address=101, related_io_autoreturn=True, command_mode=SA),
    "valve": plant.add_point(io_address=2, type=c104.Type.C_DC_TA_1, related_io_address=102, related_io_autoreturn=True),
    "tap": plant.add_point(io_address=3, type=c104.Type.C_RC_NA_1, related_io_address=103, related_io_autoreturn=True),
    "level": plant.add_point(io_address=4, type=c104.Type.C_SE_NC_1, related_io_address=104, related_io_autoreturn=True, command_mode=SA),
    "limit": plant.add_point(io_address=5, type=c104.Type.C_SE_NB_1, related_io_address=105, related_io_autoreturn=True),
    "mask": plant.add_point(io_address=6, type=c104.Type.C_BO_NA_1, related_io_address=106, related_io_autoreturn=True),
    "gain": plant.add_point(io_address=7, type=c104.Type.C_SE_NA_1),
    "horn": plant.add_point(io_address=8, type=c104.Type.C_SC_TA_1),
    "spare": spare.add_point(io_address=1, type=c104.Type.C_SC_NA_1),
}
status = {"pump": pump, "valve": valve, "level": level, "limit": limit, "mask": mask}


def handler(name):
    def on_command(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        info = point.info
        qualifier = getattr(info, "qualifier", None)
        note(name, show(point.value), show(previous_info.value), message.cot.name, message.is_select_command,
             type(info).__name__, show(qualifier), when(info.recorded_at), message.common_address)
        if name == "spare":
            return c104.ResponseState.FAILURE
        if name == "limit" and int(point.value) > 1000:
            return c104.ResponseState.FAILURE
        if name == "tap":
            step = 1 if point.value == c104.Step.HIGHER else -1
            tap.value = c104.Int7(int(tap.value) + step)
        elif name in status:
            status[name].value = point.value
        return c104.ResponseState.SUCCESS
    return on_command


for name, point in commands.items():
    point.on_receive(callable=handler(name))


def on_unexpected(server: c104.Server, message: c104.IncomingMessage, cause: c104.Umc) -> None:
    note("unexpected", message.type.name, message.cot.name, cause.name)


server.on_unexpected_message(callable=on_unexpected)
server.start()
print("READY", flush=True)
sys.stdin.read()
note("final", pump.value, valve.value.name, int(tap.value), round(level.value, 2), int(limit.value), bytes(mask.value).hex())
server.stop()
