"""Station interrogation: 10,000 points, and c104's client against c104test's on the same script.

    python bench/interrogation.py [--repeat R] [--runs N] [--only PART ...] [--no-c104]

PART is engine, api, api-sim, server or facade (default: all). What it measures (design.md
section 6, issue 3 "Benchmarks", issue 16 "Performance"):

1. engine: a c104test simulator in its own process (bench/peers/sim_rtu.py) with CA 1 = 10,000
   M_ME_NC_1 points (value = IOA) and CA 2 = 10,000 points of seven mixed types. This process's
   ``ClientConnection`` (a fresh connection each run, so the point database starts empty) times
   ``await conn.interrogation(ca)`` and checks that all 10,000 points are in ``conn.points`` with
   the right value the moment the call returns. Target: 0.2 s or less, all present.
   Baseline in the same run, against the same simulator: a minimal trio client (STARTDT,
   C_IC_NA_1, framing, S-frame every w=8, struct decode into a dict, stop at ACT_TERM). It shows
   how much of the time is the simulator's.
2. api (issue 16's rows): one c104-API script (bench/peers/api_interrogation.py) run N times with
   ``import c104`` and N times with ``import c104test as c104``, alternating, against one lib60870
   RTU (a c104 server, bench/peers/c104_rtu.py) with CA 1 = 1,000 and CA 2 = 5,000 points: each
   run does ``connection.interrogation(common_address=CA)`` R times per station. The figure is the
   median over all calls (warm); the first call of each run (cold: the points are created) is
   shown apart. Target: c104test takes half of c104's time or less. The minimal client's time
   against the same RTU is shown as the floor that the RTU's sending sets, and, run between the
   script runs, a bare socket client that does not decode (bench/peers/bare_interrogation.py):
   the floor for a client that spends almost no CPU.
   api-sim: the same against a c104test simulator.
3. server: a c104 server with 10,000 points answering: how many objects c104test's client and
   c104's client get, and in what time.
4. facade: the c104-compatible facade alone, no I/O: CPU per received object for
   ``PointDatabase.apply`` and ``Connection._asdu`` (cold and warm), the codec for scale.
"""

from __future__ import annotations

import argparse
import os
import socket
import struct
import sys
import time
from typing import Any

import trio

from c104test.engine.client import ClientConnection
from c104test.protocol.link import LinkParameters

import _harness as h

TARGET_S = 0.2
N = 10_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---- baseline: a minimal client ------------------------------------------------------------------


async def raw_interrogation(port: int, ca: int, n: int = N, w: int = 8) -> dict[str, Any]:
    """The floor client's call; ``reads`` in the result: (wall time, octets) of every receive."""
    unpack = struct.Struct("<HBfB").iter_unpack
    unpack_seq = struct.Struct("<fB").iter_unpack
    db: dict[tuple[int, int], tuple[float, int]] = {}
    vr = vs = pending = 0
    reads: list[tuple[float, int]] = []
    with trio.fail_after(30):
        stream = await trio.open_tcp_stream("127.0.0.1", port)
        async with stream:
            buf = bytearray()

            async def frames():
                nonlocal buf
                while True:
                    while len(buf) < 2 or len(buf) < buf[1] + 2:
                        data = await stream.receive_some(65536)
                        reads.append((time.time(), len(data)))
                        if not data:
                            raise ConnectionError("closed by the simulator")
                        buf += data
                    end = buf[1] + 2
                    frame, buf = bytes(buf[:end]), buf[end:]
                    yield frame

            await stream.send_all(bytes.fromhex("680407000000"))  # STARTDT act
            gen = frames()
            async for frame in gen:
                if frame[2] == 0x0B:  # STARTDT con
                    break
                if not frame[2] & 1:
                    vr += 1
            await trio.sleep(0.05)  # let M_EI_NA_1 arrive before the clock starts
            t0 = time.perf_counter()
            await stream.send_all(
                struct.pack("<BBHHBBBBHHBB", 0x68, 14, vs << 1, (vr & 0x7FFF) << 1, 100, 1, 6, 0, ca, 0, 0, 20)
            )
            objects = 0
            async for frame in gen:
                if frame[2] & 1:
                    continue  # S- and U-frames
                vr += 1
                pending += 1
                type_id, cot = frame[6], frame[8] & 0x3F
                if cot == 20 and type_id == 13:
                    frame_ca = frame[10] | frame[11] << 8
                    if frame[7] & 0x80:  # SQ=1 (lib60870 answers so): one IOA, then the elements
                        first = frame[12] | frame[13] << 8 | frame[14] << 16
                        for i, (value, qds) in enumerate(unpack_seq(frame[15:])):
                            db[(frame_ca, first + i)] = (value, qds)
                    else:
                        for lo, hi, value, qds in unpack(frame[12:]):
                            db[(frame_ca, lo | hi << 16)] = (value, qds)
                    objects += frame[7] & 0x7F
                if pending >= w:
                    await stream.send_all(struct.pack("<BBHH", 0x68, 4, 1, (vr & 0x7FFF) << 1))
                    pending = 0
                if type_id == 100 and cot == 10:
                    break
            seconds = time.perf_counter() - t0
    wrong = sum(db.get((ca, ioa), (None,))[0] != float(ioa) for ioa in range(1, n + 1))
    return {"seconds": seconds, "present": len(db), "wrong": wrong, "objects": objects, "reads": reads}


# ---- c104test's engine client ------------------------------------------------------------------------


async def engine_interrogation(port: int, ca: int, short: bool) -> dict[str, Any]:
    with trio.fail_after(60):
        async with trio.open_nursery() as nursery:
            conn = ClientConnection("127.0.0.1", port, params=LinkParameters(), command_timeout=20)
            await nursery.start(conn.run)
            await trio.sleep(0.05)  # M_EI_NA_1
            t0 = time.perf_counter()
            result = await conn.interrogation(ca)
            seconds = time.perf_counter() - t0
            # IOA 1..N only: M_EI_NA_1 (IOA 0) is in the point database too
            present = sum(1 <= ioa <= N for ioa in conn.points.station(ca))
            wrong = 0
            if short:
                for ioa in range(1, N + 1):
                    pv = conn.points.get(ca, ioa)
                    wrong += pv is None or pv.value != float(ioa)
            nursery.cancel_scope.cancel()
    return {
        "seconds": seconds,
        "present": present,
        "wrong": wrong,
        "objects": len(result.objects),
        "positive": result.positive,
        "terminated": result.terminated,
    }


def run_engine(port: int, ca: int, short: bool, repeat: int) -> list[dict[str, Any]]:
    return [trio.run(engine_interrogation, port, ca, short) for _ in range(repeat)]


def run_raw(port: int, ca: int, repeat: int, n: int = N) -> list[dict[str, Any]]:
    return [trio.run(raw_interrogation, port, ca, n) for _ in range(repeat)]


# ---- c104 API script -----------------------------------------------------------------------------------


def api_script(
    impl: str, port: int, stations: list[str], repeat: int, short: bool = True, env: dict[str, str] | None = None
) -> dict[str, Any]:
    args = [str(h.PEERS / "api_interrogation.py"), impl, "127.0.0.1", str(port), "--repeat", str(repeat)]
    for s in stations:
        args += ["--station", s]
    if short:
        args.append("--short")
    return h.run_once(args, 100, name=f"api_interrogation[{impl}]", env=env)


def engine_part(r: int) -> None:
    """1. 10,000 points from the c104test simulator through the engine client."""
    rows: list[list[Any]] = []
    with h.peer("sim_rtu.py", "--station", f"1:{N}", "--station", f"2:{N}:mixed") as sim:
        port = sim.ready(60)
        raw = run_raw(port, 1, r)
        short = run_engine(port, 1, True, r)
        mixed = run_engine(port, 2, False, r)
    base = h.median([x["seconds"] for x in raw])
    for name, runs, target in (
        ("baseline: minimal trio client, CA 1 (M_ME_NC_1)", raw, False),
        ("c104test ClientConnection, CA 1 (M_ME_NC_1)", short, True),
        ("c104test ClientConnection, CA 2 (7 mixed types)", mixed, True),
    ):
        secs = [x["seconds"] for x in runs]
        med = h.median(secs)
        complete = all(x["present"] == N and not x["wrong"] for x in runs)
        ok = (med <= TARGET_S and complete) if target else None
        rows.append(
            [name, f"{N:,}", f"{med:.3f} s", f"{min(secs):.3f}-{max(secs):.3f}", f"{med / base:.2f}x",
             f"{min(x['present'] for x in runs):,}", sum(x["wrong"] for x in runs),
             "<= 0.2 s, all present" if target else "-", h.verdict(ok)]
        )
    print(h.table(
        f"1. Interrogation of {N:,} points from the c104test simulator (median of {r}; ratio vs the minimal client)",
        ["client", "points", "median", "range", "vs baseline", "present at return (min)", "wrong", "target", "verdict"],
        rows,
    ), flush=True)


API_SIZES = [("1", 1000), ("2", 5000)]


def api_part(r: int, runs: int, rtu: str, burns: tuple[int, ...] = (), apart: bool = False) -> list[str]:
    """2. The same c104-API script with c104 and with c104test, alternating, against one RTU.

    ``rtu`` is ``c104`` (a lib60870 RTU: the issue 16 rows) or ``sim`` (a c104test simulator).
    Each script run is its own process and interrogates every station ``r`` times; the figure is
    the median over all calls of all ``runs`` processes of an import (warm: the points exist),
    and, apart, the median of the processes' first calls (cold: the points are created).
    ``apart``: the RTU runs on CPU 0 only and every client on CPU 1 only (a diagnostic: on a
    small VM the scheduler most often puts a client and the RTU on one CPU, which then take turns).
    """
    pins_rtu = {"BENCH_CPUS": "0"} if apart else None
    pins = {"BENCH_CPUS": "1"} if apart else None
    specs = [f"{ca}:{n}" for ca, n in API_SIZES]
    stations = [a for s in specs for a in ("--station", s)]
    if rtu == "c104":
        port = free_port()
        server = h.peer("c104_rtu.py", port, *stations, env=pins_rtu)
        title = "a c104 2.2.1 (lib60870) RTU"
    else:
        server = h.peer("sim_rtu.py", *stations, env=pins_rtu)
        title = "a c104test simulator"
    results: dict[str, list[dict[str, Any]]] = {"c104": [], "c104test": []}
    with server:
        port = server.ready(60)
        raw_runs = {ca: run_raw(port, int(ca), r, n) for ca, n in API_SIZES}
        bare: list[dict[str, Any]] = []
        burnt: dict[int, list[dict[str, Any]]] = {}
        for _ in range(runs):
            for impl in ("c104", "c104test"):  # alternate, against drift
                results[impl].append(api_script(impl, port, specs, r, env=pins))
            if rtu == "c104":  # the bare floor between the same runs, paused between calls alike
                bare.append(h.run_once([str(h.PEERS / "bare_interrogation.py"), "127.0.0.1", str(port), "--repeat",
                                        str(r), *stations], 100, name="bare_interrogation", env=pins))
                for burn in burns:  # the bare floor with CPU spent per frame: what the client's work costs the RTU
                    burnt.setdefault(burn, []).append(h.run_once(
                        [str(h.PEERS / "bare_interrogation.py"), "127.0.0.1", str(port), "--repeat", str(r),
                         "--burn-us", str(burn), *stations], 100, name="bare_interrogation", env=pins))
    rows = []
    notes = []
    for ca, n in API_SIZES:
        med: dict[str, float] = {}
        first: dict[str, float] = {}
        present: dict[str, int] = {}
        for impl in ("c104", "c104test"):
            calls = [call for res in results[impl] for call in res["stations"][ca]["runs"]]
            med[impl] = h.median([x["seconds"] for x in calls])
            first[impl] = h.median([res["stations"][ca]["first_s"] for res in results[impl]])
            present[impl] = min(x["present"] for x in calls)
        ratio = med["c104test"] / med["c104"]
        cold = first["c104test"] / first["c104"]
        # run i of c104 and run i of c104test ran next to each other: the median of their ratios
        # is steadier than the ratio of medians when the machine's load drifts
        paired = h.median([
            ours["stations"][ca]["median_s"] / theirs["stations"][ca]["median_s"]
            for theirs, ours in zip(results["c104"], results["c104test"], strict=True)
        ])
        floor = h.median([x["seconds"] for x in raw_runs[ca]])
        rows.append(["minimal trio client (floor)", f"{n:,}", f"{floor * 1000:.1f} ms", "-", "-",
                     f"{min(x['present'] for x in raw_runs[ca]):,}", f"{floor / med['c104']:.2f}x", "-", "-", "-"])
        if bare:
            calls = [call for res in bare for call in res["stations"][ca]["runs"]]
            floor_bare = h.median([x["seconds"] for x in calls])
            paired_bare = h.median([
                b["stations"][ca]["median_s"] / theirs["stations"][ca]["median_s"]
                for theirs, b in zip(results["c104"], bare, strict=True)
            ])
            rows.append(["bare socket client, no decoding (floor)", f"{n:,}", f"{floor_bare * 1000:.1f} ms", "-", "-",
                         f"{min(x['present'] for x in calls):,}", f"{floor_bare / med['c104']:.2f}x",
                         f"{paired_bare:.2f}x", "-", "-"])
        for burn, results_of in burnt.items():
            calls = [call for res in results_of for call in res["stations"][ca]["runs"]]
            med_burn = h.median([x["seconds"] for x in calls])
            rows.append([f"bare client + {burn} us CPU per frame", f"{n:,}", f"{med_burn * 1000:.1f} ms", "-", "-",
                         f"{min(x['present'] for x in calls):,}", f"{med_burn / med['c104']:.2f}x", "-", "-", "-"])
        for impl in ("c104", "c104test"):
            ours = impl == "c104test"
            rows.append(
                [impl, f"{n:,}", f"{med[impl] * 1000:.1f} ms", f"{first[impl] * 1000:.1f} ms",
                 f"{cold:.2f}x" if ours else "1.00x", f"{present[impl]:,}",
                 f"{ratio:.2f}x" if ours else "1.00x", f"{paired:.2f}x" if ours else "1.00x",
                 "<= 0.50x c104" if ours else "-", h.verdict(ratio <= 0.5) if ours else "-"]
            )
    unmutes = sum(res["unmutes"] for res in results["c104"])
    print()
    print(h.table(
        f"2. Same c104-API script, c104 vs c104test, against {title} "
        f"({runs} runs x {r} calls each, alternating; ratio = x / c104)"
        + ("; PINNED APART: RTU on CPU 0, clients on CPU 1 (a diagnostic, not the issue's verdict)" if apart else ""),
        ["import", "points", "median", "first call (cold)", "cold ratio", "present at return (min)", "ratio",
         "paired ratio", "target", "verdict"],
        rows,
    ), flush=True)
    if unmutes:
        notes.append(f"c104 needed {unmutes} STARTDT retries (unmute) to reach OPEN")
    return notes


def server_part() -> None:
    """3. c104's server with 10,000 points answering."""
    port = free_port()
    with h.peer("c104_rtu.py", port, "--points", N) as rtu:
        rtu.ready(60)
        ours = run_engine(port, 1, True, 3)
        theirs = api_script("c104", port, [f"1:{N}"], 3)
    rows = []
    for name, secs, present in (
        ("c104test ClientConnection", [x["seconds"] for x in ours], [x["present"] for x in ours]),
        # the c104 script keeps its points across calls: only its first call counts
        ("c104 client (api script), first call", [theirs["stations"]["1"]["runs"][0]["seconds"]],
         [theirs["stations"]["1"]["runs"][0]["present"]]),
    ):
        rows.append([name, f"{N:,}", f"{h.median(secs):.3f} s", f"{min(present):,}-{max(present):,}"])
    print()
    print(h.table(
        f"3. c104 2.2.1 server with {N:,} points answering a station interrogation (3 runs)",
        ["client", "points in RTU", "median", "points received (min-max)"],
        rows,
    ), flush=True)


def facade_part(r: int) -> None:
    """4. The c104-compatible facade alone, no I/O: CPU per received object, in this process.

    5,000 M_ME_NC_1 objects in ASDUs of 48 with SQ=1 (as lib60870 answers), decoded once per
    repetition (the codec is not timed here); then timed: ``PointDatabase.apply`` (the engine's
    point database) and ``Connection._asdu`` (the c104 facade: points, infos, callbacks), cold
    (the points are created) and warm (they exist). The median of ``r`` repetitions per object.
    """
    import c104test as c104
    from c104test.engine.points import PointDatabase
    from c104test.protocol.asdu import Asdu, decode_asdu, encode_asdu
    from c104test.protocol.enums import Cot, Type
    from c104test.protocol.objects import MeasuredShort

    n, per = 5000, 48
    raw = [
        encode_asdu(Asdu(Type.M_ME_NC_1, Cot.INTERROGATED_BY_STATION, 2,
                         tuple(MeasuredShort(ioa, float(ioa)) for ioa in range(first, min(first + per, n + 1))),
                         sequence=True))
        for first in range(1, n + 1, per)
    ]
    client = c104.Client()
    connection = client.add_connection(ip="127.0.0.1", port=2404, init=c104.Init.NONE)
    figures: dict[str, list[float]] = {"decode_asdu (codec, for scale)": [], "PointDatabase.apply": [],
                                       "Connection._asdu, cold": [], "Connection._asdu, warm": [],
                                       "point.value of every point": []}
    try:
        for _ in range(max(r, 5)):
            t0 = time.perf_counter()
            asdus = [decode_asdu(b) for b in raw]
            figures["decode_asdu (codec, for scale)"].append(time.perf_counter() - t0)
            db = PointDatabase()
            t0 = time.perf_counter()
            for a in asdus:
                db.apply(a, 1.0)
            figures["PointDatabase.apply"].append(time.perf_counter() - t0)
            connection.remove_station(2)
            for label in ("Connection._asdu, cold", "Connection._asdu, warm"):
                t0 = time.perf_counter()
                for a in asdus:
                    connection._asdu(a)
                figures[label].append(time.perf_counter() - t0)
            points = connection.get_station(2).points
            t0 = time.perf_counter()
            total = sum(p.value for p in points)
            figures["point.value of every point"].append(time.perf_counter() - t0)
            assert len(points) == n and total == n * (n + 1) / 2, (len(points), total)
    finally:
        client.stop()
    rows = [[label, f"{h.median(v) * 1e3:.2f} ms", f"{h.median(v) / n * 1e6:.2f} us"] for label, v in figures.items()]
    print()
    print(h.table(f"4. The facade alone, no I/O: {n:,} M_ME_NC_1 objects (median of {max(r, 5)})",
                  ["step", "5,000 objects", "per object"], rows), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="calls per station in each run")
    parser.add_argument("--runs", type=int, default=5, help="c104-API script runs per import (part 2)")
    parser.add_argument("--only", choices=("engine", "api", "api-sim", "server", "facade"), action="append",
                        help="run only these parts (default: all)")
    parser.add_argument("--no-c104", action="store_true")
    parser.add_argument("--bare-burn", default="", metavar="US,US",
                        help="api: also the bare floor spending these microseconds of CPU per received frame (e.g. 50,100)")
    parser.add_argument("--apart", action="store_true",
                        help="api: also run it with the RTU pinned to CPU 0 and the clients to CPU 1 (a diagnostic)")
    args = parser.parse_args()
    started = time.monotonic()
    parts = args.only or ["engine", "api", "api-sim", "server", "facade"]
    print(f"station interrogation, loopback, {h.machine()}; load {h.load()}", flush=True)
    notes: list[str] = []
    if "engine" in parts:
        engine_part(args.repeat)
    if not args.no_c104 and h.c104_available():
        if "api" in parts:
            burns = tuple(int(x) for x in args.bare_burn.split(",") if x.strip())
            notes += api_part(args.repeat, args.runs, "c104", burns)
            if args.apart and (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity"):
                notes += api_part(args.repeat, args.runs, "c104", apart=True)
        if "api-sim" in parts:
            notes += api_part(args.repeat, args.runs, "sim")
        if "server" in parts:
            server_part()
    if "facade" in parts:
        facade_part(args.repeat)
    for note in notes:
        print("note:", note)
    print("design.md: c104's client reads up to 5,000 points in 0.085-0.16 s; c104's server sends ~5,400 of 10,000")
    print(f"finished in {time.monotonic() - started:.1f} s; load average now {h.load()}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
