"""Baseline sender: a bare trio TCP server that streams M_ME_NC_1 I-frames, no protocol logic.

    python bench/peers/raw_sender.py --updates N --points P [--k K]

On connect it sends N information objects in I-frames of 30 objects (the most that fit in
249 octets), COT 3, CA 1, with the same values as spontaneous_rtu.py (point ``1 + i % P`` gets
``i // P + 1``), all encoded with struct before READY. No STARTDT, no timers, no journal.
With ``--k 0`` (default) it streams without any window; with ``--k K`` it keeps at most K
I-frames unacknowledged and reads the client's S-frames (N(R)), which is the least an IEC 104
sender must do. With ``--startdt`` (and ``--k``) it first waits for the client's STARTDT act and
confirms it, so a real IEC 104 client (c104test's ``ClientConnection``) can be fed at the rate
of a sender that spends nothing on encoding: the client's own receive capacity. Prints READY <port>.
"""

from __future__ import annotations

import argparse
import functools
import struct

import trio

import _peer

PER_FRAME = 30
_HEAD = struct.Struct("<BBHHBBBBH")  # 0x68, L, N(S)<<1, N(R)<<1, type, VSQ, COT, OA, CA
_OBJ = struct.Struct("<HBfB")
STARTDT_ACT = bytes.fromhex("680407000000")
STARTDT_CON = bytes.fromhex("68040b000000")


def encode(n: int, p: int) -> list[bytes]:
    """One I-frame per item, covering objects 0..n-1, numbered N(S) = 0, 1, 2, ..."""
    out = []
    i = ns = 0
    while i < n:
        count = min(PER_FRAME, n - i)
        frame = bytearray(_HEAD.pack(0x68, 4 + 6 + count * _OBJ.size, (ns & 0x7FFF) << 1, 0, 13, count, 3, 0, 1))
        for j in range(i, i + count):
            ioa = 1 + j % p
            frame += _OBJ.pack(ioa & 0xFFFF, ioa >> 16, float(j // p + 1), 0)
        out.append(bytes(frame))
        i += count
        ns += 1
    return out


async def main(args: argparse.Namespace) -> None:
    frames = encode(args.updates, args.points)  # pre-encoded before READY
    chunks = [b"".join(frames[i : i + 1000]) for i in range(0, len(frames), 1000)]
    k = args.k

    async def stream_all(stream: trio.SocketStream) -> None:
        for chunk in chunks:
            await stream.send_all(chunk)
        while await stream.receive_some(4096):  # keep the connection until the client closes
            pass

    async def windowed(stream: trio.SocketStream) -> None:
        acked = 0  # frames acknowledged so far (absolute)
        changed = trio.Event()
        if args.startdt:  # a real IEC 104 client: wait for STARTDT act, confirm it, then stream
            got = b""
            while len(got) < 6:
                data = await stream.receive_some(6 - len(got))
                if not data:
                    return
                got += data
            if got != STARTDT_ACT:
                raise SystemExit(f"expected STARTDT act, got {got.hex(' ')}")
            await stream.send_all(STARTDT_CON)

        async def read_acks() -> None:
            nonlocal acked, changed
            buf = bytearray()
            while data := await stream.receive_some(4096):
                buf += data
                while len(buf) >= 6:
                    if buf[2] & 3 == 1:  # S-frame
                        nr = (buf[4] | buf[5] << 8) >> 1
                        acked += (nr - acked) & 0x7FFF
                        changed.set()
                    del buf[: buf[1] + 2]

        async with trio.open_nursery() as nursery:
            nursery.start_soon(read_acks)
            sent = 0
            while sent < len(frames):
                room = k - (sent - acked)
                if room > 0:
                    await stream.send_all(b"".join(frames[sent : sent + room]))
                    sent += min(room, len(frames) - sent)
                else:
                    changed = trio.Event()
                    await changed.wait()

    handler = windowed if k else stream_all
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(functools.partial(trio.serve_tcp, handler, 0, host="127.0.0.1"))
        _peer.ready(listeners[0].socket.getsockname()[1])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=200_000)
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--k", type=int, default=0)
    parser.add_argument("--startdt", action="store_true", help="wait for STARTDT act and confirm it first (needs --k)")
    _peer.exit_on_stdin_eof()
    trio.run(main, parser.parse_args())
