"""Run one conformance case from synchronous code (Robot keywords, Gherkin steps) on the bridge.

>>> result = run_conformance_case("A02", "127.0.0.1", 2404, pics)   # doctest: +SKIP
>>> result.verdict.value
'pass'
"""

from __future__ import annotations

import threading

import trio

from ..conformance import CASES, CaseResult, Pics, run_case, select_cases
from .bridge import get_bridge

__all__ = ["MasterConformanceRun", "run_conformance_case"]


def run_conformance_case(case_id: str, host: str, port: int, pics: Pics) -> CaseResult:
    """Run catalogue case ``case_id`` against the RTU; ValueError for an ID that is not implemented."""
    select_cases()  # registers the definitions
    key = case_id.strip().upper()
    case = CASES.get(key)
    if case is None:
        raise ValueError(f"{case_id!r} is not an implemented conformance case; implemented: {', '.join(CASES)}")
    return get_bridge().run(run_case, case, host, port, pics)


class MasterConformanceRun:
    """The master-side checks running in the background: the simulated RTU listens on ``port``
    until the master under test has been checked; ``results()`` waits for the verdicts.

    >>> run = MasterConformanceRun(pics, port=0, wait=60)   # doctest: +SKIP
    >>> # ... start the master under test against run.port ...
    >>> [r.verdict.value for r in run.results(timeout=120)]   # doctest: +SKIP
    """

    def __init__(self, pics: Pics, *, host: str = "127.0.0.1", port: int = 0, wait: float = 60.0,
                 checks: str | None = None, output: str | None = None) -> None:
        from ..conformance.master import run_master, run_master_suite
        from ..conformance.master_checks import select_master_checks

        selected = select_master_checks(checks)  # ValueError now, in the caller's thread
        self._done = threading.Event()
        self._results: list[CaseResult] | None = None
        self._error: BaseException | None = None
        self.wait = wait

        async def body(task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED) -> None:
            started = False

            def listening(bound: int) -> None:
                nonlocal started
                started = True
                task_status.started(bound)

            try:
                if output is None:
                    self._results = await run_master(selected, pics, host=host, port=port, wait=wait, on_listening=listening)
                else:
                    self._results = await run_master_suite(selected, pics, output, host=host, port=port, wait=wait,
                                                           on_listening=listening)
            except Exception as exc:
                if not started:
                    raise
                self._error = exc
            finally:
                self._done.set()

        #: The TCP port where the simulated RTU waits for the master under test.
        self.port: int = get_bridge().start(body)

    def results(self, timeout: float | None = None) -> list[CaseResult]:
        """The verdicts, once the master was checked (or ``wait`` passed without one).

        TimeoutError after ``timeout`` s (default: the wait plus two minutes of checks).
        """
        limit = self.wait + 120 if timeout is None else timeout
        if not self._done.wait(limit):
            raise TimeoutError(f"the master-side checks did not end within {limit:g} s")
        if self._error is not None:
            raise self._error
        if self._results is None:
            raise RuntimeError("the master-side checks were cancelled (the c104test trio thread stopped)")
        return self._results
