"""The client's receive path alone: CPU per received value, no sockets, no second process (issue 16).

    python bench/receive_path.py [--updates N] [--points P] [--runs R]

Why: end_to_end.py's "CPU per value, client" swings by 20 % with the machine's load (a loopback
send wakes the peer on the same core); this feeds the same pre-encoded M_ME_NC_1 I-frames as
bench/peers/raw_sender.py (30 objects each, 8 frames per read as with a k=12/w=8 sender) straight
into ``Link.receive_data`` and ``Session._dispatch`` of a ``ClientConnection``, with an ``on_asdu``
that does the same per-object check as end_to_end.py's. What it times, per read: framing, the link
(sequence, acknowledgement every w frames), the journal (record, octet budget, decode through
the entry), ``PointDatabase.apply``, the callback and the S-frames journalled as sent; not the
socket calls nor trio's scheduling. The thread's CPU time, the minimum and median of R runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import trio
import trio.testing

from c104test.engine.client import ClientConnection
from c104test.engine.session import Session
from c104test.engine.transport import OpenStream
from c104test.protocol.enums import Cot, Type
from c104test.protocol.link import Link, LinkParameters, Role

sys.path.insert(0, str(Path(__file__).parent / "peers"))
import raw_sender  # the bare sender's encoder: the same frames

STARTDT_CON = bytes.fromhex("68040b000000")
FRAMES_PER_READ = 8


async def one_run(chunks: list[bytes], n: int, p: int) -> float:
    conn = ClientConnection("127.0.0.1", 1, params=LinkParameters(), command_timeout=10)
    expected = [1.0] * (p + 1)
    received = [0]
    spontaneous, short = Cot.SPONTANEOUS, Type.M_ME_NC_1

    def on_asdu(asdu: object) -> None:
        if asdu.type is not short or asdu.cot != spontaneous:  # type: ignore[attr-defined]
            return
        for ob in asdu.objects:  # type: ignore[attr-defined]
            ioa, value = ob.io_address, ob.value
            if value == expected[ioa]:
                expected[ioa] = value + 1.0
        received[0] += len(asdu.objects)  # type: ignore[attr-defined]

    conn.on_asdu = on_asdu
    stream, _other = trio.testing.memory_stream_pair()
    now = trio.current_time()
    link = Link(Role.CONTROLLING, conn.params, now=now)
    link.report_frames = True
    # as ClientConnection makes it: frames are reported only while someone listens (on_frame)
    session = Session(OpenStream(stream), link, conn.journal, conn, peer="the bench",
                      on_frame=None if conn.on_frame is None else conn._frame)
    conn._link, conn._session = link, session
    link.start_data_transfer(now)
    link.apdus_to_send()
    session._dispatch(link.receive_data(STARTDT_CON, now), now)
    start = time.thread_time()
    for chunk in chunks:
        session._dispatch(link.receive_data(chunk, now), now)
        if link.has_data_to_send:  # the S-frames: journalled as sent, not written
            session._take(now)
            session._in_flight = b""
    spent = time.thread_time() - start
    if received[0] != n or expected[1:] != [float(raw_sender_last(n, p, i) + 1) for i in range(1, p + 1)]:
        raise SystemExit(f"wrong: {received[0]} of {n} values applied, or out of order")
    return spent


def raw_sender_last(n: int, p: int, ioa: int) -> int:
    """The last value point ``ioa`` gets (point ``1 + i % p`` gets ``i // p + 1``)."""
    return (n - ioa) // p + 1 if ioa <= n else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=300_000)
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    n, p = args.updates, args.points
    frames = raw_sender.encode(n, p)
    chunks = [b"".join(frames[i : i + FRAMES_PER_READ]) for i in range(0, len(frames), FRAMES_PER_READ)]
    times = sorted(trio.run(one_run, chunks, n, p) for _ in range(args.runs))
    per = [t / n * 1e9 for t in times]
    print(
        f"client receive path, in process: {n:,} values over {p:,} points, {args.runs} runs; "
        f"CPU per value min {per[0]:.0f} ns, median {per[len(per) // 2]:.0f} ns"
    )


if __name__ == "__main__":
    main()
