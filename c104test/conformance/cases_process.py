"""Process cases (catalogue A, protocol.md 2.3): interrogation control, events, counters, time
validity and quality flags.

The tool cannot toggle an RTU's inputs: the event it can cause is the return information of a
command point the PICS lists (``return_io_address``), which is what these cases use. To keep an
interrogation running while they act (A04, A06, A07) the tool withholds its acknowledgements, so
that the RTU stops at its k window; any I-frame the tool sends then acknowledges again.
"""

from __future__ import annotations

import trio

from ..engine.client import ClientConnection
from ..protocol.asdu import Asdu, UnknownAsdu, type_info
from ..protocol.enums import Cot, Frz, Type
from ..protocol.objects import Interrogation, TestCommandWithTime
from .case import CaseNotApplicable, case
from .cases_application import (
    _answers,
    _check_procedure,
    _counter_request,
    _execute,
    _freeze,
    _interrogation,
    _now,
)
from .context import CaseContext
from .pics import QUALITY_FLAGS, CommandPoint

_IC = int(Type.C_IC_NA_1)
_TERM = int(Cot.ACTIVATION_TERMINATION)


def _asdus(ctx: CaseContext, conn: ClientConnection, since: int) -> list[tuple[int, Asdu]]:
    return [(e.index, e.asdu) for e in ctx.received(conn, since) if isinstance(e.asdu, Asdu)]


def _ended(ctx: CaseContext, conn: ClientConnection, since: int) -> bool:
    return any(int(a.type) == _IC and (int(a.cot) == _TERM or a.negative) for _, a in _asdus(ctx, conn, since))


async def _hold_interrogation(ctx: CaseContext, conn: ClientConnection) -> int:
    """Send a station interrogation with acknowledgements withheld; return once the RTU stopped
    sending (its k window) or the interrogation ended. Returns the journal index it began at."""
    await trio.sleep(0.2)  # the end of initialisation, if any, arrives first
    conn.set_withhold_acknowledgements(True)
    link = conn.link
    assert link is not None
    acked = link.vr  # the requests below carry this N(R): they acknowledge nothing new
    fillers = max(0, int(ctx.pics["link.k"]) - 3) if ctx.pics["functions.test_command"] else 0
    filled = conn.journal.next_index
    for n in range(fillers):  # their confirmations fill the RTU's window, but for 2-3 frames
        test = Asdu(Type.C_TS_TA_1, Cot.ACTIVATION, ctx.common_address, (TestCommandWithTime(0, n, _now()),))
        await conn.send_asdu(test, timeout=ctx.answer_timeout, recv_seq=acked)
    await ctx.until(lambda: sum(int(a.type) == int(Type.C_TS_TA_1) for _i, a in _asdus(ctx, conn, filled)) >= fillers,
                    min(ctx.answer_timeout, float(ctx.pics["link.t1"]) / 4))
    since = conn.journal.next_index
    await conn.send_asdu(_interrogation(ctx, 20), timeout=ctx.answer_timeout, recv_seq=acked)
    count, quiet = -1, 0.0
    deadline = trio.current_time() + min(ctx.answer_timeout, float(ctx.pics["link.t1"]) / 2)
    while trio.current_time() < deadline and not _ended(ctx, conn, since) and quiet < 0.3:
        await trio.sleep(0.05)
        now = len(ctx.received(conn, since))
        quiet = quiet + 0.05 if now == count and now > 0 else 0.0
        count = now
    conn.set_withhold_acknowledgements(False)
    return since


def _value(ob: object) -> object:
    return getattr(ob, "value", None)


@case("A04", "GI deactivation", clause="IEC 60870-5-101 7.4.7 (COT 8, 9)",
      purpose="C_IC_NA_1 COT 8 during a station interrogation: DEACT_CON (COT 9); the interrogation stops.",
      pics=("functions.station_interrogation", "functions.interrogation_deactivation"),
      mutants=("interrogation_not_stopped", "no_confirmation type=C_IC_NA_1 nth=2", "negative_confirmation type=C_IC_NA_1 nth=2"),
      verifies="positive COT 9 while the GI runs; no COT 20 data and no ACT_TERM after it; a negative one only if the GI had ended")
async def a04(ctx: CaseContext) -> None:
    ctx.require("functions.station_interrogation", "functions.interrogation_deactivation")
    conn = await ctx.connect()
    since = await _hold_interrogation(ctx, conn)
    ended_before = _ended(ctx, conn, since)
    mark = conn.journal.next_index
    await conn.send_asdu(Asdu(Type.C_IC_NA_1, Cot.DEACTIVATION, ctx.common_address, (Interrogation(0, 20),)),
                         timeout=ctx.answer_timeout)

    def confirmation() -> tuple[int, Asdu] | None:
        return next(((i, a) for i, a in _asdus(ctx, conn, mark) if int(a.type) == _IC and int(a.cot) == 9), None)

    await ctx.until(lambda: confirmation() is not None, ctx.answer_timeout)
    got = confirmation()
    if got is None:
        raise ctx.fail(f"no DEACT_CON (COT 9) for the deactivation of the interrogation within {ctx.answer_timeout:g} s")
    index, con = got
    if con.negative:
        if ended_before:
            return  # the interrogation had ended before the deactivation: nothing to stop
        raise ctx.fail("a negative DEACT_CON (COT 9, P/N=1) arrived while the interrogation was running (no ACT_TERM yet)")
    await trio.sleep(min(1.0, ctx.answer_timeout))
    after = [a for i, a in _asdus(ctx, conn, mark) if i > index]
    terms = [a for _i, a in _asdus(ctx, conn, mark) if int(a.type) == _IC and int(a.cot) == _TERM]
    data = [a for a in after if int(a.cot) == 20]
    if terms and not ended_before:
        raise ctx.fail("the interrogation ended with ACT_TERM (COT 10) after its deactivation was sent; a deactivated interrogation stops")
    if data:
        raise ctx.fail(f"{len(data)} ASDUs with COT 20 arrived after the positive DEACT_CON; the interrogation must stop")


@case("A07", "GI while GI running", clause="IEC 60870-5-101 7.4.7",
      purpose="A second station interrogation before the first ended: negative ACT_CON or a restart (PIXIT); never a mix of both.",
      pics=("functions.station_interrogation", "functions.second_interrogation", "points.read"),
      mutants=("positive_confirmation type=C_IC_NA_1 nth=2", "duplicate_objects type=C_IC_NA_1 nth=1", "no_termination type=C_IC_NA_1 nth=1"),
      verifies="negative: P/N=1 for the second, the first completes with each point once; restart: the second answered completely; queue: both complete, one after the other")
async def a07(ctx: CaseContext) -> None:
    ctx.require("functions.station_interrogation")
    conn = await ctx.connect()
    since = await _hold_interrogation(ctx, conn)
    ended_before = _ended(ctx, conn, since)
    mark = conn.journal.next_index
    request = _interrogation(ctx, 20)
    await conn.send_asdu(request, timeout=ctx.answer_timeout)
    expected = {p.io_address: p.type for p in ctx.pics.monitored()}
    behaviour = ctx.pics["functions.second_interrogation"]
    restart = behaviour == "restart"

    def second_done() -> bool:
        mine = [a for _i, a in _asdus(ctx, conn, mark) if int(a.type) == _IC]
        if behaviour == "queue" and not ended_before:
            return sum(int(a.cot) == _TERM for _i, a in _asdus(ctx, conn, since) if int(a.type) == _IC) >= 2
        if ended_before or restart:
            return any(int(a.cot) == _TERM for a in mine)
        first_terms = [a for _i, a in _asdus(ctx, conn, since) if int(a.type) == _IC and int(a.cot) == _TERM]
        return any(int(a.cot) == 7 for a in mine) and bool(first_terms)

    await ctx.until(second_done, ctx.answer_timeout)
    everything: list[Asdu | UnknownAsdu] = [a for _i, a in _asdus(ctx, conn, since)]
    second = [a for _i, a in _asdus(ctx, conn, mark)]
    if ended_before:
        _check_procedure(ctx, second, request, "the second interrogation (the first had ended)", 20, expected, ca=ctx.common_address)
        return
    confirmations = [a for a in second if int(a.type) == _IC and int(a.cot) == 7]
    if not confirmations:
        raise ctx.fail(f"no ACT_CON for the second interrogation within {ctx.answer_timeout:g} s")
    if behaviour == "queue":
        ends = [n for n, a in enumerate(everything) if int(a.type) == _IC and int(a.cot) == _TERM]
        accepted = [n for n, a in enumerate(everything) if int(a.type) == _IC and int(a.cot) == 7]
        if len(accepted) > 1 and (not ends or accepted[1] < ends[0]):
            raise ctx.fail("deviation: the second interrogation was confirmed and answered before the first one ended "
                           "(ACT_TERM); the two answers interleave, so no point's report can be told to one of them")
        _check_procedure(ctx, everything, request, "the first of two interrogations", 20, expected, ca=ctx.common_address)
        _check_procedure(ctx, everything[ends[0] + 1:], request, "the second interrogation (queued)", 20, expected, ca=ctx.common_address)
        return
    if restart:
        start = second.index(confirmations[0])
        _check_procedure(ctx, second[start:], request, "the restarted interrogation", 20, expected, ca=ctx.common_address)
        return
    if not confirmations[0].negative:
        raise ctx.fail("an ACT_CON with P/N=0 arrived for an interrogation sent while one was running; "
                       "PICS functions.second_interrogation is negative (P/N=1 expected)")
    _check_procedure(ctx, everything, request, "the first interrogation (a second one was refused)", 20, expected, ca=ctx.common_address)
    terms = [a for a in everything if int(a.type) == _IC and int(a.cot) == _TERM]
    if len(terms) > 1:
        raise ctx.fail(f"{len(terms)} ACT_TERM for one interrogation and one refused; exactly one expected")


def _event_commands(ctx: CaseContext, *, timed: bool = False) -> list[CommandPoint]:
    """Command points whose return information is a point of points.read (timed: a time-tagged one)."""
    reads = {p.io_address: p for p in ctx.pics.read_points}
    found = [c for c in ctx.pics.command_points if c.return_io_address in reads
             and (not timed or type_info(reads[c.return_io_address].type).time_tag is not None)]
    if not found:
        what = "a time-tagged point" if timed else "a point"
        raise CaseNotApplicable(f"PICS points.commands lists no command whose return_io_address is {what} of points.read")
    return found


def _reports(ctx: CaseContext, conn: ClientConnection, since: int, ioa: int, causes: tuple[int, ...]) -> list[tuple[int, Asdu]]:
    return [(i, a) for i, a in _asdus(ctx, conn, since) if int(a.cot) in causes
            and any(ob.io_address == ioa for ob in a.objects)]


@case("A06", "GI vs spontaneous ordering", clause="IEC 60870-5-101 7.4.7; 104 9 (ordering)",
      purpose="A point changes during a station interrogation: no older interrogation value of it follows the newer event.",
      pics=("functions.station_interrogation", "points.commands", "connections.max", "connections.redundancy_group_size"),
      mutants=("stale_interrogation + events_overtake_interrogation", "lose_event"),
      verifies="GI held on connection A; a command on connection B changes a GI point; on A the event (COT 3/11) arrives and no COT 20 with another value follows it")
async def a06(ctx: CaseContext) -> None:
    ctx.require("functions.station_interrogation")
    candidates = _event_commands(ctx)
    ctx.group_size()  # n/a unless a connection outside the watcher's group can make the event
    watcher = await ctx.connect()
    actor = await ctx.connect_outside_group(1)
    since = await _hold_interrogation(ctx, watcher)
    watcher.set_withhold_acknowledgements(True)
    reported = {ob.io_address for _i, a in _asdus(ctx, watcher, since) if int(a.cot) == 20 for ob in a.objects}
    point = next((c for c in candidates if c.return_io_address not in reported), candidates[0])
    ioa = point.return_io_address
    assert ioa is not None
    await _execute(ctx, actor, point, f"the command to IOA {point.io_address}")
    watcher.set_withhold_acknowledgements(False)
    await watcher.send_acknowledgement()
    await ctx.until(lambda: _ended(ctx, watcher, since) and bool(_reports(ctx, watcher, since, ioa, (3, 11))), ctx.answer_timeout)
    events = _reports(ctx, watcher, since, ioa, (3, 11))
    if not events:
        raise ctx.fail(f"the change of IOA {ioa} (by a command on another connection) was not reported (COT 3 or 11) on the interrogating connection")
    index, event = events[0]
    new = next(_value(ob) for ob in event.objects if ob.io_address == ioa)
    for _i, a in _reports(ctx, watcher, since, ioa, (20,)):
        if _i > index:
            old = next(_value(ob) for ob in a.objects if ob.io_address == ioa)
            if old != new:
                raise ctx.fail(f"IOA {ioa}: the interrogation reported {old} (COT 20) after the newer event {new} (COT {int(event.cot)})")


async def _counter_values(ctx: CaseContext, conn: ClientConnection) -> dict[int, int]:
    got = await _answers(ctx, conn, _counter_request(ctx, 5), cas={ctx.common_address})
    return {ob.io_address: int(ob.bcr.counter) for a in got if isinstance(a, Asdu) and int(a.cot) == 37
            for ob in a.objects if hasattr(ob, "bcr")}


@case("A11", "Freeze with reset", clause="IEC 60870-5-5 6.9; 101 7.2.6.41 (QCC FRZ 2)",
      purpose="QCC 0x85 freezes and resets the counters: the next freeze shows what was counted since, from 0.",
      pics=("functions.counter_interrogation", "functions.counter_freeze", "points.read"),
      mutants=("no_counter_reset", "no_termination type=C_CI_NA_1 nth=1"),
      verifies="0x85 → COT 7 and 10; read (v1); 0x45; read (v2): v2 < v1 for every counter with v1 > 0")
async def a11(ctx: CaseContext) -> None:
    ctx.require("functions.counter_interrogation", "functions.counter_freeze")
    if not ctx.pics.counters():
        raise CaseNotApplicable("PICS points.read lists no counter (M_IT_NA_1, M_IT_TB_1)")
    conn = await ctx.connect()
    await _freeze(ctx, conn, Frz.FREEZE_WITH_RESET, "the counter freeze with reset (QCC 0x85)")
    first = await _counter_values(ctx, conn)
    await _freeze(ctx, conn, Frz.FREEZE_WITHOUT_RESET, "the counter freeze (QCC 0x45)")
    second = await _counter_values(ctx, conn)
    for ioa, value in first.items():
        if value > 0 and second.get(ioa, value) >= value:
            raise ctx.fail(f"counter IOA {ioa}: {value} at the freeze with reset, {second.get(ioa)} at the next freeze; "
                           "after a reset the counter starts from 0")


@case("A15", "Time validity before sync", clause="IEC 60870-5-101 7.2.6.18 (CP56Time2a IV)",
      purpose="Before its first clock synchronisation an RTU marks time tags invalid (IV=1), or as its PIXIT says.",
      pics=("functions.time_before_sync", "points.commands"),
      mutants=("valid_time_before_sync", "strip_time_tag part=return_info"),
      verifies="the return information of a time-tagged point carries CP56Time2a with IV as functions.time_before_sync says",
      runs_first=True)
async def a15(ctx: CaseContext) -> None:
    mode = ctx.pics["functions.time_before_sync"]
    if mode == "unknown":
        raise CaseNotApplicable("PICS functions.time_before_sync is 'unknown': not declared")
    point = _event_commands(ctx, timed=True)[0]
    ioa = point.return_io_address
    assert ioa is not None
    conn = await ctx.connect()
    since = conn.journal.next_index
    await _execute(ctx, conn, point, f"the command to IOA {point.io_address}")
    events = _reports(ctx, conn, since, ioa, (3, 11))
    times = [ob.time for _i, a in events for ob in a.objects if ob.io_address == ioa and getattr(ob, "time", None) is not None]
    if not times:
        raise ctx.fail(f"the return information of IOA {ioa} carries no time tag; its PICS type has one")
    if times[0].iv != (mode == "invalid"):
        hint = " (if the clock was synchronised since the RTU started, restart the RTU: A15 runs first in a run of the suite)" if mode == "invalid" else ""
        raise ctx.fail(f"the time tag of IOA {ioa} before any clock synchronisation has IV={int(times[0].iv)}; "
                       f"PICS functions.time_before_sync is {mode} (IV={int(mode == 'invalid')}){hint}")


@case("A35", "Spontaneous events", clause="IEC 60870-5-101 7.2.3 (COT 3, 11); 7.3.1",
      purpose="A change is reported in the point's configured type, with CP56Time2a if that type has one, in order.",
      pics=("points.commands", "points.read"),
      mutants=("strip_time_tag part=return_info", "no_return_information", "wrong_cause part=return_info cot=20"),
      verifies="two commands; each change of the return point arrives (COT 3 or 11) in the PICS type, with a time tag if it has one, times not decreasing")
async def a35(ctx: CaseContext) -> None:
    candidates = _event_commands(ctx)
    reads = {p.io_address: p for p in ctx.pics.read_points}
    point = next((c for c in candidates if type_info(reads[c.return_io_address].type).time_tag is not None), candidates[0])
    ioa = point.return_io_address
    assert ioa is not None
    configured = reads[ioa].type
    conn = await ctx.connect()
    since = conn.journal.next_index
    for n in (1, 2):
        await _execute(ctx, conn, point, f"command {n} to IOA {point.io_address}")
    events = _reports(ctx, conn, since, ioa, tuple(range(1, 64)))
    changes = [a for _i, a in events if int(a.cot) in (3, 11)]
    if len(changes) < 2:
        causes = sorted({int(a.cot) for _i, a in events if int(a.cot) not in (5, 20)})
        raise ctx.fail(f"{len(changes)} reports (COT 3 or 11) of IOA {ioa} after two commands; 2 expected"
                       + (f" (it came with COT {causes})" if causes else ""))
    stamps = []
    for a in changes[:2]:
        if a.type != configured:
            raise ctx.fail(f"IOA {ioa} was reported as {a.type.name}; the PICS configures {configured.name}")
        ob = next(ob for ob in a.objects if ob.io_address == ioa)
        if type_info(configured).time_tag is not None:
            stamps.append(ob.time.to_datetime())
    if len(stamps) == 2 and stamps[1] < stamps[0]:
        raise ctx.fail(f"IOA {ioa}: the second change carries an earlier time ({stamps[1]}) than the first ({stamps[0]})")


def _flags_of(ob: object) -> tuple[set[str], int] | None:
    """(quality flags set, reserved bits) of an object's SIQ, DIQ or QDS; None without one."""
    for name in ("siq", "diq", "qds"):
        element = getattr(ob, name, None)
        if element is not None:
            flags = {f for f in QUALITY_FLAGS if getattr(element, f.lower(), False)}
            return flags, int(element.reserved)
    return None


@case("A36", "Quality flags", clause="IEC 60870-5-101 7.2.6.1-7.2.6.4 (SIQ, DIQ, QDS)",
      purpose="Points the PICS names with quality flags show exactly those; reserved bits are 0.",
      pics=("points.read", "functions.station_interrogation"),
      mutants=("clear_quality", "reserved_quality_bits"),
      verifies="station interrogation: each PICS point with quality flags shows exactly them; every SIQ/DIQ/QDS has its reserved bits 0")
async def a36(ctx: CaseContext) -> None:
    flagged = {p.io_address: p.quality for p in ctx.pics.read_points if p.quality}
    if not flagged:
        raise CaseNotApplicable("PICS points.read names no point with quality flags (quality: [IV, ...])")
    ctx.require("functions.station_interrogation")
    conn = await ctx.connect()
    got = await _answers(ctx, conn, _interrogation(ctx, 20), cas={ctx.common_address})
    seen: set[int] = set()
    for a in got:
        if not isinstance(a, Asdu) or int(a.cot) != 20:
            continue
        for ob in a.objects:
            quality = _flags_of(ob)
            if quality is None:
                continue
            flags, reserved = quality
            if reserved:
                raise ctx.fail(f"IOA {ob.io_address} ({a.type.name}): reserved quality bits {reserved:#x} set; they must be 0")
            if ob.io_address in flagged:
                seen.add(ob.io_address)
                carried = set(flagged[ob.io_address]) & ({"IV", "BL", "SB", "NT"} | ({"OV"} if hasattr(ob, "qds") else set()))
                if flags != carried:
                    raise ctx.fail(f"IOA {ob.io_address} shows quality {sorted(flags) or 'none'}; the PICS says {sorted(carried)}")
    missing = sorted(set(flagged) - seen)
    if missing:
        raise ctx.fail(f"IOA {', '.join(map(str, missing))} (with quality flags in the PICS) not in the station interrogation")
