"""A procedure sent to the broadcast address (CA 65535) against a scripted raw-socket RTU
(tests/faults/scripted_rtu.py) whose stations each answer with their own CA: one after another
(ACT_CON 1, data, ACT_TERM 1, then ACT_CON 2, ...) or in parallel. With the stations it expects the
wait ends at the last station's ACT_TERM, with every station's objects; a station that never
answers ends it in a CommandTimeout that names that station. Judged on the journal (what was on
the wire when the call returned), not only on the result."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
import trio

from c104test.engine.client import ClientConnection, open_connection
from c104test.engine.errors import CommandTimeout
from c104test.engine.journal import Direction, JournalEntry
from c104test.protocol.enums import Type
from tests.faults import scripted_rtu
from tests.faults.broadcast_answers import (
    PAUSE,
    expected_frames,
    in_parallel,
    one_after_another,
    procedure_frames,
)
from tests.faults.scripted_rtu import HOST, FaultyRtu

faulty_rtu = scripted_rtu.faulty_rtu  # the fixture

BROADCAST = 0xFFFF
PROCEDURES = {"interrogation": Type.C_IC_NA_1, "counter_interrogation": Type.C_CI_NA_1}


async def broadcast(port: int, procedure: str, timeout: float = 5.0, **options: Any) -> tuple[Any, list[JournalEntry], ClientConnection]:
    """The procedure to CA 65535 on a new connection: its result and the journal when it returned."""
    async with open_connection(HOST, port, command_timeout=timeout, **options) as conn:
        result = await getattr(conn, procedure)(BROADCAST)
        return result, list(conn.journal.since(0)), conn


@pytest.mark.parametrize("procedure", PROCEDURES)
@pytest.mark.parametrize("cas", [(1, 2), (1, 2, 3)])
def test_stations_answering_one_after_another_end_the_procedure_at_the_last_act_term(
    faulty_rtu: Callable[..., FaultyRtu], procedure: str, cas: tuple[int, ...]
) -> None:
    rtu = faulty_rtu(one_after_another(cas))
    result, journal, conn = trio.run(partial(broadcast, rtu.port, procedure, stations=cas))
    type_id = PROCEDURES[procedure]
    # on the wire when the call returned: one request to CA 65535, every station's ACT_CON and ACT_TERM
    assert procedure_frames(journal, type_id) == expected_frames(cas)
    last = [e for e in journal if e.direction is Direction.RECEIVED and e.asdu is not None][-1]
    assert last.asdu.cot == 10 and last.asdu.common_address == cas[-1], last.explain()  # nothing after it
    assert result.positive and result.terminated and result.termination.common_address == cas[-1]
    assert {(a.common_address, ob.io_address) for a in result.asdus for ob in a.objects} == {
        (ca, 1000 * ca + 1) for ca in cas
    }
    for ca in cas:
        assert conn.points.get(ca, 1000 * ca + 1) is not None, f"CA {ca}'s point is not in the database"
    assert result.duration >= PAUSE * (len(cas) - 1)


@pytest.mark.parametrize("stations", [None, (1, 2, 3)])
def test_stations_answering_in_parallel_end_the_procedure_at_the_last_act_term(
    faulty_rtu: Callable[..., FaultyRtu], stations: tuple[int, ...] | None
) -> None:
    cas = (1, 2, 3)
    rtu = faulty_rtu(in_parallel(cas))
    result, journal, _ = trio.run(partial(broadcast, rtu.port, "interrogation", stations=stations))
    assert procedure_frames(journal, Type.C_IC_NA_1) == expected_frames(cas, parallel=True)
    assert result.positive and result.terminated and result.termination.common_address == 3
    assert sorted(a.common_address for a in result.asdus) == [1, 2, 3]


def test_without_expected_stations_one_after_another_ends_at_the_first_act_term(
    faulty_rtu: Callable[..., FaultyRtu],
) -> None:
    """Nobody said which stations there are: the wait cannot tell the second station from none,
    and ends as documented (engine.confirmation), at the first station's ACT_TERM."""
    rtu = faulty_rtu(one_after_another((1, 2)))
    result, journal, _ = trio.run(broadcast, rtu.port, "interrogation")
    assert procedure_frames(journal, Type.C_IC_NA_1) == expected_frames((1,))
    assert result.termination.common_address == 1


def test_a_station_that_confirmed_but_was_not_expected_is_waited_for(
    faulty_rtu: Callable[..., FaultyRtu],
) -> None:
    rtu = faulty_rtu(in_parallel((1, 2)))
    result, journal, _ = trio.run(partial(broadcast, rtu.port, "interrogation", stations=(1,)))
    assert procedure_frames(journal, Type.C_IC_NA_1) == expected_frames((1, 2), parallel=True)
    assert result.termination.common_address == 2


@pytest.mark.parametrize(
    ("silent", "unterminated", "words"),
    [
        ((3,), (), "expected stations CA 1, 2, 3: no ACT_CON from CA 3)"),
        ((1,), (), "expected stations CA 1, 2, 3: no ACT_CON from CA 1)"),
        ((), (2,), "expected stations CA 1, 2, 3: no ACT_TERM from CA 2)"),
        ((3,), (1,), "expected stations CA 1, 2, 3: no ACT_CON from CA 3; no ACT_TERM from CA 1)"),
    ],
    ids=["last silent", "first silent", "one unterminated", "silent and unterminated"],
)
def test_an_expected_station_that_does_not_answer_ends_in_a_timeout_that_names_it(
    faulty_rtu: Callable[..., FaultyRtu], silent: tuple[int, ...], unterminated: tuple[int, ...], words: str
) -> None:
    rtu = faulty_rtu(one_after_another((1, 2, 3), silent=silent, unterminated=unterminated))
    timeout = 1.5
    seen: list[JournalEntry] = []

    async def main() -> None:
        async with open_connection(HOST, rtu.port, command_timeout=timeout, stations=(1, 2, 3)) as conn:
            try:
                await conn.interrogation(BROADCAST)
            finally:
                seen.extend(conn.journal.since(0))

    started = time.monotonic()
    with pytest.raises(CommandTimeout) as caught:
        trio.run(main)
    assert timeout <= time.monotonic() - started < timeout + 2
    message = str(caught.value)
    assert f"for C_IC_NA_1 IOA 0 CA 65535 within {timeout:g} s (" in message and words in message, message
    # what it names is what the wire lacked: no frame at all from a silent station, an ACT_CON
    # without ACT_TERM from an unterminated one, both from every other
    frames = procedure_frames(seen, Type.C_IC_NA_1)
    for ca in (1, 2, 3):
        cots = [cot for _, cot, got in frames if got == ca]
        assert cots == ([] if ca in silent else [7] if ca in unterminated else [7, 10]), (ca, frames)


def test_a_per_call_list_of_stations_replaces_the_connections(
    faulty_rtu: Callable[..., FaultyRtu],
) -> None:
    rtu = faulty_rtu(one_after_another((1, 2)))

    async def main() -> Any:
        async with open_connection(HOST, rtu.port, command_timeout=5, stations=(1,)) as conn:
            return await conn.interrogation(BROADCAST, stations=(1, 2)), list(conn.journal.since(0))

    result, journal = trio.run(main)
    assert procedure_frames(journal, Type.C_IC_NA_1) == expected_frames((1, 2))
    assert result.termination.common_address == 2


def test_a_station_list_with_the_broadcast_address_is_refused() -> None:
    with pytest.raises(ValueError, match=r"station common address 65535 outside 0\.\.65534"):
        ClientConnection(stations=(1, BROADCAST))


def test_a_call_whose_stations_hold_the_broadcast_address_is_refused_before_anything_is_sent(
    faulty_rtu: Callable[..., FaultyRtu],
) -> None:
    rtu = faulty_rtu(one_after_another((1, 2)))

    async def main() -> list[JournalEntry]:
        async with open_connection(HOST, rtu.port, command_timeout=2.0) as conn:
            with pytest.raises(ValueError, match=r"station common address 65535 outside 0\.\.65534"):
                await conn.interrogation(BROADCAST, stations=(1, BROADCAST))
            return list(conn.journal.since(0))

    journal = trio.run(main)
    assert procedure_frames(journal, Type.C_IC_NA_1) == []  # no C_IC_NA_1 went out
