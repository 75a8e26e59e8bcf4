"""File transfer in the controlled station (A39, A40): the state machine alone, then through the
station's dispatch with encoded ASDUs (explicit time, no trio, no sockets)."""

from __future__ import annotations

import dataclasses

import pytest

from c104test.engine.file_profile import FileProfile
from c104test.protocol.asdu import Asdu
from c104test.protocol.enums import Cot, Type
from c104test.protocol.file_qualifiers import NOT_READY, Afq, FileError, Lsq, Scq, checksum
from c104test.protocol.objects import FileAck, FileCall
from c104test.protocol.station.faults import IgnoreNegativeSectionAck
from c104test.protocol.station.files import (
    TRANSITIONS,
    FileEvent,
    FileState,
    FileTransfer,
    StoredFile,
)

from .drive import CA, ask, make, started

E, S = FileEvent, FileState
CONTENT = bytes(range(250)) * 2  # 500 octets
FILE = StoredFile.split(700, 5, CONTENT, sections=2)


def machine(**options) -> FileTransfer:
    return FileTransfer(FILE, segment_size=100, **options)


def objects(output) -> list:
    return [ob for _, ob in output.objects]


def test_split_cuts_nearly_equal_sections_and_sums_checksums() -> None:
    f = StoredFile.split(1, 1, b"abcdefg", sections=3)
    assert f.sections == (b"abc", b"de", b"fg")
    assert f.length == 7 and f.checksum == checksum(b"abcdefg")
    with pytest.raises(ValueError, match="sections"):
        StoredFile.split(1, 1, b"ab", sections=3)


def test_a_whole_read_follows_the_table_and_the_octets_come_back() -> None:
    t = machine()
    [ready] = objects(t.handle(E.SELECT_FILE, 5, 0))
    assert (ready.lof, ready.frq) == (500, 0)
    assert objects(t.handle(E.CALL_FILE, 5, 0))[0].nos == 1
    received = b""
    for nos in (1, 2):
        *segments, last = objects(t.handle(E.CALL_SECTION, 5, nos))
        assert [len(s.data) for s in segments] == [100, 100, 50]
        data = b"".join(s.data for s in segments)
        assert (last.nos, last.lsq, last.chs) == (nos, Lsq.SECTION_TRANSFER_WITHOUT_DEACTIVATION, checksum(data))
        received += data
        after = objects(t.handle(E.ACK_SECTION, 5, nos))
    assert received == CONTENT
    assert (after[0].lsq, after[0].chs) == (Lsq.FILE_TRANSFER_WITHOUT_DEACTIVATION, checksum(CONTENT))
    assert t.state is S.FILE_SENT
    assert objects(t.handle(E.ACK_FILE, 5, 0)) == [] and t.state is S.IDLE


@pytest.mark.parametrize(("state", "event"), [(s, e) for s in S for e in E if (s, e) not in TRANSITIONS])
def test_what_the_table_does_not_allow_is_an_unexpected_service(state: FileState, event: FileEvent) -> None:
    t = machine()
    t.state = state
    out = t.handle(event, 5, 1)
    assert (out.error, out.positive, list(out.objects), t.state) == (FileError.UNEXPECTED_SERVICE, False, [], state)


def test_a_wrong_name_or_section_is_refused_and_changes_nothing() -> None:
    t = machine()
    assert t.handle(E.SELECT_FILE, 6, 0).error is FileError.UNEXPECTED_NOF
    t.handle(E.SELECT_FILE, 5, 0)
    t.handle(E.CALL_FILE, 5, 0)
    assert t.handle(E.CALL_SECTION, 5, 2).error is FileError.UNEXPECTED_NOS
    assert t.state is S.SECTION_READY


def test_negative_section_ack_repeats_or_aborts_as_the_pixit_says() -> None:
    for policy, expected in (("repeat", S.SECTION_READY), ("abort", S.IDLE)):
        t = machine(negative_section_ack=policy)
        for event in (E.SELECT_FILE, E.CALL_FILE, E.CALL_SECTION):
            t.handle(event, 5, 1)
        [answer] = objects(t.handle(E.NACK_SECTION, 5, 1))
        assert t.state is expected
        if policy == "repeat":
            assert (answer.nos, answer.srq) == (1, 0)  # section 1 ready again
        else:
            assert answer.lsq == Lsq.FILE_TRANSFER_WITH_DEACTIVATION


def test_the_fault_takes_a_negative_ack_as_positive() -> None:
    t = machine(ignore_negative_section_ack=True)
    for event in (E.SELECT_FILE, E.CALL_FILE, E.CALL_SECTION):
        t.handle(event, 5, 1)
    assert objects(t.handle(E.NACK_SECTION, 5, 1))[0].nos == 2


# ---- through the station ----


def call(scq: int, *, ioa: int = 700, nof: int = 1, nos: int = 0, cot: Cot = Cot.FILE_TRANSFER) -> Asdu:
    return Asdu(Type.F_SC_NA_1, cot, CA, (FileCall(ioa, nof, nos, scq),))


def ack(afq: int, nos: int) -> Asdu:
    return Asdu(Type.F_AF_NA_1, Cot.FILE_TRANSFER, CA, (FileAck(700, 1, nos, afq),))


def station(*, faults=(), files=None, **pixit):
    s = make(faults=faults, **pixit)
    if files is not None:
        profile = s.profile.stations[0]
        s.put_station(dataclasses.replace(profile, files=files))
    started(s)
    return s


def test_the_demo_file_is_read_through_the_station() -> None:
    s = station(files=(FileProfile(700, 1, CONTENT, sections=2),), max_asdu_length=113)  # segments of 100
    [directory] = ask(s, call(Scq.DEFAULT, ioa=0, cot=Cot.REQUEST))
    assert (directory.type, int(directory.cot), directory.objects[0].sof.lfd) == (Type.F_DR_TA_1, 5, True)
    assert ask(s, call(Scq.SELECT_FILE))[0].objects[0].lof == 500
    assert ask(s, call(Scq.REQUEST_FILE))[0].type == Type.F_SR_NA_1
    section = ask(s, call(Scq.REQUEST_SECTION, nos=1))
    assert [a.type for a in section] == [Type.F_SG_NA_1] * 3 + [Type.F_LS_NA_1]
    assert {int(a.cot) for a in section} == {13}


def test_unknown_file_names_addresses_and_causes_are_refused() -> None:
    s = station()
    [ready] = ask(s, call(Scq.SELECT_FILE, nof=9))
    assert (ready.type, ready.objects[0].frq) == (Type.F_FR_NA_1, NOT_READY)
    [mirror] = ask(s, call(Scq.SELECT_FILE, ioa=701))
    assert (int(mirror.cot), mirror.negative) == (47, True)
    [mirror] = ask(s, call(Scq.SELECT_FILE, cot=Cot.ACTIVATION))
    assert (int(mirror.cot), mirror.negative) == (45, True)


def test_an_ack_out_of_turn_is_mirrored_with_the_error_in_its_qualifier() -> None:
    s = station()
    [mirror] = ask(s, ack(Afq.POSITIVE_ACK_SECTION, 1))
    assert (mirror.type, int(mirror.cot), mirror.negative) == (Type.F_AF_NA_1, 13, True)
    assert mirror.objects[0].afq == Afq.POSITIVE_ACK_SECTION.with_error(FileError.UNEXPECTED_SERVICE)


def test_the_station_fault_reaches_the_machine() -> None:
    s = station(faults=(IgnoreNegativeSectionAck(),))
    for request in (call(Scq.SELECT_FILE), call(Scq.REQUEST_FILE), call(Scq.REQUEST_SECTION, nos=1)):
        ask(s, request)
    [ready] = ask(s, ack(Afq.NEGATIVE_ACK_SECTION, 1))
    assert ready.objects[0].nos == 2


def test_answers_echo_the_originator_and_test_bit() -> None:
    s = station()
    [ready] = ask(s, dataclasses.replace(call(Scq.SELECT_FILE), originator_address=9, test=True))
    assert (ready.originator_address, ready.test) == (9, True)
