"""rules.typeclasses, quality, hexdump, addresses and names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from c104test.protocol.asdu import type_info
from c104test.protocol.commands import COMMAND_TYPES
from c104test.protocol.enums import BinaryCounterQuality, Cot, Qoi, Quality, Type
from c104test.rules import (
    FLAGS,
    QualityExpectation,
    TypeClass,
    classify,
    common_address,
    flags_of,
    io_address,
    lookup,
    originator_address,
    parse_flags,
    parse_hex,
    show_flags,
    to_quality,
    type_class,
    types_of,
)

# ---- type classes -------------------------------------------------------------------------------------


def test_every_process_type_has_one_class() -> None:
    assert type_class(Type.M_SP_TB_1) is TypeClass.SINGLE
    assert type_class(Type.C_DC_TA_1) is TypeClass.DOUBLE
    assert type_class(Type.C_RC_NA_1) is TypeClass.REGULATING
    assert type_class(Type.M_ME_ND_1) is TypeClass.NORMALIZED
    assert type_class(Type.M_IT_TB_1) is TypeClass.COUNTER
    assert type_class(Type.C_IC_NA_1) is None
    for t in COMMAND_TYPES:
        row = classify(t)
        assert row is not None and row.command
        assert row.time_tag is (type_info(t).time_tag is not None)
    assert set(types_of(TypeClass.SHORT, command=False)) == {Type.M_ME_NC_1, Type.M_ME_TC_1, Type.M_ME_TF_1}


# ---- quality ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["IV and NT", "IV,NT", "IV | NT", "iv nt", "[IV, NT]", "Invalid and NonTopical", "NT & IV"])
def test_quality_expressions(text: str) -> None:
    assert parse_flags(text) == {"IV", "NT"}


@pytest.mark.parametrize("text", ["good", "none", "GOOD", "", "[]"])
def test_good_quality(text: str) -> None:
    assert parse_flags(text) == frozenset()


def test_quality_is_exact_unless_contains_is_written() -> None:
    have = flags_of(Quality.Invalid | Quality.NonTopical)
    assert not QualityExpectation.parse("IV").matches(have)
    assert QualityExpectation.parse("contains IV").matches(have)
    assert QualityExpectation.parse("containing IV").matches(have)
    assert not QualityExpectation.parse("contains BL").matches(have)
    assert str(QualityExpectation.parse("contains iv")) == "containing IV"


def test_quality_errors_name_the_word() -> None:
    with pytest.raises(ValueError, match="'IX' is not a quality flag"):
        parse_flags("IV and IX")
    with pytest.raises(ValueError, match="did you mean Invalid"):
        parse_flags("Invalud")
    with pytest.raises(ValueError, match="is not a quality flag of this point; it has IV, NT, SB, BL, OV, EI"):
        to_quality(["CY"])


def test_one_flag_table_for_points_and_counters() -> None:
    assert [f.abbreviation for f in FLAGS] == ["IV", "NT", "SB", "BL", "OV", "EI", "CA", "CY"]
    assert flags_of(BinaryCounterQuality.Carry | BinaryCounterQuality.Invalid) == {"IV", "CY"}
    assert to_quality(["IV", "CA"], counter=True) == BinaryCounterQuality.Invalid | BinaryCounterQuality.Adjusted
    assert show_flags({"NT", "IV"}) == "IV, NT"
    assert flags_of(None) == flags_of(0) == frozenset()


@given(st.integers(0, 255))
def test_quality_round_trip(bits: int) -> None:
    quality = Quality(bits & 0xF9)  # the six flags
    assert to_quality(parse_flags(show_flags(flags_of(quality)))) == quality


# ---- hex ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pieces",
    [
        ("68040b000000",),
        ("68:04:0b:00:00:00",),
        ("0x68 0x04 0x0B 0x00 0x00 0x00",),
        ("68-04-0b-00-00-00",),
        ("68", "04", "0b", "00", "00", "00"),
        ("68 04", "0b:00", "0x00 0x00"),
    ],
)
def test_hex_spellings(pieces: tuple[str, ...]) -> None:
    assert parse_hex(*pieces) == bytes.fromhex("68040b000000")


def test_hex_errors_name_the_position() -> None:
    with pytest.raises(ValueError, match=r"'g' is not a hex digit \(character 5 of '68 0g'\)"):
        parse_hex("68 0g")
    with pytest.raises(ValueError, match=r"'z' is not a hex digit \(argument 2, character 2\)"):
        parse_hex("68", "0z")
    with pytest.raises(ValueError, match="odd number of hex digits"):
        parse_hex("680")
    with pytest.raises(ValueError, match="no hex digits"):
        parse_hex("  ")


@given(st.binary(min_size=1, max_size=64), st.sampled_from([" ", ":", "-", " 0x", ""]))
def test_hex_round_trip(data: bytes, separator: str) -> None:
    assert parse_hex(separator.join(f"{octet:02x}" for octet in data)) == data


# ---- addresses and names -----------------------------------------------------------------------------------


def test_address_ranges() -> None:
    assert io_address("16777215") == 16777215
    assert io_address("0x10") == 16
    for bad, message in [(-1, "IOA -1 outside 0..16777215"), (16777216, "IOA 16777216 outside 0..16777215")]:
        with pytest.raises(ValueError, match=message):
            io_address(bad)
    with pytest.raises(ValueError, match=r"common address 65536 outside 0\.\.65535"):
        common_address(65536)
    with pytest.raises(ValueError, match=r"originator address 256 outside 0\.\.255"):
        originator_address(256)
    with pytest.raises(ValueError, match="is not a number"):
        io_address("ten")


def test_names_with_did_you_mean() -> None:
    assert lookup(Cot, "spontaneous") is Cot.SPONTANEOUS
    assert lookup(Cot, "Cot.RETURN_INFO_REMOTE") is Cot.RETURN_INFO_REMOTE
    assert lookup(Qoi, "group 2") is Qoi.GROUP_2
    assert lookup(Type, "3") is Type.M_DP_NA_1
    with pytest.raises(ValueError, match=r"'SPONTANEUS' is not a Cot; did you mean SPONTANEOUS\? Valid: PERIODIC,"):
        lookup(Cot, "SPONTANEUS")
    with pytest.raises(ValueError, match=r"did you mean C_SC_NA_1\?"):
        lookup(Type, "C_SC_NA_2")
    with pytest.raises(ValueError, match="'xyzzy' is not a Qoi; valid: "):
        lookup(Qoi, "xyzzy")
