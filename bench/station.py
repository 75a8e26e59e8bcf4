"""The station layer alone (no sockets, no trio): how fast it builds answers and packs reports.

    python bench/station.py [--repeat R]

What it measures, with a ``ControlledStation`` over a profile of 10,000 M_ME_NC_1 points:

1. Station interrogation: ``receive`` of one C_IC_NA_1, then ``next_outgoing`` until the answer is
   drained (room 12, as the k window gives it), acknowledging as it goes. Target: a small share of
   the 0.2 s end-to-end budget (design.md section 6). Baseline in the same run: encoding the same
   ASDUs with ``encode_asdu`` alone, the floor any station implementation pays.
2. Spontaneous reports: 100,000 ``set_point`` calls on 100 points, drained with ``next_outgoing``.
   Baseline: building and encoding the same objects without the station.
3. The same interrogation with a fault plan that matches nothing (``no_termination`` scoped to
   another type) and one that matches (``wrong_cause``): the cost of faults as data.
"""

from __future__ import annotations

import argparse
import sys
import time

from c104test.engine.profile import Pixit, PointProfile, Profile, StationProfile
from c104test.protocol.asdu import Asdu, decode_asdu, encode_asdu
from c104test.protocol.elements import QDS
from c104test.protocol.enums import Cot, Qoi, Type
from c104test.protocol.objects import Interrogation, MeasuredShort
from c104test.protocol.station import ControlledStation, parse_fault

import _harness as h

POINTS = 10_000
REPORTS = 100_000


def profile() -> Profile:
    points = tuple(PointProfile(i, Type.M_ME_NC_1, float(i)) for i in range(1, POINTS + 1))
    return Profile((StationProfile(1, points),), pixit=Pixit(end_of_initialisation=False))


def station(faults: tuple = ()) -> ControlledStation:
    s = ControlledStation(profile(), wall_clock=time.time, faults=faults)
    s.connect(1, 0.0)
    s.started(1, 0.0)
    return s


def interrogate(s: ControlledStation) -> tuple[float, int]:
    raw = encode_asdu(Asdu(Type.C_IC_NA_1, Cot.ACTIVATION, 1, (Interrogation(0, Qoi.STATION),)))
    asdu = decode_asdu(raw)
    objects = 0
    started = time.perf_counter()
    s.receive(1, raw, asdu, 0.0)
    while True:
        out = s.next_outgoing(1, 0.0, 12)
        if not out:
            break
        s.acknowledged(1, len(out))
        objects += sum(len(o.asdu.objects) for o in out if o.asdu is not None)
    return time.perf_counter() - started, objects


def encode_floor() -> float:
    asdus = [
        Asdu(Type.M_ME_NC_1, Cot.INTERROGATED_BY_STATION, 1,
             tuple(MeasuredShort(i, float(i), QDS.TABLE[0]) for i in range(first, min(first + 30, POINTS + 1))))
        for first in range(1, POINTS + 1, 30)
    ]
    started = time.perf_counter()
    for a in asdus:
        encode_asdu(a)
    return time.perf_counter() - started


def reports() -> float:
    s = station()
    started = time.perf_counter()
    for n in range(REPORTS):
        s.set_point(1, 1 + n % 100, float(n))
        if n % 1000 == 999:
            while out := s.next_outgoing(1, 0.0, 12):
                s.acknowledged(1, len(out))
    return time.perf_counter() - started


def reports_floor() -> float:
    started = time.perf_counter()
    batch = []
    for n in range(REPORTS):
        batch.append(MeasuredShort(1 + n % 100, float(n), QDS.TABLE[0]))
        if len(batch) == 30:
            encode_asdu(Asdu(Type.M_ME_NC_1, Cot.SPONTANEOUS, 1, tuple(batch)))
            batch = []
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{h.machine()}; load {h.load()}")
    gi, gi_objects, floor, rep, rep_floor, unmatched, matched = [], [], [], [], [], [], []
    for _ in range(args.repeat):
        seconds, objects = interrogate(station())
        gi.append(seconds)
        gi_objects.append(objects)
        floor.append(encode_floor())
        rep.append(reports())
        rep_floor.append(reports_floor())
        unmatched.append(interrogate(station((parse_fault("no_termination type=C_SC_NA_1"),)))[0])
        matched.append(interrogate(station((parse_fault("wrong_cause cot=3 part=termination"),)))[0])
    g, f = h.median(gi), h.median(floor)
    r, rf = h.median(rep), h.median(rep_floor)
    rows = [
        ("interrogation, 10,000 points", f"{g * 1000:.1f} ms", f"{f * 1000:.1f} ms ({g / f:.2f}x)",
         f"{min(gi_objects)} objects", h.verdict(g <= 0.05 and min(gi_objects) == POINTS)),
        ("100,000 reports on 100 points", f"{REPORTS / r:,.0f}/s", f"{REPORTS / rf:,.0f}/s ({rf / r:.2f}x)", "", ""),
        ("interrogation, fault plan matching nothing", f"{h.median(unmatched) * 1000:.1f} ms",
         f"{h.median(unmatched) / g:.2f}x plain", "", ""),
        ("interrogation, fault plan rewriting the answer", f"{h.median(matched) * 1000:.1f} ms",
         f"{h.median(matched) / g:.2f}x plain", "", ""),
    ]
    print(h.table("station layer (no I/O)", ("what", "station", "baseline, same run", "check", "target"), rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
