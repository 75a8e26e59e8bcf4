"""rules.qualifiers: a step position's transient bit and a counter's sequence number and flags,
judged on the reported element, and the simulator sending what a test set."""

from __future__ import annotations

import pytest

from c104test.engine.profile import PointProfile, StationProfile
from c104test.protocol.elements import BCR, QDS, VTI
from c104test.protocol.enums import BinaryCounterQuality, Type
from c104test.protocol.objects import IntegratedTotals, MeasuredScaled, StepPosition
from c104test.protocol.station.points import StationPoint
from c104test.protocol.timetags import CP56Time2a
from c104test.rules import Qualifiers, expectation, split_qualifiers, value_for
from c104test.rules.hexdump import parse_hex


def step(value: int, transient: bool) -> StepPosition:
    return StepPosition(310, VTI(value, transient))


def totals(counter: int, sequence: int, **flags: bool) -> IntegratedTotals:
    return IntegratedTotals(400, BCR(counter, sequence, **flags))


@pytest.mark.parametrize(
    ("text", "reported", "verdict"),
    [
        ("5 transient", step(5, True), True),
        ("5 transient", step(5, False), False),
        ("5 not transient", step(5, False), True),
        ("5", step(5, True), True),  # not named, not checked
        ("6 transient", step(5, True), False),
        ("4..6 TRANSIENT", step(5, True), True),
        ("1234 seq 3", totals(1234, 3, cy=True), True),
        ("1234 seq 3", totals(1234, 4), False),
        ("1234 seq 3 carry", totals(1234, 3, cy=True), True),
        ("1234 seq 3 carry", totals(1234, 3, cy=True, iv=True), False),  # the flags are exact
        ("1234 good", totals(1234, 9), True),
        ("1234 IV, CA", totals(1234, 0, iv=True, ca=True), True),
        ("1230 +- 5 seq 0", totals(1234, 0), True),
    ],
)
def test_the_element_decides(text: str, reported: object, verdict: bool) -> None:
    assert expectation(text).matches(reported) is verdict
    assert expectation(text, Type.M_ST_TB_1 if isinstance(reported, StepPosition) else Type.M_IT_TB_1).matches(reported) is verdict


def test_a_bare_value_cannot_show_a_qualifier_and_fails() -> None:
    """A front end that passed the value without its element could not judge it: never a pass."""
    assert not expectation("5 transient", Type.M_ST_NA_1).matches(5)
    assert expectation("5", Type.M_ST_NA_1).matches(5)


@pytest.mark.parametrize(
    ("text", "point_type", "words"),
    [
        ("5 transient", Type.M_ME_NB_1, "applies to a step position, not to a scaled value"),
        ("5 seq 1", Type.M_ST_NA_1, "applies to a counter, not to a step position"),
        ("1234 seq 32", Type.M_IT_NA_1, r"not in 0\.\.31"),
        ("1234 seq x", Type.M_IT_NA_1, r"not in 0\.\.31"),
        ("1234 seq 1 seq 2", Type.M_IT_NA_1, "write 'seq N'"),
        ("1234 NT", Type.M_IT_NA_1, "NT is not a quality flag of a counter"),
        ("5 transient now", Type.M_ST_NA_1, "write 'transient' or 'not transient'"),
    ],
)
def test_a_wrong_qualifier_is_refused_saying_why(text: str, point_type: Type, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        expectation(text, point_type)


def test_failures_show_what_the_element_held() -> None:
    expected = expectation("1234 seq 4", Type.M_IT_NA_1)
    assert str(expected) == "1234 seq 4"
    assert expected.show(totals(1234, 3, cy=True)) == "1234 seq 3 CY"
    assert expectation("5 transient", Type.M_ST_NA_1).show(step(5, False)) == "5 not transient"
    assert split_qualifiers("230 +- 0.5") == ("230 +- 0.5", None)  # no qualifier word: untouched
    assert split_qualifiers("5 transient")[1] == Qualifiers(transient=True)


def test_setting_reads_the_same_words_and_the_simulated_point_sends_them() -> None:
    assert value_for(Type.M_ST_NA_1, "5 transient") == VTI(5, True)
    assert value_for(Type.M_IT_NA_1, "1234 seq 3") == BCR(1234, 3)
    with pytest.raises(ValueError, match=r"a counter's flags \(CY\) are set as its quality"):
        value_for(Type.M_IT_NA_1, "1234 seq 3 CY")
    station = StationProfile(47, (PointProfile(310, Type.M_ST_NA_1, "5 transient"), PointProfile(400, Type.M_IT_NA_1, "7 seq 3")))
    step_point = StationPoint(47, station.points[0], CP56Time2a(0, 0, 0, 1, 1, 26))
    counter = StationPoint(47, station.points[1], CP56Time2a(0, 0, 0, 1, 1, 26))
    counter.quality = int(BinaryCounterQuality.Carry)
    assert step_point.build(Type.M_ST_NA_1) == StepPosition(310, VTI(5, True), QDS())
    assert counter.build(Type.M_IT_NA_1) == IntegratedTotals(400, BCR(7, 3, cy=True))
    step_point.value = step_point.coercer(step_point.take_element(6))  # a plain number: a steady step
    assert step_point.build(Type.M_ST_NA_1).vti == VTI(6, False)
    with pytest.raises(ValueError, match=r"sequence number 40 outside 0\.\.31"):
        counter.take_element(BCR(1, 40))
    assert not expectation("5 transient").matches(MeasuredScaled(1, 5))


@pytest.mark.parametrize(
    "text",
    [
        "68 04 43 00 00 00",
        r"\x68\x04\x43\x00\x00\x00",
        "0000   68 04 43 00 00 00                                 h.C...",
        "0000   68 04 43 00 00 00                                 h.C...\n",
        "68 04 43\n00 00 00",
        "0x68, 0x04, 0x43, 0x00, 0x00, 0x00",
    ],
)
def test_hex_as_wireshark_copies_it(text: str) -> None:
    assert parse_hex(text) == bytes.fromhex("680443000000")


def test_a_hex_dump_leaves_out_offsets_and_the_ascii_column_only() -> None:
    dump = (
        "0000   68 0e 00 00 00 00 64 01 06 00 2f 00 00 00 00 14   h.....d.../.....\n"
        "0010   41 42                                             AB\n"
    )
    assert parse_hex(dump) == bytes.fromhex("680e0000000064010600 2f000000001441 42".replace(" ", ""))
    with pytest.raises(ValueError, match="'h' is not a hex digit"):
        parse_hex("0008   68 04   h.")  # an offset that is no line start of a dump: read as written
