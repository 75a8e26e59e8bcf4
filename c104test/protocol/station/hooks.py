"""Hooks for an application that owns a controlled station's decisions (c104's Server).

The simulator decides everything itself. A front end whose user writes the RTU's behaviour
(``c104test.Server``: a command callback returning accept/refuse, a hook before a read, a clock
synchronisation callback) gives the station ``ApplicationHooks``. A hook returns a ``Pending``:
the station queues it as a barrier in the connection's answers, so nothing answered later
leaves before the decision; the link (S-frames, TESTFR) goes on meanwhile. The application
calls ``resolve`` when its callback has returned (and the adapter wakes the writer).

>>> decision = Pending()
>>> decision.done
False
>>> decision.resolve(CommandDecision(confirm=True, terminate=False))
>>> decision.done, decision.result.confirm
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime

    from ..asdu import Asdu
    from .points import StationPoint

__all__ = ["ApplicationHooks", "CommandDecision", "Pending"]


class Pending:
    """A decision an application has not made yet; ``result`` is set by ``resolve``."""

    __slots__ = ("done", "result")

    def __init__(self) -> None:
        self.done = False
        self.result: Any = None

    def resolve(self, result: Any = None) -> None:
        self.result = result
        self.done = True

    def __repr__(self) -> str:
        return f"<Pending {'done: ' + repr(self.result) if self.done else 'open'}>"


@dataclass(frozen=True, slots=True)
class CommandDecision:
    """An application's answer to an executed command.

    ``confirm``: True positive ACT_CON, False negative, None no automatic ACT_CON (the
    application confirms later, ``ControlledStation.send``). ``terminate``: ACT_TERM after a
    positive ACT_CON (and the return information).
    """

    confirm: bool | None
    terminate: bool


@dataclass(frozen=True, slots=True)
class ApplicationHooks:
    """What the station asks its application; every hook returns a ``Pending`` at once.

    - ``command(connection_id, point, asdu)``: an execute (not a select) passed every check of
      the standard; resolve with a ``CommandDecision``. With this hook the application executes
      the command: the station stores the commanded value but leaves the related point's value
      alone, and reports it as return information as it is when the decision arrives.
    - ``before_read(connection_id, points)``: an interrogation or read is about to report
      ``points`` (update them now); resolve with anything.
    - ``clock_sync(connection_id, when)``: a clock synchronisation to ``when`` (a naive local
      datetime); resolve with True (positive ACT_CON, clock set) or False (negative).
    """

    command: Callable[[int, StationPoint, Asdu], Pending] | None = None
    before_read: Callable[[int, list[StationPoint]], Pending | None] | None = None
    clock_sync: Callable[[int, datetime.datetime], Pending] | None = None
