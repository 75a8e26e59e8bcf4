"""Connection cases (catalogue L, protocol.md 2.3): events across STOPDT/STARTDT and connection
loss, the sequence-number wrap, and redundancy switch-over.

These cases need events to occur in the RTU while the tool watches. The tool cannot toggle an
RTU's inputs, so it makes the event itself: it sends a command that the PICS lists with return
information (``points.commands`` with ``return_io_address``) on a second connection, outside the
watched connection's redundancy group, and the RTU reports the changed point to the watched one.
Without such a command, or without room for the second connection (``connections.max``), the
case is n/a naming the item.

Which connections share a redundancy group is what the PICS says: the first
``connections.redundancy_group_size`` connections form the first group, in the order they
connect. The cases fill the watched group with stopped connections before they open the one that
makes events, so that it lands in another group.
"""

from __future__ import annotations

import datetime as _dt

import trio

from ..engine.client import ClientConnection
from ..engine.errors import LinkDown
from ..protocol.apci import UFunction, decode_frame, encode_u_frame
from ..protocol.asdu import Asdu
from ..protocol.commands import command_object
from ..protocol.enums import Cot, Type
from ..protocol.objects import Read, TestCommandWithTime
from ..protocol.timetags import CP56Time2a
from .case import CaseNotApplicable, case
from .context import CaseContext
from .pics import CommandPoint

TESTFR_CON = encode_u_frame(UFunction.TESTFR_CON)
#: Causes with which an RTU reports a point that a command changed.
_EVENT_CAUSES = frozenset({int(Cot.SPONTANEOUS), int(Cot.RETURN_INFO_REMOTE), int(Cot.RETURN_INFO_LOCAL)})


def _event_command(ctx: CaseContext) -> CommandPoint:
    """The command that makes the RTU report an event (direct before select)."""
    points = sorted((p for p in ctx.pics.commands() if p.return_io_address is not None),
                    key=lambda p: p.mode != "direct")
    if not points:
        raise CaseNotApplicable(
            "PICS points.commands lists no command with return_io_address: the suite cannot make the RTU report an event")
    return points[0]


async def _cause_event(ctx: CaseContext, source: ClientConnection, point: CommandPoint, what: str) -> None:
    """Command ``point`` on ``source``: the RTU reports its return point as an event."""
    for select in ((True, False) if point.mode == "select" else (False,)):
        ob = command_object(point.type, point.io_address, point.value, select=select)
        result = await ctx.request(source, Asdu(point.type, Cot.ACTIVATION, ctx.common_address, (ob,)),
                                   termination=not select and ctx.pics["commands.act_term"])
        ctx.expect_positive(result, f"the command to IOA {point.io_address} that makes {what}")


def _reports(ctx: CaseContext, conn: ClientConnection, io_address: int, since: int = 0) -> list:
    """Reports of ``io_address`` (monitoring type, event cause) received since ``since``."""
    return [e for e in ctx.received(conn, since)
            if e.asdu is not None and int(e.asdu.type) < 45 and int(e.asdu.cot) in _EVENT_CAUSES
            and any(ob.io_address == io_address for ob in e.asdu.objects)]


def _report_count(ctx: CaseContext, conn: ClientConnection, io_address: int, since: int = 0) -> int:
    return sum(1 for e in _reports(ctx, conn, io_address, since) for ob in e.asdu.objects if ob.io_address == io_address)


def _i_frames(ctx: CaseContext, conn: ClientConnection, since: int = 0) -> list:
    return [e for e in ctx.received(conn, since) if e.is_i_frame]


async def _expect_report(ctx: CaseContext, conn: ClientConnection, io_address: int, since: int, what: str) -> None:
    if await ctx.until(lambda: bool(_reports(ctx, conn, io_address, since)) or conn.close_info is not None,
                       ctx.answer_timeout) and _reports(ctx, conn, io_address, since):
        return
    closed = f" (the connection ended: {conn.close_reason})" if conn.close_info is not None else ""
    raise ctx.fail(f"no report of IOA {io_address} on {what} within {ctx.answer_timeout:g} s{closed}")


def _sequence_from(ctx: CaseContext, conn: ClientConnection, since: int, first: int, what: str) -> None:
    """The I-frames received since ``since`` are numbered ``first``, ``first`` + 1, ..."""
    for expected, e in enumerate(_i_frames(ctx, conn, since), start=first):
        got = decode_frame(e.raw).send_seq
        if got != expected % 32768:
            raise ctx.fail(f"{what}: I-frame N(S)={got} where {expected % 32768} was expected: {e.explain()}")
    if conn.close_error is not None:
        raise ctx.fail(f"{what}: {conn.close_error}")


async def _stop(ctx: CaseContext, conn: ClientConnection, what: str) -> None:
    try:
        await conn.stop_data_transfer(timeout=ctx.answer_timeout)
    except Exception as exc:  # CommandTimeout or LinkDown
        raise ctx.fail(f"STOPDT act on {what} was not confirmed: {exc}") from None


async def _start(ctx: CaseContext, conn: ClientConnection, what: str) -> None:
    try:
        await conn.start_data_transfer(timeout=ctx.answer_timeout)
    except Exception as exc:
        raise ctx.fail(f"STARTDT act on {what} was not confirmed: {exc}") from None


@case("L06", "Restart after STOPDT", clause="IEC 60870-5-104 5.3, 5.1",
      purpose="Events that occur while data transfer is stopped are delivered after STARTDT; N(S) continues in the same TCP connection.",
      pics=("points.commands", "connections.max", "connections.redundancy_group_size"),
      mutants=("restart_sequence", "lose_event"),
      verifies="STOPDT; a command on a second connection (outside the group) makes an event; no I-frame while stopped; "
               "after STARTDT the report arrives within t1 and the I-frames go on from the N(S) before STOPDT")
async def l06(ctx: CaseContext) -> None:
    point = _event_command(ctx)
    ctx.group_size()
    watched = await ctx.connect()
    source = await ctx.connect_outside_group(1)
    await _stop(ctx, watched, "the watched connection")
    link = watched.link
    assert link is not None
    continues_at = link.vr
    stopped_at = watched.journal.next_index
    await _cause_event(ctx, source, point, "an event while the watched connection is stopped")
    await trio.sleep(0.5)
    early = _i_frames(ctx, watched, stopped_at)
    if early:
        raise ctx.fail(f"the RTU sent an I-frame while data transfer was stopped: {early[0].explain()}")
    try:
        await watched.start_data_transfer(timeout=ctx.answer_timeout)
    except Exception as exc:  # the numbering is the likelier culprit: name it first
        _sequence_from(ctx, watched, stopped_at, continues_at, "after STARTDT in the same connection the numbering must continue")
        raise ctx.fail(f"STARTDT act on the watched connection was not confirmed: {exc}") from None
    await ctx.until(lambda: bool(_reports(ctx, watched, point.return_io_address, stopped_at)) or watched.close_info is not None,
                    ctx.answer_timeout)
    _sequence_from(ctx, watched, stopped_at, continues_at, "after STARTDT in the same connection the numbering must continue")
    if not _reports(ctx, watched, point.return_io_address, stopped_at):
        raise ctx.fail(f"the event of IOA {point.return_io_address} that occurred while data transfer was stopped "
                       f"was not delivered within {ctx.answer_timeout:g} s of STARTDT")


#: I-frames each way in L15: beyond 32768, so that both counters wrap once.
WRAP_FRAMES = 32768 + 32
#: Seconds L15 may take for them beyond the RTU's timers (about 3 s against the simulator here).
WRAP_SECONDS = 60.0


@case("L15", "Sequence wrap", clause="IEC 60870-5-104 5.1",
      purpose="More than 32768 I-frames each way: N(S) and N(R) go from 32767 to 0 without disconnect or error.",
      pics=("functions.read", "functions.test_command"),
      mutants=("wrong_send_sequence nth=32769",), extra_seconds=WRAP_SECONDS,
      verifies=f"{WRAP_FRAMES} reads (or test commands) pipelined within k, each answered; no close; "
               "every RTU I-frame numbered V(R) (the tool's link checks each), all of the tool's acknowledged")
async def l15(ctx: CaseContext) -> None:
    reads = ctx.pics["functions.read"] and ctx.pics.monitored()
    if reads:
        request = Asdu(Type.C_RD_NA_1, Cot.REQUEST, ctx.common_address, (Read(ctx.pics.monitored()[0].io_address),))
    elif ctx.pics["functions.test_command"]:
        request = Asdu(Type.C_TS_TA_1, Cot.ACTIVATION, ctx.common_address,
                       (TestCommandWithTime(0, 0x5555, CP56Time2a.from_datetime(_dt.datetime.now())),))
    else:
        raise CaseNotApplicable("PICS functions.read (with a points.read entry) and functions.test_command are not claimed: "
                                "no request the suite may repeat 32768 times")
    conn = await ctx.connect()
    await trio.sleep(0.3)
    answers = 0
    refused = []
    last_answer = trio.current_time()

    def count(asdu) -> None:
        nonlocal answers, last_answer
        if int(asdu.type) == int(Type.M_EI_NA_1):
            return
        answers += 1
        last_answer = trio.current_time()
        if asdu.negative or int(asdu.cot) in (44, 45, 46, 47):
            refused.append(asdu)

    conn.on_asdu = count
    started = trio.current_time()
    try:
        await conn.send_burst(request, WRAP_FRAMES, timeout=ctx.answer_timeout)
    except Exception as exc:  # LinkDown, NotConnected, CommandTimeout: the link ended or stalled
        raise ctx.fail(f"after {answers} answers the requests could not go on: {_why(conn, exc)}") from None
    limit = ctx.answer_timeout + WRAP_SECONDS
    await ctx.until(lambda: answers >= WRAP_FRAMES or conn.close_info is not None, limit, step=0.05)
    if conn.close_info is not None:
        raise ctx.fail(f"the connection ended after {answers} answers: {_why(conn, None)}")
    if answers < WRAP_FRAMES:
        # when the last answer came tells an RTU that fell silent (answers lost) from a slow one
        raise ctx.fail(f"only {answers} of {WRAP_FRAMES} requests were answered within {limit:g} s; none in the last "
                       f"{trio.current_time() - last_answer:.1f} s")
    if refused:
        raise ctx.fail(f"{len(refused)} of the requests were refused, the first with COT {int(refused[0].cot)}")
    link = conn.link
    assert link is not None
    await conn.send_acknowledgement()
    if not await ctx.until(lambda: link.window_free == ctx.params.k or conn.close_info is not None, ctx.answer_timeout):
        raise ctx.fail(f"the RTU did not acknowledge the tool's last I-frames (N(S) wrapped to {link.vs}) within t1")
    await ctx.expect_open(conn, 0.2, f"{WRAP_FRAMES} I-frames each way ({trio.current_time() - started:.1f} s)")


def _why(conn: ClientConnection, exc: Exception | None) -> str:
    info = conn.close_info
    if info is None:
        return str(exc)
    error = f"; {conn.close_error}" if conn.close_error is not None else ""
    return f"closed by {info.by.value} ({info.cause.value}: {info.reason}){error}"


@case("L18", "Connection loss with unacknowledged data", clause="IEC 60870-5-104 5.1; Ed. 2 clause 10",
      purpose="Events sent but unacknowledged when the connection was lost are sent again after reconnect and STARTDT, "
              "followed by the events that occurred while disconnected.",
      pics=("events.kept_while_disconnected", "points.commands", "connections.max", "connections.redundancy_group_size"),
      mutants=("no_resend", "lose_event ioa=100 nth=2", "duplicate_event"),
      verifies="event 1 received with acknowledgements withheld; the tool drops the TCP connection; event 2 made while "
               "disconnected; the new connection numbers from N(S)=0 and reports the point exactly twice within t1 "
               "(the buffer's overflow policy is not checked: one fixed command value cannot show which reports a full buffer dropped)")
async def l18(ctx: CaseContext) -> None:
    ctx.require("events.kept_while_disconnected")
    point = _event_command(ctx)
    assert point.return_io_address is not None
    ctx.group_size()
    watched = await ctx.connect()
    source = await ctx.connect_outside_group(1)
    await watched.send_acknowledgement()  # everything so far (end of initialisation) acknowledged
    watched.set_withhold_acknowledgements(True)
    since = watched.journal.next_index
    await _cause_event(ctx, source, point, "event 1")
    await _expect_report(ctx, watched, point.return_io_address, since, "the connection that then gets lost")
    first = _report_count(ctx, watched, point.return_io_address, since)
    await ctx.close(watched)  # no S-frame: the report stays unacknowledged
    await _cause_event(ctx, source, point, "event 2 while the connection is lost")
    again = await ctx.connect()
    expected = first + 1
    await ctx.until(lambda: _report_count(ctx, again, point.return_io_address) >= expected, ctx.answer_timeout)
    await trio.sleep(0.3)  # a duplicate would come right behind
    _sequence_from(ctx, again, 0, 0, "the new connection")
    got = _report_count(ctx, again, point.return_io_address)
    if got < expected:
        raise ctx.fail(f"after reconnect and STARTDT IOA {point.return_io_address} was reported {got} times within "
                       f"{ctx.answer_timeout:g} s; expected {expected}: {first} unacknowledged when the connection was lost "
                       "(to be sent again) and 1 made while disconnected")
    if got > expected:
        raise ctx.fail(f"after reconnect and STARTDT IOA {point.return_io_address} was reported {got} times; expected "
                       f"{expected} ({first} unacknowledged, 1 made while disconnected): events were duplicated")


async def _redundant_pair(ctx: CaseContext) -> tuple[CommandPoint, ClientConnection, ClientConnection, ClientConnection]:
    """A (started) and B (standby) in one group, and the connection outside it that makes events."""
    point = _event_command(ctx)
    ctx.group_size(least=2)
    active = await ctx.connect()
    standby = await ctx.connect(start=False)
    source = await ctx.connect_outside_group(2)
    return point, active, standby, source


async def _first_event(ctx: CaseContext, point: CommandPoint, active: ClientConnection,
                       standby: ClientConnection, source: ClientConnection) -> None:
    """Event 1 reaches A (and is acknowledged), nothing reaches standby B."""
    assert point.return_io_address is not None
    since = active.journal.next_index
    await _cause_event(ctx, source, point, "event 1")
    await _expect_report(ctx, active, point.return_io_address, since, "connection A (started)")
    await active.send_acknowledgement()
    await trio.sleep(0.2)
    data = _i_frames(ctx, standby)
    if data:
        raise ctx.fail(f"the standby connection B (never started) got an I-frame: {data[0].explain()}")


async def _expect_test_frame_answer(ctx: CaseContext, conn: ClientConnection, what: str) -> None:
    since = conn.journal.next_index
    await conn.send_test_frame()
    if not await ctx.until(lambda: any(e.raw == TESTFR_CON for e in ctx.received(conn, since)) or conn.close_info is not None,
                           ctx.answer_timeout) or conn.close_info is not None:
        raise ctx.fail(f"{what} did not answer TESTFR act within {ctx.answer_timeout:g} s")


@case("L19", "Redundancy switch-over", clause="IEC 60870-5-104 Ed. 2 clause 10",
      purpose="In a redundancy group only the started connection gets data; the standby answers U-frames only; after "
              "STOPDT on A and STARTDT on B the data go to B, without losing or repeating acknowledged events.",
      pics=("connections.redundancy_group_size", "connections.max", "points.commands"),
      mutants=("stay_active", "lose_event", "duplicate_event"),
      verifies="event 1 on A only; TESTFR answered on B; STOPDT A, STARTDT B; event 2 on B exactly once, "
               "event 1 not repeated on B, no I-frame on A after its STOPDT con")
async def l19(ctx: CaseContext) -> None:
    point, active, standby, source = await _redundant_pair(ctx)
    assert point.return_io_address is not None
    await _first_event(ctx, point, active, standby, source)
    await _expect_test_frame_answer(ctx, standby, "the standby connection B")
    await _stop(ctx, active, "connection A")
    stopped_at = active.journal.next_index
    await _start(ctx, standby, "connection B")
    await _cause_event(ctx, source, point, "event 2 after the switch-over")
    await _expect_report(ctx, standby, point.return_io_address, 0, "connection B after the switch-over")
    await trio.sleep(0.3)  # a duplicate would come right behind
    late = _i_frames(ctx, active, stopped_at)
    if late:
        raise ctx.fail(f"connection A got an I-frame after its STOPDT con: {late[0].explain()}")
    got = _report_count(ctx, standby, point.return_io_address)
    if got != 1:
        raise ctx.fail(f"connection B reported IOA {point.return_io_address} {got} times after the switch-over; expected 1 "
                       "(event 2 once; event 1 was acknowledged on A and must not be repeated)")


@case("L20", "STARTDT on standby without STOPDT", clause="IEC 60870-5-104 Ed. 2 clause 10",
      purpose="STARTDT on the standby connection B while A is started: per PIXIT, A is closed or deactivated, or B is refused; "
              "data never go to both.",
      pics=("connections.standby_startdt", "connections.redundancy_group_size", "connections.max", "points.commands"),
      mutants=("stay_active",),
      verifies="close: the RTU closes A within t1, event 2 on B once; deactivate: A stays open without I-frames, event 2 on B "
               "once; refuse: no STARTDT con on B (or B closed), event 2 on A")
async def l20(ctx: CaseContext) -> None:
    point, active, standby, source = await _redundant_pair(ctx)
    assert point.return_io_address is not None
    await _first_event(ctx, point, active, standby, source)
    mode = ctx.pics["connections.standby_startdt"]
    switched_at = active.journal.next_index
    if mode == "refuse":
        confirmed = True
        try:
            await standby.start_data_transfer(timeout=ctx.answer_timeout)
        except LinkDown:
            confirmed = False
        except Exception:  # CommandTimeout: no STARTDT con
            confirmed = False
        if confirmed:
            raise ctx.fail("STARTDT on standby connection B was confirmed while A was started; "
                           "PICS connections.standby_startdt is refuse")
        await _cause_event(ctx, source, point, "event 2")
        await _expect_report(ctx, active, point.return_io_address, switched_at, "connection A (B was refused)")
        return
    await _start(ctx, standby, "standby connection B while A is started")
    if mode == "close":
        await ctx.expect_peer_close(active, ctx.answer_timeout, "STARTDT on B (PICS connections.standby_startdt is close)")
    await _cause_event(ctx, source, point, "event 2 after STARTDT on B")
    await _expect_report(ctx, standby, point.return_io_address, 0, "connection B after its STARTDT")
    await trio.sleep(0.3)
    if mode == "deactivate":
        late = _i_frames(ctx, active, switched_at)
        if late:
            raise ctx.fail(f"connection A still got data after STARTDT on B: {late[0].explain()}")
        await ctx.expect_open(active, 0.1, "STARTDT on B (PICS connections.standby_startdt is deactivate)")
    got = _report_count(ctx, standby, point.return_io_address)
    if got != 1:
        raise ctx.fail(f"connection B reported IOA {point.return_io_address} {got} times after its STARTDT; expected 1 "
                       "(event 2 once; event 1 was acknowledged on A and must not be repeated)")
