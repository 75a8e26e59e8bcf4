"""Gherkin steps that run the conformance cases defined in ``c104test.conformance``.

    Scenario Outline: <case> against the RTU
      Given the PICS of the RTU under test
      When I run the conformance case <case>
      Then the case passes

A case that the PICS does not claim is skipped with its reason (the PICS item). The step
``the RTU closes the connection`` counts only a close made by the RTU, never one made by c104test.

The controlling station as the device under test (master checks M01-M13)::

    Scenario: The SCADA front end
      Given the simulated RTU waits for the master under test with the PICS "master.yaml" on port 2404
      When the master under test has been checked
      Then the master check M03 passes
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from c104test.bdd.arguments import WITHIN, require_connection, step_timeout
from c104test.bdd.plugin import C104Context
from c104test.bdd.registry import StepFailed, step

__all__ = ["c104_conformance"]


@pytest.fixture
def c104_conformance() -> dict[str, Any]:
    """The scenario's PICS and the result of the last conformance case."""
    return {}


@step("Given", r'the PICS "(?P<path>[^"]+)"')
def given_pics_file(c104_context: C104Context, c104_conformance: dict[str, Any], path: str) -> None:
    """the PICS "<file>"

    The RTU's PICS/PIXIT (docs/pics.md); a relative path is taken from the feature's folder.

    Examples:
        Given the PICS "rtu-pics.yaml"
    """
    from c104test.conformance import load_pics

    file = Path(path)
    if not file.is_absolute() and c104_context.feature_dir is not None:
        file = c104_context.feature_dir / file
    c104_conformance["pics"] = _logged(load_pics(file))


@step("Given", r"the PICS of the RTU under test")
def given_pics_of_rtu(c104_context: C104Context, c104_conformance: dict[str, Any]) -> None:
    """the PICS of the RTU under test

    The PICS that the simulated RTU claims: its profile (``--rtu-profile``, else the demo RTU).
    Against a real RTU use the step with a PICS file.

    Examples:
        Given the PICS of the RTU under test
    """
    from c104test.conformance import parse_pics, pics_from_profile
    from c104test.engine.profile import demo_profile, load_profile

    simulator = c104_context.default_simulator()
    if simulator is not None:
        profile = simulator.profile
    else:
        path = c104_context.config.profile
        profile = load_profile(path) if path is not None else demo_profile()
    c104_conformance["pics"] = parse_pics(pics_from_profile(profile), f"PICS of {profile.name!r}")


@step("When", r"I run the conformance case (?P<case_id>[LARlar]\d\d)")
def run_conformance_case(c104_context: C104Context, c104_conformance: dict[str, Any], case_id: str) -> None:
    """I run the conformance case <ID>

    Runs catalogue case ``ID`` (protocol.md 2.3) against the RTU under test, on its own
    connections, with the scenario's PICS.

    Examples:
        When I run the conformance case A02
    """
    from c104test.sync.conformance import run_conformance_case as run

    pics = c104_conformance.get("pics")
    if pics is None:
        raise StepFailed("no PICS yet: start with 'Given the PICS of the RTU under test' or 'Given the PICS \"file\"'")
    host, port = c104_context.target()
    c104_conformance["result"] = run(case_id, host, port, pics)


@step("Then", r"the case passes")
def case_passes(c104_conformance: dict[str, Any]) -> None:
    """the case passes

    The last case passed; a case the PICS does not claim is skipped, naming the PICS item.

    Examples:
        Then the case passes
    """
    from c104test.conformance import Verdict

    result = c104_conformance.get("result")
    if result is None:
        raise StepFailed("no conformance case ran: use 'When I run the conformance case <ID>' first")
    if result.verdict is Verdict.NOT_APPLICABLE:
        pytest.skip(f"{result.id} n/a: {result.reason}")
    if result.verdict is not Verdict.PASS:
        frames = "\n".join(f"{e.t:8.3f} {'>>' if e.dir == 'sent' else '<<'} {e.explained}" for e in result.evidence[-30:])
        raise StepFailed(f"{result.id} {result.title}: {result.verdict.value}: {result.reason}\n{frames}")


@step("Then", rf"the RTU closes the connection{WITHIN}")
def rtu_closes_connection(c104_context: C104Context, seconds: str | None) -> None:
    """the RTU closes the connection [within <n> seconds]

    The RTU, not c104test, closes the connection now or within the time. A close that c104test
    made itself (its own t1, a frame it refused, the test) fails the step: the RTU did not react.

    Examples:
        Then the RTU closes the connection within 5 seconds
    """
    from c104test.engine.errors import CommandTimeout
    from c104test.protocol.closing import ClosedBy
    from c104test.protocol.enums import ConnectionState

    connection = require_connection(c104_context)
    try:
        connection.wait_for_state(ConnectionState.CLOSED, timeout=step_timeout(c104_context, seconds))
    except CommandTimeout as exc:
        raise StepFailed(f"the RTU kept the connection open: {exc}") from None
    info = connection.close_info
    if info is not None and info.by is not ClosedBy.PEER:
        raise StepFailed(f"c104test closed the connection itself ({info.cause.value}: {info.reason}); the RTU did not close it")


# ---- the master under test ----------------------------------------------------------------------


@step("Given", r'the simulated RTU waits for the master under test with the PICS "(?P<path>[^"]+)"(?: on port (?P<port>\d+))?')
def given_master_listener(c104_context: C104Context, c104_conformance: dict[str, Any], c104_bridge: Any, path: str,
                          port: str | None) -> None:
    """the simulated RTU waits for the master under test with the PICS "<file>" [on port <n>]

    Starts the simulated RTU that the master under test connects to (default: any free port,
    logged and kept as ``c104_conformance["master_port"]``); the master checks run once it
    connects. The PICS describes the master (docs/conformance-master.md); a relative path is
    taken from the feature's folder.

    Examples:
        Given the simulated RTU waits for the master under test with the PICS "master.yaml" on port 2404
    """
    from c104test.conformance import load_pics
    from c104test.sync.conformance import MasterConformanceRun

    file = Path(path)
    if not file.is_absolute() and c104_context.feature_dir is not None:
        file = c104_context.feature_dir / file
    run = MasterConformanceRun(_logged(load_pics(file), master=True), port=int(port or 0))
    c104_conformance["master"] = run
    c104_conformance["master_port"] = run.port
    logging.getLogger("c104test.bdd").info("simulated RTU listening on 127.0.0.1:%d for the master under test", run.port)


@step("When", r"the master under test has been checked")
def master_checked(c104_conformance: dict[str, Any]) -> None:
    """the master under test has been checked

    Waits until the master connected and every master check was judged (bounded by the
    listener's wait plus two minutes).

    Examples:
        When the master under test has been checked
    """
    run = c104_conformance.get("master")
    if run is None:
        raise StepFailed("no master listener: start with 'Given the simulated RTU waits for the master under test with the PICS \"file\"'")
    c104_conformance["master_results"] = {r.id: r for r in run.results()}


@step("Then", r"the master check (?P<check_id>[Mm]\d\d) passes")
def master_check_passes(c104_conformance: dict[str, Any], check_id: str) -> None:
    """the master check <ID> passes

    The master check passed; one the PICS does not claim is skipped, naming the PICS item.

    Examples:
        Then the master check M03 passes
    """
    from c104test.conformance import Verdict

    results = c104_conformance.get("master_results")
    if results is None:
        raise StepFailed("the master has not been checked: use 'When the master under test has been checked' first")
    result = results.get(check_id.upper())
    if result is None:
        raise StepFailed(f"{check_id} was not checked; checked: {', '.join(results)}")
    if result.verdict is Verdict.NOT_APPLICABLE:
        pytest.skip(f"{result.id} n/a: {result.reason}")
    if result.verdict is not Verdict.PASS:
        frames = "\n".join(f"{e.t:8.3f} {'>>' if e.dir == 'sent' else '<<'} {e.explained}" for e in result.evidence[-30:])
        raise StepFailed(f"{result.id} {result.title}: {result.verdict.value}: {result.reason}\n{frames}")


def _logged(pics: Any, *, master: bool = False) -> Any:
    """What the PICS left out is not assumed silently (as the CLI prints it before a run)."""
    summary = pics.omitted_summary(master=master)
    if summary:
        logging.getLogger("c104test.bdd").info("%s", summary)
    return pics
