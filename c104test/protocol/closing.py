"""Who ended a connection and why: the vocabulary of ``LinkClosed`` and the engine's errors.

Kept apart from the link because the engine uses the same two enums for causes the link cannot
see (a refused TCP connect, a reset, a peer that stopped reading).

>>> ClosedBy.PEER.describe("the RTU")
'the RTU'
>>> CloseCause.T1_EXPIRED.value
't1 expired'
"""

from __future__ import annotations

import enum

__all__ = ["CloseCause", "ClosedBy"]


class ClosedBy(enum.Enum):
    """Which end ended the connection: the peer (it closed, reset or vanished) or we did.

    A protocol violation or an expired timer is ``LOCAL``: we closed because of the peer; the
    cause says why. "The RTU closed the connection" is ``PEER``.
    """

    PEER = "peer"
    LOCAL = "local"

    def describe(self, peer: str) -> str:
        """``peer`` (e.g. "the RTU") for PEER, "we" for LOCAL."""
        return peer if self is ClosedBy.PEER else "we"


class CloseCause(enum.Enum):
    """Why a connection ended. ``CLOSED_BY`` gives the end that each cause implies."""

    PEER_CLOSED = "peer closed"  # orderly FIN from the peer
    CONNECTION_RESET = "connection reset"  # RST, broken pipe, or the network dropped it
    T1_EXPIRED = "t1 expired"  # an I-frame or act of ours was not acknowledged/confirmed in t1
    PEER_NOT_READING = "peer not reading"  # our bytes were not taken by the peer within t1
    PROTOCOL_VIOLATION = "protocol violation"  # malformed frame, sequence or window error
    LOCAL_CLOSE = "local close"  # the test, the user or the simulator closed it
    CONNECT_FAILED = "connect failed"  # TCP connect refused or not done within t0
    START_TIMEOUT = "start timeout"  # no STARTDT con within the caller's timeout

    @property
    def closed_by(self) -> ClosedBy:
        return ClosedBy.PEER if self in _PEER_CAUSES else ClosedBy.LOCAL


_PEER_CAUSES = frozenset({CloseCause.PEER_CLOSED, CloseCause.CONNECTION_RESET})
