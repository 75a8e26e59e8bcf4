"""One definition per catalogue case: ID, clause, purpose, PICS items, mutant, steps and verdict.

Cases register themselves with ``@case(...)`` in ``cases_link``, ``cases_apci``, ``cases_connections``,
``cases_application``, ``cases_process``, ``cases_control``, ``cases_files`` and
``cases_robustness``; ``CASES`` maps a catalogue ID (protocol.md 2.3) to its ``Case``. The CLI,
the Robot keyword ``Run Conformance Case`` and the Gherkin steps all run these definitions;
``selection.select_cases`` loads the case modules and picks cases.

A case's ``mutants`` are fault plans of the simulator (text forms of
``protocol/station/faults.py``, several faults of one plan joined by ``+``) that each break the
rule the case checks: the mutation test runs the case against each and requires ``fail``.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..protocol.station.faults import Fault, parse_fault

if TYPE_CHECKING:
    from .context import CaseContext

__all__ = ["CASES", "CATALOGUE", "Case", "CaseFailed", "CaseNotApplicable", "Verdict", "case", "mutant_plan"]


class Verdict(enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "n/a"
    ERROR = "error"  # the case could not be carried out (no connection, a bug)


class CaseFailed(AssertionError):
    """The RTU broke the rule the case checks; the message says how."""


class CaseNotApplicable(Exception):
    """The PICS does not claim what the case needs; the message names the item."""


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    title: str
    clause: str
    purpose: str
    pics: tuple[str, ...]
    mutants: tuple[str, ...]
    verifies: str
    run: Callable[[CaseContext], Awaitable[None]]
    #: Seconds the case may take beyond the runner's limit from the RTU's timers (L15's 65,000 frames).
    extra_seconds: float = 0.0
    #: Runs before the other cases of a run: what it checks is changed by them (A15: a clock sync).
    runs_first: bool = False


CASES: dict[str, Case] = {}

#: Every catalogue ID (protocol.md 2.3): L01-L22, A01-A41, R01-R17.
CATALOGUE: tuple[str, ...] = (
    tuple(f"L{n:02d}" for n in range(1, 23))
    + tuple(f"A{n:02d}" for n in range(1, 42))
    + tuple(f"R{n:02d}" for n in range(1, 18))
)


def case(
    id: str, title: str, *, clause: str, purpose: str, pics: tuple[str, ...] = (),
    mutants: tuple[str, ...], verifies: str, extra_seconds: float = 0.0, runs_first: bool = False,
) -> Callable[[Callable[[CaseContext], Awaitable[None]]], Callable[[CaseContext], Awaitable[None]]]:
    """Register the decorated coroutine as catalogue case ``id``."""
    if id not in CATALOGUE:
        raise ValueError(f"{id} is not a catalogue case")
    if id in CASES:
        raise ValueError(f"case {id} is defined twice")
    if not mutants:
        raise ValueError(f"case {id} has no mutant: a case that cannot fail is a defect")
    for plan in mutants:
        mutant_plan(plan)  # a typo fails at import

    def register(fn: Callable[[CaseContext], Awaitable[None]]) -> Callable[[CaseContext], Awaitable[None]]:
        CASES[id] = Case(id, title, clause, purpose, pics, mutants, verifies, fn, extra_seconds, runs_first)
        return fn

    return register


def mutant_plan(text: str) -> tuple[Fault, ...]:
    """The fault plan of a mutant: ``"silence type=C_TS_TA_1 + withhold_acknowledgements"``."""
    return tuple(parse_fault(part.strip()) for part in text.split("+"))
