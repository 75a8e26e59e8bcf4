"""Fixtures for the c104-compatible API tests: the simulator, clients, and the leak check.

Most tests talk to the demo RTU in a separate process (``simulator``/``rtu_port``, a fresh one
per test, since commands change values). Tests that look at the server side (what it holds, how
many connections) or change a value spontaneously use ``inprocess_rtu``, the simulator served in
the same trio thread as the client. c104 (GPLv3) is never imported in this process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import c104test as c104
from c104test.sync.bridge import shutdown_bridge

try:
    from .sync_support import (
        COMMAND_TIMEOUT_MS,
        HOST,
        SilentRtu,
        SimulatorProcess,
        SimulatorStartError,
        sockets,
        start_simulator,
        wait_open,
    )
except ImportError:  # rootdir-relative import mode (tests/sync is not a package)
    from sync_support import (  # type: ignore[no-redef]
        COMMAND_TIMEOUT_MS,
        HOST,
        SilentRtu,
        SimulatorProcess,
        SimulatorStartError,
        sockets,
        start_simulator,
        wait_open,
    )


@pytest.fixture
def simulator() -> Iterator[SimulatorProcess]:
    """A fresh demo RTU process per test (the commands of one test change values another reads)."""
    try:
        sim = start_simulator()
    except SimulatorStartError as exc:
        pytest.fail(str(exc))
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def rtu_port(simulator: SimulatorProcess) -> int:
    return simulator.port


@pytest.fixture
def inprocess_rtu() -> Iterator[Any]:
    """The demo RTU served in the process-wide trio thread (server-side checks, set_point).

    ``Client.stop()`` of the last running client ends that thread and the simulator with it;
    teardown makes sure the thread is gone either way.
    """
    from c104test.sync.session import SimulatedRtu

    rtu = SimulatedRtu.start()
    try:
        yield rtu
    finally:
        stop_clients()  # first: a client stopped after the thread ended would start a new one
        rtu.stop()
        shutdown_bridge()


@pytest.fixture
def silent_rtu() -> Iterator[SilentRtu]:
    rtu = SilentRtu()
    try:
        yield rtu
    finally:
        rtu.stop()


_clients: list[Any] = []


def stop_clients() -> None:
    """Stop every client that ``make_client`` made (stopping twice is harmless)."""
    while _clients:
        _clients.pop().stop()


@pytest.fixture
def make_client() -> Iterator[Callable[..., Any]]:
    """``make_client(**kwargs)`` -> a c104test Client; every one is stopped at teardown."""

    def make(tick_rate_ms: int = 100, command_timeout_ms: int = COMMAND_TIMEOUT_MS) -> Any:
        client = c104.Client(tick_rate_ms=tick_rate_ms, command_timeout_ms=command_timeout_ms)
        _clients.append(client)
        return client

    try:
        yield make
    finally:
        stop_clients()


@pytest.fixture
def open_connection(make_client: Callable[..., Any], rtu_port: int) -> Callable[..., Any]:
    """``open_connection(init=Init.NONE)`` -> a started Connection to the simulator, OPEN."""

    def connect(init: c104.Init = c104.Init.NONE, **client_options: Any) -> Any:
        client = make_client(**client_options)
        connection = client.add_connection(ip=HOST, port=rtu_port, init=init)
        client.start()
        wait_open(connection)
        return connection

    return connect


@pytest.fixture(autouse=True)
def _nothing_outlives_the_test() -> Iterator[None]:
    """No c104test thread and no socket of ours may outlive a test (design.md §7)."""
    threads = set(threading.enumerate())
    before = sockets()
    yield

    def left() -> set[threading.Thread]:
        # trio's idle thread-cache workers ("Trio thread N", used for getaddrinfo of
        # "localhost") end by themselves after 10 s; everything else must be gone
        return {t for t in set(threading.enumerate()) - threads if not t.name.startswith("Trio thread")}

    deadline = time.monotonic() + 2.0  # a thread on its way out may need a moment
    while left() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not left(), f"threads outlived the test: {left()}"
    assert sockets() <= before, "a socket outlived the test"
