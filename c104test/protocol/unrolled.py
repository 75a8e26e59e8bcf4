"""Decoders generated for one ASDU shape: a type, an SQ form and a number of objects.

The per-type decoders in asdu.py loop over ``struct.iter_unpack``; at 10 objects an ASDU spends
about a third of its time outside that loop (header, checks, the loop's setup, the tuple). A decoder
for one shape knows its exact length, so it reads the whole ASDU, header included, with one
``struct.unpack`` and builds each object in straight-line code into the tuple it returns: no loop,
no list, no per-object tuple. asdu.py makes one for a shape once the general decoder has decoded
``SHAPE_AFTER`` ASDUs of it (see ``decode_asdu``), at most ``MAX_SHAPES`` of them; anything unexpected (another length, an SQ=1 address range that
overflows, an element that refuses its value) goes back to the general decoder, which raises the
DecodeError. The objects are built as in asdu.py's decoders: slot stores into a twin, then
``__class__`` (construction.py); tests/protocol/test_fast_decode.py holds every shape it can make
equal to ``plain_objects``.

>>> from c104test.protocol.asdu import decode_asdu, shaped_decoder
>>> data = bytes.fromhex("0d8214000100" "e80300" "0000c03f00" "000020c110")  # M_ME_NC_1, SQ=1, 2 objects
>>> decoded = shaped_decoder(13, True, 2)(data)
>>> [(ob.io_address, ob.r32, ob.qds.bl) for ob in decoded.objects]
[(1000, 1.5, False), (1001, -10.0, True)]
>>> decoded == decode_asdu(data)
True
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["MAX_SHAPES", "SHAPE_AFTER", "element_stores", "shape_decoder"]

MAX_SHAPES = 512  # generated decoders kept at most (a peer could send every count of every type)
#: ASDUs of a shape that the general decoder decodes before the shape gets its own decoder.
#: Making one (compiling its code) costs 1-3 ms, about what 1,000 ASDUs decoded by it save: made at
#: first sight, it was most of a one-off script's first interrogation (7 of 13-18 ms for 1,000
#: points in three shapes); a stream of thousands still gets it within its first few hundred.
SHAPE_AFTER = 256


def element_stores(
    items: Sequence[Any], fields: Sequence[str], ns: dict[str, Any], ob: str, suffix: str,
    nan_position: Callable[[int], str],
) -> tuple[list[str], list[str]]:  # fmt: skip
    """The struct item names of one object and the statements that store its fields into ``ob``.

    ``items`` are asdu.py's ``_Item`` layout of the type, ``fields`` its class's field names;
    lookup tables and decode functions go into ``ns``. ``nan_position(k)`` is an expression for
    where the k-th item (an R32) starts in ``mv``: a NaN keeps its 32 bits from there.
    """
    laid = {item.name for item in items}
    names: list[str] = []
    stores: list[str] = []
    for idx, item in enumerate(items):
        args = [f"a{idx}_{j}{suffix}" for j in range(len(item.fmt))]
        names += args
        if item.fmt == "f":  # rare NaN: keep its bits
            stores.append(f"if {args[0]} != {args[0]}: {args[0]} = _r32_nan(mv, {nan_position(idx)})")
        if item.expr is not None:
            ns[f"_X{idx}"] = item.table
            value = item.expr.replace("_X", f"_X{idx}").format(*args)
        elif item.decode is None:
            value = args[0]
        else:
            ns[f"_d{idx}"] = item.decode
            value = f"_d{idx}({', '.join(args)})"
        stores.append(f"{ob}.{item.name} = {value}")
    for name in fields:
        if name != "io_address" and name not in laid:
            # a field this type does not carry (the time of M_SP_NA_1, the QDS of M_ME_ND_1) is
            # None, which is also what the encoder requires of it
            stores.append(f"{ob}.{name} = None")
    return names, stores


def shape_decoder(
    type_id: Any, cls: type, fields: Sequence[str], items: Sequence[Any], sequence: bool, n: int,
    common: dict[str, Any],
) -> Callable[[Any, int], Any]:  # fmt: skip
    """A decoder of exactly ``n`` objects of ``type_id`` in the given SQ form.

    ``common`` holds the names the generated code uses from asdu.py: ``B`` (the twin of ``cls``),
    ``AsduTwin``, ``Asdu``, ``COT_OCTETS`` (the COT octet's cause, P/N and T), ``_r32_nan``,
    ``general`` (the decoder to fall back on) and ``MAX_IOA``.
    """
    ns = dict(common)
    element_fmt = "".join(item.fmt for item in items)
    elem_size = struct.calcsize("<" + element_fmt)
    starts = [struct.calcsize("<" + "".join(i.fmt for i in items[:k])) for k in range(len(items))]
    # type and VSQ are what chose this decoder: skipped ("2x"), not read
    fmt = "<2xBBH" + ("HB" + element_fmt * n if sequence else ("HB" + element_fmt) * n)
    unpack = struct.Struct(fmt)
    ns.update(unpack=unpack.unpack, C=cls, TYPE=type_id, struct_error=struct.error)
    targets = ["cot", "oa", "ca"]
    lines: list[str] = []
    objs: list[str] = []
    if sequence:
        targets += ["lo", "hi"]
        lines += ["ioa = lo | (hi << 16)", f"if ioa > {common['MAX_IOA'] - n + 1}: return general(mv, offset)"]
    for k in range(n):
        ob = f"o{k}"
        objs.append(ob)
        if sequence:
            at = 6 + 3 + k * elem_size
            address = f"ioa + {k}" if k else "ioa"
        else:
            at = 6 + k * (3 + elem_size) + 3
            targets += [f"lo{k}", f"hi{k}"]
            address = f"lo{k} | (hi{k} << 16) if hi{k} else lo{k}"  # IOAs above 65535 are rare
        names, stores = element_stores(items, fields, ns, ob, f"_{k}", lambda idx, at=at: str(at + starts[idx]))
        targets += names
        lines += [f"{ob} = B()", f"{ob}.io_address = {address}", *stores, f"{ob}.__class__ = C"]
    body = "\n        ".join(lines)
    src = f"""
def decode(mv, offset=0):
    try:
        {", ".join(targets)} = unpack(mv)
        {body}
    except (struct_error, ValueError):  # another length; an element that refuses its value
        return general(mv, offset)  # the general decoder raises the DecodeError
    asdu = AsduTwin()
    asdu.type = TYPE
    asdu.cot, asdu.negative, asdu.test = COT_OCTETS[cot]
    asdu.common_address = ca
    asdu.objects = ({", ".join(objs)},)
    asdu.originator_address = oa
    asdu.sequence = {sequence}
    asdu.__class__ = Asdu
    return asdu
"""
    exec(compile(src, f"<c104test codec {type_id.name} SQ={int(sequence)} n={n}>", "exec"), ns)
    return ns["decode"]
