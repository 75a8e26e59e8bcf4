"""A simulated RTU made from a signal list (``profile_from_signals``, ``c104test simulate
--signals``): the FAT of the list passes against it, and a list it cannot serve names the row."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from c104test.fat import SignalListError, run_fat_simulated
from c104test.fat.signals import parse_csv_text
from c104test.fat.simulated import profile_from_signals
from c104test.protocol.enums import BinaryCounterQuality, CommandMode, Quality, Type

from .lists import HEADER, RIGHT

pytestmark = pytest.mark.timeout(60)


def _site_list() -> str:
    """The demo list moved to CA 7 and IOAs 1000 up (so not the demo RTU), IOA 1303 with NT."""
    lines = []
    for line in RIGHT:
        cells = line.split(",")
        cells[1] = "7"
        cells[2] = str(int(cells[2]) + 1000)
        if cells[7]:
            cells[7] = str(int(cells[7]) + 1000)
        if cells[2] == "1303":
            cells[5] = "NT"
        cells[13] = "2" if cells[13] else ""  # command timeouts: the simulator answers at once
        lines.append(",".join(cells))
    return "\n".join([HEADER, *lines]) + "\n"


def test_the_fat_of_a_list_passes_against_the_simulator_made_from_it() -> None:
    signals = parse_csv_text(_site_list(), file="site.csv")
    profile = profile_from_signals(signals)
    station = profile.station(7)
    assert station is not None and profile.station(47) is None
    points = {p.io_address: p for p in station.points}
    assert points[1301].value == 230.0 and points[1303].quality == Quality.NonTopical  # 225..235; NT
    assert points[1501].command_mode is CommandMode.SELECT_AND_EXECUTE and points[1501].return_io_address == 1101
    assert points[1400].type is Type.M_IT_NA_1 and not points[1400].groups  # counters: counter interrogation
    results = trio.run(lambda: run_fat_simulated(signals, profile))
    assert [(item.row, item.verdict) for item in results.points] == [(row, "pass") for row in range(2, 14)], [
        (item.row, item.verdict, item.reason) for item in results.points if item.verdict != "pass"]


def test_a_list_the_simulator_cannot_serve_names_the_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from c104test.cli import main

    text = HEADER + "\n" + RIGHT[0] + "\n" + "Other,47,500,M_SP_NA_1,ON,,,,,,,,,,,\n"  # IOA 500 is row 2's command
    with pytest.raises(SignalListError, match="row 3: IOA 500 of CA 47 is M_SP_NA_1 here and C_SC_NA_1 in row 2"):
        profile_from_signals(parse_csv_text(text, file="clash.csv"))
    twice = HEADER + "\n" + RIGHT[0] + "\n" + "Other,47,101,M_SP_TB_1,OFF,,1,500,C_SC_NA_1,ON,,,,3,,\n"
    with pytest.raises(SignalListError, match="row 3: command IOA 500 of CA 47 is direct with return information on "
                                              "IOA 101 here and direct with return information on IOA 100 in row 2"):
        profile_from_signals(parse_csv_text(twice, file="twice.csv"))
    path = tmp_path / "clash.csv"
    path.write_text(text, encoding="utf-8")
    assert main(["simulate", "--port", "0", "--signals", str(path)]) == 2
    assert "--signals:" in capsys.readouterr().err


def test_a_counter_listed_with_carry_is_simulated_with_it_and_its_fat_passes() -> None:
    """A counter's CY and CA (its BCR's flags) come from the one quality table; the FAT of the list
    then passes against the simulator, so the flags reached the wire. A flag the type does not carry
    names the row."""
    text = "\n".join([
        HEADER,
        "Energy import,7,400,M_IT_NA_1,12345,CY,,,,,,,,,,",
        "Energy export,7,401,M_IT_TB_1,678,IV and CA,,,,,,,,,,",
        "Breaker,7,100,M_SP_NA_1,ON,,1,,,,,,,,,",
    ]) + "\n"
    signals = parse_csv_text(text, file="carry.csv")
    profile = profile_from_signals(signals)
    station = profile.station(7)
    assert station is not None
    points = {p.io_address: p for p in station.points}
    assert points[400].quality == BinaryCounterQuality.Carry
    assert points[401].quality == BinaryCounterQuality.Invalid | BinaryCounterQuality.Adjusted
    results = trio.run(lambda: run_fat_simulated(signals, profile))
    assert [(item.row, item.verdict) for item in results.points] == [(2, "pass"), (3, "pass"), (4, "pass")], [
        (item.row, item.verdict, item.reason) for item in results.points]
    wrong = HEADER + "\n" + "Power,7,300,M_ME_NC_1,1.5,CY,1,,,,,,,,,\n"
    # refused when the list is read (no device can report it), before any simulator is made
    with pytest.raises(SignalListError, match="row 2, column 'expected_quality': CY is not a quality flag"):
        profile_from_signals(parse_csv_text(wrong, file="wrong.csv"))
