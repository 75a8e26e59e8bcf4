"""Command keywords: interrogations, clock sync, test, read, reset process and process commands.

Each keyword waits for the confirmation (and the termination where the procedure has one) and
returns the engine's ``CommandResult``. ``expect=`` says which confirmation passes.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime, timedelta

from robot.api import logger
from robotlibcore import keyword

from ..engine.client import CommandResult
from ..engine.errors import ExpectationFailed, NegativeConfirmation
from ..engine.termination import ActTerm
from ..protocol.enums import Frz, Qoc, Qoi, Rqt, Type
from ..protocol.explain import explain_asdu
from ..rules.values import value_for
from .connections import LibraryComponent, RtuSession

__all__ = ["CommandKeywords", "Expect"]


class Expect(enum.Enum):
    """Which confirmation a command keyword accepts.

    - ``POSITIVE``: ACT_CON (or DEACT_CON) without P/N; anything else fails (the default).
    - ``NEGATIVE``: a negative confirmation or a COT 44-47 mirror; a positive one fails.
    - ``ANY``: either; the keyword returns the result for the test to inspect.

    A missing confirmation always fails: use `Expect No Message` to check that nothing comes.
    """

    POSITIVE = "positive"
    NEGATIVE = "negative"
    ANY = "any"


class CommandKeywords(LibraryComponent):
    """Send Interrogation, Send Command and the other commands of the control direction."""

    def _command(
        self,
        session: RtuSession,
        what: str,
        send: Callable[[], CommandResult],
        expect: Expect,
    ) -> CommandResult:
        self.stimulus(session)
        result = send()
        logger.info(str(result))
        if expect is Expect.POSITIVE and not result.positive:
            raise NegativeConfirmation(
                f"{what}: expected a positive confirmation, got {_confirmation(result)}"
            )
        if expect is Expect.NEGATIVE and result.positive:
            raise ExpectationFailed(
                f"{what}: expected a negative confirmation, got {_confirmation(result)}"
            )
        return result

    @keyword("Send Interrogation")
    def send_interrogation(
        self,
        common_address: int | None = None,
        qualifier: Qoi = Qoi.STATION,
        *,
        expect: Expect = Expect.POSITIVE,
        timeout: timedelta | None = None,
    ) -> CommandResult:
        """Sends a station or group interrogation (C_IC_NA_1) and waits for ACT_TERM.

        When it returns, every object the RTU sent before ACT_TERM is in the point values that
        `Get Point Value` and `Get Point Quality` read.

        Args:
            common_address: CA to interrogate; default the connection's. 65535 is the broadcast
                address, which every station answers with its own CA: the keyword returns when
                each station of the connection's profile has terminated (see `Connect To RTU`).
            qualifier: ``STATION`` or ``GROUP_1`` ... ``GROUP_16`` (QOI 20-36).
            expect: ``POSITIVE``, ``NEGATIVE`` or ``ANY``; see `Expect`.
            timeout: How long to wait for ACT_CON and ACT_TERM.

        Returns:
            The command result: ``positive``, ``terminated``, ``objects`` (what the
            interrogation brought) and ``duration``.

        Examples:
        | `Send Interrogation` |
        | ${result} = | `Send Interrogation` | qualifier=GROUP_2 |
        | Should Be Equal As Integers | ${{len($result.objects)}} | 4 |
        | `Send Interrogation` | qualifier=GROUP_16 | expect=NEGATIVE |
        """
        session = self.session
        ca = self.station(common_address, session)
        wait = self.wait_time(timeout, session)
        return self._command(
            session,
            f"interrogation {qualifier.name} of CA {ca}",
            lambda: session.rtu.interrogation(ca, qualifier, timeout=wait),
            expect,
        )

    @keyword("Send Counter Interrogation")
    def send_counter_interrogation(
        self,
        common_address: int | None = None,
        qualifier: Rqt = Rqt.GENERAL,
        freeze: Frz = Frz.READ,
        *,
        expect: Expect = Expect.POSITIVE,
        timeout: timedelta | None = None,
    ) -> CommandResult:
        """Sends a counter interrogation (C_CI_NA_1) and waits for ACT_TERM.

        Args:
            common_address: CA to interrogate; default the connection's. 65535: every
                station, as in `Send Interrogation`.
            qualifier: ``GENERAL`` or ``GROUP_1`` ... ``GROUP_4`` (RQT).
            freeze: ``READ``, ``FREEZE_WITHOUT_RESET``, ``FREEZE_WITH_RESET`` or
                ``COUNTER_RESET`` (FRZ).
            expect: ``POSITIVE``, ``NEGATIVE`` or ``ANY``; see `Expect`.
            timeout: How long to wait for ACT_CON and ACT_TERM.

        Returns:
            The command result; ``objects`` holds the counters read.

        Examples:
        | `Send Counter Interrogation` |
        | `Send Counter Interrogation` | freeze=FREEZE_WITHOUT_RESET |
        | `Send Counter Interrogation` | qualifier=GROUP_1 |
        """
        session = self.session
        ca = self.station(common_address, session)
        wait = self.wait_time(timeout, session)
        return self._command(
            session,
            f"counter interrogation {qualifier.name} {freeze.name} of CA {ca}",
            lambda: session.rtu.counter_interrogation(ca, qualifier, freeze, timeout=wait),
            expect,
        )

    @keyword("Send Clock Sync")
    def send_clock_sync(
        self,
        common_address: int | None = None,
        time: datetime | None = None,
        *,
        expect: Expect = Expect.POSITIVE,
        timeout: timedelta | None = None,
    ) -> CommandResult:
        """Sends a clock synchronisation (C_CS_NA_1) and waits for ACT_CON.

        Args:
            common_address: CA to synchronise; default the connection's.
            time: The time to set, like ``2025-06-01 12:00:00``; default this machine's local
                time now.
            expect: ``POSITIVE``, ``NEGATIVE`` or ``ANY``; see `Expect`.
            timeout: How long to wait for ACT_CON.

        Returns:
            The command result.

        Examples:
        | `Send Clock Sync` |
        | `Send Clock Sync` | time=2025-06-01 12:00:00 |
        """
        session = self.session
        ca = self.station(common_address, session)
        wait = self.wait_time(timeout, session)
        return self._command(
            session,
            f"clock synchronisation of CA {ca}",
            lambda: session.rtu.clock_sync(ca, time, timeout=wait),
            expect,
        )

    @keyword("Send Test Command")
    def send_test_command(
        self,
        common_address: int | None = None,
        *,
        with_time: bool = True,
        expect: Expect = Expect.POSITIVE,
        timeout: timedelta | None = None,
    ) -> CommandResult:
        """Sends a test command with time tag (C_TS_TA_1) and waits for ACT_CON.

        Args:
            common_address: CA to test; default the connection's.
            with_time: ``False`` sends C_TS_NA_1 instead, which IEC 104 does not allow: a
                conforming RTU answers with COT 44 (use ``expect=NEGATIVE``).
            expect: ``POSITIVE``, ``NEGATIVE`` or ``ANY``; see `Expect`.
            timeout: How long to wait for ACT_CON.

        Returns:
            The command result.

        Examples:
        | `Send Test Command` |
        | `Send Test Command` | with_time=False | expect=NEGATIVE |
        """
        session = self.session
        ca = self.station(common_address, session)
        wait = self.wait_time(timeout, session)
        return self._command(
            session,
            f"test command to CA {ca}",
            lambda: session.rtu.test_command(ca, with_time=with_time, timeout=wait),
            expect,
        )

    @keyword("Send Read Command")
    def send_read_command(
        self,
        io_address: int,
        common_address: int | None = None,
        *,
        expect: Expect = Expect.POSITIVE,
        timeout: timedelta | None = None,
    ) -> CommandResult:
        """Sends a read command (C_RD_NA_1) and waits for the object (COT 5).

        The standard's answer is the object itself with COT 5 and no ACT_CON; an unknown IOA
        is answered with a COT 47 mirror.

        Args:
            io_address: IOA of the point to read.
            common_address: CA of the point; default the connection's.
            expect: ``POSITIVE``, ``NEGATIVE`` or ``ANY``; see `Expect`.
            timeout: How long to wait for the answer.

        Returns:
            The command result; ``objects`` holds the object read.

        Examples:
        | `Send Read Command` | 301 |
        | `Get Point Value` | 301 | > | 200 |
        | `Send Read Command` | 9999 | expect=NEGATIVE |
        """
        session = self.session
        ca = self.station(common_address, session)
        wait = self.wait_time(timeout, session)
        return self._command(
            session,
            f"read of IOA {io_address} CA {ca}",
            lambda: session.rtu.read(ca, io_address, timeout=wait),
            expect,
        )

    @keyword("Send Reset Process")
    def send_reset_process(
        self,
        common_address: int | None = None,
        qualifier: int = 1,
        *,
        expect: Expect = Expect.POSITIVE,
        timeout: timedelta | None = None,
    ) -> CommandResult:
        """Sends a reset process command (C_RP_NA_1) and waits for ACT_CON.

        Args:
            common_address: CA to reset; default the connection's.
            qualifier: QRP: 1 general reset of the process, 2 reset of pending information
                with time tag (the event buffer).
            expect: ``POSITIVE``, ``NEGATIVE`` or ``ANY``; see `Expect`.
            timeout: How long to wait for ACT_CON.

        Returns:
            The command result.

        Examples:
        | `Send Reset Process` |
        | `Send Reset Process` | qualifier=2 |
        """
        if not 0 <= qualifier <= 255:
            raise ValueError(f"qualifier of reset process {qualifier} outside 0..255")
        session = self.session
        ca = self.station(common_address, session)
        wait = self.wait_time(timeout, session)
        return self._command(
            session,
            f"reset process (QRP {qualifier}) of CA {ca}",
            lambda: session.rtu.reset_process(ca, qualifier, timeout=wait),
            expect,
        )

    @keyword("Send Command")
    def send_command(
        self,
        io_address: int,
        value: str | int | float | bool,
        type: Type,
        common_address: int | None = None,
        *,
        select: bool = False,
        qualifier: Qoc | int = 0,
        with_time: bool = False,
        deactivate: bool = False,
        act_term: ActTerm | None = None,
        expect: Expect = Expect.POSITIVE,
        timeout: timedelta | None = None,
    ) -> CommandResult:
        """Sends a process command, direct or select-before-operate, and waits for its confirmation.

        Args:
            io_address: IOA of the command point.
            value: ``ON/OFF`` (single and double commands), ``HIGHER/LOWER`` (regulating
                step), a number (set-points) or an integer (bitstring, ``0x...`` allowed).
            type: Command type: ``C_SC_NA_1``, ``C_DC_NA_1``, ``C_RC_NA_1``, ``C_SE_NA_1``,
                ``C_SE_NB_1``, ``C_SE_NC_1``, ``C_BO_NA_1`` or a time-tagged one such as ``C_SC_TA_1``.
            common_address: CA of the point; default the connection's.
            select: Select before operate: send the select (S/E=1), and the execute only after
                a positive ACT_CON. With ``deactivate`` it cancels a selection instead.
            qualifier: QU of single, double and step commands (``SHORT_PULSE``, ``LONG_PULSE``,
                ``PERSISTENT`` or 0-31), or QL of set-points (0-127).
            with_time: Send the CP56Time2a variant (C_SC_TA_1 for C_SC_NA_1, ...).
            deactivate: Send with COT 8 (deactivation): cancels a selection.
            act_term: Whether this command's ACT_TERM is awaited: ``optional`` (a positive
                ACT_CON confirms; an ACT_TERM that arrives must be positive and repeat the
                command, else this keyword or, when it arrives later, the next command fails),
                ``required`` (wait for it) or ``never`` (one that arrives fails). Default: the
                connection's (`Connect To RTU` ``act_term=``), which is ``optional``.
            expect: ``POSITIVE``, ``NEGATIVE`` or ``ANY``; see `Expect`.
            timeout: How long to wait for each confirmation.

        Returns:
            The result of the execute (or of the select when the select was refused);
            ``objects`` holds the return information that arrived (COT 11).

        Examples:
        | `Send Command` | 500 | ON | C_SC_NA_1 |
        | `Send Command` | 501 | OFF | C_SC_NA_1 | select=True |
        | `Send Command` | 510 | 1500 | C_SE_NB_1 |
        | `Send Command` | 520 | HIGHER | C_RC_NA_1 | qualifier=SHORT_PULSE |
        | `Send Command` | 9999 | ON | C_SC_NA_1 | expect=NEGATIVE |
        | `Send Command` | 502 | OFF | C_DC_NA_1 | act_term=required |
        """
        value = _command_value(type, value)
        session = self.session
        ca = self.station(common_address, session)
        wait = self.wait_time(timeout, session)
        mode = " (select before operate)" if select and not deactivate else ""
        if deactivate:
            mode = " (deactivation)"
        return self._command(
            session,
            f"{type.name} {_show(value)} to IOA {io_address} CA {ca}{mode}",
            lambda: session.rtu.send_command(
                ca,
                io_address,
                type,
                value,
                select=select,
                qualifier=int(qualifier),
                with_time=with_time,
                deactivate=deactivate,
                act_term=act_term,
                timeout=wait,
            ),
            expect,
        )


def _command_value(type_id: Type, value: object) -> object:
    """The value as the rules read it for the command type (the same as the Gherkin steps)."""
    return value_for(type_id, value) if isinstance(value, str) else value


def _confirmation(result: CommandResult) -> str:
    if result.confirmation is None:
        return result.unconfirmed
    cot = result.confirmation.cot
    name = cot.name if isinstance(cot, enum.Enum) else f"COT {cot}"
    if result.problem is not None:
        term = f"; ACT_TERM: {explain_asdu(result.termination)}" if result.termination is not None else ""
        return f"a positive {name}, but {result.problem}{term}"
    words = "a positive" if result.positive else "a negative"
    return f"{words} {name}: {explain_asdu(result.confirmation)}"


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "ON" if value else "OFF"
    return str(value)
