"""Signal lists for the demo RTU used by the FAT tests: one right, one with deliberate mistakes."""

from __future__ import annotations

from pathlib import Path

HEADER = ("name,common_address,io_address,type,expected_value,expected_quality,groups,command_io_address,"
          "command_type,command_value,select,return_io_address,return_value,timeout,restore,skip")

RIGHT = [
    "Breaker Q0 closed,47,100,M_SP_NA_1,ON,,1,500,C_SC_NA_1,OFF,,,,3,yes,",
    "Earthing switch Q8 closed,47,101,M_SP_TB_1,OFF,,1,501,C_SC_NA_1,ON,yes,,,3,yes,",
    "Disconnector Q1 position,47,200,M_DP_NA_1,ON,,1,502,C_DC_NA_1,OFF,,,,3,yes,",
    "Disconnector Q9 position,47,201,M_DP_TB_1,OFF,,1,,,,,,,,,",
    "Active power,47,300,M_ME_NB_1,1234 +- 5,,2,,,,,,,,,",
    "Busbar voltage,47,301,M_ME_NC_1,225..235,,2,,,,,,,,,",
    "Frequency,47,302,M_ME_NC_1,49.98 +- 0.05,,2,,,,,,,,,",
    "Transformer load,47,303,M_ME_NA_1,0.25,,2,,,,,,,,,",
    "Tap changer,47,310,M_ST_NA_1,5,,3,,,,,,,,,",
    "Status word,47,320,M_BO_NA_1,0x0000A5A5,,3,,,,,,,,,",
    "Energy import,47,400,M_IT_NA_1,12345,,,,,,,,,,,",
    "Energy export,47,401,M_IT_TB_1,678,,,,,,,,,,,",
]

#: row number (header is row 1) -> the reason's telling words, for every deliberately wrong row
WRONG_ROWS = {
    2: ("Breaker Q0 closed,47,100,M_SP_NA_1,ON,,1,500,C_SC_NA_1,OFF,,,ON,1,yes,",
        "no fresh report of IOA 100 showing ON"),
    4: ("Disconnector Q1 position,47,200,M_DP_NA_1,OFF,,1,,,,,,,,,", "value ON, expected OFF"),
    6: ("Active power,47,300,M_ME_NC_1,1234,,2,,,,,,,,,", "type M_ME_NB_1, listed M_ME_NC_1"),
    8: ("Frequency,47,302,M_ME_NC_1,49.98 +- 0.05,,3,,,,,,,,,", "missing from the interrogation of group 3"),
    9: ("Transformer load,47,303,M_ME_NA_1,0.25,NT,2,,,,,,,,,", "quality good, expected NT"),
    13: ("Energy export,47,401,M_IT_TB_1,999,,,,,,,,,,,", "value 678, expected 999"),
    14: ("Missing point,47,999,M_SP_NA_1,ON,,,,,,,,,,,", "IOA 999 is not in the station interrogation"),
}


def wrong_lines() -> list[str]:
    lines = list(RIGHT)
    for row, (line, _) in sorted(WRONG_ROWS.items()):
        index = row - 2
        if index < len(lines):
            lines[index] = line
        else:
            lines.append(line)
    return lines


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def write_xlsx(path: Path, lines: list[str], sheet: str = "Signals") -> Path:
    import csv

    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for cells in csv.reader([HEADER, *lines]):
        ws.append([int(c) if c.isdigit() else c for c in cells])
    book.save(path)
    return path
