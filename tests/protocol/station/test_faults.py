"""Each fault changes exactly the behaviour it names: the same request is answered with and
without the fault, and the difference is asserted on the produced ASDUs."""

from __future__ import annotations

import pytest

from c104test.protocol.asdu import Asdu, decode_asdu, encode_asdu
from c104test.protocol.enums import Cot, Type
from c104test.protocol.station import FAULTS, Part, Scope, parse_fault
from c104test.protocol.station.faults import (
    ClearTestBit,
    ConfirmRead,
    Delay,
    DropObjects,
    DuplicateEvent,
    DuplicateObjects,
    LoseEvent,
    NegativeConfirmation,
    NoConfirmation,
    NoEndOfInitialisation,
    NoReturnInformation,
    NoTermination,
    NoTestFrameConfirmation,
    PositiveConfirmation,
    RefusalWithoutPn,
    Silence,
    StaleInterrogation,
    TerminationFirst,
    WithholdAcknowledgements,
    WrongCause,
    WrongCommonAddress,
    WrongIoAddress,
    WrongOriginator,
    WrongSendSequence,
)

from .drive import CA, ask, command, gi, make, outgoing, read, started, take

SC = Type.C_SC_NA_1


def answers(request: Asdu, *faults, now: float = 0.0) -> tuple[list[Asdu], list[Asdu]]:
    """(answer without faults, answer with ``faults``) to the same request on fresh stations."""
    plain = make()
    started(plain)
    faulty = make(faults=tuple(faults))
    started(faulty)
    return ask(plain, request, now=now), ask(faulty, request, now=now)


def cots(asdus: list[Asdu]) -> list[tuple[int, bool]]:
    return [(int(a.cot), a.negative) for a in asdus]


def test_no_confirmation_drops_only_the_act_con() -> None:
    plain, faulty = answers(command(SC, 500, True), NoConfirmation())
    assert plain[0].cot == Cot.ACTIVATION_CON
    assert faulty == plain[1:]


def test_negative_confirmation_sets_p_n_on_the_act_con_only() -> None:
    plain, faulty = answers(gi(), NegativeConfirmation())
    assert faulty[0].negative and not plain[0].negative
    assert faulty[1:] == plain[1:]


def test_positive_confirmation_turns_refusals_into_success() -> None:
    plain, faulty = answers(command(SC, 501, True), PositiveConfirmation())  # execute without select
    assert cots(plain) == [(7, True)] and cots(faulty) == [(7, False)]
    plain, faulty = answers(command(SC, 999, True), PositiveConfirmation())  # unknown IOA: COT 47
    assert cots(plain) == [(47, True)] and cots(faulty) == [(7, False)]


def test_refusal_without_pn_clears_p_n_on_mirrors_only() -> None:
    plain, faulty = answers(command(SC, 999, True), RefusalWithoutPn())  # unknown IOA: COT 47
    assert cots(plain) == [(47, True)] and cots(faulty) == [(47, False)]
    plain, faulty = answers(command(SC, 501, True), RefusalWithoutPn())  # a negative ACT_CON stays
    assert cots(plain) == cots(faulty) == [(7, True)]


def test_wrong_cause_changes_the_chosen_part() -> None:
    plain, faulty = answers(gi(), WrongCause(cot=3))
    assert faulty[0].cot == Cot.SPONTANEOUS and plain[0].cot == Cot.ACTIVATION_CON
    assert faulty[1:] == plain[1:]
    plain, faulty = answers(gi(), WrongCause(cot=3, part=Part.TERMINATION))
    assert faulty[-1].cot == Cot.SPONTANEOUS and faulty[:-1] == plain[:-1]


def test_no_termination_drops_only_the_act_term() -> None:
    plain, faulty = answers(command(SC, 500, True), NoTermination())
    assert plain[-1].cot == Cot.ACTIVATION_TERMINATION and faulty == plain[:-1]


def test_termination_first_moves_the_act_term_to_the_front() -> None:
    plain, faulty = answers(gi(), TerminationFirst())
    assert faulty[0] == plain[-1] and faulty[1:] == plain[:-1]


def test_drop_objects_loses_objects_of_the_interrogation() -> None:
    plain, faulty = answers(gi(), DropObjects(count=1))
    objects = [ob.io_address for a in plain for ob in a.objects]
    objects_faulty = [ob.io_address for a in faulty for ob in a.objects]
    assert len(objects_faulty) == len(objects) - 1 and set(objects_faulty) < set(objects)
    assert (faulty[0], faulty[-1]) == (plain[0], plain[-1])


def test_duplicate_objects_reports_an_object_twice() -> None:
    plain, faulty = answers(gi(), DuplicateObjects())
    first = plain[1].objects
    assert faulty[1].objects == (*first, first[0])
    assert faulty[2:] == plain[2:]


def test_wrong_common_address_and_ioa_and_originator() -> None:
    plain, faulty = answers(read(300), WrongCommonAddress())
    assert [a.common_address for a in faulty] == [CA + 1] and faulty[0].objects == plain[0].objects
    plain, faulty = answers(read(300), WrongIoAddress(offset=2))
    assert faulty[0].objects[0].io_address == 302 and faulty[0].objects[0].value == plain[0].objects[0].value
    plain, faulty = answers(command(SC, 500, True, oa=4), WrongOriginator(address=9))
    assert [a.originator_address for a in plain] == [4, 4, 4]
    assert [a.originator_address for a in faulty] == [9, 9, 9]


def test_clear_test_bit() -> None:
    plain, faulty = answers(command(SC, 500, True, test=True), ClearTestBit())
    assert all(a.test for a in plain) and not any(a.test for a in faulty)
    assert cots(plain) == cots(faulty)


def test_no_return_information_still_executes() -> None:
    station = make(faults=(NoReturnInformation(),))
    started(station)
    answer = ask(station, command(SC, 500, False))
    assert [a.cot for a in answer] == [Cot.ACTIVATION_CON, Cot.ACTIVATION_TERMINATION]
    assert station.get_point(CA, 100).value is False


def test_confirm_read_adds_an_act_con() -> None:
    plain, faulty = answers(read(300), ConfirmRead())
    assert cots(faulty) == [(7, False), (5, False)] and faulty[1:] == plain


def test_silence_answers_nothing() -> None:
    plain, faulty = answers(gi(), Silence())
    assert plain and faulty == []


def test_delay_holds_the_answer_and_what_follows() -> None:
    station = make(faults=(Delay(Scope(type=SC), seconds=2.0),))
    started(station)
    assert ask(station, command(SC, 500, True), now=1.0) == []
    assert ask(station, read(300), now=1.5) == []  # order is kept: behind the held answer
    assert station.next_deadline() == 3.0
    station.handle_timeout(3.0)
    later = take(station, now=3.0)
    assert [a.cot for a in later] == [
        Cot.ACTIVATION_CON, Cot.RETURN_INFO_REMOTE, Cot.ACTIVATION_TERMINATION, Cot.REQUEST,
    ]


def test_scope_and_occurrence() -> None:
    fault = NoConfirmation(Scope(type=SC, io_address=500, occurrence=2))
    station = make(faults=(fault,))
    started(station)
    first = ask(station, command(SC, 500, True))
    other_point = ask(station, command(SC, 501, True, select=True))
    second = ask(station, command(SC, 500, True))
    third = ask(station, command(SC, 500, True))
    assert first[0].cot == Cot.ACTIVATION_CON and third[0].cot == Cot.ACTIVATION_CON
    assert other_point[0].cot == Cot.ACTIVATION_CON
    assert second[0].cot != Cot.ACTIVATION_CON and len(second) == len(first) - 1


def test_lose_and_duplicate_event() -> None:
    station = make(faults=(LoseEvent(Scope(io_address=300, occurrence=1)), DuplicateEvent(Scope(io_address=301))))
    started(station)
    station.set_point(CA, 300, 1)
    station.set_point(CA, 300, 2)
    station.set_point(CA, 301, 5.0)
    sent = [(ob.io_address, ob.value) for a in take(station) for ob in a.objects]
    assert sent == [(300, 2), (301, 5.0), (301, 5.0)]


def test_wrong_cause_on_events() -> None:
    station = make(faults=(WrongCause(Scope(io_address=300), cot=20, part=Part.EVENT),))
    started(station)
    station.set_point(CA, 300, 1)
    station.set_point(CA, 301, 1.0)
    assert [a.cot for a in take(station)] == [Cot.INTERROGATED_BY_STATION, Cot.SPONTANEOUS]


def test_no_end_of_initialisation() -> None:
    station = make(faults=(NoEndOfInitialisation(),))
    started(station, drain=False)
    assert take(station) == []


def test_wrong_send_sequence_marks_the_nth_frame() -> None:
    station = make(faults=(WrongSendSequence(Scope(occurrence=2), offset=3),))
    started(station, drain=False)
    station.set_point(CA, 300, 1)
    out = outgoing(station)
    assert [o.send_seq_offset for o in out] == [0, 3]


def test_link_faults() -> None:
    assert not make().link_faults.withhold_acknowledgements
    faults = make(faults=(WithholdAcknowledgements(), NoTestFrameConfirmation())).link_faults
    assert faults.withhold_acknowledgements and faults.ignore_test_frames
    assert not faults.ignore_t1 and not faults.tolerate_sequence_errors
    faults = make(faults=(parse_fault("no_t1"), parse_fault("no_sequence_check"))).link_faults
    assert faults.ignore_t1 and faults.tolerate_sequence_errors and not faults.ignore_test_frames
    assert make(faults=(parse_fault("no_t3"),)).link_faults.ignore_t3
    assert make(faults=(parse_fault("early_stop_confirmation"),)).link_faults.early_stop_confirmation


LINK_OPTIONS = [
    ("answer_when_stopped", "accept_i_frames_when_stopped"),
    ("ignore_k", "ignore_k"),
    ("wait_for_truncated_apdu", "wait_for_truncated_apdu"),
    ("lenient_u_frames", "lenient_u_frames"),
    ("lenient_s_frames", "lenient_s_frames"),
    ("lenient_framing", "frame_decoder.lenient"),
    ("no_reassembly", "frame_decoder.reassemble"),
    ("one_apdu_per_read", "frame_decoder.one_per_chunk"),
]


@pytest.mark.parametrize(("name", "option"), LINK_OPTIONS)
def test_link_faults_apply_exactly_their_option(name: str, option: str) -> None:
    from c104test.protocol.link import Link, Role

    def value(link: Link, path: str) -> bool:
        target: object = link
        for part in path.split("."):
            target = getattr(target, part)
        return bool(target)

    options = [o for _, o in LINK_OPTIONS]
    plain, faulty = Link(Role.CONTROLLED), Link(Role.CONTROLLED)
    make().link_faults.apply(plain)
    make(faults=(parse_fault(name),)).link_faults.apply(faulty)
    for other in options:
        if other == option:
            assert value(plain, other) != value(faulty, other), other
        else:
            assert value(plain, other) == value(faulty, other), other


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_every_fault_has_a_text_form(name: str) -> None:
    fault = parse_fault(f"{name} type=C_SC_NA_1 ca=47 nth=1")
    assert type(fault) is FAULTS[name]
    assert fault.scope == Scope(SC, 47, None, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nothing", "unknown fault 'nothing'; one of: "),
        ("no_retrun_information", "unknown fault 'no_retrun_information'; did you mean no_return_information?"),
        ("delay secs=1", "delay: unknown parameter 'secs'"),
        ("wrong_cause cot=99", "cot must be in 0..63"),
        ("wrong_cause part=nowhere", "part 'nowhere' is not one of"),
        ("no_termination type=C_XX", "type 'C_XX' is not a type identification"),
        ("silence nth=0", "nth must be 1 or more"),
        ("silence ca", "'ca' in fault 'silence ca' is not key=value"),
    ],
)
def test_fault_text_errors_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_fault(text)


def test_the_catalogue_table_names_every_fault() -> None:
    from c104test.protocol.station import faults, faults_process

    table = (faults.__doc__ or "") + (faults_process.__doc__ or "")
    for name in FAULTS:
        assert f"\n{name} " in table, name


def test_stale_interrogation_reports_the_value_of_the_request() -> None:
    for faults, last in (((), 999), ((StaleInterrogation(),), 1234)):
        station = make(faults=faults)
        started(station)
        raw = encode_asdu(gi())
        station.receive(1, raw, decode_asdu(raw), 0.0)
        station.set_point(CA, 300, 999)  # during the interrogation, before its data is sent
        sent = take(station)
        gi_value = [ob.value for a in sent if a.cot == Cot.INTERROGATED_BY_STATION for ob in a.objects
                    if ob.io_address == 300]
        assert gi_value == [last]
