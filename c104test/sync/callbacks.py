"""Checking user callbacks at registration, the way c104 users expect.

c104 accepts only callables whose parameter names and annotations equal the documented ones.
c104test accepts every such callable and more: anything that can be *called* with the documented
positional arguments (lambdas, unannotated functions, bound methods, ``functools.partial`` with
extra trailing arguments, callables with extra defaulted parameters). A callable that cannot be
called that way is refused with ValueError at registration, not when the first frame arrives.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

__all__ = ["call_for_answer", "call_safely", "check_callback"]

log = logging.getLogger("c104test.callbacks")


def check_callback(fn: Any, expected: str, count: int) -> Callable[..., Any]:
    """Return ``fn`` if it accepts ``count`` positional arguments, else raise ValueError.

    ``expected`` is the documented signature, shown in the error, e.g.
    ``(connection: c104.Connection, data: bytes) -> None``.
    """
    if not callable(fn):
        raise ValueError(f"Invalid callback: {fn!r} is not callable; expected {expected}")
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return fn  # builtins without a signature: trust them
    try:
        signature.bind(*([None] * count))
    except TypeError as exc:
        raise ValueError(
            f"Invalid callback signature, expected: {expected}, got: {signature} ({exc})"
        ) from None
    return fn


def call_safely(fn: Callable[..., Any] | None, *args: Any) -> Any:
    """Call a user callback; an exception is logged with its traceback and the callback stays."""
    if fn is None:
        return None
    try:
        return fn(*args)
    except Exception:
        log.exception("callback %s raised; it stays registered", getattr(fn, "__qualname__", fn))
        return None


def call_for_answer(fn: Callable[..., Any], kind: type, fallback: Any, meaning: str, *args: Any) -> Any:
    """Call a callback whose return value answers the peer (``ResponseState`` of a command or a
    clock sync, ``bool`` of ``on_connect``); a raise or an answer of another type gives
    ``fallback``, logged with what it means on the wire.

    A forgotten ``return`` (None) is the usual cause: it must not turn into a negative
    confirmation that nothing explains. c104 prints such an error too (and unregisters the
    callback); here it stays registered, as for a raise.
    """
    name = getattr(fn, "__qualname__", fn)
    try:
        result = fn(*args)
    except Exception:
        log.exception("callback %s raised; %s; it stays registered", name, meaning)
        return fallback
    if isinstance(result, kind):
        return result
    log.error("callback %s returned %r, not a %s; %s", name, result, kind.__name__, meaning)
    return fallback
