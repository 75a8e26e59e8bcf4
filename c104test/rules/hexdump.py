"""Octets written in hex, as people paste them from Wireshark, logs and specifications.

Accepted between octets: spaces, colons, dashes, commas, and ``0x`` prefixes; several pieces
(command-line arguments, Robot arguments) are joined in order. All of these are ``68 04 0b 00 00 00``::

    parse_hex("68040b000000")
    parse_hex("68:04:0b:00:00:00")
    parse_hex("0x68 0x04 0x0B 0x00 0x00 0x00")
    parse_hex("68", "04", "0b", "00", "00", "00")

An error names the piece and the character position: ``'g' is not a hex digit (argument 2,
character 1)``.
"""

from __future__ import annotations

import re

__all__ = ["format_hex", "parse_hex"]

# a 0x prefix, separators, a run of digits, or one character that is none of them
_TOKEN = re.compile(r"(?P<prefix>0[xX](?=[0-9a-fA-F]))|(?P<gap>[\s:,\-]+)|(?P<digits>[0-9a-fA-F]+)|(?P<bad>.)", re.S)


def parse_hex(*pieces: str) -> bytes:
    """The octets of one or more hex pieces; ValueError with the position of the first bad character."""
    digits: list[str] = []
    many = len(pieces) > 1
    for number, piece in enumerate(pieces, start=1):
        if not isinstance(piece, str):
            raise ValueError(f"{piece!r} is not hex text")
        for match in _TOKEN.finditer(piece):
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
