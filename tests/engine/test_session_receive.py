"""The receive hot path: the acknowledgement leaves before the owner applies the batch.

Over a real socket pair (the session writes acknowledgements straight to the socket when its
writer is idle), the owner records the journal at the moment it is told of each ASDU: the
S-frame that acknowledges the batch must already be journalled as sent, after the I-frames it
acknowledges, and must be on the wire. When an ASDU of the batch does not decode, the owner is
told first (it may end the connection) and no acknowledgement precedes it.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
import trio

from c104test.engine.journal import Direction, Journal, JournalEntry
from c104test.engine.session import Session
from c104test.engine.transport import OpenStream
from c104test.protocol.apci import UFunction, encode_s_frame, encode_u_frame
from c104test.protocol.link import DataTransferStarted, Event, Link, LinkParameters, LinkState, Role

pytestmark = pytest.mark.timeout(30)

PARAMS = LinkParameters(k=12, w=2, t1=2.0, t2=1.0, t3=20.0)
GOOD = bytes.fromhex("01 01 03 00 01 00 64 00 00 01")  # M_SP_NA_1 spont, CA 1, IOA 100, ON
BAD = bytes.fromhex("01 02 03 00 01 00 64 00 00 01")  # says 2 objects, carries 1


def trio_run(fn: Callable[[], Awaitable[None]]) -> Callable[[], None]:
    @functools.wraps(fn)
    def wrapper() -> None:
        trio.run(fn)

    return wrapper


def i_frame(send_seq: int, asdu: bytes) -> bytes:
    return struct.pack("<BBHH", 0x68, len(asdu) + 4, send_seq << 1, 0) + asdu


def trio_run_with_param(fn: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    @functools.wraps(fn)
    def wrapper(*args: object, **kwargs: object) -> None:
        trio.run(functools.partial(fn, *args, **kwargs))

    return wrapper


class Snapshots:
    """The owner: at each ASDU, what the journal held and what the peer could already read."""

    def __init__(self, peer: trio.SocketStream) -> None:
        self.peer = peer
        self.journal: Journal | None = None
        self.at_asdu: list[tuple[bool, list[tuple[Direction, bytes]], bytes]] = []
        self.started = trio.Event()
        self.one = trio.Event()
        self.two = trio.Event()

    def asdu_received(self, entry: JournalEntry, now: float) -> None:
        assert self.journal is not None
        sock = self.peer.socket
        try:
            on_wire = sock._sock.recv(4096, 0x40)  # MSG_DONTWAIT: what is on the wire right now
        except BlockingIOError:
            on_wire = b""
        self.at_asdu.append((entry.asdu is not None, [(e.direction, e.raw) for e in self.journal], on_wire))
        if len(self.at_asdu) == 1:
            self.one.set()
        if len(self.at_asdu) == 2:
            self.two.set()

    def link_event(self, event: Event, now: float) -> None:
        if isinstance(event, DataTransferStarted):
            self.started.set()

    def changed(self) -> None:
        pass


@asynccontextmanager
async def started_session() -> AsyncIterator[tuple[Session, trio.SocketStream, Snapshots]]:
    a, b = trio.socket.socketpair()
    ours, theirs = trio.SocketStream(a), trio.SocketStream(b)
    link = Link(Role.CONTROLLING, PARAMS, now=trio.current_time())
    link.report_frames = True
    owner = Snapshots(theirs)
    session = Session(OpenStream(ours), link, Journal(), owner, peer="the RTU")
    owner.journal = session.journal
    async with trio.open_nursery() as nursery:
        nursery.start_soon(session.run)
        link.start_data_transfer(trio.current_time())
        session.wake()
        with trio.fail_after(5):
            assert await theirs.receive_some(6) == encode_u_frame(UFunction.STARTDT_ACT)
            await theirs.send_all(encode_u_frame(UFunction.STARTDT_CON))
            await owner.started.wait()
        assert link.state is LinkState.STARTED
        yield session, theirs, owner
        session.close("end of test")
    await theirs.aclose()


@trio_run
async def test_the_s_frame_is_sent_and_journalled_before_the_owner_applies_the_batch() -> None:
    async with started_session() as (_session, peer, owner):
        frames = i_frame(0, GOOD) + i_frame(1, GOOD)
        await peer.send_all(frames)  # one read: w=2 makes the link acknowledge both
        with trio.fail_after(5):
            await owner.two.wait()
    ack = encode_s_frame(2)
    decoded, journal, on_wire = owner.at_asdu[0]
    assert decoded
    assert journal[-3:] == [
        (Direction.RECEIVED, i_frame(0, GOOD)),
        (Direction.RECEIVED, i_frame(1, GOOD)),
        (Direction.SENT, ack),
    ]
    assert on_wire == ack  # the peer could read it before the owner applied the first ASDU


@trio_run
async def test_an_undecodable_asdu_reaches_the_owner_before_any_acknowledgement() -> None:
    async with started_session() as (_session, peer, owner):
        await peer.send_all(i_frame(0, GOOD) + i_frame(1, BAD))
        with trio.fail_after(5):
            await owner.two.wait()
        with trio.fail_after(5):
            assert await peer.receive_some(6) == encode_s_frame(2)  # still acknowledged, afterwards
    for _decoded, journal, on_wire in owner.at_asdu:
        assert all(direction is Direction.RECEIVED for direction, _ in journal[-2:])
        assert on_wire == b""
    assert [decoded for decoded, _, _ in owner.at_asdu] == [True, False]


@trio_run
async def test_a_paused_socket_reader_takes_nothing_and_loses_nothing() -> None:
    # A plain socket is read with wait_readable + os.read (Session._reader): pausing cancels
    # the wait, which has read nothing; what the peer sent meanwhile stays in the socket.
    async with started_session() as (session, peer, owner):
        journal = session.journal
        received_before = journal.next_index
        session.pause_reading()
        await peer.send_all(i_frame(0, GOOD))
        await trio.sleep(0.2)
        await peer.send_all(i_frame(1, GOOD))
        await trio.sleep(0.3)
        assert owner.at_asdu == [] and journal.next_index == received_before
        session.resume_reading()
        with trio.fail_after(5):
            await owner.two.wait()
        received = [e.raw for e in journal.since(received_before) if e.direction is Direction.RECEIVED]
        assert received == [i_frame(0, GOOD), i_frame(1, GOOD)] and session.link.vr == 2


@pytest.mark.parametrize("second", [GOOD, BAD], ids=["decodes", "undecodable"])
@trio_run_with_param
async def test_one_frame_per_read_takes_the_same_course(second: bytes) -> None:
    # A read that brings one I-frame (a command's answer) is dispatched in a few steps
    # (Session._dispatch's short way): the w-th frame's S-frame still leaves and is journalled
    # before the owner applies it when it decodes, and only after the owner heard of it when not.
    async with started_session() as (_session, peer, owner):
        await peer.send_all(i_frame(0, GOOD))
        with trio.fail_after(5):
            await owner.one.wait()
        await peer.send_all(i_frame(1, second))  # a read of its own: w=2 makes the link acknowledge
        with trio.fail_after(5):
            await owner.two.wait()
            if second is BAD:
                assert await peer.receive_some(6) == encode_s_frame(2)  # afterwards
    decoded, journal, on_wire = owner.at_asdu[1]
    assert decoded is (second is GOOD)
    if second is GOOD:
        assert journal[-3:] == [
            (Direction.RECEIVED, i_frame(0, GOOD)),
            (Direction.RECEIVED, i_frame(1, GOOD)),
            (Direction.SENT, encode_s_frame(2)),
        ]
        assert on_wire == encode_s_frame(2)
    else:
        assert journal[-2:] == [(Direction.RECEIVED, i_frame(0, GOOD)), (Direction.RECEIVED, i_frame(1, BAD))]
        assert on_wire == b""
