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


def test_rtu_link_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fat", "127.0.0.1:1", "--points", "x.csv", "--link", "w=3"]) == 2
    assert "--link: 'w=3': expected k=N or t1=SECONDS" in capsys.readouterr().err
