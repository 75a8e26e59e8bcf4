"""Where a process's time went during a transfer: end_to_end.py ``--diagnose`` (issue 16).

Used by bench/peers/spontaneous_rtu.py (the simulator's side) and by end_to_end.py (the
client's side), so both report the same figures for one run:

* ``gc_ms`` / ``gc_runs``: time in the garbage collector (``gc.callbacks``) and collections;
* ``idle_ms`` / ``idle_waits``: time trio's loop slept waiting for I/O (a trio ``Instrument``):
  the process had nothing to do (for the simulator: the k window was full and its producer parked);
* ``runqueue_ms`` / ``slices``: time the thread was ready to run but waited for a CPU, and the
  number of times it got one (``/proc/thread-self/schedstat``, Linux): another process (the
  peer, or other work on the machine) ran on its CPU;
* ``cpu_ms``: the thread's CPU time.

>>> d = Diagnostics()
>>> d.start(); d.stop()["gc_runs"] >= 0
True
"""

from __future__ import annotations

import gc
import time
from typing import Any

import trio


def _schedstat() -> tuple[int, int, int]:
    """Nanoseconds on a CPU, nanoseconds waiting for one, time slices (zeros where unknown)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            run, wait, slices = f.read().split()[:3]
        return int(run), int(wait), int(slices)
    except (OSError, ValueError):
        return 0, 0, 0


class Diagnostics(trio.abc.Instrument):
    """Pass it to ``trio.run(..., instruments=[d])``; ``start()`` and ``stop()`` around the
    transfer (``stop`` returns the figures, rounded)."""

    def __init__(self) -> None:
        self._on = False
        self._gc_started = 0.0
        self._wait_started = 0.0
        self._figures: dict[str, float] = {}
        self._sched0 = (0, 0, 0)
        self._cpu0 = 0.0

    def start(self) -> None:
        self._figures = dict.fromkeys(("gc_s", "gc_runs", "idle_s", "idle_waits"), 0.0)
        self._sched0 = _schedstat()
        self._cpu0 = time.thread_time()
        self._on = True
        if self._gc not in gc.callbacks:
            gc.callbacks.append(self._gc)

    def stop(self) -> dict[str, Any]:
        self._on = False
        if self._gc in gc.callbacks:
            gc.callbacks.remove(self._gc)
        _, wait, slices = (b - a for a, b in zip(self._sched0, _schedstat(), strict=True))
        f = self._figures
        return {
            "cpu_ms": round((time.thread_time() - self._cpu0) * 1e3, 1),
            "gc_ms": round(f["gc_s"] * 1e3, 1),
            "gc_runs": int(f["gc_runs"]),
            "idle_ms": round(f["idle_s"] * 1e3, 1),
            "idle_waits": int(f["idle_waits"]),
            "runqueue_ms": round(wait / 1e6, 1),
            "slices": slices,
        }

    def _gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        elif self._on:
            self._figures["gc_s"] += time.perf_counter() - self._gc_started
            self._figures["gc_runs"] += 1

    def before_io_wait(self, timeout: float) -> None:
        self._wait_started = time.perf_counter()

    def after_io_wait(self, timeout: float) -> None:
        if self._on and timeout > 0:
            self._figures["idle_s"] += time.perf_counter() - self._wait_started
            self._figures["idle_waits"] += 1
