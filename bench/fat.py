"""FAT runs against the simulator: a big list with command round trips, and a fleet.

    python bench/fat.py [--points 2000] [--commands 200] [--fleet 20] [--fleet-points 500]

1. One RTU, a list of ``--points`` rows of which ``--commands`` carry a command round trip
   (C_SC_NA_1, ACT_CON, fresh return report): wall time and its breakdown (reading the list, the
   interrogations, the monitoring rows, the command rows, each report form).
2. A fleet of ``--fleet`` RTUs with ``--fleet-points`` rows each (2 % with commands), checked with
   jobs=1 and jobs=10 in one process, with simulators that answer at once and (``--delay S``)
   with simulators that hold every answer back (``delay`` fault: the latency of a real RTU and its
   network). Note: with 500 points the simulator's delay fault can leave a held answer unsent until
   the next request arrives (seen with a group interrogation right after a station one); the
   figures with ``--delay`` are only sound while that is so for small lists. The simulators run in the same process and the same trio
   thread as the client, so both sides share one core: the figure is a floor for real RTUs,
   where the waiting is on the network and the RTU, and parallel jobs gain more.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path

import trio

from c104test.engine.profile import CommandMode, Pixit, PointProfile, Profile, StationProfile
from c104test.engine.simulator import open_simulator
from c104test.fat.checks import FatOptions, check_points
from c104test.fat.fleet import FleetEntry, run_fleet
from c104test.fat.runner import finish, new_results
from c104test.fat.signals import COLUMNS, from_table
from c104test.protocol.enums import Type
from c104test.protocol.station import parse_fault
from c104test.reports import writers

CA = 1
COMMAND_BASE = 100_000


def profile(points: int, commands: int) -> Profile:
    rows = []
    for ioa in range(1, points + 1):
        if ioa <= commands:
            rows.append(PointProfile(ioa, Type.M_SP_NA_1, True, groups=frozenset({1})))
            rows.append(PointProfile(COMMAND_BASE + ioa, Type.C_SC_NA_1, command_mode=CommandMode.DIRECT,
                                     return_io_address=ioa))
        else:
            rows.append(PointProfile(ioa, Type.M_ME_NC_1, float(ioa), groups=frozenset({2})))
    return Profile((StationProfile(CA, tuple(rows)),), pixit=Pixit(end_of_initialisation=False))


def signal_table(points: int, commands: int) -> list[list[str]]:
    header = [c.field for c in COLUMNS]
    table = [header]
    for ioa in range(1, points + 1):
        row = dict.fromkeys(header, "")
        row.update(name=f"point {ioa}", common_address=str(CA), io_address=str(ioa))
        if ioa <= commands:
            row.update(type="M_SP_NA_1", expected_value="ON", groups="1", command_io_address=str(COMMAND_BASE + ioa),
                       command_type="C_SC_NA_1", command_value="OFF")
        else:
            row.update(type="M_ME_NC_1", expected_value=f"{ioa} +- 0.5", groups="2")
        table.append([row[h] for h in header])
    return table


def one_rtu(points: int, commands: int) -> None:
    t = time.perf_counter()
    signals = from_table(signal_table(points, commands), file="bench")
    read = time.perf_counter() - t
    phases: dict[str, float] = {}

    async def main() -> None:
        async with open_simulator(profile(points, commands)) as sim:
            from c104test.engine.client import open_connection

            async with open_connection("127.0.0.1", sim.port) as conn:
                first: list[float] = []
                start = time.perf_counter()
                results, unexpected = await check_points(
                    conn, signals, FatOptions(), lambda item: first.append(time.perf_counter()) if not first else None)
                phases["checks"] = time.perf_counter() - start
                phases["interrogations (station + 2 groups)"] = first[0] - start
                phases["monitoring rows"] = sum(p.duration for p in results if not p.commanded)
                phases["command rows"] = sum(p.duration for p in results if p.commanded)
                assert all(p.verdict == "pass" for p in results), [p.reason for p in results if p.reason][:3]
                run = finish(new_results(signals, "bench"), results, unexpected)
                with tempfile.TemporaryDirectory() as folder:
                    out = Path(folder)
                    for name, write in (("results.json", lambda: run.write(out / "results.json")),
                                        ("junit.xml", lambda: writers.write_junit(run, out / "junit.xml")),
                                        ("report.html", lambda: writers.write_html(run, out / "report.html")),
                                        ("report.xlsx", lambda: writers.write_xlsx(
                                            run, out / "report.xlsx", (signals.headers, {r.row: r.cells for r in signals.rows}))),
                                        ("capture.pcap", lambda: conn.journal.write_pcap(out / "capture.pcap"))):
                        s = time.perf_counter()
                        write()
                        phases[f"write {name}"] = time.perf_counter() - s

    start = time.perf_counter()
    trio.run(main)
    wall = time.perf_counter() - start + read
    print(f"== one RTU: {points} points, {commands} command round trips")
    print(f"{'reading and checking the list':40} {read:8.3f} s")
    for name, seconds in phases.items():
        print(f"{name:40} {seconds:8.3f} s")
    print(f"{'wall time (list, simulator, checks, reports)':40} {wall:8.3f} s")
    print(f"{'per command round trip':40} {phases['command rows'] / max(commands, 1) * 1000:8.2f} ms")


def fleet(rtus: int, points: int, delay: float = 0.0) -> None:
    commands = max(1, points // 50)
    signals = from_table(signal_table(points, commands), file="bench")

    async def main(jobs: int, delay: float) -> float:
        faults = (parse_fault(f"delay seconds={delay}"),) if delay else None
        async with AsyncExitStack() as stack:
            sims = [await stack.enter_async_context(open_simulator(profile(points, commands), faults=faults))
                    for _ in range(rtus)]
            entries = [FleetEntry(f"rtu-{i:02}", "127.0.0.1", s.port, signals) for i, s in enumerate(sims)]  # type: ignore[arg-type]
            with tempfile.TemporaryDirectory() as folder:
                start = time.perf_counter()
                runs = await run_fleet(entries, folder, jobs=jobs)
                elapsed = time.perf_counter() - start
            bad = [(r.rtu, p.row, p.reason) for r in runs for p in r.failures()]
            assert not bad, bad[:5]
            return elapsed

    print(f"== fleet: {rtus} RTUs x {points} points ({commands} command round trips each), reports written")
    for late in sorted({0.0, delay}):
        for jobs in (1, 10):
            label = f"jobs={jobs}" + (f", RTU answers {late * 1000:g} ms late" if late else ", simulator answers at once")
            print(f"{label:40} {trio.run(main, jobs, late):8.3f} s")


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--fleet", type=int, default=20)
    parser.add_argument("--fleet-points", type=int, default=500)
    parser.add_argument("--delay", type=float, default=0.0,
                        help="also run the fleet with simulators that answer this many seconds late")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the simulators' fault-plan warnings
    one_rtu(args.points, args.commands)
    fleet(args.fleet, args.fleet_points, args.delay)


if __name__ == "__main__":
    sys.exit(run())
