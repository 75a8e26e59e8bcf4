"""The Gherkin half of ``c104test demo``: run the ready features against the embedded simulator.

pytest runs in a subprocess, so the features get a fresh interpreter (and trio thread) of their own
and the caller's pytest or Robot run is not disturbed. The reports land in ``output_dir``:
``report.html`` (pytest-html, one file), ``cucumber.json`` (``--cucumberjson``), ``junit.xml``,
``pytest.log`` (the console output), a pcap file per failed scenario and ``captures/`` (what the
step "the traffic is saved to" saves).
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

__all__ = ["features_dir", "run_features"]

_PACKAGE = Path(__file__).resolve().parents[1]


def features_dir() -> Path | None:
    """Where the ready features are: shipped in the package (``c104test/_features``) or, in a
    source checkout, ``features/`` next to the package; ``C104TEST_FEATURES`` names another folder
    (as ``C104TEST_SUITES`` does for the Robot suites)."""
    override = os.environ.get("C104TEST_FEATURES")
    for candidate in ((Path(override),) if override else ()) + (_PACKAGE / "_features", _PACKAGE.parent / "features"):
        if candidate.is_dir() and any(candidate.glob("*.feature")):
            return candidate
    return None


#: How long pytest may take to stop after Ctrl-C before it is killed.
_STOP_SECONDS = 5.0


def run_features(
    output_dir: str | Path, *, features: str | Path | None = None, pytest_args: Sequence[str] = ()
) -> int:
    """Run the ready features with pytest against the embedded simulator.

    Returns the number of failed scenarios; 1 if pytest could not run them at all (no features,
    a usage error), so that 0 always means "all passed".
    """
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True)
    where = Path(features) if features is not None else features_dir()
    if where is None or not where.exists():
        print("c104test demo: the ready features (features/) are not installed", file=sys.stderr)
        return 1
    junit = output / "junit.xml"
    junit.unlink(missing_ok=True)
    command = [
        sys.executable, "-m", "pytest", str(where),
        "-p", "no:cacheprovider",
        # the repository's pytest settings name plugins of the test extra (timeout=...), which a
        # plain install does not have; they do not matter for the features
        "-W", "ignore::pytest.PytestConfigWarning",
        # one process: the reports (cucumber.json, the Gherkin lines) need it, whatever addopts say
        "-o", "addopts=",
        "-v", "--gherkin-terminal-reporter",
        f"--cucumberjson={output / 'cucumber.json'}",
        f"--junitxml={junit}",
        f"--c104-capture={output}",
        *_html_report(output / "report.html"),
        *pytest_args,
    ]
    with (
        open(output / "pytest.log", "w", encoding="utf-8") as log,
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process,
    ):
        assert process.stdout is not None
        try:
            for line in process.stdout:
                sys.stdout.write(line)
                log.write(line)
        except KeyboardInterrupt:
            # Ctrl-C reaches pytest too (one process group): let it write its reports, briefly
            try:
                process.wait(timeout=_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
            raise
        status = process.wait()
    sys.stdout.flush()
    failed = _failed_scenarios(junit)
    if failed is None or (status not in (0, 1) and failed == 0):
        return max(1, failed or 0)
    return failed


def _html_report(path: Path) -> list[str]:
    """pytest-html's options when it is installed (a dependency; a stripped install runs without)."""
    import importlib.util

    if importlib.util.find_spec("pytest_html") is None:
        return []
    return [f"--html={path}", "--self-contained-html"]


def _failed_scenarios(junit: Path) -> int | None:
    """Test cases with a failure or an error in a JUnit XML report; None without a report."""
    try:
        root = ET.parse(junit).getroot()
    except (OSError, ET.ParseError):
        return None
    return sum(
        1
        for case in root.iter("testcase")
        if case.find("failure") is not None or case.find("error") is not None
    )
