"""ProtocolParameters: k, w and t0-t3 under c104's names, live on a connection."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from ..protocol.link import LinkParameters

__all__ = ["ProtocolParameters"]

# c104 2.2.1 defaults (c104-api.md §2.3): t0 is 10 s there, 30 s in the standard
C104_DEFAULTS = LinkParameters(k=12, w=8, t0=10.0, t1=15.0, t2=10.0, t3=20.0)

_NAMES = {
    "send_window_size": "k",
    "receive_window_size": "w",
    "connection_timeout": "t0",
    "message_timeout": "t1",
    "confirm_interval": "t2",
    "keep_alive_interval": "t3",
}


def _moved_along(current: LinkParameters, field: str, value: object) -> dict[str, object]:
    """The change of ``field``, and of its partner (t2 < t1, w <= k) when the partner still has
    c104's default and the change would break the pair.

    c104 takes any values; c104test refuses a broken pair (ValueError). A script written for
    c104 that sets only ``message_timeout = 5`` (t2 is 10 by default), or sets t1 before t2,
    would fail on a value it never chose; the partner moves as the tool's own facing rule has
    it (t2 = t1/2, w = 2k/3). A pair the script set itself is still refused.

    >>> _moved_along(C104_DEFAULTS, "t1", 5)
    {'t1': 5, 't2': 2.5}
    >>> _moved_along(C104_DEFAULTS, "t2", 20)
    {'t2': 20, 't1': 40}
    >>> _moved_along(C104_DEFAULTS, "k", 6)
    {'k': 6, 'w': 4}
    """
    changes: dict[str, object] = {field: value}
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return changes  # refused by LinkParameters with its own message
    if field == "t1" and current.t2 >= value and current.t2 == C104_DEFAULTS.t2:
        changes["t2"] = value / 2
    elif field == "t2" and value >= current.t1 and current.t1 == C104_DEFAULTS.t1:
        changes["t1"] = value * 2
    elif field == "k" and isinstance(value, int) and current.w > value and current.w == C104_DEFAULTS.w:
        changes["w"] = max(1, 2 * value // 3)
    elif field == "w" and isinstance(value, int) and value > current.k and current.k == C104_DEFAULTS.k:
        changes["k"] = min(32767, -(-3 * value // 2))
    return changes


class ProtocolParameters:
    """Read and update a connection's protocol parameters (seconds and APDU counts).

    A change is validated at once (ValueError, e.g. when w would exceed a k the script set) and
    applies from the next connect; the running link keeps the values it started with. A partner
    the script left at its default moves along (``_moved_along``).
    """

    def __init__(self, get: Callable[[], LinkParameters], put: Callable[[LinkParameters], None]) -> None:
        object.__setattr__(self, "_get", get)
        object.__setattr__(self, "_put", put)

    def __getattr__(self, name: str) -> float | int:
        if name in _NAMES:
            value = getattr(self._get(), _NAMES[name])
            # c104's timers are whole seconds (int); c104test also takes fractions
            return int(value) if isinstance(value, float) and value.is_integer() else value
        raise AttributeError(name)

    def __setattr__(self, name: str, value: float | int) -> None:
        if name not in _NAMES:
            raise AttributeError(f"ProtocolParameters has no parameter {name!r}")
        current = self._get()
        self._put(dataclasses.replace(current, **_moved_along(current, _NAMES[name], value)))  # type: ignore[arg-type]

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)}" for name in _NAMES)
        return f"<c104test.ProtocolParameters {fields}>"
