"""What a controlling station asks of a station: interrogations, clock synchronisation, test
command, read, reset, and process commands (with select, time tag and ACT_TERM per the PIXIT).

Each request builds its ASDU and waits through ``command()`` of the connection, which holds the
confirmation rules; ``ClientConnection`` has these methods (``StationRequests`` is its base). The
``*_request`` builders are plain functions of their arguments (callable from any thread): the
synchronous API builds a request in the caller's thread and hands it to ``submit_command``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..protocol.asdu import Asdu, type_info
from ..protocol.commands import command_object, timed_type
from ..protocol.elements import QCC
from ..protocol.enums import Cot, Frz, Qoi, Rqt, Type
from ..protocol.objects import (
    ClockSync,
    CounterInterrogation,
    InformationObject,
    Interrogation,
    Read,
    ResetProcess,
    TestCommand,
    TestCommandWithTime,
)
from ..protocol.timetags import CP56Time2a
from .messages import CommandResult
from .points import PROCESS_TYPES
from .termination import ActTerm

__all__ = ["Request", "StationRequests", "return_info"]


def return_info(asdu: Asdu) -> bool:
    """What a process command's result carries besides its answers: return information (COT 11)."""
    return asdu.cot == Cot.RETURN_INFO_REMOTE


@dataclass(frozen=True, slots=True)
class Request:
    """A request's ASDU and how ``command()`` waits for it (``wait_termination``, ``collect``)."""

    asdu: Asdu
    wait_termination: bool = False
    collect: Callable[[Asdu], bool] | None = None

    @property
    def options(self) -> dict[str, Any]:
        """The keyword arguments of ``command()`` / ``submit_command()`` for it."""
        return {"wait_termination": self.wait_termination, "collect": self.collect}


class StationRequests:
    """The requests of a controlling station, built on the connection's ``command()``."""

    originator_address: int
    act_term: ActTerm
    tsc: int

    if TYPE_CHECKING:
        def command(self, asdu: Asdu, **options: Any) -> Awaitable[CommandResult]: ...

    def _asdu(self, type_id: Type, ca: int, ob: InformationObject, cot: Cot = Cot.ACTIVATION, test: bool = False) -> Asdu:
        return Asdu(type_id, cot, ca, (ob,), self.originator_address, False, test)

    async def interrogation(
        self,
        common_address: int,
        qualifier: Qoi | int = Qoi.STATION,
        *,
        cot: Cot = Cot.ACTIVATION,
        timeout: float | None = None,
        wait: bool = True,
        stations: Iterable[int] | None = None,
    ) -> CommandResult:
        """Station or group interrogation; returns when ACT_TERM arrived, with every object that
        came with COT 20-36 (each already applied to the point database). To the broadcast
        address: when each station terminated it, ``stations`` (default: the connection's)
        naming those that must (see engine.confirmation)."""
        request = self.interrogation_request(common_address, qualifier, cot=cot)
        return await self.command(request.asdu, timeout=timeout, wait=wait, stations=stations, **request.options)

    def interrogation_request(
        self, common_address: int, qualifier: Qoi | int = Qoi.STATION, *, cot: Cot = Cot.ACTIVATION
    ) -> Request:
        qoi = int(qualifier)
        if not 20 <= qoi <= 36 and cot is Cot.ACTIVATION:
            raise ValueError(f"qualifier of interrogation {qoi} outside 20..36")
        reply_cot = qoi if 20 <= qoi <= 36 else 20
        asdu = self._asdu(Type.C_IC_NA_1, common_address, Interrogation(0, qoi), cot)
        return Request(
            asdu,
            wait_termination=cot is Cot.ACTIVATION,
            collect=lambda a: int(a.cot) == reply_cot and a.type in PROCESS_TYPES,
        )

    async def counter_interrogation(
        self,
        common_address: int,
        qualifier: Rqt | int = Rqt.GENERAL,
        freeze: Frz = Frz.READ,
        *,
        cot: Cot = Cot.ACTIVATION,
        timeout: float | None = None,
        wait: bool = True,
        stations: Iterable[int] | None = None,
    ) -> CommandResult:
        """Counter interrogation; to the broadcast address as ``interrogation``."""
        request = self.counter_interrogation_request(common_address, qualifier, freeze, cot=cot)
        return await self.command(request.asdu, timeout=timeout, wait=wait, stations=stations, **request.options)

    def counter_interrogation_request(
        self, common_address: int, qualifier: Rqt | int = Rqt.GENERAL, freeze: Frz = Frz.READ, *,
        cot: Cot = Cot.ACTIVATION,
    ) -> Request:
        rqt = int(qualifier)
        if not 0 <= rqt <= 63:
            raise ValueError(f"counter request qualifier {rqt} outside 0..63")
        reply_cot = 37 if rqt in (0, 5) else 37 + rqt
        # a read is answered with COT 37-41 only: a spontaneous counter report inside it is an
        # event, not part of the answer; after a freeze the frozen values may come spontaneously
        causes = (reply_cot,) if Frz(freeze) is Frz.READ else (reply_cot, int(Cot.SPONTANEOUS))
        asdu = self._asdu(Type.C_CI_NA_1, common_address, CounterInterrogation(0, QCC(rqt, Frz(freeze))), cot)
        return Request(
            asdu,
            wait_termination=True,
            collect=lambda a: int(a.cot) in causes and a.type in PROCESS_TYPES,
        )

    async def clock_sync(
        self,
        common_address: int,
        when: _dt.datetime | None = None,
        *,
        timeout: float | None = None,
        wait: bool = True,
    ) -> CommandResult:
        """C_CS_NA_1 with ``when`` (default: this machine's local time now)."""
        return await self.command(self.clock_sync_request(common_address, when).asdu, timeout=timeout, wait=wait)

    def clock_sync_request(self, common_address: int, when: _dt.datetime | None = None) -> Request:
        stamp = CP56Time2a.from_datetime(when or _dt.datetime.now())
        return Request(self._asdu(Type.C_CS_NA_1, common_address, ClockSync(0, stamp)))

    async def test_command(
        self,
        common_address: int,
        *,
        with_time: bool = True,
        timeout: float | None = None,
        wait: bool = True,
    ) -> CommandResult:
        """C_TS_TA_1 with a running test sequence counter (or C_TS_NA_1 without time)."""
        request = self.test_command_request(common_address, with_time=with_time)
        return await self.command(request.asdu, timeout=timeout, wait=wait)

    def test_command_request(self, common_address: int, *, with_time: bool = True) -> Request:
        """C_TS_TA_1 (counting the test sequence counter on) or C_TS_NA_1."""
        if with_time:
            self.tsc = (self.tsc + 1) & 0xFFFF
            ob: InformationObject = TestCommandWithTime(0, self.tsc, CP56Time2a.from_datetime(_dt.datetime.now()))
            return Request(self._asdu(Type.C_TS_TA_1, common_address, ob))
        return Request(self._asdu(Type.C_TS_NA_1, common_address, TestCommand(0)))

    async def read(
        self, common_address: int, io_address: int, *, timeout: float | None = None, wait: bool = True
    ) -> CommandResult:
        """C_RD_NA_1: the answer is the object itself with COT 5 (or a negative mirror)."""
        return await self.command(self.read_request(common_address, io_address).asdu, timeout=timeout, wait=wait)

    def read_request(self, common_address: int, io_address: int) -> Request:
        return Request(self._asdu(Type.C_RD_NA_1, common_address, Read(io_address), Cot.REQUEST))

    async def reset_process(
        self, common_address: int, qualifier: int = 1, *, timeout: float | None = None, wait: bool = True
    ) -> CommandResult:
        asdu = self._asdu(Type.C_RP_NA_1, common_address, ResetProcess(0, qualifier))
        return await self.command(asdu, timeout=timeout, wait=wait)

    async def send_command(
        self,
        common_address: int,
        io_address: int,
        type_id: Type,
        value: Any,
        *,
        select: bool = False,
        qualifier: int = 0,
        with_time: bool = False,
        deactivate: bool = False,
        timeout: float | None = None,
        act_term: ActTerm | str | None = None,
        wait: bool = True,
    ) -> CommandResult:
        """A process command (45-51, 58-64), direct or select-before-operate.

        With ``select`` the select (S/E=1) must be confirmed positively before the execute is
        sent; the result is the execute's (or the failed select's). ``act_term`` (default: the
        connection's) says whether the execute's ACT_TERM is awaited and how it is checked.
        """
        select_asdu, asdu, mode = self.process_command(
            common_address, io_address, type_id, value, select=select, qualifier=qualifier,
            with_time=with_time, deactivate=deactivate, act_term=act_term,
        )
        if select_asdu is not None:
            result = await self.command(select_asdu, timeout=timeout, wait=wait)
            if not wait or not result.positive:
                return result
        return await self.command(asdu, timeout=timeout, act_term=mode, collect=return_info, wait=wait)

    def process_command(
        self,
        common_address: int,
        io_address: int,
        type_id: Type,
        value: Any,
        *,
        select: bool = False,
        qualifier: int = 0,
        with_time: bool = False,
        deactivate: bool = False,
        act_term: ActTerm | str | None = None,
    ) -> tuple[Asdu | None, Asdu, ActTerm | None]:
        """What ``send_command`` sends: the select (or None), the execute, and the execute's
        ACT_TERM rule (None for a deactivation). A plain function of its arguments, the
        connection's PIXIT and originator address, and the clock: callable from any thread."""
        mode = self.act_term if act_term is None else ActTerm.parse(act_term)
        if with_time:
            type_id = timed_type(type_id)
        timed = type_info(type_id).time_tag is not None
        stamp = CP56Time2a.from_datetime(_dt.datetime.now()) if timed else None
        cot = Cot.DEACTIVATION if deactivate else Cot.ACTIVATION
        sel = None
        if select and not deactivate:
            sel = self._asdu(type_id, common_address, command_object(type_id, io_address, value, select=True, qualifier=qualifier, time=stamp), cot)
        ob = command_object(type_id, io_address, value, select=deactivate and select, qualifier=qualifier, time=stamp)
        return sel, self._asdu(type_id, common_address, ob, cot), None if deactivate else mode
