"""A reset that the caller's read (``Session.read_outside``) met first is the cause of the end, not
the end of stream the trio thread's reader reads after it.

Linux reports a TCP reset to one read only; later reads of that socket see end of stream. When
the c104 API's caller thread reads its answer itself (``sync.bridge``'s hold) and meets the reset,
it hands the ending to the trio thread (``_hand``); if the trio reader then reads end of stream
before that step runs, it must still run the step first (``_take_over``), or the connection ends
as "closed by the peer" (CI once failed ``test_api_command_answered_by_a_reset`` so).

Here the order is fixed, not left to the scheduler: inside a trio task a plain call runs with
nothing else of trio running (the bridge's hold), the RTU's end is reset with SO_LINGER 0 on a
real loopback TCP socket, the caller's read runs while the reader is muted, and ``later`` only
records what the bridge would run soon: the reader reads end of stream before any of it runs.
"""

from __future__ import annotations

import select
import socket
import struct
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio

from c104test.engine.client import ClientConnection, open_connection
from c104test.engine.errors import LinkDown
from c104test.engine.session import Session
from c104test.protocol.asdu import encode_asdu
from c104test.protocol.closing import CloseCause, ClosedBy

try:
    from .fake_rtu import FakeRtu, open_fake_rtu
    from .test_client import PARAMS, single_command, trio_test
    from .test_command_submit import Done
except ImportError:
    from fake_rtu import FakeRtu, open_fake_rtu  # type: ignore[no-redef]
    from test_client import PARAMS, single_command, trio_test  # type: ignore[no-redef]
    from test_command_submit import Done  # type: ignore[no-redef]

pytestmark = [
    pytest.mark.timeout(30),
    pytest.mark.skipif(not hasattr(select, "epoll"), reason="the reader's gate needs epoll (Linux)"),
]


@asynccontextmanager
async def tcp_connected() -> AsyncIterator[tuple[ClientConnection, FakeRtu]]:
    """An open client over a real loopback TCP connection (a reset needs TCP); no second dial."""
    async with open_fake_rtu() as rtus:

        async def connect() -> trio.abc.Stream:
            if rtus.connections:
                raise ConnectionRefusedError(111, "one connection only in this test")
            listener = trio.socket.socket()
            with listener:
                await listener.bind(("127.0.0.1", 0))
                listener.listen(1)
                client_end = trio.socket.socket()
                await client_end.connect(listener.getsockname())
                rtu_end, _ = await listener.accept()
            rtu = FakeRtu(trio.SocketStream(rtu_end), rtus.params, 0)
            rtus.connections.append(rtu)
            rtus._nursery.start_soon(rtu._pump)
            return trio.SocketStream(client_end)

        async with open_connection(stream_factory=connect, params=PARAMS) as client:
            rtu = rtus.connections[0]
            await rtu.handshake()
            yield client, rtu


def reset_by_the_rtu(rtu: FakeRtu, session: Session) -> None:
    """The RTU's end closes with SO_LINGER 0 (an RST), and the client's socket has it before this
    returns (a blocking poll: no trio checkpoint, so the trio reader cannot read it first)."""
    sock = rtu.stream.socket  # type: ignore[attr-defined]
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    poller = select.poll()
    poller.register(session.outside_fd(), select.POLLERR | select.POLLHUP)
    assert poller.poll(5000), "the reset did not reach the client's socket within 5 s"


def read_the_reset(session: Session) -> list[Callable[[], None]]:
    """The caller's turn: one read that meets the reset; what it leaves for the trio thread is
    returned, not run (the bridge would run it soon, after the reader's next read here)."""
    handed: list[Callable[[], None]] = []
    session.mute_reader(True)
    try:
        assert session.read_outside(trio.current_time(), handed.append) is False  # the trio thread takes over
    finally:
        session.mute_reader(False)
    assert handed, "read_outside left nothing for the trio thread"
    assert session.closed is None  # ended in the trio thread, not in the caller's
    return handed


async def ended(client: ClientConnection, session: Session, handed: list[Callable[[], None]]) -> None:
    """The trio reader wakes (readable: the end of stream) and reads before ``handed`` runs."""
    with trio.fail_after(5):
        while session.closed is None:
            await trio.lowlevel.checkpoint()
    for step in handed:  # what the bridge runs afterwards changes nothing
        step()


def assert_reset(info: Any) -> None:
    assert info is not None
    assert (info.by, info.cause) == (ClosedBy.PEER, CloseCause.CONNECTION_RESET), info
    assert "connection lost" in info.reason and "reset" in info.reason.lower(), info.reason


@trio_test
async def test_a_reset_read_by_the_caller_is_the_cause_not_the_end_of_stream_after_it() -> None:
    async with tcp_connected() as (client, rtu):
        session = client._session
        assert session is not None and session.outside_fd() >= 0
        reset_by_the_rtu(rtu, session)
        handed = read_the_reset(session)
        await ended(client, session, handed)
        assert_reset(session.closed)
        with trio.fail_after(5):
            while client.close_info is None:
                await trio.lowlevel.checkpoint()
        assert_reset(client.close_info)  # what the c104 API's Connection reports
        assert client.close_reason is not None and "reset" in client.close_reason.lower(), client.close_reason


@trio_test
async def test_a_command_answered_by_a_reset_fails_with_the_reset() -> None:
    # the c104 API's command path: written by the caller (outside), its answer is the reset
    async with tcp_connected() as (client, rtu):
        session = client._session
        assert session is not None
        done, command = Done(), single_command(500)
        later = trio.lowlevel.current_trio_token().run_sync_soon  # as the bridge's
        assert client.submit_command(command, encode_asdu(command), done, outside=later,
                                     now=trio.current_time(), timeout=5)
        reset_by_the_rtu(rtu, session)
        handed = read_the_reset(session)
        await ended(client, session, handed)
        error = await done.outcome(timeout=5)
        assert isinstance(error, LinkDown), error
        assert error.by is ClosedBy.PEER and error.cause is CloseCause.CONNECTION_RESET, (error, error.cause)
        assert "reset" in str(error).lower(), str(error)
