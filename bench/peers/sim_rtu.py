"""c104test simulators for the benchmarks, in their own process.

    python bench/peers/sim_rtu.py [--station CA:N[:KIND]]... [--count C] [--max-connections M]
                                  [--t1 S] [--t2 S] [--t3 S] [--k K] [--w W]

Each ``--station`` adds a common address with N points at IOA 1..N; KIND is ``short`` (M_ME_NC_1,
the default) or ``mixed`` (M_SP_NA_1, M_DP_NA_1, M_ME_NA_1, M_ME_NB_1, M_ME_NC_1, M_ST_NA_1,
M_BO_NA_1 in turn), all in group 1. Values are set from the IOA, so every interrogation answer
can be checked. ``--count`` starts that many simulators (each on its own port) with the same
profile. Prints ``READY port [port ...]``, then every ``--report`` seconds a ``RESULT`` line with
the number of open connections and TESTFR frames seen; exits when stdin closes.
"""

from __future__ import annotations

import argparse

import trio

from c104test.engine.journal import Direction
from c104test.engine.profile import PointProfile, Profile, StationProfile
from c104test.engine.simulator import Simulator
from c104test.protocol.enums import Double, Type
from c104test.protocol.link import LinkParameters

import _peer

MIXED = (
    Type.M_SP_NA_1,
    Type.M_DP_NA_1,
    Type.M_ME_NA_1,
    Type.M_ME_NB_1,
    Type.M_ME_NC_1,
    Type.M_ST_NA_1,
    Type.M_BO_NA_1,
)


def value_for(t: Type, ioa: int) -> object:
    if t is Type.M_SP_NA_1:
        return bool(ioa & 1)
    if t is Type.M_DP_NA_1:
        return Double.ON if ioa & 1 else Double.OFF
    if t is Type.M_ME_NA_1:
        return (ioa % 1000) / 1000.0
    if t is Type.M_ME_NB_1:
        return ioa % 32768
    if t is Type.M_ST_NA_1:
        return ioa % 64
    if t is Type.M_BO_NA_1:
        return ioa
    return float(ioa)


def station(spec: str) -> StationProfile:
    parts = spec.split(":")
    ca, n = int(parts[0]), int(parts[1])
    kind = parts[2] if len(parts) > 2 else "short"
    types = MIXED if kind == "mixed" else (Type.M_ME_NC_1,)
    points = []
    for ioa in range(1, n + 1):
        t = types[ioa % len(types)]
        points.append(PointProfile(ioa, t, value_for(t, ioa), groups=frozenset({1})))
    return StationProfile(ca, tuple(points))


def testfr_count(sim: Simulator) -> tuple[int, int]:
    """TESTFR act received and TESTFR con sent, summed over the open connections' journals."""
    act = con = 0
    for connection in sim.connections:
        for entry in connection.journal:
            raw = entry.raw
            if len(raw) == 6 and raw[2] & 3 == 3:
                if entry.direction is Direction.RECEIVED and raw[2] == 0x43:
                    act += 1
                elif entry.direction is Direction.SENT and raw[2] == 0x83:
                    con += 1
    return act, con


async def main(args: argparse.Namespace) -> None:
    stations = tuple(station(s) for s in args.station or ["1:100"])
    link = LinkParameters(k=args.k, w=args.w, t1=args.t1, t2=args.t2, t3=args.t3)
    profile = Profile(stations, link=link, max_connections=args.max_connections, name="bench")
    sims = [Simulator(profile, simulate_changes=False) for _ in range(args.count)]
    async with trio.open_nursery() as nursery:
        ports = [await nursery.start(sim.serve, "127.0.0.1", 0) for sim in sims]
        _peer.ready(*ports)
        if args.report:
            while True:
                await trio.sleep(args.report)
                acts = cons = 0
                for sim in sims:
                    a, c = testfr_count(sim)
                    acts, cons = acts + a, cons + c
                _peer.result(
                    open=sum(len(s.connections) for s in sims),
                    served=sum(s.connections_served for s in sims),
                    refused=sum(s.connections_refused for s in sims),
                    testfr_act_received=acts,
                    testfr_con_sent=cons,
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--station", action="append", help="CA:N[:short|mixed]")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--max-connections", type=int, default=10)
    parser.add_argument("--k", type=int, default=12)
    parser.add_argument("--w", type=int, default=8)
    parser.add_argument("--t1", type=float, default=15.0)
    parser.add_argument("--t2", type=float, default=10.0)
    parser.add_argument("--t3", type=float, default=20.0)
    parser.add_argument("--report", type=float, default=0.0, help="seconds between RESULT lines (0: none)")
    _peer.raise_nofile()
    _peer.exit_on_stdin_eof()
    trio.run(main, parser.parse_args())
