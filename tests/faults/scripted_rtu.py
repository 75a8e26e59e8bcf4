"""A scripted broken RTU on a raw socket, in a thread: it answers each command I-frame with a
list of actions, so what arrives around each ACT_CON, and when, is known (the c104 API's, the
keywords' and the steps' fault tests use it). It imports nothing of c104test for its frames."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

HOST = "127.0.0.1"
CA = 47
IOA = 500

STARTDT_CON = bytes.fromhex("68040b000000")
TESTFR_ACT = bytes.fromhex("680443000000")

# actions of a plan
ACT_CON = ("act_con",)  # the command's own ASDU, COT 7
NEGATIVE = ("negative",)  # the command's own ASDU, COT 7, P/N set
ACT_TERM = ("act_term",)  # the command's own ASDU, COT 10
CLOSE = ("close",)  # FIN
RESET = ("reset",)  # RST
STALL = ("stall",)  # read nothing more, say nothing more (the connection stays open)


def spontaneous(ioa: int, value: float) -> bytes:
    """An M_ME_NC_1 SPONTANEOUS ASDU for ``ioa`` of CA ``CA``."""
    return bytes([13, 1, 3, 0]) + struct.pack("<H", CA) + ioa.to_bytes(3, "little") + struct.pack("<fB", value, 0)


def with_cot(asdu: bytes, cot: int, negative: bool = False) -> bytes:
    return asdu[:2] + bytes([(asdu[2] & 0x80) | (0x40 if negative else 0) | cot]) + asdu[3:]


def as_station(asdu: bytes, ca: int, cot: int, negative: bool = False) -> bytes:
    """The command ``asdu`` mirrored with ``cot`` by the station of CA ``ca``: how each station
    answers a command sent to the broadcast address (CA 65535)."""
    return with_cot(asdu, cot, negative)[:4] + struct.pack("<H", ca) + asdu[6:]


def station_data(asdu: bytes, ca: int) -> bytes:
    """What the station of CA ``ca`` reports for the interrogation (C_IC_NA_1: M_SP_NA_1 ON with
    COT = QOI) or counter interrogation (C_CI_NA_1: M_IT_NA_1 = ``ca`` with COT 37) ``asdu``:
    one object, IOA 1000 * ``ca`` + 1, so that each station's answer is told apart."""
    ioa = (1000 * ca + 1).to_bytes(3, "little")
    head = struct.pack("<H", ca)
    if asdu[0] == 101:  # C_CI_NA_1: a counter, COT 37 (requested by general counter request)
        return bytes([15, 1, 37, 0]) + head + ioa + struct.pack("<iB", ca, 0)
    return bytes([1, 1, asdu[-1], 0]) + head + ioa + b"\x01"


def station_answer(asdu: bytes, ca: int, *, terminate: bool = True) -> list[tuple[Any, ...]]:
    """One station's whole answer to a broadcast: ACT_CON, its data, ACT_TERM (unless not)."""
    done = [("asdu", as_station(asdu, ca, 10))] if terminate else []
    return [("asdu", as_station(asdu, ca, 7)), ("asdu", station_data(asdu, ca)), *done]


class FaultyRtu:
    """Confirms STARTDT; answers the n-th command I-frame with ``plan(n, asdu)``: actions in
    order (see the constants above), or ``("sleep", s)``, ``("asdu", octets)`` (an I-frame with
    the right N(S)/N(R)), ``("raw", octets)``. With ``acknowledge`` False its I-frames carry
    N(R) 0 whatever came (it never acknowledges ours). ``on_start``: actions right after the
    STARTDT con (a flood, then STALL: an RTU that stopped reading with its TCP window full);
    ``receive_buffer``: its SO_RCVBUF, small so that the window fills soon."""

    def __init__(self, plan: Callable[[int, bytes], list[tuple[Any, ...]]], acknowledge: bool = True, *,
                 on_start: list[tuple[Any, ...]] = (), receive_buffer: int | None = None) -> None:  # type: ignore[assignment]
        self.plan = plan
        self.acknowledge = acknowledge
        self.on_start = list(on_start)
        self.listener = socket.socket()
        if receive_buffer is not None:  # inherited by the accepted socket
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.listener.bind((HOST, 0))
        self.listener.listen(1)
        self.listener.settimeout(5)
        self.port = int(self.listener.getsockname()[1])
        self.frames: list[bytes] = []
        self.sent: list[bytes] = []
        self._ns = self._nr = self._commands = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="faulty-rtu", daemon=True)
        self._thread.start()

    def i_frame(self, asdu: bytes) -> bytes:
        nr = self._nr if self.acknowledge else 0
        frame = bytes([0x68, len(asdu) + 4]) + struct.pack("<HH", self._ns << 1, nr << 1) + asdu
        self._ns = (self._ns + 1) & 0x7FFF
        return frame

    def _send(self, peer: socket.socket, data: bytes) -> None:
        self.sent.append(data)
        peer.sendall(data)

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            peer, _ = self.listener.accept()
            peer.settimeout(0.05)
            buffer = b""
            with peer:
                while not self._stop.is_set():
                    try:
                        data = peer.recv(4096)
                    except TimeoutError:
                        continue
                    if not data:
                        return
                    buffer += data
                    while len(buffer) >= 2 and len(buffer) >= buffer[1] + 2:
                        frame, buffer = buffer[: buffer[1] + 2], buffer[buffer[1] + 2 :]
                        self.frames.append(frame)
                        if len(frame) == 6 and frame[2] == 0x07:
                            self._send(peer, STARTDT_CON)
                            if self.on_start and not self._act(peer, self.on_start, b""):
                                return
                        elif len(frame) > 6 and not frame[2] & 1:
                            self._nr = (self._nr + 1) & 0x7FFF
                            if not self._act(peer, self.plan(self._commands, frame[6:]), frame[6:]):
                                return
                            self._commands += 1

    def _act(self, peer: socket.socket, actions: list[tuple[Any, ...]], asdu: bytes) -> bool:
        """Carry out ``actions``; False when the connection is over for this peer."""
        for action in actions:
            if self._stop.is_set():
                return False
            kind = action[0]
            if kind == "sleep":
                time.sleep(action[1])
            elif kind == "act_con":
                self._send(peer, self.i_frame(with_cot(asdu, 7)))
            elif kind == "negative":
                self._send(peer, self.i_frame(with_cot(asdu, 7, negative=True)))
            elif kind == "act_term":
                self._send(peer, self.i_frame(with_cot(asdu, 10)))
            elif kind == "asdu":
                self._send(peer, self.i_frame(action[1]))
            elif kind == "raw":
                self._send(peer, action[1])
            elif kind == "close":
                peer.shutdown(socket.SHUT_RDWR)
                self._stop.wait(5)
                return False
            elif kind == "reset":
                peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return False  # closed (RST) on leaving the with block
            elif kind == "stall":
                self._stop.wait(10)
                return False
        return True

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self.listener.close()
        self._thread.join(timeout=5)


@pytest.fixture
def faulty_rtu() -> Iterator[Callable[..., FaultyRtu]]:
    made: list[FaultyRtu] = []

    def make(plan: Callable[[int, bytes], list[tuple[Any, ...]]], **options: Any) -> FaultyRtu:
        made.append(FaultyRtu(plan, **options))
        return made[-1]

    yield make
    for rtu in made:
        rtu.stop()
