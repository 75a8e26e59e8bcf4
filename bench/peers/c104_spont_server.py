"""c104 (PyPI, lib60870 inside) RTU that pushes spontaneous M_ME_NC_1 values as fast as it can.

    python bench/peers/c104_spont_server.py PORT --updates N --points P

Same data as spontaneous_rtu.py: station CA 1, P short-float points IOA 1..P; once a client has
started data transfer (and a short settle delay for c104's init sequence), point ``1 + i % P``
gets ``i // P + 1`` and is sent with ``point.transmit(cause=c104.Cot.SPONTANEOUS)`` for i in
0..N-1. Prints READY <port>, then RESULT {...} with the time the pushing took and how many
transmit() calls returned False. c104 is GPLv3: it only ever runs here, in its own process.
"""


import argparse
import time

import c104

import _peer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--settle", type=float, default=1.0)
    args = parser.parse_args()
    _peer.exit_on_stdin_eof()
    server = c104.Server(ip="127.0.0.1", port=args.port, tick_rate_ms=50)
    station = server.add_station(common_address=1)
    points = [station.add_point(io_address=ioa, type=c104.Type.M_ME_NC_1) for ioa in range(1, args.points + 1)]
    for point in points:
        point.value = 0.0
    server.start()
    _peer.ready(args.port)
    deadline = time.monotonic() + 60
    while not server.has_active_connections and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(args.settle)  # let the client's init (interrogation, clock sync) finish
    n, p = args.updates, args.points
    refused = 0
    spont = c104.Cot.SPONTANEOUS
    t0 = time.perf_counter()
    for i in range(n):
        point = points[i % p]
        point.value = float(i // p + 1)
        if not point.transmit(cause=spont):
            refused += 1
    produced = time.perf_counter() - t0
    _peer.result(updates=n, produce_s=produced, refused=refused)
    time.sleep(3600)


if __name__ == "__main__":
    main()
