"""APCI: the three frame formats of IEC 60870-5-104 (I, S and U) and their encoding.

An APDU is ``0x68, L, four control octets, ASDU``. Error messages number the octets from 1 at
0x68, as the standard's tables do, so octet n sits at byte offset n - 1. Sequence numbers are
15 bits, sent shifted left by one, least significant octet first. The decoder is strict: a
reserved bit, a second U function or stray octets are a ``DecodeError`` (conformance over
leniency; lib60870 masks some of them).
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass
from typing import TypeAlias

from c104test.protocol.errors import DecodeError, LocalProtocolError

__all__ = [
    "ASDU_MAX_LENGTH",
    "IGNORED_FRAME",
    "SEQ_MODULO",
    "Frame",
    "IFrame",
    "SFrame",
    "UFrame",
    "UFunction",
    "decode_frame",
    "decode_frame_leniently",
    "encode_frame",
    "encode_i_frame",
    "encode_s_frame",
    "encode_u_frame",
]

SEQ_MODULO = 32768
ASDU_MAX_LENGTH = 249

# 0x68, L, N(S) << 1, N(R) << 1 (both little-endian 16-bit)
_I_HEADER = struct.Struct("<BBHH")
_I_PACK = _I_HEADER.pack
_S_PACK = struct.Struct("<4sH").pack


class UFunction(enum.IntEnum):
    """Octet 3 of a U-frame; exactly one function bit is set."""

    STARTDT_ACT = 0x07
    STARTDT_CON = 0x0B
    STOPDT_ACT = 0x13
    STOPDT_CON = 0x23
    TESTFR_ACT = 0x43
    TESTFR_CON = 0x83

    @property
    def label(self) -> str:
        """The name as engineers say it: ``'STARTDT act'``."""
        function, _, kind = self.name.partition("_")
        return f"{function} {kind.lower()}"

    @property
    def is_act(self) -> bool:
        """True for the activations, False for the confirmations."""
        return self.name.endswith("_ACT")


_U_FUNCTIONS = {int(f): f for f in UFunction}
_U_APDUS = {f: bytes((0x68, 4, f, 0, 0, 0)) for f in UFunction}


@dataclass(frozen=True, slots=True)
class IFrame:
    """Numbered information transfer: carries one ASDU."""

    send_seq: int
    recv_seq: int
    asdu: bytes

    def __str__(self) -> str:
        return f"I(N(S)={self.send_seq}, N(R)={self.recv_seq}, {len(self.asdu)} octets)"


@dataclass(frozen=True, slots=True)
class SFrame:
    """Numbered supervisory function: acknowledges received I-frames up to ``recv_seq - 1``."""

    recv_seq: int

    def __str__(self) -> str:
        return f"S(N(R)={self.recv_seq})"


@dataclass(frozen=True, slots=True)
class UFrame:
    """Unnumbered control function: STARTDT, STOPDT or TESTFR, act or con."""

    function: UFunction

    def __str__(self) -> str:
        return f"U({self.function.label})"


Frame: TypeAlias = IFrame | SFrame | UFrame


def _check_seq(name: str, value: int) -> None:
    if not 0 <= value < SEQ_MODULO:
        raise LocalProtocolError(f"{name}={value} outside 0..32767")


def encode_i_frame(send_seq: int, recv_seq: int, asdu: bytes) -> bytes:
    """The APDU of an I-frame."""
    size = len(asdu)
    if not 0 < size <= ASDU_MAX_LENGTH:
        raise LocalProtocolError(f"ASDU of {size} octets; an I-frame carries 1..249")
    if not (0 <= send_seq < SEQ_MODULO and 0 <= recv_seq < SEQ_MODULO):
        _check_seq("N(S)", send_seq)
        _check_seq("N(R)", recv_seq)
    return _I_PACK(0x68, size + 4, send_seq << 1, recv_seq << 1) + asdu


def encode_s_frame(recv_seq: int) -> bytes:
    """The APDU of an S-frame."""
    _check_seq("N(R)", recv_seq)
    return _S_PACK(b"\x68\x04\x01\x00", recv_seq << 1)


def encode_u_frame(function: UFunction) -> bytes:
    """The APDU of a U-frame."""
    return _U_APDUS[function]


def encode_frame(frame: Frame) -> bytes:
    """The APDU (with 0x68 and length octet) of ``frame``; LocalProtocolError if out of range."""
    if type(frame) is IFrame:
        return encode_i_frame(frame.send_seq, frame.recv_seq, frame.asdu)
    if type(frame) is SFrame:
        return encode_s_frame(frame.recv_seq)
    if type(frame) is UFrame:
        return encode_u_frame(frame.function)
    raise TypeError(f"not a frame: {frame!r}")


def decode_frame(apdu: bytes) -> Frame:
    """Decode one whole APDU (0x68, L, control field, ASDU).

    Raises ``DecodeError`` whose offset counts from the 0x68 octet.
    """
    size = len(apdu)
    if size < 6:
        raise DecodeError(f"APDU of {size} octets is shorter than 6", size)
    if apdu[0] != 0x68:
        raise DecodeError(f"start octet 0x{apdu[0]:02x} is not 0x68", 0)
    length = apdu[1]
    if length > 253:
        raise DecodeError(f"APDU length {length} outside 4..253", 1)
    if length != size - 2:
        raise DecodeError(f"length octet {length} does not match {size - 2} octets after it", 1)
    c1 = apdu[2]
    if not c1 & 1:
        if apdu[4] & 1:
            raise DecodeError("I-frame octet 5 has reserved bit 0 set", 4)
        if size == 6:
            raise DecodeError("I-frame without ASDU", 6)
        return IFrame((c1 | apdu[3] << 8) >> 1, (apdu[4] | apdu[5] << 8) >> 1, bytes(apdu[6:]))
    if not c1 & 2:
        if c1 != 0x01:
            raise DecodeError(f"S-frame octet 3 is 0x{c1:02x}, not 0x01", 2)
        if apdu[3]:
            raise DecodeError(f"S-frame octet 4 is 0x{apdu[3]:02x}, not 0x00", 3)
        if apdu[4] & 1:
            raise DecodeError("S-frame octet 5 has reserved bit 0 set", 4)
        if size != 6:
            raise DecodeError(f"S-frame followed by {size - 6} octets", 6)
        return SFrame((apdu[4] | apdu[5] << 8) >> 1)
    function = _U_FUNCTIONS.get(c1)
    if function is None:
        raise DecodeError(f"U-frame octet 3 0x{c1:02x} is not exactly one function", 2)
    for index in (3, 4, 5):
        if apdu[index]:
            raise DecodeError(f"U-frame octet {index + 1} is 0x{apdu[index]:02x}, not 0x00", index)
    if size != 6:
        raise DecodeError(f"U-frame followed by {size - 6} octets", 6)
    return UFrame(function)


#: What ``decode_frame_leniently`` returns for a frame a lenient peer silently drops.
IGNORED_FRAME: object = object()
# U-frame octet 3 read by masks, in this order (protocol.md 1.2: how lib60870's server does it).
_U_MASKS = (
    (0x43, UFunction.TESTFR_ACT),
    (0x07, UFunction.STARTDT_ACT),
    (0x13, UFunction.STOPDT_ACT),
    (0x83, UFunction.TESTFR_CON),
)


def decode_frame_leniently(apdu: bytes, u_frames: bool = True, s_frames: bool = True) -> Frame | object | None:
    """A malformed U- or S-frame as a lenient peer reads it (the simulator's mutants of R13, R14).

    U-frames with several function bits are read by masks (0xFF is TESTFR act, 0x0F STARTDT act,
    0x33 STOPDT act; one that fits no mask is ``IGNORED_FRAME``); an S-frame's reserved bits are
    ignored. None: no lenient reading, reject it as ``decode_frame`` does.

    >>> decode_frame_leniently(bytes.fromhex("6804ff000000"))
    UFrame(function=<UFunction.TESTFR_ACT: 67>)
    """
    if len(apdu) != 6:
        return None
    c1 = apdu[2]
    if u_frames and c1 & 3 == 3:
        return next((UFrame(function) for mask, function in _U_MASKS if c1 & mask == mask), IGNORED_FRAME)
    if s_frames and c1 == 0x01:
        return SFrame(((apdu[4] & 0xFE) | apdu[5] << 8) >> 1)
    return None
