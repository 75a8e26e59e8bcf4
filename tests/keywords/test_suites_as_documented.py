"""The ready suites and features run with the commands their documentation gives, against
``c104test simulate`` in another process with a common address other than the demo's 47, as a
user points them at an RTU (keywords/c104test.resource, docs/steps.md, README)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from robot.api import ExecutionResult

ROOT = Path(__file__).resolve().parents[2]
DEMO_PROFILE = ROOT / "c104test" / "engine" / "demo_rtu.yaml"
LIMIT = 120


def run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=LIMIT,
        stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )  # fmt: skip


@pytest.fixture(scope="module")
def rtu_ca_12(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """``c104test simulate --profile ... --no-changes``: the demo RTU's points at CA 12; its port."""
    profile = tmp_path_factory.mktemp("profile") / "rtu12.yaml"
    text = DEMO_PROFILE.read_text(encoding="utf-8")
    assert text.count("common_address: 47") == 1
    profile.write_text(text.replace("common_address: 47", "common_address: 12"), encoding="utf-8")
    with subprocess.Popen(
        [sys.executable, "-m", "c104test", "simulate", "--profile", str(profile), "--port", "0", "--no-changes",
         "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as proc:  # fmt: skip
        try:
            assert proc.stdout is not None
            found = re.search(r"listening on 127\.0\.0\.1:(\d+), CA 12 ", proc.stdout.readline())
            assert found
            yield int(found.group(1))
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_the_ready_suites_against_an_rtu_with_another_common_address(rtu_ca_12: int, tmp_path: Path) -> None:
    """'Second Simulated RTU Runs Beside The First' asked its spare demo RTU (CA 47) for CA ${CA}:
    with ``--variable CA:12`` the RTU refused it (UNKNOWN_CA)."""
    done = run(
        "robot", "--variable", "RTU_HOST:127.0.0.1", "--variable", f"RTU_PORT:{rtu_ca_12}", "--variable", "CA:12",
        "--exclude", "conformance", "--outputdir", tmp_path, "--log", "NONE", "--report", "NONE", "keywords/",
    )  # fmt: skip
    result = ExecutionResult(str(tmp_path / "output.xml"))
    failed = [f"{t.name}: {t.message}" for t in result.suite.all_tests if t.status == "FAIL"]
    assert not failed, failed
    assert done.returncode == 0, done.stdout[-3000:]
    assert result.statistics.total.passed >= 30


def test_the_conformance_suite_without_a_pics_fails_once_saying_so(rtu_ca_12: int, tmp_path: Path) -> None:
    """Without ``--variable PICS:...`` every case against a real RTU failed with
    ': cannot read: No such file or directory' (80 times, naming no file)."""
    done = run(
        "robot", "--variable", "RTU_HOST:127.0.0.1", "--variable", f"RTU_PORT:{rtu_ca_12}", "--outputdir", tmp_path,
        "--log", "NONE", "--report", "NONE", "keywords/conformance.robot",
    )  # fmt: skip
    assert done.returncode != 0
    result = ExecutionResult(str(tmp_path / "output.xml"))
    assert result.suite.setup.status == "FAIL"
    assert result.suite.setup.message == (
        f"The conformance cases against the RTU at 127.0.0.1:{rtu_ca_12} need its PICS: --variable PICS:rtu.yaml "
        "(c104test conformance --pics-template prints one to fill in)"
    )
    assert {t.status for t in result.suite.all_tests} == {"FAIL"}


def test_an_empty_pics_path_says_that_no_file_was_given() -> None:
    from c104test.conformance.pics import PicsError, load_pics

    with pytest.raises(PicsError, match=r"^\(no file\): no PICS file given: .*--pics-template"):
        load_pics("")


def test_pytest_features_runs_without_pytest_xdist() -> None:
    """`pytest features` failed with 'unrecognized arguments: -n' after a plain `pip install -e .`
    (the repository's addopts start four xdist workers; the docs said to add `-o addopts=`).
    ``-p no:xdist`` stands for an install without it."""
    done = run("pytest", "features", "-p", "no:xdist", "-p", "no:cacheprovider", "--collect-only", "-q")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    collected = re.search(r"(\d+) tests collected", done.stdout)
    assert collected and int(collected.group(1)) > 50, done.stdout[-500:]
