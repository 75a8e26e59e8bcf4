"""Codec throughput: information objects per second decoded and encoded (design section 6, issue 16).

    python bench/codec.py [--runs N] [--seconds S] [--cpu | --wall]

Decodes and encodes ASDUs of the common types and prints objects per second, the median of N
timed runs (7 by default, range beside it), with a plain struct loop measured in the same run as
the baseline (``struct.iter_unpack`` building one tuple per object; for encoding, one
``struct.pack`` per object). The target rows are M_ME_NC_1 with 10, 20 and 30 objects per ASDU in
both SQ forms (design.md: "M_ME_NC_1, 10 or more objects per ASDU"); the verdict takes the slowest
of them. The other common types are measured with 30 objects per ASDU (fewer where fewer fit).

``decode_asdu`` decodes the first 256 ASDUs of a shape (type, SQ, count) with the general per-type
decoder and then keeps a decoder unrolled for that shape for the next ones (c104test/protocol/unrolled.py,
at most 512 shapes); the calibration runs (thousands of calls) warm it, so the table measures the unrolled decoders. The
lines after the verdict give the general decoder's figure and what making one shape's decoder
costs, once.

The six target rows' decode runs are taken in turns (run 1 of every row, then run 2, ...), so each
row's median sees the same busy moments of a shared machine; the other figures are timed row by row.

Timing uses the process's CPU time by default (``--cpu``): on a machine that other jobs share,
wall-clock time also counts the time the scheduler gave the core to someone else, which makes a
single-threaded figure swing by a factor of two. ``--wall`` uses ``time.perf_counter``. The garbage
collector is off while timing, as timeit does (bench/end_to_end.py measures with it on).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import struct
import sys
import time
from collections.abc import Callable

from c104test.protocol import (
    BCR,
    DIQ,
    QDS,
    SIQ,
    Asdu,
    Cot,
    CP56Time2a,
    Double,
    DoublePoint,
    IntegratedTotals,
    MeasuredNormalized,
    MeasuredScaled,
    MeasuredShort,
    SinglePoint,
    Type,
    decode_asdu,
    encode_asdu,
    max_objects,
)
from c104test.protocol.asdu import _decode_general, shaped_decoder

DECODE_TARGET = 3_000_000  # issue 16 and design.md section 6
ENCODE_TARGET = 500_000
SIZES = (10, 20, 30)
RUN_SECONDS = 0.1  # length of one timed run

_QUALITIES = (QDS(), QDS(iv=True), QDS(ov=True), QDS(nt=True, sb=True))
_TIME = CP56Time2a.from_items(12345, 34, 13, 25, 11, 25)


def _object(type_id: Type, ioa: int, i: int) -> object:
    """The i-th sample object of a type (values vary so no two objects are the same)."""
    qds = _QUALITIES[i % 4]
    timed = _TIME if type_id in (Type.M_SP_TB_1, Type.M_DP_TB_1, Type.M_ME_TF_1, Type.M_IT_TB_1) else None
    if type_id in (Type.M_SP_NA_1, Type.M_SP_TB_1):
        return SinglePoint(ioa, SIQ.from_octet((i & 1) | (0x80 if i % 7 == 0 else 0)), timed)
    if type_id in (Type.M_DP_NA_1, Type.M_DP_TB_1):
        return DoublePoint(ioa, DIQ(Double(1 + i % 2), iv=i % 5 == 0), timed)
    if type_id is Type.M_ME_NA_1:
        return MeasuredNormalized(ioa, ((i * 37) % 65536 - 32768) / 32768, qds)
    if type_id is Type.M_ME_NB_1:
        return MeasuredScaled(ioa, (i * 37) % 65536 - 32768, qds)
    if type_id in (Type.M_ME_NC_1, Type.M_ME_TF_1):
        return MeasuredShort(ioa, 1.5 * i - 7.25, qds, timed)
    if type_id in (Type.M_IT_NA_1, Type.M_IT_TB_1):
        return IntegratedTotals(ioa, BCR(1000 * i - 5, i % 32, iv=i % 3 == 0), timed)
    raise ValueError(type_id)


def sample_asdu(n: int, sequence: bool, type_id: Type = Type.M_ME_NC_1) -> Asdu:
    objs = tuple(_object(type_id, 2000 + i, i) for i in range(n))
    return Asdu(type_id, Cot.PERIODIC, 1, objs, sequence=sequence)


def calibrate(func: Callable[[], object], timer: Callable[[], float]) -> int:
    """How many calls of ``func`` last about RUN_SECONDS."""
    calls = 1
    while True:
        start = timer()
        for _ in range(calls):
            func()
        elapsed = timer() - start
        if elapsed >= RUN_SECONDS / 4:
            break
        calls *= 2
    return max(1, int(calls * RUN_SECONDS / elapsed))


def interleaved_rates(
    funcs: list[Callable[[], object]], objects_per_call: list[int], runs: int, timer: Callable[[], float]
) -> list[list[float]]:
    """Objects per second of ``runs`` runs of each function, taken in turns (run 1 of each, then run 2 ...).

    Taking the runs of several rows in turns gives every row the same share of the machine's busy
    moments; rows timed one after the other let a busy second sink one row's median alone, which
    the verdict (the slowest row) then reports.
    """
    calls = [calibrate(func, timer) for func in funcs]
    out: list[list[float]] = [[] for _ in funcs]
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(runs):
            for func, count, n, rates_of in zip(funcs, calls, objects_per_call, out, strict=True):
                start = timer()
                for _ in range(count):
                    func()
                rates_of.append(count * n / (timer() - start))
    finally:
        if enabled:
            gc.enable()
    return out


def rates(func: Callable[[], object], objects_per_call: int, runs: int, timer: Callable[[], float]) -> list[float]:
    """Objects per second of each of ``runs`` runs of about RUN_SECONDS each."""
    return interleaved_rates([func], [objects_per_call], runs, timer)[0]


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


def _general_path(runs: int, timer: Callable[[], float]) -> None:
    """The decoder of a shape's first ASDUs (and of every ASDU beyond 512 shapes), and its cost."""
    for n, sequence in ((10, False), (30, False)):
        data = encode_asdu(sample_asdu(n, sequence))
        med, rng = _fmt(rates(lambda data=data: _decode_general(data), n, runs, timer))
        print(f"general decoder (no shape kept): M_ME_NC_1 {n} objects SQ={int(sequence)}: {med} objects/s ({rng})")
    made = []
    for type_id, sequence in ((Type.M_ME_NC_1, False), (Type.M_SP_NA_1, True)):
        n = max_objects(type_id, sequence)
        start = timer()
        shaped_decoder(type_id, sequence, n)
        made.append(f"{type_id.name} {n} objects SQ={int(sequence)} {(timer() - start) * 1e3:.1f} ms")
    print(f"making one shape's decoder (once per shape): {', '.join(made)}")


def _fmt(values: list[float]) -> tuple[str, str]:
    return f"{statistics.median(values):,.0f}", f"{min(values) / 1e6:.2f}-{max(values) / 1e6:.2f} M"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per figure (the median is reported)")
    parser.add_argument("--wall", action="store_true", help="time with perf_counter instead of CPU time")
    args = parser.parse_args(argv)
    timer = time.perf_counter if args.wall else time.process_time
    random.seed(16)

    print(
        f"c104test codec benchmark: median of {args.runs} runs of ~{RUN_SECONDS} s "
        f"({'wall-clock' if args.wall else 'CPU'} time); Python {sys.version.split()[0]} on {sys.platform}; "
        f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
    )
    header = (
        f"{'type':<9} {'objects':>7} {'SQ':>2} | {'decode obj/s':>13} {'range':>12} {'struct obj/s':>13} "
        f"{'ratio':>5} | {'encode obj/s':>13} {'struct obj/s':>13} {'ratio':>5}"
    )
    print(header)
    print("-" * len(header))
    target_decode: list[float] = []
    target_encode: list[float] = []
    cases = [(Type.M_ME_NC_1, n, sq) for sq in (False, True) for n in SIZES]
    common = (
        Type.M_SP_NA_1, Type.M_SP_TB_1, Type.M_DP_NA_1, Type.M_DP_TB_1, Type.M_ME_NA_1,
        Type.M_ME_NB_1, Type.M_ME_TF_1, Type.M_IT_NA_1, Type.M_IT_TB_1,
    )  # fmt: skip
    cases += [(t, min(30, max_objects(t, sq)), sq) for t in common for sq in (False, True)]
    # the six target rows' decode runs are taken in turns (see interleaved_rates)
    target_data = [encode_asdu(sample_asdu(n, sequence, type_id)) for type_id, n, sequence in cases[:6]]
    for data, (type_id, n, sequence) in zip(target_data, cases[:6], strict=True):
        assert decode_asdu(data) == sample_asdu(n, sequence, type_id)
    target_runs = interleaved_rates(
        [lambda data=data: decode_asdu(data) for data in target_data], [n for _, n, _ in cases[:6]], args.runs, timer
    )
    for row, (type_id, n, sequence) in enumerate(cases):
        asdu = sample_asdu(n, sequence, type_id)
        data = encode_asdu(asdu)
        assert decode_asdu(data) == asdu
        plain = encode_asdu(sample_asdu(n, False))[6:]  # the baseline always reads SQ=0 M_ME_NC_1 objects
        rows = [(2000 + i, 1.5 * i, i % 4) for i in range(n)]
        dec = target_runs[row] if row < 6 else rates(lambda data=data: decode_asdu(data), n, args.runs, timer)
        enc = rates(lambda asdu=asdu: encode_asdu(asdu), n, args.runs, timer)
        base_dec = statistics.median(rates(struct_decode_loop(plain), n, args.runs, timer))
        base_enc = statistics.median(rates(struct_encode_loop(rows), n, args.runs, timer))
        if type_id is Type.M_ME_NC_1:
            target_decode.append(statistics.median(dec))
            target_encode.append(statistics.median(enc))
        d_med, d_range = _fmt(dec)
        e_med, _ = _fmt(enc)
        print(
            f"{type_id.name:<9} {n:>7} {int(sequence):>2} | {d_med:>13} {d_range:>12} {base_dec:>13,.0f} "
            f"{statistics.median(dec) / base_dec:>5.2f} | {e_med:>13} {base_enc:>13,.0f} "
            f"{statistics.median(enc) / base_enc:>5.2f}"
        )
    print()
    ok = True
    for what, measured, target in (("decode", target_decode, DECODE_TARGET), ("encode", target_encode, ENCODE_TARGET)):
        slowest = min(measured)
        verdict = "PASS" if slowest >= target else "BELOW"
        ok &= verdict == "PASS"
        print(
            f"{verdict}: M_ME_NC_1 {what} {slowest:,.0f} objects/s at the slowest size and SQ form "
            f"(target {target:,}: {slowest / target:.2f}x of it)"
        )
    _general_path(args.runs, timer)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
