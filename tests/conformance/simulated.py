"""The conformant simulated RTU the conformance tests run against: the demo RTU with short timers
(t1 2 s, t3 2 s, select time-out 1 s, cycles of 1 s) so that a case waits seconds, not minutes, in
redundancy groups of two connections (L18-L20 need a group and a buffer that outlives it)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import trio

from c104test.conformance import CaseResult, parse_pics, pics_from_profile, run_case
from c104test.conformance.case import Case
from c104test.engine.profile import PointProfile, demo_profile
from c104test.engine.simulator import open_simulator
from c104test.protocol.enums import Quality, Type
from c104test.protocol.link import LinkParameters
from c104test.protocol.station.faults import Fault
from c104test.protocol.station.redundancy import RedundancySettings

_demo = demo_profile()
_station = _demo.stations[0]
# For the process cases: points showing quality flags (A36), a bitstring command (A30) and a
# time-tagged command (A32).
_EXTRA = (
    PointProfile(1100, Type.M_SP_NA_1, True, quality=Quality.Invalid | Quality.Blocked),
    PointProfile(1101, Type.M_ME_NC_1, 1.5, quality=Quality.Overflow | Quality.NonTopical | Quality.Substituted),
    PointProfile(530, Type.C_BO_NA_1, return_io_address=320),
    PointProfile(531, Type.C_SC_TA_1, return_io_address=101),
)
PROFILE = dataclasses.replace(
    _demo,
    stations=(dataclasses.replace(_station, points=tuple(
        dataclasses.replace(point, cycle=1.0) if point.cycle is not None else point for point in _station.points
    ) + _EXTRA),),
    link=LinkParameters(k=12, w=8, t0=5.0, t1=2.0, t2=1.0, t3=2.0),
    pixit=dataclasses.replace(_demo.pixit, select_timeout=1.0, time_invalid_before_sync=True,
                              command_max_delay=5.0),
    redundancy=RedundancySettings(group_size=2, buffer_size=_demo.redundancy.buffer_size, overflow="drop_oldest"),
)
PICS_TEXT = pics_from_profile(PROFILE)
PICS = parse_pics(PICS_TEXT, "simulated.yaml")


def run_against_simulator(case: Case, faults: Iterable[Fault] = (), pics=PICS) -> CaseResult:
    """Run one case against a fresh simulator with the fault plan ``faults``."""

    async def main() -> CaseResult:
        async with open_simulator(PROFILE, faults=tuple(faults)) as sim:
            assert sim.port is not None
            return await run_case(case, "127.0.0.1", sim.port, pics)

    return trio.run(main)
