"""A c104 (PyPI, lib60870 inside) RTU, run as a separate process by the interoperability tests.

Usage: python c104_server.py PORT [--t1 S] [--t2 S] [--t3 S] [--select-timeout S] (whole seconds;
c104's defaults 15, 10, 20 and 10 otherwise). Prints 'READY' when listening; stops when stdin closes.
c104 is GPLv3 and only ever runs here, as a test peer in its own process.
"""


import argparse
import sys

import c104


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    for timer in ("t1", "t2", "t3"):
        parser.add_argument(f"--{timer}", type=int)
    parser.add_argument("--select-timeout", type=int)
    args = parser.parse_args()
    options = {} if args.select_timeout is None else {"select_timeout_ms": 1000 * args.select_timeout}
    server = c104.Server(ip="127.0.0.1", port=args.port, **options)
    parameters = server.protocol_parameters
    if args.t1 is not None:
        parameters.message_timeout = args.t1
    if args.t2 is not None:
        parameters.confirm_interval = args.t2
    if args.t3 is not None:
        parameters.keep_alive_interval = args.t3
    station = server.add_station(common_address=47)
    sp = station.add_point(io_address=100, type=c104.Type.M_SP_NA_1)
    sp.value = True
    dp = station.add_point(io_address=200, type=c104.Type.M_DP_NA_1)
    dp.value = c104.Double.ON
    sc = station.add_point(io_address=300, type=c104.Type.M_ME_NB_1)
    sc.value = c104.Int16(-1234)
    sf = station.add_point(io_address=301, type=c104.Type.M_ME_NC_1)
    sf.value = 230.5
    it = station.add_point(io_address=400, type=c104.Type.M_IT_NA_1)
    it.info = c104.BinaryCounterInfo(counter=123456, sequence=c104.UInt5(3), quality=c104.BinaryCounterQuality())
    direct = station.add_point(
        io_address=500, type=c104.Type.C_SC_NA_1, related_io_address=100, related_io_autoreturn=True
    )
    sbo = station.add_point(
        io_address=501,
        type=c104.Type.C_SC_NA_1,
        command_mode=c104.CommandMode.SELECT_AND_EXECUTE,
    )

    def on_command(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        if point.io_address == 500:
            sp.value = point.value
        return c104.ResponseState.SUCCESS

    direct.on_receive(callable=on_command)
    sbo.on_receive(callable=on_command)
    server.start()
    print("READY", flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
