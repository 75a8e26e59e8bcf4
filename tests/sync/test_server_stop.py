"""``Server.stop()`` with a user callback that does not return: bounded, and it says which."""

from __future__ import annotations

import logging
import threading
import time

import pytest

import c104test as c104
from c104test.protocol.asdu import Asdu
from c104test.protocol.enums import Cot, Type
from c104test.sync.server import STOP_CALLBACK_WAIT

try:
    from .server_support import RawClient, single_command
    from .sync_support import wait_until
except ImportError:  # rootdir-relative import mode
    from server_support import RawClient, single_command  # type: ignore[no-redef]
    from sync_support import wait_until  # type: ignore[no-redef]


def test_stop_waits_a_bounded_time_for_a_blocked_callback_and_names_it(caplog: pytest.LogCaptureFixture) -> None:
    release = threading.Event()
    entered = threading.Event()
    calls: list[int] = []

    def on_switch(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        calls.append(point.io_address)
        entered.set()
        release.wait(10)
        return c104.ResponseState.SUCCESS

    server = c104.Server(ip="127.0.0.1", port=0)
    station = server.add_station(common_address=47)
    for ioa in (5, 6):
        station.add_point(io_address=ioa, type=c104.Type.C_SC_NA_1).on_receive(callable=on_switch)
    server.start()
    try:
        with RawClient(server.port, acknowledge=True) as client:
            client.send_asdu(Asdu(Type.C_SC_NA_1, Cot.ACTIVATION, 47, (single_command(5, True),)))
            client.send_asdu(Asdu(Type.C_SC_NA_1, Cot.ACTIVATION, 47, (single_command(6, True),)))
            assert entered.wait(5)
            with caplog.at_level(logging.WARNING, logger="c104test.server"):
                started = time.monotonic()
                server.stop()
                took = time.monotonic() - started
        assert STOP_CALLBACK_WAIT - 0.1 < took < STOP_CALLBACK_WAIT + 1.0, took
        assert not server.is_running
        warning = [r.getMessage() for r in caplog.records if "Server.stop()" in r.getMessage()]
        assert len(warning) == 1, caplog.text
        assert "on_receive" in warning[0] and "on_switch" in warning[0] and "IOA 5 (CA 47, C_SC_NA_1" in warning[0]
        worker = [t for t in threading.enumerate() if t.name == "c104test-server-callbacks"]
    finally:
        release.set()
    for thread in worker:
        thread.join(5)
        assert not thread.is_alive()  # it ends once the callback returns
    assert calls == [5]  # the command queued behind it is not called after stop()


def test_stop_with_no_callback_running_does_not_wait() -> None:
    server = c104.Server(ip="127.0.0.1", port=0)
    server.add_station(common_address=47).add_point(io_address=5, type=c104.Type.M_SP_NA_1)
    server.start()
    with RawClient(server.port, acknowledge=True):
        wait_until(lambda: server.active_connection_count == 1, what="the client active")
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < STOP_CALLBACK_WAIT
