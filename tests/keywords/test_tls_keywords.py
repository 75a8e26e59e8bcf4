"""Robot: Start Simulated RTU and Connect To RTU with the tls_ arguments (suites/tls.robot)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from robot.api import ExecutionResult

from tests.tls_pki import make_pki

SUITE = Path(__file__).parent / "suites" / "tls.robot"


@pytest.mark.timeout(90)
def test_tls_suite_passes(tmp_path: Path) -> None:
    pki = make_pki(tmp_path / "pki")
    variables = {
        "CA": pki.ca, "OTHER_CA": pki.other_ca, "SERVER_CERT": pki.server_cert,
        "SERVER_KEY": pki.server_key, "CLIENT_CERT": pki.client_cert, "CLIENT_KEY": pki.client_key,
    }
    command = [sys.executable, "-m", "robot", "--outputdir", str(tmp_path), "--console", "quiet"]
    for name, path in variables.items():
        command += ["--variable", f"{name}:{path}"]
    done = subprocess.run([*command, str(SUITE)], capture_output=True, text=True, timeout=80, check=False)
    result = ExecutionResult(str(tmp_path / "output.xml"))
    failed = [f"{t.name}: {t.message}" for t in result.suite.all_tests if not t.passed]
    assert done.returncode == 0 and not failed, (failed, done.stderr[-2000:])
    assert result.statistics.total.passed == 3
