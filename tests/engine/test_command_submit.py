"""ClientConnection.submit_command: the one-hop command path of the synchronous API, in virtual time.

The caller's thread is played by ``on_done`` (a list and a trio.Event here): every test checks
what reached the RTU and what ``on_done`` got, exactly once, against the rules of ``command()``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import trio

from c104test.engine.errors import CommandTimeout, LinkDown
from c104test.engine.journal import Direction
from c104test.engine.messages import CommandResult, MessageFilter
from c104test.engine.termination import ActTerm
from c104test.protocol.asdu import Asdu, encode_asdu, mirror
from c104test.protocol.enums import Cot, Type

try:
    from .test_client import CA, PARAMS, answer, connected, single_command, trio_test
except ImportError:
    from test_client import CA, PARAMS, answer, connected, single_command, trio_test  # type: ignore[no-redef]

pytestmark = pytest.mark.timeout(30)


class Done:
    """``on_done`` for the tests: what it was called with, and an event to wait on."""

    def __init__(self) -> None:
        self.calls: list[CommandResult | Exception] = []
        self.event = trio.Event()

    def __call__(self, outcome: Any) -> None:
        self.calls.append(outcome)
        self.event.set()

    async def outcome(self, timeout: float = 10) -> CommandResult | Exception:
        with trio.fail_after(timeout):
            await self.event.wait()
        assert len(self.calls) == 1, self.calls
        return self.calls[0]


def submit(client: Any, asdu: Asdu, done: Done, **options: Any) -> bool:
    return bool(client.submit_command(asdu, encode_asdu(asdu), done, **options))


@trio_test
async def test_sent_at_once_journalled_first_and_ended_by_its_confirmation() -> None:
    async with connected() as (client, rtu):
        done = Done()
        command = single_command(500)
        start = client.journal.next_index
        assert submit(client, command, done, timeout=5)
        got = await rtu.expect_i()
        assert got.raw[6:] == bytes.fromhex("2d 01 06 00 2f 00 f4 01 00 01")
        assert client.last_command_index == start
        sent = next(iter(client.journal.since(start)))
        assert (sent.direction, sent.raw) == (Direction.SENT, got.raw)  # journalled as it went out
        assert not done.calls  # nothing before the RTU answers
        await rtu.send_asdu(answer(command, Cot.ACTIVATION_CON))
        result = await done.outcome()
        assert isinstance(result, CommandResult)
        assert result.positive is True and not result.terminated
        assert result.confirmation is not None and result.confirmation.cot is Cot.ACTIVATION_CON
        assert client._submitted is None


@trio_test
async def test_a_confirmation_that_arrived_before_the_command_is_not_its_answer() -> None:
    async with connected() as (client, rtu):
        command = single_command(500)
        early = client.journal.next_index
        await rtu.send_asdu(answer(command, Cot.ACTIVATION_CON))  # before the command: a stray
        await client.expect_message(MessageFilter(type=command.type, cot=Cot.ACTIVATION_CON), since=early, timeout=5)
        done = Done()
        assert submit(client, command, done, timeout=5)
        await rtu.expect_i()
        await rtu.expect_nothing(within=1)
        assert not done.calls  # the early ACT_CON does not end it
        await rtu.send_asdu(answer(command, Cot.ACTIVATION_CON, negative=True))
        result = await done.outcome()
        assert isinstance(result, CommandResult) and result.positive is False  # the real one


@trio_test
async def test_negative_mirror_and_other_objects() -> None:
    async with connected() as (client, rtu):
        done = Done()
        command = single_command(999)
        assert submit(client, command, done, timeout=5)
        got = await rtu.expect_i()
        await rtu.send_asdu(answer(single_command(998), Cot.ACTIVATION_CON))  # another IOA: not it
        await rtu.send_asdu(mirror(got.raw[6:], Cot.UNKNOWN_IOA))
        result = await done.outcome()
        assert isinstance(result, CommandResult) and result.positive is False
        assert result.confirmation is not None and result.confirmation.cot is Cot.UNKNOWN_IOA


@trio_test
async def test_a_positive_act_con_in_the_same_batch_as_a_negative_act_term_fails_it() -> None:
    async with connected() as (client, rtu):
        done = Done()
        command = single_command(500)
        assert submit(client, command, done, timeout=5, act_term=ActTerm.OPTIONAL)
        await rtu.expect_i()
        term = dataclasses.replace(answer(command, Cot.ACTIVATION_TERMINATION), negative=True)
        await rtu.send_asdus([answer(command, Cot.ACTIVATION_CON), term])  # one TCP write
        result = await done.outcome()
        assert isinstance(result, CommandResult)
        assert result.terminated and result.positive is False
        assert result.problem is not None and "negatively" in result.problem


@trio_test
async def test_link_down_while_waiting_is_a_clear_error() -> None:
    async with connected() as (client, rtu):
        done = Done()
        assert submit(client, single_command(500), done, timeout=5)
        await rtu.expect_i()
        await rtu.close()
        error = await done.outcome()
        assert isinstance(error, LinkDown)
        assert "connection closed while waiting for the confirmation of C_SC_NA_1 IOA 500 CA 47" in str(error)
        assert "closed by the peer" in str(error)


@trio_test
async def test_expire_ends_it_once_with_the_timeout_error_and_frees_the_connection() -> None:
    async with connected() as (client, rtu):
        done = Done()
        command = single_command(500)
        assert submit(client, command, done, timeout=5)
        await rtu.expect_i()
        assert not submit(client, single_command(501), Done(), timeout=5)  # one at a time
        client.expire_command(done)
        error = await done.outcome()
        assert isinstance(error, CommandTimeout)
        assert str(error).startswith("no ACT_CON for C_SC_NA_1 IOA 500 CA 47 within 5 s; last frames:")
        client.expire_command(done)  # again, or after the answer: no second call
        await rtu.send_asdu(answer(command, Cot.ACTIVATION_CON))
        await rtu.expect_nothing(within=1)
        assert len(done.calls) == 1
        # the connection takes the next command
        second = Done()
        assert submit(client, single_command(501), second, timeout=5)
        await rtu.send_asdu(answer(single_command(501), Cot.ACTIVATION_CON))
        result = await second.outcome()
        assert isinstance(result, CommandResult) and result.positive is True
        assert result.io_address == 501


@trio_test
async def test_a_timeout_near_t1_names_the_frames_the_rtu_left_unacknowledged() -> None:
    # the caller's timeout and t1 may end at the same moment: the timeout then says what t1 was
    # about to report, so the user sees the RTU's stall, not only a missing ACT_CON
    async with connected() as (client, rtu):
        done = Done()
        assert submit(client, single_command(500), done, timeout=8)
        await rtu.expect_i()  # read, never acknowledged, never answered
        await trio.sleep(8)
        client.expire_command(done)
        error = await done.outcome()
        assert isinstance(error, CommandTimeout)
        text = str(error)
        assert text.startswith("no ACT_CON for C_SC_NA_1 IOA 500 CA 47 within 8 s; the RTU at "), text
        assert "has not acknowledged 1 I-frame of ours for 8 s (t1=15 s); last frames:" in text, text


@trio_test
async def test_a_caller_that_never_expires_it_does_not_block_the_connection() -> None:
    async with connected() as (client, rtu):
        forgotten = Done()
        assert submit(client, single_command(500), forgotten, timeout=2)
        await rtu.expect_i()
        await trio.sleep(2 + 1.5)  # past its timeout and the grace
        second = Done()
        assert submit(client, single_command(501), second, timeout=2)
        error = await forgotten.outcome()
        assert isinstance(error, CommandTimeout)
        got = await rtu.expect_i()
        assert got.asdu.objects[0].io_address == 501  # type: ignore[union-attr]


@trio_test
async def test_command_waits_for_a_submitted_one_and_submit_refuses_while_command_runs() -> None:
    async with connected() as (client, rtu):
        done = Done()
        first = single_command(500)
        assert submit(client, first, done, timeout=5)
        await rtu.expect_i()
        results: list[CommandResult] = []

        async def second() -> None:
            results.append(await client.send_command(CA, 501, first.type, True, timeout=5))

        async with trio.open_nursery() as nursery:
            nursery.start_soon(second)
            await rtu.expect_nothing(within=1)  # serialised: the second is not sent yet
            await rtu.send_asdu(answer(first, Cot.ACTIVATION_CON))
            assert isinstance(await done.outcome(), CommandResult)
            got = await rtu.expect_i()
            assert got.asdu.objects[0].io_address == 501  # type: ignore[union-attr]
            assert not submit(client, single_command(502), Done(), timeout=5)  # command() holds it
            await rtu.send_asdu(answer(got.asdu, Cot.ACTIVATION_CON))  # type: ignore[arg-type]
        assert results[0].positive is True


@trio_test
async def test_k_window_full_or_data_transfer_stopped_refuses() -> None:
    params = dataclasses.replace(PARAMS, k=1, w=1)
    async with connected(listener_options={"withhold_acknowledgements": True}, params=params) as (client, rtu):
        assert await client.send_asdu(single_command(500)) == 0  # the window's only frame
        await rtu.expect_i()
        done = Done()
        assert not submit(client, single_command(501), done, timeout=5)
        assert not done.calls and client._submitted is None
        await rtu.expect_nothing(within=1)  # nothing sent
    async with connected() as (client, rtu):
        await client.stop_data_transfer()
        assert not submit(client, single_command(501), Done(), timeout=5)


@trio_test
async def test_every_report_before_the_act_con_is_applied_when_on_done_is_called() -> None:
    """One burst: another command's ACT_CON (same type), 50 reports, then this command's ACT_CON.
    on_done (which wakes the caller) must come with the ACT_CON, never from a look ahead done
    while an earlier frame of the burst is dispatched (then the reports between are not applied)."""
    from c104test.protocol.elements import SIQ
    from c104test.protocol.objects import SinglePoint

    async with connected() as (client, rtu):
        seen: list[list[Any]] = []
        done = Done()

        def on_done(outcome: Any) -> None:
            seen.append([client.points.get(CA, 100 + i) for i in range(50)])
            done(outcome)

        command = single_command(500)
        assert submit(client, command, on_done, timeout=5)  # type: ignore[arg-type]
        await rtu.expect_i()
        reports = [Asdu(Type.M_SP_NA_1, Cot.SPONTANEOUS, CA,
                        (SinglePoint(100 + i, SIQ(True)),)) for i in range(50)]
        other = answer(single_command(501), Cot.ACTIVATION_CON)
        await rtu.send_asdus([other, *reports, answer(command, Cot.ACTIVATION_CON)])
        outcome = await done.outcome()
        assert isinstance(outcome, CommandResult) and outcome.positive
        assert all(p is not None and p.value is True for p in seen[0]), [p is not None for p in seen[0]]


@trio_test
async def test_link_down_after_the_act_con_says_the_act_term_was_awaited() -> None:
    """The monitor said 'closed while waiting for the confirmation' of an interrogation whose
    ACT_CON had come: the RTU closed while the tool waited for the ACT_TERM."""
    async with connected() as (client, rtu):
        done = Done()
        command = single_command(500)
        assert submit(client, command, done, timeout=5, act_term=ActTerm.REQUIRED)
        await rtu.expect_i()
        await rtu.send_asdus([answer(command, Cot.ACTIVATION_CON)])
        await rtu.close()
        error = await done.outcome()
        assert isinstance(error, LinkDown)
        assert "waiting for the termination (ACT_TERM) of C_SC_NA_1 IOA 500 CA 47" in str(error)
        assert "its confirmation came (positive)" in str(error)
        assert "closed by the peer" in str(error)
