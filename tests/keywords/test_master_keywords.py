"""The master-check keywords run the definitions: the library's own connection is the master
under test (a c104test master), checked by a listener of the same library."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from robot.api import SkipExecution

from c104test.conformance import CaseFailed
from c104test.protocol.enums import Type
from tests.conformance.masters import PICS_TEXT

from .test_library import CA, HOST, Keywords, kw  # noqa: F401  (kw is a fixture)

pytestmark = pytest.mark.timeout(60)


def test_listener_checks_the_connecting_master(kw: Keywords, tmp_path: Path) -> None:  # noqa: F811
    pics = tmp_path / "master.yaml"
    pics.write_text(PICS_TEXT.replace("provoke_t1: true", "provoke_t1: false"))
    port = kw("Start Master Conformance Listener", str(pics), checks="M01,M02,M06,M07,M08", wait=10,
              output=str(tmp_path / "out"))
    kw("Connect To RTU", HOST, port, common_address=CA)  # the master under test: STARTDT
    kw("Send Interrogation")
    kw("Send Command", 501, "ON", Type.C_SC_NA_1, select=True)
    kw("Send Command", 500, "ON", Type.C_SC_NA_1)  # no clock synchronisation, though the PICS claims it
    verdicts = kw("Wait For Master Conformance", timeout=30)
    assert verdicts == {"M01": "pass", "M02": "pass", "M06": "n/a", "M07": "fail", "M08": "pass"}
    assert kw("Master Check Should Pass", "M08") == "pass"
    with pytest.raises(CaseFailed, match="M07 Clock synchronisation: no clock synchronisation"):
        kw("Master Check Should Pass", "M07")
    with pytest.raises(SkipExecution, match=r"M06 n/a: PICS master\.provoke_t1"):
        kw("Master Check Should Pass", "M06")
    assert json.loads((tmp_path / "out" / "results.json").read_text())["mode"] == "master"
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert f"master under test (simulated RTU on 127.0.0.1:{port})" in page
    assert "<svg" in page and ">master</text>" in page  # M07's evidence: the chart names the master


def test_what_the_pics_left_out_is_logged_by_the_robot_keywords(
    kw: Keywords, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """As the CLI prints it before a run: the functions not claimed and the defaults used."""
    from c104test.keywords import conformance as keywords

    logged: list[str] = []
    monkeypatch.setattr(keywords.logger, "info", lambda message, *args, **kwargs: logged.append(str(message)))
    pics = tmp_path / "minimal.yaml"
    pics.write_text("rtu: {common_addresses: [47]}\n")
    port = kw("Start Simulated RTU")
    with pytest.raises(SkipExecution, match=r"functions\.read"):
        kw("Run Conformance Case", "A16", str(pics), HOST, port)
    summary = [line for line in logged if line.startswith(f"PICS {pics}:")]
    assert summary and "not claimed (optional, not in the file): " in summary[0] and "functions.read" in summary[0]
    assert "the standard's default used: " in summary[0] and "link.t1 15" in summary[0]
