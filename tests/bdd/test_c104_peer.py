"""The acceptance feature against an RTU built on lib60870: the c104 package in a separate process.

``peers/c104_demo_rtu.py`` rebuilds the demo RTU on c104 (PyPI, GPLv3, so it only ever runs as a
peer process; neither c104test nor this test imports it). The scenarios of features/acceptance.feature
tagged ``@c104-peer`` run against it with ``--rtu-host``, in a pytest subprocess, and must all pass.
The untagged scenarios say in a comment why they do not run here: where c104 departs from the
standard, or where the scenario drives the embedded simulator.

Skipped when c104 cannot be imported, unless CI=true: then it fails.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO

import pytest

ROOT = Path(__file__).resolve().parents[2]
PEER = Path(__file__).parent / "peers" / "c104_demo_rtu.py"
FEATURES = ROOT / "features"
TAG = "c104-peer"
CA = 47

# The scenarios (and outline examples) tagged @c104-peer; the run must pass at least these many.
AT_LEAST = 18

FAST = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-o", "addopts=")  # one process: no -n 4


def _c104_importable() -> str | None:
    """None if ``import c104`` works in a child process, else why not (never imported here)."""
    probe = subprocess.run([sys.executable, "-c", "import c104"], capture_output=True, text=True, timeout=60)
    if probe.returncode == 0:
        return None
    lines = probe.stderr.strip().splitlines()
    return lines[-1] if lines else f"exit status {probe.returncode}"


@pytest.fixture(scope="module")
def c104_available() -> None:
    problem = _c104_importable()
    if problem is None:
        return
    message = f"the c104 package (pip install c104) is not importable: {problem}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; it is required when CI=true")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class _Peer:
    """The c104 demo RTU in its own process; it prints into ``output`` (a temporary file)."""

    def __init__(self, port: int, output: IO[str]) -> None:
        self.port = port
        self.output = output
        self.process = subprocess.Popen(
            [sys.executable, str(PEER), str(port)],
            stdin=subprocess.PIPE,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
        )

    def text(self) -> str:
        self.output.seek(0)
        return self.output.read()

    def wait_until_listening(self, deadline: float) -> bool:
        """READY printed and the port accepting; False if the process ended first."""
        while "READY" not in self.text():
            if self.process.poll() is not None:
                return False
            if time.monotonic() > deadline:
                pytest.fail(f"the c104 peer printed no READY:\n{self.text()}")
            time.sleep(0.02)
        while not _accepts(self.port):
            if self.process.poll() is not None:
                return False
            if time.monotonic() > deadline:
                pytest.fail(f"the c104 peer does not accept on port {self.port}:\n{self.text()}")
            time.sleep(0.02)
        return True

    def stop(self) -> str:
        """Close its stdin (it stops then), wait, and return what it printed."""
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        return self.text()


@pytest.fixture
def c104_demo_rtu(c104_available: None) -> Iterator[_Peer]:
    """The c104 demo RTU listening on a free port of 127.0.0.1."""
    deadline = time.monotonic() + 20
    with ExitStack() as files:
        for _ in range(3):  # the free port may be taken between the probe and the peer's bind
            peer = _Peer(_free_port(), files.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8")))
            try:
                listening = peer.wait_until_listening(deadline)
            except BaseException:
                peer.stop()
                raise
            if listening:
                break
            output = peer.stop()
            if "Port in use" not in output:
                pytest.fail(f"the c104 peer ended before it listened:\n{output}")
        else:
            pytest.fail("the c104 peer found no free port in three attempts")
        try:
            yield peer
        finally:
            crashed = peer.process.poll() is not None
            output = peer.stop()
    assert not crashed, f"the c104 peer ended during the test:\n{output}"
    # a callback that raised: c104 prints the traceback and drops the callback, so from then on
    # the peer no longer behaves like the demo RTU
    for sign in ("Traceback", "erroneous callback"):
        assert sign not in output, f"the c104 peer reported an error:\n{output}"


def _outcomes(junit: Path) -> dict[str, str]:
    """Test name -> passed, failed, error or skipped, from a JUnit XML report."""
    outcomes: dict[str, str] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        outcome = "passed"
        for kind in ("failure", "error", "skipped"):
            if case.find(kind) is not None:
                outcome = {"failure": "failed"}.get(kind, kind)
        outcomes[case.get("name", "?")] = outcome
    return outcomes


def test_the_tagged_acceptance_scenarios_pass_against_a_c104_rtu(c104_demo_rtu: _Peer, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    done = subprocess.run(
        [
            sys.executable, "-m", "pytest", str(FEATURES / "test_features.py"), "-m", TAG,
            "-q", "-rfEs", *FAST,
            "-W", "error::pytest.PytestUnknownMarkWarning",  # features/conftest.py registers the tag
            f"--junitxml={junit}",
            "--rtu-host", "127.0.0.1", "--rtu-port", str(c104_demo_rtu.port),
            "--rtu-common-address", str(CA),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=90,
    )
    report = done.stdout[-6000:] + done.stderr[-2000:]
    assert done.returncode == 0, report
    outcomes = _outcomes(junit)
    not_passed = {name: outcome for name, outcome in outcomes.items() if outcome != "passed"}
    assert not not_passed, f"{not_passed}\n{report}"  # a skip would hide a scenario from c104
    assert len(outcomes) >= AT_LEAST, f"only {len(outcomes)} scenarios ran: {sorted(outcomes)}\n{report}"
    # the selection is by tag: the untagged scenarios were deselected, not run
    deselected = re.search(r"(\d+) deselected", done.stdout)
    assert deselected is not None and int(deselected.group(1)) > 0, report
    assert "test_group_interrogation" not in outcomes
