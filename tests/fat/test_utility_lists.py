"""Lists as utilities write them, against a conformant simulated RTU and one with exactly the fault:
each verdict found wrong by probing, fixed at the root."""

from __future__ import annotations

import dataclasses
import re

import pytest
import trio

from c104test.engine.profile import Profile
from c104test.engine.simulator import open_simulator
from c104test.fat import FatOptions, run_fat
from c104test.fat.signals import SignalList, SignalListError, parse_csv_text
from c104test.fat.simulated import profile_from_signals
from c104test.protocol.link import LinkParameters
from c104test.protocol.station import parse_fault


def _fat(signals: SignalList, device: Profile, fault: str | None = None) -> tuple[dict[int, tuple[str, str]], list[bool]]:
    """The verdicts per row, and the S/E bit of each process command the device received."""

    async def main() -> tuple[dict[int, tuple[str, str]], list[bool]]:
        async with open_simulator(device, faults=(parse_fault(fault),) if fault else None) as sim:
            assert sim.port is not None
            results = await run_fat("127.0.0.1", sim.port, signals, options=FatOptions(timeout=1))
            selects = [c.asdu.objects[0].sco.se for c in sim.received_commands if c.asdu.type.name == "C_SC_NA_1"]
        return {p.row: (p.verdict, p.reason) for p in results.points}, selects

    return trio.run(main)


# a setpoint whose feedback is a measured value reported every 0.2 s; the list commands the value
# the point already shows (a check that the command is taken, not that the value moves)
SETPOINT = parse_csv_text("name,ca,ioa,type,expected_value,command_io_address,command_type,command_value\n"
                          "Voltage target,47,305,M_ME_NC_1,10,515,C_SE_NC_1,10\n", file="setpoint.csv")


def _cyclic() -> Profile:
    profile = profile_from_signals(SETPOINT)
    station = profile.stations[0]
    points = tuple(dataclasses.replace(p, cycle=0.2) if p.io_address == 305 else p for p in station.points)
    return dataclasses.replace(profile, stations=(dataclasses.replace(station, points=points),),
                               link=LinkParameters(t1=2, t2=0.3))


def test_a_periodic_report_of_a_value_shown_before_the_command_is_no_return_information() -> None:
    """It passed against a device that sends no return information: the periodic report after the
    command showed the commanded value, which the point showed before it too."""
    assert _fat(SETPOINT, _cyclic())[0] == {2: ("pass", "")}
    verdicts, _ = _fat(SETPOINT, _cyclic(), "no_return_information type=C_SE_NC_1")
    assert verdicts == {2: ("fail", "C_SE_NC_1 10 to IOA 515: no fresh report of IOA 305 showing 10 within 1 s after "
                                    "the command; IOA 305 last showed 10; a report with cause 1 PERIODIC showed it, but "
                                    "IOA 305 showed it before the command too: that is no evidence the command was "
                                    "carried out")}


@pytest.mark.parametrize(("word", "verdict", "selects"), [("SBO", "pass", [True, False]), ("Direct", "fail", [False])])
def test_the_command_mode_as_engineering_tools_write_it(word: str, verdict: str, selects: list[bool]) -> None:
    """'SBO' and 'direct' in the select column (or a column named command_mode) were refused."""
    signals = parse_csv_text(f"name,ca,ioa,type,expected_value,command_io_address,command_type,command_value,Command Mode\n"
                             f"Q8,47,101,M_SP_TB_1,OFF,501,C_SC_NA_1,ON,{word}\n", file="mode.csv")
    device = profile_from_signals(parse_csv_text(
        "name,ca,ioa,type,expected_value,command_io_address,command_type,command_value,select\n"
        "Q8,47,101,M_SP_TB_1,OFF,501,C_SC_NA_1,ON,yes\n", file="device.csv"))  # the device selects before operate
    verdicts, sent = _fat(signals, device)
    assert verdicts[2][0] == verdict and sent == selects  # S/E=1 then S/E=0 on the wire; or the execute alone


def test_a_word_that_is_no_command_mode_is_refused() -> None:
    with pytest.raises(SignalListError, match=r"row 2, column 'select': 'maybe' is not yes \(select before operate, "
                                              r"SBO\) or no \(direct\)"):
        parse_csv_text("name,ca,ioa,type,command_io_address,command_type,command_value,select\n"
                       "Q8,47,101,M_SP_TB_1,501,C_SC_NA_1,ON,maybe\n", file="l.csv")


def test_restore_of_a_point_reported_only_as_events_is_refused() -> None:
    """It failed on a conformant device ('cannot restore: no value of IOA 100 was seen before the
    command'): a point in no interrogation has no value to command back."""
    with pytest.raises(SignalListError, match="row 2, column 'restore': restore with a point reported only as events"):
        parse_csv_text("name,ca,ioa,type,interrogation,command_io_address,command_type,command_value,restore\n"
                       "Trip,47,100,M_SP_TB_1,no,600,C_SC_NA_1,ON,yes\n", file="l.csv")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("225 - 235", "'225 - 235' is not a number; a range is written min..max, with two dots (225..235)"),
        ("225 to 235", "a range is written min..max, with two dots (225..235)"),
        ("49,9 - 50,1", "a range is written min..max, with two dots (49.9..50.1)"),
        ("225...235", "range '225...235' has three dots; a range is written min..max, with two"),
    ],
)
def test_a_range_written_otherwise_says_how_to_write_it(value: str, message: str) -> None:
    """'225...235' said 'runs backwards: 225 is above .235'; '225 - 235' only 'is not a number'."""
    with pytest.raises(SignalListError) as info:
        parse_csv_text(f"name;ca;ioa;type;expected_value\nU;47;1;M_ME_NC_1;{value}\n", file="l.csv")
    assert str(info.value).startswith("l.csv, row 2, column 'expected_value': ") and message in str(info.value)


def test_times_in_milliseconds_and_minutes() -> None:
    signals = parse_csv_text("name;ca;ioa;type;timeout\nA;47;1;M_SP_NA_1;500 ms\nB;47;2;M_SP_NA_1;2 min\n"
                             "C;47;3;M_SP_NA_1;2,5 s\n", file="l.csv")
    assert [r.timeout for r in signals.rows] == [0.5, 120.0, 2.5]


def test_a_workbook_cell_a_spreadsheet_turned_into_a_date_is_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import datetime

    import openpyxl

    from c104test.fat.signals import read_signal_list

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "signals "  # the sheet as a utility spells it: found all the same
    book.create_sheet("Revision")
    sheet.append(["Name", "CA", "IOA", "Type", "Expected Value"])
    sheet.append(["Load", 47, 1, "M_ME_NC_1", datetime.datetime(2026, 5, 1)])  # '1.5' typed in a German Excel
    book.save(tmp_path / "l.xlsx")
    with pytest.raises(SignalListError) as info:
        read_signal_list(tmp_path / "l.xlsx")
    assert str(info.value).startswith(f"{tmp_path / 'l.xlsx'}, sheet signals , row 2, column E 'Expected Value': ")
    assert "the cell holds a date: the spreadsheet read what was typed (1.5, 1/5) as one" in str(info.value)


COUNTERS = parse_csv_text("name,ca,ioa,type,expected_value,groups\nEnergy import,47,400,M_IT_NA_1,12345,2\n"
                          "Breaker,47,100,M_SP_NA_1,ON,1\n", file="counters.csv")


def test_a_counters_group_is_its_counter_interrogation_group() -> None:
    """It failed against a conformant device: 'missing from the interrogation of group 2' (the
    station's group 2, in which a counter never is)."""
    device = dataclasses.replace(profile_from_signals(COUNTERS), link=LinkParameters(t1=2, t2=0.3))
    assert device.stations[0].point(400).counter_group == 2
    assert _fat(COUNTERS, device)[0] == {2: ("pass", ""), 3: ("pass", "")}
    station = device.stations[0]
    other = tuple(dataclasses.replace(p, counter_group=1) if p.io_address == 400 else p for p in station.points)
    device = dataclasses.replace(device, stations=(dataclasses.replace(station, points=other),))
    # that device has no counter in group 2 and refuses its interrogation (PIXIT unknown_group: negative)
    assert _fat(COUNTERS, device)[0] == {
        2: ("fail", "the counter interrogation of group 2 was refused (COT 7 ACTIVATION_CON, P/N=1)"), 3: ("pass", "")}


def test_a_counter_group_above_4_is_refused() -> None:
    with pytest.raises(SignalListError, match=r"row 2, column 'groups': groups '5' of a counter: a counter's groups "
                                              r"are its counter interrogation groups 1\.\.4"):
        parse_csv_text("name,ca,ioa,type,groups\nE,47,400,M_IT_NA_1,5\n", file="l.csv")


def test_a_command_the_type_cannot_carry_is_refused_at_load() -> None:
    """A bitstring command with select ended the run with a ValueError from the encoder, after
    the interrogations: 'bitstring commands have no select-before-operate'."""
    with pytest.raises(SignalListError, match=r"row 2, column 'select': C_BO_NA_1: bitstring commands have no "
                                              r"select-before-operate"):
        parse_csv_text("name,ca,ioa,type,command_io_address,command_type,command_value,select\n"
                       "Word,47,320,M_BO_NA_1,600,C_BO_NA_1,0xA5,yes\n", file="l.csv")


def test_the_simulated_rtu_of_a_list_shows_a_transient_bit_and_a_sequence_number() -> None:
    """`c104test simulate --signals` made a point '5 transient' without its transient bit and a
    counter '12345 seq 3 CY' with sequence 0 and no carry: the FAT of its own list failed. And
    '12345 seq 3 CY' with an empty expected_quality failed every counter with CY ('quality CY,
    expected good'): the flags the value names are the counter's quality."""
    signals = parse_csv_text("name,ca,ioa,type,expected_value\nTap,47,310,M_ST_NA_1,5 transient\n"
                             "Energy,47,400,M_IT_NA_1,12345 seq 3 CY\n", file="marks.csv")
    device = profile_from_signals(signals)
    assert _fat(signals, device)[0] == {2: ("pass", ""), 3: ("pass", "")}
    station = device.stations[0]
    plain = tuple(dataclasses.replace(p, value=int(p.value.value if p.type.name == "M_ST_NA_1" else p.value.counter))
                  for p in station.points)
    verdicts, _ = _fat(signals, dataclasses.replace(device, stations=(dataclasses.replace(station, points=plain),)))
    assert verdicts == {2: ("fail", "value 5 not transient, expected 5 transient"),
                        3: ("fail", "value 12345 seq 0 CY, expected 12345 seq 3 CY")}



def test_restore_expects_the_value_the_point_had_not_its_rounded_text() -> None:
    """A short float 1000000.5 is shown as 1000000; restore expected the shown text back and
    failed against a device that restored 1000000.5 exactly."""
    signals = parse_csv_text("name,ca,ioa,type,expected_value,command_io_address,command_type,command_value,restore\n"
                             "Limit,47,130,M_ME_NC_1,1000000.5,903,C_SE_NC_1,-1e3,yes\n", file="restore.csv")
    device = profile_from_signals(signals)
    assert _fat(signals, device)[0] == {2: ("pass", "")}
    verdicts, _ = _fat(signals, device, "no_return_information type=C_SE_NC_1 nth=2")  # the way back is not reported
    assert verdicts[2][0] == "fail" and verdicts[2][1].startswith("restore: C_SE_NC_1 1000000 to IOA 903: no fresh report")


def test_a_point_the_simulator_cannot_make_is_named_by_its_row() -> None:
    """A single command with a double point's feedback (common on real RTUs; the simulator returns
    a command's state on a point of its own kind) ended `simulate --signals` with a traceback."""
    signals = parse_csv_text("name,ca,ioa,type,expected_value,command_io_address,command_type,command_value\n"
                             "Q1,47,200,M_DP_NA_1,ON,,,\nBreaker,47,100,M_DP_NA_1,ON,500,C_SC_NA_1,OFF\n", file="sc.csv")
    with pytest.raises(SignalListError) as info:
        profile_from_signals(signals)
    assert str(info.value) == ("sc.csv, row 3: the simulator cannot make command IOA 500 of CA 47: C_SC_NA_1 returns "
                               "its state on M_SP_NA_1 or M_SP_TB_1; point 100 is M_DP_NA_1")


@pytest.mark.parametrize(
    ("point", "quality", "message"),
    [
        ("M_SP_NA_1", "OV", "OV is not a quality flag of M_SP_NA_1; it carries IV, NT, SB, BL"),
        ("M_ME_ND_1", "IV", "M_ME_ND_1 carries no quality"),
        ("M_IT_NA_1", "NT", "NT is not a quality flag of M_IT_NA_1; it has IV, CA, CY"),
    ],
)
def test_a_quality_the_type_cannot_carry_is_refused(point: str, quality: str, message: str) -> None:
    """It was read, and the row failed against every device ('quality good, expected OV')."""
    with pytest.raises(SignalListError) as info:
        parse_csv_text(f"name,ca,ioa,type,expected_quality\nA,47,1,{point},{quality}\n", file="l.csv")
    assert str(info.value) == (f"l.csv, row 2, column 'expected_quality': {message}: no device can report it, so the "
                               "row could never pass")


def test_a_breaker_position_written_closed_or_open() -> None:
    """A double point's 'closed' was refused ('not a double point state') though a single point's
    was read: the demo RTU's Q1 (M_DP_NA_1) is closed (ON)."""
    signals = parse_csv_text("name;ca;ioa;type;expected_value\nQ1 closed;47;200;M_DP_NA_1;closed\n"
                             "Q1 open;47;201;M_DP_TB_1;Open\n", file="words.csv")
    from c104test.engine.profile import demo_profile

    assert _fat(signals, demo_profile())[0] == {2: ("pass", ""), 3: ("pass", "")}
    wrong = parse_csv_text("name;ca;ioa;type;expected_value\nQ1;47;200;M_DP_NA_1;open\n", file="words.csv")
    assert _fat(wrong, demo_profile())[0] == {2: ("fail", "value ON, expected OFF")}


def test_a_state_no_command_sets_is_not_restored_and_does_not_fail_the_row() -> None:
    """Q1 intermediate before the command: restore commanded DCS 0 (not permitted), the RTU
    refused it as it must, and the row failed ('restore: ... negative confirmation')."""
    signals = parse_csv_text("name,ca,ioa,type,expected_value,command_io_address,command_type,command_value,restore\n"
                             "Q1,47,200,M_DP_NA_1,INTERMEDIATE,900,C_DC_NA_1,ON,yes\n", file="mid.csv")
    device = dataclasses.replace(profile_from_signals(signals), link=LinkParameters(t1=2, t2=0.3))
    verdicts, _ = _fat(signals, device)
    assert verdicts == {2: ("pass", "not restored: IOA 200 was INTERMEDIATE before the command, a state no command sets")}
    verdicts, _ = _fat(signals, device, "negative_confirmation type=C_DC_NA_1")  # the command itself still counts
    assert verdicts[2] == ("fail", "C_DC_NA_1 ON to IOA 900: negative confirmation (COT 7 ACTIVATION_CON, P/N=1)")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name;ca;ioa;type\n# to be filled in\n\n",
         "l.csv: no point rows below the header (row 1): a run would check nothing and pass"),
        ("name;ca;ioa;type;skip\nA;47;100;M_SP_NA_1;yes\nB;47;101;M_SP_NA_1;x\n",
         "l.csv: every row (2) has skip set: a run would check nothing and pass"),
    ],
    ids=["no-rows", "every-row-skipped"],
)
def test_a_list_that_checks_nothing_is_refused(text: str, message: str, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """`c104test fat` PASSED such a list with exit status 0, having checked nothing."""
    from c104test.cli import main

    (tmp_path / "l.csv").write_text(text)
    with pytest.raises(SignalListError, match=re.escape(message.split(": ", 1)[1])):
        parse_csv_text(text, file="l.csv")
    code = main(["fat", "--simulate", "--points", str(tmp_path / "l.csv"), "--output", str(tmp_path / "out")])
    assert code == 2 and f"c104test fat: {tmp_path / message}" in capsys.readouterr().err


def test_a_point_between_thousands_in_a_semicolon_list() -> None:
    """In a list where the comma is the decimal sign, '12.345' was read as twelve: a German list's
    twelve thousand would then fail a conformant RTU showing 12345. Refused as ambiguous; with
    both signs ('1.234,5') it is read as the spreadsheet meant it."""
    with pytest.raises(SignalListError) as info:
        parse_csv_text("name;ca;ioa;type;expected_value\nP;47;1;M_ME_NC_1;12.345\n", file="l.csv")
    assert str(info.value) == ("l.csv, row 2, column 'expected_value': '12.345': in a list separated by semicolons the "
                               "comma is the decimal sign, so the point in 12.345 may separate thousands; write 12345 "
                               "(or 12,345 for a decimal)")
    signals = parse_csv_text("name;ca;ioa;type;expected_value\nP;47;300;M_ME_NB_1;1.234,0\n"
                             "U;47;301;M_ME_NC_1;225..235\n", file="l.csv")
    from c104test.engine.profile import demo_profile

    assert _fat(signals, demo_profile())[0] == {2: ("pass", ""), 3: ("pass", "")}  # the demo's 1234 and 230.5
