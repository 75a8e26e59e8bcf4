"""An RTU with two cyclic measurements (report_ms) and an on_before_auto_transmit counter
(c104 style). Usage: python cyclic_rtu.py PORT."""

import sys

import c104

server = c104.Server(ip="127.0.0.1", port=int(sys.argv[1]), tick_rate_ms=100)
station = server.add_station(common_address=47)
flow = station.add_point(io_address=50, type=c104.Type.M_ME_NC_1, report_ms=500)
pressure = station.add_point(io_address=51, type=c104.Type.M_ME_NC_1, report_ms=500)
flow.value = 0.0
pressure.value = 4.5


def next_flow(point: c104.Point) -> None:
    point.value = point.value + 1.0


flow.on_before_auto_transmit(callable=next_flow)
server.start()
print("READY", flush=True)
sys.stdin.read()
server.stop()
