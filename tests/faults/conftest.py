"""Fixtures of the front-end fault tests: a misbehaving RTU process and the leak checks.

Every front end (Robot keywords, Gherkin steps, the c104-compatible API, ``c104test monitor``) must
return or fail within t1 + its timeout + 2 s against such an RTU, with an error that names the cause,
and leave no thread behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from c104test.sync.bridge import shutdown_bridge

PEER = Path(__file__).with_name("misbehaving_rtu.py")
ROOT = Path(__file__).resolve().parents[2]
T1 = 2.0  # seconds: the small t1 the tests give their connections
T2 = 1.0
TIMEOUT = 2.0  # seconds: the front ends' own timeout in these tests
SLACK = 2.0  # the "+ 2 s" of the bound


class MisbehavingRtu:
    """The peer process (tests/faults/misbehaving_rtu.py); ``port`` is where it listens."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.process = subprocess.Popen(
            [sys.executable, str(PEER), "--mode", mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._stalls = threading.Semaphore(0)
        first = self.process.stdout.readline()  # type: ignore[union-attr]
        if not first.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"misbehaving RTU ({mode}) did not start: {first!r}")
        self.port = int(first.split()[1])
        self._reader = threading.Thread(target=self._read, name="misbehaving-rtu-stdout", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:  # type: ignore[union-attr]
            self.lines.append(line.strip())
            if line.startswith("STALLED"):
                self._stalls.release()

    def wait_stalled(self, timeout: float = 20.0) -> None:
        """Until a client connected to the flood has stopped reading (its sends are stuck)."""
        if not self._stalls.acquire(timeout=timeout):
            raise AssertionError(f"the flooded client was still reading after {timeout:g} s")

    def stop(self) -> None:
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        if hasattr(self, "_reader"):
            self._reader.join(5)


@pytest.fixture
def misbehaving_rtu() -> Iterator[Callable[[str], MisbehavingRtu]]:
    """``misbehaving_rtu("flood")`` -> a running peer; stopped at teardown."""
    peers: list[MisbehavingRtu] = []

    def start(mode: str) -> MisbehavingRtu:
        peer = MisbehavingRtu(mode)
        peers.append(peer)
        return peer

    try:
        yield start
    finally:
        for peer in peers:
            peer.stop()


def subprocess_env() -> dict[str, str]:
    """The environment for a child process that must import this checkout of c104test."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


@pytest.fixture(autouse=True)
def _no_thread_outlives_the_test() -> Iterator[None]:
    threads = set(threading.enumerate())
    yield
    def left() -> set[threading.Thread]:
        # trio's idle thread-cache workers end by themselves; the peer's stdout reader ends with it
        return {
            t for t in set(threading.enumerate()) - threads
            if not t.name.startswith("Trio thread") and t.name != "misbehaving-rtu-stdout"
        }

    deadline = time.monotonic() + 2.0
    while left() and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        assert not left(), f"threads outlived the test: {left()}"
    finally:
        shutdown_bridge()  # whatever the verdict, the next test starts clean
