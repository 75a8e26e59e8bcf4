"""redundancy.robot through ``robot.run``: a redundancy group of two aliases to one simulator."""

from __future__ import annotations

from pathlib import Path

from .test_suites import cases_of, robot, trio_threads

SUITE = Path(__file__).parent / "suites" / "redundancy.robot"


def test_redundancy_group_of_two_from_robot(tmp_path: Path) -> None:
    rc, result = robot(SUITE, outputdir=tmp_path)
    assert not trio_threads()
    tests = cases_of(result)
    failed = {t.name: t.message for t in tests.values() if t.status != "PASS"}
    assert rc == 0 and not failed, failed
    assert len(tests) == 3
