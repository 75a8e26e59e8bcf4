"""Robustness cases (catalogue R, protocol.md 2.3): what the RTU does with wrong ASDUs."""

from __future__ import annotations

import datetime as _dt

import trio

from ..engine.client import ClientConnection, CommandResult
from ..protocol.apci import encode_i_frame
from ..protocol.asdu import Asdu, UnknownAsdu
from ..protocol.commands import command_object
from ..protocol.enums import Cot, Type
from ..protocol.objects import Interrogation
from ..protocol.timetags import CP56Time2a
from .case import CaseFailed, CaseNotApplicable, case
from .context import MIRRORS, CaseContext


async def _first_answer(ctx: CaseContext, conn: ClientConnection, asdu: Asdu | UnknownAsdu) -> Asdu | UnknownAsdu | None:
    """Send ``asdu``; the first received ASDU of its type with COT 7, 9 or 44-47 (None: none)."""
    since = conn.journal.next_index
    conn.last_command_index = since
    await conn.send_asdu(asdu, timeout=ctx.answer_timeout)
    with trio.move_on_after(ctx.answer_timeout):
        while True:
            for entry in ctx.received(conn, since):
                got = entry.asdu
                if got is not None and int(got.type) == int(asdu.type) and (int(got.cot) in (7, 9) or int(got.cot) in MIRRORS):
                    return got
            if conn.close_info is not None:
                return None
            await trio.sleep(0.02)
    return None


def _result(asdu: Asdu | UnknownAsdu, got: Asdu | UnknownAsdu | None) -> CommandResult:
    return CommandResult(Type.C_IC_NA_1, asdu.common_address, 0, Cot.ACTIVATION,
                         None if got is None else not got.negative, got, False, None, (), (), 0.0, 0.0)


async def _refused(ctx: CaseContext, conn: ClientConnection, asdu: Asdu | UnknownAsdu, what: str,
                   causes: tuple[int, ...], silent_item: str | None) -> None:
    got = await _first_answer(ctx, conn, asdu)
    await ctx.expect_refusal(conn, _result(asdu, got), what, causes, silent_item=silent_item)


@case("R07", "Multiple objects on single-object TI", clause="IEC 60870-5-101 7.2.2 (VSQ)",
      purpose="C_IC_NA_1 with two objects is refused or ignored, never executed.",
      mutants=("positive_confirmation",),
      verifies="no positive ACT_CON for an interrogation with N=2")
async def r07(ctx: CaseContext) -> None:
    conn = await ctx.connect()
    await trio.sleep(0.3)
    asdu = Asdu(Type.C_IC_NA_1, Cot.ACTIVATION, ctx.common_address, (Interrogation(0, 20), Interrogation(0, 20)))
    got = await _first_answer(ctx, conn, asdu)
    if got is not None and not got.negative and int(got.cot) not in MIRRORS:
        raise ctx.fail("an interrogation with two objects (N=2 on a single-object type) was confirmed positively; it must be refused or ignored")


@case("R08", "Unknown TI", clause="IEC 60870-5-101 7.2.3 (COT 44)",
      purpose="An ASDU of an unknown type (TI 200) is mirrored with COT 44, P/N=1.",
      pics=("unknown.type",),
      mutants=("positive_confirmation", "refusal_without_pn", "silence"),
      verifies="COT 44 P/N=1 (or silence when the PICS says so); a missing answer is named")
async def r08(ctx: CaseContext) -> None:
    conn = await ctx.connect()
    asdu = UnknownAsdu(200, Cot.ACTIVATION, ctx.common_address, bytes(3) + b"\x00")
    await _refused(ctx, conn, asdu, "an ASDU of unknown type 200", (44,), "unknown.type")


@case("R09", "TI not allowed in control direction", clause="IEC 60870-5-101 7.2.3 (COT 44)",
      purpose="A monitoring type (M_SP_NA_1, COT 3) sent by the tool is refused with COT 44.",
      pics=("unknown.type",),
      mutants=("positive_confirmation", "refusal_without_pn"),
      verifies="COT 44 P/N=1")
async def r09(ctx: CaseContext) -> None:
    conn = await ctx.connect()
    asdu = UnknownAsdu(int(Type.M_SP_NA_1), Cot.SPONTANEOUS, ctx.common_address, (1).to_bytes(3, "little") + b"\x01")
    await _refused(ctx, conn, asdu, "M_SP_NA_1 in the control direction", (44,), "unknown.type")


@case("R10", "Undefined COT", clause="IEC 60870-5-101 7.2.3 (COT 45)",
      purpose="A request with an undefined or unfit cause (COT 19; COT 3 on an interrogation) is refused with COT 45.",
      pics=("functions.station_interrogation", "unknown.cot"),
      mutants=("positive_confirmation", "refusal_without_pn"),
      verifies="COT 45 P/N=1 for both")
async def r10(ctx: CaseContext) -> None:
    conn = await ctx.connect()
    await trio.sleep(0.3)
    for cot in (19, 3):
        asdu = Asdu(Type.C_IC_NA_1, cot, ctx.common_address, (Interrogation(0, 20),))
        await _refused(ctx, conn, asdu, f"an interrogation with COT {cot}", (45,), "unknown.cot")


@case("R11", "P/N set in an activation", clause="IEC 60870-5-101 7.2.3 (P/N)",
      purpose="A command with P/N=1 is ignored or refused, never executed.",
      pics=("points.commands",),
      mutants=("positive_confirmation",),
      verifies="no positive ACT_CON for a command with P/N=1")
async def r11(ctx: CaseContext) -> None:
    point = next(ctx.pics.commands(mode="direct"), None)
    if point is None:
        raise CaseNotApplicable("PICS points.commands lists no point with mode direct")
    conn = await ctx.connect()
    ob = command_object(point.type, point.io_address, point.value)
    asdu = Asdu(point.type, Cot.ACTIVATION, ctx.common_address, (ob,), negative=True)
    got = await _first_answer(ctx, conn, asdu)
    if got is not None and not got.negative and int(got.cot) not in MIRRORS:
        raise ctx.fail(f"a command with P/N=1 to IOA {point.io_address} was confirmed positively; it must be ignored or refused")


@case("R12", "Invalid CP56", clause="IEC 60870-5-4 (CP56Time2a); 101 7.3.4.2",
      purpose="C_CS_NA_1 with minute 61 is refused; the clock stays.",
      pics=("functions.clock_sync",),
      mutants=("positive_confirmation",),
      verifies="a negative ACT_CON (COT 7, P/N=1) or a COT 44-47 refusal; a positive one named")
async def r12(ctx: CaseContext) -> None:
    ctx.require("functions.clock_sync")
    conn = await ctx.connect()
    good = CP56Time2a.from_datetime(_dt.datetime.now())
    raw = bytearray(good.to_bytes())
    raw[2] = (raw[2] & 0xC0) | 61  # minute 61
    asdu = UnknownAsdu(int(Type.C_CS_NA_1), Cot.ACTIVATION, ctx.common_address, bytes(3) + bytes(raw))
    await _refused(ctx, conn, asdu, "a clock synchronisation with minute 61", (7, 44, 45, 46, 47), None)


@case("R16", "Bounded burst", clause="IEC 60870-5-104 5.1 (k, w)",
      purpose="50 interrogations in a row (each sent when the previous ended) are each answered completely; the RTU stays responsive.",
      pics=("functions.station_interrogation",),
      mutants=("no_termination type=C_IC_NA_1 nth=25", "silence type=C_IC_NA_1 nth=40"),
      verifies="each of 50 interrogations: ACT_CON then ACT_TERM within t1; TESTFR answered afterwards (the link checks N(S)/N(R))")
async def r16(ctx: CaseContext) -> None:
    ctx.require("functions.station_interrogation")
    conn = await ctx.connect()
    await trio.sleep(0.3)
    request = Asdu(Type.C_IC_NA_1, Cot.ACTIVATION, ctx.common_address, (Interrogation(0, 20),))
    for n in range(1, 51):
        since = conn.journal.next_index
        await conn.send_asdu(request, timeout=ctx.answer_timeout)

        def answer(since: int = since) -> list[int]:
            return [int(e.asdu.cot) for e in ctx.received(conn, since) if e.asdu is not None
                    and int(e.asdu.type) == int(Type.C_IC_NA_1)]

        await ctx.until(lambda: 10 in answer() or conn.close_info is not None, ctx.answer_timeout)
        if conn.close_info is not None:
            raise ctx.fail(f"the connection ended during interrogation {n} of 50 in a row: {conn.close_info.reason}")
        if answer()[:1] != [7] or 10 not in answer():
            raise ctx.fail(f"interrogation {n} of 50 in a row was answered with COT {answer()}; ACT_CON (7) then ACT_TERM (10) expected")
    answered = await _test_frame(ctx, conn)
    if not answered:
        raise ctx.fail(f"no TESTFR con within {ctx.answer_timeout:g} s after 50 interrogations in a row")


async def _test_frame(ctx: CaseContext, conn: ClientConnection) -> bool:
    since = conn.journal.next_index
    await conn.send_test_frame()
    con = bytes.fromhex("680483000000")
    return await ctx.until(lambda: any(e.raw == con for e in ctx.received(conn, since)), ctx.answer_timeout)


async def _malformed(ctx: CaseContext, asdu: bytes, what: str) -> None:
    conn = await ctx.connect()
    await trio.sleep(0.3)
    link = conn.link
    assert link is not None
    # The raw I-frame is not counted by the tool's link: the RTU's acknowledgement of it (sent
    # before it closes) must not make c104test close first.
    link.tolerate_sequence_errors = True
    since = conn.journal.next_index
    await conn.send_raw(encode_i_frame(link.vs, link.vr, asdu))
    problems = []
    try:
        await ctx.expect_peer_close(conn, ctx.answer_timeout, what)
    except CaseFailed as exc:
        problems.append(str(exc))
    executed = [e for e in ctx.received(conn, since) if e.asdu is not None and int(e.asdu.cot) == 7 and not e.asdu.negative]
    if executed:
        problems.append(f"it was executed: {executed[0].explain()}")
    if problems:
        raise ctx.fail("; ".join(problems))


@case("R05", "ASDU shorter than header", clause="IEC 60870-5-104 5 (APDU), 101 7.1",
      purpose="An I-frame with a 2-octet ASDU makes the RTU close the connection (lib60870 does).",
      mutants=("ignore_malformed_asdu",),
      verifies="the RTU (not c104test) closes within t1; nothing is executed")
async def r05(ctx: CaseContext) -> None:
    await _malformed(ctx, bytes((100, 1)), "an I-frame whose ASDU has 2 octets")


@case("R06", "VSQ/payload mismatch", clause="IEC 60870-5-101 7.2.2 (VSQ)",
      purpose="C_SC_NA_1 with N=5 and one object is rejected without partial execution (lib60870 closes).",
      pics=("points.commands",),
      mutants=("ignore_malformed_asdu",),
      verifies="the RTU (not c104test) closes within t1; no ACT_CON")
async def r06(ctx: CaseContext) -> None:
    point = next(ctx.pics.commands(mode="direct", types=(Type.C_SC_NA_1,)), None)
    ioa = point.io_address if point is not None else 1
    asdu = bytes((45, 5, 6, 0)) + ctx.common_address.to_bytes(2, "little") + ioa.to_bytes(3, "little") + b"\x01"
    await _malformed(ctx, asdu, "C_SC_NA_1 with VSQ N=5 and one object")
