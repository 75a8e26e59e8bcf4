"""Lists of case IDs as a test engineer types them: ``L01,A02-A10,R*``, one parser for the
catalogue cases and the master checks.

An ID is a series letter and its number (``A2`` is ``A02``, as ``A2-5`` is ``A02-A05``); a range
runs upwards within one series; ``R*`` (or ``A1*``) takes every ID that starts so. Commas,
semicolons and spaces separate the parts. An error names the part, its place in the list and
what was wrong with it, then the valid forms and IDs.

>>> sorted(pick_ids("a2-4; L1", ["L01", "A02", "A03", "A04", "A05"], "case"))
['A02', 'A03', 'A04', 'L01']
>>> pick_ids("A04-A02", ["A02", "A03", "A04"], "case")
Traceback (most recent call last):
...
ValueError: 'A04-A02' runs backwards; write A02-A04 (valid: A02-A04; ranges like A02-A04; wildcards like A*)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["pick_ids"]

_ID = re.compile(r"^([A-Z])(\d{1,2})$")
_RANGE = re.compile(r"^([A-Z])(\d{1,2})-([A-Z])?(\d{1,2})$")


def pick_ids(spec: str, ids: Sequence[str], kind: str, elsewhere: dict[str, str] | None = None) -> set[str]:
    """The IDs of ``ids`` (in their order, one letter and two digits each) that ``spec`` names.

    ``kind`` names what an ID is in messages ("catalogue case"); ``elsewhere`` maps a series
    letter that belongs to another selection to a hint ("M": "a master check: give --master").
    """
    series: dict[str, list[int]] = {}
    for i in ids:
        series.setdefault(i[0], []).append(int(i[1:]))
    example = next(iter(series), "A")
    numbers = series.get(example, [1, 5])
    valid = (", ".join(f"{s}{min(n):02d}-{s}{max(n):02d}" for s, n in series.items())
             + f"; ranges like {example}{numbers[0]:02d}-{example}{numbers[min(2, len(numbers) - 1)]:02d}"
             + f"; wildcards like {example}*")
    # "A02 - A05" is one range, not three parts
    parts = [p for p in re.split(r"[,;\s]+", re.sub(r"\s*-\s*", "-", spec.strip())) if p]
    if not parts:
        raise ValueError(f"{spec!r} names no {kind} (valid: {valid})")
    wanted: set[str] = set()
    for place, part in enumerate(parts, start=1):

        def wrong(problem: str, part: str = part, place: int = place) -> ValueError:
            where = f" (part {place} of {spec!r})" if len(parts) > 1 else ""
            return ValueError(f"{part!r}{where} {problem} (valid: {valid})")

        part = part.upper()

        if part.endswith("*"):
            matched = {i for i in ids if i.startswith(part[:-1])}
            if not matched:
                raise wrong(f"matches no {kind}{_series_hint(part[:1], series, elsewhere)}")
        elif (m := _RANGE.match(part)) is not None:
            letter, low, other, high = m.group(1), int(m.group(2)), m.group(3) or m.group(1), int(m.group(4))
            if other != letter:
                raise wrong(f"mixes two series ({letter} and {other}); a range stays in one series")
            if letter not in series:
                raise wrong(f"is no range of {kind}s{_series_hint(letter, series, elsewhere)}")
            if low > high:
                raise wrong(f"runs backwards; write {letter}{high:02d}-{letter}{low:02d}")
            matched = {f"{letter}{n:02d}" for n in range(low, high + 1)} & set(ids)
            if not matched:
                first, last = min(series[letter]), max(series[letter])
                raise wrong(f"holds no {kind}: the {letter} series runs {letter}{first:02d}-{letter}{last:02d}")
        elif (m := _ID.match(part)) is not None:
            letter, number = m.group(1), int(m.group(2))
            if letter not in series:
                raise wrong(f"is no {kind}{_series_hint(letter, series, elsewhere)}")
            ident = f"{letter}{number:02d}"
            if ident not in ids:
                first, last = min(series[letter]), max(series[letter])
                raise wrong(f"is no {kind}: the {letter} series runs {letter}{first:02d}-{letter}{last:02d}")
            matched = {ident}
        else:
            raise wrong("is not an ID (a letter and a number: A02), a range (A02-A10) or a wildcard (A*)")
        wanted |= matched
    return wanted


def _series_hint(letter: str, series: dict[str, list[int]], elsewhere: dict[str, str] | None) -> str:
    if elsewhere and letter in elsewhere:
        return f": {letter} is {elsewhere[letter]}"
    names = sorted(series, key=list(series).index)
    if len(names) == 1:
        return f": the only series is {names[0]}"
    return f": the series are {', '.join(names[:-1])} and {names[-1]}"
