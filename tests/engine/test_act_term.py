"""ACT_TERM of process commands as the PIXIT says (engine.termination), against a scripted RTU.

Before act_term existed, ``send_command`` waited for ACT_TERM by default, so a command to an RTU
that sends none (lib60870, allowed by the standard) failed with "no ACT_TERM ... within 5 s".
"""

from __future__ import annotations

import pytest
import trio

from c104test.engine.errors import CommandTimeout, NegativeConfirmation
from c104test.engine.termination import ActTerm
from c104test.protocol.asdu import Asdu
from c104test.protocol.elements import SCO
from c104test.protocol.enums import Cot, Type
from c104test.protocol.objects import SingleCommand

from .test_client import CA, answer, connected, trio_test

pytestmark = pytest.mark.timeout(30)


async def _rtu_answers(rtu, *cots: tuple[Cot, bool], delay: float = 0.0, other: bool = False) -> None:
    """Answer the next command with the given (cot, negative) pairs; ``other``: the ACT_TERM
    carries the opposite command value (a wrong termination)."""
    cmd = await rtu.expect_i()
    for cot, negative in cots:
        reply = answer(cmd.asdu, cot, negative)
        if other and cot is Cot.ACTIVATION_TERMINATION:
            ob = reply.objects[0]
            reply = Asdu(reply.type, cot, reply.common_address, (SingleCommand(ob.io_address, SCO(not ob.sco.scs)),))
        if cot is Cot.ACTIVATION_TERMINATION and delay:
            await trio.sleep(delay)
        await rtu.send_asdu(reply)


@trio_test
async def test_default_optional_returns_at_act_con_without_waiting_for_act_term() -> None:
    async with connected(command_timeout=5) as (client, rtu):
        assert client.act_term is ActTerm.OPTIONAL
        async with trio.open_nursery() as nursery:
            nursery.start_soon(lambda: _rtu_answers(rtu, (Cot.ACTIVATION_CON, False)))
            start = trio.current_time()
            result = await client.send_command(CA, 500, Type.C_SC_NA_1, True)
        assert result.positive is True and not result.terminated
        assert trio.current_time() == start  # no wait for an ACT_TERM that does not come
        assert rtu.i_frames()[0].raw[6:] == bytes.fromhex("2d 01 06 00 2f 00 f4 01 00 01")


@pytest.mark.parametrize("negative", [False, True])
@trio_test
async def test_optional_checks_an_act_term_that_arrived_with_the_act_con(negative: bool) -> None:
    async with connected() as (client, rtu):

        async def rtu_side() -> None:
            cmd = await rtu.expect_i()
            await rtu.send_asdus([  # one TCP segment: both are in the journal when the client looks
                answer(cmd.asdu, Cot.ACTIVATION_CON),
                answer(cmd.asdu, Cot.ACTIVATION_TERMINATION, negative=negative),
            ])

        async with trio.open_nursery() as nursery:
            nursery.start_soon(rtu_side)
            result = await client.send_command(CA, 500, Type.C_SC_NA_1, True)
        assert result.terminated and result.termination is not None
        assert result.termination.cot == Cot.ACTIVATION_TERMINATION
        if negative:
            assert result.positive is False
            assert result.problem == "the RTU terminated the command negatively (ACT_TERM with P/N = 1)"
            assert "negatively" in str(result)
        else:
            assert result.positive is True and result.problem is None


@trio_test
async def test_optional_late_negative_act_term_fails_the_next_command() -> None:
    async with connected() as (client, rtu):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(lambda: _rtu_answers(rtu, (Cot.ACTIVATION_CON, False), (Cot.ACTIVATION_TERMINATION, True), delay=2))
            result = await client.send_command(CA, 500, Type.C_SC_NA_1, True)
            assert result.positive is True and not result.terminated
        await trio.sleep(3)  # the late ACT_TERM is in the journal now
        sent = len(rtu.i_frames())
        with pytest.raises(NegativeConfirmation, match=r"C_SC_NA_1 IOA 500 CA 47: the RTU terminated the command negatively .* after the command returned"):
            await client.send_command(CA, 501, Type.C_SC_NA_1, True)
        await trio.sleep(1)
        assert len(rtu.i_frames()) == sent  # the next command was not sent


@trio_test
async def test_required_waits_for_act_term_and_checks_its_object() -> None:
    async with connected(act_term="required") as (client, rtu):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(lambda: _rtu_answers(rtu, (Cot.ACTIVATION_CON, False), (Cot.ACTIVATION_TERMINATION, False), delay=2))
            start = trio.current_time()
            result = await client.send_command(CA, 500, Type.C_SC_NA_1, True)
        assert result.positive is True and result.terminated
        assert trio.current_time() - start == pytest.approx(2)
        # an ACT_TERM with another object (another command's, e.g. c104 terminates the select)
        # does not end the wait
        async with trio.open_nursery() as nursery:
            nursery.start_soon(lambda: _rtu_answers(rtu, (Cot.ACTIVATION_CON, False), (Cot.ACTIVATION_TERMINATION, False), other=True))
            with pytest.raises(CommandTimeout, match=r"^no ACT_TERM for C_SC_NA_1 IOA 500 CA 47 within 5 s \(an ACT_TERM with another object arrived\)"):
                await client.send_command(CA, 500, Type.C_SC_NA_1, True, timeout=5)


@trio_test
async def test_required_per_command_times_out_without_act_term() -> None:
    async with connected(command_timeout=5) as (client, rtu), trio.open_nursery() as nursery:
        nursery.start_soon(lambda: _rtu_answers(rtu, (Cot.ACTIVATION_CON, False)))
        with pytest.raises(CommandTimeout, match=r"^no ACT_TERM for C_SC_NA_1 IOA 500 CA 47 within 5 s"):
            await client.send_command(CA, 500, Type.C_SC_NA_1, True, act_term=ActTerm.REQUIRED)


@trio_test
async def test_never_fails_on_an_act_term() -> None:
    async with connected(act_term=ActTerm.NEVER) as (client, rtu):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(lambda: _rtu_answers(rtu, (Cot.ACTIVATION_CON, False), (Cot.ACTIVATION_TERMINATION, False), delay=1))
            result = await client.send_command(CA, 500, Type.C_SC_NA_1, True)
            assert result.positive is True
        await trio.sleep(2)
        with pytest.raises(NegativeConfirmation, match="act_term=never"):
            await client.send_command(CA, 500, Type.C_SC_NA_1, True)


def test_act_term_names() -> None:
    assert [ActTerm.parse(n) for n in ("Required", "optional", " NEVER ")] == list(ActTerm)
    with pytest.raises(ValueError, match=r"act_term 'sometimes' is not one of required, optional, never"):
        ActTerm.parse("sometimes")


@trio_test
async def test_an_act_term_that_overtakes_the_act_con_still_terminates() -> None:
    async with connected(act_term="required") as (client, rtu):

        async def rtu_side() -> None:
            cmd = await rtu.expect_i()
            await rtu.send_asdu(answer(cmd.asdu, Cot.ACTIVATION_TERMINATION))
            await trio.sleep(1)
            await rtu.send_asdu(answer(cmd.asdu, Cot.ACTIVATION_CON))

        async with trio.open_nursery() as nursery:
            nursery.start_soon(rtu_side)
            result = await client.send_command(CA, 500, Type.C_SC_NA_1, True)
        assert result.positive is True and result.terminated  # not "confirmed by the ACT_TERM"
        assert result.confirmation is not None and result.confirmation.cot == Cot.ACTIVATION_CON


def test_a_result_filled_as_a_twin_equals_one_built_with_every_field() -> None:
    # confirmation.result fills a twin slot by slot (fast); a field added to CommandResult and
    # not filled there would be unset, and this comparison (which reads every field) would fail
    from dataclasses import fields

    from c104test.engine.confirmation import result
    from c104test.engine.messages import CommandResult
    from c104test.protocol import Asdu, Cot, Type
    from c104test.protocol.objects import Interrogation, SinglePoint

    command = Asdu(Type.C_IC_NA_1, Cot.ACTIVATION, 47, (Interrogation(0, 20),))
    con = Asdu(Type.C_IC_NA_1, Cot.ACTIVATION_CON, 47, (Interrogation(0, 20),))
    term = Asdu(Type.C_IC_NA_1, Cot.ACTIVATION_TERMINATION, 47, (Interrogation(0, 20),))
    data = Asdu(Type.M_SP_NA_1, Cot.INTERROGATED_BY_STATION, 47, (SinglePoint(100, True),))
    made = result(command, con, term, [data], 1.0, 2.0, problem="a note")
    expected = CommandResult(
        type=Type.C_IC_NA_1, common_address=47, io_address=0, cot=Cot.ACTIVATION, positive=False,  # a problem: not positive
        confirmation=con, terminated=True, termination=term, objects=data.objects, asdus=(data,),
        started_at=1.0, finished_at=2.0, problem="a note",
    )
    assert type(made) is CommandResult
    assert {f.name: getattr(made, f.name) for f in fields(CommandResult)} == {
        f.name: getattr(expected, f.name) for f in fields(CommandResult)
    }
