"""Redundancy groups (IEC 60870-5-104 Ed. 2, clause 10): several connections, one data flow.

A controlled station serves redundant controlling stations over several TCP connections. The
connections of one redundancy group share one event buffer, and only the group's started
connection gets data (spontaneous and cyclic reports); the others are standby connections: they
get answers to their own requests and answer U-frames, nothing else.

How the simulator does it (``docs/profile.md``, section "Redundancy"):

- ``group_size=None`` (the default, lib60870's CONNECTION_IS_REDUNDANCY_GROUP): every connection
  is its own group; it gets reports from its first STARTDT on, buffered while stopped, and the
  buffer ends with the connection.
- ``group_size=N``: connections join the first group with fewer than N members, in the order
  they are accepted. A group's buffer exists from its first connection on and outlives its
  connections, so reports made while no connection of the group is started (or connected) are
  sent, in order, after STARTDT on any connection of the group.
- STARTDT on a connection while another connection of the same group is started switches the
  data flow to the new one (the standard: the controlling station selects the active connection
  with STARTDT; ProSoft and other RTUs do the same). The previous connection is stopped for data:
  it keeps its TCP connection and link state and gets no more reports. lib60870 closes it
  instead; catalogue case L20 allows either (PIXIT).
- Nothing acknowledged is sent twice, nothing is lost: reports sent in I-frames that the peer has
  not acknowledged when their connection dies are put back at the head of the group's buffer
  and sent again, in order, on the next started connection (catalogue L18). The standard counts
  an I-frame as delivered only when acknowledged, so such a report may reach the client twice
  when the ack itself was lost; this is the standard's at-least-once rule, not a duplicate.
  Unacknowledged reports of a connection that is only switched away from stay with it (its
  link can still acknowledge them) and are put back if it dies unacknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass

from .events import OVERFLOW_POLICIES, EventBuffer

__all__ = ["RedundancyGroup", "RedundancySettings"]


@dataclass(frozen=True, slots=True)
class RedundancySettings:
    """Group size, event buffer size and overflow policy (profile key ``redundancy``)."""

    group_size: int | None = None
    buffer_size: int = 10_000
    overflow: str = "coalesce"

    def __post_init__(self) -> None:
        if self.group_size is not None and (
            isinstance(self.group_size, bool) or not isinstance(self.group_size, int) or self.group_size < 1
        ):
            raise ValueError(f"group_size must be a positive integer, got {self.group_size!r}")
        if isinstance(self.buffer_size, bool) or not isinstance(self.buffer_size, int) or self.buffer_size < 1:
            raise ValueError(f"buffer_size must be a positive integer, got {self.buffer_size!r}")
        if self.overflow not in OVERFLOW_POLICIES:
            raise ValueError(
                f"overflow {self.overflow!r} is not one of {', '.join(OVERFLOW_POLICIES)}"
            )


class RedundancyGroup:
    """The connections of one group, which of them is started, and their event buffer."""

    __slots__ = ("active", "buffer", "buffering", "members", "number", "persistent")

    def __init__(self, number: int, settings: RedundancySettings) -> None:
        self.number = number
        #: Connection ids, in the order they joined.
        self.members: list[int] = []
        #: The started connection that gets data (None: no connection of the group started).
        self.active: int | None = None
        self.buffer = EventBuffer(settings.buffer_size, settings.overflow)
        #: Redundancy mode: the buffer outlives the connections and buffers from the start.
        self.persistent = settings.group_size is not None
        #: Reports are buffered (always in a redundancy group; else after the first STARTDT).
        self.buffering = self.persistent

    def __repr__(self) -> str:
        return f"<RedundancyGroup {self.number} members={self.members} active={self.active}>"

    def start(self, connection: int) -> int | None:
        """STARTDT on ``connection``: it gets the data; returns the connection switched away from."""
        previous = self.active if self.active != connection else None
        self.active = connection
        self.buffering = True
        return previous

    def stop(self, connection: int) -> None:
        if self.active == connection:
            self.active = None

    def leave(self, connection: int) -> None:
        self.members.remove(connection)
        self.stop(connection)
