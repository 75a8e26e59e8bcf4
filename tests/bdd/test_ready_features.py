"""The ready features (features/) pass: against the embedded simulator through ``run_features``
(what ``c104test demo`` runs), and against the demo RTU in a separate process with --rtu-host."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from c104test.bdd.demo import features_dir, run_features

ROOT = Path(__file__).resolve().parents[2]
FEATURES = ROOT / "features"


def test_the_features_are_found() -> None:
    assert features_dir() == FEATURES


FAST = ("-p", "no:hypothesispytest", "-o", "addopts=")  # hypothesis costs a second a run; one process, no -n 4


def test_run_features_passes_and_writes_the_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_features(tmp_path, pytest_args=FAST) == 0
    out = capsys.readouterr().out
    assert "Scenario: Station interrogation PASSED" in out  # the Gherkin console report
    features = json.loads((tmp_path / "cucumber.json").read_text(encoding="utf-8"))
    assert {f["name"] for f in features} == {
        "Acceptance of the demo RTU",
        "FAT of the demo bay controller",
        "Link layer of the RTU (IEC 60870-5-104 APCI)",
        "Conformance of the RTU (c104test catalogue)",
    }
    statuses = {s["result"]["status"] for f in features for e in f["elements"] for s in e["steps"]}
    assert statuses == {"passed"}
    assert (tmp_path / "junit.xml").is_file()
    assert "passed" in (tmp_path / "pytest.log").read_text(encoding="utf-8")
    # an HTML report (pytest-html, one self-contained file) names the scenarios
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "test_station_interrogation" in html and "<html" in html.lower()
    # the step "the traffic is saved to" wrote into the capture folder; passed scenarios save nothing else
    assert sorted(p.name for p in tmp_path.rglob("*.pcap")) == ["link-control.pcap"]
    assert (tmp_path / "captures" / "link-control.pcap").read_bytes()[:4] == bytes.fromhex("0a0d0d0a")  # pcapng


def test_run_features_counts_failed_scenarios(tmp_path: Path) -> None:
    features = tmp_path / "features"
    features.mkdir()
    (features / "test_bound.py").write_text("from pytest_bdd import scenarios\n\nscenarios('.')\n", encoding="utf-8")
    (features / "wrong.feature").write_text(
        "Feature: Wrong\n"
        "  Scenario Outline: Breaker\n"
        "    Given a connection to the RTU\n"
        "    And data transfer is started\n"
        "    When I send a general interrogation\n"
        "    Then IOA 200 reports <state> within 0.1 seconds\n"
        "    Examples:\n"
        "      | state |\n"
        "      | ON    |\n"
        "      | OFF   |\n"
        "      | INTERMEDIATE |\n",
        encoding="utf-8",
    )
    assert run_features(tmp_path / "out", features=features, pytest_args=FAST) == 2
    # a pcap file for each failed scenario
    captures = sorted(p.name for p in (tmp_path / "out").glob("*.pcap"))
    assert captures == ["test_breaker_INTERMEDIATE.pcap", "test_breaker_OFF.pcap"], captures


# ---- the demo RTU in its own process ------------------------------------------------------------------


@pytest.fixture
def demo_rtu_process() -> Iterator[int]:
    """``c104test simulate`` (the demo RTU, values kept still) in a separate process; yields its port."""
    with tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "c104test", "simulate", "--port", "0", "--no-changes", "--quiet"],
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                output.seek(0)
                found = re.search(r"listening on 127\.0\.0\.1:(\d+)", output.read())
                if found:
                    break
                if process.poll() is not None or time.monotonic() > deadline:
                    output.seek(0)
                    pytest.fail(f"the simulator did not start:\n{output.read()}")
                time.sleep(0.02)
            yield int(found.group(1))
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_the_features_against_an_rtu_in_another_process(demo_rtu_process: int, tmp_path: Path) -> None:
    report = tmp_path / "cucumber.json"
    done = subprocess.run(
        [
            sys.executable, "-m", "pytest", str(FEATURES), "-q", "-p", "no:cacheprovider", *FAST, "-rs",
            "--rtu-host", "127.0.0.1", "--rtu-port", str(demo_rtu_process), f"--cucumberjson={report}",
            # a real RTU has no profile here: its common address is given, as for any real RTU
            "--rtu-common-address", "47",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-4000:]
    # only the scenarios that drive the simulator itself are skipped: 3, and the conformance cases,
    # which run against the demo RTU with short timers (a real RTU needs its own PICS file)
    from c104test.conformance import CASES, select_cases

    select_cases()
    skipped = re.findall(r"SKIPPED \[(\d+)\] .*needs the embedded simulator", done.stdout)
    assert sum(map(int, skipped)) == 3 + len(CASES), done.stdout[-2000:]
    assert json.loads(report.read_text(encoding="utf-8"))
