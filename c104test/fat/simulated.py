"""A simulated RTU made from a FAT signal list: the substation as its list describes it.

A utility that tests its SCADA master has the signal list of the substation, not a simulator
profile. ``profile_from_signals`` makes the profile: one station per common address, each row's
point with its type, the expected value as its value (the middle of a range, the value of a
tolerance), the expected quality as its quality flags and the row's interrogation groups; each
command of a row as a command point (``select: yes``: select before operate) whose return
information goes to the row's ``return_io_address`` (or the row's own IOA; ``none``: it sends none). Link parameters and
PIXIT come from ``base`` (default the demo RTU's). The FAT of the list against that simulator
passes, which is how the tests check the conversion.

>>> from c104test.fat.signals import parse_csv_text
>>> signals = parse_csv_text("name,common_address,io_address,type,expected_value,groups\\n"
...                          "Breaker,1,10,M_SP_NA_1,ON,1\\n", file="list.csv")
>>> point = profile_from_signals(signals).station(1).points[0]
>>> point.io_address, point.type.name, point.value, sorted(point.groups)
(10, 'M_SP_NA_1', True, [1])

``c104test simulate --signals FILE`` serves it.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from ..engine.profile import PointProfile, Profile, StationProfile, demo_profile
from ..protocol.elements import BCR, VTI
from ..protocol.enums import CommandMode, Type
from ..rules.quality import to_quality
from ..rules.ranges import ValueRange
from ..rules.values import Expected
from .signals import Problem, SignalList, SignalListError, SignalRow

__all__ = ["profile_from_signals"]

_COUNTERS = (Type.M_IT_NA_1, Type.M_IT_TB_1)


def profile_from_signals(signals: SignalList, base: Profile | None = None) -> Profile:
    """The profile of a simulated RTU that has the points and commands of ``signals``.

    SignalListError names the row when a point or command cannot be made (a command IOA that two
    rows give different types, an IOA used twice, a value the type cannot carry).
    """
    base = base if base is not None else demo_profile()
    stations: dict[int, dict[int, tuple[PointProfile, SignalRow]]] = {}
    for row in signals.rows:
        points = stations.setdefault(row.common_address, {})
        if not row.is_command:  # a command's own row: the command below is its point
            _add(signals, points, row, _point(signals, row))
        if row.command_io_address is not None and row.command_type is not None:
            command = _made(signals, row, io_address=row.command_io_address, type=row.command_type,
                            command_mode=CommandMode.SELECT_AND_EXECUTE if row.select else CommandMode.DIRECT,
                            return_io_address=row.return_io_address,  # None: no return information
                            description=f"command of {row.name}" if row.name else "")
            _add(signals, points, row, command)
    made = tuple(_station(signals, ca, points) for ca, points in stations.items())
    try:
        return dataclasses.replace(base, stations=made, name=f"signal list {signals.path}", faults=())
    except ValueError as exc:
        raise SignalListError([_problem(signals, None, str(exc))]) from None


def _station(signals: SignalList, ca: int, points: dict[int, tuple[PointProfile, SignalRow]]) -> StationProfile:
    """The station of ``ca``; a point the simulator cannot make (a C_SC_NA_1 that returns its state
    on a double point) is named by the row that lists it, not by its index in the profile."""
    listed = list(points.values())
    try:
        return StationProfile(ca, tuple(p for p, _ in listed))
    except ValueError as exc:
        found = re.search(r"points\[(\d+)\]\.\w+: (.*)", str(exc))
        if found is None:
            raise SignalListError([_problem(signals, None, str(exc))]) from None
        point, row = listed[int(found[1])]
        what = f"command IOA {point.io_address}" if point.is_command else f"IOA {point.io_address}"
        raise SignalListError([_problem(signals, row, f"the simulator cannot make {what} of CA {ca}: {found[2]}")]) from None


def _point(signals: SignalList, row: SignalRow) -> PointProfile:
    counter = row.type in _COUNTERS
    marks = getattr(row.expected, "qualifiers", None)  # '12345 seq 3 CY': the BCR's flags are the counter's quality
    flags = row.quality.flags | (marks.flags or frozenset() if marks is not None and counter else frozenset())
    try:  # the one quality table: a counter's CA and CY are its BCR's, EI is an M_EP_* flag
        quality = to_quality(flags, counter=counter)
    except ValueError as exc:
        raise SignalListError([_problem(signals, row, str(exc))]) from None
    if counter and len(row.groups) > 1:
        raise SignalListError([_problem(signals, row, f"counter groups {', '.join(map(str, row.groups))}: the simulator "
                                                      "puts a counter in one counter interrogation group")])
    return _made(signals, row, io_address=row.io_address, type=row.type, value=_nominal(row.expected), quality=quality,
                 groups=frozenset() if counter else frozenset(row.groups), description=row.name,
                 counter_group=row.groups[0] if counter and row.groups else None,
                 interrogation=row.interrogation)


def _nominal(expected: Expected | ValueRange | None) -> Any:
    """The value a simulated point shows for what the list expects (None: the type's default)."""
    if expected is None:
        return None
    if isinstance(expected, ValueRange):
        return (expected.low + expected.high) / 2
    marks = expected.qualifiers  # '5 transient' is a VTI, '12345 seq 3 CY' a BCR: the point shows them
    if marks is not None and marks.transient is not None:
        return VTI(int(expected.value), marks.transient)
    if marks is not None:
        flags = marks.flags or frozenset()
        return BCR(int(expected.value), marks.sequence or 0, "CY" in flags, "CA" in flags, "IV" in flags)
    return expected.value


def _add(signals: SignalList, points: dict[int, tuple[PointProfile, SignalRow]], row: SignalRow, point: PointProfile) -> None:
    before = points.get(point.io_address)
    if before is None:
        points[point.io_address] = (point, row)
    elif before[0].type is not point.type:
        raise SignalListError([_problem(signals, row, f"IOA {point.io_address} of CA {row.common_address} is "
                                                      f"{point.type.name} here and {before[0].type.name} in row {before[1].row}")])
    elif (before[0].command_mode, before[0].return_io_address) != (point.command_mode, point.return_io_address):
        raise SignalListError([_problem(signals, row, f"command IOA {point.io_address} of CA {row.common_address} "
                                                      f"is {_command(point)} here and {_command(before[0])} in row {before[1].row}")])


def _command(point: PointProfile) -> str:
    mode = "select before operate" if point.command_mode is CommandMode.SELECT_AND_EXECUTE else "direct"
    if point.return_io_address is None:
        return f"{mode} without return information"
    return f"{mode} with return information on IOA {point.return_io_address}"


def _made(signals: SignalList, row: SignalRow, **fields: Any) -> PointProfile:
    try:
        return PointProfile(**fields)
    except ValueError as exc:
        raise SignalListError([_problem(signals, row, str(exc))]) from None


def _problem(signals: SignalList, row: SignalRow | None, message: str) -> Problem:
    return Problem(signals.path, signals.sheet, None if row is None else row.row, None, message)
