"""rules.values and rules.tolerance: spellings per value class, ranges, the one default tolerance."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from c104test.protocol.enums import Double, EventState, Step, Type
from c104test.rules import (
    Tolerance,
    TypeClass,
    ValueRange,
    expectation,
    io_address,
    lookup,
    parse_expected,
    parse_flags,
    parse_value,
    split_tolerance,
    within_default,
)
from c104test.rules.tolerance import NORMALIZED_STEP


@pytest.mark.parametrize(
    ("value_class", "text", "value"),
    [
        (TypeClass.SINGLE, "ON", True),
        (TypeClass.SINGLE, "off", False),
        (TypeClass.SINGLE, "true", True),
        (TypeClass.SINGLE, "0", False),
        (TypeClass.DOUBLE, "INTERMEDIATE", Double.INTERMEDIATE),
        (TypeClass.DOUBLE, "indeterminate", Double.INDETERMINATE),
        (TypeClass.DOUBLE, "True", Double.ON),
        (TypeClass.EVENT, "OFF", EventState.OFF),
        (TypeClass.REGULATING, "HIGHER", Step.HIGHER),
        (TypeClass.STEP, "-64", -64),
        (TypeClass.BITSTRING, "0xA5A5A5A5", 0xA5A5A5A5),
        (TypeClass.BITSTRING, "0b101", 5),
        (TypeClass.BITSTRING, "42405", 0xA5A5),
        (TypeClass.NORMALIZED, "-1", -1.0),
        (TypeClass.NORMALIZED, "0.99996948", 0.99996948),
        (TypeClass.SCALED, "-32768", -32768),
        (TypeClass.SCALED, "12.0", 12),
        (TypeClass.SHORT, "1e30", 1e30),
        (TypeClass.COUNTER, "-2147483648", -(2**31)),
    ],
)
def test_values_per_class(value_class: TypeClass, text: str, value: object) -> None:
    assert parse_value(text, value_class) == value


@pytest.mark.parametrize(
    ("value_class", "text", "message"),
    [
        (TypeClass.SINGLE, "maybe", "not a single-point state"),
        (TypeClass.DOUBLE, "1", "ambiguous for a double point"),
        (TypeClass.DOUBLE, "HALF", "not a double point state"),
        (TypeClass.STEP, "64", "outside -64..63"),
        (TypeClass.BITSTRING, "-1", "outside 0..0xFFFFFFFF"),
        (TypeClass.BITSTRING, "0x1FFFFFFFF", "outside 0..0xFFFFFFFF"),
        (TypeClass.NORMALIZED, "1.0", r"outside -1..0.999969 \(1-2\^-15\)"),
        (TypeClass.NORMALIZED, "0.99999", "outside -1..0.999969"),
        (TypeClass.SCALED, "32768", "outside -32768..32767"),
        (TypeClass.SCALED, "1.5", "not a whole number"),
        (TypeClass.SHORT, "1e39", "outside the float32 range"),
        (TypeClass.SHORT, "nan", "not a finite number"),
        (TypeClass.COUNTER, "2147483648", "outside -2147483648..2147483647"),
        (TypeClass.REGULATING, "UP", "not a step direction"),
    ],
)
def test_ranges_and_spellings_are_refused_with_the_reason(value_class: TypeClass, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_value(text, value_class)


@pytest.mark.parametrize("sign", ["+-", "+/-", "±"])
def test_every_tolerance_sign(sign: str) -> None:
    assert split_tolerance(f"230 {sign} 0.5") == ("230", Tolerance(0.5))
    assert split_tolerance(f"230{sign}0.5") == ("230", Tolerance(0.5))
    assert split_tolerance(f"-5 {sign} 1%") == ("-5", Tolerance(1.0, percent=True))
    assert parse_expected(f"230 {sign} 0.5", TypeClass.SHORT).matches(230.5)
    assert not parse_expected(f"230 {sign} 0.5", TypeClass.SHORT).matches(230.51)


def test_tolerance_errors() -> None:
    with pytest.raises(ValueError, match="tolerance 'x'"):
        split_tolerance("230 +- x")
    with pytest.raises(ValueError, match="0 or more"):
        Tolerance(-1)
    with pytest.raises(ValueError, match="a tolerance applies to numbers"):
        parse_expected("ON +- 1", TypeClass.DOUBLE)
    with pytest.raises(ValueError, match="a tolerance applies to numbers"):
        parse_expected("0xA5 +- 1", TypeClass.BITSTRING)
    with pytest.raises(ValueError, match="either in the expected value or as tolerance="):
        parse_expected("1 +- 1", TypeClass.SHORT, tolerance=2)


def test_the_default_tolerance_is_the_wire_rounding() -> None:
    assert within_default(0.25 + NORMALIZED_STEP, 0.25)  # one normalized step
    assert not within_default(0.25005, 0.25)  # issue 11: 0.25005 passed in Gherkin only
    float32 = struct.unpack("<f", struct.pack("<f", 49.98))[0]
    assert within_default(float32, 49.98)
    assert not within_default(49.99, 49.98)
    assert parse_expected("1234", TypeClass.SCALED).matches(1234)
    assert not parse_expected("2147483647", TypeClass.COUNTER).matches(2147483646)  # integers exact


@given(st.integers(-32768, 32767))
def test_every_normalized_value_matches_its_decimal_text(nva: int) -> None:
    value = nva / 32768
    assert parse_expected(f"{value:.5f}", TypeClass.NORMALIZED).matches(value)


@given(st.floats(-1e30, 1e30, allow_nan=False, width=64))
def test_every_float_matches_itself_after_float32(number: float) -> None:
    wire = struct.unpack("<f", struct.pack("<f", number))[0]
    assert parse_expected(repr(number), TypeClass.SHORT).matches(wire)


@given(st.integers(0, 0xFFFFFFFF), st.integers(0, 0xFFFFFFFF))
def test_bitstrings_compare_exactly_and_show_in_hex(a: int, b: int) -> None:
    expected = parse_expected(f"0x{b:X}", TypeClass.BITSTRING)
    assert expected.matches(a) is (a == b)
    assert expected.show(a) == f"0x{a:08X}"


def test_expectation_follows_the_point_type() -> None:
    assert expectation("ON", Type.M_SP_TB_1).value is True
    assert expectation("ON", Type.M_DP_NA_1).value is Double.ON
    assert expectation("0xA5A5A5A5", None, 5).value_class is TypeClass.BITSTRING  # type unknown: hex is bits
    assert expectation("5", None, 5.0).value_class is TypeClass.SHORT
    assert str(expectation("230 +- 0.5", Type.M_ME_NC_1)) == "230 ± 0.5"


def test_a_range_is_an_expectation_for_every_front_end() -> None:
    """Only the FAT list built ranges (with parse_range); expectation() refused '49.9..50.1'."""
    found = expectation("49.9..50.1", Type.M_ME_NC_1)
    assert isinstance(found, ValueRange) and found.matches(49.98) and not found.matches(50.2)
    assert expectation("-64..63", Type.M_ST_NA_1).matches(-64)
    assert expectation("1000..2000").matches(1234)  # type unknown yet: any numbers
    for text, point_type, words in [
        ("50.1..49.9", Type.M_ME_NC_1, "runs backwards"),
        ("49.9..50.1 +- 1", Type.M_ME_NC_1, "takes no tolerance"),
        ("0..1", Type.M_SP_NA_1, "a range applies to numbers, not to a single point"),
        ("1000.5..2000", Type.M_ME_NB_1, "'1000.5' is not a whole number"),
        ("OFF..ON", None, "a range needs a number at both ends"),
    ]:
        with pytest.raises(ValueError, match=words):
            expectation(text, point_type)


def test_a_text_that_is_no_value_of_any_kind_says_what_may_be_written() -> None:
    with pytest.raises(ValueError, match=r"'maybe' is not a value; use ON, OFF, .* a range \(49.9..50.1\)"):
        expectation("maybe")
    with pytest.raises(ValueError, match="1e40 outside the float32 range"):  # a number: the number's reason
        expectation("1e40")


def test_addresses_type_names_and_quality_octets() -> None:
    assert io_address("5002.0") == io_address("5_002") == io_address("0x138A") == 5002
    with pytest.raises(ValueError, match=r"a structured IOA \(1-2-3\) is not read.*197121 when 1 is the lowest octet"):
        io_address("1-2-3")
    with pytest.raises(ValueError, match="is not a whole number"):
        io_address("100.5")
    assert lookup(Type, "M_SP_NA") is lookup(Type, "m_sp_na_1") is Type.M_SP_NA_1
    with pytest.raises(ValueError, match=r"a quality octet; write its flags by name \(as a QDS: IV, NT\)"):
        parse_flags("0xC0")


@pytest.mark.parametrize(
    ("given", "expected"),
    [("0.5", Tolerance(0.5)), ("1%", Tolerance(1.0, True)), ("± 2", Tolerance(2.0)), (5, Tolerance(5.0))],
)
def test_a_tolerance_given_on_its_own_reads_as_one_written_after_the_number(given: object, expected: Tolerance) -> None:
    """Robot's ``tolerance=`` goes through the rules too (it was Robot's float converter, which
    refused ``1%`` and said its own words about ``0,5``)."""
    assert parse_expected("230", TypeClass.SHORT, tolerance=given).tolerance == expected  # type: ignore[arg-type, union-attr]


def test_a_bad_tolerance_on_its_own_gets_the_rules_words() -> None:
    from c104test.keywords.assertions import StateMatcher

    with pytest.raises(ValueError, match=r"a comma as the decimal sign\? write 0\.5"):
        StateMatcher("230", "0,5", Type.M_ME_NC_1)
    assert StateMatcher("230", "1%", Type.M_ME_NC_1)(232.0, Type.M_ME_NC_1)
    assert not StateMatcher("230", "1%", Type.M_ME_NC_1)(233.0, Type.M_ME_NC_1)
