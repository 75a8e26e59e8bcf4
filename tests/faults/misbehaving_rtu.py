"""A misbehaving IEC 104 RTU on a raw socket, in its own process, for front-end fault tests.

It imports nothing of c104test (its frames are written out by hand), so a defect in the package
cannot hide a defect in the test. It listens on 127.0.0.1 port 0, prints ``PORT <n>`` and serves
until its stdin closes (then it exits: an interrupted test leaves no process behind). In ``flood``
mode it prints ``STALLED`` when it has stopped flooding a client: after ``FLOOD_FRAMES``, or earlier
when the client stopped reading for half a second. From then on that client's answers cannot all
be taken, whatever its speed.

Modes (``--mode``):

- ``flood``: confirms STARTDT, then sends I-frames (each followed by a TESTFR act, so that the
  client has as much to answer as it receives) as fast as it can, and reads nothing more. Its
  receive buffer and segment size are small, so the client's acknowledgements, TESTFR cons and
  commands soon stop being taken: the frozen or overloaded device of a half-open path. When the
  client stops reading too, the flood stops and the connection stays open and silent.
- ``mute``: reads everything and answers nothing (not even STARTDT).
- ``vanish``: confirms STARTDT; on the first I-frame (a command) sends its ACT_CON and one object,
  then closes the connection (FIN) mid-interrogation.
- ``reset``: confirms STARTDT; on the first I-frame resets the connection (RST, SO_LINGER 0).
- ``garbage``: confirms STARTDT, then sends octets that are no APDU at all.

    python tests/faults/misbehaving_rtu.py --mode flood
"""

from __future__ import annotations

import argparse
import select
import socket
import struct
import sys
import threading
import time

STARTDT_ACT, STARTDT_CON = bytes.fromhex("680407000000"), bytes.fromhex("68040b000000")
TESTFR_ACT, TESTFR_CON = bytes.fromhex("680443000000"), bytes.fromhex("680483000000")
RECEIVE_BUFFER = 4096  # octets: the client's sends stall soon once this peer stops reading
SEGMENT_SIZE = 536  # the MSS this peer announces: keeps the client's send buffer from growing
# I-frames (each with a TESTFR act) of one flood: the client owes ~6.75 octets for each, 675 kB in
# all, more than the socket buffers between it and this peer take (~150-400 kB with this MSS)
FLOOD_FRAMES = 100_000


def i_frame(ns: int, asdu: bytes) -> bytes:
    return bytes((0x68, len(asdu) + 4)) + struct.pack("<HH", (ns << 1) & 0xFFFF, 0) + asdu


def single_point(ioa: int, cot: int = 3, ca: int = 47) -> bytes:
    """M_SP_NA_1, one object, value ON."""
    return bytes((1, 1, cot, 0)) + struct.pack("<H", ca) + ioa.to_bytes(3, "little") + b"\x01"


def confirmation(command: bytes, cot: int = 7) -> bytes:
    """The command's own ASDU with the given cause (ACT_CON by default)."""
    return command[:2] + bytes((cot, command[3])) + command[4:]


class Peer:
    def __init__(self, sock: socket.socket, mode: str, stop: threading.Event) -> None:
        self.sock, self.mode, self.stop = sock, mode, stop
        self.ns = 0
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def frames(self) -> list[bytes]:
        """Complete APDUs read so far (waits up to 50 ms for more)."""
        ready, _, _ = select.select([self.sock], [], [], 0.05)
        if ready:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed by the client")
            self.buffer += data
        out = []
        while len(self.buffer) >= 2 and len(self.buffer) >= self.buffer[1] + 2:
            size = self.buffer[1] + 2
            out.append(self.buffer[:size])
            self.buffer = self.buffer[size:]
        return out

    def serve(self) -> None:
        try:
            if self.mode == "mute":
                while not self.stop.is_set():
                    self.frames()
                return
            started = False
            while not self.stop.is_set() and not started:
                for frame in self.frames():
                    if frame == STARTDT_ACT:
                        self.send(STARTDT_CON)
                        started = True
            getattr(self, f"_{self.mode}")()
        except OSError:
            pass
        finally:
            self.stop.wait()  # the connection stays (open, silent) until the test ends
            self.sock.close()

    def _flood(self) -> None:
        self.sock.setblocking(False)
        stalled_since = None
        sent_frames = 0
        while not self.stop.is_set():
            if sent_frames >= FLOOD_FRAMES:
                print("STALLED", flush=True)
                return
            burst = b"".join(
                i_frame((self.ns + n) & 0x7FFF, single_point(1000 + n)) + TESTFR_ACT for n in range(64)
            )
            sent = 0
            while sent < len(burst):  # the rest of a burst that went half out follows
                try:
                    sent += self.sock.send(burst[sent:])
                    stalled_since = None
                except BlockingIOError:
                    stalled_since = stalled_since or time.monotonic()
                    if time.monotonic() - stalled_since > 0.5 or self.stop.is_set():
                        print("STALLED", flush=True)  # the client stopped reading: stuck (or gone)
                        return
                    time.sleep(0.005)
            self.ns = (self.ns + 64) & 0x7FFF
            sent_frames += 64

    def _first_command(self) -> bytes | None:
        while not self.stop.is_set():
            for frame in self.frames():
                if frame == TESTFR_ACT:
                    self.send(TESTFR_CON)
                elif len(frame) > 6 and not frame[2] & 1:
                    return frame[6:]
        return None

    def _vanish(self) -> None:
        command = self._first_command()
        if command is not None:
            self.send(i_frame(0, confirmation(command)) + i_frame(1, single_point(100, cot=20)))
            self.sock.shutdown(socket.SHUT_RDWR)

    def _reset(self) -> None:
        if self._first_command() is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.close()  # RST

    def _garbage(self) -> None:
        self.send(b"\x00\xffTHIS IS NO APDU\x68\x01")
        while not self.stop.is_set():
            self.frames()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=("flood", "mute", "vanish", "reset", "garbage"), required=True)
    args = parser.parse_args()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)  # inherited on accept
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, SEGMENT_SIZE)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.05)
    print(f"PORT {listener.getsockname()[1]}", flush=True)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    threads = []
    while not stop.is_set():
        try:
            sock, _ = listener.accept()
        except TimeoutError:
            continue
        peer = Peer(sock, args.mode, stop)
        thread = threading.Thread(target=peer.serve, daemon=True)
        thread.start()
        threads.append(thread)
    listener.close()
    for thread in threads:
        thread.join(2)


if __name__ == "__main__":
    main()
