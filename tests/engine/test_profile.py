"""RTU profiles: the demo, a full example, and one test per validation error (file:line: field)."""

from __future__ import annotations

import math
import pickle
import re
import textwrap
from importlib import resources
from pathlib import Path

import pytest

from c104test.engine.profile import (
    Pixit,
    PointProfile,
    Profile,
    ProfileError,
    StationProfile,
    demo_profile,
    load_profile,
    parse_profile,
)
from c104test.protocol.enums import (
    CommandMode,
    Double,
    EventState,
    OutputCircuits,
    Quality,
    StartEvents,
    Step,
    Type,
)
from c104test.protocol.errors import C104TestError
from c104test.protocol.link import LinkParameters

DEMO_MONITORING = {
    100: Type.M_SP_NA_1,
    101: Type.M_SP_TB_1,
    200: Type.M_DP_NA_1,
    201: Type.M_DP_TB_1,
    300: Type.M_ME_NB_1,
    301: Type.M_ME_NC_1,
    302: Type.M_ME_NC_1,
    303: Type.M_ME_NA_1,
    310: Type.M_ST_NA_1,
    320: Type.M_BO_NA_1,
    400: Type.M_IT_NA_1,
    401: Type.M_IT_TB_1,
}
# command IOA -> (type, mode, return IOA)
DEMO_COMMANDS = {
    500: (Type.C_SC_NA_1, CommandMode.DIRECT, 100),
    501: (Type.C_SC_NA_1, CommandMode.SELECT_AND_EXECUTE, 101),
    502: (Type.C_DC_NA_1, CommandMode.DIRECT, 200),
    510: (Type.C_SE_NB_1, CommandMode.DIRECT, 300),
    511: (Type.C_SE_NC_1, CommandMode.DIRECT, 301),
    520: (Type.C_RC_NA_1, CommandMode.DIRECT, 310),
}


def parse(text: str) -> Profile:
    return parse_profile(textwrap.dedent(text), "rtu.yaml")


def error_of(text: str) -> str:
    with pytest.raises(ProfileError) as info:
        parse(text)
    return str(info.value)


# ---- the demo ------------------------------------------------------------------------------------


def test_demo_profile_has_exactly_the_listed_points() -> None:
    profile = demo_profile()
    assert [s.common_address for s in profile.stations] == [47]
    station = profile.stations[0]
    types = {p.io_address: p.type for p in station.points}
    assert types == DEMO_MONITORING | {ioa: c[0] for ioa, c in DEMO_COMMANDS.items()}
    assert len(station.points) == len(types)
    for ioa, (_, mode, returns) in DEMO_COMMANDS.items():
        point = station.point(ioa)
        assert point is not None and point.is_command
        assert (point.command_mode, point.return_io_address) == (mode, returns)
    assert not any(station.point(ioa).is_command for ioa in DEMO_MONITORING)


def test_demo_profile_values_groups_and_timing() -> None:
    station = demo_profile().station(47)
    assert station is not None
    point = station.point
    # the points that change by themselves are not the return points of commands, so a suite
    # that checks a command's effect later still sees the commanded value
    assert point(100).value is True and point(100).change_every is None
    assert point(201).change_every == 7.0 and point(303).change_every == 3.0
    assert point(301).change_every is None
    assert point(302).cycle == 5.0
    assert point(200).value is Double.ON and point(201).value is Double.OFF
    assert point(300).value == 1234 and point(303).value == 0.25
    for ioa in (100, 101, 200, 201):
        assert point(ioa).groups == {1}
    for ioa in (300, 301, 302, 303):
        assert point(ioa).groups == {2}
    for ioa in (400, 401):
        assert (
            point(ioa).is_counter and not point(ioa).answers_interrogation and not point(ioa).groups
        )
    assert point(401).plain_type is Type.M_IT_NA_1
    assert point(101).has_time_tag and point(101).plain_type is Type.M_SP_NA_1
    assert point(501).select_before_operate and not point(500).select_before_operate
    assert all(p.quality == Quality(0) for p in station.points)


def test_demo_profile_defaults_and_file() -> None:
    profile = demo_profile()
    assert profile.link == LinkParameters()
    assert profile.pixit == Pixit()
    assert (profile.max_connections, profile.allowed_clients) == (10, ())
    assert profile.name == "c104test demo RTU"
    path = resources.files("c104test.engine").joinpath("demo_rtu.yaml")
    assert load_profile(str(path)) == profile
    assert demo_profile() is profile  # loaded once


# ---- a full example --------------------------------------------------------------------------------

FULL = """\
name: Bay 12
max_connections: 2
allowed_clients: [127.0.0.1, "::1"]
x-measurand: &measurand
  type: M_ME_NC_1
  groups: [2, 3]
link: {k: 6, w: 4, t0: 5, t1: 2.5, t2: 1, t3: 4}
pixit:
  select_timeout: 2.5
  act_term: false
  unknown_group: EMPTY
  end_of_initialisation: off
  max_asdu_length: 100
  time_tagged_spontaneous: false
  interrogation_types_without_time: false
  answer_read_with_actcon: true
stations:
  - common_address: 12
    points:
      - io_address: 1001
        type: m_dp_tb_1
        value: INTERMEDIATE
        quality: [IV, NT]
        groups: [1, 16]
        description: Breaker
      - {io_address: 1002, type: 3, value: on}
      - {<<: *measurand, io_address: 2001, value: 1.5e3, quality: "OV|Substituted"}
      - {<<: *measurand, io_address: 2002, groups: [4], cycle: 0.5}
      - {io_address: 2003, type: M_ME_ND_1, value: -1, cycle: 1}
      - {io_address: 2004, type: M_ST_TB_1, value: -64, quality: [Blocked]}
      - {io_address: 2005, type: M_BO_TB_1, value: 0xFFFFFFFF}
      - {io_address: 2006, type: M_PS_NA_1, value: 0x8001}
      - {io_address: 2007, type: M_EP_TD_1, value: ON, quality: [EI]}
      - {io_address: 2008, type: M_EP_TE_1, value: [General, PhaseL2]}
      - {io_address: 2009, type: M_EP_TF_1, value: 3}
      - {io_address: 4001, type: M_IT_TB_1, value: -5, counter_group: 4, quality: IV}
      - {io_address: 3001, type: C_DC_TA_1, command_mode: select_before_operate, return_io_address: 1001}
      - {io_address: 3002, type: C_RC_TA_1, value: HIGHER, command_mode: SELECT, return_io_address: 2004}
      - {io_address: 3003, type: C_SE_NC_1, value: 2, return_io_address: 2001}
      - {io_address: 3004, type: C_BO_TA_1, return_io_address: 2005}
      - {io_address: 3005, type: C_SE_NA_1, value: 0.5, return_io_address: 2003}
  - common_address: 13
"""


def test_full_example_parses() -> None:
    profile = parse(FULL)
    assert profile.name == "Bay 12"
    assert profile.max_connections == 2
    assert profile.allowed_clients == ("127.0.0.1", "::1")
    assert profile.link == LinkParameters(k=6, w=4, t0=5.0, t1=2.5, t2=1.0, t3=4.0)
    assert profile.pixit == Pixit(
        select_timeout=2.5,
        act_term=False,
        unknown_group="empty",
        end_of_initialisation=False,
        max_asdu_length=100,
        time_tagged_spontaneous=False,
        interrogation_types_without_time=False,
        answer_read_with_actcon=True,
    )
    assert [s.common_address for s in profile.stations] == [12, 13]
    assert profile.station(13) == StationProfile(13, ())
    station = profile.station(12)
    assert station is not None
    point = station.point
    assert point(1001) == PointProfile(
        1001,
        Type.M_DP_TB_1,
        Double.INTERMEDIATE,
        Quality.Invalid | Quality.NonTopical,
        frozenset({1, 16}),
        description="Breaker",
    )
    assert point(1002).type is Type.M_DP_NA_1 and point(1002).value is Double.ON
    assert point(2001).value == 1500.0 and point(2001).groups == {2, 3}
    assert point(2001).quality == Quality.Overflow | Quality.Substituted
    assert point(2002).groups == {4} and point(2002).cycle == 0.5  # the mapping overrides the merge
    assert point(2003).value == -1.0 and point(2003).quality == Quality(0)
    assert point(2004).value == -64 and point(2004).quality == Quality.Blocked
    assert point(2005).value == 0xFFFFFFFF
    assert point(2006).value == 0x8001
    assert point(2007).value is EventState.ON and point(2007).quality == Quality.ElapsedTimeInvalid
    assert point(2007).plain_type is None and not point(2007).answers_interrogation
    assert point(2008).value == StartEvents.General | StartEvents.PhaseL2
    assert point(2009).value == OutputCircuits.General | OutputCircuits.PhaseL1
    assert (point(4001).value, point(4001).counter_group, point(4001).quality) == (
        -5,
        4,
        Quality.Invalid,
    )
    assert point(3001).value is Double.OFF and point(3001).select_before_operate
    assert point(3001).has_time_tag and point(3001).plain_type is Type.C_DC_NA_1
    assert point(3002).value is Step.HIGHER and point(3002).return_io_address == 2004
    assert point(3003).value == 2.0 and point(3003).command_mode is CommandMode.DIRECT
    assert point(3004).value == 0
    assert point(3005).return_io_address == 2003


def test_documented_examples_parse() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "profile.md").read_text(encoding="utf-8")
    example = re.findall(r"```yaml\n(.*?)```", doc, re.S)[0]
    station = parse_profile(example, "profile.md").station(12)
    assert station is not None and len(station.points) == 5
    assert station.point(2002).cycle == 10.0 and station.point(2002).type is Type.M_ME_NC_1


def test_minimal_profile_takes_defaults() -> None:
    profile = parse("stations: [{common_address: 1}]")
    assert profile == Profile((StationProfile(1),))
    assert profile.link == LinkParameters() and profile.pixit == Pixit()
    point = (
        parse("stations: [{common_address: 1, points: [{io_address: 0, type: 13}]}]")
        .stations[0]
        .points[0]
    )
    assert point == PointProfile(0, Type.M_ME_NC_1, 0.0)
    assert math.copysign(1, point.value) == 1  # type: ignore[arg-type]


# ---- validation errors: exact file:line: field: message ---------------------------------------------

# The second point starts on line 6; its first key is on line 6, the next keys on 7, 8, ...
HEAD = """\
stations:
  - common_address: 47
    points:
      - io_address: 1
        type: M_SP_NA_1
"""


def second_point(*lines: str) -> str:
    body = "      - " + lines[0] + "\n" + "".join(f"        {line}\n" for line in lines[1:])
    return HEAD + body


P = "stations[0].points[1]"

POINT_ERRORS = [
    # type
    (
        ("io_address: 2", "type: M_XX_NA_1"),
        f"rtu.yaml:7: {P}.type: 'M_XX_NA_1' is not a type; expected e.g. M_SP_NA_1",
    ),
    (
        ("io_address: 2", "type: M_SP_NA1"),
        f"rtu.yaml:7: {P}.type: 'M_SP_NA1' is not a type; did you mean M_SP_NA_1?",
    ),
    (
        ("io_address: 2", "type: 99"),
        f"rtu.yaml:7: {P}.type: 99 is not a type; expected e.g. M_SP_NA_1",
    ),
    (
        ("io_address: 2", "type: M_ME_TC_1"),
        f"rtu.yaml:7: {P}.type: M_ME_TC_1 has a CP24Time2a time tag, which IEC 104 does not use; use M_ME_TF_1",
    ),
    (
        ("io_address: 2", "type: C_IC_NA_1"),
        f"rtu.yaml:7: {P}.type: C_IC_NA_1 is not a point type; "
        "a point is a monitoring type (1-40) or a command (45-64)",
    ),
    # keys
    (
        ("io_address: 2", "type: 1", "groupz: [1]"),
        f"rtu.yaml:8: {P}.groupz: unknown key; did you mean 'groups'?",
    ),
    (
        ("io_address: 2", "type: 1", "colour: red"),
        f"rtu.yaml:8: {P}.colour: unknown key; expected one of: io_address, type, value, quality, "
        "groups, counter_group, cycle, change_every, command_mode, return_io_address, description, interrogation",
    ),
    (
        ("io_address: 2", "type: 1", "type: 3"),
        f"rtu.yaml:8: {P}.type: duplicate key (first on line 7)",
    ),
    (("io_address: 2",), f"rtu.yaml:6: {P}.type: missing; every point needs io_address and type"),
    # io_address
    (
        ("io_address: 16777216", "type: 1"),
        f"rtu.yaml:6: {P}.io_address: 16777216 is outside 0..16777215",
    ),
    (("io_address: -1", "type: 1"), f"rtu.yaml:6: {P}.io_address: -1 is outside 0..16777215"),
    (
        ("io_address: two", "type: 1"),
        f"rtu.yaml:6: {P}.io_address: expected an integer in 0..16777215, got 'two'",
    ),
    (
        ("io_address: 1", "type: 3"),
        f"rtu.yaml:6: {P}.io_address: 1 is already used by stations[0].points[0] (line 4)",
    ),
    # value per type
    (
        ("io_address: 2", "type: M_SP_NA_1", "value: 1"),
        f"rtu.yaml:8: {P}.value: expected true or false for M_SP_NA_1, got 1",
    ),
    (
        ("io_address: 2", "type: M_DP_NA_1", "value: OPEN"),
        f"rtu.yaml:8: {P}.value: 'OPEN' is not a double-point state; expected ON, OFF, INTERMEDIATE or INDETERMINATE",
    ),
    (
        ("io_address: 2", "type: M_DP_NA_1", "value: yes"),
        f"rtu.yaml:8: {P}.value: 'yes' is not a double-point state; expected ON, OFF, INTERMEDIATE or INDETERMINATE",
    ),
    (
        ("io_address: 2", "type: M_ST_NA_1", "value: 64"),
        f"rtu.yaml:8: {P}.value: 64 is outside -64..63",
    ),
    (
        ("io_address: 2", "type: M_ME_NC_1", "value: high"),
        f"rtu.yaml:8: {P}.value: expected a number for M_ME_NC_1, got 'high'",
    ),
    (
        ("io_address: 2", "type: M_ME_NC_1", "value: 1e39"),
        f"rtu.yaml:8: {P}.value: 1e+39 does not fit a 32-bit float",
    ),
    (
        ("io_address: 2", "type: M_ME_NA_1", "value: 1.5"),
        f"rtu.yaml:8: {P}.value: 1.5 is outside -1..1 (a normalized value)",
    ),
    (
        ("io_address: 2", "type: M_ME_NB_1", "value: 32768"),
        f"rtu.yaml:8: {P}.value: 32768 is outside -32768..32767",
    ),
    (
        ("io_address: 2", "type: M_ME_TE_1", "value: 1.5"),
        f"rtu.yaml:8: {P}.value: expected an integer in -32768..32767, got 1.5",
    ),
    (
        ("io_address: 2", "type: M_BO_NA_1", "value: -1"),
        f"rtu.yaml:8: {P}.value: -1 is outside 0..4294967295",
    ),
    (
        ("io_address: 2", "type: M_IT_NA_1", "value: 2147483648"),
        f"rtu.yaml:8: {P}.value: 2147483648 is outside -2147483648..2147483647",
    ),
    (
        ("io_address: 2", "type: C_DC_NA_1", "value: INTERMEDIATE"),
        f"rtu.yaml:8: {P}.value: 'INTERMEDIATE' is not a double command state; expected ON or OFF",
    ),
    (
        ("io_address: 2", "type: M_EP_TE_1", "value: [General, Phase]"),
        f"rtu.yaml:8: {P}.value[1]: 'Phase' is not a StartEvents flag; "
        "expected General, PhaseL1, PhaseL2, PhaseL3, InEarthCurrent, ReverseDirection",
    ),
    (
        ("io_address: 2", "type: 1", "value: {on: 1}"),
        f"rtu.yaml:8: {P}.value: expected a value or a list, got a mapping",
    ),
    # quality
    (
        ("io_address: 2", "type: M_ME_NC_1", "quality:", "  - IV", "  - XX"),
        f"rtu.yaml:10: {P}.quality[1]: 'XX' is not a quality flag; use 'good' or flags IV, NT, SB, BL, OV, EI "
        "(counters: IV, CA, CY) joined by 'and', ',' or '|'",
    ),
    (
        ("io_address: 2", "type: M_SP_NA_1", "quality: [IV, OV]"),
        f"rtu.yaml:8: {P}.quality: OV is not a quality flag of M_SP_NA_1; it carries IV, NT, SB, BL",
    ),
    (
        ("io_address: 2", "type: M_IT_NA_1", "quality: [NonTopical]"),
        f"rtu.yaml:8: {P}.quality: NT is not a quality flag of M_IT_NA_1; it has IV, CA, CY",
    ),
    (
        ("io_address: 2", "type: M_ME_NC_1", "quality: 0x80"),
        f"rtu.yaml:8: {P}.quality: 128 is not a quality; write its flags by name, as IV, NT, SB, BL, OV or EI",
    ),
    (
        ("io_address: 2", "type: C_SC_NA_1", "quality: [IV]"),
        f"rtu.yaml:8: {P}.quality: a command carries no quality",
    ),
    # groups
    (
        ("io_address: 2", "type: 1", "groups: [1, 17]"),
        f"rtu.yaml:8: {P}.groups[1]: interrogation group: 17 is outside 1..16",
    ),
    (
        ("io_address: 2", "type: 1", "groups: all"),
        f"rtu.yaml:8: {P}.groups: expected a list of interrogation groups 1..16, got 'all'",
    ),
    (
        ("io_address: 2", "type: M_IT_NA_1", "groups: [1]"),
        f"rtu.yaml:8: {P}.groups: integrated totals answer counter interrogation, not station or "
        "group interrogation; use counter_group (1-4)",
    ),
    (
        ("io_address: 2", "type: C_SC_NA_1", "groups: [1]"),
        f"rtu.yaml:8: {P}.groups: commands belong to no interrogation group",
    ),
    # counter_group, cycle, change_every
    (
        ("io_address: 2", "type: 1", "counter_group: 1"),
        f"rtu.yaml:8: {P}.counter_group: counter_group is for integrated totals (M_IT_NA_1, M_IT_TB_1)",
    ),
    (
        ("io_address: 2", "type: M_IT_NA_1", "counter_group: 5"),
        f"rtu.yaml:8: {P}.counter_group: 5 is outside 1..4",
    ),
    (
        ("io_address: 2", "type: M_SP_NA_1", "cycle: 5"),
        f"rtu.yaml:8: {P}.cycle: periodic data (COT 1) is for measured values without time tag "
        "(M_ME_NA_1, M_ME_NB_1, M_ME_NC_1, M_ME_ND_1), not M_SP_NA_1",
    ),
    (
        ("io_address: 2", "type: M_ME_NC_1", "cycle: 0"),
        f"rtu.yaml:8: {P}.cycle: expected a positive number of seconds, got 0",
    ),
    (
        ("io_address: 2", "type: M_ME_NC_1", "change_every: soon"),
        f"rtu.yaml:8: {P}.change_every: expected a positive number of seconds, got 'soon'",
    ),
    (
        ("io_address: 2", "type: C_SC_NA_1", "change_every: 3"),
        f"rtu.yaml:8: {P}.change_every: commands do not change by themselves; give change_every to a monitoring point",
    ),
    # command_mode, return_io_address
    (
        ("io_address: 2", "type: C_SC_NA_1", "command_mode: maybe"),
        f"rtu.yaml:8: {P}.command_mode: 'maybe' is not a command mode; expected direct or select",
    ),
    (
        ("io_address: 2", "type: M_SP_NA_1", "command_mode: direct"),
        f"rtu.yaml:8: {P}.command_mode: command_mode is only for commands (types 45-64)",
    ),
    (
        ("io_address: 2", "type: M_SP_NA_1", "return_io_address: 1"),
        f"rtu.yaml:8: {P}.return_io_address: return_io_address is only for commands (types 45-64)",
    ),
    (
        ("io_address: 2", "type: C_SC_NA_1", "return_io_address: 7"),
        f"rtu.yaml:8: {P}.return_io_address: no point with io_address 7 in this station",
    ),
    (
        ("io_address: 2", "type: C_SC_NA_1", "return_io_address: 2"),
        f"rtu.yaml:8: {P}.return_io_address: point 2 is a command (C_SC_NA_1); return information goes to a monitoring point",
    ),
    (
        ("io_address: 2", "type: C_DC_NA_1", "return_io_address: 1"),
        f"rtu.yaml:8: {P}.return_io_address: C_DC_NA_1 returns its state on M_DP_NA_1 or M_DP_TB_1; point 1 is M_SP_NA_1",
    ),
    # description
    (
        ("io_address: 2", "type: 1", "description: 42"),
        f"rtu.yaml:8: {P}.description: expected text, got 42",
    ),
]


@pytest.mark.parametrize(
    ("lines", "expected"), POINT_ERRORS, ids=[e[1].split(": ", 1)[1][:60] for e in POINT_ERRORS]
)
def test_point_error(lines: tuple[str, ...], expected: str) -> None:
    assert error_of(second_point(*lines)) == expected


def test_error_example_from_the_design() -> None:
    text = """\
    # bay 12
    name: Bay 12
    stations:
      - common_address: 12
        points:
          - io_address: 1001
            type: M_SP_NA_1
          - io_address: 1002
            type: M_DP_NA_1
          - io_address: 1003
            type: M_ME_NC_1
          - io_address: 1004
            description: Tap
            type: M_XX_NA_1
    """
    assert (
        error_of(text)
        == "rtu.yaml:14: stations[0].points[3].type: 'M_XX_NA_1' is not a type; expected e.g. M_SP_NA_1"
    )


OTHER_ERRORS = [
    ("", "rtu.yaml:1: the profile is empty; it needs at least 'stations'"),
    ("- 1\n- 2\n", "rtu.yaml:1: expected a mapping of profile settings (key: value), got a list at column 1; is this a YAML profile? docs/profile.md shows the format"),
    ("name: x\n", "rtu.yaml:1: stations: missing; a profile needs at least one station"),
    ("stations: []\n", "rtu.yaml:1: stations: a profile needs at least one station"),
    ("stations: 5\n", "rtu.yaml:1: stations: expected a list of stations, got 5 at column 11"),
    (
        "station: []\n",
        "rtu.yaml:1: station: unknown key; did you mean 'stations'?",
    ),
    (
        "templates: {}\nstations: [{common_address: 1}]\n",
        "rtu.yaml:1: templates: unknown key; expected one of: name, max_connections, allowed_clients, "
        "link, pixit, redundancy, faults, stations",
    ),
    (
        "stations:\n  - points: []\n",
        "rtu.yaml:2: stations[0].common_address: missing; every station needs one",
    ),
    (
        "stations:\n  - common_address: 65535\n",
        "rtu.yaml:2: stations[0].common_address: 65535 is outside 1..65534",
    ),
    (
        "stations:\n  - common_address: 0\n",
        "rtu.yaml:2: stations[0].common_address: 0 is outside 1..65534",
    ),
    (
        "stations:\n  - common_address: 7\n  - common_address: 7\n",
        "rtu.yaml:3: stations[1].common_address: 7 is already used by stations[0] (line 2)",
    ),
    (
        "stations:\n  - common_address: 7\n    point: []\n",
        "rtu.yaml:3: stations[0].point: unknown key; did you mean 'points'?",
    ),
    (
        "stations:\n  - common_address: 7\n    points: {io_address: 1}\n",
        "rtu.yaml:3: stations[0].points: expected a list of points, got a mapping at column 13",
    ),
    (
        "stations:\n  - common_address: 7\n    points:\n      - 5\n",
        "rtu.yaml:4: stations[0].points[0]: expected a mapping of point settings (key: value), got 5 at column 9",
    ),
    (
        "max_connections: 0\nstations: [{common_address: 1}]\n",
        "rtu.yaml:1: max_connections: 0 is outside 1..65535",
    ),
    (
        "allowed_clients:\n  - 127.0.0.1\n  - 10.0.0.300\nstations: [{common_address: 1}]\n",
        "rtu.yaml:3: allowed_clients[1]: '10.0.0.300' is not an IP address",
    ),
    ("name: [a]\nstations: [{common_address: 1}]\n", "rtu.yaml:1: name: expected text, got ['a']"),
    # pixit
    (
        "pixit:\n  actterm: true\nstations: [{common_address: 1}]\n",
        "rtu.yaml:2: pixit.actterm: unknown key; did you mean 'act_term'?",
    ),
    (
        "pixit:\n  select_timeout: 0\nstations: [{common_address: 1}]\n",
        "rtu.yaml:2: pixit.select_timeout: expected a positive number of seconds, got 0",
    ),
    (
        "pixit:\n  unknown_group: ignore\nstations: [{common_address: 1}]\n",
        "rtu.yaml:2: pixit.unknown_group: 'ignore' is not a reply; expected negative or empty",
    ),
    (
        "pixit:\n  max_asdu_length: 250\nstations: [{common_address: 1}]\n",
        "rtu.yaml:2: pixit.max_asdu_length: 250 is outside 21..249",
    ),
    (
        "pixit:\n  act_term: maybe\nstations: [{common_address: 1}]\n",
        "rtu.yaml:2: pixit.act_term: expected true or false, got 'maybe'",
    ),
    (
        "pixit: 5\nstations: [{common_address: 1}]\n",
        "rtu.yaml:1: pixit: expected a mapping of PIXIT answers (key: value), got 5 at column 8",
    ),
    # link: unknown keys here, value rules from LinkParameters
    (
        "link: {k: 12, T1: 3}\nstations: [{common_address: 1}]\n",
        "rtu.yaml:1: link.T1: unknown key; expected one of: k, w, t0, t1, t2, t3",
    ),
]


@pytest.mark.parametrize(("text", "expected"), OTHER_ERRORS, ids=[e[1][9:60] for e in OTHER_ERRORS])
def test_profile_error(text: str, expected: str) -> None:
    assert error_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "stations: [{common_address: 1}]\nlink:\n  k: 12\n  t1: 5\n  t2: 10\n",
            "rtu.yaml:5: link.t2: t2 (10 s) must be less than t1 (5 s)",
        ),
        (
            "stations: [{common_address: 1}]\nlink:\n  t1: 5\n",  # t2 keeps its default of 10 s
            "rtu.yaml:3: link.t1: t2 (10 s) must be less than t1 (5 s)",
        ),
        (
            "stations: [{common_address: 1}]\nlink:\n  w: 8\n  k: 4\n",
            "rtu.yaml:3: link.w: w (8) must not exceed k (4)",
        ),
        (
            "stations: [{common_address: 1}]\nlink:\n  k: 0\n",
            "rtu.yaml:3: link.k: k must be an integer in 1..32767, got 0",
        ),
        (
            "stations: [{common_address: 1}]\nlink:\n  w: 1.5\n",
            "rtu.yaml:3: link.w: w must be an integer in 1..32767, got 1.5",
        ),
        (
            "stations: [{common_address: 1}]\nlink:\n  t3: soon\n",
            "rtu.yaml:3: link.t3: t3 must be a positive number of seconds, got 'soon'",
        ),
    ],
)
def test_link_parameter_error_carries_the_line(text: str, expected: str) -> None:
    assert error_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "stations:\n  - common_address: 1\n   points: []\n",
            "rtu.yaml:3: invalid YAML (while parsing a block collection): "
            "expected <block end>, but found '<block mapping start>' (column 4)",
        ),
        (
            "stations: [\n",
            "rtu.yaml:2: invalid YAML (while parsing a flow node): "
            "expected the node content, but found '<stream end>' (column 1)",
        ),
        (
            "name: x\nstations:\n\t- common_address: 1\n",
            "rtu.yaml:3: invalid YAML (while scanning for the next token): "
            "found character '\\t' that cannot start any token (column 1)",
        ),
        (
            "stations: []\n---\nstations: []\n",
            "rtu.yaml:2: invalid YAML (expected a single document in the stream): "
            "but found another document (column 1)",
        ),
        (
            "name: x\nstations: \x07\n",
            "rtu.yaml:2: invalid YAML: unacceptable character #x0007: special characters are not allowed",
        ),
    ],
)
def test_yaml_syntax_error(text: str, expected: str) -> None:
    with pytest.raises(ProfileError) as info:
        parse_profile(text, "rtu.yaml")
    assert str(info.value) == expected
    assert info.value.field == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: !!python/object/apply:os.system [echo]\nstations: [{common_address: 1}]\n",
            "rtu.yaml:1: name: cannot read the value: "
            "tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
        ),
        (
            "name: !!python/name:os.system x\nstations: [{common_address: 1}]\n",
            "rtu.yaml:1: name: cannot read the value: could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/name:os.system'",
        ),
        (
            "stations: !!set {1, 2}\n",
            "rtu.yaml:1: stations: cannot read the value: tag 'tag:yaml.org,2002:set' is not allowed",
        ),
    ],
)
def test_unsafe_tags_are_refused(text: str, expected: str) -> None:
    assert error_of(text) == expected


def test_double_points_read_yaml_booleans_as_words() -> None:
    point = parse("stations: [{common_address: 1, points: [{io_address: 1, type: 3, value: off}]}]")
    assert point.stations[0].points[0].value is Double.OFF
    text = "stations: [{common_address: 1, points: [{io_address: 1, type: 1, value: ON}]}]"
    assert parse(text).stations[0].points[0].value is True


def test_numbers_read_as_an_engineer_writes_them() -> None:
    text = """\
    stations:
      - common_address: 047
        points:
          - {io_address: 0100, type: 1}
          - {io_address: 09, type: 1}
          - {io_address: 0x10, type: M_ME_NC_1, value: 1e3}
    """
    station = parse(text).stations[0]
    assert station.common_address == 47
    assert [p.io_address for p in station.points] == [100, 9, 16]
    assert station.points[2].value == 1000.0


def test_error_fields(tmp_path) -> None:
    path = tmp_path / "bay.yaml"
    path.write_text(second_point("io_address: 2", "type: M_XX_NA_1"), encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    error = info.value
    assert isinstance(error, C104TestError)
    assert (error.file, error.line, error.field) == (str(path), 7, "stations[0].points[1].type")
    assert error.message == "'M_XX_NA_1' is not a type; expected e.g. M_SP_NA_1"
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


def test_missing_file(tmp_path) -> None:
    path = tmp_path / "missing.yaml"
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert str(info.value) == f"{path}: cannot read the profile: No such file or directory"
    assert info.value.line == 0


# ---- the same rules in Python ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (
            lambda: PointProfile(1, Type.M_SP_NA_1, 5),
            "point 1: value: expected true or false for M_SP_NA_1, got 5",
        ),
        (
            lambda: PointProfile(1, Type.M_SP_TA_1),
            "point 1: type: M_SP_TA_1 has a CP24Time2a time tag, which IEC 104 does not use; use M_SP_TB_1",
        ),
        (
            lambda: PointProfile(1, Type.M_SP_NA_1, groups=frozenset({0})),
            "point 1: groups: interrogation group: 0 is outside 1..16",
        ),
        (
            lambda: PointProfile(1, Type.M_SP_NA_1, command_mode=CommandMode.SELECT_AND_EXECUTE),
            "point 1: command_mode: command_mode is only for commands (types 45-64)",
        ),
        (
            lambda: StationProfile(
                1, (PointProfile(1, Type.M_SP_NA_1), PointProfile(1, Type.M_DP_NA_1))
            ),
            "station 1: points[1].io_address: 1 is already used by points[0]",
        ),
        (
            lambda: StationProfile(1, (PointProfile(2, Type.C_SC_NA_1, return_io_address=1),)),
            "station 1: points[0].return_io_address: no point with io_address 1 in this station",
        ),
        (
            lambda: Profile((StationProfile(1), StationProfile(1))),
            "stations[1].common_address: 1 is already used",
        ),
        (lambda: Profile(()), "stations: a profile needs at least one station"),
        (lambda: Pixit(max_asdu_length=20), "pixit.max_asdu_length: 20 is outside 21..249"),
    ],
)
def test_dataclasses_validate(build, expected: str) -> None:
    with pytest.raises(ValueError) as info:
        build()
    assert str(info.value) == expected


def test_dataclasses_normalise() -> None:
    point = PointProfile(7, 31, "on", quality=Quality.Invalid, groups=[1, 2])  # type: ignore[arg-type]
    assert point.type is Type.M_DP_TB_1 and point.value is Double.ON and point.groups == {1, 2}
    assert PointProfile(8, Type.C_RC_NA_1).value is Step.LOWER
    station = StationProfile(5, [point])  # type: ignore[arg-type]
    assert station.points == (point,) and station.point(7) is point and station.point(8) is None
    assert hash(station) == hash(StationProfile(5, (point,)))


def test_a_file_that_is_not_yaml_is_quoted_by_its_first_line_only():
    """A CSV (or an HTML page) read as a profile is one long YAML scalar: the error quotes at most
    ~80 characters of it and says where, never the whole file on one line."""
    text = "io_address,type,value\n" + "100,M_SP_NA_1,true\n" * 300
    with pytest.raises(ProfileError) as caught:
        parse_profile(text, "signals.csv")
    message = str(caught.value)
    assert len(message) < 300, message
    assert message.startswith("signals.csv:1: expected a mapping of profile settings (key: value), got 'io_address,type,value")
    assert "at column 1" in message and "docs/profile.md" in message
    long_value = "stations:\n  - common_address: " + "9" * 400 + "\n"
    with pytest.raises(ProfileError) as caught:
        parse_profile(long_value, "rtu.yaml")
    assert len(str(caught.value)) < 250 and str(caught.value).startswith("rtu.yaml:2: stations[0].common_address: 9999")
