"""Robot keywords against a misbehaving RTU: each returns or fails within t1 + its timeout + 2 s,
with an error that names the cause; `Close All RTU Connections` returns within 5 s; no thread
is left (tests/faults/conftest.py checks it)."""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from robot import run
from robot.api import ExecutionResult

from . import robot_support
from .conftest import SLACK, T1, T2, TIMEOUT, MisbehavingRtu

BOUND = T1 + TIMEOUT + SLACK
# What a failure against a peer that stopped reading must say: t1 ran out, or what went unsent
STALL_CAUSE = re.compile(r"\bt1\b|read nothing|unsent|not tak", re.IGNORECASE)

FLOOD_SUITE = """
*** Settings ***
Library    c104test.keywords.IEC104Library    timeout={timeout}s    common_address=47
Library    tests.faults.robot_support
Test Setup    Connect And Let The Client Stall
Test Teardown    Close All RTU Connections
Test Timeout    {robot_timeout}s

*** Test Cases ***
Interrogation
    Send Interrogation

Command
    Send Command    500    ON    C_SC_NA_1

State
    Expect State    5    ON

*** Keywords ***
Connect And Let The Client Stall
    Connect To RTU    127.0.0.1    {port}    t1={t1}s    t2={t2}s    timeout={timeout}s
    Wait Until The Client Stalled
"""


def robot(suite: str, tmp_path: Path, **values: Any) -> Any:
    path = tmp_path / "faults.robot"
    path.write_text(textwrap.dedent(suite.format(**values)), encoding="utf-8")
    run(str(path), outputdir=str(tmp_path), report="NONE", log="NONE", stdout=io.StringIO(), stderr=io.StringIO())
    return ExecutionResult(str(tmp_path / "output.xml"))


def elapsed(item: Any) -> float:
    return item.elapsed_time.total_seconds()


def test_keywords_fail_in_time_against_an_rtu_that_floods_and_stops_reading(
    misbehaving_rtu: Callable[[str], MisbehavingRtu], tmp_path: Path
) -> None:
    peer = misbehaving_rtu("flood")
    robot_support.PEER = peer
    result = robot(FLOOD_SUITE, tmp_path, port=peer.port, t1=T1, t2=T2, timeout=TIMEOUT, robot_timeout=BOUND + 8)
    tests = {test.name: test for test in result.suite.tests}
    assert set(tests) == {"Interrogation", "Command", "State"}
    problems = []
    for name, test in tests.items():
        setup, body, teardown = test.setup, test.body[0], test.teardown
        assert setup.status == "PASS", f"{name}: the connection did not open: {setup.message}"
        if elapsed(body) > BOUND:
            problems.append(f"{name}: took {elapsed(body):.1f} s, more than {BOUND:g} s: {test.message}")
        if test.status != "FAIL":
            problems.append(f"{name} passed against an RTU that reads nothing")
        elif name == "State":  # waits for a report, sends nothing: it must only end in time
            if "IOA 5" not in test.message:
                problems.append(f"{name}: {test.message}")
        elif not STALL_CAUSE.search(test.message):
            problems.append(f"{name}: the error names no cause: {test.message}")
        if teardown.status != "PASS" or elapsed(teardown) > 5.0:
            problems.append(f"{name}: Close All RTU Connections took {elapsed(teardown):.1f} s: {teardown.message}")
    assert not problems, "\n".join(problems)


ONE_SHOT_SUITE = """
*** Settings ***
Library    c104test.keywords.IEC104Library    timeout={timeout}s    common_address=47
Test Teardown    Close All RTU Connections
Test Timeout    {robot_timeout}s

*** Test Cases ***
Fault
    Connect To RTU    127.0.0.1    {port}    t1={t1}s    t2={t2}s    timeout={timeout}s
    {keyword}
"""


@pytest.mark.parametrize(
    ("mode", "keyword", "cause"),
    [
        ("vanish", "Send Interrogation", r"closed by the peer|peer closed"),
        ("reset", "Send Command    500    ON    C_SC_NA_1", r"reset"),
        ("garbage", "Send Interrogation", r"start octet|0x68|not an APDU|protocol"),
    ],
)
def test_keywords_fail_in_time_against_a_faulty_rtu(
    misbehaving_rtu: Callable[[str], MisbehavingRtu], tmp_path: Path, mode: str, keyword: str, cause: str
) -> None:
    peer = misbehaving_rtu(mode)
    result = robot(
        ONE_SHOT_SUITE, tmp_path, port=peer.port, t1=T1, t2=T2, timeout=TIMEOUT, robot_timeout=BOUND + 8,
        keyword=keyword,
    )
    (test,) = result.suite.tests
    connect, body = test.body[0], test.body[1]
    if mode == "garbage" and connect.status == "FAIL":
        body = connect  # the garbage may arrive before Connect To RTU has returned
    else:
        assert connect.status == "PASS", connect.message
    assert test.status == "FAIL" and elapsed(body) <= BOUND, (elapsed(body), test.message)
    assert re.search(cause, test.message, re.IGNORECASE), test.message
    assert test.teardown.status == "PASS" and elapsed(test.teardown) <= 5.0, test.teardown.message


LIMIT_SUITE = """
*** Settings ***
Library    c104test.keywords.IEC104Library    timeout={timeout}s    common_address=47
Suite Teardown    Run Keywords    Close All RTU Connections    AND    Stop Simulated RTU

*** Test Cases ***
More Peers Than The Limit
    ${{port}} =    Start Simulated RTU    {profile}
    Connect To RTU    127.0.0.1    ${{port}}    alias=first
    Connect To RTU    127.0.0.1    ${{port}}    alias=second
"""


def test_a_peer_over_the_simulators_limit_is_refused_in_time(tmp_path: Path) -> None:
    demo = (Path(__file__).parents[2] / "c104test" / "engine" / "demo_rtu.yaml").read_text(encoding="utf-8")
    profile = tmp_path / "one.yaml"
    profile.write_text(demo.replace("max_connections: 10", "max_connections: 1"), encoding="utf-8")
    result = robot(LIMIT_SUITE, tmp_path, timeout=TIMEOUT, profile=profile)
    (test,) = result.suite.tests
    start, first, second = test.body
    assert start.status == "PASS" and first.status == "PASS", (start.message, first.message)
    assert second.status == "FAIL" and elapsed(second) <= TIMEOUT + SLACK, (elapsed(second), test.message)
    assert "failed to start" in test.message or "refused" in test.message, test.message
    assert result.suite.teardown.status == "PASS", result.suite.teardown.message


MUTE_SUITE = """
*** Settings ***
Library    c104test.keywords.IEC104Library    common_address=47
Test Teardown    Close All RTU Connections
Test Timeout    30s

*** Test Cases ***
Timeout Bounds STARTDT
    Connect To RTU    127.0.0.1    {port}    timeout=2s    journal_size=10 MB

Bad Journal Size
    Connect To RTU    127.0.0.1    {port}    journal_size=lots
"""


def test_connect_timeout_bounds_the_startdt_confirmation(
    misbehaving_rtu: Callable[[str], MisbehavingRtu], tmp_path: Path
) -> None:
    peer = misbehaving_rtu("mute")
    result = robot(MUTE_SUITE, tmp_path, port=peer.port)
    bounded, bad = result.suite.tests
    assert bounded.status == "FAIL" and elapsed(bounded.body[0]) <= 2.0 + SLACK, (elapsed(bounded.body[0]), bounded.message)
    assert "no STARTDT con within 2 s" in bounded.message, bounded.message
    assert bad.status == "FAIL" and "journal size 'lots' is not a size" in bad.message, bad.message
