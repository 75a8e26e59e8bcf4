"""The journal: every frame sent and received on a connection, in order, bounded in octets.

Entries carry a running ``index`` that is never reused, so "everything since the start of the last
command" is simply ``journal.since(index)`` even after old entries have been dropped; a cursor that
points at dropped frames is reported (``journal.dropped_before(cursor)``), never skipped silently.

Memory, not entry counts, is the bound. All journals of a process share one ``JournalBudget``
(64 MiB by default, ``set_journal_size()`` changes it); a connection given its own size gets a
budget of its own. Entries keep the raw octets only and decode their ASDU when asked (the last few
hundred decodings are kept, so the receive path and a command's wait decode each frame once).

>>> j = Journal(4 * entry_cost(6))  # room for four TESTFR frames
>>> for n in range(5):
...     _ = j.record(Direction.SENT, bytes.fromhex("680443000000"), now=n, wall=n)
>>> [e.index for e in j], j.next_index, j.dropped  # drops come in batches of 1/16 of the limit
([2, 3, 4], 5, 2)
"""

from __future__ import annotations

import enum
import logging
import math
import re
import sys
import threading
import weakref
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..protocol.asdu import Asdu, UnknownAsdu, decode_asdu
from ..protocol.errors import DecodeError
from ..protocol.explain import explain_bytes
from .errors import ExpectationFailed
from .pcap import CaptureWriter, Endpoints, write_pcap

__all__ = [
    "DEFAULT_JOURNAL_SIZE",
    "Direction",
    "FramesDropped",
    "Journal",
    "JournalBudget",
    "JournalEntry",
    "entry_cost",
    "parse_size",
    "process_budget",
    "release_decoded",
    "set_journal_size",
]

log = logging.getLogger("c104test.journal")

DEFAULT_JOURNAL_SIZE = 64 * 1024 * 1024  # octets, shared by every journal of the process
_LOG_EVERY = 60.0  # seconds between two log lines about dropped frames of one journal
_DECODED_KEPT = 1024  # entries whose decoded ASDU is kept (a 64 KiB read brings ~260 frames)
#: Kept from earlier batches when a session starts decoding a new one (``release_decoded``): the
#: waiters have seen the previous batch by then, and objects freed while still in the CPU's caches
#: cost less than ones freed 1,024 ASDUs later (bench/README.md, "client receive path").
_DECODED_BETWEEN_BATCHES = 64
# What an entry costs beyond its octets: the entry object, its two floats, its index, the bytes
# header. Measured with sys.getsizeof on CPython 3.12; the budget counts memory, not payload.
_ENTRY_OVERHEAD = 104 + 24 + 24 + 32 + sys.getsizeof(b"")


def entry_cost(octets: int) -> int:
    """Octets of memory one journal entry of ``octets`` raw octets is charged."""
    return _ENTRY_OVERHEAD + octets


_UNITS = {
    "": 1, "b": 1, "o": 1, "octets": 1, "bytes": 1,
    "k": 1000, "kb": 1000, "kib": 1024,
    "m": 1000**2, "mb": 1000**2, "mib": 1024**2,
    "g": 1000**3, "gb": 1000**3, "gib": 1024**3,
}  # fmt: skip
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*")


def parse_size(value: int | float | str) -> int:
    """A journal size in octets from ``64MiB``, ``10 MB``, ``500kB`` or plain octets.

    >>> parse_size("64MiB"), parse_size("10 MB"), parse_size(4096), parse_size("1.5 kib")
    (67108864, 10000000, 4096, 1536)
    """
    if isinstance(value, bool):
        raise ValueError(f"journal size {value!r} is not a size")
    if isinstance(value, int | float):
        octets = int(value)
    else:
        match = _SIZE.fullmatch(value)
        unit = match.group(2).lower() if match else None
        if match is None or unit not in _UNITS:
            raise ValueError(
                f"journal size {value!r} is not a size; write octets or a number with "
                "kB, MB, GB, KiB, MiB or GiB (for example 64MiB)"
            )
        octets = int(float(match.group(1)) * _UNITS[unit])
    if octets < entry_cost(255):
        raise ValueError(
            f"journal size {value!r} is too small: it must hold at least one full frame "
            f"({entry_cost(255)} octets)"
        )
    return octets


class FramesDropped(ExpectationFailed):
    """Frames that a wait had yet to look at were dropped from the journal to stay in its budget."""


class Direction(enum.Enum):
    RECEIVED = "rx"
    SENT = "tx"

    @property
    def arrow(self) -> str:
        return "<<" if self is Direction.RECEIVED else ">>"


_UNSET: Any = object()
_new_entry = object.__new__
#: The decoded ASDUs of the last short control-direction frames (a command's confirmation, which
#: a script that repeats a command receives again and again), by their octets. Decoding is a pure
#: function of the octets and an Asdu is frozen, so an entry may share one decoded before.
_recent: dict[bytes, Asdu | UnknownAsdu] = {}
_RECENT_KEPT = 256
_RECENT_LENGTH = 6 + 6 + 3 + 8  # APCI, header, one IOA, the largest single-command element (no time tag)
_CONTROL_TYPES = 45  # C_SC_NA_1 and up: commands, their confirmations and terminations
_decoded: deque[JournalEntry] = deque()  # entries holding a decoded ASDU, oldest first


def release_decoded(keep: int = _DECODED_BETWEEN_BATCHES) -> None:
    """Forget the decoded ASDU of all but the ``keep`` newest decoded entries (they decode again if asked).

    The session calls it before each received batch; correctness never depends on it.
    """
    while len(_decoded) > keep:
        try:
            _decoded.popleft()._asdu = _UNSET
        except IndexError:  # another thread emptied it meanwhile
            return


class JournalEntry:
    """One APDU; ``asdu`` is its decoded ASDU (None for S- and U-frames), decoded on demand."""

    __slots__ = ("_asdu", "_error", "direction", "index", "raw", "timestamp", "wall")

    def __init__(
        self,
        index: int,
        timestamp: float,  # engine clock (trio.current_time), seconds
        wall: float,  # time.time() when it was recorded, for captures
        direction: Direction,
        raw: bytes,
        asdu: Asdu | UnknownAsdu | None = _UNSET,
        error: str | None = None,
    ) -> None:
        self.index = index
        self.timestamp = timestamp
        self.wall = wall
        self.direction = direction
        self.raw = raw
        self._error = error
        self._asdu = _UNSET
        if asdu is not _UNSET and (asdu is not None or error is not None):
            self._keep(asdu)

    def _keep(self, asdu: Asdu | UnknownAsdu | None) -> None:
        self._asdu = asdu
        _decoded.append(self)
        if len(_decoded) > _DECODED_KEPT:
            try:
                _decoded.popleft()._asdu = _UNSET
            except IndexError:  # another thread emptied it meanwhile
                pass

    def _decode(self) -> Asdu | UnknownAsdu | None:
        asdu = self._asdu
        if asdu is not _UNSET:
            return asdu  # type: ignore[no-any-return]
        raw = self.raw
        if len(raw) <= 6 or raw[2] & 1 or self._error is not None:
            return None
        body = raw[6:]
        short = len(raw) <= _RECENT_LENGTH and raw[6] >= _CONTROL_TYPES
        asdu = _recent.get(body) if short else None
        if asdu is None:
            try:
                asdu = decode_asdu(body, 6)
            except DecodeError as exc:
                self._error = str(exc)
                asdu = None
            else:
                if short:
                    if len(_recent) >= _RECENT_KEPT:
                        _recent.clear()
                    _recent[body] = asdu
        self._asdu = asdu  # _keep, inline: once per frame decoded
        _decoded.append(self)
        if len(_decoded) > _DECODED_KEPT:
            try:
                _decoded.popleft()._asdu = _UNSET
            except IndexError:  # another thread emptied it meanwhile
                pass
        return asdu  # type: ignore[no-any-return]

    #: The decoded ASDU (None for S- and U-frames and undecodable ones); one call, not two, per read.
    asdu = property(_decode)

    def reject(self, reason: str) -> None:
        """The link refused this received frame (it broke a rule): ``reason`` becomes its error
        and it has no ASDU for anyone who reads the journal (no command's answer, no value);
        ``explain()`` still shows what it held."""
        self._error = reason
        self._asdu = None

    @property
    def error(self) -> str | None:
        """Why the ASDU could not be decoded, or why the link refused the frame (None if neither)."""
        if self._error is None and self.is_i_frame:
            self._decode()
        return self._error

    @property
    def is_i_frame(self) -> bool:
        return len(self.raw) > 6 and not self.raw[2] & 1

    def explain(self) -> str:
        text = f"{self.direction.arrow} {explain_bytes(self.raw)}"
        error = self.error
        return f"{text} [{error}]" if error else text

    def __eq__(self, other: object) -> bool:
        if type(other) is not JournalEntry:
            return NotImplemented
        return (self.index, self.direction, self.raw, self.timestamp) == (
            other.index, other.direction, other.raw, other.timestamp,
        )  # fmt: skip

    def __hash__(self) -> int:
        return hash((self.index, self.raw))

    def __repr__(self) -> str:
        return f"JournalEntry(index={self.index}, direction={self.direction.name}, raw={self.raw.hex(' ')})"


class JournalBudget:
    """Octets of memory that a set of journals may hold together; the largest gives way first.

    The process-wide budget (``process_budget()``) is shared by every journal that was given no
    size of its own. When a record takes the total over the limit, the largest journal drops its
    oldest frames until the total is 1/16 under the limit (drops come in batches, so the search for
    the largest runs once per batch, not once per frame).
    """

    def __init__(self, limit: int = DEFAULT_JOURNAL_SIZE) -> None:
        self.limit = parse_size(limit)
        self.used = 0
        self._members: weakref.WeakSet[Journal] = weakref.WeakSet()
        self._lock = threading.Lock()  # journals of simulators and clients may share a budget

    def __repr__(self) -> str:
        return f"<JournalBudget {self.used}/{self.limit} octets, {len(self._members)} journals>"

    def _join(self, journal: Journal) -> None:
        with self._lock:
            self._members.add(journal)

    def _leave(self, octets: int) -> None:
        with self._lock:
            self.used -= octets

    def _trim(self, journal: Journal) -> None:
        """Over the limit (the lock held): the largest journals drop their oldest frames."""
        target = self.limit - self.limit // 16
        while self.used > target:
            largest = max(self._members, key=lambda j: j.octets, default=journal)
            freed = largest._drop_oldest(self.used - target, keep=largest is journal)
            if not freed:
                break
            self.used -= freed


_process_budget = JournalBudget()


def process_budget() -> JournalBudget:
    """The budget that every journal without a size of its own shares."""
    return _process_budget


def set_journal_size(size: int | str) -> None:
    """Set the process-wide journal budget (default 64 MiB): ``set_journal_size("256MiB")``.

    Journals that exist keep their frames until they next record; then the new limit applies.
    """
    _process_budget.limit = parse_size(size)


class Journal:
    """A record of frames with monotonically increasing indexes, bounded in octets.

    ``size`` None shares the process-wide budget; an int or a string (``"10 MB"``) gives this journal
    a budget of its own; a ``JournalBudget`` is shared with whoever else holds it.
    """

    def __init__(self, size: int | str | JournalBudget | None = None) -> None:
        if size is None:
            budget = _process_budget
        elif isinstance(size, JournalBudget):
            budget = size
        else:
            budget = JournalBudget(parse_size(size))
        self.budget = budget
        self._entries: deque[JournalEntry] = deque()
        self._next = 0
        self._first = 0  # index of the oldest entry held (== _next when empty)
        self._account = [0]  # octets held; a list so the finaliser can see it without self
        self.dropped = 0  # frames dropped to stay within the budget, over the journal's life
        self._dropped_logged = 0
        self._log_after = -math.inf  # engine time after which the next drop is logged
        self._cleared_to = 0  # frames below this index were cleared on purpose, not dropped
        self.endpoints: Endpoints | None = None  # (local, peer) addresses, for captures
        self.tls: str | None = None  # "TLSv1.3 TLS_AES_256_GCM_SHA384" when the link is TLS
        budget._join(self)
        weakref.finalize(self, _release, budget, self._account)

    @property
    def octets(self) -> int:
        """Octets of memory charged for the frames held."""
        return self._account[0]

    @property
    def size(self) -> int:
        """The limit of this journal's budget, in octets."""
        return self.budget.limit

    @property
    def next_index(self) -> int:
        """Index that the next recorded entry gets: a reference point for 'since now'."""
        return self._next

    @property
    def first_index(self) -> int:
        """Index of the oldest frame still held (``next_index`` when none is)."""
        return self._first

    def dropped_before(self, cursor: int) -> int:
        """How many frames at or after ``cursor`` were dropped (to stay in budget) unread.

        An expectation that reads ``since(cursor)`` asks this so that it can say it missed frames.
        """
        first = self._first
        if first <= cursor:
            return 0  # the common case, without two max() calls
        return max(0, first - max(cursor, self._cleared_to))

    def check_cursor(self, cursor: int, waiting_for: str) -> None:
        """Raise FramesDropped if frames from ``cursor`` on were dropped before they were seen."""
        missed = self.dropped_before(cursor)
        if missed:
            raise FramesDropped(
                f"while waiting for {waiting_for}, {missed} received or sent frames were dropped "
                f"from the journal before they could be examined (frames #{cursor}..#{self._first - 1}; "
                f"journal limit {self.size} octets); give the connection a larger journal_size"
            )

    def record(
        self,
        direction: Direction,
        raw: bytes,
        *,
        now: float,
        wall: float,
        asdu: Asdu | UnknownAsdu | None = _UNSET,
        error: str | None = None,
    ) -> JournalEntry:
        index = self._next
        # JournalEntry(index, now, wall, direction, raw, asdu, error) without the __init__ call
        entry = _new_entry(JournalEntry)
        entry.index = index
        entry.timestamp = now
        entry.wall = wall
        entry.direction = direction
        entry.raw = raw
        entry._error = error
        entry._asdu = _UNSET
        if asdu is not _UNSET and (asdu is not None or error is not None):
            entry._keep(asdu)
        self._next = index + 1
        self._entries.append(entry)
        cost = _ENTRY_OVERHEAD + len(raw)
        self._account[0] += cost
        budget = self.budget
        lock = budget._lock
        lock.acquire()  # not ``with``, and no call: once per frame recorded
        try:
            budget.used += cost
            if budget.used > budget.limit:
                budget._trim(self)
        finally:
            lock.release()
        if self.dropped != self._dropped_logged and (not self._dropped_logged or now >= self._log_after):
            # the first drop at once, then one line a minute at most: a long run stays readable
            log.warning(
                "journal%s dropped %d old frames to stay within %d octets (%d dropped so far); "
                "the oldest frame held is now #%d",
                f" of {self.endpoints[1][0]}:{self.endpoints[1][1]}" if self.endpoints else "",
                self.dropped - self._dropped_logged,
                self.budget.limit,
                self.dropped,
                self._first,
            )
            self._dropped_logged = self.dropped
            self._log_after = now + _LOG_EVERY
        return entry

    def _drop_oldest(self, octets: int, *, keep: bool) -> int:
        """Drop the oldest frames until ``octets`` are freed; returns what was freed."""
        entries, freed = self._entries, 0
        floor = 1 if keep else 0  # the frame being recorded stays
        while freed < octets and len(entries) > floor:
            freed += _ENTRY_OVERHEAD + len(entries.popleft().raw)
            self.dropped += 1
        self._first = entries[0].index if entries else self._next
        self._account[0] -= freed
        return freed

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def since(self, index: int) -> Iterator[JournalEntry]:
        """Entries with ``entry.index >= index`` that are still held.

        Frames dropped after ``index`` are not among them: ask ``dropped_before(index)``.
        """
        entries = self._entries
        if not entries:
            return iter(())
        start = index - entries[0].index
        if start <= 0:
            return iter(entries)
        if start >= len(entries):
            return iter(())
        return (entries[i] for i in range(start, len(entries)))

    def tail(self, count: int = 10) -> list[JournalEntry]:
        if count <= 0:
            return []
        entries = self._entries
        return [entries[i] for i in range(max(0, len(entries) - count), len(entries))]

    def explain(self, count: int = 10) -> str:
        """The last ``count`` frames, one explained line each."""
        text = "\n".join(e.explain() for e in self.tail(count)) or "(no frames)"
        if self.dropped and len(self._entries) <= count:
            text = f"({self.dropped} older frames dropped: journal limit {self.size} octets)\n{text}"
        return text

    def write_pcap(self, path: str | Path, *, local_is_client: bool = True) -> int:
        """Write the held frames to a capture file; returns the number of frames written.

        The file is pcapng; when frames were dropped, its first packet carries a comment that says
        how many (Wireshark shows it in the packet list and in Statistics > Capture File Properties),
        and a TLS link says so there too (the packets are the decrypted APDUs).
        """
        return write_pcap(
            path,
            self._frames(local_is_client),
            endpoints=self.endpoints,
            local_is_client=local_is_client,
            comment=self._capture_note(path),
        )

    def add_to_capture(self, capture: CaptureWriter, *, local_is_client: bool = True, comment: str | None = None) -> int:
        """Add the held frames to ``capture`` as one TCP conversation (``comment`` on its first packet)."""
        note = "\n".join(n for n in (comment, self._capture_note(capture.path)) if n) or None
        return capture.add(self._frames(local_is_client), endpoints=self.endpoints,
                           local_is_client=local_is_client, comment=note)

    def _frames(self, local_is_client: bool) -> Iterator[tuple[float, bool, bytes]]:
        return ((e.wall, (e.direction is Direction.SENT) == local_is_client, e.raw) for e in self._entries)

    def _capture_note(self, path: object) -> str | None:
        notes = []
        if self.tls:
            notes.append(f"c104test: the link was TLS ({self.tls}); these are the decrypted APDUs")
        if self.dropped:
            dropped = (
                f"c104test: {self.dropped} earlier frames of this connection were dropped to keep "
                f"the journal within {self.size} octets; this capture starts at frame #{self._first}"
            )
            log.warning("capture %s: %s", path, dropped)
            notes.append(dropped)
        return "\n".join(notes) or None

    def clear(self) -> None:
        freed = self._account[0]
        self._entries.clear()
        self._cleared_to = self._next
        self._first = self._next
        self._account[0] = 0
        self.budget._leave(freed)


def _release(budget: JournalBudget, account: list[int]) -> None:
    budget._leave(account[0])
    account[0] = 0
