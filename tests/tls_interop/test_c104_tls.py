"""TLS interoperability with c104 (PyPI; lib60870 and mbedtls inside), in separate processes.

- c104test's client (the c104-compatible API and the Robot keywords) against a c104 ``Server``
  with ``TransportSecurity``, mutual authentication and allowed lists: station interrogation
  and a command (peer: ``c104_tls_server.py``, c104 of the test venv).
- A c104 ``Client`` with ``TransportSecurity`` against ``c104test simulate --tls-...``: station
  interrogation and a command (peer: ``c104_tls_client.py``). c104 2.2.1's TLS client fails
  every handshake (c104 issue #64), so this peer runs with c104 2.2.0 from the venv named by
  ``C104_220_PYTHON`` (default /tmp/c104-220/bin/python; .ci/run makes it). About one c104 run
  in seven stays OPEN_MUTED (no STARTDT sent, as over plain TCP: docs/c104-differences.md); the
  c104 half is then run again, up to three times.

c104 is GPLv3: it is never imported here. Without it the tests are skipped, unless CI=true.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tls_pki import Pki, make_pki

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
C104_220 = Path(os.environ.get("C104_220_PYTHON", "/tmp/c104-220/bin/python"))
pytestmark = pytest.mark.timeout(90)


def _need(python: Path | str, version: str | None = None) -> None:
    """Skip (or fail under CI=true) when ``python`` cannot import c104 (of ``version``)."""
    probe = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('c104'))"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": ""},
    ) if Path(python).exists() else None
    found = None if probe is None or probe.returncode != 0 else probe.stdout.strip()
    if found is not None and (version is None or found == version):
        return
    message = f"c104{' ' + version if version else ''} is not importable by {python} (found {found})"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def c104_server(pki: Pki) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    _need(sys.executable)
    port = free_port()
    peer = subprocess.Popen(
        [sys.executable, str(HERE / "c104_tls_server.py"), str(port), str(pki.server_cert), str(pki.server_key),
         str(pki.ca), str(pki.client_cert)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONPATH": ""},
    )
    try:
        assert peer.stdout is not None
        assert peer.stdout.readline().strip() == "READY"
        yield port, peer
    finally:
        assert peer.stdin is not None
        peer.stdin.close()
        try:
            peer.wait(timeout=10)
        except subprocess.TimeoutExpired:
            peer.kill()
            peer.wait()


def commands_seen(peer: subprocess.Popen[str]) -> list[str]:
    assert peer.stdin is not None and peer.stdout is not None
    peer.stdin.close()
    out = peer.stdout.read()
    return re.findall(r"^COMMAND (\S+)$", out, re.M)


def test_c104_api_client_against_a_c104_tls_server(pki: Pki, c104_server: tuple[int, subprocess.Popen[str]]) -> None:
    port, peer = c104_server
    script = f"""
import time, json
import c104test as c104
tls = c104.TransportSecurity(validate=True, only_known=True)
tls.set_certificate(cert={str(pki.client_cert)!r}, key={str(pki.client_key)!r})
tls.set_ca_certificate(cert={str(pki.ca)!r})
tls.add_allowed_remote_certificate(cert={str(pki.server_cert)!r})
tls.set_version(min=c104.TlsVersion.TLS_1_2, max=c104.TlsVersion.TLS_1_3)
client = c104.Client(command_timeout_ms=5000, transport_security=tls)
connection = client.add_connection(ip="127.0.0.1", port={port}, init=c104.Init.NONE)
station = connection.add_station(common_address=47)
breaker = station.add_point(io_address=100, type=c104.Type.M_SP_NA_1)
command = station.add_point(io_address=500, type=c104.Type.C_SC_NA_1)
client.start()
deadline = time.monotonic() + 10
while connection.state != c104.ConnectionState.OPEN and time.monotonic() < deadline:
    time.sleep(0.05)
report = {{"state": str(connection.state), "interrogation": connection.interrogation(common_address=47),
          "breaker": breaker.value}}
command.value = False
report["command"] = command.transmit(cause=c104.Cot.ACTIVATION)
client.stop()
print(json.dumps(report))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"state": "ConnectionState.OPEN", "interrogation": True, "breaker": True, "command": True}
    assert commands_seen(peer) == ["False"]


def test_robot_keywords_against_a_c104_tls_server(pki: Pki, c104_server: tuple[int, subprocess.Popen[str]], tmp_path: Path) -> None:
    port, peer = c104_server
    suite = tmp_path / "c104_tls.robot"
    suite.write_text(f"""*** Settings ***
Library    c104test.keywords.IEC104Library    timeout=5s

*** Test Cases ***
Interrogation And Command Over Mutual TLS
    Connect To RTU    127.0.0.1    {port}    common_address=47    tls_cert={pki.client_cert}    tls_key={pki.client_key}
    ...    tls_ca={pki.ca}    tls_peer_certs={pki.server_cert}
    ${{result}}    Send Interrogation
    Should Be True    $result.positive and $result.terminated
    Get Point Value    100    ==    ON
    Send Command    500    OFF    C_SC_NA_1
    [Teardown]    Close All RTU Connections
""", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "robot", "--outputdir", str(tmp_path), "--console", "dotted", str(suite)],
        capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert commands_seen(peer) == ["False"]


def test_c104_220_tls_client_against_c104test_simulate(pki: Pki) -> None:
    _need(C104_220, "2.2.0")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    sim = subprocess.Popen(
        [sys.executable, "-m", "c104test", "simulate", "--port", "0", "--no-changes",
         "--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key), "--tls-ca", str(pki.ca),
         "--tls-peer-cert", str(pki.client_cert)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert sim.stdout is not None
        port = re.search(r"listening on 127\.0\.0\.1:(\d+)", sim.stdout.readline())
        assert port
        for _attempt in range(3):  # c104 now and then sends no STARTDT (plain TCP too): run again
            done = subprocess.run(
                [str(C104_220), str(HERE / "c104_tls_client.py"), port.group(1), str(pki.client_cert),
                 str(pki.client_key), str(pki.ca), str(pki.server_cert)],
                capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": ""},
            )
            report = json.loads(done.stdout.strip().splitlines()[-1])
            if report["state"] != "ConnectionState.OPEN_MUTED":
                break
    finally:
        sim.terminate()
        _, log = sim.communicate(timeout=10)
    assert report == {
        "state": "ConnectionState.OPEN", "interrogation": True, "breaker_before": True,
        "command": True, "breaker_after": False,
    }, report
    assert "C_SC_NA_1" in log or "command" in log.lower()
