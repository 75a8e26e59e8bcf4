"""How an RTU with several stations answers a procedure sent to the broadcast address (CA 65535),
as plans of the scripted RTU (scripted_rtu.FaultyRtu), and what the client's journal then holds.
Each station answers with its own CA and one object of its own (scripted_rtu.station_data)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .scripted_rtu import as_station, station_answer, station_data

BROADCAST = 0xFFFF
PAUSE = 0.3  # between two stations' answers: a call that ends early has returned by then
Plan = Callable[[int, bytes], list[tuple[Any, ...]]]


def one_after_another(cas: tuple[int, ...], *, silent: tuple[int, ...] = (), unterminated: tuple[int, ...] = ()) -> Plan:
    """Each station's whole answer in turn, ``PAUSE`` apart; ``silent`` stations never answer,
    ``unterminated`` ones confirm and report but send no ACT_TERM."""

    def plan(n: int, asdu: bytes) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        for ca in cas:
            if ca in silent:
                continue
            if out:
                out.append(("sleep", PAUSE))
            out += station_answer(asdu, ca, terminate=ca not in unterminated)
        return out

    return plan


def in_parallel(cas: tuple[int, ...]) -> Plan:
    """Every ACT_CON, then every station's data, then every ACT_TERM."""

    def plan(n: int, asdu: bytes) -> list[tuple[Any, ...]]:
        return [
            *(("asdu", as_station(asdu, ca, 7)) for ca in cas),
            ("sleep", 0.05),
            *(("asdu", station_data(asdu, ca)) for ca in cas),
            *(("asdu", as_station(asdu, ca, 10)) for ca in cas),
        ]

    return plan


def procedure_frames(entries: Iterable[Any], type_id: int) -> list[tuple[str, int, int]]:
    """(direction, COT, CA) of every frame of the procedure, in journal order."""
    return [
        (e.direction.name, int(e.asdu.cot), e.asdu.common_address)
        for e in entries
        if e.asdu is not None and int(e.asdu.type) == int(type_id)
    ]


def expected_frames(cas: tuple[int, ...], *, parallel: bool = False) -> list[tuple[str, int, int]]:
    """What ``procedure_frames`` gives for a request answered by ``cas`` as the plans above do."""
    sent = [("SENT", 6, BROADCAST)]
    if parallel:
        return sent + [("RECEIVED", 7, ca) for ca in cas] + [("RECEIVED", 10, ca) for ca in cas]
    return sent + [frame for ca in cas for frame in (("RECEIVED", 7, ca), ("RECEIVED", 10, ca))]
