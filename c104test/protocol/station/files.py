"""File transfer in the controlled station: the read of a file by the controlling station
(IEC 60870-5-101 7.4.11, protocol.md 1.11; catalogue A39, A40), as an explicit state machine.

The sequence, one transfer per file and connection::

    F_SC_NA_1 COT 5 (directory)        -> F_DR_TA_1 COT 5, LFD on the last file
    F_SC_NA_1 SCQ 1 (select file)      -> F_FR_NA_1 (FRQ 0, LOF)          IDLE -> SELECTED
    F_SC_NA_1 SCQ 2 (request file)     -> F_SR_NA_1 section 1             -> SECTION_READY
    F_SC_NA_1 SCQ 6 (request section)  -> F_SG_NA_1 segments, F_LS_NA_1 LSQ 3 + CHS  -> SECTION_SENT
    F_AF_NA_1 AFQ 3 (section ok)       -> F_SR_NA_1 next section          -> SECTION_READY
                                          or F_LS_NA_1 LSQ 1 + CHS of the file   -> FILE_SENT
    F_AF_NA_1 AFQ 1 (file ok)          -> nothing                          -> IDLE

A negative section ack (AFQ 4) repeats the section (F_SR_NA_1 again) or aborts the transfer
(F_LS_NA_1 LSQ 2) as ``pixit.negative_section_ack`` says. A select of a name the file's IOA
does not hold gets F_FR_NA_1 with FRQ bit 7 (not ready); an IOA without a file gets COT 47.
Any other request the state does not expect is mirrored with P/N=1 and the error in bits 4-7
of its qualifier (unexpected service, NOF or NOS). Pure: no I/O, no clock.

>>> f = StoredFile.split(700, 1, b"hello", sections=1)
>>> t = FileTransfer(f, segment_size=3)
>>> [type(o).__name__ for _, o in t.handle(FileEvent.SELECT_FILE, nof=1, nos=0).objects]
['FileReady']
>>> out = t.handle(FileEvent.CALL_FILE, 1, 0); out = t.handle(FileEvent.CALL_SECTION, 1, 1)
>>> [(ty.name, getattr(o, "data", None)) for ty, o in out.objects]
[('F_SG_NA_1', b'hel'), ('F_SG_NA_1', b'lo'), ('F_LS_NA_1', None)]
>>> t.state
<FileState.SECTION_SENT: 'section sent'>
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..asdu import Asdu, encode_asdu, mirror
from ..elements import SOF
from ..enums import Cot, Type
from ..file_qualifiers import NOT_READY, Afq, FileError, Lsq, Scq, checksum, service_of
from ..objects import Directory, FileAck, FileCall, FileReady, LastSection, SectionReady, Segment
from ..timetags import CP56Time2a
from .replies import Part, Reply

if TYPE_CHECKING:
    from .answers import Answer
    from .points import LogicalStation

__all__ = [
    "NEGATIVE_SECTION_ACK",
    "SEGMENT_OVERHEAD",
    "TRANSITIONS",
    "FileEvent",
    "FileOutput",
    "FileState",
    "FileTransfer",
    "StoredFile",
    "answer_file",
    "directory",
    "event_of",
]

#: Octets of an F_SG_NA_1 ASDU besides the segment's data: header 6, IOA 3, NOF 2, NOS 1, LOS 1.
SEGMENT_OVERHEAD = 13
#: What a controlled station may do on a negative section ack (AFQ 4): the PIXIT's choices.
NEGATIVE_SECTION_ACK = ("repeat", "abort")
_MAX_LENGTH = 0xFFFFFF  # LOF and the length of a section have 3 octets


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file the station offers: its IOA, name (NOF) and sections (NOS 1, 2, ...)."""

    io_address: int
    nof: int
    sections: tuple[bytes, ...]

    def __post_init__(self) -> None:
        if not 1 <= self.nof <= 0xFFFF:
            raise ValueError(f"name of file {self.nof} outside 1..65535")
        if not 1 <= len(self.sections) <= 255:
            raise ValueError(f"file {self.nof}: {len(self.sections)} sections; 1..255 expected")
        if any(not s for s in self.sections):
            raise ValueError(f"file {self.nof}: a section is empty")
        if self.length > _MAX_LENGTH:
            raise ValueError(f"file {self.nof}: {self.length} octets exceed {_MAX_LENGTH}")

    @classmethod
    def split(cls, io_address: int, nof: int, content: bytes, sections: int = 1) -> StoredFile:
        """``content`` cut into ``sections`` parts of (nearly) equal length."""
        if not 1 <= sections <= min(255, max(1, len(content))):
            raise ValueError(f"file {nof}: {sections} sections for {len(content)} octets")
        size, extra = divmod(len(content), sections)
        parts, start = [], 0
        for n in range(sections):
            end = start + size + (n < extra)
            parts.append(content[start:end])
            start = end
        return cls(io_address, nof, tuple(parts))

    @property
    def length(self) -> int:
        return sum(len(s) for s in self.sections)

    @property
    def checksum(self) -> int:
        return sum(checksum(s) for s in self.sections) & 0xFF


class FileState(enum.Enum):
    IDLE = "idle"
    SELECTED = "selected"  # file ready sent, waiting for the call of the file
    SECTION_READY = "section ready"  # section ready sent, waiting for the call of the section
    SECTION_SENT = "section sent"  # segments and last segment sent, waiting for the section ack
    FILE_SENT = "file sent"  # last section (LSQ 1) sent, waiting for the file ack


class FileEvent(enum.Enum):
    SELECT_FILE = "select file (SCQ 1)"
    CALL_FILE = "request file (SCQ 2)"
    DEACTIVATE_FILE = "deactivate file (SCQ 3)"
    CALL_SECTION = "request section (SCQ 6)"
    ACK_FILE = "positive file ack (AFQ 1)"
    NACK_FILE = "negative file ack (AFQ 2)"
    ACK_SECTION = "positive section ack (AFQ 3)"
    NACK_SECTION = "negative section ack (AFQ 4)"


_S, _E = FileState, FileEvent
#: (state, event) -> (action, the states it may lead to). Anything else is unexpected.
TRANSITIONS: dict[tuple[FileState, FileEvent], tuple[str, frozenset[FileState]]] = {
    (_S.IDLE, _E.SELECT_FILE): ("file_ready", frozenset({_S.SELECTED})),
    (_S.SELECTED, _E.SELECT_FILE): ("file_ready", frozenset({_S.SELECTED})),
    (_S.SELECTED, _E.CALL_FILE): ("first_section", frozenset({_S.SECTION_READY})),
    (_S.SECTION_READY, _E.CALL_SECTION): ("send_section", frozenset({_S.SECTION_SENT})),
    (_S.SECTION_SENT, _E.ACK_SECTION): ("next_section", frozenset({_S.SECTION_READY, _S.FILE_SENT})),
    (_S.SECTION_SENT, _E.NACK_SECTION): ("negative_section", frozenset({_S.SECTION_READY, _S.IDLE})),
    (_S.FILE_SENT, _E.ACK_FILE): ("done", frozenset({_S.IDLE})),
    (_S.FILE_SENT, _E.NACK_FILE): ("file_refused", frozenset({_S.IDLE})),
    **{(state, _E.DEACTIVATE_FILE): ("deactivate", frozenset({_S.IDLE})) for state in _S if state is not _S.IDLE},
}

_SCQ_EVENTS = {Scq.SELECT_FILE: _E.SELECT_FILE, Scq.REQUEST_FILE: _E.CALL_FILE,
               Scq.DEACTIVATE_FILE: _E.DEACTIVATE_FILE, Scq.REQUEST_SECTION: _E.CALL_SECTION}
_AFQ_EVENTS = {Afq.POSITIVE_ACK_FILE: _E.ACK_FILE, Afq.NEGATIVE_ACK_FILE: _E.NACK_FILE,
               Afq.POSITIVE_ACK_SECTION: _E.ACK_SECTION, Afq.NEGATIVE_ACK_SECTION: _E.NACK_SECTION}
#: Events that name a section (NOS must be the one in transfer).
_SECTION_EVENTS = frozenset({_E.CALL_SECTION, _E.ACK_SECTION, _E.NACK_SECTION})


def event_of(ob: FileCall | FileAck) -> FileEvent | None:
    """The event a call or ack is (None: a service this station does not offer)."""
    if isinstance(ob, FileCall):
        return _SCQ_EVENTS.get(service_of(ob.scq))  # type: ignore[call-overload]
    return _AFQ_EVENTS.get(service_of(ob.afq))  # type: ignore[call-overload]


FileObjects = Iterable[tuple[Type, Any]]


@dataclass(frozen=True, slots=True)
class FileOutput:
    """What one request gives: objects to send (COT 13), an outcome for humans, and
    ``error``: not None when the request is mirrored with P/N=1 and this error in its qualifier."""

    objects: FileObjects
    outcome: str
    positive: bool = True
    error: FileError | None = None


class FileTransfer:
    """One file's transfer on one connection; ``state`` moves only along ``TRANSITIONS``."""

    __slots__ = ("file", "ignore_negative_section_ack", "negative_section_ack", "section", "segment_size", "state")

    def __init__(self, file: StoredFile, *, segment_size: int, negative_section_ack: str = "repeat",
                 ignore_negative_section_ack: bool = False) -> None:
        if segment_size < 1:
            raise ValueError(f"segment size {segment_size} must be at least 1")
        if negative_section_ack not in NEGATIVE_SECTION_ACK:
            raise ValueError(f"negative_section_ack {negative_section_ack!r} is not one of {NEGATIVE_SECTION_ACK}")
        self.file = file
        self.segment_size = segment_size
        self.negative_section_ack = negative_section_ack
        self.ignore_negative_section_ack = ignore_negative_section_ack  # a fault plan's
        self.state = FileState.IDLE
        self.section = 0  # index of the section in transfer

    def handle(self, event: FileEvent, nof: int, nos: int) -> FileOutput:
        """Apply one request; an unexpected one leaves the state as it is."""
        if nof != self.file.nof:
            return FileOutput((), f"{event.value} for file {nof}; file {self.file.nof} is here", False, FileError.UNEXPECTED_NOF)
        entry = TRANSITIONS.get((self.state, event))
        if entry is None:
            return FileOutput((), f"{event.value} unexpected in state {self.state.value}", False, FileError.UNEXPECTED_SERVICE)
        if event in _SECTION_EVENTS and nos != self.section + 1:
            return FileOutput((), f"{event.value} for section {nos}; section {self.section + 1} is in transfer",
                              False, FileError.UNEXPECTED_NOS)
        action, targets = entry
        output, state = getattr(self, "_" + action)()
        assert state in targets, (self.state, event, state)
        self.state = state
        return output

    # ---- actions: each returns (output, next state) ----

    def _ready(self) -> tuple[Type, Any]:
        f = self.file
        return Type.F_SR_NA_1, SectionReady(f.io_address, f.nof, self.section + 1, len(f.sections[self.section]), 0)

    def _file_ready(self) -> tuple[FileOutput, FileState]:
        f = self.file
        ready = (Type.F_FR_NA_1, FileReady(f.io_address, f.nof, f.length, 0))
        return FileOutput((ready,), f"file {f.nof} ready ({f.length} octets)"), FileState.SELECTED

    def _first_section(self) -> tuple[FileOutput, FileState]:
        self.section = 0
        return FileOutput((self._ready(),), f"section 1 of file {self.file.nof} ready"), FileState.SECTION_READY

    def _send_section(self) -> tuple[FileOutput, FileState]:
        data = self.file.sections[self.section]
        count = -(-len(data) // self.segment_size)
        return (FileOutput(self._segments(self.section), f"section {self.section + 1}: {count} segments, LSQ 3"),
                FileState.SECTION_SENT)

    def _segments(self, index: int) -> Iterator[tuple[Type, Any]]:
        f, size = self.file, self.segment_size
        data = f.sections[index]
        for start in range(0, len(data), size):
            yield Type.F_SG_NA_1, Segment(f.io_address, f.nof, index + 1, data[start : start + size])
        lsq = Lsq.SECTION_TRANSFER_WITHOUT_DEACTIVATION
        yield Type.F_LS_NA_1, LastSection(f.io_address, f.nof, index + 1, int(lsq), checksum(data))

    def _next_section(self) -> tuple[FileOutput, FileState]:
        f = self.file
        if self.section + 1 < len(f.sections):
            self.section += 1
            return FileOutput((self._ready(),), f"section {self.section + 1} ready"), FileState.SECTION_READY
        last = LastSection(f.io_address, f.nof, self.section + 1, int(Lsq.FILE_TRANSFER_WITHOUT_DEACTIVATION), f.checksum)
        return FileOutput(((Type.F_LS_NA_1, last),), f"last section: LSQ 1, CHS {f.checksum}"), FileState.FILE_SENT

    def _negative_section(self) -> tuple[FileOutput, FileState]:
        if self.ignore_negative_section_ack:
            return self._next_section()
        if self.negative_section_ack == "repeat":
            return FileOutput((self._ready(),), f"section {self.section + 1} ready again"), FileState.SECTION_READY
        f = self.file
        aborted = LastSection(f.io_address, f.nof, self.section + 1, int(Lsq.FILE_TRANSFER_WITH_DEACTIVATION), 0)
        self.section = 0
        return FileOutput(((Type.F_LS_NA_1, aborted),), "transfer aborted: LSQ 2"), FileState.IDLE

    def _done(self) -> tuple[FileOutput, FileState]:
        self.section = 0
        return FileOutput((), f"file {self.file.nof} transferred"), FileState.IDLE

    def _file_refused(self) -> tuple[FileOutput, FileState]:
        self.section = 0
        return FileOutput((), f"file {self.file.nof} refused by the controlling station (AFQ 2)"), FileState.IDLE

    def _deactivate(self) -> tuple[FileOutput, FileState]:
        self.section = 0
        return FileOutput((), f"transfer of file {self.file.nof} deactivated"), FileState.IDLE


def directory(files: Iterable[StoredFile], time: CP56Time2a) -> list[Directory]:
    """The directory entries of ``files``, LFD on the last."""
    listed = list(files)
    return [Directory(f.io_address, f.nof, f.length, SOF(lfd=n == len(listed) - 1), time) for n, f in enumerate(listed)]


# ---- the station's side: one received F_SC_NA_1 or F_AF_NA_1 --------------------------------


def answer_file(answer: Answer, stations: list[LogicalStation], ob: FileCall | FileAck) -> None:
    """Answer a directory call, file or section call, or ack (a handler of answers.py)."""
    sim, request = answer.sim, answer.asdu
    ca = stations[0].common_address
    files: Mapping[int, StoredFile] = sim.files.get(ca, {})
    cot = request.cot
    if isinstance(ob, FileCall) and cot == Cot.REQUEST:
        entries = directory(files.values(), sim.now_cp56())
        if not entries:
            answer.mirror(Cot.UNKNOWN_IOA, f"station {ca} has no files")
            return
        per_asdu = sim.objects_per_asdu(Type.F_DR_TA_1)
        for first in range(0, len(entries), per_asdu):
            _respond(answer, Type.F_DR_TA_1, Cot.REQUEST, ca, entries[first : first + per_asdu])
        answer.outcome = f"directory of {len(entries)} files"
        return
    if cot != Cot.FILE_TRANSFER:
        answer.mirror(Cot.UNKNOWN_COT, f"{request.type.name} with cause {int(cot)}, not 13 (or 5 for the directory)")
        return
    stored = files.get(ob.io_address)
    if stored is None:
        answer.mirror(Cot.UNKNOWN_IOA, f"no file at IOA {ob.io_address}")
        return
    event = event_of(ob)
    transfers = answer.connection.files
    key = (ca, ob.io_address)
    transfer = transfers.get(key)
    if transfer is None:
        transfer = transfers[key] = FileTransfer(
            stored, segment_size=sim.pixit.max_asdu_length - SEGMENT_OVERHEAD,
            negative_section_ack=getattr(sim.pixit, "negative_section_ack", "repeat"),
            ignore_negative_section_ack=sim.ignore_negative_section_ack,
        )
    if event is FileEvent.SELECT_FILE and ob.nof != stored.nof:
        _respond(answer, Type.F_FR_NA_1, Cot.FILE_TRANSFER, ca, [FileReady(ob.io_address, ob.nof, 0, NOT_READY)])
        answer.positive = False
        answer.outcome = f"file {ob.nof} not ready (FRQ bit 7): IOA {ob.io_address} holds file {stored.nof}"
        return
    if event is None:
        output = FileOutput((), f"qualifier {ob.scq if isinstance(ob, FileCall) else ob.afq} is a service "
                                "this station does not offer", False, FileError.UNEXPECTED_SERVICE)
    else:
        output = transfer.handle(event, ob.nof, ob.nos)
    if output.error is not None:
        answer.respond(Part.NEGATIVE, _negative(answer.raw, output.error))
        answer.positive = False
        answer.outcome = f"P/N=1 with error {output.error.name}: {output.outcome}"
        return
    answer.replies.append(_replies(output.objects, ca, request.originator_address, request.test))
    answer.outcome = output.outcome


def _respond(answer: Answer, t: Type, cot: Cot, ca: int, objects: list[Any]) -> None:
    asdu = Asdu(t, cot, ca, tuple(objects), answer.asdu.originator_address, test=answer.asdu.test)
    answer.respond(Part.DATA, encode_asdu(asdu), asdu)


def _replies(objects: FileObjects, ca: int, originator: int, test: bool) -> Iterator[Reply]:
    """The answer's ASDUs (COT 13), OA and test bit of the request; segments built as they are sent."""
    for t, ob in objects:
        asdu = Asdu(t, Cot.FILE_TRANSFER, ca, (ob,), originator, test=test)
        yield Part.DATA, encode_asdu(asdu), asdu


def _negative(raw: bytes, error: FileError) -> bytes:
    """The request mirrored with P/N=1 and ``error`` in bits 4-7 of its last octet (SCQ/AFQ)."""
    out = mirror(raw, Cot.FILE_TRANSFER)
    qualifier = out[-1]
    return out[:-1] + bytes(((qualifier & 0x0F) | (int(error) << 4),))

