"""Which cases a run takes: ``select_cases("L01,A02-A10,R*")``, in catalogue order.

Importing the case modules here registers every case (``@case``); ``case.py`` holds only what a
case is, so the case modules and it do not import each other.
"""

from __future__ import annotations

from . import (  # noqa: F401  (they register their cases)
    cases_apci,
    cases_application,
    cases_connections,
    cases_control,
    cases_files,
    cases_link,
    cases_process,
    cases_robustness,
)
from .case import CASES, CATALOGUE, Case
from .id_lists import pick_ids

__all__ = ["select_cases"]


def select_cases(spec: str | None = None) -> list[Case]:
    """The implemented cases a selection names, in catalogue order: ``L01,A02-A10,R*``.

    ValueError names the part that is wrong, where it is in the list, and the valid forms
    (``id_lists.pick_ids``).
    """
    wanted = set(CATALOGUE) if not spec else pick_ids(
        spec, CATALOGUE, "catalogue case", {"M": "the master checks' series: give --master"})
    return [CASES[c] for c in CATALOGUE if c in wanted and c in CASES]
