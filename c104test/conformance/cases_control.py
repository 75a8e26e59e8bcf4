"""Control-direction cases (catalogue A, protocol.md 2.3): bitstring and time-tagged commands,
parameter loading and activation.

Like the other command cases they command only the points the PICS lists, with the value it gives.
"""

from __future__ import annotations

import datetime as _dt

import trio

from ..protocol.asdu import Asdu, type_info
from ..protocol.commands import COMMAND_TYPES, command_object
from ..protocol.elements import QPM
from ..protocol.enums import Cot, Type
from ..protocol.objects import (
    ClockSync,
    ParameterActivation,
    ParameterNormalized,
    ParameterScaled,
    ParameterShort,
)
from ..protocol.timetags import CP56Time2a
from .case import CaseNotApplicable, case
from .cases_application import _check_execution, _execute, _typed_point
from .context import CaseContext
from .pics import PARAMETER_TYPES


@case("A30", "Bitstring command", clause="IEC 60870-5-101 7.3.2.7 (C_BO_NA_1)",
      purpose="C_BO_NA_1 COT 6 is confirmed (COT 7), with return information and ACT_TERM per the PICS.",
      pics=("points.commands", "commands.act_term"),
      mutants=("negative_confirmation", "no_confirmation", "no_termination", "no_return_information"),
      verifies="positive COT 7, COT 11 on its return IOA, COT 10 when commands.act_term")
async def a30(ctx: CaseContext) -> None:
    point = _typed_point(ctx, (Type.C_BO_NA_1,), "bitstring command")
    conn = await ctx.connect()
    await _execute(ctx, conn, point, f"the bitstring command to IOA {point.io_address}")


_TIMED = tuple(sorted((t for t in COMMAND_TYPES if type_info(t).time_tag is not None), key=int))  # C_*_TA_1


async def _timed_command(ctx: CaseContext, conn, point, age: float, *, select: bool = False):
    moment = _dt.datetime.now() - _dt.timedelta(seconds=age)
    ob = command_object(point.type, point.io_address, point.value, select=select, time=CP56Time2a.from_datetime(moment))
    asdu = Asdu(point.type, Cot.ACTIVATION, ctx.common_address, (ob,))
    return await ctx.request(conn, asdu, termination=not select and ctx.pics["commands.act_term"],
                             collect=lambda a: int(a.cot) == int(Cot.RETURN_INFO_REMOTE))


@case("A32", "Time-tagged commands", clause="IEC 60870-5-104 8.3 (C_*_TA_1); 101 7.2.6.18",
      purpose="A time-tagged command with the current time is executed; one older than the maximum delay (PIXIT) is not.",
      pics=("points.commands", "commands.time_tag_max_delay", "commands.stale_time_tag"),
      mutants=("execute_stale_command", "negative_confirmation nth=2", "no_return_information"),
      verifies="fresh: as A21/A22; stale (max delay + 10 s): negative ACT_CON (or nothing, PIXIT) and no return information")
async def a32(ctx: CaseContext) -> None:
    limit = float(ctx.pics["commands.time_tag_max_delay"])
    if not limit:
        raise CaseNotApplicable("PICS commands.time_tag_max_delay is 0: the delay check is not claimed")
    point = _typed_point(ctx, _TIMED, "time-tagged command")
    conn = await ctx.connect()
    if ctx.pics["functions.clock_sync"]:  # the RTU's clock must agree with the tool's for "fresh"
        sync = ClockSync(0, CP56Time2a.from_datetime(_dt.datetime.now()))
        await ctx.request(conn, Asdu(Type.C_CS_NA_1, Cot.ACTIVATION, ctx.common_address, (sync,)))
    what = f"the time-tagged command to IOA {point.io_address}"
    if point.mode == "select":
        ctx.expect_positive(await _timed_command(ctx, conn, point, 0, select=True), f"the select of {what}")
    await _check_execution(ctx, conn, await _timed_command(ctx, conn, point, 0), point, what)
    stale = f"a time-tagged command {limit + 10:g} s old to IOA {point.io_address}"
    if point.mode == "select":
        ctx.expect_positive(await _timed_command(ctx, conn, point, 0, select=True), f"the select before {stale}")
    mark = conn.journal.next_index
    result = await _timed_command(ctx, conn, point, limit + 10)
    await ctx.expect_refusal(conn, result, stale, (7,), silent_item="commands.stale_time_tag")
    await trio.sleep(0.3)
    returned = [e for e in ctx.received(conn, mark) if e.asdu is not None and int(e.asdu.cot) == int(Cot.RETURN_INFO_REMOTE)
                and any(ob.io_address == point.return_io_address for ob in getattr(e.asdu, "objects", ()))]
    if point.return_io_address is not None and returned:
        raise ctx.fail(f"return information (COT 11) on IOA {point.return_io_address} followed {stale}: it was executed")


_PARAMETER_VALUES = {Type.P_ME_NA_1: 0.125, Type.P_ME_NB_1: 10, Type.P_ME_NC_1: 0.5}


def _parameter(t: Type, ioa: int, kpa: int):
    value = _PARAMETER_VALUES[t]
    if t is Type.P_ME_NA_1:
        return ParameterNormalized(ioa, value, QPM(kpa))
    if t is Type.P_ME_NB_1:
        return ParameterScaled(ioa, int(value), QPM(kpa))
    return ParameterShort(ioa, value, QPM(kpa))


@case("A38", "Parameter loading", clause="IEC 60870-5-5 6.12; 101 7.3.5",
      purpose="P_ME_NA/NB/NC_1 COT 6 with KPA 1-4 for a measured point is confirmed (COT 7); P_AC_NA_1 COT 6 and 8 with COT 7 and 9.",
      pics=("functions.parameter_loading", "functions.parameter_activation", "points.read"),
      mutants=("negative_confirmation", "no_confirmation type=P_ME_NB_1", "negative_confirmation type=P_AC_NA_1 nth=2"),
      verifies="KPA 1-4 each: positive COT 7; P_AC_NA_1 QPA 3: COT 7 for activation, COT 9 for deactivation (when claimed)")
async def a38(ctx: CaseContext) -> None:
    ctx.require("functions.parameter_loading")
    point = next((p for p in ctx.pics.read_points if p.type in PARAMETER_TYPES), None)
    if point is None:
        raise CaseNotApplicable("PICS points.read lists no measured value (M_ME_NA/NB/NC_1 or their time-tagged types)")
    t = PARAMETER_TYPES[point.type]
    conn = await ctx.connect()
    for kpa in (1, 2, 3, 4):
        request = Asdu(t, Cot.ACTIVATION, ctx.common_address, (_parameter(t, point.io_address, kpa),))
        got = ctx.expect_positive(await ctx.request(conn, request), f"{t.name} KPA {kpa} for IOA {point.io_address}")
        if got.objects and got.objects[0].io_address != point.io_address:
            raise ctx.fail(f"the confirmation of {t.name} carries IOA {got.objects[0].io_address}; {point.io_address} expected")
    if not ctx.pics["functions.parameter_activation"]:
        return
    for cot, con in ((Cot.ACTIVATION, 7), (Cot.DEACTIVATION, 9)):
        request = Asdu(Type.P_AC_NA_1, cot, ctx.common_address, (ParameterActivation(point.io_address, 3),))
        ctx.expect_positive(await ctx.request(conn, request), f"P_AC_NA_1 QPA 3 with COT {int(cot)} for IOA {point.io_address}", cot=con)
