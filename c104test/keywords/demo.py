"""Run the ready Robot Framework suites against the embedded demo RTU (``c104test demo``).

The suites in the repository's ``keywords/`` folder start the demo RTU themselves when
``RTU_PORT`` is 0 (their default), in this process and on a free port, so nothing else needs to
run. The library's listener stops the trio thread when the run ends.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["SUITE_NAMES", "find_suites", "run_suites"]

#: the ready suites, in the order they run
SUITE_NAMES = ("acceptance.robot", "substation_fat.robot", "conformance.robot")


def find_suites() -> Path:
    """The folder with the ready suites: packaged data, else the source checkout's ``keywords/``."""
    here = Path(__file__).resolve().parent
    candidates = [
        here / "suites",  # if a wheel ships them as package data
        here.parents[1] / "keywords",  # editable install or source checkout
    ]
    override = os.environ.get("C104TEST_SUITES")
    if override:
        candidates.insert(0, Path(override))
    for folder in candidates:
        if all((folder / name).is_file() for name in SUITE_NAMES):
            return folder
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"the ready Robot suites were not found (looked in {tried})")


def run_suites(output_dir: str | os.PathLike[str], **options: Any) -> int:
    """Run the ready suites with ``robot.run``; return the number of failed tests.

    KeyboardInterrupt when Robot was stopped by Ctrl-C (its reports hold the tests run so far).

    ``output_dir`` receives output.xml, log.html and report.html. ``options`` go to
    ``robot.run`` (``variable=["RTU_HOST:10.0.0.5", "RTU_PORT:2404"]`` tests a real RTU,
    ``include=["fat"]`` selects suites by tag, ``stdout=io.StringIO()`` silences the console).
    """
    from robot import run
    from robot.api import ExecutionResult

    folder = find_suites()
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True)
    settings: dict[str, Any] = {
        "outputdir": str(output),
        "name": "c104test demo",
        "consolewidth": 100,
    }
    settings.update(options)
    rc = run(*(str(folder / name) for name in SUITE_NAMES), **settings)
    xml = output / "output.xml"
    if rc >= 251 or not xml.is_file():  # 251+: help, interrupted, usage or internal error
        raise RuntimeError(f"robot could not run the ready suites (return code {rc})")
    result = ExecutionResult(str(xml))
    if any(test.message == _STOPPED_BY_SIGNAL for test in result.suite.all_tests):
        # Robot takes Ctrl-C itself (it stops gracefully and fails the rest): pass it on, so
        # that the caller stops too instead of running what comes next
        raise KeyboardInterrupt
    return result.statistics.total.failed


#: The message Robot gives the test it stopped on Ctrl-C (SIGINT) or SIGTERM.
_STOPPED_BY_SIGNAL = "Execution terminated by signal"
