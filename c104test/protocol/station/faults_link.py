"""Link faults: the simulated RTU's link layer breaks a rule of IEC 60870-5-104 section 5 (numbering,
acknowledgement, k, t1, t3, framing). They are options of ``protocol/link.py`` and of its frame
decoder, which the engine's adapter sets through ``LinkFaults.apply``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from .fault import Fault

if TYPE_CHECKING:
    from ..link import Link


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
