"""Signal lists as utilities and integrators write them: each reads as meant, or is refused naming
sheet, row and column and what is wrong. None is read with a guess."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from c104test.cli import main
from c104test.fat.signals import SignalList, SignalListError, parse_csv_text, read_signal_list
from c104test.protocol.enums import Double, Type


def _refused(text: str, **options: str) -> list[str]:
    with pytest.raises(SignalListError) as info:
        parse_csv_text(text, file="l.csv", **options)  # type: ignore[arg-type]
    return [str(p) for p in info.value.problems]


def _german_workbook(path: Path, voltage: str = "230,5 kV") -> Path:
    """A German utility's list: a title block, headers with line breaks and units, IOAs written as
    three octets and the CA as two, types as 'TK n', EIN/AUS, a hidden column and a hidden row, a
    comment row, trailing empty columns, and a command row with its feedback IOA."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Signalliste"
    sheet.append(["Signalliste UW Nord, Feld E01"])
    sheet.append(["Stand:", "2024-03-01", "Bearbeiter:", "M. Muster"])
    sheet.append([])
    sheet.append(["Lfd.\nNr.", "Beschreibung", "ASDU-\nAdresse", "IOA\n(Oktette)", "Typkennung", "Erwartungswert",
                  "Einheit", "Befehls-IOA", "Befehlstyp", "Befehlswert", "Rückmelde-IOA", "Interne ID", "Bemerkung",
                  None, None])
    sheet.append([1, "Leistungsschalter Q0 EIN", "0/47", "0.0.100", "TK 1", "EIN", None, "0.1.244", "TK 45", "AUS",
                  None, "X17", None, None, None])
    sheet.append(["# Messwerte"])
    sheet.append([2, "Trenner Q1 Stellung", "0/47", "0.0.200", "M_DP_NA_1 (3)", "ZU", None, None, None, None, None,
                  "X18"])
    sheet.append([3, "Sammelschienenspannung", "0/47", "0.1.45", "M_ME_NC_1 (13)", voltage, "kV", None, None, None,
                  None, "X19", "Wandler 110/0,1"])
    sheet.append([4, "Frequenz", "0/47", "0.1.46", "Typ 13", "49,9..50,1 Hz", "Hz", None, None, None, None, "X20"])
    # a command row: the command's IOA and type, and the feedback IOA in the same row
    sheet.append([5, "Befehl Q1 AUS", "0/47", "0.1.246", "C_DC_NA_1", None, None, None, None, "AUS", "0.0.200", "X21"])
    sheet.column_dimensions["L"].hidden = True
    sheet.row_dimensions[9].hidden = True  # hidden, still a point of the list (skip says to leave one out)
    sheet["O10"].number_format = "0.00"  # a formatted empty cell: the sheet reaches further, nothing in it
    book.save(path)
    return path


def test_a_german_workbook_reads_with_its_octet_order(tmp_path: Path) -> None:
    signals = read_signal_list(_german_workbook(tmp_path / "liste.xlsx"), octet_order="high-first")
    rows = {r.row: r for r in signals.rows}
    assert sorted(rows) == [5, 7, 8, 9, 10]
    assert [(r.common_address, r.io_address, r.type) for r in signals.rows] == [
        (47, 100, Type.M_SP_NA_1), (47, 200, Type.M_DP_NA_1), (47, 301, Type.M_ME_NC_1), (47, 302, Type.M_ME_NC_1),
        (47, 502, Type.C_DC_NA_1)]
    q0 = rows[5]
    assert (q0.command_io_address, q0.command_type, q0.command_value, q0.return_io_address) == (
        500, Type.C_SC_NA_1, False, 100)
    assert q0.expected.show() == "ON" and rows[7].expected.matches(Double.ON)
    assert rows[8].expected.matches(230.5) and not rows[8].expected.matches(231.0)
    assert rows[9].expected.matches(49.95) and not rows[9].expected.matches(50.2)
    assert (rows[10].command_value, rows[10].return_io_address) == (Double.OFF, 200)
    assert rows[10].return_value.matches(Double.OFF)
    assert signals.unused == ("Lfd. Nr.", "Interne ID", "Bemerkung")  # named before a run: never read


def test_octets_without_their_order_are_refused_with_both_readings(tmp_path: Path) -> None:
    path = _german_workbook(tmp_path / "liste.xlsx")
    with pytest.raises(SignalListError) as info:
        read_signal_list(path)
    first = str(info.value.problems[0])
    assert first == (f"{path}, sheet Signalliste, row 5, column C 'ASDU- Adresse': common address '0/47' is not a "
                     "number: write a whole number 0..65535, decimal or hex (0x64); a structured common address (0/47) "
                     "is not read, as tools order its octets differently: write the number (12032 when 0 is the lowest "
                     "octet, 47 when it is the highest); or say which octet comes first: --octet-order high-first or "
                     "low-first (octet_order= in Robot)")
    assert (f"{path}, sheet Signalliste, row 5, column D 'IOA (Oktette)': IOA '0.0.100' is not a number: write a whole "
            "number 0..16777215, decimal or hex (0x64); a structured IOA (0.0.100) is not read") in str(info.value)
    assert (f"{path}, sheet Signalliste, column C 'ASDU- Adresse': 4 more addresses are written as octets (rows 7, 8, "
            "9, 10): the same, read once --octet-order says which octet comes first") in str(info.value)


def test_a_french_list_separated_by_semicolons() -> None:
    text = ("Liste des signaux - Poste Sud;;;;;;\n"
            ";;;;;;\n"
            "Libellé;Adresse commune;Adresse IOA;Type;Valeur attendue;Unité;Qualité;Groupe\n"
            "Disjoncteur fermé;47;0x000064;M_SP_NA_1;fermé;;;1\n"
            "Sectionneur position;47;0x0000C8;TI 3;ouvert;;;1\n"
            "Fréquence;47;0x00012E;M_ME_NC_1 (13);49,98 Hz +- 0,05;Hz;;2\n"
            "Tension barre;47;301;13;230,5;kV;IV;2\n")
    signals = parse_csv_text(text, file="liste.csv")
    assert [(r.row, r.io_address, r.type.name, r.groups) for r in signals.rows] == [
        (4, 100, "M_SP_NA_1", (1,)), (5, 200, "M_DP_NA_1", (1,)), (6, 302, "M_ME_NC_1", (2,)),
        (7, 301, "M_ME_NC_1", (2,))]
    assert signals.rows[0].expected.show() == "ON" and signals.rows[1].expected.matches(Double.OFF)
    assert signals.rows[2].expected.matches(50.02) and not signals.rows[2].expected.matches(50.04)
    assert signals.rows[3].quality.flags == frozenset({"IV"})


@pytest.mark.parametrize(("cell", "message"), [
    ("SP", "'SP' names a kind of point, not its type: it may be M_SP_NA_1 (1), M_SP_TA_1 (2, with time tag), "
           "M_SP_TB_1 (30, with time tag); write the one the RTU sends (the checks compare it)"),
    ("single point", "'single point' names a kind of point, not its type: it may be M_SP_NA_1 (1)"),
    ("float", "'float' names a kind of point, not its type: it may be M_ME_NC_1 (13), M_ME_TC_1 (14, with time tag), "
              "M_ME_TF_1 (36, with time tag)"),
    ("M_ME_NC_1 (11)", "'M_ME_NC_1 (11)': M_ME_NC_1 is type 13, and 11 is M_ME_NB_1: write the one the RTU sends"),
])
def test_a_type_that_names_no_one_type_is_refused(cell: str, message: str) -> None:
    problems = _refused(f"name,ca,ioa,type,value\nQ0,47,100,{cell},1\n")
    assert problems[0].startswith(f"l.csv, row 2, column 'type': {message}")


@pytest.mark.parametrize(("cell", "expected"), [
    ("M_SP_NA_1", Type.M_SP_NA_1), ("1", Type.M_SP_NA_1), ("TI 1", Type.M_SP_NA_1), ("TK 30", Type.M_SP_TB_1),
    ("M_SP_TB_1 (30)", Type.M_SP_TB_1), ("30 (M_SP_TB_1)", Type.M_SP_TB_1), ("m_sp_na", Type.M_SP_NA_1),
])
def test_the_ways_a_type_is_written(cell: str, expected: Type) -> None:
    assert parse_csv_text(f"name,ca,ioa,type,value\nQ0,47,100,{cell},true\n").rows[0].type is expected


def test_values_with_units_percent_and_state_words() -> None:
    text = ("name,ca,ioa,type,Value [kV],unit\n"
            "U busbar,47,301,M_ME_NC_1,110 kV,kV\n"
            "U line,47,302,M_ME_NC_1,110,\n"
            "U tolerance,47,303,M_ME_NC_1,110 kV +- 0.5 kV,\n"
            "Load,47,304,M_ME_NC_1,50 +- 1%,\n"
            "Breaker,47,100,M_SP_NA_1,true,\n"
            "Breaker 2,47,101,M_SP_NA_1,1,\n"
            "Breaker 3,47,102,M_SP_NA_1,AUS,\n")
    rows = parse_csv_text(text).rows
    assert [r.expected.show() for r in rows] == ["110", "110", "110 ± 0.5", "50 ± 1%", "ON", "ON", "OFF"]
    assert rows[3].expected.matches(50.4) and not rows[3].expected.matches(50.6)
    percent = parse_csv_text("name,ca,ioa,type,value,unit\nTap,47,305,M_ME_NC_1,50,%\n").rows[0]
    assert percent.expected.matches(50.0)


@pytest.mark.parametrize(("row", "column", "message"), [
    ("U,47,301,M_ME_NC_1,110 kV,V", "value", "'110 kV' is in kV, but the unit column 'unit' says V: which unit the "
                                             "RTU reports in is a guess; write the value in the one unit"),
    ("U,47,301,M_ME_NC_1,110 kV +- 5 V,", "value", "'110 kV +- 5 V' names two units (kV and V)"),
    # 50 percent, or a tolerance of 50 % without its value? refused as in Robot and Gherkin
    ("L,47,303,M_ME_NC_1,50 %,%", "value", "a percent as the RTU reports it: 50, or 0.5 for a normalized value"),
    ("Q,47,200,M_DP_NA_1,1,", "value", "'1' is ambiguous for a double point (DPI 1 is OFF)"),
    ("U,47,301,M_ME_NC_1,110 Volt,", "value", "write the number without its unit"),
])
def test_a_value_whose_unit_or_meaning_is_a_guess_is_refused(row: str, column: str, message: str) -> None:
    problems = _refused(f"name,ca,ioa,type,value,unit\n{row}\n")
    assert problems[0].startswith(f"l.csv, row 2, column '{column}': ") and message in problems[0]


def test_a_unit_in_the_header_is_the_unit_of_the_column() -> None:
    ok = parse_csv_text('name,ca,ioa,type,"Expected\nValue [kV]"\nU,47,301,M_ME_NC_1,230 kV\n').rows[0]
    assert ok.expected.matches(230.0)
    problems = _refused('name,ca,ioa,type,"Expected\nValue [kV]"\nU,47,301,M_ME_NC_1,230 V\n')
    assert problems == ["l.csv, row 2, column 'Expected Value [kV]': '230 V' is in V, but its header "
                        "'Expected Value [kV]' says kV: which unit the RTU reports in is a guess; write the value in "
                        "the one unit"]


def test_a_percent_cell_of_a_workbook_is_refused_as_it_shows(tmp_path: Path) -> None:
    """Excel keeps 50% as 0.5: read as 0.5, a tap position of 50 % was checked against 0.5. It is
    read as it shows, '50 %', and refused as that text is everywhere: the value is a guess."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "ca", "ioa", "type", "value"])
    sheet.append(["Tap position", 47, 305, "M_ME_NC_1", 0.5])
    sheet.append(["Load", 47, 303, "M_ME_NA_1", 0.25])
    sheet["E2"].number_format = "0%"
    book.save(tmp_path / "p.xlsx")
    with pytest.raises(SignalListError) as info:
        read_signal_list(tmp_path / "p.xlsx")
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "E 'value'")]
    assert "'50 %' is not a number" in str(info.value) and "shows 50 % for 0.5" in str(info.value)
    sheet["E2"].number_format = "General"
    book.save(tmp_path / "p.xlsx")
    assert [r.expected.show() for r in read_signal_list(tmp_path / "p.xlsx").rows] == ["0.5", "0.25"]


def test_a_command_and_its_feedback_in_one_row() -> None:
    text = ("Signal Name,CASDU,Info Address,Type ID,Expected,Command IOA,Command Type,Command Value,Feedback IOA,"
            "Feedback Value,SBO\n"
            "Q0 breaker,47,100,M_SP_NA_1,ON,500,C_SC_NA_1,OFF,,,SBO\n"
            "Q1 open/close,47,502,C_DC_NA_1,,,,OFF,200,OFF,direct\n"
            "Reset LEDs,47,510,TI 45,,,,ON,none,,\n")
    rows = parse_csv_text(text).rows
    assert [(r.io_address, r.command_io_address, r.command_type, r.return_io_address, r.select) for r in rows] == [
        (100, 500, Type.C_SC_NA_1, 100, True), (502, 502, Type.C_DC_NA_1, 200, False),
        (510, 510, Type.C_SC_NA_1, None, False)]
    assert rows[1].return_value.matches(Double.OFF)


@pytest.mark.parametrize(("ioa", "order", "expected"), [
    ("12.34.56", "high-first", 0x0C2238), ("12-34-56", "high-first", 0x0C2238), ("12 34 56", "high-first", 0x0C2238),
    ("0x0C2238", "high-first", 0x0C2238), ("0x0C2238", None, 0x0C2238), ("56.34.12", "low-first", 0x0C2238),
    ("795192", None, 0x0C2238),
])
def test_an_ioa_written_as_octets_or_in_hex(ioa: str, order: str | None, expected: int) -> None:
    signals = parse_csv_text(f"name,ca,ioa,type\nQ,1/2,{ioa},M_SP_NA_1\n" if order else
                             f"name,ca,ioa,type\nQ,258,{ioa},M_SP_NA_1\n", octet_order=order)
    assert (signals.rows[0].common_address, signals.rows[0].io_address) == (258 if order == "high-first" else
                                                                            513 if order else 258, expected)


@pytest.mark.parametrize(("ioa", "message"), [
    ("1.002.003", "IOA '1.002.003': is the point a thousands separator (1002003)? write the number without separators"),
    ("12.300.56", "IOA '12.300.56' is not a number: write a whole number 0..16777215, decimal or hex (0x64)"),
    ("0C2238", "IOA '0C2238' is not a number: write a whole number 0..16777215, decimal or hex (0x64)"),
])
def test_an_address_that_reads_two_ways_is_refused(ioa: str, message: str) -> None:
    assert _refused(f"name,ca,ioa,type\nQ,47,{ioa},M_SP_NA_1\n") == [f"l.csv, row 2, column 'ioa': {message}" +
                                                                     _rest(message)]


def _rest(message: str) -> str:
    return ("; or say which octet comes first: --octet-order high-first or low-first (octet_order= in Robot)"
            if "thousands" in message else "")


def _verdicts(out: Path) -> dict[int, tuple[str, str]]:
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return {p["row"]: (p["verdict"], p["reason"]) for p in data["points"]}


def test_the_german_workbook_end_to_end_and_a_wrong_value_fails_its_row(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Against the demo RTU the list passes; against one whose busbar voltage is 240 kV only row 8 fails."""
    path = _german_workbook(tmp_path / "liste.xlsx")
    assert main(["fat", "--simulate", "--points", str(path), "-o", str(tmp_path / "a")]) == 2  # octets: refused
    assert "--octet-order" in capsys.readouterr().err
    common = ["fat", "--points", str(path), "--octet-order", "high-first", "--timeout", "3"]
    assert main([*common, "--simulate", "-o", str(tmp_path / "b")]) == 0, capsys.readouterr()
    assert {r: v for r, (v, _) in _verdicts(tmp_path / "b").items()} == {
        5: "pass", 7: "pass", 8: "pass", 9: "pass", 10: "pass"}
    demo = (Path(__file__).resolve().parents[2] / "c104test" / "engine" / "demo_rtu.yaml").read_text(encoding="utf-8")
    assert "value: 230.5" in demo
    (tmp_path / "wrong.yaml").write_text(demo.replace("value: 230.5", "value: 240.0"), encoding="utf-8")
    assert main([*common, "--simulate", str(tmp_path / "wrong.yaml"), "-o", str(tmp_path / "c")]) == 1
    verdicts = _verdicts(tmp_path / "c")
    assert {r for r, (v, _) in verdicts.items() if v != "pass"} == {8}
    assert "240" in verdicts[8][1] and "230.5" in verdicts[8][1]


def test_the_lists_read_the_same_from_csv_and_robot_front_ends() -> None:
    """A kind of point in the type column is refused by the list reader every front end uses."""
    signals: SignalList = parse_csv_text("name,ca,ioa,type,value\nQ,47,100,TI 1,EIN\n")
    assert signals.rows[0].expected.show() == "ON"


def test_octets_without_an_order_are_said_once_per_column() -> None:
    """2,000 such rows said it 2,000 times, and the 20 lines shown hid every other problem."""
    rows = "".join(f"P{i},47,0.1.{i},M_SP_NA_1\n" for i in range(1, 9))
    assert _refused(f"name,ca,ioa,type\n{rows}Bad,47,100,M_XX_NA_1\n") == [
        "l.csv, row 2, column 'ioa': IOA '0.1.1' is not a number: write a whole number 0..16777215, decimal or hex "
        "(0x64); a structured IOA (0.1.1) is not read, as tools order its octets differently: write the number (65792 "
        "when 0 is the lowest octet, 257 when it is the highest); or say which octet comes first: --octet-order "
        "high-first or low-first (octet_order= in Robot)",
        "l.csv, row 10, column 'type': 'M_XX_NA_1' is not a Type; did you mean M_ST_NA_1?",
        "l.csv, column 'ioa': 7 more addresses are written as octets (rows 3, 4, 5, 6, 7, ...): the same, read once "
        "--octet-order says which octet comes first"]


def test_a_unit_is_compared_as_written_where_its_case_matters() -> None:
    """MV (megavolt) is not mV; KV can only be kV."""
    assert _refused("name,ca,ioa,type,value,unit\nU,47,301,M_ME_NC_1,110 MV,mV\n")[0].endswith(
        "'110 MV' is in MV, but the unit column 'unit' says mV: which unit the RTU reports in is a guess; write the "
        "value in the one unit")
    assert parse_csv_text("name,ca,ioa,type,value,unit\nU,47,301,M_ME_NC_1,110 KV,kV\n").rows[0].expected.matches(110)


def test_an_address_column_whose_header_says_hex() -> None:
    """'123' under 'IOA (hex)' was read as IOA 123: a wrong point, checked without a word."""
    text = ("name,CA,IOA (hex),type,Command IOA hex,command_type,command_value,quality\n"
            "A,47,0C2238,M_SP_NA_1,1F4,C_SC_NA_1,AUS,gut\n"
            "B,2Fh,123,M_SP_NA_1,,,,\n")
    rows = parse_csv_text(text).rows
    assert [(r.common_address, r.io_address, r.command_io_address) for r in rows] == [
        (47, 0x0C2238, 0x1F4), (47, 0x123, None)]
    assert rows[0].quality.flags == frozenset() and rows[0].command_value is False


def test_an_address_written_in_decimal_and_in_hex_must_agree() -> None:
    """'IOA' beside 'IOA (hex)' (as many tools export) was read from the decimal column alone."""
    rows = parse_csv_text("name,CA,IOA,IOA (hex),type\nA,47,795192,0C2238,M_SP_NA_1\nB,47,5,,M_SP_NA_1\n").rows
    assert [r.io_address for r in rows] == [795192, 5]
    assert _refused("name,CA,IOA,IOA (hex),type\nA,47,795192,0C2239,M_SP_NA_1\n") == [
        "l.csv, row 2, column 'IOA': 795192 (0xC2238), but column 'IOA (hex)' says 0C2239 (795193): which one the RTU "
        "uses is a guess; correct one of them"]


def test_step_commands_in_german() -> None:
    row = parse_csv_text("Bezeichnung,CA,IOA,Typ,Befehls-IOA,Befehlstyp,Befehlswert,Rückmeldewert\n"
                         "Stufensteller,47,310,M_ST_NA_1,520,C_RC_NA_1,höher,6\n").rows[0]
    assert (row.command_type, str(row.command_value), row.return_value.show()) == (Type.C_RC_NA_1, "Step.HIGHER", "6")


@pytest.mark.parametrize(("cell", "expected"), [
    ("M_SP_NA_1/M_SP_TB_1", "M_SP_TB_1"), ("1/30", "M_SP_TB_1"), ("M_ME_NC_1 / M_ME_TF_1", "M_ME_TF_1"),
    ("1/3", "names two types (M_SP_NA_1 and M_DP_NA_1); a row checks one"),
    ("M_ME_NA_1/M_ME_TF_1", "names two types (M_ME_NA_1 and M_ME_TF_1)"),
])
def test_a_type_for_the_interrogation_and_one_for_events(cell: str, expected: str) -> None:
    """A list that gives the interrogation's type and the events' type: the time-tagged one, as the
    FAT lets its interrogation answer plain. Two kinds of point are refused."""
    text = f"name,ca,ioa,type\nQ,47,100,{cell}\n"
    if expected.startswith("M_"):
        assert parse_csv_text(text).rows[0].type.name == expected
    else:
        assert expected in _refused(text)[0]


def test_placeholders_stand_for_empty_cells_where_they_mean_nothing_else() -> None:
    """'-' in every cell a point has nothing to say in was refused cell by cell ('-' is not a number)."""
    text = ("name,ca,ioa,type,expected_value,quality,command_io_address,command_type,command_value,return_io_address,"
            "skip\n"
            "Alarm,47,100,M_SP_NA_1,-,-,-,-,-,,nein\n"
            "Reset,47,510,C_SC_NA_1,,,,,ON,-,-\n")
    alarm, reset = parse_csv_text(text).rows
    assert (alarm.expected, alarm.has_command, alarm.skip) == (None, False, False)
    assert (reset.has_return, reset.command_value) == (False, True)  # '-' there: no return information
    assert "IOA '-' is not a number" in _refused("name,ca,ioa,type\nA,47,-,M_SP_NA_1\n")[0]


def test_a_hidden_sheet_is_left_out_and_named(tmp_path: Path) -> None:
    """A hidden sheet with last revision's list was read beside the current one: its points were
    checked too, or refused as listed twice."""
    book = openpyxl.Workbook()
    for title, value in (("Rev C", "ON"), ("Rev B", "OFF")):
        sheet = book.create_sheet(title)
        sheet.append(["name", "ca", "ioa", "type", "value"])
        sheet.append(["Q0", 47, 100, "M_SP_NA_1", value])
    book.remove(book["Sheet"])
    book["Rev B"].sheet_state = "hidden"
    book.save(tmp_path / "h.xlsx")
    signals = read_signal_list(tmp_path / "h.xlsx")
    assert [r.expected.show() for r in signals.rows] == ["ON"]
    assert signals.skipped_sheets == ("Rev B: hidden (read it with --sheet)",)
    assert read_signal_list(tmp_path / "h.xlsx", sheet="Rev B").rows[0].expected.show() == "OFF"


def test_headers_under_group_headings(tmp_path: Path) -> None:
    """'Befehl' merged over 'IOA | Typ | Wert' beside the point's own 'IOA | Typ | Wert': the two
    'IOA' columns were refused as one field read twice."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Signalliste"])
    sheet.append(["", "", "Meldung", None, None, "Befehl", None, None, "Rückmeldung", None])
    sheet.append(["Bezeichnung", "CA", "IOA", "Typ", "Wert", "IOA", "Typ", "Wert", "IOA", "Wert"])
    sheet.append(["Q1", 47, 200, "M_DP_NA_1", "EIN", 502, "C_DC_NA_1", "AUS", None, "AUS"])
    sheet.merge_cells("C2:E2")
    sheet.merge_cells("F2:H2")
    sheet.merge_cells("I2:J2")
    book.save(tmp_path / "g.xlsx")
    signals = read_signal_list(tmp_path / "g.xlsx")
    row = signals.rows[0]
    assert (row.io_address, row.command_io_address, row.command_type, row.return_io_address) == (
        200, 502, Type.C_DC_NA_1, 200)
    assert row.return_value.matches(Double.OFF) and row.expected.matches(Double.ON)
    assert signals.headers[5:8] == ("Befehl IOA", "Befehl Typ", "Befehl Wert")
    sheet["F2"] = "Bemerkung"  # a heading that names no field with them: the two IOAs are a guess
    book.save(tmp_path / "g.xlsx")
    with pytest.raises(SignalListError, match=r"row 3: the columns C 'IOA' and F 'IOA' and I 'Rückmeldung IOA'|"
                                              r"row 3: the columns C 'IOA' and F 'IOA' are each read as io_address"):
        read_signal_list(tmp_path / "g.xlsx")


def test_a_row_of_units_under_the_header(tmp_path: Path) -> None:
    """A SCADA export's units row ('[kV]' under 'Wert') was refused as a section heading."""
    text = ("Bezeichnung;ASDU;IOA;Typ;Wert\n"
            ";;;;[kV]\n"
            "Spannung;47;301;M_ME_NC_1;230,5\n"
            "Spannung L2;47;302;M_ME_NC_1;230,5 V\n")
    assert "'230,5 V' is in V, but its header 'Wert' says kV" in _refused(text)[0]
    rows = parse_csv_text(text.rsplit("Spannung L2", 1)[0]).rows
    assert [(r.row, r.expected.show()) for r in rows] == [(3, "230.5")]


def test_a_german_csv_as_excel_saves_it(tmp_path: Path) -> None:
    """Windows-1252, semicolons, decimal commas, umlauts in the headers."""
    text = ("Signalliste;;;;;;\n"
            "Bezeichnung;ASDU-Adresse;Objektadresse;Typkennung;Erwartungswert;Rückmelde-IOA;Befehlswert\n"
            "Schalter Q0 Befehl;47;500;C_SC_NA_1;;100;EIN\n"
            "Spannung Sammelschiene;47;301;TK 13;230,5 kV +- 0,5;;\n")
    (tmp_path / "liste.csv").write_bytes(text.encode("cp1252"))
    command, voltage = read_signal_list(tmp_path / "liste.csv").rows
    assert (command.type, command.command_value, command.return_io_address) == (Type.C_SC_NA_1, True, 100)
    assert voltage.expected.matches(230.9) and not voltage.expected.matches(231.1)


@pytest.mark.parametrize(("cell", "expected"), [
    ("M_SP_NA_1 (Einzelmeldung)", "M_SP_NA_1"), ("M_ME_NC_1 [Messwert Gleitkomma]", "M_ME_NC_1"),
    ("M_SP_NA_1 (double point)", "'M_SP_NA_1 (double point)': M_SP_NA_1 is a single point, but the note says "
                                 "'double point': write the type the RTU sends"),
])
def test_a_type_with_a_note(cell: str, expected: str) -> None:
    text = f"name,ca,ioa,type\nQ,47,100,{cell}\n"
    if expected.startswith("M_"):
        assert parse_csv_text(text).rows[0].type.name == expected
    else:
        assert _refused(text) == [f"l.csv, row 2, column 'type': {expected}"]
