"""c104's public names that c104test does not implement yet, each saying what to use instead.

``import c104test as c104`` must never fail with a bare AttributeError on a name of c104 2.2.1:
the name exists, and using it raises NotImplementedError with a sentence.

>>> import c104test as c104
>>> c104.TlsVersion.TLS_1_2.value
6
>>> c104.TransportSecurity()
Traceback (most recent call last):
...
NotImplementedError: c104test does not support TLS yet (c104.TransportSecurity); connect over plain TCP and pass transport_security=None
"""

from __future__ import annotations

import enum
from typing import Any

__all__ = ["TlsCipher", "TlsVersion", "TransportSecurity"]

_TLS = (
    "c104test does not support TLS yet (c104.TransportSecurity); connect over plain TCP and "
    "pass transport_security=None"
)


class TransportSecurity:
    """TLS settings for a Client or Server: not supported yet."""

    def __init__(self, validate: bool = True, only_known: bool = True) -> None:
        raise NotImplementedError(_TLS)


class TlsVersion(enum.IntEnum):
    """TLS protocol versions, as c104 numbers them (kept for scripts that name them)."""

    NOT_SELECTED = 0
    SSL_3_0 = 3
    TLS_1_0 = 4
    TLS_1_1 = 5
    TLS_1_2 = 6
    TLS_1_3 = 7


class _NoCiphers(type):
    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise NotImplementedError(f"c104.TlsCipher.{name}: {_TLS}")


class TlsCipher(metaclass=_NoCiphers):
    """TLS cipher suites: not supported yet (any member raises NotImplementedError)."""

    def __new__(cls, *args: Any) -> Any:
        raise NotImplementedError(f"c104.TlsCipher: {_TLS}")
