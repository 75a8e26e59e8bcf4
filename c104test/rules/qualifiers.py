"""What a value text says beyond the number: a step position's transient bit, a counter's sequence
number and flags. One grammar, after the value (its tolerance or range), in every front end:

==============  =========================================================================
step position   ``5 transient`` (VTI transient bit set), ``5 not transient`` (clear)
counter         ``1234 seq 3`` (BCR sequence number 0..31; also ``sequence 3``), then the
                counter's flags as a quality expression, exactly: ``1234 seq 3 CY``,
                ``1234 carry``, ``1234 seq 0 CA and CY``, ``1234 good`` (no flag)
==============  =========================================================================

A part the text leaves out is not checked: ``5`` matches a transient 5, ``1234 seq 3`` any flags.
Setting a point reads the same text (``5 transient`` makes the RTU send the transient bit); a
counter's flags are set as its quality, so a counter value set with flags is refused.

>>> head, q = split_qualifiers("1234 seq 3 carry")
>>> head, str(q), q.matches(BCR(1234, 3, cy=True)), q.matches(BCR(1234, 4, cy=True))
('1234', 'seq 3 CY', True, False)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..protocol.elements import BCR, VTI
from ..protocol.objects import InformationObject
from .quality import parse_flags, show_flags, to_quality
from .typeclasses import TypeClass

__all__ = ["Qualifiers", "element_of", "shown", "split_qualifiers", "value_of"]

_STEP_WORDS = {"transient", "not"}
_SEQUENCE_WORDS = {"seq", "sequence"}
#: the words that begin a qualifier part (a counter's flags as the quality table names them)
_FLAG_WORDS = {"iv", "invalid", "ca", "adjusted", "cy", "carry", "good", "nt", "sb", "bl", "ov", "ei"}
_HELP = {
    TypeClass.STEP: "after a step position write 'transient' or 'not transient' (5 transient)",
    TypeClass.COUNTER: "after a counter write 'seq N' (0..31) and its flags IV, CA, CY (1234 seq 3 CY)",
}


@dataclass(frozen=True, slots=True)
class Qualifiers:
    """The parts of a reported element a text names; None: not named, not checked."""

    transient: bool | None = None
    sequence: int | None = None
    flags: frozenset[str] | None = None  # a counter's flags, exactly (IV, CA, CY)

    @property
    def value_class(self) -> TypeClass:
        return TypeClass.STEP if self.transient is not None else TypeClass.COUNTER

    def matches(self, element: Any) -> bool:
        """Whether ``element`` (a VTI or BCR, or the information object holding it) has these parts."""
        element = element_of(element)
        if self.transient is not None:
            return isinstance(element, VTI) and element.transient is self.transient
        if not isinstance(element, BCR):
            return False
        if self.sequence is not None and element.sequence != self.sequence:
            return False
        return self.flags is None or self.flags == _bcr_flags(element)

    def __str__(self) -> str:
        if self.transient is not None:
            return "transient" if self.transient else "not transient"
        parts = [] if self.sequence is None else [f"seq {self.sequence}"]
        if self.flags is not None:
            parts.append(show_flags(self.flags))
        return " ".join(parts)


def _bcr_flags(bcr: BCR) -> frozenset[str]:
    return frozenset(name for name, bit in (("IV", bcr.iv), ("CA", bcr.ca), ("CY", bcr.cy)) if bit)


def element_of(reported: Any) -> Any:
    """The VTI or BCR of a reported information object (or the element itself); None otherwise."""
    if isinstance(reported, VTI | BCR):
        return reported
    if isinstance(reported, InformationObject):
        return getattr(reported, "vti", None) or getattr(reported, "bcr", None)
    return None


def value_of(reported: Any) -> Any:
    """The process value of what a point reported: an information object's (or element's) value,
    else ``reported`` itself."""
    if isinstance(reported, InformationObject):
        return reported.value
    if isinstance(reported, VTI):
        return reported.value
    if isinstance(reported, BCR):
        return reported.counter
    return reported


def shown(reported: Any, *, every_part: bool = True) -> str:
    """The qualifiers of a reported VTI/BCR as a text names them (``not transient``, ``seq 3 good``);
    "" for anything else. ``every_part`` False leaves out what is usual (a steady step, no flag)."""
    element = element_of(reported)
    if isinstance(element, VTI):
        return "transient" if element.transient else "not transient" if every_part else ""
    if isinstance(element, BCR):
        flags = _bcr_flags(element)
        return f"seq {element.sequence}" + (f" {show_flags(flags)}" if flags or every_part else "")
    return ""


def split_qualifiers(text: str, value_class: TypeClass | None = None) -> tuple[str, Qualifiers | None]:
    """``"5 transient"`` -> ``("5", Qualifiers(transient=True))``; a text without them -> ``(text, None)``.

    ``value_class`` (None: not known yet) refuses a qualifier its class lacks; ValueError says what
    the class takes.
    """
    words = text.split()
    start = next(
        (i for i, word in enumerate(words) if i and word[:1].isalpha() and word.lower().strip(",") in
         _STEP_WORDS | _SEQUENCE_WORDS | _FLAG_WORDS),
        None,
    )
    if start is None:
        return text, None
    head, tail = " ".join(words[:start]), words[start:]
    lowered = [w.lower() for w in tail]
    if "transient" in lowered:
        if lowered not in (["transient"], ["not", "transient"]):
            raise ValueError(f"{' '.join(tail)!r} in {text!r}: {_HELP[TypeClass.STEP]}")
        found = Qualifiers(transient=lowered == ["transient"])
    else:
        found = _counter_part(tail, text)
    if value_class is not None and value_class is not found.value_class:
        raise ValueError(
            f"{' '.join(tail)!r} in {text!r} applies to a {found.value_class.value}, not to a {value_class.value}"
        )
    return head, found


def _counter_part(tail: list[str], text: str) -> Qualifiers:
    sequence: int | None = None
    rest: list[str] = []
    i = 0
    while i < len(tail):
        if tail[i].lower() in _SEQUENCE_WORDS:
            if sequence is not None or i + 1 == len(tail):
                raise ValueError(f"{' '.join(tail)!r} in {text!r}: {_HELP[TypeClass.COUNTER]}")
            number = tail[i + 1]
            if not number.isdigit() or not 0 <= int(number) <= 31:
                raise ValueError(f"sequence number {number!r} in {text!r} is not in 0..31 (the BCR's 5 bits)")
            sequence = int(number)
            i += 2
            continue
        rest.append(tail[i])
        i += 1
    flags: frozenset[str] | None = None
    if rest:
        try:
            flags = parse_flags(" ".join(rest))
            to_quality(flags, counter=True)  # NT, SB, ... are no flags of a counter
        except ValueError as exc:
            raise ValueError(f"{' '.join(rest)!r} in {text!r}: {exc}") from None
    return Qualifiers(sequence=sequence, flags=flags)
