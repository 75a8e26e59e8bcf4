"""Quality flags: one table of the IEC abbreviations, and the quality expressions tests write.

An expression names flags by abbreviation (``IV``) or by name (``Invalid``, ``not topical``,
``elapsed time invalid``), joined by ``and``,
commas, ``|``, ``+``, ``&`` or spaces, optionally in brackets; ``good``, ``none`` and ``ok`` mean
no flag. It matches EXACTLY by default: ``IV`` fails on a point with ``IV, NT``. To accept more
flags, write the operator: ``contains IV`` (every named flag is set, others may be).

>>> QualityExpectation.parse("IV and NT").matches(frozenset({"IV", "NT"}))
True
>>> QualityExpectation.parse("contains IV").matches(frozenset({"IV", "NT"}))
True
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..protocol.enums import BinaryCounterQuality, Quality
from .names import did_you_mean
from .typeclasses import TypeClass, type_class

__all__ = [
    "FLAGS",
    "QualityExpectation",
    "QualityFlag",
    "flag_set",
    "flags_of",
    "parse_flags",
    "quality_for",
    "show_flags",
    "to_quality",
]


@dataclass(frozen=True, slots=True)
class QualityFlag:
    """One flag: its abbreviation, its bit in QDS/SIQ/DIQ/QDP and/or in a counter's BCR."""

    abbreviation: str
    name: str
    quality: Quality | None
    counter: BinaryCounterQuality | None


FLAGS: tuple[QualityFlag, ...] = (
    QualityFlag("IV", "Invalid", Quality.Invalid, BinaryCounterQuality.Invalid),
    QualityFlag("NT", "NonTopical", Quality.NonTopical, None),
    QualityFlag("SB", "Substituted", Quality.Substituted, None),
    QualityFlag("BL", "Blocked", Quality.Blocked, None),
    QualityFlag("OV", "Overflow", Quality.Overflow, None),
    QualityFlag("EI", "ElapsedTimeInvalid", Quality.ElapsedTimeInvalid, None),
    QualityFlag("CA", "Adjusted", None, BinaryCounterQuality.Adjusted),
    QualityFlag("CY", "Carry", None, BinaryCounterQuality.Carry),
)
_ORDER = [flag.abbreviation for flag in FLAGS]
_WORDS: dict[str, str] = {}
for _flag in FLAGS:
    _WORDS[_flag.abbreviation] = _flag.abbreviation
    _WORDS[_flag.name.upper()] = _flag.abbreviation
_WORDS.update({"NON-TOPICAL": "NT", "NOTTOPICAL": "NT", "ADJUSTED": "CA", "CARRY": "CY"})
#: the flags the standard names in several words ("not topical", "elapsed time invalid")
_PHRASES = re.compile(r"\b(not|non)[\s_]+topical\b|\b(elapsed)[\s_]+time[\s_]+invalid\b", re.I)
_GOOD = {"GOOD", "NONE", "OK", "GUT", "BON", "BONNE"}  # German and French lists say gut, bon
_JOINERS = {"AND", "&", "|", "+", ","}
_HELP = "use 'good' or flags IV, NT, SB, BL, OV, EI (counters: IV, CA, CY) joined by 'and', ',' or '|'"


def parse_flags(text: Any) -> frozenset[str]:
    """The flags an expression names, as abbreviations; ValueError naming the wrong word."""
    if isinstance(text, Quality | BinaryCounterQuality):
        return flags_of(text)
    if isinstance(text, list | tuple | set | frozenset):
        words: list[str] = [str(item) for item in text]
    elif isinstance(text, str):
        # the standard's names of two flags are phrases: one word each before the split
        phrased = _PHRASES.sub(lambda m: "NT" if m[1] else "EI", text.strip())
        words = [w for w in re.split(r"[\s,|&+\[\]{}()]+", phrased) if w]
    else:
        raise ValueError(f"{text!r} is not a quality; {_HELP}")
    names: set[str] = set()
    keys = [w.strip().upper().replace("_", "").removeprefix("QUALITY.") for w in words]
    keys = [k for k in keys if k and k not in _JOINERS]
    if not keys or (len(keys) == 1 and keys[0] in _GOOD):
        if not keys and isinstance(text, str) and text.strip() not in ("", "[]", "{}"):
            raise ValueError(f"{text!r} is not a quality; {_HELP}")
        return frozenset()
    for key, word in zip(keys, [w for w in words if w.strip().upper() not in _JOINERS], strict=False):
        name = _WORDS.get(key)
        if name is None:
            raise ValueError(f"{word!r} is not a quality flag{_hint(word, key)}; {_HELP}")
        names.add(name)
    return frozenset(names)


def _hint(word: str, key: str) -> str:
    """Did you mean: the closest flag, or for an octet as a decoder shows it (``0x80``) its QDS flags.

    An octet is not read as flags: its bits mean other flags in a counter's BCR (0x40 is NT in a
    QDS, CA in a BCR), so the test names them.
    """
    try:
        octet = int(word.strip(), 0)
    except ValueError:
        return did_you_mean(key, [*_ORDER, *(f.name for f in FLAGS)])
    if not 0 <= octet <= 0xFF:
        return ""
    flags = show_flags(flags_of(Quality(octet & sum(int(f.quality) for f in FLAGS if f.quality is not None))))
    return f" but a quality octet; write its flags by name (as a QDS: {flags})"


def flags_of(quality: Any) -> frozenset[str]:
    """The abbreviations of the flags set in a reported quality (Quality, BCR quality, int, None)."""
    if quality is None:
        return frozenset()
    if isinstance(quality, BinaryCounterQuality):
        return frozenset(f.abbreviation for f in FLAGS if f.counter is not None and f.counter in quality)
    if not isinstance(quality, enum.Flag):
        quality = Quality(int(quality))
    return frozenset(f.abbreviation for f in FLAGS if f.quality is not None and f.quality in quality)


flag_set = flags_of


def ordered(flags: Iterable[str]) -> list[str]:
    """Flags in the table's order (IV first)."""
    return sorted(set(flags), key=_ORDER.index)


def show_flags(flags: Iterable[str]) -> str:
    """``IV, NT`` or ``good``."""
    names = ordered(flags)
    return ", ".join(names) if names else "good"


def to_quality(flags: Iterable[str], *, counter: bool = False) -> Quality | BinaryCounterQuality:
    """The flag set as Quality, or BinaryCounterQuality for a counter; ValueError for a flag it lacks."""
    result: Any = BinaryCounterQuality(0) if counter else Quality(0)
    for name in ordered(flags):
        flag = next(f for f in FLAGS if f.abbreviation == name)
        bit = flag.counter if counter else flag.quality
        if bit is None:
            have = ", ".join(f.abbreviation for f in FLAGS if (f.counter if counter else f.quality) is not None)
            what = "a counter" if counter else "this point"
            raise ValueError(f"{name} is not a quality flag of {what}; it has {have}")
        result |= bit
    return result  # type: ignore[no-any-return]


def quality_for(point_type: Any, text: Any) -> Quality | BinaryCounterQuality:
    """A quality expression as the quality of a point of ``point_type``: a counter's flags
    (``IV``, ``CA``, ``CY``) for the integrated totals, the QDS flags for every other type.

    Every front end that sets a point's quality reads it here (``CY`` on a counter is its carry
    flag in Robot and in Gherkin alike). ValueError names the word or the flag the type lacks.
    """
    return to_quality(parse_flags(text), counter=type_class(point_type) is TypeClass.COUNTER)


@dataclass(frozen=True, slots=True)
class QualityExpectation:
    """A quality expression: exact flags, or ``contains`` (at least these flags)."""

    flags: frozenset[str]
    contains: bool = False

    @classmethod
    def parse(cls, text: Any, *, contains: bool = False) -> QualityExpectation:
        if isinstance(text, str):
            found = re.match(r"\s*(?:contains|containing)\s+(?P<rest>.+)$", text, re.I | re.S)
            if found is not None:
                return cls(parse_flags(found["rest"]), True)
        return cls(parse_flags(text), contains)

    def matches(self, actual: Iterable[str]) -> bool:
        have = frozenset(actual)
        return self.flags <= have if self.contains else self.flags == have

    def __str__(self) -> str:
        return ("containing " if self.contains else "") + show_flags(self.flags)
