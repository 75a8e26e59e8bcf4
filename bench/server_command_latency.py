"""Command round trip C_SC_NA_1 ACT -> ACT_CON against c104's Server and c104test.Server.

    python bench/server_command_latency.py [--count N] [--warmup W]

The RTU is the same c104 script (bench/peers/c104_rtu.py: a direct C_SC_NA_1 point whose
``on_receive`` answers SUCCESS), run once with c104 2.2.1 and once unchanged on c104test.Server
(bench/peers/as_c104test.py). The client is c104test's ``Point.transmit()`` (bench/peers/api_commands.py
with ``import c104test as c104``, in its own process), the same for both. The c104test figure includes the Server's worker thread: the command reaches the
callback thread, the decision comes back to the trio thread, the ACT_CON leaves.
Ratio = c104test.Server / c104 Server at the same percentile.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from typing import Any

from command_latency import IOA

import _harness as h


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(server: str, count: int, warmup: int) -> dict[str, Any]:
    port = free_port()
    args: list[object] = ["c104_rtu.py", port, "--command-ioa", IOA]
    script = "as_c104test.py" if server == "c104test" else args.pop(0)
    with h.peer(str(script), *args, name=f"rtu[{server}]") as rtu:
        rtu.ready(60)
        client = [h.PEERS / "api_commands.py", "c104test", "127.0.0.1", port, "--ioa", IOA,
                  "--count", count, "--warmup", warmup]
        return h.run_once([str(a) for a in client], 120, name="api_commands[c104test]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args()
    if not h.c104_available():
        sys.exit("this benchmark needs c104 (pip install c104) for the baseline server")
    started = time.monotonic()
    print(f"C_SC_NA_1 round trip, c104test client, {args.count:,} commands after {args.warmup} warm-up; "
          f"{h.machine()}; load {h.load()}", flush=True)
    results = {
        "c104 2.2.1 Server": run("c104", args.count, args.warmup),
        "c104test.Server (same script)": run("c104test", args.count, args.warmup),
        "c104 2.2.1 Server, again": run("c104", args.count, args.warmup),
    }
    base = [r for k, r in results.items() if k.startswith("c104 ")]
    base50 = h.median([h.percentile(r["latencies_us"], 50) for r in base])
    base99 = h.median([h.percentile(r["latencies_us"], 99) for r in base])
    rows = []
    for name, r in results.items():
        lat = r["latencies_us"]
        p50, p99 = h.percentile(lat, 50), h.percentile(lat, 99)
        rows.append([name, f"{p50 / 1000:.3f} ms", f"{p99 / 1000:.3f} ms", f"{max(lat) / 1000:.2f} ms",
                     f"{p50 / base50:.2f}x", f"{p99 / base99:.2f}x", r["failed"]])
    print(h.table("Round trip ACT -> ACT_CON (ratio = this / c104 Server's median of two runs)",
                  ["server", "p50", "p99", "max", "p50 vs c104", "p99 vs c104", "failed"], rows))
    print(f"finished in {time.monotonic() - started:.1f} s; load average now {h.load()}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
