"""A c104 RTU script with two servers (two ports, one station each): points added and removed
while clients are connected, one client at a time on the second server, clock sync and connect
callbacks, connection counts.

Usage: python dynamic_rtu.py PORT1,PORT2. Prints READY, then EVENT lines; ends when stdin closes.
"""

import datetime
import sys
import threading

import c104

first_port, second_port = (int(p) for p in sys.argv[1].split(","))
lock = threading.Lock()


def note(*parts):
    with lock:
        print("EVENT", *parts, flush=True)


feeder = c104.Server(ip="127.0.0.1", port=first_port)
breaker = c104.Server(ip="127.0.0.1", port=second_port, max_connections=1)
line = feeder.add_station(common_address=1)
bay = breaker.add_station(common_address=2)
old = line.add_point(io_address=10, type=c104.Type.M_SP_NA_1)
old.value = True
change = line.add_point(io_address=20, type=c104.Type.C_SC_NA_1)
position = bay.add_point(io_address=30, type=c104.Type.M_DP_NA_1)
position.value = c104.Double.ON


def on_change(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
    note("change", point.value, message.originator_address, feeder.active_connection_count, breaker.active_connection_count)
    added = line.add_point(io_address=11, type=c104.Type.M_ME_NC_1)
    added.value = 5.5
    note("added", added is not None, added.transmit(cause=c104.Cot.SPONTANEOUS))
    note("removed", line.remove_point(io_address=10), line.get_point(io_address=10))
    note("again", line.add_point(io_address=11, type=c104.Type.M_ME_NC_1))
    return c104.ResponseState.SUCCESS


early = []  # the two servers' callbacks at connect time come in either order: printed at the end


def on_clock(server: c104.Server, ip: str, date_time: datetime.datetime) -> c104.ResponseState:
    with lock:
        early.append(("clock", server is feeder, ip.split(":")[0]))
    return c104.ResponseState.SUCCESS


def on_connect(server: c104.Server, ip: str) -> bool:
    with lock:
        early.append(("connect", server is breaker, ip))
    return True


change.on_receive(callable=on_change)
feeder.on_clock_sync(callable=on_clock)
breaker.on_connect(callable=on_connect)
feeder.start()
breaker.start()
print("READY", flush=True)
sys.stdin.read()
for event in sorted(early):
    note(*event)
note("final", feeder.open_connection_count, breaker.open_connection_count, sorted(p.io_address for p in line.points))
feeder.stop()
breaker.stop()
