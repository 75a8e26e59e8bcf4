"""Fault plans of the process cases: interrogation control, counters, time tags, qualities.

Registered in ``faults.FAULTS`` like the others (text names below); they break:

============================== ================================================================
fault (text name)              breaks
============================== ================================================================
interrogation_not_stopped      A04 (a deactivated interrogation is confirmed but goes on)
events_overtake_interrogation  (with stale_interrogation) A06: events leave between the
                               interrogation's ASDUs instead of after them
no_counter_reset               A11 (a freeze or reset with reset leaves the counters as they were)
execute_stale_command          A32 (a time-tagged command older than the PIXIT delay is executed)
valid_time_before_sync         A15 (time tags carry IV=0 before the first clock synchronisation)
strip_time_tag                 A35 A15 (reports of ``part`` go out in the type without time tag)
clear_quality                  A36 (IV, BL, SB, NT, OV cleared in the reports of ``part``)
reserved_quality_bits          A36 (reserved bits of SIQ, DIQ and QDS set in ``part``)
============================== ================================================================

>>> from .faults import parse_fault
>>> parse_fault("strip_time_tag part=return_info").part.name
'RETURN_INFO'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from ..asdu import Asdu, encode_asdu, untimed_type
from .fault import Fault
from .replies import Part, Reply

__all__ = [
    "ClearQuality",
    "EventsOvertakeInterrogation",
    "ExecuteStaleCommand",
    "InterrogationNotStopped",
    "NoCounterReset",
    "ReservedQualityBits",
    "StripTimeTag",
    "ValidTimeBeforeSync",
]

_QUALITY_ELEMENTS = ("siq", "diq", "qds")


def _rewrite_objects(replies: Iterator[Reply], part: Part, change: Any) -> Iterator[Reply]:
    """Replies of ``part`` with their decoded ASDU replaced by ``change(asdu)``."""
    for reply in replies:
        kind, _raw, asdu = reply
        if kind is part and asdu is not None:
            changed = change(asdu)
            yield kind, encode_asdu(changed), changed
        else:
            yield reply


@dataclass(frozen=True, slots=True)
class InterrogationNotStopped(Fault):
    """A deactivation (COT 8) of a running interrogation is confirmed, but the data and the
    ACT_TERM still follow."""

    name: ClassVar[str] = "interrogation_not_stopped"
    acts_on: ClassVar[str] = "station"


@dataclass(frozen=True, slots=True)
class EventsOvertakeInterrogation(Fault):
    """Buffered events leave between the ASDUs of a running interrogation (allowed alone; with
    ``stale_interrogation`` an older interrogation value follows a newer event)."""

    name: ClassVar[str] = "events_overtake_interrogation"
    acts_on: ClassVar[str] = "station"


@dataclass(frozen=True, slots=True)
class NoCounterReset(Fault):
    """QCC FRZ 2 (freeze with reset) and 3 (reset) leave the counters' values as they were."""

    name: ClassVar[str] = "no_counter_reset"
    acts_on: ClassVar[str] = "station"


@dataclass(frozen=True, slots=True)
class ExecuteStaleCommand(Fault):
    """A time-tagged command older than ``pixit.command_max_delay`` is executed."""

    name: ClassVar[str] = "execute_stale_command"
    acts_on: ClassVar[str] = "station"


@dataclass(frozen=True, slots=True)
class ValidTimeBeforeSync(Fault):
    """Time tags carry IV=0 before the first clock synchronisation, whatever the PIXIT says."""

    name: ClassVar[str] = "valid_time_before_sync"
    acts_on: ClassVar[str] = "station"


@dataclass(frozen=True, slots=True)
class StripTimeTag(Fault):
    """Reports of ``part`` go out in the type without time tag (M_SP_TB_1 as M_SP_NA_1)."""

    part: Part = Part.RETURN_INFO

    name: ClassVar[str] = "strip_time_tag"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        def strip(asdu: Asdu) -> Asdu:
            plain = untimed_type(asdu.type)
            if plain is None or plain == asdu.type:
                return asdu
            return dataclasses.replace(asdu, type=plain, objects=tuple(dataclasses.replace(ob, time=None) for ob in asdu.objects))

        return _rewrite_objects(replies, self.part, strip)


@dataclass(frozen=True, slots=True)
class ClearQuality(Fault):
    """The quality flags IV, BL, SB, NT and OV are cleared in the reports of ``part``."""

    part: Part = Part.DATA

    name: ClassVar[str] = "clear_quality"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        def clear(element: Any) -> Any:
            flags = {"bl": False, "sb": False, "nt": False, "iv": False}
            if hasattr(element, "ov"):
                flags["ov"] = False
            return dataclasses.replace(element, **flags)

        return _rewrite_objects(replies, self.part, lambda asdu: _with_elements(asdu, clear))


@dataclass(frozen=True, slots=True)
class ReservedQualityBits(Fault):
    """The reserved bits of SIQ, DIQ and QDS are set in the reports of ``part``."""

    part: Part = Part.DATA

    name: ClassVar[str] = "reserved_quality_bits"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        def set_reserved(element: Any) -> Any:
            return dataclasses.replace(element, reserved=3 if hasattr(element, "dpi") else 7)

        return _rewrite_objects(replies, self.part, lambda asdu: _with_elements(asdu, set_reserved))


def _with_elements(asdu: Asdu, change: Any) -> Asdu:
    """``asdu`` with ``change`` applied to the SIQ, DIQ or QDS of each object."""
    objects = []
    for ob in asdu.objects:
        for name in _QUALITY_ELEMENTS:
            element = getattr(ob, name, None)
            if element is not None:
                ob = dataclasses.replace(ob, **{name: change(element)})
        objects.append(ob)
    return dataclasses.replace(asdu, objects=tuple(objects))


PROCESS_FAULTS: tuple[type[Fault], ...] = (
    InterrogationNotStopped,
    EventsOvertakeInterrogation,
    NoCounterReset,
    ExecuteStaleCommand,
    ValidTimeBeforeSync,
    StripTimeTag,
    ClearQuality,
    ReservedQualityBits,
)
