"""The controlling station as the device under test: the master-side rules, one definition each.

``c104test conformance --master`` runs the simulator as the RTU, lets the master under test
connect, provokes what the checks need (``conformance.master``) and then judges the journal of
the simulator's side of the connection: every frame with who sent it (``by_master``), the
moments the tool acted (``stimuli``) and who ended the connection (``ClosedBy``). Each check
raises ``CaseFailed`` naming the frame and the time where the master broke its rule, or
``CaseNotApplicable`` naming the PICS item it needs.

The rules are the companion list under protocol.md 2.3 and the controlling station's side of
1.3-1.4 and 1.11. ``breaks`` says how the tests break a master (c104test's engine client with an
option) so that the check fails: a check that cannot fail is a defect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..protocol.apci import IFrame, SFrame, UFrame, UFunction, decode_frame
from ..protocol.asdu import Asdu, UnknownAsdu, decode_asdu
from ..protocol.closing import ClosedBy
from ..protocol.enums import Cot, Type
from ..protocol.errors import C104TestError
from .case import CaseFailed, CaseNotApplicable
from .id_lists import pick_ids
from .pics import Pics

__all__ = [
    "ACK_TOLERANCE",
    "MASTER_CHECKS",
    "W_LATENCY",
    "MasterCheck",
    "MasterFrame",
    "MasterSession",
    "select_master_checks",
    "selects",
]

#: Seconds added to t1/t2 for the transit and scheduling of an answer measured at the RTU's end.
ACK_TOLERANCE = 0.5
#: Seconds within which the acknowledgement of the w-th unacknowledged I-frame must arrive
#: (at most half of t2: a master that waits for its t2 instead of counting w is caught).
W_LATENCY = 0.5
_MOD = 32768
_BROADCAST = 0xFFFF


@dataclass(frozen=True, slots=True)
class MasterFrame:
    """One frame of the simulator's connection: seconds since the master connected, who sent it."""

    t: float
    by_master: bool
    raw: bytes

    @property
    def frame(self) -> IFrame | SFrame | UFrame | None:
        try:
            return decode_frame(self.raw)
        except (C104TestError, ValueError):
            return None

    @property
    def asdu(self) -> Asdu | UnknownAsdu | None:
        frame = self.frame
        if not isinstance(frame, IFrame):
            return None
        try:
            return decode_asdu(frame.asdu)
        except (C104TestError, ValueError):
            return None

    def is_u(self, function: UFunction) -> bool:
        frame = self.frame
        return isinstance(frame, UFrame) and frame.function is function


@dataclass
class MasterSession:
    """What happened on the connection of the master under test, as the checks judge it.

    ``connected`` is False when no master came; ``stimuli`` maps what the tool did (``burst``,
    ``testfr``, ``unknown_type``, ``provoke_t1``, ``refused``, ``dropped``, ``sequence_error``) to when
    (``unknown_type_blocked``: when the k window kept it from sending the unknown type); ``observed_until`` is
    when the tool stopped watching; ``closed_by`` and ``closed_at`` say who ended it (None while
    it was still open at the end of the observation).
    """

    pics: Pics
    connected: bool = False
    frames: list[MasterFrame] = field(default_factory=list)
    stimuli: dict[str, float] = field(default_factory=dict)
    observed_until: float = 0.0
    closed_by: ClosedBy | None = None
    closed_at: float | None = None
    close_reason: str = ""
    wait: float = 0.0
    #: The master's next connection after this one ended (M13), and how many seconds later it came.
    reconnection: MasterSession | None = None
    reconnected_after: float | None = None
    #: The simulated RTU ends commands with ACT_TERM (its profile's ``pixit.act_term``).
    act_term: bool = True

    def by_master(self) -> list[MasterFrame]:
        return [f for f in self.frames if f.by_master]

    def started_at(self) -> float | None:
        """When the RTU confirmed the master's STARTDT (None: data transfer never started)."""
        return next((f.t for f in self.frames if not f.by_master and f.is_u(UFunction.STARTDT_CON)), None)

    def master_activations(self, types: Callable[[int], bool]) -> list[tuple[MasterFrame, Asdu | UnknownAsdu]]:
        out = []
        for f in self.by_master():
            asdu = f.asdu
            if asdu is not None and types(int(asdu.type)) and int(asdu.cot) == Cot.ACTIVATION:
                out.append((f, asdu))
        return out

    def require_started(self) -> float:
        """The STARTDT con's time; an error (not a verdict) when the check had nothing to judge."""
        if not self.connected:
            raise NotCarriedOut(f"no master connected within {self.wait:g} s")
        started = self.started_at()
        if started is None:
            raise NotCarriedOut("the master never started data transfer, so the tool could not provoke this")
        return started


def _unclaimed(session: MasterSession, item: str, why: str) -> CaseNotApplicable:
    """n/a naming the PICS item, and whether the file set it false or left it out (an optional
    item left out is not claimed)."""
    if not session.pics.given(item):
        extra = "" if why == "not claimed" else f"; {why}"
        return CaseNotApplicable(f"{session.pics.not_given(item)}{extra}")
    return CaseNotApplicable(f"PICS {item} is False: {why}")


class NotCarriedOut(Exception):
    """The check could not be carried out (verdict error); the runner names the reason."""


@dataclass(frozen=True, slots=True)
class MasterCheck:
    id: str
    title: str
    clause: str
    purpose: str
    pics: tuple[str, ...]
    breaks: str
    verifies: str
    #: Raises CaseFailed/CaseNotApplicable/NotCarriedOut; on a pass it may return what it saw
    #: (who closed the connection, and when), which becomes the pass's reason in the report.
    judge: Callable[[MasterSession], str | None]
    #: What the tool must do during the session for this check (see ``conformance.master``).
    needs: frozenset[str] = frozenset()


MASTER_CHECKS: dict[str, MasterCheck] = {}


def master_check(id: str, title: str, *, clause: str, purpose: str, breaks: str, verifies: str,
                 pics: tuple[str, ...] = (), needs: tuple[str, ...] = ()) -> Callable[[Callable[[MasterSession], str | None]], Callable[[MasterSession], str | None]]:
    def register(fn: Callable[[MasterSession], str | None]) -> Callable[[MasterSession], str | None]:
        if id in MASTER_CHECKS:
            raise ValueError(f"master check {id} is defined twice")
        MASTER_CHECKS[id] = MasterCheck(id, title, clause, purpose, pics, breaks, verifies, fn, frozenset(needs))
        return fn

    return register


def select_master_checks(spec: str | None = None) -> list[MasterCheck]:
    """The master checks a selection names, in order: ``M01,M03-M05,M*``; ValueError naming the
    wrong part otherwise (``id_lists.pick_ids``)."""
    ids = sorted(MASTER_CHECKS)
    series = "a series of catalogue cases (RTU under test): leave out --master"
    wanted = set(ids) if not spec else pick_ids(spec, ids, "master check", dict.fromkeys("LAR", series))
    return [MASTER_CHECKS[i] for i in ids if i in wanted]


def _fmt(t: float) -> str:
    return f"t={t:.3f} s"


def _acked(frame: MasterFrame) -> int | None:
    """The N(R) a master frame carries (I or S), None for U-frames."""
    decoded = frame.frame
    return decoded.recv_seq if isinstance(decoded, IFrame | SFrame) else None


def _covers(recv_seq: int, send_seq: int) -> bool:
    """N(R)=recv_seq acknowledges the I-frame numbered send_seq (modulo 32768)."""
    return 0 < (recv_seq - send_seq) % _MOD <= _MOD // 2


def _rtu_i_frames(session: MasterSession) -> list[tuple[MasterFrame, int]]:
    out = []
    for f in session.frames:
        decoded = f.frame
        if not f.by_master and isinstance(decoded, IFrame):
            out.append((f, decoded.send_seq))
    return out


def _ack_time(session: MasterSession, after: float, send_seq: int) -> float | None:
    for f in session.frames:
        if f.by_master and f.t >= after:
            nr = _acked(f)
            if nr is not None and _covers(nr, send_seq):
                return f.t
    return None


def _unacknowledged(session: MasterSession, at: float) -> int:
    """The RTU's I-frames the master had not acknowledged at ``at``."""
    sent = [ns for f, ns in _rtu_i_frames(session) if f.t <= at]
    acked = [nr for f in session.frames if f.by_master and f.t <= at and (nr := _acked(f)) is not None]
    if not sent:
        return 0
    last = acked[-1] if acked else 0
    return (sent[-1] + 1 - last) % _MOD


def _ended_by(session: MasterSession) -> float:
    """Frames sent after this were not given time to be answered."""
    return session.closed_at if session.closed_at is not None else session.observed_until


def _until(session: MasterSession) -> str:
    """How the observation of a connection that the master did not close ended: who ended it."""
    if session.closed_by is ClosedBy.LOCAL and session.closed_at is not None:
        return f"until c104test closed it at {_fmt(session.closed_at)} ({session.close_reason})"
    return f"until {_fmt(_ended_by(session))}, when the observation ended"


# ---- link ------------------------------------------------------------------------------------


@master_check(
    "M01", "STARTDT after connect", clause="604 5.3.2.4-5; protocol.md 1.4 (controlling station)",
    purpose="After the TCP connection the master starts data transfer with STARTDT act and sends no I-frame before STARTDT con.",
    breaks="engine client with start_data_transfer=False (never sends STARTDT act)",
    verifies="a STARTDT act from the master within t1 of connecting; no I-frame from it before STARTDT con",
    pics=("link.t1",),
)
def _startdt(session: MasterSession) -> None:
    if not session.connected:
        raise NotCarriedOut(f"no master connected within {session.wait:g} s")
    t1 = float(session.pics["link.t1"])
    started = session.started_at()
    for f in session.by_master():
        if isinstance(f.frame, IFrame) and (started is None or f.t < started):
            raise CaseFailed(f"the master sent an I-frame at {_fmt(f.t)} before data transfer was started (STARTDT con)")
    act = next((f for f in session.by_master() if f.is_u(UFunction.STARTDT_ACT)), None)
    if act is None:
        raise CaseFailed(f"the master sent no STARTDT act in the {_ended_by(session):.1f} s it was connected")
    if act.t > t1 + ACK_TOLERANCE:
        raise CaseFailed(f"the master sent STARTDT act only {act.t:.2f} s after connecting (t1 = {t1:g} s)")


@master_check(
    "M02", "Station interrogation after start", clause="protocol.md 1.3 (after a reconnection: STARTDT, then GI), 1.11",
    purpose="After STARTDT con (or the RTU's end of initialisation) the master brings its image up to date with a station interrogation.",
    breaks="engine client that starts data transfer and never interrogates",
    verifies="C_IC_NA_1 COT 6 QOI 20 (to a CA of the PICS or 0xFFFF) within t1 after STARTDT con or M_EI_NA_1",
    pics=("master.general_interrogation", "link.t1"),
)
def _general_interrogation(session: MasterSession) -> None:
    if not session.pics["master.general_interrogation"]:
        raise _unclaimed(session, "master.general_interrogation", "not claimed")
    started = session.require_started()
    init = next((f.t for f in session.frames if not f.by_master and (a := f.asdu) is not None
                 and a.type is Type.M_EI_NA_1), started)
    t1 = float(session.pics["link.t1"])
    cas = set(session.pics["rtu.common_addresses"]) | {_BROADCAST}
    for f, asdu in session.master_activations(lambda t: t == Type.C_IC_NA_1):
        if asdu.common_address in cas and isinstance(asdu, Asdu) and int(asdu.objects[0].qoi) == 20:
            if f.t > max(started, init) + t1 + ACK_TOLERANCE:
                raise CaseFailed(f"the station interrogation came at {_fmt(f.t)}, more than t1 = {t1:g} s after the start ({_fmt(started)})")
            return
    raise CaseFailed(f"no station interrogation (C_IC_NA_1 QOI 20) from the master within t1 = {t1:g} s after STARTDT con ({_fmt(started)})")


@master_check(
    "M03", "Acknowledgement within t2", clause="protocol.md 1.3 (t2)",
    purpose="The master acknowledges every received I-frame (S-frame or piggy-backed N(R)) at the latest t2 after it.",
    breaks="engine client with withhold_acknowledgements (never acknowledges)",
    verifies="each RTU I-frame covered by an N(R) of the master within t2 (+0.5 s transit); the tool sends a burst to have some",
    pics=("link.t2",), needs=("burst",),
)
def _ack_t2(session: MasterSession) -> None:
    session.require_started()
    t2 = float(session.pics["link.t2"])
    limit = t2 + ACK_TOLERANCE
    judged = 0
    for f, ns in _rtu_i_frames(session):
        if f.t + limit > _ended_by(session):
            continue
        judged += 1
        acked = _ack_time(session, f.t, ns)
        if acked is None or acked - f.t > limit:
            when = "never" if acked is None else f"only after {acked - f.t:.2f} s"
            raise CaseFailed(f"the RTU's I-frame N(S)={ns} sent at {_fmt(f.t)} was acknowledged {when} (t2 = {t2:g} s)")
    if not judged:
        raise NotCarriedOut("no RTU I-frame could be judged (the connection ended too early)")


@master_check(
    "M04", "Acknowledgement after w I-frames", clause="protocol.md 1.3 (w)",
    purpose="The master acknowledges at the latest when it has received w unacknowledged I-frames, without waiting for t2.",
    breaks="engine client with w=32 while the PICS says w=8 (acknowledges by t2 only)",
    verifies=f"after the w-th unacknowledged RTU I-frame, an N(R) covering it within {W_LATENCY:g} s; the tool sends w I-frames back to back",
    pics=("link.w",), needs=("burst",),
)
def _ack_w(session: MasterSession) -> None:
    session.require_started()
    w = int(session.pics["link.w"])
    acked_to: int | None = None  # the master's latest N(R)
    unacked = 0
    reached = False
    for f in session.frames:
        decoded = f.frame
        if f.by_master:
            nr = _acked(f)
            if nr is not None:
                acked_to = nr
        elif isinstance(decoded, IFrame):
            first = acked_to if acked_to is not None else 0
            unacked = (decoded.send_seq - first) % _MOD + 1
            if unacked == w:
                reached = True
                acked = _ack_time(session, f.t, decoded.send_seq)
                if acked is None and f.t + W_LATENCY > _ended_by(session):
                    continue
                if acked is None or acked - f.t > W_LATENCY:
                    when = "never" if acked is None else f"only after {acked - f.t:.2f} s"
                    raise CaseFailed(
                        f"{w} I-frames unacknowledged at {_fmt(f.t)} (N(S)={decoded.send_seq}); the master acknowledged {when} "
                        f"(w = {w}: it must acknowledge at once)")
    if not reached:
        raise NotCarriedOut(f"the RTU never had {w} I-frames unacknowledged, so w could not be judged")


@master_check(
    "M05", "TESTFR act answered", clause="protocol.md 1.3 (t3, TESTFR)",
    purpose="The master answers the RTU's TESTFR act with TESTFR con.",
    breaks="engine client with ignore_test_frames",
    verifies="TESTFR con from the master within t1 after the tool's TESTFR act",
    pics=("link.t1",), needs=("testfr",),
)
def _testfr(session: MasterSession) -> None:
    session.require_started()
    sent = session.stimuli.get("testfr")
    if sent is None:
        raise NotCarriedOut("the connection ended before the tool could send TESTFR act")
    t1 = float(session.pics["link.t1"])
    con = next((f for f in session.by_master() if f.t >= sent and f.is_u(UFunction.TESTFR_CON)), None)
    if con is None or con.t - sent > t1 + ACK_TOLERANCE:
        when = "no TESTFR con" if con is None else f"TESTFR con only after {con.t - sent:.2f} s"
        raise CaseFailed(f"the tool sent TESTFR act at {_fmt(sent)}; {when} from the master (t1 = {t1:g} s)")


@master_check(
    "M06", "t1 respected", clause="protocol.md 1.3 (t1)",
    purpose="When the RTU stops acknowledging and answering, the master closes the connection t1 after its unanswered frame instead of waiting forever.",
    breaks="engine client whose link ignores t1",
    verifies="after the tool stops answering, the master (not c104test) closes within t1 of its first unanswered TESTFR act or I-frame",
    pics=("master.provoke_t1", "link.t1", "link.t3"), needs=("provoke_t1",),
)
def _t1(session: MasterSession) -> str:
    if not session.pics["master.provoke_t1"]:
        raise _unclaimed(session, "master.provoke_t1", "the tool may not stop answering")
    session.require_started()
    since = session.stimuli.get("provoke_t1")
    if since is None:
        raise NotCarriedOut("the connection ended before the tool stopped answering")
    t1, t3 = float(session.pics["link.t1"]), float(session.pics["link.t3"])
    waiting = next((f for f in session.by_master() if f.t >= since and (
        isinstance(f.frame, IFrame) or f.is_u(UFunction.TESTFR_ACT))), None)
    if session.closed_by is not ClosedBy.PEER or session.closed_at is None:
        what = "" if waiting is None else f" after its unanswered frame at {_fmt(waiting.t)}"
        raise CaseFailed(f"the tool stopped answering at {_fmt(since)}; the master kept the connection open{what} "
                         f"{_until(session)} (t1 = {t1:g} s, t3 = {t3:g} s)")
    if waiting is not None and session.closed_at - waiting.t > t1 + ACK_TOLERANCE:
        raise CaseFailed(f"the master closed only {session.closed_at - waiting.t:.2f} s after its unanswered frame at "
                         f"{_fmt(waiting.t)} (t1 = {t1:g} s)")
    after = "" if waiting is None else f", {session.closed_at - waiting.t:.2f} s after its unanswered frame at {_fmt(waiting.t)}"
    return f"the tool stopped answering at {_fmt(since)}; the master closed the connection at {_fmt(session.closed_at)}{after}"


# ---- application -----------------------------------------------------------------------------


@master_check(
    "M07", "Clock synchronisation", clause="protocol.md 1.11 (clock synchronisation)",
    purpose="A master that claims clock synchronisation sends C_CS_NA_1 after starting data transfer.",
    breaks="engine client that never synchronises the clock while the PICS claims it",
    verifies="C_CS_NA_1 COT 6 IOA 0 from the master within t1 after STARTDT con (or after the ACT_TERM of its station "
             "interrogation, when it interrogates first)",
    pics=("master.clock_sync", "link.t1"),
)
def _clock_sync(session: MasterSession) -> None:
    if not session.pics["master.clock_sync"]:
        raise _unclaimed(session, "master.clock_sync", "not claimed")
    started = session.require_started()
    t1 = float(session.pics["link.t1"])
    for f, asdu in session.master_activations(lambda t: t == Type.C_CS_NA_1):
        if asdu.objects and asdu.objects[0].io_address != 0:
            raise CaseFailed(f"the clock synchronisation at {_fmt(f.t)} has IOA {asdu.objects[0].io_address}; it must be 0")
        # a master may interrogate first: t1 counts from the end of that interrogation then
        since, after = started, "STARTDT con"
        ended = _interrogation_end(session, f.t)
        if ended is not None and ended > since:
            since, after = ended, "the ACT_TERM of its station interrogation"
        if f.t > since + t1 + ACK_TOLERANCE:
            raise CaseFailed(f"the clock synchronisation came only at {_fmt(f.t)}, {f.t - since:.2f} s after {after} "
                             f"({_fmt(since)}; t1 = {t1:g} s)")
        return
    raise CaseFailed(f"no clock synchronisation (C_CS_NA_1) from the master within t1 = {t1:g} s after STARTDT con ({_fmt(started)})")


def _interrogation_end(session: MasterSession, before: float) -> float | None:
    """When the RTU sent the ACT_TERM of a station interrogation (QOI 20) before ``before``."""
    for f in session.frames:
        asdu = f.asdu
        if f.t > before:
            break
        if (not f.by_master and isinstance(asdu, Asdu) and asdu.type is Type.C_IC_NA_1
                and int(asdu.cot) == Cot.ACTIVATION_TERMINATION and asdu.objects and int(asdu.objects[0].qoi) == 20):
            return f.t
    return None


def _is_command(t: int) -> bool:
    return 45 <= t <= 64


def selects(asdu: Asdu | UnknownAsdu) -> bool:
    """The command is a select (S/E=1)."""
    if not isinstance(asdu, Asdu) or not asdu.objects:
        return False
    obj = asdu.objects[0]
    for name in ("sco", "dco", "rco", "qos"):
        qualifier = getattr(obj, name, None)
        if qualifier is not None:
            return bool(qualifier.se)
    return False


def _ordered(asdu: Asdu | UnknownAsdu) -> tuple[Any, int | None]:
    """What a command orders, S/E aside: its state or value and its qualifier (QU of SCO, DCO,
    RCO; QL of QOS). The time tag is not compared."""
    if not isinstance(asdu, Asdu) or not asdu.objects:
        return None, None
    obj = asdu.objects[0]
    for name, part in (("sco", "qu"), ("dco", "qu"), ("rco", "qu"), ("qos", "ql")):
        qualifier = getattr(obj, name, None)
        if qualifier is not None:
            return getattr(obj, "value", None), int(getattr(qualifier, part))
    return getattr(obj, "value", None), None


def _state(value: Any) -> str:
    if isinstance(value, bool):
        return "ON" if value else "OFF"
    return str(getattr(value, "name", value))


def _ioa(asdu: Asdu | UnknownAsdu) -> int | None:
    return asdu.objects[0].io_address if isinstance(asdu, Asdu) and asdu.objects else None


def _answers(session: MasterSession, asdu: Asdu | UnknownAsdu, after: float) -> list[tuple[MasterFrame, Asdu | UnknownAsdu]]:
    out = []
    for f in session.frames:
        if not f.by_master and f.t >= after and (a := f.asdu) is not None and int(a.type) == int(asdu.type) \
                and _ioa(a) == _ioa(asdu):
            out.append((f, a))
    return out


def _commands_of(session: MasterSession, points: list[int]) -> list[tuple[MasterFrame, Asdu | UnknownAsdu]]:
    """The master's command activations; CaseFailed when the PICS lists points it never commanded."""
    commands = session.master_activations(_is_command)
    seen = {_ioa(a) for _f, a in commands}
    missing = [p for p in points if p not in seen]
    if missing:
        within = float(session.pics["master.commands_within"])
        raise CaseFailed(f"PICS points.commands lists IOA {', '.join(map(str, missing))}, but the master sent no command "
                         f"to it within master.commands_within = {within:g} s")
    return commands


@master_check(
    "M08", "Select before execute", clause="protocol.md 1.11 (select-before-operate)",
    purpose="On a point the PICS marks mode: select, the master executes only after its select was confirmed positively.",
    breaks="engine client that executes directly (S/E=0) on a select point",
    verifies="each execute on a select point follows a select (S/E=1) of the same type and IOA whose positive ACT_CON came first, with the same state or value and qualifier",
    pics=("points.commands",),
)
def _select_before_execute(session: MasterSession) -> None:
    points = [p.io_address for p in session.pics.commands(mode="select")]
    if not points:
        raise CaseNotApplicable("PICS points.commands has no point with mode: select")
    session.require_started()
    commands = _commands_of(session, points)
    for index, (f, asdu) in enumerate(commands):
        if _ioa(asdu) not in points or selects(asdu):
            continue
        earlier = [(g, a) for g, a in commands[:index] if _ioa(a) == _ioa(asdu) and int(a.type) == int(asdu.type)]
        select = earlier[-1] if earlier and selects(earlier[-1][1]) else None
        if select is None:
            raise CaseFailed(f"the master executed IOA {_ioa(asdu)} at {_fmt(f.t)} without selecting it first (mode: select)")
        confirmed = [a for g, a in _answers(session, select[1], select[0].t) if g.t <= f.t and int(a.cot) == Cot.ACTIVATION_CON]
        if not confirmed or confirmed[0].negative:
            why = "before its select was confirmed" if not confirmed else "although its select was refused"
            raise CaseFailed(f"the master executed IOA {_ioa(asdu)} at {_fmt(f.t)} {why}")
        (did, how), (chose, chosen) = _ordered(asdu), _ordered(select[1])
        if (did, how) != (chose, chosen):
            executed, selected = (_state(did), _state(chose)) if how == chosen else (
                f"{_state(did)} (qualifier {how})", f"{_state(chose)} (qualifier {chosen})")
            raise CaseFailed(f"the master executed IOA {_ioa(asdu)} at {_fmt(f.t)} with {executed}, but had selected "
                             f"{selected} at {_fmt(select[0].t)}: an execute repeats its select")


@master_check(
    "M09", "ACT_TERM awaited", clause="protocol.md 1.11 (direct command, select-before-operate)",
    purpose="The master ends a command on ACT_TERM: it sends no further command to the same point while one is running.",
    breaks="engine client that sends a second command to the point before the first one's ACT_TERM",
    verifies="no command activation to an IOA between a positively confirmed execute to it and the RTU's ACT_TERM",
    pics=("points.commands",),
)
def _act_term(session: MasterSession) -> None:
    points = [p.io_address for p in session.pics.command_points]
    if not points:
        raise CaseNotApplicable("PICS points.commands is empty: the master commands nothing")
    if not session.act_term:
        raise CaseNotApplicable("the simulated RTU's profile sends no ACT_TERM (pixit.act_term: false): "
                                "there is no ACT_TERM to await")
    session.require_started()
    commands = _commands_of(session, points)
    for index, (f, asdu) in enumerate(commands):
        if selects(asdu):
            continue
        answers = _answers(session, asdu, f.t)
        confirmation = next((a for _g, a in answers if int(a.cot) in (7, 44, 45, 46, 47)), None)
        if confirmation is None or confirmation.negative or int(confirmation.cot) != Cot.ACTIVATION_CON:
            continue
        end = next((g.t for g, a in answers if int(a.cot) == Cot.ACTIVATION_TERMINATION), None)
        for g, later in commands[index + 1:]:
            if _ioa(later) == _ioa(asdu) and (end is None or g.t < end):
                until = "before it ended" if end is None else f"before its ACT_TERM at {_fmt(end)}"
                raise CaseFailed(f"the master commanded IOA {_ioa(asdu)} again at {_fmt(g.t)}, {until} "
                                 f"(the command of {_fmt(f.t)} was still running)")


@master_check(
    "M10", "No blind retry after a refusal", clause="protocol.md 1.11; companion list (handles negative ACT_CON)",
    purpose="A command the RTU refused (negative ACT_CON, or COT 44-47) is not sent again by itself: the refusal goes to the operator.",
    breaks="engine client that repeats a refused command at once",
    verifies="after the tool's refusal (negative ACT_CON or COT 47, P/N=1), no identical activation from the master within t1",
    pics=("master.provoke_negative", "points.commands", "link.t1"), needs=("refuse",),
)
def _no_blind_retry(session: MasterSession) -> None:
    if not session.pics["master.provoke_negative"]:
        raise _unclaimed(session, "master.provoke_negative", "the tool may not refuse the master's commands")
    points = [p.io_address for p in session.pics.command_points]
    if not points:
        raise CaseNotApplicable("PICS points.commands is empty: the master commands nothing")
    session.require_started()
    commands = _commands_of(session, points)
    t1 = float(session.pics["link.t1"])
    for f, asdu in commands:
        refusal = next((g for g, a in _answers(session, asdu, f.t) if a.negative and int(a.cot) in (7, 44, 45, 46, 47)), None)
        if refusal is None:
            continue
        frame = f.frame
        body = frame.asdu if isinstance(frame, IFrame) else b""
        for g, _later in commands:
            again = g.frame
            if g.t > refusal.t and g.t - refusal.t <= t1 and isinstance(again, IFrame) and again.asdu == body:
                raise CaseFailed(f"the RTU refused the command to IOA {_ioa(asdu)} at {_fmt(refusal.t)}; the master sent the same "
                                 f"command again at {_fmt(g.t)} (a refusal must not be retried blindly)")


@master_check(
    "M11", "Unknown type tolerated", clause="companion list (tolerates unknown TIs); protocol.md 1.6",
    purpose="An ASDU of a type the master does not know neither drops the link nor stops the acknowledgements.",
    breaks="engine client that closes the connection when an ASDU of unknown type arrives",
    verifies="after the tool's ASDU of type 22 (undefined), the master acknowledges it within t2 and keeps the connection for t1",
    pics=("link.t1", "link.t2"), needs=("unknown_type",),
)
def _unknown_type(session: MasterSession) -> None:
    session.require_started()
    sent = session.stimuli.get("unknown_type")
    if sent is None:
        blocked = session.stimuli.get("unknown_type_blocked")
        if blocked is not None:
            raise NotCarriedOut(f"the RTU's k window was full at {_fmt(blocked)} ({_unacknowledged(session, blocked)} of its I-frames unacknowledged by the "
                                "master), so the tool could not send the unknown type")
        raise NotCarriedOut("the connection ended before the tool could send the unknown type")
    t1, t2 = float(session.pics["link.t1"]), float(session.pics["link.t2"])
    if session.closed_by is ClosedBy.PEER and session.closed_at is not None and session.closed_at - sent <= t1 + ACK_TOLERANCE \
            and "provoke_t1" not in session.stimuli:
        raise CaseFailed(f"the master closed the connection {session.closed_at - sent:.2f} s after the ASDU of unknown type 22 "
                         f"at {_fmt(sent)} ({session.close_reason})")
    unknown = next((f for f in session.frames if not f.by_master and f.t >= sent and isinstance(f.frame, IFrame)), None)
    if unknown is not None:
        frame = unknown.frame
        assert isinstance(frame, IFrame)
        acked = _ack_time(session, unknown.t, frame.send_seq)
        if acked is None or acked - unknown.t > t2 + ACK_TOLERANCE:
            when = "never" if acked is None else f"only after {acked - unknown.t:.2f} s"
            raise CaseFailed(f"the ASDU of unknown type 22 at {_fmt(unknown.t)} was acknowledged {when} (t2 = {t2:g} s)")


# ---- connection loss -------------------------------------------------------------------------


@master_check(
    "M12", "Sequence error closes the connection", clause="604 5.1 (N(S) not as expected: close); protocol.md 1.3",
    purpose="An I-frame whose N(S) is not the one the master expects means frames were lost: the master closes the connection.",
    breaks="engine client whose link tolerates sequence errors",
    verifies="after the tool's I-frame with an N(S) one ahead of the expected one, the master (not c104test) closes within t1",
    pics=("master.provoke_sequence_error", "link.t1"), needs=("sequence_error",),
)
def _sequence_error(session: MasterSession) -> str:
    if not session.pics["master.provoke_sequence_error"]:
        raise _unclaimed(session, "master.provoke_sequence_error", "the tool may not send a wrong N(S)")
    session.require_started()
    again = session.reconnection
    target = again if again is not None and "sequence_error" in again.stimuli else session
    sent = target.stimuli.get("sequence_error")
    if sent is None:
        if "provoke_t1" in session.stimuli and again is None and not session.pics["master.reconnect"]:
            state = "is False" if session.pics.given("master.reconnect") else "is not in the file (not claimed)"
            raise CaseNotApplicable("M06 (PICS master.provoke_t1) ended the only connection and PICS master.reconnect "
                                    f"{state}: no connection was left for the wrong N(S)")
        raise NotCarriedOut("the connection ended before the tool could send the wrong N(S)")
    where = "on the new connection " if target is again else ""
    t1 = float(session.pics["link.t1"])
    wrong = next((f for f in target.frames if not f.by_master and f.t >= sent and isinstance(f.frame, IFrame)), None)
    what = f"an I-frame with N(S)={wrong.frame.send_seq}" if wrong is not None and isinstance(wrong.frame, IFrame) else "an I-frame"
    if target.closed_by is not ClosedBy.PEER or target.closed_at is None:
        acked = ""
        if wrong is not None and isinstance(wrong.frame, IFrame):
            at = _ack_time(target, wrong.t, wrong.frame.send_seq)
            acked = "" if at is None else f", and acknowledged the wrong frame at {_fmt(at)}"
        raise CaseFailed(f"the tool sent {what} one ahead of the expected N(S) {where}at {_fmt(sent)}; the master kept the "
                         f"connection open {_until(target)}{acked} (t1 = {t1:g} s)")
    if target.closed_at - sent > t1 + ACK_TOLERANCE:
        raise CaseFailed(f"the master closed only {target.closed_at - sent:.2f} s after {what} one ahead of the expected N(S) "
                         f"{where}at {_fmt(sent)} (t1 = {t1:g} s)")
    return (f"the tool sent {what} one ahead of the expected N(S) {where}at {_fmt(sent)}; the master closed the connection "
            f"{target.closed_at - sent:.2f} s later")


@master_check(
    "M13", "Reconnect after a lost connection", clause="protocol.md 1.3 (after a reconnection: STARTDT, then GI), 1.4",
    purpose="When the connection is lost the master connects again, starts data transfer and brings its image up to date.",
    breaks="engine client that does not connect again",
    verifies="a new connection within master.reconnect_within of the end of the first (ended by the tool, or by the master in M06); "
             "on it STARTDT act within t1 and, if claimed, the station interrogation within t1 after STARTDT con",
    pics=("master.reconnect", "master.reconnect_within", "link.t1"), needs=("reconnect",),
)
def _reconnect(session: MasterSession) -> str:
    if not session.pics["master.reconnect"]:
        raise _unclaimed(session, "master.reconnect", "not claimed")
    session.require_started()
    within = float(session.pics["master.reconnect_within"])
    again = session.reconnection
    ended = session.closed_at if session.closed_at is not None else session.stimuli.get("dropped")
    if ended is None:
        raise NotCarriedOut("the first connection did not end, so the tool could not watch for a new one")
    who = "the master closed it" if session.closed_by is ClosedBy.PEER else "the tool closed it"
    if again is None or session.reconnected_after is None:
        raise CaseFailed(f"the connection ended at {_fmt(ended)} ({who}); the master did not connect again within "
                         f"master.reconnect_within = {within:g} s")
    if session.reconnected_after > within + ACK_TOLERANCE:
        raise CaseFailed(f"the master connected again only {session.reconnected_after:.2f} s after the connection ended "
                         f"({who}; master.reconnect_within = {within:g} s)")
    for judge in (_startdt, _general_interrogation):
        try:
            judge(again)
        except CaseFailed as exc:
            raise CaseFailed(f"on the new connection ({session.reconnected_after:.2f} s after the first ended): {exc}") from None
        except CaseNotApplicable:
            pass
    return (f"the connection ended at {_fmt(ended)} ({who}); the master connected again {session.reconnected_after:.2f} s later "
            f"and started data transfer")
