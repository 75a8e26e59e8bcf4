"""The ready suites in keywords/ under the tools their users run them with: robocop and pabot.

Both run as subprocesses from this venv (the scripts next to ``sys.executable``), as a user or
CI would run them, with a time limit.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from robot.api import ExecutionResult
from robot.result import Keyword

from c104test.keywords.demo import SUITE_NAMES

ROOT = Path(__file__).resolve().parents[2]
SUITES = ROOT / "keywords"
BIN = Path(sys.executable).parent


def run(*args: str | Path, cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def robocop(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    # --no-cache: nothing is written into the work tree
    return run(sys.executable, "-m", "robocop", *args, "--no-cache", cwd=cwd, timeout=60)


def has_format_command() -> bool:
    return robocop("format", "--help").returncode == 0


# ---- robocop --------------------------------------------------------------------------------------


def test_robocop_check_is_clean() -> None:
    done = robocop("check", "keywords/")
    assert done.returncode == 0, done.stdout + done.stderr


def test_robocop_format_check_is_clean() -> None:
    if not has_format_command():
        pytest.skip("this robocop has no format command")
    done = robocop("format", "--check", "keywords/")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 files would be reformatted" in done.stdout


def test_robocop_fails_on_a_bad_suite(tmp_path: Path) -> None:
    """The two checks above can fail: no configuration makes robocop exit 0 regardless."""
    (tmp_path / "bad.robot").write_text("*** Test Cases ***\nA\n  Log  x\n", encoding="utf-8")
    assert robocop("check", tmp_path, cwd=ROOT).returncode != 0
    if has_format_command():
        assert robocop("format", "--check", tmp_path, cwd=ROOT).returncode != 0
        assert (tmp_path / "bad.robot").read_text(encoding="utf-8").startswith("*** Test Cases ***\nA\n  Log")


# ---- pabot ----------------------------------------------------------------------------------------

LISTENING = re.compile(r"listening on [\d.]+:(\d+)")


def _keywords(item: object) -> list[Keyword]:
    found = []
    for child in getattr(item, "body", ()):
        if isinstance(child, Keyword):
            found.append(child)
        found += _keywords(child)
    for fixture in ("setup", "teardown"):
        part = getattr(item, fixture, None)
        if part:
            found.append(part)
            found += _keywords(part)
    return found


def _simulator_ports(suite: object) -> set[int]:
    """Ports of the simulated RTUs that this suite's keywords started (from their log)."""
    ports: set[int] = set()
    items = [suite, *getattr(suite, "tests", ())]
    for item in items:
        for kw in _keywords(item):
            if kw.name == "Start Simulated RTU":
                for message in kw.body:
                    found = LISTENING.search(getattr(message, "message", "") or "")
                    if found:
                        ports.add(int(found[1]))
    return ports


def _span(suite: object) -> tuple[datetime, datetime]:
    start, end = suite.start_time, suite.end_time  # type: ignore[attr-defined]
    assert start is not None and end is not None
    return start, end


def test_ready_suites_pass_under_pabot(tmp_path: Path) -> None:
    pabot = BIN / "pabot"
    launcher = [pabot] if pabot.is_file() else [sys.executable, "-m", "pabot.pabot"]
    out = tmp_path / "out"
    done = run(
        *launcher,
        "--processes", "2",
        # no PabotLib server: the suites need no locks, and its fixed port 8270 would clash
        # with a second pabot run on this machine
        "--no-pabotlib",
        # every process runs this venv's robot, whatever PATH says
        "--command", sys.executable, "-m", "robot", "--end-command",
        "--outputdir", out,
        "--report", "NONE",
        "--log", "NONE",
        SUITES,
        cwd=tmp_path,  # pabot writes .pabotsuitenames into the working folder
        timeout=90,
    )
    log = f"pabot exited {done.returncode}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    assert done.returncode == 0, log
    result = ExecutionResult(str(out / "output.xml"))
    total = result.statistics.total
    assert total.failed == 0 and total.skipped == 0, log
    assert total.passed >= 3 * 10, log
    assert [m.message for m in result.errors.messages] == [], log

    suites = {s.source.name: s for s in result.suite.suites if s.source is not None}
    assert sorted(suites) == sorted(SUITE_NAMES)
    # each suite started its own simulator on its own free port (RTU_PORT 0) ...
    ports = {name: _simulator_ports(suite) for name, suite in suites.items()}
    assert all(ports.values()), ports
    # ... and two of them ran at the same time, in the two processes, on different ports
    spans = {name: _span(suite) for name, suite in suites.items()}
    overlapping = [
        (a, b)
        for a in spans
        for b in spans
        if a < b and spans[a][0] < spans[b][1] and spans[b][0] < spans[a][1]
    ]
    assert overlapping, f"no two suites ran in parallel: {spans}"
    for a, b in overlapping:
        assert not ports[a] & ports[b], (a, b, ports)
