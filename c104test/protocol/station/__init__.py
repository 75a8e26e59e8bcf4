"""The station layer, sans-I/O: the controlled station (RTU) and the controlling station's
bookkeeping, redundancy groups, event buffers, and fault plans as data.

No trio, sockets, threads or clock: time is the ``now`` argument, as in ``protocol/link.py``.
The engine's simulator is a thin adapter over ``ControlledStation``.
"""

from .controlling import PendingCommand, Relation, relation
from .events import OVERFLOW_POLICIES, EventBuffer
from .faults import FAULTS, Fault, LinkFaults, Scope, fault_from_mapping, parse_fault
from .hooks import ApplicationHooks, CommandDecision, Pending
from .points import SimulatedPoint
from .redundancy import RedundancyGroup, RedundancySettings
from .replies import Outgoing, Part
from .station import Answered, ControlledStation, StationConnection

__all__ = [
    "FAULTS",
    "OVERFLOW_POLICIES",
    "Answered",
    "ApplicationHooks",
    "CommandDecision",
    "ControlledStation",
    "EventBuffer",
    "Fault",
    "LinkFaults",
    "Outgoing",
    "Part",
    "Pending",
    "PendingCommand",
    "RedundancyGroup",
    "RedundancySettings",
    "Relation",
    "Scope",
    "SimulatedPoint",
    "StationConnection",
    "fault_from_mapping",
    "parse_fault",
    "relation",
]
