"""Codec throughput: information objects per second for M_ME_NC_1 (design section 6).

    python bench/codec.py [--runs N]

Decodes and encodes M_ME_NC_1 ASDUs of 10, 20 and 30 objects in both SQ forms, and measures a
plain struct loop in the same run as the baseline (struct.iter_unpack('<HBfB') building one tuple
per object; for encoding, one struct.pack per object). Each figure is the best of several runs,
with the garbage collector off while timing, as timeit does. Targets: 1,000,000 objects/s
decoded, 500,000 encoded, at the slowest of the sizes measured.
"""

from __future__ import annotations

import argparse
import gc
import struct
import sys
import time
from collections.abc import Callable

from c104test.protocol import QDS, Asdu, Cot, MeasuredShort, Type, decode_asdu, encode_asdu

DECODE_TARGET = 1_000_000
ENCODE_TARGET = 500_000
SIZES = (10, 20, 30)
RUN_SECONDS = 0.2  # length of one timed run


def best_rate(func: Callable[[], object], objects_per_call: int, runs: int) -> float:
    """Objects per second of the fastest of ``runs`` runs of about RUN_SECONDS each."""
    calls = 1
    while True:  # calibrate: enough calls for one run to last about RUN_SECONDS
        start = time.perf_counter()
        for _ in range(calls):
            func()
        elapsed = time.perf_counter() - start
        if elapsed >= RUN_SECONDS / 4:
            break
        calls *= 2
    calls = max(1, int(calls * RUN_SECONDS / elapsed))
    best = float("inf")
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(runs):
            start = time.perf_counter()
            for _ in range(calls):
                func()
            best = min(best, time.perf_counter() - start)
    finally:
        if enabled:
            gc.enable()
    return calls * objects_per_call / best


def sample_asdu(n: int, sequence: bool) -> Asdu:
    qualities = (QDS(), QDS(iv=True), QDS(ov=True), QDS(nt=True, sb=True))
    objs = tuple(MeasuredShort(2000 + i, 1.5 * i - 7.25, qualities[i % 4]) for i in range(n))
    return Asdu(Type.M_ME_NC_1, Cot.PERIODIC, 1, objs, sequence=sequence)


def struct_decode_loop(payload: bytes) -> Callable[[], list]:
    unpack = struct.Struct("<HBfB").iter_unpack

    def run() -> list:
        return [(lo | (hi << 16), value, qds) for lo, hi, value, qds in unpack(payload)]

    return run


def struct_encode_loop(rows: list[tuple[int, float, int]]) -> Callable[[], bytes]:
    pack = struct.Struct("<HBfB").pack

    def run() -> bytes:
        out = bytearray()
        for ioa, value, qds in rows:
            out += pack(ioa & 0xFFFF, ioa >> 16, value, qds)
        return bytes(out)

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (best is kept)")
    args = parser.parse_args(argv)

    print(f"c104test codec benchmark: M_ME_NC_1, best of {args.runs} runs of ~{RUN_SECONDS} s")
    print(f"Python {sys.version.split()[0]} on {sys.platform}\n")
    header = (
        f"{'objects':>7} {'SQ':>2} | {'decode obj/s':>13} {'struct obj/s':>13} {'ratio':>6} | "
        f"{'encode obj/s':>13} {'struct obj/s':>13} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    decode_rates: list[float] = []
    encode_rates: list[float] = []
    for sequence in (False, True):
        for n in SIZES:
            asdu = sample_asdu(n, sequence)
            data = encode_asdu(asdu)
            assert decode_asdu(data) == asdu
            plain = encode_asdu(sample_asdu(n, False))[6:]  # the baseline always reads SQ=0 objects
            rows = [(ob.io_address, ob.r32, ob.qds.to_octet()) for ob in asdu.objects]
            dec = best_rate(lambda data=data: decode_asdu(data), n, args.runs)
            enc = best_rate(lambda asdu=asdu: encode_asdu(asdu), n, args.runs)
            base_dec = best_rate(struct_decode_loop(plain), n, args.runs)
            base_enc = best_rate(struct_encode_loop(rows), n, args.runs)
            decode_rates.append(dec)
            encode_rates.append(enc)
            print(
                f"{n:>7} {int(sequence):>2} | {dec:>13,.0f} {base_dec:>13,.0f} {dec / base_dec:>6.2f} | "
                f"{enc:>13,.0f} {base_enc:>13,.0f} {enc / base_enc:>6.2f}"
            )
    print()
    ok = True
    for what, rates, target in (("decode", decode_rates, DECODE_TARGET), ("encode", encode_rates, ENCODE_TARGET)):
        slowest = min(rates)
        verdict = "PASS" if slowest >= target else "BELOW"
        ok &= verdict == "PASS"
        print(f"{verdict}: {what} {slowest:,.0f} objects/s at the slowest size (target {target:,})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
