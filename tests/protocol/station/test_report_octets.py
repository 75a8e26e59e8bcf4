"""Reports are encoded once, when made: the octets must be what encoding the object gives.

The station's fast encoders (``points.OCTETS``) write a report's octets straight from the point;
every other kind builds the object and encodes it (``encode_object``). Both must give, octet
for octet, the ASDU ``encode_asdu`` makes of the built objects, for every monitoring type, cause
and quality, with and without time tags.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from c104test.engine.profile import PointProfile, Profile, StationProfile
from c104test.protocol.asdu import Asdu, decode_asdu, encode_asdu, encode_object
from c104test.protocol.enums import Cot, Double, Quality, Type
from c104test.protocol.station import ControlledStation
from c104test.protocol.station.points import KINDS, OCTETS, StationPoint, quality_bits
from c104test.protocol.timetags import CP56Time2a

from .drive import CA, WALL, outgoing

QUALITIES = (0, int(Quality.Invalid), int(Quality.Overflow | Quality.NonTopical), 0xF9, 0xFF)
VALUES = {
    "single": (False, True),
    "double": tuple(Double),
    "scaled": (-32768, -1, 0, 1234, 32767),
    "short": (0.0, -1.5, 3.4e38, 1e-40, math.inf, -math.inf, 0.1),
}
STAMP = CP56Time2a.from_datetime(__import__("datetime").datetime(2026, 12, 3, 11, 5, 7, 123000))


def point(t: Type, value: object, quality: int) -> StationPoint:
    p = StationPoint(CA, PointProfile(0x123456, t, value), STAMP)
    p.quality = quality_bits(p.kind, quality)  # as set_point stores it: every flag bit may be set
    return p


@pytest.mark.parametrize("kind", sorted(OCTETS))
def test_fast_encoders_equal_encoding_the_object(kind: str) -> None:
    types = [t for t, k in KINDS.items() if k == kind and encode_tag(t) is not False]
    assert len(types) == 2  # the plain type and the one with CP56Time2a
    checked = 0
    for t in types:
        for value in VALUES[kind]:
            for quality in QUALITIES:
                p = point(t, value, quality)
                octets = OCTETS[kind](p)
                assert octets is not None
                if encode_tag(t):
                    octets += encode_object(Type.C_CS_NA_1, _clock(STAMP))[3:]
                assert octets == encode_object(t, p.build(t, STAMP)), (t, value, quality)
                checked += 1
    assert checked == 2 * len(VALUES[kind]) * len(QUALITIES)


def test_a_nan_takes_the_general_path() -> None:
    p = point(Type.M_ME_NC_1, 0.0, 0)
    p.value = math.nan
    assert OCTETS["short"](p) is None


def encode_tag(t: Type) -> bool | None:
    """True: CP56Time2a, None: untimed, False: CP24Time2a (not a fast type)."""
    from c104test.protocol.asdu import type_info

    tag = type_info(t).time_tag
    return None if tag is None else (tag is CP56Time2a or False)


def _clock(stamp: CP56Time2a):  # a C_CS_NA_1 object is IOA + CP56Time2a: its octets after the IOA
    from c104test.protocol.objects import ClockSync

    return ClockSync(0, stamp)


MONITORING = [t for t, kind in KINDS.items() if kind != "command" and encode_tag(t) is not False]


def profile_point(n: int, t: Type) -> PointProfile:
    try:  # the IV flag where the type carries a quality (M_ME_ND_1 has none)
        return PointProfile(100 + n, t, None, quality=Quality.Invalid if n % 2 else Quality(0))
    except ValueError:
        return PointProfile(100 + n, t, None)


@pytest.mark.parametrize("timed", [False, True], ids=["untimed", "time-tagged spontaneous"])
def test_every_monitoring_type_is_reported_as_encode_asdu_would(timed: bool) -> None:
    """Station level: set every point, and compare each sent ASDU with encode_asdu of the built objects."""
    points = tuple(profile_point(n, t) for n, t in enumerate(MONITORING))
    assert len(points) >= 20
    profile = Profile((StationProfile(CA, points),), name="all types")
    profile = dataclasses.replace(profile, pixit=dataclasses.replace(profile.pixit, time_tagged_spontaneous=timed))
    station = ControlledStation(profile, wall_clock=lambda: WALL)
    station.connect(1, 0.0)
    station.started(1, 0.0)
    outgoing(station)  # end of initialisation
    for p in points:
        station.set_point(CA, p.io_address, None, cause=Cot.SPONTANEOUS)
        station.set_point(CA, p.io_address, None, cause=Cot.PERIODIC)
    sent = [o.raw for o in outgoing(station)]
    assert len(sent) == 2 * len(points)
    logical = station.stations[CA]
    for raw in sent:
        asdu = decode_asdu(raw)
        assert isinstance(asdu, Asdu) and len(asdu.objects) == 1
        ob = asdu.objects[0]
        sp = logical.points[ob.io_address]
        t = sp.report_type(int(asdu.cot), timed)
        assert asdu.type is t
        built = sp.build(t, sp.time)
        assert raw == encode_asdu(Asdu(t, asdu.cot, CA, (built,))), t


@pytest.mark.parametrize("t", [Type.M_ME_NC_1, Type.M_ME_TF_1])
def test_set_point_of_a_short_float_reports_what_encoding_gives(t: Type) -> None:
    """``set_point`` coerces and encodes a short float in one pack: the stored value and the octets agree."""
    profile = Profile((StationProfile(CA, (PointProfile(0x10203, t, 0.0),)),), name="short")
    station = ControlledStation(profile, wall_clock=lambda: WALL)
    station.connect(1, 0.0)
    station.started(1, 0.0)
    outgoing(station)
    values = (1, -2.5, 0.1, 3.4e38, 1e-45, math.inf, -math.inf, math.nan, 16777217)
    for value in values:
        station.set_point(CA, 0x10203, value, quality=Quality.Invalid if value == 1 else None)
        (raw,) = [o.raw for o in outgoing(station)]
        sp = station.stations[CA].points[0x10203]
        assert raw == encode_asdu(Asdu(t, Cot.SPONTANEOUS, CA, (sp.build(t, sp.time),))), value
        assert decode_asdu(raw).objects[0].value == sp.value or math.isnan(value)
    with pytest.raises(ValueError, match=r"IOA 66051: .*too large"):
        station.set_point(CA, 0x10203, 1e39)
    with pytest.raises(ValueError, match="IOA 66051: expected a number"):
        station.set_point(CA, 0x10203, "1.5")
    assert sp.value == 16777216.0 and not outgoing(station)  # nothing changed, nothing reported


def test_take_stops_at_the_first_other_key_and_keeps_the_rest_in_order() -> None:
    from c104test.protocol.station.events import EventBuffer, io_address

    a, b = (Type.M_ME_NC_1, CA, 3, 0), (Type.M_ME_NC_1, CA, 1, 0)
    buffer = EventBuffer(100)
    keys = [a, a, a, b, a, b, b]
    for n, key in enumerate(keys):
        buffer.add(key, n.to_bytes(3, "little") + b"\0\0\0\0\0")
    runs = []
    while buffer.entries:
        taken = buffer.take(2)
        runs.append((taken[0][0], [io_address(octets) for _, octets in taken]))
    assert runs == [(a, [0, 1]), (a, [2]), (b, [3]), (a, [4]), (b, [5, 6])]


def test_the_points_of_one_common_address_share_one_event_key_per_type_and_cause() -> None:
    """Consecutive reports of different points compare their keys by identity (events.take);
    equal keys that are different tuples would still pack together, only slower."""
    points = tuple(PointProfile(ioa, Type.M_ME_NC_1, 0.0) for ioa in (1, 2, 3))
    station = ControlledStation(Profile((StationProfile(CA, points),), name="keys"), wall_clock=lambda: WALL)
    station.connect(1, 0.0)
    station.started(1, 0.0)
    outgoing(station)
    for ioa in (1, 2, 3):
        station.set_point(CA, ioa, float(ioa))
    station.set_point(CA, 2, 5.0, cause=Cot.REQUEST)
    keys = [key for key, _ in station.groups[0].buffer.entries]
    assert keys[0] is keys[1] is keys[2] and keys[3] == (Type.M_ME_NC_1, CA, int(Cot.REQUEST), 0)
    (spontaneous, requested) = [decode_asdu(o.raw) for o in outgoing(station)]
    assert [ob.io_address for ob in spontaneous.objects] == [1, 2, 3] and len(requested.objects) == 1
