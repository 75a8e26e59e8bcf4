"""The FAT against a c104 RTU (PyPI ``c104``, lib60870 inside) with k 6 and t1 3 s: its station
interrogation takes more I-frames than k, so the tool must acknowledge within the RTU's window and
t1 (``--link k=6,t1=3``); with its own w 8 and t2 10 s the RTU closed the link (t1) and every
row was an error. c104 is GPLv3: it runs only as a separate process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from c104test.cli import main
from tests.conformance.test_c104_configured import PEER, _config
from tests.engine.test_client_c104 import c104_peer

pytestmark = pytest.mark.timeout(60)

SIGNALS = """\
name,common_address,io_address,type,expected_value,command_io_address,command_type,command_value,select,return_io_address
single,1,10,M_SP_NA_1,ON,500,C_SC_NA_1,ON,,10
double with time,1,13,M_DP_TB_1,OFF,501,C_DC_NA_1,OFF,yes,13
scaled with time,1,20,M_ME_TE_1,99,,,,,
station 47,47,100,M_SP_NA_1,ON,,,,,
largest addresses,65534,16777215,M_ME_NC_1,1.0,,,,,
"""


@pytest.fixture(scope="module")
def rtu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    here = tmp_path_factory.mktemp("c104fat")
    config = _config(6)
    config["commands"] = [
        {"common_address": 1, "io_address": 500, "type": "C_SC_NA_1", "return_io_address": 10},
        {"common_address": 1, "io_address": 501, "type": "C_DC_NA_1", "mode": "select", "return_io_address": 13},
        # commands that move no monitored point: c104 sends no return information (and no ACT_TERM)
        {"common_address": 1, "io_address": 502, "type": "C_SC_NA_1"},
        {"common_address": 1, "io_address": 503, "type": "C_SC_NA_1", "answer": "FAILURE"},
    ]
    (here / "rtu.json").write_text(json.dumps(config))
    (here / "signals.csv").write_text(SIGNALS)
    with c104_peer(str(here / "rtu.json"), peer=PEER) as port:
        yield port, here


def test_fat_passes_against_an_rtu_with_a_small_window(rtu: tuple[int, Path], capsys: pytest.CaptureFixture[str]) -> None:
    port, here = rtu
    code = main(["fat", f"127.0.0.1:{port}", "--points", str(here / "signals.csv"), "--output", str(here / "report"),
                 "--timeout", "3", "--link", "k=6,t1=3"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "5 pass, 0 fail, 0 error" in out, out


NO_RETURN = """\
name;common_address;io_address;type;expected_value;command_io_address;command_type;command_value;return_io_address
reset;1;10;M_SP_NA_1;ON;502;C_SC_NA_1;ON;none
refused;1;20;M_ME_TE_1;99;503;C_SC_NA_1;ON;-
"""


def test_a_command_without_return_information_against_c104(rtu: tuple[int, Path],
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Against lib60870: it passed only if a return report came (it never does); now on its ACT_CON,
    and the command c104 refuses (negative ACT_CON) fails."""
    port, here = rtu
    (here / "no-return.csv").write_text(NO_RETURN)
    code = main(["fat", f"127.0.0.1:{port}", "--points", str(here / "no-return.csv"), "--output",
                 str(here / "no-return"), "--timeout", "3", "--link", "k=6,t1=3"])
    out = capsys.readouterr().out
    assert code == 1 and "1 pass, 1 fail, 0 error" in out, out
    points = json.loads((here / "no-return" / "results.json").read_text())["points"]
    assert [(p["verdict"], p["reason"]) for p in points] == [
        ("pass", "command confirmed; no return information checked (the list says the RTU sends none); "
                 "ACT_TERM not required (PIXIT)"),
        ("fail", "C_SC_NA_1 ON to IOA 503: negative confirmation (COT 7 ACTIVATION_CON, P/N=1)"),
    ]


def test_rtu_link_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fat", "127.0.0.1:1", "--points", "x.csv", "--link", "w=3"]) == 2
    assert "--link: 'w=3': expected k=N or t1=SECONDS" in capsys.readouterr().err
