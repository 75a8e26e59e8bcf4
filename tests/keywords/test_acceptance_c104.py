"""The acceptance suite against a c104 (PyPI, lib60870 inside) RTU in a separate process.

c104 is GPLv3, so it is never imported here, nor in the Robot process: ``peers/c104_demo_rtu.py``
runs in its own Python process and mirrors the demo RTU as far as c104 can (CA 47, the same points,
values and command points). Robot runs keywords/acceptance.robot against it as against a real RTU,
``--include c104-peer``, with the one variable that tolerates where c104 2.2.1 deviates
(shared/spec/c104-api.md §2.2); the simulator runs of the same suite keep the standard's checks.
c104 confirms a command with ACT_CON only (no ACT_TERM, which the standard allows); the default
``act_term=optional`` accepts that, so no variable is needed for it.

- ``NEGATIVE_MIRROR:None``: c104 refuses a command to an unknown IOA or of a wrong type with a
  negative ACT_CON and then a COT 47/44 copy without P/N.

The tests left out (each says why in the suite): group and counter group interrogations (c104 serves
QOI 20 and RQT GENERAL only), reset process (not implemented), unknown types (no COT 44), read (an
ACT_CON before the object), and the tests that change or start simulated RTUs.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from robot.api import ExecutionResult

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "keywords" / "acceptance.robot"
PEER = Path(__file__).parent / "peers" / "c104_demo_rtu.py"
STARTUP = 20.0  # seconds for the peer process to listen
ROBOT_LIMIT = 60.0  # seconds for the whole robot run

#: the acceptance tests tagged c104-peer: all of them must run, and pass
C104_TESTS = {
    "Interrogation Brings Every Point",
    "Getters Compare Values With Assertion Operators",
    "Counter Interrogation Reads The Counters",
    "System Commands Are Confirmed",
    "Direct Single Command Reports Back",
    "Select Before Operate Reports Back",
    "Double Command Set-points And Steps Report Back",
    "Refused Commands Pass With Expect NEGATIVE Or ANY",
    "Connections Have Aliases And Indexes",
    "RTU Timeout Can Be Changed And Restored",
    "Traffic Is Logged And Captured",
    "Raw Frames And Link Options",
    "Sequence Error Closes The Connection",
}

#: where c104 deviates from the standard, through the suite's documented variables
INTEROP_VARIABLES = ("NEGATIVE_MIRROR:None",)


# ---- the peer process -----------------------------------------------------------------------------


def _c104_importable() -> bool:
    probe = subprocess.run(
        [sys.executable, "-c", "import c104"], capture_output=True, timeout=60, check=False
    )
    return probe.returncode == 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Peer:
    """The running c104 peer: its port and what it printed so far."""

    def __init__(self, port: int, out: IO[str]) -> None:
        self.port = port
        self._out = out

    def log(self) -> str:
        self._out.seek(0)
        return self._out.read()


@pytest.fixture
def c104_rtu() -> Iterator[Peer]:
    if not _c104_importable():
        if os.environ.get("CI") == "true":
            pytest.fail("the c104 package must be importable when CI=true (pip install c104)")
        pytest.skip("c104 is not installed (it is a test peer only: pip install c104)")
    port = _free_port()
    # stdout goes to a file, not a pipe: c104 logs to it, and a pipe nobody reads fills up
    with tempfile.NamedTemporaryFile("w+", suffix=".log") as out:
        proc = subprocess.Popen(
            [sys.executable, str(PEER), str(port)],
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        peer = Peer(port, out)
        try:
            deadline = time.monotonic() + STARTUP
            while not ("READY" in peer.log() and _accepts(port)):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the c104 peer did not start on port {port}:\n{peer.log()}")
                time.sleep(0.05)
            yield peer
        finally:
            assert proc.stdin is not None
            proc.stdin.close()  # the peer stops when stdin closes
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


# ---- the acceptance suite against it -------------------------------------------------------------


def test_acceptance_suite_passes_against_a_c104_rtu(c104_rtu: Peer, tmp_path: Path) -> None:
    variables = [
        "RTU_HOST:127.0.0.1",
        f"RTU_PORT:{c104_rtu.port}",
        *INTEROP_VARIABLES,
    ]
    command = [sys.executable, "-m", "robot", "--include", "c104-peer"]
    for variable in variables:
        command += ["--variable", variable]
    command += ["--outputdir", str(tmp_path), "--log", "NONE", "--report", "NONE", "--consolecolors", "off"]
    done = subprocess.run(
        [*command, str(SUITE)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=ROBOT_LIMIT,
        check=False,
    )
    result = ExecutionResult(str(tmp_path / "output.xml"))
    tests = {}

    def walk(suite: object) -> None:
        for test in getattr(suite, "tests", ()):
            tests[test.name] = test
        for child in getattr(suite, "suites", ()):
            walk(child)

    walk(result.suite)
    failed = {name: t.message for name, t in tests.items() if t.status != "PASS"}
    assert not failed and done.returncode == 0, (
        f"{failed}\n{done.stdout[-3000:]}\n--- c104 peer ---\n{c104_rtu.log()[-3000:]}"
    )
    assert set(tests) == C104_TESTS
    assert [m.message for m in result.errors.messages] == []
    # the suite tested the c104 peer, and started no simulator of its own
    xml = (tmp_path / "output.xml").read_text(encoding="utf-8")
    assert f"Connected to 127.0.0.1:{c104_rtu.port} as RTU connection 'main'" in xml
    assert " listening on " not in xml
