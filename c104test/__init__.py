"""c104test: test IEC 60870-5-104 devices.

``import c104test as c104`` gives the API of the ``c104`` package (Client, Connection, Server,
Batch, Station, Point, the Information classes, the number types and every enum) on c104test's
own trio engine; the few names not implemented yet (TLS) raise NotImplementedError saying so. The classes that need the engine load on first use, so ``import c104test.protocol``
stays free of trio and threads.

>>> import c104test as c104
>>> c104.explain_bytes(bytes.fromhex("680407000000"))
'U-Format | StartDT act'
"""

from __future__ import annotations

import importlib
from typing import Any

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

_LAZY = {
    "Client": ".sync.client",
    "Connection": ".sync.connection",
    "Station": ".sync.station",
    "Point": ".sync.station",
    "IncomingMessage": ".sync.message",
    "ProtocolParameters": ".sync.parameters",
    "Server": ".sync.server",
    "Batch": ".sync.server",
    "TransportSecurity": ".sync.unsupported",
    "TlsVersion": ".sync.unsupported",
    "TlsCipher": ".sync.unsupported",
    **{
        name: ".sync.information"
        for name in (
            "Information",
            "SingleInfo",
            "DoubleInfo",
            "StepInfo",
            "BinaryInfo",
            "NormalizedInfo",
            "ScaledInfo",
            "ShortInfo",
            "BinaryCounterInfo",
            "ProtectionEventInfo",
            "ProtectionStartInfo",
            "ProtectionCircuitInfo",
            "StatusAndChanged",
            "SingleCmd",
            "DoubleCmd",
            "StepCmd",
            "NormalizedCmd",
            "ScaledCmd",
            "ShortCmd",
            "BinaryCmd",
            "Int7",
            "Int16",
            "UInt5",
            "UInt7",
            "UInt16",
            "NormalizedFloat",
            "Byte32",
        )
    },
}

_debug = Debug(0)


def set_debug_mode(mode: Debug) -> None:
    """Kept for c104 scripts; c104test logs through the ``logging`` module instead."""
    global _debug
    _debug = Debug(mode)


def get_debug_mode() -> Debug:
    return _debug


def enable_debug(mode: Debug) -> None:
    set_debug_mode(_debug | mode)


def disable_debug(mode: Debug) -> None:
    set_debug_mode(_debug & ~mode)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'c104test' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
    "disable_debug",
    "enable_debug",
    "explain_bytes",
    "explain_bytes_dict",
    "get_debug_mode",
    "set_debug_mode",
    *_LAZY,
]
