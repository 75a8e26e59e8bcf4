"""Point and message keywords: what the RTU reported, and waiting for what it should report.

Expectations see what arrived after the last stimulus on the connection (the start of the last
command, raw frame, data-transfer change or simulated change), including what arrived before the
keyword itself started: there is no race between sending and expecting.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from robot.api import logger
from robot.utils import secs_to_timestr
from robotlibcore import keyword

from ..engine.client import MessageFilter
from ..engine.errors import ExpectationFailed
from ..engine.points import PointValue
from ..protocol.asdu import Asdu, UnknownAsdu
from ..protocol.enums import Cot, Type
from ..protocol.explain import explain_asdu
from .assertions import (
    AssertionOperator,
    StateMatcher,
    quality_names,
    show,
    verify_assertion,
    verify_quality,
)
from .connections import LibraryComponent, RtuSession

__all__ = ["PointKeywords"]


class PointKeywords(LibraryComponent):
    """Expect State, Expect Report, Get Point Value, Get Point Quality, Expect Message, Expect No Message."""

    def _point(self, session: RtuSession, ca: int, io_address: int) -> PointValue:
        point = session.rtu.point(ca, io_address)
        if point is None:
            known = sorted(p.io_address for p in session.rtu.points() if p.common_address == ca)
            shown = ", ".join(map(str, known[:20])) + (" ..." if len(known) > 20 else "")
            raise ExpectationFailed(
                f"IOA {io_address} (CA {ca}) has not been reported on {session.name}; "
                + (f"reported IOAs of CA {ca}: {shown}" if known else f"nothing of CA {ca} arrived yet")
                + ". Send an interrogation or read it first."
            )
        return point

    @keyword("Expect State")
    def expect_state(
        self,
        io_address: int,
        expected: str | int | float | bool,
        common_address: int | None = None,
        *,
        tolerance: str | None = None,
        timeout: timedelta | None = None,
    ) -> Any:
        """Waits until a point reports the expected value; fails with the values that arrived.

        Passes at once when the point's latest value already matches: it checks the current
        state. To check that the RTU reacted to a command, use `Expect Report`.

        Args:
            io_address: IOA of the monitored point.
            expected: ``ON``, ``OFF``, ``INTERMEDIATE``, ``INDETERMINATE``, ``True``, ``False``,
                a number with an optional tolerance: ``230``, ``230 ± 0.5``, ``230 +- 0.5``,
                ``50 +- 1%``, or a range ``49.9..50.1``. Numbers without a tolerance match
                within the precision of the wire (float32, normalized 2^-15). A step position
                may add its transient bit (``5 transient``, ``5 not transient``), a counter its
                sequence number and flags (``12345 seq 3``, ``12345 seq 3 CY``).
            common_address: CA of the point; default the connection's.
            tolerance: Allowed deviation for numbers (instead of writing it into ``expected``):
                ``0.5`` or ``1%``, read by the same rules as a tolerance in ``expected``.
            timeout: How long to wait.

        Returns:
            The value the point reported.

        Examples:
        | `Send Command` | 502 | OFF | C_DC_NA_1 |
        | `Expect State` | 200 | OFF | timeout=3s |
        | `Expect State` | 301 | 230.5 ± 0.1 |
        | `Expect State` | 300 | 1500 | tolerance=5 |
        | `Expect State` | 310 | 5 transient |
        """
        session = self.session
        ca = self.station(common_address, session)
        known = session.rtu.point(ca, io_address)
        matcher = StateMatcher(expected, tolerance, None if known is None else known.type)
        wait = self.wait_time(timeout, session)
        point = session.rtu.expect_value(
            ca, io_address, matcher, timeout=wait, description=matcher.description
        )
        logger.info(f"IOA {io_address} (CA {ca}) reports {_describe(point)}.")
        return point.value

    @keyword("Expect Report")
    def expect_report(
        self,
        io_address: int,
        expected: str | int | float | bool,
        common_address: int | None = None,
        *,
        tolerance: str | None = None,
        timeout: timedelta | None = None,
    ) -> Any:
        """Waits for a fresh report of a point with the expected value: one that arrives after the
        last command on the connection (or after this keyword starts, when none was sent).

        Unlike `Expect State`, a value the point already had does not count: after
        ``Send Command  502  OFF  C_DC_NA_1`` an RTU that ignores the command fails
        ``Expect Report  200  OFF`` even when 200 was OFF before. Reports that arrived between
        the command and this keyword count, so there is no race.

        Args:
            io_address: IOA of the monitored point.
            expected: As for `Expect State`: ``ON``, ``OFF``, a number with an optional
                tolerance (``230 +- 0.5``), ...
            common_address: CA of the point; default the connection's.
            tolerance: Allowed deviation for numbers.
            timeout: How long to wait.

        Returns:
            The value reported.

        Examples:
        | `Send Command` | 502 | OFF | C_DC_NA_1 |
        | `Expect Report` | 200 | OFF | timeout=3s |
        | `Set Simulated Point` | 301 | 231.5 |
        | `Expect Report` | 301 | 231.5 ± 0.1 |
        """
        session = self.session
        ca = self.station(common_address, session)
        known = session.rtu.point(ca, io_address)  # a type already reported checks the value at once
        matcher = StateMatcher(expected, tolerance, None if known is None else known.type)
        wait = self.wait_time(timeout, session)
        stimulated = session.stimulated
        since = session.reference if stimulated else session.rtu.mark()
        asdu, ob = session.rtu.expect_report(
            ca,
            io_address,
            lambda value, point_type: bool(matcher(value, point_type)),
            since=since,
            timeout=wait,
            description=matcher.description,
            after=f"the last command on {session.name}" if stimulated else "Expect Report began",
        )
        cot = asdu.cot.name if isinstance(asdu.cot, Cot) else str(asdu.cot)
        logger.info(f"IOA {io_address} (CA {ca}) reported {show(ob.value)} ({asdu.type.name}, {cot}).")
        return ob.value

    @keyword("Get Point Value")
    def get_point_value(
        self,
        io_address: int,
        assertion_operator: AssertionOperator | None = None,
        assertion_expected: Any = None,
        common_address: int | None = None,
        *,
        message: str | None = None,
    ) -> Any:
        """Returns the latest value a point reported, optionally checking it.

        Reads what already arrived (after an interrogation, a read or spontaneously); it does
        not wait. Use `Expect State` to wait for a value.

        Args:
            io_address: IOA of the monitored point.
            assertion_operator: ``==``, ``!=``, ``<``, ``>``, ``<=``, ``>=``, ``contains``,
                ``not contains`` or ``validate``; see `AssertionOperator`.
            assertion_expected: The expected value, read for the point's type first (``ON``
                for a double point is ``Double.ON``, ``230 +- 0.5`` a float with a tolerance,
                ``0x0000A5A5`` a bitstring, ``225..235`` a range for ``==`` and ``!=``;
                ``5 transient`` a step position with its transient bit, ``12345 seq 3`` a counter
                with its sequence number, for ``==`` and ``!=``).
            common_address: CA of the point; default the connection's.
            message: Failure message instead of the default; ``{value}`` and ``{expected}``
                are replaced.

        Returns:
            The value: True/False for single points, ``Double.ON``/``OFF``/... for double
            points, numbers for measured values, counters, step positions and bitstrings.

        Examples:
        | `Send Interrogation` |
        | `Get Point Value` | 100 | == | ON |
        | `Get Point Value` | 301 | > | 220 |
        | `Get Point Value` | 301 | == | 230 +- 1 |
        | `Get Point Value` | 301 | == | 225..235 |
        | `Get Point Value` | 320 | contains | 0x0005 |
        | `Get Point Value` | 302 | validate | 49.5 < value < 50.5 |
        | ${value} = | `Get Point Value` | 300 |
        """
        session = self.session
        ca = self.station(common_address, session)
        point = self._point(session, ca, io_address)
        value = verify_assertion(
            point.value,
            assertion_operator,
            assertion_expected,
            f"IOA {io_address} (CA {ca}) value",
            message,
            point_type=point.type,
            reported=point.object,
        )
        logger.info(f"IOA {io_address} (CA {ca}) value {_describe(point)}.")
        return value

    @keyword("Get Point Quality")
    def get_point_quality(
        self,
        io_address: int,
        assertion_operator: AssertionOperator | None = None,
        assertion_expected: Any = None,
        common_address: int | None = None,
        *,
        message: str | None = None,
    ) -> list[str]:
        """Returns the quality flags of a point's latest report, optionally checking them.

        Flags are the standard's abbreviations: ``IV`` invalid, ``NT`` not topical, ``SB``
        substituted, ``BL`` blocked, ``OV`` overflow, ``EI`` elapsed time invalid; counters
        have ``IV``, ``CA`` (adjusted) and ``CY`` (carry). Good quality is the empty list.

        Args:
            io_address: IOA of the monitored point.
            assertion_operator: ``==`` (exactly these flags), ``!=``, ``contains`` (every
                expected flag is set, others may be) or ``not contains`` (not all of them are
                set); see `AssertionOperator`.
            assertion_expected: Flags like ``IV``, ``IV, NT``, ``IV and NT``, ``IV | NT`` or
                ``good``.
            common_address: CA of the point; default the connection's.
            message: Failure message instead of the default; ``{value}`` and ``{expected}``
                are replaced.

        Returns:
            The flags that are set, like ``['IV', 'NT']``.

        Examples:
        | `Get Point Quality` | 301 | not contains | IV |
        | `Get Point Quality` | 301 | == | good |
        | `Get Point Quality` | 303 | contains | IV, NT |
        | `Get Point Quality` | 303 | == | IV and NT |
        """
        session = self.session
        ca = self.station(common_address, session)
        point = self._point(session, ca, io_address)
        names = quality_names(point.quality)
        verify_quality(
            names, assertion_operator, assertion_expected, f"IOA {io_address} (CA {ca}) quality", message
        )
        logger.info(f"IOA {io_address} (CA {ca}) quality {show(names) if names else 'good'}.")
        return names

    @keyword("Expect Message")
    def expect_message(
        self,
        type: Type | int | None = None,
        cot: Cot | int | None = None,
        io_address: int | None = None,
        common_address: int | None = None,
        negative: bool | None = None,
        *,
        test: bool | None = None,
        timeout: timedelta | None = None,
    ) -> Asdu | UnknownAsdu:
        """Waits for a message (ASDU) from the RTU that matches every filter given.

        Messages that arrived since the last stimulus on the connection count, also those that
        arrived before this keyword started.

        Args:
            type: Type identification, like ``M_SP_NA_1``, or a number (also unknown ones).
            cot: Cause of transmission, like ``SPONTANEOUS``, ``RETURN_INFO_REMOTE`` or
                ``UNKNOWN_IOA``, or a number.
            io_address: An IOA that one of the message's objects must have.
            common_address: CA of the message; default any CA.
            negative: ``True``: only negative (P/N=1) messages; ``False``: only positive ones.
            test: ``True/False``: only messages with/without the test bit.
            timeout: How long to wait.

        Returns:
            The message: ``type``, ``cot``, ``common_address``, ``negative``, ``objects``.

        Examples:
        | `Send Command` | 9999 | ON | C_SC_NA_1 | expect=NEGATIVE |
        | `Expect Message` | cot=UNKNOWN_IOA | negative=True |
        | ${msg} = | `Expect Message` | type=M_SP_NA_1 | cot=SPONTANEOUS | io_address=100 |
        | Should Be True | $msg.objects[0].value |
        """
        session = self.session
        flt = _filter(type, cot, io_address, common_address, negative, test)
        wait = self.wait_time(timeout, session)
        entry = session.rtu.expect_message(flt, timeout=wait, since=session.reference)
        assert entry.asdu is not None
        logger.info(f"Got {explain_asdu(entry.asdu)}")
        return entry.asdu

    @keyword("Expect No Message")
    def expect_no_message(
        self,
        type: Type | int | None = None,
        cot: Cot | int | None = None,
        io_address: int | None = None,
        common_address: int | None = None,
        negative: bool | None = None,
        *,
        test: bool | None = None,
        within: timedelta | None = None,
    ) -> None:
        """Fails if a matching message arrives (or arrived since the last stimulus) within a time.

        Args:
            type: Type identification, like ``C_RD_NA_1``, or a number.
            cot: Cause of transmission, like ``ACTIVATION_CON``, or a number.
            io_address: An IOA that one of the message's objects must have.
            common_address: CA of the message; default any CA.
            negative: ``True/False``: only negative/positive messages.
            test: ``True/False``: only messages with/without the test bit.
            within: How long to watch; default the RTU timeout.

        Examples:
        | `Send Read Command` | 301 |
        | `Expect No Message` | type=C_RD_NA_1 | cot=ACTIVATION_CON | within=500ms |
        | `Stop Data Transfer` |
        | `Expect No Message` | within=2s |
        """
        session = self.session
        flt = _filter(type, cot, io_address, common_address, negative, test)
        wait = self.wait_time(within, session)
        session.rtu.expect_no_message(flt, within=wait, since=session.reference)
        logger.info(f"No {flt} within {secs_to_timestr(wait)}.")


def _filter(
    type_id: Type | int | None,
    cot: Cot | int | None,
    io_address: int | None,
    common_address: int | None,
    negative: bool | None,
    test: bool | None,
) -> MessageFilter:
    if type_id is not None and not 0 <= int(type_id) <= 255:
        raise ValueError(f"type identification {type_id} outside 0..255")
    if cot is not None and not 0 <= int(cot) <= 63:
        raise ValueError(f"cause of transmission {cot} outside 0..63")
    return MessageFilter(
        type=type_id,
        cot=cot,
        common_address=common_address,
        io_address=io_address,
        negative=negative,
        test=test,
    )


def _describe(point: PointValue) -> str:
    quality = quality_names(point.quality)
    flags = f", quality {', '.join(quality)}" if quality else ""
    cot = point.cot.name if isinstance(point.cot, Cot) else str(point.cot)
    return f"{show(point.value)} ({point.type.name}, {cot}{flags})"
