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


def run_master_conformance(tmp_path: Path, *script_args: str) -> tuple[int, str, dict, Path]:
    pics = tmp_path / "master.yaml"
    pics.write_text(MASTER_PICS)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    tool = subprocess.Popen(
        [sys.executable, "-m", "c104test", "conformance", "--master", "--listen", "127.0.0.1:0", "--wait", "15",
         "--pics", str(pics), "--output", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert tool.stdout is not None
        first = tool.stdout.readline()
        port = re.search(r"listening on 127\.0\.0\.1:(\d+)", first)
        assert port, first
        master = subprocess.run([sys.executable, str(PEER), port.group(1), *script_args],
                                capture_output=True, text=True, timeout=45, env=env)
        rest, _errors = tool.communicate(timeout=30)
    finally:
        if tool.poll() is None:
            tool.kill()
            tool.communicate()
    assert master.returncode == 0, master.stderr[-2000:]
    returned = json.loads(master.stdout.strip().splitlines()[-1])
    return tool.returncode, first + rest, returned, out


@pytest.mark.parametrize("api", ["c104", "c104test"])
def test_master_mode_checks_a_c104_api_client_with_a_report(tmp_path: Path, api: str) -> None:
    if api == "c104" and not _c104_importable():  # asked in another process: c104 never loads here
        if os.environ.get("CI") == "true":
            pytest.fail("the c104 package must be importable when CI=true (pip install c104)")
        pytest.skip("c104 is not installed (it is a test peer only: pip install c104)")
    status, console, returned, out = run_master_conformance(tmp_path, *(["--c104test"] if api == "c104test" else []))
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
