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

The faults live by where they act: ``faults_answers`` (answers), ``faults_link`` (the link layer and
``LinkFaults``), ``faults_files`` (file transfer), ``faults_process`` (the process cases A04, A06, A11,
A15, A32, A35, A36) and this module (events and the station); ``fault`` holds ``Fault`` and ``Scope``.
This module names them all (``FAULTS``) and reads their text and mapping forms.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..enums import Cot, Type
from .fault import (
    Fault,
    Scope,
)
from .faults_answers import (
    ClearTestBit,
    ConfirmRead,
    Delay,
    DropObjects,
    DuplicateObjects,
    NegativeConfirmation,
    NoConfirmation,
    NoReturnInformation,
    NoTermination,
    PositiveConfirmation,
    RefusalWithoutPn,
    Silence,
    StaleInterrogation,
    TerminationFirst,
    WrongCause,
    WrongCommonAddress,
    WrongIoAddress,
    WrongOriginator,
)
from .faults_files import (
    IgnoreNegativeSectionAck,
    NoLastFileFlag,
    PositiveUnknownFile,
    SegmentTooLong,
    WrongChecksum,
    WrongFileLength,
)
from .faults_link import (
    AcceptIFramesWhenStopped,
    EarlyStopConfirmation,
    IgnoreK,
    LenientFraming,
    LenientSFrames,
    LenientUFrames,
    LinkFaults,
    NoReassembly,
    NoSequenceCheck,
    NoT1,
    NoT3,
    NoTestFrameConfirmation,
    OneApduPerRead,
    WaitForTruncatedApdu,
    WithholdAcknowledgements,
    WrongSendSequence,
    link_faults,
)
from .faults_process import PROCESS_FAULTS
from .replies import Part

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
class IgnoreMalformedAsdu(Fault):
    """An undecodable ASDU (too short, VSQ and payload disagree) is dropped instead of closing."""

    name: ClassVar[str] = "ignore_malformed_asdu"
    acts_on: ClassVar[str] = "station"


@dataclass(frozen=True, slots=True)
class NoConnectionLimit(Fault):
    """Connections beyond ``max_connections`` are accepted (the adapter's refusal is skipped)."""

    name: ClassVar[str] = "no_connection_limit"
    acts_on: ClassVar[str] = "station"


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

FAULTS.update({cls.name: cls for cls in PROCESS_FAULTS})


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
        close = difflib.get_close_matches(str(name).strip().lower(), FAULTS, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise ValueError(f"unknown fault {name!r}{hint}; one of: {', '.join(FAULTS)}")
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
