"""The ready suites in keywords/ and deliberately failing suites, run through ``robot.run``.

Each run's output.xml is checked: every ready test passes, the frames a keyword caused are in
that keyword's log, failures read as what was expected and what arrived (never an exception
group or a traceback), and the trio thread is gone when ``robot.run`` returns.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from robot import result as robot_result
from robot import run
from robot.api import ExecutionResult
from robot.result import Keyword

from c104test.keywords.demo import SUITE_NAMES, find_suites, run_suites
from c104test.sync.bridge import THREAD_NAME, shutdown_bridge

from .test_library import SilentRtu

ROOT = Path(__file__).resolve().parents[2]
SUITES = ROOT / "keywords"


def trio_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_NAME) and t.is_alive()]


@pytest.fixture(autouse=True)
def _no_thread_left() -> Iterator[None]:
    yield
    leftover = trio_threads()
    shutdown_bridge()
    assert not leftover, "the trio thread outlived robot.run"


def robot(*paths: Path, outputdir: Path, **options: Any) -> tuple[int, Any]:
    """Run Robot quietly; return its return code and the parsed output.xml."""
    rc = run(
        *(str(p) for p in paths),
        outputdir=str(outputdir),
        report="NONE",
        log="NONE",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        **options,
    )
    return rc, ExecutionResult(str(outputdir / "output.xml"))


def cases_of(result: Any) -> dict[str, robot_result.TestCase]:
    found: dict[str, robot_result.TestCase] = {}

    def walk(suite: Any) -> None:
        for test in suite.tests:
            found[test.name] = test
        for child in suite.suites:
            walk(child)

    walk(result.suite)
    return found


def keywords_named(item: Any, name: str) -> list[Keyword]:
    """Every keyword call named ``name`` inside ``item``, depth first."""
    found = []
    for child in getattr(item, "body", ()):
        if isinstance(child, Keyword):
            if child.name == name:
                found.append(child)
            found += keywords_named(child, name)
        elif hasattr(child, "body"):
            found += keywords_named(child, name)
    return found


def messages(keyword: Keyword) -> list[str]:
    return [m.message for m in keyword.body if getattr(m, "type", None) == "MESSAGE"]


# ---- the ready suites ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SUITE_NAMES)
def test_ready_suite_passes(name: str, tmp_path: Path) -> None:
    rc, result = robot(SUITES / name, outputdir=tmp_path)
    assert not trio_threads(), "the listener's close() did not stop the trio thread"
    tests = cases_of(result)
    failed = {t.name: t.message for t in tests.values() if t.status not in ("PASS", "SKIP")}
    assert rc == 0 and not failed, failed
    assert len(tests) >= 10
    assert [m.message for m in result.errors.messages] == []


def test_frame_trace_is_in_the_keyword_log(tmp_path: Path) -> None:
    rc, result = robot(SUITES / "acceptance.robot", outputdir=tmp_path, test=["Interrogation Brings Every Point"])
    assert rc == 0
    test = cases_of(result)["Interrogation Brings Every Point"]
    interrogation = keywords_named(test, "Send Interrogation")[0]
    trace = [m for m in messages(interrogation) if "frame(s):" in m]
    assert len(trace) == 1
    lines = trace[0].splitlines()
    assert lines[0].startswith("RTU connection 'main' (127.0.0.1:")
    assert ">> I-Format | C_IC_NA_1 | ACTIVATION | POSITIVE | CA 47" in lines[1]
    assert any("<< I-Format | C_IC_NA_1 | ACTIVATION_TERMINATION" in line for line in lines)
    getter = keywords_named(test, "Get Point Value")[0]
    assert not [m for m in messages(getter) if "frame(s):" in m]  # a getter sends nothing


def test_demo_runs_the_ready_suites(tmp_path: Path) -> None:
    assert find_suites() == SUITES
    failed = run_suites(tmp_path / "robot", include=["fat"], stdout=io.StringIO(), stderr=io.StringIO())
    assert failed == 0
    for name in ("output.xml", "log.html", "report.html"):
        assert (tmp_path / "robot" / name).is_file()
    assert not trio_threads()


# ---- failures read well ---------------------------------------------------------------------------------

FAILING_SUITE = """\
*** Settings ***
Library           c104test.keywords.IEC104Library    timeout=2s
Suite Setup       Start And Connect
Suite Teardown    Close All RTU Connections

*** Test Cases ***
Negative Confirmation
    Send Command    9999    ON    C_SC_NA_1

Value Never Arrives
    Expect State    200    INTERMEDIATE    timeout=0.3s

Wrong Value
    Send Interrogation
    Get Point Value    200    ==    OFF

Message Never Arrives
    Expect Message    type=M_SP_NA_1    cot=SPONTANEOUS    io_address=100    timeout=300ms

RTU Does Not Answer
    Connect To RTU    127.0.0.1    ${SILENT_PORT}    alias=silent    common_address=47
    Send Interrogation    timeout=0.3s
    [Teardown]    Disconnect From RTU    silent

Robot Timeout Ends A Long Wait
    [Timeout]    0.5s
    Switch RTU Connection    main
    Expect State    200    INTERMEDIATE    timeout=20s

Commands Still Work After The Timeout
    Switch RTU Connection    main
    Send Command    502    OFF    C_DC_NA_1    timeout=1s
    Expect State    200    OFF    timeout=1s

Robot Timeout Cancels A Command
    [Timeout]    0.5s
    Connect To RTU    127.0.0.1    ${SILENT_PORT}    alias=silent2    common_address=47
    Send Interrogation    timeout=20s

The Cancelled Command Left The Connection Usable
    Switch RTU Connection    silent2
    Send Test Command    timeout=0.3s
    [Teardown]    Disconnect From RTU    silent2

No Common Address
    Connect To RTU    127.0.0.1    ${SILENT_PORT}    alias=bare
    Send Interrogation
    [Teardown]    Disconnect From RTU    bare

Unreachable RTU
    Connect To RTU    127.0.0.1    ${CLOSED_PORT}    timeout=1s

*** Keywords ***
Start And Connect
    ${port}    Start Simulated RTU
    Set Suite Variable    ${PORT}    ${port}
    Connect To RTU    127.0.0.1    ${port}    alias=main    common_address=47
"""


@pytest.fixture
def closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_failures_name_what_was_expected_and_what_arrived(tmp_path: Path, closed_port: int) -> None:
    suite = tmp_path / "failing.robot"
    suite.write_text(FAILING_SUITE, encoding="utf-8")
    silent = SilentRtu()
    try:
        started = time.monotonic()
        rc, result = robot(
            suite,
            outputdir=tmp_path,
            variable=[f"SILENT_PORT:{silent.port}", f"CLOSED_PORT:{closed_port}"],
        )
        elapsed = time.monotonic() - started
    finally:
        silent.stop()
    assert not trio_threads()
    tests = cases_of(result)
    status = {name: t.status for name, t in tests.items()}
    assert status.pop("Commands Still Work After The Timeout") == "PASS"
    assert set(status.values()) == {"FAIL"}
    assert rc == len(status)
    assert elapsed < 15, "a wait was not ended by its timeout"

    message = {name: t.message for name, t in tests.items()}
    for name, text in message.items():
        assert "ExceptionGroup" not in text and "Traceback" not in text, (name, text)
        assert "sub-exception" not in text, (name, text)
    assert message["Negative Confirmation"].startswith(
        "C_SC_NA_1 ON to IOA 9999 CA 47: expected a positive confirmation, got a negative UNKNOWN_IOA: "
        "C_SC_NA_1 UNKNOWN_IOA NEGATIVE CA 47 IOA 9999"
    )
    assert message["Value Never Arrives"] == (
        "IOA 200 (CA 47) did not report INTERMEDIATE within 0.3 s; it reported: nothing"
    )
    assert message["Wrong Value"] == "IOA 200 (CA 47) value ON should be OFF"
    assert message["Message Never Arrives"].startswith(
        "expected message type=Type.M_SP_NA_1 cot=Cot.SPONTANEOUS io_address=100 within 0.3 s, none arrived after"
    )
    assert message["RTU Does Not Answer"].startswith("no ACT_CON for C_IC_NA_1 IOA 0 CA 47 within 0.3 s; last frames:")
    assert message["Robot Timeout Ends A Long Wait"] == "Test timeout 500 milliseconds exceeded."
    assert tests["Robot Timeout Ends A Long Wait"].elapsed_time.total_seconds() < 2
    # the interrupted interrogation was cancelled in the engine: it no longer holds the
    # connection's command lock, so the next command gets its own 0.3 s and no more
    assert message["Robot Timeout Cancels A Command"] == "Test timeout 500 milliseconds exceeded."
    assert message["The Cancelled Command Left The Connection Usable"].startswith(
        "no ACT_CON for C_TS_TA_1 IOA 0 CA 47 within 0.3 s"
    )
    assert tests["The Cancelled Command Left The Connection Usable"].elapsed_time.total_seconds() < 2
    assert message["No Common Address"].startswith("ValueError: no common address to use: give common_address=")
    assert message["Unreachable RTU"].startswith(f"cannot connect to 127.0.0.1:{closed_port}")

    # the failing keyword's log has the frames it caused, the confirmation included
    failing = keywords_named(tests["Negative Confirmation"], "Send Command")[0]
    trace = "\n".join(messages(failing))
    assert "<< I-Format | C_SC_NA_1 | UNKNOWN_IOA | NEGATIVE" in trace
