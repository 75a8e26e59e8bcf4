"""How a session ended, in words: who closed, why, and what stayed unsent (``CloseInfo``).

>>> CloseInfo(ClosedBy.LOCAL, CloseCause.PEER_NOT_READING, "the RTU read nothing for 2 s").by
<ClosedBy.LOCAL: 'local'>
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from ..protocol.closing import CloseCause, ClosedBy
from .tls import explain_ssl_error

__all__ = ["FOR_THE_PEER", "NO_FLUSH_CAUSES", "TIMEOUT_CAUSES", "CloseInfo", "cause_text", "frames_after"]

#: Causes of an ending that the waiting caller sees as a timeout (LinkTimeout).
TIMEOUT_CAUSES = frozenset({CloseCause.T1_EXPIRED, CloseCause.PEER_NOT_READING})
#: Causes where this end closed because of the peer: the error says both.
FOR_THE_PEER = frozenset({CloseCause.T1_EXPIRED, CloseCause.PEER_NOT_READING, CloseCause.PROTOCOL_VIOLATION})
#: Causes after which the last frames are not sent (the stream takes nothing more).
NO_FLUSH_CAUSES = frozenset({CloseCause.PEER_NOT_READING, CloseCause.CONNECTION_RESET})


@dataclass(frozen=True, slots=True)
class CloseInfo:
    """How a connection ended: who, why, in words, the peer's offending frame, what stayed unsent.

    >>> CloseInfo(ClosedBy.PEER, CloseCause.PEER_CLOSED, "closed by the peer").peer_closed
    True
    """

    by: ClosedBy
    cause: CloseCause
    reason: str
    frame: bytes | None = None
    unsent_frames: int = 0
    unsent_octets: int = 0

    @property
    def peer_closed(self) -> bool:
        return self.by is ClosedBy.PEER



def frames_after(data: bytes, offset: int) -> int:
    """APDUs in ``data`` not wholly before ``offset`` (for the 'frames unsent' figure).

    >>> frames_after(bytes.fromhex("680401000000 680443000000"), 3)
    2
    """
    count = pos = 0
    end = len(data)
    while pos < end:
        size = 2 + data[pos + 1] if data[pos] == 0x68 and pos + 1 < end else end - pos
        if pos + size > offset:
            count += 1
        pos += size
    return count


def cause_text(exc: BaseException) -> str:
    inner = exc.__cause__ or exc.__context__
    if isinstance(inner, ssl.SSLError):  # a TLS alert from the peer, in words (engine.tls)
        return f"TLS: {explain_ssl_error(inner)}"
    text = str(exc) or type(exc).__name__
    if inner is not None and str(inner) and str(inner) not in text:
        text = f"{text} ({inner})"
    return text
