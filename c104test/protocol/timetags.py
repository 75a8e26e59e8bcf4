"""Binary time tags: CP56Time2a, CP24Time2a and CP16Time2a.

The values keep every bit they were decoded from (reserved bits included), so a frame can be
re-encoded byte for byte and a test can report a device that sets reserved bits. The year is
two digits on the wire; c104test reads it as 2000 + yy.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from .construction import twin

__all__ = ["CP16Time2a", "CP24Time2a", "CP56Time2a"]


@dataclass(frozen=True, slots=True)
class CP56Time2a:
    """Seven-octet time tag.

    ``milliseconds`` counts within the minute (0..59999). ``substituted`` is the RES1/GEN bit,
    ``iv`` marks an invalid time, ``su`` summer time, ``day_of_week`` 1..7 (0 = not used).

    >>> t = CP56Time2a.from_datetime(datetime.datetime(2025, 11, 25, 13, 34, 12, 345000))
    >>> t.to_bytes().hex(' ')
    '39 30 22 0d 19 0b 19'
    """

    milliseconds: int
    minute: int
    hour: int
    day: int
    month: int
    year: int
    day_of_week: int = 0
    su: bool = False
    iv: bool = False
    substituted: bool = False
    reserved: int = 0  # RES2 (2 bits) | RES3 (4 bits) << 2 | RES4 << 6, kept for exact re-encoding

    @classmethod
    def from_items(cls, ms: int, mi: int, ho: int, dd: int, mo: int, yy: int) -> CP56Time2a:
        """From the six struct items ``<HBBBBB`` (the decoders' fast path: no ``__init__``)."""
        t = _CP56Twin()
        t.milliseconds = ms
        t.minute = mi & 0x3F
        t.hour = ho & 0x1F
        t.day = dd & 0x1F
        t.month = mo & 0x0F
        t.year = yy & 0x7F
        t.day_of_week = dd >> 5
        t.su = (ho & 0x80) != 0
        t.iv = (mi & 0x80) != 0
        t.substituted = (mi & 0x40) != 0
        t.reserved = ((ho >> 5) & 0x03) | ((mo >> 4) << 2) | ((yy >> 7) << 6)
        t.__class__ = cls
        return t

    def items(self) -> tuple[int, int, int, int, int, int]:
        r = self.reserved
        if not (
            0 <= self.minute <= 63
            and 0 <= self.hour <= 31
            and 0 <= self.day <= 31
            and 0 <= self.day_of_week <= 7
            and 0 <= self.month <= 15
            and 0 <= self.year <= 127
            and 0 <= r <= 127
        ):  # a field wider than its bits would silently set its neighbours (IV, SU, ...)
            widths = {"minute": 63, "hour": 31, "day": 31, "day_of_week": 7, "month": 15, "year": 127, "reserved": 127}
            bad = ", ".join(f"{k}={getattr(self, k)}" for k, top in widths.items() if not 0 <= getattr(self, k) <= top)
            raise ValueError(f"CP56Time2a {bad} outside its bit width")
        return (
            self.milliseconds,
            self.minute | (self.substituted << 6) | (self.iv << 7),
            self.hour | ((r & 0x03) << 5) | (self.su << 7),
            self.day | (self.day_of_week << 5),
            self.month | (((r >> 2) & 0x0F) << 4),
            self.year | (((r >> 6) & 0x01) << 7),
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> CP56Time2a:
        if len(data) != 7:
            raise ValueError(f"CP56Time2a takes 7 octets, not {len(data)}")
        ms = data[0] | (data[1] << 8)
        return cls.from_items(ms, data[2], data[3], data[4], data[5], data[6])

    def to_bytes(self) -> bytes:
        ms, mi, ho, dd, mo, yy = self.items()
        return bytes((ms & 0xFF, ms >> 8, mi, ho, dd, mo, yy))

    @classmethod
    def from_datetime(
        cls,
        value: _dt.datetime,
        *,
        su: bool = False,
        iv: bool = False,
        substituted: bool = False,
        day_of_week: bool = False,
    ) -> CP56Time2a:
        """The time tag for ``value`` as it reads (no time-zone conversion)."""
        return cls(
            value.second * 1000 + value.microsecond // 1000,
            value.minute,
            value.hour,
            value.day,
            value.month,
            value.year % 100,
            value.isoweekday() if day_of_week else 0,
            su,
            iv,
            substituted,
        )

    def to_datetime(self, tzinfo: _dt.tzinfo | None = None) -> _dt.datetime:
        """The time as a datetime (year 2000 + yy); ValueError if a field is out of range."""
        seconds, ms = divmod(self.milliseconds, 1000)
        return _dt.datetime(
            2000 + self.year, self.month, self.day, self.hour, self.minute, seconds, ms * 1000, tzinfo
        )

    def __str__(self) -> str:
        flags = "".join(
            f" {name}" for name, on in (("IV", self.iv), ("SU", self.su), ("SB", self.substituted)) if on
        )
        s, ms = divmod(self.milliseconds, 1000)
        return (
            f"20{self.year:02d}-{self.month:02d}-{self.day:02d} "
            f"{self.hour:02d}:{self.minute:02d}:{s:02d}.{ms:03d}{flags}"
        )


@dataclass(frozen=True, slots=True)
class CP24Time2a:
    """Three-octet time tag (milliseconds within the minute, minute); 101-only types use it."""

    milliseconds: int
    minute: int
    iv: bool = False
    substituted: bool = False

    @classmethod
    def from_items(cls, ms: int, mi: int) -> CP24Time2a:
        t = _CP24Twin()
        t.milliseconds = ms
        t.minute = mi & 0x3F
        t.iv = (mi & 0x80) != 0
        t.substituted = (mi & 0x40) != 0
        t.__class__ = cls
        return t

    def items(self) -> tuple[int, int]:
        if not 0 <= self.minute <= 63:
            raise ValueError(f"CP24Time2a minute {self.minute} outside 0..63")
        return (self.milliseconds, self.minute | (self.substituted << 6) | (self.iv << 7))


@dataclass(frozen=True, slots=True)
class CP16Time2a:
    """Two-octet elapsed time in milliseconds (0..59999 in use; 0..65535 on the wire)."""

    milliseconds: int

    @classmethod
    def from_items(cls, ms: int) -> CP16Time2a:
        t = _CP16Twin()
        t.milliseconds = ms
        t.__class__ = cls
        return t

    def items(self) -> tuple[int]:
        return (self.milliseconds,)


_CP56Twin = twin(CP56Time2a)
_CP24Twin = twin(CP24Time2a)
_CP16Twin = twin(CP16Time2a)
