"""Information: the base class of every point value (received or built by a script)."""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Callable
from typing import Any, ClassVar

from ..protocol.enums import (
    BinaryCounterQuality,
    Quality,
)
from .info_fields import _UNSET, ReadOnlyInformation, _now, _to_quality, _to_time


class Information:
    """The value of a point at one moment, with its quality and time tag.

    Received infos are read-only (``is_readonly``); the ones a script builds can be changed.
    """

    __slots__ = ("_processed_at", "_quality", "_readonly", "_recorded_at")

    _VALUE: ClassVar[str]  # the field that ``value`` returns
    _FIELDS: ClassVar[tuple[str, ...]]  # in the order of the constructor
    _QUALITY: ClassVar[Callable[[Any], Any] | None] = _to_quality  # None for commands

    _quality: Any
    _recorded_at: _dt.datetime | None
    _processed_at: _dt.datetime
    _readonly: bool

    def __init__(self) -> None:
        raise TypeError("Information is abstract; build a SingleInfo, a SingleCmd, ...")

    def _init_base(self, quality: Any, recorded_at: _dt.datetime | None) -> None:
        convert = type(self)._QUALITY
        self._quality = None if convert is None else convert(quality)
        self._recorded_at = _to_time(recorded_at)
        self._processed_at = _now()
        self._readonly = False

    def _check_writable(self, what: str) -> None:
        if self._readonly:
            raise ReadOnlyInformation(
                f"{type(self).__name__} is read-only (it was received): cannot set {what}"
            )

    @property
    def value(self) -> Any:
        """The primary value: ``on``, ``state``, ``position``, ``blob``, ``actual``, ..."""
        return getattr(self, self._VALUE)

    @property
    def quality(self) -> Quality | BinaryCounterQuality | None:
        """Quality flags; BinaryCounterQuality for counters, None for commands."""
        return self._quality

    @property
    def recorded_at(self) -> _dt.datetime | None:
        """The CP56Time2a time tag as a naive datetime; None for types without one."""
        return self._recorded_at

    @property
    def processed_at(self) -> _dt.datetime:
        """When the info was received or built (naive local time)."""
        return self._processed_at

    @property
    def is_readonly(self) -> bool:
        return self._readonly

    def update(
        self, *, value: Any = _UNSET, quality: Any = _UNSET, recorded_at: Any = _UNSET
    ) -> None:
        """Change value, quality and time together, all or nothing (not in c104).

        The Point layer uses it for ``point.value = ...`` and ``point.quality = ...``. Errors:
        ValueError on a read-only info or a quality for a command, TypeError for a wrong type,
        IndexError for a number out of range.
        """
        self._check_writable("its value")
        cls = type(self)
        new: dict[str, Any] = {}
        if value is not _UNSET:
            new["_" + cls._VALUE] = getattr(cls, cls._VALUE)._convert(value)
        if quality is not _UNSET:
            if cls._QUALITY is None:
                if quality is not None:
                    raise ValueError(f"{cls.__name__} is a command and has no quality")
            else:
                new["_quality"] = cls._QUALITY(quality)
        if recorded_at is not _UNSET:
            new["_recorded_at"] = _to_time(recorded_at)
        for slot, item in new.items():
            setattr(self, slot, item)

    def __repr__(self) -> str:
        parts = [f"{name}={_show(getattr(self, name))}" for name in self._FIELDS]
        if type(self)._QUALITY is not None:
            parts.append(f"quality={self._quality}")
        parts.append(f"recorded_at={_show_time(self._recorded_at)}")
        parts.append(f"processed_at={_show_time(self._processed_at)}")
        parts.append(f"readonly={self._readonly}")
        return f"<c104test.{type(self).__name__} {', '.join(parts)}>"

    __str__ = __repr__


def _show(value: Any) -> str:
    if isinstance(value, enum.Flag):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.name
    return str(value)


def _show_time(value: _dt.datetime | None) -> str:
    return "None" if value is None else value.isoformat()

