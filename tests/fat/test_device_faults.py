"""Every FAT check, shown to fail against a device with exactly that fault and to pass against the
device without it: one signal list (the demo RTU's), the demo simulator with one point changed.

The wrong-list tests (tests/fat/lists.py WRONG_ROWS) change the list; these change the device,
as a FAT finds it: a point missing, of another type, with another value or quality, outside its
group, a counter off, an event without its time tag, a point the list lacks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
import trio

from c104test.engine.profile import PointProfile, Profile, demo_profile
from c104test.fat import FatOptions, run_fat_simulated
from c104test.fat.signals import parse_csv_text
from c104test.protocol.enums import CommandMode, Type
from c104test.protocol.station import parse_fault
from c104test.rules.quality import to_quality

from .lists import HEADER, RIGHT

SIGNALS = parse_csv_text(f"{HEADER}\n" + "\n".join(RIGHT) + "\n", file="demo.csv")
ROW = {r.io_address: r.row for r in SIGNALS.rows}


def changed(ioa: int, **fields: object) -> Callable[[Profile], Profile]:
    """The demo RTU with point ``ioa`` changed (``None``: removed)."""

    def change(profile: Profile) -> Profile:
        station = profile.stations[0]
        points: list[PointProfile] = []
        for point in station.points:
            if point.io_address != ioa:
                points.append(point)
            elif not fields.get("removed"):
                points.append(dataclasses.replace(point, **fields))
        return dataclasses.replace(profile, stations=(dataclasses.replace(station, points=tuple(points)),))

    return change


def added(point: PointProfile) -> Callable[[Profile], Profile]:
    def change(profile: Profile) -> Profile:
        station = profile.stations[0]
        return dataclasses.replace(profile, stations=(dataclasses.replace(station, points=(*station.points, point)),))

    return change


def run(device: Callable[[Profile], Profile] | None, commands: bool):  # type: ignore[no-untyped-def]
    profile = demo_profile() if device is None else device(demo_profile())
    return trio.run(lambda: run_fat_simulated(SIGNALS, profile, options=FatOptions(commands=commands, timeout=2)))


@pytest.mark.parametrize("commands", [False, True], ids=["monitoring", "with-commands"])
def test_the_list_passes_against_the_device_without_a_fault(commands: bool) -> None:
    results = run(None, commands)
    assert {p.verdict for p in results.points} == {"pass"}, [(p.row, p.reason) for p in results.points if p.reason]
    assert results.unexpected == []


@pytest.mark.parametrize(
    ("device", "ioa", "reason", "commands"),
    [
        (changed(201, removed=True), 201, "IOA 201 is not in the station interrogation of CA 47", False),
        (changed(303, type=Type.M_ME_NC_1), 303, "type M_ME_NC_1, listed M_ME_NA_1", False),
        (changed(302, value=50.5), 302, "value 50.5, expected 49.98 ± 0.05", False),
        (changed(303, quality=to_quality({"IV"})), 303, "quality IV, expected good", False),
        (changed(310, groups=frozenset()), 310, "missing from the interrogation of group 3", False),
        (changed(400, value=999), 400, "value 999, expected 12345", False),
        (changed(401, removed=True), 401, "IOA 401 is not in the counter interrogation of CA 47", False),
        # the interrogation may answer M_SP_NA_1 for an M_SP_TB_1 point; the event of a command may not
        (changed(101, type=Type.M_SP_NA_1), 101, "C_SC_NA_1 ON to IOA 501: the return report of IOA 101 is "
         "M_SP_NA_1, listed M_SP_TB_1 (a report caused by a command carries the listed type; its time tag is missing)",
         True),
        # the list says select before operate; the device executes directly and refuses the select
        (changed(501, command_mode=CommandMode.DIRECT), 101,
         "C_SC_NA_1 ON to IOA 501: negative confirmation (COT 7 ACTIVATION_CON, P/N=1)", True),
    ],
    ids=["missing", "type", "value", "quality", "group", "counter", "counter-missing", "event-without-time-tag",
         "no-select-before-operate"],
)
def test_each_check_fails_against_a_device_with_exactly_its_fault(device, ioa: int, reason: str, commands: bool) -> None:  # type: ignore[no-untyped-def]
    results = run(device, commands)
    failed = {p.row: p.reason for p in results.points if p.verdict != "pass"}
    assert failed == {ROW[ioa]: reason}


def test_a_point_the_list_lacks_is_reported_unexpected() -> None:
    extra = PointProfile(io_address=600, type=Type.M_SP_NA_1, value=True, groups=frozenset({1}))
    results = run(added(extra), False)
    assert results.unexpected == [{"common_address": 47, "io_address": 600, "type": "M_SP_NA_1", "value": "ON"}]
    assert results.passed  # reported, not failed


SKEW = parse_csv_text(f"{HEADER},max_skew\nQ8,47,101,M_SP_TB_1,OFF,,1,501,C_SC_NA_1,ON,yes,,,2,yes,,2\n"
                      "Energy import,47,400,M_IT_NA_1,12345,,,,,,,,,,,,\n", file="skew.csv")


@pytest.mark.parametrize(
    ("fault", "failed"),
    [
        (None, {}),
        ("negative_confirmation type=C_IC_NA_1",
         {2: "the station interrogation of CA 47 was refused (COT 7 ACTIVATION_CON, P/N=1)"}),
        ("negative_confirmation type=C_CI_NA_1",
         {3: "the counter interrogation of CA 47 was refused (COT 7 ACTIVATION_CON, P/N=1)"}),
        ("negative_confirmation type=C_CS_NA_1",
         {2: "the clock synchronisation of CA 47 was refused (COT 7 ACTIVATION_CON, P/N=1)"}),
    ],
    ids=["none", "interrogation-refused", "counter-interrogation-refused", "clock-sync-refused"],
)
def test_a_refused_request_fails_the_rows_that_need_it(fault: str | None, failed: dict[int, str]) -> None:
    faults = (parse_fault(fault),) if fault else ()
    results = trio.run(lambda: run_fat_simulated(SKEW, faults=faults, options=FatOptions(timeout=2)))
    assert {p.row: p.reason for p in results.points if p.verdict != "pass"} == failed


def test_no_group_is_interrogated_for_nothing_after_a_silent_station_interrogation() -> None:
    """The groups of a CA whose station interrogation brought nothing were interrogated anyway,
    each waiting its timeout: none of them could change a verdict."""
    from c104test.engine.simulator import open_simulator
    from c104test.fat import run_fat
    from c104test.protocol.link import LinkParameters

    signals = parse_csv_text("name,ca,ioa,type,groups\nA,47,100,M_SP_NA_1,1 2 3\n", file="g.csv")
    quick = dataclasses.replace(demo_profile(), link=LinkParameters(t1=2, t2=0.3))

    async def main() -> tuple[int, str]:
        async with open_simulator(quick, faults=(parse_fault("silence type=C_IC_NA_1"),)) as sim:
            assert sim.port is not None
            results = await run_fat("127.0.0.1", sim.port, signals, options=FatOptions(timeout=0.5))
            return sum(1 for c in sim.received_commands if c.asdu.type is Type.C_IC_NA_1), results.points[0].reason

    assert trio.run(main) == (1, "station interrogation of CA 47: no ACT_CON for C_IC_NA_1 IOA 0 CA 47 within 0.5 s")


def test_restore_fails_against_a_device_that_does_not_report_the_way_back() -> None:
    """The command is carried out and reported; commanding the original value back is not
    reported (the second C_SC_NA_1 gets no return information): the row fails on the restore."""
    signals = parse_csv_text(f"{HEADER}\nBreaker Q0,47,100,M_SP_NA_1,ON,,1,500,C_SC_NA_1,OFF,,,,0.5,yes,\n", file="r.csv")
    fault = (parse_fault("no_return_information type=C_SC_NA_1 nth=2"),)
    assert trio.run(lambda: run_fat_simulated(signals)).points[0].verdict == "pass"
    result = trio.run(lambda: run_fat_simulated(signals, faults=fault)).points[0]
    assert (result.verdict, result.reason) == ("fail", "restore: C_SC_NA_1 ON to IOA 500: no fresh report of IOA 100 "
                                               "showing ON within 0.5 s after the command; IOA 100 last showed OFF")
