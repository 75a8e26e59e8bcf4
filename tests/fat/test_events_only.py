"""Points the RTU reports only as events, never in an interrogation (the standard lets a device
leave points out of it; protection events M_EP_* are never in it). They failed as "not in the
station interrogation" against a conformant device. The list now says ``interrogation: no``, and
such a point is judged by an event of it: its command's return report, or a report that arrives
in the run (within its row's ``timeout``); with none it is ``skipped`` with the reason, never a
silent pass.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
import trio

from c104test.engine.profile import Pixit, PointProfile, Profile
from c104test.engine.simulator import open_simulator
from c104test.fat import FatOptions, run_fat
from c104test.fat.signals import SignalListError, parse_csv_text
from c104test.fat.simulated import profile_from_signals
from c104test.protocol.enums import Type
from c104test.protocol.link import LinkParameters
from c104test.protocol.station import parse_fault
from c104test.rules.quality import to_quality

LIST = ("name,ca,ioa,type,expected_value,groups,interrogation,command_io_address,command_type,command_value,timeout\n"
        "Trip Q0,47,100,M_SP_TB_1,ON,,Spontaneous,600,C_SC_NA_1,ON,1\n"
        "Distance protection start,47,110,M_EP_TD_1,,,,,,,\n"
        "Fan alarm,47,120,M_SP_TB_1,,,no,,,,1.5\n"
        "Breaker Q1,47,130,M_SP_NA_1,OFF,1,,,,,\n")
SIGNALS = parse_csv_text(LIST, file="events.csv")


def _point(profile: Profile, ioa: int, **fields: object) -> Profile:
    station = profile.stations[0]
    points = tuple(dataclasses.replace(p, **fields) if p.io_address == ioa else p for p in station.points)
    return dataclasses.replace(profile, stations=(dataclasses.replace(station, points=points),))


def conformant() -> Profile:
    """The list's RTU: 100, 110 and 120 in no interrogation; the fan alarm changes by itself."""
    profile = dataclasses.replace(profile_from_signals(SIGNALS), link=LinkParameters(t1=2, t2=0.3))
    return _point(profile, 120, change_every=0.2)


def _run(device: Profile, fault: str | None = None) -> dict[int, tuple[str, str]]:
    async def main() -> dict[int, tuple[str, str]]:
        async with open_simulator(device, faults=(parse_fault(fault),) if fault else None, simulate_changes=True) as sim:
            assert sim.port is not None
            results = await run_fat("127.0.0.1", sim.port, SIGNALS, options=FatOptions(timeout=1))
        return {p.row: (p.verdict, p.reason) for p in results.points}

    return trio.run(main)


def test_the_list_says_which_points_are_reported_only_as_events() -> None:
    assert [(r.row, r.interrogation) for r in SIGNALS.rows] == [(2, False), (3, False), (4, False), (5, True)]


def test_against_a_conformant_device_each_is_judged_by_its_event_or_not_checked() -> None:
    verdicts = _run(conformant())
    assert verdicts[2] == ("pass", "reported only as events (interrogation: no), not in the station interrogation: "
                                   "checked by its command's return report; expected_value ON not checked: no report "
                                   "of IOA 100 came before its command")
    assert verdicts[3][0] == "skipped" and verdicts[3][1].startswith(
        "not checked: a protection event (M_EP_TD_1), reported only as events, in no interrogation, no report of "
        "IOA 110 arrived during the run")
    assert verdicts[4] == ("pass", "reported only as events (interrogation: no), not in the station interrogation: "
                                   "checked by its report with COT 3")
    assert verdicts[5] == ("pass", "")


def _quiet_alarm(profile: Profile) -> Profile:
    return _point(profile, 120, change_every=None)


@pytest.mark.parametrize(
    ("device", "fault", "row", "verdict", "reason"),
    [
        (conformant, "no_return_information type=C_SC_NA_1", 2, "fail",
         "C_SC_NA_1 ON to IOA 600: no fresh report of IOA 100 showing ON within 1 s after the command"),
        (lambda: dataclasses.replace(conformant(), pixit=Pixit(time_tagged_spontaneous=False)), None, 4, "fail",
         "type M_SP_NA_1, listed M_SP_TB_1 (a report of a point reported only as events carries the listed type)"),
        (lambda: _point(conformant(), 120, quality=to_quality({"IV"})), None, 4, "fail", "quality IV, expected good"),
        # the point never reports: not a pass
        (lambda: _quiet_alarm(conformant()), None, 4, "skipped",
         "not checked: reported only as events (interrogation: no), not in the station interrogation, no report of "
         "IOA 120 arrived during the run (waited 1.5 s); trigger an event (a command in its row, a timeout to wait "
         "for one, or on site) to check it"),
    ],
    ids=["no-return-information", "event-without-time-tag", "event-quality", "never-reported"],
)
def test_each_fails_or_is_not_checked_against_a_device_with_exactly_its_fault(
        device: Callable[[], Profile], fault: str | None, row: int, verdict: str, reason: str) -> None:
    verdicts = _run(device(), fault)
    wrong = {r: v for r, v in verdicts.items() if v[0] != "pass" and r != 3}
    if verdict == "fail" and row == 4 and reason.startswith("type"):
        wrong.pop(2, None)  # that device reports the trip's return information without time tag too
    assert wrong == {row: (verdict, reason)}


def test_a_point_the_device_does_put_in_the_interrogation_is_checked_there() -> None:
    device = _point(conformant(), 120, interrogation=True, change_every=None, value=True)
    verdicts = _run(device)
    assert verdicts[4] == ("pass", "")
    verdicts = _run(_point(device, 120, quality=to_quality({"NT"})))
    assert verdicts[4] == ("fail", "quality NT, expected good")


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ("M_SP_NA_1,,maybe", "'interrogation'", "'maybe' is not yes or no"),
        # a 'GI' column that holds group numbers
        ("M_SP_NA_1,,2", "'interrogation'", "'2' is not yes or no: 'no' (or spontaneous, events only) says the RTU "
         "reports the point only as events; empty or yes: in the station interrogation; interrogation groups (1..16) "
         "go in the groups column"),
        ("M_SP_NA_1,1,no", "'groups'", "groups '1' with interrogation 'no': a point reported only as events is in "
         "no interrogation group"),
        ("M_EP_TD_1,,yes", "'interrogation'", "M_EP_TD_1 is in no interrogation"),
        ("M_EP_TD_1,2,", "'groups'", "groups '2' of a M_EP_TD_1 point"),
    ],
    ids=["not-a-word", "a-group-number", "groups-and-no", "protection-event-in-gi", "protection-event-in-a-group"],
)
def test_a_contradiction_is_refused_naming_row_and_column(cells: str, column: str, message: str) -> None:
    with pytest.raises(SignalListError) as info:
        parse_csv_text(f"name,ca,ioa,type,groups,GI\nA,47,100,{cells}\n", file="l.csv")
    assert str(info.value).startswith(f"l.csv, row 2, column {column.replace('interrogation', 'GI')}: "), str(info.value)
    assert message in str(info.value)


def test_a_profile_point_in_no_interrogation() -> None:
    point = PointProfile(120, Type.M_SP_NA_1, interrogation=False)
    assert not point.answers_interrogation
    with pytest.raises(ValueError, match="interrogation: a command is in no interrogation anyway"):
        PointProfile(600, Type.C_SC_NA_1, interrogation=False)


def test_its_expected_value_is_judged_by_a_report_before_its_command() -> None:
    """The command moves the point: its expected value was silently unused (a device whose point
    showed 5, listed 0.1, passed because the command set it to 0.1)."""
    signals = parse_csv_text("name,ca,ioa,type,expected_value,interrogation,command_io_address,command_type,command_value,"
                             "timeout\nQuiet,47,200,M_SP_NA_1,,no,,,,0.3\n"  # waits 0.3 s for an event that never comes
                             "Limit,47,100,M_ME_NC_1,0.1,no,900,C_SE_NC_1,0.1,\n", file="limit.csv")
    device = dataclasses.replace(profile_from_signals(signals), link=LinkParameters(t1=2, t2=0.3))
    device = _point(device, 100, cycle=0.1)  # reports periodically: a report comes before the command

    async def main(profile: Profile) -> tuple[str, str]:
        async with open_simulator(profile) as sim:
            assert sim.port is not None
            results = await run_fat("127.0.0.1", sim.port, signals, options=FatOptions(timeout=1))
        assert results.points[0].verdict == "skipped"
        return results.points[1].verdict, results.points[1].reason

    assert trio.run(main, device) == ("pass", "reported only as events (interrogation: no), not in the station "
                                              "interrogation: checked by its command's return report")
    assert trio.run(main, _point(device, 100, value=5.0)) == (
        "fail", "value 5 (its report with COT 1, before its command), expected 0.1")


def test_the_console_names_the_rows_not_checked_beside_a_passed_verdict(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A profile point with interrogation: false, and the CLI: PASSED, and the row it could not
    judge named under it (it was one 'skipped' in the counts)."""
    from c104test.cli import main

    (tmp_path / "rtu.yaml").write_text("stations:\n  - common_address: 47\n    points:\n"
                                       "      - {io_address: 100, type: M_SP_NA_1, value: true}\n"
                                       "      - {io_address: 120, type: M_SP_TB_1, interrogation: false}\n")
    (tmp_path / "l.csv").write_text("name,ca,ioa,type,expected_value,GI\nQ0,47,100,M_SP_NA_1,ON,\n"
                                    "Fan alarm,47,120,M_SP_TB_1,,no\n")
    code = main(["fat", "--simulate", str(tmp_path / "rtu.yaml"), "--points", str(tmp_path / "l.csv"),
                 "--output", str(tmp_path / "out"), "--timeout", "1"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "PASSED: 1 pass, 0 fail, 0 error, 1 skipped" in out
    assert ("c104test fat: 1 row not checked:\nrow 3 (Fan alarm, CA 47 IOA 120): not checked: reported only as events "
            "(interrogation: no), not in the station interrogation, no report of IOA 120 arrived during the run") in out
