"""The exception hierarchy of the protocol core.

Only ``DecodeError`` may escape from decoding arbitrary bytes. ``LocalProtocolError`` means
our own side asked for something the protocol forbids; ``RemoteProtocolError`` means the peer
broke a rule (for example a sequence error), after which the link must be closed.
"""

from __future__ import annotations

__all__ = ["C104TestError", "DecodeError", "LocalProtocolError", "ProtocolError", "RemoteProtocolError"]


class C104TestError(Exception):
    """Base class of every error that c104test raises on purpose."""

    ROBOT_SUPPRESS_NAME = True


class ProtocolError(C104TestError):
    """A rule of IEC 60870-5-104 was broken."""


class DecodeError(ProtocolError):
    """Malformed input; ``offset`` is the byte where the problem was found.

    >>> str(DecodeError("bad start octet 0x00", offset=0))
    'bad start octet 0x00 (at byte 0)'
    """

    def __init__(self, reason: str, offset: int = 0) -> None:
        self.reason = reason
        self.offset = offset
        super().__init__(f"{reason} (at byte {offset})")

    def __reduce__(self):  # keep pickling (multiprocessing, pytest-xdist) working
        return (type(self), (self.reason, self.offset))


class LocalProtocolError(ProtocolError):
    """Our side tried something the protocol or the link state does not allow."""


class RemoteProtocolError(ProtocolError):
    """The peer violated the protocol (malformed frame, sequence or window error).

    ``frame`` holds the offending octets as received (the APDU, or what could not be framed).

    >>> str(RemoteProtocolError("sequence error", frame=bytes.fromhex("680e02000000")))
    'sequence error; frame 68 0e 02 00 00 00'
    """

    def __init__(self, reason: str, frame: bytes | None = None) -> None:
        self.reason = reason
        self.frame = frame
        super().__init__(reason if frame is None else f"{reason}; frame {frame.hex(' ')}")

    def __reduce__(self):  # keep pickling working
        return (type(self), (self.reason, self.frame))
