"""The client against raw-socket RTUs that misbehave, on real loopback sockets (port 0).

Each peer is a few lines of trio socket code that nobody's IEC 104 stack helps: it floods and stops
reading, vanishes, resets, sends garbage or goes silent. Every case must end within t1 + the
caller's timeout + 2 s with an error that says who closed the connection and why.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
import trio

from c104test.engine.client import open_connection
from c104test.engine.errors import CommandTimeout, LinkDown, LinkTimeout
from c104test.engine.journal import Direction
from c104test.protocol.apci import UFunction, encode_u_frame
from c104test.protocol.closing import CloseCause, ClosedBy
from c104test.protocol.enums import Type
from c104test.protocol.errors import RemoteProtocolError
from c104test.protocol.link import LinkParameters

pytestmark = pytest.mark.timeout(60)

T1 = 2.0
PARAMS = LinkParameters(k=12, w=1, t0=5.0, t1=T1, t2=1.0, t3=30.0)
STARTDT_ACT = encode_u_frame(UFunction.STARTDT_ACT)
STARTDT_CON = encode_u_frame(UFunction.STARTDT_CON)
Behaviour = Callable[[trio.socket.SocketType], Awaitable[None]]


def i_frame(send_seq: int, asdu: bytes) -> bytes:
    return struct.pack("<BBHH", 0x68, len(asdu) + 4, (send_seq % 32768) << 1, 0) + asdu


def single_point(ioa: int, cot: int = 3) -> bytes:
    """M_SP_NA_1, one object, CA 1."""
    return bytes([1, 1, cot, 0, 1, 0]) + ioa.to_bytes(3, "little") + b"\x01"


async def receive_exactly(sock: trio.socket.SocketType, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = await sock.recv(count - len(data))
        if not chunk:
            raise AssertionError(f"the client closed after {data.hex(' ')}")
        data += chunk
    return data


async def send_all(sock: trio.socket.SocketType, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[await sock.send(view) :]


async def start(sock: trio.socket.SocketType) -> None:
    assert await receive_exactly(sock, 6) == STARTDT_ACT
    await sock.send(STARTDT_CON)


@asynccontextmanager
async def raw_rtu(behaviour: Behaviour, *, receive_buffer: int | None = None) -> AsyncIterator[int]:
    """Listen on 127.0.0.1:0, run ``behaviour`` on the first connection; yields the port."""
    listener = trio.socket.socket()
    if receive_buffer is not None:  # inherited by the accepted socket
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    await listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    async def serve() -> None:
        conn, _ = await listener.accept()
        with conn:
            await behaviour(conn)
            await trio.sleep_forever()

    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(serve)
            yield listener.getsockname()[1]
            nursery.cancel_scope.cancel()
    finally:
        listener.close()


def small_send_buffer(port: int) -> Callable[[], Awaitable[trio.abc.Stream]]:
    """Dial with a small SO_SNDBUF, so a peer that reads nothing fills our side quickly."""

    async def dial() -> trio.abc.Stream:
        sock = trio.socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        await sock.connect(("127.0.0.1", port))
        return trio.SocketStream(sock)

    return dial


def test_flood_then_stop_reading_fails_with_link_timeout_and_the_unsent_counts() -> None:
    frames = 40_000
    flood = b"".join(i_frame(n, single_point(1000 + n % 100)) for n in range(frames))

    async def behaviour(sock: trio.socket.SocketType) -> None:
        await start(sock)
        await receive_exactly(sock, 16)  # the interrogation; then a flood, and no more reading
        await send_all(sock, flood)

    async def main() -> None:
        async with raw_rtu(behaviour, receive_buffer=1024) as port:
            with pytest.raises(LinkTimeout) as caught:
                async with open_connection(
                    "127.0.0.1", port, params=PARAMS, stream_factory=small_send_buffer(port)
                ) as conn:
                    called = trio.current_time()
                    try:
                        await conn.interrogation(1, timeout=10)
                    finally:
                        elapsed = trio.current_time() - called
                        closing = trio.current_time()
                        await conn.close()
                        assert trio.current_time() - closing < 3
            assert elapsed < T1 + 10 + 2
            error = caught.value
            assert (error.by, error.cause) == (ClosedBy.LOCAL, CloseCause.PEER_NOT_READING)
            text = str(error)
            assert f"the RTU at 127.0.0.1:{port} read nothing for" in text and "(t1=2 s)" in text
            info = conn.close_info
            assert info is not None and info.cause is CloseCause.PEER_NOT_READING
            # S-frames (6 octets each, w=1) that the peer never took
            assert info.unsent_frames > 0 and info.unsent_octets == 6 * info.unsent_frames
            assert f"{info.unsent_frames} frames, {info.unsent_octets} octets unsent" in text
            assert text.endswith("; c104test closed the connection")
            received = [e for e in conn.journal if e.direction is Direction.RECEIVED and e.is_i_frame]
            # t1 may end the link before the whole flood is in (a loaded machine reads slowly);
            # what did arrive was journalled without a gap in N(S) ...
            assert received
            sequence = [int.from_bytes(e.raw[2:4], "little") >> 1 for e in received]
            assert sequence == [n % 32768 for n in range(len(received))]
            assert len(conn.points) == min(100, len(received))  # ... and applied

    trio.run(main)


def test_an_rtu_that_vanishes_mid_interrogation_is_reported_as_the_peer() -> None:
    async def behaviour(sock: trio.socket.SocketType) -> None:
        await start(sock)
        command = await receive_exactly(sock, 16)
        assert command[6] == 100  # C_IC_NA_1
        con = bytes([100, 1, 7, 0, 1, 0, 0, 0, 0, 20])
        answers = [i_frame(0, con)] + [i_frame(1 + n, single_point(200 + n, 20)) for n in range(3)]
        await send_all(sock, b"".join(answers))
        sock.shutdown(socket.SHUT_WR)  # FIN; it still takes our S-frames, so no RST follows
        while await sock.recv(4096):
            pass

    async def main() -> None:
        async with raw_rtu(behaviour) as port:
            with pytest.raises(LinkDown) as caught:
                async with open_connection("127.0.0.1", port, params=PARAMS) as conn:
                    with trio.fail_after(T1 + 5 + 2):
                        await conn.interrogation(1, timeout=5)
            assert (caught.value.by, caught.value.cause) == (ClosedBy.PEER, CloseCause.PEER_CLOSED)
            assert "closed by the peer" in str(caught.value)
            assert [conn.points.get(1, 200 + n).value for n in range(3)] == [True] * 3

    trio.run(main)


def test_a_reset_during_a_command_is_a_connection_reset_by_the_peer() -> None:
    async def behaviour(sock: trio.socket.SocketType) -> None:
        await start(sock)
        await receive_exactly(sock, 16)  # the command
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # RST

    async def main() -> None:
        async with raw_rtu(behaviour) as port:
            with pytest.raises(LinkDown) as caught:
                async with open_connection("127.0.0.1", port, params=PARAMS) as conn:
                    with trio.fail_after(T1 + 5 + 2):
                        await conn.send_command(1, 5000, Type.C_SC_NA_1, True, timeout=5)
            assert (caught.value.by, caught.value.cause) == (ClosedBy.PEER, CloseCause.CONNECTION_RESET)
            assert "connection lost" in str(caught.value) or "send failed" in str(caught.value)

    trio.run(main)


def test_garbage_is_a_remote_protocol_error_carrying_the_octets() -> None:
    garbage = b"\x00\x13garbage!"

    async def behaviour(sock: trio.socket.SocketType) -> None:
        await start(sock)
        await receive_exactly(sock, 16)
        await send_all(sock, garbage)

    async def main() -> None:
        async with raw_rtu(behaviour) as port:
            with pytest.raises(LinkDown) as caught:
                async with open_connection("127.0.0.1", port, params=PARAMS) as conn:
                    with trio.fail_after(T1 + 5 + 2):
                        await conn.interrogation(1, timeout=5)
            assert (caught.value.by, caught.value.cause) == (ClosedBy.LOCAL, CloseCause.PROTOCOL_VIOLATION)
            cause = caught.value.__cause__
            assert isinstance(cause, RemoteProtocolError) and cause.frame == garbage
            assert conn.close_error is cause
            assert "start octet 0x00 is not 0x68" in str(caught.value)
            # who did what: the RTU broke the rule, c104test closed (not "the RTU closed")
            assert f"the RTU at 127.0.0.1:{port} broke the protocol: start octet" in str(caught.value)
            assert str(caught.value).endswith("; c104test closed the connection")

    trio.run(main)


def test_a_half_open_rtu_that_never_reads_nor_answers_ends_after_t1() -> None:
    async def behaviour(sock: trio.socket.SocketType) -> None:
        await start(sock)  # then silence: no reads, no frames

    async def main() -> None:
        async with raw_rtu(behaviour) as port:
            with pytest.raises(LinkTimeout) as caught:
                async with open_connection("127.0.0.1", port, params=PARAMS) as conn:
                    called = trio.current_time()
                    try:
                        await conn.interrogation(1, timeout=10)
                    finally:
                        elapsed = trio.current_time() - called
            assert T1 - 0.1 <= elapsed < T1 + 2
            assert (caught.value.by, caught.value.cause) == (ClosedBy.LOCAL, CloseCause.T1_EXPIRED)
            assert "not acknowledged within 2 s" in str(caught.value)
            assert str(caught.value).endswith("; c104test closed the connection")
            assert conn.close_info is not None and conn.close_info.cause is CloseCause.T1_EXPIRED

    trio.run(main)


def test_a_stopdt_timeout_against_an_rtu_that_stopped_reading_names_the_stall() -> None:
    """The STOPDT act never left (the RTU reads nothing): "no STOPDT con" alone would blame the
    RTU's answer; the error says what of ours it has not taken, and for how long."""
    frames = 40_000
    flood = b"".join(i_frame(n, single_point(1000 + n % 100)) for n in range(frames))

    async def behaviour(sock: trio.socket.SocketType) -> None:
        await start(sock)
        await send_all(sock, flood)  # and no more reading: our S-frames (w=1) pile up

    async def main() -> None:
        async with raw_rtu(behaviour, receive_buffer=1024) as port, open_connection(
            "127.0.0.1", port, params=PARAMS, stream_factory=small_send_buffer(port)
        ) as conn:
            session = conn._session
            with trio.fail_after(T1):
                while not session._in_flight:  # noqa: ASYNC110 - our side is stuck from now on
                    await trio.sleep(0.01)
            called = trio.current_time()
            with pytest.raises(CommandTimeout) as caught:
                await conn.stop_data_transfer(timeout=1.2)
            assert trio.current_time() - called < 1.2 + 1
            text = str(caught.value)
            assert "no STOPDT con within 1.2 s" in text
            assert f"the RTU at 127.0.0.1:{port} has not taken" in text and "(t1=2 s)" in text
            await conn.close()

    trio.run(main)


def test_an_act_con_in_a_frame_with_a_wrong_send_sequence_number_is_no_confirmation() -> None:
    """The frame broke the link's rule (the link closes); the ACT_CON in it answers nothing,
    even when a good frame before it in the same read makes the client look at the journal."""

    async def behaviour(sock: trio.socket.SocketType) -> None:
        await start(sock)
        command = await receive_exactly(sock, 16)
        act_con = command[6:8] + bytes([7]) + command[9:]
        wrong = struct.pack("<BBHH", 0x68, len(act_con) + 4, 5 << 1, 1 << 1) + act_con  # N(S) 5, not 1
        await send_all(sock, i_frame(0, single_point(100)) + wrong)

    async def main() -> None:
        async with raw_rtu(behaviour) as port:
            with pytest.raises(LinkDown) as caught:
                async with open_connection("127.0.0.1", port, params=PARAMS) as conn:
                    with trio.fail_after(T1 + 5 + 2):
                        await conn.send_command(1, 5000, Type.C_SC_NA_1, True, timeout=5)
            assert (caught.value.by, caught.value.cause) == (ClosedBy.LOCAL, CloseCause.PROTOCOL_VIOLATION)
            assert "sequence error: received N(S)=5, expected 1" in str(caught.value)
            rejected = [e for e in conn.journal if e.direction is Direction.RECEIVED][-1]
            assert rejected.asdu is None and "sequence error" in rejected.error
            assert conn.points.get(1, 100).value is True  # the good frame before it was applied

    trio.run(main)
