"""An RTU with a select-before-operate switch (c104 style). Usage: python sbo_rtu.py PORT."""

import sys

import c104

server = c104.Server(ip="127.0.0.1", port=int(sys.argv[1]), select_timeout_ms=1000)
station = server.add_station(common_address=47)

position = station.add_point(io_address=21, type=c104.Type.M_DP_NA_1)
position.value = c104.Double.OFF
switch = station.add_point(
    io_address=20,
    type=c104.Type.C_DC_NA_1,
    related_io_address=21,
    related_io_autoreturn=True,
    command_mode=c104.CommandMode.SELECT_AND_EXECUTE,
)


def on_switch(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    position.value = point.value
    return c104.ResponseState.SUCCESS


switch.on_receive(callable=on_switch)
server.start()
print("READY", flush=True)
sys.stdin.read()
server.stop()
