"""The event buffer: spontaneous and cyclic reports waiting for a started connection.

Reports are ``(key, octets)`` pairs: the key is (type, CA, COT, OA), the octets are the
information object as an SQ=0 ASDU of that type carries it (IOA, elements, time tag), encoded
once when the report is made (``asdu.encode_object`` or the station's fast path equal to it).
Consecutive reports with the same key are joined into one ASDU when they are sent (``pack``):
no object is built or encoded on the way out. The buffer is bounded; what happens when it is
full is the overflow policy (a profile option, ``docs/profile.md``):

- ``coalesce`` (default): keep the newest queued report of every point, drop superseded ones. A
  client that reconnects sees every point's latest value; intermediate values are lost.
- ``drop_oldest``: the oldest report goes (lib60870's ring buffer does this).
- ``drop_newest``: the new report is refused.

Every dropped report is counted in ``dropped``; the first drop of an overflow returns True from
``add`` so that the caller logs it once per overflow, not once per report. An overflow ends when
the buffer has drained below its bound: the next drop is a new overflow, and logged again.

>>> buffer = EventBuffer(2, "drop_oldest")
>>> key = (Type.M_SP_NA_1, 47, 3, 0)
>>> for ioa in (1, 2, 3):
...     _ = buffer.add(key, encode_object(key[0], SinglePoint(ioa, SIQ.TABLE[1])))
>>> [io_address(octets) for _, octets in buffer.entries], buffer.dropped
([2, 3], 1)
>>> pack(buffer.take(30)).hex(" ")  # type 1, 2 objects, COT 3, OA 0, CA 47, IOA 2 and 3 with SIQ 1
'01 02 03 00 2f 00 02 00 00 01 03 00 00 01'
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from itertools import repeat
from operator import call, itemgetter
from typing import TypeAlias

from ..asdu import encode_object, encode_objects  # noqa: F401  (encode_object: the doctest)
from ..elements import SIQ  # noqa: F401  (the doctest)
from ..enums import Cot, Type
from ..objects import SinglePoint  # noqa: F401  (the doctest)

__all__ = ["OVERFLOW_POLICIES", "EventBuffer", "Key", "Report", "io_address", "pack"]

# Key under which reports are packed together: type, CA, COT, OA.
Key: TypeAlias = tuple[Type, int, int, int]
# A report: its key and the octets of its information object (IOA first).
Report: TypeAlias = tuple[Key, bytes]

OVERFLOW_POLICIES = ("coalesce", "drop_oldest", "drop_newest")

_KEY, _OCTETS = itemgetter(0), itemgetter(1)

# Cause octet values as Cot members where the enum has one (as decode_asdu gives them).
COT_MEMBERS: tuple[Cot | int, ...] = tuple(
    Cot(c) if c in Cot._value2member_map_ else c for c in range(64)
)


class EventBuffer:
    """A bounded FIFO of reports with an overflow policy."""

    __slots__ = ("append_below", "dropped", "entries", "limit", "overflowing", "policy")

    def __init__(self, limit: int, policy: str = "coalesce") -> None:
        if limit < 1:
            raise ValueError(f"the event buffer needs room for at least 1 report, got {limit}")
        if policy not in OVERFLOW_POLICIES:
            raise ValueError(f"overflow policy {policy!r} is not one of {', '.join(OVERFLOW_POLICIES)}")
        self.limit = limit
        self.policy = policy
        self.entries: deque[Report] = deque()
        #: Reports dropped by the overflow policy since the buffer was made.
        self.dropped = 0
        #: While fewer reports than this are queued, ``add`` only appends (the station's report
        #: path appends to ``entries`` itself then, without the call).
        self.append_below = limit
        #: Reports were dropped and the buffer has not drained below its bound since.
        self.overflowing = False

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, key: Key, octets: bytes) -> bool:
        """Queue a report; True when this call dropped reports and the buffer was not overflowing
        (a new overflow: the caller logs it)."""
        entries = self.entries
        before = self.dropped
        if len(entries) < self.append_below:
            entries.append((key, octets))
            return False  # nothing dropped (the common case, without the sums below)
        if self.policy == "coalesce":
            entries.append((key, octets))
            self._coalesce()
        elif len(entries) < self.limit:
            entries.append((key, octets))
        elif self.policy == "drop_oldest":
            entries.popleft()
            entries.append((key, octets))
            self.dropped += 1
        else:
            self.dropped += 1
        if self.dropped == before or self.overflowing:
            return False
        self.overflowing = True
        return True

    def put_back(self, reports: Iterable[Report]) -> None:
        """Return reports that were sent but never acknowledged to the head, in their order.

        They were taken from the head, so they go before anything queued since; the bound is
        kept by the overflow policy (``drop_newest`` drops from the tail here, so that the
        older, unacknowledged reports survive).
        """
        reports = list(reports)
        self.entries.extendleft(reversed(reports))
        excess = len(self.entries) - self.limit
        if excess > 0 and self.policy != "coalesce":
            for _ in range(excess):
                if self.policy == "drop_oldest":
                    self.entries.popleft()
                else:
                    self.entries.pop()
            self.dropped += excess

    def clear(self) -> None:
        self.entries.clear()
        self.append_below = self.limit
        self.overflowing = False

    def take(self, per_asdu: int) -> list[Report]:
        """The reports for one ASDU: consecutive reports with the head's key, at most ``per_asdu``."""
        entries = self.entries
        n = min(per_asdu, len(entries))
        taken = list(map(call, repeat(entries.popleft, n)))  # (the loops here run in C: this is per report)
        key = taken[0][0]
        keys = list(map(_KEY, taken))
        if keys.count(key) != n:  # another key further on: it and what follows stay queued
            cut = next(i for i, k in enumerate(keys) if k != key)
            entries.extendleft(reversed(taken[cut:]))
            del taken[cut:]
        if len(entries) <= self.limit:
            self.append_below = self.limit
            if len(entries) < self.limit:
                self.overflowing = False  # drained: the next drop is a new overflow
        return taken

    def _coalesce(self) -> None:
        """Keep only the newest queued report of every point; count what was dropped."""
        seen: set[tuple[int, int]] = set()
        kept: deque[Report] = deque()
        for entry in reversed(self.entries):
            point = (entry[0][1], entry[1][:3])  # CA and the IOA's octets
            if point not in seen:
                seen.add(point)
                kept.appendleft(entry)
        self.dropped += len(self.entries) - len(kept)
        self.entries = kept
        # With more distinct points queued than the bound, coalescing again at every report
        # would cost O(n) each time; wait until the queue has doubled.
        self.append_below = max(self.limit, 2 * len(kept))


def pack(reports: list[Report]) -> bytes:
    """The octets of one SQ=0 ASDU of reports that share a key."""
    t, ca, cot, oa = reports[0][0]
    return encode_objects(t, cot, ca, list(map(_OCTETS, reports)), oa)


def io_address(octets: bytes) -> int:
    """The IOA of a report's octets."""
    return octets[0] | octets[1] << 8 | octets[2] << 16
