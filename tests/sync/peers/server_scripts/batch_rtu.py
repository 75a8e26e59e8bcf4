"""An RTU that sends five feeder currents as one batch once a client is active (c104 style).
Usage: python batch_rtu.py PORT."""

import sys
import threading
import time

import c104

server = c104.Server(ip="127.0.0.1", port=int(sys.argv[1]))
station = server.add_station(common_address=47)
currents = [station.add_point(io_address=30 + n, type=c104.Type.M_ME_NB_1) for n in range(5)]
batch = c104.Batch(cause=c104.Cot.SPONTANEOUS)
for n, point in enumerate(currents):
    point.value = c104.Int16(100 * (n + 1))
    batch.add_point(point)

server.start()
print("READY", flush=True)
stop = threading.Event()


def feed() -> None:
    sent = 0
    while not stop.is_set() and sent < 2:
        if server.has_active_connections:
            time.sleep(0.5)
            if server.transmit_batch(batch):
                sent += 1
                for point in currents:
                    point.value = point.value + 1
        time.sleep(0.1)


feeder = threading.Thread(target=feed)
feeder.start()
sys.stdin.read()
stop.set()
feeder.join()
server.stop()
