"""``c104test demo`` and Ctrl-C: it stops, says so, and does not go on to the next part."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

STOPS_ITSELF = """\
*** Test Cases ***
Interrupted
    Evaluate    os.kill(os.getpid(), signal.SIGINT)    modules=os,signal
    Sleep    20s
Never Run
    No Operation
"""


def test_ctrl_c_in_the_robot_suites_stops_the_demo(tmp_path: Path) -> None:
    """Robot takes Ctrl-C itself and returned normally: the demo went on to run the features
    (a minute more) and then reported the stopped tests as failures."""
    suites = tmp_path / "suites"
    suites.mkdir()
    for name in ("acceptance.robot", "substation_fat.robot", "conformance.robot"):
        (suites / name).write_text(STOPS_ITSELF)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "C104TEST_SUITES": str(suites)}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "c104test", "demo", "--output", str(tmp_path / "out")],
                          capture_output=True, text=True, env=env, timeout=60)
    assert time.monotonic() - started < 30
    assert done.returncode == 1, done.stderr
    assert "interrupted; the reports of what ran are in" in done.stderr and "Traceback" not in done.stderr
    assert "== Gherkin features" not in done.stdout and "demo results" not in done.stdout
    assert (tmp_path / "out" / "robot" / "output.xml").is_file()


def test_ctrl_c_in_the_features_stops_the_demo_without_a_traceback(tmp_path: Path) -> None:
    """Ctrl-C (to the process group, as a terminal sends it) while pytest ran the features ended
    in a KeyboardInterrupt traceback."""
    features = tmp_path / "features"
    features.mkdir()
    (features / "slow.feature").write_text("Feature: slow\n")
    (features / "test_slow.py").write_text("import time\n\ndef test_slow():\n    time.sleep(20)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "C104TEST_FEATURES": str(features),
           "PYTHONUNBUFFERED": "1"}  # lines as they come, as on a terminal
    process = subprocess.Popen([sys.executable, "-m", "c104test", "demo", "--features-only", "--output",
                                str(tmp_path / "out")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                               start_new_session=True)
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        for line in process.stdout:
            lines.append(line)
            if "collected" in line or time.monotonic() > deadline:
                break  # (pytest -v ends the test's line only when the test ends)
        time.sleep(1.5)
        os.killpg(process.pid, signal.SIGINT)
        stopped = time.monotonic()
        rest, _ = process.communicate(timeout=15)
        took = time.monotonic() - stopped
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == 1, "".join(lines) + rest
    assert "c104test demo: interrupted; the reports of what ran are in" in rest, "".join(lines) + rest
    assert "Traceback" not in rest and took < 8
