"""A command whose RTU sends no return information: the list says ``return_io_address: none``
and the row is judged by what the standard requires of the command, its positive ACT_CON (and
its ACT_TERM only when the PIXIT says the RTU sends one). It always failed before: the list
could not say "no return", so a fresh report of the row's own IOA was awaited and never came.

Against a device as c104's RTU (lib60870) is: no return information and no ACT_TERM.
"""

from __future__ import annotations

import dataclasses

import pytest
import trio

from c104test.engine.simulator import open_simulator
from c104test.fat import FatOptions, run_fat
from c104test.fat.signals import SignalListError, parse_csv_text
from c104test.fat.simulated import profile_from_signals
from c104test.protocol.enums import Type
from c104test.protocol.link import LinkParameters
from c104test.protocol.station import parse_fault

# a European list: semicolons, a decimal comma, the usual spellings of 'none'
LIST = ("name;ca;ioa;type;expected_value;command_io_address;command_type;command_value;return_io_address\n"
        "Reset LED (breaker row);47;100;M_SP_NA_1;ON;600;C_SC_NA_1;ON;none\n"
        "Power limit;47;301;M_ME_NC_1;225..235;610;C_SE_NC_1;12,5;-\n"
        "Alarm ack;47;102;M_SP_NA_1;OFF;620;C_SC_NA_1;ON;N/A\n")
SIGNALS = parse_csv_text(LIST, file="no-return.csv")


def _device(act_term: bool) -> object:
    """The list's RTU with commands that report nothing back (lib60870's RTU sends no ACT_TERM)."""
    profile = profile_from_signals(SIGNALS)
    assert all(p.return_io_address is None for s in profile.stations for p in s.points if p.is_command)
    return dataclasses.replace(profile, pixit=dataclasses.replace(profile.pixit, act_term=act_term),
                               link=LinkParameters(t1=2, t2=0.3))  # acknowledges a request it does not answer soon


def _run(fault: str | None, act_term: str = "optional", device_act_term: bool = False) -> tuple[dict[int, tuple[str, str]], list[int]]:
    async def main() -> tuple[dict[int, tuple[str, str]], list[int]]:
        faults = (parse_fault(fault),) if fault else None
        async with open_simulator(_device(device_act_term), faults=faults) as sim:
            assert sim.port is not None
            results = await run_fat("127.0.0.1", sim.port, SIGNALS, options=FatOptions(timeout=0.5, act_term=act_term))
            sent = [c.asdu.objects[0].io_address for c in sim.received_commands if int(c.asdu.type) in (45, 50)]
        return {p.row: (p.verdict, p.reason) for p in results.points}, sent

    return trio.run(main)


def test_the_list_says_none_in_its_usual_spellings() -> None:
    assert [(r.has_command, r.has_return, r.return_io_address, r.return_value) for r in SIGNALS.rows] == [
        (True, False, None, None)] * 3


def test_a_command_without_return_information_passes_on_its_confirmation() -> None:
    verdicts, sent = _run(None)
    assert {row: v for row, (v, _) in verdicts.items()} == {2: "pass", 3: "pass", 4: "pass"}
    assert sent == [600, 610, 620]  # each command went out on the wire, once (no restore, no wait)
    assert "no return information checked" in verdicts[2][1]  # the signed report says what was not checked


@pytest.mark.parametrize(
    ("fault", "row", "reason"),
    [
        ("negative_confirmation type=C_SC_NA_1 nth=1", 2,
         "C_SC_NA_1 ON to IOA 600: negative confirmation (COT 7 ACTIVATION_CON, P/N=1)"),
        ("silence type=C_SE_NC_1", 3, "C_SE_NC_1 12.5 to IOA 610: no ACT_CON for C_SE_NC_1 IOA 610 CA 47 within 0.5 s"),
    ],
    ids=["negative-act-con", "no-act-con"],
)
def test_it_fails_against_a_device_that_does_not_confirm(fault: str, row: int, reason: str) -> None:
    verdicts, _ = _run(fault)
    assert {r: v for r, v in verdicts.items() if v[0] != "pass"} == {row: ("fail", reason)}


def test_act_term_is_judged_only_when_the_pixit_says_the_device_sends_it() -> None:
    verdicts, _ = _run(None, act_term="required")  # the PIXIT claims ACT_TERM; the device sends none
    assert {v for v, _ in verdicts.values()} == {"fail"}
    assert verdicts[2][1] == "C_SC_NA_1 ON to IOA 600: no ACT_TERM for C_SC_NA_1 IOA 600 CA 47 within 0.5 s"
    verdicts, _ = _run(None, act_term="required", device_act_term=True)
    assert {v for v, _ in verdicts.values()} == {"pass"}


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ("600,C_SC_NA_1,ON,none,ON,", "'return_value'", "return_value 'ON' with return_io_address 'none' (no return "
         "information): there is no return report to show it"),
        ("600,C_SC_NA_1,ON,-,,yes", "'restore'", "restore 'yes' with return_io_address '-' (no return information)"),
        (",,,none,,", "'return_io_address'", "in a row without a command: fill in command_io_address"),
        ("600,C_SC_NA_1,ON,0,,", "'return_io_address'", "a command without return information has 'none' here"),
    ],
    ids=["return-value", "restore", "no-command", "zero"],
)
def test_a_contradiction_is_refused_naming_row_and_column(cells: str, column: str, message: str) -> None:
    header = "name,ca,ioa,type,command_io_address,command_type,command_value,return_io_address,return_value,restore"
    with pytest.raises(SignalListError) as info:
        parse_csv_text(f"{header}\nQ0,47,100,M_SP_NA_1,{cells}\n", file="l.csv")
    assert str(info.value).startswith(f"l.csv, row 2, column {column}: "), str(info.value)
    assert message in str(info.value)


def test_the_simulated_rtu_of_a_list_keeps_none_apart_from_an_ioa() -> None:
    signals = parse_csv_text("name,ca,ioa,type,command_io_address,command_type,command_value,return_io_address\n"
                             "A,47,100,M_SP_NA_1,600,C_SC_NA_1,ON,none\nB,47,101,M_SP_NA_1,600,C_SC_NA_1,ON,\n",
                             file="two.csv")
    with pytest.raises(SignalListError, match="row 3: command IOA 600 of CA 47 is direct with return information on "
                                              "IOA 101 here and direct without return information in row 2"):
        profile_from_signals(signals)
    assert Type.C_SC_NA_1 is signals.rows[0].command_type


# a command that drives no listed point has a row of its own: its type the command's, its IOA the
# command's (it was refused: 'a command is checked in the row of the point it drives', which it has not)
OWN_ROWS = parse_csv_text("name;ca;ioa;type;command_value;return_io_address;select;expected_value\n"
                          "Reset alarms;47;700;C_SC_NA_1;ON;;;\n"
                          "Power setpoint;47;710;C_SE_NC_1;12,5;none;SBO;\n"
                          "Breaker close;47;720;C_DC_NA_1;ON;100;;\n"
                          "Breaker;47;100;M_DP_NA_1;;;;OFF\n", file="commands.csv")


def _own_rows(fault: str | None) -> dict[int, tuple[str, str]]:
    device = dataclasses.replace(profile_from_signals(OWN_ROWS), link=LinkParameters(t1=2, t2=0.3),
                                 pixit=dataclasses.replace(profile_from_signals(OWN_ROWS).pixit, act_term=False))

    async def main() -> dict[int, tuple[str, str]]:
        async with open_simulator(device, faults=(parse_fault(fault),) if fault else None) as sim:
            assert sim.port is not None
            results = await run_fat("127.0.0.1", sim.port, OWN_ROWS, options=FatOptions(timeout=0.5))
            assert {c.asdu.objects[0].io_address for c in sim.received_commands if int(c.asdu.type) < 100} >= {700, 710, 720}
        return {p.row: (p.verdict, p.reason) for p in results.points}

    return trio.run(main)


def test_a_command_row_of_its_own_against_a_conformant_and_a_faulty_device() -> None:
    confirmed = ("command confirmed; no return information checked (the list names none); ACT_TERM not required "
                 "(PIXIT)")
    assert _own_rows(None) == {2: ("pass", confirmed), 3: ("pass", confirmed), 4: ("pass", ""), 5: ("pass", "")}
    assert _own_rows("negative_confirmation type=C_SC_NA_1")[2] == (
        "fail", "C_SC_NA_1 ON to IOA 700: negative confirmation (COT 7 ACTIVATION_CON, P/N=1)")
    assert _own_rows("no_return_information type=C_DC_NA_1")[4] == (
        "fail", "C_DC_NA_1 ON to IOA 720: no fresh report of IOA 100 showing ON within 0.5 s after the command; "
                "IOA 100 last showed OFF")


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ("C_SC_NA_1,ON,,", "'expected_value'", "expected_value 'ON' in the row of a command (C_SC_NA_1): a command is "
         "in no interrogation and shows no value of its own; the value to send goes in command_value"),
        ("C_SC_NA_1,,,", "'command_value'", "empty command_value: the row of a command (C_SC_NA_1) needs the value to send"),
        ("C_SC_NA_1,,ON,C_DC_NA_1", "'command_type'", "command_type 'C_DC_NA_1' in the row of command C_SC_NA_1 at "
         "IOA 700: the row's type and io_address are the command's"),
    ],
    ids=["expected-value", "no-command-value", "another-command-type"],
)
def test_a_command_row_that_contradicts_itself_is_refused(cells: str, column: str, message: str) -> None:
    with pytest.raises(SignalListError) as info:
        parse_csv_text(f"name,ca,ioa,type,expected_value,command_value,command_type\nReset,47,700,{cells}\n", file="l.csv")
    assert str(info.value).startswith(f"l.csv, row 2, column {column}: ") and message in str(info.value), str(info.value)


def test_the_pics_says_whether_act_term_is_judged(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """`c104test fat --pics FILE`: ACT_TERM is required only when the PICS claims it; a device
    that claims none passes without it (lib60870 sends none)."""
    from c104test.cli import main

    (tmp_path / "rtu.yaml").write_text("pixit: {act_term: false}\nstations:\n  - common_address: 47\n    points:\n"
                                       "      - {io_address: 100, type: M_SP_NA_1, value: true}\n"
                                       "      - {io_address: 500, type: C_SC_NA_1, return_io_address: 100}\n")
    (tmp_path / "l.csv").write_text("name,ca,ioa,type,expected_value,command_io_address,command_type,command_value\n"
                                    "Q0,47,100,M_SP_NA_1,ON,500,C_SC_NA_1,ON\n")
    (tmp_path / "claims.yaml").write_text("rtu: {common_addresses: [47]}\ncommands: {act_term: true}\n")
    (tmp_path / "none.yaml").write_text("rtu: {common_addresses: [47]}\n")

    def fat(*more: str) -> tuple[int, str]:
        code = main(["fat", "--simulate", str(tmp_path / "rtu.yaml"), "--points", str(tmp_path / "l.csv"),
                     "--timeout", "0.5", "--overwrite", "--output", str(tmp_path / "out"), *more])
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    assert fat("--pics", str(tmp_path / "none.yaml"))[0] == 0
    code, out = fat("--pics", str(tmp_path / "claims.yaml"))
    assert code == 1 and "C_SC_NA_1 ON to IOA 500: no ACT_TERM for C_SC_NA_1 IOA 500 CA 47 within 0.5 s" in out, out
    code, out = fat("--pics", str(tmp_path / "claims.yaml"), "--act-term", "never")
    assert code == 2 and "--pics gives the RTU's ACT_TERM and link parameters: give --pics, or --act-term and --link" in out


def test_a_second_command_of_a_point_is_told_to_take_a_row_of_its_own() -> None:
    """Open and close of one breaker as two rows of its point: refused as a duplicate IOA, and now
    told how to write it, which then passes against the demo RTU (502 returns on 200)."""
    with pytest.raises(SignalListError, match="row 3, column 'ioa': duplicate IOA 200 of CA 47: row 2 lists it already; "
                                              "a second command of the point gets a row of its own: its type and "
                                              "io_address the command's, its return_io_address 200"):
        parse_csv_text("name,ca,ioa,type,command_io_address,command_type,command_value\n"
                       "Q1 close,47,200,M_DP_NA_1,502,C_DC_NA_1,ON\nQ1 open,47,200,M_DP_NA_1,502,C_DC_NA_1,OFF\n",
                       file="l.csv")
    from c104test.engine.profile import demo_profile
    from c104test.fat import run_fat_simulated

    signals = parse_csv_text("name,ca,ioa,type,command_io_address,command_type,command_value,return_io_address\n"
                             "Q1 open,47,200,M_DP_NA_1,502,C_DC_NA_1,OFF,\nQ1 close,47,502,C_DC_NA_1,,,ON,200\n",
                             file="l.csv")
    results = trio.run(lambda: run_fat_simulated(signals, demo_profile(), options=FatOptions(timeout=1)))
    assert [(p.row, p.verdict, p.reason) for p in results.points] == [(2, "pass", ""), (3, "pass", "")]
