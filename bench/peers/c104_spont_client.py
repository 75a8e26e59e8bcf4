"""c104 (PyPI) client that counts spontaneous M_ME_NC_1 values and checks their order.

    python bench/peers/c104_spont_client.py PORT --updates N --points P [--quiet-after S]

Counterpart of c104_spont_server.py (or spontaneous_rtu.py): point ``ioa`` must receive 1, 2, 3,
... with COT 3. Counts the values received through ``Point.on_receive``, values out of order or
repeated, and stops when N arrived, or nothing arrived for ``--quiet-after`` seconds, or after
``--timeout``. Prints RESULT {...}. c104 is GPLv3: it only ever runs here, in its own process.
"""


import argparse
import threading
import time

import c104

import _peer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--quiet-after", type=float, default=3.0)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    _peer.exit_on_stdin_eof()
    lock = threading.Lock()
    expected = [1.0] * (args.points + 1)
    stats = {"received": 0, "gaps": 0, "skipped": 0, "repeats": 0, "first": None, "last": None}
    spont = c104.Cot.SPONTANEOUS
    success = c104.ResponseState.SUCCESS

    def on_receive(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        if message.cot != spont:
            return success
        now = time.perf_counter()
        value = float(point.value)
        ioa = point.io_address
        with lock:
            if stats["first"] is None:
                stats["first"] = now
            stats["last"] = now
            stats["received"] += 1
            want = expected[ioa]
            if value == want:
                expected[ioa] = want + 1
            elif value > want:
                stats["gaps"] += 1
                stats["skipped"] += int(value - want)
                expected[ioa] = value + 1
            else:
                stats["repeats"] += 1
        return success

    client = c104.Client(tick_rate_ms=50, command_timeout_ms=5000)
    connection = client.add_connection(ip="127.0.0.1", port=args.port, init=c104.Init.ALL)
    station = connection.add_station(common_address=1)
    for ioa in range(1, args.points + 1):
        station.add_point(io_address=ioa, type=c104.Type.M_ME_NC_1).on_receive(callable=on_receive)
    client.start()
    start = time.monotonic()
    retries = 0
    # c104 2.2.1 now and then stays OPEN_MUTED after connecting (no STARTDT act sent); then
    # send STARTDT ourselves with unmute(), at most a few times
    muted_since = None
    while connection.state != c104.ConnectionState.OPEN and time.monotonic() - start < 30:
        time.sleep(0.01)
        if connection.state == c104.ConnectionState.OPEN_MUTED:
            muted_since = muted_since or time.monotonic()
            if time.monotonic() - muted_since > 1.0 and retries < 5:
                retries += 1
                connection.unmute()
                muted_since = time.monotonic()
        else:
            muted_since = None
    opened = connection.state == c104.ConnectionState.OPEN
    quiet_since = time.monotonic()
    seen = -1
    while time.monotonic() - start < args.timeout:
        with lock:
            got = stats["received"]
        if got >= args.updates:
            break
        if got != seen:
            seen, quiet_since = got, time.monotonic()
        elif (got and time.monotonic() - quiet_since > args.quiet_after) or (not got and time.monotonic() - quiet_since > 30):
            break
        time.sleep(0.01)
    with lock:
        final = [float(station.get_point(ioa).value) for ioa in range(1, args.points + 1)]
        out = dict(stats)
    out["opened"] = opened
    out["unmute_retries"] = retries
    out["state"] = str(connection.state)
    out["elapsed_s"] = (out["last"] - out["first"]) if out["first"] is not None else None
    out["final_ok"] = all(v == (args.updates // args.points) + (ioa <= args.updates % args.points)
                          for ioa, v in enumerate(final, start=1))
    out.pop("first"), out.pop("last")
    _peer.result(**out)
    client.stop()


if __name__ == "__main__":
    main()
