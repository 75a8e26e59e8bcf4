"""Bounded memory: the client's RSS after 2,000,000 objects, the simulator's RSS under a read flood.

    python bench/memory.py [--objects N] [--flood-seconds S] [--reads-per-second R] [--only client|simulator]

What it measures (issue 10, "Figures"):

* (a) **Client RSS after receiving 2,000,000 objects in full-length ASDUs, default journal.**
  A c104test simulator in its own process (bench/peers/sim_rtu.py) holds 10,000 M_ME_NC_1 points;
  its station interrogation answer is packed into full-length ASDUs (30 objects, 249 octets each).
  A child process (this script with ``--child-client``) opens one ``ClientConnection`` with the
  default journal (the process-wide 64 MiB budget) and interrogates until N objects have
  arrived; it reads VmRSS before connecting and at the end, and reports the journal's frames,
  octets and drops. Target: < 200 MB. Baseline, same run: the same child with a journal that
  keeps every frame decoded the way the journal of main did (``--legacy-journal``: a
  count-bounded deque of 100,000 decoded entries), so the ratio shows what the octet bound saves.
* (b) **Simulator RSS while one peer sends 10,000 reads a second for 60 s and reads nothing.**
  A simulator process (sim_rtu.py, 1,000 points, t1 = 15 s) and a raw-socket peer in this
  process: STARTDT act, then C_RD_NA_1 requests at R per second with increasing N(S), never
  reading an octet. When the simulator releases it (t1), the peer connects again at once. VmRSS
  of the simulator process is sampled every 0.5 s from /proc; the figure is the growth over the
  RSS after start-up. Meanwhile a second, well-behaved client in this process runs a station
  interrogation every 2 s and the slowest is reported (the issue asks < 1 s throughout).
  Target: growth < 20 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import struct
import sys
import threading
import time
from typing import Any

import trio

import _harness as h

CLIENT_TARGET_MB = 200.0
SIMULATOR_TARGET_MB = 20.0
POINTS = 10_000
CA = 1


# ---- (a) client RSS: the child ---------------------------------------------------------------------


def legacy_journal() -> Any:
    """A journal as on main before the octet bound: 100,000 entries, each decoded when recorded."""
    from collections import deque

    from c104test.engine.journal import Journal, JournalEntry
    from c104test.protocol.asdu import decode_asdu

    class Legacy(Journal):
        def __init__(self) -> None:
            super().__init__()
            self._entries = deque(maxlen=100_000)  # type: ignore[assignment]

        def record(self, direction: Any, raw: bytes, *, now: float, wall: float, asdu: Any = None, error: Any = None) -> Any:
            entry = JournalEntry(self._next, now, wall, direction, raw)
            if entry.is_i_frame:  # decoded when recorded and kept, as before
                entry._asdu = decode_asdu(raw[6:], 6)
            self._next += 1
            self._entries.append(entry)
            return entry

    return Legacy()


async def client_child(port: int, objects: int, legacy: bool) -> None:
    from c104test.engine.client import ClientConnection

    rss0 = h.rss_kib()
    received = 0
    started = time.perf_counter()
    conn = ClientConnection("127.0.0.1", port, command_timeout=60)
    if legacy:
        conn.journal = legacy_journal()  # before run(): the session records into it
    async with trio.open_nursery() as nursery:
        await nursery.start(conn.run)
        while received < objects:
            result = await conn.interrogation(CA)
            received += len(result.objects)
        took = time.perf_counter() - started
        rss_end = h.rss_kib()
        journal = conn.journal
        held, octets, dropped = len(journal), journal.octets, journal.dropped
        limit = journal.size
        await conn.close()
        nursery.cancel_scope.cancel()
    print("RESULT", json.dumps({
        "rss0": rss0, "rss_end": rss_end, "objects": received, "seconds": took,
        "frames_held": held, "journal_octets": octets, "dropped": dropped, "limit": limit,
    }), flush=True)


def client_rss(objects: int) -> None:
    print(f"(a) client RSS after {objects:,} objects in full-length ASDUs (interrogations of {POINTS:,} M_ME_NC_1)",
          flush=True)
    rows = []
    with h.peer("sim_rtu.py", "--station", f"{CA}:{POINTS}", "--t1", 60, "--t2", 1) as sim:
        port = sim.ready(60)
        results = {}
        for name, extra in (("legacy", ["--legacy-journal"]), ("octets", [])):
            results[name] = h.run_once(
                [os.path.abspath(__file__), "--child-client", str(port), str(objects), *extra], 600, name=name,
            )
    new, old = results["octets"], results["legacy"]
    for label, r in (("baseline: count-bounded journal, decoded entries (as on main)", old),
                     ("c104test journal: 64 MiB octet budget, lazy decoding", new)):
        end_mb = r["rss_end"] / 1024
        rows.append([
            label, f"{r['objects']:,}", f"{r['seconds']:.1f}", f"{r['rss0'] / 1024:.1f}", f"{end_mb:.1f}",
            f"{r['frames_held']:,}", f"{r['journal_octets'] / 1048576:.1f}" if r is new else "-",
            f"{r['dropped']:,}" if r is new else "-",
            f"{new['rss_end'] / old['rss_end']:.2f}x" if r is new else "1.00x",
            h.verdict(end_mb < CLIENT_TARGET_MB) if r is new else "-",
        ])
    print(h.table(
        "Client process RSS (child process, one connection)",
        ["journal", "objects", "s", "RSS before MB", "RSS end MB", "frames held", "journal MiB", "dropped",
         "vs baseline", "< 200 MB"],
        rows,
    ))


# ---- (b) simulator RSS under a read flood ---------------------------------------------------------------


def rss_of(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def read_request(ns: int, ioa: int) -> bytes:
    asdu = bytes((102, 1, 5, 0)) + struct.pack("<H", CA) + ioa.to_bytes(3, "little")
    return bytes((0x68, len(asdu) + 4)) + struct.pack("<HH", (ns << 1) & 0xFFFF, 0) + asdu


class ReadFlood:
    """One raw-socket peer: STARTDT, then reads at a fixed rate, reading nothing back; reconnects."""

    def __init__(self, port: int, rate: int) -> None:
        self.port, self.rate = port, rate
        self.sent = self.connections = self.stalled_s = 0
        self.released: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="read-flood", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        batch = max(1, self.rate // 100)  # 100 batches a second
        while not self._stop.is_set():
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            self.connections += 1
            opened = time.monotonic()
            sock.sendall(bytes.fromhex("680407000000"))
            sock.setblocking(False)
            ns, next_at = 0, time.monotonic()
            try:
                while not self._stop.is_set():
                    data = b"".join(read_request(ns + i, 1 + (ns + i) % 1000) for i in range(batch))
                    view = memoryview(data)
                    while view and not self._stop.is_set():
                        try:
                            view = view[sock.send(view):]
                        except BlockingIOError:
                            time.sleep(0.01)
                            self.stalled_s += 0.01
                    self.sent += batch
                    ns = (ns + batch) & 0x7FFF
                    next_at += batch / self.rate
                    time.sleep(max(0.0, next_at - time.monotonic()))
            except OSError:  # released by the simulator
                self.released.append(time.monotonic() - opened)
            finally:
                sock.close()


async def interrogate_meanwhile(port: int, seconds: float, slowest: list[float], failures: list[str]) -> None:
    from c104test.engine.client import open_connection

    async with open_connection("127.0.0.1", port, command_timeout=10) as conn:
        deadline = trio.current_time() + seconds
        while trio.current_time() < deadline:
            t0 = trio.current_time()
            try:
                result = await conn.interrogation(CA)
                if len(result.objects) != 1000:
                    failures.append(f"{len(result.objects)} objects")
            except Exception as exc:  # the figure to report, not a crash
                failures.append(f"{type(exc).__name__}: {exc}")
            slowest.append(trio.current_time() - t0)
            await trio.sleep(2.0)


def simulator_rss(seconds: float, rate: int) -> None:
    print(f"(b) simulator RSS while one peer sends {rate:,} reads/s for {seconds:g} s and reads nothing", flush=True)
    with h.peer("sim_rtu.py", "--station", f"{CA}:1000", "--t1", 15, "--max-connections", 10) as sim:
        port = sim.ready(60)
        pid = sim.proc.pid
        time.sleep(1.0)
        base = rss_of(pid)
        flood = ReadFlood(port, rate)
        samples: list[int] = []
        latencies: list[float] = []
        failures: list[str] = []
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.wait(0.5):
                samples.append(rss_of(pid))

        sampler = threading.Thread(target=sample, daemon=True)
        flood.start()
        sampler.start()
        started = time.monotonic()
        try:
            trio.run(interrogate_meanwhile, port, seconds, latencies, failures)
        finally:
            flood.stop()
            sampling.set()
            sampler.join(5)
        elapsed = time.monotonic() - started
        peak = max(samples, default=base)
    growth_mb = (peak - base) / 1024
    print(h.table(
        "Simulator process RSS under a read flood from a peer that reads nothing",
        ["RSS after start MB", "peak RSS MB", "growth MB", "reads sent", "reads/s", "peer connections",
         "released after (s)", "slowest interrogation of 1,000 points (s)", "target", "verdict"],
        [[f"{base / 1024:.1f}", f"{peak / 1024:.1f}", f"{growth_mb:.1f}", f"{flood.sent:,}",
          f"{flood.sent / elapsed:,.0f}", flood.connections,
          ", ".join(f"{s:.1f}" for s in flood.released[:6]) or "never",
          f"{max(latencies, default=float('nan')):.3f}", "growth < 20 MB; interrogation < 1 s",
          h.verdict(growth_mb < SIMULATOR_TARGET_MB and max(latencies, default=99) < 1.0 and not failures)]],
    ))
    if failures:
        print(f"interrogation failures meanwhile: {failures[:3]} ({len(failures)} in all)")
    print(f"the peer's sends were blocked for {flood.stalled_s:.1f} s in all (back-pressure)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--objects", type=int, default=2_000_000)
    parser.add_argument("--flood-seconds", type=float, default=60.0)
    parser.add_argument("--reads-per-second", type=int, default=10_000)
    parser.add_argument("--only", choices=("client", "simulator"))
    parser.add_argument("--child-client", nargs=2, metavar=("PORT", "OBJECTS"), help=argparse.SUPPRESS)
    parser.add_argument("--legacy-journal", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_client:
        trio.run(client_child, int(args.child_client[0]), int(args.child_client[1]), args.legacy_journal)
        return
    started = time.monotonic()
    print(f"{h.machine()}; load {h.load()}", flush=True)
    if args.only in (None, "client"):
        client_rss(args.objects)
    if args.only in (None, "simulator"):
        simulator_rss(args.flood_seconds, args.reads_per_second)
    print(f"finished in {time.monotonic() - started:.1f} s; load average now {h.load()}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
