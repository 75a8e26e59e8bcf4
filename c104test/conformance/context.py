"""What a case works with: connections to the RTU under test, its PICS, evidence and verdict checks.

The tool's own timers are chosen so that they cannot mask the RTU's: its t3 is several times the
RTU's (L08, L09: the RTU's TESTFR must come from the RTU's own t3), its t1 is longer than the
RTU's (a close that the RTU must make is never made by c104test first). A close is the RTU's only
if the engine says the peer made it (``ClosedBy.PEER``).
"""

from __future__ import annotations

import math
import time as _time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import trio

from ..engine.client import ClientConnection, CommandResult
from ..engine.errors import CommandTimeout, ConnectFailed, LinkDown, NotConnected, unwrap_group
from ..engine.journal import Direction, JournalEntry
from ..engine.pcap import CaptureWriter
from ..engine.transport import Transport
from ..protocol.apci import UFunction, encode_u_frame
from ..protocol.asdu import Asdu, UnknownAsdu, encode_asdu
from ..protocol.closing import ClosedBy
from ..protocol.enums import ConnectionState, Cot, Type
from ..protocol.explain import explain_bytes
from ..protocol.link import LinkParameters, LinkState
from .case import CaseFailed, CaseNotApplicable, Verdict
from .pics import Pics

__all__ = ["MIRRORS", "CaseContext", "CaseResult", "Evidence", "tool_parameters"]

#: Frames a case keeps as evidence (the last ones): L15 alone exchanges more than 65,000.
EVIDENCE_FRAMES = 2000

#: The suite opens at most this many connections to fill one redundancy group.
MAX_GROUP = 10

_TESTFR_CON = encode_u_frame(UFunction.TESTFR_CON)
#: Seconds between a connection the suite closed and its next connection to the same RTU: the
#: RTU must have taken the close (and freed the connection's place in its redundancy group)
#: before the next one arrives, or the new connection can land in another group and miss that
#: group's buffered events (L18 right after L17 failed so against a conformant simulator).
RECONNECT_SETTLE = 0.1
#: When the suite last closed a connection to each RTU (host, port): time.monotonic(), across
#: cases (each case runs in its own context).
_last_close: dict[tuple[str, int], float] = {}
MIRRORS = {44: "unknown type", 45: "unknown cause", 46: "unknown common address", 47: "unknown IOA"}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One frame of a case: seconds since the case began, direction, octets and their meaning."""

    t: float
    dir: str
    hex: str
    explained: str

    def as_dict(self) -> dict[str, Any]:
        return {"t": round(self.t, 6), "dir": self.dir, "hex": self.hex, "explained": self.explained}


@dataclass(frozen=True, slots=True)
class CaseResult:
    """A case's verdict, its reason (what the RTU did wrong, or the PICS item of an n/a), its
    duration and its evidence frames."""

    id: str
    title: str
    clause: str
    verdict: Verdict
    reason: str
    seconds: float
    evidence: tuple[Evidence, ...] = ()


def tool_parameters(pics: Pics) -> LinkParameters:
    """The tool's k, w and timers for the RTU of ``pics``: they never mask the RTU's.

    >>> from .pics import parse_pics
    >>> p = tool_parameters(parse_pics("rtu: {common_addresses: [1]}\\nlink: {t1: 2, t2: 1, t3: 1}"))
    >>> p.t1 > 2, p.t3 >= 3 * 1
    (True, True)

    The tool acknowledges after at most 2/3 of the RTU's k I-frames (the standard's
    recommendation, IEC 60870-5-104 5.5): with the default w 8 an RTU with k 6 would stall for the
    tool's t2 every 6 frames, and its answers would come late through no fault of its own.

    >>> tool_parameters(parse_pics("rtu: {common_addresses: [1]}\\nlink: {k: 6}")).w
    4
    """
    t1 = float(pics["link.t1"])
    t3 = float(pics["link.t3"])
    w = max(1, min(8, 2 * int(pics["link.k"]) // 3))
    return LinkParameters(
        k=12, w=w, t0=float(pics["link.t0"]),
        t1=2 * t1 + 1, t2=min(1.0, t1 / 2), t3=max(3 * t3, t3 + 2 * t1) + 10,
    )


def _describe_asdu(asdu: Asdu | UnknownAsdu) -> str:
    name = asdu.type.name if isinstance(asdu.type, Type) else f"type {int(asdu.type)}"
    cot = int(asdu.cot)
    cot_name = Cot(cot).name if cot in Cot._value2member_map_ else str(cot)
    return f"{name} COT {cot} ({cot_name}) P/N={int(bool(asdu.negative))}"


class CaseContext:
    """The RTU (``host``, ``port``), its ``pics``, and every connection a case opens."""

    def __init__(self, host: str, port: int, pics: Pics, transport: Transport | None = None) -> None:
        self.host = host
        #: How connections are made: plain TCP, or TLS (``engine.tls.tls_transport``).
        self.transport = transport
        self.port = port
        self.pics = pics
        self.params = tool_parameters(pics)
        #: Seconds the RTU has to answer a request (its t1: later than that it would close).
        self.answer_timeout = float(pics["link.t1"])
        self.common_address = pics.common_address
        self.started = trio.current_time()
        self._connections: list[ClientConnection] = []
        self._nursery: trio.Nursery | None = None

    # ---- verdicts ----

    def fail(self, reason: str) -> CaseFailed:
        return CaseFailed(reason)

    def require(self, *items: str) -> None:
        """n/a unless every PICS item is claimed (true or a non-empty list)."""
        for item in items:
            if not self.pics[item]:
                if not self.pics.given(item):
                    raise CaseNotApplicable(self.pics.not_given(item))
                raise CaseNotApplicable(f"PICS {item} is {self.pics[item]!r}: not claimed")

    # ---- connections ----

    @asynccontextmanager
    async def open(self) -> AsyncIterator[CaseContext]:
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                try:
                    yield self
                finally:
                    for conn in self._connections:
                        with trio.move_on_after(3):
                            await self.close(conn)
                    nursery.cancel_scope.cancel()
        except BaseExceptionGroup as group:  # the case's own verdict, not a group
            error = unwrap_group(group)
            raise error from error.__cause__

    async def connect(self, *, start: bool = True, originator_address: int = 0) -> ClientConnection:
        """A new TCP connection to the RTU (data transfer started unless ``start=False``)."""
        conn = await self.try_connect(start=start, originator_address=originator_address)
        if conn is None:
            reason = self._connections[-1].close_reason if self._connections else None
            raise self.fail(f"the connection ended before data transfer started: {reason}")
        return conn

    async def try_connect(self, *, start: bool = True, originator_address: int = 0) -> ClientConnection | None:
        """As ``connect``; None when the RTU closed the new connection at once (L21)."""
        assert self._nursery is not None, "use CaseContext.open()"
        settled = _last_close.get((self.host, self.port), -math.inf) + RECONNECT_SETTLE - _time.monotonic()
        if settled > 0:
            await trio.sleep(settled)
        conn = ClientConnection(
            self.host, self.port, params=self.params, start_data_transfer=start,
            command_timeout=self.answer_timeout, originator_address=originator_address,
            start_timeout=self.answer_timeout, transport=self.transport,
            # a request to the broadcast address waits for every station the PICS claims
            stations=self.pics["rtu.common_addresses"],
        )
        self._connections.append(conn)
        try:
            await self._nursery.start(conn.run)
        except ConnectFailed:
            if self._connections[:-1]:
                return None  # refused beside open connections: the RTU's limit (L21)
            raise
        except LinkDown:
            return None
        return conn

    async def close(self, conn: ClientConnection) -> None:
        """Close a connection of the case (the suite's close: see ``RECONNECT_SETTLE``)."""
        was_open = conn.close_info is None
        try:
            await conn.close()
        finally:
            if was_open:
                _last_close[(self.host, self.port)] = _time.monotonic()

    def group_size(self, *, least: int = 1) -> int:
        """The PICS redundancy group size; n/a unless groups of ``least`` exist and the suite can
        open a whole group plus one connection outside it (that connection makes events)."""
        size = int(self.pics["connections.redundancy_group_size"])
        if size < least:
            raise CaseNotApplicable(f"PICS connections.redundancy_group_size is {size}: no redundancy group of {least} connections")
        if size > MAX_GROUP:
            raise CaseNotApplicable(f"PICS connections.redundancy_group_size is {size}: the suite fills groups of at most {MAX_GROUP}")
        if int(self.pics["connections.max"]) < size + 1:
            raise CaseNotApplicable(
                f"PICS connections.max is {self.pics['connections.max']}: the suite needs {size + 1} connections "
                f"(a group of {size} and one outside it that makes events)")
        return size

    async def connect_outside_group(self, members: int) -> ClientConnection:
        """Fill the first redundancy group (``members`` connections in it so far) with stopped
        connections, then open a started connection outside it: the one that makes events."""
        for _ in range(self.group_size() - members):
            await self.connect(start=False)
        source = await self.connect()
        await trio.sleep(0.3)  # the start-up reports (end of initialisation) go by
        return source

    def add_to_capture(self, capture: CaptureWriter, label: str) -> None:
        """Every connection of the case as one TCP conversation of ``capture``."""
        for number, conn in enumerate(self._connections, start=1):
            conn.journal.add_to_capture(capture, comment=f"c104test: {label}, connection {number}")

    def evidence(self, limit: int = EVIDENCE_FRAMES) -> list[Evidence]:
        """The case's frames, all connections, in time order: the last ``limit`` of them."""
        entries: list[tuple[float, JournalEntry]] = []
        for conn in self._connections:
            entries.extend((e.timestamp, e) for e in conn.journal)
        entries.sort(key=lambda pair: pair[0])
        del entries[:-limit]
        return [
            Evidence(t - self.started, "sent" if e.direction is Direction.SENT else "received",
                     e.raw.hex(" "), explain_bytes(e.raw))
            for t, e in entries
        ]

    # ---- requests and their checks ----

    async def request(self, conn: ClientConnection, asdu: Asdu, *, termination: bool = False,
                      collect: Any = None) -> CommandResult:
        """Send ``asdu``; its first confirmation (and the termination if asked). Never raises for
        a missing answer: ``confirmation`` is None then."""
        try:
            return await conn.command(asdu, timeout=self.answer_timeout, wait_termination=termination, collect=collect)
        except CommandTimeout:
            cursor = conn.last_command_index
            confirmation = None
            for entry in conn.received_since(cursor):
                got = entry.asdu
                if got is not None and int(got.type) == int(asdu.type) and int(got.cot) in (7, 9):
                    confirmation = got
                    break
            return CommandResult(
                Type(asdu.type), asdu.common_address, asdu.objects[0].io_address, Cot(int(asdu.cot)),
                None if confirmation is None else not confirmation.negative, confirmation, False, None,
                (), (), 0.0, 0.0,
            )
        except LinkDown as exc:
            raise self.fail(f"the connection ended while waiting for the answer to {_describe_asdu(asdu)}: {exc}") from None

    async def stall(self, conn: ClientConnection) -> str:
        """Who stopped reading, and since when: what of ours the RTU has not taken or acknowledged,
        in the session's words; "" when nothing of ours waits on it.

        A case waits the RTU's t1 for an answer, the tool's link calls a stall one after half of its
        own (longer) t1: while something of ours is stuck, this waits for that (at most half the
        tool's t1), so "no ACT_CON" against an RTU that stopped reading says so. The engine's
        ``wait_acknowledged`` judges it, as for the FAT's missing answers.
        """
        return await conn.wait_acknowledged(self.params.t1 / 2 + 0.2, until_named=True)

    async def fail_stalled(self, conn: ClientConnection, reason: str) -> CaseFailed:
        """``reason``, and the stall when the RTU stopped reading (``stall``)."""
        stall = await self.stall(conn)
        return self.fail(f"{reason}; {stall}" if stall and stall not in reason else reason)

    def expect_positive(self, result: CommandResult, what: str, *, cot: int = 7) -> Asdu | UnknownAsdu:
        got = result.confirmation
        if got is None:
            raise self.fail(f"no answer to {what} within {self.answer_timeout:g} s (expected a positive COT {cot})")
        if int(got.cot) in MIRRORS:
            raise self.fail(f"{what} was refused with COT {int(got.cot)} ({MIRRORS[int(got.cot)]}) where a positive COT {cot} was expected")
        if got.negative:
            raise self.fail(f"a negative COT {int(got.cot)} (P/N=1) arrived for {what} where a positive one was expected")
        if int(got.cot) != cot:
            raise self.fail(f"{what} was answered with {_describe_asdu(got)} where COT {cot} was expected")
        return got

    async def expect_refusal(self, conn: ClientConnection, result: CommandResult, what: str,
                             causes: Iterable[int], *, silent_item: str | None = None) -> None:
        """The request was refused with one of ``causes`` and P/N=1.

        A positive answer is named as the near miss; a COT 44-47 refusal with P/N=0 is a deviation
        (the standard sets P/N in every negative mirror). ``silent_item``: a PICS item whose value
        ``silent`` makes no answer at all conforming.
        """
        allowed = sorted(set(causes))
        expected = " or ".join(f"COT {c}" for c in allowed)
        got = result.confirmation
        silent_ok = silent_item is not None and self.pics[silent_item] == "silent"
        if got is None:
            if silent_ok:
                return
            raise self.fail(f"no answer to {what} within {self.answer_timeout:g} s; expected a refusal ({expected}, P/N=1)")
        if silent_ok:
            raise self.fail(f"{what} was answered with {_describe_asdu(got)}; PICS {silent_item} says the RTU stays silent")
        cot = int(got.cot)
        if not got.negative and cot not in MIRRORS:
            kind = "an ACT_CON with P/N=0" if cot == 7 else "a DEACT_CON with P/N=0" if cot == 9 else "a positive answer"
            raise self.fail(f"{kind} ({_describe_asdu(got)}) arrived for {what} where a negative one ({expected}, P/N=1) was expected")
        await trio.sleep(0.2)  # a second reply (some RTUs send a mirror after a negative ACT_CON)
        for entry in conn.received_since(conn.last_command_index):
            asdu = entry.asdu
            if asdu is not None and int(asdu.cot) in MIRRORS and not asdu.negative:
                raise self.fail(
                    f"deviation: {what} was refused with COT {int(asdu.cot)} ({MIRRORS[int(asdu.cot)]}) but P/N=0; "
                    "a refusal must carry P/N=1"
                )
        if cot not in allowed:
            raise self.fail(f"{what} was refused with {_describe_asdu(got)} where {expected} was expected")

    async def until(self, predicate: Callable[[], bool], timeout: float, step: float = 0.01) -> bool:
        """Poll ``predicate`` every ``step`` s until it holds (True) or ``timeout`` passed (False)."""
        deadline = trio.current_time() + timeout
        for _ in range(int(timeout / step) + 2):
            if predicate():
                return True
            if trio.current_time() >= deadline:
                break
            await trio.sleep(step)
        return predicate()

    async def expect_peer_close(self, conn: ClientConnection, within: float, what: str) -> float:
        """The RTU (not c104test) closes the connection within ``within`` s; returns when."""
        started = trio.current_time()
        await self.until(lambda: conn.close_info is not None and (
            conn.state is ConnectionState.CLOSED or (conn.link is not None and conn.link.state is LinkState.CLOSED)), within)
        info = conn.close_info
        if info is None:
            raise self.fail(f"the RTU kept the connection open for {within:g} s after {what}; it must close it")
        if info.by is not ClosedBy.PEER:
            raise self.fail(f"c104test closed the connection itself ({info.cause.value}: {info.reason}); the RTU did not close it after {what}")
        return trio.current_time() - started

    async def expect_open(self, conn: ClientConnection, within: float, what: str) -> None:
        if await self.until(lambda: conn.close_info is not None, within, step=0.05):
            info = conn.close_info
            assert info is not None
            raise self.fail(f"the connection ended after {what} ({info.by.value}: {info.reason}); it must stay open")

    async def send_segments(self, conn: ClientConnection, pieces: Iterable[bytes], gap: float = 0.05) -> None:
        """Send each piece as its own TCP write, ``gap`` s apart (R15). Meanwhile the tool's link
        sends nothing of its own (S-frame, TESTFR con) that could land inside a split APDU."""
        held = conn.withhold_acknowledgements, conn.ignore_test_frames
        conn.set_withhold_acknowledgements(True)
        conn.set_ignore_test_frames(True)
        try:
            for n, piece in enumerate(pieces):
                if n:
                    await trio.sleep(gap)
                await conn.send_raw(piece)
            await trio.sleep(gap)
        except NotConnected:
            pass  # the RTU closed between two pieces: the case sees the close
        finally:
            conn.set_withhold_acknowledgements(held[0])
            conn.set_ignore_test_frames(held[1])

    def take_i_frame(self, conn: ClientConnection, asdu: Asdu) -> bytes:
        """The octets of the tool's next I-frame carrying ``asdu``, numbered and tracked by its
        link as if sent (the case sends them, e.g. split with ``send_segments``)."""
        link = conn.link
        assert link is not None
        return link.take_i_frame(encode_asdu(asdu), trio.current_time())

    async def expect_reaction(self, conn: ClientConnection, item: str, what: str) -> None:
        """The RTU reacts to a malformed frame as PICS ``item`` says: ``close``: it (not c104test)
        closes within t1; ``ignore``: the connection stays open 1 s and TESTFR is answered."""
        if self.pics[item] == "close":
            await self.expect_peer_close(conn, self.answer_timeout, f"{what} (PICS {item}: close)")
            return
        await self.expect_open(conn, 1.0, f"{what} (PICS {item}: ignore)")
        since = conn.journal.next_index
        await conn.send_test_frame()
        if not await self.until(lambda: any(e.raw == _TESTFR_CON for e in self.received(conn, since)), self.answer_timeout):
            raise self.fail(f"no TESTFR con within {self.answer_timeout:g} s after {what} (PICS {item}: ignore)")

    def received(self, conn: ClientConnection, since: int = 0) -> list[JournalEntry]:
        return [e for e in conn.journal.since(since) if e.direction is Direction.RECEIVED]
