"""Domain exceptions of the engine: one exception per failure, never an exception group.

Failures caused by the device under test subclass ``AssertionError`` (Robot reports them as test
failures); misuse and link problems are plain errors.
"""

from __future__ import annotations

from ..protocol.closing import CloseCause, ClosedBy
from ..protocol.errors import C104TestError

__all__ = [
    "CommandTimeout",
    "ConnectFailed",
    "ExpectationFailed",
    "LinkDown",
    "LinkTimeout",
    "NegativeConfirmation",
    "NotConnected",
    "unwrap_group",
]


class LinkDown(C104TestError, ConnectionError):
    """The connection closed (peer, t1, sequence error, ...) while something waited on it.

    ``by`` says which end closed it, ``cause`` why; a protocol violation by the peer is chained
    as ``__cause__`` (a ``RemoteProtocolError`` carrying the offending frame).
    """

    def __init__(
        self, message: str, *, by: ClosedBy | None = None, cause: CloseCause | None = None
    ) -> None:
        super().__init__(message)
        self.by = by
        self.cause = cause

    def __reduce__(self):  # keep pickling working with the keyword arguments
        return (_rebuild, (type(self), str(self), self.by, self.cause))


class LinkTimeout(LinkDown):
    """The peer did not take our bytes, acknowledge our I-frames or confirm our act within t1."""


class ConnectFailed(C104TestError, ConnectionError):
    """TCP connect failed or did not finish within t0; the message names host, port and t0."""

    by = ClosedBy.LOCAL
    cause = CloseCause.CONNECT_FAILED


def _rebuild(kind: type[LinkDown], message: str, by: ClosedBy | None, cause: CloseCause | None) -> LinkDown:
    return kind(message, by=by, cause=cause)


class NotConnected(C104TestError):
    """A command was sent on a connection that is not open."""


class CommandTimeout(C104TestError, AssertionError):
    """The device did not confirm (or terminate) a command in time.

    ``silent_stations``: for a procedure to the broadcast address that every station which
    confirmed it has terminated, the expected stations that never confirmed it (else empty).
    """

    silent_stations: tuple[int, ...] = ()


class NegativeConfirmation(C104TestError, AssertionError):
    """The device answered a command with P/N set."""


class ExpectationFailed(C104TestError, AssertionError):
    """An expected message or value did not arrive (or an unwanted one did)."""


def unwrap_group(group: BaseExceptionGroup) -> BaseException:
    """The one exception that matters in a nursery's group, so callers never see groups.

    Cancellation and KeyboardInterrupt win over everything else; otherwise the first leaf.
    """
    leaves: list[BaseException] = []

    def walk(exc: BaseException) -> None:
        if isinstance(exc, BaseExceptionGroup):
            for inner in exc.exceptions:
                walk(inner)
        else:
            leaves.append(exc)

    walk(group)
    for kind in (KeyboardInterrupt, SystemExit):
        for leaf in leaves:
            if isinstance(leaf, kind):
                return leaf
    return leaves[0] if leaves else group
