"""pytest-bdd: --rtu-tls-cert/--rtu-tls-key/--rtu-tls-ca, against a TLS `c104test simulate` process
and against the embedded simulator (which then serves TLS with the same files)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tls_pki import Pki, make_pki

ROOT = Path(__file__).resolve().parents[2]
FEATURE = ROOT / "tests" / "tls_feature" / "run_tls_feature.py"
FAST = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-q", "-o", "addopts=")  # one process: no -n 4
pytestmark = pytest.mark.timeout(90)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def run_feature(*options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(FEATURE), *FAST, *options],
        capture_output=True, text=True, timeout=80, env=env(), cwd=ROOT,
    )


def test_feature_against_a_tls_simulator_process(pki: Pki) -> None:
    sim = subprocess.Popen(
        [sys.executable, "-m", "c104test", "simulate", "--port", "0", "--no-changes",
         "--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key), "--tls-ca", str(pki.ca)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(),
    )
    try:
        assert sim.stdout is not None
        port = re.search(r"listening on 127\.0\.0\.1:(\d+)", sim.stdout.readline())
        assert port
        tls = ("--rtu-tls-cert", str(pki.client_cert), "--rtu-tls-key", str(pki.client_key))
        done = run_feature("--rtu-host", "127.0.0.1", "--rtu-port", port.group(1), *tls, "--rtu-tls-ca", str(pki.ca))
        assert done.returncode == 0, done.stdout[-3000:]
        assert "1 passed" in done.stdout
        # the same run trusting another CA fails, and says why
        done = run_feature("--rtu-host", "127.0.0.1", "--rtu-port", port.group(1), *tls, "--rtu-tls-ca", str(pki.other_ca))
        assert done.returncode == 1
        assert "unknown CA" in done.stdout
    finally:
        sim.terminate()
        sim.communicate(timeout=10)


def test_feature_against_the_embedded_simulator_over_tls(pki: Pki) -> None:
    done = run_feature(
        "--rtu-tls-cert", str(pki.server_cert), "--rtu-tls-key", str(pki.server_key), "--rtu-tls-ca", str(pki.ca)
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "1 passed" in done.stdout


def test_missing_file_is_a_usage_error_naming_it(pki: Pki, tmp_path: Path) -> None:
    done = run_feature("--rtu-tls-ca", str(tmp_path / "absent-ca.pem"))
    assert done.returncode == 4  # pytest's usage error
    assert "absent-ca.pem" in done.stderr and "does not exist" in done.stderr
