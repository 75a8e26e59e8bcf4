"""The c104-compatible API and ``c104test monitor`` against a misbehaving RTU, each in a child process
(as users run them): a call returns or fails within t1 + its timeout + 2 s, says why, and
``Client.stop()`` leaves no thread."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import SLACK, MisbehavingRtu, subprocess_env

SCRIPT = Path(__file__).with_name("api_script.py")
API_T1, API_TIMEOUT = 2.0, 2.0  # as api_script.py sets them
STALL_CAUSE = r"\bt1\b|read nothing|unsent|not tak"


def run_api(peer: MisbehavingRtu, mode: str) -> dict:
    child = subprocess.Popen(
        [sys.executable, str(SCRIPT), str(peer.port), mode],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=subprocess_env(),
    )
    try:
        assert child.stdout.readline().strip() == "READY"  # type: ignore[union-attr]
        if peer.mode == "flood":
            peer.wait_stalled()
        child.stdin.write("go\n")  # type: ignore[union-attr]
        child.stdin.flush()  # type: ignore[union-attr]
        bound = API_T1 + API_TIMEOUT + SLACK + 5  # + stop() and the interpreter's exit
        out, err = child.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        pytest.fail(f"the c104-API script ({mode}) was still running {bound:g} s after the call began")
    assert child.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("mode", ["interrogation", "command"])
def test_api_call_fails_in_time_against_an_rtu_that_floods_and_stops_reading(
    misbehaving_rtu: Callable[[str], MisbehavingRtu], mode: str
) -> None:
    import re

    peer = misbehaving_rtu("flood")
    report = run_api(peer, mode)
    assert report["opened"], report
    assert report["returned"] is False, report  # c104's API: False, the reason in the log
    assert report["took"] <= API_T1 + API_TIMEOUT + SLACK, report
    assert any(re.search(STALL_CAUSE, m, re.IGNORECASE) for m in report["log"]), report["log"][-5:]
    assert report["stop"] <= 5.0 and report["threads"] == [], report


def test_api_interrogation_of_an_rtu_that_vanishes_midway(misbehaving_rtu: Callable[[str], MisbehavingRtu]) -> None:
    report = run_api(misbehaving_rtu("vanish"), "interrogation")
    assert report["returned"] is False and report["took"] <= API_T1 + API_TIMEOUT + SLACK, report
    assert any("closed by the peer" in m or "peer closed" in m.lower() for m in report["log"]), report["log"][-5:]
    assert report["threads"] == [], report


def test_api_command_answered_by_a_reset(misbehaving_rtu: Callable[[str], MisbehavingRtu]) -> None:
    report = run_api(misbehaving_rtu("reset"), "command")
    assert report["returned"] is False and report["took"] <= API_T1 + API_TIMEOUT + SLACK, report
    assert any("reset" in m.lower() for m in report["log"]), report["log"][-5:]
    assert report["threads"] == [], report


def monitor(port: int, *args: str, limit: float) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "c104test", "monitor", f"127.0.0.1:{port}", "--once", "-c", "47", *args],
            capture_output=True, text=True, timeout=limit, env=subprocess_env(), check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"c104test monitor {' '.join(args)} was still running after {limit:g} s")
    return done, time.monotonic() - started


def interpreter_start() -> float:
    """Seconds to start Python and import what ``c104test monitor`` imports, now: the part of a CLI
    run before any wait (it grows with the machine's load; CI has 2 cores for 4 test workers)."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import c104test.cli, c104test.engine.client"], capture_output=True,
                   timeout=30, env=subprocess_env(), check=True)
    return time.monotonic() - started


def test_monitor_timeout_bounds_the_startdt_confirmation(misbehaving_rtu: Callable[[str], MisbehavingRtu]) -> None:
    peer = misbehaving_rtu("mute")
    done, took = monitor(peer.port, "--timeout", "2", limit=15)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert took <= 2 + SLACK + max(1.5, 1.5 * interpreter_start()), took
    assert "STARTDT" in done.stderr and "within 2 s" in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_monitor_fails_in_time_against_an_rtu_that_floods_and_stops_reading(
    misbehaving_rtu: Callable[[str], MisbehavingRtu],
) -> None:
    peer = misbehaving_rtu("flood")
    t1 = 15.0  # monitor has no option for t1
    done, took = monitor(peer.port, "--timeout", "2", limit=t1 + 2 + SLACK + 10)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert took <= t1 + 2 + SLACK + 1.5, took
    assert "Traceback" not in done.stderr and done.stderr.count("\n") <= 12, done.stderr
    # the interrogation was sent before the client stalled: a missing ACT_CON is the cause it sees
    assert any(word in done.stderr for word in ("ACT_CON", "t1", "read nothing", "unsent")), done.stderr


def test_monitor_rejects_a_bad_journal_size() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "c104test", "monitor", "--journal-size", "lots"],
        capture_output=True, text=True, timeout=30, env=subprocess_env(), check=False,
    )
    assert done.returncode == 2 and "--journal-size: journal size 'lots' is not a size" in done.stderr, done.stderr


def test_api_connect_bounds_the_startdt_confirmation_by_the_command_timeout(
    misbehaving_rtu: Callable[[str], MisbehavingRtu], caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    import c104test as c104

    peer = misbehaving_rtu("mute")
    client = c104.Client(command_timeout_ms=1000)
    client.add_connection(ip="127.0.0.1", port=peer.port, init=c104.Init.ALL)
    started = time.monotonic()
    with caplog.at_level(logging.INFO, "c104test"):
        client.start()
        try:
            while time.monotonic() - started < 10:
                if any("no STARTDT con within 1 s" in r.getMessage() for r in caplog.records):
                    break
                time.sleep(0.02)
            took = time.monotonic() - started
        finally:
            client.stop()
    assert took <= 1.0 + SLACK, [r.getMessage() for r in caplog.records]  # not t1 (15 s)
