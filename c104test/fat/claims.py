"""What a row of a signal list needs the device to claim in its PICS (optional is optional).

The standard leaves the counter interrogation and the clock synchronisation to the device. A FAT
given the device's PICS/PIXIT (``c104test fat --pics``, ``Verify Point List pics=``, the Gherkin
step ``Given the PICS "file"``) does not ask for what the PICS does not claim: such a row is not
checked, and its reason names the PICS item, in every front end alike.

>>> from c104test.conformance.pics import parse_pics
>>> from c104test.protocol.enums import Type
>>> from .signals import SignalRow
>>> counter = SignalRow(2, "Energy", 47, 400, Type.M_IT_NA_1, None, None, ())
>>> print(not_claimed(counter, parse_pics("rtu: {common_addresses: [47]}\\n")))
not checked: n/a: a counter is read by the counter interrogation (C_CI_NA_1), which the PICS does not claim (PICS functions.counter_interrogation is not in the file: not claimed (optional; 'counter_interrogation: true' in its section claims it))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .signals import SignalRow

__all__ = ["NEEDS", "not_claimed"]

#: The one table: the PICS item, which rows need it, and why (the reason's words).
NEEDS: tuple[tuple[str, Callable[[SignalRow], bool], str], ...] = (
    ("functions.counter_interrogation", lambda row: row.is_counter,
     "a counter is read by the counter interrogation (C_CI_NA_1)"),
    ("functions.clock_sync", lambda row: row.max_skew is not None,
     "max_skew is checked after a clock synchronisation (C_CS_NA_1)"),
)


def not_claimed(row: SignalRow, pics: Any) -> str | None:
    """The reason ``row`` is not checked (its verdict ``skipped``), or None: it needs a function
    that ``pics`` (a ``conformance.pics.Pics``; None: no PICS given, everything is asked) does not claim."""
    if pics is None:
        return None
    for key, needs, why in NEEDS:
        if needs(row) and not pics[key]:
            how = pics.not_given(key) if not pics.given(key) else f"PICS {key}: false"
            return f"not checked: n/a: {why}, which the PICS does not claim ({how})"
    return None
