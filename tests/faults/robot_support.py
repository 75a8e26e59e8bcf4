"""A Robot library for the fault suites: waits until the misbehaving RTU says the client stalled.

The test sets ``PEER`` before ``robot.run`` (same process), so the suite can call the keyword under
test right when the client's sends have stopped being taken.
"""

from __future__ import annotations

from typing import Any

PEER: Any = None


def wait_until_the_client_stalled() -> None:
    """Returns once the flooding RTU has seen the client stop reading."""
    PEER.wait_stalled()
