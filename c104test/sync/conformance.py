"""Run one conformance case from synchronous code (Robot keywords, Gherkin steps) on the bridge.

>>> result = run_conformance_case("A02", "127.0.0.1", 2404, pics)   # doctest: +SKIP
>>> result.verdict.value
'pass'
"""

from __future__ import annotations

from ..conformance import CASES, CaseResult, Pics, run_case, select_cases
from .bridge import get_bridge

__all__ = ["run_conformance_case"]


def run_conformance_case(case_id: str, host: str, port: int, pics: Pics) -> CaseResult:
    """Run catalogue case ``case_id`` against the RTU; ValueError for an ID that is not implemented."""
    select_cases()  # registers the definitions
    key = case_id.strip().upper()
    case = CASES.get(key)
    if case is None:
        raise ValueError(f"{case_id!r} is not an implemented conformance case; implemented: {', '.join(CASES)}")
    return get_bridge().run(run_case, case, host, port, pics)
