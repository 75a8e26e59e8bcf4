"""What the link tells its owner: one frozen dataclass per event, and ``Event``, their union.

``Link.receive_data`` and ``Link.handle_timeout`` return lists of these (see link.py); the engine
dispatches on the class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from c104test.protocol.apci import Frame
from c104test.protocol.closing import CloseCause, ClosedBy

__all__ = [
    "Acknowledged",
    "AsduReceived",
    "DataTransferStarted",
    "DataTransferStopped",
    "Event",
    "FrameReceived",
    "LinkClosed",
    "StartRequested",
    "StopRequested",
    "TestFrameReceived",
    "UnexpectedFrame",
]


@dataclass(frozen=True, slots=True)
class AsduReceived:
    """An I-frame in sequence; ``asdu`` is its payload."""

    asdu: bytes
    send_seq: int
    recv_seq: int


@dataclass(frozen=True, slots=True)
class DataTransferStarted:
    """The state became STARTED (STARTDT con received, or a STARTDT act confirmed)."""


@dataclass(frozen=True, slots=True)
class DataTransferStopped:
    """The state became STOPPED (STOPDT con received or sent)."""


@dataclass(frozen=True, slots=True)
class StartRequested:
    """The peer sent STARTDT act; the link has already queued the con."""


@dataclass(frozen=True, slots=True)
class StopRequested:
    """The peer sent STOPDT act; the con follows once our I-frames are acknowledged."""


@dataclass(frozen=True, slots=True)
class TestFrameReceived:
    """TESTFR act (answered unless ``ignore_test_frames``) or the con to our act."""

    __test__ = False  # not a pytest test class, despite the name

    con: bool


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """The peer acknowledged ``count`` of our I-frames; the k window has room again."""

    count: int


@dataclass(frozen=True, slots=True)
class FrameReceived:
    """Every received APDU, before its other events; only when ``report_frames`` is set."""

    apdu: bytes
    frame: Frame


@dataclass(frozen=True, slots=True)
class UnexpectedFrame:
    """A con for which no act was outstanding; ignored, as lib60870 does, but reported."""

    frame: Frame
    reason: str


@dataclass(frozen=True, slots=True)
class LinkClosed:
    """The link is dead: the engine must close the TCP connection. Always the last event.

    ``by`` says which end ended it, ``cause`` why (``reason`` says it in words); ``frame`` is
    the peer's offending octets for a protocol violation (the APDU, or the undecodable rest).
    """

    reason: str
    cause: CloseCause = CloseCause.LOCAL_CLOSE
    by: ClosedBy = ClosedBy.LOCAL
    frame: bytes | None = None


Event: TypeAlias = (
    AsduReceived
    | DataTransferStarted
    | DataTransferStopped
    | StartRequested
    | StopRequested
    | TestFrameReceived
    | Acknowledged
    | FrameReceived
    | UnexpectedFrame
    | LinkClosed
)
