"""1,000 concurrent client connections in one process, kept alive by t3 keepalives: RSS.

    python bench/connections.py [--connections N] [--t3 S] [--hold S]

What it measures (design.md section 6, issue 3 "Benchmarks"):

* One c104test simulator in its own process (bench/peers/sim_rtu.py, max_connections = N + 100,
  t3 = 1 s). This process raises its RLIMIT_NOFILE soft limit to the hard limit and opens N
  ``ClientConnection``s (engine API, t3 = 1 s, default journal), each started (STARTDT) before
  the next, and holds them for ``--hold`` seconds (> 3 t3 periods) with no traffic but the
  keepalives. Then it checks that every connection is still OPEN and saw at least
  ``hold / t3 - 1`` completed TESTFR act/con exchanges (either direction, from its journal),
  and reads VmRSS from /proc/self/status: before the first connection, when all are open, and
  at the end of the hold. Target: under 200 MB RSS in all.
* Baseline, same run: a child process (this script with ``--child-raw``) opens N bare trio TCP
  streams to the same simulator, each with a reader task that discards what arrives, and reports
  its RSS the same way. The ratio column is the c104test client's RSS per connection over the
  bare stream's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

import trio

import _harness as h

TARGET_MB = 200.0


# ---- baseline child: bare trio streams ----------------------------------------------------------


async def raw_child(port: int, n: int, hold: float) -> None:
    rss0 = h.rss_kib()
    streams = []

    async def drain(stream: trio.SocketStream) -> None:
        while await stream.receive_some(4096):
            pass

    with trio.fail_after(120):
        async with trio.open_nursery() as nursery:
            for _ in range(n):
                stream = await trio.open_tcp_stream("127.0.0.1", port)
                streams.append(stream)
                nursery.start_soon(drain, stream)
            rss_open = h.rss_kib()
            await trio.sleep(hold)
            rss_end = h.rss_kib()
            nursery.cancel_scope.cancel()
    print("RESULT", json.dumps({"rss0": rss0, "rss_open": rss_open, "rss_end": rss_end}), flush=True)


# ---- c104test engine connections ---------------------------------------------------------------------


def testfr_exchanges(conn: Any) -> tuple[int, int]:
    """(TESTFR act sent and con received, TESTFR act received and con sent) in the journal."""
    from c104test.engine.journal import Direction

    act_tx = con_rx = act_rx = con_tx = 0
    for entry in conn.journal:
        raw = entry.raw
        if len(raw) != 6:
            continue
        c = raw[2]
        rx = entry.direction is Direction.RECEIVED
        if c == 0x43:
            act_rx += rx
            act_tx += not rx
        elif c == 0x83:
            con_rx += rx
            con_tx += not rx
    return min(act_tx, con_rx), min(act_rx, con_tx)


async def engine_connections(port: int, n: int, t3: float, hold: float, snapshot: Any) -> dict[str, Any]:
    from c104test.engine.client import ClientConnection
    from c104test.protocol.enums import ConnectionState
    from c104test.protocol.link import LinkParameters

    params = LinkParameters(t1=15.0, t2=10.0, t3=t3)
    rss0 = h.rss_kib()
    conns: list[ClientConnection] = []
    async with trio.open_nursery() as nursery:
        t0 = time.perf_counter()
        with trio.fail_after(120):
            for _ in range(n):
                conn = ClientConnection("127.0.0.1", port, params=params, command_timeout=10)
                await nursery.start(conn.run)
                conns.append(conn)
        opened_s = time.perf_counter() - t0
        rss_open = h.rss_kib()
        await trio.sleep(hold)
        rss_end = h.rss_kib()
        states: dict[str, int] = {}
        for conn in conns:
            states[conn.state.name] = states.get(conn.state.name, 0) + 1
        exchanges = [testfr_exchanges(c) for c in conns]
        open_count = sum(c.state is ConnectionState.OPEN for c in conns)
        reasons = sorted({c.close_reason or "" for c in conns if c.state is not ConnectionState.OPEN})
        simulator = snapshot()  # the simulator's last report, made while everything was open
        nursery.cancel_scope.cancel()
    ours = [a for a, _ in exchanges]
    theirs = [b for _, b in exchanges]
    both = [a + b for a, b in exchanges]
    return {
        "rss0": rss0,
        "rss_open": rss_open,
        "rss_end": rss_end,
        "open": open_count,
        "states": states,
        "reasons": reasons[:3],
        "opened_s": opened_s,
        "testfr_min": min(both),
        "testfr_ours_total": sum(ours),
        "testfr_theirs_total": sum(theirs),
        "simulator": simulator,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--t3", type=float, default=1.0)
    parser.add_argument("--hold", type=float, default=4.0)
    parser.add_argument("--child-raw", nargs=3, metavar=("PORT", "N", "HOLD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    soft, hard = h.raise_nofile()
    if args.child_raw:
        port, n, hold = int(args.child_raw[0]), int(args.child_raw[1]), float(args.child_raw[2])
        trio.run(raw_child, port, n, hold)
        return
    n, t3, hold = args.connections, args.t3, args.hold
    if hold <= 3 * t3:
        parser.error("--hold must be longer than 3 t3 periods")
    need = n + 50
    if soft < need:
        sys.exit(f"RLIMIT_NOFILE hard limit {hard} is too low for {n} connections")
    started = time.monotonic()
    print(f"{n:,} connections, t3 = {t3:g} s, held {hold:g} s; {h.machine()}; RLIMIT_NOFILE {soft}; load {h.load()}",
          flush=True)
    with h.peer("sim_rtu.py", "--station", "1:10", "--max-connections", n + 100, "--t3", t3, "--report", 1.0) as sim:
        port = sim.ready(60)
        raw = h.run_once([os.path.abspath(__file__), "--child-raw", str(port), str(n), str(hold)], 150, name="raw streams")
        time.sleep(1.0)  # let the simulator drop the raw connections

        def snapshot() -> dict[str, Any] | None:
            last = None
            while True:
                try:
                    line = sim.lines.get_nowait()
                except Exception:
                    return last
                if line and line.startswith("RESULT"):
                    last = json.loads(line[6:])

        snapshot()  # drop the reports made so far
        ours = trio.run(engine_connections, port, n, t3, hold, snapshot)
        sim_view = ours["simulator"]

    def mb(kib: int) -> float:
        return kib / 1024

    raw_per = (raw["rss_end"] - raw["rss0"]) / n
    our_per = (ours["rss_end"] - ours["rss0"]) / n
    min_exchanges = int(hold / t3) - 1
    alive = ours["open"] == n and ours["testfr_min"] >= min_exchanges
    rows = [
        ["baseline: bare trio streams (child process)", f"{n:,}", f"{mb(raw['rss0']):.1f}", f"{mb(raw['rss_end']):.1f}",
         f"{raw_per:.1f}", "1.00x", "-", "-", "-", "-"],
        ["c104test ClientConnection (this process)", f"{n:,}", f"{mb(ours['rss0']):.1f}", f"{mb(ours['rss_end']):.1f}",
         f"{our_per:.1f}", f"{our_per / raw_per:.2f}x" if raw_per > 0 else "-",
         f"{ours['open']:,}/{n:,}", ours["testfr_min"], "< 200 MB, all OPEN",
         h.verdict(mb(ours["rss_end"]) < TARGET_MB and alive)],
    ]
    print(h.table(
        f"Client process RSS with {n:,} connections after {hold:g} s of t3 = {t3:g} s keepalives",
        ["client", "connections", "RSS before MB", "RSS end MB", "KiB/conn", "vs baseline", "OPEN at end",
         "min TESTFR exchanges/conn", "target", "verdict"],
        rows,
    ))
    print(f"opening {n:,} connections one after the other took {ours['opened_s']:.2f} s; RSS when all open "
          f"{mb(ours['rss_open']):.1f} MB; states at end {ours['states']}")
    print(f"TESTFR exchanges in the client journals: {ours['testfr_ours_total']:,} started by the client, "
          f"{ours['testfr_theirs_total']:,} by the simulator (needed per connection: {min_exchanges})")
    if ours["reasons"]:
        print(f"close reasons: {ours['reasons']}")
    if sim_view:
        print(f"simulator's last report: {sim_view}")
    print(f"finished in {time.monotonic() - started:.1f} s; load average now {h.load()}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
