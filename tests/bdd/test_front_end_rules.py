"""One meaning for connecting, addressing, ACT_TERM and fresh reports in the Gherkin steps (issue 11,
items 2-4), through pytester. The same rules in Robot: tests/keywords/test_front_end_rules.py."""

from __future__ import annotations

import pytest

from .test_plugin import project, run

pytest_plugins = ["pytester"]

# An RTU without ACT_TERM (as lib60870) whose command 502 is confirmed but changes nothing
IGNORING_RTU = """\
pixit:
  act_term: false
stations:
  - common_address: 12
    points:
      - {io_address: 200, type: M_DP_NA_1, value: OFF}
      - {io_address: 502, type: C_DC_NA_1}
      - {io_address: 503, type: C_DC_NA_1, return_io_address: 200}
"""


def _ignoring_project(pytester: pytest.Pytester, scenarios: str) -> None:
    features = pytester.path / "features"
    features.mkdir(exist_ok=True)
    (features / "ignoring.yaml").write_text(IGNORING_RTU, encoding="utf-8")
    project(
        pytester,
        "Feature: Rules\n"
        "  Background:\n"
        '    Given a simulated RTU from profile "ignoring.yaml"\n'
        "    And a connection to the RTU\n\n" + scenarios,
    )


def test_a_connection_starts_data_transfer_unless_told_not_to(pytester: pytest.Pytester) -> None:
    project(
        pytester,
        """\
        Feature: Connecting
          Scenario: Connected means data transfer
            Given a connection to the RTU
            Then data transfer is started
            When I send a general interrogation
            Then the interrogation is confirmed and terminated

          Scenario: Link-layer tests open without it
            Given a connection to the RTU without data transfer
            Then data transfer is stopped
            And no message arrives within 0.3 seconds
            When I start data transfer
            Then data transfer is started
        """,
    )
    run(pytester).assert_outcomes(passed=2)


def test_the_common_address_is_the_profiles_first_station_or_a_step_says_there_is_none(pytester: pytest.Pytester) -> None:
    from c104test.sync.bridge import shutdown_bridge
    from c104test.sync.session import SimulatedRtu

    (pytester.path / "rtu.yaml").write_text(IGNORING_RTU, encoding="utf-8")
    rtu = SimulatedRtu.start(pytester.path / "rtu.yaml")  # "a real RTU" with CA 12
    try:
        project(
            pytester,
            """\
            Feature: Addressing
              Scenario: Interrogation
                Given a connection to the RTU
                When I send a general interrogation
                Then the interrogation is confirmed and terminated
            """,
        )
        target = ("--rtu-host", "127.0.0.1", "--rtu-port", str(rtu.port))
        result = run(pytester, *target)
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(["StepUsageError: no common address to use: name it in the step*--rtu-common-address*"])
        run(pytester, *target, "--rtu-profile", "rtu.yaml").assert_outcomes(passed=1)  # its first station: 12
        run(pytester, *target, "--rtu-common-address", "12").assert_outcomes(passed=1)
        result = run(pytester, *target, "--rtu-common-address", "47")
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(["*C_IC_NA_1 (CA 47) was not confirmed*UNKNOWN_CA*"])
    finally:
        rtu.stop()
        shutdown_bridge()


def test_a_command_to_an_rtu_without_act_term_passes_by_default(pytester: pytest.Pytester) -> None:
    _ignoring_project(
        pytester,
        """\
  Scenario: Default
    When I send a double command ON to IOA 503
    Then the command is confirmed
    And IOA 200 reports ON within 2 seconds

  Scenario: The PIXIT says the RTU terminates commands
    When I send a double command ON to IOA 503 with ACT_TERM
""",
    )
    result = run(pytester, "--c104-timeout", "0.5")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*no ACT_TERM for C_DC_NA_1 IOA 503 CA 12 within 0.5 s*"])
    # the connection option does the same for every command
    result = run(pytester, "--c104-timeout", "0.5", "--rtu-act-term", "required", "-k", "Default")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no ACT_TERM for C_DC_NA_1 IOA 503 CA 12 within 0.5 s*"])


def test_reports_are_fresh_so_an_rtu_that_ignores_the_command_fails(pytester: pytest.Pytester) -> None:
    _ignoring_project(
        pytester,
        """\
  Scenario: The RTU ignores the command
    When I send a general interrogation
    And I send a double command OFF to IOA 502
    Then the command is confirmed
    And IOA 200 reports OFF within 0.5 seconds

  Scenario: The current state is OFF all the same
    When I send a general interrogation
    And I send a double command OFF to IOA 502
    Then the points report:
      | IOA | value |
      | 200 | OFF   |
""",
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["StepFailed: IOA 200 (CA 12) did not report OFF within 0.5 s after the last When step; it reported since then: nothing"]
    )


# ---- evidence: pcap files ------------------------------------------------------------------------------


def _pcap_records(path) -> int:  # type: ignore[no-untyped-def]
    """How many packets a pcapng file holds (c104test writes little-endian pcapng)."""
    import struct

    data = path.read_bytes()
    assert data[:4] == bytes.fromhex("0a0d0d0a"), data[:4]
    count, offset = 0, 0
    while offset < len(data):
        kind, length = struct.unpack_from("<II", data, offset)
        count += kind == 6  # enhanced packet block
        offset += length
    assert offset == len(data)
    return count


EVIDENCE = """\
Feature: Evidence
  Scenario: Passes
    Given a connection to the RTU
    When I send a general interrogation
    Then the interrogation is confirmed and terminated
    And the traffic is saved to "records/passes.pcap"

  Scenario: Fails
    Given a connection to the RTU
    When I send a general interrogation
    Then IOA 200 reports OFF within 0.2 seconds
"""


def test_the_traffic_step_and_capture_on_failure(pytester: pytest.Pytester) -> None:
    project(pytester, EVIDENCE)
    result = run(pytester, "--c104-capture", "pcaps")
    result.assert_outcomes(passed=1, failed=1)
    # the step's relative path is taken from the capture folder
    saved = pytester.path / "pcaps" / "records" / "passes.pcap"
    assert _pcap_records(saved) >= 14  # STARTDT act/con, EI, GI act/con, 8 answers, ACT_TERM
    # --c104-capture-mode failure (the default): only the failed scenario, named after it
    assert sorted(p.name for p in (pytester.path / "pcaps").glob("*.pcap")) == ["test_fails.pcap"]
    assert _pcap_records(pytester.path / "pcaps" / "test_fails.pcap") >= 14
    result.stdout.fnmatch_lines(["*c104test capture*", f"*{pytester.path / 'pcaps' / 'test_fails.pcap'}*"])


def test_capture_always_and_without_a_folder(pytester: pytest.Pytester) -> None:
    project(pytester, EVIDENCE)
    run(pytester, "--c104-capture", "pcaps", "--c104-capture-mode", "always").assert_outcomes(passed=1, failed=1)
    assert sorted(p.name for p in (pytester.path / "pcaps").glob("*.pcap")) == ["test_fails.pcap", "test_passes.pcap"]
    # without --c104-capture the step writes next to where pytest started, and nothing else is saved
    run(pytester, "-k", "passes").assert_outcomes(passed=1)
    assert _pcap_records(pytester.path / "records" / "passes.pcap") >= 14
    result = run(pytester, "--c104-capture-mode", "sometimes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*capture mode 'sometimes' is not one of failure, always*"])


def test_addresses_in_hex_as_in_robot_and_the_signal_list(pytester: pytest.Pytester) -> None:
    """Robot's ``Expect State    0xC8    ON`` and a signal list's ``0x64`` are IOA 200 and 100; the
    steps took only digits ("Step definition is not found: Then "IOA 0x64 reports ON"")."""
    project(
        pytester,
        """\
        Feature: Hex addresses
          Scenario: Hex IOA and CA
            Given a connection to the RTU
            When I send a general interrogation to common address 0x2F
            Then IOA 0x64 reports ON
            And IOA 0xC8 of common address 0x2f reports ON
            When I read IOA 0x12D
            Then the command is confirmed
            And IOA 0x12D has quality good
        """,
    )
    run(pytester).assert_outcomes(passed=1)
