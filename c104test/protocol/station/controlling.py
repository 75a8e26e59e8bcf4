"""The controlling station's bookkeeping: which received ASDU confirms, terminates or answers a
command it sent (protocol.md 1.11). Pure, so the client's waiting loop and the conformance
cases share one rule.

>>> from c104test.protocol import decode_asdu
>>> sent = decode_asdu(bytes.fromhex("2d010600" "2f00" "f40100" "01"))    # C_SC_NA_1 ON, IOA 500
>>> con = decode_asdu(bytes.fromhex("2d010700" "2f00" "f40100" "01"))     # its ACT_CON
>>> term = decode_asdu(bytes.fromhex("2d010a00" "2f00" "f40100" "01"))    # its ACT_TERM
>>> pending = PendingCommand(sent, wait_termination=True)
>>> pending.feed(con).name, pending.done, pending.feed(term).name, pending.done
('CONFIRMATION', False, 'TERMINATION', True)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from ..asdu import Asdu, UnknownAsdu
from ..enums import Cot, Type

__all__ = ["BROADCAST_CA", "PendingCommand", "Relation", "relation"]

BROADCAST_CA = 0xFFFF
_CONFIRMATIONS = frozenset({Cot.ACTIVATION_CON, Cot.DEACTIVATION_CON})
_MIRRORS = frozenset({Cot.UNKNOWN_TYPE_ID, Cot.UNKNOWN_COT, Cot.UNKNOWN_CA, Cot.UNKNOWN_IOA})
_RETURN_CAUSES = frozenset({Cot.RETURN_INFO_REMOTE, Cot.RETURN_INFO_LOCAL})


class Relation(enum.Enum):
    """What a received ASDU is to a command that was sent."""

    UNRELATED = "unrelated"
    CONFIRMATION = "positive confirmation"  # ACT_CON / DEACT_CON, P/N=0
    NEGATIVE = "negative confirmation"  # ACT_CON / DEACT_CON with P/N=1, or a COT 44-47 mirror
    TERMINATION = "termination"  # ACT_TERM
    READ_ANSWER = "read answer"  # the object itself with COT 5 (the answer to C_RD_NA_1)
    RETURN_INFO = "return information"  # COT 11/12 for the commanded point's CA


def relation(sent: Asdu, got: Asdu | UnknownAsdu) -> Relation:
    """How ``got`` relates to ``sent`` (same type, CA unless broadcast, same first IOA)."""
    ca = sent.common_address
    if ca not in (0, BROADCAST_CA) and got.common_address != ca:
        return Relation.UNRELATED
    cot = got.cot
    if cot in _RETURN_CAUSES and int(got.type) != int(sent.type):
        return Relation.RETURN_INFO
    is_read = sent.type is Type.C_RD_NA_1
    if int(got.type) != int(sent.type) and not (is_read and cot == Cot.REQUEST):
        return Relation.UNRELATED
    ioa = sent.objects[0].io_address if sent.objects else 0
    if got.objects and got.objects[0].io_address != ioa:
        return Relation.UNRELATED
    if is_read and cot == Cot.REQUEST and int(got.type) != int(Type.C_RD_NA_1):
        return Relation.READ_ANSWER
    if cot in _MIRRORS or (got.negative and (cot in _CONFIRMATIONS or cot == Cot.REQUEST)):
        return Relation.NEGATIVE
    if cot in _CONFIRMATIONS or cot == Cot.REQUEST:
        return Relation.CONFIRMATION
    if cot == Cot.ACTIVATION_TERMINATION:
        return Relation.TERMINATION
    return Relation.UNRELATED


@dataclass(slots=True)
class PendingCommand:
    """A sent command and what has answered it so far; ``done`` when nothing more is owed.

    A read is done with its answer (a lenient RTU's ACT_CON before it is noted, not final); a
    command with ``wait_termination`` is done with ACT_TERM, else with its confirmation; any
    negative answer ends it.
    """

    sent: Asdu
    wait_termination: bool = False
    confirmation: Asdu | UnknownAsdu | None = None
    termination: Asdu | UnknownAsdu | None = None
    answer: Asdu | None = None
    return_info: list[Asdu] = field(default_factory=list)
    positive: bool | None = None
    done: bool = False

    def feed(self, got: Asdu | UnknownAsdu) -> Relation:
        """Take one received ASDU; returns how it relates to the command."""
        if self.done:
            return Relation.UNRELATED
        what = relation(self.sent, got)
        if what is Relation.NEGATIVE:
            if self.confirmation is None:
                self.confirmation = got
            self.positive = False
            self.done = True
        elif what is Relation.CONFIRMATION:
            if self.confirmation is None:
                self.confirmation = got
            self.positive = True
            is_read = self.sent.type is Type.C_RD_NA_1
            if not is_read and (not self.wait_termination or got.cot == Cot.DEACTIVATION_CON):
                self.done = True
        elif what is Relation.READ_ANSWER:
            self.answer = got if isinstance(got, Asdu) else None
            self.positive = True
            self.done = True
        elif what is Relation.TERMINATION:
            self.termination = got
            self.done = True
        elif what is Relation.RETURN_INFO and isinstance(got, Asdu):
            self.return_info.append(got)
        return what
