"""APCI codec: I, S and U frames, byte for byte."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from c104test.protocol.apci import (
    SEQ_MODULO,
    Frame,
    IFrame,
    SFrame,
    UFrame,
    UFunction,
    decode_frame,
    encode_frame,
    encode_i_frame,
    encode_s_frame,
    encode_u_frame,
)
from c104test.protocol.errors import DecodeError, LocalProtocolError

# C_IC_NA_1 activation, common address 1, QOI 20 (station interrogation): 10 octets
GI_ASDU = bytes.fromhex("64 01 06 00 01 00 00 00 00 14")

VECTORS: list[tuple[str, Frame]] = [
    ("68 04 07 00 00 00", UFrame(UFunction.STARTDT_ACT)),
    ("68 04 0b 00 00 00", UFrame(UFunction.STARTDT_CON)),
    ("68 04 13 00 00 00", UFrame(UFunction.STOPDT_ACT)),
    ("68 04 23 00 00 00", UFrame(UFunction.STOPDT_CON)),
    ("68 04 43 00 00 00", UFrame(UFunction.TESTFR_ACT)),
    ("68 04 83 00 00 00", UFrame(UFunction.TESTFR_CON)),
    ("68 04 01 00 00 00", SFrame(0)),
    ("68 04 01 00 0a 00", SFrame(5)),
    ("68 04 01 00 fe 00", SFrame(127)),
    ("68 04 01 00 00 01", SFrame(128)),
    ("68 04 01 00 fe ff", SFrame(32767)),
    ("68 0e 02 00 0a 00 64 01 06 00 01 00 00 00 00 14", IFrame(1, 5, GI_ASDU)),
    ("68 0e 00 00 00 00 64 01 06 00 01 00 00 00 00 14", IFrame(0, 0, GI_ASDU)),
    ("68 0e 00 01 fe 00 64 01 06 00 01 00 00 00 00 14", IFrame(128, 127, GI_ASDU)),
    ("68 0e fe ff fe ff 64 01 06 00 01 00 00 00 00 14", IFrame(32767, 32767, GI_ASDU)),
    ("68 05 02 00 04 00 99", IFrame(1, 2, b"\x99")),
]


@pytest.mark.parametrize(("hex_apdu", "frame"), VECTORS, ids=[v[0] for v in VECTORS])
def test_encode(hex_apdu: str, frame: Frame) -> None:
    assert encode_frame(frame) == bytes.fromhex(hex_apdu)


@pytest.mark.parametrize(("hex_apdu", "frame"), VECTORS, ids=[v[0] for v in VECTORS])
def test_decode(hex_apdu: str, frame: Frame) -> None:
    assert decode_frame(bytes.fromhex(hex_apdu)) == frame


def test_direct_encoders_match_encode_frame() -> None:
    assert encode_i_frame(1, 5, GI_ASDU) == encode_frame(IFrame(1, 5, GI_ASDU))
    assert encode_s_frame(5) == bytes.fromhex("68 04 01 00 0a 00")
    assert encode_u_frame(UFunction.TESTFR_CON) == bytes.fromhex("68 04 83 00 00 00")


def test_longest_i_frame() -> None:
    apdu = encode_frame(IFrame(3, 4, bytes(249)))
    assert apdu[:2] == b"\x68\xfd"
    assert len(apdu) == 255
    assert decode_frame(apdu) == IFrame(3, 4, bytes(249))


@pytest.mark.parametrize(
    ("hex_apdu", "reason", "offset"),
    [
        ("69 04 07 00 00 00", "start octet 0x69 is not 0x68", 0),
        ("68 03 01 00 00", "APDU of 5 octets is shorter than 6", 5),
        ("68", "APDU of 1 octets is shorter than 6", 1),
        ("68 05 07 00 00 00", "length octet 5 does not match 4 octets after it", 1),
        ("68 04 02 00 00 00 64", "length octet 4 does not match 5 octets after it", 1),
        ("68 04 02 00 00 00", "I-frame without ASDU", 6),
        ("68 05 02 00 01 00 99", "I-frame octet 5 has reserved bit 0 set", 4),
        ("68 04 05 00 00 00", "S-frame octet 3 is 0x05, not 0x01", 2),
        ("68 04 01 01 00 00", "S-frame octet 4 is 0x01, not 0x00", 3),
        ("68 04 01 00 01 00", "S-frame octet 5 has reserved bit 0 set", 4),
        ("68 05 01 00 00 00 99", "S-frame followed by 1 octets", 6),
        ("68 04 0f 00 00 00", "U-frame octet 3 0x0f is not exactly one function", 2),
        ("68 04 ff 00 00 00", "U-frame octet 3 0xff is not exactly one function", 2),
        ("68 04 33 00 00 00", "U-frame octet 3 0x33 is not exactly one function", 2),
        ("68 04 03 00 00 00", "U-frame octet 3 0x03 is not exactly one function", 2),
        ("68 04 07 01 00 00", "U-frame octet 4 is 0x01, not 0x00", 3),
        ("68 04 43 00 00 80", "U-frame octet 6 is 0x80, not 0x00", 5),
        ("68 05 43 00 00 00 00", "U-frame followed by 1 octets", 6),
    ],
)
def test_decode_errors(hex_apdu: str, reason: str, offset: int) -> None:
    with pytest.raises(DecodeError) as info:
        decode_frame(bytes.fromhex(hex_apdu))
    assert (info.value.reason, info.value.offset) == (reason, offset)


def test_length_octet_above_253_is_rejected_even_when_consistent() -> None:
    with pytest.raises(DecodeError, match=r"APDU length 254 outside 4\.\.253"):
        decode_frame(bytes([0x68, 254, 0, 0, 0, 0]) + bytes(250))


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (IFrame(-1, 0, GI_ASDU), r"N\(S\)=-1 outside 0..32767"),
        (IFrame(32768, 0, GI_ASDU), r"N\(S\)=32768 outside 0..32767"),
        (IFrame(0, 32768, GI_ASDU), r"N\(R\)=32768 outside 0..32767"),
        (IFrame(0, 0, b""), "ASDU of 0 octets; an I-frame carries 1..249"),
        (IFrame(0, 0, bytes(250)), "ASDU of 250 octets; an I-frame carries 1..249"),
        (SFrame(32768), r"N\(R\)=32768 outside 0..32767"),
        (SFrame(-1), r"N\(R\)=-1 outside 0..32767"),
    ],
)
def test_encode_rejects(frame: Frame, message: str) -> None:
    with pytest.raises(LocalProtocolError, match=message):
        encode_frame(frame)


def test_encode_rejects_non_frames() -> None:
    with pytest.raises(TypeError):
        encode_frame("STARTDT")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("function", "label", "is_act"),
    [
        (UFunction.STARTDT_ACT, "STARTDT act", True),
        (UFunction.STARTDT_CON, "STARTDT con", False),
        (UFunction.STOPDT_ACT, "STOPDT act", True),
        (UFunction.STOPDT_CON, "STOPDT con", False),
        (UFunction.TESTFR_ACT, "TESTFR act", True),
        (UFunction.TESTFR_CON, "TESTFR con", False),
    ],
)
def test_u_function_labels(function: UFunction, label: str, is_act: bool) -> None:
    assert function.label == label
    assert function.is_act is is_act
    assert str(UFrame(function)) == f"U({label})"


def test_frame_strings() -> None:
    assert str(IFrame(1, 5, GI_ASDU)) == "I(N(S)=1, N(R)=5, 10 octets)"
    assert str(SFrame(5)) == "S(N(R)=5)"


def test_frames_are_frozen_and_slotted() -> None:
    frame = SFrame(1)
    with pytest.raises(AttributeError):
        frame.recv_seq = 2  # type: ignore[misc]
    assert not hasattr(frame, "__dict__")


def test_seq_modulo() -> None:
    assert SEQ_MODULO == 32768


# --- properties -------------------------------------------------------------------------------

seqs = st.integers(min_value=0, max_value=SEQ_MODULO - 1)
frames = st.one_of(
    st.builds(IFrame, seqs, seqs, st.binary(min_size=1, max_size=249)),
    st.builds(SFrame, seqs),
    st.builds(UFrame, st.sampled_from(UFunction)),
)


@given(frames)
def test_round_trip(frame: Frame) -> None:
    apdu = encode_frame(frame)
    assert apdu[0] == 0x68
    assert apdu[1] == len(apdu) - 2
    assert decode_frame(apdu) == frame


@given(st.binary(min_size=4, max_size=253))
def test_whatever_decodes_encodes_to_the_same_octets(body: bytes) -> None:
    """The decoder is strict: no two APDUs decode to the same frame."""
    apdu = bytes([0x68, len(body)]) + body
    try:
        frame = decode_frame(apdu)
    except DecodeError as error:
        assert 0 <= error.offset <= len(apdu)
    else:
        assert encode_frame(frame) == apdu


@given(st.binary(max_size=300))
def test_arbitrary_bytes_only_raise_decode_error(data: bytes) -> None:
    try:
        decode_frame(data)
    except DecodeError:
        pass
