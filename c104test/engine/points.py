"""The point database: the last value received for every (common address, IOA)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..protocol.asdu import Asdu
from ..protocol.enums import Cot, Type
from ..protocol.objects import InformationObject
from ..protocol.timetags import CP24Time2a, CP56Time2a

__all__ = ["PROCESS_TYPES", "PointDatabase", "PointValue"]

#: types that carry process information (1-40): the ones the point database holds
PROCESS_TYPES = frozenset(t for t in Type if t < 45)


@dataclass(frozen=True, slots=True)
class PointValue:
    """The latest report of one point, as it arrived.

    A point may be reported in its plain and its time-tagged type (M_SP_NA_1 in an interrogation,
    M_SP_TB_1 when it changes); ``type`` is the type of the latest report.
    """

    common_address: int
    io_address: int
    type: Type
    value: Any
    quality: Any
    time: CP56Time2a | CP24Time2a | None
    cot: Cot | int
    received_at: float
    object: InformationObject
    updates: int = 1


_set_ca = PointValue.common_address.__set__  # type: ignore[attr-defined]
_set_ioa = PointValue.io_address.__set__  # type: ignore[attr-defined]
_set_type = PointValue.type.__set__  # type: ignore[attr-defined]
_set_value = PointValue.value.__set__  # type: ignore[attr-defined]
_set_quality = PointValue.quality.__set__  # type: ignore[attr-defined]
_set_time = PointValue.time.__set__  # type: ignore[attr-defined]
_set_cot = PointValue.cot.__set__  # type: ignore[attr-defined]
_set_received = PointValue.received_at.__set__  # type: ignore[attr-defined]
_set_object = PointValue.object.__set__  # type: ignore[attr-defined]
_set_updates = PointValue.updates.__set__  # type: ignore[attr-defined]


class PointDatabase:
    """Values per station; updated from every received monitoring ASDU."""

    def __init__(self) -> None:
        self._stations: dict[int, dict[int, PointValue]] = {}

    def apply(self, asdu: Asdu, now: float) -> int:
        """Store every object of ``asdu``; returns how many were applied."""
        station = self._stations.get(asdu.common_address)
        if station is None:
            station = self._stations[asdu.common_address] = {}
        t, cot, ca = asdu.type, asdu.cot, asdu.common_address
        get = station.get
        new = object.__new__
        # slot stores instead of the frozen dataclass __init__: this runs once per received
        # object and the generated __init__ costs twice as much (see asdu.py, same technique)
        for ob in asdu.objects:
            ioa = ob.io_address
            old = get(ioa)
            pv = new(PointValue)
            _set_ca(pv, ca)
            _set_ioa(pv, ioa)
            _set_type(pv, t)
            _set_value(pv, ob.value)
            _set_quality(pv, ob.quality)
            _set_time(pv, getattr(ob, "time", None))
            _set_cot(pv, cot)
            _set_received(pv, now)
            _set_object(pv, ob)
            _set_updates(pv, 1 if old is None else old.updates + 1)
            station[ioa] = pv
        return len(asdu.objects)

    def get(self, common_address: int, io_address: int) -> PointValue | None:
        station = self._stations.get(common_address)
        return None if station is None else station.get(io_address)

    def station(self, common_address: int) -> dict[int, PointValue]:
        return dict(self._stations.get(common_address, {}))

    @property
    def common_addresses(self) -> list[int]:
        return sorted(self._stations)

    def __iter__(self) -> Iterator[PointValue]:
        for station in self._stations.values():
            yield from station.values()

    def __len__(self) -> int:
        return sum(len(s) for s in self._stations.values())

    def clear(self) -> None:
        self._stations.clear()
