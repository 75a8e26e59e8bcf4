"""Helpers for the peer processes of bench/ (imported by the peers only; imports neither c104
nor c104test, so a c104 peer and a c104test peer can both use it).

A peer prints ``READY <port>`` when it listens and ``RESULT {json}`` lines with its figures, and
exits as soon as its stdin closes (the benchmark closes it, or dies), so no peer outlives its
benchmark. With ``BENCH_CPUS`` set (e.g. ``1`` or ``0,1``) the process runs on those CPUs only,
from this import on (``interrogation.py --apart``).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

if os.environ.get("BENCH_CPUS") and hasattr(os, "sched_setaffinity"):
    # before the peer starts any thread: its threads inherit it
    os.sched_setaffinity(0, {int(cpu) for cpu in os.environ["BENCH_CPUS"].split(",")})


def ready(*ports: int) -> None:
    print("READY", *ports, flush=True)


def result(**figures: Any) -> None:
    print("RESULT", json.dumps(figures), flush=True)


def exit_on_stdin_eof(on_line: Callable[[str], None] | None = None) -> None:
    """Start a daemon thread that ends the process when stdin closes."""

    def watch() -> None:
        for line in sys.stdin:
            if on_line is not None:
                on_line(line.strip())
        sys.stdout.flush()
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="stdin-watch").start()


def time_calls(call: Callable[[], bool], count: int, warmup: int) -> dict[str, Any]:
    """``warmup`` untimed calls, then ``count`` calls each timed with perf_counter; a call returns
    False when it failed. The figures of api_commands.py and the floor clients, measured alike:
    failed calls, the latencies in µs and the process's CPU per timed call (all its threads)."""
    import time

    failed = sum(not call() for _ in range(warmup))
    lat = []
    perf = time.perf_counter
    cpu0 = time.process_time()
    for _ in range(count):
        t0 = perf()
        ok = call()
        lat.append((perf() - t0) * 1e6)
        failed += not ok
    cpu_us = (time.process_time() - cpu0) / max(1, count) * 1e6
    return {"cpu_us": round(cpu_us, 1), "failed": failed, "latencies_us": [round(x, 1) for x in lat]}


def raise_nofile() -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
