"""Run the master-side checks: the simulator is the RTU, the master under test connects to it.

>>> async def main(pics):
...     results = await run_master(select_master_checks(), pics, port=2404, wait=60)
...     print([(r.id, r.verdict.value) for r in results])

The tool waits (``wait`` s) for the master's connection, then acts in this order, each step only
when a selected check needs it and the connection is still open:

1. waits up to t1 for STARTDT act, then up to t1 for the station interrogation (and the clock
   synchronisation, if the PICS claims it);
2. ``burst``: once the master acknowledged everything, sends w spontaneous I-frames back to
   back (M03, M04) and waits for the acknowledgement (at most t2);
3. ``testfr``: sends TESTFR act (M05) and waits up to t1 for the con;
4. ``unknown_type``: sends an ASDU of the undefined type 22 (M11) and watches t2 and t1;
5. waits up to ``master.commands_within`` for the commands of ``points.commands`` to end (M08-M10),
   then t1 more to see any retry (``refused``: with ``master.provoke_negative`` the first command to each
   point is refused, alternately with a negative ACT_CON and with COT 47);
6. ``provoke_t1``: stops acknowledging and answering TESTFR (M06, only if the PICS allows it)
   and waits for the master to close: until t1 after its first unanswered TESTFR act or I-frame
   (at most 2 (t3 + t1));
7. ``reconnect`` (M13, with ``master.reconnect``): ends the connection if it is still open and waits
   up to ``master.reconnect_within`` for the master to connect again, then up to t1 for its STARTDT
   act and t1 for its station interrogation on the new connection;
8. ``sequence_error`` (M12, with ``master.provoke_sequence_error``): on the connection still open
   (the new one, if any), sends an I-frame whose N(S) skips one number and waits up to t1 for the
   master to close.

Then it ends the connection and judges the journal of the simulator's side (``master_checks``).
The simulated RTU's own timers are long (it never closes first, never sends TESTFR by itself),
its t2 short (the master's frames are acknowledged at once).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

import trio

from ..engine.errors import unwrap_group
from ..engine.journal import Direction
from ..engine.pcap import CaptureWriter
from ..engine.profile import Profile, demo_profile
from ..engine.simulator import Simulator, SimulatorConnection
from ..engine.transport import Transport
from ..protocol.asdu import Asdu, UnknownAsdu, encode_asdu
from ..protocol.elements import COI, SIQ
from ..protocol.enums import Cot, Type
from ..protocol.explain import explain_bytes
from ..protocol.link import LinkParameters, LinkState
from ..protocol.objects import EndOfInitialisation, SinglePoint
from ..protocol.station.faults import (
    Fault,
    NegativeConfirmation,
    NoReturnInformation,
    NoTermination,
    Scope,
    WrongCause,
)
from .case import CaseFailed, CaseNotApplicable, Verdict
from .context import CaseResult, Evidence
from .master_checks import (
    ACK_TOLERANCE,
    MasterCheck,
    MasterFrame,
    MasterSession,
    NotCarriedOut,
    selects,
)
from .pics import Pics, PicsError

__all__ = ["UNKNOWN_TYPE", "check_master_pics", "master_profile", "run_master", "run_master_suite"]

#: The type identification the tool sends as "unknown" (22-29 are not defined by the standard).
UNKNOWN_TYPE = 22
_STEP = 0.02


async def _poll(predicate: Callable[[], bool], timeout: float) -> bool:
    """True as soon as ``predicate`` holds, False after ``timeout`` s (polled every 20 ms)."""
    deadline = trio.current_time() + timeout
    for _ in range(int(timeout / _STEP) + 2):
        if predicate() or trio.current_time() >= deadline:
            break
        await trio.sleep(_STEP)
    return predicate()


class _Recorded(SimulatorConnection):
    """A simulator connection that remembers itself and when it ended."""

    def __init__(self, simulator: Simulator, opened: object, number: int) -> None:
        super().__init__(simulator, opened, number)  # type: ignore[arg-type]
        self.closed_at: float | None = None
        simulator.recorded.append(self)  # type: ignore[attr-defined]

    def changed(self) -> None:
        if self.session.closed is not None and self.closed_at is None:
            self.closed_at = trio.current_time()
        super().changed()


class _Rig(Simulator):
    connection_class = _Recorded

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.recorded: list[_Recorded] = []
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


def master_profile(pics: Pics, base: Profile | None = None) -> Profile:
    """The simulated RTU for the master of ``pics``: ``base`` (default the demo RTU) with timers
    that never end the connection first and a k window that holds the burst of w I-frames."""
    base = base if base is not None else demo_profile()
    t1, t3, w = float(pics["link.t1"]), float(pics["link.t3"]), int(pics["link.w"])
    quiet = 4 * t1 + 2 * t3 + float(pics["master.commands_within"]) + 10  # longer than any wait below
    link = LinkParameters(k=max(12, w + 4), w=8, t0=float(pics["link.t0"]), t1=quiet, t2=min(0.2, t1 / 4), t3=quiet)
    return dataclasses.replace(base, link=link)


def check_master_pics(pics: Pics, profile: Profile) -> None:
    """The simulated RTU must have what the PICS says the master uses: its common addresses, and
    each point of ``points.commands`` in the first one, of that type and command mode. Otherwise
    the RTU refuses the master's requests (COT 46, 47, a negative ACT_CON) and M02, M08 and M09
    would judge refusals instead of the master. PicsError naming the item and the profile."""
    name = profile.name or "the simulated RTU"
    cas = [int(ca) for ca in pics["rtu.common_addresses"]]
    known = ", ".join(str(s.common_address) for s in profile.stations)
    missing = [ca for ca in cas if profile.station(ca) is None]
    if missing:
        raise PicsError(pics.file, pics.lines.get("rtu.common_addresses", 0), "rtu.common_addresses",
                        f"CA {', '.join(map(str, missing))} is not a station of the profile {name!r} (it has CA {known}); "
                        "give the profile of the RTU the master expects (--profile)")
    station = profile.station(cas[0])
    assert station is not None
    points = {p.io_address: p for p in station.points}
    problems = []
    for command in pics.command_points:
        point = points.get(command.io_address)
        if point is None or not point.is_command:
            problems.append(f"IOA {command.io_address} is not a command point of CA {cas[0]}")
        elif point.type is not command.type:
            problems.append(f"IOA {command.io_address} is a {point.type.name} in the profile, not a {command.type.name}")
        elif point.select_before_operate != (command.mode == "select"):
            mode = "select" if point.select_before_operate else "direct"
            problems.append(f"IOA {command.io_address} has command_mode {mode} in the profile, mode {command.mode} here")
    if problems:
        raise PicsError(pics.file, pics.lines.get("points.commands", 0), "points.commands",
                        f"{'; '.join(problems)} (profile {name!r}); give the profile of the RTU the master expects (--profile)")


def _refusals(pics: Pics) -> tuple[Fault, ...]:
    """The first command to each point of the PICS is refused and nothing else is sent for it:
    alternately with a negative ACT_CON (COT 7, P/N=1) and as an unknown IOA (COT 47, P/N=1)."""
    faults: list[Fault] = []
    for index, point in enumerate(pics.command_points):
        scope = Scope(type=point.type, io_address=point.io_address, occurrence=1)
        faults += [NegativeConfirmation(scope), NoReturnInformation(scope), NoTermination(scope)]
        if index % 2:
            faults.append(WrongCause(scope, cot=int(Cot.UNKNOWN_IOA)))
    return tuple(faults)


class _Observer:
    """Drives the stimuli on the master's connection; every wait is bounded."""

    def __init__(self, pics: Pics, rig: _Rig, conn: _Recorded, needs: frozenset[str]) -> None:
        self.pics, self.rig, self.conn, self.needs = pics, rig, conn, needs
        self.stimuli: dict[str, float] = {}
        self.t1, self.t2, self.t3 = (float(pics[f"link.{t}"]) for t in ("t1", "t2", "t3"))

    @property
    def open(self) -> bool:
        return self.conn.close_info is None

    def since(self) -> float:
        return trio.current_time() - self.conn.opened_at

    async def until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Poll ``predicate`` until it holds or the connection ended, at most ``timeout`` s."""
        await _poll(lambda: not self.open or predicate(), timeout)
        return predicate()

    def _master_sent(self, test: Callable[[MasterFrame], bool], after: float = 0.0) -> bool:
        for e in self.conn.journal:
            if e.direction is Direction.RECEIVED:
                frame = MasterFrame(e.timestamp - self.conn.opened_at, True, e.raw)
                if frame.t >= after and test(frame):
                    return True
        return False

    def _activation(self, t: Type) -> Callable[[MasterFrame], bool]:
        def test(frame: MasterFrame) -> bool:
            asdu = frame.asdu
            return asdu is not None and int(asdu.type) == int(t) and int(asdu.cot) == Cot.ACTIVATION
        return test

    def _send_asdu(self, raw: bytes) -> bool:
        """Send ``raw`` if the link is started and the k window has room (the tool keeps to k)."""
        link = self.conn.link
        if link.state is LinkState.STARTED and link.window_free > 0:
            self.conn.session.send_asdu(raw, trio.current_time())
            return True
        return False

    async def run(self) -> None:
        conn, pics = self.conn, self.pics
        if not await self.until(lambda: conn.link.state is LinkState.STARTED, self.t1 + ACK_TOLERANCE):
            return
        wanted = [self._activation(Type.C_IC_NA_1)] if pics["master.general_interrogation"] else []
        if pics["master.clock_sync"]:
            wanted.append(self._activation(Type.C_CS_NA_1))
        await self.until(lambda: all(self._master_sent(w) for w in wanted), self.t1 + ACK_TOLERANCE)
        await trio.sleep(0.2)  # the interrogation's answers go out first
        if "burst" in self.needs and self.open:
            await self._burst()
        if "testfr" in self.needs and self.open:
            self.stimuli["testfr"] = self.since()
            conn.link.send_test_frame(trio.current_time())
            conn.session.wake()
            sent = self.stimuli["testfr"]
            await self.until(lambda: self._master_sent(lambda f: f.raw[2] == 0x83, sent), self.t1 + ACK_TOLERANCE)
        if "unknown_type" in self.needs and self.open:
            ca = int(pics["rtu.common_addresses"][0])
            await self.until(lambda: conn.link.window_free > 0, self.t2 + ACK_TOLERANCE)
            if not self._send_asdu(encode_asdu(UnknownAsdu(UNKNOWN_TYPE, Cot.SPONTANEOUS, ca, b"\x01\x00\x00\x00"))):
                # a stimulus never sent must not be judged as one the master took well (M11)
                self.stimuli["unknown_type_blocked"] = self.since()
            else:
                sent = self.stimuli["unknown_type"] = self.since()
                await self.until(lambda: conn.link.unacknowledged == 0, self.t2 + ACK_TOLERANCE)
                # the link must stay: a master that drops it over an unknown type does so at once
                stay = min(self.t1, 1.0) - (self.since() - sent)
                await self.until(lambda: False, max(stay, 0.0))
        if pics.command_points and self.open:
            await self._commands()
        if "provoke_t1" in self.needs and pics["master.provoke_t1"] and self.open:
            await self._provoke_t1()

    async def restart(self) -> None:
        """On a new connection: STARTDT act within t1, then (if claimed) the interrogation."""
        conn, pics = self.conn, self.pics
        if not await self.until(lambda: conn.link.state is LinkState.STARTED, self.t1 + ACK_TOLERANCE):
            return
        if pics["master.general_interrogation"]:
            await self.until(lambda: self._master_sent(self._activation(Type.C_IC_NA_1)), self.t1 + ACK_TOLERANCE)
            await trio.sleep(0.2)  # the interrogation's answers go out first

    async def sequence_error(self) -> None:
        """An I-frame whose N(S) skips one number; the master must close (waits up to t1)."""
        conn = self.conn
        link = conn.link
        if link.state is not LinkState.STARTED:
            return
        # a report of a known type (a master that closes on an unknown type must not pass M12 by it)
        station = self.rig.profile.stations[0]
        ca = station.common_address
        point = next((p for p in station.points if p.type is Type.M_SP_NA_1), None)
        if point is not None:
            asdu = Asdu(Type.M_SP_NA_1, Cot.SPONTANEOUS, ca, (SinglePoint(point.io_address, SIQ(False)),))
        else:
            asdu = Asdu(Type.M_EI_NA_1, Cot.INITIALIZED, ca, (EndOfInitialisation(0, COI()),))
        self.stimuli["sequence_error"] = self.since()
        # the tool's side must not close first when a lenient master acknowledges the wrong number
        link.tolerate_sequence_errors = True
        conn.session.send_asdu(encode_asdu(asdu), trio.current_time(), send_seq=(link.vs + 1) & 0x7FFF)
        await self.until(lambda: False, self.t1 + ACK_TOLERANCE)

    async def _provoke_t1(self) -> None:
        """Stop acknowledging and answering TESTFR; wait until the master closes, or t1 (and the
        tolerance) after its first unanswered frame has passed (at most 2 (t3 + t1) in all: the
        RTU's own reports may restart the master's t3)."""
        since = self.since()
        self.stimuli["provoke_t1"] = since
        self.conn.link.withhold_acknowledgements = True
        self.conn.link.ignore_test_frames = True

        def waiting(frame: MasterFrame) -> bool:
            return frame.raw[2] == 0x43 or not frame.raw[2] & 1  # TESTFR act or an I-frame

        def overdue() -> bool:
            first = next((e.timestamp - self.conn.opened_at for e in self.conn.journal
                          if e.direction is Direction.RECEIVED and e.timestamp - self.conn.opened_at >= since
                          and waiting(MasterFrame(0.0, True, e.raw))), None)
            return first is not None and self.since() > first + self.t1 + 2 * ACK_TOLERANCE

        await self.until(overdue, 2 * (self.t3 + self.t1) + 2 * ACK_TOLERANCE)

    async def _burst(self) -> None:
        """w spontaneous I-frames back to back: the RTU's first two monitored points, alternating."""
        station = self.rig.profile.stations[0]
        points = [p for p in station.points if p.type.value < 45 and p.type not in (Type.M_IT_NA_1, Type.M_IT_TB_1)][:2]
        if not points:
            return
        # from an acknowledged state, so that exactly the w-th frame of the burst needs the ack
        await self.until(lambda: self.conn.link.unacknowledged == 0, self.t2 + ACK_TOLERANCE)
        self.stimuli["burst"] = self.since()
        for n in range(int(self.pics["link.w"])):
            point = points[n % len(points)]
            self.rig.set_point_nowait(station.common_address, point.io_address, cause=Cot.SPONTANEOUS)
            await trio.sleep(0.005)  # the writer takes each report as an ASDU of its own
        await self.until(lambda: self.conn.link.unacknowledged == 0, self.t2 + ACK_TOLERANCE)

    async def _commands(self) -> None:
        """Until every listed point was commanded and its command ended (or the time is up)."""
        points = {p.io_address for p in self.pics.command_points}
        act_term = self.rig.profile.pixit.act_term  # else a command ends with its ACT_CON

        def ended() -> bool:
            done: set[int] = set()
            for e in self.conn.journal:
                asdu = e.asdu
                if (e.direction is Direction.SENT and asdu is not None and 45 <= int(asdu.type) <= 64 and asdu.objects
                        and (int(asdu.cot) == Cot.ACTIVATION_TERMINATION or (asdu.negative and int(asdu.cot) in (7, 44, 45, 46, 47))
                             or (not act_term and int(asdu.cot) == Cot.ACTIVATION_CON and not selects(asdu)))):
                    done.add(asdu.objects[0].io_address)
            return points <= done

        started = self.since()
        left = float(self.pics["master.commands_within"]) - started
        await self.until(ended, max(left, 0.1))
        if self.pics["master.provoke_negative"]:
            self.stimuli["refused"] = self.since()
            await self.until(lambda: False, self.t1 + ACK_TOLERANCE)  # a blind retry would come now
        else:
            await trio.sleep(0.2)


def _session(pics: Pics, legs: list[tuple[_Recorded, dict[str, float]]], wait: float, until: float,
             act_term: bool = True) -> MasterSession:
    """The first connection's session; a second connection (the master came again) as its ``reconnection``."""
    session = MasterSession(pics, wait=wait, act_term=act_term)
    if not legs:
        return session
    _fill(session, *legs[0], until)
    if len(legs) > 1:
        first, second = legs[0][0], legs[1][0]
        again = session.reconnection = MasterSession(pics, wait=wait, act_term=act_term)
        _fill(again, *legs[1], until)
        ended = first.closed_at if first.closed_at is not None else second.opened_at
        session.reconnected_after = second.opened_at - ended
    return session


def _fill(session: MasterSession, conn: _Recorded, stimuli: dict[str, float], until: float) -> None:
    session.connected = True
    session.stimuli = dict(stimuli)
    session.frames = [MasterFrame(e.timestamp - conn.opened_at, e.direction is Direction.RECEIVED, e.raw) for e in conn.journal]
    session.observed_until = until - conn.opened_at
    info = conn.close_info
    if info is not None and conn.closed_at is not None and conn.closed_at <= until:
        session.closed_by, session.closed_at, session.close_reason = info.by, conn.closed_at - conn.opened_at, info.reason


def _judge(check: MasterCheck, session: MasterSession, evidence: tuple[Evidence, ...], seconds: float) -> CaseResult:
    verdict, reason = Verdict.PASS, ""
    try:
        reason = check.judge(session) or ""
    except CaseFailed as exc:
        verdict, reason = Verdict.FAIL, str(exc)
    except CaseNotApplicable as exc:
        verdict, reason = Verdict.NOT_APPLICABLE, str(exc)
    except NotCarriedOut as exc:
        verdict, reason = Verdict.ERROR, str(exc)
    except Exception as exc:  # a check that breaks must not stop the others; the report says why
        verdict, reason = Verdict.ERROR, f"{type(exc).__name__}: {exc}"
    if verdict in (Verdict.FAIL, Verdict.ERROR):  # a failure that depends on an item the file left out says so
        reason += session.pics.omitted_note(check.pics, master=True)
    return CaseResult(check.id, check.title, check.clause, verdict, reason, seconds, evidence)


async def _observe(rig: _Rig, pics: Pics, needs: frozenset[str], host: str, port: int, wait: float,
                   on_listening: Callable[[int], None] | None) -> tuple[list[tuple[_Recorded, dict[str, float]]], float]:
    """Serve, wait for the master, run the stimuli: each connection of the master with what the tool
    did on it (one, or two when it connected again), and when the observation ended."""
    conn: _Recorded | None = None
    legs: list[tuple[_Recorded, dict[str, float]]] = []
    async with trio.open_nursery() as nursery:
        bound = await nursery.start(rig.serve, host, port)
        if on_listening is not None:
            on_listening(bound)
        await _poll(lambda: bool(rig.recorded), wait)
        if rig.recorded:
            conn = rig.recorded[0]
            observer = last = _Observer(pics, rig, conn, needs)
            await observer.run()
            if "reconnect" in needs and pics["master.reconnect"]:
                if observer.open:
                    observer.stimuli["dropped"] = observer.since()
                    conn.close("the tool ends the connection: the master must connect again")
                    await _poll(lambda: conn is not None and conn.closed_at is not None, 2.0)
                await _poll(lambda: len(rig.recorded) > 1, float(pics["master.reconnect_within"]) + ACK_TOLERANCE)
                if len(rig.recorded) > 1:
                    last = _Observer(pics, rig, rig.recorded[1], needs)
                    await last.restart()
            if "sequence_error" in needs and pics["master.provoke_sequence_error"] and last.open:
                await last.sequence_error()
            legs = [(observer.conn, observer.stimuli)]
            if last is not observer:
                legs.append((last.conn, last.stimuli))
        until = trio.current_time()
        for leg, _ in legs:
            if leg.close_info is None:
                leg.close("the master-side checks are done")
                await _poll(lambda leg=leg: leg.closed_at is not None, 2.0)  # type: ignore[misc]
        nursery.cancel_scope.cancel()
    return legs, until


def _add_to_capture(capture: CaptureWriter, connections: Iterable[_Recorded]) -> None:
    for number, conn in enumerate(connections, 1):
        conn.journal.add_to_capture(capture, local_is_client=False,
                                    comment=f"c104test: the master under test, connection {number}")


async def run_master(
    checks: Iterable[MasterCheck],
    pics: Pics,
    *,
    host: str = "127.0.0.1",
    port: int = 2404,
    wait: float = 60.0,
    profile: Profile | None = None,
    transport: Transport | None = None,
    on_listening: Callable[[int], None] | None = None,
    capture: CaptureWriter | None = None,
) -> list[CaseResult]:
    """Serve the simulated RTU on ``host:port``, wait ``wait`` s for the master, run ``checks``.

    ``on_listening(port)`` is called once the port is bound (port 0: any free port).
    """
    checks = list(checks)
    needs = frozenset().union(*(c.needs for c in checks)) if checks else frozenset()
    faults = _refusals(pics) if pics["master.provoke_negative"] else ()
    rtu = master_profile(pics, profile)
    check_master_pics(pics, rtu)
    rig = _Rig(rtu, faults=faults, max_connections=1, transport=transport)
    started = trio.current_time()
    try:
        try:
            legs, until = await _observe(rig, pics, needs, host, port, wait, on_listening)
        except BaseExceptionGroup as group:  # one error (a port in use, say), as it was raised
            raise unwrap_group(group) from None
    except (KeyboardInterrupt, trio.Cancelled):  # Ctrl-C: the frames seen so far are the evidence
        if capture is not None:
            _add_to_capture(capture, rig.recorded)
        raise
    session = _session(pics, legs, wait, until, act_term=rtu.pixit.act_term)
    evidence: tuple[Evidence, ...] = ()
    if legs:
        origin = legs[0][0].opened_at  # a second connection's frames on the same clock, after the first's
        evidence = tuple(Evidence(e.timestamp - origin, "received" if e.direction is Direction.RECEIVED else "sent",
                                  e.raw.hex(" "), explain_bytes(e.raw)) for conn, _ in legs for e in conn.journal)
        if capture is not None:
            _add_to_capture(capture, [conn for conn, _ in legs])
    seconds = trio.current_time() - started
    return [_judge(check, session, evidence, seconds) for check in checks]


async def run_master_suite(
    checks: Iterable[MasterCheck],
    pics: Pics,
    output: str,
    *,
    host: str = "127.0.0.1",
    port: int = 2404,
    wait: float = 60.0,
    profile: Profile | None = None,
    transport: Transport | None = None,
    on_listening: Callable[[int], None] | None = None,
    on_result: Callable[[CaseResult], None] | None = None,
) -> list[CaseResult]:
    """``run_master`` and the reports of the RTU mode in ``output``: results.json (``"mode":
    "master"``, ``rtu`` is the simulated RTU's address), junit.xml, report.html, capture.pcap."""
    from .report import (
        capture_path,
        file_sha256,
        results_document,
        write_reports,
    )
    from .runner import utc_now

    begun = utc_now()
    bound = port

    def listening(number: int) -> None:
        nonlocal bound
        bound = number
        if on_listening is not None:
            on_listening(number)

    checks = list(checks)
    results: list[CaseResult] = []
    complete = interrupted = False
    try:
        with CaptureWriter(capture_path(output), describe="c104test conformance --master: the simulated RTU and the master under test") as capture:
            results = await run_master(checks, pics, host=host, port=port, wait=wait, profile=profile, transport=transport,
                                       on_listening=listening, capture=capture)
        complete = True
    except (KeyboardInterrupt, trio.Cancelled):
        interrupted = True
        raise
    finally:
        # Ctrl-C still leaves a report (as the RTU-side run does): the checks are judged together
        # after the observation, so none finished, and capture.pcap holds the frames seen so far
        if complete or interrupted:
            document = results_document(results, host=host, port=bound, pics=pics.file, started=begun, finished=utc_now(),
                                        capture_sha256=file_sha256(capture_path(output)), mode="master",
                                        pics_sha256=pics.sha256 or None, pics_omitted=pics.omitted(master=True))
            if not complete:
                document["interrupted"] = (f"{len(results)} of {len(checks)} checks finished: interrupted while the tool "
                                           "observed the master; capture.pcap holds the frames exchanged until then")
            write_reports(output, document, results, host=host, port=bound, pics=pics.file, peer="master")
    for result in results:
        if on_result is not None:
            on_result(result)
    return results
