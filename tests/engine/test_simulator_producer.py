"""The producer side of the simulator: ``await set_point``'s checkpoints, the window, the journal.

``await Simulator.set_point`` is a cancellation point on every call and a schedule point every
120 calls (or when it waits for room); reports are encoded when made and leave with the journal
decoding them on demand. These tests hold those promises on a real loopback connection.
"""

from __future__ import annotations

import dataclasses

import pytest
import trio
import trio.testing

from c104test.engine.journal import Direction
from c104test.engine.profile import demo_profile
from c104test.engine.simulator import open_simulator
from c104test.protocol.enums import Cot, Type
from c104test.protocol.link import LinkParameters

from .test_simulator import CA, RawClient, trio_test


@trio_test
async def test_every_await_set_point_is_a_cancellation_point() -> None:
    async with open_simulator(demo_profile()) as sim:
        with trio.CancelScope() as scope:
            scope.cancel()
            await sim.set_point(CA, 301, 12.5)  # raises Cancelled here: the scope is cancelled
            raise AssertionError("set_point did not check for cancellation")
        assert scope.cancelled_caught
        point = sim.get_point(CA, 301)
        assert point is not None and point.value == 12.5  # set before the check, as documented


@trio_test
async def test_set_point_is_a_cancellation_point_as_trio_counts_it() -> None:
    """It stops a producer whose deadline has passed, and trio.testing counts it as a cancel point
    (not a schedule point)."""
    async with open_simulator(demo_profile()) as sim:
        with trio.move_on_at(trio.current_time() - 1) as scope:  # expired: cancelled on entry
            await sim.set_point(CA, 301, 7.5)
            raise AssertionError("set_point did not check for cancellation")
        assert scope.cancelled_caught
        point = sim.get_point(CA, 301)
        assert point is not None and point.value == 7.5
        with pytest.raises(AssertionError, match="checkpoint"), trio.testing.assert_no_checkpoints():
            await sim.set_point(CA, 301, 8.5)
        await sim.set_point(CA, 301, 9.5)  # not cancelled: returns
        point = sim.get_point(CA, 301)
        assert point is not None and point.value == 9.5


@trio_test
async def test_await_set_point_lets_other_tasks_run_while_it_never_waits() -> None:
    async with open_simulator(demo_profile()) as sim:
        ran = 0

        async def other() -> None:
            nonlocal ran
            while True:
                ran += 1
                await trio.lowlevel.checkpoint()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(other)
            await trio.lowlevel.checkpoint()  # other has started
            before = ran
            for n in range(480):  # no client: nothing is full, it never waits for room
                await sim.set_point(CA, 301, float(n))
            assert 2 <= ran - before <= 8  # a schedule point every 120 calls, not on every call
            nursery.cancel_scope.cancel()


@trio_test
async def test_reports_keep_the_window_and_the_journal_decodes_every_one() -> None:
    profile = dataclasses.replace(demo_profile(), link=LinkParameters(k=3, w=2))
    async with open_simulator(profile, queue_limit=50) as sim:
        client = await RawClient.connect(sim.port)
        await client.next()  # end of initialisation
        received: list[float] = []
        most_unacknowledged = 0

        async def consume() -> None:
            nonlocal most_unacknowledged
            while len(received) < 400:
                asdu = await client.next()
                received.extend(ob.value for ob in asdu.objects)
                connection = sim.connections[0]
                most_unacknowledged = max(most_unacknowledged, connection.link.unacknowledged)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(consume)
            for n in range(400):
                await sim.set_point(CA, 301, float(n))
        assert received == [float(n) for n in range(400)] and sim.overflows == 0
        assert most_unacknowledged <= 3  # k on the simulator's side of the wire
        sent = [
            e.asdu for e in sim.connections[0].journal
            if e.direction is Direction.SENT and e.asdu is not None and e.asdu.cot == Cot.SPONTANEOUS
        ]
        assert {a.type for a in sent} == {Type.M_ME_NC_1}
        assert [ob.value for a in sent for ob in a.objects] == received  # every report, decoded
        assert max(len(a.objects) for a in sent) == 30  # packed into full ASDUs


@trio_test
async def test_set_point_sets_when_called_and_its_awaitable_is_the_cancellation_point() -> None:
    """The point is set (or the call raises) when ``set_point`` is called; what it returns is
    the wait, and awaiting it is where a cancelled producer stops."""
    async with open_simulator(demo_profile()) as sim:
        with pytest.raises(KeyError, match="no point"):
            sim.set_point(CA, 99_999, 1.0)  # raised by the call, nothing to await
        waiting = sim.set_point(CA, 301, 3.5)
        point = sim.get_point(CA, 301)
        assert point is not None and point.value == 3.5  # set before the await
        with trio.CancelScope() as scope:
            scope.cancel()
            await waiting
            raise AssertionError("the awaitable did not check for cancellation")
        assert scope.cancelled_caught
