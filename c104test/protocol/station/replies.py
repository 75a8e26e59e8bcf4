"""What a controlled station sends, tagged with the part of the procedure each ASDU plays.

An answer to a request is a stream of ``Reply`` tuples ``(part, raw, asdu)``: the ASDU's octets,
its decoded form when the station built it (None for mirrors of the request and for reports,
which are encoded when made: the journal decodes them itself) and its ``Part``. Fault plans (``faults.py``) pick the ASDUs they change by part
("no ACT_CON" drops the ``CONFIRMATION``), so the tag is what lets a fault be data.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TypeAlias

from ..asdu import Asdu

__all__ = ["Outgoing", "Part", "Reply", "with_common_address"]


class Part(enum.Enum):
    """The role of one sent ASDU in its procedure (protocol.md 1.11)."""

    CONFIRMATION = "confirmation"  # ACT_CON / DEACT_CON, positive or negative (COT 7, 9)
    NEGATIVE = "negative mirror"  # COT 44-47 with P/N=1
    DATA = "data"  # interrogation and read answers (COT 5, 20-41)
    RETURN_INFO = "return information"  # COT 11 after a command
    TERMINATION = "termination"  # ACT_TERM (COT 10)
    INITIALISATION = "end of initialisation"  # M_EI_NA_1 (COT 4)
    EVENT = "event"  # spontaneous and cyclic reports (COT 1, 3, ...)


Reply: TypeAlias = tuple[Part, bytes, Asdu | None]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One ASDU for the link of a connection.

    ``send_seq_offset`` is a link-level fault (``WrongSendSequence``): the adapter sends the
    I-frame with N(S) = V(S) + offset (``Link.send_asdu(..., send_seq=)``); 0 is the standard.
    """

    raw: bytes
    asdu: Asdu | None
    part: Part
    send_seq_offset: int = 0


def with_common_address(raw: bytes, common_address: int) -> bytes:
    """The ASDU ``raw`` with another common address (answers to the broadcast CA)."""
    return raw[:4] + common_address.to_bytes(2, "little") + raw[6:]
