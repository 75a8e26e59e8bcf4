"""A scriptable, in-memory controlled station (RTU) for engine tests.

The client under test dials through ``FakeRtuListener.connect`` (its ``stream_factory``) and gets
one half of a ``trio.testing.memory_stream_pair``; the other half belongs to a ``FakeRtu``. A pump
task reads everything the client sends, keeps the raw octets (``wire_in``), splits them into
frames with its own decoder (so misbehaving clients are recorded too) and feeds them to a
``Link(Role.CONTROLLED)``. The link answers what a standard RTU answers by itself (STARTDT con,
TESTFR con, an S-frame after w I-frames) unless the test set ``silent``; everything else (ASDUs,
raw bytes, acknowledgements, closing) happens only when the test asks for it. The RTU's own
timers never run: a test that needs a t2 acknowledgement sends it.

>>> async def test():
...     async with open_fake_rtu() as rtus, open_connection(stream_factory=rtus.connect) as conn:
...         rtu = rtus.connections[0]
...         assert (await rtu.next_frame()).raw == STARTDT_ACT
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import trio
import trio.testing

from c104test.protocol.apci import (
    Frame,
    IFrame,
    SFrame,
    UFrame,
    UFunction,
    decode_frame,
    encode_s_frame,
    encode_u_frame,
)
from c104test.protocol.asdu import Asdu, UnknownAsdu, decode_asdu, encode_asdu
from c104test.protocol.errors import DecodeError
from c104test.protocol.framing import FrameDecoder
from c104test.protocol.link import Link, LinkParameters, Role

__all__ = [
    "STARTDT_ACT",
    "STARTDT_CON",
    "TESTFR_ACT",
    "TESTFR_CON",
    "FakeRtu",
    "FakeRtuListener",
    "ReceivedFrame",
    "open_fake_rtu",
]

STARTDT_ACT = encode_u_frame(UFunction.STARTDT_ACT)
STARTDT_CON = encode_u_frame(UFunction.STARTDT_CON)
TESTFR_ACT = encode_u_frame(UFunction.TESTFR_ACT)
TESTFR_CON = encode_u_frame(UFunction.TESTFR_CON)

# The fake RTU's own window: large, so a test can send a burst without waiting for acks.
RTU_PARAMETERS = LinkParameters(k=1000, w=8)

DEFAULT_WAIT = 60.0  # seconds of (mock) time a receive waits before the test fails


@dataclass(frozen=True, slots=True)
class ReceivedFrame:
    """One APDU the client sent, as the RTU saw it on the wire."""

    raw: bytes
    at: float  # trio.current_time() when the RTU read it
    frame: Frame | None  # None if the control field is malformed (see ``error``)
    asdu: Asdu | UnknownAsdu | None = None
    error: str | None = None

    @property
    def is_i(self) -> bool:
        return type(self.frame) is IFrame

    @property
    def is_s(self) -> bool:
        return type(self.frame) is SFrame

    @property
    def u_function(self) -> UFunction | None:
        return self.frame.function if type(self.frame) is UFrame else None

    def __str__(self) -> str:
        return f"{self.raw.hex(' ')} at {self.at:g} ({self.frame or self.error})"


class FakeRtu:
    """The RTU end of one connection. Created by ``FakeRtuListener.connect``."""

    def __init__(self, stream: trio.abc.Stream, params: LinkParameters, index: int) -> None:
        self.stream = stream
        self.index = index
        self.link = Link(Role.CONTROLLED, params, now=trio.current_time())
        self.link.report_frames = True
        #: Drop what the link would answer by itself (STARTDT con, TESTFR con, S-frames).
        self.silent = False
        self.wire_in = bytearray()  # every octet the client sent, as sent
        self.wire_out = bytearray()  # every octet this RTU sent
        self.sent_frames: list[bytes] = []  # every APDU (or raw chunk) this RTU sent, in order
        self.received: list[ReceivedFrame] = []  # every frame the client sent, in order
        self.suppressed: list[bytes] = []  # automatic answers dropped while silent
        self.eof_at: float | None = None  # when the client closed its end
        self.decode_error: str | None = None
        self._decoder = FrameDecoder()
        self._frames_in, self._frames_out = trio.open_memory_channel[ReceivedFrame | None](math.inf)
        self._send_lock = trio.Lock()
        self._closed = False

    def __repr__(self) -> str:
        return f"<FakeRtu #{self.index} {self.link!r}>"

    # ---- pump (runs in the listener's nursery) ----------------------------------------------------

    async def _pump(self) -> None:
        try:
            while True:
                try:
                    data = await self.stream.receive_some(65536)
                except (trio.BrokenResourceError, trio.ClosedResourceError):
                    data = b""
                now = trio.current_time()
                if not data:
                    self.eof_at = now
                    return
                self.wire_in += data
                frames = self._split(data, now)
                self.link.receive_data(data, now)
                answers = self.link.apdus_to_send()
                if self.silent:
                    self.suppressed.extend(answers)
                elif answers:
                    try:
                        await self._write(answers)
                    except (trio.BrokenResourceError, trio.ClosedResourceError):
                        pass  # the client is gone; its EOF ends this loop
                # only now, so a test that sees a frame also sees the link's answer to it
                for frame in frames:
                    self._frames_in.send_nowait(frame)
        finally:
            self._frames_in.send_nowait(None)  # end of stream marker

    def _split(self, data: bytes, now: float) -> list[ReceivedFrame]:
        if self.decode_error is not None:
            return []
        try:
            apdus = self._decoder.feed(data)
        except DecodeError as exc:
            self.decode_error = str(exc)
            apdus = []
        for apdu in apdus:
            try:
                frame: Frame | None = decode_frame(apdu)
            except DecodeError as exc:
                received = ReceivedFrame(apdu, now, None, error=str(exc))
            else:
                asdu = None
                error = None
                if type(frame) is IFrame:
                    try:
                        asdu = decode_asdu(frame.asdu)
                    except DecodeError as exc:
                        error = str(exc)
                received = ReceivedFrame(apdu, now, frame, asdu, error)
            self.received.append(received)
        return self.received[len(self.received) - len(apdus) :]

    async def _write(self, chunks: list[bytes]) -> None:
        async with self._send_lock:
            data = b"".join(chunks)
            self.sent_frames.extend(chunks)
            self.wire_out += data
            await self.stream.send_all(data)

    # ---- what the client sent -------------------------------------------------------------------

    async def next_frame(self, timeout: float = DEFAULT_WAIT) -> ReceivedFrame:
        """The next frame from the client; AssertionError on EOF or after ``timeout``."""
        with trio.move_on_after(timeout):
            got = await self._frames_out.receive()
            if got is None:
                self._frames_in.send_nowait(None)  # keep the marker for later calls
                raise AssertionError(f"the client closed the connection (at {self.eof_at:g})")
            return got
        raise AssertionError(f"no frame from the client within {timeout:g} s")

    async def expect_u(self, function: UFunction, timeout: float = DEFAULT_WAIT) -> ReceivedFrame:
        got = await self.next_frame(timeout)
        assert got.raw == encode_u_frame(function), f"expected {function.label}, got {got}"
        return got

    async def expect_s(self, recv_seq: int, timeout: float = DEFAULT_WAIT) -> ReceivedFrame:
        got = await self.next_frame(timeout)
        assert got.raw == encode_s_frame(recv_seq), f"expected S(N(R)={recv_seq}), got {got}"
        return got

    async def expect_i(self, timeout: float = DEFAULT_WAIT) -> ReceivedFrame:
        """The next frame, which must be an I-frame with a decodable ASDU."""
        got = await self.next_frame(timeout)
        assert got.is_i and got.asdu is not None, f"expected an I-frame, got {got}"
        return got

    async def handshake(self) -> None:
        """Expect the client's STARTDT act (the link confirms it unless ``silent``)."""
        await self.expect_u(UFunction.STARTDT_ACT)

    async def expect_nothing(self, within: float) -> None:
        """Fail if the client sends anything (or closes) within ``within`` seconds."""
        with trio.move_on_after(within):
            got = await self._frames_out.receive()
            if got is None:
                raise AssertionError(f"expected silence, but the client closed at {self.eof_at:g}")
            raise AssertionError(f"expected silence for {within:g} s, but got {got}")

    async def expect_eof(self, timeout: float = DEFAULT_WAIT) -> list[ReceivedFrame]:
        """Wait until the client closes its end; returns the frames it sent before that."""
        frames: list[ReceivedFrame] = []
        with trio.move_on_after(timeout):
            while True:
                got = await self._frames_out.receive()
                if got is None:
                    self._frames_in.send_nowait(None)
                    return frames
                frames.append(got)
        raise AssertionError(f"the client did not close within {timeout:g} s; it sent {frames}")

    # ---- what the RTU sends ---------------------------------------------------------------------

    async def send_asdu(
        self,
        asdu: Asdu | UnknownAsdu | bytes,
        *,
        send_seq: int | None = None,
        recv_seq: int | None = None,
        force: bool = True,
    ) -> bytes:
        """Send one I-frame, numbered by the RTU's link (or as given); returns the APDU."""
        return (await self.send_asdus([asdu], send_seq=send_seq, recv_seq=recv_seq, force=force))[0]

    async def send_asdus(
        self,
        asdus: Iterable[Asdu | UnknownAsdu | bytes],
        *,
        send_seq: int | None = None,
        recv_seq: int | None = None,
        force: bool = True,
    ) -> list[bytes]:
        """Send several I-frames in one ``send_all`` (one burst); returns the APDUs."""
        now = trio.current_time()
        link = self.link
        for asdu in asdus:
            data = asdu if isinstance(asdu, bytes) else encode_asdu(asdu)
            link.send_asdu(data, now, send_seq=send_seq, recv_seq=recv_seq, force=force)
        apdus = link.apdus_to_send()
        await self._write(apdus)
        return [a for a in apdus if not a[2] & 1]

    async def send_raw(self, data: bytes) -> None:
        """Octets as they are, past the link: no numbering, no checks."""
        await self._write([bytes(data)])

    async def send_ack(self) -> bytes:
        """An S-frame acknowledging everything received (even while withholding)."""
        self.link.send_acknowledgement()
        apdus = self.link.apdus_to_send()
        await self._write(apdus)
        return apdus[-1]

    async def send_test_frame(self) -> None:
        self.link.send_test_frame(trio.current_time())
        await self._write(self.link.apdus_to_send())

    def withhold_acknowledgements(self, value: bool = True) -> None:
        self.link.withhold_acknowledgements = value

    def ignore_test_frames(self, value: bool = True) -> None:
        self.link.ignore_test_frames = value

    async def close(self) -> None:
        """Close the RTU's end, as a peer that drops the TCP connection."""
        self._closed = True
        await self.stream.aclose()

    # ---- views ----------------------------------------------------------------------------------

    def i_frames(self) -> list[ReceivedFrame]:
        return [f for f in self.received if f.is_i]


class FakeRtuListener:
    """Hands out one ``FakeRtu`` per dial; ``connect`` is the client's ``stream_factory``."""

    def __init__(self, nursery: trio.Nursery, params: LinkParameters, lockstep: bool) -> None:
        self._nursery = nursery
        self.params = params
        self.lockstep = lockstep
        self.connections: list[FakeRtu] = []
        #: While set, a dial fails as a refused TCP connection would.
        self.refuse = False
        #: Applied to every new connection before it reads a single octet.
        self.silent = False
        self.withhold_acknowledgements = False
        self.ignore_test_frames = False
        self.dials = 0
        self._new_in, self._new_out = trio.open_memory_channel[FakeRtu](math.inf)

    async def connect(self) -> trio.abc.Stream:
        self.dials += 1
        await trio.lowlevel.checkpoint()
        if self.refuse:
            raise ConnectionRefusedError(111, "Connection refused (fake RTU)")
        pair = (
            trio.testing.lockstep_stream_pair if self.lockstep else trio.testing.memory_stream_pair
        )
        client_end, rtu_end = pair()
        rtu = FakeRtu(rtu_end, self.params, len(self.connections))
        rtu.silent = self.silent
        rtu.withhold_acknowledgements(self.withhold_acknowledgements)
        rtu.ignore_test_frames(self.ignore_test_frames)
        self.connections.append(rtu)
        self._nursery.start_soon(rtu._pump)
        self._new_in.send_nowait(rtu)
        return client_end

    async def accept(self, timeout: float = DEFAULT_WAIT) -> FakeRtu:
        """The next connection the client makes (one already made counts)."""
        with trio.move_on_after(timeout):
            return await self._new_out.receive()
        raise AssertionError(f"the client did not connect within {timeout:g} s")


@asynccontextmanager
async def open_fake_rtu(
    params: LinkParameters = RTU_PARAMETERS, *, lockstep: bool = False
) -> AsyncIterator[FakeRtuListener]:
    """A listener whose pump tasks end (streams closed) when the block exits.

    An error from the block comes out as itself, not wrapped in an exception group.
    """
    try:
        async with trio.open_nursery() as nursery:
            listener = FakeRtuListener(nursery, params, lockstep)
            try:
                yield listener
            finally:
                for rtu in listener.connections:
                    with trio.CancelScope(shield=True):
                        await rtu.stream.aclose()
                nursery.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        if len(group.exceptions) == 1:
            raise group.exceptions[0] from None
        raise
