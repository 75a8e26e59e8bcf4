"""End to end: spontaneous information objects per second, simulator to client over loopback TCP.

    python bench/end_to_end.py [--updates N] [--points P] [--repeat R] [--no-c104] [--diagnose]

What it measures (design.md section 6, issues 3 and 16):

* c104test client alone: the same ``ClientConnection`` fed by the bare sender below with a real
  STARTDT and a k=12/w=8 window (bench/peers/raw_sender.py --startdt): the client's own capacity to
  receive, journal, decode and apply, with a sender that spends nothing on encoding (as a C RTU
  would). This is issue 16's row "objects applied per second, 0 lost".
* c104test end to end: a c104test ``Simulator`` in its own process (bench/peers/spontaneous_rtu.py) pushes N
  spontaneous M_ME_NC_1 values, point ``1 + i % P`` getting ``i // P + 1``, as fast as its
  backpressure allows, once this process's ``ClientConnection`` has started data transfer. The
  client (this process) applies every object to its point database; an ``on_asdu`` callback
  checks that every point receives 1, 2, 3, ... in order, and at the end the point database must
  hold each point's last value with ``updates`` equal to the number of values sent to it. Lost =
  values that never arrived. Two producers are measured:
    - ``await set_point``: one ``await Simulator.set_point(...)`` per value (the documented
      producer API with backpressure);
    - ``batched``: ``set_point_nowait`` while the event queue has room, ``await set_point`` only
      when it is full.
  Link parameters are the standard's defaults (k=12, w=8) on both ends.
* Baseline, same run: a bare trio server process (bench/peers/raw_sender.py) streams the same
  values as pre-encoded M_ME_NC_1 I-frames (30 objects each, no k/w window, no acks); a minimal
  trio client here frames them and struct-decodes every object into a dict. The ratio column is
  against this baseline. A second baseline row adds the least protocol an IEC 104 sender needs:
  at most k=12 unacknowledged I-frames, and the client sends an S-frame every w=8.
* c104 (when installed): a c104 server process pushes the same kind of values with
  ``point.transmit(cause=SPONTANEOUS)`` to a c104 client process (bench/peers/c104_spont_*.py);
  its rate and how many values it lost.

Rate = objects / (time of the last object - time of the first object) on the receiving side.
Diagnostics printed under the table: CPU busy and CPU time per value of each process. On a
2-core machine the two processes often take turns on one core (a loopback send wakes the client
on the sender's core), so the rate is then about 1 / (simulator + client CPU per value).
Target: at least 300,000 objects/s applied, 0 lost (issue 16), checked on every c104test row; each
row is the median of --repeat runs (5 by default) with the range beside it.

``--diagnose`` prints, for every simulator run, where each process's time went
(bench/peers/_diagnostics.py): garbage collection, trio waiting for I/O (idle), and waiting for a
CPU (run queue, Linux). ``--only fast|await|batch`` runs that c104test row alone (no baselines).
"""

from __future__ import annotations

import argparse
import gc
import socket
import struct
import sys
import time
from typing import Any

import trio

from c104test.engine.client import ClientConnection
from c104test.protocol.enums import Cot, Type
from c104test.protocol.link import LinkParameters

import _harness as h

sys.path.insert(0, str(h.PEERS))
from _diagnostics import Diagnostics  # bench/peers, put on the path just above

TARGET = 300_000  # issue 16 (design.md section 6)
DESIGN_BASELINE = 320_000


def expected_final(n: int, p: int, ioa: int) -> int:
    """Number of values (= the last value) sent to point ``ioa`` (1-based)."""
    return n // p + (1 if ioa <= n % p else 0)


# ---- baseline: bare trio stream --------------------------------------------------------------


async def raw_client(port: int, n: int, p: int, w: int) -> dict[str, Any]:
    """Minimal receiver: framing, struct decode into a dict, and (w > 0) an S-frame every w I-frames."""
    unpack = struct.Struct("<HBfB").iter_unpack
    s_frame = struct.Struct("<BBHH").pack
    db: dict[tuple[int, int], tuple[float, int]] = {}
    got = vr = pending = 0
    first = last = 0.0
    with trio.fail_after(60):
        stream = await trio.open_tcp_stream("127.0.0.1", port)
        async with stream:
            buf = bytearray()
            while got < n:
                data = await stream.receive_some(65536)
                if not data:
                    break
                now = time.perf_counter()
                if not got:
                    first = now
                buf += data
                view = memoryview(buf)
                pos, end = 0, len(buf)
                while end - pos >= 6:
                    length = buf[pos + 1]
                    if end - pos < length + 2:
                        break
                    ca = buf[pos + 10] | buf[pos + 11] << 8
                    for lo, hi, value, qds in unpack(view[pos + 12 : pos + 2 + length]):
                        db[(ca, lo | hi << 16)] = (value, qds)
                    got += buf[pos + 7] & 0x7F
                    pos += length + 2
                    vr += 1
                    pending += 1
                view.release()
                del buf[:pos]
                last = now
                if w and (pending >= w or got >= n):
                    await stream.send_all(s_frame(0x68, 4, 1, (vr & 0x7FFF) << 1))
                    pending = 0
    wrong = sum(db.get((1, ioa), (None,))[0] != expected_final(n, p, ioa) for ioa in range(1, p + 1))
    return {"received": got, "lost": n - got, "disorder": 0, "final_wrong": wrong, "seconds": last - first}


def run_baseline(n: int, p: int, k: int = 0, w: int = 0) -> dict[str, Any]:
    with h.peer("raw_sender.py", "--updates", n, "--points", p, "--k", k) as sender:
        port = sender.ready(60)
        return trio.run(raw_client, port, n, p, w)


# ---- c104test ------------------------------------------------------------------------------------


async def c104test_client(port: int, n: int, p: int, diagnostics: Diagnostics | None = None) -> dict[str, Any]:
    expected = [1.0] * (p + 1)
    state = {"received": 0, "asdus": 0, "skipped": 0, "disorder": 0, "first": 0.0, "last": 0.0}
    done = trio.Event()
    spontaneous, short = Cot.SPONTANEOUS, Type.M_ME_NC_1

    def on_asdu(asdu: Any) -> None:
        if asdu.type is not short or asdu.cot != spontaneous:
            return
        now = time.perf_counter()
        if not state["received"]:
            state["first"] = now
        state["last"] = now
        for ob in asdu.objects:
            ioa, value = ob.io_address, ob.value
            want = expected[ioa]
            if value == want:
                expected[ioa] = want + 1.0
            elif value > want:
                state["skipped"] += int(value - want)
                expected[ioa] = value + 1.0
            else:
                state["disorder"] += 1
        state["received"] += len(asdu.objects)
        state["asdus"] += 1
        if state["received"] >= n:
            done.set()

    conn = ClientConnection("127.0.0.1", port, params=LinkParameters(), command_timeout=10)
    conn.on_asdu = on_asdu  # set before data transfer starts: the RTU pushes at once
    if diagnostics is not None:
        diagnostics.start()
    cpu0 = time.process_time()
    async with trio.open_nursery() as nursery:
        with trio.fail_after(10):
            await nursery.start(conn.run)
        with trio.move_on_after(90):
            await done.wait()
        # closing with conn.close() while frames still arrive can raise AttributeError (see
        # README, "Bugs found"); the benchmark cancels the connection's task instead.
        nursery.cancel_scope.cancel()
    cpu = time.process_time() - cpu0
    diagnosed = diagnostics.stop() if diagnostics is not None else {}
    wrong_value = wrong_count = 0
    for ioa in range(1, p + 1):
        pv = conn.points.get(1, ioa)
        want = expected_final(n, p, ioa)
        if pv is None or pv.value != want:
            wrong_value += 1
        if pv is None or pv.updates != want:
            wrong_count += 1
    received = state["received"]
    return {
        "received": received,
        "lost": state["skipped"] + max(0, n - received - state["skipped"]),
        "disorder": state["disorder"],
        "final_wrong": wrong_value + wrong_count,
        "seconds": state["last"] - state["first"],
        "client_cpu": cpu,
        "per_asdu": received / state["asdus"] if state["asdus"] else 0.0,
        "diagnosed": diagnosed,
    }


def collect_earlier_runs() -> None:
    """Collect what the earlier runs of this process left (their connections' cycles, about
    6,000 tracked objects a run) before the next one: otherwise every eighth run or so pays a
    collection of all of it mid-transfer (10-90 ms measured in issue 16, session 8), a cost of
    running 25 transfers in one process that a run of its own would not have."""
    gc.collect()


def run_c104test(n: int, p: int, mode: str, diagnose: bool = False) -> dict[str, Any]:
    extra = ("--diagnose",) if diagnose else ()
    with h.peer("spontaneous_rtu.py", "--updates", n, "--points", p, "--mode", mode, *extra) as rtu:
        port = rtu.ready(60)
        collect_earlier_runs()
        diagnostics = Diagnostics() if diagnose else None
        out = trio.run(c104test_client, port, n, p, diagnostics, instruments=[diagnostics] if diagnostics else [])
        try:
            out["server"] = rtu.result(30)
        except h.PeerError as exc:
            out["server"] = {"error": str(exc)}
        return out


def run_c104test_fast(n: int, p: int) -> dict[str, Any]:
    """The c104test client fed by the bare sender with STARTDT and a k=12/w=8 window."""
    with h.peer("raw_sender.py", "--updates", n, "--points", p, "--k", 12, "--startdt") as sender:
        port = sender.ready(60)
        collect_earlier_runs()
        return trio.run(c104test_client, port, n, p)


# ---- c104 ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_c104(n: int, p: int) -> dict[str, Any]:
    port = free_port()
    with h.peer("c104_spont_server.py", port, "--updates", n, "--points", p) as server:
        server.ready(30)
        with h.peer("c104_spont_client.py", port, "--updates", n, "--points", p) as client:
            pushed = server.result(90)
            got = client.result(90)
    seconds = got.get("elapsed_s") or float("nan")
    return {
        "received": got["received"],
        "lost": n - got["received"],
        "disorder": got["repeats"],
        "final_wrong": 0 if got["final_ok"] else 1,
        "seconds": seconds,
        "refused": pushed["refused"],
        "produce_s": pushed["produce_s"],
        "unmute_retries": got.get("unmute_retries", 0),
    }


# ---- report ------------------------------------------------------------------------------------------


def diagnosis(d: dict[str, Any]) -> str:
    """One process's ``--diagnose`` figures in a line."""
    if "cpu_ms" not in d:
        return "-"
    return (f"CPU {d['cpu_ms']:.0f} ms, idle {d['idle_ms']:.0f} ms ({d['idle_waits']} waits), "
            f"run queue {d['runqueue_ms']:.0f} ms ({d['slices']} slices), gc {d['gc_ms']:.1f} ms ({d['gc_runs']})")


def rate(r: dict[str, Any]) -> float:
    return r["received"] / r["seconds"] if r["seconds"] and r["seconds"] > 0 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--updates", type=int, default=150_000, help="objects per c104test run")
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5, help="runs per row (the median is reported)")
    parser.add_argument("--baseline-updates", type=int, default=1_000_000)
    parser.add_argument("--c104-updates", type=int, default=5_000)
    parser.add_argument("--no-c104", action="store_true")
    parser.add_argument("--diagnose", action="store_true", help="per simulator run: gc, idle and run-queue time of both processes")
    args = parser.parse_args()
    n, p = args.updates, args.points
    started = time.monotonic()
    print(f"end to end, loopback, {h.machine()}; {n:,} objects per run over {p} points; load {h.load()}", flush=True)

    nb = args.baseline_updates
    baseline_runs = [run_baseline(nb, p) for _ in range(args.repeat)]
    base_rate = sorted(rate(r) for r in baseline_runs)[len(baseline_runs) // 2]
    print(f"  baseline (bare trio stream): {base_rate:,.0f}/s", flush=True)
    windowed_runs = [run_baseline(nb, p, k=12, w=8) for _ in range(args.repeat)]
    print(f"  baseline with k=12/w=8 window: {sorted(rate(r) for r in windowed_runs)[args.repeat // 2]:,.0f}/s", flush=True)

    runs: dict[str, list[dict[str, Any]]] = {"fast": []}
    for _ in range(args.repeat):
        r = run_c104test_fast(n, p)
        runs["fast"].append(r)
        print(f"  c104test client, bare sender: {rate(r):,.0f}/s, lost {r['lost']}", flush=True)
    for mode in ("await", "batch"):
        runs[mode] = []
        for _ in range(args.repeat):
            r = run_c104test(n, p, mode, args.diagnose)
            runs[mode].append(r)
            print(f"  c104test, {mode}: {rate(r):,.0f}/s, lost {r['lost']}", flush=True)
            if args.diagnose:
                print(f"    simulator {diagnosis(r['server'])}; client {diagnosis(r['diagnosed'])}", flush=True)
    c104 = None
    if not args.no_c104 and h.c104_available():
        c104 = run_c104(args.c104_updates, p)
        print(f"  c104: {rate(c104):,.0f}/s, lost {c104['lost']} of {args.c104_updates:,}", flush=True)

    rows = []

    def row(name: str, rs: list[dict[str, Any]], sent: int, target: bool) -> None:
        rates = sorted(rate(r) for r in rs)
        mid = rates[len(rates) // 2]
        lost = sum(r["lost"] for r in rs)
        bad = sum(r["disorder"] + r["final_wrong"] for r in rs)
        spread = f"{rates[0]:,.0f}-{rates[-1]:,.0f}" if len(rates) > 1 else "-"
        ok = None if not target else (mid >= TARGET and lost == 0 and bad == 0)
        rows.append(
            [name, f"{sent:,} x{len(rs)}", f"{mid:,.0f}", spread, f"{mid / base_rate:.2f}x", lost, bad,
             f">= {TARGET:,}/s, 0 lost" if target else "-", h.verdict(ok)]
        )

    row("baseline: bare trio stream + struct", baseline_runs, nb, False)
    row("baseline + k=12/w=8 window, S-frames", windowed_runs, nb, False)
    row("c104test client <- bare sender, k=12/w=8", runs["fast"], n, True)
    row("c104test: await set_point per value", runs["await"], n, True)
    row("c104test: batched set_point_nowait", runs["batch"], n, True)
    if c104 is not None:
        row("c104 2.2.1: transmit(SPONTANEOUS)", [c104], args.c104_updates, False)
    print()
    print(
        h.table(
            "Spontaneous objects/s, simulator to client (median of runs; ratio = median / baseline median)",
            ["implementation", "objects", "objects/s", "range", "vs baseline", "lost", "disorder+wrong", "target", "verdict"],
            rows,
        )
    )
    print()
    fast_cpu = sorted(r["client_cpu"] / r["seconds"] for r in runs["fast"] if r["seconds"])
    print(f"c104test client <- bare sender: CPU busy during the transfer: client {fast_cpu[len(fast_cpu) // 2] * 100:.0f}%")
    for mode, label in (("await", "await set_point"), ("batch", "batched")):
        rs = runs[mode]
        cpu = sorted(r["client_cpu"] / r["seconds"] for r in rs if r["seconds"])
        srv = [r["server"] for r in rs]
        overflows = sum(s.get("overflows", 0) for s in srv)
        per_asdu = ", ".join(f"{r['per_asdu']:.1f}" for r in rs)
        sim_cpu = sorted(s["cpu_s"] / s["drain_s"] for s in srv if s.get("drain_s"))
        per_value = sorted(s["cpu_s"] / s["updates"] * 1e6 for s in srv if s.get("updates"))
        client_per_value = sorted(r["client_cpu"] / r["received"] * 1e6 for r in rs if r["received"])
        print(
            f"c104test {label}: CPU busy during the transfer: client {cpu[len(cpu) // 2] * 100:.0f}%, "
            f"simulator {sim_cpu[len(sim_cpu) // 2] * 100 if sim_cpu else float('nan'):.0f}%; "
            f"CPU per value: simulator {per_value[len(per_value) // 2] if per_value else float('nan'):.2f} us, "
            f"client {client_per_value[len(client_per_value) // 2] if client_per_value else float('nan'):.2f} us; "
            f"objects per ASDU {per_asdu} (30 fit); simulator overflows (coalesced values) {overflows}"
        )
    if c104 is not None:
        print(
            f"c104: {c104['received']:,} of {args.c104_updates:,} values arrived ({c104['lost']:,} lost; "
            f"transmit() refused {c104['refused']}); the server's transmit loop took {c104['produce_s']:.3f} s; "
            f"STARTDT retries {c104['unmute_retries']}"
        )
    print(f"design.md: bare trio stream ~{DESIGN_BASELINE:,}/s here; c104 200-1,000/s with losses")
    print(f"finished in {time.monotonic() - started:.1f} s; load average now {h.load()}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
