"""The readiness the session's reader waits on, which a caller reading its own answer can mute.

A caller of the c104-compatible API reads its command's answer itself, while the trio thread is
parked (``sync.bridge.TrioBridge.run_handoff``). Trio, waiting on the same socket, would wake for
that answer too, find it read, and take the GIL and the bridge's hold from the caller at the
moment the caller finishes: most of what is left of a quiet command's round trip.

So on Linux the reader does not wait on the socket itself but on an epoll object that watches it
(an epoll descriptor is readable while one of its sockets is). ``mute()`` stops that watch for
the caller's turn and ``unmute()`` restores it before the caller gives the hold back; octets that
arrived meanwhile and were not read make the gate readable again at once, so nothing waits
unread. An error or the peer's hang-up is reported even while muted: trio then wakes and asks the
caller for the hold, as it does for a timer. Elsewhere (no epoll) the gate is the socket and
``mute`` does nothing.

>>> import socket
>>> a, b = socket.socketpair()
>>> gate = ReadGate(a.fileno())
>>> b.send(b"x") and None
>>> gate.mute(); gate.readable()
False
>>> gate.unmute(); gate.readable()
True
>>> gate.close(); a.close(); b.close()
"""

from __future__ import annotations

import select

__all__ = ["ReadGate"]

_EPOLL = getattr(select, "epoll", None)
_IN = getattr(select, "EPOLLIN", 0)


class ReadGate:
    """``fileno()`` to wait on for the socket ``fd``; ``mute``/``unmute`` by one holder at a time."""

    __slots__ = ("_epoll", "_fd", "fileno_value", "muted")

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self.muted = False
        self._epoll = None
        if _EPOLL is not None:
            epoll = _EPOLL()
            try:
                epoll.register(fd, _IN)
            except OSError:  # a descriptor epoll cannot watch: wait on it directly
                epoll.close()
            else:
                self._epoll = epoll
        self.fileno_value = fd if self._epoll is None else self._epoll.fileno()

    def fileno(self) -> int:
        return self.fileno_value

    def mute(self) -> None:
        """Stop waking the reader for octets (errors and hang-ups still wake it)."""
        self.set_muted(True)

    def unmute(self) -> None:
        """Wake the reader for octets again (at once if some wait unread)."""
        self.set_muted(False)

    def set_muted(self, muted: bool) -> None:
        """``mute()`` (True) or ``unmute()`` (False), one call (twice per command)."""
        epoll = self._epoll
        if muted:
            if epoll is not None and not self.muted and not epoll.closed:
                epoll.modify(self._fd, 0)
                self.muted = True
        elif self.muted:
            self.muted = False
            if epoll is not None and not epoll.closed:
                epoll.modify(self._fd, _IN)

    def readable(self) -> bool:
        """Would the reader be woken now? (for tests)"""
        if self._epoll is None:
            poller = select.poll()
            poller.register(self._fd, select.POLLIN)
            return bool(poller.poll(0))
        return bool(self._epoll.poll(0))

    def close(self) -> None:
        if self._epoll is not None:
            self._epoll.close()
