"""The link's parameters (k, w, t0-t3), its states and the explicit table of their transitions.

STARTDT and STOPDT, sent or received, move the state; ``TRANSITIONS`` says where to, keyed by
(state, input) as in h11's ``_state.py``. ``ACCEPTS_I_FRAMES`` keeps the one rule that depends on
the role as data. ``Link`` (link.py) applies them.

>>> TRANSITIONS[(LinkState.PENDING_START, Input.RECV_STARTDT_CON)]
<LinkState.STARTED: 'started'>
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

__all__ = ["ACCEPTS_I_FRAMES", "TRANSITIONS", "Input", "LinkParameters", "LinkState", "Role"]


# --- parameters -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkParameters:
    """k, w and the timers t0-t3 in seconds (fractions allowed, for tests).

    The standard's range for the timers is 1..255 s; that is advisory here. t0 (TCP connect)
    is the engine's business and only validated.
    """

    k: int = 12
    w: int = 8
    t0: float = 30.0
    t1: float = 15.0
    t2: float = 10.0
    t3: float = 20.0

    def __post_init__(self) -> None:
        for name in ("k", "w"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 32767:
                raise ValueError(f"{name} must be an integer in 1..32767, got {value!r}")
        if self.w > self.k:
            raise ValueError(f"w ({self.w}) must not exceed k ({self.k})")
        for name in ("t0", "t1", "t2", "t3"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value <= 0
            ):
                raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
        if self.t2 >= self.t1:
            raise ValueError(f"t2 ({self.t2:g} s) must be less than t1 ({self.t1:g} s)")


def facing(k: int = 12, t1: float = 15.0, *, t0: float = 30.0) -> LinkParameters:
    """A controlling station's parameters facing an RTU with window ``k`` and timer ``t1``: it
    acknowledges after at most 2/3 k I-frames (the recommendation of IEC 60870-5-104 5.5) and
    within t1/2, so the RTU's window and t1 never run out through the tool's fault.

    >>> p = facing(k=6, t1=3)
    >>> p.w, p.t2
    (4, 1.5)
    >>> facing() == LinkParameters()
    True
    """
    return LinkParameters(w=max(1, min(8, 2 * k // 3)), t0=t0, t2=min(10.0, t1 / 2))


# --- states and transitions -------------------------------------------------------------------


class Role(enum.Enum):
    """Which end of the link we are."""

    CONTROLLING = "controlling"  # client, SCADA master
    CONTROLLED = "controlled"  # server, RTU


class LinkState(enum.Enum):
    """Data-transfer state of one TCP connection."""

    STOPPED = "stopped"  # after connect and after STOPDT; only U and S frames flow
    PENDING_START = "pending start"  # we sent STARTDT act and wait for the con
    STARTED = "started"  # I-frames flow both ways
    PENDING_STOP = "pending stop"  # STOPDT act sent, or received while our I-frames are unacked
    CLOSED = "closed"  # the link is dead; the TCP connection must be closed


class Input(enum.Enum):
    """What can move the state: the STARTDT/STOPDT frames, sent or received, and closing."""

    SEND_STARTDT_ACT = "send STARTDT act"
    RECV_STARTDT_ACT = "receive STARTDT act"
    RECV_STARTDT_CON = "receive STARTDT con"
    SEND_STOPDT_ACT = "send STOPDT act"
    RECV_STOPDT_ACT = "receive STOPDT act"
    SEND_STOPDT_CON = "send STOPDT con"  # owed con, once all our I-frames are acknowledged
    RECV_STOPDT_CON = "receive STOPDT con"
    CLOSE = "close"


_S = LinkState
_I = Input

TRANSITIONS: dict[tuple[LinkState, Input], LinkState] = {
    (_S.STOPPED, _I.SEND_STARTDT_ACT): _S.PENDING_START,
    (_S.PENDING_START, _I.RECV_STARTDT_CON): _S.STARTED,
    # A STARTDT act is always confirmed, even when started (lib60870 does the same), and it
    # overrides a stop in progress.
    (_S.STOPPED, _I.RECV_STARTDT_ACT): _S.STARTED,
    (_S.PENDING_START, _I.RECV_STARTDT_ACT): _S.STARTED,
    (_S.STARTED, _I.RECV_STARTDT_ACT): _S.STARTED,
    (_S.PENDING_STOP, _I.RECV_STARTDT_ACT): _S.STARTED,
    (_S.STARTED, _I.SEND_STOPDT_ACT): _S.PENDING_STOP,
    (_S.PENDING_STOP, _I.RECV_STOPDT_CON): _S.STOPPED,
    # A STOPDT act that lands in PENDING_STOP owes a con; if it leaves us stopped (or not yet
    # started) the con goes out at once.
    (_S.STOPPED, _I.RECV_STOPDT_ACT): _S.STOPPED,
    (_S.PENDING_START, _I.RECV_STOPDT_ACT): _S.PENDING_START,
    (_S.STARTED, _I.RECV_STOPDT_ACT): _S.PENDING_STOP,
    (_S.PENDING_STOP, _I.RECV_STOPDT_ACT): _S.PENDING_STOP,
    (_S.PENDING_STOP, _I.SEND_STOPDT_CON): _S.STOPPED,
    **{(state, _I.CLOSE): _S.CLOSED for state in LinkState if state is not _S.CLOSED},
}

# The controlled station closes on an I-frame before STARTDT (lib60870 server, conformance
# case L03); the controlling station accepts them, as lib60870's client does.
ACCEPTS_I_FRAMES: dict[Role, frozenset[LinkState]] = {
    Role.CONTROLLED: frozenset({_S.STARTED, _S.PENDING_STOP}),
    Role.CONTROLLING: frozenset({_S.STOPPED, _S.PENDING_START, _S.STARTED, _S.PENDING_STOP}),
}
