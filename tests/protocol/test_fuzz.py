"""Fuzzing the ASDU decoder: arbitrary octets give a DecodeError or a decode that re-encodes exactly.

Deterministic (random.Random with fixed seeds) so that a failure reproduces; the failing input
is printed in hex.
"""

from __future__ import annotations

import random
import time

import pytest

from c104test.protocol import (
    MAX_ASDU_LENGTH,
    Asdu,
    DecodeError,
    Type,
    UnknownAsdu,
    decode_asdu,
    encode_asdu,
    max_objects,
    type_info,
)

MAX_IOA = 0xFFFFFF
KNOWN_TYPES = [t for t in Type]
SEQUENCE_FORMS = [(t, sq) for t in KNOWN_TYPES for sq in (False, True) if not (sq and t == Type.F_SG_NA_1)]


def valid_encoding(rng: random.Random, type_id: Type, sequence: bool) -> bytes:
    """A valid ASDU of this type: random header octets and random element octets of the right length."""
    header = bytearray(rng.randbytes(6))
    header[0] = int(type_id)
    if type_id == Type.F_SG_NA_1:
        data = rng.randbytes(rng.choice((0, 1, 4, rng.randrange(237))))
        header[1] = 1
        return bytes(header) + rng.randbytes(6) + bytes([len(data)]) + data
    limit = max_objects(type_id, sequence)
    n = rng.choice((1, 1, 2, 3, rng.randint(1, limit), limit))
    header[1] = n | (sequence << 7)
    size = type_info(type_id).element_size
    if sequence:
        body = rng.randint(0, MAX_IOA - n + 1).to_bytes(3, "little") + rng.randbytes(n * size)
    else:
        body = rng.randbytes(n * (3 + size))
    return bytes(header) + body


def mutate(rng: random.Random, data: bytes) -> bytes:
    """One to three random edits of the kinds a broken or hostile peer produces."""
    out = bytearray(data)
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        kind = rng.randrange(9)
        if kind == 0 and out:  # flip one bit
            i = rng.randrange(len(out))
            out[i] ^= 1 << rng.randrange(8)
        elif kind == 1 and out:  # truncate
            del out[rng.randrange(len(out)) :]
        elif kind == 2:  # extend
            out += rng.randbytes(rng.choice((1, 1, 2, 3, 7, rng.randrange(1, 64))))
        elif kind == 3:  # insert one octet
            out.insert(rng.randrange(len(out) + 1), rng.randrange(256))
        elif kind == 4 and out:  # delete one octet
            del out[rng.randrange(len(out))]
        elif kind == 5 and out:  # overwrite one octet
            out[rng.randrange(len(out))] = rng.randrange(256)
        elif kind == 6 and len(out) > 1:  # another count, SQ bit
            out[1] = rng.randrange(256)
        elif kind == 7 and out:  # another type, known or not, over the same payload
            out[0] = int(rng.choice(KNOWN_TYPES)) if rng.random() < 0.8 else rng.randrange(256)
        elif kind == 8 and len(out) > 1:  # drop or duplicate a tail
            cut = rng.randrange(1, len(out))
            out += out[cut:] if rng.random() < 0.5 else b""
    return bytes(out)


def random_input(rng: random.Random) -> bytes:
    size = rng.choice((rng.randrange(8), rng.randrange(20), rng.randrange(260)))
    data = bytearray(rng.randbytes(size))
    if data and rng.random() < 0.7:  # mostly a known type, or the header check is all that runs
        data[0] = int(rng.choice(KNOWN_TYPES))
    return bytes(data)


def unset_slots(value: object, path: str = "") -> list[str]:
    """Paths of slots that were never set, anywhere inside a decoded value."""
    missing = []
    for cls in type(value).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if slot == "__weakref__":
                continue
            try:
                inner = getattr(value, slot)
            except AttributeError:
                missing.append(f"{path}.{slot}")
                continue
            if hasattr(type(inner), "__slots__") and not isinstance(inner, (int, float, bytes, str)):
                missing += unset_slots(inner, f"{path}.{slot}")
            elif isinstance(inner, tuple):
                for i, item in enumerate(inner):
                    missing += unset_slots(item, f"{path}.{slot}[{i}]")
    return missing


class Tally:
    def __init__(self) -> None:
        self.inputs = self.errors = self.decoded = self.unknown = 0

    def check(self, data: bytes) -> None:
        self.inputs += 1
        try:
            asdu = decode_asdu(data)
        except DecodeError as exc:
            assert 0 <= exc.offset <= len(data), f"offset {exc.offset} outside input {data.hex(' ')}"
            self.errors += 1
            return
        except Exception as exc:  # anything else is a bug in the decoder
            pytest.fail(f"{type(exc).__name__}: {exc} on input {data.hex(' ')}")
        if isinstance(asdu, UnknownAsdu):
            self.unknown += 1
        else:
            assert isinstance(asdu, Asdu) and asdu.count == data[1] & 0x7F
            self.decoded += 1
        try:
            again = encode_asdu(asdu)
        except Exception as exc:
            pytest.fail(f"{type(exc).__name__}: {exc} re-encoding {asdu!r} from {data.hex(' ')}")
        assert again == data, f"re-encoded {again.hex(' ')} from {data.hex(' ')}"
        assert len(data) <= MAX_ASDU_LENGTH


@pytest.mark.slow
def test_fuzz_decoder():
    rng = random.Random(0x104)
    tally = Tally()
    start = time.perf_counter()
    seeds = [valid_encoding(rng, t, sq) for t, sq in SEQUENCE_FORMS for _ in range(20)]
    for data in seeds:
        tally.check(data)
    assert tally.decoded == len(seeds)  # the seeds themselves are valid
    for _ in range(200_000):
        tally.check(random_input(rng))
    for _ in range(400_000):
        tally.check(mutate(rng, rng.choice(seeds)))
    elapsed = time.perf_counter() - start
    print(
        f"\nfuzz: {tally.inputs} inputs in {elapsed:.1f} s: {tally.errors} DecodeError, "
        f"{tally.decoded} decoded, {tally.unknown} unknown type"
    )
    assert tally.inputs >= 600_000
    # the mutations must reach the element decoders, not stop at the header checks
    assert tally.decoded > 20_000 and tally.errors > 20_000 and tally.unknown > 5_000


@pytest.mark.slow
def test_fuzz_type_swaps():
    """Every payload that is valid for one type, read as every other type."""
    rng = random.Random(7)
    tally = Tally()
    for t, sq in SEQUENCE_FORMS:
        data = valid_encoding(rng, t, sq)
        for other in range(256):
            tally.check(bytes([other]) + data[1:])
    assert tally.inputs == 256 * len(SEQUENCE_FORMS)


@pytest.mark.parametrize(("type_id", "sequence"), SEQUENCE_FORMS, ids=lambda v: getattr(v, "name", str(v)))
def test_decoded_objects_have_no_unset_slot(type_id, sequence):
    rng = random.Random(int(type_id) * 2 + sequence)
    for _ in range(20):
        asdu = decode_asdu(valid_encoding(rng, type_id, sequence))
        assert unset_slots(asdu) == []
        assert len(asdu.objects) == asdu.count
        for ob in asdu.objects:
            assert repr(ob)  # every field is readable


def test_unset_slots_finds_an_unset_slot():
    from c104test.protocol.objects import SinglePoint

    blank = object.__new__(SinglePoint)
    assert set(unset_slots(blank)) == {".io_address", ".siq", ".time"}
