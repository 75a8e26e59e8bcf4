"""The floor of a command round trip in Python with a trio thread: raw frames, one hop each way.

    python bench/peers/raw_commands.py HOST PORT [--ioa IOA] [--count N] [--warmup W]

The shape of c104test's synchronous API with nothing of c104test in it: a trio thread reads the
socket (``wait_readable`` + ``recv``), the caller's thread hands each C_SC_NA_1 (CA 1, IOA
``--ioa``, pre-encoded but for N(S)/N(R)) to it with ``TrioToken.run_sync_soon``, which writes it
with ``os.write``; the reader splits frames, counts I-frames for N(R) (an S-frame every 8) and
releases the caller's lock on the ACT_CON. No journal, no decoding, no checks: what Python, trio
and the two thread hops cost on this machine. Prints RESULT {...} as api_commands.py does.
"""

import _thread
import argparse
import os
import socket
import sys
import threading
import time

import trio

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import _peer

parser = argparse.ArgumentParser()
parser.add_argument("host")
parser.add_argument("port", type=int)
parser.add_argument("--ioa", type=int, default=50000)
parser.add_argument("--count", type=int, default=2000)
parser.add_argument("--warmup", type=int, default=200)
args = parser.parse_args()
_peer.exit_on_stdin_eof()

ASDU = bytes.fromhex("2d010600" "0100") + args.ioa.to_bytes(3, "little") + b"\x01"
state: dict = {"ns": 0, "nr": 0, "lock": None, "unacked": 0}
ready = threading.Event()
shared: dict = {}


async def reader() -> None:
    sock = socket.create_connection((args.host, args.port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(bytes.fromhex("680407000000"))  # STARTDT act
    buf = b""
    while len(buf) < 6:
        buf += sock.recv(100)
    buf = buf[6:]  # STARTDT con
    sock.setblocking(False)
    shared["token"], shared["fd"] = trio.lowlevel.current_trio_token(), sock.fileno()
    ready.set()
    while True:
        await trio.lowlevel.wait_readable(sock)
        data = sock.recv(65536)
        if not data:
            return
        buf += data
        while len(buf) >= 2 and len(buf) >= buf[1] + 2:
            size = buf[1] + 2
            frame, buf = buf[:size], buf[size:]
            if frame[2] & 1:
                continue  # S- or U-frame
            state["nr"] = (state["nr"] + 1) & 0x7FFF
            state["unacked"] += 1
            if frame[8] == 0x07 and frame[6] == 0x2D and state["lock"] is not None:  # C_SC_NA_1 ACT_CON
                lock, state["lock"] = state["lock"], None
                lock.release()
        if state["unacked"] >= 8:
            state["unacked"] = 0
            os.write(shared["fd"], bytes((0x68, 4, 1, 0)) + (state["nr"] << 1).to_bytes(2, "little"))


def send() -> None:
    ns, nr = state["ns"], state["nr"]
    state["unacked"] = 0
    os.write(shared["fd"], bytes((0x68, 4 + len(ASDU))) + (ns << 1).to_bytes(2, "little")
             + (nr << 1).to_bytes(2, "little") + ASDU)
    state["ns"] = (ns + 1) & 0x7FFF


def once() -> bool:
    lock = _thread.allocate_lock()
    lock.acquire()
    state["lock"] = lock
    shared["token"].run_sync_soon(send)
    return lock.acquire(True, 1.0)


def main() -> None:
    threading.Thread(target=trio.run, args=(reader,), daemon=True, name="raw-trio").start()
    if not ready.wait(30):
        raise SystemExit("no STARTDT con")
    time.sleep(0.3)
    _peer.result(impl="raw", **_peer.time_calls(once, args.count, args.warmup))


main()
