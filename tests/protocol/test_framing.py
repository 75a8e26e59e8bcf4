"""FrameDecoder: APDU boundaries in a TCP stream, however it is chunked."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from c104test.protocol.errors import DecodeError
from c104test.protocol.framing import FrameDecoder

STARTDT_ACT = bytes.fromhex("68 04 07 00 00 00")
S_FRAME_5 = bytes.fromhex("68 04 01 00 0a 00")
# I(1, 5) carrying C_IC_NA_1 activation, common address 1, QOI 20
I_FRAME = bytes.fromhex("68 0e 02 00 0a 00 64 01 06 00 01 00 00 00 00 14")


def feed_all(decoder: FrameDecoder, chunks: list[bytes]) -> tuple[list[bytes], DecodeError | None]:
    """APDUs returned until the first DecodeError, and that error."""
    apdus: list[bytes] = []
    try:
        for chunk in chunks:
            apdus.extend(decoder.feed(chunk))
        apdus.extend(decoder.feed(b""))  # surfaces an error held back behind good APDUs
    except DecodeError as error:
        return apdus, error
    return apdus, None


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        pytest.param([STARTDT_ACT], [STARTDT_ACT], id="one whole"),
        pytest.param(
            [STARTDT_ACT + S_FRAME_5 + I_FRAME],
            [STARTDT_ACT, S_FRAME_5, I_FRAME],
            id="three in one",
        ),
        pytest.param(
            [I_FRAME[:1], I_FRAME[1:2], I_FRAME[2:]], [I_FRAME], id="split after 0x68 and L"
        ),
        pytest.param(
            [STARTDT_ACT + I_FRAME[:9], I_FRAME[9:] + S_FRAME_5[:3], S_FRAME_5[3:]],
            [STARTDT_ACT, I_FRAME, S_FRAME_5],
            id="straddling",
        ),
        pytest.param([b"", STARTDT_ACT, b""], [STARTDT_ACT], id="empty reads"),
        pytest.param(
            [bytes([0x68, 253]) + bytes(253)], [bytes([0x68, 253]) + bytes(253)], id="longest"
        ),
    ],
)
def test_vectors(chunks: list[bytes], expected: list[bytes]) -> None:
    apdus, error = feed_all(FrameDecoder(), chunks)
    assert error is None
    assert apdus == expected


def test_each_feed_returns_what_it_completes_and_pending_counts_the_rest() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(I_FRAME[:5]) == []
    assert decoder.pending == 5
    assert decoder.feed(I_FRAME[5:] + STARTDT_ACT[:1]) == [I_FRAME]
    assert decoder.pending == 1
    assert decoder.offset == len(I_FRAME)
    assert decoder.feed(STARTDT_ACT[1:]) == [STARTDT_ACT]
    assert decoder.pending == 0
    assert decoder.offset == len(I_FRAME) + 6


def test_accepts_bytearray_and_memoryview() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(bytearray(STARTDT_ACT)) == [STARTDT_ACT]
    assert decoder.feed(memoryview(I_FRAME)[:4]) == []
    assert decoder.feed(memoryview(I_FRAME)[4:]) == [I_FRAME]
    assert all(type(apdu) is bytes for apdu in decoder.feed(bytearray(S_FRAME_5)))


@pytest.mark.parametrize(
    ("stream", "reason", "offset"),
    [
        ("69 04 07 00 00 00", "start octet 0x69 is not 0x68", 0),
        ("12", "start octet 0x12 is not 0x68", 0),
        ("68 04 07 00 00 00 12 04", "start octet 0x12 is not 0x68", 6),
        ("68 02 01 00", "APDU length 2 outside 4..253", 1),
        ("68 00", "APDU length 0 outside 4..253", 1),
        ("68 03 01 00 00", "APDU length 3 outside 4..253", 1),
        ("68 fe", "APDU length 254 outside 4..253", 1),
        ("68 04 43 00 00 00 68 ff", "APDU length 255 outside 4..253", 7),
    ],
)
def test_errors_carry_reason_and_stream_offset(stream: str, reason: str, offset: int) -> None:
    _, error = feed_all(FrameDecoder(), [bytes.fromhex(stream)])
    assert error is not None
    assert (error.reason, error.offset) == (reason, offset)
    assert str(error) == f"{reason} (at byte {offset})"


def test_offset_counts_across_feeds() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(STARTDT_ACT + S_FRAME_5[:2]) == [STARTDT_ACT]
    assert decoder.feed(S_FRAME_5[2:]) == [S_FRAME_5]
    assert decoder.feed(b"\x68") == []
    with pytest.raises(DecodeError) as info:
        decoder.feed(b"\x01")
    assert (info.value.reason, info.value.offset) == ("APDU length 1 outside 4..253", 13)


def test_good_apdus_before_the_error_come_first_then_the_error() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(STARTDT_ACT + b"\x12\x04\x07") == [STARTDT_ACT]
    assert decoder.error is not None
    assert decoder.error.offset == 6
    with pytest.raises(DecodeError, match=r"start octet 0x12 is not 0x68 \(at byte 6\)"):
        decoder.feed(b"")


def test_stays_failed() -> None:
    decoder = FrameDecoder()
    with pytest.raises(DecodeError):
        decoder.feed(b"\x68\x02")
    for later in (STARTDT_ACT, b""):
        with pytest.raises(DecodeError) as info:
            decoder.feed(later)
        assert (info.value.reason, info.value.offset) == ("APDU length 2 outside 4..253", 1)
    assert decoder.pending == 0


def test_many_small_apdus_in_one_large_read() -> None:
    frames = [I_FRAME] * 20_000
    assert FrameDecoder().feed(b"".join(frames)) == frames


# --- properties -------------------------------------------------------------------------------

apdu_strategy = st.binary(min_size=4, max_size=253).map(
    lambda body: bytes([0x68, len(body)]) + body
)


def cut(stream: bytes, points: list[int]) -> list[bytes]:
    bounds = sorted({0, len(stream), *(p % (len(stream) + 1) for p in points)})
    return [stream[a:b] for a, b in itertools.pairwise(bounds)]


@given(st.lists(apdu_strategy, max_size=20), st.lists(st.integers(min_value=0), max_size=30))
def test_any_chunking_gives_the_same_apdus(apdus: list[bytes], points: list[int]) -> None:
    stream = b"".join(apdus)
    assert feed_all(FrameDecoder(), cut(stream, points)) == (apdus, None)


@given(
    st.lists(apdu_strategy, min_size=1, max_size=10),
    st.integers(min_value=0),
    st.binary(min_size=1, max_size=3),
    st.lists(st.integers(min_value=0), max_size=20),
)
def test_any_chunking_gives_the_same_error(
    apdus: list[bytes], position: int, garbage: bytes, points: list[int]
) -> None:
    stream = b"".join(apdus)
    position %= len(stream) + 1
    stream = stream[:position] + garbage + stream[position:]
    whole_apdus, whole_error = feed_all(FrameDecoder(), [stream])
    chunked_apdus, chunked_error = feed_all(FrameDecoder(), cut(stream, points))
    assert chunked_apdus == whole_apdus
    if whole_error is None:
        assert chunked_error is None
    else:
        assert chunked_error is not None
        assert (chunked_error.reason, chunked_error.offset) == (
            whole_error.reason,
            whole_error.offset,
        )


@given(st.binary(max_size=600), st.lists(st.integers(min_value=0), max_size=20))
def test_arbitrary_bytes_only_ever_raise_decode_error(data: bytes, points: list[int]) -> None:
    decoder = FrameDecoder()
    apdus, error = feed_all(decoder, cut(data, points))
    consumed = sum(map(len, apdus))
    assert data[:consumed] == b"".join(apdus)
    for apdu in apdus:
        assert apdu[0] == 0x68
        assert 4 <= apdu[1] <= 253
        assert len(apdu) == apdu[1] + 2
    if error is not None:
        assert consumed <= error.offset < len(data)
    else:
        assert decoder.pending == len(data) - consumed


def test_mutant_options_of_the_decoder() -> None:
    """lenient (R01, R02, R04), reassemble=False and one_per_chunk (R15): off by default."""
    testfr = bytes.fromhex("680443000000")
    lenient = FrameDecoder()
    lenient.lenient = True
    assert lenient.feed(bytes.fromhex("690407000000") + bytes.fromhex("6803010000") + b"\x68\x00" + testfr) == [testfr]
    assert lenient.feed(b"\x68\xfe" + bytes(100)) == [] and lenient.feed(bytes(154) + testfr) == [testfr]
    whole = FrameDecoder()
    whole.reassemble = False
    assert whole.feed(testfr[:1]) == [] and whole.pending == 0
    with pytest.raises(DecodeError):
        whole.feed(testfr[1:])
    first = FrameDecoder()
    first.one_per_chunk = True
    assert first.feed(testfr * 3) == [testfr] and first.feed(testfr) == [testfr]


def test_a_chunk_that_is_exactly_one_apdu_comes_back_whole_and_a_length_of_254_still_fails() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(I_FRAME) == [I_FRAME] and decoder.offset == len(I_FRAME)
    assert decoder.feed(I_FRAME[:3]) == []  # then a partial one: kept for the next chunk
    assert decoder.feed(I_FRAME[3:]) == [I_FRAME] and decoder.offset == 2 * len(I_FRAME)
    # 256 octets whose length octet says 254: no APDU is that long, whatever the chunk holds
    with pytest.raises(DecodeError, match=r"APDU length 254 outside 4\.\.253"):
        FrameDecoder().feed(bytes([0x68, 254]) + bytes(254))
