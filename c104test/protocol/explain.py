"""Human-readable explanations of APDUs and ASDUs, in the shape of c104's ``explain_bytes``.

``explain_bytes`` starts with exactly the fields that c104 prints, then appends what c104 leaves
out: the sequence numbers and the decoded objects (first three, then ``… n more``)::

    I-Format | M_SP_TB_1 | SPONTANEOUS | POSITIVE | CA 1 | 1st IOA 100 | LIST[1] (64 00 00 01 39 30 22 0d 19 0b 19 ) | N(S) 1 N(R) 1 | IOA 100 = ON @ 2025-11-25 13:34:12.345

Where c104 prints something misleading, c104test does not follow it: a cause of transmission
outside the ``Cot`` enum shows as ``COT 50`` (c104 prints ``UNKNOWN_COT``, the name of COT 45),
the S/E bit of a set-point's QOS counts as select (c104 reports ``select: False``), and malformed
input is refused instead of being read past its end.

Malformed input: ``explain_bytes`` returns ``'Invalid APDU: <reason> (at byte N)'`` (it is used in
logs and failure messages, which must never raise), or raises ``DecodeError`` with
``strict=True``; ``explain_bytes_dict`` always raises ``DecodeError``. Byte offsets count from
the 0x68 octet. Only whole APDUs are accepted, as in c104; ``explain_asdu`` takes a decoded ASDU.
"""

from __future__ import annotations

import enum
from typing import Any

from .apci import IFrame, SFrame, UFrame, decode_frame
from .asdu import Asdu, UnknownAsdu, decode_asdu
from .elements import QOS, QPM
from .enums import Cot, Qoc, Quality, Type
from .errors import DecodeError
from .file_qualifiers import NOT_READY, Afq, FileError, Lsq, Scq, error_of, service_of
from .objects import (
    Bitstring,
    BitstringCommand,
    ClockSync,
    CounterInterrogation,
    DelayAcquisition,
    Directory,
    DoubleCommand,
    DoublePoint,
    EndOfInitialisation,
    FileAck,
    FileCall,
    FileReady,
    InformationObject,
    IntegratedTotals,
    Interrogation,
    LastSection,
    MeasuredNormalized,
    MeasuredScaled,
    MeasuredShort,
    PackedSinglePoints,
    ParameterActivation,
    ParameterNormalized,
    ParameterScaled,
    ParameterShort,
    ProtectionCircuit,
    ProtectionEvent,
    ProtectionStart,
    QueryLog,
    Read,
    ResetProcess,
    SectionReady,
    Segment,
    SetpointNormalized,
    SetpointScaled,
    SetpointShort,
    SingleCommand,
    SinglePoint,
    StepCommand,
    StepPosition,
    TestCommand,
    TestCommandWithTime,
)
from .timetags import CP24Time2a, CP56Time2a

__all__ = ["OBJECT_LIMIT", "explain_asdu", "explain_bytes", "explain_bytes_dict"]

OBJECT_LIMIT = 3
"""How many information objects a one-line explanation shows before ``… n more``."""

GLOBAL_ADDRESS = 0xFFFF
_HEX_LIMIT = 16  # octets of an undecoded payload that explain_asdu shows

_U_TEXT = {0x07: "StartDT act", 0x0B: "StartDT con", 0x13: "StopDT act",
           0x23: "StopDT con", 0x43: "TestFR act", 0x83: "TestFR con"}  # fmt: skip

# Short quality names, as the standard and Wireshark abbreviate them (keyed by name: the
# BinaryCounterQuality values overlap Quality's, so a value-keyed table would mislabel them).
_QUALITY_SHORT = {"Overflow": "OV", "ElapsedTimeInvalid": "EI", "Blocked": "BL",
                  "Substituted": "SB", "NonTopical": "NT", "Invalid": "IV"}  # fmt: skip
_KPA = {1: "THRESHOLD", 2: "SMOOTHING", 3: "LOW_LIMIT", 4: "HIGH_LIMIT"}


# ---- public API -------------------------------------------------------------------------------


def explain_bytes(apdu: bytes | bytearray | memoryview, *, strict: bool = False) -> str:
    """One line describing an APDU: c104's fields first, then sequence numbers and values.

    Never raises on malformed input unless ``strict`` is true (then ``DecodeError``).

    >>> explain_bytes(bytes.fromhex("680e0000000064010600010000000014"))
    'I-Format | C_IC_NA_1 | ACTIVATION | POSITIVE | CA 1 | 1st IOA 0 | LIST[1] (00 00 00 14 ) | N(S) 0 N(R) 0 | IOA 0 = STATION'
    >>> explain_bytes(bytes.fromhex("680407000000")), explain_bytes(bytes.fromhex("680401000a00"))
    ('U-Format | StartDT act', 'S-Format | N(R) 5')
    >>> explain_bytes(bytes.fromhex("12040700"))
    'Invalid APDU: APDU of 4 octets is shorter than 6 (at byte 4)'
    """
    try:
        frame, asdu = _decode(apdu)
    except DecodeError as exc:
        if strict:
            raise
        return f"Invalid APDU: {exc}"
    if isinstance(frame, UFrame):
        return f"U-Format | {_U_TEXT[frame.function]}"
    if isinstance(frame, SFrame):
        return f"S-Format | N(R) {frame.recv_seq}"
    assert asdu is not None
    raw = frame.asdu
    fields = ["I-Format", *_header_fields(asdu, positive=True, unknown_type="unknown")]
    first = _first_ioa(asdu, raw)
    if first is not None:
        fields.append(f"1st IOA {first}")
    payload = raw[6:]
    if payload:
        kind = "SEQUENCE" if asdu.sequence else "LIST"
        fields.append(f"{kind}[{asdu.count}] ({_hex(payload)})")
    fields.append(f"N(S) {frame.send_seq} N(R) {frame.recv_seq}")
    body = _objects_text(asdu, OBJECT_LIMIT)
    fields.append(f"TI {asdu.type_id} {body}" if isinstance(asdu, UnknownAsdu) else body)
    return " | ".join(fields)


def explain_bytes_dict(apdu: bytes | bytearray | memoryview) -> dict[str, Any]:
    """The fields of an APDU as a dict with c104's keys, plus ``objects`` (decoded).

    ``type`` and ``cot`` are enum members, or plain ints for values outside the enums;
    ``firstInformationObjectAddress`` is None when the ASDU holds no address; ``select`` is
    present for commands with an S/E bit; ``objects`` is a tuple of information objects
    (empty for an unknown type). Raises ``DecodeError`` on malformed input.

    >>> explain_bytes_dict(bytes.fromhex("680401000a00"))
    {'format': 'S', 'rx': 5}
    >>> d = explain_bytes_dict(bytes.fromhex("680e0000000064010600010000000014"))
    >>> d["type"], d["cot"], d["commonAddress"], d["elements"], d["objects"][0].value
    (<Type.C_IC_NA_1: 100>, <Cot.ACTIVATION: 6>, 1, '00 00 00 14 ', <Qoi.STATION: 20>)
    """
    frame, asdu = _decode(apdu)
    if isinstance(frame, UFrame):
        function, _, kind = frame.function.name.partition("_")
        return {"format": "U", "type": function, "cot": kind}
    if isinstance(frame, SFrame):
        return {"format": "S", "rx": frame.recv_seq}
    assert asdu is not None
    raw = frame.asdu
    result: dict[str, Any] = {
        "format": "I",
        "tx": frame.send_seq,
        "rx": frame.recv_seq,
        "type": asdu.type,
        "numberOfObjects": asdu.count,
        "sequence": asdu.sequence,
        "cot": asdu.cot,
        "negative": asdu.negative,
        "test": asdu.test,
        "commonAddress": asdu.common_address,
        "originatorAddress": asdu.originator_address,
        "firstInformationObjectAddress": _first_ioa(asdu, raw),
    }
    select = _select(asdu)
    if select is not None:
        result["select"] = select
    result["elements"] = _hex(raw[6:])
    result["objects"] = asdu.objects
    return result


def explain_asdu(asdu: Asdu | UnknownAsdu, *, limit: int | None = OBJECT_LIMIT) -> str:
    """One line describing a decoded ASDU, for journals and failure messages.

    Shows ``limit`` objects and then ``… n more`` (``limit=None``: all of them).

    >>> from c104test.protocol import SIQ, SinglePoint, Type
    >>> explain_asdu(Asdu(Type.M_SP_NA_1, Cot.SPONTANEOUS, 47, (SinglePoint(100, SIQ(True)),)))
    'M_SP_NA_1 SPONTANEOUS CA 47 IOA 100 = ON'
    """
    unknown_type = f"TI {asdu.type_id}" if isinstance(asdu, UnknownAsdu) else ""
    words = _header_fields(asdu, positive=False, unknown_type=unknown_type)
    body = _objects_text(asdu, limit)
    if isinstance(asdu, UnknownAsdu) and asdu.payload:
        payload = asdu.payload
        more = f" … {len(payload) - _HEX_LIMIT} more" if len(payload) > _HEX_LIMIT else ""
        body += f" ({_hex(payload[:_HEX_LIMIT]).rstrip()}{more})"
    return " ".join([*words, body])


# ---- shared pieces ------------------------------------------------------------------------------


def _decode(apdu: bytes | bytearray | memoryview) -> tuple[IFrame | SFrame | UFrame, Asdu | UnknownAsdu | None]:
    if isinstance(apdu, str):
        raise TypeError("explain_bytes takes bytes, not str; convert hex with bytes.fromhex()")
    frame = decode_frame(bytes(apdu))
    if isinstance(frame, IFrame):
        return frame, decode_asdu(frame.asdu, 6)
    return frame, None


def _header_fields(asdu: Asdu | UnknownAsdu, *, positive: bool, unknown_type: str) -> list[str]:
    """Type, cause, P/N, T, CA and OA, in c104's order; ``positive`` also names P/N = 0."""
    type_name = _member(Type, asdu.type)
    if type_name is None or isinstance(asdu, UnknownAsdu):
        type_name = unknown_type
    fields = [type_name, _member(Cot, asdu.cot) or f"COT {asdu.cot}"]
    if asdu.negative:
        fields.append("NEGATIVE")
    elif positive:
        fields.append("POSITIVE")
    if asdu.test:
        fields.append("TEST")
    ca = asdu.common_address
    fields.append("GLOBAL" if ca == GLOBAL_ADDRESS else f"CA {ca}")
    if asdu.originator_address:
        fields.append(f"OA {asdu.originator_address}")
    return fields


def _objects_text(asdu: Asdu | UnknownAsdu, limit: int | None) -> str:
    if isinstance(asdu, UnknownAsdu):
        return "not decoded"
    objects = asdu.objects
    if not objects:
        return "no objects"
    shown = objects if limit is None else objects[:limit]
    parts = [_object_text(ob) for ob in shown]
    if len(objects) > len(shown):
        parts.append(f"… {len(objects) - len(shown)} more")
    return ", ".join(parts)


def _object_text(ob: InformationObject) -> str:
    """``IOA 100 = ON (IV) @ 2025-11-25 13:34:12.345``: address, value, quality, time tag."""
    value = _FORMATTERS.get(type(ob), _generic)(ob)
    text = f"IOA {ob.io_address}" if value is None else f"IOA {ob.io_address} = {value}"
    flags = _flag_words(ob)
    if flags:
        text += f" ({' '.join(flags)})"
    time = ob.time_tag if type(ob) is not ClockSync else None
    if time is not None:
        text += f" @ {_time_text(time)}"
    return text


def _flag_words(ob: InformationObject) -> list[str]:
    """Quality bits by their short names; a counter's CY, CA and IV (BCR has no Quality)."""
    if type(ob) is IntegratedTotals:
        bcr = ob.bcr
        return [n for n, on in (("CY", bcr.cy), ("CA", bcr.ca), ("IV", bcr.iv)) if on]
    quality = ob.quality
    if isinstance(quality, Quality):
        return [_QUALITY_SHORT[flag.name or ""] for flag in quality]
    return []


def _first_ioa(asdu: Asdu | UnknownAsdu, raw: bytes) -> int | None:
    if asdu.objects:
        return asdu.objects[0].io_address
    if len(raw) >= 9:  # an unknown type: read the address where every type puts it, as c104 does
        return raw[6] | (raw[7] << 8) | (raw[8] << 16)
    return None


def _select(asdu: Asdu | UnknownAsdu) -> bool | None:
    """The S/E bit of a command (SCO, DCO, RCO or QOS); None for other types."""
    if not asdu.objects:
        return None
    ob = asdu.objects[0]
    for name in ("sco", "dco", "rco", "qos"):
        element = getattr(ob, name, None)
        if element is not None:
            return bool(element.se)
    return None


def _member(enum_cls: type[enum.IntEnum], value: int) -> str | None:
    """The member name of ``value`` (an int or a member), or None outside the enum."""
    try:
        return enum_cls(value).name
    except ValueError:
        return None


def _hex(data: bytes) -> str:
    """c104's form: every octet followed by a space."""
    return "".join(f"{b:02x} " for b in data)


def _name(value: Any, label: str) -> str:
    """An enum member's name, or ``label`` and the number for a value outside the enum."""
    return value.name if isinstance(value, enum.Enum) else f"{label} {value}"


def _number(value: float) -> str:
    return f"{value:.7g}"


def _time_text(time: CP56Time2a | CP24Time2a) -> str:
    if isinstance(time, CP56Time2a):
        return str(time)
    seconds, ms = divmod(time.milliseconds, 1000)
    flags = "".join(f" {n}" for n, on in (("IV", time.iv), ("SB", time.substituted)) if on)
    return f"--:{time.minute:02d}:{seconds:02d}.{ms:03d}{flags}"


def _flags_text(flags: Any) -> str:
    names = [m.name for m in type(flags) if m.value and m in flags]
    return "|".join(names) if names else "none"


def _command(value: str, se: bool, qu: Qoc | int = Qoc.NONE) -> str:
    text = f"{value} {'SELECT' if se else 'EXECUTE'}"
    return text if qu == Qoc.NONE else f"{text} {_name(qu, 'QU')}"


def _setpoint(value: float, qos: QOS) -> str:
    text = _command(_number(value), qos.se)
    return f"{text} QL {qos.ql}" if qos.ql else text


def _parameter(value: float, qpm: QPM) -> str:
    text = f"{_number(value)} {_KPA.get(qpm.kpa, f'KPA {qpm.kpa}')}"
    return text + (" LPC" if qpm.lpc else "") + (" POP" if qpm.pop else "")


def _generic(ob: InformationObject) -> str:
    """File-transfer objects: their fields by name, e.g. ``NOF 1 LOF 4096 FRQ 0``."""
    parts = []
    for name in getattr(ob, "__dataclass_fields__", {}):
        if name in ("io_address", "time"):
            continue
        value = getattr(ob, name)
        if isinstance(value, bytes):
            parts.append(f"{len(value)} octets")
        elif isinstance(value, CP56Time2a):
            parts.append(f"{name.upper()} {value}")
        elif hasattr(value, "to_octet"):
            parts.append(f"{name.upper().rstrip('_')} 0x{value.to_octet():02x}")
        else:
            parts.append(f"{name.upper()} {value}{_file_qualifier(name, value)}")
    return " ".join(parts)


_FILE_SERVICES = {"scq": Scq, "afq": Afq}


def _file_qualifier(name: str, value: int) -> str:
    """What a file transfer qualifier means: ``SCQ 1 (SELECT_FILE)``, ``FRQ 128 (NOT READY)``."""
    if name in _FILE_SERVICES:
        service = _FILE_SERVICES[name]._value2member_map_.get(service_of(value))
        error = FileError._value2member_map_.get(error_of(value))
        words = [service.name if service is not None else f"service {service_of(value)}"]
        if error_of(value):
            words.append(f"error {error.name if error is not None else error_of(value)}")
        return f" ({' '.join(words)})"
    if name == "lsq" and value in Lsq._value2member_map_:
        return f" ({Lsq(value).name})"
    if name in ("frq", "srq") and value & NOT_READY:
        return " (NOT READY)"
    return ""


_FORMATTERS: dict[type, Any] = {
    SinglePoint: lambda ob: "ON" if ob.siq.spi else "OFF",
    DoublePoint: lambda ob: ob.diq.dpi.name,
    StepPosition: lambda ob: f"{ob.vti.value}{' TRANSIENT' if ob.vti.transient else ''}",
    Bitstring: lambda ob: f"0x{ob.bsi:08X}",
    MeasuredNormalized: lambda ob: _number(ob.nva),
    MeasuredScaled: lambda ob: str(ob.sva),
    MeasuredShort: lambda ob: _number(ob.r32),
    IntegratedTotals: lambda ob: f"{ob.bcr.counter} SEQ {ob.bcr.sequence}",
    ProtectionEvent: lambda ob: f"{ob.sep.es.name} ELAPSED {ob.elapsed.milliseconds} ms",
    ProtectionStart: lambda ob: f"{_flags_text(ob.spe.events)} DURATION {ob.duration.milliseconds} ms",
    ProtectionCircuit: lambda ob: f"{_flags_text(ob.oci.circuits)} OPERATING {ob.operating.milliseconds} ms",
    PackedSinglePoints: lambda ob: f"ST 0x{ob.scd.st:04X} CD 0x{ob.scd.cd:04X}",
    EndOfInitialisation: lambda ob: _name(ob.coi.cause, "COI") + (" AFTER_PARAMETER_CHANGE" if ob.coi.bs else ""),
    SingleCommand: lambda ob: _command("ON" if ob.sco.scs else "OFF", ob.sco.se, ob.sco.qu),
    DoubleCommand: lambda ob: _command(ob.dco.dcs.name, ob.dco.se, ob.dco.qu),
    StepCommand: lambda ob: _command(ob.rco.rcs.name, ob.rco.se, ob.rco.qu),
    SetpointNormalized: lambda ob: _setpoint(ob.nva, ob.qos),
    SetpointScaled: lambda ob: _setpoint(ob.sva, ob.qos),
    SetpointShort: lambda ob: _setpoint(ob.r32, ob.qos),
    BitstringCommand: lambda ob: f"0x{ob.bsi:08X}",
    Interrogation: lambda ob: _name(ob.qoi, "QOI"),
    CounterInterrogation: lambda ob: f"{_name(ob.qcc.rqt, 'RQT')} {ob.qcc.frz.name}",
    Read: lambda ob: None,
    ClockSync: lambda ob: str(ob.time),
    TestCommand: lambda ob: f"0x{ob.fbp:04X}",
    ResetProcess: lambda ob: f"QRP {ob.qrp}",
    DelayAcquisition: lambda ob: f"{ob.delay.milliseconds} ms",
    TestCommandWithTime: lambda ob: f"TSC {ob.tsc}",
    ParameterNormalized: lambda ob: _parameter(ob.nva, ob.qpm),
    ParameterScaled: lambda ob: _parameter(ob.sva, ob.qpm),
    ParameterShort: lambda ob: _parameter(ob.r32, ob.qpm),
    ParameterActivation: lambda ob: f"QPA {ob.qpa}",
}
# File transfer objects go through _generic on purpose: their fields are numbers and qualifiers.
for _cls in (FileReady, SectionReady, FileCall, LastSection, FileAck, Segment, Directory, QueryLog):
    _FORMATTERS[_cls] = _generic
