"""What a command brought (``CommandResult``) and which received ASDUs a wait wants (``MessageFilter``).

Both are plain values shared by the client, the front ends, FAT and the conformance cases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..protocol.asdu import Asdu, UnknownAsdu
from ..protocol.enums import Cot, Type
from ..protocol.objects import InformationObject

# the causes of a confirmation; a negative answer with another cause names it (COT 44-47)
_CONFIRMING = (Cot.ACTIVATION_CON, Cot.DEACTIVATION_CON)

__all__ = ["CommandResult", "MessageFilter"]


@dataclass(frozen=True, slots=True)
class CommandResult:
    """What became of a command.

    ``positive`` is None when no confirmation arrived. ``objects`` are the monitoring objects the
    command brought (interrogation replies, counter values, the read value, return information).
    """

    type: Type
    common_address: int
    io_address: int
    cot: Cot
    positive: bool | None
    confirmation: Asdu | UnknownAsdu | None
    terminated: bool
    termination: Asdu | None
    objects: tuple[InformationObject, ...]
    asdus: tuple[Asdu, ...]
    started_at: float
    finished_at: float
    #: why the ACT_TERM was wrong (negative, a different object, or one under act_term=never)
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.positive)

    @property
    def duration(self) -> float:
        return self.finished_at - self.started_at

    @property
    def confirmation_cot(self) -> Cot | int | None:
        return None if self.confirmation is None else self.confirmation.cot

    @property
    def unconfirmed(self) -> str:
        """Without a confirmation, what ended the wait instead, in words; "" when confirmed.

        An ACT_TERM that came without an ACT_CON is not "nothing": the RTU answered out of order.
        """
        if self.confirmation is not None:
            return ""
        if self.termination is not None:
            from ..protocol.explain import explain_asdu

            return f"no ACT_CON; an ACT_TERM came without one: {explain_asdu(self.termination)}"
        return "no confirmation"

    def __str__(self) -> str:
        state = {None: "no confirmation", True: "positive", False: "negative"}[self.positive]
        cot = self.confirmation_cot
        if self.positive is False and cot is not None and cot not in _CONFIRMING:
            state += f" ({getattr(cot, 'name', f'COT {cot}')})"  # why: UNKNOWN_CA, UNKNOWN_IOA ...
        if self.positive is None and self.termination is not None:
            state = "ACT_TERM without ACT_CON"
        term = ", terminated" if self.terminated else ""
        problem = f" ({self.problem})" if self.problem else ""
        return (
            f"{self.type.name} CA {self.common_address} IOA {self.io_address}: {state}{term}{problem}, "
            f"{len(self.objects)} objects in {self.duration:.3f} s"
        )


@dataclass(frozen=True, slots=True)
class MessageFilter:
    """A predicate over received ASDUs; None fields match anything.

    >>> MessageFilter(type=Type.M_SP_NA_1, cot=Cot.SPONTANEOUS, io_address=100)
    MessageFilter(type=<Type.M_SP_NA_1: 1>, cot=<Cot.SPONTANEOUS: 3>, common_address=None, io_address=100, negative=None, test=None, value=None)
    """

    type: Type | int | None = None
    cot: Cot | int | None = None
    common_address: int | None = None
    io_address: int | None = None
    negative: bool | None = None
    test: bool | None = None
    value: Callable[[Any], bool] | None = field(default=None, compare=False)

    def matches(self, asdu: Asdu | UnknownAsdu) -> bool:
        if self.type is not None and int(asdu.type) != int(self.type):
            return False
        if self.cot is not None and int(asdu.cot) != int(self.cot):
            return False
        if self.common_address is not None and asdu.common_address != self.common_address:
            return False
        if self.negative is not None and asdu.negative != self.negative:
            return False
        if self.test is not None and asdu.test != self.test:
            return False
        if self.io_address is None and self.value is None:
            return True
        return any(self.matches_object(ob) for ob in asdu.objects)

    def matches_object(self, ob: InformationObject) -> bool:
        if self.io_address is not None and ob.io_address != self.io_address:
            return False
        return self.value is None or bool(self.value(ob))

    def __str__(self) -> str:
        parts = [
            f"{name}={getattr(self, name)!s}"
            for name in ("type", "cot", "common_address", "io_address", "negative", "test")
            if getattr(self, name) is not None
        ]
        if self.value is not None:
            parts.append("value matching")
        return "message " + (" ".join(parts) if parts else "(any)")
