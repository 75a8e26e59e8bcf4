"""The simulator's producer path alone: CPU per value of each step, no socket, no second process.

    python bench/producer.py [--repeat R]

What it measures, on a ``Simulator`` with 100 M_ME_NC_1 points whose station has one started
connection (``ControlledStation.connect`` and ``started``, no TCP), each the minimum over R
repeats of 200 values (the figure least moved by other work on the machine):

1. ``ControlledStation.set_point`` of a short float with the default cause: the station layer's
   per-value work (coerce, encode, time, append to the event buffer);
2. ``Simulator.set_point_nowait``: 1. and waking the writers that would pull;
3. ``await Simulator.set_point``: 2. and the cancellation point and schedule-point count;
4. ``ControlledStation.next_outgoing`` of a full k window (12 ASDUs of 30 reports): the writer's
   per-ASDU work in the station (take, pack, encode), per ASDU.

end_to_end.py's "CPU per value, simulator" is these plus the link, the journal, trio and the
socket. No target: compare two checkouts in alternating runs (``PYTHONPATH=other/checkout``).
"""

from __future__ import annotations

import argparse
import time

import trio

from c104test.engine.collector import tune_collector
from c104test.engine.profile import PointProfile, Profile, StationProfile
from c104test.engine.simulator import Simulator
from c104test.protocol.enums import Type

import _harness as h

POINTS = 100


async def measure(repeat: int) -> dict[str, float]:
    points = tuple(PointProfile(ioa, Type.M_ME_NC_1, 0.0) for ioa in range(1, POINTS + 1))
    sim = Simulator(Profile((StationProfile(1, points),), name="producer"))
    station = sim.station
    station.connect(1, 0.0)
    station.started(1, 0.0)
    station.next_outgoing(1, 0.0, 12)  # (end of initialisation)
    entries = station.groups[0].buffer.entries
    ioas = range(1, POINTS + 1)
    set_station, set_nowait, set_await = station.set_point, sim.set_point_nowait, sim.set_point
    best = dict.fromkeys(("station", "nowait", "await", "drain"), float("inf"))
    for _ in range(repeat):
        for name in ("station", "nowait", "await"):
            started = time.perf_counter()
            for _ in range(2):
                if name == "station":
                    for ioa in ioas:
                        set_station(1, ioa, 2.5)
                elif name == "nowait":
                    for ioa in ioas:
                        set_nowait(1, ioa, 2.5)
                else:
                    for ioa in ioas:
                        await set_await(1, ioa, 2.5)
                entries.clear()
            best[name] = min(best[name], (time.perf_counter() - started) / (2 * POINTS))
        for n in range(12 * 30):
            set_station(1, 1 + n % POINTS, float(n))
        started = time.perf_counter()
        out = station.next_outgoing(1, 0.0, 12)
        best["drain"] = min(best["drain"], (time.perf_counter() - started) / len(out))
        station.acknowledged(1, len(out))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    tune_collector()  # as the simulator's serve() does
    print(f"the simulator's producer path, {h.machine()}; load {h.load()}", flush=True)
    best = trio.run(measure, args.repeat)
    rows = [
        ["ControlledStation.set_point (short float, COT 3)", "value", f"{best['station'] * 1e9:,.0f} ns"],
        ["Simulator.set_point_nowait", "value", f"{best['nowait'] * 1e9:,.0f} ns"],
        ["await Simulator.set_point", "value", f"{best['await'] * 1e9:,.0f} ns"],
        ["ControlledStation.next_outgoing, full k window", "ASDU of 30", f"{best['drain'] * 1e6:,.2f} us"],
    ]
    print()
    print(h.table(f"CPU per step (minimum of {args.repeat} repeats)", ["step", "per", "time"], rows))
    print(f"load average now {h.load()}")


if __name__ == "__main__":
    main()
