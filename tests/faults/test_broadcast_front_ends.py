"""The Robot keyword and the Gherkin step of a broadcast interrogation (CA 65535) against a
scripted RTU whose three stations answer one after another (tests/faults/broadcast_answers.py):
with the RTU's profile given, each waits for every station of the profile, so the journal holds
every station's ACT_TERM when it returns; a station of the profile that never answers fails it,
named."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from c104test.engine.errors import CommandTimeout
from c104test.keywords import IEC104Library
from c104test.protocol.enums import Type
from c104test.sync.bridge import shutdown_bridge

from . import scripted_rtu
from .broadcast_answers import expected_frames, one_after_another, procedure_frames
from .scripted_rtu import HOST, FaultyRtu

faulty_rtu = scripted_rtu.faulty_rtu  # the fixture
pytest_plugins = ["pytester"]

CAS = (1, 2, 3)


def _profile(directory: Path) -> Path:
    """The scripted RTU's profile: its three stations, each with the point its answer reports."""
    stations = "".join(
        f"  - common_address: {ca}\n    points:\n      - io_address: {1000 * ca + 1}\n        type: M_SP_NA_1\n"
        for ca in CAS
    )
    path = directory / "three_stations.yaml"
    path.write_text(f"name: three stations\nstations:\n{stations}", encoding="utf-8")
    return path


def _library(port: int, profile: Path, timeout: float) -> IEC104Library:
    library = IEC104Library(timeout=timedelta(seconds=timeout))
    library.run_keyword("Connect To RTU", [HOST, port], {"profile": str(profile)})
    return library


def test_send_interrogation_to_65535_waits_for_every_station_of_the_profile(
    faulty_rtu: Callable[..., FaultyRtu], tmp_path: Path
) -> None:
    rtu = faulty_rtu(one_after_another(CAS))
    library = _library(rtu.port, _profile(tmp_path), 5.0)
    try:
        result = library.run_keyword("Send Interrogation", [], {"common_address": 65535})
        engine = library.connections.current.rtu.engine
        assert procedure_frames(engine.journal.since(0), Type.C_IC_NA_1) == expected_frames(CAS)
        assert result.termination.common_address == 3
        assert sorted(a.common_address for a in result.asdus) == list(CAS)
    finally:
        library.release()
        shutdown_bridge()


def test_send_interrogation_to_65535_names_the_station_of_the_profile_that_never_answered(
    faulty_rtu: Callable[..., FaultyRtu], tmp_path: Path
) -> None:
    rtu = faulty_rtu(one_after_another(CAS, silent=(2,)))
    library = _library(rtu.port, _profile(tmp_path), 1.0)
    try:
        with pytest.raises(CommandTimeout, match=r"expected stations CA 1, 2, 3: no ACT_CON from CA 2\)"):
            library.run_keyword("Send Interrogation", [], {"common_address": 65535})
    finally:
        library.release()
        shutdown_bridge()


FEATURE = """
Feature: an RTU whose stations answer a broadcast one after another
  Scenario: broadcast interrogation
    Given a connection to the RTU
    When I send a general interrogation to common address 65535
    Then the interrogation is confirmed and terminated
"""

# The inner project's conftest: what the journal held when the When step returned.
CONFTEST = """
import json
from pathlib import Path

HERE = Path(__file__).parent


def pytest_bdd_after_step(request, feature, scenario, step, step_func, step_func_args):
    if step.keyword == "When":
        journal = request.getfixturevalue("c104_context").connection.engine.journal
        frames = [(e.direction.name, int(e.asdu.cot), e.asdu.common_address)
                  for e in journal.since(0) if e.asdu is not None and int(e.asdu.type) == 100]
        (HERE / "frames.json").write_text(json.dumps(frames))
"""


def test_the_general_interrogation_step_to_65535_waits_for_every_station_of_the_profile(
    pytester: pytest.Pytester, faulty_rtu: Callable[..., FaultyRtu]
) -> None:
    rtu = faulty_rtu(one_after_another(CAS))
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "broadcast.feature").write_text(textwrap.dedent(FEATURE), encoding="utf-8")
    pytester.makepyfile(test_broadcast='from pytest_bdd import scenarios\n\nscenarios("features")\n')
    pytester.makeconftest(CONFTEST)
    profile = _profile(pytester.path)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:xdist",
        "--rtu-host", HOST, "--rtu-port", str(rtu.port), "--rtu-profile", str(profile), "--c104-timeout", "5",
        "--timeout", "60", timeout=90,
    )
    assert result.parseoutcomes().get("passed") == 1, result.stdout.str()[-3000:]
    frames = [tuple(f) for f in json.loads((pytester.path / "frames.json").read_text())]
    assert frames == expected_frames(CAS)
