"""The station features of the process cases and the faults that break them, by hand with explicit
time: interrogation deactivation, counter freeze with reset, parameters, time-tagged command age,
IV before clock synchronisation, quality and time-tag rewrites."""

from __future__ import annotations

import dataclasses
import datetime as dt

from c104test.engine.profile import PointProfile, demo_profile
from c104test.protocol.asdu import Asdu, decode_asdu, encode_asdu
from c104test.protocol.commands import command_object
from c104test.protocol.elements import QPM
from c104test.protocol.enums import Cot, Frz, Quality, Type
from c104test.protocol.objects import ParameterActivation, ParameterScaled
from c104test.protocol.station.faults import parse_fault
from c104test.protocol.timetags import CP56Time2a

from .drive import CA, WALL, ask, ci, clock, gi, make, shape, started, take

_station = demo_profile().stations[0]
_POINTS = (
    *_station.points,
    PointProfile(531, Type.C_SC_TA_1, return_io_address=101),
    PointProfile(1100, Type.M_SP_NA_1, True, quality=Quality.Invalid | Quality.Blocked),
)
PROFILE = dataclasses.replace(demo_profile(), stations=(dataclasses.replace(_station, points=_POINTS),))


def test_a_deactivated_interrogation_stops_unless_the_fault_keeps_it_going() -> None:
    for faults, goes_on in (((), False), ((parse_fault("interrogation_not_stopped"),), True)):
        station = make(faults=faults)
        started(station)
        for request in (gi(), gi(cot=Cot.DEACTIVATION)):  # both in before anything is sent
            raw = encode_asdu(request)
            station.receive(1, raw, decode_asdu(raw), 0.0)
        sent = shape(take(station))
        assert sent[0] == (100, 7, False) and (100, 9, False) in sent
        assert ((100, 10, False) in sent) is goes_on, sent


def test_freeze_with_reset_starts_the_counter_from_zero_unless_the_fault_keeps_it() -> None:
    for faults, second in (((), 0), ((parse_fault("no_counter_reset"),), 12345)):
        station = make(faults=faults)
        started(station)
        ask(station, ci(frz=Frz.FREEZE_WITH_RESET))
        ask(station, ci(frz=Frz.FREEZE_WITHOUT_RESET))
        values = {ob.io_address: ob.bcr.counter for a in ask(station, ci()) if int(a.cot) == 37 for ob in a.objects}
        assert values[400] == second


def test_parameters_are_confirmed_for_a_measured_point_of_their_type() -> None:
    station = make()
    started(station)
    load = Asdu(Type.P_ME_NB_1, Cot.ACTIVATION, CA, (ParameterScaled(300, 10, QPM(1)),))
    assert shape(ask(station, load)) == [(111, 7, False)]
    assert station.parameters[(CA, 300, 1)] == 10
    assert shape(ask(station, dataclasses.replace(load, objects=(ParameterScaled(100, 10, QPM(1)),)))) == [(111, 47, True)]
    assert shape(ask(station, dataclasses.replace(load, objects=(ParameterScaled(300, 10, QPM(9)),)))) == [(111, 7, True)]
    deactivate = Asdu(Type.P_AC_NA_1, Cot.DEACTIVATION, CA, (ParameterActivation(300, 3),))
    assert shape(ask(station, deactivate)) == [(113, 9, False)]


def _timed(age: float) -> Asdu:
    moment = dt.datetime.fromtimestamp(WALL - age)
    ob = command_object(Type.C_SC_TA_1, 531, True, time=CP56Time2a.from_datetime(moment))
    return Asdu(Type.C_SC_TA_1, Cot.ACTIVATION, CA, (ob,))


def test_a_stale_time_tagged_command_is_refused_unless_the_fault_executes_it() -> None:
    station = make(PROFILE, command_max_delay=5.0)
    started(station)
    assert shape(ask(station, _timed(1)))[0] == (58, 7, False)
    assert shape(ask(station, _timed(30))) == [(58, 7, True)]
    faulty = make(PROFILE, faults=(parse_fault("execute_stale_command"),), command_max_delay=5.0)
    started(faulty)
    assert (30, 11, False) in shape(ask(faulty, _timed(30)))


def test_time_tags_are_invalid_until_a_clock_synchronisation() -> None:
    station = make(PROFILE, time_invalid_before_sync=True)
    started(station)
    assert station.now_cp56().iv
    ask(station, clock(CP56Time2a.from_datetime(dt.datetime.fromtimestamp(WALL))))
    assert not station.now_cp56().iv
    faulty = make(PROFILE, faults=(parse_fault("valid_time_before_sync"),), time_invalid_before_sync=True)
    assert not faulty.now_cp56().iv


def test_quality_faults_clear_flags_and_set_reserved_bits() -> None:
    def point_1100(*faults) -> object:
        station = make(PROFILE, faults=faults)
        started(station)
        return next(ob for a in ask(station, gi()) if int(a.cot) == 20 for ob in a.objects if ob.io_address == 1100)

    assert point_1100().siq.iv and point_1100().siq.bl and point_1100().siq.reserved == 0
    assert not point_1100(parse_fault("clear_quality")).siq.iv
    assert point_1100(parse_fault("reserved_quality_bits")).siq.reserved == 7


def test_strip_time_tag_sends_the_return_information_without_time() -> None:
    station = make(faults=(parse_fault("strip_time_tag"),))
    started(station)
    ask(station, Asdu(Type.C_SC_NA_1, Cot.ACTIVATION, CA, (command_object(Type.C_SC_NA_1, 501, True, select=True),)))
    sent = ask(station, Asdu(Type.C_SC_NA_1, Cot.ACTIVATION, CA, (command_object(Type.C_SC_NA_1, 501, True),)))
    returned = [a for a in sent if int(a.cot) == 11]
    assert returned and returned[0].type is Type.M_SP_NA_1 and returned[0].objects[0].time is None
