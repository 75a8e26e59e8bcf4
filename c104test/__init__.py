"""c104test: test IEC 60870-5-104 devices.

``import c104test as c104`` gives the c104-compatible client API (the synchronous layer).
"""

from .protocol.enums import (
    BinaryCounterQuality,
    Coi,
    CommandMode,
    ConnectionState,
    Cot,
    Debug,
    Double,
    EventState,
    Frz,
    Init,
    OutputCircuits,
    PackedSingle,
    Qoc,
    Qoi,
    Quality,
    ResponseState,
    Rqt,
    StartEvents,
    Step,
    Type,
    Umc,
)
from .protocol.explain import explain_bytes, explain_bytes_dict

__version__ = "0.1.0"

__all__ = [
    "BinaryCounterQuality",
    "Coi",
    "CommandMode",
    "ConnectionState",
    "Cot",
    "Debug",
    "Double",
    "EventState",
    "Frz",
    "Init",
    "OutputCircuits",
    "PackedSingle",
    "Qoc",
    "Qoi",
    "Quality",
    "ResponseState",
    "Rqt",
    "StartEvents",
    "Step",
    "Type",
    "Umc",
    "__version__",
    "explain_bytes",
    "explain_bytes_dict",
]
