"""The point database: the last value received for every (common address, IOA)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import repeat
from operator import attrgetter
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


#: what one received ASDU says about all of its objects: (type, cot, received_at)
_Report = tuple[Type, "Cot | int", float]

_io_address = attrgetter("io_address")

try:  # Counter.update's C loop without its Python wrapper (an ABC isinstance check per call)
    from collections import _count_elements  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Pythons: the public method does the same

    def _count_elements(counter: Counter[int], iterable: list[int]) -> None:
        counter.update(iterable)


class PointDatabase:
    """Values per station; updated from every received monitoring ASDU.

    ``apply`` runs once per received ASDU and stores each object as it arrived, with one report
    shared by the ASDU's objects; the ``PointValue`` (value, quality, time read from the object)
    is built when it is asked for. Most stored values are replaced before anyone reads them: an
    interrogation of 10,000 points costs 10,000 dict stores, not 10,000 PointValues.
    """

    def __init__(self) -> None:
        self._stations: dict[int, dict[int, tuple[InformationObject, _Report]]] = {}
        self._updates: dict[int, Counter[int]] = {}

    def apply(self, asdu: Asdu, now: float) -> int:
        """Store every object of ``asdu``; returns how many were applied."""
        ca = asdu.common_address
        station = self._stations.get(ca)
        if station is None:
            station = self._stations[ca] = {}
            self._updates[ca] = Counter()
        objects = asdu.objects
        io_addresses = list(map(_io_address, objects))
        # in order: an IOA twice in one ASDU keeps the later object and counts two updates
        station.update(zip(io_addresses, zip(objects, repeat((asdu.type, asdu.cot, now)), strict=False), strict=False))
        _count_elements(self._updates[ca], io_addresses)
        return len(objects)

    def _value(self, ca: int, ioa: int, held: tuple[InformationObject, _Report]) -> PointValue:
        ob, (type_id, cot, received_at) = held
        return PointValue(
            ca, ioa, type_id, ob.value, ob.quality, getattr(ob, "time", None), cot, received_at, ob,
            self._updates[ca][ioa],
        )

    def get(self, common_address: int, io_address: int) -> PointValue | None:
        station = self._stations.get(common_address)
        held = None if station is None else station.get(io_address)
        return None if held is None else self._value(common_address, io_address, held)

    def station(self, common_address: int) -> dict[int, PointValue]:
        held = self._stations.get(common_address, {})
        return {ioa: self._value(common_address, ioa, h) for ioa, h in list(held.items())}

    @property
    def common_addresses(self) -> list[int]:
        return sorted(self._stations)

    def __iter__(self) -> Iterator[PointValue]:
        for ca, station in list(self._stations.items()):
            for ioa, held in list(station.items()):
                yield self._value(ca, ioa, held)

    def __len__(self) -> int:
        return sum(len(s) for s in self._stations.values())

    def clear(self) -> None:
        self._stations.clear()
        self._updates.clear()
