"""The c104 API's broadcast interrogation (common_address=0xFFFF) waits for every added station,
against a scripted raw-socket RTU (tests/faults/scripted_rtu.py) whose stations answer one after
another: the call returns after the last station's ACT_TERM, with every station's points updated;
a station added but never answering makes it return True, as c104 does, but only after the command
timeout and with a warning that names it; one that confirms and never terminates makes it return
False. Judged on the journal when the call returned."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

import c104test as c104
from c104test.engine.journal import Direction, JournalEntry
from tests.faults import scripted_rtu
from tests.faults.broadcast_answers import (
    PAUSE,
    expected_frames,
    in_parallel,
    one_after_another,
    procedure_frames,
)
from tests.faults.scripted_rtu import FaultyRtu

from .sync_support import HOST, journal, wait_open, wait_until

faulty_rtu = scripted_rtu.faulty_rtu  # the fixture

T = c104.Type
BROADCAST = 0xFFFF


def _connect(make_client: Callable[..., Any], port: int, cas: tuple[int, ...], *, init: c104.Init = c104.Init.NONE,
             command_timeout_ms: int = 5000) -> tuple[Any, dict[int, Any]]:
    """A connection with a station per CA of ``cas``, each with the point its answer reports."""
    client = make_client(command_timeout_ms=command_timeout_ms)
    connection = client.add_connection(ip=HOST, port=port, init=init)
    points = {}
    for ca in cas:
        station = connection.add_station(common_address=ca)
        points[ca] = station.add_point(io_address=1000 * ca + 1, type=T.M_SP_NA_1)
    client.start()
    return connection, points


def _procedure(entries: list[JournalEntry]) -> list[tuple[str, int, int]]:
    return procedure_frames(entries, T.C_IC_NA_1)


@pytest.mark.parametrize("cas", [(1, 2), (1, 2, 3)])
def test_a_broadcast_interrogation_returns_after_the_last_station_answered(
    faulty_rtu: Callable[..., FaultyRtu], make_client: Callable[..., Any], cas: tuple[int, ...]
) -> None:
    rtu = faulty_rtu(one_after_another(cas))
    connection, points = _connect(make_client, rtu.port, cas)
    wait_open(connection)
    started = time.monotonic()
    assert connection.interrogation(common_address=BROADCAST) is True
    took = time.monotonic() - started
    seen = journal(connection)  # the wire when the call returned
    assert _procedure(seen) == expected_frames(cas)
    last = [e for e in seen if e.direction is Direction.RECEIVED and e.asdu is not None][-1]
    assert last.asdu.cot == 10 and last.asdu.common_address == cas[-1], last.explain()
    assert took >= PAUSE * (len(cas) - 1)
    for ca, point in points.items():
        assert point.value is True, f"the point of CA {ca} was not updated by the time the call returned"


def test_a_broadcast_counter_interrogation_returns_after_the_last_station_answered(
    faulty_rtu: Callable[..., FaultyRtu], make_client: Callable[..., Any]
) -> None:
    rtu = faulty_rtu(one_after_another((1, 2)))
    connection, _ = _connect(make_client, rtu.port, (1, 2))
    wait_open(connection)
    assert connection.counter_interrogation(common_address=BROADCAST) is True
    assert procedure_frames(journal(connection), T.C_CI_NA_1) == expected_frames((1, 2))


def test_stations_answering_in_parallel_still_end_it(
    faulty_rtu: Callable[..., FaultyRtu], make_client: Callable[..., Any]
) -> None:
    rtu = faulty_rtu(in_parallel((1, 2, 3)))
    connection, points = _connect(make_client, rtu.port, (1, 2, 3))
    wait_open(connection)
    assert connection.interrogation(common_address=BROADCAST) is True
    assert _procedure(journal(connection)) == expected_frames((1, 2, 3), parallel=True)
    assert all(point.value is True for point in points.values())


def test_the_init_interrogation_waits_for_every_added_station_before_open(
    faulty_rtu: Callable[..., FaultyRtu], make_client: Callable[..., Any]
) -> None:
    # the init's clock sync (the second command) is confirmed by station 1 only
    def plan(n: int, asdu: bytes) -> list[tuple[Any, ...]]:
        return one_after_another((1, 2))(n, asdu) if n == 0 else [("asdu", scripted_rtu.as_station(asdu, 1, 7))]

    rtu = faulty_rtu(plan)
    connection, points = _connect(make_client, rtu.port, (1, 2), init=c104.Init.ALL)
    wait_open(connection)
    # OPEN only after the init: the second station's ACT_TERM came before the clock sync went
    frames = [(d, t, cot, ca) for d, t, cot, ca in (
        (e.direction.name, int(e.asdu.type), int(e.asdu.cot), e.asdu.common_address)
        for e in journal(connection) if e.asdu is not None and int(e.asdu.type) in (100, 103))]
    assert frames[:6] == [
        ("SENT", 100, 6, BROADCAST), ("RECEIVED", 100, 7, 1), ("RECEIVED", 100, 10, 1),
        ("RECEIVED", 100, 7, 2), ("RECEIVED", 100, 10, 2), ("SENT", 103, 6, BROADCAST),
    ], frames
    assert points[2].value is True


def test_an_added_station_that_never_answers_makes_it_return_true_after_the_timeout_with_a_warning(
    faulty_rtu: Callable[..., FaultyRtu], make_client: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    # c104 returns True at once (it does not wait for added stations); this API waits for them
    # and, when the only ones missing never confirmed, returns what c104 returns, and says so
    rtu = faulty_rtu(one_after_another((1, 2, 3), silent=(3,)))
    connection, points = _connect(make_client, rtu.port, (1, 2, 3), command_timeout_ms=1000)
    wait_open(connection)
    started = time.monotonic()
    with caplog.at_level("INFO", logger="c104test"):
        assert connection.interrogation(common_address=BROADCAST) is True
    assert 1.0 <= time.monotonic() - started < 3.0
    assert "C_IC_NA_1 IOA 0 CA 65535: added station(s) CA 3 did not answer it" in caplog.text, caplog.text
    assert _procedure(journal(connection)) == expected_frames((1, 2))
    assert points[1].value is True and points[2].value is True


def test_a_station_that_confirms_and_never_terminates_makes_it_return_false(
    faulty_rtu: Callable[..., FaultyRtu], make_client: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    rtu = faulty_rtu(one_after_another((1, 2), unterminated=(2,)))
    connection, points = _connect(make_client, rtu.port, (1, 2), command_timeout_ms=1000)
    wait_open(connection)
    with caplog.at_level("INFO", logger="c104test"):
        assert connection.interrogation(common_address=BROADCAST) is False
    assert "expected stations CA 1, 2: no ACT_TERM from CA 2" in caplog.text, caplog.text
    assert "did not answer it" not in caplog.text
    wait_until(lambda: points[2].value is True, 1, "CA 2's point")  # what came is applied all the same


def test_the_init_goes_on_to_its_clock_sync_when_an_added_station_never_answers(
    faulty_rtu: Callable[..., FaultyRtu], make_client: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    def plan(n: int, asdu: bytes) -> list[tuple[Any, ...]]:
        return one_after_another((1, 2), silent=(2,))(n, asdu) if n == 0 else [("asdu", scripted_rtu.as_station(asdu, 1, 7))]

    rtu = faulty_rtu(plan)
    with caplog.at_level("INFO", logger="c104test"):
        connection, _ = _connect(make_client, rtu.port, (1, 2), init=c104.Init.ALL, command_timeout_ms=500)
        wait_open(connection)
    sent = [int(e.asdu.type) for e in journal(connection) if e.direction is Direction.SENT and e.asdu is not None]
    assert sent[:2] == [100, 103], sent  # the clock sync went after the interrogation's timeout
    assert "the init's station interrogation: added station(s) CA 2 did not answer it" in caplog.text, caplog.text
