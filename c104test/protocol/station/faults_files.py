"""File transfer faults: the simulated RTU's file service breaks a rule of the file read sequence
(checksum, last-segment flag, file length, segment size, unknown file, negative acknowledgement).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from ..enums import Type
from .fault import Fault, objects_changed
from .replies import Reply


def _file_objects_changed(replies: Iterator[Reply], t: Type, change: Any) -> Iterator[Reply]:
    """The replies with the objects of each ``t`` ASDU replaced by ``change(object)``."""
    for reply in replies:
        asdu = reply[2]
        if asdu is not None and asdu.type == t:
            reply = objects_changed(reply, lambda objects: (change(ob) for ob in objects))
        yield reply


@dataclass(frozen=True, slots=True)
class WrongChecksum(Fault):
    """Every last section/segment (F_LS_NA_1) carries CHS + 1."""

    name: ClassVar[str] = "wrong_checksum"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        return _file_objects_changed(
            replies, Type.F_LS_NA_1, lambda ob: dataclasses.replace(ob, chs=(ob.chs + 1) & 0xFF)
        )


@dataclass(frozen=True, slots=True)
class NoLastFileFlag(Fault):
    """The directory (F_DR_TA_1) marks no entry as the last file (LFD)."""

    name: ClassVar[str] = "no_last_file_flag"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        return _file_objects_changed(
            replies, Type.F_DR_TA_1, lambda ob: dataclasses.replace(ob, sof=dataclasses.replace(ob.sof, lfd=False))
        )


@dataclass(frozen=True, slots=True)
class WrongFileLength(Fault):
    """A positive file ready (F_FR_NA_1) announces LOF + 1."""

    name: ClassVar[str] = "wrong_file_length"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        return _file_objects_changed(
            replies, Type.F_FR_NA_1,
            lambda ob: ob if ob.frq & 0x80 else dataclasses.replace(ob, lof=(ob.lof + 1) & 0xFFFFFF),
        )


@dataclass(frozen=True, slots=True)
class SegmentTooLong(Fault):
    """Every segment (F_SG_NA_1) carries one octet (0x00) more than its section holds."""

    name: ClassVar[str] = "segment_too_long"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        return _file_objects_changed(
            replies, Type.F_SG_NA_1, lambda ob: dataclasses.replace(ob, data=ob.data + b"\x00") if len(ob.data) < 255 else ob
        )


@dataclass(frozen=True, slots=True)
class PositiveUnknownFile(Fault):
    """A file that is not ready (F_FR_NA_1 with FRQ bit 7) is announced as ready (FRQ 0)."""

    name: ClassVar[str] = "positive_unknown_file"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        return _file_objects_changed(replies, Type.F_FR_NA_1, lambda ob: dataclasses.replace(ob, frq=0))


@dataclass(frozen=True, slots=True)
class IgnoreNegativeSectionAck(Fault):
    """A negative section ack (AFQ 4) is taken as a positive one (files.py)."""

    name: ClassVar[str] = "ignore_negative_section_ack"
    acts_on: ClassVar[str] = "station"
