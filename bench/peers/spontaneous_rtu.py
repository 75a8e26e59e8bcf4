"""A c104test simulator that pushes spontaneous M_ME_NC_1 values as fast as backpressure allows.

    python bench/peers/spontaneous_rtu.py --updates N --points P [--queue-limit Q] [--mode await|batch]
        [--profile FILE] [--diagnose]

Station CA 1 has P short-float points, IOA 1..P. Once a client has started data transfer, the
peer sets point ``1 + i % P`` to ``i // P + 1`` for i in 0..N-1 with ``await Simulator.set_point``
(backpressure: it waits while the connection's event queue is full, so nothing is coalesced),
so every point counts up 1, 2, 3, ... and the client can check that every value arrived in order.
Prints READY <port>, then RESULT {...} when every I-frame has been acknowledged (with
``--diagnose``: where the simulator's time went, bench/peers/_diagnostics.py).
"""

from __future__ import annotations

import argparse
import time

import trio
from _diagnostics import Diagnostics

from c104test.engine.profile import PointProfile, Profile, StationProfile
from c104test.engine.simulator import Simulator
from c104test.protocol.enums import Type
from c104test.protocol.link import LinkParameters

import _peer


async def main(args: argparse.Namespace, diagnostics: Diagnostics | None = None) -> None:
    points = tuple(PointProfile(ioa, Type.M_ME_NC_1, 0.0) for ioa in range(1, args.points + 1))
    link = LinkParameters(k=args.k, w=args.w)
    profile = Profile((StationProfile(1, points),), link=link, name="spontaneous")
    sim = Simulator(profile, simulate_changes=False, queue_limit=args.queue_limit)
    async with trio.open_nursery() as nursery:
        port = await nursery.start(sim.serve, "127.0.0.1", 0)
        _peer.ready(port)
        with trio.fail_after(60):
            while not any(c.started for c in sim.connections):  # noqa: ASYNC110 - no event for this; a bench peer may poll
                await trio.sleep(0.001)
        connection = next(c for c in sim.connections if c.started)
        n, p = args.updates, args.points
        profiler = None
        if args.profile:  # diagnostics: cProfile of the producing and draining phase
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        if diagnostics is not None:
            diagnostics.start()
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        if args.mode == "await":
            # the documented producer API: one awaited call per update
            set_point = sim.set_point
            for i in range(n):
                await set_point(1, 1 + i % p, float(i // p + 1))
        else:
            # batches: set_point_nowait while the event queue has room, the awaited call (which
            # parks until there is room again) only when it is full
            set_now, set_point, limit = sim.set_point_nowait, sim.set_point, args.queue_limit
            i = 0
            while i < n:
                room = limit - 1 - connection.queued
                end = min(n, i + max(0, room))
                for j in range(i, end):
                    set_now(1, 1 + j % p, float(j // p + 1))
                i = end
                if i < n:
                    await set_point(1, 1 + i % p, float(i // p + 1))
                    i += 1
        produced = time.perf_counter() - t0
        # drained: nothing queued, every I-frame acknowledged (or the client has gone)
        with trio.move_on_after(60):
            while connection.is_open and (connection.queued or connection.link.unacknowledged):  # noqa: ASYNC110 - polled drain check in a bench peer
                await trio.sleep(0.001)
        drained = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        diagnosed = {}
        if diagnostics is not None:
            diagnosed = diagnostics.stop()
        _peer.result(
            **diagnosed,
            updates=n,
            produce_s=produced,
            drain_s=drained,
            cpu_s=cpu,
            overflows=sim.overflows,
            queued=connection.queued,
            unacknowledged=connection.link.unacknowledged,
        )
        await trio.sleep_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=200_000)
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--queue-limit", type=int, default=10_000)
    parser.add_argument("--mode", choices=("await", "batch"), default="await")
    parser.add_argument("--k", type=int, default=12)
    parser.add_argument("--w", type=int, default=8)
    parser.add_argument("--profile", default="", help="write a cProfile of the transfer to this file")
    parser.add_argument("--diagnose", action="store_true", help="report gc, idle and run-queue time (_diagnostics.py)")
    _peer.exit_on_stdin_eof()
    arguments = parser.parse_args()
    diagnostics = Diagnostics() if arguments.diagnose else None
    trio.run(main, arguments, diagnostics, instruments=[diagnostics] if diagnostics is not None else [])
