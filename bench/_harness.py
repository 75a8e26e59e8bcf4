"""Shared plumbing for the benchmarks in bench/: peer processes, tables, statistics, RSS.

Not a benchmark itself. Every benchmark script puts bench/ on sys.path (it is the script's own
directory), so ``import _harness`` works from any working directory.

Peers are separate Python processes (bench/peers/*.py) that print one ``READY ...`` line when they
listen, write their results as ``RESULT {json}`` lines, and exit when their stdin closes, so a
benchmark that dies for any reason never leaves one behind. Every wait here has a timeout.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
PEERS = BENCH / "peers"
REPO = BENCH.parent
PYTHON = sys.executable

_live: list[Peer] = []


class PeerError(RuntimeError):
    pass


class Peer:
    """A peer process: stdout lines are read by a thread into a queue; stdin is kept open."""

    def __init__(self, args: Sequence[str], *, name: str | None = None, env: dict[str, str] | None = None) -> None:
        self.name = name or Path(args[0]).stem
        self.args = [PYTHON, *map(str, args)]
        full_env = dict(os.environ)
        full_env["PYTHONUNBUFFERED"] = "1"
        if env:
            full_env.update(env)
        self.proc = subprocess.Popen(
            self.args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            cwd=str(REPO),
            env=full_env,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines.put), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr.append), daemon=True).start()
        _live.append(self)

    @staticmethod
    def _pump(stream: Any, put: Any) -> None:
        for line in stream:
            put(line.rstrip("\n"))
        put(None)

    def expect(self, prefix: str, timeout: float) -> str:
        """The rest of the next stdout line starting with ``prefix`` (other lines are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PeerError(f"{self.name}: no {prefix!r} line within {timeout:g} s{self._tail()}")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                self.proc.wait(timeout=5)
                raise PeerError(f"{self.name}: exited with {self.proc.returncode} before {prefix!r}{self._tail()}")
            if line.startswith(prefix):
                return line[len(prefix):].strip()

    def ready(self, timeout: float = 30.0) -> int:
        """Wait for ``READY <port>``; returns the port."""
        return int(self.expect("READY", timeout).split()[0])

    def result(self, timeout: float) -> dict[str, Any]:
        """The next ``RESULT {json}`` line, decoded."""
        return json.loads(self.expect("RESULT", timeout))

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def _tail(self) -> str:
        err = "\n".join(line for line in self.stderr[-15:] if line is not None)
        return f"\n--- stderr of {self.name} ---\n{err}" if err else ""

    def stop(self, timeout: float = 5.0) -> None:
        """Close stdin (the peer exits), then terminate, then kill; never hangs."""
        if self in _live:
            _live.remove(self)
        proc = self.proc
        if proc.poll() is None:
            try:
                assert proc.stdin is not None
                proc.stdin.close()
            except OSError:
                pass
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=2)

    def __enter__(self) -> Peer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_once(
    args: Sequence[str], timeout: float, *, name: str | None = None, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run a script that prints one ``RESULT {json}`` and exits; returns the decoded result."""
    peer = Peer(args, name=name, env=env)
    try:
        return peer.result(timeout)
    finally:
        peer.stop()


@atexit.register
def _cleanup() -> None:
    for peer in list(_live):
        peer.stop(timeout=2)


def peer(script: str, *args: object, name: str | None = None, env: dict[str, str] | None = None) -> Peer:
    return Peer([str(PEERS / script), *map(str, args)], name=name, env=env)


def c104_available() -> bool:
    """True when the PyPI package c104 can be imported (checked in a child process)."""
    try:
        done = subprocess.run(
            [PYTHON, "-c", "import c104"], capture_output=True, timeout=30, check=False
        )
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


# ---- figures -------------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("PASS" if ok else "BELOW")


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table; numbers are already formatted by the caller."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    out = [title, line]
    for n, row in enumerate(cells):
        out.append("  ".join(c.rjust(w) if n and _numeric(c) else c.ljust(w) for c, w in zip(row, widths, strict=False)))
        if n == 0:
            out.append(line)
    out.append(line)
    return "\n".join(out)


def _numeric(text: str) -> bool:
    t = text.replace(",", "").replace("x", "").replace("%", "").replace(" ms", "").replace(" s", "")
    try:
        float(t)
    except ValueError:
        return False
    return True


def rss_kib() -> int:
    """VmRSS of this process in KiB (from /proc/self/status)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def raise_nofile() -> tuple[int, int]:
    """Raise the soft RLIMIT_NOFILE to the hard limit; returns (soft, hard) after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def machine() -> str:
    return f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {sys.platform}"


def load() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine skews every figure."""
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"
