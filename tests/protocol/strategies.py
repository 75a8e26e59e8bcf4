"""Hypothesis strategies for information objects and ASDUs of every type the codec knows.

Values stay inside what the wire can carry (so that ``decode(encode(x)) == x``) but cover all of
it: reserved bits of elements and time tags, every octet of the one-octet elements, both SQ
forms, IOAs up to 2**24 - 1 and as many objects as fit in 249 octets.
"""

from __future__ import annotations

import dataclasses
import struct

from hypothesis import strategies as st

from c104test.protocol import (
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
    Asdu,
    Cot,
    CP16Time2a,
    CP24Time2a,
    CP56Time2a,
    Qoi,
    Type,
    max_objects,
    type_info,
)
from c104test.protocol import objects as o

MAX_IOA = 0xFFFFFF

# ---- scalar values ------------------------------------------------------------------------------

octets = st.integers(0, 255)
uint16 = st.integers(0, 0xFFFF)
io_addresses = st.integers(0, MAX_IOA)
normalized = st.integers(-32768, 32767).map(lambda k: k / 32768)  # NVA: exactly k/32768
scaled = st.integers(-32768, 32767)
bitstrings = st.integers(0, 0xFFFFFFFF)
lengths_of_file = st.integers(0, 0xFFFFFF)


def _float32(bits: int) -> float:
    return struct.unpack("<f", bits.to_bytes(4, "little"))[0]


def _is_float32(value: float) -> bool:
    return struct.unpack("<f", struct.pack("<f", value))[0] == value


# R32: any float32 bit pattern but NaN (NaN != NaN would defeat equality), plus hypothesis's own
# float32 values (which favour 0, -0, the extremes and the subnormals); all survive a struct round trip
shorts = st.one_of(
    st.integers(0, 0xFFFFFFFF).map(_float32).filter(lambda v: v == v),
    st.floats(width=32, allow_nan=False),
).filter(_is_float32)


def _octet_element(cls: type) -> st.SearchStrategy:
    """Every octet, reserved bits included."""
    return octets.map(cls.from_octet)


siqs = _octet_element(SIQ)
diqs = _octet_element(DIQ)
qdss = _octet_element(QDS)
qdps = _octet_element(QDP)
seps = _octet_element(SEP)
spes = _octet_element(SPE)
ocis = _octet_element(OCI)
vtis = _octet_element(VTI)
scos = _octet_element(SCO)
dcos = _octet_element(DCO)
rcos = _octet_element(RCO)
qoss = _octet_element(QOS)
qccs = _octet_element(QCC)
cois = _octet_element(COI)
qpms = _octet_element(QPM)
sofs = _octet_element(SOF)
bcrs = st.builds(BCR.from_items, st.integers(-(2**31), 2**31 - 1), octets)
scds = st.builds(SCD, uint16, uint16)
qois = octets.map(lambda v: Qoi(v) if v in Qoi._value2member_map_ else v)

# time tags: every field within its bit width (not calendar-valid), reserved bits included
cp56 = st.builds(CP56Time2a.from_items, uint16, octets, octets, octets, octets, octets)
cp56_fields = st.builds(
    CP56Time2a,
    milliseconds=uint16,
    minute=st.integers(0, 63),
    hour=st.integers(0, 31),
    day=st.integers(0, 31),
    month=st.integers(0, 15),
    year=st.integers(0, 127),
    day_of_week=st.integers(0, 7),
    su=st.booleans(),
    iv=st.booleans(),
    substituted=st.booleans(),
    reserved=st.integers(0, 127),
)
cp56_any = st.one_of(cp56, cp56_fields)
cp24 = st.builds(CP24Time2a.from_items, uint16, octets)
cp16 = st.builds(CP16Time2a, uint16)


# ---- information objects, one strategy per type ---------------------------------------------------


def _monitor(
    cls: type, plain: Type | None, cp24_type: Type | None, cp56_type: Type | None, *elements
) -> dict[Type, st.SearchStrategy]:
    out = {}
    if plain is not None:
        out[plain] = st.builds(cls, io_addresses, *elements)
    if cp24_type is not None:
        out[cp24_type] = st.builds(cls, io_addresses, *elements, cp24)
    if cp56_type is not None:
        out[cp56_type] = st.builds(cls, io_addresses, *elements, cp56_any)
    return out


T = Type
OBJECTS: dict[Type, st.SearchStrategy] = {
    **_monitor(o.SinglePoint, T.M_SP_NA_1, T.M_SP_TA_1, T.M_SP_TB_1, siqs),
    **_monitor(o.DoublePoint, T.M_DP_NA_1, T.M_DP_TA_1, T.M_DP_TB_1, diqs),
    **_monitor(o.StepPosition, T.M_ST_NA_1, T.M_ST_TA_1, T.M_ST_TB_1, vtis, qdss),
    **_monitor(o.Bitstring, T.M_BO_NA_1, T.M_BO_TA_1, T.M_BO_TB_1, bitstrings, qdss),
    **_monitor(o.MeasuredNormalized, T.M_ME_NA_1, T.M_ME_TA_1, T.M_ME_TD_1, normalized, qdss),
    **_monitor(o.MeasuredScaled, T.M_ME_NB_1, T.M_ME_TB_1, T.M_ME_TE_1, scaled, qdss),
    **_monitor(o.MeasuredShort, T.M_ME_NC_1, T.M_ME_TC_1, T.M_ME_TF_1, shorts, qdss),
    **_monitor(o.IntegratedTotals, T.M_IT_NA_1, T.M_IT_TA_1, T.M_IT_TB_1, bcrs),
    **_monitor(o.ProtectionEvent, None, T.M_EP_TA_1, T.M_EP_TD_1, seps, cp16),
    **_monitor(o.ProtectionStart, None, T.M_EP_TB_1, T.M_EP_TE_1, spes, qdps, cp16),
    **_monitor(o.ProtectionCircuit, None, T.M_EP_TC_1, T.M_EP_TF_1, ocis, qdps, cp16),
    T.M_PS_NA_1: st.builds(o.PackedSinglePoints, io_addresses, scds, qdss),
    T.M_ME_ND_1: st.builds(o.MeasuredNormalized, io_addresses, normalized, st.none()),
    **_monitor(o.SingleCommand, T.C_SC_NA_1, None, T.C_SC_TA_1, scos),
    **_monitor(o.DoubleCommand, T.C_DC_NA_1, None, T.C_DC_TA_1, dcos),
    **_monitor(o.StepCommand, T.C_RC_NA_1, None, T.C_RC_TA_1, rcos),
    **_monitor(o.SetpointNormalized, T.C_SE_NA_1, None, T.C_SE_TA_1, normalized, qoss),
    **_monitor(o.SetpointScaled, T.C_SE_NB_1, None, T.C_SE_TB_1, scaled, qoss),
    **_monitor(o.SetpointShort, T.C_SE_NC_1, None, T.C_SE_TC_1, shorts, qoss),
    **_monitor(o.BitstringCommand, T.C_BO_NA_1, None, T.C_BO_TA_1, bitstrings),
    T.M_EI_NA_1: st.builds(o.EndOfInitialisation, io_addresses, cois),
    T.C_IC_NA_1: st.builds(o.Interrogation, io_addresses, qois),
    T.C_CI_NA_1: st.builds(o.CounterInterrogation, io_addresses, qccs),
    T.C_RD_NA_1: st.builds(o.Read, io_addresses),
    T.C_CS_NA_1: st.builds(o.ClockSync, io_addresses, cp56_any),
    T.C_TS_NA_1: st.builds(o.TestCommand, io_addresses, uint16),
    T.C_RP_NA_1: st.builds(o.ResetProcess, io_addresses, octets),
    T.C_CD_NA_1: st.builds(o.DelayAcquisition, io_addresses, cp16),
    T.C_TS_TA_1: st.builds(o.TestCommandWithTime, io_addresses, uint16, cp56_any),
    T.P_ME_NA_1: st.builds(o.ParameterNormalized, io_addresses, normalized, qpms),
    T.P_ME_NB_1: st.builds(o.ParameterScaled, io_addresses, scaled, qpms),
    T.P_ME_NC_1: st.builds(o.ParameterShort, io_addresses, shorts, qpms),
    T.P_AC_NA_1: st.builds(o.ParameterActivation, io_addresses, octets),
    T.F_FR_NA_1: st.builds(o.FileReady, io_addresses, uint16, lengths_of_file, octets),
    T.F_SR_NA_1: st.builds(o.SectionReady, io_addresses, uint16, octets, lengths_of_file, octets),
    T.F_SC_NA_1: st.builds(o.FileCall, io_addresses, uint16, octets, octets),
    T.F_LS_NA_1: st.builds(o.LastSection, io_addresses, uint16, octets, octets, octets),
    T.F_AF_NA_1: st.builds(o.FileAck, io_addresses, uint16, octets, octets),
    # one segment per ASDU: 6 header + 3 IOA + 2 NOF + 1 NOS + 1 LOS + data <= 249
    T.F_SG_NA_1: st.builds(o.Segment, io_addresses, uint16, octets, st.binary(max_size=236)),
    T.F_DR_TA_1: st.builds(o.Directory, io_addresses, uint16, lengths_of_file, sofs, cp56_any),
    T.F_SC_NB_1: st.builds(o.QueryLog, io_addresses, uint16, cp56_any, cp56_any),
}

ALL_TYPES: tuple[Type, ...] = tuple(sorted(OBJECTS))
NO_SEQUENCE = frozenset({Type.F_SG_NA_1})  # types without an SQ=1 form


def information_objects(type_id: Type) -> st.SearchStrategy:
    return OBJECTS[type_id]


# ---- ASDUs ----------------------------------------------------------------------------------------

causes = st.integers(0, 63).map(lambda c: Cot(c) if c in Cot._value2member_map_ else c)
common_addresses = st.integers(0, 0xFFFF)


def _counts(limit: int) -> st.SearchStrategy[int]:
    # mostly small ASDUs (cheap to generate), sometimes any size up to the largest that fits
    small = st.integers(1, min(limit, 3))
    return st.integers(0, 5).flatmap(
        lambda k: st.just(limit) if k == 0 else st.integers(1, limit) if k == 1 else small
    )


@st.composite
def asdus(draw, types: st.SearchStrategy[Type] | None = None, sequence: bool | None = None) -> Asdu:
    """An ASDU of one of ``types`` (default: every type), SQ=0 or SQ=1 (default: either)."""
    t = draw(types if types is not None else st.sampled_from(ALL_TYPES))
    sq = draw(st.booleans()) if sequence is None else sequence
    if t in NO_SEQUENCE:
        sq = False
    n = draw(_counts(max_objects(t, sq)))
    objs = draw(st.lists(OBJECTS[t], min_size=n, max_size=n))
    if sq:
        first = draw(st.integers(0, MAX_IOA - n + 1))
        objs = [dataclasses.replace(ob, io_address=first + i) for i, ob in enumerate(objs)]
    return Asdu(
        t,
        draw(causes),
        draw(common_addresses),
        tuple(objs),
        originator_address=draw(octets),
        negative=draw(st.booleans()),
        test=draw(st.booleans()),
        sequence=sq,
    )


@st.composite
def asdu_bytes(draw, types: st.SearchStrategy[Type] | None = None, sequence: bool | None = None) -> bytes:
    """The octets of a valid ASDU built from random element octets of the right length.

    Every header octet is random too (cause, P/N and T bits, OA, CA): only the count, the
    length and (for SQ=1) the first IOA are constrained.
    """
    t = draw(types if types is not None else st.sampled_from(ALL_TYPES))
    sq = draw(st.booleans()) if sequence is None else sequence
    if t in NO_SEQUENCE:
        sq = False
    head = bytes([int(t)]) + draw(st.binary(min_size=5, max_size=5))
    if t == Type.F_SG_NA_1:
        data = draw(st.binary(max_size=236))
        ioa_nof_nos = draw(st.binary(min_size=6, max_size=6))
        return head[:1] + b"\x01" + head[2:] + ioa_nof_nos + bytes([len(data)]) + data
    size = type_info(t).element_size
    n = draw(_counts(max_objects(t, sq)))
    if sq:
        first = draw(st.integers(0, MAX_IOA - n + 1)).to_bytes(3, "little")
        body = first + draw(st.binary(min_size=n * size, max_size=n * size))
    else:
        body = draw(st.binary(min_size=n * (3 + size), max_size=n * (3 + size)))
    return head[:1] + bytes([n | (sq << 7)]) + head[2:] + body
