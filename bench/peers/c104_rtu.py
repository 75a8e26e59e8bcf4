"""A c104 (PyPI, lib60870 inside) RTU for the benchmarks, in its own process.

    python bench/peers/c104_rtu.py PORT [--points N] [--station CA:N ...] [--command-ioa IOA]

Station CA 1: N M_ME_NC_1 points at IOA 1..N, each with its IOA as value (so an interrogation
answer can be checked), and a direct C_SC_NA_1 command point at ``--command-ioa`` whose
callback answers SUCCESS. Every ``--station CA:N`` adds a station CA with N such M_ME_NC_1
points (CA 1 included: then ``--points`` is not needed). Prints READY <port>; exits when stdin closes. c104 is GPLv3: it only
ever runs here, as a peer in its own process.
"""

import argparse

import c104

import _peer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--points", type=int, default=0)
    parser.add_argument("--command-ioa", type=int, default=50000)
    parser.add_argument("--tick-rate-ms", type=int, default=100)
    parser.add_argument("--station", action="append", default=[], help="CA:N")
    args = parser.parse_args()
    server = c104.Server(ip="127.0.0.1", port=args.port, tick_rate_ms=args.tick_rate_ms)
    sizes = {1: args.points}
    for spec in args.station:
        ca, n = (int(x) for x in spec.split(":"))
        sizes[ca] = n
    stations = {}
    for ca, n in sizes.items():
        station = stations[ca] = server.add_station(common_address=ca)
        for ioa in range(1, n + 1):
            point = station.add_point(io_address=ioa, type=c104.Type.M_ME_NC_1)
            point.value = float(ioa)
    station = stations[1]
    command = station.add_point(io_address=args.command_ioa, type=c104.Type.C_SC_NA_1)
    success = c104.ResponseState.SUCCESS

    def on_command(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        return success

    command.on_receive(callable=on_command)
    server.start()
    _peer.ready(args.port)
    _peer.exit_on_stdin_eof()
    import time

    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
