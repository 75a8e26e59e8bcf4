"""Information elements of IEC 60870-5-101/104 (section 7.2.6 of 60870-5-101).

Every one-octet element is a frozen value built from its octet with ``from_octet`` and turned back
with ``to_octet``; reserved bits are kept, so ``X.from_octet(b).to_octet() == b`` for all 256
octets. The 256 values of each class are built once and shared, which keeps decoding cheap.

>>> SIQ.from_octet(0x81)
SIQ(spi=True, bl=False, sb=False, nt=False, iv=True, reserved=0)
>>> SCO(scs=True, qu=Qoc.SHORT_PULSE, se=True).to_octet()
133
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .construction import twin
from .enums import (
    BinaryCounterQuality,
    Double,
    EventState,
    Frz,
    OutputCircuits,
    Qoc,
    Quality,
    Rqt,
    StartEvents,
    Step,
)

__all__ = [
    "BCR",
    "COI",
    "DCO",
    "DIQ",
    "OCI",
    "QCC",
    "QDP",
    "QDS",
    "QOS",
    "QPM",
    "RCO",
    "SCD",
    "SCO",
    "SEP",
    "SIQ",
    "SOF",
    "SPE",
    "VTI",
    "OctetElement",
]

_QUALITY_MASK = 0xF0  # BL, SB, NT, IV: the same four bits in SIQ, DIQ, QDS, QDP and SEP


def _enum_or_int(enum_cls, value: int):
    try:
        return enum_cls(value)
    except ValueError:
        return value


class OctetElement:
    """Mixin: interned values indexed by their octet."""

    __slots__ = ()
    TABLE: ClassVar[tuple]

    @classmethod
    def _from_bits(cls, octet: int):  # pragma: no cover - each subclass defines it
        raise NotImplementedError

    def to_octet(self) -> int:  # pragma: no cover
        raise NotImplementedError

    @classmethod
    def from_octet(cls, octet: int):
        return cls.TABLE[octet]

    @classmethod
    def _build_table(cls) -> None:
        cls.TABLE = tuple(cls._from_bits(b) for b in range(256))


def _check_width(value: int, mask: int, what: str) -> None:
    """Refuse a value wider than its bits: it would silently set the neighbouring fields."""
    if value & ~mask:
        raise ValueError(f"{what} {value} outside 0..{mask}")


# Quality(bits) costs about a microsecond; the point database asks once per received object
_QUALITIES: tuple[Quality, ...] = tuple(Quality(v & 0xF9) for v in range(256))


def _flags(octet: int) -> tuple[bool, bool, bool, bool]:
    return bool(octet & 0x10), bool(octet & 0x20), bool(octet & 0x40), bool(octet & 0x80)


def _flag_bits(bl: bool, sb: bool, nt: bool, iv: bool) -> int:
    return (bl << 4) | (sb << 5) | (nt << 6) | (iv << 7)


@dataclass(frozen=True, slots=True)
class SIQ(OctetElement):
    """Single-point information with quality descriptor."""

    spi: bool
    bl: bool = False
    sb: bool = False
    nt: bool = False
    iv: bool = False
    reserved: int = 0  # bits 1-3

    @classmethod
    def _from_bits(cls, o: int) -> SIQ:
        return cls(bool(o & 1), *_flags(o), (o >> 1) & 0x07)

    def to_octet(self) -> int:
        _check_width(self.reserved, 0x07, "SIQ reserved")
        return self.spi | (self.reserved << 1) | _flag_bits(self.bl, self.sb, self.nt, self.iv)

    @property
    def quality(self) -> Quality:
        return _QUALITIES[_flag_bits(self.bl, self.sb, self.nt, self.iv)]


@dataclass(frozen=True, slots=True)
class DIQ(OctetElement):
    """Double-point information with quality descriptor."""

    dpi: Double
    bl: bool = False
    sb: bool = False
    nt: bool = False
    iv: bool = False
    reserved: int = 0  # bits 2-3

    @classmethod
    def _from_bits(cls, o: int) -> DIQ:
        return cls(Double(o & 3), *_flags(o), (o >> 2) & 0x03)

    def to_octet(self) -> int:
        _check_width(self.dpi, 0x03, "DIQ DPI")
        _check_width(self.reserved, 0x03, "DIQ reserved")
        return int(self.dpi) | (self.reserved << 2) | _flag_bits(self.bl, self.sb, self.nt, self.iv)

    @property
    def quality(self) -> Quality:
        return _QUALITIES[_flag_bits(self.bl, self.sb, self.nt, self.iv)]


@dataclass(frozen=True, slots=True)
class QDS(OctetElement):
    """Quality descriptor."""

    ov: bool = False
    bl: bool = False
    sb: bool = False
    nt: bool = False
    iv: bool = False
    reserved: int = 0  # bits 1-3

    @classmethod
    def _from_bits(cls, o: int) -> QDS:
        return cls(bool(o & 1), *_flags(o), (o >> 1) & 0x07)

    def to_octet(self) -> int:
        _check_width(self.reserved, 0x07, "QDS reserved")
        return self.ov | (self.reserved << 1) | _flag_bits(self.bl, self.sb, self.nt, self.iv)

    @property
    def quality(self) -> Quality:
        return _QUALITIES[self.ov | _flag_bits(self.bl, self.sb, self.nt, self.iv)]

    @classmethod
    def from_quality(cls, quality: Quality | int) -> QDS:
        return cls.TABLE[int(quality) & 0xF1]


@dataclass(frozen=True, slots=True)
class QDP(OctetElement):
    """Quality descriptor for events of protection equipment."""

    ei: bool = False
    bl: bool = False
    sb: bool = False
    nt: bool = False
    iv: bool = False
    reserved: int = 0  # bits 0-2

    @classmethod
    def _from_bits(cls, o: int) -> QDP:
        return cls(bool(o & 0x08), *_flags(o), o & 0x07)

    def to_octet(self) -> int:
        _check_width(self.reserved, 0x07, "QDP reserved")
        return (self.ei << 3) | self.reserved | _flag_bits(self.bl, self.sb, self.nt, self.iv)

    @property
    def quality(self) -> Quality:
        return _QUALITIES[(self.ei << 3) | _flag_bits(self.bl, self.sb, self.nt, self.iv)]


@dataclass(frozen=True, slots=True)
class SEP(OctetElement):
    """Single event of protection equipment."""

    es: EventState
    ei: bool = False
    bl: bool = False
    sb: bool = False
    nt: bool = False
    iv: bool = False
    reserved: int = 0  # bit 2

    @classmethod
    def _from_bits(cls, o: int) -> SEP:
        return cls(EventState(o & 3), bool(o & 0x08), *_flags(o), (o >> 2) & 1)

    def to_octet(self) -> int:
        _check_width(self.es, 0x03, "SEP ES")
        _check_width(self.reserved, 0x01, "SEP reserved")
        return (
            int(self.es)
            | (self.reserved << 2)
            | (self.ei << 3)
            | _flag_bits(self.bl, self.sb, self.nt, self.iv)
        )

    @property
    def quality(self) -> Quality:
        return _QUALITIES[(self.ei << 3) | _flag_bits(self.bl, self.sb, self.nt, self.iv)]


@dataclass(frozen=True, slots=True)
class SPE(OctetElement):
    """Start events of protection equipment."""

    gs: bool = False
    sl1: bool = False
    sl2: bool = False
    sl3: bool = False
    sie: bool = False
    srd: bool = False
    reserved: int = 0  # bits 6-7

    @classmethod
    def _from_bits(cls, o: int) -> SPE:
        return cls(*(bool(o & (1 << n)) for n in range(6)), o >> 6)

    def to_octet(self) -> int:
        return (
            self.gs
            | (self.sl1 << 1)
            | (self.sl2 << 2)
            | (self.sl3 << 3)
            | (self.sie << 4)
            | (self.srd << 5)
            | (self.reserved << 6)
        )

    @property
    def events(self) -> StartEvents:
        return StartEvents(self.to_octet() & 0x3F)


@dataclass(frozen=True, slots=True)
class OCI(OctetElement):
    """Output circuit information of protection equipment."""

    gc: bool = False
    cl1: bool = False
    cl2: bool = False
    cl3: bool = False
    reserved: int = 0  # bits 4-7

    @classmethod
    def _from_bits(cls, o: int) -> OCI:
        return cls(*(bool(o & (1 << n)) for n in range(4)), o >> 4)

    def to_octet(self) -> int:
        return self.gc | (self.cl1 << 1) | (self.cl2 << 2) | (self.cl3 << 3) | (self.reserved << 4)

    @property
    def circuits(self) -> OutputCircuits:
        return OutputCircuits(self.to_octet() & 0x0F)


@dataclass(frozen=True, slots=True)
class VTI(OctetElement):
    """Value with transient state indication: a 7-bit signed step position."""

    value: int
    transient: bool = False

    @classmethod
    def _from_bits(cls, o: int) -> VTI:
        v = o & 0x7F
        return cls(v - 128 if v & 0x40 else v, bool(o & 0x80))

    def to_octet(self) -> int:
        if not -64 <= self.value <= 63:
            raise ValueError(f"VTI value {self.value} outside -64..63")
        return (self.value & 0x7F) | (self.transient << 7)


def _command_qu(qu: int) -> Qoc | int:
    return _enum_or_int(Qoc, qu)


@dataclass(frozen=True, slots=True)
class SCO(OctetElement):
    """Single command: SCS, QU, S/E."""

    scs: bool
    qu: Qoc | int = Qoc.NONE
    se: bool = False
    reserved: int = 0  # bit 1

    @classmethod
    def _from_bits(cls, o: int) -> SCO:
        return cls(bool(o & 1), _command_qu((o >> 2) & 0x1F), bool(o & 0x80), (o >> 1) & 1)

    def to_octet(self) -> int:
        _check_width(self.reserved, 0x01, "SCO reserved")
        return self.scs | (self.reserved << 1) | (_qu(self.qu) << 2) | (self.se << 7)


@dataclass(frozen=True, slots=True)
class DCO(OctetElement):
    """Double command: DCS, QU, S/E. DCS 0 and 3 are not permitted but are kept when received."""

    dcs: Double
    qu: Qoc | int = Qoc.NONE
    se: bool = False

    @classmethod
    def _from_bits(cls, o: int) -> DCO:
        return cls(Double(o & 3), _command_qu((o >> 2) & 0x1F), bool(o & 0x80))

    def to_octet(self) -> int:
        _check_width(self.dcs, 0x03, "DCO DCS")
        return int(self.dcs) | (_qu(self.qu) << 2) | (self.se << 7)


@dataclass(frozen=True, slots=True)
class RCO(OctetElement):
    """Regulating step command: RCS, QU, S/E."""

    rcs: Step
    qu: Qoc | int = Qoc.NONE
    se: bool = False

    @classmethod
    def _from_bits(cls, o: int) -> RCO:
        return cls(Step(o & 3), _command_qu((o >> 2) & 0x1F), bool(o & 0x80))

    def to_octet(self) -> int:
        _check_width(self.rcs, 0x03, "RCO RCS")
        return int(self.rcs) | (_qu(self.qu) << 2) | (self.se << 7)


def _qu(qu: int) -> int:
    if not 0 <= qu <= 31:
        raise ValueError(f"qualifier of command {qu} outside 0..31")
    return int(qu)


@dataclass(frozen=True, slots=True)
class QOS(OctetElement):
    """Qualifier of set-point command: QL and S/E."""

    ql: int = 0
    se: bool = False

    @classmethod
    def _from_bits(cls, o: int) -> QOS:
        return cls(o & 0x7F, bool(o & 0x80))

    def to_octet(self) -> int:
        if not 0 <= self.ql <= 127:
            raise ValueError(f"QL {self.ql} outside 0..127")
        return self.ql | (self.se << 7)


@dataclass(frozen=True, slots=True)
class QCC(OctetElement):
    """Qualifier of counter interrogation: RQT (bits 0-5) and FRZ (bits 6-7)."""

    rqt: Rqt | int = Rqt.GENERAL
    frz: Frz = Frz.READ

    @classmethod
    def _from_bits(cls, o: int) -> QCC:
        return cls(_enum_or_int(Rqt, o & 0x3F), Frz(o >> 6))

    def to_octet(self) -> int:
        if not 0 <= self.rqt <= 63:
            raise ValueError(f"RQT {self.rqt} outside 0..63")
        return int(self.rqt) | (int(self.frz) << 6)


@dataclass(frozen=True, slots=True)
class COI(OctetElement):
    """Cause of initialisation, and BS: initialised after a change of local parameters."""

    cause: int = 0  # Coi for the defined values 0..2
    bs: bool = False

    @classmethod
    def _from_bits(cls, o: int) -> COI:
        from .enums import Coi

        return cls(_enum_or_int(Coi, o & 0x7F), bool(o & 0x80))

    def to_octet(self) -> int:
        if not 0 <= self.cause <= 127:
            raise ValueError(f"COI cause {self.cause} outside 0..127")
        return int(self.cause) | (self.bs << 7)


@dataclass(frozen=True, slots=True)
class QPM(OctetElement):
    """Qualifier of parameter of measured values: KPA, LPC, POP."""

    kpa: int = 1
    lpc: bool = False
    pop: bool = False

    @classmethod
    def _from_bits(cls, o: int) -> QPM:
        return cls(o & 0x3F, bool(o & 0x40), bool(o & 0x80))

    def to_octet(self) -> int:
        if not 0 <= self.kpa <= 63:
            raise ValueError(f"KPA {self.kpa} outside 0..63")
        return self.kpa | (self.lpc << 6) | (self.pop << 7)


@dataclass(frozen=True, slots=True)
class SOF(OctetElement):
    """Status of file: STATUS, LFD (last file), FOR (directory), FA (transfer active)."""

    status: int = 0
    lfd: bool = False
    for_: bool = False
    fa: bool = False

    @classmethod
    def _from_bits(cls, o: int) -> SOF:
        return cls(o & 0x1F, bool(o & 0x20), bool(o & 0x40), bool(o & 0x80))

    def to_octet(self) -> int:
        if not 0 <= self.status <= 31:
            raise ValueError(f"SOF status {self.status} outside 0..31")
        return self.status | (self.lfd << 5) | (self.for_ << 6) | (self.fa << 7)


for _cls in (SIQ, DIQ, QDS, QDP, SEP, SPE, OCI, VTI, SCO, DCO, RCO, QOS, QCC, COI, QPM, SOF):
    _cls._build_table()


@dataclass(frozen=True, slots=True)
class BCR:
    """Binary counter reading: counter (int32), sequence number 0..31, CY, CA, IV."""

    counter: int
    sequence: int = 0
    cy: bool = False
    ca: bool = False
    iv: bool = False

    @classmethod
    def from_items(cls, counter: int, octet: int) -> BCR:
        b = _BCRTwin()
        b.counter = counter
        b.sequence = octet & 0x1F
        b.cy = (octet & 0x20) != 0
        b.ca = (octet & 0x40) != 0
        b.iv = (octet & 0x80) != 0
        b.__class__ = cls
        return b

    def items(self) -> tuple[int, int]:
        if not 0 <= self.sequence <= 31:
            raise ValueError(f"BCR sequence number {self.sequence} outside 0..31")
        return (self.counter, self.sequence | (self.cy << 5) | (self.ca << 6) | (self.iv << 7))

    @property
    def quality(self) -> BinaryCounterQuality:
        # c104's flag values are not the wire bits: Carry (CY, bit 5) is 0x40, Adjusted (CA, bit 6) 0x20
        return BinaryCounterQuality((self.ca << 5) | (self.cy << 6) | (self.iv << 7))


@dataclass(frozen=True, slots=True)
class SCD:
    """Status and status change detection: 16 status bits (ST) and 16 change bits (CD)."""

    st: int
    cd: int = 0

    @classmethod
    def from_items(cls, st: int, cd: int) -> SCD:
        s = _SCDTwin()
        s.st = st
        s.cd = cd
        s.__class__ = cls
        return s

    def items(self) -> tuple[int, int]:
        return (self.st, self.cd)


_BCRTwin = twin(BCR)
_SCDTwin = twin(SCD)
