"""A small RTU written for c104: a measurement, a breaker position, a breaker command with
return information and a setpoint the RTU checks. Usage: python simple_rtu.py PORT."""

import sys

import c104

server = c104.Server(ip="127.0.0.1", port=int(sys.argv[1]))
station = server.add_station(common_address=47)

voltage = station.add_point(io_address=11, type=c104.Type.M_ME_NC_1)
voltage.value = 231.5
breaker = station.add_point(io_address=12, type=c104.Type.M_SP_NA_1)
breaker.value = False
breaker_command = station.add_point(
    io_address=13, type=c104.Type.C_SC_NA_1, related_io_address=12, related_io_autoreturn=True
)
setpoint = station.add_point(io_address=14, type=c104.Type.C_SE_NC_1)
limit = station.add_point(io_address=15, type=c104.Type.M_ME_NC_1)
limit.value = 50.0


def on_breaker_command(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    breaker.value = point.value
    return c104.ResponseState.SUCCESS


def on_setpoint(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    if not 0.0 <= point.value <= 100.0:
        return c104.ResponseState.FAILURE
    limit.value = point.value
    return c104.ResponseState.SUCCESS


breaker_command.on_receive(callable=on_breaker_command)
setpoint.on_receive(callable=on_setpoint)
server.start()
print("READY", flush=True)
sys.stdin.read()
server.stop()
