"""Command round trip C_SC_NA_1 ACT -> ACT_CON through the c104 API, c104test against c104 (issue 16).

    python bench/command_latency.py [--runs R] [--count N] [--warmup W] [--rate OBJECTS_PER_S]
                                    [--in-process] [--floors raw,trio-send,thread,inline,trio-inline]
                                    [--baseline DIR]

What it measures, for the two command rows of issue 16:

* **quiet**: the RTU is lib60870, a c104 server in its own process (bench/peers/c104_rtu.py)
  with a direct C_SC_NA_1 point (CA 1, IOA 50000) whose callback answers SUCCESS.
* **streaming**: the same RTU (bench/peers/c104_stream_rtu.py, c104 in its own process) also
  streams ``--rate`` (50,000) spontaneous M_ME_NC_1 objects per second to the client while
  it answers the commands. The stream's real rate during each client run is printed.

For each row the same c104-API client script (bench/peers/api_commands.py) runs in a
subprocess, once with ``import c104`` and once with ``import c104test as c104``, alternating
which goes first, R times: W untimed then N timed ``point.transmit(cause=Cot.ACTIVATION)``,
each timed with perf_counter from the call to its return (the ACT_CON has arrived). The ratio
is c104test's p50 / c104's p50 of the same run; the verdict is on the median over the runs.

A third client in each run, bench/peers/raw_commands.py, is the floor of the design: a trio
thread with raw pre-encoded frames and one thread hop each way (``run_sync_soon`` there, a lock
back), no journal, no decoding, no checks. It shows what Python, trio and the hops cost here.

``--floors`` adds the floors of other designs (bench/peers/raw_commands_variants.py): ``trio-send``
(the caller's thread writes the frame itself, a trio thread reads: no hop out, a lock back, what
c104test does now), ``thread`` (no trio: a plain reader thread), ``inline`` (the caller reads the
answer itself: no hop at all), ``trio-inline`` (a trio thread reads, but a caller that finds it
parked in its I/O wait reads its own answer, as ``inline``). ``--baseline DIR`` runs the c104test found in DIR (e.g. main's
``c104test/`` extracted there with ``git archive main c104test | tar -x -C DIR``) in every run too,
so before and after share the machine's load.

Goals (issue 16): quiet p50 <= c104's p50; streaming p50 <= 1.5 x c104's p50.
``--in-process`` adds one run of c104test's session API (``RtuConnection.send_command``, what
the Robot keywords and Gherkin steps use) in this process, quiet RTU, for information.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from typing import Any

import _harness as h

IOA = 50000
GOALS = {"quiet": 1.0, "streaming": 1.5}  # c104test p50 / c104 p50


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


def api_script(impl: str, port: int, count: int, warmup: int, base: str | None = None) -> dict[str, Any]:
    """The c104-API script with ``impl``; with ``base``, c104test imported from that directory."""
    peer = h.Peer(
        [str(h.PEERS / "api_commands.py"), impl, "127.0.0.1", str(port), "--ioa", str(IOA),
         "--count", str(count), "--warmup", str(warmup)],
        name=f"api_commands[{impl}{'@base' if base else ''}]",
        env={"PYTHONPATH": base} if base else None,
    )
    try:
        return peer.result(120)
    finally:
        peer.stop()


def raw_script(port: int, count: int, warmup: int, variant: str = "raw") -> dict[str, Any]:
    script = ["raw_commands.py"] if variant == "raw" else ["raw_commands_variants.py", variant]
    return h.run_once(
        [str(h.PEERS / script[0]), *script[1:], "127.0.0.1", str(port), "--ioa", str(IOA),
         "--count", str(count), "--warmup", str(warmup)],
        120,
        name=f"raw_commands[{variant}]",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--rate", type=int, default=50_000, help="objects/s the streaming RTU sends")
    parser.add_argument("--rows", default="quiet,streaming", help="which rows: quiet,streaming")
    parser.add_argument("--in-process", action="store_true", help="also the session API, in this process")
    parser.add_argument("--no-c104", action="store_true")
    parser.add_argument("--baseline", metavar="DIR",
                        help="also run c104test as imported from DIR (e.g. main's c104test/ extracted there) "
                             "in every run, as 'base': before and after under the same load")
    parser.add_argument("--floors", default="raw",
                        help="floor clients, comma-separated: raw (peers/raw_commands.py) and the variants "
                             "of peers/raw_commands_variants.py: trio-send, thread, inline, trio-inline")
    args = parser.parse_args()
    if args.no_c104 or not h.c104_available():
        sys.exit("this benchmark needs c104 (pip install c104): the RTU is a c104 server")
    started = time.monotonic()
    n, w = args.count, args.warmup
    rows_wanted = [r.strip() for r in args.rows.split(",") if r.strip()]
    floors = [f.strip() for f in args.floors.split(",") if f.strip()] or ["raw"]
    print(f"C_SC_NA_1 round trip through the c104 API against c104 2.2.1 RTUs, {args.runs} runs of "
          f"{n:,} commands after {w} warm-up; {h.machine()}; load {h.load()}", flush=True)
    quiet_port, stream_port = free_port(), free_port()
    runs: dict[str, list[dict[str, Any]]] = {row: [] for row in rows_wanted}
    rates: list[float] = []
    extra: dict[str, Any] = {}
    with h.peer("c104_rtu.py", quiet_port, "--command-ioa", IOA) as quiet, \
            h.peer("c104_stream_rtu.py", stream_port, "--command-ioa", IOA, "--rate", args.rate) as stream:
        quiet.ready(30)
        stream.ready(30)
        for run in range(args.runs):
            order = ("c104", "c104test") if run % 2 == 0 else ("c104test", "c104")
            for row in rows_wanted:
                port = quiet_port if row == "quiet" else stream_port
                got: dict[str, Any] = {}
                for impl in order:
                    if row == "streaming":
                        stream.send("RATE")
                        stream.result(10)  # reset the stream's count
                    got[impl] = api_script(impl, port, n, w)
                    if row == "streaming":
                        stream.send("RATE")
                        figures = stream.result(10)
                        got[impl]["stream_rate"] = figures["rate"]
                        rates.append(figures["rate"])
                if args.baseline:
                    got["base"] = api_script("c104test", port, n, w, args.baseline)
                for floor in floors:
                    got[floor] = raw_script(port, n, w, floor)
                p50 = {impl: h.percentile(got[impl]["latencies_us"], 50)
                       for impl in (*order, *floors, *(["base"] if args.baseline else []))}
                runs[row].append(got)
                rate = ""
                if row == "streaming":
                    rate = "; stream " + ", ".join(f"{got[i]['stream_rate']:,.0f}/s" for i in order)
                print(f"  run {run + 1} {row:9}: c104 p50 {p50['c104'] / 1000:.3f} ms, c104test p50 "
                      f"{p50['c104test'] / 1000:.3f} ms, ratio {p50['c104test'] / p50['c104']:.2f}, floor "
                      + ", ".join(f"{f} {p50[f] / 1000:.3f} ms ({p50[f] / p50['c104']:.2f}x)" for f in floors)
                      + (f", base c104test {p50['base'] / 1000:.3f} ms ({p50['base'] / p50['c104']:.2f}x)"
                         if args.baseline else "")
                      + f"{rate}; failed {got['c104']['failed']}/{got['c104test']['failed']}; load {h.load()}",
                      flush=True)
        if args.in_process:
            extra["c104test RtuConnection.send_command (this process, quiet)"] = session_api(quiet_port, n, w)

    table_rows = []
    for row in rows_wanted:
        results = runs[row]
        if not results:
            continue
        ratios = [h.percentile(r["c104test"]["latencies_us"], 50) / h.percentile(r["c104"]["latencies_us"], 50)
                  for r in results]
        ratios99 = [h.percentile(r["c104test"]["latencies_us"], 99) / h.percentile(r["c104"]["latencies_us"], 99)
                    for r in results]
        med = {impl: h.median([h.percentile(r[impl]["latencies_us"], 50) for r in results]) / 1000
               for impl in ("c104", "c104test", floors[0])}
        over_floor = h.median([h.percentile(r["c104test"]["latencies_us"], 50) / h.percentile(r[floors[0]]["latencies_us"], 50)
                               for r in results])
        med99 = {impl: h.median([h.percentile(r[impl]["latencies_us"], 99) for r in results]) / 1000
                 for impl in ("c104", "c104test")}
        failed = sum(r["c104test"]["failed"] for r in results)
        ratio = h.median(ratios)
        goal = GOALS[row]
        table_rows.append([
            row, f"{med['c104']:.3f} ms", f"{med['c104test']:.3f} ms", f"{ratio:.2f}x",
            f"{min(ratios):.2f}-{max(ratios):.2f}", f"{med99['c104']:.3f} ms", f"{med99['c104test']:.3f} ms",
            f"{h.median(ratios99):.2f}x", f"{med[floors[0]]:.3f} ms", f"{over_floor:.2f}x", failed, f"<= {goal:g}x",
            h.verdict(ratio <= goal and not failed),
        ])
    print(h.table(
        f"Round trip ACT -> ACT_CON, medians of {args.runs} runs (ratio = c104test / c104 of the same run)",
        ["RTU", "c104 p50", "c104test p50", "p50 ratio", "range", "c104 p99", "c104test p99", "p99 ratio",
         "floor p50", "c104test/floor", "failed", "goal", "verdict"],
        table_rows,
    ))
    if floors != ["raw"] or args.baseline:
        floor_rows = []
        for row in rows_wanted:
            for floor in (*floors, *(["base"] if args.baseline else [])):
                ratios = [h.percentile(r[floor]["latencies_us"], 50) / h.percentile(r["c104"]["latencies_us"], 50)
                          for r in runs[row]]
                floor_rows.append([
                    row, floor, f"{h.median([h.percentile(r[floor]['latencies_us'], 50) for r in runs[row]]) / 1000:.3f} ms",
                    f"{h.median(ratios):.2f}x", f"{min(ratios):.2f}-{max(ratios):.2f}",
                    f"{h.median([h.percentile(r[floor]['latencies_us'], 99) for r in runs[row]]) / 1000:.3f} ms",
                    sum(r[floor]["failed"] for r in runs[row]), f"<= {GOALS[row]:g}x",
                ])
        print(h.table("Floor clients (nothing of c104test) and the baseline c104test, medians of the runs (ratio = floor / c104 of the same run)",
                      ["RTU", "floor", "p50", "p50 ratio", "range", "p99", "failed", "goal"], floor_rows))
    cpu_rows = []
    for row in rows_wanted:
        impls = ("c104", "c104test", *(["base"] if args.baseline else []), *floors)
        cpu = {i: [r[i]["cpu_us"] for r in runs[row] if "cpu_us" in r[i]] for i in impls}
        cpu_rows.append([row, *(f"{h.median(cpu[i]):.0f} us" if cpu[i] else "-" for i in impls)])
    if cpu_rows:
        print(h.table("CPU per command of each client process (all its threads), median of the runs",
                      ["RTU", "c104", "c104test", *(["base"] if args.baseline else []), *floors], cpu_rows))
    if rates:
        print(f"stream rate during the streaming runs: median {h.median(rates):,.0f} objects/s "
              f"(min {min(rates):,.0f}, goal {args.rate:,})")
    for name, r in extra.items():
        lat = r["latencies_us"]
        print(f"{name}: p50 {h.percentile(lat, 50) / 1000:.3f} ms, p99 {h.percentile(lat, 99) / 1000:.3f} ms, "
              f"failed {r['failed']}")
    unmutes = sum(r[i].get("unmutes", 0) for rs in runs.values() for r in rs for i in ("c104", "c104test"))
    if unmutes:
        print(f"note: c104 needed {unmutes} STARTDT retries (unmute) to reach OPEN")
    print(f"finished in {time.monotonic() - started:.1f} s; load average now {h.load()}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
