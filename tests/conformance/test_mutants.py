"""The mutation proof: every implemented case passes (or is n/a) against the conformant simulator
and fails against each of its mutants (a fault plan that breaks exactly the rule it checks)."""

from __future__ import annotations

import pytest

from c104test.conformance import CASES, Verdict, mutant_plan, select_cases

from .simulated import run_against_simulator

select_cases()  # registers every case
PLANS = [(case_id, None) for case_id in CASES] + [
    (case_id, plan) for case_id, case in CASES.items() for plan in case.mutants
]


@pytest.mark.parametrize(("case_id", "plan"), PLANS, ids=[f"{c}-{p or 'conformant'}" for c, p in PLANS])
def test_case_against_conformant_and_mutant_simulator(case_id: str, plan: str | None) -> None:
    case = CASES[case_id]
    result = run_against_simulator(case, mutant_plan(plan) if plan else ())
    evidence = "\n".join(f"{e.t:7.3f} {e.dir:8} {e.explained}" for e in result.evidence[-15:])
    if plan is None:
        assert result.verdict in (Verdict.PASS, Verdict.NOT_APPLICABLE), f"{result.reason}\n{evidence}"
    else:
        assert result.verdict is Verdict.FAIL, f"{case_id} against {plan}: {result.verdict.value} {result.reason}\n{evidence}"
        assert result.reason
