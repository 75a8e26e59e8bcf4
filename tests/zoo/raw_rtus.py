"""Zoo RTUs the simulator cannot play: raw trio peers over TCP on 127.0.0.1 (port 0).

Each behaviour below is standard-conformant (protocol.md 1.3-1.5) but differs from the
simulator in what the link layer does: it acknowledges only through the N(R) of its own
I-frames, sends its own TESTFR act, confirms STARTDT late, sends APDUs of the largest length or
one octet at a time. Frames are built here with ``struct`` from the standard's octets, not with
c104test's codec, so that a codec bug cannot hide on both sides.

``serve_raw(behaviour)`` listens, runs ``behaviour(rtu)`` for every client that connects, and
yields the port and the list of ``RawRtu`` connections (what each received and sent, raw).
Every read is bounded by the caller's ``trio.fail_after`` and by the behaviour's own timers.
"""

from __future__ import annotations

import queue
import struct
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from functools import partial

import trio

__all__ = [
    "STARTDT_ACT",
    "STARTDT_CON",
    "TESTFR_ACT",
    "TESTFR_CON",
    "RawRtu",
    "command_answerer",
    "float_sequence",
    "i_frame",
    "serve_raw",
    "serve_raw_in_thread",
    "single_points",
]

STARTDT_ACT = bytes.fromhex("680407000000")
STARTDT_CON = bytes.fromhex("68040b000000")
STOPDT_ACT = bytes.fromhex("680413000000")
STOPDT_CON = bytes.fromhex("680423000000")
TESTFR_ACT = bytes.fromhex("680443000000")
TESTFR_CON = bytes.fromhex("680483000000")
_CON_OF = {STARTDT_ACT: STARTDT_CON, STOPDT_ACT: STOPDT_CON, TESTFR_ACT: TESTFR_CON}

M_SP_NA_1, M_ME_NC_1 = 1, 13
C_IC_NA_1 = 100
SPONTANEOUS, ACTIVATION, ACTIVATION_CON, ACTIVATION_TERMINATION, INTERROGATED_BY_STATION = 3, 6, 7, 10, 20
#: what ``RawRtu.answer`` confirms: process commands 45-51, C_IC_NA_1, C_CS_NA_1, C_TS_TA_1
ANSWERED = frozenset((*range(45, 52), C_IC_NA_1, 103, 107))


def i_frame(send_seq: int, recv_seq: int, asdu: bytes) -> bytes:
    """An I-frame: 0x68, length, N(S) and N(R) shifted left by one (protocol.md 1.3)."""
    return struct.pack("<BBHH", 0x68, 4 + len(asdu), send_seq << 1, recv_seq << 1) + asdu


def _header(type_id: int, count: int, sequence: bool, cot: int, ca: int) -> bytes:
    return struct.pack("<BBBBH", type_id, count | (0x80 if sequence else 0), cot, 0, ca)


def _ioa(address: int) -> bytes:
    return address.to_bytes(3, "little")


def single_points(ca: int, first_ioa: int, values: list[bool], *, sequence: bool, cot: int = SPONTANEOUS) -> bytes:
    """An M_SP_NA_1 ASDU: SQ=1 (one IOA, consecutive addresses) or one IOA per object."""
    if sequence:
        body = _ioa(first_ioa) + bytes(int(v) for v in values)
    else:
        body = b"".join(_ioa(first_ioa + i) + bytes((int(v),)) for i, v in enumerate(values))
    return _header(M_SP_NA_1, len(values), sequence, cot, ca) + body


def float_sequence(ca: int, first_ioa: int, values: list[float], cot: int = SPONTANEOUS) -> bytes:
    """An M_ME_NC_1 ASDU with SQ=1: short floats, quality good."""
    body = _ioa(first_ioa) + b"".join(struct.pack("<fB", v, 0) for v in values)
    return _header(M_ME_NC_1, len(values), True, cot, ca) + body


@dataclass
class RawRtu:
    """One accepted TCP connection and what went over it (whole APDUs, as read and as sent)."""

    stream: trio.SocketStream
    received: list[bytes] = field(default_factory=list)
    sent: list[bytes] = field(default_factory=list)
    vs: int = 0  # V(S): our next N(S)
    vr: int = 0  # V(R): the client's I-frames received
    silent: bool = False  # the test made it stop sending (it still reads)
    started: bool = False  # STARTDT confirmed (and no STOPDT since): I-frames may go
    #: every APDU in the order it went: ("rx", apdu) read from the client, ("tx", apdu) sent
    log: list[tuple[str, bytes]] = field(default_factory=list)
    _buffer: bytearray = field(default_factory=bytearray)

    async def read_apdu(self) -> bytes | None:
        """The client's next APDU (None when it closed), counting its I-frames in V(R)."""
        while len(self._buffer) < 2 or len(self._buffer) < 2 + self._buffer[1]:
            try:
                data = await self.stream.receive_some(4096)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                return None
            if not data:
                return None
            self._buffer += data
        size = 2 + self._buffer[1]
        apdu = bytes(self._buffer[:size])
        del self._buffer[:size]
        assert apdu[0] == 0x68, apdu.hex(" ")
        self.received.append(apdu)
        self.log.append(("rx", apdu))
        if apdu[2] & 1 == 0:
            self.vr = (self.vr + 1) % 32768
        return apdu

    async def send(self, apdu: bytes, *, piece: int = 0, pause: float = 0.0) -> None:
        """Send ``apdu`` whole, or in pieces of ``piece`` octets ``pause`` seconds apart."""
        self.sent.append(apdu)
        self.log.append(("tx", apdu))
        pieces = [apdu[i:i + piece] for i in range(0, len(apdu), piece)] if piece else [apdu]
        for n, part in enumerate(pieces):
            if n:
                await trio.sleep(pause)
            await self.stream.send_all(part)

    async def send_asdu(self, asdu: bytes, **how: float) -> None:
        """``asdu`` in an I-frame with N(S)=V(S), N(R)=V(R): it acknowledges all we received."""
        frame = i_frame(self.vs, self.vr, asdu)
        self.vs = (self.vs + 1) % 32768
        await self.send(frame, **how)  # type: ignore[arg-type]

    async def answer(self, apdu: bytes) -> None:
        """What every RTU does: confirm STARTDT, STOPDT, TESTFR act; confirm every command, test
        command and clock synchronisation; answer a station interrogation of CA 47 with IOA 100."""
        if apdu in _CON_OF:
            self.started = {STARTDT_ACT: True, STOPDT_ACT: False}.get(apdu, self.started)
            await self.send(_CON_OF[apdu])
            return
        if apdu[2] & 1 or len(apdu) <= 6 or not self.started:
            return
        asdu = apdu[6:]
        if asdu[0] not in ANSWERED or asdu[2] & 0x3F != ACTIVATION:
            return
        await self.send_asdu(asdu[:2] + bytes((ACTIVATION_CON,)) + asdu[3:])
        if asdu[0] == C_IC_NA_1:
            await self.send_asdu(single_points(47, 100, [True], sequence=False, cot=INTERROGATED_BY_STATION))
            await self.send_asdu(asdu[:2] + bytes((ACTIVATION_TERMINATION,)) + asdu[3:])

    def most_unacknowledged(self) -> int:
        """The most I-frames the client had sent beyond the last N(R) this RTU had sent it: the
        client's k window as seen from here (it saw no more acknowledgement than that)."""
        most = acked = 0
        for way, apdu in self.log:
            if apdu[2] & 1:
                continue
            if way == "tx":
                acked = int.from_bytes(apdu[4:6], "little") >> 1
            else:
                most = max(most, (int.from_bytes(apdu[2:4], "little") >> 1) + 1 - acked)
        return most

    def frames_sent(self, kind: str) -> int:
        """How many I-, S- or U-frames this RTU sent."""
        return sum(1 for f in self.sent if _kind(f) == kind)


def _kind(apdu: bytes) -> str:
    return "I" if apdu[2] & 1 == 0 else "S" if apdu[2] & 3 == 1 else "U"


Behaviour = Callable[[RawRtu], Awaitable[None]]


async def command_answerer(rtu: RawRtu, report_every: float | None = None, *, slow: bool = False) -> None:
    """Answer as every RTU does (``RawRtu.answer``) and never send an S-frame: the client's
    I-frames are acknowledged only by the N(R) of ours. With ``report_every``, a spontaneous
    M_SP_NA_1 (CA 47, IOA 100) every so many seconds, which acknowledges what came since. A
    ``slow`` RTU answers only U-frames: its ASDU answers come later than a test looks."""
    now = trio.current_time()
    next_report = now + report_every if report_every else float("inf")
    value = False
    while True:
        with trio.move_on_at(next_report):
            apdu = await rtu.read_apdu()
            if apdu is None:
                return
            if not rtu.silent and (not slow or apdu[2] & 3 == 3):
                await rtu.answer(apdu)
            continue
        next_report += report_every  # type: ignore[operator]
        if not rtu.silent and rtu.started:
            value = not value
            await rtu.send_asdu(single_points(47, 100, [value], sequence=False))


@asynccontextmanager
async def serve_raw(behaviour: Behaviour) -> AsyncIterator[tuple[int, list[RawRtu]]]:
    """Listen on 127.0.0.1 port 0; ``behaviour`` runs for every connection until it returns or
    the block ends (then the connection is closed). Yields (port, connections so far)."""
    rtus: list[RawRtu] = []

    async def handle(stream: trio.SocketStream) -> None:
        rtu = RawRtu(stream)
        rtus.append(rtu)
        async with stream:
            try:
                await behaviour(rtu)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                pass  # the client closed while we sent: what it did is in ``received``

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(partial(trio.serve_tcp, handle, 0, host="127.0.0.1"))
        yield listeners[0].socket.getsockname()[1], rtus
        nursery.cancel_scope.cancel()


@contextmanager
def serve_raw_in_thread(behaviour: Behaviour) -> Iterator[tuple[int, list[RawRtu]]]:
    """``serve_raw`` in a thread of its own (trio.run), for the synchronous c104 API; the RTUs'
    records are read by the test's thread after the fact (lists only grow)."""
    ready: queue.Queue[tuple[int, list[RawRtu]] | BaseException] = queue.Queue()
    handles: list[tuple[trio.lowlevel.TrioToken, trio.Event]] = []

    async def main() -> None:
        finished = trio.Event()
        handles.append((trio.lowlevel.current_trio_token(), finished))
        async with serve_raw(behaviour) as served:
            ready.put(served)
            with trio.fail_after(60):  # the test's own bound, far beyond what any test takes
                await finished.wait()

    def run() -> None:
        try:
            trio.run(main)
        except BaseException as exc:  # handed to the test's thread
            ready.put(exc)

    thread = threading.Thread(target=run, name="zoo-raw-rtu", daemon=True)
    thread.start()
    got = ready.get(timeout=10)
    if isinstance(got, BaseException):
        raise got
    try:
        yield got
    finally:
        token, finished = handles[0]
        trio.from_thread.run_sync(finished.set, trio_token=token)
        thread.join(timeout=10)
        assert not thread.is_alive(), "the raw RTU's thread did not stop"
