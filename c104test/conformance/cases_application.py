"""Application cases (catalogue A, protocol.md 2.3): interrogation, counters, clock, read, commands.

Each case sends what the catalogue's stimulus says, to the points the PICS lets it use, and
judges what came back; ``mutants`` are the simulator faults that each case must catch.
"""

from __future__ import annotations

import datetime as _dt

import trio

from ..engine.client import ClientConnection
from ..protocol.asdu import Asdu, UnknownAsdu, type_info
from ..protocol.commands import command_object
from ..protocol.elements import QCC
from ..protocol.enums import Cot, Frz, Type
from ..protocol.objects import (
    ClockSync,
    CounterInterrogation,
    Interrogation,
    Read,
    ResetProcess,
    TestCommand,
    TestCommandWithTime,
)
from ..protocol.timetags import CP56Time2a
from .case import CaseNotApplicable, case
from .context import MIRRORS, CaseContext

_TERM = int(Cot.ACTIVATION_TERMINATION)


def _now() -> CP56Time2a:
    return CP56Time2a.from_datetime(_dt.datetime.now())


def _unknown_ioa(ctx: CaseContext) -> int:
    used = {p.io_address for p in ctx.pics.read_points} | {p.io_address for p in ctx.pics.command_points}
    return next(a for a in range(0xFFFFFE, 0, -1) if a not in used)


def _unknown_ca(ctx: CaseContext) -> int:
    used = set(ctx.pics["rtu.common_addresses"])
    return next(a for a in range(0xFFFE, 0, -1) if a not in used)


async def _answers(ctx: CaseContext, conn: ClientConnection, request: Asdu, *, cas: set[int],
                   within: float | None = None) -> list[Asdu | UnknownAsdu]:
    """Send ``request`` and gather every received ASDU until an ACT_TERM of its type came from
    each CA of ``cas``, or a refusal, or the answer time-out."""
    since = conn.journal.next_index
    conn.last_command_index = since
    await conn.send_asdu(request, timeout=ctx.answer_timeout)
    open_cas = set(cas)
    got: list[Asdu | UnknownAsdu] = []
    with trio.move_on_after(ctx.answer_timeout if within is None else within):
        while open_cas:
            for entry in ctx.received(conn, since):
                since = entry.index + 1
                if entry.asdu is None:
                    continue
                got.append(entry.asdu)
                a = entry.asdu
                if int(a.type) == int(request.type) and (int(a.cot) == _TERM or a.negative or int(a.cot) in (44, 45, 46, 47)):
                    open_cas.discard(a.common_address)
            if conn.close_info is not None:
                raise ctx.fail(f"the connection ended while waiting for the answer: {conn.close_info.reason}")
            await trio.sleep(0.01)
    if open_cas:  # unanswered: an RTU that stopped reading is named, not blamed for a late answer
        stall = await ctx.stall(conn)
        if stall:
            raise ctx.fail(f"no answer to {_described(request)} within {ctx.answer_timeout if within is None else within:g} s: {stall}")
    return got


def _described(request: Asdu) -> str:
    """``the C_IC_NA_1 ACT (QOI 20)`` as a failure names a request."""
    qualifier = ""
    if request.objects and hasattr(request.objects[0], "qoi"):
        qualifier = f" (QOI {int(request.objects[0].qoi)})"
    return f"the {Type(int(request.type)).name} ACT{qualifier}"


def _check_procedure(ctx: CaseContext, got: list[Asdu | UnknownAsdu], request: Asdu, what: str,
                     data_cot: int, expected: dict[int, Type] | None, *, ca: int, originator: int = 0) -> None:
    """ACT_CON (positive, OA echoed) first, then the data (COT ``data_cot``, own CA, no time
    tags, each expected IOA exactly once and nothing else), then ACT_TERM. ``expected`` None:
    the PICS does not list the station's points (a CA other than the first), so any IOA may come."""
    mine = [a for a in got if a.common_address == ca or int(a.type) == int(request.type)]
    procedure = [a for a in mine if int(a.type) == int(request.type)]
    if not procedure:
        raise ctx.fail(f"no ACT_CON for {what} within {ctx.answer_timeout:g} s")
    first = procedure[0]
    if first.common_address != ca:
        raise ctx.fail(f"the ACT_CON of {what} carries CA {first.common_address}; the station's own CA {ca} was expected")
    if int(first.cot) == _TERM:
        raise ctx.fail(f"the ACT_TERM of {what} arrived before its ACT_CON")
    if int(first.cot) != 7 or first.negative:
        cot = int(first.cot)
        meaning = f" ({MIRRORS[cot]})" if cot in MIRRORS else ""
        # COT 46 to the CA the PICS names: more often a wrong PICS than a wrong RTU
        hint = f"; the RTU does not know CA {ca}: is PICS rtu.common_addresses right?" if cot == 46 else ""
        raise ctx.fail(f"{what} was answered with COT {cot}{meaning} P/N={int(first.negative)} where a positive "
                       f"ACT_CON (COT 7) was expected{hint}")
    if first.originator_address != originator:
        raise ctx.fail(f"the ACT_CON of {what} carries OA {first.originator_address}; the request's OA {originator} must be echoed")
    terms = [a for a in procedure if int(a.cot) == _TERM]
    if not terms:
        raise ctx.fail(f"no ACT_TERM (COT 10) ended {what} within {ctx.answer_timeout:g} s")
    if terms[0].originator_address != originator:
        raise ctx.fail(f"the ACT_TERM of {what} carries OA {terms[0].originator_address}; the request's OA {originator} must be echoed")
    start, end = got.index(first), got.index(terms[0])
    seen: dict[int, int] = {}
    for a in got[start + 1 : end]:
        if int(a.type) == int(request.type) or isinstance(a, UnknownAsdu):
            continue
        if int(a.cot) != data_cot:
            if int(a.cot) in (1, 2, 3):
                continue  # cyclic, background and spontaneous reports may interleave
            raise ctx.fail(f"{what}: {a.type.name} IOA {a.objects[0].io_address if a.objects else '?'} arrived with COT {int(a.cot)} where COT {data_cot} was expected")
        if a.common_address != ca:
            raise ctx.fail(f"{what}: data arrived with CA {a.common_address}; the station's own CA {ca} was expected")
        if a.originator_address != originator:
            raise ctx.fail(f"{what}: data carries OA {a.originator_address}; the request's OA {originator} must be echoed")
        if data_cot < 37 and type_info(a.type).time_tag is not None:
            raise ctx.fail(f"{what}: {a.type.name} carries a time tag; interrogation answers use types without time tag")
        for ob in a.objects:
            seen[ob.io_address] = seen.get(ob.io_address, 0) + 1
    twice = sorted(ioa for ioa, n in seen.items() if n > 1)
    if twice:
        raise ctx.fail(f"{what}: IOA {', '.join(map(str, twice))} reported more than once")
    if expected is None:
        return
    missing = sorted(set(expected) - set(seen))
    if missing:
        raise ctx.fail(f"{what}: IOA {', '.join(map(str, missing))} (claimed in the PICS) not reported")
    extra = sorted(ioa for ioa in seen if ioa not in expected and ioa in ctx_points(ctx))
    if extra:
        raise ctx.fail(f"{what}: IOA {', '.join(map(str, extra))} reported but not a member")


def ctx_points(ctx: CaseContext) -> set[int]:
    return {p.io_address for p in ctx.pics.read_points}


def _interrogation(ctx: CaseContext, qoi: int, ca: int | None = None, oa: int = 0) -> Asdu:
    return Asdu(Type.C_IC_NA_1, Cot.ACTIVATION, ctx.common_address if ca is None else ca,
                (Interrogation(0, qoi),), oa)


@case("A01", "End of initialisation", clause="IEC 60870-5-5 6.1.5; 104 7.2.6",
      purpose="After start, the RTU reports M_EI_NA_1 (COT 4) per CA with IOA 0.",
      pics=("functions.end_of_initialisation",), mutants=("no_end_of_initialisation",),
      verifies="M_EI_NA_1 COT 4 IOA 0 for each CA of the PICS after STARTDT")
async def a01(ctx: CaseContext) -> None:
    ctx.require("functions.end_of_initialisation")
    conn = await ctx.connect()
    waiting = set(ctx.pics["rtu.common_addresses"])
    with trio.move_on_after(ctx.answer_timeout):
        while waiting:
            for entry in ctx.received(conn):
                a = entry.asdu
                if a is not None and a.type == Type.M_EI_NA_1:
                    if int(a.cot) != 4 or (a.objects and a.objects[0].io_address != 0):
                        raise ctx.fail(f"M_EI_NA_1 arrived with COT {int(a.cot)}, IOA {a.objects[0].io_address}; COT 4, IOA 0 expected")
                    waiting.discard(a.common_address)
            await trio.sleep(0.02)
    if waiting:
        raise ctx.fail(f"no end of initialisation (M_EI_NA_1, COT 4) for CA {', '.join(map(str, sorted(waiting)))} within {ctx.answer_timeout:g} s")


@case("A02", "Station interrogation", clause="IEC 60870-5-5 6.6; 101 7.4.7",
      purpose="QOI 20: ACT_CON, every point once with COT 20 without time tag, ACT_TERM; OA echoed.",
      pics=("functions.station_interrogation", "points.read"),
      mutants=("no_confirmation", "negative_confirmation", "no_termination", "termination_first", "drop_objects",
               "duplicate_objects", "wrong_originator", "wrong_cause part=data cot=3", "wrong_common_address"),
      verifies="order ACT_CON/data/ACT_TERM, COT 20, own CA, OA echoed, no time tags, each PICS point exactly once")
async def a02(ctx: CaseContext) -> None:
    ctx.require("functions.station_interrogation")
    conn = await ctx.connect(originator_address=7)
    request = _interrogation(ctx, 20, oa=7)
    got = await _answers(ctx, conn, request, cas={ctx.common_address})
    expected = {p.io_address: p.type for p in ctx.pics.monitored()}
    _check_procedure(ctx, got, request, "station interrogation", 20, expected, ca=ctx.common_address, originator=7)


@case("A03", "Group interrogation", clause="IEC 60870-5-5 6.6; 101 7.4.7",
      purpose="QOI 21-36: only group members with COT 21-36; a group without members per PIXIT.",
      pics=("functions.interrogation_groups", "functions.unknown_group"),
      mutants=("wrong_cause part=data cot=20", "drop_objects", "positive_confirmation", "no_termination"),
      verifies="each claimed group: members exactly, COT 20+g; an empty group: negative ACT_CON or empty answer as the PICS says")
async def a03(ctx: CaseContext) -> None:
    ctx.require("functions.interrogation_groups")
    conn = await ctx.connect()
    for group in ctx.pics["functions.interrogation_groups"]:
        request = _interrogation(ctx, 20 + group)
        got = await _answers(ctx, conn, request, cas={ctx.common_address})
        members = {p.io_address: p.type for p in ctx.pics.monitored() if group in p.groups}
        _check_procedure(ctx, got, request, f"interrogation of group {group}", 20 + group, members, ca=ctx.common_address)
    empty = next((g for g in range(1, 17) if g not in ctx.pics["functions.interrogation_groups"]), None)
    if empty is None:
        return
    request = _interrogation(ctx, 20 + empty)
    if ctx.pics["functions.unknown_group"] == "negative":
        result = await ctx.request(conn, request)
        await ctx.expect_refusal(conn, result, f"the interrogation of group {empty} (no members)", (7,))
    else:
        got = await _answers(ctx, conn, request, cas={ctx.common_address})
        _check_procedure(ctx, got, request, f"interrogation of group {empty}", 20 + empty, {}, ca=ctx.common_address)


@case("A05", "Global CA", clause="IEC 60870-5-101 7.2.4 (broadcast address)",
      purpose="QOI 20 to CA 0xFFFF: each station answers with its own CA.",
      pics=("functions.station_interrogation", "rtu.common_addresses"),
      mutants=("wrong_common_address", "no_termination"),
      verifies="ACT_CON, data and ACT_TERM from every CA of the PICS, never CA 0xFFFF or another CA")
async def a05(ctx: CaseContext) -> None:
    ctx.require("functions.station_interrogation")
    conn = await ctx.connect()
    cas = set(ctx.pics["rtu.common_addresses"])
    request = _interrogation(ctx, 20, ca=0xFFFF)
    got = await _answers(ctx, conn, request, cas=cas)
    foreign = sorted({a.common_address for a in got if a.common_address not in cas and int(a.type) == int(Type.C_IC_NA_1)})
    if foreign:
        raise ctx.fail(f"the broadcast interrogation was answered with CA {', '.join(map(str, foreign))}; each station answers with its own CA ({', '.join(map(str, sorted(cas)))})")
    for ca in sorted(cas):
        mine = [a for a in got if a.common_address == ca or (int(a.type) == int(Type.C_IC_NA_1) and a.common_address == ca)]
        procedure = [a for a in mine if int(a.type) == int(Type.C_IC_NA_1)]
        if not procedure or int(procedure[0].cot) != 7 or procedure[0].negative:
            raise ctx.fail(f"no positive ACT_CON with CA {ca} for the broadcast interrogation")
        if not any(int(a.cot) == _TERM for a in procedure):
            raise ctx.fail(f"no ACT_TERM with CA {ca} for the broadcast interrogation within {ctx.answer_timeout:g} s")


def _counter_request(ctx: CaseContext, rqt: int, frz: Frz = Frz.READ) -> Asdu:
    return Asdu(Type.C_CI_NA_1, Cot.ACTIVATION, ctx.common_address, (CounterInterrogation(0, QCC(rqt, frz)),))


@case("A08", "Counter interrogation", clause="IEC 60870-5-5 6.9; 101 7.4.8",
      purpose="QCC 5: ACT_CON, every counter with COT 37, ACT_TERM.",
      pics=("functions.counter_interrogation", "points.read"),
      mutants=("no_termination", "wrong_cause part=data cot=20", "drop_objects", "negative_confirmation"),
      verifies="order ACT_CON/data/ACT_TERM, COT 37, every PICS counter exactly once")
async def a08(ctx: CaseContext) -> None:
    ctx.require("functions.counter_interrogation")
    conn = await ctx.connect()
    request = _counter_request(ctx, 5)
    got = await _answers(ctx, conn, request, cas={ctx.common_address})
    expected = {p.io_address: p.type for p in ctx.pics.counters()}
    _check_procedure(ctx, got, request, "counter interrogation", 37, expected, ca=ctx.common_address)


@case("A09", "Counter group read", clause="IEC 60870-5-5 6.9; 101 7.4.8",
      purpose="QCC 1-4: only group members, COT 38-41.",
      pics=("functions.counter_groups",),
      mutants=("wrong_cause part=data cot=37", "duplicate_objects"),
      verifies="each claimed counter group: its members exactly, COT 37+g")
async def a09(ctx: CaseContext) -> None:
    ctx.require("functions.counter_interrogation", "functions.counter_groups")
    conn = await ctx.connect()
    for group in ctx.pics["functions.counter_groups"]:
        request = _counter_request(ctx, group)
        got = await _answers(ctx, conn, request, cas={ctx.common_address})
        members = {p.io_address: p.type for p in ctx.pics.counters() if p.counter_group == group}
        _check_procedure(ctx, got, request, f"counter interrogation of group {group}", 37 + group, members, ca=ctx.common_address)


@case("A13", "Clock synchronisation", clause="IEC 60870-5-5 6.7; 101 7.4.9",
      purpose="C_CS_NA_1 IOA 0 with the current time is confirmed positively by the station.",
      pics=("functions.clock_sync",),
      mutants=("negative_confirmation", "no_confirmation", "wrong_cause cot=3", "wrong_io_address"),
      verifies="a positive ACT_CON, IOA 0, own CA; a close by c104test never counts as an answer")
async def a13(ctx: CaseContext) -> None:
    ctx.require("functions.clock_sync")
    conn = await ctx.connect()
    request = Asdu(Type.C_CS_NA_1, Cot.ACTIVATION, ctx.common_address, (ClockSync(0, _now()),))
    result = await ctx.request(conn, request)
    got = ctx.expect_positive(result, "the clock synchronisation")
    if got.common_address != ctx.common_address or (got.objects and got.objects[0].io_address != 0):
        raise ctx.fail(f"the clock synchronisation was confirmed for CA {got.common_address} IOA {got.objects[0].io_address}; CA {ctx.common_address} IOA 0 expected")


@case("A14", "Clock sync errors", clause="IEC 60870-5-101 7.2.3 (COT 45, 47)",
      purpose="C_CS_NA_1 with IOA 5 is refused with COT 47, with COT 3 with COT 45.",
      pics=("functions.clock_sync", "unknown.io_address", "unknown.cot"),
      mutants=("positive_confirmation", "refusal_without_pn"),
      verifies="IOA 5 → COT 47 P/N=1; COT 3 → COT 45 P/N=1; near misses and P/N=0 refusals named")
async def a14(ctx: CaseContext) -> None:
    ctx.require("functions.clock_sync")
    conn = await ctx.connect()
    wrong_ioa = Asdu(Type.C_CS_NA_1, Cot.ACTIVATION, ctx.common_address, (ClockSync(5, _now()),))
    await ctx.expect_refusal(conn, await ctx.request(conn, wrong_ioa), "a clock synchronisation to IOA 5", (47,),
                             silent_item="unknown.io_address")
    wrong_cot = Asdu(Type.C_CS_NA_1, Cot.SPONTANEOUS, ctx.common_address, (ClockSync(0, _now()),))
    await ctx.expect_refusal(conn, await ctx.request(conn, wrong_cot), "a clock synchronisation with COT 3", (45,),
                             silent_item="unknown.cot")


@case("A16", "Read", clause="IEC 60870-5-5 6.10; 101 7.4.10",
      purpose="C_RD_NA_1 is answered with the object (COT 5) and no ACT_CON.",
      pics=("functions.read", "points.read"),
      mutants=("confirm_read", "wrong_cause part=data cot=3", "wrong_io_address", "silence"),
      verifies="the object in its configured TI with COT 5 and the same IOA; any ACT_CON for the read is a deviation")
async def a16(ctx: CaseContext) -> None:
    ctx.require("functions.read")
    points = ctx.pics.monitored()
    if not points:
        raise CaseNotApplicable("PICS points.read lists no monitored point")
    point = points[0]
    conn = await ctx.connect()
    request = Asdu(Type.C_RD_NA_1, Cot.REQUEST, ctx.common_address, (Read(point.io_address),))
    got = await _answers(ctx, conn, request, cas=set(), within=0)
    since = conn.last_command_index
    answer = None
    with trio.move_on_after(ctx.answer_timeout):
        while answer is None:
            for entry in ctx.received(conn, since):
                a = entry.asdu
                if a is not None and int(a.type) != int(Type.C_RD_NA_1) and a.objects and a.objects[0].io_address == point.io_address and int(a.cot) not in (1, 2, 3):
                    answer = a
                    break
                if a is not None and int(a.type) == int(Type.C_RD_NA_1) and (a.negative or int(a.cot) in (44, 45, 46, 47)):
                    raise ctx.fail(f"the read of IOA {point.io_address} was refused (COT {int(a.cot)}, P/N={int(a.negative)})")
            await trio.sleep(0.02)
    del got
    confirmations = [e.asdu for e in ctx.received(conn, since) if e.asdu is not None
                     and int(e.asdu.type) == int(Type.C_RD_NA_1) and int(e.asdu.cot) == 7]
    if confirmations:
        raise ctx.fail(f"deviation: the read of IOA {point.io_address} was answered with an ACT_CON (C_RD_NA_1 COT 7); the standard answers a read with the object alone (COT 5)")
    if answer is None:
        raise ctx.fail(f"IOA {point.io_address} was not sent with COT 5 within {ctx.answer_timeout:g} s of the read")
    if int(answer.cot) != 5:
        raise ctx.fail(f"the read of IOA {point.io_address} was answered with COT {int(answer.cot)}; COT 5 (request) expected")


@case("A17", "Read errors", clause="IEC 60870-5-101 7.2.3 (COT 46, 47)",
      purpose="A read of an unknown IOA is refused with COT 47, of an unknown CA with COT 46.",
      pics=("functions.read", "unknown.io_address", "unknown.common_address"),
      mutants=("positive_confirmation", "refusal_without_pn"),
      verifies="COT 47 / COT 46 with P/N=1; a positive answer or a P/N=0 refusal named")
async def a17(ctx: CaseContext) -> None:
    ctx.require("functions.read")
    conn = await ctx.connect()
    ioa = _unknown_ioa(ctx)
    request = Asdu(Type.C_RD_NA_1, Cot.REQUEST, ctx.common_address, (Read(ioa),))
    await ctx.expect_refusal(conn, await ctx.request(conn, request), f"a read of the unknown IOA {ioa}", (47,),
                             silent_item="unknown.io_address")
    ca = _unknown_ca(ctx)
    request = Asdu(Type.C_RD_NA_1, Cot.REQUEST, ca, (Read(ioa),))
    await ctx.expect_refusal(conn, await ctx.request(conn, request), f"a read for the unknown CA {ca}", (46,),
                             silent_item="unknown.common_address")


@case("A18", "Test command", clause="IEC 60870-5-5 6.11; 104 8.4",
      purpose="C_TS_TA_1 is mirrored in a positive ACT_CON with the same TSC and time.",
      pics=("functions.test_command",),
      mutants=("negative_confirmation", "no_confirmation", "wrong_cause cot=3"),
      verifies="positive COT 7, IOA 0, the same TSC and CP56Time2a")
async def a18(ctx: CaseContext) -> None:
    ctx.require("functions.test_command")
    conn = await ctx.connect()
    sent = TestCommandWithTime(0, 0x1234, _now())
    result = await ctx.request(conn, Asdu(Type.C_TS_TA_1, Cot.ACTIVATION, ctx.common_address, (sent,)))
    got = ctx.expect_positive(result, "the test command")
    ob = got.objects[0] if isinstance(got, Asdu) and got.objects else None
    if not isinstance(ob, TestCommandWithTime) or ob.tsc != sent.tsc or ob.time != sent.time:
        raise ctx.fail(f"the test command's ACT_CON does not mirror TSC {sent.tsc:#06x} and its time: {ob}")


@case("A19", "101-only test command", clause="IEC 60870-5-104 8.4 (C_TS_NA_1 not used)",
      purpose="C_TS_NA_1 is refused with COT 44.",
      pics=("unknown.type",),
      mutants=("positive_confirmation", "refusal_without_pn"),
      verifies="COT 44 P/N=1 (or nothing when the PICS says unknown types are ignored)")
async def a19(ctx: CaseContext) -> None:
    conn = await ctx.connect()
    request = Asdu(Type.C_TS_NA_1, Cot.ACTIVATION, ctx.common_address, (TestCommand(0),))
    await ctx.expect_refusal(conn, await ctx.request(conn, request), "C_TS_NA_1", (44,), silent_item="unknown.type")


@case("A20", "Reset process", clause="IEC 60870-5-5 6.1.4; 101 7.4.11",
      purpose="C_RP_NA_1 QRP 2 (reset of the event buffer) is confirmed; the suite never restarts the RTU (QRP 1).",
      pics=("functions.reset_process",),
      mutants=("negative_confirmation", "no_confirmation"),
      verifies="positive ACT_CON COT 7 for QRP 2")
async def a20(ctx: CaseContext) -> None:
    ctx.require("functions.reset_process")
    conn = await ctx.connect()
    result = await ctx.request(conn, Asdu(Type.C_RP_NA_1, Cot.ACTIVATION, ctx.common_address, (ResetProcess(0, 2),)))
    ctx.expect_positive(result, "the reset process command (QRP 2)")


async def _command(ctx: CaseContext, conn: ClientConnection, point, *, select: bool, value=None,
                   cot: Cot = Cot.ACTIVATION, test: bool = False, ca: int | None = None, ioa: int | None = None,
                   qualifier: int = 0):
    ob = command_object(point.type, point.io_address if ioa is None else ioa,
                        point.value if value is None else value, select=select, qualifier=qualifier)
    asdu = Asdu(point.type, cot, ctx.common_address if ca is None else ca, (ob,), test=test)
    return await ctx.request(conn, asdu, termination=not select and cot is Cot.ACTIVATION and ctx.pics["commands.act_term"],
                             collect=lambda a: int(a.cot) == int(Cot.RETURN_INFO_REMOTE))


async def _check_execution(ctx: CaseContext, conn: ClientConnection, result, point, what: str) -> None:
    ctx.expect_positive(result, what)
    if ctx.pics["commands.act_term"] and not result.terminated:
        raise ctx.fail(f"no ACT_TERM (COT 10) after {what} within {ctx.answer_timeout:g} s (PICS commands.act_term is true)")
    if point.return_io_address is None:
        return
    since = conn.last_command_index

    def returned() -> bool:
        return any(e.asdu is not None and int(e.asdu.cot) == int(Cot.RETURN_INFO_REMOTE)
                   and any(ob.io_address == point.return_io_address for ob in getattr(e.asdu, "objects", ()))
                   for e in ctx.received(conn, since))

    if not await ctx.until(returned, ctx.answer_timeout):
        raise ctx.fail(f"no return information (COT 11) on IOA {point.return_io_address} after {what}")


def _point(ctx: CaseContext, mode: str):
    point = next(ctx.pics.commands(mode=mode), None)
    if point is None:
        raise CaseNotApplicable(f"PICS points.commands lists no point with mode {mode}")
    return point


@case("A21", "Single command direct", clause="IEC 60870-5-5 6.8; 101 7.4.5",
      purpose="A direct command is confirmed, its return information (COT 11) follows, ACT_TERM if the PICS says so.",
      pics=("points.commands", "commands.act_term"),
      mutants=("negative_confirmation", "no_return_information", "no_termination", "no_confirmation"),
      verifies="positive COT 7 mirror, COT 11 on the return IOA, COT 10 when commands.act_term")
async def a21(ctx: CaseContext) -> None:
    point = _point(ctx, "direct")
    conn = await ctx.connect()
    result = await _command(ctx, conn, point, select=False)
    await _check_execution(ctx, conn, result, point, f"the direct command to IOA {point.io_address}")


@case("A22", "Single command SBO", clause="IEC 60870-5-5 6.8; 101 7.4.5",
      purpose="Select (S/E=1) then execute (S/E=0): both confirmed, return information, ACT_TERM.",
      pics=("points.commands", "commands.act_term"),
      mutants=("negative_confirmation", "no_return_information", "no_termination"),
      verifies="select COT 7 positive; execute COT 7 positive, COT 11, COT 10 when commands.act_term")
async def a22(ctx: CaseContext) -> None:
    point = _point(ctx, "select")
    conn = await ctx.connect()
    ctx.expect_positive(await _command(ctx, conn, point, select=True), f"the select of IOA {point.io_address}")
    result = await _command(ctx, conn, point, select=False)
    await _check_execution(ctx, conn, result, point, f"the execute to IOA {point.io_address}")


@case("A23", "Execute without select", clause="IEC 60870-5-5 6.8",
      purpose="An execute on a select-before-operate point without a select is refused.",
      pics=("points.commands",),
      mutants=("positive_confirmation",),
      verifies="negative ACT_CON (COT 7, P/N=1); a positive one named")
async def a23(ctx: CaseContext) -> None:
    point = _point(ctx, "select")
    conn = await ctx.connect()
    result = await _command(ctx, conn, point, select=False)
    await ctx.expect_refusal(conn, result, f"an execute without select to IOA {point.io_address}", (7,))


@case("A24", "Select time-out", clause="IEC 60870-5-5 6.8",
      purpose="An execute later than the select time-out is refused.",
      pics=("points.commands", "commands.select_timeout"),
      mutants=("positive_confirmation",),
      verifies="select positive; execute after select_timeout + 1 s → negative ACT_CON")
async def a24(ctx: CaseContext) -> None:
    point = _point(ctx, "select")
    conn = await ctx.connect()
    ctx.expect_positive(await _command(ctx, conn, point, select=True), f"the select of IOA {point.io_address}")
    await trio.sleep(float(ctx.pics["commands.select_timeout"]) + 1.0)
    result = await _command(ctx, conn, point, select=False)
    await ctx.expect_refusal(conn, result, f"an execute after the select time-out to IOA {point.io_address}", (7,))


@case("A26", "Select cancel", clause="IEC 60870-5-5 6.8",
      purpose="Select, then deactivation (COT 8): DEACT_CON (COT 9); a following execute is refused.",
      pics=("points.commands",),
      mutants=("positive_confirmation", "no_confirmation nth=2", "negative_confirmation nth=2"),
      verifies="select positive; COT 9 positive; execute → negative ACT_CON")
async def a26(ctx: CaseContext) -> None:
    point = _point(ctx, "select")
    conn = await ctx.connect()
    ctx.expect_positive(await _command(ctx, conn, point, select=True), f"the select of IOA {point.io_address}")
    cancel = await _command(ctx, conn, point, select=True, cot=Cot.DEACTIVATION)
    ctx.expect_positive(cancel, f"the deactivation of the select of IOA {point.io_address}", cot=9)
    result = await _command(ctx, conn, point, select=False)
    await ctx.expect_refusal(conn, result, f"an execute after the select was cancelled (IOA {point.io_address})", (7,))


@case("A33", "Test bit on commands", clause="IEC 60870-5-101 7.2.3 (T bit)",
      purpose="A command with T=1 is confirmed with T=1.",
      pics=("points.commands",),
      mutants=("clear_test_bit",),
      verifies="the confirmation mirrors T=1")
async def a33(ctx: CaseContext) -> None:
    point = _point(ctx, "direct")
    conn = await ctx.connect()
    result = await _command(ctx, conn, point, select=False, test=True)
    got = result.confirmation
    if got is None:
        raise ctx.fail(f"no confirmation of the command with T=1 within {ctx.answer_timeout:g} s")
    if not got.test:
        raise ctx.fail("the confirmation of a command with T=1 arrived with T=0; the test bit must be mirrored")


@case("A34", "Command addressing errors", clause="IEC 60870-5-101 7.2.3 (COT 45-47)",
      purpose="Unknown IOA → COT 47; unknown CA → COT 46; COT 3 on a command → COT 45.",
      pics=("points.commands", "unknown.io_address", "unknown.common_address", "unknown.cot"),
      mutants=("positive_confirmation", "refusal_without_pn"),
      verifies="each refusal with its COT and P/N=1; positive answers and P/N=0 refusals named")
async def a34(ctx: CaseContext) -> None:
    point = _point(ctx, "direct")
    conn = await ctx.connect()
    ioa = _unknown_ioa(ctx)
    await ctx.expect_refusal(conn, await _command(ctx, conn, point, select=False, ioa=ioa),
                             f"a command to the unknown IOA {ioa}", (47,), silent_item="unknown.io_address")
    ca = _unknown_ca(ctx)
    await ctx.expect_refusal(conn, await _command(ctx, conn, point, select=False, ca=ca),
                             f"a command for the unknown CA {ca}", (46,), silent_item="unknown.common_address")
    await ctx.expect_refusal(conn, await _command(ctx, conn, point, select=False, cot=Cot.SPONTANEOUS),
                             "a command with COT 3", (45,), silent_item="unknown.cot")


@case("A41", "Multiple CAs / OA", clause="IEC 60870-5-101 7.2.3 (originator address)",
      purpose="A GI per CA with OA ≠ 0: each CA answers with its own CA; the OA is echoed.",
      pics=("functions.station_interrogation", "rtu.common_addresses"),
      mutants=("wrong_originator", "wrong_common_address"),
      verifies="for each CA: ACT_CON, data and ACT_TERM with that CA and OA 9")
async def a41(ctx: CaseContext) -> None:
    ctx.require("functions.station_interrogation")
    conn = await ctx.connect(originator_address=9)
    for ca in ctx.pics["rtu.common_addresses"]:
        request = _interrogation(ctx, 20, ca=ca, oa=9)
        got = await _answers(ctx, conn, request, cas={ca})
        # the PICS lists the points of the first CA only; IOAs are per CA, so another CA's
        # points may share IOAs with the first's
        expected = {p.io_address: p.type for p in ctx.pics.monitored()} if ca == ctx.common_address else None
        _check_procedure(ctx, got, request, f"the interrogation of CA {ca} with OA 9", 20, expected, ca=ca, originator=9)


async def _counter_sequences(ctx: CaseContext, conn: ClientConnection) -> dict[int, int]:
    """IOA -> SQ of every counter in a counter interrogation (QCC 5)."""
    request = _counter_request(ctx, 5)
    got = await _answers(ctx, conn, request, cas={ctx.common_address})
    return {ob.io_address: int(ob.bcr.sequence) for a in got if isinstance(a, Asdu) and int(a.cot) == 37
            for ob in a.objects if hasattr(ob, "bcr")}


async def _freeze(ctx: CaseContext, conn: ClientConnection, frz: Frz, what: str) -> None:
    request = _counter_request(ctx, 5, frz)
    result = await ctx.request(conn, request, termination=True)
    ctx.expect_positive(result, what)
    if not result.terminated:
        raise ctx.fail(f"no ACT_TERM (COT 10) after {what} within {ctx.answer_timeout:g} s")


@case("A10", "Freeze without reset", clause="IEC 60870-5-5 6.9; 101 7.2.6.41 (QCC)",
      purpose="QCC 0x45 freezes the counters: ACT_CON, ACT_TERM; the sequence number SQ of each counter increments per freeze.",
      pics=("functions.counter_freeze", "points.read"),
      mutants=("negative_confirmation type=C_CI_NA_1 nth=2", "no_termination type=C_CI_NA_1 nth=2"),
      verifies="positive COT 7 and COT 10 for the freeze; a following read shows SQ + 1 for every counter")
async def a10(ctx: CaseContext) -> None:
    ctx.require("functions.counter_interrogation", "functions.counter_freeze")
    conn = await ctx.connect()
    before = await _counter_sequences(ctx, conn)
    await _freeze(ctx, conn, Frz.FREEZE_WITHOUT_RESET, "the counter freeze (QCC 0x45)")
    after = await _counter_sequences(ctx, conn)
    for ioa, sq in before.items():
        if after.get(ioa) != (sq + 1) % 32:
            raise ctx.fail(f"counter IOA {ioa}: SQ {sq} before the freeze, {after.get(ioa)} after it; {(sq + 1) % 32} expected")


@case("A12", "Counter reset", clause="IEC 60870-5-5 6.9; 101 7.2.6.41 (QCC)",
      purpose="QCC 0xC5 resets the counters: ACT_CON and ACT_TERM.",
      pics=("functions.counter_freeze",),
      mutants=("negative_confirmation", "no_confirmation"),
      verifies="positive COT 7 and COT 10 for the reset")
async def a12(ctx: CaseContext) -> None:
    ctx.require("functions.counter_interrogation", "functions.counter_freeze")
    conn = await ctx.connect()
    await _freeze(ctx, conn, Frz.COUNTER_RESET, "the counter reset (QCC 0xC5)")


def _other_value(point) -> object | None:
    """A value different from the point's (for a select/execute mismatch), None if unknown."""
    if point.type in (Type.C_SC_NA_1, Type.C_SC_TA_1):
        return not bool(point.value) if isinstance(point.value, bool) else None
    if point.type in (Type.C_DC_NA_1, Type.C_DC_TA_1):
        return "OFF" if str(point.value).upper() == "ON" else "ON"
    if point.type in (Type.C_RC_NA_1, Type.C_RC_TA_1):
        return "LOWER" if str(point.value).upper() == "HIGHER" else "HIGHER"
    return None


@case("A25", "Select/execute mismatch", clause="IEC 60870-5-5 6.8",
      purpose="An execute with another value than its select is refused.",
      pics=("points.commands",),
      mutants=("positive_confirmation",),
      verifies="select positive; execute with the other value → negative ACT_CON")
async def a25(ctx: CaseContext) -> None:
    point = _point(ctx, "select")
    other = _other_value(point)
    if other is None:
        raise CaseNotApplicable(f"PICS points.commands: IOA {point.io_address} ({point.type.name}) has no opposite value")
    conn = await ctx.connect()
    ctx.expect_positive(await _command(ctx, conn, point, select=True), f"the select of IOA {point.io_address}")
    result = await _command(ctx, conn, point, select=False, value=other)
    await ctx.expect_refusal(conn, result, f"an execute with {other} after a select with {point.value} (IOA {point.io_address})", (7,))


def _typed_point(ctx: CaseContext, types: tuple[Type, ...], what: str):
    point = next(ctx.pics.commands(types=types), None)
    if point is None:
        raise CaseNotApplicable(f"PICS points.commands lists no {what} point ({', '.join(t.name for t in types)})")
    return point


async def _execute(ctx: CaseContext, conn: ClientConnection, point, what: str) -> None:
    if point.mode == "select":
        ctx.expect_positive(await _command(ctx, conn, point, select=True), f"the select of {what}")
    result = await _command(ctx, conn, point, select=False)
    await _check_execution(ctx, conn, result, point, what)


@case("A27", "Double command", clause="IEC 60870-5-5 6.8; 101 7.2.6.16 (DCO)",
      purpose="A double command is executed as A21/A22; DCS 0 and 3 are refused.",
      pics=("points.commands", "commands.act_term"),
      mutants=("positive_confirmation", "no_return_information", "no_termination"),
      verifies="execution as A21/A22; DCS 0 (not permitted) and 3 → negative ACT_CON")
async def a27(ctx: CaseContext) -> None:
    point = _typed_point(ctx, (Type.C_DC_NA_1,), "double command")
    conn = await ctx.connect()
    await _execute(ctx, conn, point, f"the double command to IOA {point.io_address}")
    for dcs in ("INTERMEDIATE", "INDETERMINATE"):
        result = await _command(ctx, conn, point, select=point.mode == "select", value=dcs)
        await ctx.expect_refusal(conn, result, f"a double command with DCS {dcs} (not permitted)", (7,))


@case("A28", "Regulating step", clause="IEC 60870-5-5 6.8; 101 7.2.6.17 (RCO)",
      purpose="A step command is executed; RCS 0 and 3 are refused.",
      pics=("points.commands", "commands.act_term"),
      mutants=("positive_confirmation", "no_return_information", "negative_confirmation"),
      verifies="execution as A21/A22; RCS 0 and 3 → negative ACT_CON")
async def a28(ctx: CaseContext) -> None:
    point = _typed_point(ctx, (Type.C_RC_NA_1,), "regulating step")
    conn = await ctx.connect()
    await _execute(ctx, conn, point, f"the step command to IOA {point.io_address}")
    for rcs in (0, 3):
        result = await _command(ctx, conn, point, select=point.mode == "select", value=rcs)
        await ctx.expect_refusal(conn, result, f"a step command with RCS {rcs} (not permitted)", (7,))


@case("A29", "Set-points", clause="IEC 60870-5-5 6.8; 101 7.3.2.4-7.3.2.6",
      purpose="Set-point commands (normalised, scaled, float) are confirmed, with return information and ACT_TERM per the PICS.",
      pics=("points.commands", "commands.act_term"),
      mutants=("negative_confirmation", "no_termination", "no_return_information"),
      verifies="each set-point point of the PICS: positive COT 7, COT 11 on its return IOA, COT 10 when commands.act_term")
async def a29(ctx: CaseContext) -> None:
    points = list(ctx.pics.commands(types=(Type.C_SE_NA_1, Type.C_SE_NB_1, Type.C_SE_NC_1)))
    if not points:
        raise CaseNotApplicable("PICS points.commands lists no set-point (C_SE_NA_1, C_SE_NB_1, C_SE_NC_1)")
    conn = await ctx.connect()
    for point in points:
        await _execute(ctx, conn, point, f"the set-point {point.type.name} to IOA {point.io_address}")


@case("A31", "Pulse qualifiers", clause="IEC 60870-5-101 7.2.6.26 (QU)",
      purpose="A single command with QU 1, 2 and 3 is executed; a qualifier the standard reserves (QU 8, compatible range) is refused.",
      pics=("points.commands",),
      mutants=("positive_confirmation", "negative_confirmation nth=2"),
      verifies="QU 1-3: positive ACT_CON; QU 8: negative ACT_CON")
async def a31(ctx: CaseContext) -> None:
    point = next((p for p in ctx.pics.commands(mode="direct", types=(Type.C_SC_NA_1, Type.C_DC_NA_1))), None)
    if point is None:
        raise CaseNotApplicable("PICS points.commands lists no direct single or double command")
    conn = await ctx.connect()
    for qu in (1, 2, 3):
        result = await _command(ctx, conn, point, select=False, qualifier=qu)
        ctx.expect_positive(result, f"the command to IOA {point.io_address} with QU {qu}")
    result = await _command(ctx, conn, point, select=False, qualifier=8)
    await ctx.expect_refusal(conn, result, f"a command to IOA {point.io_address} with QU 8 (reserved for the standard)", (7,))


@case("A37", "Cyclic data", clause="IEC 60870-5-5 6.3 (cyclic data transmission)",
      purpose="A point with a cycle is reported with COT 1 at its cycle, without time tag.",
      pics=("points.read",),
      mutants=("lose_event", "wrong_cause part=event cot=3"),
      verifies="the first cyclic point of the PICS: at least two COT 1 reports within 2 cycles + 1 s, types without time tag")
async def a37(ctx: CaseContext) -> None:
    point = next((p for p in ctx.pics.read_points if p.cycle is not None), None)
    if point is None:
        raise CaseNotApplicable("PICS points.read names no point with a cycle")
    cycle = float(point.cycle)
    conn = await ctx.connect()

    def reports() -> list[Asdu | UnknownAsdu]:
        return [e.asdu for e in ctx.received(conn) if e.asdu is not None and int(e.asdu.cot) == 1
                and any(ob.io_address == point.io_address for ob in getattr(e.asdu, "objects", ()))]

    await ctx.until(lambda: len(reports()) >= 2, 2 * cycle + 1.0)
    got = reports()
    if len(got) < 2:
        other = [e.asdu for e in ctx.received(conn) if e.asdu is not None
                 and any(ob.io_address == point.io_address for ob in getattr(e.asdu, "objects", ()))]
        seen = f"; it came with COT {sorted({int(a.cot) for a in other})}" if other else ""
        raise ctx.fail(f"IOA {point.io_address} sent {len(got)} cyclic reports (COT 1) in {2 * cycle + 1:g} s; cycle {cycle:g} s{seen}")
    timed = [a for a in got if type_info(a.type).time_tag is not None]
    if timed:
        raise ctx.fail(f"IOA {point.io_address} is reported cyclically as {timed[0].type.name}, with a time tag")
