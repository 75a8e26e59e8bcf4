"""Domain exceptions of the engine: one exception per failure, never an exception group.

Failures caused by the device under test subclass ``AssertionError`` (Robot reports them as test
failures); misuse and link problems are plain errors.
"""

from __future__ import annotations

from ..protocol.errors import C104TestError

__all__ = [
    "CommandTimeout",
    "ConnectFailed",
    "ExpectationFailed",
    "LinkDown",
    "NegativeConfirmation",
    "NotConnected",
    "unwrap_group",
]


class LinkDown(C104TestError, ConnectionError):
    """The connection closed (peer, t1, sequence error, ...) while something waited on it."""


class ConnectFailed(C104TestError, ConnectionError):
    """TCP connect failed or did not finish within t0."""


class NotConnected(C104TestError):
    """A command was sent on a connection that is not open."""


class CommandTimeout(C104TestError, AssertionError):
    """The device did not confirm (or terminate) a command in time."""


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
