"""The conformance suite: the catalogue cases of protocol.md 2.3, defined once, PICS-driven.

``select_cases("L01,A02-A10,R*")`` picks cases, ``run_cases`` runs them against an RTU with its
``Pics``; ``CASES`` maps a catalogue ID to its definition (clause, purpose, PICS items, mutants).
With a master as the device under test, ``MASTER_CHECKS`` (M01-M13) are its rules and
``conformance.master.run_master`` serves the simulated RTU it connects to.
"""

from .case import (
    CASES,
    CATALOGUE,
    Case,
    CaseFailed,
    CaseNotApplicable,
    Verdict,
    mutant_plan,
)
from .master_checks import MASTER_CHECKS, MasterCheck, select_master_checks
from .pics import Pics, PicsError, load_pics, parse_pics, pics_from_profile, pics_template
from .runner import CaseResult, run_case, run_cases
from .selection import select_cases

__all__ = [
    "CASES", "CATALOGUE", "MASTER_CHECKS", "Case", "CaseFailed", "CaseNotApplicable", "CaseResult", "MasterCheck",
    "Pics", "PicsError",
    "Verdict", "load_pics", "mutant_plan", "parse_pics", "pics_from_profile", "pics_template", "run_case",
    "run_cases", "select_cases", "select_master_checks",
]
