"""Gherkin steps against a misbehaving RTU, through pytester as a project runs them: the step fails
within t1 + --c104-timeout + 2 s with an error that names the cause, and the scenario's teardown
closes the connection within 5 s."""

from __future__ import annotations

import json
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import SLACK, MisbehavingRtu

pytest_plugins = ["pytester"]

T1 = 15.0  # the steps' connections use the standard's t1: no option sets it
TIMEOUT = 2.0

FEATURE = """
Feature: an RTU that floods and then reads nothing
  Scenario: station interrogation
    Given a connection to the RTU
    And data transfer is started
    And the RTU has stopped reading
    When I send a station interrogation
"""

# The inner project's conftest: waits for the outer test's signal, and times the steps.
CONFTEST = """
import json, time
from pathlib import Path

import pytest
from pytest_bdd import given

HERE = Path(__file__).parent
TIMES = {}


@given("the RTU has stopped reading")
def stalled():
    go = HERE / "go"
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def pytest_bdd_before_step(request, feature, scenario, step, step_func):
    TIMES[step.name] = time.monotonic()


def pytest_bdd_after_step(request, feature, scenario, step, step_func, step_func_args):
    TIMES[step.name] = time.monotonic() - TIMES[step.name]
    connection = request.getfixturevalue("c104_context").connection
    if connection is not None:
        TIMES["journal_size"] = connection.engine.journal.size


def pytest_bdd_step_error(request, feature, scenario, step, step_func, step_func_args, exception):
    TIMES[step.name] = time.monotonic() - TIMES[step.name]
    TIMES["error"] = f"{type(exception).__name__}: {exception}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    started = time.monotonic()
    try:
        return (yield)
    finally:
        TIMES["teardown"] = time.monotonic() - started
        (HERE / "times.json").write_text(json.dumps(TIMES))
"""


def test_a_step_fails_in_time_against_an_rtu_that_floods_and_stops_reading(
    pytester: pytest.Pytester, misbehaving_rtu: Callable[[str], MisbehavingRtu]
) -> None:
    peer = misbehaving_rtu("flood")
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "flood.feature").write_text(textwrap.dedent(FEATURE), encoding="utf-8")
    pytester.makepyfile(test_flood='from pytest_bdd import scenarios\n\nscenarios("features")\n')
    pytester.makeconftest(CONFTEST)

    def signal_when_stalled() -> None:
        peer.wait_stalled(timeout=60)
        (pytester.path / "go").touch()

    signal = threading.Thread(target=signal_when_stalled, name="misbehaving-rtu-stdout", daemon=True)
    signal.start()
    bound = T1 + TIMEOUT + SLACK
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
        "--rtu-host", "127.0.0.1", "--rtu-port", str(peer.port), "--rtu-common-address", "47", "--c104-timeout", str(TIMEOUT),
        # the flood brings about 60,000 frames a second: a journal that holds them all while the
        # interrogation waits (a small one fails the wait with FramesDropped, which is right too)
        "--c104-journal-size", "200MB", "--timeout", str(bound + 70),  # a hang fails, and says where
        timeout=bound + 100,
    )
    signal.join(5)
    assert result.parseoutcomes().get("failed") == 1, result.stdout.str()[-3000:]
    times = json.loads(Path(pytester.path / "times.json").read_text())
    assert "I send a station interrogation" in times, (times, peer.lines, result.stdout.str()[-3000:])
    step = times["I send a station interrogation"]
    assert step <= bound, f"the step took {step:.1f} s, more than {bound:g} s: {times.get('error')}"
    error = times["error"]
    # With t1 = 15 s and --c104-timeout 2 the command's own wait ends first: its cause is the missing
    # ACT_CON (the session's t1 on unsent octets would name "t1" 13 s later)
    assert any(word in error for word in ("ACT_CON", "t1", "read nothing", "unsent", "not tak")), error
    assert times["teardown"] <= 5.0, times
    assert times["journal_size"] == 200_000_000  # --c104-journal-size reached the connection
