"""The journal: every frame sent and received on a connection, in order.

Entries carry a running ``index`` that is never reused, so "everything since the start of the last
command" is simply ``journal.since(index)`` even after old entries have been dropped.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..protocol.asdu import Asdu, UnknownAsdu, decode_asdu
from ..protocol.errors import DecodeError
from ..protocol.explain import explain_bytes
from .pcap import write_pcap

__all__ = ["Direction", "Journal", "JournalEntry"]


class Direction(enum.Enum):
    RECEIVED = "rx"
    SENT = "tx"

    @property
    def arrow(self) -> str:
        return "<<" if self is Direction.RECEIVED else ">>"


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One APDU; ``asdu`` is its decoded ASDU (None for S- and U-frames)."""

    index: int
    timestamp: float  # engine clock (trio.current_time), seconds
    wall: float  # time.time() when it was recorded, for captures
    direction: Direction
    raw: bytes
    asdu: Asdu | UnknownAsdu | None = None
    error: str | None = None  # why the ASDU could not be decoded

    @property
    def is_i_frame(self) -> bool:
        return len(self.raw) > 6 and not self.raw[2] & 1

    def explain(self) -> str:
        text = f"{self.direction.arrow} {explain_bytes(self.raw)}"
        return f"{text} [{self.error}]" if self.error else text


class Journal:
    """A bounded record of frames with monotonically increasing indexes.

    >>> j = Journal(maxlen=2)
    >>> for n in range(3):
    ...     _ = j.record(Direction.SENT, bytes.fromhex("680443000000"), now=n, wall=n)
    >>> [e.index for e in j], j.next_index
    ([1, 2], 3)
    """

    def __init__(self, maxlen: int | None = 100_000) -> None:
        if maxlen is not None and maxlen < 1:
            raise ValueError(f"journal size must be at least 1, got {maxlen}")
        self._entries: deque[JournalEntry] = deque(maxlen=maxlen)
        self._next = 0
        self.maxlen = maxlen

    @property
    def next_index(self) -> int:
        """Index that the next recorded entry gets: a reference point for 'since now'."""
        return self._next

    def record(
        self,
        direction: Direction,
        raw: bytes,
        *,
        now: float,
        wall: float,
        asdu: Asdu | UnknownAsdu | None = None,
        error: str | None = None,
    ) -> JournalEntry:
        if asdu is None and error is None and len(raw) > 6 and not raw[2] & 1:
            try:
                asdu = decode_asdu(raw[6:], 6)
            except DecodeError as exc:
                error = str(exc)
        entry = JournalEntry(self._next, now, wall, direction, raw, asdu, error)
        self._next += 1
        self._entries.append(entry)
        return entry

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def since(self, index: int) -> Iterator[JournalEntry]:
        """Entries with ``entry.index >= index`` that are still held."""
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
        return list(self._entries)[-count:] if count > 0 else []

    def explain(self, count: int = 10) -> str:
        """The last ``count`` frames, one explained line each."""
        return "\n".join(e.explain() for e in self.tail(count)) or "(no frames)"

    def write_pcap(self, path: str | Path, *, local_is_client: bool = True) -> int:
        """Write the held frames to a pcap file; returns the number of frames written."""
        return write_pcap(
            path,
            (
                (e.wall, (e.direction is Direction.SENT) == local_is_client, e.raw)
                for e in self._entries
            ),
        )

    def clear(self) -> None:
        self._entries.clear()
