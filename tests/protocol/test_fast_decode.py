"""The generated fast decoders equal the general path, object for object, for every type.

The fast paths (asdu.py ``_generate``: a loop per type; unrolled.py: straight-line code per
shape, which ``decode_asdu`` uses from the second ASDU of a shape on) fill a mutable twin of each
class and then set its ``__class__`` (construction.py); the general path (``plain_objects``)
calls the dataclass constructor once per object. Random payloads of the exact length each type
needs, in both SQ forms, must give the same objects from all of them: same class, same fields (a
NaN compared by its 32 bits), same hash, still frozen.
"""

from __future__ import annotations

import dataclasses
import math
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from c104test.protocol import (
    BCR,
    SCD,
    CP16Time2a,
    CP24Time2a,
    CP56Time2a,
    Type,
    decode_asdu,
    encode_asdu,
)
from c104test.protocol.asdu import (
    MAX_IOA,
    _decode_general,
    max_objects,
    plain_objects,
    shaped_decoder,
    type_info,
)
from c104test.protocol.construction import twin


def _known_fixed(t: Type) -> bool:
    try:
        return type_info(t).element_size >= 0
    except KeyError:
        return False


FIXED_TYPES = [t for t in Type if _known_fixed(t)]
CASES = [(t, sq) for t in FIXED_TYPES for sq in (False, True)]


def _key(value: object) -> object:
    """A comparable form: NaN by its bits (NaN != NaN would fail any equality)."""
    if isinstance(value, float) and math.isnan(value):
        return ("nan", getattr(value, "bits", struct.unpack("<I", struct.pack("<f", value))[0]))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value), tuple(_key(getattr(value, f.name)) for f in dataclasses.fields(value)))
    return (type(value), value)


def _asdu_bytes(t: Type, sq: bool, n: int, body: bytes) -> bytes:
    return bytes((int(t), n | (sq << 7), 3, 0, 1, 0)) + body


@st.composite
def payloads(draw: st.DrawFn, t: Type, sq: bool) -> tuple[int, bytes]:
    size = type_info(t).element_size
    n = draw(st.integers(1, max_objects(t, sq)))
    if sq:
        first = draw(st.integers(0, MAX_IOA - n + 1))
        elements = draw(st.binary(min_size=n * size, max_size=n * size))
        return n, first.to_bytes(3, "little") + elements
    return n, draw(st.binary(min_size=n * (3 + size), max_size=n * (3 + size)))


@pytest.mark.parametrize(("t", "sq"), CASES, ids=[f"{t.name}-SQ{int(sq)}" for t, sq in CASES])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_decoder_equals_the_general_path(t: Type, sq: bool, data: st.DataObject) -> None:
    n, body = data.draw(payloads(t, sq))
    raw = _asdu_bytes(t, sq, n, body)
    plain = plain_objects(t, body, n, sq)
    # the per-type loop and decode_asdu (the loop, or the shape's unrolled decoder once it has one:
    # test_shaped_decode.py holds every shape's to the general path)
    for asdu in (_decode_general(raw), decode_asdu(raw), decode_asdu(raw)):
        assert_same_objects(t, asdu.objects, plain)
        assert (asdu.type, asdu.cot, asdu.common_address, asdu.sequence) == (t, 3, 1, sq)
        # what was decoded encodes back to the same octets (reserved bits and NaN payloads included)
        assert encode_asdu(asdu)[6:] == body


def assert_same_objects(t: Type, decoded: tuple, plain: list) -> None:
    assert type(decoded) is tuple and len(decoded) == len(plain)
    for fast, slow in zip(decoded, plain, strict=True):
        assert type(fast) is type(slow) is type_info(t).object_class
        assert _key(fast) == _key(slow)
        if not any(isinstance(v, float) and math.isnan(v) for v in dataclasses.astuple(fast)):
            assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)


@pytest.mark.parametrize("t", [Type.M_ME_NC_1, Type.M_ME_TF_1, Type.C_SE_NC_1, Type.P_ME_NC_1])
@pytest.mark.parametrize("bits", [0x7FC00000, 0x7F800001, 0xFFBFFFFF, 0x7F800000])
def test_nan_and_infinity_keep_their_bits_on_both_paths(t: Type, bits: int) -> None:
    size = type_info(t).element_size
    element = bits.to_bytes(4, "little") + bytes(size - 4)
    body = (7).to_bytes(3, "little") + element + (8).to_bytes(3, "little") + element
    raw = _asdu_bytes(t, False, 2, body)
    for asdu in (_decode_general(raw), shaped_decoder(t, False, 2)(raw)):
        assert [_key(o) for o in asdu.objects] == [_key(o) for o in plain_objects(t, body, 2, False)]
        assert encode_asdu(asdu)[6:] == body
    sequence = (7).to_bytes(3, "little") + element + element
    raw = _asdu_bytes(t, True, 2, sequence)
    for asdu in (_decode_general(raw), shaped_decoder(t, True, 2)(raw)):
        assert [_key(o) for o in asdu.objects] == [_key(o) for o in plain_objects(t, sequence, 2, True)]
        assert encode_asdu(asdu)[6:] == sequence


def test_decoded_objects_stay_frozen_and_of_the_real_class() -> None:
    body = bytes.fromhex("d00700 0000c03f 01")
    raw = _asdu_bytes(Type.M_ME_NC_1, False, 1, body)
    for asdu in (_decode_general(raw), shaped_decoder(Type.M_ME_NC_1, False, 1)(raw)):
        ob = asdu.objects[0]
        assert type(ob).__name__ == "MeasuredShort" and not type(ob).__name__.endswith("Twin")
        assert type(asdu).__name__ == "Asdu"
        with pytest.raises(dataclasses.FrozenInstanceError):
            ob.r32 = 2.0  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            asdu.cot = 20  # type: ignore[misc]


@settings(max_examples=200, deadline=None)
@given(st.tuples(st.integers(0, 0xFFFF), *[st.integers(0, 255)] * 5), st.integers(-(2**31), 2**31 - 1),
       st.integers(0, 255), st.integers(0, 0xFFFF), st.integers(0, 0xFFFF))
def test_element_fast_constructors_equal_their_dataclass_constructors(
    cp56: tuple[int, ...], counter: int, octet: int, st16: int, cd16: int
) -> None:
    ms, mi, ho, dd, mo, yy = cp56
    assert CP56Time2a.from_items(*cp56) == CP56Time2a(
        ms, mi & 0x3F, ho & 0x1F, dd & 0x1F, mo & 0x0F, yy & 0x7F, dd >> 5, bool(ho & 0x80), bool(mi & 0x80),
        bool(mi & 0x40), ((ho >> 5) & 0x03) | ((mo >> 4) << 2) | ((yy >> 7) << 6),
    )  # fmt: skip
    assert CP24Time2a.from_items(ms, mi) == CP24Time2a(ms, mi & 0x3F, bool(mi & 0x80), bool(mi & 0x40))
    assert CP16Time2a.from_items(ms) == CP16Time2a(ms)
    assert BCR.from_items(counter, octet) == BCR(
        counter, octet & 0x1F, bool(octet & 0x20), bool(octet & 0x40), bool(octet & 0x80)
    )
    assert SCD.from_items(st16, cd16) == SCD(st16, cd16)
    for value in (CP56Time2a.from_items(*cp56), BCR.from_items(counter, octet)):
        assert all(type(getattr(value, f.name)) in (int, bool) for f in dataclasses.fields(value))


def test_a_twin_fills_inherited_fields_and_refuses_a_class_with_its_own_new() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Base:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Child(Base):  # a frozen base: the twin (a subclass of Child) still stores its field
        b: int

    made = twin(Child)()
    made.a, made.b = 5, 6
    made.__class__ = Child
    assert made == Child(5, 6) and hash(made) == hash(Child(5, 6)) and type(made) is Child
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.a = 7  # type: ignore[misc]

    @dataclasses.dataclass(frozen=True, slots=True)
    class Made:
        a: int

        def __new__(cls, *args: object) -> Made:
            return object.__new__(cls)

    with pytest.raises(TypeError, match="must not define __new__"):
        twin(Made)


def test_the_construction_module_example_holds() -> None:
    import doctest

    from c104test.protocol import construction

    result = doctest.testmod(construction)
    assert result.attempted > 0 and result.failed == 0
