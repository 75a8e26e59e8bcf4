"""Enum members by name, as a test writes them, with "did you mean" when a name is misspelt.

``lookup(Cot, "spontaneous")``, ``lookup(Type, "m_sp_na_1")``, ``lookup(Qoi, "Qoi.GROUP_2")`` and
``lookup(Cot, 3)`` all work, and a type name without its ``_1`` (``M_SP_NA``); ``lookup(Cot, "SPONTANEUS")`` fails with
``'SPONTANEUS' is not a Cot; did you mean SPONTANEOUS? Valid: PERIODIC, BACKGROUND, ...``.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Iterable
from typing import TypeVar

__all__ = ["did_you_mean", "lookup"]

E = TypeVar("E", bound=enum.Enum)


def _key(text: str) -> str:
    return re.sub(r"[\s_\-]", "", text).upper()


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean X?"`` for the closest choice, or ``""`` when none is close."""
    choices = list(choices)
    by_key = {_key(c): c for c in choices}
    close = difflib.get_close_matches(_key(word), list(by_key), n=1, cutoff=0.6)
    return f"; did you mean {by_key[close[0]]}?" if close else ""


def lookup(cls: type[E], text: str | int | E) -> E:
    """The member of ``cls`` named (any case, spaces/underscores/dashes, ``Cls.`` prefix) or numbered."""
    if isinstance(text, cls):
        return text
    if isinstance(text, int) and not isinstance(text, bool):
        try:
            return cls(text)
        except ValueError:
            raise ValueError(f"{text} is not a {cls.__name__} number; valid: {_valid(cls)}") from None
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a {cls.__name__}; valid: {_valid(cls)}")
    key = _key(text)
    prefix = cls.__name__.upper() + "."
    key = key.removeprefix(prefix)
    for name, member in cls.__members__.items():
        if _key(name) == key:
            return member
    for name, member in cls.__members__.items():
        if _key(name) == key + "1" and name.endswith("_1"):
            return member  # a type name without its "_1" (M_SP_NA): every type of IEC 104 ends in _1
    if re.fullmatch(r"-?\d+", key):
        return lookup(cls, int(key))
    hint = did_you_mean(key, cls.__members__)
    valid = f" Valid: {_valid(cls)}" if hint else f"; valid: {_valid(cls)}"
    raise ValueError(f"{text.strip()!r} is not a {cls.__name__}{hint}{valid}")


def _valid(cls: type[enum.Enum]) -> str:
    return ", ".join(cls.__members__)
