"""Which cases a run takes: ``select_cases("L01,A02-A10,R*")``, in catalogue order.

Importing the case modules here registers every case (``@case``); ``case.py`` holds only what a
case is, so the case modules and it do not import each other.
"""

from __future__ import annotations

import re

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

__all__ = ["select_cases"]


_RANGE = re.compile(r"^([LAR])(\d{1,2})-(?:([LAR]))?(\d{1,2})$", re.IGNORECASE)


def select_cases(spec: str | None = None) -> list[Case]:
    """The implemented cases a selection names, in catalogue order: ``L01,A02-A10,R*``.

    ValueError names a part that matches no catalogue case.
    """
    if not spec:
        wanted = set(CATALOGUE)
    else:
        wanted = set()
        for part in (p.strip().upper() for p in spec.split(",")):
            if not part:
                continue
            if part.endswith("*"):
                matched = {c for c in CATALOGUE if c.startswith(part[:-1])}
            elif (m := _RANGE.match(part)) is not None:
                letter, low, other, high = m.group(1), int(m.group(2)), m.group(3), int(m.group(4))
                if other is not None and other.upper() != letter.upper():
                    raise ValueError(f"{part}: a range stays in one series (L, A or R)")
                matched = {f"{letter}{n:02d}" for n in range(low, high + 1)} & set(CATALOGUE)
            else:
                matched = {part} & set(CATALOGUE)
            if not matched:
                raise ValueError(f"{part!r} names no catalogue case (L01-L22, A01-A41, R01-R17; ranges like A02-A10; R*)")
            wanted |= matched
    return [CASES[c] for c in CATALOGUE if c in wanted and c in CASES]
