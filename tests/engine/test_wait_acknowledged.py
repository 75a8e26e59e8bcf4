"""ClientConnection.wait_acknowledged: the one bounded wait with which the FAT (was a missing
answer the point's fault or a stalled RTU's?) and conformance (a "no answer" names the stall)
judge whether the RTU stopped acknowledging, in virtual time against the fake RTU."""

from __future__ import annotations

import re

import pytest
import trio

from c104test.protocol.closing import CloseCause, ClosedBy
from c104test.protocol.link import LinkParameters

try:
    from .test_client import T1, connected, single_command, trio_test
except ImportError:
    from test_client import T1, connected, single_command, trio_test  # type: ignore[no-redef]

pytestmark = pytest.mark.timeout(30)


@trio_test
async def test_nothing_waiting_returns_at_once() -> None:
    async with connected() as (client, _rtu):
        started = trio.current_time()
        assert await client.wait_acknowledged(10, until_named=True) == ""
        assert await client.wait_acknowledged() == ""
        assert trio.current_time() == started


@trio_test
async def test_an_rtu_that_acknowledges_ends_the_wait_when_it_does() -> None:
    async with connected() as (client, rtu):
        rtu.withhold_acknowledgements(True)
        await client.send_asdu(single_command(500))
        await rtu.expect_i()
        sent = trio.current_time()
        assert client.stalling

        async def acknowledge_later() -> None:
            await trio.sleep(2)
            await rtu.send_ack()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(acknowledge_later)
            assert await client.wait_acknowledged() == ""
        assert trio.current_time() - sent == pytest.approx(2, abs=0.05)  # at the S-frame, not at t1
        assert not client.stalling and client.close_info is None


@trio_test
async def test_an_rtu_that_acknowledges_by_itself_is_no_stall() -> None:
    # w=1: the RTU acknowledges each I-frame at once (as a conformant one does within its t2)
    async with connected({"params": LinkParameters(k=1000, w=1)}) as (client, _rtu):
        await client.send_asdu(single_command(500))
        started = trio.current_time()
        assert await client.wait_acknowledged(T1, until_named=True) == ""
        assert trio.current_time() - started < T1 / 2  # its t2, not the bound
        assert client.close_info is None


@trio_test
async def test_a_stall_is_named_after_half_of_t1() -> None:
    async with connected() as (client, rtu):
        rtu.withhold_acknowledgements(True)
        await client.send_asdu(single_command(500))
        await rtu.expect_i()
        sent = trio.current_time()
        stall = await client.wait_acknowledged(T1, until_named=True)
        assert trio.current_time() - sent == pytest.approx(T1 / 2, abs=0.05)
        assert re.fullmatch(r"the RTU at \S+ has not acknowledged 1 I-frame of ours for 7\.5\d* s \(t1=15 s\)", stall), stall
        assert client.close_info is None  # named, not ended: the link's t1 has not run out yet


@trio_test
async def test_a_timeout_shorter_than_half_of_t1_ends_the_wait_without_a_stall() -> None:
    async with connected() as (client, rtu):
        rtu.withhold_acknowledgements(True)
        await client.send_asdu(single_command(500))
        await rtu.expect_i()
        sent = trio.current_time()
        assert await client.wait_acknowledged(1, until_named=True) == ""  # waited 1 s: not yet a stall
        assert trio.current_time() - sent == pytest.approx(1, abs=0.05)
        assert client.stalling


@trio_test
async def test_by_default_the_wait_lasts_until_t1_ends_the_connection() -> None:
    async with connected() as (client, rtu):
        rtu.withhold_acknowledgements(True)
        await client.send_asdu(single_command(500))
        await rtu.expect_i()
        sent = trio.current_time()
        assert await client.wait_acknowledged() == ""  # ended: close_info says why
        assert trio.current_time() - sent == pytest.approx(T1, abs=0.05)
        info = client.close_info
        assert info is not None and (info.by, info.cause) == (ClosedBy.LOCAL, CloseCause.T1_EXPIRED), info
