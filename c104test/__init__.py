"""c104test: test IEC 60870-5-104 devices.

``import c104test as c104`` gives the API of the ``c104`` package (Client, Connection, Server,
Batch, Station, Point, the Information classes, the number types and every enum) on c104test's
own trio engine (docs/c104-differences.md lists where it differs). The classes that need the
engine load on first use, so ``import c104test.protocol`` stays free of trio and threads.

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
    "set_journal_size": ".engine.journal",  # c104test's own: the process-wide journal budget
    "TransportSecurity": ".sync.security",
    "TlsVersion": ".sync.security",
    "TlsCipher": ".sync.security",
    "Server": ".sync.server",
    "Batch": ".sync.server",
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

#: which c104test loggers a c104 debug flag turns to DEBUG (one table; Gil has no counterpart)
DEBUG_LOGGERS: dict[Debug, tuple[str, ...]] = {
    Debug.Server: ("c104test.simulator",),
    Debug.Client: ("c104test.client",),
    Debug.Connection: ("c104test.connection",),
    Debug.Station: ("c104test.station",),
    Debug.Point: ("c104test.point",),
    Debug.Message: ("c104test.client", "c104test.simulator"),  # frames, explained
    Debug.Callback: ("c104test.callbacks",),
}
_debug_handler: Any = None  # ours (a logging.Handler), when the script configured no logging


def set_debug_mode(mode: Debug) -> None:
    """c104's debug flags as ``logging`` levels: the matching c104test loggers log at DEBUG.

    c104 prints ``[c104.X]`` lines; c104test logs to the ``c104test.*`` loggers instead, and when
    the script has configured no logging, to stderr. ``Debug(0)`` (``Debug.NONE``) turns it off.

    >>> import logging
    >>> set_debug_mode(Debug.Client)
    >>> logging.getLogger("c104test.client").level == logging.DEBUG
    True
    >>> set_debug_mode(Debug.NONE)
    >>> logging.getLogger("c104test.client").level == logging.NOTSET
    True
    """
    import logging  # here, not at the top: ``import c104test.protocol`` must not load threading
    import sys

    global _debug, _debug_handler
    _debug = Debug(mode)
    enabled = {name for flag, names in DEBUG_LOGGERS.items() if flag in _debug for name in names}
    for name in {n for names in DEBUG_LOGGERS.values() for n in names}:
        logging.getLogger(name).setLevel(logging.DEBUG if name in enabled else logging.NOTSET)
    root = logging.getLogger("c104test")
    if enabled and _debug_handler is None and not logging.getLogger().hasHandlers():
        _debug_handler = logging.StreamHandler(sys.stderr)
        _debug_handler.setFormatter(logging.Formatter("[%(name)s] %(message)s"))
        root.addHandler(_debug_handler)
    elif not enabled and _debug_handler is not None:
        root.removeHandler(_debug_handler)
        _debug_handler = None


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
