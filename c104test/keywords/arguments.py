"""Keyword arguments as Robot receives them: misspelt names, IEC names, addresses.

Robot treats ``selct=True`` as a positional value when no argument is called ``selct``, so
without help the error blames whichever argument the value lands in ("Argument
'common_address' got value 'selct=True'..."). ``ArgumentGuard`` looks at the arguments as
written, before Robot resolves them, and reports the misspelt name instead:
``Send Command got an unexpected argument 'selct'; did you mean 'select'?``.

Robot also drops a converter's message when the type is a union (``Cot | int | None``), so a
misspelt COT would list no valid names. ``narrow_types`` presents such arguments to Robot as
the enum alone; its converter (``enum_converter``) accepts the other members of the union too.
"""

from __future__ import annotations

import difflib
import enum
import re
import types
import typing
from collections.abc import Callable
from typing import Any

from ..rules import addresses
from ..rules.names import lookup

__all__ = ["ADDRESS_CONVERTERS", "ArgumentGuard", "CommonAddress", "IoAddress", "enum_converter", "narrow_types"]

_NAMED = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=")


class IoAddress(int):
    """An information object address (IOA), 0..16777215; ``0x`` allowed."""


class CommonAddress(int):
    """A common address (CA), 0..65535 (65535: broadcast); ``0x`` allowed."""


def _none(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().upper() == "NONE")


def io_address_converter(value: str | int | None) -> int | None:
    """IOA 0..16777215; a value outside is refused with the range."""
    return None if _none(value) else addresses.io_address(value)


def common_address_converter(value: str | int | None) -> int | None:
    """CA 0..65535; a value outside is refused with the range."""
    return None if _none(value) else addresses.common_address(value)


ADDRESS_CONVERTERS: dict[type, Callable[[Any], Any]] = {
    IoAddress: io_address_converter,
    CommonAddress: common_address_converter,
}
#: every keyword argument that holds an address, read by rules.addresses (Verify Point's command and
#: return IOAs too: Robot's own int conversion had no word for 1-2-3 or 100.0)
_BY_NAME = {"io_address": IoAddress, "common_address": CommonAddress,
            "command_io_address": IoAddress, "return_io_address": IoAddress}


def enum_converter(cls: type[enum.IntEnum]) -> Callable[[str | int | None], Any]:
    """A Robot converter for an IEC enum: any case, spaces or underscores, ``Cls.`` prefix, numbers.

    A misspelt name fails with "did you mean" and the valid names. A number the enum does not
    name stays a number (``cot=50`` filters for an unknown cause); ``None`` stays None.
    """

    def convert(value: str | int | None) -> Any:
        if _none(value):
            return None
        if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
            value = int(value)
        if isinstance(value, int) and not isinstance(value, cls):
            try:
                return cls(value)
            except ValueError:
                return value  # the keyword checks the range it allows
        return lookup(cls, value)

    convert.__name__ = f"convert_{cls.__name__.lower()}"
    convert.__doc__ = (
        f"{cls.__name__} member by name (any case, spaces or underscores, optional "
        f"``{cls.__name__}.`` prefix) or by number; a misspelt name is refused with the valid ones."
    )
    return convert


def narrow_types(hints: dict[str, Any], enums: tuple[type, ...]) -> dict[str, Any]:
    """``Cot | int | None`` -> ``Cot`` for Robot, so the converter's message reaches the user.

    Arguments named ``io_address`` (also ``command_io_address``, ``return_io_address``) and
    ``common_address`` become IoAddress and CommonAddress,
    whose converters refuse a value outside the range at once (not deep in the encoder).
    """
    narrowed: dict[str, Any] = {}
    for name, hint in hints.items():
        if name in _BY_NAME:  # every keyword's addresses are range-checked the same way
            narrowed[name] = _BY_NAME[name]
            continue
        members = typing.get_args(hint) if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union else ()
        chosen = [m for m in members if m in enums]
        narrowed[name] = chosen[0] if len(chosen) == 1 else hint
    return narrowed


class ArgumentGuard:
    """Listener (API v3) that blames a misspelt named argument on its own name."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, owner: object) -> None:
        self.owner = owner
        self._saved: dict[int, tuple[Any, ...]] = {}

    def start_library_keyword(self, data: Any, implementation: Any, result: Any) -> None:
        try:
            if implementation.owner.instance is not self.owner:
                return
            spec = implementation.args
        except Exception:
            return
        if spec.var_named:
            return
        names = list(spec.named)
        for arg in data.args:
            found = _NAMED.match(arg) if isinstance(arg, str) else None
            if found is None or found[1] in names:
                continue
            # a close spelling (selct), else a name the word contains (connect_timeout: timeout)
            close = difflib.get_close_matches(found[1], names, n=1, cutoff=0.7) or sorted(
                (n for n in names if len(n) >= 3 and n in found[1]), key=len, reverse=True)[:1]
            if not close:
                continue
            implementation.error = (
                f"{implementation.name} got an unexpected argument '{found[1]}'; did you mean '{close[0]}'?"
            )
            # Robot resolves the arguments before it reports the error: take the bad one out
            # for this call only (end_library_keyword puts the keyword's data back).
            self._saved[id(data)] = data.args
            data.args = tuple(a for a in data.args if a is not arg)
            return

    def end_library_keyword(self, data: Any, implementation: Any, result: Any) -> None:
        saved = self._saved.pop(id(data), None)
        if saved is not None:
            data.args = saved
