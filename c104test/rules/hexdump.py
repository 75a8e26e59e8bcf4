r"""Octets written in hex, as people paste them from Wireshark, logs and specifications.

Accepted between octets: spaces, newlines, colons, dashes, commas, and ``0x`` or ``\x`` prefixes;
several pieces (command-line arguments, Robot arguments) are joined in order. Wireshark's copies
all work: "as Hex Stream", "as Escaped String", and "as Hex Dump" (offset, octets and ASCII
column: the offset and the ASCII are left out). All of these are ``68 04 0b 00 00 00``::

    parse_hex("68040b000000")
    parse_hex("68:04:0b:00:00:00")
    parse_hex("0x68 0x04 0x0B 0x00 0x00 0x00")
    parse_hex("68", "04", "0b", "00", "00", "00")
    parse_hex("\\x68\\x04\\x0b\\x00\\x00\\x00")
    parse_hex("0000   68 04 0b 00 00 00                                 h.....")

An error names the piece and the character position: ``'g' is not a hex digit (argument 2,
character 1)``.
"""

from __future__ import annotations

import re

__all__ = ["format_hex", "parse_hex"]

# a 0x or \x prefix, separators, a run of digits, or one character that is none of them
_TOKEN = re.compile(
    r"(?P<prefix>(?:0|\\)[xX](?=[0-9a-fA-F]))|(?P<gap>[\s:,\-]+)|(?P<digits>[0-9a-fA-F]+)|(?P<bad>.)", re.S
)
# a line of Wireshark's "Copy as Hex Dump": offset (a multiple of 16), up to 16 octets, the ASCII column
_DUMP_LINE = re.compile(
    r"^[ \t]*(?P<offset>[0-9a-fA-F]{4,8})(?: {2,}|\t)(?P<octets>(?:[0-9a-fA-F]{2} {1,2}){0,15}[0-9a-fA-F]{2})(?: {2,}.*)?$"
)


def _octets_of_dump(piece: str) -> str:
    """``piece`` without the offsets and ASCII column of a hex dump (when every line is one)."""
    lines = [line for line in piece.splitlines() if line.strip()]
    found = [_DUMP_LINE.match(line) for line in lines]
    if not lines or not all(found) or any(int(m["offset"], 16) % 16 for m in found if m):  # type: ignore[index]
        return piece
    return "\n".join(m["octets"] for m in found if m)  # type: ignore[index]


def parse_hex(*pieces: str) -> bytes:
    """The octets of one or more hex pieces; ValueError with the position of the first bad character."""
    digits: list[str] = []
    many = len(pieces) > 1
    for number, piece in enumerate(pieces, start=1):
        if not isinstance(piece, str):
            raise ValueError(f"{piece!r} is not hex text")
        for match in _TOKEN.finditer(_octets_of_dump(piece)):
            if match["digits"]:
                digits.append(match["digits"])
            elif match["bad"]:
                column = match.start() + 1
                where = f"argument {number}, character {column}" if many else f"character {column} of {piece!r}"
                raise ValueError(f"{match['bad']!r} is not a hex digit ({where})")
    text = "".join(digits)
    if not text:
        raise ValueError("no hex digits given")
    if len(text) % 2:
        raise ValueError(f"odd number of hex digits ({len(text)}): every octet needs two")
    return bytes.fromhex(text)


def format_hex(data: bytes | bytearray | memoryview) -> str:
    """``68 04 0b 00 00 00``: the form parse_hex reads back."""
    return bytes(data).hex(" ")
