"""Fault plans as data: each value is one misbehaviour the simulated RTU shows on purpose.

A conformance case proves it can fail by running against the simulator with one fault that
breaks exactly its rule. A fault is a frozen value; the station applies it. ``Scope`` narrows it
to requests (or events) of one type, common address, IOA, and to the n-th match only.

>>> plan = (NoConfirmation(Scope(type=Type.C_SC_NA_1, occurrence=2)), parse_fault("silence ca=47"))
>>> parse_fault("wrong_cause cot=3 part=confirmation type=C_IC_NA_1").cot
3

Where a fault acts:

- answer faults rewrite the stream of ASDUs that answers one received request (``rewrite``);
- event faults change spontaneous/cyclic reports as they are buffered or sent;
- station faults change what the station does (``NoEndOfInitialisation``);
- link faults are applied by the engine's adapter through ``protocol/link.py`` options
  (``withhold_acknowledgements``, ``ignore_test_frames``, ``ignore_t1``,
  ``tolerate_sequence_errors``, ``send_asdu(send_seq=)``): see
  ``LinkFaults``.

Catalogue cases (protocol.md 2.3) each fault breaks when its scope covers the case's stimulus:

=========================== ===================================================================
fault (text name)           breaks
=========================== ===================================================================
no_confirmation             A02 A03 A04 A05 A08 A09 A10 A11 A12 A13 A18 A20 A21 A22 A26 A27
                            A28 A29 A30 A41
negative_confirmation       A02 A03 A08 A09 A10 A11 A12 A13 A18 A20 A21 A22 A27 A28 A29 A30
positive_confirmation       A03(unknown group) A07 A14 A17 A19 A23 A24 A25 A26 A27 A28 A31
                            A34 R07 R08 R09 R10 R11 R12
refusal_without_pn          A14 A17 A19 A34 R08 R09 R10 (COT 44-47 refusals with P/N=0)
wrong_cause                 A02 A03 A08 A09 A13 A16 A18 A21 A35 A37 (part= picks the ASDU)
no_termination              A02 A03 A05 A08 A09 A10 A21 A22 A27 A28 A29 A30
termination_first           A02 A03 A08 A21 A22
drop_objects                A02 A03 A08 A09 (an interrogation misses objects)
duplicate_objects           A02 A03 A08 A09 (an object reported twice)
wrong_common_address        A05 A41 A02 A16 A21
wrong_io_address            A16 A17 A21 A34
wrong_originator            A41 A02
clear_test_bit              A33
stale_interrogation         A06 (an older interrogation value after a newer event)
no_return_information       A21 A22 A27 A28
confirm_read                A16 (ACT_CON before a read answer)
silence                     every A case, R07-R12 (no answer at all)
delay                       every case with a response time (answers arrive late)
lose_event                  A35 A06 L06 L18 L19 (an event never sent)
duplicate_event             A35 L18 L19 (an event sent twice)
restart_sequence            L06 (N(S) starts again at 0 on STARTDT after STOPDT, same connection)
no_resend                   L18 (unacknowledged reports of a lost connection are not sent again)
stay_active                 L19 L20 (STARTDT on another group member does not move the data flow)
no_end_of_initialisation    A01 L02
wrong_send_sequence         L14 L15 (link: N(S) off by ``offset`` on the n-th I-frame)
withhold_acknowledgements   L11 L12 (link: no S-frames, no N(R) on I-frames)
no_test_frame_confirmation  L01 L04 L07 (link: TESTFR act unanswered)
no_t1                       L09 L10 R17 (link: no t1 supervision, the RTU never closes on t1)
early_stop_confirmation     L05 (link: STOPDT con while own I-frames are unacknowledged)
no_t3                       L08 L09 (link: no TESTFR act after t3 of silence)
no_sequence_check           L16 L17 (link: a wrong N(S) or N(R) is accepted, never closes)
ignore_malformed_asdu       R05 R06 (an undecodable ASDU is dropped; the connection stays)
no_connection_limit         L21 (the adapter accepts connections beyond max_connections)
wrong_checksum              A39 (CHS of every F_LS_NA_1 off by one)
no_last_file_flag           A39 (the directory sets LFD on no entry)
wrong_file_length           A39 (F_FR_NA_1 announces one octet more than the file has)
segment_too_long            A39 (every F_SG_NA_1 carries one octet more than its section holds)
positive_unknown_file       A40 (a select of an unknown file is answered FRQ 0, "ready")
ignore_negative_section_ack A40 (AFQ 4 is taken as AFQ 3: the section is neither repeated nor aborted)
answer_when_stopped         L03 (link: an I-frame before STARTDT is processed, not refused)
ignore_k                    L13 (link: more than k I-frames go out unacknowledged)
lenient_framing             R01 R02 R04 (link: a wrong start octet or a length outside 4..253
                            is skipped instead of closing)
wait_for_truncated_apdu     R03 (link: no timer runs while an APDU waits for its rest)
lenient_u_frames            R13 (link: a U-frame with several functions is read by masks, as
                            lib60870's server does: 0x0F is STARTDT act, 0xFF TESTFR act)
lenient_s_frames            R14 (link: an S-frame with reserved bits set is taken as valid)
no_reassembly               R15 (link: an APDU split over TCP reads is lost)
one_apdu_per_read           R15 (link: only the first APDU of a TCP read is taken)
=========================== ===================================================================

The faults of the process cases (A04, A06, A11, A15, A32, A35, A36) are in ``faults_process.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..asdu import Asdu, UnknownAsdu, encode_asdu, mirror
from ..enums import Cot, Type
from .replies import Part, Reply, with_common_address

if TYPE_CHECKING:
    from ..link import Link

__all__ = [
    "FAULTS",
    "AcceptIFramesWhenStopped",
    "ClearTestBit",
    "ConfirmRead",
    "Delay",
    "DropObjects",
    "DuplicateEvent",
    "DuplicateObjects",
    "EarlyStopConfirmation",
    "Fault",
    "IgnoreK",
    "IgnoreMalformedAsdu",
    "IgnoreNegativeSectionAck",
    "LenientFraming",
    "LenientSFrames",
    "LenientUFrames",
    "LinkFaults",
    "LoseEvent",
    "NegativeConfirmation",
    "NoConfirmation",
    "NoConnectionLimit",
    "NoEndOfInitialisation",
    "NoLastFileFlag",
    "NoReassembly",
    "NoResend",
    "NoReturnInformation",
    "NoSequenceCheck",
    "NoT1",
    "NoT3",
    "NoTermination",
    "NoTestFrameConfirmation",
    "OneApduPerRead",
    "PositiveConfirmation",
    "PositiveUnknownFile",
    "RefusalWithoutPn",
    "RestartSequence",
    "Scope",
    "SegmentTooLong",
    "Silence",
    "StaleInterrogation",
    "StayActive",
    "TerminationFirst",
    "WaitForTruncatedApdu",
    "WithholdAcknowledgements",
    "WrongCause",
    "WrongChecksum",
    "WrongCommonAddress",
    "WrongFileLength",
    "WrongIoAddress",
    "WrongOriginator",
    "WrongSendSequence",
    "fault_from_mapping",
    "link_faults",
    "parse_fault",
]


@dataclass(frozen=True, slots=True)
class Scope:
    """Which requests (or events) a fault applies to; None matches anything.

    ``occurrence`` (1-based) limits the fault to the n-th matching request, counted from the
    start of the simulator over all connections; None applies it to every match.
    """

    type: Type | None = None
    common_address: int | None = None
    io_address: int | None = None
    occurrence: int | None = None

    def __post_init__(self) -> None:
        if self.occurrence is not None and self.occurrence < 1:
            raise ValueError(f"nth must be 1 or more, got {self.occurrence}")

    def covers(self, asdu: Asdu | UnknownAsdu) -> bool:
        """The ASDU's type, CA and first IOA fit the scope (the occurrence is counted apart)."""
        objects = asdu.objects
        return self.matches(asdu.type, asdu.common_address, objects[0].io_address if objects else None)

    def matches(self, t: Type | int, common_address: int, io_address: int | None) -> bool:
        if self.type is not None and t != self.type:
            return False
        if self.common_address is not None and common_address != self.common_address:
            return False
        return self.io_address is None or io_address == self.io_address


@dataclass(frozen=True, slots=True)
class Fault:
    """One misbehaviour; subclasses say which. ``name`` is the text form's name."""

    scope: Scope = Scope()

    name: ClassVar[str] = ""
    #: Where the fault acts: "answer", "event", "station" or "link".
    acts_on: ClassVar[str] = "answer"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        """The answer to ``request`` (its raw ASDU) as this fault sends it."""
        return replies

    @property
    def delay(self) -> float:
        """Seconds the answer is held back (``Delay``)."""
        return 0.0


def _set_cause(raw: bytes, cot: int, negative: bool | None = None) -> bytes:
    octet = (raw[2] & 0xC0 if negative is None else (raw[2] & 0x80) | (negative << 6)) | cot
    return raw[:2] + bytes((octet,)) + raw[3:]


def _objects_changed(reply: Reply, change: Any) -> Reply:
    """A reply with its objects replaced by ``change(objects)`` (needs the decoded ASDU)."""
    part, _raw, asdu = reply
    if asdu is None:
        return reply
    objects = tuple(change(asdu.objects))
    changed = dataclasses.replace(asdu, objects=objects)
    return part, encode_asdu(changed), changed


@dataclass(frozen=True, slots=True)
class NoConfirmation(Fault):
    """No ACT_CON/DEACT_CON (positive or negative) for the request."""

    name: ClassVar[str] = "no_confirmation"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        return (r for r in replies if r[0] is not Part.CONFIRMATION)


@dataclass(frozen=True, slots=True)
class NegativeConfirmation(Fault):
    """A positive confirmation goes out with P/N=1 (the rest of the answer is unchanged)."""

    name: ClassVar[str] = "negative_confirmation"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for part, raw, asdu in replies:
            if part is Part.CONFIRMATION and not raw[2] & 0x40:
                yield part, raw[:2] + bytes((raw[2] | 0x40,)) + raw[3:], None
            else:
                yield part, raw, asdu


@dataclass(frozen=True, slots=True)
class PositiveConfirmation(Fault):
    """Refusals look like success: a negative confirmation or a COT 44-47 mirror becomes a
    positive ACT_CON (DEACT_CON for a deactivation)."""

    name: ClassVar[str] = "positive_confirmation"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for part, raw, asdu in replies:
            if part is Part.CONFIRMATION and raw[2] & 0x40:
                yield part, raw[:2] + bytes((raw[2] & ~0x40 & 0xFF,)) + raw[3:], None
            elif part is Part.NEGATIVE:
                con = Cot.DEACTIVATION_CON if request[2] & 0x3F == Cot.DEACTIVATION else Cot.ACTIVATION_CON
                yield Part.CONFIRMATION, _set_cause(raw, int(con), negative=False), None
            else:
                yield part, raw, asdu


@dataclass(frozen=True, slots=True)
class RefusalWithoutPn(Fault):
    """A refusal mirror (COT 44-47) goes out with P/N=0, as some RTU libraries send it."""

    name: ClassVar[str] = "refusal_without_pn"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for part, raw, asdu in replies:
            if part is Part.NEGATIVE:
                yield part, raw[:2] + bytes((raw[2] & ~0x40 & 0xFF,)) + raw[3:], None
            else:
                yield part, raw, asdu


@dataclass(frozen=True, slots=True)
class WrongCause(Fault):
    """The ASDUs of ``part`` (default: the confirmation) carry cause ``cot`` instead."""

    cot: int = int(Cot.SPONTANEOUS)
    part: Part = Part.CONFIRMATION

    name: ClassVar[str] = "wrong_cause"

    def __post_init__(self) -> None:
        if not 0 <= self.cot <= 63:
            raise ValueError(f"cot must be in 0..63, got {self.cot}")

    @property
    def acts_on_events(self) -> bool:
        return self.part is Part.EVENT

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for part, raw, asdu in replies:
            if part is self.part:
                yield part, _set_cause(raw, self.cot), None
            else:
                yield part, raw, asdu


@dataclass(frozen=True, slots=True)
class NoTermination(Fault):
    """No ACT_TERM."""

    name: ClassVar[str] = "no_termination"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        return (r for r in replies if r[0] is not Part.TERMINATION)


@dataclass(frozen=True, slots=True)
class TerminationFirst(Fault):
    """ACT_TERM goes out before the ACT_CON (and before the data)."""

    name: ClassVar[str] = "termination_first"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        everything = list(replies)
        ends = [r for r in everything if r[0] is Part.TERMINATION]
        return iter(ends + [r for r in everything if r[0] is not Part.TERMINATION])


@dataclass(frozen=True, slots=True)
class DropObjects(Fault):
    """The first data ASDU of the answer lacks its last ``count`` objects."""

    count: int = 1

    name: ClassVar[str] = "drop_objects"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        done = False
        for reply in replies:
            if not done and reply[0] is Part.DATA and reply[2] is not None:
                done = True
                kept = reply[2].objects[: max(0, len(reply[2].objects) - self.count)]
                if not kept:
                    continue  # the whole ASDU is gone
                reply = _objects_changed(reply, lambda objects, kept=kept: kept)
            yield reply


@dataclass(frozen=True, slots=True)
class DuplicateObjects(Fault):
    """The first data ASDU of the answer carries its first object ``count`` more times."""

    count: int = 1

    name: ClassVar[str] = "duplicate_objects"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        done = False
        for reply in replies:
            if not done and reply[0] is Part.DATA and reply[2] is not None:
                done = True
                reply = _objects_changed(reply, lambda objects: objects + (objects[0],) * self.count)
            yield reply


@dataclass(frozen=True, slots=True)
class WrongCommonAddress(Fault):
    """Every ASDU of the answer carries CA + ``offset``."""

    offset: int = 1

    name: ClassVar[str] = "wrong_common_address"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for part, raw, _asdu in replies:
            ca = (int.from_bytes(raw[4:6], "little") + self.offset) & 0xFFFF
            yield part, with_common_address(raw, ca), None


@dataclass(frozen=True, slots=True)
class WrongIoAddress(Fault):
    """Every object of the answer carries IOA + ``offset`` (first object only with SQ=1)."""

    offset: int = 1

    name: ClassVar[str] = "wrong_io_address"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for part, raw, asdu in replies:
            if asdu is not None:
                yield _objects_changed(
                    (part, raw, asdu),
                    lambda objects: (
                        dataclasses.replace(ob, io_address=(ob.io_address + self.offset) & 0xFFFFFF)
                        for ob in objects
                    ),
                )
            elif len(raw) >= 9:
                ioa = (int.from_bytes(raw[6:9], "little") + self.offset) & 0xFFFFFF
                yield part, raw[:6] + ioa.to_bytes(3, "little") + raw[9:], None
            else:
                yield part, raw, asdu


@dataclass(frozen=True, slots=True)
class WrongOriginator(Fault):
    """Every ASDU of the answer carries originator address ``address`` instead of the echo."""

    address: int = 0xFF

    name: ClassVar[str] = "wrong_originator"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for part, raw, _asdu in replies:
            yield part, raw[:3] + bytes((self.address & 0xFF,)) + raw[4:], None


@dataclass(frozen=True, slots=True)
class ClearTestBit(Fault):
    """The answer does not mirror the test bit T of the request."""

    name: ClassVar[str] = "clear_test_bit"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for part, raw, _asdu in replies:
            yield part, raw[:2] + bytes((raw[2] & 0x7F,)) + raw[3:], None


@dataclass(frozen=True, slots=True)
class StaleInterrogation(Fault):
    """The interrogation answer carries the values of the moment of the request, not of the
    moment each ASDU is sent: a change during the interrogation is followed by an older value."""

    name: ClassVar[str] = "stale_interrogation"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        return iter(list(replies))  # built now, at the request


@dataclass(frozen=True, slots=True)
class NoReturnInformation(Fault):
    """A command is executed but its return information (COT 11) is not sent."""

    name: ClassVar[str] = "no_return_information"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        return (r for r in replies if r[0] is not Part.RETURN_INFO)


@dataclass(frozen=True, slots=True)
class ConfirmRead(Fault):
    """A read (C_RD_NA_1) is answered with an ACT_CON before the object (not the standard)."""

    name: ClassVar[str] = "confirm_read"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        if request[0] == Type.C_RD_NA_1:
            yield Part.CONFIRMATION, mirror(request, Cot.ACTIVATION_CON, negative=False), None
        yield from replies


@dataclass(frozen=True, slots=True)
class Silence(Fault):
    """No answer at all (the link still acknowledges the request)."""

    name: ClassVar[str] = "silence"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        for _ in replies:  # run the procedure (a command still executes), send nothing
            pass
        return iter(())


@dataclass(frozen=True, slots=True)
class Delay(Fault):
    """The answer is held back ``seconds`` (later answers wait behind it: order is kept)."""

    seconds: float = 1.0

    name: ClassVar[str] = "delay"

    def __post_init__(self) -> None:
        if not self.seconds > 0:
            raise ValueError(f"seconds must be positive, got {self.seconds}")

    @property
    def delay(self) -> float:
        return self.seconds


@dataclass(frozen=True, slots=True)
class LoseEvent(Fault):
    """A spontaneous or cyclic report is never sent (scope: type/CA/IOA of the point)."""

    name: ClassVar[str] = "lose_event"
    acts_on: ClassVar[str] = "event"


@dataclass(frozen=True, slots=True)
class DuplicateEvent(Fault):
    """A spontaneous or cyclic report is sent twice."""

    name: ClassVar[str] = "duplicate_event"
    acts_on: ClassVar[str] = "event"


@dataclass(frozen=True, slots=True)
class NoEndOfInitialisation(Fault):
    """No M_EI_NA_1 after the first STARTDT (whatever the PIXIT says)."""

    name: ClassVar[str] = "no_end_of_initialisation"
    acts_on: ClassVar[str] = "station"


@dataclass(frozen=True, slots=True)
class RestartSequence(Fault):
    """STARTDT after STOPDT in the same connection numbers the I-frames from 0 again (the
    counters belong to the TCP connection and must continue: catalogue L06)."""

    name: ClassVar[str] = "restart_sequence"
    acts_on: ClassVar[str] = "station"


@dataclass(frozen=True, slots=True)
class NoResend(Fault):
    """Reports sent in I-frames that were unacknowledged when their connection died are
    forgotten instead of being sent again after the reconnect (catalogue L18)."""

    name: ClassVar[str] = "no_resend"
    acts_on: ClassVar[str] = "station"


@dataclass(frozen=True, slots=True)
class StayActive(Fault):
    """In a redundancy group the first connection that started data transfer keeps the data
    flow: STARTDT on another member is confirmed but moves nothing (catalogue L19, L20)."""

    name: ClassVar[str] = "stay_active"
    acts_on: ClassVar[str] = "station"


@dataclass(frozen=True, slots=True)
class WrongSendSequence(Fault):
    """Link: the n-th I-frame of a connection (``scope.occurrence``, default the first) goes
    out with N(S) = V(S) + ``offset``."""

    offset: int = 1

    name: ClassVar[str] = "wrong_send_sequence"
    acts_on: ClassVar[str] = "link"


@dataclass(frozen=True, slots=True)
class WithholdAcknowledgements(Fault):
    """Link: never acknowledge: no S-frames, and I-frames carry the N(R) last acknowledged."""

    name: ClassVar[str] = "withhold_acknowledgements"
    acts_on: ClassVar[str] = "link"


@dataclass(frozen=True, slots=True)
class NoTestFrameConfirmation(Fault):
    """Link: TESTFR act is not answered."""

    name: ClassVar[str] = "no_test_frame_confirmation"
    acts_on: ClassVar[str] = "link"


@dataclass(frozen=True, slots=True)
class NoT1(Fault):
    """Link: t1 is not supervised (unacknowledged I-frames and unanswered TESTFR never close)."""

    name: ClassVar[str] = "no_t1"
    acts_on: ClassVar[str] = "link"


@dataclass(frozen=True, slots=True)
class EarlyStopConfirmation(Fault):
    """Link: STOPDT act is confirmed at once, even while own I-frames are unacknowledged."""

    name: ClassVar[str] = "early_stop_confirmation"
    acts_on: ClassVar[str] = "link"


@dataclass(frozen=True, slots=True)
class NoT3(Fault):
    """Link: no TESTFR act after t3 of silence."""

    name: ClassVar[str] = "no_t3"
    acts_on: ClassVar[str] = "link"


@dataclass(frozen=True, slots=True)
class NoSequenceCheck(Fault):
    """Link: a wrong N(S) is taken as it comes and an N(R) outside the window is ignored."""

    name: ClassVar[str] = "no_sequence_check"
    acts_on: ClassVar[str] = "link"


@dataclass(frozen=True, slots=True)
class IgnoreMalformedAsdu(Fault):
    """An undecodable ASDU (too short, VSQ and payload disagree) is dropped instead of closing."""

    name: ClassVar[str] = "ignore_malformed_asdu"
    acts_on: ClassVar[str] = "station"


@dataclass(frozen=True, slots=True)
class NoConnectionLimit(Fault):
    """Connections beyond ``max_connections`` are accepted (the adapter's refusal is skipped)."""

    name: ClassVar[str] = "no_connection_limit"
    acts_on: ClassVar[str] = "station"


def _file_objects_changed(replies: Iterator[Reply], t: Type, change: Any) -> Iterator[Reply]:
    """The replies with the objects of each ``t`` ASDU replaced by ``change(object)``."""
    for reply in replies:
        asdu = reply[2]
        if asdu is not None and asdu.type == t:
            reply = _objects_changed(reply, lambda objects: (change(ob) for ob in objects))
        yield reply


@dataclass(frozen=True, slots=True)
class WrongChecksum(Fault):
    """Every last section/segment (F_LS_NA_1) carries CHS + 1."""

    name: ClassVar[str] = "wrong_checksum"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        return _file_objects_changed(
            replies, Type.F_LS_NA_1, lambda ob: dataclasses.replace(ob, chs=(ob.chs + 1) & 0xFF)
        )


@dataclass(frozen=True, slots=True)
class NoLastFileFlag(Fault):
    """The directory (F_DR_TA_1) marks no entry as the last file (LFD)."""

    name: ClassVar[str] = "no_last_file_flag"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        return _file_objects_changed(
            replies, Type.F_DR_TA_1, lambda ob: dataclasses.replace(ob, sof=dataclasses.replace(ob.sof, lfd=False))
        )


@dataclass(frozen=True, slots=True)
class WrongFileLength(Fault):
    """A positive file ready (F_FR_NA_1) announces LOF + 1."""

    name: ClassVar[str] = "wrong_file_length"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        return _file_objects_changed(
            replies, Type.F_FR_NA_1,
            lambda ob: ob if ob.frq & 0x80 else dataclasses.replace(ob, lof=(ob.lof + 1) & 0xFFFFFF),
        )


@dataclass(frozen=True, slots=True)
class SegmentTooLong(Fault):
    """Every segment (F_SG_NA_1) carries one octet (0x00) more than its section holds."""

    name: ClassVar[str] = "segment_too_long"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        return _file_objects_changed(
            replies, Type.F_SG_NA_1, lambda ob: dataclasses.replace(ob, data=ob.data + b"\x00") if len(ob.data) < 255 else ob
        )


@dataclass(frozen=True, slots=True)
class PositiveUnknownFile(Fault):
    """A file that is not ready (F_FR_NA_1 with FRQ bit 7) is announced as ready (FRQ 0)."""

    name: ClassVar[str] = "positive_unknown_file"

    def rewrite(self, replies: Iterator[Reply], request: bytes) -> Iterator[Reply]:
        return _file_objects_changed(replies, Type.F_FR_NA_1, lambda ob: dataclasses.replace(ob, frq=0))


@dataclass(frozen=True, slots=True)
class IgnoreNegativeSectionAck(Fault):
    """A negative section ack (AFQ 4) is taken as a positive one (files.py)."""

    name: ClassVar[str] = "ignore_negative_section_ack"
    acts_on: ClassVar[str] = "station"


@dataclass(frozen=True, slots=True)
class AcceptIFramesWhenStopped(Fault):
    """Link: an I-frame before STARTDT is taken and answered once data transfer starts."""

    name: ClassVar[str] = "answer_when_stopped"
    acts_on: ClassVar[str] = "link"


@dataclass(frozen=True, slots=True)
class IgnoreK(Fault):
    """Link: I-frames keep going out beyond k unacknowledged ones."""

    name: ClassVar[str] = "ignore_k"
    acts_on: ClassVar[str] = "link"


@dataclass(frozen=True, slots=True)
class LenientFraming(Fault):
    """Link: a wrong start octet, or a length outside 4..253, is skipped instead of closing."""

    name: ClassVar[str] = "lenient_framing"
    acts_on: ClassVar[str] = "link"


@dataclass(frozen=True, slots=True)
class WaitForTruncatedApdu(Fault):
    """Link: while an APDU waits for its rest no timer runs (no t3 TESTFR, no t1)."""

    name: ClassVar[str] = "wait_for_truncated_apdu"
    acts_on: ClassVar[str] = "link"


@dataclass(frozen=True, slots=True)
class LenientUFrames(Fault):
    """Link: a U-frame with several function bits is read by masks and answered (lib60870)."""

    name: ClassVar[str] = "lenient_u_frames"
    acts_on: ClassVar[str] = "link"


@dataclass(frozen=True, slots=True)
class LenientSFrames(Fault):
    """Link: an S-frame with reserved bits set (octet 4, bit 0 of octet 5) is taken as valid."""

    name: ClassVar[str] = "lenient_s_frames"
    acts_on: ClassVar[str] = "link"


@dataclass(frozen=True, slots=True)
class NoReassembly(Fault):
    """Link: each TCP read is taken as whole APDUs; a partial APDU at its end is lost."""

    name: ClassVar[str] = "no_reassembly"
    acts_on: ClassVar[str] = "link"


@dataclass(frozen=True, slots=True)
class OneApduPerRead(Fault):
    """Link: only the first APDU of each TCP read is taken; the others are lost."""

    name: ClassVar[str] = "one_apdu_per_read"
    acts_on: ClassVar[str] = "link"


FAULTS: dict[str, type[Fault]] = {
    cls.name: cls
    for cls in (
        NoConfirmation,
        NegativeConfirmation,
        PositiveConfirmation,
        RefusalWithoutPn,
        WrongCause,
        NoTermination,
        TerminationFirst,
        DropObjects,
        DuplicateObjects,
        WrongCommonAddress,
        WrongIoAddress,
        WrongOriginator,
        ClearTestBit,
        StaleInterrogation,
        NoReturnInformation,
        ConfirmRead,
        Silence,
        Delay,
        LoseEvent,
        DuplicateEvent,
        NoEndOfInitialisation,
        RestartSequence,
        NoResend,
        StayActive,
        WrongSendSequence,
        WithholdAcknowledgements,
        NoTestFrameConfirmation,
        NoT1,
        NoT3,
        EarlyStopConfirmation,
        NoSequenceCheck,
        NoConnectionLimit,
        IgnoreMalformedAsdu,
        WrongChecksum,
        NoLastFileFlag,
        WrongFileLength,
        SegmentTooLong,
        PositiveUnknownFile,
        IgnoreNegativeSectionAck,
        AcceptIFramesWhenStopped,
        IgnoreK,
        LenientFraming,
        WaitForTruncatedApdu,
        LenientUFrames,
        LenientSFrames,
        NoReassembly,
        OneApduPerRead,
    )
}

from .faults_process import PROCESS_FAULTS  # noqa: E402  (they subclass Fault, defined above)

FAULTS.update({cls.name: cls for cls in PROCESS_FAULTS})


@dataclass(frozen=True, slots=True)
class LinkFaults:
    """What the adapter sets on a connection's ``Link`` for a plan: each field is the ``Link``
    option of the same name, or the option of its frame decoder that ``_DECODER_OPTIONS`` names
    (``apply`` sets them all)."""

    withhold_acknowledgements: bool = False
    acknowledge_in_i_frames: bool = True
    ignore_test_frames: bool = False
    ignore_t1: bool = False
    ignore_t3: bool = False
    early_stop_confirmation: bool = False
    tolerate_sequence_errors: bool = False
    accept_i_frames_when_stopped: bool = False
    ignore_k: bool = False
    wait_for_truncated_apdu: bool = False
    lenient_u_frames: bool = False
    lenient_s_frames: bool = False
    lenient_framing: bool = False
    reassemble: bool = True
    one_apdu_per_read: bool = False

    def apply(self, link: Link) -> None:
        """Set every option of this plan on ``link`` (a new connection, or an open one)."""
        decoder = link.frame_decoder
        for field in dataclasses.fields(self):
            name = field.name
            if name in _DECODER_OPTIONS:
                setattr(decoder, _DECODER_OPTIONS[name], getattr(self, name))
            else:
                setattr(link, name, getattr(self, name))


#: LinkFaults fields that are options of the link's ``FrameDecoder``, and their name there.
_DECODER_OPTIONS = {"lenient_framing": "lenient", "reassemble": "reassemble", "one_apdu_per_read": "one_per_chunk"}


def link_faults(plan: Iterable[Fault]) -> LinkFaults:
    """The link options a plan asks for."""
    plan = tuple(plan)
    return LinkFaults(
        withhold_acknowledgements=any(isinstance(f, WithholdAcknowledgements) for f in plan),
        acknowledge_in_i_frames=not any(isinstance(f, WithholdAcknowledgements) for f in plan),
        ignore_test_frames=any(isinstance(f, NoTestFrameConfirmation) for f in plan),
        ignore_t1=any(isinstance(f, NoT1) for f in plan),
        ignore_t3=any(isinstance(f, NoT3) for f in plan),
        early_stop_confirmation=any(isinstance(f, EarlyStopConfirmation) for f in plan),
        tolerate_sequence_errors=any(isinstance(f, NoSequenceCheck) for f in plan),
        accept_i_frames_when_stopped=any(isinstance(f, AcceptIFramesWhenStopped) for f in plan),
        ignore_k=any(isinstance(f, IgnoreK) for f in plan),
        wait_for_truncated_apdu=any(isinstance(f, WaitForTruncatedApdu) for f in plan),
        lenient_u_frames=any(isinstance(f, LenientUFrames) for f in plan),
        lenient_s_frames=any(isinstance(f, LenientSFrames) for f in plan),
        lenient_framing=any(isinstance(f, LenientFraming) for f in plan),
        reassemble=not any(isinstance(f, NoReassembly) for f in plan),
        one_apdu_per_read=any(isinstance(f, OneApduPerRead) for f in plan),
    )


# ---- text and mapping forms (profile, CLI, Robot) ----------------------------------------------

_SCOPE_KEYS = {"type": "type", "ca": "common_address", "common_address": "common_address",
               "ioa": "io_address", "io_address": "io_address", "nth": "occurrence",
               "occurrence": "occurrence"}


def _parameter(cls: type[Fault], key: str, value: Any) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "scope"}
    if key not in fields:
        known = ", ".join(sorted(set(fields) | set(_SCOPE_KEYS))) or "none"
        raise ValueError(f"{cls.name}: unknown parameter {key!r}; it takes: {known}")
    default = fields[key].default
    if isinstance(default, Part):
        try:
            return Part[str(value).upper()]
        except KeyError:
            names = ", ".join(p.name.lower() for p in Part)
            raise ValueError(f"{cls.name}: part {value!r} is not one of {names}") from None
    if key == "cot" and isinstance(value, str) and not value.lstrip("-").isdigit():
        try:
            return int(Cot[value.upper()])
        except KeyError:
            raise ValueError(f"{cls.name}: cot {value!r} is not a cause of transmission") from None
    try:
        return type(default)(value)
    except (TypeError, ValueError):
        raise ValueError(f"{cls.name}: {key}={value!r} is not a {type(default).__name__}") from None


def _scope_value(key: str, value: Any) -> Any:
    if key == "type":
        if isinstance(value, Type):
            return value
        try:
            return Type[str(value).upper()] if not str(value).isdigit() else Type(int(value))
        except (KeyError, ValueError):
            raise ValueError(f"type {value!r} is not a type identification (like C_SC_NA_1)") from None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key} {value!r} is not an integer") from None


def fault_from_mapping(entries: Mapping[str, Any]) -> Fault:
    """A fault from ``{"fault": "no_confirmation", "type": "C_SC_NA_1", "nth": 2}``.

    ValueError names the key that is wrong and what was expected.
    """
    entries = dict(entries)
    name = entries.pop("fault", None)
    if name is None:
        raise ValueError(f"missing 'fault'; one of: {', '.join(FAULTS)}")
    cls = FAULTS.get(str(name).strip().lower())
    if cls is None:
        raise ValueError(f"unknown fault {name!r}; one of: {', '.join(FAULTS)}")
    scope: dict[str, Any] = {}
    parameters: dict[str, Any] = {}
    for key, value in entries.items():
        if key in _SCOPE_KEYS:
            scope[_SCOPE_KEYS[key]] = _scope_value(key, value)
        else:
            parameters[key] = _parameter(cls, key, value)
    return cls(Scope(**scope), **parameters)


def parse_fault(text: str) -> Fault:
    """A fault from its text form: ``name key=value ...`` (``no_termination type=C_SC_NA_1``)."""
    words = text.split()
    if not words:
        raise ValueError(f"empty fault; one of: {', '.join(FAULTS)}")
    entries: dict[str, Any] = {"fault": words[0]}
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if not sep or not key or not value:
            raise ValueError(f"{word!r} in fault {text!r} is not key=value")
        entries[key.lower()] = value
    return fault_from_mapping(entries)
