"""Write journal frames as a pcapng file that tshark and Wireshark decode as IEC 104.

Each APDU becomes one TCP segment between the connection's real endpoints (its local and peer
address and port, IPv4 or IPv6), with sequence numbers that follow the bytes sent, so a reader
sees one clean TCP conversation. A journal that knows no endpoints (an in-memory test stream) is
written between 127.0.0.1:40001 and 127.0.0.2:2404. tshark decodes port 2404 as IEC 104 by
default; for another port use ``tshark -d tcp.port==PORT,iec60870_104``.

pcapng, not pcap, because it carries comments: the section says which connection it is, and the
first packet says how many earlier frames the journal had dropped, where an engineer opening the
file in Wireshark sees it. The format is four small blocks (SHB, IDB, EPB, options), written here
rather than through a library, so the package needs no dependency for it.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Iterable
from pathlib import Path

__all__ = ["Address", "CaptureWriter", "Conversation", "Endpoints", "write_pcap"]

Address = tuple[str, int]  # (host, port) as getsockname()/getpeername() give it
Endpoints = tuple[Address, Address]  # (local, peer)

_DEFAULT_CLIENT: Address = ("127.0.0.1", 40001)
_DEFAULT_SERVER: Address = ("127.0.0.2", 2404)
_LINKTYPE_ETHERNET = 1
_OPT_COMMENT = 1
_SHB_USERAPPL = 4



def _ip_checksum(header: bytes) -> int:
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _packed(host: str) -> bytes:
    return ipaddress.ip_address(host.split("%")[0]).packed  # drop an IPv6 scope id


def _segment(payload: bytes, src: Address, dst: Address, seq: int, ack: int) -> bytes:
    sip, dip = _packed(src[0]), _packed(dst[0])
    # TCP checksum left 0: readers do not validate it by default
    tcp = struct.pack("!HHIIBBHHH", src[1], dst[1], seq, ack, 5 << 4, 0x18, 65535, 0, 0)
    if len(sip) == 4 and len(dip) == 4:
        total = 20 + len(tcp) + len(payload)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0, sip, dip)
        ip = ip[:10] + struct.pack("!H", _ip_checksum(ip)) + ip[12:]
        ethertype = b"\x08\x00"
    else:  # IPv6 (an IPv4 endpoint on a dual-stack socket is written as its mapped form)
        sip, dip = (_v6(a) for a in (sip, dip))
        ip = struct.pack("!IHBB16s16s", 6 << 28, len(tcp) + len(payload), 6, 64, sip, dip)
        ethertype = b"\x86\xdd"
    ether = b"\x00\x00\x00\x00\x00\x02" + b"\x00\x00\x00\x00\x00\x01" + ethertype
    return ether + ip + tcp + payload


def _v6(packed: bytes) -> bytes:
    return packed if len(packed) == 16 else b"\x00" * 10 + b"\xff\xff" + packed


def _option(code: int, value: bytes) -> bytes:
    pad = -len(value) % 4
    return struct.pack("<HH", code, len(value)) + value + b"\x00" * pad


def _block(kind: int, body: bytes, options: bytes = b"") -> bytes:
    if options:
        options += struct.pack("<HH", 0, 0)  # opt_endofopt
    length = 12 + len(body) + len(options)
    return struct.pack("<II", kind, length) + body + options + struct.pack("<I", length)


class CaptureWriter:
    """A pcapng file of several TCP conversations, written one conversation at a time (``add``)
    or frame by frame as they happen (``conversation``).

    A conformance run opens one per run and adds each case's connections as they end, so the
    whole run is one file (``capture.pcap``) without holding its frames in memory.

    >>> with CaptureWriter("run.pcap") as capture:  # doctest: +SKIP
    ...     capture.add(frames, endpoints=(("127.0.0.1", 40001), ("127.0.0.1", 2404)))
    """

    def __init__(self, path: str | Path, *, comment: str | None = None, describe: str | None = None) -> None:
        self.path = path
        self.count = 0  # packets written
        self._out = open(path, "wb")  # noqa: SIM115 (closed by close())
        shb_options = _option(_SHB_USERAPPL, b"c104test")
        for text in (describe, comment):
            if text:
                shb_options += _option(_OPT_COMMENT, text.encode())
        self._out.write(_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1), shb_options))
        self._out.write(_block(1, struct.pack("<HHI", _LINKTYPE_ETHERNET, 0, 65535)))

    def add(
        self,
        frames: Iterable[tuple[float, bool, bytes]],
        *,
        endpoints: Endpoints | None = None,
        local_is_client: bool = True,
        comment: str | None = None,
    ) -> int:
        """One TCP conversation: ``(timestamp, from_client, apdu)`` tuples; returns their count.

        ``comment`` goes on the conversation's first packet.
        """
        conversation = self.conversation(endpoints=endpoints, local_is_client=local_is_client, comment=comment)
        for timestamp, from_client, apdu in frames:
            conversation.add(timestamp, from_client, apdu)
        return conversation.count

    def conversation(
        self, *, endpoints: Endpoints | None = None, local_is_client: bool = True, comment: str | None = None
    ) -> Conversation:
        """A TCP conversation written frame by frame as it happens; several may interleave
        (the simulator writes each connection's frames as they are sent and received)."""
        return Conversation(self, endpoints, local_is_client, comment)

    def _packet(self, timestamp: float, packet: bytes, comment: str | None) -> None:
        micros = round(timestamp * 1_000_000)
        body = struct.pack("<IIIII", 0, micros >> 32, micros & 0xFFFFFFFF, len(packet), len(packet))
        body += packet + b"\x00" * (-len(packet) % 4)
        options = _option(_OPT_COMMENT, comment.encode()) if comment else b""
        self._out.write(_block(6, body, options))
        self.count += 1

    def flush(self) -> None:
        """What was written so far reaches the file (a reader may open it while it grows)."""
        self._out.flush()

    def close(self) -> None:
        self._out.close()

    def __enter__(self) -> CaptureWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Conversation:
    """One TCP conversation of a ``CaptureWriter``: sequence numbers follow the bytes each side sent."""

    __slots__ = ("_client", "_comment", "_seq", "_server", "_writer", "count")

    def __init__(self, writer: CaptureWriter, endpoints: Endpoints | None, local_is_client: bool,
                 comment: str | None) -> None:
        self._writer = writer
        self._client, self._server = _client_server(endpoints, local_is_client)
        self._seq = {True: 1000, False: 5000}
        self._comment = comment  # on the first packet
        self.count = 0  # packets written

    def add(self, timestamp: float, from_client: bool, apdu: bytes) -> None:
        """One APDU as one TCP segment (``timestamp``: epoch seconds)."""
        seq = self._seq
        src, dst = (self._client, self._server) if from_client else (self._server, self._client)
        packet = _segment(apdu, src, dst, seq[from_client], seq[not from_client])
        seq[from_client] = (seq[from_client] + len(apdu)) & 0xFFFFFFFF
        self._writer._packet(timestamp, packet, self._comment if self.count == 0 else None)
        self.count += 1


def _client_server(endpoints: Endpoints | None, local_is_client: bool) -> tuple[Address, Address]:
    if endpoints is None:
        return _DEFAULT_CLIENT, _DEFAULT_SERVER
    local, peer = endpoints
    return (local, peer) if local_is_client else (peer, local)


def write_pcap(
    path: str | Path,
    frames: Iterable[tuple[float, bool, bytes]],
    *,
    endpoints: Endpoints | None = None,
    local_is_client: bool = True,
    comment: str | None = None,
) -> int:
    """Write ``(timestamp, from_client, apdu)`` tuples to ``path``; returns the frame count.

    ``endpoints`` are the connection's (local, peer) addresses; ``comment`` goes on the section
    and on the first packet (or on the section alone when there is no packet).
    """
    client, server = _client_server(endpoints, local_is_client)
    describe = f"IEC 60870-5-104, controlling station {client[0]}:{client[1]}, controlled station {server[0]}:{server[1]}"
    with CaptureWriter(path, comment=comment, describe=describe) as capture:
        return capture.add(frames, endpoints=endpoints, local_is_client=local_is_client, comment=comment)
