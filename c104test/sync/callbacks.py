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

__all__ = ["call_safely", "check_callback"]

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
