"""Drive a ControlledStation by hand: explicit time, no trio, no sockets."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from c104test.engine.profile import Profile, demo_profile
from c104test.protocol.asdu import Asdu, decode_asdu, encode_asdu
from c104test.protocol.commands import command_object
from c104test.protocol.elements import QCC
from c104test.protocol.enums import Cot, Frz, Qoi, Rqt, Type
from c104test.protocol.objects import (
    ClockSync,
    CounterInterrogation,
    Interrogation,
    Read,
    ResetProcess,
    TestCommandWithTime,
)
from c104test.protocol.station import ControlledStation, Fault, Outgoing, RedundancySettings
from c104test.protocol.timetags import CP56Time2a

CA = 47
WALL = 1_700_000_000.0  # the station's wall clock in these tests (fixed)


def make(
    profile: Profile | None = None,
    *,
    faults: tuple[Fault, ...] = (),
    redundancy: RedundancySettings | None = None,
    **pixit: Any,
) -> ControlledStation:
    profile = profile or demo_profile()
    if pixit:
        profile = dataclasses.replace(profile, pixit=dataclasses.replace(profile.pixit, **pixit))
    return ControlledStation(profile, wall_clock=lambda: WALL, faults=faults, redundancy=redundancy)


def started(station: ControlledStation, number: int = 1, now: float = 0.0, *, drain: bool = True) -> None:
    """Connect and start; drop the end of initialisation unless ``drain`` is False."""
    station.connect(number, now, f"peer {number}")
    station.started(number, now)
    if drain:
        take(station, number, now)


def outgoing(station: ControlledStation, number: int = 1, now: float = 0.0, room: int = 10_000) -> list[Outgoing]:
    out = station.next_outgoing(number, now, room)
    station.acknowledged(number, len(out))
    return out


def take(station: ControlledStation, number: int = 1, now: float = 0.0, room: int = 10_000) -> list[Asdu]:
    """Everything the station sends on the connection now, decoded from its octets."""
    return [decode_asdu(o.raw) for o in outgoing(station, number, now, room)]  # type: ignore[misc]


def ask(station: ControlledStation, asdu: Asdu, number: int = 1, now: float = 0.0) -> list[Asdu]:
    """Send ``asdu`` and return the answer."""
    raw = encode_asdu(asdu)
    station.receive(number, raw, decode_asdu(raw), now)
    return take(station, number, now)


def shape(asdus: list[Asdu]) -> list[tuple[int, int, bool]]:
    """(type, cot, negative) per ASDU, the usual thing to compare."""
    return [(int(a.type), int(a.cot), a.negative) for a in asdus]


def gi(qoi: int = Qoi.STATION, *, ca: int = CA, cot: Cot = Cot.ACTIVATION, oa: int = 0, ioa: int = 0) -> Asdu:
    return Asdu(Type.C_IC_NA_1, cot, ca, (Interrogation(ioa, qoi),), originator_address=oa)


def ci(rqt: Rqt = Rqt.GENERAL, frz: Frz = Frz.READ, *, ca: int = CA) -> Asdu:
    return Asdu(Type.C_CI_NA_1, Cot.ACTIVATION, ca, (CounterInterrogation(0, QCC(rqt, frz)),))


def read(ioa: int, *, ca: int = CA) -> Asdu:
    return Asdu(Type.C_RD_NA_1, Cot.REQUEST, ca, (Read(ioa),))


def clock(time: CP56Time2a, *, ioa: int = 0) -> Asdu:
    return Asdu(Type.C_CS_NA_1, Cot.ACTIVATION, CA, (ClockSync(ioa, time),))


STAMP = CP56Time2a.from_datetime(dt.datetime(2024, 1, 2, 3, 4, 5))


def clock_test_command(tsc: int = 7) -> Asdu:
    """C_TS_TA_1 (the test command)."""
    return Asdu(Type.C_TS_TA_1, Cot.ACTIVATION, CA, (TestCommandWithTime(0, tsc, STAMP),))


def reset(qrp: int = 1) -> Asdu:
    return Asdu(Type.C_RP_NA_1, Cot.ACTIVATION, CA, (ResetProcess(0, qrp),))


def command(type_id: Type, ioa: int, value: Any, *, select: bool = False, cot: Cot = Cot.ACTIVATION,
            oa: int = 0, ca: int = CA, test: bool = False) -> Asdu:
    return Asdu(type_id, cot, ca, (command_object(type_id, ioa, value, select=select),),
                originator_address=oa, test=test)


ACT, ACT_CON, DEACT, DEACT_CON, ACT_TERM = 6, 7, 8, 9, 10
