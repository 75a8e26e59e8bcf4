"""scapy's ``scapy.contrib.scada.iec104`` as an independent IEC 104 decoder and encoder.

scapy is imported lazily, so that this module (and the conftest that uses it) imports without
scapy installed. ``decode_with_scapy`` turns one APDU into plain data: the APCI and ASDU
header fields and, per information object, the IOA and scapy's own field values.

Known ways in which scapy 2.8 reads the wire differently from the standard and lib60870
(the tests compare through these, see test_scapy.py):

* BSI (types 7, 8, 33, 51, 64) is a 32-bit ``BitField``: the four octets read big-endian.
  Wireshark shows BSI the same way; lib60870 (and c104test) read it as a little-endian UI32.
* SCD (type 20) is 32 one-bit fields ``cd_16 .. cd_1, st_16 .. st_1`` over the four octets
  read big-endian, so scapy's "CD" is the first two octets (the standard's ST) and its bit
  numbering runs from the most significant bit of each octet pair.
* LOF (types 120, 121, 126) is a ``ThreeBytesField``: three octets read big-endian; the
  standard's UI24 (and lib60870) is little-endian.
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType
from typing import Any

__all__ = ["decode_with_scapy", "load_iec104", "scapy_available"]

_IOA = "information_object_address"


def scapy_available() -> bool:
    try:
        load_iec104()
    except ImportError:
        return False
    return True


@cache
def load_iec104() -> ModuleType:
    """Load scapy's IEC 104 contrib layer (ImportError when scapy is not installed)."""
    scapy_all = importlib.import_module("scapy.all")
    scapy_all.load_contrib("scada.iec104")
    return importlib.import_module("scapy.contrib.scada.iec104")


def _leftover(layer: Any) -> bytes:
    """Octets scapy did not turn into fields: a Raw or Padding payload under ``layer``."""
    payload = layer.payload
    data = b""
    while payload is not None and payload.__class__.__name__ in ("Raw", "Padding"):
        data += bytes(payload.load)
        payload = payload.payload if payload.payload else None
    return data


def decode_with_scapy(apdu: bytes) -> dict[str, Any]:
    """Dissect one APDU with scapy.

    Returns ``layer`` (scapy's class name), the APCI fields (``apdu_length``, ``tx``, ``rx``),
    the ASDU header (``type_id``, ``sq``, ``num_io``, ``test``, ``negative`` (scapy: ``ack``),
    ``cot``, ``oa``, ``ca``), ``objects`` (per information object a dict of scapy's field
    values with ``information_object_address`` filled in from the base address for SQ=1) and
    ``unparsed`` (octets scapy left as Raw/Padding, or object classes it did not know).
    """
    mod = load_iec104()
    pkt = mod.IEC104_APDU(apdu)
    name = pkt.__class__.__name__
    out: dict[str, Any] = {"layer": name, "objects": [], "unparsed": _leftover(pkt)}
    if not name.startswith("IEC104_I_Message"):
        return out
    f = pkt.fields
    out.update(
        apdu_length=f["apdu_length"],
        tx=f["tx_seq_num"],
        rx=f["rx_seq_num"],
        type_id=f["type_id"],
        sq=f["sq"],
        num_io=f["num_io"],
        test=f["test"],
        negative=f["ack"],
        cot=f["cot"],
        oa=f["origin_address"],
        ca=f["common_asdu_address"],
    )
    base = f.get(_IOA)
    for i, io in enumerate(pkt.io):
        if io.__class__.__name__ in ("Raw", "Padding"):
            out["unparsed"] += bytes(io)
            continue
        obj = dict(io.fields)
        if base is not None:  # SQ=1: the elements carry no address of their own
            obj[_IOA] = base + i
        out["objects"].append(obj)
        out["unparsed"] += _leftover(io)
    return out
