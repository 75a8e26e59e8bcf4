"""The one-hop command path (TrioBridge.run_handoff + ClientConnection.submit_command) from
callers' threads: bounded waits, one command at a time on the wire, and the session API."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

import c104test as c104
from c104test.engine.errors import CommandTimeout
from c104test.protocol.enums import Cot, Type
from c104test.sync.bridge import shutdown_bridge
from c104test.sync.session import RtuConnection

from .sync_support import CA, HOST, SilentRtu, elapsed, journal, wait_open, wait_until

T = c104.Type


def _command_point(make_client: Callable[..., Any], port: int, **options: Any) -> tuple[Any, Any]:
    client = make_client(**options)
    connection = client.add_connection(ip=HOST, port=port, init=c104.Init.NONE)
    point = connection.add_station(common_address=CA).add_point(io_address=500, type=T.C_SC_NA_1)
    point.value = True
    client.start()
    wait_open(connection)
    return connection, point


def test_an_unanswered_command_returns_false_after_the_timeout_and_frees_the_connection(
    make_client: Callable[..., Any], silent_rtu: SilentRtu
) -> None:
    connection, point = _command_point(make_client, silent_rtu.port, command_timeout_ms=500)
    result, took = elapsed(lambda: point.transmit(cause=Cot.ACTIVATION))
    assert result is False and 0.45 <= took < 2.0
    result, took = elapsed(lambda: point.transmit(cause=Cot.ACTIVATION))  # not blocked by the first
    assert result is False and 0.45 <= took < 2.0
    wait_until(lambda: sum(1 for f in silent_rtu.frames if len(f) > 6) == 2, 3, "both commands at the RTU")
    assert connection._engine._submitted is None


def test_session_api_timeout_names_the_command(silent_rtu: SilentRtu) -> None:
    conn = RtuConnection.open(HOST, silent_rtu.port, timeout=5.0)
    try:
        with pytest.raises(CommandTimeout, match=r"^no ACT_CON for C_SC_NA_1 IOA 500 CA 47 within 0.4 s"):
            elapsed(lambda: conn.send_command(CA, 500, Type.C_SC_NA_1, True, timeout=0.4))
        assert conn.engine._submitted is None
    finally:
        conn.close()
        shutdown_bridge()


def test_commands_from_two_threads_go_one_at_a_time(make_client: Callable[..., Any], rtu_port: int) -> None:
    connection, point = _command_point(make_client, rtu_port)
    results: list[bool] = []

    def caller() -> None:
        for _ in range(15):
            results.append(point.transmit(cause=Cot.ACTIVATION))

    threads = [threading.Thread(target=caller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == [True] * 30
    # on the wire: never a second command before the first one's ACT_CON
    outstanding = 0
    for entry in journal(connection):
        asdu = entry.asdu
        if asdu is None or asdu.type is not Type.C_SC_NA_1:
            continue
        if asdu.cot is Cot.ACTIVATION:
            assert outstanding == 0, entry.explain()
            outstanding += 1
        elif asdu.cot is Cot.ACTIVATION_CON:
            outstanding -= 1
    assert outstanding == 0
