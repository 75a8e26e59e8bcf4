"""ClientConnection.submit_command(outside=...): the command written by the caller's thread while
the trio thread is parked (sync.bridge's hold), in virtual time, over a real socket pair.

Inside a trio task a plain call runs with nothing else of trio running, which is exactly the
state the bridge's hold gives another thread; ``later`` stands for the bridge's ``run_sync_soon``.
Each test checks what reached the RTU and the link's rules (N(S)/N(R), k window, t1).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio

from c104test.engine.client import ClientConnection, open_connection
from c104test.engine.errors import LinkDown
from c104test.engine.journal import Direction
from c104test.engine.messages import CommandResult, MessageFilter
from c104test.protocol.apci import IFrame
from c104test.protocol.asdu import Asdu, encode_asdu
from c104test.protocol.closing import CloseCause
from c104test.protocol.enums import Cot, Type

try:
    from .fake_rtu import FakeRtu, open_fake_rtu
    from .test_client import PARAMS, T1, answer, me, single_command, trio_test
    from .test_command_submit import Done
except ImportError:
    from fake_rtu import FakeRtu, open_fake_rtu  # type: ignore[no-redef]
    from test_client import PARAMS, T1, answer, me, single_command, trio_test  # type: ignore[no-redef]
    from test_command_submit import Done  # type: ignore[no-redef]

pytestmark = pytest.mark.timeout(30)


@asynccontextmanager
async def tcp_connected(**options: Any) -> AsyncIterator[tuple[ClientConnection, FakeRtu]]:
    """An open client on a real socket (so its session can write outside the trio thread)."""
    async with open_fake_rtu() as rtus:

        async def connect() -> trio.abc.Stream:
            client_end, rtu_end = trio.socket.socketpair()
            rtu = FakeRtu(trio.SocketStream(rtu_end), rtus.params, len(rtus.connections))
            rtus.connections.append(rtu)
            rtus._nursery.start_soon(rtu._pump)
            return trio.SocketStream(client_end)

        options.setdefault("params", PARAMS)
        async with open_connection(stream_factory=connect, **options) as client:
            rtu = rtus.connections[0]
            await rtu.handshake()
            yield client, rtu


class Later:
    """``outside``'s ``later``: runs the function in the trio thread soon (as the bridge does)."""

    def __init__(self) -> None:
        self.calls: list[Callable[[], None]] = []
        self.token = trio.lowlevel.current_trio_token()

    def __call__(self, fn: Callable[[], None]) -> None:
        self.calls.append(fn)
        self.token.run_sync_soon(fn)


def submit_outside(client: ClientConnection, asdu: Asdu, done: Done, later: Any, **options: Any) -> bool:
    return client.submit_command(asdu, encode_asdu(asdu), done, outside=later, now=trio.current_time(), **options)


@trio_test
async def test_written_by_the_caller_journalled_first_with_the_links_sequence_numbers() -> None:
    async with tcp_connected() as (client, rtu):
        since = client.journal.next_index
        await rtu.send_asdu(me([(1, 1.0)]))  # one I-frame received: the command acknowledges it
        await client.expect_message(MessageFilter(type=Type.M_ME_NC_1), since=since, timeout=5)
        for n in range(3):
            done, later = Done(), Later()
            start = client.journal.next_index
            command = single_command(500 + n)
            assert submit_outside(client, command, done, later, timeout=5)
            # written before the call returned, in the journal as it went out
            sent = list(client.journal.since(start))
            assert [e.direction for e in sent] == [Direction.SENT]
            got = await rtu.expect_i()
            assert got.raw == sent[0].raw
            assert isinstance(got.frame, IFrame)
            assert (got.frame.send_seq, got.frame.recv_seq) == (n, 1 + n)  # N(S) counts on, N(R) all received
            await rtu.send_asdu(answer(command, Cot.ACTIVATION_CON))
            result = await done.outcome()
            assert isinstance(result, CommandResult) and result.positive is True
            assert result.io_address == 500 + n
        assert client.link is not None and client.link.vs == 3


@trio_test
async def test_t1_still_ends_an_unacknowledged_command_on_time() -> None:
    # the link is idle: the timer waits for t3 (60 s here), later than the command's t1 (15 s);
    # the caller's thread cannot wake the timer, so it asks ``later`` to re-arm it
    async with tcp_connected(params=dataclasses.replace(PARAMS, t3=60.0)) as (client, rtu):
        rtu.withhold_acknowledgements(True)
        rtu.silent = True
        await trio.sleep(T1 + 1)  # the STARTDT act's t1 is past: the timer is armed at t3
        done, later = Done(), Later()
        sent_at = trio.current_time()
        assert submit_outside(client, single_command(500), done, later, timeout=60)
        assert later.calls, "the timer was not asked to re-arm for t1"
        error = await done.outcome(timeout=T1 + 5)
        assert isinstance(error, LinkDown)
        assert client.close_info is not None and client.close_info.cause is CloseCause.T1_EXPIRED
        assert trio.current_time() - sent_at == pytest.approx(T1, abs=0.01)


@trio_test
async def test_k_window_full_refuses_and_sends_nothing() -> None:
    params = dataclasses.replace(PARAMS, k=1, w=1)
    async with tcp_connected(params=params) as (client, rtu):
        rtu.withhold_acknowledgements(True)
        assert await client.send_asdu(single_command(500)) == 0  # the window's only frame
        await rtu.expect_i()
        done = Done()
        start = client.journal.next_index
        assert not submit_outside(client, single_command(501), done, Later(), timeout=5)
        assert not done.calls and client._submitted is None
        assert not list(client.journal.since(start))
        await rtu.expect_nothing(within=1)


@trio_test
async def test_refused_where_the_session_cannot_write_from_another_thread() -> None:
    # a memory stream (the other tests' RTU) has no socket to write to: the trio thread sends
    try:
        from .test_client import connected
    except ImportError:
        from test_client import connected  # type: ignore[no-redef]
    async with connected() as (client, rtu):
        done = Done()
        assert not submit_outside(client, single_command(500), done, Later(), timeout=5)
        assert client._submitted is None and not done.calls
        await rtu.expect_nothing(within=1)
