"""The ASDU codec: data unit identifier and information objects of every IEC 104 type.

Each type is described once in ``_LAYOUTS`` (its object class and its elements as struct items);
from that description the module generates a decoder and an encoder per type and per SQ form,
one ``struct.iter_unpack`` loop with no per-field dispatch. ``decode_asdu`` also keeps, for each
shape it has decoded (type, SQ, count), a decoder unrolled for exactly that shape (unrolled.py):
one ``struct.unpack`` of the whole ASDU and straight-line code, about 1.5x faster at 10 objects.

>>> asdu = decode_asdu(bytes.fromhex("64010600010000000014"))
>>> asdu.type, asdu.cot, asdu.common_address, asdu.objects
(<Type.C_IC_NA_1: 100>, <Cot.ACTIVATION: 6>, 1, (Interrogation(io_address=0, qoi=<Qoi.STATION: 20>),))
>>> encode_asdu(asdu).hex()
'64010600010000000014'
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from . import objects as o
from .construction import twin
from .elements import (
    BCR,
    COI,
    DCO,
    DIQ,
    OCI,
    QCC,
    QDP,
    QDS,
    QOS,
    QPM,
    RCO,
    SCD,
    SCO,
    SEP,
    SIQ,
    SOF,
    SPE,
    VTI,
)
from .enums import Cot, Qoi, Type
from .errors import DecodeError, LocalProtocolError
from .objects import InformationObject
from .timetags import CP16Time2a, CP24Time2a, CP56Time2a
from .unrolled import MAX_SHAPES, SHAPE_AFTER, element_stores, shape_decoder

__all__ = [
    "MAX_ASDU_LENGTH",
    "Asdu",
    "TypeInfo",
    "UnknownAsdu",
    "decode_asdu",
    "encode_asdu",
    "encode_object",
    "encode_objects",
    "max_objects",
    "mirror",
    "type_info",
]

MAX_ASDU_LENGTH = 249
HEADER_LENGTH = 6
MAX_IOA = 0xFFFFFF

_HEADER = struct.Struct("<BBBBH")
_COTS: tuple[Cot | int, ...] = tuple(Cot(c) if c in Cot._value2member_map_ else c for c in range(64))
# the COT octet read whole: (cause, P/N, T) for each of its 256 values, for the unrolled decoders
_COT_OCTETS: tuple[tuple[Cot | int, bool, bool], ...] = tuple(
    (_COTS[c & 0x3F], (c & 0x40) != 0, c > 127) for c in range(256)
)


# ---- values ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Asdu:
    """An application service data unit of a known type.

    ``sequence`` is the SQ bit: objects then have consecutive IOAs and share one address on the
    wire. ``negative`` is P/N, ``test`` is T.
    """

    type: Type
    cot: Cot | int
    common_address: int
    objects: tuple[InformationObject, ...]
    originator_address: int = 0
    negative: bool = False
    test: bool = False
    sequence: bool = False

    @property
    def count(self) -> int:
        return len(self.objects)


@dataclass(frozen=True, slots=True)
class UnknownAsdu:
    """An ASDU whose type c104test does not know; ``payload`` is everything after the header."""

    type_id: int
    cot: Cot | int
    common_address: int
    payload: bytes
    count: int = 1
    originator_address: int = 0
    negative: bool = False
    test: bool = False
    sequence: bool = False

    @property
    def type(self) -> int:
        return self.type_id

    @property
    def objects(self) -> tuple[InformationObject, ...]:
        return ()


# ---- element codecs ------------------------------------------------------------------------------


class _Item(NamedTuple):
    """How one field of an object class maps to struct items."""

    name: str
    fmt: str
    decode: Callable[..., Any] | None  # None: the single struct item is the value
    encode: Callable[[Any], Any] | None  # returns one item, or a tuple when len(fmt) > 1
    kind: type | None = None  # a time tag's class: the encoder refuses any other class
    # The decoders' inline form of ``decode``: an expression over the struct items {0}, {1}, ...
    # in which ``_X`` is ``table`` (a lookup table's subscript costs less than a call)
    expr: str | None = None
    table: Any = None


def _octet(name: str, cls: Any) -> _Item:
    return _Item(name, "B", cls.TABLE.__getitem__, cls.to_octet, expr="_X[{0}]", table=cls.TABLE)


def _nva_encode(value: float) -> int:
    raw = round(value * 32768)
    if raw == 32768:  # +1.0 is not representable; the standard's maximum is 1 - 2**-15
        raw = 32767
    if not -32768 <= raw <= 32767:
        raise ValueError(f"normalized value {value} outside -1..1")
    return raw


def _nva_decode(raw: int) -> float:
    return raw / 32768


def _enum_table(enum_cls: Any, size: int) -> tuple[Any, ...]:
    return tuple(enum_cls(v) if v in enum_cls._value2member_map_ else v for v in range(size))


def _lof_decode(lo: int, hi: int) -> int:
    return lo | (hi << 16)


def _lof_encode(value: int) -> tuple[int, int]:
    if not 0 <= value <= 0xFFFFFF:
        raise ValueError(f"length of file {value} outside 0..16777215")
    return (value & 0xFFFF, value >> 16)


def _cp16_encode(value: CP16Time2a) -> int:
    return value.milliseconds  # one struct item: CP16Time2a.items() is a 1-tuple


class _R32NaN(float):
    """A NaN read from an R32 that keeps its 32 bits.

    CPython before 3.14 quiets a signalling NaN when it widens a float32 to a float, so without the
    bits a signalling NaN from the wire would not re-encode to the same octets.
    """

    bits: int


def _r32_nan(mv: memoryview, pos: int) -> float:
    value = _R32NaN(struct.unpack_from("<f", mv, pos)[0])
    value.bits = int.from_bytes(mv[pos : pos + 4], "little")
    return value


def _r32_nan_fix(packed: bytes, pos: int, value: float) -> bytes:
    bits = getattr(value, "bits", None)
    if bits is None:
        return packed
    return packed[:pos] + bits.to_bytes(4, "little") + packed[pos + 4 :]


_CP56 = lambda name: _Item(name, "HBBBBB", CP56Time2a.from_items, CP56Time2a.items, CP56Time2a)
_CP24 = _Item("time", "HB", CP24Time2a.from_items, CP24Time2a.items, CP24Time2a)
_CP16 = lambda name: _Item(name, "H", CP16Time2a.from_items, _cp16_encode, CP16Time2a)
_NVA = _Item("nva", "h", _nva_decode, _nva_encode, expr="{0} / 32768")
_SVA = _Item("sva", "h", None, None)
_R32 = _Item("r32", "f", None, None)
_BSI = _Item("bsi", "I", None, None)
_QDS = _octet("qds", QDS)
_BCR = _Item("bcr", "iB", BCR.from_items, BCR.items)
_NOF = _Item("nof", "H", None, None)
_NOS = _Item("nos", "B", None, None)
_LOF = _Item("lof", "HB", _lof_decode, _lof_encode, expr="{0} | ({1} << 16)")


def _timed(items: list[_Item], time: _Item | None) -> list[_Item]:
    return items if time is None else [*items, time]


_T56 = _CP56("time")

# type -> (object class, elements in wire order)
_LAYOUTS: dict[Type, tuple[type, list[_Item]]] = {}


def _monitor(plain: Type | None, cp24: Type | None, cp56: Type | None, cls: type, items: list[_Item]) -> None:
    for t, time in ((plain, None), (cp24, _CP24), (cp56, _T56)):
        if t is not None:
            _LAYOUTS[t] = (cls, _timed(items, time))


_monitor(Type.M_SP_NA_1, Type.M_SP_TA_1, Type.M_SP_TB_1, o.SinglePoint, [_octet("siq", SIQ)])
_monitor(Type.M_DP_NA_1, Type.M_DP_TA_1, Type.M_DP_TB_1, o.DoublePoint, [_octet("diq", DIQ)])
_monitor(Type.M_ST_NA_1, Type.M_ST_TA_1, Type.M_ST_TB_1, o.StepPosition, [_octet("vti", VTI), _QDS])
_monitor(Type.M_BO_NA_1, Type.M_BO_TA_1, Type.M_BO_TB_1, o.Bitstring, [_BSI, _QDS])
_monitor(Type.M_ME_NA_1, Type.M_ME_TA_1, Type.M_ME_TD_1, o.MeasuredNormalized, [_NVA, _QDS])
_monitor(Type.M_ME_NB_1, Type.M_ME_TB_1, Type.M_ME_TE_1, o.MeasuredScaled, [_SVA, _QDS])
_monitor(Type.M_ME_NC_1, Type.M_ME_TC_1, Type.M_ME_TF_1, o.MeasuredShort, [_R32, _QDS])
_monitor(Type.M_IT_NA_1, Type.M_IT_TA_1, Type.M_IT_TB_1, o.IntegratedTotals, [_BCR])
_monitor(None, Type.M_EP_TA_1, Type.M_EP_TD_1, o.ProtectionEvent, [_octet("sep", SEP), _CP16("elapsed")])
_monitor(
    None,
    Type.M_EP_TB_1,
    Type.M_EP_TE_1,
    o.ProtectionStart,
    [_octet("spe", SPE), _octet("qdp", QDP), _CP16("duration")],
)
_monitor(
    None,
    Type.M_EP_TC_1,
    Type.M_EP_TF_1,
    o.ProtectionCircuit,
    [_octet("oci", OCI), _octet("qdp", QDP), _CP16("operating")],
)
_monitor(Type.M_PS_NA_1, None, None, o.PackedSinglePoints, [_Item("scd", "HH", SCD.from_items, SCD.items), _QDS])
_monitor(Type.M_ME_ND_1, None, None, o.MeasuredNormalized, [_NVA])
_monitor(Type.C_SC_NA_1, None, Type.C_SC_TA_1, o.SingleCommand, [_octet("sco", SCO)])
_monitor(Type.C_DC_NA_1, None, Type.C_DC_TA_1, o.DoubleCommand, [_octet("dco", DCO)])
_monitor(Type.C_RC_NA_1, None, Type.C_RC_TA_1, o.StepCommand, [_octet("rco", RCO)])
_monitor(Type.C_SE_NA_1, None, Type.C_SE_TA_1, o.SetpointNormalized, [_NVA, _octet("qos", QOS)])
_monitor(Type.C_SE_NB_1, None, Type.C_SE_TB_1, o.SetpointScaled, [_SVA, _octet("qos", QOS)])
_monitor(Type.C_SE_NC_1, None, Type.C_SE_TC_1, o.SetpointShort, [_R32, _octet("qos", QOS)])
_monitor(Type.C_BO_NA_1, None, Type.C_BO_TA_1, o.BitstringCommand, [_BSI])
_LAYOUTS[Type.M_EI_NA_1] = (o.EndOfInitialisation, [_octet("coi", COI)])
_QOIS = _enum_table(Qoi, 256)
_LAYOUTS[Type.C_IC_NA_1] = (o.Interrogation, [_Item("qoi", "B", _QOIS.__getitem__, None, expr="_X[{0}]", table=_QOIS)])
_LAYOUTS[Type.C_CI_NA_1] = (o.CounterInterrogation, [_octet("qcc", QCC)])
_LAYOUTS[Type.C_RD_NA_1] = (o.Read, [])
_LAYOUTS[Type.C_CS_NA_1] = (o.ClockSync, [_T56])
_LAYOUTS[Type.C_TS_NA_1] = (o.TestCommand, [_Item("fbp", "H", None, None)])
_LAYOUTS[Type.C_RP_NA_1] = (o.ResetProcess, [_Item("qrp", "B", None, None)])
_LAYOUTS[Type.C_CD_NA_1] = (o.DelayAcquisition, [_CP16("delay")])
_LAYOUTS[Type.C_TS_TA_1] = (o.TestCommandWithTime, [_Item("tsc", "H", None, None), _T56])
_LAYOUTS[Type.P_ME_NA_1] = (o.ParameterNormalized, [_NVA, _octet("qpm", QPM)])
_LAYOUTS[Type.P_ME_NB_1] = (o.ParameterScaled, [_SVA, _octet("qpm", QPM)])
_LAYOUTS[Type.P_ME_NC_1] = (o.ParameterShort, [_R32, _octet("qpm", QPM)])
_LAYOUTS[Type.P_AC_NA_1] = (o.ParameterActivation, [_Item("qpa", "B", None, None)])
_LAYOUTS[Type.F_FR_NA_1] = (o.FileReady, [_NOF, _LOF, _Item("frq", "B", None, None)])
_LAYOUTS[Type.F_SR_NA_1] = (o.SectionReady, [_NOF, _NOS, _LOF, _Item("srq", "B", None, None)])
_LAYOUTS[Type.F_SC_NA_1] = (o.FileCall, [_NOF, _NOS, _Item("scq", "B", None, None)])
_LAYOUTS[Type.F_LS_NA_1] = (
    o.LastSection,
    [_NOF, _NOS, _Item("lsq", "B", None, None), _Item("chs", "B", None, None)],
)
_LAYOUTS[Type.F_AF_NA_1] = (o.FileAck, [_NOF, _NOS, _Item("afq", "B", None, None)])
_LAYOUTS[Type.F_DR_TA_1] = (o.Directory, [_NOF, _LOF, _octet("sof", SOF), _T56])
_LAYOUTS[Type.F_SC_NB_1] = (o.QueryLog, [_NOF, _CP56("start"), _CP56("stop")])
# F_SG_NA_1 (segment) has a variable length and is coded by hand below.


# ---- generated codecs -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TypeInfo:
    """What the codec knows about one type."""

    type: Type
    object_class: type
    element_size: int  # octets per object without the IOA; -1 for variable length
    time_tag: type | None  # CP56Time2a, CP24Time2a or None
    decode_list: Callable[[memoryview, int], list] = dataclasses.field(repr=False, compare=False)
    decode_sequence: Callable[[memoryview, int, int], list] = dataclasses.field(repr=False, compare=False)
    encode_list: Callable[[Sequence[InformationObject], bytearray], None] = dataclasses.field(
        repr=False, compare=False
    )
    encode_sequence: Callable[[Sequence[InformationObject], bytearray], None] = dataclasses.field(
        repr=False, compare=False
    )


_TWINS: dict[type, type] = {}


def _twin_of(cls: type) -> type:
    """One twin per object class, shared by its types' decoders."""
    if cls not in _TWINS:
        _TWINS[cls] = twin(cls)
    return _TWINS[cls]


def _generate(t: Type, cls: type, items: list[_Item]) -> TypeInfo:
    """Build the four codec functions of one type from its layout.

    Generated code (like dataclasses itself does) keeps per-object work down to one tuple unpack
    and one slot store per field. The decoders fill a mutable twin of the class and then make it
    the class (see construction.py): a frozen dataclass's ``__init__`` costs four times as much,
    a slot descriptor's ``__set__`` twice. ``plain_objects`` is the general path they must equal.
    """
    fields = [f.name for f in dataclasses.fields(cls)]
    laid = {item.name for item in items}
    ns: dict[str, Any] = {
        "C": cls,
        "B": _twin_of(cls),
        "DecodeError": DecodeError,
        "LocalProtocolError": LocalProtocolError,
        "_r32_nan": _r32_nan,
        "_r32_nan_fix": _r32_nan_fix,
    }
    element_fmt = "".join(item.fmt for item in items)
    ns["_elem"] = struct.Struct("<" + element_fmt)
    ns["_obj"] = struct.Struct("<HB" + element_fmt)
    # where each item starts within the elements ('<' formats have no padding)
    starts = [struct.calcsize("<" + "".join(i.fmt for i in items[:k])) for k in range(len(items))]
    obj_size, elem_size = ns["_obj"].size, ns["_elem"].size

    # decode: one tuple per object from iter_unpack, then one slot store per field
    # (len(out) is the index of the object whose R32 is a NaN)
    names, stores = element_stores(
        items, fields, ns, "ob", "", lambda idx: f"len(out) * size + base + {starts[idx]}"
    )
    body = "\n".join(f"        {s}" for s in stores)
    target = ", ".join(names)
    src = f"""
def decode_list(mv, n):
    out = []
    app = out.append
    size = {obj_size}
    base = 3
    for lo, hi{", " if names else ""}{target} in _obj.iter_unpack(mv):
        ob = B()
        ob.io_address = lo | (hi << 16)
{body}
        ob.__class__ = C
        app(ob)
    return out

def decode_sequence(mv, n, ioa):
    out = []
    app = out.append
    size = {elem_size}
    base = 0
    for {target + "," if names else "_"} in {"_elem.iter_unpack(mv)" if names else "range(n)"}:
        ob = B()
        ob.io_address = ioa
        ioa += 1
{body}
        ob.__class__ = C
        app(ob)
    return out
"""
    # encode: one pack per object; values that the layout cannot carry are refused
    parts: list[str] = []
    checks: list[str] = []
    nan_fixes: list[str] = []
    for idx, item in enumerate(items):
        value = f"ob.{item.name}"
        if item.kind is not None:  # CP24Time2a.items() would also take a CP56Time2a, for one
            ns[f"_k{idx}"] = item.kind
            checks.append(
                f"if {value}.__class__ is not _k{idx}: raise LocalProtocolError("
                f"f'{t.name} object {{ob.io_address}}: {item.name} must be {item.kind.__name__}, "
                f"not {{type({value}).__name__}}')"
            )
        if item.fmt == "f":
            nan_fixes.append(f"if {value} != {value}: b = _r32_nan_fix(b, OFF + {starts[idx]}, {value})")
        if item.encode is None:
            parts.append(value)
        else:
            ns[f"_e{idx}"] = item.encode
            parts.append(f"*_e{idx}({value})" if len(item.fmt) > 1 else f"_e{idx}({value})")
    for name in fields:
        if name != "io_address" and name not in laid:
            hint = "use the type with a time tag or set time=None" if name == "time" else f"set {name}=None"
            checks.insert(
                0,
                f"if ob.{name} is not None: raise LocalProtocolError("
                f"'{t.name} has no {name}; {hint}')",
            )
    check_src = "\n".join(f"        {c}" for c in checks)
    packed = ", ".join(parts)
    fix_list = "\n".join(f"        {c}" for c in nan_fixes).replace("OFF", "3")
    fix_seq = "\n".join(f"        {c}" for c in nan_fixes).replace("OFF", "0")
    src += f"""
def encode_list(objs, out):
    pack = _obj.pack
    for ob in objs:
        if ob.__class__ is not C:
            raise LocalProtocolError(f"{t.name} carries {cls.__name__}, not {{type(ob).__name__}}")
{check_src}
        i = ob.io_address
        b = pack(i & 0xFFFF, i >> 16{", " if parts else ""}{packed})
{fix_list}
        out += b

def encode_sequence(objs, out):
    pack = _elem.pack
    for ob in objs:
        if ob.__class__ is not C:
            raise LocalProtocolError(f"{t.name} carries {cls.__name__}, not {{type(ob).__name__}}")
{check_src}
        b = pack({packed})
{fix_seq}
        out += b
"""
    exec(compile(src, f"<c104test codec {t.name}>", "exec"), ns)
    time_item = next((i for i in items if i.name == "time"), None)
    time_tag = None
    if time_item is not None:
        time_tag = CP56Time2a if time_item.fmt == "HBBBBB" else CP24Time2a
    return TypeInfo(
        t,
        cls,
        ns["_elem"].size,
        time_tag,
        ns["decode_list"],
        ns["decode_sequence"],
        ns["encode_list"],
        ns["encode_sequence"],
    )


def plain_objects(type_id: Type | int, body: bytes, n: int, sequence: bool) -> list[InformationObject]:
    """The general path that the generated decoders must equal, object for object.

    One ``struct.unpack_from`` and one call of the dataclass constructor per object, with the
    items' ``decode`` functions: several times slower, and plain enough to read at a glance.
    ``body`` is the ASDU after its header; F_SG_NA_1 (coded by hand) has no plain form.
    """
    cls, items = _LAYOUTS[Type(type_id)]
    elem = struct.Struct("<" + "".join(item.fmt for item in items))
    laid = {item.name for item in items}
    absent = {f.name: None for f in dataclasses.fields(cls) if f.name != "io_address" and f.name not in laid}
    out = []
    pos = 3 if sequence else 0
    ioa = int.from_bytes(body[0:3], "little")
    for k in range(n):
        if not sequence:
            ioa = int.from_bytes(body[pos : pos + 3], "little")
            pos += 3
        values = elem.unpack_from(body, pos)
        fields: dict[str, Any] = {}
        at = i = 0
        for item in items:
            args = values[i : i + len(item.fmt)]
            if item.fmt == "f" and args[0] != args[0]:  # NaN: keep its 32 bits
                args = (_r32_nan(memoryview(body), pos + at),)
            fields[item.name] = args[0] if item.decode is None else item.decode(*args)
            i += len(item.fmt)
            at += struct.calcsize("<" + item.fmt)
        out.append(cls(ioa + k if sequence else ioa, **fields, **absent))
        pos += elem.size
    return out


def _segment_decode(mv: memoryview, n: int) -> list:
    if n != 1:
        raise ValueError("F_SG_NA_1 carries exactly one segment")
    if len(mv) < 7:
        raise ValueError("F_SG_NA_1 segment needs at least 7 octets")
    lo, hi, nof, nos, los = struct.unpack_from("<HBHBB", mv)
    if len(mv) != 7 + los:
        raise ValueError(f"F_SG_NA_1 length of segment {los} disagrees with {len(mv) - 7} data octets")
    return [o.Segment(lo | (hi << 16), nof, nos, bytes(mv[7:]))]


def _segment_encode(objs: Sequence[InformationObject], out: bytearray) -> None:
    if len(objs) != 1:  # the decoder refuses anything else, so never send it
        raise LocalProtocolError(f"F_SG_NA_1 carries exactly one segment, not {len(objs)}")
    for ob in objs:
        if not isinstance(ob, o.Segment):
            raise LocalProtocolError(f"F_SG_NA_1 carries Segment, not {type(ob).__name__}")
        if len(ob.data) > 255:
            raise LocalProtocolError(f"segment of {len(ob.data)} octets exceeds 255")
        i = ob.io_address
        out += struct.pack("<HBHBB", i & 0xFFFF, i >> 16, ob.nof, ob.nos, len(ob.data)) + ob.data


def _no_sequence(*_args: Any) -> Any:
    raise ValueError("F_SG_NA_1 has no SQ=1 form")


_TYPES: dict[int, TypeInfo] = {int(t): _generate(t, cls, items) for t, (cls, items) in _LAYOUTS.items()}
_TYPES[int(Type.F_SG_NA_1)] = TypeInfo(
    Type.F_SG_NA_1, o.Segment, -1, None, _segment_decode, _no_sequence, _segment_encode, _no_sequence
)


# object class -> its type without time tag (the lowest: M_ME_NA_1 before M_ME_ND_1)
_UNTIMED: dict[type, Type] = {}
for _info in sorted(_TYPES.values(), key=lambda i: int(i.type), reverse=True):
    if _info.time_tag is None:
        _UNTIMED[_info.object_class] = _info.type


def type_info(type_id: Type | int) -> TypeInfo:
    """The codec's description of a type; KeyError for a type it does not know."""
    return _TYPES[int(type_id)]


def untimed_type(type_id: Type | int) -> Type | None:
    """The type that carries the same object without a time tag; None when there is none.

    >>> untimed_type(Type.M_ME_TF_1), untimed_type(Type.C_SC_TA_1), untimed_type(Type.M_EP_TD_1)
    (<Type.M_ME_NC_1: 13>, <Type.C_SC_NA_1: 45>, None)
    """
    info = _TYPES[int(type_id)]
    if info.time_tag is None:
        return info.type
    return _UNTIMED.get(info.object_class)


def max_objects(type_id: Type | int, sequence: bool = False) -> int:
    """How many objects of this type fit in one ASDU of at most 249 octets (and at most 127)."""
    size = _TYPES[int(type_id)].element_size
    if size < 0:
        return 1
    room = MAX_ASDU_LENGTH - HEADER_LENGTH
    if size == 0:  # C_RD_NA_1: SQ=1 is one IOA whatever the count
        return 127 if sequence else min(127, room // 3)
    return min(127, (room - 3) // size if sequence else room // (3 + size))


# ---- decode -----------------------------------------------------------------------------------


def decode_asdu(data: bytes | bytearray | memoryview, offset: int = 0) -> Asdu | UnknownAsdu:
    """Decode one ASDU; ``offset`` is added to byte positions in a DecodeError (6 inside an APDU).

    An ASDU of unknown type decodes to ``UnknownAsdu``. The number of objects must agree with the
    payload exactly; there is no partial decode.
    """
    try:  # a shape seen before (type and VSQ: SQ and count) has a decoder of its own
        decode = _SHAPES[data[0]][data[1]]
    except IndexError:  # fewer than 2 octets
        decode = _decode_general
    return decode(data, offset)


def _decode_general(data: bytes | bytearray | memoryview, offset: int = 0) -> Asdu | UnknownAsdu:
    """Decode any ASDU and raise every DecodeError; make the unrolled decoder of a shape seen often."""
    size = len(data)
    if size < HEADER_LENGTH:
        raise DecodeError(f"ASDU of {size} octets is shorter than its 6-octet header", offset)
    if size > MAX_ASDU_LENGTH:
        raise DecodeError(f"ASDU of {size} octets exceeds {MAX_ASDU_LENGTH}", offset)
    tid, vsq, cot, oa, ca = _HEADER.unpack_from(data)
    n = vsq & 0x7F
    sq = vsq > 127
    info = _TYPES.get(tid)
    if info is None:
        return UnknownAsdu(tid, _COTS[cot & 0x3F], ca, bytes(data[HEADER_LENGTH:]), n, oa, bool(cot & 0x40), cot > 127, sq)
    if n == 0:
        raise DecodeError(f"{info.type.name} ASDU says it carries 0 objects", offset + 1)
    body = data[HEADER_LENGTH:]  # a copy of at most 243 octets costs less than a memoryview
    esize = info.element_size
    if esize >= 0:
        need = 3 + n * esize if sq else n * (3 + esize)
        if size - HEADER_LENGTH != need:
            raise DecodeError(
                f"{info.type.name} with {n} object{'s' if n != 1 else ''} (SQ={int(sq)}) needs {need} "
                f"octets of objects, got {size - HEADER_LENGTH}",
                offset + HEADER_LENGTH,
            )
    elif sq:  # variable length: F_SG_NA_1, which has no SQ=1 form (and may lack even an IOA)
        raise DecodeError(f"{info.type.name} has no SQ=1 form", offset + 1)
    try:
        if sq:
            first = body[0] | (body[1] << 8) | (body[2] << 16)
            if first + n - 1 > MAX_IOA:
                raise ValueError(f"SQ=1 addresses {first}..{first + n - 1} exceed {MAX_IOA}")
            objs = info.decode_sequence(body[3:], n, first)
        else:
            objs = info.decode_list(body, n)
    except ValueError as exc:  # element constraints (a segment's length, SQ on F_SG_NA_1)
        raise DecodeError(str(exc), offset + HEADER_LENGTH) from None
    if esize >= 0 and _SHAPES[tid][vsq] is _decode_general:
        key = tid << 8 | vsq
        seen = _SEEN.get(key, 0) + 1
        if seen < SHAPE_AFTER:
            _SEEN[key] = seen
        else:
            _keep_shape(tid, vsq)
    asdu = _AsduTwin()  # see construction.py: slot stores, then the real class
    asdu.type = info.type
    asdu.cot = _COTS[cot & 0x3F]
    asdu.common_address = ca
    asdu.objects = tuple(objs)
    asdu.originator_address = oa
    asdu.negative = (cot & 0x40) != 0
    asdu.test = cot > 127
    asdu.sequence = sq
    asdu.__class__ = Asdu
    return asdu


def shaped_decoder(type_id: Type | int, sequence: bool, n: int) -> Callable[[Any, int], Asdu | UnknownAsdu]:
    """The unrolled decoder of ``n`` objects of a fixed-size type in one SQ form (unrolled.py).

    ``decode_asdu`` makes and keeps one per shape it has decoded; tests call this directly.
    """
    cls, items = _LAYOUTS[Type(type_id)]
    common = {
        "B": _twin_of(cls),
        "AsduTwin": _AsduTwin,
        "Asdu": Asdu,
        "COT_OCTETS": _COT_OCTETS,
        "_r32_nan": _r32_nan,
        "general": _decode_general,
        "MAX_IOA": MAX_IOA,
    }
    fields = [f.name for f in dataclasses.fields(cls)]
    return shape_decoder(Type(type_id), cls, fields, items, sequence, n, common)


def _keep_shape(tid: int, vsq: int) -> None:
    """Make and keep the decoder of a shape just decoded, while fewer than MAX_SHAPES are kept."""
    if _SHAPE_COUNT[0] >= MAX_SHAPES:
        return
    row = _SHAPES[tid]
    if row is _NO_SHAPES:
        row = _SHAPES[tid] = [_decode_general] * 256
    row[vsq] = shaped_decoder(tid, vsq > 127, vsq & 0x7F)
    _SHAPE_COUNT[0] += 1


# _SHAPES[type][VSQ]: the unrolled decoder of that shape, or the general decoder; two list
# subscripts cost half of one dict lookup. A type's row is made when its first shape is kept;
# decoders are never evicted.
_NO_SHAPES: list[Any] = [_decode_general] * 256
_SHAPES: list[list[Any]] = [_NO_SHAPES] * 256
_SHAPE_COUNT = [0]  # decoders kept so far (a list: _keep_shape counts without a global statement)
#: (type << 8 | VSQ): ASDUs of a shape without a decoder of its own decoded so far (bounded by
#: the key space: fixed-size types x 256 VSQ values)
_SEEN: dict[int, int] = {}

_AsduTwin: Any = twin(Asdu)


# ---- encode -----------------------------------------------------------------------------------


def _header(type_id: int, n: int, sq: bool, cot: int, negative: bool, test: bool, oa: int, ca: int) -> bytes:
    if not 0 <= cot <= 63:
        raise LocalProtocolError(f"cause of transmission {cot} outside 0..63")
    if not 0 <= oa <= 255:
        raise LocalProtocolError(f"originator address {oa} outside 0..255")
    if not 0 <= ca <= 0xFFFF:
        raise LocalProtocolError(f"common address {ca} outside 0..65535")
    if not 0 <= n <= 127:
        raise LocalProtocolError(f"{n} objects do not fit the 7-bit count (max 127)")
    return _HEADER.pack(type_id, n | (sq << 7), int(cot) | (negative << 6) | (test << 7), oa, ca)


def encode_asdu(asdu: Asdu | UnknownAsdu) -> bytes:
    """Encode an ASDU; LocalProtocolError says what cannot be encoded and why."""
    if isinstance(asdu, UnknownAsdu):
        head = _header(
            asdu.type_id, asdu.count, asdu.sequence, int(asdu.cot), asdu.negative, asdu.test,
            asdu.originator_address, asdu.common_address,
        )
        return _checked_length(head + asdu.payload, asdu.type_id)
    objs = asdu.objects
    n = len(objs)
    if n == 0:
        name = getattr(asdu.type, "name", asdu.type)
        raise LocalProtocolError(f"{name} ASDU needs at least one object")
    try:
        info = _TYPES[int(asdu.type)]
    except KeyError:
        raise LocalProtocolError(f"type {asdu.type} is not a known type; send it as UnknownAsdu") from None
    out = bytearray(
        _header(int(asdu.type), n, asdu.sequence, int(asdu.cot), asdu.negative, asdu.test,
                asdu.originator_address, asdu.common_address)
    )
    try:
        if asdu.sequence:
            first = objs[0].io_address
            if not 0 <= first <= MAX_IOA - n + 1:
                raise LocalProtocolError(f"IOA {first} with {n} objects leaves 0..{MAX_IOA}")
            for i, ob in enumerate(objs):
                if ob.io_address != first + i:
                    raise LocalProtocolError(
                        f"SQ=1 needs consecutive IOAs: object {i} has IOA {ob.io_address}, expected {first + i}"
                    )
            out += struct.pack("<HB", first & 0xFFFF, first >> 16)
            info.encode_sequence(objs, out)
        else:
            info.encode_list(objs, out)
    except LocalProtocolError:
        raise
    except (struct.error, ValueError, TypeError, AttributeError, OverflowError) as exc:
        raise LocalProtocolError(f"cannot encode {info.type.name}: {_which(objs, info)}: {exc}") from exc
    return _checked_length(bytes(out), info.type.name)


def encode_object(type_id: Type | int, ob: InformationObject) -> bytes:
    """One object's octets (IOA, elements, time tag) as an SQ=0 ASDU of ``type_id`` carries it.

    With ``encode_objects`` this splits ``encode_asdu`` in two, so that a sender can encode each
    object once, when it happens, and join many into an ASDU later (the simulator's event
    buffer). Same checks and errors as ``encode_asdu``.

    >>> from c104test.protocol.objects import MeasuredShort
    >>> encode_object(Type.M_ME_NC_1, MeasuredShort(300, 1.5, QDS.TABLE[0])).hex()
    '2c01000000c03f00'
    """
    try:
        info = _TYPES[int(type_id)]
    except KeyError:
        raise LocalProtocolError(f"type {type_id} is not a known type") from None
    out = bytearray()
    try:
        info.encode_list((ob,), out)
    except LocalProtocolError:
        raise
    except (struct.error, ValueError, TypeError, AttributeError, OverflowError) as exc:
        raise LocalProtocolError(f"cannot encode {info.type.name}: {_which((ob,), info)}: {exc}") from exc
    return bytes(out)


def encode_objects(
    type_id: Type | int,
    cot: Cot | int,
    common_address: int,
    octets: Sequence[bytes],
    originator_address: int = 0,
    negative: bool = False,
    test: bool = False,
) -> bytes:
    """An SQ=0 ASDU of objects already encoded by ``encode_object`` (or a fast path equal to it).

    The header and one join: what ``encode_asdu`` gives for the same objects, octet for octet.

    >>> from c104test.protocol.objects import MeasuredShort
    >>> obs = [MeasuredShort(i, 1.5, QDS.TABLE[0]) for i in (1, 2)]
    >>> encode_objects(Type.M_ME_NC_1, Cot.SPONTANEOUS, 1, [encode_object(Type.M_ME_NC_1, ob) for ob in obs]) == (
    ...     encode_asdu(Asdu(Type.M_ME_NC_1, Cot.SPONTANEOUS, 1, tuple(obs))))
    True
    """
    n = len(octets)
    if n == 0:
        raise LocalProtocolError(f"{getattr(type_id, 'name', type_id)} ASDU needs at least one object")
    head = _header(int(type_id), n, False, int(cot), negative, test, originator_address, common_address)
    return _checked_length(head + b"".join(octets), type_id)


def _which(objs: Sequence[InformationObject], info: TypeInfo) -> str:
    """Name the first object that does not encode on its own, so the error points at it."""
    for i, ob in enumerate(objs):
        try:
            info.encode_list([ob], bytearray())
            if not 0 <= ob.io_address <= MAX_IOA:
                return f"object {i} has IOA {ob.io_address} outside 0..{MAX_IOA}"
        except Exception:
            return f"object {i} ({ob!r})"
    return "objects"


def _checked_length(data: bytes, name: object) -> bytes:
    if len(data) > MAX_ASDU_LENGTH:
        raise LocalProtocolError(
            f"{getattr(name, 'name', name)} ASDU of {len(data)} octets exceeds {MAX_ASDU_LENGTH}; "
            "send fewer objects per ASDU"
        )
    return data


def mirror(raw: bytes, cot: Cot | int, negative: bool = True) -> bytes:
    """The received ASDU ``raw`` with its cause replaced and P/N set: the standard's negative reply.

    >>> mirror(bytes.fromhex("c80106000100000000"), Cot.UNKNOWN_TYPE_ID).hex()
    'c8016c000100000000'
    """
    raw = bytes(raw)
    if len(raw) < HEADER_LENGTH:
        raise LocalProtocolError("an ASDU to mirror needs its 6-octet header")
    if not 0 <= cot <= 63:  # would spill into the P/N and T bits
        raise LocalProtocolError(f"cause of transmission {cot} outside 0..63")
    octet = (raw[2] & 0x80) | (negative << 6) | int(cot)
    return raw[:2] + bytes((octet,)) + raw[3:]
