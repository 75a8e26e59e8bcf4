"""Qualifiers of file transfer (IEC 60870-5-101 7.2.6; protocol.md 1.8) and CHS.

The codec keeps SCQ, AFQ, FRQ, SRQ and LSQ as plain octets (a device may send any value);
these enums name the values the standard defines, for the station and the conformance cases.

>>> Scq.REQUEST_SECTION, Afq.NEGATIVE_ACK_SECTION.with_error(FileError.CHECKSUM)
(<Scq.REQUEST_SECTION: 6>, 36)
>>> checksum(b"\\xff\\x02")
1
"""

from __future__ import annotations

import enum

__all__ = ["NOT_READY", "Afq", "FileError", "Lsq", "Scq", "checksum", "error_of", "service_of"]

#: FRQ/SRQ bit 7: the file or section is not ready (a negative answer).
NOT_READY = 0x80


class _Service(enum.IntEnum):
    def with_error(self, error: FileError | int) -> int:
        """The octet: this service in bits 0-3, ``error`` in bits 4-7."""
        return int(self) | (int(error) << 4)


class Scq(_Service):
    """Select and call qualifier, bits 0-3."""

    DEFAULT = 0
    SELECT_FILE = 1
    REQUEST_FILE = 2
    DEACTIVATE_FILE = 3
    DELETE_FILE = 4
    SELECT_SECTION = 5
    REQUEST_SECTION = 6
    DEACTIVATE_SECTION = 7


class Afq(_Service):
    """Acknowledge file or section qualifier, bits 0-3."""

    DEFAULT = 0
    POSITIVE_ACK_FILE = 1
    NEGATIVE_ACK_FILE = 2
    POSITIVE_ACK_SECTION = 3
    NEGATIVE_ACK_SECTION = 4


class Lsq(enum.IntEnum):
    """Last section or segment qualifier."""

    FILE_TRANSFER_WITHOUT_DEACTIVATION = 1
    FILE_TRANSFER_WITH_DEACTIVATION = 2  # the file transfer was aborted
    SECTION_TRANSFER_WITHOUT_DEACTIVATION = 3
    SECTION_TRANSFER_WITH_DEACTIVATION = 4  # the section transfer was aborted


class FileError(enum.IntEnum):
    """Bits 4-7 of SCQ and AFQ."""

    DEFAULT = 0
    MEMORY = 1  # requested memory space not available
    CHECKSUM = 2  # checksum failed
    UNEXPECTED_SERVICE = 3
    UNEXPECTED_NOF = 4  # unexpected name of file
    UNEXPECTED_NOS = 5  # unexpected name of section


def service_of(octet: int) -> int:
    """Bits 0-3 of an SCQ or AFQ octet."""
    return octet & 0x0F


def error_of(octet: int) -> int:
    """Bits 4-7 of an SCQ or AFQ octet."""
    return octet >> 4


def checksum(data: bytes) -> int:
    """CHS: the arithmetic sum of the octets modulo 256."""
    return sum(data) & 0xFF
