"""Helpers for the Server tests: a bare IEC 104 client on a socket that sees every frame."""

from __future__ import annotations

import dataclasses
import socket
import time
from typing import Any

from c104test.protocol.apci import (
    IFrame,
    UFrame,
    UFunction,
    decode_frame,
    encode_i_frame,
    encode_s_frame,
    encode_u_frame,
)
from c104test.protocol.asdu import Asdu, decode_asdu, encode_asdu

HOST = "127.0.0.1"


def single_command(ioa: int, on: bool, select: bool = False) -> Any:
    from c104test.protocol.elements import SCO
    from c104test.protocol.objects import SingleCommand

    return SingleCommand(ioa, SCO(on, 0, select))


class RawClient:
    """A bare IEC 104 client on a socket: the test sees every frame and its time."""

    def __init__(self, port: int, *, acknowledge: bool = False) -> None:
        self.acknowledge = acknowledge  # an S-frame for every I-frame (else the peer's t2 runs)
        self.sock = socket.create_connection((HOST, port), timeout=5)
        self.buffer = b""
        self.vs = 0
        self.vr = 0
        self.frames: list[tuple[float, Any, bytes]] = []
        self.sock.sendall(encode_u_frame(UFunction.STARTDT_ACT))
        assert self.next_frame(2.0)[1] == UFrame(UFunction.STARTDT_CON)

    def __enter__(self) -> RawClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def send_asdu(self, asdu: Asdu) -> None:
        self.sock.sendall(encode_i_frame(self.vs, self.vr, encode_asdu(asdu)))
        self.vs += 1

    def next_frame(self, timeout: float) -> tuple[float, Any, bytes]:
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buffer) >= 2 and len(self.buffer) >= self.buffer[1] + 2:
                size = self.buffer[1] + 2
                raw, self.buffer = self.buffer[:size], self.buffer[size:]
                frame = decode_frame(raw)
                if isinstance(frame, IFrame):
                    self.vr = (self.vr + 1) & 0x7FFF
                    if self.acknowledge:
                        self.sock.sendall(encode_s_frame(self.vr))
                entry = (time.monotonic(), frame, raw)
                self.frames.append(entry)
                return entry
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no frame")
            self.sock.settimeout(left)
            data = self.sock.recv(4096)
            if not data:
                raise ConnectionError("closed")
            self.buffer += data

    def collect(self, quiet: float = 0.4, limit: float = 3.0, until: int | None = None) -> list[Asdu]:
        """The ASDUs that arrive until none came for ``quiet`` s (or ``until`` of them, or ``limit`` s)."""
        got: list[Asdu] = []
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and (until is None or len(got) < until):
            try:
                _, frame, raw = self.next_frame(min(quiet, max(0.01, deadline - time.monotonic())))
            except TimeoutError:
                if until is None:
                    break
                continue
            if isinstance(frame, IFrame):
                got.append(decode_asdu(raw[6:], 6))
        return got

    def next_asdu(self, timeout: float) -> Asdu:
        deadline = time.monotonic() + timeout
        while True:
            _, frame, raw = self.next_frame(max(0.01, deadline - time.monotonic()))
            if isinstance(frame, IFrame):
                return decode_asdu(raw[6:], 6)


def wire(asdu: Asdu) -> tuple[Any, ...]:
    """An ASDU as comparable data: header fields and objects without their time tags."""
    objects = tuple(
        tuple((f.name, getattr(ob, f.name)) for f in dataclasses.fields(ob) if f.name != "time")
        for ob in asdu.objects
    )
    return (asdu.type.name, asdu.cot.name, asdu.negative, asdu.test, asdu.common_address,
            asdu.originator_address, asdu.sequence, objects)
