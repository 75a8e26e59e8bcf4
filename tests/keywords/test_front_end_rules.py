"""One meaning for connecting, addressing, ACT_TERM and fresh reports in the Robot library
(issue 11, items 2-4). The same rules in the Gherkin steps: tests/bdd/test_front_end_rules.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from c104test.engine.errors import CommandTimeout, ExpectationFailed
from c104test.keywords import IEC104Library
from c104test.protocol.enums import Double, Type

from .test_library import CA, HOST, ROOT, Keywords, _no_thread_left  # noqa: F401 (autouse fixture)
from .test_suites import robot as robot_run

IGNORING_RTU = """\
pixit:
  act_term: false
stations:
  - common_address: 47
    points:
      - {io_address: 200, type: M_DP_NA_1, value: OFF}
      - {io_address: 502, type: C_DC_NA_1}
      - {io_address: 503, type: C_DC_NA_1, return_io_address: 200}
"""


@pytest.fixture
def kw() -> Iterator[Keywords]:
    library = IEC104Library(timeout=timedelta(seconds=2))
    try:
        yield Keywords(library)
    finally:
        library.release()


@pytest.fixture
def ignoring_rtu(kw: Keywords, tmp_path: Path) -> int:
    """An RTU without ACT_TERM whose command 502 confirms but changes nothing (200 stays OFF)."""
    profile = tmp_path / "ignoring.yaml"
    profile.write_text(IGNORING_RTU)
    port = kw("Start Simulated RTU", profile=str(profile))
    kw("Connect To RTU", HOST, port)
    return port


def test_connect_starts_data_transfer_unless_told_not_to(kw: Keywords) -> None:
    port = kw("Start Simulated RTU")
    kw("Connect To RTU", HOST, port, start_data_transfer=False)
    with pytest.raises(Exception, match="data transfer is not started"):
        kw("Send Interrogation")
    kw("Connect To RTU", HOST, port)
    assert kw("Send Interrogation").positive


def test_a_command_to_an_rtu_without_act_term_passes_by_default(kw: Keywords, ignoring_rtu: int) -> None:
    result = kw("Send Command", 503, "ON", Type.C_DC_NA_1, timeout=timedelta(seconds=1))
    assert result.positive is True and not result.terminated
    assert kw("Expect Report", 200, "ON") is Double.ON
    with pytest.raises(CommandTimeout, match=r"no ACT_TERM for C_DC_NA_1 IOA 503 CA 47 within 0.5 s"):
        kw("Send Command", 503, "OFF", Type.C_DC_NA_1, act_term="required", timeout=timedelta(seconds=0.5))


def test_act_term_required_on_the_connection(kw: Keywords, ignoring_rtu: int) -> None:
    kw("Connect To RTU", HOST, ignoring_rtu, act_term="required", timeout=timedelta(seconds=0.5))
    with pytest.raises(CommandTimeout, match="no ACT_TERM"):
        kw("Send Command", 503, "ON", Type.C_DC_NA_1)
    assert kw("Send Command", 503, "OFF", Type.C_DC_NA_1, act_term="optional").positive


def test_act_term_never_fails_when_the_rtu_sends_one(kw: Keywords) -> None:
    port = kw("Start Simulated RTU")  # the demo RTU terminates its commands
    kw("Connect To RTU", HOST, port, act_term="never")
    # the ACT_TERM fails this command if it came with the ACT_CON, else the next one
    with pytest.raises(AssertionError, match="the RTU sent ACT_TERM although act_term=never"):
        kw("Send Command", 502, "OFF", Type.C_DC_NA_1)
        kw("Expect Message", type=Type.C_DC_NA_1, cot="ACTIVATION_TERMINATION")
        kw("Send Command", 502, "ON", Type.C_DC_NA_1)


def test_expect_report_fails_when_the_rtu_ignores_the_command(kw: Keywords, ignoring_rtu: int) -> None:
    kw("Send Interrogation")
    assert kw("Expect State", 200, "OFF") is Double.OFF  # the current state: passes
    kw("Send Command", 502, "OFF", Type.C_DC_NA_1)  # confirmed, but nothing happens
    assert kw("Expect State", 200, "OFF") is Double.OFF  # still passes: it is the state
    with pytest.raises(ExpectationFailed, match=r"IOA 200 \(CA 47\) did not report OFF within 0.5 s after the last command .*it reported since then: nothing"):
        kw("Expect Report", 200, "OFF", timeout=timedelta(seconds=0.5))


def test_expect_report_sees_reports_that_arrived_before_it(kw: Keywords) -> None:
    port = kw("Start Simulated RTU")
    kw("Connect To RTU", HOST, port)
    kw("Send Command", 502, "OFF", Type.C_DC_NA_1, act_term="required")  # return info came first
    assert kw("Expect Report", 200, "OFF", timeout=timedelta(seconds=0.2)) is Double.OFF
    with pytest.raises(ExpectationFailed, match=r"it reported since then: OFF \(M_DP_NA_1, RETURN_INFO_REMOTE\)"):
        kw("Expect Report", 200, "ON", timeout=timedelta(seconds=0.3))


def test_expect_report_without_a_command_waits_for_a_new_report(kw: Keywords) -> None:
    port = kw("Start Simulated RTU")
    kw("Connect To RTU", HOST, port)
    kw.library.connections.current.rtu.interrogation(CA)  # not through a keyword: no stimulus
    with pytest.raises(ExpectationFailed, match="did not report ON"):
        kw("Expect Report", 100, "ON", timeout=timedelta(seconds=0.3))  # 100 is ON, but not fresh


# ---- the README's FAT example ------------------------------------------------------------------------


def _readme_fat_suite(profile: Path | None, *, state: bool = False) -> str:
    """The README's Robot FAT suite, connected to a simulated RTU instead of 127.0.0.1:2404.

    With a profile, an interrogation first makes the state known (200 is OFF already)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    suite = re.search(r"```robotframework\n(.*?)```", text, re.S)
    assert suite is not None
    body = suite.group(1)
    assert "    Expect Report    200    OFF    timeout=3s" in body  # the fresh form
    setup = re.search(r"Suite Setup +Connect To RTU +127\.0\.0\.1 +2404 +common_address=47\n", body)
    assert setup is not None
    body = body.replace(setup.group(0), "Suite Setup       Start And Connect\n")
    if state:
        body = body.replace("Expect Report    200", "Expect State    200")
    if profile:
        body = body.replace("    Send Command    502", "    Send Interrogation\n    Send Command    502")
    profile_arg = f"    profile={profile}" if profile else ""
    return body + (
        "\n*** Keywords ***\nStart And Connect\n"
        f"    ${{port}}    Start Simulated RTU{profile_arg}\n"
        "    Connect To RTU    127.0.0.1    ${port}    common_address=47\n"
    )


@pytest.mark.parametrize(
    ("ignoring", "state", "passes"),
    [
        (False, False, True),  # the demo RTU opens the breaker: the README's example passes
        (True, False, False),  # an RTU that ignores the command fails it (200 was OFF already)
        (True, True, True),  # ... where Expect State passes: it checks only the current state
    ],
)
def test_readme_fat_example_fails_when_the_rtu_ignores_the_command(
    tmp_path: Path, ignoring: bool, state: bool, passes: bool
) -> None:
    profile = None
    if ignoring:
        profile = tmp_path / "ignoring.yaml"
        profile.write_text(IGNORING_RTU)
    suite = tmp_path / "fat.robot"
    suite.write_text(_readme_fat_suite(profile, state=state), encoding="utf-8")
    rc, result = robot_run(suite, outputdir=tmp_path)
    test = result.suite.tests[0]
    assert (test.status == "PASS") is passes, test.message
    assert (rc == 0) is passes
    if not passes:
        assert test.message.startswith("IOA 200 (CA 47) did not report OFF within 3 s after the last command")


# ---- the conformance suite checks ACT_TERM where the PICS says the RTU uses it -----------------------


@pytest.mark.parametrize(("claims_act_term", "passes"), [(True, False), (False, True)])
def test_conformance_checks_act_term_as_the_pics_says(tmp_path: Path, claims_act_term: bool, passes: bool) -> None:
    from c104test.conformance import pics_from_profile
    from c104test.engine.profile import load_profile

    demo = (ROOT / "c104test" / "engine" / "demo_rtu.yaml").read_text(encoding="utf-8")
    assert "  act_term: true" in demo
    profile = tmp_path / "no_act_term.yaml"  # the demo RTU, but it never sends ACT_TERM
    profile.write_text(demo.replace("  act_term: true", "  act_term: false"), encoding="utf-8")
    honest = pics_from_profile(load_profile(profile))  # act_term: false
    assert "  act_term: false" in honest
    pics = tmp_path / "pics.yaml"
    pics.write_text(honest.replace("  act_term: false", "  act_term: true") if claims_act_term else honest)
    rc, result = robot_run(
        ROOT / "keywords" / "conformance.robot",
        outputdir=tmp_path,
        test=["A21*", "A22*"],
        variable=[f"RTU_PROFILE:{profile}", f"PICS:{pics}"],
    )
    tests = {t.name: t for t in result.suite.tests}
    assert set(tests) == {"A21 Single command direct", "A22 Single command SBO"}
    for test in tests.values():
        assert (test.status == "PASS") is passes, test.message
        if not passes:
            assert "commands.act_term" in test.message
    assert (rc == 0) is passes


CYCLIC_RTU = """\
stations:
  - common_address: 47
    points:
      - {io_address: 300, type: M_ME_NB_1, value: 1234, cycle: 0.2}
"""


@pytest.mark.parametrize("keyword", ["Expect State", "Expect Report"])
def test_a_text_the_reported_type_cannot_take_is_an_error_at_once(kw: Keywords, tmp_path: Path, keyword: str) -> None:
    """Before any report the type is unknown; the first report names it, and then "1000.5" for a
    scaled value is refused with the rules' message, as the Gherkin step refuses it (it waited
    until the timeout and failed)."""
    profile = tmp_path / "cyclic.yaml"
    profile.write_text(CYCLIC_RTU)
    kw("Connect To RTU", HOST, kw("Start Simulated RTU", profile=str(profile)))
    with pytest.raises(ValueError, match=r"'1000.5' is not a whole number; a (scaled value|counter) is a whole number"):
        kw(keyword, 300, "1000.5", timeout=timedelta(seconds=5))
    assert kw(keyword, 300, "1000..2000", timeout=timedelta(seconds=5)) == 1234
