"""The decoders unrolled per shape (unrolled.py): every shape equals the general path, and
``decode_asdu`` raises the same DecodeErrors whichever decoder a shape has.

``decode_asdu`` decodes the first ASDU of a shape (type, SQ, count) with the per-type loop and
keeps an unrolled decoder for the next ones, at most ``MAX_SHAPES``. test_fast_decode.py draws
random shapes; here every count of every fixed-size type is built once (about 6,000 decoders).
"""

from __future__ import annotations

import random
import struct

import pytest

from c104test.protocol import DecodeError, Type, decode_asdu, encode_asdu
from c104test.protocol import asdu as asdu_module
from c104test.protocol.asdu import (
    _LAYOUTS,
    MAX_IOA,
    _decode_general,
    max_objects,
    plain_objects,
    shaped_decoder,
    type_info,
)
from c104test.protocol.unrolled import MAX_SHAPES, SHAPE_AFTER, shape_decoder

from .test_fast_decode import CASES, _asdu_bytes

_HEAD = ("type", "cot", "common_address", "originator_address", "negative", "test", "sequence")
_SIGNALLING_NAN = struct.pack("<I", 0x7F800001)


def _random_body(rng: random.Random, t: Type, sq: bool, n: int) -> bytes:
    """Random elements; every third R32 (where the type has one) is a signalling NaN."""
    items = _LAYOUTS[t][1]
    size = type_info(t).element_size
    r32_at = None
    if any(item.fmt == "f" for item in items):
        r32_at = struct.calcsize("<" + "".join(i.fmt for i in items[: [i.fmt for i in items].index("f")]))
    objects = []
    for k in range(n):
        element = bytearray(rng.randbytes(size))
        if r32_at is not None and k % 3 == 1:
            element[r32_at : r32_at + 4] = _SIGNALLING_NAN
        objects.append(bytes(element) if sq else rng.randbytes(3) + bytes(element))
    if sq:
        return rng.randint(0, MAX_IOA - n + 1).to_bytes(3, "little") + b"".join(objects)
    return b"".join(objects)


@pytest.mark.parametrize(("t", "sq"), CASES, ids=[f"{t.name}-SQ{int(sq)}" for t, sq in CASES])
def test_every_shape_decodes_as_the_general_path(t: Type, sq: bool) -> None:
    rng = random.Random(f"{t.name}-{sq}")
    size, cls = type_info(t).element_size, type_info(t).object_class
    for n in range(1, max_objects(t, sq) + 1):
        decode = shaped_decoder(t, sq, n)  # building ~6,000 of these is most of this test's time
        length = 3 + n * size if sq else n * (3 + size)
        for body in (_random_body(rng, t, sq, n), bytes(length), bytes(3 * sq) + b"\xff" * (length - 3 * sq)):
            raw = _asdu_bytes(t, sq, n, body)
            asdu, general = decode(raw), _decode_general(raw)
            # repr shows every field's value and kind (an enum member, a bool, 1.0 or 1), the
            # encoding shows a NaN's bits; test_fast_decode.py compares field by field (slower)
            assert type(asdu.objects) is tuple and {type(ob) for ob in asdu.objects} == {cls}
            assert repr(asdu.objects) == repr(tuple(plain_objects(t, body, n, sq))) == repr(general.objects)
            assert encode_asdu(asdu) == raw
            assert [getattr(asdu, f) for f in _HEAD] == [getattr(general, f) for f in _HEAD]


@pytest.mark.parametrize("sq", [False, True])
def test_every_cot_octet_decodes_as_the_general_path(sq: bool) -> None:
    # the unrolled decoders read the COT octet through one table (cause, P/N, T)
    body = bytes.fromhex("d00700" "0000c03f" "01")  # one object: the same octets in both forms
    decode = shaped_decoder(Type.M_ME_NC_1, sq, 1)
    for cot in range(256):
        raw = bytes((13, 1 | (sq << 7), cot, 7, 0x34, 0x12)) + body
        asdu, general = decode(raw), _decode_general(raw)
        assert [getattr(asdu, f) for f in _HEAD] == [getattr(general, f) for f in _HEAD]
        assert [type(getattr(asdu, f)) for f in _HEAD] == [type(getattr(general, f)) for f in _HEAD]
        assert (asdu.negative, asdu.test, asdu.originator_address, asdu.common_address) == (
            bool(cot & 0x40), cot > 127, 7, 0x1234,
        )
        assert encode_asdu(asdu) == raw


def _error(data: bytes) -> tuple[str, int]:
    with pytest.raises(DecodeError) as info:
        decode_asdu(data, offset=6)
    return info.value.reason, info.value.offset


@pytest.fixture
def no_shapes_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """decode_asdu as in a new process: no shape kept yet (other tests may have kept MAX_SHAPES)."""
    monkeypatch.setattr(asdu_module, "_SHAPES", [asdu_module._NO_SHAPES] * 256)
    monkeypatch.setattr(asdu_module, "_SHAPE_COUNT", [0])
    monkeypatch.setattr(asdu_module, "_SEEN", {})


@pytest.mark.usefixtures("no_shapes_kept")
def test_a_known_shape_raises_the_same_errors_as_a_new_one() -> None:
    good = bytes.fromhex("0d0214000100" "e80300 0000c03f 00" "e90300 000020c1 10".replace(" ", ""))
    bad = {
        "short": good[:-1],
        "long": good + b"\x00",
        "header only": good[:6],
        "two octets": good[:2],
    }
    overflow = _asdu_bytes(Type.M_ME_NC_1, True, 2, (MAX_IOA).to_bytes(3, "little") + bytes(10))
    first = {name: _error(data) for name, data in (*bad.items(), ("overflow", overflow))}
    # now both shapes are known: decode_asdu takes the unrolled decoder, which hands anything
    # unexpected back to the general decoder
    for _ in range(SHAPE_AFTER):
        decode_asdu(good)
        decode_asdu(_asdu_bytes(Type.M_ME_NC_1, True, 2, (5).to_bytes(3, "little") + bytes(10)))
    assert _decode_general not in (asdu_module._SHAPES[13][2], asdu_module._SHAPES[13][0x82])
    again = {name: _error(data) for name, data in (*bad.items(), ("overflow", overflow))}
    assert again == first
    assert first["short"] == ("M_ME_NC_1 with 2 objects (SQ=0) needs 16 octets of objects, got 15", 12)
    assert first["overflow"] == (f"SQ=1 addresses {MAX_IOA}..{MAX_IOA + 1} exceed {MAX_IOA}", 12)
    assert first["two octets"] == ("ASDU of 2 octets is shorter than its 6-octet header", 6)
    with pytest.raises(DecodeError, match="shorter"):
        decode_asdu(b"\x0d")


@pytest.mark.usefixtures("no_shapes_kept")
def test_no_more_than_max_shapes_are_kept() -> None:
    asdu_module._SHAPE_COUNT[0] = MAX_SHAPES - 1  # as if all but one had been kept
    last = _asdu_bytes(Type.M_SP_NA_1, False, 1, bytes.fromhex("01000001"))
    beyond = _asdu_bytes(Type.M_SP_NA_1, True, 2, bytes.fromhex("0100000100"))
    for _ in range(SHAPE_AFTER + 1):
        assert decode_asdu(last) == _decode_general(last)
        assert decode_asdu(beyond) == _decode_general(beyond)
    assert asdu_module._SHAPES[1][1] is not _decode_general  # the last one kept
    assert asdu_module._SHAPES[1][0x82] is _decode_general  # none beyond: decoded by the general decoder
    assert asdu_module._SHAPE_COUNT == [MAX_SHAPES]


@pytest.mark.usefixtures("no_shapes_kept")
def test_a_shape_gets_its_decoder_only_once_it_is_seen_often() -> None:
    # making a decoder costs about what 1,000 general decodes save: a one-off script's few ASDUs
    # of a shape are decoded by the general decoder, a stream's get the unrolled one early on
    data = _asdu_bytes(Type.M_ME_NC_1, True, 3, (7).to_bytes(3, "little") + bytes(15))
    expected = _decode_general(data)
    asdu_module._SEEN.clear()
    for _ in range(SHAPE_AFTER - 1):
        assert decode_asdu(data) == expected
    assert asdu_module._SHAPES[13][0x83] is _decode_general and asdu_module._SHAPE_COUNT == [0]
    assert decode_asdu(data) == expected  # the SHAPE_AFTER-th: the shape's decoder is made
    made = asdu_module._SHAPES[13][0x83]
    assert made is not _decode_general and asdu_module._SHAPE_COUNT == [1]
    assert made(data, 0) == expected and decode_asdu(data) == expected
    assert asdu_module._SHAPES[13][0x83] is made  # kept, not made again


def test_an_element_that_refuses_its_value_goes_back_to_the_general_decoder() -> None:
    def refuse(raw: int) -> int:
        raise ValueError(f"no {raw}")

    cls, items = _LAYOUTS[Type.M_SP_NA_1]
    refusing = [items[0]._replace(decode=refuse, expr=None, table=None)]
    handed_back = []
    common = dict(
        B=asdu_module._twin_of(cls), AsduTwin=asdu_module._AsduTwin, Asdu=asdu_module.Asdu,
        COT_OCTETS=asdu_module._COT_OCTETS, _r32_nan=None, MAX_IOA=MAX_IOA,
        general=lambda data, offset: handed_back.append((data, offset)) or "general",
    )  # fmt: skip
    decoder = shape_decoder(Type.M_SP_NA_1, cls, ["io_address", "siq", "time"], refusing, False, 1, common)
    raw = _asdu_bytes(Type.M_SP_NA_1, False, 1, bytes.fromhex("01000001"))
    assert decoder(raw, 6) == "general" and handed_back == [(raw, 6)]


@pytest.mark.parametrize("sq", [False, True])
def test_a_shape_decodes_bytes_bytearray_and_memoryview_alike(sq: bool) -> None:
    t, n = Type.M_ME_TF_1, 3
    size = type_info(t).element_size
    body = _random_body(random.Random(3), t, sq, n)  # the middle object's R32 is a signalling NaN
    raw = _asdu_bytes(t, sq, n, body)
    decode = shaped_decoder(t, sq, n)
    expected = encode_asdu(decode(raw))
    assert expected == raw and len(body) == (3 + n * size if sq else n * (3 + size))
    for data in (bytearray(raw), memoryview(raw), memoryview(b"\x00" + raw)[1:]):
        assert encode_asdu(decode(data)) == expected
        assert repr(decode(data)) == repr(_decode_general(data))


def test_the_unrolled_module_example_holds() -> None:
    import doctest

    from c104test.protocol import unrolled

    result = doctest.testmod(unrolled)
    assert result.attempted > 0 and result.failed == 0
