"""Command round trip C_SC_NA_1 ACT -> ACT_CON through the synchronous API, against lib60870.

    python bench/command_latency.py [--count N] [--warmup W] [--no-c104]

What it measures (design.md section 6, issue 3 "Benchmarks"):

* The RTU is lib60870: a c104 server in its own process (bench/peers/c104_rtu.py) with a direct
  C_SC_NA_1 point (CA 1, IOA 50000) whose callback answers SUCCESS.
* c104test, in this process, through its c104-compatible API (``import c104test as c104``):
  ``Point.transmit()`` on a direct C_SC_NA_1 point, W warm-up calls, then N timed calls (from
  the call to its return, i.e. the ACT_CON has been received and handed across the trio
  thread). Then the same through the session API (``RtuConnection.send_command(...,
  ...)`` with the default act_term=optional), the blocking handle that the Robot keywords and the Gherkin steps
  use.
* c104 in the same run, against the same RTU: the same c104-API script
  (bench/peers/api_commands.py) in a subprocess with ``import c104``, measuring itself; and the
  same script with ``import c104test as c104`` in a subprocess, for a like-for-like ratio.
  c104's figures are the baseline: ratio = c104test / c104 at the same percentile.

Targets: p50 <= 0.5 ms and p99 <= 1 ms for c104test (design.md: c104 p50 0.52 ms, p99 0.65 ms).
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from typing import Any

import _harness as h

P50_MS, P99_MS = 0.5, 1.0
IOA = 50000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sync_point_api(port: int, count: int, warmup: int) -> dict[str, Any]:
    import c104test as c104

    client = c104.Client(tick_rate_ms=50, command_timeout_ms=5000)
    connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.ALL)
    station = connection.add_station(common_address=1)
    point = station.add_point(io_address=IOA, type=c104.Type.C_SC_NA_1)
    point.value = True
    client.start()
    try:
        deadline = time.monotonic() + 30
        while connection.state != c104.ConnectionState.OPEN and time.monotonic() < deadline:
            time.sleep(0.005)
        if connection.state != c104.ConnectionState.OPEN:
            raise RuntimeError(f"c104test connection not OPEN: {connection.state}")
        time.sleep(0.3)
        act = c104.Cot.ACTIVATION
        failed = sum(not point.transmit(cause=act) for _ in range(warmup))
        lat = []
        perf = time.perf_counter
        for _ in range(count):
            t0 = perf()
            ok = point.transmit(cause=act)
            lat.append((perf() - t0) * 1e6)
            failed += not ok
        return {"latencies_us": lat, "failed": failed}
    finally:
        client.stop()


def session_api(port: int, count: int, warmup: int) -> dict[str, Any]:
    from c104test.engine.errors import C104TestError
    from c104test.protocol.enums import Type
    from c104test.sync.bridge import shutdown_bridge
    from c104test.sync.session import RtuConnection

    conn = RtuConnection.open("127.0.0.1", port, timeout=5.0)
    try:
        failed = 0

        def once() -> bool:
            try:
                return bool(conn.send_command(1, IOA, Type.C_SC_NA_1, True).positive)
            except C104TestError:
                return False

        for _ in range(warmup):
            failed += not once()
        lat = []
        perf = time.perf_counter
        for _ in range(count):
            t0 = perf()
            ok = once()
            lat.append((perf() - t0) * 1e6)
            failed += not ok
        return {"latencies_us": lat, "failed": failed}
    finally:
        conn.close()
        shutdown_bridge()


def api_script(impl: str, port: int, count: int, warmup: int) -> dict[str, Any]:
    return h.run_once(
        [str(h.PEERS / "api_commands.py"), impl, "127.0.0.1", str(port), "--ioa", str(IOA),
         "--count", str(count), "--warmup", str(warmup)],
        100,
        name=f"api_commands[{impl}]",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--no-c104", action="store_true")
    args = parser.parse_args()
    if args.no_c104 or not h.c104_available():
        sys.exit("this benchmark needs c104 (pip install c104): the RTU is a c104 server")
    started = time.monotonic()
    n, w = args.count, args.warmup
    print(f"C_SC_NA_1 round trip against a c104 2.2.1 RTU, {n:,} commands after {w} warm-up; {h.machine()}; "
          f"load {h.load()}", flush=True)
    port = free_port()
    results: dict[str, dict[str, Any]] = {}
    with h.peer("c104_rtu.py", port, "--command-ioa", IOA) as rtu:
        rtu.ready(30)
        results["c104 (subprocess, api_commands.py)"] = api_script("c104", port, n, w)
        results["c104test Point.transmit() (this process)"] = sync_point_api(port, n, w)
        results["c104test RtuConnection.send_command (this process)"] = session_api(port, n, w)
        results["c104test (subprocess, api_commands.py)"] = api_script("c104test", port, n, w)
        results["c104 (subprocess, api_commands.py), again"] = api_script("c104", port, n, w)

    c104_runs = [r for k, r in results.items() if k.startswith("c104 (")]
    base50 = h.median([h.percentile(r["latencies_us"], 50) for r in c104_runs])
    base99 = h.median([h.percentile(r["latencies_us"], 99) for r in c104_runs])
    rows = []
    for name, r in results.items():
        lat = r["latencies_us"]
        p50, p99 = h.percentile(lat, 50), h.percentile(lat, 99)
        ours = name.startswith("c104test")
        ok = (p50 / 1000 <= P50_MS and p99 / 1000 <= P99_MS and not r["failed"]) if ours else None
        rows.append(
            [name, f"{p50 / 1000:.3f} ms", f"{p99 / 1000:.3f} ms", f"{max(lat) / 1000:.2f} ms",
             f"{p50 / base50:.2f}x", f"{p99 / base99:.2f}x", r["failed"],
             "p50 <= 0.5, p99 <= 1 ms" if ours else "-", h.verdict(ok)]
        )
    print(h.table(
        "Round trip ACT -> ACT_CON (ratio = this / c104's median over its two runs)",
        ["client", "p50", "p99", "max", "p50 vs c104", "p99 vs c104", "failed", "target", "verdict"],
        rows,
    ))
    unmutes = sum(r.get("unmutes", 0) for r in c104_runs)
    if unmutes:
        print(f"note: c104 needed {unmutes} STARTDT retries (unmute) to reach OPEN")
    print("design.md: c104 p50 0.52 ms, p99 0.65 ms here")
    print(f"finished in {time.monotonic() - started:.1f} s; load average now {h.load()}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
