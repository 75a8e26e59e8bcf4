"""APCI cases (catalogue L03, L13, R01-R04, R13-R15, R17, protocol.md 2.3): frames out of place,
beyond the k window, malformed, split over TCP segments, or not read at all.

Where the standard leaves the reaction to a malformed frame to the device (close or ignore), the
PICS says which (``link.i_frame_when_stopped``, ``robustness.*``); answering such a frame is never
conforming.
"""

from __future__ import annotations

import datetime as _dt

import trio

from ..engine.client import ClientConnection
from ..protocol.apci import UFunction, encode_u_frame
from ..protocol.asdu import Asdu
from ..protocol.enums import Cot, Type
from ..protocol.objects import Interrogation, TestCommandWithTime
from ..protocol.timetags import CP56Time2a
from .case import CaseNotApplicable, case
from .cases_link import _expect_test_frame_answer
from .context import CaseContext

TESTFR_ACT = encode_u_frame(UFunction.TESTFR_ACT)
TESTFR_CON = encode_u_frame(UFunction.TESTFR_CON)
_CONS = {encode_u_frame(f): f.label for f in (UFunction.STARTDT_CON, UFunction.STOPDT_CON, UFunction.TESTFR_CON)}


def _request(ctx: CaseContext, tsc: int = 1) -> Asdu:
    """A harmless request the RTU answers: a test command (TSC ``tsc``), else an interrogation."""
    if ctx.pics["functions.test_command"]:
        ob = TestCommandWithTime(0, tsc, CP56Time2a.from_datetime(_dt.datetime.now()))
        return Asdu(Type.C_TS_TA_1, Cot.ACTIVATION, ctx.common_address, (ob,))
    if ctx.pics["functions.station_interrogation"]:
        return Asdu(Type.C_IC_NA_1, Cot.ACTIVATION, ctx.common_address, (Interrogation(0, 20),))
    raise CaseNotApplicable("PICS functions.test_command and functions.station_interrogation are both false: no request to send")


def _answers(ctx: CaseContext, conn: ClientConnection, since: int, request: Asdu) -> list[Asdu]:
    """The confirmations (COT 7) of ``request``'s type received since ``since`` (for a test
    command: with its TSC)."""
    found = []
    for e in ctx.received(conn, since):
        got = e.asdu
        if got is None or int(got.type) != int(request.type) or int(got.cot) != 7:
            continue
        if request.type == Type.C_TS_TA_1 and getattr(got.objects[0], "tsc", None) != request.objects[0].tsc:
            continue
        found.append(got)
    return found


def _describe(request: Asdu) -> str:
    return f"{request.type.name} ACT" + (f" (TSC {request.objects[0].tsc})" if request.type == Type.C_TS_TA_1 else "")


@case("L03", "I-frame while stopped", clause="IEC 60870-5-104 5.3",
      purpose="An I-frame before STARTDT is not processed: the RTU closes the connection or ignores it (PIXIT), never answers it.",
      pics=("link.i_frame_when_stopped",),
      mutants=("answer_when_stopped",),
      verifies="close: the RTU (not c104test) closes within t1 without answering; ignore: the connection stays open, "
               "and no confirmation of the frame arrives before or within 1 s after STARTDT")
async def l03(ctx: CaseContext) -> None:
    conn = await ctx.connect(start=False)
    await trio.sleep(0.3)
    request = _request(ctx)
    since = conn.journal.next_index
    await conn.send_asdu(request, force=True)
    what = f"an I-frame ({_describe(request)}) before STARTDT"
    if ctx.pics["link.i_frame_when_stopped"] == "close":
        await ctx.expect_peer_close(conn, ctx.answer_timeout, f"{what} (PICS link.i_frame_when_stopped: close)")
    else:
        await ctx.expect_open(conn, 1.0, f"{what} (PICS link.i_frame_when_stopped: ignore)")
        try:
            await conn.start_data_transfer(timeout=ctx.answer_timeout)
        except Exception as exc:
            raise ctx.fail(f"STARTDT act after {what} was not confirmed: {exc}") from None
        await trio.sleep(1.0)
    answered = _answers(ctx, conn, since, request)
    if answered:
        raise ctx.fail(f"{what} was processed: the RTU confirmed it ({_describe(request)} COT 7); it must not be")


@case("L13", "k window", clause="IEC 60870-5-104 5.1 (k)",
      purpose="With acknowledgements withheld the RTU sends at most k I-frames; after S(N(R)) it resumes without loss or duplication.",
      pics=("link.k", "functions.test_command"),
      mutants=("ignore_k",),
      verifies="k + 4 test commands, acknowledgements withheld: at most k unacknowledged I-frames arrive; after an S-frame "
               "the rest follow; each TSC confirmed exactly once")
async def l13(ctx: CaseContext) -> None:
    ctx.require("functions.test_command")
    k = int(ctx.pics["link.k"])
    if k > 100:
        raise CaseNotApplicable(f"PICS link.k is {k}: the suite provokes at most 104 answers")
    conn = await ctx.connect()
    await trio.sleep(0.3)  # the start-up reports go by
    link = conn.link
    assert link is not None
    conn.set_withhold_acknowledgements(True)
    base = link.vr  # every I-frame of the tool repeats this N(R): it acknowledges nothing new
    since = conn.journal.next_index
    count = k + 4
    for tsc in range(1, count + 1):
        ob = TestCommandWithTime(0, tsc, CP56Time2a.from_datetime(_dt.datetime.now()))
        await conn.send_asdu(Asdu(Type.C_TS_TA_1, Cot.ACTIVATION, ctx.common_address, (ob,)),
                             recv_seq=base, timeout=ctx.answer_timeout)
    # Wait until the RTU stops sending with its window full (or half its t1 passed: the
    # acknowledgement must come well within the RTU's t1).
    quiet = min(0.5, ctx.answer_timeout / 4)
    seen, last_change = -1, trio.current_time()
    deadline = trio.current_time() + ctx.answer_timeout / 2
    while trio.current_time() < deadline and conn.close_info is None:
        now_seen = sum(1 for e in ctx.received(conn, since) if e.is_i_frame)
        if now_seen != seen:
            seen, last_change = now_seen, trio.current_time()
        elif seen >= k and trio.current_time() - last_change >= quiet:
            break
        await trio.sleep(0.02)
    if conn.close_info is not None:
        raise ctx.fail(f"the connection ended while the tool withheld acknowledgements: {conn.close_info.reason}")
    if seen > k:
        raise ctx.fail(f"the RTU sent {seen} I-frames unacknowledged; k is {k}")
    if seen == 0:
        raise ctx.fail(f"no answer to {count} test commands within {ctx.answer_timeout / 2:g} s")
    conn.set_withhold_acknowledgements(False)
    await conn.send_acknowledgement()

    def tscs() -> list[int]:
        return [got.objects[0].tsc for e in ctx.received(conn, since)
                if (got := e.asdu) is not None and got.type == Type.C_TS_TA_1 and int(got.cot) == 7]

    await ctx.until(lambda: len(tscs()) >= count or conn.close_info is not None, ctx.answer_timeout)
    await trio.sleep(0.2)  # a duplicate would come right after
    if conn.close_info is not None:
        raise ctx.fail(f"the connection ended after the acknowledgement: {conn.close_info.reason}")
    got = tscs()
    missing = sorted(set(range(1, count + 1)) - set(got))
    twice = sorted({t for t in got if got.count(t) > 1})
    if missing:
        raise ctx.fail(f"after the acknowledgement the RTU did not resume: no confirmation for TSC {missing} "
                       f"({seen} I-frames before it, k {k})")
    if twice:
        raise ctx.fail(f"confirmations duplicated across the full window: TSC {twice}")


@case("R01", "Wrong start octet", clause="IEC 60870-5-104 5 (APDU start 0x68)",
      purpose="An APDU starting with 0x69 makes the RTU close the connection; it keeps serving new ones.",
      mutants=("lenient_framing",),
      verifies="69 04 07 00 00 00: the RTU (not c104test) closes within t1 without a STARTDT con; a new connection answers TESTFR")
async def r01(ctx: CaseContext) -> None:
    conn = await ctx.connect(start=False)
    await trio.sleep(0.2)
    since = conn.journal.next_index
    await conn.send_raw(bytes.fromhex("690407000000"))
    await ctx.expect_peer_close(conn, ctx.answer_timeout, "an APDU with start octet 0x69 (69 04 07 00 00 00)")
    answered = [e for e in ctx.received(conn, since) if e.raw in _CONS]
    if answered:
        raise ctx.fail(f"the RTU answered 69 04 07 00 00 00 with {_CONS[answered[0].raw]}")
    await _still_serves(ctx)


async def _still_serves(ctx: CaseContext) -> None:
    """No crash: a new connection is accepted and answers TESTFR."""
    fresh = await ctx.connect(start=False)
    await _expect_test_frame_answer(ctx, fresh, "stopped (a new connection)")


@case("R02", "Too-short APDU", clause="IEC 60870-5-104 5 (APDU length 4..253)",
      purpose="An APDU whose length octet is below 4 is rejected as the PICS says (close or ignore); the RTU keeps serving.",
      pics=("robustness.short_apdu",),
      mutants=("lenient_framing",),
      verifies="68 03 01 00 00 and 68 00, each on its own connection: close → the RTU closes within t1; ignore → open 1 s "
               "and TESTFR answered; then a new connection answers TESTFR")
async def r02(ctx: CaseContext) -> None:
    for octets in ("6803010000", "6800"):
        conn = await ctx.connect(start=False)
        await trio.sleep(0.2)
        await conn.send_raw(bytes.fromhex(octets))
        await ctx.expect_reaction(conn, "robustness.short_apdu", f"the APDU {bytes.fromhex(octets).hex(' ')}")
        await ctx.close(conn)
    await _still_serves(ctx)


@case("R03", "Truncated APDU", clause="IEC 60870-5-104 5.2 (t1, t3)",
      purpose="After 8 of 16 announced octets and silence, the RTU's t3/t1 supervision closes the connection; others are unaffected.",
      pics=("link.t1", "link.t3"),
      mutants=("wait_for_truncated_apdu",),
      verifies="68 0E and 6 more octets, then silence (TESTFR unanswered): the RTU (not c104test) closes within t3 + t1 + margin; "
               "a second connection (when connections.max allows) still answers TESTFR")
async def r03(ctx: CaseContext) -> None:
    t1, t3 = float(ctx.pics["link.t1"]), float(ctx.pics["link.t3"])
    other = await ctx.connect(start=False) if int(ctx.pics["connections.max"]) >= 2 else None
    conn = await ctx.connect(start=False)
    conn.set_ignore_test_frames(True)  # silence: the RTU's TESTFR act would fill the truncated APDU
    await conn.send_raw(bytes.fromhex("680e000000006401"))
    limit = t3 + t1 + max(1.5, 0.25 * (t1 + t3))
    await ctx.expect_peer_close(conn, limit, f"8 of the 16 octets of an APDU and silence (t3 {t3:g} s + t1 {t1:g} s)")
    if other is not None:
        if other.close_info is not None:
            raise ctx.fail(f"the other connection ended too: {other.close_info.reason}")
        await _expect_test_frame_answer(ctx, other, "stopped (the other connection)")


@case("R04", "Over-long APDU", clause="IEC 60870-5-104 5 (APDU length 4..253)",
      purpose="An APDU with length 0xFE or 0xFF (over 253) is rejected: the RTU closes the connection.",
      mutants=("lenient_framing",),
      verifies="68 FE + 254 octets and 68 FF + 255 octets, each on its own connection: the RTU (not c104test) closes within t1; "
               "a new connection answers TESTFR")
async def r04(ctx: CaseContext) -> None:
    for length in (0xFE, 0xFF):
        conn = await ctx.connect(start=False)
        await trio.sleep(0.2)
        # the whole announced length, so an RTU that does not check it is not merely waiting
        await conn.send_raw(bytes((0x68, length, 0x01, 0x00, 0x00, 0x00)) + bytes(length - 4))
        await ctx.expect_peer_close(conn, ctx.answer_timeout, f"an APDU with length 0x{length:02X} (over 253)")
    await _still_serves(ctx)


@case("R13", "Invalid U-frame", clause="IEC 60870-5-104 5.3 (one U function at a time)",
      purpose="A U-frame with several function bits (0x0F, 0x33, 0xFF) is never answered; the RTU closes or ignores it (PICS).",
      pics=("robustness.invalid_u_frame",),
      mutants=("lenient_u_frames",),
      verifies="each octet on its own stopped connection: no STARTDT/STOPDT/TESTFR con; close → the RTU closes within t1; "
               "ignore → open 1 s and TESTFR answered")
async def r13(ctx: CaseContext) -> None:
    for octet in (0x0F, 0x33, 0xFF):
        conn = await ctx.connect(start=False)
        await trio.sleep(0.2)
        since = conn.journal.next_index
        await conn.send_raw(bytes((0x68, 0x04, octet, 0, 0, 0)))
        what = f"a U-frame with octet 3 = 0x{octet:02X} (several functions)"
        await trio.sleep(0.3)  # an answer comes at once
        answered = [e for e in ctx.received(conn, since) if e.raw in _CONS]
        if answered:
            raise ctx.fail(f"the RTU answered {what} with {_CONS[answered[0].raw]}; such a frame must not be interpreted")
        await ctx.expect_reaction(conn, "robustness.invalid_u_frame", what)
        await ctx.close(conn)


@case("R14", "S-frame reserved bits", clause="IEC 60870-5-104 5.1 (S format)",
      purpose="An S-frame with octet 4 ≠ 0 or bit 0 of octet 5 set is handled as the PICS says (close or ignore).",
      pics=("robustness.s_frame_reserved_bits",),
      mutants=("lenient_s_frames",),
      verifies="on a started connection, S-frames acknowledging V(R) with a reserved bit set: close → the RTU closes within t1; "
               "ignore → open 1 s and TESTFR answered")
async def r14(ctx: CaseContext) -> None:
    for where in ("octet 4 = 0x01", "bit 0 of octet 5 set"):
        conn = await ctx.connect()
        await trio.sleep(0.3)
        link = conn.link
        assert link is not None
        low, high = (link.vr << 1) & 0xFF, link.vr >> 7  # a valid N(R): only the reserved bit is wrong
        frame = bytes((0x68, 0x04, 0x01, 0x01, low, high)) if where.startswith("octet 4") else bytes((0x68, 0x04, 0x01, 0x00, low | 1, high))
        await conn.send_raw(frame)
        await ctx.expect_reaction(conn, "robustness.s_frame_reserved_bits", f"an S-frame with {where} ({frame.hex(' ')})")
        await ctx.close(conn)


@case("R15", "TCP segmentation", clause="IEC 60870-5-104 5 (APDUs in a TCP stream)",
      purpose="APDUs split over TCP segments, or several in one segment, are handled as unsplit ones.",
      mutants=("no_reassembly", "one_apdu_per_read"),
      verifies="TESTFR act over 3 segments → TESTFR con; a request I-frame over 3 segments → its confirmation; TESTFR act, "
               "a request and TESTFR act in one segment → 2 TESTFR con and the confirmation; the connection stays open")
async def r15(ctx: CaseContext) -> None:
    conn = await ctx.connect()
    await trio.sleep(0.3)

    async def check(what: str, pieces: list[bytes], testfr: int, request: Asdu | None) -> None:
        since = conn.journal.next_index
        await ctx.send_segments(conn, pieces)

        def done() -> bool:
            cons = sum(1 for e in ctx.received(conn, since) if e.raw == TESTFR_CON)
            return cons >= testfr and (request is None or bool(_answers(ctx, conn, since, request)))

        ok = await ctx.until(lambda: done() or conn.close_info is not None, ctx.answer_timeout)
        cons = sum(1 for e in ctx.received(conn, since) if e.raw == TESTFR_CON)
        answer = "" if request is None else f" and {'a' if _answers(ctx, conn, since, request) else 'no'} confirmation of {_describe(request)}"
        got = f"the RTU sent {cons} of {testfr} TESTFR con{answer}"
        if conn.close_info is not None and not ok:
            raise ctx.fail(f"after {what} {got}, and the connection ended: {conn.close_info.reason}")
        if conn.close_info is not None:
            raise ctx.fail(f"the connection ended after {what}: {conn.close_info.reason}")
        if not ok:
            raise ctx.fail(f"after {what} {got} within {ctx.answer_timeout:g} s")

    await check("a TESTFR act split over 3 TCP segments (68 | 04 43 | 00 00 00)", [TESTFR_ACT[:1], TESTFR_ACT[1:3], TESTFR_ACT[3:]], 1, None)
    first = _request(ctx, 1)
    frame = ctx.take_i_frame(conn, first)
    await check(f"an I-frame ({_describe(first)}) split over 3 TCP segments", [frame[:1], frame[1:5], frame[5:]], 0, first)
    if first.type == Type.C_IC_NA_1:
        await ctx.until(lambda: any(e.asdu is not None and int(e.asdu.cot) == 10 for e in ctx.received(conn)), ctx.answer_timeout)
    second = _request(ctx, 2)
    frame = ctx.take_i_frame(conn, second)
    await check(f"TESTFR act, an I-frame ({_describe(second)}) and TESTFR act in one TCP segment",
                [TESTFR_ACT + frame + TESTFR_ACT], 2, second)
    await ctx.expect_open(conn, 0.5, "the split and joined APDUs")


@case("R17", "Half-open TCP", clause="IEC 60870-5-104 5.2 (t1, t3)",
      purpose="When the tool stops reading at TCP level the RTU releases the connection through t1 (or t3 and t1) and accepts a new one.",
      pics=("link.t1", "link.t3"),
      mutants=("no_t1",),
      verifies="the tool stops reading (after an interrogation when claimed); after t1 (+ t3 without one) + margin it reads again "
               "and finds the RTU's close; a new connection answers TESTFR")
async def r17(ctx: CaseContext) -> None:
    t1, t3 = float(ctx.pics["link.t1"]), float(ctx.pics["link.t3"])
    conn = await ctx.connect()
    await trio.sleep(0.3)
    conn.pause_reading()
    if ctx.pics["functions.station_interrogation"]:
        # Its answers stay unacknowledged: the RTU's t1 runs from the first.
        await conn.send_asdu(Asdu(Type.C_IC_NA_1, Cot.ACTIVATION, ctx.common_address, (Interrogation(0, 20),)))
        wait, why = t1 + max(1.0, 0.25 * t1), f"t1 {t1:g} s"
    else:
        wait, why = t3 + t1 + max(1.0, 0.25 * (t1 + t3)), f"t3 {t3:g} s + t1 {t1:g} s"
    await trio.sleep(wait)
    conn.pause_reading(False)
    # The RTU's frames and its close wait in the socket: reading them takes a moment.
    await ctx.expect_peer_close(conn, 1.0, f"the tool read nothing for {wait:.3g} s ({why})")
    fresh = await ctx.connect(start=False)
    await _expect_test_frame_answer(ctx, fresh, "stopped (the connection after the half-open one)")
