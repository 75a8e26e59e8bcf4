"""What a controlling station waits to see: a message, no message, a value, a fresh report.

Each expectation reads the connection's journal (or its point database) from a cursor, so a
message that arrived between the command and the call still counts (no race between sending and
expecting), and ends with ``ExpectationFailed`` after its timeout, naming what arrived instead.
``ClientConnection`` has these methods (``Expectations`` is one of its bases).

>>> async def check(conn):
...     await conn.expect_message(MessageFilter(type=Type.M_SP_NA_1, io_address=100), timeout=2)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import trio

from ..protocol.asdu import Asdu
from ..protocol.enums import ConnectionState, Cot, Type
from ..protocol.objects import InformationObject
from ..rules.qualifiers import shown as shown_element
from .errors import ExpectationFailed
from .journal import Direction, Journal, JournalEntry
from .messages import MessageFilter
from .points import PROCESS_TYPES, PointDatabase

__all__ = ["Expectations"]


class Expectations:
    """The waits of a controlling station, on the connection's journal and point database."""

    journal: Journal
    points: PointDatabase
    keep_points: bool
    state: ConnectionState
    reconnect: bool
    close_reason: str | None
    command_timeout: float
    last_command_index: int

    if TYPE_CHECKING:
        async def _wait_changed(self) -> None: ...

    def received_since(self, index: int | None = None) -> Iterable[JournalEntry]:
        start = self.last_command_index if index is None else index
        return (e for e in self.journal.since(start) if e.direction is Direction.RECEIVED)

    async def expect_message(
        self, flt: MessageFilter, *, timeout: float | None = None, since: int | None = None
    ) -> JournalEntry:
        """The first received ASDU since ``since`` (default: start of the last command) that
        matches; it may have arrived before this call. ExpectationFailed after ``timeout``."""
        timeout = self.command_timeout if timeout is None else timeout
        cursor = self.last_command_index if since is None else since
        started = trio.current_time()
        with trio.move_on_after(timeout):
            while True:
                self.journal.check_cursor(cursor, str(flt))
                for entry in self.journal.since(cursor):
                    cursor = entry.index + 1
                    if entry.direction is Direction.RECEIVED and entry.asdu is not None and flt.matches(entry.asdu):
                        return entry
                if self.state is ConnectionState.CLOSED and not self.reconnect:
                    raise ExpectationFailed(
                        f"expected {flt}, but the connection closed ({self.close_reason})\n"
                        + self.journal.explain(10)
                    )
                await self._wait_changed()
        raise ExpectationFailed(
            f"expected {flt} within {timeout:g} s, none arrived after "
            f"{trio.current_time() - started:.3f} s; last frames:\n{self.journal.explain(10)}"
        )

    async def expect_no_message(
        self, flt: MessageFilter, *, within: float, since: int | None = None
    ) -> None:
        """Fail if a matching ASDU arrives (or arrived since ``since``) within ``within`` s."""
        cursor = self.last_command_index if since is None else since
        with trio.move_on_after(within):
            while True:
                self.journal.check_cursor(cursor, f"no {flt}")
                for entry in self.journal.since(cursor):
                    cursor = entry.index + 1
                    if entry.direction is Direction.RECEIVED and entry.asdu is not None and flt.matches(entry.asdu):
                        raise ExpectationFailed(
                            f"expected no {flt} within {within:g} s, but got: {entry.explain()}"
                        )
                await self._wait_changed()

    async def expect_value(
        self,
        common_address: int,
        io_address: int,
        predicate: Callable[[Any], bool],
        *,
        timeout: float | None = None,
        description: str = "",
    ) -> Any:
        """Wait until the point database holds a value for which ``predicate`` is true.

        ``predicate`` gets the information object as it arrived (its ``value``, and the VTI's
        transient bit or the BCR's sequence number that a test may check too)."""
        if not self.keep_points:
            raise RuntimeError("this connection keeps no point database (keep_points=False): its owner keeps the values")
        timeout = self.command_timeout if timeout is None else timeout
        seen: list[str] = []
        with trio.move_on_after(timeout):
            while True:
                point = self.points.get(common_address, io_address)
                if point is not None:
                    if predicate(point.object):
                        return point
                    extra = shown_element(point.object, every_part=False)  # "5 transient", "1234 seq 3 CY": what a test may check
                    shown = f"{point.value!s}{' ' + extra if extra else ''} ({point.cot!s})"
                    if not seen or seen[-1] != shown:
                        seen.append(shown)
                if self.state is ConnectionState.CLOSED and not self.reconnect:
                    arrived = ", ".join(seen[-10:]) if seen else "nothing"
                    raise ExpectationFailed(
                        f"IOA {io_address} (CA {common_address}) did not report {description or 'the expected value'}: "
                        f"the connection closed ({self.close_reason}); it reported: {arrived}"
                    )
                await self._wait_changed()
        arrived = ", ".join(seen[-10:]) if seen else "nothing"
        raise ExpectationFailed(
            f"IOA {io_address} (CA {common_address}) did not report {description or 'the expected value'} "
            f"within {timeout:g} s; it reported: {arrived}"
        )

    async def expect_report(
        self,
        common_address: int,
        io_address: int,
        predicate: Callable[[Any, Type], bool],
        *,
        since: int,
        timeout: float | None = None,
        description: str = "the expected value",
        after: str = "the reference point",
    ) -> tuple[Asdu, InformationObject]:
        """Wait for a fresh report: a process-information object of the point, received at or after
        journal index ``since`` (any cause), for whose value and type ``predicate`` is true.

        Unlike ``expect_value`` a value the point already had does not count, so an RTU that
        ignores a command cannot pass. ExpectationFailed lists what the point reported meanwhile.
        ``predicate`` gets the information object as it arrived and the ASDU's type.
        """
        timeout = self.command_timeout if timeout is None else timeout
        cursor = since
        seen: list[str] = []
        with trio.move_on_after(timeout):
            while True:
                for entry in self.journal.since(cursor):
                    cursor = entry.index + 1
                    asdu = entry.asdu
                    if (
                        entry.direction is not Direction.RECEIVED
                        or type(asdu) is not Asdu
                        or asdu.type not in PROCESS_TYPES
                        or asdu.common_address != common_address
                    ):
                        continue
                    for ob in asdu.objects:
                        if ob.io_address == io_address:
                            if predicate(ob, asdu.type):
                                return asdu, ob
                            cot = asdu.cot.name if isinstance(asdu.cot, Cot) else f"COT {asdu.cot}"
                            value = {True: "ON", False: "OFF"}.get(ob.value, ob.value) if isinstance(ob.value, bool) else ob.value
                            extra = shown_element(ob, every_part=False)
                            seen.append(f"{getattr(value, 'name', value)}{' ' + extra if extra else ''} ({asdu.type.name}, {cot})")
                if self.state is ConnectionState.CLOSED and not self.reconnect:
                    raise ExpectationFailed(
                        f"IOA {io_address} (CA {common_address}) did not report {description} after "
                        f"{after}: the connection closed ({self.close_reason})"
                    )
                await self._wait_changed()
        reported = ", ".join(seen[-10:]) if seen else "nothing"
        raise ExpectationFailed(
            f"IOA {io_address} (CA {common_address}) did not report {description} within {timeout:g} s "
            f"after {after}; it reported since then: {reported}"
        )
