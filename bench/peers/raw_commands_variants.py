"""Floors of a command round trip for other designs than raw_commands.py's (issue 16, session 4).

    python bench/peers/raw_commands_variants.py VARIANT HOST PORT [--ioa IOA] [--count N] [--warmup W]

The same raw C_SC_NA_1 (CA 1, IOA ``--ioa``) and ACT_CON match as raw_commands.py, nothing of
c104test in it; only the threads differ:

* ``trio-send``: a trio thread reads the socket (as raw_commands.py), but the caller's thread
  writes the frame itself (``os.write`` on the connected socket under a lock that the reader's
  S-frame write also takes): no hop on the way out; the reader releases the caller's lock.
* ``thread``: no trio: a plain reader thread blocks in ``recv`` and releases the caller's lock;
  the caller writes the frame itself under the same lock.
* ``inline``: no reader at all while a command is out: the caller writes and then reads the
  socket itself until the ACT_CON. No thread hop at all: the lowest a Python client can go here.
* ``trio-inline`` (session 5): a trio thread reads the socket as in ``trio-send``, with an
  instrument that holds a lock whenever trio runs and gives it up only while trio waits for I/O
  (as c104test's bridge does). A caller that takes that lock (without blocking) writes the frame
  and reads the socket itself (``poll`` + ``os.read``) until its ACT_CON, then gives the lock
  back; the trio thread, woken by the same frame meanwhile, waits for the lock and then finds
  nothing to read. When trio is busy, the ``trio-send`` way. Would a trio engine whose caller
  reads its own answer be under c104?

Prints RESULT {...} as api_commands.py does (impl = the variant).
"""

import _thread
import argparse
import os
import select
import socket
import sys
import threading
import time

import trio

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import _peer

parser = argparse.ArgumentParser()
parser.add_argument("variant", choices=("trio-send", "thread", "inline", "trio-inline"))
parser.add_argument("host")
parser.add_argument("port", type=int)
parser.add_argument("--ioa", type=int, default=50000)
parser.add_argument("--count", type=int, default=2000)
parser.add_argument("--warmup", type=int, default=200)
args = parser.parse_args()
_peer.exit_on_stdin_eof()

ASDU = bytes.fromhex("2d010600" "0100") + args.ioa.to_bytes(3, "little") + b"\x01"
state: dict = {"ns": 0, "nr": 0, "lock": None, "unacked": 0, "buf": b""}
send_lock = threading.Lock()
ready = threading.Event()
shared: dict = {}


def connect() -> socket.socket:
    sock = socket.create_connection((args.host, args.port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(bytes.fromhex("680407000000"))  # STARTDT act
    buf = b""
    while len(buf) < 6:
        buf += sock.recv(100)
    state["buf"] = buf[6:]  # after STARTDT con
    shared["fd"] = sock.fileno()
    shared["sock"] = sock
    return sock


def take(data: bytes) -> bool:
    """Split frames, count I-frames for N(R), S-frame every 8; True on the ACT_CON."""
    buf = state["buf"] + data
    confirmed = False
    while len(buf) >= 2 and len(buf) >= buf[1] + 2:
        size = buf[1] + 2
        frame, buf = buf[:size], buf[size:]
        if frame[2] & 1:
            continue  # S- or U-frame
        state["nr"] = (state["nr"] + 1) & 0x7FFF
        state["unacked"] += 1
        if frame[8] == 0x07 and frame[6] == 0x2D:  # C_SC_NA_1 ACT_CON
            confirmed = True
    state["buf"] = buf
    if state["unacked"] >= 8:
        with send_lock:
            state["unacked"] = 0
            os.write(shared["fd"], bytes((0x68, 4, 1, 0)) + (state["nr"] << 1).to_bytes(2, "little"))
    return confirmed


def wake() -> None:
    lock, state["lock"] = state["lock"], None
    if lock is not None:
        lock.release()


async def trio_reader() -> None:
    sock = connect()
    sock.setblocking(False)
    if args.variant == "trio-inline":
        parked = Parked()
        trio.lowlevel.add_instrument(parked)
        shared["parked"] = parked
    ready.set()
    while True:
        await trio.lowlevel.wait_readable(sock)
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            continue  # trio-inline: the caller read it while trio waited for the lock
        if not data:
            return
        if take(data):
            wake()


class Parked(trio.abc.Instrument):
    """``hold`` is the trio thread's except while it waits for I/O with nothing to run."""

    def __init__(self) -> None:
        self.hold = threading.Lock()
        self.hold.acquire()  # added from a running task: the trio thread has it
        self.given = False

    def before_io_wait(self, timeout: float) -> None:
        if timeout > 0:
            self.given = True
            self.hold.release()

    def after_io_wait(self, timeout: float) -> None:
        if self.given:
            self.given = False
            self.hold.acquire()


def thread_reader() -> None:
    sock = connect()
    sock.settimeout(None)
    ready.set()
    while True:
        data = sock.recv(65536)
        if not data:
            return
        if take(data):
            wake()


def write_command() -> None:
    with send_lock:
        ns, nr = state["ns"], state["nr"]
        state["unacked"] = 0
        os.write(shared["fd"], bytes((0x68, 4 + len(ASDU))) + (ns << 1).to_bytes(2, "little")
                 + (nr << 1).to_bytes(2, "little") + ASDU)
        state["ns"] = (ns + 1) & 0x7FFF


def once_locked() -> bool:
    lock = _thread.allocate_lock()
    lock.acquire()
    state["lock"] = lock
    write_command()
    return lock.acquire(True, 1.0)


def once_inline() -> bool:
    write_command()
    sock = shared["sock"]
    deadline = time.monotonic() + 1.0
    while True:
        sock.settimeout(max(0.0, deadline - time.monotonic()))
        try:
            data = sock.recv(65536)
        except TimeoutError:
            return False
        if not data:
            return False
        if take(data):
            return True


def once_trio_inline() -> bool:
    hold = shared["parked"].hold
    if not hold.acquire(False):
        shared["busy"] = shared.get("busy", 0) + 1
        return once_locked()  # trio runs: the reader wakes this thread
    try:
        write_command()
        fd, poller = shared["fd"], shared["poller"]
        deadline = time.monotonic() + 1.0
        while True:
            if not poller.poll(max(0.0, deadline - time.monotonic()) * 1000):
                return False
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if not data:
                return False
            if take(data):
                return True
    finally:
        hold.release()


def main() -> None:
    if args.variant == "trio-inline":
        threading.Thread(target=trio.run, args=(trio_reader,), daemon=True, name="raw-trio").start()
        once = once_trio_inline
        if ready.wait(30):
            shared["poller"] = poller = select.poll()
            poller.register(shared["fd"], select.POLLIN)
    elif args.variant == "trio-send":
        threading.Thread(target=trio.run, args=(trio_reader,), daemon=True, name="raw-trio").start()
        once = once_locked
    elif args.variant == "thread":
        threading.Thread(target=thread_reader, daemon=True, name="raw-reader").start()
        once = once_locked
    else:
        connect()
        ready.set()
        once = once_inline
    if not ready.wait(30):
        raise SystemExit("no STARTDT con")
    time.sleep(0.3)
    figures = _peer.time_calls(once, args.count, args.warmup)
    if args.variant == "trio-inline":
        figures["trio_busy"] = shared.get("busy", 0)  # calls that found trio running: the lock way
    _peer.result(impl=args.variant, **figures)


main()
