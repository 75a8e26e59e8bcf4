"""``c104test conformance --master`` checks a c104 client (PyPI c104, lib60870 inside) and the
same script on c104test's c104-compatible API, each with its report (results.json, junit.xml,
report.html, capture.pcap decoded by tshark).

Both run as processes: the CLI serves the simulated RTU on a free port and prints it, the master
script (tests/conformance/peers/c104_master.py) connects. c104 is GPLv3: only in its own process.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.engine.test_client_c104 import _c104_importable

from .test_cli import assert_capture_decodes

pytestmark = pytest.mark.timeout(60)

PEER = Path(__file__).parent / "peers" / "c104_master.py"
ROOT = Path(__file__).parents[2]

# The c104 master of peers/c104_master.py: its timers, what it does, the points it commands.
MASTER_PICS = """\
rtu: {common_addresses: [47]}
link: {k: 12, w: 8, t0: 10, t1: 2, t2: 1, t3: 2}
master:
  general_interrogation: true
  clock_sync: true
  commands_within: 8
  provoke_t1: false      # kept short here; tests/conformance/test_master_checks.py provokes t1
  provoke_negative: false
points:
  commands:
    - {io_address: 501, type: C_SC_NA_1, value: true, mode: select}
    - {io_address: 500, type: C_SC_NA_1, value: true, mode: direct}
"""


def run_master_conformance(tmp_path: Path, *script_args: str, pics_text: str = MASTER_PICS,
                           checks: str | None = None) -> tuple[int, str, dict, Path]:
    """The CLI in master mode and the master script against it (with ``--stay`` the script stays
    until the tool is done, so that it can connect again: M13)."""
    pics = tmp_path / "master.yaml"
    pics.write_text(pics_text)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    tool = subprocess.Popen(
        [sys.executable, "-m", "c104test", "conformance", "--master", "--listen", "127.0.0.1:0", "--wait", "15",
         "--pics", str(pics), "--output", str(out), *(["--cases", checks] if checks else [])],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    master = None
    try:
        assert tool.stdout is not None
        first = tool.stdout.readline()
        port = re.search(r"listening on 127\.0\.0\.1:(\d+)", first)
        assert port, first
        master = subprocess.Popen([sys.executable, str(PEER), port.group(1), *script_args],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        stdout, stderr = master.communicate(timeout=45)
        rest, _errors = tool.communicate(timeout=30)
    finally:
        for process in (tool, master):
            if process is not None and process.poll() is None:
                process.kill()
                process.communicate()
    assert master.returncode == 0, stderr[-2000:]
    returned = json.loads(stdout.strip().splitlines()[-1])
    return tool.returncode, first + rest, returned, out


@pytest.mark.timeout(180)  # up to three runs of c104's half
@pytest.mark.parametrize("api", ["c104", "c104test"])
def test_master_mode_checks_a_c104_api_client_with_a_report(tmp_path: Path, api: str) -> None:
    if api == "c104" and not _c104_importable():  # asked in another process: c104 never loads here
        if os.environ.get("CI") == "true":
            pytest.fail("the c104 package must be importable when CI=true (pip install c104)")
        pytest.skip("c104 is not installed (it is a test peer only: pip install c104)")
    for attempt in range(3 if api == "c104" else 1):
        # c104 2.2.1's client is flaky under load (seen on CI, two cores: it never acknowledged
        # M11's ASDU within t2 = 1 s): its half is run again, up to three times; c104test's once
        run = tmp_path / f"run{attempt}"
        run.mkdir()
        status, console, returned, out = run_master_conformance(run, *(["--c104test"] if api == "c104test" else []))
        if status == 0 or api != "c104":
            break
        warnings.warn(f"c104's client needed another master conformance run: {console[-400:]}", stacklevel=1)
    assert returned["state"] == "OPEN" and returned["interrogation"] is True, returned
    document = json.loads((out / "results.json").read_text())
    verdicts = {c["id"]: c["verdict"] for c in document["cases"]}
    assert document["mode"] == "master" and document["rtu"]["port"] > 0
    assert sorted(verdicts) == [f"M{n:02d}" for n in range(1, 14)]
    # t1 is not provoked, the tool refuses nothing and the PICS claims no reconnection and allows no
    # wrong N(S) here: those four are n/a
    unclaimed = ("M06", "M10", "M12", "M13")
    assert [verdicts.pop(check) for check in unclaimed] == ["n/a"] * 4
    failed = {c["id"]: c["reason"] for c in document["cases"] if c["verdict"] != "pass" and c["id"] not in unclaimed}
    assert failed == {}, failed
    assert status == 0, console
    assert re.search(r"^M03\s+Acknowledgement within t2\s+pass", console, re.M), console
    suite = ET.parse(out / "junit.xml").getroot()
    assert len(list(suite.iter("testcase"))) == 13 and suite.get("failures") == "0"
    assert "M08 Select before execute" in (out / "report.html").read_text(encoding="utf-8")
    assert_capture_decodes(out, document, port=document["rtu"]["port"], types=("STARTDT act", "C_IC_NA_1", "C_CS_NA_1", "C_SC_NA_1"))


def test_c104_master_when_the_tool_provokes_it(tmp_path: Path) -> None:
    """The checks that need provocation, against the c104 client: it closes t1 after its TESTFR act
    stayed unanswered (M06; t3 = 4 s, so it is its t1, not a count of unanswered TESTFR acts), does
    not retry a refused command (M10), connects again with STARTDT and the interrogation (M13) and
    closes on a wrong N(S) (M12)."""
    if not _c104_importable():
        if os.environ.get("CI") == "true":
            pytest.fail("the c104 package must be importable when CI=true (pip install c104)")
        pytest.skip("c104 is not installed (it is a test peer only: pip install c104)")
    provoking = (MASTER_PICS.replace("t3: 2}", "t3: 4}")
                 .replace("provoke_t1: false      # kept short here; tests/conformance/test_master_checks.py provokes t1",
                          "provoke_t1: true")
                 .replace("provoke_negative: false", "provoke_negative: true\n  reconnect: true\n  reconnect_within: 5\n"
                                                      "  provoke_sequence_error: true"))
    status, console, returned, out = run_master_conformance(tmp_path, "--stay", "--t3=4", pics_text=provoking,
                                                            checks="M06,M10,M12,M13")
    cases = {c["id"]: c for c in json.loads((out / "results.json").read_text())["cases"]}
    assert {check: case["verdict"] for check, case in cases.items()} == dict.fromkeys(("M06", "M10", "M12", "M13"), "pass"), cases
    closed = re.search(r"the master closed the connection at t=[\d.]+ s, ([\d.]+) s after its unanswered frame", cases["M06"]["reason"])
    assert closed and 1.5 < float(closed.group(1)) < 3.0, cases["M06"]["reason"]  # t1 = 2 s, t3 = 4 s
    refused = [e["explained"] for e in cases["M10"]["evidence"] if e["dir"] == "sent" and "NEGATIVE" in e["explained"]]
    assert any("IOA 501" in e for e in refused) and any("UNKNOWN_IOA" in e and "IOA 500" in e for e in refused), refused
    assert "on the new connection" in cases["M12"]["reason"] and "the master closed the connection" in cases["M12"]["reason"]
    assert "(the master closed it); the master connected again" in cases["M13"]["reason"]
    assert returned["reconnections"] >= 1 and status == 0, (returned, console)
