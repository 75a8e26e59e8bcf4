"""c104test's encoder against Wireshark's IEC 104 dissector (tshark), field by field.

Every sample of samples.py is encoded by c104test, all of them are dissected by one tshark run,
and for each one the test compares the header (TI, COT, P/N, T, OA, CA, SQ, count, N(S), N(R),
length) and, for every information object, the IOA and every element field tshark shows with
the value the sample was built from. A field tshark shows that the mapping below does not know
fails the test, so a newer tshark that dissects more cannot go unchecked.

Types tshark 4.0 does not break down into fields are listed in TSHARK_RAW_ONLY with the reason;
for them the header, the first IOA and the length of the raw data (against the element sizes
of protocol.md section 1.6) are checked.

The frames of protocol.md section 4.4 (written by scapy, dissected by tshark in the spec) are
decoded by c104test and compared with tshark the same way.
"""

from __future__ import annotations

import dataclasses
import math
import re
import struct
from collections.abc import Callable
from typing import Any

import pytest

from c104test.protocol.asdu import Asdu, UnknownAsdu, decode_asdu, encode_asdu, type_info
from c104test.protocol.elements import (
    BCR,
    COI,
    DCO,
    DIQ,
    QCC,
    QDS,
    QOS,
    QPM,
    RCO,
    SCO,
    SIQ,
    VTI,
)
from c104test.protocol.enums import Cot, Type
from c104test.protocol.errors import DecodeError
from c104test.protocol.objects import InformationObject, Segment
from c104test.protocol.timetags import CP24Time2a, CP56Time2a

from .samples import SAMPLES, sample_apdus
from .tshark import decode_with_tshark

pytestmark = pytest.mark.oracle

# ---- what tshark 4.0 does not dissect ---------------------------------------------------------

_UNKNOWN = "not in Wireshark 4.0's type table: 'TypeId: Unknown ({})', elements as Raw Data"
_RAW = "named, but Wireshark 4.0 shows the elements only as Raw Data"
TSHARK_RAW_ONLY: dict[Type, str] = {
    Type.M_EP_TA_1: _UNKNOWN.format(17) + " (101-only protection event with CP24Time2a)",
    Type.M_EP_TB_1: _UNKNOWN.format(18) + " (101-only packed start events with CP24Time2a)",
    Type.M_EP_TC_1: _UNKNOWN.format(19) + " (101-only packed output circuit with CP24Time2a)",
    Type.M_PS_NA_1: _RAW + " (no SCD dissector)",
    Type.M_EP_TD_1: _RAW + " (its get_SEP/get_QDP are '#if 0' todo stubs; no CP16Time2a)",
    Type.M_EP_TE_1: _RAW + " (no SPE/QDP/CP16Time2a dissector)",
    Type.M_EP_TF_1: _RAW + " (no OCI/QDP/CP16Time2a dissector)",
    Type.C_TS_NA_1: _UNKNOWN.format(104) + " (101-only test command)",
    Type.C_CD_NA_1: _UNKNOWN.format(106) + " (101-only delay acquisition)",
    Type.C_TS_TA_1: _RAW + " (no TSC field registered in 4.0)",
    Type.P_AC_NA_1: _RAW + " (no QPA dissector)",
    Type.F_FR_NA_1: _RAW + " (file transfer: NOF/LOF/FRQ not dissected)",
    Type.F_SR_NA_1: _RAW + " (file transfer: NOF/NOS/LOF/SRQ not dissected)",
    Type.F_SC_NA_1: _RAW + " (file transfer: NOF/NOS/SCQ not dissected)",
    Type.F_LS_NA_1: _RAW + " (file transfer: NOF/NOS/LSQ/CHS not dissected)",
    Type.F_AF_NA_1: _RAW + " (file transfer: NOF/NOS/AFQ not dissected)",
    Type.F_SG_NA_1: _RAW + " (file transfer: segment not dissected)",
    Type.F_DR_TA_1: _RAW + " (file transfer: directory not dissected; one IOA for SQ=1)",
    Type.F_SC_NB_1: _RAW + " (file transfer: query log not dissected)",
}

# element size without the IOA, from protocol.md section 1.6 (an independent source for the
# raw-data length); F_SG_NA_1 is 4 + the segment's length
SPEC_ELEMENT_SIZE: dict[Type, int] = {
    Type.M_EP_TA_1: 6,
    Type.M_EP_TB_1: 7,
    Type.M_EP_TC_1: 7,
    Type.M_PS_NA_1: 5,
    Type.M_EP_TD_1: 10,
    Type.M_EP_TE_1: 11,
    Type.M_EP_TF_1: 11,
    Type.C_TS_NA_1: 2,
    Type.C_CD_NA_1: 2,
    Type.C_TS_TA_1: 9,
    Type.P_AC_NA_1: 1,
    Type.F_FR_NA_1: 6,
    Type.F_SR_NA_1: 7,
    Type.F_SC_NA_1: 4,
    Type.F_LS_NA_1: 5,
    Type.F_AF_NA_1: 4,
    Type.F_DR_TA_1: 13,
    Type.F_SC_NB_1: 16,
}

# ---- the frames of protocol.md section 4.4 that carry an ASDU -----------------------------------

SECTION_4_4 = [
    "68 0e 00 00 00 00 64 01 06 00 01 00 00 00 00 14",
    "68 0e 00 00 02 00 64 01 07 00 01 00 00 00 00 14",
    "68 15 02 00 02 00 1e 01 03 00 01 00 64 00 00 01 39 30 22 0d 19 0b 19",
    "68 10 04 00 02 00 01 83 14 00 01 00 2c 01 00 01 00 81",
    "68 12 06 00 02 00 0d 01 01 00 01 00 d0 07 00 00 00 c0 3f 00",
    "68 0e 08 00 02 00 64 01 0a 00 01 00 00 00 00 14",
    "68 0e 02 00 0a 00 2d 01 06 00 01 00 88 13 00 81",
    "68 0e 0a 00 04 00 2d 01 47 00 01 00 88 13 00 81",
    "68 0e 04 00 0c 00 c8 01 06 00 01 00 00 00 00 00",
    "68 0e 0c 00 06 00 c8 01 6c 00 01 00 00 00 00 00",
    "68 14 06 00 0e 00 67 01 86 00 01 00 00 00 00 39 30 22 0d 19 0b 19",
]
SECTION_4_4_FRAMES = [bytes.fromhex(h) for h in SECTION_4_4]

# A negative control: VSQ says 5 objects, one is present. tshark must flag it, or the
# "nothing malformed" assertions below would prove nothing.
MALFORMED = bytes.fromhex("68 0e 00 00 00 00 01 05 03 00 01 00 01 00 00 01")


# ---- helpers ------------------------------------------------------------------------------------


def f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def ns_nr(frame: bytes) -> tuple[int, int]:
    ns, nr = struct.unpack_from("<HH", frame, 2)
    return ns >> 1, nr >> 1


def _int(text: str) -> int:
    return int(text, 16) if text.startswith("0x") else int(text)


@dataclasses.dataclass(frozen=True)
class Approx:
    """A float as tshark prints it: FT_FLOAT and the normalized value with FLT_DIG (6) digits.

    Six significant digits put the printed value within 5e-6 (relative) of the float32, so that
    is the tolerance; a change in the last 7 bits or so of an R32 mantissa is below it.
    """

    value: float

    def matches(self, shown: str) -> bool:
        return math.isclose(float(shown), self.value, rel_tol=6e-6, abs_tol=0.0)


@dataclasses.dataclass(frozen=True)
class Check:
    """A shown value checked by a predicate (for the derived CP56/CP24 renderings)."""

    describe: str
    predicate: Callable[[str], bool]

    def matches(self, shown: str) -> bool:
        return self.predicate(shown)


_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_CP56_RE = re.compile(r"(\w{3}) +(\d+), (\d{4}) (\d\d):(\d\d):(\d\d)\.(\d{9}) UTC$")


def _cp56_rendering(t: CP56Time2a) -> Check | None:
    """tshark's absolute time: year pivot yy<70 -> 20yy else 19yy (c104test: always 20yy).

    With SU set Wireshark passes tm_isdst=1 to mktime, which shifts the rendering by the DST
    offset even under TZ=UTC, so only the raw subfields are compared then.
    """
    if t.su:
        return None
    year = 2000 + t.year if t.year < 70 else 1900 + t.year
    want = (
        _MONTHS[t.month - 1],
        t.day,
        year,
        t.hour,
        t.minute,
        t.milliseconds // 1000,
        (t.milliseconds % 1000) * 1_000_000,
    )

    def ok(shown: str) -> bool:
        m = _CP56_RE.match(shown)
        if m is None:
            return False
        mon, day, yr, hh, mi, ss, ns = m.groups()
        return (mon, int(day), int(yr), int(hh), int(mi), int(ss), int(ns)) == want

    return Check(f"{want} (year pivot 70)", ok)


def _flags(prefix: str, el: Any, names: str) -> dict[str, Any]:
    return {f"{prefix}.{n}": int(getattr(el, n)) for n in names.split()}


def _element(name: str, value: Any) -> dict[str, Any]:
    """The tshark fields (without the iec60870_asdu. prefix) that show one element."""
    if isinstance(value, SIQ):
        return {
            "siq": value.to_octet(),
            "siq.spi": int(value.spi),
            **_flags("siq", value, "bl sb nt iv"),
        }
    if isinstance(value, DIQ):
        return {
            "diq": value.to_octet(),
            "diq.dpi": int(value.dpi),
            **_flags("diq", value, "bl sb nt iv"),
        }
    if isinstance(value, QDS):
        return {"qds": value.to_octet(), **_flags("qds", value, "ov bl sb nt iv")}
    if isinstance(value, VTI):
        return {"vti": value.to_octet(), "vti.v": value.value, "vti.t": int(value.transient)}
    if isinstance(value, SCO):
        return {
            "sco": value.to_octet(),
            "sco.on": int(value.scs),
            "sco.qu": int(value.qu),
            "sco.se": int(value.se),
        }
    if isinstance(value, DCO):
        return {
            "dco": value.to_octet(),
            "dco.on": int(value.dcs),
            "dco.qu": int(value.qu),
            "dco.se": int(value.se),
        }
    if isinstance(value, RCO):
        return {
            "rco": value.to_octet(),
            "rco.up": int(value.rcs),
            "rco.qu": int(value.qu),
            "rco.se": int(value.se),
        }
    if isinstance(value, QOS):
        return {"qos": value.to_octet(), "qos.ql": value.ql, "qos.se": int(value.se)}
    if isinstance(value, QPM):
        return {
            "qpm": value.to_octet(),
            "qpm.kpa": value.kpa,
            "qpm.lpc": int(value.lpc),
            "qpm.pop": int(value.pop),
        }
    if isinstance(value, COI):
        return {"coi": value.to_octet(), "coi_r": int(value.cause), "coi_i": int(value.bs)}
    if isinstance(value, QCC):
        return {"qcc": value.to_octet(), "rqt": int(value.rqt), "frz": int(value.frz)}
    if isinstance(value, BCR):
        return {
            "bcr.count": value.counter,
            "bcr.sq": value.sequence,
            "bcr.cy": int(value.cy),
            "bcr.ca": int(value.ca),
            "bcr.iv": int(value.iv),
        }
    if isinstance(value, CP56Time2a):
        fields = {
            "cp56time.ms": value.milliseconds,
            "cp56time.min": value.minute,
            "cp56time.gen": int(value.substituted),
            "cp56time.iv": int(value.iv),
            "cp56time.hour": value.hour,
            "cp56time.su": int(value.su),
            "cp56time.day": value.day,
            "cp56time.dow": value.day_of_week,
            "cp56time.month": value.month,
            "cp56time.year": value.year,
        }
        rendering = _cp56_rendering(value)
        fields["cp56time"] = rendering if rendering is not None else Check("any (SU set)", bool)
        return fields
    if isinstance(value, CP24Time2a):  # tshark 4.0 has no field for the substituted bit of CP24
        seconds = value.minute * 60 + value.milliseconds / 1000
        return {
            "cp24time": Check(f"{seconds} seconds", lambda s: math.isclose(float(s), seconds)),
            "cp24time.ms": value.milliseconds,
            "cp24time.min": value.minute,
            "cp24time.iv": int(value.iv),
        }
    if name == "nva":
        return {"normval": Approx(value)}
    if name == "r32":
        return {"float": Approx(f32(value))}
    if name == "sva":
        return {"scalval": value}
    if name == "bsi":
        # Wireshark shows BSI as 32 bits in wire order (proto_tree_add_bits_item, big-endian);
        # c104test, like lib60870, reads the four octets as a little-endian UI32
        return {"bitstring": int.from_bytes(struct.pack("<I", value), "big")}
    if name in ("qoi", "qrp"):
        return {name: int(value)}
    raise KeyError(f"no tshark mapping for element {name}={value!r}; extend _element()")


def tshark_expected(ob: InformationObject) -> dict[str, Any]:
    """Every tshark field of one information object, with the value it must show."""
    out: dict[str, Any] = {"ioa": ob.io_address}
    for f in dataclasses.fields(ob):
        value = getattr(ob, f.name)
        if f.name == "io_address" or value is None:
            continue
        out.update(_element(f.name, value))
    return out


def compare_object(where: str, expected: dict[str, Any], shown: dict[str, Any]) -> list[str]:
    problems = []
    for key in sorted(set(expected) | set(shown)):
        if key not in shown:
            problems.append(f"{where}: tshark does not show {key} (expected {expected[key]!r})")
            continue
        if key not in expected:
            problems.append(
                f"{where}: tshark shows {key}={shown[key]!r}, which the test does not map"
            )
            continue
        want, got = expected[key], shown[key]
        if isinstance(want, Approx | Check):
            ok = want.matches(got)
        elif isinstance(got, int):
            ok = got == want
        else:
            ok = _int(got) == want
        if not ok:
            problems.append(f"{where}: {key}: tshark shows {got!r}, c104test encoded {want!r}")
    return problems


def compare_header(asdu: Asdu | UnknownAsdu, frame: bytes, shown: dict[str, Any]) -> list[str]:
    ns, nr = ns_nr(frame)
    want = {
        "apdulen": len(frame) - 2,
        "type": 0,  # I format
        "tx": ns,
        "rx": nr,
        "typeid": int(asdu.type),
        "causetx": int(asdu.cot),
        "nega": int(asdu.negative),
        "test": int(asdu.test),
        "oa": asdu.originator_address,
        "addr": asdu.common_address,
        "sq": int(asdu.sequence),
        "numix": asdu.count,
    }
    return [
        f"{k}: tshark shows {shown.get(k)!r}, expected {v!r}"
        for k, v in want.items()
        if shown.get(k) != v
    ]


def raw_length(asdu: Asdu) -> int:
    """Octets after the first IOA, from the element sizes of protocol.md section 1.6."""
    if asdu.type is Type.F_SG_NA_1:
        ob = asdu.objects[0]
        assert isinstance(ob, Segment)
        return 4 + len(ob.data)
    size = SPEC_ELEMENT_SIZE[asdu.type]
    n = asdu.count
    return n * size if asdu.sequence else n * (3 + size) - 3


def compare_objects(asdu: Asdu, frame: bytes, shown: dict[str, Any]) -> list[str]:
    objs = shown["objects"]
    if any("rawdata" in o for o in objs):
        if asdu.type not in TSHARK_RAW_ONLY:
            return [f"tshark shows raw data for {asdu.type.name}, which is not in TSHARK_RAW_ONLY"]
        if len(objs) != 1 or set(objs[0]) != {"ioa", "rawdata"}:
            return [f"unexpected raw layout {objs!r}"]
        problems = []
        if objs[0]["ioa"] != asdu.objects[0].io_address:
            problems.append(
                f"first IOA: tshark {objs[0]['ioa']}, expected {asdu.objects[0].io_address}"
            )
        raw = bytes.fromhex(objs[0]["rawdata"])
        if len(raw) != raw_length(asdu):
            problems.append(f"raw data of {len(raw)} octets, protocol.md says {raw_length(asdu)}")
        if raw != frame[6 + 6 + 3 :]:
            problems.append(f"raw data {raw.hex()} is not the encoded elements {frame[15:].hex()}")
        return problems
    if len(objs) != asdu.count:
        return [f"tshark shows {len(objs)} objects, the ASDU has {asdu.count}"]
    problems = []
    for i, (ob, got) in enumerate(zip(asdu.objects, objs, strict=True)):
        problems += compare_object(f"object {i} (IOA {ob.io_address})", tshark_expected(ob), got)
    return problems


# ---- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dissected(tshark_tool: None) -> dict[str, list[dict[str, Any]]]:
    """One tshark run for the samples, the section 4.4 frames and the malformed control."""
    samples = sample_apdus()
    out = decode_with_tshark([*samples, *SECTION_4_4_FRAMES, MALFORMED])
    n = len(samples)
    return {
        "samples": out[:n],
        "section_4_4": out[n : n + len(SECTION_4_4_FRAMES)],
        "malformed": out[n + len(SECTION_4_4_FRAMES) :],
    }


SAMPLE_IDS = [f"{i:02d}-{a.type.name}{'-SQ1' if a.sequence else ''}" for i, a in enumerate(SAMPLES)]
FRAMES = sample_apdus()


def _normalized(asdu: Asdu) -> Asdu:
    """The sample with R32 values rounded to float32, as they come back from the wire."""
    objs = []
    for ob in asdu.objects:
        if hasattr(ob, "r32"):
            ob = dataclasses.replace(ob, r32=f32(ob.r32))
        objs.append(ob)
    return dataclasses.replace(asdu, objects=tuple(objs))


# ---- tests without tshark: the samples themselves ----------------------------------------------


def test_every_codec_type_has_a_sample() -> None:
    known = set()
    for t in Type:
        try:
            type_info(t)
        except KeyError:
            continue
        known.add(int(t))
    expected = {
        *range(1, 22), *range(30, 41), *range(45, 52), *range(58, 65), 70,
        *range(100, 108), *range(110, 114), *range(120, 128),
    }  # fmt: skip
    assert known == expected
    assert known - {int(a.type) for a in SAMPLES} == set()


@pytest.mark.parametrize("index", range(len(SAMPLES)), ids=SAMPLE_IDS)
def test_sample_decodes_back(index: int) -> None:
    """c104test's own round trip, so that a disagreement below is not a codec asymmetry."""
    assert decode_asdu(FRAMES[index][6:]) == _normalized(SAMPLES[index])


# ---- tests against tshark -----------------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(SAMPLES)), ids=SAMPLE_IDS)
def test_tshark_reads_the_header(dissected: dict[str, Any], index: int) -> None:
    shown = dissected["samples"][index]
    assert shown["asdu_count"] == 1
    assert compare_header(SAMPLES[index], FRAMES[index], shown) == []


@pytest.mark.parametrize("index", range(len(SAMPLES)), ids=SAMPLE_IDS)
def test_tshark_reads_every_object(dissected: dict[str, Any], index: int) -> None:
    asdu = SAMPLES[index]
    assert compare_objects(asdu, FRAMES[index], dissected["samples"][index]) == []


def test_tshark_flags_nothing_in_our_frames(dissected: dict[str, Any]) -> None:
    flagged = {
        SAMPLE_IDS[i]: (d["expert"], d["malformed"])
        for i, d in enumerate(dissected["samples"])
        if d["expert"] or d["malformed"]
    }
    assert flagged == {}


def test_tshark_flags_the_malformed_control(dissected: dict[str, Any]) -> None:
    (shown,) = dissected["malformed"]
    assert shown["malformed"] and shown["expert"]
    with pytest.raises(DecodeError):
        decode_asdu(MALFORMED[6:])


def test_raw_only_list_is_exact(dissected: dict[str, Any]) -> None:
    """TSHARK_RAW_ONLY is exactly what this tshark leaves raw.

    If a newer tshark dissects one of them, drop it from the list: test_tshark_reads_every_object
    then checks it field by field (and names any field _element() does not map yet).
    """
    raw_types = {
        a.type
        for a, d in zip(SAMPLES, dissected["samples"], strict=True)
        if any("rawdata" in o for o in d["objects"])
    }
    assert raw_types == set(TSHARK_RAW_ONLY)


# ---- protocol.md section 4.4 frames through c104test's decoder ----------------------------------

SECTION_4_4_EXPECTED = [
    # (type, cot, negative, test, [(ioa, value)]) as protocol.md describes the capture
    (Type.C_IC_NA_1, Cot.ACTIVATION, False, False, [(0, 20)]),
    (Type.C_IC_NA_1, Cot.ACTIVATION_CON, False, False, [(0, 20)]),
    (Type.M_SP_TB_1, Cot.SPONTANEOUS, False, False, [(100, True)]),
    (
        Type.M_SP_NA_1,
        Cot.INTERROGATED_BY_STATION,
        False,
        False,
        [(300, True), (301, False), (302, True)],
    ),
    (Type.M_ME_NC_1, Cot.PERIODIC, False, False, [(2000, 1.5)]),
    (Type.C_IC_NA_1, Cot.ACTIVATION_TERMINATION, False, False, [(0, 20)]),
    (Type.C_SC_NA_1, Cot.ACTIVATION, False, False, [(5000, True)]),
    (Type.C_SC_NA_1, Cot.ACTIVATION_CON, True, False, [(5000, True)]),
    (200, Cot.ACTIVATION, False, False, []),
    (200, Cot.UNKNOWN_TYPE_ID, True, False, []),
    (Type.C_CS_NA_1, Cot.ACTIVATION, False, True, [(0, None)]),
]


@pytest.mark.parametrize("index", range(len(SECTION_4_4)), ids=lambda i: f"frame{i}")
def test_section_4_4_frames_decode_like_tshark(dissected: dict[str, Any], index: int) -> None:
    frame = SECTION_4_4_FRAMES[index]
    shown = dissected["section_4_4"][index]
    ours = decode_asdu(frame[6:])
    assert encode_asdu(ours) == frame[6:]  # byte-exact round trip of a frame c104test did not make
    assert frame[1] == len(frame) - 2
    assert compare_header(ours, frame, shown) == []
    assert shown["expert"] == [] and not shown["malformed"]
    if isinstance(ours, UnknownAsdu):
        assert shown["objects"] == [{"ioa": 0, "rawdata": ours.payload[3:].hex()}]
    else:
        assert compare_objects(ours, frame, shown) == []
    ti, cot, negative, test, values = SECTION_4_4_EXPECTED[index]
    assert (int(ours.type), ours.cot, ours.negative, ours.test) == (int(ti), cot, negative, test)
    got = [(ob.io_address, ob.value) for ob in ours.objects]
    assert [ioa for ioa, _ in got] == [ioa for ioa, _ in values]
    for (_, value), (_, want) in zip(got, values, strict=True):
        if want is not None:
            assert value == want


def test_section_4_4_time_tags() -> None:
    """The two CP56Time2a of the capture: 2025-11-25 13:34:12.345, no flags."""
    for index in (2, 10):
        (ob,) = decode_asdu(SECTION_4_4_FRAMES[index][6:]).objects
        assert ob.time == CP56Time2a(12345, 34, 13, 25, 11, 25)
        assert str(ob.time) == "2025-11-25 13:34:12.345"
