"""Answer faults: the simulated RTU answers a request wrongly (no, negative or positive
confirmation, wrong cause, address or originator, missing or extra objects, late, not at all).
Each rewrites the stream of replies to one request (``Fault.rewrite``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from ..asdu import mirror
from ..enums import Cot, Type
from .fault import Fault, objects_changed, set_cause
from .replies import Part, Reply, with_common_address


@dataclass(frozen=True, slots=True)
class NoConfirmation(Fault):
    """No ACT_CON/DEACT_CON (positive or negative) for the request."""

    name: ClassVar[str] = "no_confirmation"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        return (r for r in replies if r[0] is not Part.CONFIRMATION)


@dataclass(frozen=True, slots=True)
class NegativeConfirmation(Fault):
    """A positive confirmation goes out with P/N=1 (the rest of the answer is unchanged)."""

    name: ClassVar[str] = "negative_confirmation"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for part, raw, asdu in replies:
            if part is Part.CONFIRMATION and not raw[2] & 0x40:
                yield part, raw[:2] + bytes((raw[2] | 0x40,)) + raw[3:], None
            else:
                yield part, raw, asdu


@dataclass(frozen=True, slots=True)
class PositiveConfirmation(Fault):
    """Refusals look like success: a negative confirmation or a COT 44-47 mirror becomes a
    positive ACT_CON (DEACT_CON for a deactivation)."""

    name: ClassVar[str] = "positive_confirmation"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for part, raw, asdu in replies:
            if part is Part.CONFIRMATION and raw[2] & 0x40:
                yield part, raw[:2] + bytes((raw[2] & ~0x40 & 0xFF,)) + raw[3:], None
            elif part is Part.NEGATIVE:
                con = Cot.DEACTIVATION_CON if request[2] & 0x3F == Cot.DEACTIVATION else Cot.ACTIVATION_CON
                yield Part.CONFIRMATION, set_cause(raw, int(con), negative=False), None
            else:
                yield part, raw, asdu


@dataclass(frozen=True, slots=True)
class RefusalWithoutPn(Fault):
    """A refusal mirror (COT 44-47) goes out with P/N=0, as some RTU libraries send it."""

    name: ClassVar[str] = "refusal_without_pn"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for part, raw, asdu in replies:
            if part is Part.NEGATIVE:
                yield part, raw[:2] + bytes((raw[2] & ~0x40 & 0xFF,)) + raw[3:], None
            else:
                yield part, raw, asdu


@dataclass(frozen=True, slots=True)
class WrongCause(Fault):
    """The ASDUs of ``part`` (default: the confirmation) carry cause ``cot`` instead."""

    cot: int = int(Cot.SPONTANEOUS)
    part: Part = Part.CONFIRMATION

    name: ClassVar[str] = "wrong_cause"

    def __post_init__(self) -> None:
        if not 0 <= self.cot <= 63:
            raise ValueError(f"cot must be in 0..63, got {self.cot}")

    @property
    def acts_on_events(self) -> bool:
        return self.part is Part.EVENT

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for part, raw, asdu in replies:
            if part is self.part:
                yield part, set_cause(raw, self.cot), None
            else:
                yield part, raw, asdu


@dataclass(frozen=True, slots=True)
class NoTermination(Fault):
    """No ACT_TERM."""

    name: ClassVar[str] = "no_termination"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        return (r for r in replies if r[0] is not Part.TERMINATION)


@dataclass(frozen=True, slots=True)
class TerminationFirst(Fault):
    """ACT_TERM goes out before the ACT_CON (and before the data)."""

    name: ClassVar[str] = "termination_first"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        everything = list(replies)
        ends = [r for r in everything if r[0] is Part.TERMINATION]
        return iter(ends + [r for r in everything if r[0] is not Part.TERMINATION])


@dataclass(frozen=True, slots=True)
class DropObjects(Fault):
    """The first data ASDU of the answer lacks its last ``count`` objects."""

    count: int = 1

    name: ClassVar[str] = "drop_objects"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        done = False
        for reply in replies:
            if not done and reply[0] is Part.DATA and reply[2] is not None:
                done = True
                kept = reply[2].objects[: max(0, len(reply[2].objects) - self.count)]
                if not kept:
                    continue  # the whole ASDU is gone
                reply = objects_changed(reply, lambda objects, kept=kept: kept)
            yield reply


@dataclass(frozen=True, slots=True)
class DuplicateObjects(Fault):
    """The first data ASDU of the answer carries its first object ``count`` more times."""

    count: int = 1

    name: ClassVar[str] = "duplicate_objects"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        done = False
        for reply in replies:
            if not done and reply[0] is Part.DATA and reply[2] is not None:
                done = True
                reply = objects_changed(reply, lambda objects: objects + (objects[0],) * self.count)
            yield reply


@dataclass(frozen=True, slots=True)
class WrongCommonAddress(Fault):
    """Every ASDU of the answer carries CA + ``offset``."""

    offset: int = 1

    name: ClassVar[str] = "wrong_common_address"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for part, raw, _asdu in replies:
            ca = (int.from_bytes(raw[4:6], "little") + self.offset) & 0xFFFF
            yield part, with_common_address(raw, ca), None


@dataclass(frozen=True, slots=True)
class WrongIoAddress(Fault):
    """Every object of the answer carries IOA + ``offset`` (first object only with SQ=1)."""

    offset: int = 1

    name: ClassVar[str] = "wrong_io_address"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for part, raw, asdu in replies:
            if asdu is not None:
                yield objects_changed(
                    (part, raw, asdu),
                    lambda objects: (
                        dataclasses.replace(ob, io_address=(ob.io_address + self.offset) & 0xFFFFFF)
                        for ob in objects
                    ),
                )
            elif len(raw) >= 9:
                ioa = (int.from_bytes(raw[6:9], "little") + self.offset) & 0xFFFFFF
                yield part, raw[:6] + ioa.to_bytes(3, "little") + raw[9:], None
            else:
                yield part, raw, asdu


@dataclass(frozen=True, slots=True)
class WrongOriginator(Fault):
    """Every ASDU of the answer carries originator address ``address`` instead of the echo."""

    address: int = 0xFF

    name: ClassVar[str] = "wrong_originator"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for part, raw, _asdu in replies:
            yield part, raw[:3] + bytes((self.address & 0xFF,)) + raw[4:], None


@dataclass(frozen=True, slots=True)
class ClearTestBit(Fault):
    """The answer does not mirror the test bit T of the request."""

    name: ClassVar[str] = "clear_test_bit"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for part, raw, _asdu in replies:
            yield part, raw[:2] + bytes((raw[2] & 0x7F,)) + raw[3:], None


@dataclass(frozen=True, slots=True)
class StaleInterrogation(Fault):
    """The interrogation answer carries the values of the moment of the request, not of the
    moment each ASDU is sent: a change during the interrogation is followed by an older value."""

    name: ClassVar[str] = "stale_interrogation"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        return iter(list(replies))  # built now, at the request


@dataclass(frozen=True, slots=True)
class NoReturnInformation(Fault):
    """A command is executed but its return information (COT 11) is not sent."""

    name: ClassVar[str] = "no_return_information"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        return (r for r in replies if r[0] is not Part.RETURN_INFO)


@dataclass(frozen=True, slots=True)
class ConfirmRead(Fault):
    """A read (C_RD_NA_1) is answered with an ACT_CON before the object (not the standard)."""

    name: ClassVar[str] = "confirm_read"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        if request[0] == Type.C_RD_NA_1:
            yield Part.CONFIRMATION, mirror(request, Cot.ACTIVATION_CON, negative=False), None
        yield from replies


@dataclass(frozen=True, slots=True)
class Silence(Fault):
    """No answer at all (the link still acknowledges the request)."""

    name: ClassVar[str] = "silence"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for _ in replies:  # run the procedure (a command still executes), send nothing
            pass
        return iter(())


@dataclass(frozen=True, slots=True)
class Delay(Fault):
    """The answer is held back ``seconds`` (later answers wait behind it: order is kept)."""

    seconds: float = 1.0

    name: ClassVar[str] = "delay"

    def __post_init__(self) -> None:
        if not self.seconds > 0:
            raise ValueError(f"seconds must be positive, got {self.seconds}")

    @property
    def delay(self) -> float:
        return self.seconds
