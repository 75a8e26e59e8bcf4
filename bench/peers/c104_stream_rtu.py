"""A c104 (PyPI, lib60870 inside) RTU that answers commands while it streams spontaneous values.

    python bench/peers/c104_stream_rtu.py PORT [--rate OBJECTS_PER_S] [--points P] [--command-ioa IOA]

Station CA 1: a direct C_SC_NA_1 command point at ``--command-ioa`` whose callback answers
SUCCESS (as bench/peers/c104_rtu.py), and P M_ME_NC_1 points at IOA 1..P. While a client is
connected, a thread sends all P points as one spontaneous batch (``Server.transmit_batch``,
several ASDUs) as often as it takes to reach ``--rate`` objects per second, paced every 10 ms.

Prints READY <port>. Each line ``RATE`` on stdin answers with RESULT {"objects": n, "seconds":
s, "rate": n/s, "refused": r}: what was streamed since the last ``RATE`` (so a benchmark can
show that the stream really ran at the rate while it measured). Exits when stdin closes. c104
is GPLv3: it only ever runs here, as a peer in its own process.
"""

import argparse
import threading
import time

import c104

import _peer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--rate", type=int, default=50_000)
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--command-ioa", type=int, default=50000)
    parser.add_argument("--tick-rate-ms", type=int, default=100)
    args = parser.parse_args()
    server = c104.Server(ip="127.0.0.1", port=args.port, tick_rate_ms=args.tick_rate_ms)
    station = server.add_station(common_address=1)
    points = []
    for ioa in range(1, args.points + 1):
        point = station.add_point(io_address=ioa, type=c104.Type.M_ME_NC_1)
        point.value = float(ioa)
        points.append(point)
    command = station.add_point(io_address=args.command_ioa, type=c104.Type.C_SC_NA_1)
    success = c104.ResponseState.SUCCESS

    def on_command(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        return success

    command.on_receive(callable=on_command)
    batch = c104.Batch(cause=c104.Cot.SPONTANEOUS, points=points)
    lock = threading.Lock()
    counts = {"objects": 0, "refused": 0, "since": time.monotonic()}

    def stream() -> None:
        period = 0.010
        per_tick = max(1, round(args.rate * period / len(points)))  # batches per tick
        next_tick = time.monotonic()
        while True:
            if not server.has_active_connections:
                time.sleep(0.01)
                next_tick = time.monotonic()
                continue
            sent = refused = 0
            for _ in range(per_tick):
                if server.transmit_batch(batch):
                    sent += len(points)
                else:
                    refused += 1
            with lock:
                counts["objects"] += sent
                counts["refused"] += refused
            next_tick += period
            delay = next_tick - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            elif delay < -0.1:  # fell behind (a busy machine): do not burst to catch up
                next_tick = time.monotonic()

    def on_line(line: str) -> None:
        if line != "RATE":
            return
        now = time.monotonic()
        with lock:
            n, refused, seconds = counts["objects"], counts["refused"], now - counts["since"]
            counts.update(objects=0, refused=0, since=now)
        _peer.result(objects=n, seconds=seconds, rate=n / seconds if seconds else 0.0, refused=refused)

    server.start()
    threading.Thread(target=stream, daemon=True, name="stream").start()
    _peer.ready(args.port)
    _peer.exit_on_stdin_eof(on_line)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
