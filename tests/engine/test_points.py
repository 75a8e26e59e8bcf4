"""The engine's point database: the latest object per (CA, IOA), read back as a PointValue.

``apply`` stores objects as they arrived; ``get``, ``station`` and iteration build the
PointValue from them. These pin what that must keep: value, quality and time from the object,
type, cot and received_at from its ASDU, the count of updates, and stations apart.
"""

from __future__ import annotations

from c104test.engine.points import PointDatabase, PointValue
from c104test.protocol.asdu import Asdu
from c104test.protocol.elements import QDS, SIQ
from c104test.protocol.enums import Cot, Quality, Type
from c104test.protocol.objects import MeasuredShort, SinglePoint
from c104test.protocol.timetags import CP56Time2a


def test_the_latest_object_of_each_point_with_its_asdu() -> None:
    db = PointDatabase()
    tag = CP56Time2a(2026, 12, 3, 8, 30, 15_250)
    first = Asdu(Type.M_ME_NC_1, Cot.INTERROGATED_BY_STATION, 1,
                 (MeasuredShort(10, 1.5), MeasuredShort(11, 2.5, QDS.from_quality(Quality.Invalid))), sequence=True)
    assert db.apply(first, 5.0) == 2
    later = MeasuredShort(10, -3.0, QDS(), tag)
    assert db.apply(Asdu(Type.M_ME_TF_1, Cot.SPONTANEOUS, 1, (later,)), 6.0) == 1
    db.apply(Asdu(Type.M_SP_NA_1, Cot.SPONTANEOUS, 2, (SinglePoint(10, SIQ.TABLE[1]), SinglePoint(10, SIQ.TABLE[0]))), 7.0)

    assert db.get(1, 10) == PointValue(1, 10, Type.M_ME_TF_1, -3.0, Quality(0), tag, Cot.SPONTANEOUS, 6.0, later, 2)
    eleven = db.get(1, 11)
    assert eleven is not None
    assert (eleven.value, eleven.quality, eleven.time, eleven.cot, eleven.received_at, eleven.updates) == (
        2.5, Quality.Invalid, None, Cot.INTERROGATED_BY_STATION, 5.0, 1)
    # one IOA twice in one ASDU: the later object, two updates; CA 2 apart from CA 1
    other = db.get(2, 10)
    assert other is not None and (other.value, other.updates, other.type) == (False, 2, Type.M_SP_NA_1)
    assert db.get(1, 12) is None and db.get(3, 10) is None
    assert sorted(db.station(1)) == [10, 11] and db.station(1)[11] == eleven and db.station(9) == {}
    assert db.common_addresses == [1, 2] and len(db) == 3
    assert sorted((p.common_address, p.io_address) for p in db) == [(1, 10), (1, 11), (2, 10)]
    db.clear()
    assert len(db) == 0 and db.get(1, 10) is None and list(db) == []
    db.apply(first, 8.0)
    assert db.get(1, 10).updates == 1  # type: ignore[union-attr]  # counts start again after clear
