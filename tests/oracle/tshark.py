"""tshark as an independent IEC 104 decoder: APDUs in, what Wireshark's dissector shows out.

All APDUs of a batch go into one pcap (written by ``text2pcap``, one TCP segment 40001 -> 2404
per APDU) and one ``tshark -T pdml`` run, because starting tshark costs far more than
dissecting a few hundred frames. PDML keeps Wireshark's tree: every information object is a
subtree "IOA: n" whose children are the element fields, so per-object values stay together
even with SQ=1 (where tshark repeats the generated IOA in each subtree).

tshark runs with TZ=UTC (it renders CP56Time2a in the local zone). A packet counts as
malformed when Wireshark adds a "Malformed", "Unreassembled" or "Short" pseudo-protocol to it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

__all__ = ["TIMEOUT", "TsharkError", "decode_with_tshark", "tshark_available", "tshark_version"]

TIMEOUT = 60.0  # seconds, for every subprocess

_ASDU = "iec60870_asdu."
_BROKEN = ("_ws.malformed", "_ws.unreassembled", "_ws.short")
_HEADER = ("typeid", "sq", "numix", "causetx", "nega", "test", "oa", "addr")


class TsharkError(RuntimeError):
    """text2pcap or tshark failed, or its output does not line up with the APDUs given."""


def tshark_available() -> bool:
    """True when both tshark and text2pcap are on PATH."""
    return shutil.which("tshark") is not None and shutil.which("text2pcap") is not None


def tshark_version() -> str:
    out = subprocess.run(
        ["tshark", "--version"], capture_output=True, text=True, timeout=TIMEOUT, check=True
    ).stdout
    return out.splitlines()[0] if out else "tshark (unknown version)"


def _hexdump(apdus: list[bytes]) -> str:
    """text2pcap input: per packet, offset-prefixed lines of 16 octets; offset 0 starts a packet."""
    lines: list[str] = []
    for data in apdus:
        for off in range(0, len(data), 16):
            lines.append(f"{off:06x} " + data[off : off + 16].hex(" "))
        lines.append("")
    return "\n".join(lines) + "\n"


def _run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, **kwargs)
    except subprocess.TimeoutExpired as exc:
        raise TsharkError(f"{cmd[0]} did not finish within {TIMEOUT} s") from exc
    if proc.returncode != 0:
        raise TsharkError(f"{' '.join(cmd)} exited with {proc.returncode}: {proc.stderr.strip()}")
    return proc


def _int(text: str) -> int:
    return int(text, 16) if text.startswith("0x") else int(text)


def _field_value(el: ET.Element) -> str:
    name = el.get("name", "")
    if name == _ASDU + "rawdata":  # show is colon-separated and may be abbreviated
        return el.get("value", "")
    return el.get("show", "")


def _collect(el: ET.Element, into: dict[str, str]) -> None:
    """Flatten an object subtree: short field name -> shown value (first occurrence wins)."""
    for child in el.iter("field"):
        name = child.get("name", "")
        if name.startswith(_ASDU):
            into.setdefault(name[len(_ASDU) :], _field_value(child))


def _experts(packet: ET.Element) -> tuple[list[str], bool]:
    """Expert infos raised by the IEC 104 dissectors, and whether the packet is malformed."""
    messages: list[str] = []
    malformed = False
    for proto in packet.iter("proto"):
        pname = proto.get("name", "")
        if pname in _BROKEN:
            malformed = True
        elif not pname.startswith("iec60870"):
            continue
        for field in proto.iter("field"):
            if field.get("name") == "_ws.expert":
                messages.append(field.get("showname", "expert info"))
    return messages, malformed


def _packet(packet: ET.Element) -> dict[str, Any]:
    out: dict[str, Any] = {"objects": [], "asdu_count": 0}
    out["expert"], out["malformed"] = _experts(packet)
    for proto in packet.findall("proto"):
        pname = proto.get("name")
        if pname == "iec60870_104" and "apdulen" not in out:
            for field in proto.iter("field"):
                name = field.get("name", "")
                if name.startswith("iec60870_104."):
                    out.setdefault(name.split(".", 1)[1], _int(field.get("show", "0")))
        elif pname == "iec60870_asdu":
            out["asdu_count"] += 1
            if out["asdu_count"] > 1:
                continue
            loose: dict[str, str] = {}
            for child in proto.findall("field"):
                name = child.get("name", "")
                if name == "" and child.get("show", "").startswith("IOA:"):
                    obj: dict[str, str] = {}
                    _collect(child, obj)
                    out["objects"].append(obj)
                elif name[len(_ASDU) :] in _HEADER:
                    out[name[len(_ASDU) :]] = _int(child.get("show", "0"))
                elif name.startswith(_ASDU):
                    # objects tshark does not break down: the IOA and raw data sit directly
                    # under the ASDU (unknown types, file transfer, C_RD_NA_1 ...)
                    loose.setdefault(name[len(_ASDU) :], _field_value(child))
            if loose:
                out["objects"].append(loose)
    for obj in out["objects"]:
        if "ioa" in obj:
            obj["ioa"] = int(obj["ioa"])
    return out


def decode_with_tshark(apdus: list[bytes]) -> list[dict[str, Any]]:
    """Dissect every APDU with one tshark run; one dict per APDU, in order.

    Each dict has the APCI fields (``apdulen``, ``type``, ``tx``, ``rx``), the ASDU header
    (``typeid``, ``sq``, ``numix``, ``causetx``, ``nega``, ``test``, ``oa``, ``addr`` as int),
    ``objects`` (per information object: ``ioa`` as int and every element field tshark shows,
    by its name without the ``iec60870_asdu.`` prefix, as the string tshark shows, e.g.
    ``"siq.spi": "1"``, ``"normval": "-0.375"``, ``"cp56time.year": "25"``, ``"rawdata": "aa55"``),
    ``asdu_count`` (ASDUs tshark found in the segment), ``expert`` (expert-info messages of the
    IEC 104 dissectors) and ``malformed``.
    """
    if not apdus:
        return []
    with tempfile.TemporaryDirectory(prefix="c104test-tshark-") as tmp:
        text = Path(tmp, "apdus.txt")
        pcap = Path(tmp, "apdus.pcap")
        text.write_text(_hexdump(apdus))
        _run(["text2pcap", "-q", "-T", "40001,2404", str(text), str(pcap)])
        env = {**os.environ, "TZ": "UTC", "LC_ALL": "C"}
        proc = _run(
            [
                "tshark",
                "-n",
                "-r",
                str(pcap),
                "-d",
                "tcp.port==2404,iec60870_104",
                "-o",
                "tcp.analyze_sequence_numbers:FALSE",
                "-T",
                "pdml",
            ],
            env=env,
        )
    try:
        root = ET.fromstring(proc.stdout)
    except ET.ParseError as exc:
        raise TsharkError(f"tshark wrote PDML that does not parse: {exc}") from exc
    packets = root.findall("packet")
    if len(packets) != len(apdus):
        raise TsharkError(f"{len(apdus)} APDUs went in, tshark dissected {len(packets)} packets")
    return [_packet(p) for p in packets]
