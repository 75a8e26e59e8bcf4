"""The Gherkin steps of the master checks run the definitions: a feature
(tests/bdd/features/master_conformance.feature) checks the c104-compatible master script of
tests/conformance/peers/c104_master.py (on c104test), started by a step of the test's conftest."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.test_master_c104 import MASTER_PICS

from .test_plugin import project, run

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[2]
FEATURE = Path(__file__).parent / "features" / "master_conformance.feature"

CONFTEST = f"""\
import os
import subprocess
import sys

import pytest
from pytest_bdd import given

PEER = {str(ROOT / "tests" / "conformance" / "peers" / "c104_master.py")!r}


@given("the test master is started")
def the_test_master(c104_conformance, request):
    env = {{**os.environ, "PYTHONPATH": {str(ROOT)!r}}}
    process = subprocess.Popen([sys.executable, PEER, str(c104_conformance["master_port"]), "--c104test"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    def stop():
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)
    request.addfinalizer(stop)
"""


def test_a_feature_checks_the_master_under_test(pytester: pytest.Pytester) -> None:
    project(pytester, FEATURE.read_text(encoding="utf-8"), conftest=CONFTEST)
    (pytester.path / "features" / "master.yaml").write_text(MASTER_PICS, encoding="utf-8")
    result = run(pytester)
    result.assert_outcomes(passed=1)


def test_what_the_pics_left_out_is_logged_by_the_gherkin_step(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """As the CLI prints it before a run: the functions not claimed and the defaults used."""
    import logging
    from types import SimpleNamespace

    from c104test.bdd.conformance_steps import given_pics_file

    pics = tmp_path / "minimal.yaml"
    pics.write_text("rtu: {common_addresses: [47]}\n")
    state: dict[str, object] = {}
    with caplog.at_level(logging.INFO, logger="c104test.bdd"):
        given_pics_file(SimpleNamespace(feature_dir=tmp_path), state, "minimal.yaml")  # type: ignore[arg-type]
    assert state["pics"] is not None
    summary = [r.getMessage() for r in caplog.records if r.getMessage().startswith(f"PICS {pics}:")]
    assert summary and "not claimed (optional, not in the file): " in summary[0] and "functions.read" in summary[0]
    assert "link.t1 15" in summary[0]
