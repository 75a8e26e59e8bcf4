"""One c104-API client script, run with c104 or with c104test: station interrogation timings.

    python bench/peers/api_interrogation.py c104|c104test HOST PORT --station CA:N [--station ...]
                                            [--repeat R]

The same code runs on either package (``import c104`` or ``import c104test as c104``): connect
with Init.CLOCK_SYNC (no interrogation at start), then for every station R times
``connection.interrogation(common_address=CA)``, timing the call, counting the points the
station holds when it returns and how many carry the value the simulator gives them (short
floats: the IOA), and how long until all N are there. Prints RESULT {...}. Only the c104 run
imports c104 (GPLv3), and only in this process.
"""

import argparse
import statistics
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("impl", choices=("c104", "c104test"))
parser.add_argument("host")
parser.add_argument("port", type=int)
parser.add_argument("--station", action="append", required=True, help="CA:N")
parser.add_argument("--repeat", type=int, default=5)
parser.add_argument("--short", action="store_true", help="points are M_ME_NC_1 with value = IOA")
args = parser.parse_args()

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import _peer  # noqa: E402

if args.impl == "c104":
    import c104
else:
    import c104test as c104

_peer.exit_on_stdin_eof()


def main() -> None:
    client = c104.Client(tick_rate_ms=50, command_timeout_ms=10000)
    connection = client.add_connection(ip=args.host, port=args.port, init=c104.Init.CLOCK_SYNC)
    stations = {}
    for spec in args.station:
        ca, n = (int(x) for x in spec.split(":")[:2])
        stations[ca] = (connection.add_station(common_address=ca), n)
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
    time.sleep(0.3)  # let the clock sync and M_EI_NA_1 settle
    out = {"impl": args.impl, "opened": connection.state == c104.ConnectionState.OPEN, "unmutes": unmutes, "stations": {}}
    for ca, (station, n) in stations.items():
        runs = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            ok = connection.interrogation(common_address=ca)
            t1 = time.perf_counter()
            points = station.points
            present = len(points)
            correct = sum(1 for p in points if float(p.value) == p.io_address) if args.short else None
            deadline = time.monotonic() + 5
            while len(station.points) < n and time.monotonic() < deadline:
                time.sleep(0.0005)
            t_all = time.perf_counter() - t0 if len(station.points) >= n else None
            runs.append({"ok": bool(ok), "seconds": t1 - t0, "present": present, "correct": correct, "all_after_s": t_all})
            time.sleep(0.05)
        out["stations"][str(ca)] = {
            "points": n,
            "runs": runs,
            "median_s": statistics.median(r["seconds"] for r in runs),
            "first_s": runs[0]["seconds"],
        }
    _peer.result(**out)
    client.stop()


main()
