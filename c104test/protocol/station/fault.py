"""What a fault is: one misbehaviour of the simulated RTU (``Fault``) and the requests or events it
applies to (``Scope``). The faults themselves are in ``faults_answers``, ``faults_link``,
``faults_files``, ``faults_process`` and ``faults``; ``faults.FAULTS`` names them all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from ..asdu import Asdu, UnknownAsdu, encode_asdu
from ..enums import Type
from .replies import Reply

__all__ = ["Fault", "Scope", "objects_changed", "set_cause"]


@dataclass(frozen=True, slots=True)
class Scope:
    """Which requests (or events) a fault applies to; None matches anything.

    ``occurrence`` (1-based) limits the fault to the n-th matching request, counted from the
    start of the simulator over all connections; None applies it to every match.
    """

    type: Type | None = None
    common_address: int | None = None
    io_address: int | None = None
    occurrence: int | None = None

    def __post_init__(self) -> None:
        if self.occurrence is not None and self.occurrence < 1:
            raise ValueError(f"nth must be 1 or more, got {self.occurrence}")

    def covers(self, asdu: Asdu | UnknownAsdu) -> bool:
        """The ASDU's type, CA and first IOA fit the scope (the occurrence is counted apart)."""
        objects = asdu.objects
        return self.matches(asdu.type, asdu.common_address, objects[0].io_address if objects else None)

    def matches(self, t: Type | int, common_address: int, io_address: int | None) -> bool:
        if self.type is not None and t != self.type:
            return False
        if self.common_address is not None and common_address != self.common_address:
            return False
        return self.io_address is None or io_address == self.io_address


@dataclass(frozen=True, slots=True)
class Fault:
    """One misbehaviour; subclasses say which. ``name`` is the text form's name."""

    scope: Scope = Scope()

    name: ClassVar[str] = ""
    #: Where the fault acts: "answer", "event", "station" or "link".
    acts_on: ClassVar[str] = "answer"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        """The answer to ``request`` (its raw ASDU) as this fault sends it."""
        return replies

    @property
    def delay(self) -> float:
        """Seconds the answer is held back (``Delay``)."""
        return 0.0


def set_cause(raw: bytes, cot: int, negative: bool | None = None) -> bytes:
    octet = (raw[2] & 0xC0 if negative is None else (raw[2] & 0x80) | (negative << 6)) | cot
    return raw[:2] + bytes((octet,)) + raw[3:]


def objects_changed(reply: Reply, change: Any) -> Reply:
    """A reply with its objects replaced by ``change(objects)`` (needs the decoded ASDU)."""
    part, _raw, asdu = reply
    if asdu is None:
        return reply
    objects = tuple(change(asdu.objects))
    changed = dataclasses.replace(asdu, objects=objects)
    return part, encode_asdu(changed), changed
