"""The library listener: the frames each keyword caused go into that keyword's log.

Robot drops log messages from other threads, so the engine only records frames (in each
connection's journal, in the trio thread) and this listener writes them from the main thread:
it marks every open connection's journal when one of the library's keywords starts, and logs the
frames recorded since then when it ends. ``close()`` stops the trio thread when the library goes
out of scope (the end of the run for a GLOBAL library).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from robot.api import logger

from ..sync.bridge import shutdown_bridge
from .traffic import format_frames

if TYPE_CHECKING:
    from .connections import RtuSession
    from .library import IEC104Library

__all__ = ["TrafficListener"]

log = logging.getLogger("c104test.keywords")

#: frames shown per connection and keyword (the first and last half of them)
FRAME_LIMIT = 60


class TrafficListener:
    """Listener API v3 for ``IEC104Library``."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, library: IEC104Library) -> None:
        self.library = library
        self._marks: list[tuple[set[RtuSession], dict[RtuSession, int]]] = []

    def _ours(self, implementation: Any) -> bool:
        try:
            return implementation.owner.instance is self.library
        except Exception:
            return False

    def start_library_keyword(self, data: Any, implementation: Any, result: Any) -> None:
        if not self._ours(implementation):
            return
        sessions = self.library.sessions()
        marks: dict[RtuSession, int] = {}
        for session in sessions:
            if not session.rtu.is_open:
                continue
            try:
                marks[session] = session.rtu.mark()
            except Exception:  # the trio thread is gone: nothing to mark
                continue
        self._marks.append((set(sessions), marks))

    def end_library_keyword(self, data: Any, implementation: Any, result: Any) -> None:
        if not self._ours(implementation) or not self._marks:
            return
        known, marks = self._marks.pop()
        # connections open at the start (also those the keyword closed) and those it opened
        sessions = [*marks, *(s for s in self.library.sessions() if s not in known)]
        for session in sessions:
            try:
                entries = session.rtu.frames(marks.get(session, 0))
            except Exception as exc:
                log.debug("no frames of %s: %s", session.name, exc)
                continue
            if entries:
                logger.info(
                    f"{session.name}, {len(entries)} frame(s):\n" + format_frames(entries, FRAME_LIMIT)
                )

    def close(self) -> None:
        self._marks.clear()
        try:
            self.library.release()
        finally:
            shutdown_bridge()
