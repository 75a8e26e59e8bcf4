"""Write journal frames as a pcap file that tshark and Wireshark decode as IEC 104.

Each APDU becomes one TCP segment between 127.0.0.1 (client) and 127.0.0.2 (RTU, port 2404, the
port tshark binds to IEC 104 by default), with sequence numbers that follow the bytes sent, so a
reader sees one clean TCP conversation.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path

__all__ = ["write_pcap"]

_CLIENT_IP = bytes((127, 0, 0, 1))
_SERVER_IP = bytes((127, 0, 0, 2))
_CLIENT_PORT = 40001
_SERVER_PORT = 2404


def _ip_checksum(header: bytes) -> int:
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _segment(payload: bytes, from_client: bool, seq: int, ack: int) -> bytes:
    src, dst = (_CLIENT_IP, _SERVER_IP) if from_client else (_SERVER_IP, _CLIENT_IP)
    sport, dport = (_CLIENT_PORT, _SERVER_PORT) if from_client else (_SERVER_PORT, _CLIENT_PORT)
    # TCP checksum left 0: readers do not validate it by default
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, 0x18, 65535, 0, 0)
    total = 20 + len(tcp) + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", _ip_checksum(ip)) + ip[12:]
    ether = b"\x00\x00\x00\x00\x00\x02" + b"\x00\x00\x00\x00\x00\x01" + b"\x08\x00"
    return ether + ip + tcp + payload


def write_pcap(path: str | Path, frames: Iterable[tuple[float, bool, bytes]]) -> int:
    """Write ``(timestamp, from_client, apdu)`` tuples to ``path``; returns the frame count."""
    seq = {True: 1000, False: 5000}
    count = 0
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for timestamp, from_client, apdu in frames:
            packet = _segment(apdu, from_client, seq[from_client], seq[not from_client])
            seq[from_client] = (seq[from_client] + len(apdu)) & 0xFFFFFFFF
            sec = int(timestamp)
            usec = int((timestamp - sec) * 1_000_000)
            out.write(struct.pack("<IIII", sec, usec, len(packet), len(packet)))
            out.write(packet)
            count += 1
    return count
