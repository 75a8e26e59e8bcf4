"""What a signal list's octets are, whatever its name says, and the text of a CSV one: a zip
(XLSX, ODS), a legacy Excel workbook, binary, or text in UTF-8, UTF-16 or Windows-1252."""

from __future__ import annotations

__all__ = ["decode_csv", "file_kind"]


def file_kind(data: bytes) -> str:
    """What the octets are, whatever the file's name says: zip (XLSX, ODS), ole2 (legacy .xls),
    binary (a NUL octet in the first 8 KiB), else text."""
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole2"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"  # UTF-16, as Excel saves 'Unicode text'
    return "binary" if b"\x00" in data[:8192] else "text"


def decode_csv(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), UTF-16 with its BOM (Excel's 'Unicode
    text', tab-separated), else Windows-1252 as Excel writes it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
