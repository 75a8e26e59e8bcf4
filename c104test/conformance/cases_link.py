"""Link cases (catalogue L, protocol.md 2.3): STARTDT/STOPDT, TESTFR, t2, w, sequence numbers."""

from __future__ import annotations

import datetime as _dt

import trio

from ..engine.client import ClientConnection
from ..protocol.apci import UFunction, decode_frame, encode_s_frame, encode_u_frame
from ..protocol.asdu import Asdu
from ..protocol.closing import ClosedBy
from ..protocol.enums import Cot, Type
from ..protocol.objects import Interrogation, TestCommandWithTime
from ..protocol.timetags import CP56Time2a
from .case import CaseFailed, CaseNotApplicable, case
from .context import CaseContext

TESTFR_ACT = encode_u_frame(UFunction.TESTFR_ACT)
TESTFR_CON = encode_u_frame(UFunction.TESTFR_CON)


async def _expect_test_frame_answer(ctx: CaseContext, conn: ClientConnection, state: str) -> None:
    since = conn.journal.next_index
    await conn.send_test_frame()
    answered = await ctx.until(
        lambda: conn.close_info is not None or any(e.raw == TESTFR_CON for e in ctx.received(conn, since)),
        ctx.answer_timeout)
    if conn.close_info is not None:
        raise ctx.fail(f"the connection ended after TESTFR act in {state} state: {conn.close_info.reason}")
    if answered:
        return
    raise await ctx.fail_stalled(conn, f"no TESTFR con within {ctx.answer_timeout:g} s of a TESTFR act in {state} state")


def _i_frames(ctx: CaseContext, conn: ClientConnection, since: int = 0) -> list:
    return [e for e in ctx.received(conn, since) if e.is_i_frame]


def _test_command(ctx: CaseContext, tsc: int) -> Asdu:
    ob = TestCommandWithTime(0, tsc, CP56Time2a.from_datetime(_dt.datetime.now()))
    return Asdu(Type.C_TS_TA_1, Cot.ACTIVATION, ctx.common_address, (ob,))


@case("L01", "Listen / active open", clause="IEC 60870-5-104 5.3, 5.2 (604 5.3.2.4-5)",
      purpose="The RTU accepts the connection, sends no I-frame before STARTDT and answers TESTFR.",
      mutants=("no_test_frame_confirmation",),
      verifies="no I-frame for 1 s after connect; TESTFR con within t1")
async def l01(ctx: CaseContext) -> None:
    conn = await ctx.connect(start=False)
    await trio.sleep(min(1.0, ctx.answer_timeout))
    early = _i_frames(ctx, conn)
    if early:
        raise ctx.fail(f"the RTU sent an I-frame before STARTDT: {early[0].explain()}")
    await _expect_test_frame_answer(ctx, conn, "stopped")


@case("L02", "STARTDT", clause="IEC 60870-5-104 5.3",
      purpose="STARTDT act is confirmed within t1; after it the RTU's first I-frame is the end of initialisation.",
      pics=("functions.end_of_initialisation",),
      mutants=("no_end_of_initialisation",),
      verifies="STARTDT con within t1; first I-frame M_EI_NA_1 when the PICS claims it")
async def l02(ctx: CaseContext) -> None:
    conn = await ctx.connect(start=False)
    since = conn.journal.next_index
    try:
        await conn.start_data_transfer(timeout=ctx.answer_timeout)
    except Exception as exc:  # CommandTimeout or LinkDown: the RTU did not confirm
        raise ctx.fail(f"STARTDT act was not confirmed: {exc}") from None
    if not ctx.pics["functions.end_of_initialisation"]:
        return
    await ctx.until(lambda: bool(_i_frames(ctx, conn, since)), ctx.answer_timeout)
    frames = _i_frames(ctx, conn, since)
    if not frames or frames[0].asdu is None or frames[0].asdu.type != Type.M_EI_NA_1:
        first = frames[0].explain() if frames else "none"
        raise ctx.fail(f"the first I-frame after STARTDT is not the end of initialisation (M_EI_NA_1): {first}")


@case("L04", "STOPDT, nothing outstanding", clause="IEC 60870-5-104 5.3",
      purpose="STOPDT act is confirmed; afterwards the RTU still answers TESTFR.",
      mutants=("no_test_frame_confirmation",),
      verifies="STOPDT con within t1, no I-frame after it, TESTFR con in stopped state")
async def l04(ctx: CaseContext) -> None:
    conn = await ctx.connect()
    await trio.sleep(0.3)  # let the start-up reports (end of initialisation) go by
    try:
        await conn.stop_data_transfer(timeout=ctx.answer_timeout)
    except Exception as exc:
        raise await ctx.fail_stalled(conn, f"STOPDT act was not confirmed: {exc}") from None
    since = conn.journal.next_index
    await _expect_test_frame_answer(ctx, conn, "stopped")
    late = _i_frames(ctx, conn, since)
    if late:
        raise ctx.fail(f"the RTU sent an I-frame after STOPDT con: {late[0].explain()}")


@case("L05", "STOPDT with unacknowledged RTU frames", clause="IEC 60870-5-104 5.3",
      purpose="STOPDT act while the RTU's I-frames are unacknowledged: STOPDT con only after an S-frame acknowledged them.",
      pics=("functions.station_interrogation", "link.k"),
      mutants=("early_stop_confirmation",),
      verifies="after a GI (its ACT_TERM, or k I-frames) with acknowledgements withheld and STOPDT act: no STOPDT con and no new I-frame for 0.5 s; STOPDT con within t1 of S(N(R)=V(R))")
async def l05(ctx: CaseContext) -> None:
    ctx.require("functions.station_interrogation")
    conn = await ctx.connect()
    await trio.sleep(0.3)
    conn.set_withhold_acknowledgements(True)
    request = Asdu(Type.C_IC_NA_1, Cot.ACTIVATION, ctx.common_address, (Interrogation(0, 20),))
    since = conn.journal.next_index
    await conn.send_asdu(request)

    k = int(ctx.pics["link.k"])

    def outstanding() -> bool:
        """The interrogation ended (ACT_TERM), or the RTU's k window is full: an RTU whose answer
        is longer than k I-frames stops at k and sends the ACT_TERM only after an acknowledgement."""
        got = ctx.received(conn, since)
        return sum(e.is_i_frame for e in got) >= k or terminated()

    def terminated() -> bool:
        return any(e.asdu is not None and e.asdu.type == Type.C_IC_NA_1 and int(e.asdu.cot) == 10
                   for e in ctx.received(conn, since))

    if not await ctx.until(outstanding, ctx.answer_timeout):
        raise ctx.fail(f"neither an ACT_TERM for the interrogation that provokes the I-frames nor k={k} "
                       f"unacknowledged I-frames within {ctx.answer_timeout:g} s")
    stop_con = encode_u_frame(UFunction.STOPDT_CON)
    stopped_at = conn.journal.next_index
    await conn.send_raw(encode_u_frame(UFunction.STOPDT_ACT))
    await trio.sleep(0.5)
    early = [e for e in ctx.received(conn, stopped_at) if e.raw == stop_con or e.is_i_frame]
    if conn.close_info is not None and not early:
        raise ctx.fail(f"the connection ended after STOPDT act with the RTU's I-frames unacknowledged: "
                       f"{_who_closed(conn)}; the RTU must wait for the acknowledgement, then send STOPDT con")
    if early:
        raise ctx.fail(f"after STOPDT act with its I-frames unacknowledged the RTU sent {early[0].explain()}; "
                       "STOPDT con must wait for the acknowledgement")
    link = conn.link
    assert link is not None
    await conn.send_raw(encode_s_frame(link.vr))
    if not await ctx.until(lambda: any(e.raw == stop_con for e in ctx.received(conn, stopped_at)), ctx.answer_timeout):
        raise ctx.fail(f"no STOPDT con within {ctx.answer_timeout:g} s of the S-frame that acknowledged everything")


def _who_closed(conn: ClientConnection) -> str:
    info = conn.close_info
    assert info is not None
    return f"{'the RTU' if info.by is ClosedBy.PEER else 'c104test'} closed it ({info.reason})"


@case("L07", "TESTFR answer", clause="IEC 60870-5-104 5.2",
      purpose="TESTFR act is answered in started and stopped state without touching N(S)/N(R).",
      mutants=("no_test_frame_confirmation",),
      verifies="TESTFR con within t1 in both states")
async def l07(ctx: CaseContext) -> None:
    conn = await ctx.connect()
    await _expect_test_frame_answer(ctx, conn, "started")
    try:
        await conn.stop_data_transfer(timeout=ctx.answer_timeout)
    except Exception as exc:
        raise ctx.fail(f"STOPDT act was not confirmed: {exc}") from None
    await _expect_test_frame_answer(ctx, conn, "stopped")


def _acknowledged(ctx: CaseContext, conn: ClientConnection, since: int) -> int:
    """The highest N(R) the RTU sent since ``since`` (S- or I-frames)."""
    best = 0
    for e in ctx.received(conn, since):
        frame = decode_frame(e.raw)
        nr = getattr(frame, "recv_seq", None)
        if nr is not None:
            best = max(best, nr)
    return best


@case("L11", "t2 acknowledgement", clause="IEC 60870-5-104 5.1 (t2)",
      purpose="One I-frame from the tool is acknowledged within t2 (S-frame or piggyback).",
      pics=("link.t2",),
      mutants=("silence type=C_TS_TA_1 + withhold_acknowledgements",),
      verifies="an S- or I-frame with N(R)=1 within t2 + 1 s")
async def l11(ctx: CaseContext) -> None:
    conn = await ctx.connect()
    await trio.sleep(0.3)
    conn.set_withhold_acknowledgements(False)
    since = conn.journal.next_index
    await conn.send_asdu(_test_command(ctx, 1))
    limit = float(ctx.pics["link.t2"]) + 1.0
    if await ctx.until(lambda: _acknowledged(ctx, conn, since) >= 1, limit):
        return
    raise ctx.fail(f"the RTU did not acknowledge an I-frame within t2 + 1 s ({limit:g} s): no S-frame and no I-frame with N(R)=1")


@case("L12", "w acknowledgement", clause="IEC 60870-5-104 5.1 (w)",
      purpose="w back-to-back I-frames are acknowledged at once, not after t2.",
      pics=("link.w", "link.t2"),
      mutants=("silence type=C_TS_TA_1 + withhold_acknowledgements",),
      verifies="N(R)=w arrives within half of t2 after the w-th frame")
async def l12(ctx: CaseContext) -> None:
    conn = await ctx.connect()
    await trio.sleep(0.3)
    w = int(ctx.pics["link.w"])
    since = conn.journal.next_index
    for n in range(w):
        await conn.send_asdu(_test_command(ctx, n + 1))
    limit = float(ctx.pics["link.t2"]) / 2
    if await ctx.until(lambda: _acknowledged(ctx, conn, since) >= w, limit):
        return
    raise ctx.fail(f"{w} I-frames (w) were not acknowledged within {limit:g} s; highest N(R) {_acknowledged(ctx, conn, since)}")


async def _sequence_check(ctx: CaseContext, conn: ClientConnection, what: str) -> None:
    request = Asdu(Type.C_IC_NA_1, Cot.ACTIVATION, ctx.common_address, (Interrogation(0, 20),))
    try:
        await conn.command(request, timeout=ctx.answer_timeout, wait_termination=True)
    except Exception as exc:
        error = conn.close_error
        raise ctx.fail(f"{what}: {error if error is not None else exc}") from None
    for expected, e in enumerate(_i_frames(ctx, conn)):
        frame = decode_frame(e.raw)
        if frame.send_seq != expected:
            raise ctx.fail(f"{what}: I-frame N(S)={frame.send_seq} where {expected} was expected: {e.explain()}")


@case("L14", "Sequence start", clause="IEC 60870-5-104 5.1",
      purpose="On a new connection the RTU's first I-frame has N(S)=0 and N(S) increments by 1.",
      mutants=("wrong_send_sequence", "wrong_send_sequence nth=3"),
      verifies="every I-frame of the connection has N(S) = its position; a close by the tool over a wrong N(S) is named")
async def l14(ctx: CaseContext) -> None:
    conn = await ctx.connect()
    await _sequence_check(ctx, conn, "the first connection")


@case("L22", "Active close by tool", clause="IEC 60870-5-104 5.1, 5.3",
      purpose="After the tool closes, a new connection is accepted and its counters start at 0.",
      mutants=("wrong_send_sequence nth=2",),
      verifies="second connection: STARTDT con, N(S) from 0")
async def l22(ctx: CaseContext) -> None:
    first = await ctx.connect()
    await _sequence_check(ctx, first, "the first connection")
    await ctx.close(first)
    second = await ctx.connect()
    await _sequence_check(ctx, second, "the connection after the tool closed the first")


@case("L08", "t3 idle supervision", clause="IEC 60870-5-104 5.2 (t3)",
      purpose="After t3 of silence the RTU sends TESTFR act; the tool answers and the link stays up.",
      pics=("link.t3", "link.t1"),
      mutants=("no_t3",),
      verifies="in stopped state, TESTFR act from the RTU about t3 after the last frame (never sooner than t3 - 1 s); the connection stays open after the tool's TESTFR con")
async def l08(ctx: CaseContext) -> None:
    conn = await ctx.connect(start=False)
    t3 = float(ctx.pics["link.t3"])
    quiet_since = trio.current_time()
    if not await ctx.until(lambda: any(e.raw == TESTFR_ACT for e in ctx.received(conn)), t3 + max(2.0, 0.25 * t3)):
        raise ctx.fail(f"no TESTFR act from the RTU within t3 + margin ({t3:g} s) of silence")
    came = next(e.timestamp for e in ctx.received(conn) if e.raw == TESTFR_ACT) - quiet_since
    if came < t3 - 1.0:
        raise ctx.fail(f"the RTU sent TESTFR act {came:.2f} s into the silence, before t3 ({t3:g} s)")
    await ctx.expect_open(conn, 1.0, "the tool answered the RTU's TESTFR act")


@case("L09", "TESTFR con missing", clause="IEC 60870-5-104 5.2 (t1 for U-frames)",
      purpose="When the tool does not answer the RTU's TESTFR act, the RTU closes the connection t1 later.",
      pics=("link.t1", "link.t3"),
      mutants=("no_t1", "no_t3"),
      verifies="in stopped state, the RTU sends TESTFR act after its t3 of silence and closes (peer close) about t1 later; the tool's t3 is 3 x the RTU's")
async def l09(ctx: CaseContext) -> None:
    # Stopped, so that no cyclic or spontaneous data (and no acknowledgement of it) ends the silence.
    conn = await ctx.connect(start=False)
    conn.set_ignore_test_frames(True)
    t1, t3 = float(ctx.pics["link.t1"]), float(ctx.pics["link.t3"])
    limit = t3 + t1 + max(2.0, 0.25 * (t1 + t3))
    await ctx.expect_peer_close(conn, limit, f"a TESTFR act of the RTU stayed unanswered (t3 {t3:g} s + t1 {t1:g} s)")
    if not any(e.raw == TESTFR_ACT for e in ctx.received(conn)):
        raise ctx.fail("the RTU closed the connection without sending TESTFR act first")


@case("L10", "t1 for I-frames", clause="IEC 60870-5-104 5.1 (t1)",
      purpose="When the tool never acknowledges the RTU's I-frames, the RTU closes the connection t1 later.",
      pics=("link.t1", "functions.station_interrogation"),
      mutants=("no_t1",),
      verifies="after a GI with acknowledgements withheld, the RTU (not c104test) closes within t1 + margin, not before t1")
async def l10(ctx: CaseContext) -> None:
    ctx.require("functions.station_interrogation")
    conn = await ctx.connect()
    conn.set_withhold_acknowledgements(True)
    t1 = float(ctx.pics["link.t1"])
    request = Asdu(Type.C_IC_NA_1, Cot.ACTIVATION, ctx.common_address, (Interrogation(0, 20),))
    await conn.send_asdu(request)
    sent_at = trio.current_time()
    await ctx.expect_peer_close(conn, t1 + max(2.0, 0.25 * t1), "its I-frames stayed unacknowledged")
    elapsed = trio.current_time() - sent_at
    if elapsed < t1 - 0.5:
        raise ctx.fail(f"the RTU closed the connection {elapsed:.2f} s after its unacknowledged I-frames, before t1 ({t1:g} s)")


@case("L16", "Wrong N(S) from tool", clause="IEC 60870-5-104 5.1",
      purpose="An I-frame with N(S) ≠ V(R) makes the RTU close the connection; the frame is not executed.",
      mutants=("no_sequence_check",),
      verifies="the RTU (not c104test) closes within t1; no positive ACT_CON for the frame")
async def l16(ctx: CaseContext) -> None:
    conn = await ctx.connect()
    await trio.sleep(0.3)
    link = conn.link
    assert link is not None
    request = Asdu(Type.C_IC_NA_1, Cot.ACTIVATION, ctx.common_address, (Interrogation(0, 20),))
    since = conn.journal.next_index
    await conn.send_asdu(request, send_seq=(link.vs + 3) % 32768)
    problems = []
    try:
        await ctx.expect_peer_close(conn, ctx.answer_timeout, "an I-frame with a wrong N(S)")
    except CaseFailed as closed:
        problems.append(str(closed))
    executed = [e for e in ctx.received(conn, since) if e.asdu is not None
                and e.asdu.type == Type.C_IC_NA_1 and int(e.asdu.cot) == 7 and not e.asdu.negative]
    if executed:
        problems.append(f"the I-frame with a wrong N(S) was executed: {executed[0].explain()}")
    if problems:
        raise ctx.fail("; ".join(problems))


@case("L17", "Wrong N(R) from tool", clause="IEC 60870-5-104 5.1",
      purpose="An N(R) beyond the RTU's V(S) closes the connection; re-acknowledging the last value is accepted.",
      mutants=("no_sequence_check",),
      verifies="S(N(R)=V(S)+5) → peer close within t1; on a new connection S(N(R)=last acknowledged) keeps it open and TESTFR answered")
async def l17(ctx: CaseContext) -> None:
    conn = await ctx.connect()
    await trio.sleep(0.3)
    link = conn.link
    assert link is not None
    await conn.send_raw(encode_s_frame((link.vr + 5) % 32768))
    await ctx.expect_peer_close(conn, ctx.answer_timeout, f"an S-frame with N(R)={(link.vr + 5) % 32768} beyond the RTU's V(S)")
    again = await ctx.connect()
    await trio.sleep(0.3)
    link = again.link
    assert link is not None
    await again.send_raw(encode_s_frame(link.vr))
    await again.send_raw(encode_s_frame(link.vr))
    await ctx.expect_open(again, 1.0, "an S-frame repeating the last acknowledged N(R)")
    await _expect_test_frame_answer(ctx, again, "started")


@case("L21", "Connection limits", clause="IEC 60870-5-104 10 (redundant connections)",
      purpose="A connection beyond the RTU's maximum is refused or closed at once; the existing ones are unaffected.",
      pics=("connections.max",),
      mutants=("no_connection_limit",),
      verifies="connections.max connections open; one more is refused or closed by the RTU within 2 s; the first still answers TESTFR")
async def l21(ctx: CaseContext) -> None:
    limit = int(ctx.pics["connections.max"])
    if limit > 200:
        raise CaseNotApplicable(f"PICS connections.max is {limit}: the suite opens at most 201 connections")
    first = await ctx.connect(start=False)
    for _ in range(limit - 1):
        await ctx.connect(start=False)
    extra = await ctx.try_connect(start=False)
    if extra is not None:
        await ctx.expect_peer_close(extra, 2.0, f"connection {limit + 1} (PICS connections.max is {limit})")
    await _expect_test_frame_answer(ctx, first, "stopped")
