"""Signal lists: CSV and XLSX read alike; every kind of broken list is refused with where and why."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from c104test.fat.signals import (
    COLUMNS,
    SignalListError,
    parse_csv_text,
    read_signal_list,
    write_template,
)
from c104test.protocol.enums import Type

from .lists import HEADER, RIGHT, write_csv, write_xlsx


def test_csv_and_xlsx_give_the_same_rows(tmp_path: Path) -> None:
    a = read_signal_list(write_csv(tmp_path / "l.csv", RIGHT))
    b = read_signal_list(write_xlsx(tmp_path / "l.xlsx", RIGHT))
    assert len(a.rows) == len(RIGHT) == len(b.rows)
    for x, y in zip(a.rows, b.rows, strict=True):
        assert (x.row, x.key, x.type, x.expected, x.quality, x.groups, x.command_type, x.command_value,
                x.select, x.return_io_address, x.return_value, x.restore) == (
                y.row, y.key, y.type, y.expected, y.quality, y.groups, y.command_type, y.command_value,
                y.select, y.return_io_address, y.return_value, y.restore)
    row = a.rows[1]
    assert row.type is Type.M_SP_TB_1 and row.select and row.return_io_address == 101 and row.restore
    assert a.rows[4].expected.matches(1236) and not a.rows[4].expected.matches(1240)  # 1234 +- 5
    assert a.rows[5].expected.matches(230.5) and not a.rows[5].expected.matches(236.0)  # 225..235
    assert len(a.sha256) == 64 and a.sha256 != b.sha256


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_template_reads_back(tmp_path: Path, suffix: str) -> None:
    write_template(tmp_path / f"t.{suffix}")
    signals = read_signal_list(tmp_path / f"t.{suffix}")
    assert len(signals.rows) >= 10
    assert [h for h in signals.headers if h] == [c.header for c in COLUMNS]


@pytest.mark.parametrize(
    ("line", "where", "message"),
    [
        ("A,47,100,M_SP_XX_1,ON", "row 2, column 'type'", "'M_SP_XX_1' is not a Type; did you mean M_SP_TB_1?"),
        # a command's own row: the value to send has its column (tests/fat/test_no_return.py)
        ("A,47,100,C_SC_NA_1,ON", "row 2, column 'expected_value'", "expected_value 'ON' in the row of a command "
         "(C_SC_NA_1): a command is in no interrogation and shows no value of its own; the value to send goes in "
         "command_value"),
        ("A,47,100,M_SP_NA_1,0..1", "row 2, column 'expected_value'", "a range applies to numbers, not to a single point"),
        ("A,47,100,M_ME_NC_1,5..1", "row 2, column 'expected_value'", "runs backwards"),
        ("A,47,100,M_DP_NA_1,1", "row 2, column 'expected_value'", "double point"),
        ("A,47,100,M_SP_NA_1,ON +- 1", "row 2, column 'expected_value'", "a tolerance applies to numbers"),
        ("A,70000,100,M_SP_NA_1,ON", "row 2, column 'common_address'", "common address 70000 outside 0..65535"),
        ("A,65535,100,M_SP_NA_1,ON", "row 2, column 'common_address'", "65535 outside 1..65534"),  # broadcast
        (",47,100,M_SP_NA_1,ON", "row 2, column 'name'", "empty name"),
        ("A,47,100,M_SP_NA_1,ON,XX", "row 2, column 'expected_quality'", "XX"),
        # the type column names the kind of type it holds, not all 68 types of the standard
        ("A,47,100,SX,ON", "row 2, column 'type'", "'SX' is not a Type; the column holds a monitor type (M_SP_NA_1,"),
        # a kind is no type: which of them the RTU sends is checked, so it is never guessed
        ("A,47,100,SP,ON", "row 2, column 'type'", "'SP' names a kind of point, not its type: it may be M_SP_NA_1 (1), "
                                                   "M_SP_TA_1 (2, with time tag), M_SP_TB_1 (30, with time tag)"),
        ("A,47,1-2-3,M_SP_NA_1,ON", "row 2, column 'io_address'",
         "a structured IOA (1-2-3) is not read, as tools order its octets differently: write the number "
         "(197121 when 1 is the lowest octet, 66051 when it is the highest); or say which octet comes first: "
         "--octet-order high-first or low-first"),
        ("A,47,100,M_SP_NA_1,ON,,abc", "row 2, column 'timeout'", "'abc' is not a number of seconds (5, 2.5, 5 s, 500 ms or 2 min)"),
        ("A,47,100.5,M_SP_NA_1,ON", "row 2, column 'io_address'",
         "IOA 100.5 is not a whole number (0..16777215)"),  # it said '100.5 outside 1..16777215'
        ("A,47,100,M_ME_NC_1,230 Volt +- 2", "row 2, column 'expected_value'",
         "; write the number without its unit, or with a unit c104test knows (kV, MW, Hz, ...; the unit column "
         "then must agree)"),
    ],
)
def test_bad_cells_name_row_and_column(line: str, where: str, message: str) -> None:
    header = "name,common_address,io_address,type,expected_value,expected_quality,timeout"
    with pytest.raises(SignalListError) as info:
        parse_csv_text(f"{header}\n{line}\n", file="list.csv")
    text = str(info.value)
    assert text.startswith(f"list.csv, {where}: "), text
    assert message in text


def test_duplicate_ioa_names_both_rows() -> None:
    with pytest.raises(SignalListError, match=r"list.csv, row 3, column 'io_address': duplicate IOA 100 of CA 47: row 2"):
        parse_csv_text("name,common_address,io_address,type\nA,47,100,M_SP_NA_1\nB,47,100,M_SP_NA_1\n", file="list.csv")


def test_missing_column_and_every_problem_reported() -> None:
    with pytest.raises(SignalListError) as info:
        parse_csv_text("name,ca,type\nA,47,M_SP_NA_1\n", file="list.csv")
    assert str(info.value) == ("list.csv, row 1: missing column 'io_address' (IOA of the point, 1..16777215); "
                               "the headers 'io_address' or 'ioa' or 'address' ... (any case) are read as io_address, "
                               "a column mapping names another; the header row has: name, ca, type")
    with pytest.raises(SignalListError) as info:
        parse_csv_text("name,ca,ioa,type\nA,47,100,M_XX\nB,47,0,M_SP_NA_1\n", file="l.csv")
    assert [p.row for p in info.value.problems] == [2, 3]


def test_command_needs_its_type_and_value() -> None:
    with pytest.raises(SignalListError, match=r"row 2, column 'command_value': empty command_value"):
        parse_csv_text(f"{HEADER}\nA,47,100,M_SP_NA_1,ON,,,500,C_SC_NA_1,,,,,,,\n", file="l.csv")


def test_xlsx_errors_name_sheet_and_column_letter(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "l.xlsx", ["A,47,100,M_SP_NA_1,ON", "B,47,101,M_SP_NA_1,maybe"])
    with pytest.raises(SignalListError) as info:
        read_signal_list(path)
    assert str(info.value).startswith(f"{path}, sheet Signals, row 3, column E 'expected_value': ")


def test_xlsx_without_a_matching_sheet(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    book.create_sheet("Notes")
    book.save(tmp_path / "l.xlsx")
    with pytest.raises(SignalListError, match=r"no sheet has a header row naming the columns name, common_address, "
                                              r"io_address, type \(in its first 20 rows\); the workbook has 'Sheet1', 'Notes'"):
        read_signal_list(tmp_path / "l.xlsx")
    with pytest.raises(SignalListError, match=r"no sheet named 'Points'"):
        read_signal_list(tmp_path / "l.xlsx", sheet="Points")


def test_column_mapping_file_and_sheet(tmp_path: Path) -> None:
    (tmp_path / "map.yaml").write_text("name: Signal text\nio_address: Info address\ntype: TK\nexpected_value: Soll\n")
    text = "Signal text;common_address;Info address;TK;Soll\nQ0;47;100;M_SP_NA_1;ON\n"
    (tmp_path / "l.csv").write_text(text)
    signals = read_signal_list(tmp_path / "l.csv", columns=tmp_path / "map.yaml")
    assert signals.rows[0].io_address == 100 and signals.rows[0].expected.show() == "ON"
    with pytest.raises(SignalListError, match="missing column 'IOA Nr'"):
        (tmp_path / "map2.yaml").write_text("name: Signal text\ntype: TK\nio_address: IOA Nr\n")
        read_signal_list(tmp_path / "l.csv", columns=tmp_path / "map2.yaml")
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Signals"
    ws.append(["Signal text", "common_address", "Info address", "TK"])
    ws.append(["Q0", 47, 100, "M_SP_NA_1"])
    columns = book.create_sheet("Columns")
    for pair in (("field", "header"), ("name", "Signal text"), ("io_address", "Info address"), ("type", "TK")):
        columns.append(pair)
    book.save(tmp_path / "m.xlsx")
    assert read_signal_list(tmp_path / "m.xlsx").rows[0].key == (47, 100)
    # a misspelt field is named at its cell of the sheet Columns (it was reported on the sheet Signals)
    columns["A3"] = "io_adress"
    book.save(tmp_path / "m.xlsx")
    with pytest.raises(SignalListError) as info:
        read_signal_list(tmp_path / "m.xlsx")
    assert str(info.value).startswith(f"{tmp_path / 'm.xlsx'}, sheet Columns, row 3, column A: the column mapping "
                                      "names 'io_adress', which is no field (did you mean io_address?)")


def test_the_fat_page_lists_every_column_and_no_other() -> None:
    import re

    page = (Path(__file__).resolve().parents[2] / "docs" / "fat.md").read_text(encoding="utf-8")
    section = page.split("## 2. The columns", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^\| `(\w+)` \|", section, re.MULTILINE) == [c.field for c in COLUMNS]


def test_xlsx_rows_above_the_header_keep_the_sheet_row_numbers(tmp_path: Path) -> None:
    """A title and a blank row above the header (as engineering tools export): the header is found
    and every row number is the sheet's own, in errors and results alike."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Signals"
    ws.append(["Signal list RTU 7, rev. B"])
    ws.append([])
    ws.append(["Name", "CA", "IOA", "Type", "Expected Value", "Remark"])
    ws.append(["Q0", 47, 100, "M_SP_NA_1", "ON", "x"])
    ws.append([])
    ws.append(["Q1", 47, "abc", "M_DP_NA_1", "ON", ""])
    book.save(tmp_path / "l.xlsx")
    with pytest.raises(SignalListError) as info:
        read_signal_list(tmp_path / "l.xlsx")
    assert [(p.row, p.column) for p in info.value.problems] == [(6, "C 'IOA'")]
    ws["C6"] = 200
    book.save(tmp_path / "l.xlsx")
    signals = read_signal_list(tmp_path / "l.xlsx")
    assert [(r.row, r.io_address) for r in signals.rows] == [(4, 100), (6, 200)]
    assert signals.headers[:4] == ("Name", "CA", "IOA", "Type")


def test_european_csv_semicolons_decimal_commas_bom_crlf_and_a_title() -> None:
    """Excel's CSV in Europe: a BOM, CRLF, semicolons, decimal commas, a title line first; the
    groups column keeps its commas as separators."""
    text = ("\ufeffSignalliste RTU 7;;;;;\r\n;;;;;\r\nName;CA;IOA;Type;Expected Value;Groups\r\n"
            "Schalter Q0 geschlossen;47;100;M_SP_NA_1;ON;1,2\r\n"
            "Spannung Sammelschiene;47;301;M_ME_NC_1;230,5 +- 0,5;2\r\n"
            "Frequenz;47;302;M_ME_NC_1;49,9..50,1;2\r\n")
    signals = parse_csv_text(text.removeprefix("\ufeff"), file="l.csv")
    rows = signals.rows
    assert [(r.row, r.io_address) for r in rows] == [(4, 100), (5, 301), (6, 302)]
    assert rows[0].groups == (1, 2) and rows[0].name == "Schalter Q0 geschlossen"
    assert rows[1].expected.matches(230.9) and not rows[1].expected.matches(231.1)
    assert rows[2].expected.matches(49.95) and not rows[2].expected.matches(50.2)
    assert rows[1].cells[4] == "230,5 +- 0,5"  # the report keeps the cell as written
    with pytest.raises(SignalListError, match="'230,5' is not a number"):  # a comma list: no decimal comma
        parse_csv_text("name,ca,ioa,type,value\nA,47,301,M_ME_NC_1,\"230,5\"\n", file="l.csv")


def test_addresses_read_as_in_every_other_front_end() -> None:
    """0x64 is IOA 100 in Robot and Gherkin (rules.addresses), so in a signal list too; 100.0 (a
    spreadsheet's number) still reads; anything else names the accepted forms."""
    rows = parse_csv_text("name,ca,ioa,type\nA,0x2F,0x64,M_SP_NA_1\nB,47,200.0,M_SP_NA_1\n", file="l.csv").rows
    assert [r.key for r in rows] == [(47, 100), (47, 200)]
    with pytest.raises(SignalListError) as info:
        parse_csv_text("name,ca,ioa,type\nA,47,1 002 003,M_SP_NA_1\nB,47,0,M_SP_NA_1\n", file="l.csv")
    assert [str(p) for p in info.value.problems] == [
        "l.csv, row 2, column 'ioa': IOA '1 002 003' is not a number: write a whole number 0..16777215, decimal or "
        "hex (0x64); a structured IOA (1 002 003) is not read, as tools order its octets differently: write the "
        "number (197121 when 1 is the lowest octet, 66051 when it is the highest); or say which octet comes first: "
        "--octet-order high-first or low-first (octet_order= in Robot)",
        "l.csv, row 3, column 'ioa': 0 outside 1..16777215, the range of an IOA",
    ]


def test_a_command_value_that_cannot_be_the_return_says_to_fill_return_value() -> None:
    """C_RC_NA_1 HIGHER returning on a step position: the message said only "as the return value:
    'HIGHER' is not a number", not that an empty return_value was the cause."""
    with pytest.raises(SignalListError) as info:
        parse_csv_text("name,ca,ioa,type,command_io_address,command_type,command_value\n"
                       "Tap,47,310,M_ST_NA_1,520,C_RC_NA_1,HIGHER\n", file="l.csv")
    assert str(info.value) == (
        "l.csv, row 2, column 'command_value': return_value is empty, so the command value is the expected "
        "return: 'HIGHER' is not a number; a step position is a whole number in -64..63; write the return "
        "report's value in return_value")
    row = parse_csv_text("name,ca,ioa,type,command_io_address,command_type,command_value,return_value\n"
                         "Tap,47,310,M_ST_NA_1,520,C_RC_NA_1,HIGHER,6\n", file="l.csv").rows[0]
    assert row.return_value is not None and row.return_value.matches(6)


def test_a_list_as_a_utility_writes_it() -> None:
    """A title and a revision line above a header with one unknown name: the error names the header
    row (row 4, not the title) and the headers that would have been read; with the name mapped, the
    list reads: semicolons, hex IOAs, a comment row, blank rows, extra columns, seconds as '5 s'."""
    text = ("Signal list RTU North;;;;;;\nRev. 3;;;;;;\n;;;;;;\n"
            "Kennung;IOA;CA;Description;Unit;Expected;Timeout\n"
            "M_SP_NA_1;0x64;47;Breaker Q0;;ON;5 s\n"
            "# Bay 2: measurements;;;;;;\n"
            ";;;;;;\n"
            "M_ME_NC_1;301;47;Busbar voltage;kV;230,0 +- 5;2.5s\n"
            "M_SP_NA_1;102;47;#1 Transformer alarm;;OFF;\n")
    with pytest.raises(SignalListError) as info:
        parse_csv_text(text, file="list.csv")
    assert str(info.value).startswith("list.csv, row 4: missing column 'type' (")
    assert "the headers 'type' or 'type_id' or 'ti' ... (any case) are read as type" in str(info.value)
    signals = parse_csv_text(text, file="list.csv", mapping={"type": "Kennung"})
    assert [(r.row, r.io_address, r.timeout) for r in signals.rows] == [(5, 100, 5.0), (8, 301, 2.5), (9, 102, None)]
    assert signals.rows[1].expected.matches(234.0) and signals.unused == ()  # Unit is read: a value's unit must agree


def test_a_formula_without_a_computed_value_is_named_not_read_as_empty(tmp_path: Path) -> None:
    """A workbook written by a program (never opened in a spreadsheet) holds formulas but no values:
    the IOA was reported as 'empty io_address', and an expected value as a formula went unchecked.
    A formula whose computed value is the empty string (t="str", as Excel writes it) is read."""
    import re
    import zipfile

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Signals"
    sheet.append(["name", "common_address", "io_address", "type", "expected_value"])
    sheet.append(["Q0", 47, 100, "M_SP_NA_1", "ON"])
    sheet.append(["Q8", 47, "=C2+1", "M_SP_NA_1", '=IF(1,"OFF","ON")'])
    book.save(tmp_path / "generated.xlsx")
    with pytest.raises(SignalListError) as info:
        read_signal_list(tmp_path / "generated.xlsx")
    assert [str(p) for p in info.value.problems] == [
        f"{tmp_path / 'generated.xlsx'}, sheet Signals, row 3, column {column}: the formula {formula} has no computed "
        "value (the workbook was written by a program and never opened in a spreadsheet): open and save it in Excel "
        "or LibreOffice, or write the value"
        for column, formula in (("C", "=C2+1"), ("E", '=IF(1,"OFF","ON")'))
    ]
    # as a spreadsheet saves it: each formula with its value, the second one's the empty string
    with zipfile.ZipFile(tmp_path / "generated.xlsx") as source, \
            zipfile.ZipFile(tmp_path / "saved.xlsx", "w") as saved:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = re.sub(r'<c r="C3"([^>]*)><f>(.*?)</f><v\s*/></c>', r'<c r="C3"\1><f>\2</f><v>101</v></c>',
                              data.decode())
                text = re.sub(r'<c r="E3"([^>]*)><f>(.*?)</f><v\s*/></c>', r'<c r="E3" t="str"><f>\2</f><v></v></c>', text)
                data = text.encode()
            saved.writestr(item, data)
    rows = read_signal_list(tmp_path / "saved.xlsx").rows
    assert [(r.io_address, r.expected) for r in rows] == [(100, rows[0].expected), (101, None)]


def test_a_column_mapping_that_names_an_alias_or_no_file_says_so(tmp_path: Path) -> None:
    """'value: Expected' (an alias, not a field) got only the list of fields; a missing mapping file
    said '[Errno 2] No such file or directory: ...'."""
    (tmp_path / "map.yaml").write_text("value: Expected\n")
    with pytest.raises(SignalListError, match=r"names .value., which is no field \(did you mean expected_value\?\)"):
        read_signal_list(write_csv(tmp_path / "l.csv", RIGHT), columns=tmp_path / "map.yaml")
    with pytest.raises(SignalListError) as info:
        read_signal_list(write_csv(tmp_path / "l.csv", RIGHT), columns=tmp_path / "none.yaml")
    assert str(info.value) == f"{tmp_path / 'none.yaml'}: cannot read the column mapping: No such file or directory"


def test_the_file_is_read_by_what_it_holds_not_by_its_name(tmp_path: Path) -> None:
    """A workbook saved as list.csv was a csv.Error traceback; a legacy .xls and an .ods were read as
    CSV and gave 'missing column' lines full of binary garbage; Excel's 'Unicode text' (UTF-16,
    tabs) was garbage too."""
    workbook = write_xlsx(tmp_path / "l.xlsx", RIGHT)
    renamed = tmp_path / "list.csv"
    renamed.write_bytes(workbook.read_bytes())
    assert len(read_signal_list(renamed).rows) == len(RIGHT)
    unicode_text = tmp_path / "list.txt"
    unicode_text.write_bytes("\n".join([HEADER, *RIGHT]).replace(",", "\t").encode("utf-16"))
    assert len(read_signal_list(unicode_text).rows) == len(RIGHT)
    for name, data, words in (
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "a legacy Excel 97-2003 workbook (.xls): save it as .xlsx or CSV"),
        ("list.ods", b"PK\x03\x04" + bytes(26) + b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
         "an OpenDocument spreadsheet (.ods): save it as .xlsx or CSV"),
        ("list.csv", b"name\x00,ca", "not a CSV text file nor an XLSX workbook (octet 4 is 0x00)"),
    ):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(SignalListError) as info:
            read_signal_list(tmp_path / name)
        assert str(info.value).startswith(f"{tmp_path / name}: {words}"), info.value


def test_groups_that_a_spreadsheet_read_as_a_decimal_number_say_so() -> None:
    """'1,3' in a spreadsheet whose decimal sign is the comma is the number 1.3: it read '1.3 outside 1..16'."""
    with pytest.raises(SignalListError) as info:
        parse_csv_text("name,ca,ioa,type,groups\nA,47,100,M_SP_NA_1,1.3\n", file="l.csv")
    assert str(info.value) == ("l.csv, row 2, column 'groups': 1.3 is not a whole number; an interrogation group is a "
                               "whole number 1..16 (a spreadsheet may have read '1,3' as a decimal number: separate "
                               "the groups with spaces or ';')")


def test_a_sheet_named_for_a_csv_list_is_refused(tmp_path: Path) -> None:
    """--sheet with a CSV list went unused, silently."""
    with pytest.raises(SignalListError) as info:
        read_signal_list(write_csv(tmp_path / "l.csv", RIGHT), sheet="IO-Liste")
    assert str(info.value) == f"{tmp_path / 'l.csv'}: the sheet 'IO-Liste' was named, but the file is CSV text, which has no sheets"


def test_a_return_value_may_be_a_range_as_the_expected_value_may() -> None:
    """expected_value took 49..51 (parse_range in the list), return_value refused it (expectation)."""
    rows = parse_csv_text(
        "name,ca,ioa,type,value,command_io_address,command_type,command_value,return_value\n"
        "Set point,47,302,M_ME_NC_1,49..51,600,C_SE_NC_1,50,49.9..50.1\n", file="l.csv").rows
    assert rows[0].expected.matches(50.0) and rows[0].return_value.matches(50.05)  # type: ignore[union-attr]
    assert not rows[0].return_value.matches(50.2)  # type: ignore[union-attr]


def test_a_decimal_comma_in_a_comma_list_names_the_split_value_not_the_shifted_cells() -> None:
    """'231,5' unquoted in a comma list makes two cells and shifts the rest of the row: the errors
    blamed the shifted cells ("column 'select': '5' is not yes or no", "column 'restore': ...")."""
    header = "name,ca,ioa,type,expected_value,command_io_address,command_type,command_value,select,restore\n"
    with pytest.raises(SignalListError) as info:
        parse_csv_text(header + "Q0,47,100,M_SP_NA_1,ON,500,C_SC_NA_1,OFF,,yes\n"
                       "V,47,301,M_ME_NC_1,230,511,C_SE_NC_1,231,5,,yes\n", file="l.csv")
    assert [str(p) for p in info.value.problems] == [
        "l.csv, row 3: 11 cells, but the header row has 10: a comma inside a value splits it (a decimal comma "
        "in a comma-separated list?); column 'command_value' reads as '231' and the next as '5': write 231.5 "
        "or quote it (\"231,5\")"]
    # trailing empty cells beyond the header shift nothing and stay accepted
    rows = parse_csv_text(header + "Q0,47,100,M_SP_NA_1,ON,500,C_SC_NA_1,OFF,,yes,,\n", file="l.csv").rows
    assert rows[0].restore


def test_a_misspelt_field_in_a_mapping_file_names_that_file_and_line(tmp_path: Path) -> None:
    """'io_adress: Info address' was reported against the signal list ('l.csv: the column mapping
    names ...'), without the closest field, followed by 'missing column io_address' errors."""
    (tmp_path / "map.yaml").write_text("name: Signal text\nio_adress: Info address\n")
    with pytest.raises(SignalListError) as info:
        read_signal_list(write_csv(tmp_path / "l.csv", RIGHT), columns=tmp_path / "map.yaml")
    assert [str(p) for p in info.value.problems] == [
        f"{tmp_path / 'map.yaml'}:2: the column mapping names 'io_adress', which is no field (did you mean "
        "io_address?); fields: name, common_address, io_address, type, expected_value, expected_quality, unit, groups, "
        "command_io_address, command_type, command_value, select, return_io_address, return_value, interrogation, timeout, "
        "restore, max_skew, skip"]


def test_two_columns_read_as_one_field_are_refused_naming_both(tmp_path: Path) -> None:
    """A list with 'IOA' twice (or 'ca' beside 'common_address') read the last (or the canonical)
    one and set the other aside as 'not checked': which column held the address was a guess."""
    with pytest.raises(SignalListError) as twice:
        parse_csv_text("name,ca,ioa,type,ioa\nQ0,47,100,M_SP_NA_1,200\n", file="l.csv")
    assert str(twice.value) == ("l.csv, row 1: the columns 'ioa' (column 3) and 'ioa' (column 5) are each read as "
                                "io_address: which one holds it is a guess; keep one (rename or delete the others)")
    book = openpyxl.Workbook()
    book.active.title = "Signals"
    book.active.append(["name", "ca", "common_address", "ioa", "type"])
    book.active.append(["Q0", 1, 47, 100, "M_SP_NA_1"])
    book.save(tmp_path / "l.xlsx")
    with pytest.raises(SignalListError) as both:
        read_signal_list(tmp_path / "l.xlsx")
    assert str(both.value) == (
        f"{tmp_path / 'l.xlsx'}, sheet Signals, row 1: the columns B 'ca' and C 'common_address' are each read as "
        "common_address: which one holds it is a guess; keep one (rename or delete the others, or name the one to "
        "read in a column mapping (common_address: header))")
    (tmp_path / "map.yaml").write_text("common_address: common_address\n")
    assert read_signal_list(tmp_path / "l.xlsx", columns=tmp_path / "map.yaml").rows[0].common_address == 47
    # a name beside a description checks nothing: the first is the row's name, as before
    listed = parse_csv_text("name,description,ca,ioa,type\nQ0,Breaker closed,47,100,M_SP_NA_1\n", file="l.csv")
    assert listed.rows[0].name == "Q0" and listed.unused == ("description",)


def test_an_address_with_a_thousands_separator_is_not_read_as_a_decimal() -> None:
    """'1.000' in a list from a German spreadsheet was read as IOA 1 (a decimal point and zeros):
    the check went to another point. Either reading is a guess, so the row is refused."""
    with pytest.raises(SignalListError) as info:
        parse_csv_text("name;ca;ioa;type\nQ0;47;1.000;M_SP_NA_1\nQ1;47;100.0;M_SP_NA_1\nQ2;12.500;7;M_SP_NA_1\n",
                       file="l.csv")
    # padded with zeros, as some tools export an address: decimal (it was 'not a number')
    assert parse_csv_text("name;ca;ioa;type\nQ0;0047;000100;M_SP_NA_1\n").rows[0].key == (47, 100)
    assert str(info.value).splitlines() == [
        "l.csv, row 2, column 'ioa': IOA '1.000': is the point a thousands separator (1000) or a decimal point (1)? "
        "write the number without separators",
        "l.csv, row 4, column 'ca': common address '12.500': is the point a thousands separator (12500)? "
        "write the number without separators",
    ]


def test_a_cell_merged_over_rows_gives_each_row_its_value(tmp_path: Path) -> None:
    """A CA merged over a bay's rows (and a group over several) is stored in the first cell only:
    the other rows were refused as 'empty common_address'. Each row gets the value it shows."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Signals"
    sheet.append(["Signal list of RTU 12"])
    sheet.merge_cells("A1:E1")
    sheet.append(["name", "ca", "ioa", "type", "groups"])
    for i, ca in enumerate((47, None, None, 12, None)):
        sheet.append([f"P{i}", ca, 100 + i, "M_SP_NA_1", 1 if i == 0 else None])
    sheet.merge_cells("B3:B5")
    sheet.merge_cells("B6:B7")
    sheet.merge_cells("E3:E7")
    book.save(tmp_path / "merged.xlsx")
    rows = read_signal_list(tmp_path / "merged.xlsx").rows
    assert [(r.row, r.common_address, r.io_address, r.groups) for r in rows] == [
        (3, 47, 100, (1,)), (4, 47, 101, (1,)), (5, 47, 102, (1,)), (6, 12, 103, (1,)), (7, 12, 104, (1,))]
    # a heading merged over the row's width is one cell of text, never copied into the IOA column;
    # without a '#' it is named once as what it probably is
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Signals"
    sheet.append(["name", "ca", "ioa", "type"])
    sheet.append(["Bay 2 switchgear"])
    sheet.merge_cells("A2:D2")
    sheet.append(["Q0", 47, 100, "M_SP_NA_1"])
    book.save(tmp_path / "heading.xlsx")
    with pytest.raises(SignalListError) as info:
        read_signal_list(tmp_path / "heading.xlsx")
    assert str(info.value) == (f"{tmp_path / 'heading.xlsx'}, sheet Signals, row 2, column A 'name': only this cell is "
                               "filled ('Bay 2 switchgear'): a section heading? start it with # (or fill in the "
                               "point's common_address, io_address and type)")
    sheet["A2"] = "# Bay 2 switchgear"
    book.save(tmp_path / "heading.xlsx")
    assert [r.row for r in read_signal_list(tmp_path / "heading.xlsx").rows] == [3]


def test_a_quoted_decimal_comma_in_a_comma_list_says_how_to_write_it() -> None:
    with pytest.raises(SignalListError) as info:
        parse_csv_text('name,ca,ioa,type,expected_value\nV,47,301,M_ME_NC_1,"230,5"\n', file="l.csv")
    assert str(info.value) == ("l.csv, row 2, column 'expected_value': '230,5' is not a number: a comma as the "
                               "decimal sign? write 230.5; a short float is a number in the float32 range")
    with pytest.raises(SignalListError, match=r"write 1\.234 \(or 1234 if it separates thousands\)"):
        parse_csv_text('name,ca,ioa,type,expected_value\nV,47,301,M_ME_NC_1,"1,234"\n', file="l.csv")
