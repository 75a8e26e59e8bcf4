"""Information objects: an information object address (IOA) with the elements of its type.

One class serves a type and its time-tagged variants (M_SP_NA_1, M_SP_TA_1 and M_SP_TB_1 all carry
``SinglePoint``); ``time`` is None for the variant without a time tag. ``value`` and ``quality``
give the element's meaning without knowing the class.

>>> SinglePoint(100, SIQ(True)).value
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .elements import (
    BCR,
    COI,
    DCO,
    DIQ,
    OCI,
    QCC,
    QDP,
    QDS,
    QOS,
    QPM,
    RCO,
    SCD,
    SCO,
    SEP,
    SIQ,
    SOF,
    SPE,
    VTI,
)
from .enums import Quality
from .timetags import CP16Time2a, CP24Time2a, CP56Time2a

__all__ = [
    "Bitstring",
    "BitstringCommand",
    "ClockSync",
    "CounterInterrogation",
    "DelayAcquisition",
    "Directory",
    "DoubleCommand",
    "DoublePoint",
    "EndOfInitialisation",
    "FileAck",
    "FileCall",
    "FileReady",
    "InformationObject",
    "IntegratedTotals",
    "Interrogation",
    "LastSection",
    "MeasuredNormalized",
    "MeasuredScaled",
    "MeasuredShort",
    "PackedSinglePoints",
    "ParameterActivation",
    "ParameterNormalized",
    "ParameterScaled",
    "ParameterShort",
    "ProtectionCircuit",
    "ProtectionEvent",
    "ProtectionStart",
    "QueryLog",
    "Read",
    "ResetProcess",
    "SectionReady",
    "Segment",
    "SetpointNormalized",
    "SetpointScaled",
    "SetpointShort",
    "SingleCommand",
    "SinglePoint",
    "StepCommand",
    "StepPosition",
    "TestCommand",
    "TestCommandWithTime",
]

Time = CP56Time2a | CP24Time2a | None


class InformationObject:
    """Base of every information object; subclasses are frozen, slotted dataclasses."""

    __slots__ = ()
    io_address: int

    @property
    def value(self) -> Any:
        return None

    @property
    def quality(self) -> Quality | Any:
        return None

    @property
    def time_tag(self) -> CP56Time2a | CP24Time2a | None:
        return getattr(self, "time", None)


def _quality(el: Any) -> Quality | None:
    return None if el is None else el.quality


# ---- monitoring direction ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SinglePoint(InformationObject):
    io_address: int
    siq: SIQ
    time: Time = None

    @property
    def value(self) -> bool:
        return self.siq.spi

    @property
    def quality(self) -> Quality:
        return self.siq.quality


@dataclass(frozen=True, slots=True)
class DoublePoint(InformationObject):
    io_address: int
    diq: DIQ
    time: Time = None

    @property
    def value(self):
        return self.diq.dpi

    @property
    def quality(self) -> Quality:
        return self.diq.quality


@dataclass(frozen=True, slots=True)
class StepPosition(InformationObject):
    io_address: int
    vti: VTI
    qds: QDS = QDS()
    time: Time = None

    @property
    def value(self) -> int:
        return self.vti.value

    @property
    def quality(self) -> Quality:
        return self.qds.quality


@dataclass(frozen=True, slots=True)
class Bitstring(InformationObject):
    io_address: int
    bsi: int
    qds: QDS = QDS()
    time: Time = None

    @property
    def value(self) -> int:
        return self.bsi

    @property
    def quality(self) -> Quality:
        return self.qds.quality


@dataclass(frozen=True, slots=True)
class MeasuredNormalized(InformationObject):
    """NVA as a float in -1 .. 1-2**-15; ``qds`` is None for M_ME_ND_1."""

    io_address: int
    nva: float
    qds: QDS | None = QDS()
    time: Time = None

    @property
    def value(self) -> float:
        return self.nva

    @property
    def quality(self) -> Quality | None:
        return _quality(self.qds)


@dataclass(frozen=True, slots=True)
class MeasuredScaled(InformationObject):
    io_address: int
    sva: int
    qds: QDS = QDS()
    time: Time = None

    @property
    def value(self) -> int:
        return self.sva

    @property
    def quality(self) -> Quality:
        return self.qds.quality


@dataclass(frozen=True, slots=True)
class MeasuredShort(InformationObject):
    io_address: int
    r32: float
    qds: QDS = QDS()
    time: Time = None

    @property
    def value(self) -> float:
        return self.r32

    @property
    def quality(self) -> Quality:
        return self.qds.quality


@dataclass(frozen=True, slots=True)
class IntegratedTotals(InformationObject):
    io_address: int
    bcr: BCR
    time: Time = None

    @property
    def value(self) -> int:
        return self.bcr.counter

    @property
    def quality(self):
        return self.bcr.quality


@dataclass(frozen=True, slots=True)
class ProtectionEvent(InformationObject):
    io_address: int
    sep: SEP
    elapsed: CP16Time2a
    time: Time = None

    @property
    def value(self):
        return self.sep.es

    @property
    def quality(self) -> Quality:
        return self.sep.quality


@dataclass(frozen=True, slots=True)
class ProtectionStart(InformationObject):
    io_address: int
    spe: SPE
    qdp: QDP
    duration: CP16Time2a
    time: Time = None

    @property
    def value(self):
        return self.spe.events

    @property
    def quality(self) -> Quality:
        return self.qdp.quality


@dataclass(frozen=True, slots=True)
class ProtectionCircuit(InformationObject):
    io_address: int
    oci: OCI
    qdp: QDP
    operating: CP16Time2a
    time: Time = None

    @property
    def value(self):
        return self.oci.circuits

    @property
    def quality(self) -> Quality:
        return self.qdp.quality


@dataclass(frozen=True, slots=True)
class PackedSinglePoints(InformationObject):
    io_address: int
    scd: SCD
    qds: QDS = QDS()

    @property
    def value(self) -> int:
        return self.scd.st

    @property
    def quality(self) -> Quality:
        return self.qds.quality


@dataclass(frozen=True, slots=True)
class EndOfInitialisation(InformationObject):
    io_address: int
    coi: COI

    @property
    def value(self):
        return self.coi.cause


# ---- control direction: process commands ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class SingleCommand(InformationObject):
    io_address: int
    sco: SCO
    time: Time = None

    @property
    def value(self) -> bool:
        return self.sco.scs


@dataclass(frozen=True, slots=True)
class DoubleCommand(InformationObject):
    io_address: int
    dco: DCO
    time: Time = None

    @property
    def value(self):
        return self.dco.dcs


@dataclass(frozen=True, slots=True)
class StepCommand(InformationObject):
    io_address: int
    rco: RCO
    time: Time = None

    @property
    def value(self):
        return self.rco.rcs


@dataclass(frozen=True, slots=True)
class SetpointNormalized(InformationObject):
    io_address: int
    nva: float
    qos: QOS = QOS()
    time: Time = None

    @property
    def value(self) -> float:
        return self.nva


@dataclass(frozen=True, slots=True)
class SetpointScaled(InformationObject):
    io_address: int
    sva: int
    qos: QOS = QOS()
    time: Time = None

    @property
    def value(self) -> int:
        return self.sva


@dataclass(frozen=True, slots=True)
class SetpointShort(InformationObject):
    io_address: int
    r32: float
    qos: QOS = QOS()
    time: Time = None

    @property
    def value(self) -> float:
        return self.r32


@dataclass(frozen=True, slots=True)
class BitstringCommand(InformationObject):
    io_address: int
    bsi: int
    time: Time = None

    @property
    def value(self) -> int:
        return self.bsi


# ---- control direction: system commands -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Interrogation(InformationObject):
    io_address: int
    qoi: int  # Qoi for 20..36

    @property
    def value(self) -> int:
        return self.qoi


@dataclass(frozen=True, slots=True)
class CounterInterrogation(InformationObject):
    io_address: int
    qcc: QCC

    @property
    def value(self) -> QCC:
        return self.qcc


@dataclass(frozen=True, slots=True)
class Read(InformationObject):
    io_address: int


@dataclass(frozen=True, slots=True)
class ClockSync(InformationObject):
    io_address: int
    time: CP56Time2a

    @property
    def value(self) -> CP56Time2a:
        return self.time


@dataclass(frozen=True, slots=True)
class TestCommand(InformationObject):
    """C_TS_NA_1; the fixed test bit pattern FBP is 0x55AA."""

    io_address: int
    fbp: int = 0x55AA

    @property
    def value(self) -> int:
        return self.fbp


@dataclass(frozen=True, slots=True)
class ResetProcess(InformationObject):
    io_address: int
    qrp: int = 1

    @property
    def value(self) -> int:
        return self.qrp


@dataclass(frozen=True, slots=True)
class DelayAcquisition(InformationObject):
    io_address: int
    delay: CP16Time2a

    @property
    def value(self) -> CP16Time2a:
        return self.delay


@dataclass(frozen=True, slots=True)
class TestCommandWithTime(InformationObject):
    io_address: int
    tsc: int
    time: CP56Time2a

    @property
    def value(self) -> int:
        return self.tsc


# ---- parameters -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParameterNormalized(InformationObject):
    io_address: int
    nva: float
    qpm: QPM = QPM()

    @property
    def value(self) -> float:
        return self.nva


@dataclass(frozen=True, slots=True)
class ParameterScaled(InformationObject):
    io_address: int
    sva: int
    qpm: QPM = QPM()

    @property
    def value(self) -> int:
        return self.sva


@dataclass(frozen=True, slots=True)
class ParameterShort(InformationObject):
    io_address: int
    r32: float
    qpm: QPM = QPM()

    @property
    def value(self) -> float:
        return self.r32


@dataclass(frozen=True, slots=True)
class ParameterActivation(InformationObject):
    io_address: int
    qpa: int

    @property
    def value(self) -> int:
        return self.qpa


# ---- file transfer ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileReady(InformationObject):
    io_address: int
    nof: int
    lof: int
    frq: int = 0


@dataclass(frozen=True, slots=True)
class SectionReady(InformationObject):
    io_address: int
    nof: int
    nos: int
    lof: int
    srq: int = 0


@dataclass(frozen=True, slots=True)
class FileCall(InformationObject):
    io_address: int
    nof: int
    nos: int
    scq: int


@dataclass(frozen=True, slots=True)
class LastSection(InformationObject):
    io_address: int
    nof: int
    nos: int
    lsq: int
    chs: int


@dataclass(frozen=True, slots=True)
class FileAck(InformationObject):
    io_address: int
    nof: int
    nos: int
    afq: int


@dataclass(frozen=True, slots=True)
class Segment(InformationObject):
    io_address: int
    nof: int
    nos: int
    data: bytes


@dataclass(frozen=True, slots=True)
class Directory(InformationObject):
    io_address: int
    nof: int
    lof: int
    sof: SOF
    time: CP56Time2a


@dataclass(frozen=True, slots=True)
class QueryLog(InformationObject):
    io_address: int
    nof: int
    start: CP56Time2a
    stop: CP56Time2a
