"""The controlled station's answers, driven with explicit time (no trio, no sockets)."""

from __future__ import annotations

from c104test.protocol.asdu import decode_asdu
from c104test.protocol.enums import Cot, Double, Frz, Qoi, Rqt, Type
from c104test.protocol.station import Part

from .drive import (
    ACT_CON,
    ACT_TERM,
    CA,
    DEACT,
    DEACT_CON,
    STAMP,
    ask,
    ci,
    clock,
    clock_test_command,
    command,
    gi,
    make,
    outgoing,
    read,
    reset,
    shape,
    started,
    take,
)

C_IC, C_CI, C_SC, C_DC = int(Type.C_IC_NA_1), int(Type.C_CI_NA_1), int(Type.C_SC_NA_1), int(Type.C_DC_NA_1)


def test_end_of_initialisation_after_the_first_start_only() -> None:
    station = make()
    started(station, drain=False)
    first = take(station)
    assert shape(first) == [(int(Type.M_EI_NA_1), int(Cot.INITIALIZED), False)]
    station.stopped(1, 1.0)
    station.started(1, 2.0)
    assert take(station, now=2.0) == []


def test_end_of_initialisation_follows_the_pixit() -> None:
    station = make(end_of_initialisation=False)
    started(station, drain=False)
    assert take(station) == []


def test_station_interrogation_confirms_reports_and_terminates() -> None:
    station = make()
    started(station)
    answer = ask(station, gi(oa=3))
    assert shape(answer)[0] == (C_IC, ACT_CON, False)
    assert shape(answer)[-1] == (C_IC, ACT_TERM, False)
    data = answer[1:-1]
    assert {a.cot for a in data} == {Cot.INTERROGATED_BY_STATION}
    assert all(a.originator_address == 3 for a in answer)
    ioas = sorted(ob.io_address for a in data for ob in a.objects)
    assert ioas == [100, 101, 200, 201, 300, 301, 302, 303, 310, 320]
    # time-tagged points answer in their type without time tag (protocol.md 1.7)
    assert Type.M_SP_TB_1 not in {a.type for a in data}


def test_group_interrogation_reports_the_group_only() -> None:
    station = make()
    started(station)
    answer = ask(station, gi(Qoi.GROUP_2))
    assert {ob.io_address for a in answer[1:-1] for ob in a.objects} == {300, 301, 302, 303}
    assert {a.cot for a in answer[1:-1]} == {Qoi.GROUP_2}


def test_unknown_group_is_refused_or_empty_as_the_pixit_says() -> None:
    station = make()
    started(station)
    assert shape(ask(station, gi(Qoi.GROUP_16))) == [(C_IC, ACT_CON, True)]
    station = make(unknown_group="empty")
    started(station)
    assert shape(ask(station, gi(Qoi.GROUP_16))) == [(C_IC, ACT_CON, False), (C_IC, ACT_TERM, False)]


def test_interrogation_deactivation_stops_the_answer() -> None:
    station = make()
    started(station)
    station.receive(1, *_raw(gi()), now=0.0)
    first = take(station, room=2)  # ACT_CON and one data ASDU: the rest is still to come
    assert shape(first)[0] == (C_IC, ACT_CON, False)
    assert shape(ask(station, gi(cot=Cot.DEACTIVATION))) == [(C_IC, DEACT_CON, False)]
    assert shape(ask(station, gi(cot=Cot.DEACTIVATION))) == [(C_IC, DEACT_CON, True)]
    assert DEACT == 8


def test_counter_interrogation_read_and_freeze() -> None:
    station = make()
    started(station)
    answer = ask(station, ci())
    assert shape(answer)[0] == (C_CI, ACT_CON, False) and shape(answer)[-1] == (C_CI, ACT_TERM, False)
    assert {ob.io_address: ob.value for a in answer[1:-1] for ob in a.objects} == {400: 12345, 401: 678}
    assert {a.cot for a in answer[1:-1]} == {Cot.REQUESTED_BY_GENERAL_COUNTER}
    frozen = ask(station, ci(Rqt.GROUP_1, Frz.FREEZE_WITH_RESET))
    assert shape(frozen) == [(C_CI, ACT_CON, False), (C_CI, ACT_TERM, False)]
    assert station.get_point(CA, 400).value == 0 and station.get_point(CA, 400).frozen_value == 12345
    group = ask(station, ci(Rqt.GROUP_1))
    assert [ob.io_address for a in group[1:-1] for ob in a.objects] == [400]
    assert group[1].objects[0].value == 12345  # mode C: the frozen register is read


def test_read_answers_the_object_with_cot_5_and_no_confirmation() -> None:
    station = make()
    started(station)
    answer = ask(station, read(300))
    assert shape(answer) == [(int(Type.M_ME_NB_1), int(Cot.REQUEST), False)]
    assert answer[0].objects[0].value == 1234
    assert shape(ask(station, read(999))) == [(int(Type.C_RD_NA_1), int(Cot.UNKNOWN_IOA), True)]
    station = make(answer_read_with_actcon=True)
    started(station)
    assert [a.cot for a in ask(station, read(300))] == [Cot.ACTIVATION_CON, Cot.REQUEST]


def test_clock_sync_sets_the_time_tags() -> None:
    station = make()
    started(station)
    assert shape(ask(station, clock(STAMP))) == [(int(Type.C_CS_NA_1), ACT_CON, False)]
    assert station.now_cp56().year == STAMP.year and station.now_cp56().minute == STAMP.minute
    assert shape(ask(station, clock(STAMP, ioa=5))) == [(int(Type.C_CS_NA_1), int(Cot.UNKNOWN_IOA), True)]


def test_test_command_is_mirrored() -> None:
    station = make()
    started(station)
    answer = ask(station, clock_test_command(tsc=99))
    assert shape(answer) == [(int(Type.C_TS_TA_1), ACT_CON, False)]
    assert answer[0].objects[0].tsc == 99


def test_reset_process_confirms_and_qrp_2_clears_the_event_buffer() -> None:
    station = make()
    started(station)
    station.stopped(1, 0.0)
    station.set_point(CA, 300, 5)
    assert station.queued(1) == 1
    station.started(1, 0.0)
    station.receive(1, *_raw(reset(2)), now=0.0)
    answer = take(station)
    assert shape(answer) == [(int(Type.C_RP_NA_1), ACT_CON, False)]
    assert station.queued(1) == 0
    assert shape(ask(station, reset(3))) == [(int(Type.C_RP_NA_1), ACT_CON, True)]


def test_direct_command_confirms_returns_information_and_terminates() -> None:
    station = make()
    started(station)
    answer = ask(station, command(Type.C_SC_NA_1, 500, False, oa=9))
    assert shape(answer) == [
        (C_SC, ACT_CON, False), (int(Type.M_SP_NA_1), int(Cot.RETURN_INFO_REMOTE), False), (C_SC, ACT_TERM, False),
    ]
    assert answer[1].objects[0].io_address == 100 and answer[1].objects[0].value is False
    assert all(a.originator_address == 9 for a in answer)
    assert [o.part for o in outgoing(station)] == []


def test_act_term_follows_the_pixit() -> None:
    station = make(act_term=False)
    started(station)
    answer = ask(station, command(Type.C_DC_NA_1, 502, Double.OFF))
    assert shape(answer) == [(C_DC, ACT_CON, False), (int(Type.M_DP_NA_1), int(Cot.RETURN_INFO_REMOTE), False)]


def test_select_before_operate_and_the_select_timeout() -> None:
    station = make(select_timeout=5.0)
    started(station)
    assert shape(ask(station, command(Type.C_SC_NA_1, 501, True, select=True), now=0.0)) == [(C_SC, ACT_CON, False)]
    executed = ask(station, command(Type.C_SC_NA_1, 501, True), now=1.0)
    assert [a.cot for a in executed] == [Cot.ACTIVATION_CON, Cot.RETURN_INFO_REMOTE, Cot.ACTIVATION_TERMINATION]
    # execute without select
    assert shape(ask(station, command(Type.C_SC_NA_1, 501, True), now=2.0)) == [(C_SC, ACT_CON, True)]
    # select, the timer passes the deadline, execute is refused
    ask(station, command(Type.C_SC_NA_1, 501, True, select=True), now=10.0)
    assert station.next_deadline() == 15.0
    station.handle_timeout(15.0)
    assert station.next_deadline() is None
    refused = ask(station, command(Type.C_SC_NA_1, 501, True), now=15.5)
    assert shape(refused) == [(C_SC, ACT_CON, True)]
    # a direct point cannot be selected; select cancel
    assert shape(ask(station, command(Type.C_SC_NA_1, 500, True, select=True)))[0][2] is True
    ask(station, command(Type.C_SC_NA_1, 501, False, select=True), now=20.0)
    cancel = ask(station, command(Type.C_SC_NA_1, 501, False, cot=Cot.DEACTIVATION), now=20.5)
    assert shape(cancel) == [(C_SC, DEACT_CON, False)]
    assert shape(ask(station, command(Type.C_SC_NA_1, 501, False), now=21.0)) == [(C_SC, ACT_CON, True)]


def test_select_of_another_connection_blocks() -> None:
    station = make()
    started(station, 1)
    started(station, 2)
    ask(station, command(Type.C_SC_NA_1, 501, True, select=True), 1)
    assert shape(ask(station, command(Type.C_SC_NA_1, 501, True, select=True), 2)) == [(C_SC, ACT_CON, True)]


def test_negative_mirrors_44_to_47() -> None:
    station = make()
    started(station)
    assert shape(ask(station, gi(ca=99))) == [(C_IC, int(Cot.UNKNOWN_CA), True)]
    assert shape(ask(station, gi(cot=Cot.SPONTANEOUS))) == [(C_IC, int(Cot.UNKNOWN_COT), True)]
    assert shape(ask(station, gi(ioa=5))) == [(C_IC, int(Cot.UNKNOWN_IOA), True)]
    assert shape(ask(station, command(Type.C_SE_NA_1, 500, 0.5)))[0][1:] == (int(Cot.UNKNOWN_TYPE_ID), True)
    assert shape(ask(station, command(Type.C_SC_NA_1, 999, True)))[0][1:] == (int(Cot.UNKNOWN_IOA), True)
    assert shape(ask(station, command(Type.C_SC_NA_1, 500, True, cot=Cot.SPONTANEOUS)))[0][1:] == (
        int(Cot.UNKNOWN_COT), True,
    )


def test_spontaneous_reports_are_packed_in_order() -> None:
    station = make()
    started(station)
    for n in range(40):
        station.set_point(CA, 301, float(n))
    out = outgoing(station)
    assert {o.part for o in out} == {Part.EVENT}
    assert {o.asdu for o in out} == {None}  # encoded once when reported; the journal decodes
    asdus = [decode_asdu(o.raw) for o in out]
    values = [ob.value for a in asdus for ob in a.objects]
    assert values == [float(n) for n in range(40)]
    assert [len(a.objects) for a in asdus] == [30, 10]


def test_cyclic_data_on_the_station_timer() -> None:
    station = make()
    started(station)
    station.start_timers(0.0)
    assert station.next_deadline() == 5.0  # point 302 has cycle: 5
    station.handle_timeout(5.0)
    cyclic = take(station, now=5.0)
    assert shape(cyclic) == [(int(Type.M_ME_NC_1), int(Cot.PERIODIC), False)]
    assert station.next_deadline() == 10.0


def test_a_connection_that_never_started_gets_no_reports() -> None:
    station = make()
    station.connect(1, 0.0)
    station.set_point(CA, 300, 7)
    station.started(1, 1.0)
    assert [a.type for a in take(station, now=1.0)] == [Type.M_EI_NA_1]


def test_the_answer_respects_room() -> None:
    station = make()
    started(station)
    station.receive(1, *_raw(gi()), now=0.0)
    assert len(station.next_outgoing(1, 0.0, 1)) == 1
    assert len(station.next_outgoing(1, 0.0, 0)) == 0
    assert station.has_outgoing(1, 0.0)


def _raw(asdu):
    from c104test.protocol.asdu import decode_asdu, encode_asdu

    raw = encode_asdu(asdu)
    return raw, decode_asdu(raw)
