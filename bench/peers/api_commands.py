"""One c104-API client script, run with c104 or with c104test: C_SC_NA_1 round trips.

    python bench/peers/api_commands.py c104|c104test HOST PORT [--ioa IOA] [--count N] [--warmup W]

The same code runs on either package (``import c104`` or ``import c104test as c104``): connect
(Init.ALL), add a direct C_SC_NA_1 point at CA 1 / ``--ioa``, then W untimed and N timed
``point.transmit(cause=c104.Cot.ACTIVATION)`` calls, each timed with perf_counter from the call
to its return (the ACT_CON arrived). Prints RESULT {...} with the latencies in microseconds.
Only the c104 run imports c104 (GPLv3), and only in this process.
"""

import argparse
import functools
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("impl", choices=("c104", "c104test"))
parser.add_argument("host")
parser.add_argument("port", type=int)
parser.add_argument("--ioa", type=int, default=50000)
parser.add_argument("--count", type=int, default=2000)
parser.add_argument("--warmup", type=int, default=200)
args = parser.parse_args()

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import _peer  # noqa: E402

if args.impl == "c104":
    import c104
else:
    import c104test as c104

_peer.exit_on_stdin_eof()


def main() -> None:
    client = c104.Client(tick_rate_ms=50, command_timeout_ms=1000)
    connection = client.add_connection(ip=args.host, port=args.port, init=c104.Init.ALL)
    station = connection.add_station(common_address=1)
    point = station.add_point(io_address=args.ioa, type=c104.Type.C_SC_NA_1)
    point.value = True
    client.start()
    start = time.monotonic()
    unmutes = 0
    muted_since = None
    while connection.state != c104.ConnectionState.OPEN and time.monotonic() - start < 30:
        time.sleep(0.005)
        # c104 2.2.1 now and then stays OPEN_MUTED (no STARTDT act sent): send it ourselves
        if connection.state == c104.ConnectionState.OPEN_MUTED:
            muted_since = muted_since or time.monotonic()
            if time.monotonic() - muted_since > 1.0 and unmutes < 5:
                unmutes += 1
                connection.unmute()
                muted_since = time.monotonic()
        else:
            muted_since = None
    time.sleep(0.3)
    transmit = functools.partial(point.transmit, cause=c104.Cot.ACTIVATION)
    figures = _peer.time_calls(transmit, args.count, args.warmup)
    _peer.result(impl=args.impl, opened=connection.state == c104.ConnectionState.OPEN, unmutes=unmutes, **figures)
    client.stop()


main()
