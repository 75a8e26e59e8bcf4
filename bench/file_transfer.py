"""File transfer read (A39's sequence): how fast a file comes out of the simulator.

    python bench/file_transfer.py [--size OCTETS] [--sections N]

1. The station layer alone: select, call, every section's segments drained with ``next_outgoing``
   (room 12), acks; octets and segments per second. Baseline in the same run: encoding the same
   F_SG_NA_1 ASDUs with ``encode_asdu`` alone.
2. End to end over loopback: an in-process simulator with the file, read by the conformance
   suite's ``read_file`` (directory, select, call, sections, acks, every length and checksum
   checked) through a ``ClientConnection``. Baseline: station interrogation of the demo RTU on the
   same connection kind (the round trip floor of one request/answer exchange).

No target is set by the issue; the figures say whether a file of the given size reads in seconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import trio

from c104test.conformance.context import CaseContext
from c104test.conformance.file_transfer import FileExchange, read_file
from c104test.conformance.pics import parse_pics, pics_from_profile
from c104test.engine.file_profile import FileProfile, generated_content
from c104test.engine.profile import demo_profile
from c104test.engine.simulator import open_simulator
from c104test.protocol.asdu import Asdu, decode_asdu, encode_asdu
from c104test.protocol.enums import Cot, Type
from c104test.protocol.file_qualifiers import Afq, Scq
from c104test.protocol.objects import FileAck, FileCall, Segment
from c104test.protocol.station import ControlledStation

import _harness as h

IOA, NOF = 700, 1


def profile(size: int, sections: int):
    demo = demo_profile()
    station = dataclasses.replace(demo.stations[0], files=(FileProfile(IOA, NOF, generated_content(size), sections),))
    return dataclasses.replace(demo, stations=(station,), pixit=dataclasses.replace(demo.pixit, end_of_initialisation=False))


def station_only(size: int, sections: int) -> tuple[float, int]:
    s = ControlledStation(profile(size, sections), wall_clock=time.time)
    s.connect(1, 0.0)
    s.started(1, 0.0)

    def send(asdu: Asdu) -> int:
        raw = encode_asdu(asdu)
        s.receive(1, raw, decode_asdu(raw), 0.0)
        count = 0
        while out := s.next_outgoing(1, 0.0, 12):
            s.acknowledged(1, len(out))
            count += sum(1 for o in out if o.asdu is not None and o.asdu.type == Type.F_SG_NA_1)
        return count

    def call(scq: int, nos: int = 0) -> Asdu:
        return Asdu(Type.F_SC_NA_1, Cot.FILE_TRANSFER, 47, (FileCall(IOA, NOF, nos, scq),))

    started = time.perf_counter()
    segments = send(call(Scq.SELECT_FILE)) + send(call(Scq.REQUEST_FILE))
    for nos in range(1, sections + 1):
        segments += send(call(Scq.REQUEST_SECTION, nos))
        send(Asdu(Type.F_AF_NA_1, Cot.FILE_TRANSFER, 47, (FileAck(IOA, NOF, nos, Afq.POSITIVE_ACK_SECTION),)))
    return time.perf_counter() - started, segments


def encode_only(size: int) -> float:
    data = generated_content(size)
    started = time.perf_counter()
    for first in range(0, size, 236):
        encode_asdu(Asdu(Type.F_SG_NA_1, Cot.FILE_TRANSFER, 47, (Segment(IOA, NOF, 1, data[first : first + 236]),)))
    return time.perf_counter() - started


async def end_to_end(size: int, sections: int) -> tuple[float, float]:
    rtu = profile(size, sections)
    pics = parse_pics(pics_from_profile(rtu))
    async with open_simulator(rtu) as sim:
        ctx = CaseContext("127.0.0.1", sim.port, dataclasses.replace(pics))
        ctx.answer_timeout = 30.0
        async with ctx.open():
            conn = await ctx.connect()
            started = trio.current_time()
            await conn.interrogation(47, timeout=30)
            gi = trio.current_time() - started
            started = trio.current_time()
            content = await read_file(FileExchange(ctx, conn, 47), IOA, NOF)
            took = trio.current_time() - started
            assert content == generated_content(size)
    return took, gi


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--sections", type=int, default=16)
    args = parser.parse_args()
    seconds, segments = station_only(args.size, args.sections)
    floor = encode_only(args.size)
    took, gi = trio.run(end_to_end, args.size, args.sections)
    rows = [
        ("station layer alone", f"{seconds:.3f}", f"{args.size / seconds / 1e6:.1f}", f"{segments / seconds:,.0f}"),
        ("baseline: encode_asdu of the segments", f"{floor:.3f}", f"{args.size / floor / 1e6:.1f}", f"{segments / floor:,.0f}"),
        ("end to end (read_file, all checks)", f"{took:.3f}", f"{args.size / took / 1e6:.2f}", f"{segments / took:,.0f}"),
        ("baseline: station interrogation (demo RTU)", f"{gi:.3f}", "", ""),
    ]
    print(h.table(f"File read of {args.size:,} octets in {args.sections} sections ({segments:,} segments) on {h.machine()}, load {h.load()}",
                  ("what", "seconds", "MB/s", "segments/s"), rows))


if __name__ == "__main__":
    main()
