"""The session adapter on in-memory streams, in virtual time.

``memory_stream_pair`` is a peer that takes everything at once; ``lockstep_stream_pair`` is a
peer whose ``send_all`` waits until the other end reads, so a peer that never reads makes our
writer block, as a full TCP window does. Every test runs under ``MockClock(autojump_threshold=0)``
and checks the octets on the peer's side, the journal, and who closed and why.
"""

from __future__ import annotations

import functools
import math
import struct
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio
import trio.testing

from c104test.engine.errors import LinkDown, LinkTimeout
from c104test.engine.journal import Direction, Journal, JournalEntry
from c104test.engine.session import CloseInfo, Session
from c104test.engine.transport import OpenStream
from c104test.protocol.apci import UFunction, encode_s_frame, encode_u_frame
from c104test.protocol.asdu import Asdu, encode_asdu
from c104test.protocol.closing import CloseCause, ClosedBy
from c104test.protocol.elements import SIQ
from c104test.protocol.enums import Cot, Type
from c104test.protocol.errors import RemoteProtocolError
from c104test.protocol.link import (
    DataTransferStarted,
    Event,
    Link,
    LinkParameters,
    LinkState,
    Role,
)
from c104test.protocol.objects import SinglePoint

pytestmark = pytest.mark.timeout(30)

T1 = 15.0
PARAMS = LinkParameters(k=3, w=2, t1=T1, t2=10.0, t3=20.0)
STARTDT_ACT = encode_u_frame(UFunction.STARTDT_ACT)
STARTDT_CON = encode_u_frame(UFunction.STARTDT_CON)
TESTFR_ACT = encode_u_frame(UFunction.TESTFR_ACT)
ASDU = bytes.fromhex("01 01 03 00 01 00 64 00 00 01")  # M_SP_NA_1 spont, CA 1, IOA 100, ON


def i_frame(send_seq: int, recv_seq: int = 0, asdu: bytes = ASDU) -> bytes:
    return struct.pack("<BBHH", 0x68, len(asdu) + 4, send_seq << 1, recv_seq << 1) + asdu


def trio_test(fn: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        async def main() -> None:
            with trio.fail_after(600):
                await fn(*args, **kwargs)

        trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))

    return wrapper


class Recorder:
    """The owner's side: what the session told it."""

    def __init__(self) -> None:
        self.asdus: list[JournalEntry] = []
        self.events: list[Event] = []
        self.changes = 0

    def asdu_received(self, entry: JournalEntry, now: float) -> None:
        self.asdus.append(entry)

    def link_event(self, event: Event, now: float) -> None:
        self.events.append(event)

    def changed(self) -> None:
        self.changes += 1


class Peer:
    """The far end of the stream: reads on demand only (never by itself)."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self.received = bytearray()

    async def read(self, at_least: int, timeout: float = 5.0) -> bytes:
        with trio.fail_after(timeout):
            while len(self.received) < at_least:
                data = await self.stream.receive_some(65536)
                if not data:
                    break
                self.received += data
        return bytes(self.received)

    async def read_to_eof(self, timeout: float = 5.0) -> bytes:
        with trio.fail_after(timeout):
            while True:
                try:
                    data = await self.stream.receive_some(65536)
                except trio.BrokenResourceError:
                    break
                if not data:
                    break
                self.received += data
        return bytes(self.received)


class Running:
    def __init__(self, session: Session, peer: Peer, recorder: Recorder) -> None:
        self.session, self.peer, self.recorder = session, peer, recorder
        self.ended: list[CloseInfo] = []
        self.done = trio.Event()

    async def wait_ended(self, timeout: float = 100.0) -> CloseInfo:
        with trio.fail_after(timeout):
            await self.done.wait()
        return self.ended[0]


@asynccontextmanager
async def running(
    role: Role = Role.CONTROLLING,
    *,
    lockstep: bool = False,
    started: bool = False,
    **options: Any,
) -> AsyncIterator[Running]:
    """A running session and its peer; ``ended`` gets the CloseInfo when ``run()`` returns."""
    pair = trio.testing.lockstep_stream_pair if lockstep else trio.testing.memory_stream_pair
    ours, theirs = pair()
    link = Link(role, PARAMS, now=trio.current_time())
    link.report_frames = True
    recorder = Recorder()
    name = "the RTU" if role is Role.CONTROLLING else "the client"
    session = Session(OpenStream(ours), link, Journal(), recorder, peer=f"{name} at 10.0.0.1:2404", **options)
    peer = Peer(theirs)
    it = Running(session, peer, recorder)

    async def run() -> None:
        it.ended.append(await session.run())
        it.done.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(run)
        if started:
            if role is Role.CONTROLLING:
                link.start_data_transfer(trio.current_time())
                session.wake()
                await peer.read(6)
                await theirs.send_all(STARTDT_CON)
            else:
                await theirs.send_all(STARTDT_ACT)
                await peer.read(6)
            await trio.sleep(0.01)
            assert link.state is LinkState.STARTED
            peer.received.clear()
        yield it
        session.close("end of test")
    await theirs.aclose()


# ---- the send deadline ----------------------------------------------------------------------------


@trio_test
async def test_a_peer_that_reads_nothing_ends_the_session_after_t1_with_the_unsent_counts() -> None:
    async with running(lockstep=True) as it:
        session, peer, recorder = it.session, it.peer, it.recorder
        started = trio.current_time()
        session.link.send_test_frame(started)
        session.link.send_raw(TESTFR_ACT * 2)
        session.wake()
        # Meanwhile the reader still reads: the writer's stuck send blocks nobody else.
        await trio.sleep(8)
        await peer.stream.send_all(i_frame(0))
        await trio.sleep(0.5)
        assert len(recorder.asdus) == 1 and recorder.asdus[0].asdu is not None
        await it.wait_ended()
    info = it.ended[0]
    assert info.by is ClosedBy.LOCAL and info.cause is CloseCause.PEER_NOT_READING
    assert (info.unsent_frames, info.unsent_octets) == (3, 18)
    assert info.reason.startswith("the RTU at 10.0.0.1:2404 read nothing for 15 s (t1=15 s)")
    assert info.reason.endswith("; 3 frames, 18 octets unsent")
    assert session.closed is info
    error = session.exception()
    assert isinstance(error, LinkTimeout) and error.cause is CloseCause.PEER_NOT_READING
    assert str(error) == info.reason + "; c104test closed the connection"  # who closed, for the peer's fault
    # The journal holds what we meant to send, in order, and the frame we received.
    assert [(e.direction, e.raw) for e in session.journal] == [
        (Direction.SENT, TESTFR_ACT),
        (Direction.SENT, TESTFR_ACT * 2),
        (Direction.RECEIVED, i_frame(0)),
    ]


@trio_test
async def test_t1_without_acknowledgement_is_a_link_timeout_closed_locally() -> None:
    async with running(started=True) as it:
        session, peer = it.session, it.peer
        start = trio.current_time()
        session.send_asdu(ASDU, start)
        await peer.read(16)  # the peer reads but never acknowledges
        await it.wait_ended()
        assert trio.current_time() - start == pytest.approx(T1, abs=0.2)
    info = it.ended[0]
    assert (info.by, info.cause) == (ClosedBy.LOCAL, CloseCause.T1_EXPIRED)
    assert "not acknowledged within 15 s" in info.reason
    assert isinstance(session.exception("waiting"), LinkTimeout)


# ---- who ended it ---------------------------------------------------------------------------------


@trio_test
async def test_the_peer_closing_is_reported_as_the_peer() -> None:
    async with running(started=True) as it:
        session, peer, recorder = it.session, it.peer, it.recorder
        await peer.stream.send_all(i_frame(0))
        await peer.stream.aclose()
        await it.wait_ended()
    info = it.ended[0]
    assert (info.by, info.cause, info.reason) == (ClosedBy.PEER, CloseCause.PEER_CLOSED, "closed by the peer")
    assert len(recorder.asdus) == 1  # what arrived before the close is delivered
    error = session.exception("waiting for ACT_CON")
    assert type(error) is LinkDown and error.by is ClosedBy.PEER
    assert str(error) == "waiting for ACT_CON: closed by the peer"
    assert session.link.state is LinkState.CLOSED
    assert session.link.closed is not None and session.link.closed.by is ClosedBy.PEER


@trio_test
async def test_garbage_is_a_protocol_violation_with_the_frame() -> None:
    garbage = b"\x00\x01\x02garbage"
    async with running(started=True) as it:
        session, peer = it.session, it.peer
        await peer.stream.send_all(i_frame(0) + garbage)
        await it.wait_ended()
        # the acknowledgement of the good frame still goes out before the close
        data = await peer.read_to_eof()
    info = it.ended[0]
    assert (info.by, info.cause) == (ClosedBy.LOCAL, CloseCause.PROTOCOL_VIOLATION)
    assert info.frame == garbage
    assert isinstance(session.error, RemoteProtocolError) and session.error.frame == garbage
    assert "start octet 0x00 is not 0x68" in str(session.error)
    assert data == encode_s_frame(1)
    received = [e for e in session.journal if e.direction is Direction.RECEIVED]
    assert [e.raw for e in received] == [STARTDT_CON, i_frame(0), garbage]
    assert received[-1].error is not None and "0x68" in received[-1].error


@trio_test
async def test_a_sequence_error_keeps_the_offending_frame() -> None:
    async with running(started=True) as it:
        session, peer = it.session, it.peer
        await peer.stream.send_all(i_frame(0) + i_frame(5))
        await it.wait_ended()
    assert it.ended[0].frame == i_frame(5)
    assert session.error is not None and session.error.frame == i_frame(5)
    assert "sequence error: received N(S)=5, expected 1" in session.error.reason


@trio_test
async def test_close_is_local_flushes_the_last_acknowledgement_and_is_bounded() -> None:
    async with running(started=True) as it:
        session, peer, recorder = it.session, it.peer, it.recorder
        await peer.stream.send_all(i_frame(0))
        await trio.sleep(0.01)
        assert len(recorder.asdus) == 1
        start = trio.current_time()
        await session.aclose("closed by the test")
        assert trio.current_time() - start < 2
        assert await peer.read_to_eof() == encode_s_frame(1)
    assert (it.ended[0].by, it.ended[0].cause) == (ClosedBy.LOCAL, CloseCause.LOCAL_CLOSE)


@trio_test
async def test_close_with_a_stuck_send_returns_within_the_bound() -> None:
    async with running(lockstep=True, close_timeout=1.0) as it:
        session = it.session
        session.link.send_raw(TESTFR_ACT)
        session.wake()
        await trio.sleep(1)
        start = trio.current_time()
        await session.aclose()
        assert trio.current_time() - start <= 2.0
        assert it.ended and it.ended[0].cause is CloseCause.LOCAL_CLOSE


# ---- the server role: pull and back-pressure ------------------------------------------------------


def spontaneous(ioa: int) -> tuple[bytes, Asdu]:
    asdu = Asdu(Type.M_SP_NA_1, Cot.SPONTANEOUS, 1, (SinglePoint(ioa, SIQ(True)),))
    return encode_asdu(asdu), asdu


@trio_test
async def test_produce_is_pulled_within_the_k_window_and_again_after_acknowledgements() -> None:
    asked: list[int] = []
    items = [spontaneous(100 + n) for n in range(7)]
    queue = list(items)

    def produce(now: float, room: int) -> Iterable[tuple[bytes, Asdu | None]]:
        asked.append(room)
        taken = queue[:room]
        del queue[:room]
        return taken

    async with running(Role.CONTROLLED, started=True, produce=produce) as it:
        session, peer, recorder = it.session, it.peer, it.recorder
        data = await peer.read(3 * 16)
        await trio.sleep(1)
        assert len(data) == 3 * 16 and session.link.unacknowledged == 3  # k=3, no more
        assert asked[0] == 3 and all(room > 0 for room in asked)
        await peer.stream.send_all(encode_s_frame(3))
        await peer.read(6 * 16)
        await peer.stream.send_all(encode_s_frame(6))
        await peer.read(7 * 16)
        assert not queue
    sent = [e for e in session.journal if e.direction is Direction.SENT and e.is_i_frame]
    # the journal has the decoded form the producer gave (not re-decoded)
    assert [e.asdu.objects[0].io_address for e in sent] == list(range(100, 107))  # type: ignore[union-attr]
    assert all(e.asdu is item[1] for e, item in zip(sent, items, strict=True))
    assert any(isinstance(e, DataTransferStarted) for e in recorder.events)


@trio_test
async def test_paused_reading_takes_nothing_until_resumed() -> None:
    async with running(Role.CONTROLLED, started=True) as it:
        session, peer, recorder = it.session, it.peer, it.recorder
        session.pause_reading()
        assert session.reading_paused
        # The receive in progress when the pause came is cancelled before it read anything
        # (a half-open peer, R17): the reader takes nothing until resumed, and loses nothing.
        await peer.stream.send_all(i_frame(0))
        await trio.sleep(1)
        await peer.stream.send_all(i_frame(1))
        await trio.sleep(3)
        assert len(recorder.asdus) == 0
        session.resume_reading()
        await trio.sleep(0.1)
        assert len(recorder.asdus) == 2 and session.link.vr == 2


@trio_test
async def test_the_timer_runs_while_the_writer_is_stuck() -> None:
    """t2 acknowledges on time although the writer is blocked: no lock is held across a send."""
    async with running(lockstep=True, started=False) as it:
        session, peer = it.session, it.peer
        session.link.send_raw(b"\x68\x04\x01\x00\x00\x00")
        session.wake()
        await trio.sleep(1)
        await peer.stream.send_all(i_frame(0))  # the reader takes it: t2 runs from t=1
        await trio.sleep(0.1)
        assert session.link.pending_acks == 1
        await trio.sleep(10)
        assert session.link.pending_acks == 0  # the timer acted at t=11
        assert session.link.has_data_to_send  # the S-frame waits behind the stuck send
        assert not it.ended
        await it.wait_ended()
        assert math.isclose(trio.current_time(), T1, abs_tol=0.2)
        assert it.ended[0].cause is CloseCause.PEER_NOT_READING
        assert (it.ended[0].unsent_frames, it.ended[0].unsent_octets) == (2, 12)
