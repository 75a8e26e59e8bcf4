"""Files of a simulated station (the ``files`` key of a station in a profile, docs/profile.md).

A file has an IOA, a name (NOF, 1..65535), content (``text``, ``hex`` or a generated ``size``)
and a number of ``sections``; the station layer (``protocol/station/files.py``) serves it.

>>> f = FileProfile(700, 1, b"event log", sections=2)
>>> f.content, f.sections
(b'event log', 2)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from yaml.nodes import Node

from ..protocol.station.files import NEGATIVE_SECTION_ACK, StoredFile

__all__ = ["FILE_KEYS", "MAX_FILE_LENGTH", "FileProfile", "check_negative_section_ack", "generated_content", "load_files"]

MAX_FILE_LENGTH = 0xFFFFFF  # LOF: three octets
FILE_KEYS = ("io_address", "name", "text", "hex", "size", "sections", "description")
_CONTENT_KEYS = ("text", "hex", "size")


def generated_content(size: int) -> bytes:
    """``size`` octets 0, 1, ..., 255, 0, 1, ... (a ``size:`` file)."""
    return bytes(range(256)) * (size // 256) + bytes(range(size % 256))


@dataclass(frozen=True, slots=True)
class FileProfile:
    """One file of a station: IOA, name (NOF), content and how many sections it has."""

    io_address: int
    name: int
    content: bytes
    sections: int = 1
    description: str = ""

    def __post_init__(self) -> None:
        for key, high in (("io_address", 0xFFFFFF), ("name", 0xFFFF), ("sections", 255)):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
                raise ValueError(f"{key}: expected an integer in 1..{high}, got {value!r}")
        if not isinstance(self.description, str):
            raise ValueError(f"description: expected text, got {self.description!r}")
        if not 1 <= len(self.content) <= MAX_FILE_LENGTH:
            raise ValueError(f"content: {len(self.content)} octets; a file has 1..{MAX_FILE_LENGTH}")
        if not 1 <= self.sections <= min(255, len(self.content)):
            raise ValueError(f"sections: {self.sections}; 1..{min(255, len(self.content))} for {len(self.content)} octets")

    def stored(self) -> StoredFile:
        return StoredFile.split(self.io_address, self.name, self.content, self.sections)


def check_negative_section_ack(v: object) -> str:
    """The PIXIT ``negative_section_ack``: repeat or abort."""
    if not isinstance(v, str) or v.strip().lower() not in NEGATIVE_SECTION_ACK:
        raise ValueError(f"{v!r} is not a reaction; expected {' or '.join(NEGATIVE_SECTION_ACK)}")
    return v.strip().lower()


def _content(key: str, value: Any) -> bytes:
    if key == "text":
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {value!r}")
        return value.encode("utf-8")
    if key == "hex":
        try:
            return bytes.fromhex(str(value))
        except ValueError:
            raise ValueError(f"{value!r} is not hex octets (like '01 a2 ff')") from None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_FILE_LENGTH:
        raise ValueError(f"expected a number of octets in 1..{MAX_FILE_LENGTH}, got {value!r}")
    return generated_content(value)


def load_files(loader: Any, node: Node, path: str, point_addresses: Callable[[int], bool]) -> tuple[FileProfile, ...]:
    """The ``files`` list of a station; ``loader`` is profile.py's, whose errors name the line.

    ``point_addresses(ioa)`` says whether a point of the station already uses the IOA.
    """
    files: list[FileProfile] = []
    seen: dict[int, str] = {}
    for i, item in enumerate(loader.sequence(node, path, "files")):
        where = f"{path}[{i}]"
        entries = loader.mapping(item, where, FILE_KEYS, "file settings")
        for key in ("io_address", "name"):
            if key not in entries:
                raise loader.error(item, f"{where}.{key}", "missing; every file needs io_address and name")
        given = [k for k in _CONTENT_KEYS if k in entries]
        if len(given) != 1:
            raise loader.error(item, where, f"give exactly one of text, hex or size (got {', '.join(given) or 'none'})")
        values = {key: loader.value(value_node, f"{where}.{key}") for key, (_, value_node) in entries.items()}
        ioa_node = entries["io_address"][1]
        ioa = values["io_address"]
        if isinstance(ioa, int) and (ioa in seen or point_addresses(ioa)):
            other = seen.get(ioa, "a point")
            raise loader.error(ioa_node, f"{where}.io_address", f"{ioa} is already used by {other}")
        try:
            content = _content(given[0], values[given[0]])
        except ValueError as exc:
            raise loader.error(entries[given[0]][1], f"{where}.{given[0]}", str(exc)) from None
        try:
            file = FileProfile(ioa, values["name"], content, values.get("sections", 1),
                               values.get("description") or "")
        except ValueError as exc:  # "field: message"
            field, _, message = str(exc).partition(": ")
            if field not in entries:
                raise loader.error(item, where, str(exc)) from None
            raise loader.error(entries[field][1], f"{where}.{field}", message) from None
        seen[ioa] = where
        files.append(file)
    return tuple(files)
