"""The pytest plugin and its steps, through pytester: projects that only write .feature files.

The inner runs are in-process and use the plugin as installed (entry point pytest11 "c104test"),
against the embedded simulator unless a test says otherwise.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from c104test.bdd.steps import (
    STEP_DEFINITIONS,
    ExpectedValue,
    StepUsageError,
    expected_quality,
    quality_flags,
)
from c104test.protocol.enums import BinaryCounterQuality, Double, Quality
from c104test.sync.bridge import THREAD_NAME

pytest_plugins = ["pytester"]

BINDING = 'from pytest_bdd import scenarios\n\nscenarios("features")\n'


def trio_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_NAME) and t.is_alive()]


def project(pytester: pytest.Pytester, feature: str, *, conftest: str | None = None, name: str = "demo") -> None:
    """A project as users write it: features/NAME.feature and a one-line test module."""
    features = pytester.path / "features"
    features.mkdir(exist_ok=True)
    (features / f"{name}.feature").write_text(textwrap.dedent(feature), encoding="utf-8")
    pytester.makepyfile(test_bound_scenarios=BINDING)
    if conftest is not None:
        pytester.makeconftest(textwrap.dedent(conftest))


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # hypothesis' plugin costs more than half a second per inner session, and these runs need none of it
    return pytester.runpytest("-p", "no:cacheprovider", "-p", "no:hypothesispytest", *args)


# ---- the plugin as installed --------------------------------------------------------------------------


def test_importing_the_plugin_starts_nothing() -> None:
    code = (
        "import sys, threading\n"
        "import c104test.bdd.plugin, c104test.bdd.steps\n"
        "print(sorted(m for m in ('trio', 'anyio', 'c104test.engine.client') if m in sys.modules),"
        " threading.active_count())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "1"]


def test_the_entry_point_loads_the_plugin(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--help")
    result.stdout.fnmatch_lines(
        [
            "*c104test: the IEC 60870-5-104 RTU under test*",
            "*--rtu-host=HOST*",
            "*--rtu-port=PORT*",
            "*--rtu-common-address=CA*",
            "*--rtu-profile=FILE*",
            "*--rtu-act-term=WHEN*",
            "*--c104-timeout=SECONDS*",
        ]
    )


CONFIG_PRINTER = """
    def test_config(c104_config):
        print("CONFIG", c104_config.host, c104_config.port, c104_config.common_address,
              c104_config.common_address_given, c104_config.timeout, c104_config.simulated)
"""


def test_options_default(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CONFIG_PRINTER)
    result = run(pytester, "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*CONFIG None 2404 None False 5.0 True"])  # CA: the profile's


def test_options_parsed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CONFIG_PRINTER)
    result = run(
        pytester, "-s", "--rtu-host", "192.0.2.10", "--rtu-port", "2405",
        "--rtu-common-address", "0x0C", "--c104-timeout", "2.5",
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*CONFIG 192.0.2.10 2405 12 True 2.5 False"])
    # the target shows in the header when an option is given
    result.stdout.fnmatch_lines(["c104test: RTU at 192.0.2.10:2405, common address 12, timeout 2.5 s, act_term optional"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rtu-port", "70000"], "*--rtu-port: port 70000 outside 1..65535*"),
        (["--rtu-port", "x"], "*--rtu-port: port must be a number, got 'x'*"),
        (["--rtu-common-address", "0"], "*--rtu-common-address: common address 0 outside 1..65535*"),
        (["--c104-timeout", "-1"], "*--c104-timeout: timeout must be a positive number of seconds, got '-1'*"),
        (["--rtu-profile", "missing.yaml"], "*--rtu-profile missing.yaml: no such file*"),
    ],
)
def test_bad_options_are_usage_errors(pytester: pytest.Pytester, args: list[str], message: str) -> None:
    pytester.makepyfile(CONFIG_PRINTER)
    result = run(pytester, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


# ---- scenarios ----------------------------------------------------------------------------------------

PASSING = """\
    Feature: Demo
      Scenario: Station interrogation
        Given the demo RTU is running
        And a connection to the RTU
        And data transfer is started
        When I send a general interrogation
        Then the interrogation is confirmed and terminated
        And IOA 100 reports ON
        And IOA 301 reports 230.5
        And IOA 300 has quality good
"""


def test_a_passing_scenario_leaves_no_thread(pytester: pytest.Pytester) -> None:
    from c104test.sync.bridge import shutdown_bridge

    shutdown_bridge()  # a thread left by an earlier test (or features/) would not be the inner run's
    assert trio_threads() == []  # so the inner run starts (and owns) the trio thread
    project(pytester, PASSING)
    result = run(pytester)
    result.assert_outcomes(passed=1)
    assert trio_threads() == []


FAILING = """\
    Feature: Demo
      Scenario: Breaker position
        Given a connection to the RTU
        And data transfer is started
        When I send a general interrogation
        Then the interrogation is confirmed and terminated
        And IOA 100 reports OFF within 0.2 seconds
"""


def test_a_failing_then_shows_the_step_the_message_and_the_frames(pytester: pytest.Pytester) -> None:
    project(pytester, FAILING)
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "Step failed: And IOA 100 reports OFF within 0.2 seconds  (demo.feature:7, scenario \"Breaker position\")",
            "StepFailed: IOA 100 (CA 47) did not report OFF within 0.2 s after the last When step; "
            "it reported since then: ON (M_SP_NA_1, INTERROGATED_BY_STATION)",
            "*Captured c104test frames call*",
            "connection 127.0.0.1:*, now OPEN (>> sent, << received):",
            "* >> I-Format | C_IC_NA_1 | ACTIVATION | POSITIVE | CA 47 *",
            "* << I-Format | M_SP_NA_1 | INTERROGATED_BY_STATION | POSITIVE | CA 47 | 1st IOA 100 *",
            "* << I-Format | C_IC_NA_1 | ACTIVATION_TERMINATION *",
            "*---- the failing step began here ----*",
        ]
    )
    # the traceback through the trio thread is not what a test engineer reads
    result.stdout.no_fnmatch_line("*bridge.py*")


def test_tb_long_keeps_the_traceback(pytester: pytest.Pytester) -> None:
    project(pytester, FAILING)
    result = run(pytester, "--tb=long")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*def ioa_reports(*", "*StepFailed*", "*Captured c104test frames call*"])


def test_a_step_used_wrongly_says_what_to_do(pytester: pytest.Pytester) -> None:
    project(
        pytester,
        """\
        Feature: Demo
          Scenario: No connection
            When I send a general interrogation
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["StepUsageError: no connection to the RTU yet: start the scenario with 'Given a connection to the RTU'*"])


def test_a_project_overrides_a_packaged_step_in_its_conftest(pytester: pytest.Pytester) -> None:
    project(
        pytester,
        """\
        Feature: Demo
          Scenario: A refused command that the project accepts
            Given a connection to the RTU
            And data transfer is started
            When I send a single command ON to IOA 999
            Then the command is confirmed
        """,
        conftest="""\
        from pytest_bdd import then

        @then("the command is confirmed")
        def lenient(c104_last_result):
            print("PROJECT STEP", c104_last_result.positive)
        """,
    )
    result = run(pytester, "-s")
    result.assert_outcomes(passed=1)  # the packaged step would fail: IOA 999 is refused
    result.stdout.fnmatch_lines(["*PROJECT STEP False*"])


def test_a_project_step_uses_the_fixtures(pytester: pytest.Pytester) -> None:
    project(
        pytester,
        """\
        Feature: Demo
          Scenario: A project's own command step
            Given a connection to the RTU
            And data transfer is started
            When I trip breaker 502
            Then the command is confirmed
            And IOA 200 reports OFF within 2 seconds
        """,
        conftest="""\
        from pytest_bdd import parsers, when
        from c104test.protocol.enums import Type

        @when(parsers.parse("I trip breaker {ioa:d}"), target_fixture="c104_last_result")
        def trip(c104_context, c104_common_address, ioa):
            c104_context.begin_action()
            return c104_context.connection.send_command(c104_common_address, ioa, Type.C_DC_NA_1, "OFF")
        """,
    )
    run(pytester).assert_outcomes(passed=1)


def test_an_outline_with_examples(pytester: pytest.Pytester) -> None:
    project(
        pytester,
        """\
        Feature: Demo
          Background:
            Given a connection to the RTU
            And data transfer is started

          Scenario Outline: Switches follow their commands
            When I send a <kind> command <state> to IOA <command>
            Then the command is confirmed
            And IOA <status> reports <state> within 2 seconds

            Examples:
              | kind   | command | status | state |
              | single | 500     | 100    | OFF   |
              | double | 502     | 200    | OFF   |
              | double | 502     | 200    | ON    |
        """,
    )
    result = run(pytester, "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*test_switches_follow_their_commands?single-500-100-OFF? PASSED*"])


POINT_TABLE = """\
    Feature: Demo
      Scenario: Signal list
        Given a connection to the RTU
        And data transfer is started
        When I send a general interrogation
        Then the points report:
          | IOA | type      | value          | quality | description       |
          | 100 | M_SP_NA_1 | ON             | good    | Breaker Q0        |
          | 101 | M_SP_TB_1 | {value_101}    |         | Earthing switch   |
          | 200 | M_DP_NA_1 | ON             | good    | Disconnector Q1   |
          | 302 | M_ME_NC_1 | 49.98 +/- 0.01 | good    | Frequency         |
          | 303 | {type_303} |               | good    | Transformer load  |
"""


def test_a_data_table_of_points(pytester: pytest.Pytester) -> None:
    project(pytester, POINT_TABLE.format(value_101="OFF", type_303="M_ME_NA_1"))
    run(pytester).assert_outcomes(passed=1)


def test_a_data_table_reports_every_row_that_differs(pytester: pytest.Pytester) -> None:
    project(pytester, POINT_TABLE.format(value_101="ON ", type_303="M_ME_NB_1"))
    result = run(pytester, "--c104-timeout", "0.3")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "StepFailed: 2 of 5 points did not report as expected within 0.3 s:",
            "IOA 101 (CA 47): expected ON; it reported OFF (M_SP_NA_1, *",
            "IOA 303 (CA 47): expected type M_ME_NB_1; it reported 0.25 (M_ME_NA_1, *",
        ]
    )


def test_both_spellings_of_clock_synchronisation(pytester: pytest.Pytester) -> None:
    project(
        pytester,
        """\
        Feature: Demo
          Scenario: Clock
            Given a connection to the RTU
            And data transfer is started
            When I send a clock synchronisation
            Then the command is confirmed
            When I send a clock synchronization to common address 47
            Then the command is confirmed
        """,
    )
    run(pytester).assert_outcomes(passed=1)


def test_cucumber_json(pytester: pytest.Pytester) -> None:
    project(pytester, PASSING, name="passing")
    (pytester.path / "features" / "failing.feature").write_text(textwrap.dedent(FAILING), encoding="utf-8")
    report = pytester.path / "cucumber.json"
    result = run(pytester, f"--cucumberjson={report}")
    result.assert_outcomes(passed=1, failed=1)
    features = json.loads(report.read_text(encoding="utf-8"))
    assert sorted(f["uri"].rsplit("/", 1)[-1] for f in features) == ["failing.feature", "passing.feature"]
    elements = [e for f in features for e in f["elements"]]
    by_name = {e["name"]: e for e in elements}
    assert {s["result"]["status"] for s in by_name["Station interrogation"]["steps"]} == {"passed"}
    failing = by_name["Breaker position"]["steps"]
    assert [s["result"]["status"] for s in failing][-1] == "failed"
    assert "IOA 100 (CA 47) did not report OFF" in failing[-1]["result"]["error_message"]


@pytest.mark.parametrize("report", ["--cucumberjson=cucumber.json", "--gherkin-terminal-reporter"])
def test_a_report_of_one_process_under_xdist_is_a_usage_error(pytester: pytest.Pytester, report: str) -> None:
    """`pytest features --cucumberjson=...` in this repository (addopts -n 4) wrote a Cucumber JSON
    without a scenario and passed."""
    project(pytester, PASSING)
    result = run(pytester, "-n", "2", report)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{report.split('=')[0]} report only the scenarios of their own process, "
                                 "but pytest-xdist runs 2 workers*add -n 0*"])
    assert not (pytester.path / "cucumber.json").exists()


def test_a_real_rtu_with_rtu_host(pytester: pytest.Pytester) -> None:
    from c104test.sync.bridge import shutdown_bridge
    from c104test.sync.session import SimulatedRtu

    rtu = SimulatedRtu.start()  # "the real RTU": served by this process's trio thread
    try:
        project(
            pytester,
            """\
            Feature: Demo
              Background:
                Given the demo RTU is running
                And a connection to the RTU
                And data transfer is started

              Scenario: Interrogation
                When I send a general interrogation
                Then IOA 100 reports ON

              Scenario: Needs the simulator
                When the simulated RTU sets IOA 100 to OFF
                Then IOA 100 reports OFF
            """,
        )
        result = run(pytester, "-rs", "--rtu-host", "127.0.0.1", "--rtu-port", str(rtu.port))
        result.assert_outcomes(passed=1, skipped=1)
        result.stdout.fnmatch_lines(["*needs the embedded simulator; --rtu-host 127.0.0.1 is given*"])
        # the inner run did not start the trio thread, so it left it running
        assert len(trio_threads()) == 1
        # but it closed its connections (the simulator sees the FIN a moment later)
        deadline = time.monotonic() + 5
        while rtu.connection_count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert rtu.connection_count == 0
    finally:
        rtu.stop()
        shutdown_bridge()


def test_a_simulated_rtu_from_a_profile(pytester: pytest.Pytester) -> None:
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "bay.yaml").write_text(
        textwrap.dedent(
            """\
            stations:
              - common_address: 12
                points:
                  - {io_address: 1001, type: M_DP_TB_1, value: ON}
                  - {io_address: 3001, type: C_DC_NA_1, return_io_address: 1001}
            """
        ),
        encoding="utf-8",
    )
    project(
        pytester,
        """\
        Feature: Demo
          Scenario: Its own RTU
            Given a simulated RTU from profile "bay.yaml"
            And a connection to the RTU
            And data transfer is started
            When I send a double command OFF to IOA 3001
            Then the command is confirmed
            And I receive M_DP_TB_1 with cause RETURN_INFO_REMOTE for IOA 1001 at common address 12
            And IOA 1001 reports OFF
        """,
    )
    run(pytester).assert_outcomes(passed=1)


# ---- values, qualities and patterns without an RTU ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "actual", "matches"),
    [
        ("ON", True, True),
        ("off", False, True),
        ("True", True, True),
        ("1", True, True),
        ("ON", False, False),
        ("ON", Double.ON, True),
        ("INTERMEDIATE", Double.INTERMEDIATE, True),
        ("False", Double.OFF, True),
        ("OFF", Double.ON, False),
        ("1234", 1234, True),
        ("1234", 1235, False),
        ("0x0000A5A5", 0xA5A5, True),
        ("49.98", 49.97999954223633, True),  # float32
        ("0.3", 9830 / 32768, True),  # normalized
        ("230.5", 230.6, False),
        ("230.5 +/- 0.1", 230.59, True),
        ("230.5 ± 0.1", 230.7, False),
        ("-500", -500.0, True),
    ],
)
def test_expected_values(text: str, actual: object, matches: bool) -> None:
    assert ExpectedValue.parse(text).matches(actual) is matches


@pytest.mark.parametrize(("text", "actual"), [("ON", 1234), ("HIGH", Double.ON), ("maybe", True)])
def test_an_impossible_value_is_a_usage_error(text: str, actual: object) -> None:
    with pytest.raises(StepUsageError):
        ExpectedValue.parse(text).matches(actual)


def test_qualities() -> None:
    assert expected_quality("good") == frozenset()
    assert expected_quality("IV and NT") == expected_quality("NT, iv") == frozenset({"IV", "NT"})
    assert expected_quality("Invalid Blocked") == frozenset({"IV", "BL"})
    assert quality_flags(Quality.Invalid | Quality.NonTopical) == frozenset({"IV", "NT"})
    assert quality_flags(Quality(0)) == quality_flags(None) == frozenset()
    assert quality_flags(BinaryCounterQuality.Carry) == frozenset({"CY"})
    with pytest.raises(StepUsageError):
        expected_quality("bad")


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        ("When", "I send a clock synchronisation"),
        ("When", "I send a clock synchronization"),
        ("When", "I send a normalized set-point 0.5 to IOA 512"),
        ("When", "I send a general interrogation to common address 47"),
        ("Then", "I receive M_SP_NA_1 with cause SPONTANEOUS for IOA 100 within 5 seconds"),
        ("Then", "IOA 100 reports ON within 1 second"),
    ],
)
def test_phrasings(keyword: str, text: str) -> None:
    assert [d for d in STEP_DEFINITIONS if d.keyword == keyword and d.matches(text)]
