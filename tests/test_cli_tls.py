"""CLI: c104test simulate and monitor with the --tls-* options, in separate processes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tls_pki import Pki, make_pki

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "c104test", *args]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def server_tls(pki: Pki) -> list[str]:
    return ["--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key), "--tls-ca", str(pki.ca)]


def client_tls(pki: Pki) -> list[str]:
    return ["--tls-cert", str(pki.client_cert), "--tls-key", str(pki.client_key), "--tls-ca", str(pki.ca)]


def test_monitor_interrogates_a_tls_simulator_with_mutual_auth(pki: Pki) -> None:
    sim = subprocess.Popen(
        cli("simulate", "--port", "0", "--no-changes", *server_tls(pki), "--tls-min-version", "1.2"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(),
    )
    try:
        assert sim.stdout is not None
        line = sim.stdout.readline()
        port = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        assert port, line
        address = f"127.0.0.1:{port.group(1)}"
        good = subprocess.run(
            cli("monitor", address, "--once", "-c", "47", "--timeout", "5", *client_tls(pki),
                "--tls-peer-cert", str(pki.server_cert)),
            capture_output=True, text=True, timeout=30, env=env(),
        )
        assert good.returncode == 0, good.stderr
        assert re.search(r"^\s+47\s+100\s+M_SP_NA_1\s+True|^\s+47\s+100 ", good.stdout, re.M), good.stdout
        # a client without a certificate is refused, in words, and the simulator goes on
        bad = subprocess.run(
            cli("monitor", address, "--once", "-c", "47", "--timeout", "5", "--tls-ca", str(pki.ca)),
            capture_output=True, text=True, timeout=30, env=env(),
        )
        assert bad.returncode == 1
        assert "client certificate" in bad.stderr
        again = subprocess.run(
            cli("monitor", address, "--once", "-c", "47", "--timeout", "5", *client_tls(pki)),
            capture_output=True, text=True, timeout=30, env=env(),
        )
        assert again.returncode == 0, again.stderr
    finally:
        sim.terminate()
        _, log = sim.communicate(timeout=10)
    assert "the client at 127.0.0.1:" in log and "sent no certificate" in log


@pytest.mark.parametrize("command", ["simulate", "monitor"])
def test_missing_certificate_file_exits_2_naming_it(pki: Pki, tmp_path: Path, command: str) -> None:
    missing = tmp_path / "nowhere.pem"
    args = ["--port", "0"] if command == "simulate" else ["127.0.0.1:1"]
    done = subprocess.run(
        cli(command, *args, "--tls-cert", str(missing), "--tls-key", str(pki.client_key), "--tls-ca", str(pki.ca)),
        capture_output=True, text=True, timeout=30, env=env(),
    )
    assert done.returncode == 2
    assert f"tls_cert file '{missing}' does not exist" in done.stderr
