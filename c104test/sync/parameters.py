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


class ProtocolParameters:
    """Read and update a connection's protocol parameters (seconds and APDU counts).

    A change is validated at once (ValueError, e.g. when w would exceed k) and applies from the
    next connect; the running link keeps the values it started with.
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
        self._put(dataclasses.replace(self._get(), **{_NAMES[name]: value}))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)}" for name in _NAMES)
        return f"<c104test.ProtocolParameters {fields}>"
