"""c104test's codec against scapy's IEC 104 layer (scapy.contrib.scada.iec104), both ways.

1. Every sample of samples.py, encoded by c104test, is dissected by scapy; the header and every
   field of every information object scapy produces (reserved bits included) must equal the
   value the sample was built from. scapy knows all 67 types c104test knows, so every type is
   checked field by field. A field scapy produces that the mapping below does not know fails the
   test.
2. Frames built with scapy are decoded by c104test and compared with the ASDU they describe,
   and c104test's encoding of that ASDU must be the same octets.

Where scapy 2.8 reads the wire differently from the standard (BSI, SCD and LOF octet order,
see scapy_oracle.py) the expected value is transformed the same way, so the comparison still
pins every bit; those deviations are scapy's, not c104test's (lib60870 agrees with c104test).
"""

from __future__ import annotations

import dataclasses
import struct
from types import ModuleType
from typing import Any

import pytest

from c104test.protocol.asdu import Asdu, decode_asdu, encode_asdu
from c104test.protocol.elements import (
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
from c104test.protocol.enums import Cot, Double, Frz, Qoc, Qoi, Rqt, Type
from c104test.protocol.objects import (
    Bitstring,
    ClockSync,
    CounterInterrogation,
    DoubleCommand,
    DoublePoint,
    FileReady,
    IntegratedTotals,
    Interrogation,
    MeasuredScaled,
    MeasuredShort,
    PackedSinglePoints,
    QueryLog,
    Read,
    SetpointScaled,
    SingleCommand,
    SinglePoint,
)
from c104test.protocol.timetags import CP16Time2a, CP24Time2a, CP56Time2a

from .samples import SAMPLES, apdu, sample_apdus
from .scapy_oracle import decode_with_scapy

pytestmark = pytest.mark.oracle

IOA = "information_object_address"
FRAMES = sample_apdus()
SAMPLE_IDS = [f"{i:02d}-{a.type.name}{'-SQ1' if a.sequence else ''}" for i, a in enumerate(SAMPLES)]


def f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _bits(el: Any, names: str) -> dict[str, int]:
    return {n: int(getattr(el, n)) for n in names.split()}


def _cp56(t: CP56Time2a, prefix: str = "") -> dict[str, int]:
    r = t.reserved
    return {
        f"{prefix}sec_milli": t.milliseconds,
        f"{prefix}iv" if prefix else "iv_time": int(t.iv),  # start_iv / stop_iv, but iv_time
        f"{prefix}gen": int(t.substituted),
        f"{prefix}minutes": t.minute,
        f"{prefix}su": int(t.su),
        f"{prefix}reserved_2": r & 0x03,
        f"{prefix}hours": t.hour,
        f"{prefix}weekday": t.day_of_week,
        f"{prefix}day_of_month": t.day,
        f"{prefix}reserved_3": (r >> 2) & 0x0F,
        f"{prefix}month": t.month,
        f"{prefix}reserved_4": (r >> 6) & 0x01,
        f"{prefix}year": t.year,  # scapy keeps the raw 0..99
    }


def _scd(scd: SCD) -> dict[str, int]:
    """scapy's 32 SCD bits: the four octets read big-endian as cd_16..cd_1, st_16..st_1."""
    word = int.from_bytes(struct.pack("<HH", scd.st, scd.cd), "big")
    out = {f"st_{k}": (word >> (k - 1)) & 1 for k in range(1, 17)}
    out.update({f"cd_{k}": (word >> (15 + k)) & 1 for k in range(1, 17)})
    return out


_CP16_NAME = {
    "elapsed": "elapsed_sec_milli",
    "duration": "prot_act_sec_milli",
    "operating": "prot_cmd_sec_milli",
    "delay": "sec_milli",
}


def _element(name: str, value: Any) -> dict[str, Any]:
    """The scapy fields of one element of c104test's object."""
    if isinstance(value, SIQ):
        return {**_bits(value, "iv nt sb bl reserved"), "spi_value": int(value.spi)}
    if isinstance(value, DIQ):
        return {**_bits(value, "iv nt sb bl reserved"), "dpi_value": int(value.dpi)}
    if isinstance(value, QDS):
        return _bits(value, "iv nt sb bl reserved ov")
    if isinstance(value, QDP):
        return {**_bits(value, "iv nt sb bl ei"), "reserved_qdp": value.reserved}
    if isinstance(value, SEP):
        return {**_bits(value, "iv nt sb bl ei reserved"), "es": int(value.es)}
    if isinstance(value, SPE):
        return _bits(value, "reserved srd sie sl3 sl2 sl1 gs")
    if isinstance(value, OCI):
        return _bits(value, "reserved cl3 cl2 cl1 gc")
    if isinstance(value, VTI):
        return {"transient_state": int(value.transient), "value": value.value}
    if isinstance(value, BCR):
        return {"counter_value": value.counter, "iv": int(value.iv), "ca": int(value.ca),
                "cy": int(value.cy), "sq": value.sequence}  # fmt: skip
    if isinstance(value, SCD):
        return _scd(value)
    if isinstance(value, SCO):
        return {"s_or_e": int(value.se), "qu": int(value.qu), "reserved": value.reserved,
                "scs": int(value.scs)}  # fmt: skip
    if isinstance(value, DCO):
        return {"s_or_e": int(value.se), "qu": int(value.qu), "dcs": int(value.dcs)}
    if isinstance(value, RCO):
        return {"s_or_e": int(value.se), "qu": int(value.qu), "rcs": int(value.rcs)}
    if isinstance(value, QOS):
        return {"action": int(value.se), "ql": value.ql}
    if isinstance(value, QPM):
        return {"pop": int(value.pop), "lpc": int(value.lpc), "kpa": value.kpa}
    if isinstance(value, COI):
        return {"local_param_state": int(value.bs), "coi": int(value.cause)}
    if isinstance(value, QCC):
        return {"frz": int(value.frz), "rqt": int(value.rqt)}
    if isinstance(value, SOF):
        return {"fa": int(value.fa), "for_": int(value.for_), "lfd": int(value.lfd),
                "status": value.status}  # fmt: skip
    if isinstance(value, CP56Time2a):
        return _cp56(value, {"time": "", "start": "start_", "stop": "stop_"}[name])
    if isinstance(value, CP24Time2a):
        return {"sec_milli": value.milliseconds, "iv_time": int(value.iv),
                "gen": int(value.substituted), "minutes": value.minute}  # fmt: skip
    if isinstance(value, CP16Time2a):
        return {_CP16_NAME[name]: value.milliseconds}
    simple = {
        "nva": ("normed_value", lambda v: round(v * 32768)),  # scapy keeps the raw int16
        "sva": ("scaled_value", int),
        "r32": ("scaled_value", f32),  # (sic) scapy names the R32 field scaled_value
        # scapy reads BSI big-endian (as Wireshark shows it); c104test and lib60870 little-endian
        "bsi": ("bsi", lambda v: int.from_bytes(struct.pack("<I", v), "big")),
        "qoi": ("qoi", int),
        "qrp": ("qrp", int),
        "qpa": ("qpa", int),
        "fbp": ("fbp", int),
        "tsc": ("tsc", int),
        "nof": ("file_name", int),
        "nos": ("section_name", int),
        # scapy reads LOF big-endian (ThreeBytesField); the standard's UI24 is little-endian
        "lof": ("file_length", lambda v: int.from_bytes(v.to_bytes(3, "little"), "big")),
        "lsq": ("lsq", int),
        "chs": ("checksum", int),
    }
    if name in simple:
        key, conv = simple[name]
        return {key: conv(value)}
    if name == "frq":
        return {"fr_ack": value >> 7, "fr": value & 0x7F}
    if name == "srq":
        return {"section_load_state": value >> 7, "sr": value & 0x7F}
    if name == "scq":
        return {"errors": value >> 4, "select_call": value & 0x0F}
    if name == "afq":
        return {"errors": value >> 4, "ack_file_or_sec": value & 0x0F}
    if name == "data":
        return {"segment_length": len(value), "data": value}
    raise KeyError(f"no scapy mapping for element {name}={value!r}; extend _element()")


def scapy_expected(ob: Any) -> dict[str, Any]:
    out: dict[str, Any] = {IOA: ob.io_address}
    for f in dataclasses.fields(ob):
        value = getattr(ob, f.name)
        if f.name == "io_address" or value is None:
            continue
        out.update(_element(f.name, value))
    return out


def compare(asdu: Asdu, frame: bytes, shown: dict[str, Any]) -> list[str]:
    ns, nr = struct.unpack_from("<HH", frame, 2)
    header = {
        "layer": "IEC104_I_Message_SeqIOA" if asdu.sequence else "IEC104_I_Message_SingleIOA",
        "apdu_length": len(frame) - 2,
        "tx": ns >> 1,
        "rx": nr >> 1,
        "type_id": int(asdu.type),
        "sq": int(asdu.sequence),
        "num_io": asdu.count,
        "test": int(asdu.test),
        "negative": int(asdu.negative),
        "cot": int(asdu.cot),
        "oa": asdu.originator_address,
        "ca": asdu.common_address,
        "unparsed": b"",
    }
    problems = [
        f"{k}: scapy {shown.get(k)!r}, expected {v!r}"
        for k, v in header.items()
        if shown.get(k) != v
    ]
    if len(shown["objects"]) != asdu.count:
        return [*problems, f"scapy shows {len(shown['objects'])} objects, expected {asdu.count}"]
    for i, (ob, got) in enumerate(zip(asdu.objects, shown["objects"], strict=True)):
        want = scapy_expected(ob)
        for key in sorted(set(want) | set(got)):
            if key not in got:
                problems.append(f"object {i}: scapy has no {key}")
            elif key not in want:
                problems.append(
                    f"object {i}: scapy shows {key}={got[key]!r}, which the test does not map"
                )
            elif got[key] != want[key]:
                problems.append(
                    f"object {i}: {key}: scapy {got[key]!r}, c104test encoded {want[key]!r}"
                )
    return problems


# ---- c104test encodes, scapy decodes ------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(SAMPLES)), ids=SAMPLE_IDS)
def test_scapy_reads_every_field(scapy_iec104: ModuleType, index: int) -> None:
    assert compare(SAMPLES[index], FRAMES[index], decode_with_scapy(FRAMES[index])) == []


def test_scapy_knows_every_type(scapy_iec104: ModuleType) -> None:
    """So none of the types above was compared through a Raw payload."""
    missing = {
        a.type.name for a in SAMPLES if int(a.type) not in scapy_iec104.IEC104_IO_WITH_IOA_CLASSES
    }
    assert missing == set()


# ---- scapy encodes, c104test decodes ------------------------------------------------------------

T_SCAPY = CP56Time2a(54321, 7, 22, 3, 4, 26, day_of_week=5, su=True, iv=True, substituted=True)
_T_FIELDS = dict(sec_milli=54321, iv_time=1, gen=1, minutes=7, su=1, hours=22, weekday=5,
                 day_of_month=3, month=4, year=26)  # fmt: skip


def _built(mod: ModuleType) -> list[tuple[str, Any, Asdu]]:
    """(name, scapy packet, the ASDU c104test must decode from it)."""
    single = mod.IEC104_I_Message_SingleIOA
    seq = mod.IEC104_I_Message_SeqIOA
    return [
        (
            "C_IC_NA_1",
            single(type_id=100, cot=6, common_asdu_address=1,
                   io=[mod.IEC104_IO_C_IC_NA_1_IOA(information_object_address=0, qoi=20)]),
            Asdu(Type.C_IC_NA_1, Cot.ACTIVATION, 1, (Interrogation(0, Qoi.STATION),)),
        ),
        (
            "M_SP_NA_1-SQ1",
            seq(tx_seq_num=300, rx_seq_num=17, type_id=1, cot=20, origin_address=4,
                common_asdu_address=0x1234, information_object_address=70000,
                io=[mod.IEC104_IO_M_SP_NA_1(spi_value=1), mod.IEC104_IO_M_SP_NA_1(iv=1, nt=1),
                    mod.IEC104_IO_M_SP_NA_1(spi_value=1, bl=1, sb=1)]),
            Asdu(Type.M_SP_NA_1, Cot.INTERROGATED_BY_STATION, 0x1234,
                 (SinglePoint(70000, SIQ(True)), SinglePoint(70001, SIQ(False, nt=True, iv=True)),
                  SinglePoint(70002, SIQ(True, bl=True, sb=True))),
                 originator_address=4, sequence=True),
        ),
        (
            "M_ME_TF_1",
            single(tx_seq_num=32767, rx_seq_num=1, type_id=36, cot=3, common_asdu_address=65535,
                   io=[mod.IEC104_IO_M_ME_TF_1_IOA(information_object_address=16777215,
                                                    scaled_value=-12.5, ov=1, iv=1, **_T_FIELDS),
                       mod.IEC104_IO_M_ME_TF_1_IOA(information_object_address=256,
                                                    scaled_value=1e-3, nt=1, **_T_FIELDS)]),
            Asdu(Type.M_ME_TF_1, Cot.SPONTANEOUS, 65535,
                 (MeasuredShort(16777215, -12.5, QDS(ov=True, iv=True), T_SCAPY),
                  MeasuredShort(256, f32(1e-3), QDS(nt=True), T_SCAPY))),
        ),
        (
            "C_SC_NA_1-negative-test",
            single(type_id=45, cot=7, ack=1, test=1, origin_address=200, common_asdu_address=300,
                   io=[mod.IEC104_IO_C_SC_NA_1_IOA(information_object_address=5000, scs=1, qu=1,
                                                    s_or_e=1)]),
            Asdu(Type.C_SC_NA_1, Cot.ACTIVATION_CON, 300,
                 (SingleCommand(5000, SCO(True, Qoc.SHORT_PULSE, se=True)),),
                 originator_address=200, negative=True, test=True),
        ),
        (
            "C_DC_NA_1",
            single(type_id=46, cot=6, common_asdu_address=2,
                   io=[mod.IEC104_IO_C_DC_NA_1_IOA(information_object_address=65536, dcs=2, qu=2)]),
            Asdu(Type.C_DC_NA_1, Cot.ACTIVATION, 2,
                 (DoubleCommand(65536, DCO(Double.ON, Qoc.LONG_PULSE)),)),
        ),
        (
            "M_IT_NA_1",
            single(type_id=15, cot=37, common_asdu_address=3,
                   io=[mod.IEC104_IO_M_IT_NA_1_IOA(information_object_address=9, counter_value=-7,
                                                    sq=30, cy=1, ca=1, iv=1)]),
            Asdu(Type.M_IT_NA_1, Cot.REQUESTED_BY_GENERAL_COUNTER, 3,
                 (IntegratedTotals(9, BCR(-7, 30, cy=True, ca=True, iv=True)),)),
        ),
        (
            "C_SE_NB_1",
            single(type_id=49, cot=6, common_asdu_address=4,
                   io=[mod.IEC104_IO_C_SE_NB_1_IOA(information_object_address=4900,
                                                    scaled_value=-32768, action=1, ql=3)]),
            Asdu(Type.C_SE_NB_1, Cot.ACTIVATION, 4, (SetpointScaled(4900, -32768, QOS(3, se=True)),)),
        ),
        (
            "M_DP_TB_1",
            single(type_id=31, cot=3, common_asdu_address=5,
                   io=[mod.IEC104_IO_M_DP_TB_1_IOA(information_object_address=31, dpi_value=1,
                                                    bl=1, **_T_FIELDS)]),
            Asdu(Type.M_DP_TB_1, Cot.SPONTANEOUS, 5, (DoublePoint(31, DIQ(Double.OFF, bl=True), T_SCAPY),)),
        ),
        (
            "C_CI_NA_1",
            single(type_id=101, cot=6, common_asdu_address=6,
                   io=[mod.IEC104_IO_C_CI_NA_1_IOA(information_object_address=0, rqt=5, frz=1)]),
            Asdu(Type.C_CI_NA_1, Cot.ACTIVATION, 6,
                 (CounterInterrogation(0, QCC(Rqt.GENERAL, Frz.FREEZE_WITHOUT_RESET)),)),
        ),
        (
            "C_RD_NA_1",
            single(type_id=102, cot=5, common_asdu_address=7,
                   io=[mod.IEC104_IO_C_RD_NA_1_IOA(information_object_address=0xABCDEF)]),
            Asdu(Type.C_RD_NA_1, Cot.REQUEST, 7, (Read(0xABCDEF),)),
        ),
        (
            "C_CS_NA_1",
            single(type_id=103, cot=6, test=1, common_asdu_address=8,
                   io=[mod.IEC104_IO_C_CS_NA_1_IOA(information_object_address=0, **_T_FIELDS)]),
            Asdu(Type.C_CS_NA_1, Cot.ACTIVATION, 8, (ClockSync(0, T_SCAPY),), test=True),
        ),
        (
            "M_ME_NB_1-SQ1",
            seq(type_id=11, cot=1, common_asdu_address=9, information_object_address=65535,
                io=[mod.IEC104_IO_M_ME_NB_1(scaled_value=-1, ov=1),
                    mod.IEC104_IO_M_ME_NB_1(scaled_value=32767)]),
            Asdu(Type.M_ME_NB_1, Cot.PERIODIC, 9,
                 (MeasuredScaled(65535, -1, QDS(ov=True)), MeasuredScaled(65536, 32767, QDS())),
                 sequence=True),
        ),
        (
            # BSI: scapy's 32-bit field is big-endian on the wire, c104test's value little-endian
            "M_BO_NA_1",
            single(type_id=7, cot=3, common_asdu_address=10,
                   io=[mod.IEC104_IO_M_BO_NA_1_IOA(information_object_address=7, bsi=0x12345678)]),
            Asdu(Type.M_BO_NA_1, Cot.SPONTANEOUS, 10, (Bitstring(7, 0x78563412, QDS()),)),
        ),
        (
            # SCD: scapy's cd_* bits are the first two octets, i.e. the standard's ST
            "M_PS_NA_1",
            single(type_id=20, cot=20, common_asdu_address=11,
                   io=[mod.IEC104_IO_M_PS_NA_1_IOA(information_object_address=20, cd_1=1, cd_16=1,
                                                    st_9=1, iv=1)]),
            Asdu(Type.M_PS_NA_1, Cot.INTERROGATED_BY_STATION, 11,
                 (PackedSinglePoints(20, SCD(st=0x0180, cd=0x0001), QDS(iv=True)),)),
        ),
        (
            # LOF: scapy's ThreeBytesField is big-endian on the wire
            "F_FR_NA_1",
            single(type_id=120, cot=13, common_asdu_address=12,
                   io=[mod.IEC104_IO_F_FR_NA_1_IOA(information_object_address=1, file_name=0x0102,
                                                    file_length=0x010203, fr_ack=1)]),
            Asdu(Type.F_FR_NA_1, Cot.FILE_TRANSFER, 12, (FileReady(1, 0x0102, 0x030201, 0x80),)),
        ),
        (
            "F_SC_NB_1",
            single(type_id=127, cot=13, common_asdu_address=13,
                   io=[mod.IEC104_IO_F_SC_NB_1_IOA(
                       information_object_address=2, file_name=9,
                       **{f"start_{k.replace('iv_time', 'iv')}": v for k, v in _T_FIELDS.items()},
                       **{f"stop_{k.replace('iv_time', 'iv')}": v for k, v in _T_FIELDS.items()})]),
            Asdu(Type.F_SC_NB_1, Cot.FILE_TRANSFER, 13, (QueryLog(2, 9, T_SCAPY, T_SCAPY),)),
        ),
    ]  # fmt: skip


def _names() -> list[str]:
    return [
        "C_IC_NA_1", "M_SP_NA_1-SQ1", "M_ME_TF_1", "C_SC_NA_1-negative-test", "C_DC_NA_1",
        "M_IT_NA_1", "C_SE_NB_1", "M_DP_TB_1", "C_CI_NA_1", "C_RD_NA_1", "C_CS_NA_1",
        "M_ME_NB_1-SQ1", "M_BO_NA_1", "M_PS_NA_1", "F_FR_NA_1", "F_SC_NB_1",
    ]  # fmt: skip


@pytest.mark.parametrize("name", _names())
def test_codec_decodes_scapy_frames(scapy_iec104: ModuleType, name: str) -> None:
    built = {n: (pkt, asdu) for n, pkt, asdu in _built(scapy_iec104)}
    assert set(built) == set(_names())
    pkt, expected = built[name]
    frame = bytes(pkt)
    assert frame[0] == 0x68 and frame[1] == len(frame) - 2
    ns, nr = struct.unpack_from("<HH", frame, 2)
    assert (ns >> 1, nr >> 1) == (pkt.tx_seq_num, pkt.rx_seq_num)
    assert decode_asdu(frame[6:]) == expected
    assert encode_asdu(expected) == frame[6:]
    # and back through scapy, which closes the loop on the transformed fields too
    assert compare(expected, frame, decode_with_scapy(frame)) == []


def test_scapy_built_interrogation_is_the_reference_frame(scapy_iec104: ModuleType) -> None:
    """protocol.md 4.2: scapy's C_IC_NA_1 is byte-identical to the hand-made frame."""
    mod = scapy_iec104
    pkt = mod.IEC104_I_Message_SingleIOA(
        type_id=100,
        cot=6,
        common_asdu_address=1,
        io=[mod.IEC104_IO_C_IC_NA_1_IOA(information_object_address=0, qoi=20)],
    )
    asdu = Asdu(Type.C_IC_NA_1, Cot.ACTIVATION, 1, (Interrogation(0, Qoi.STATION),))
    assert (
        bytes(pkt) == bytes.fromhex("680e0000000064010600010000000014") == apdu(encode_asdu(asdu))
    )


# ---- the station's file service, as sent, read by scapy (A39) ------------------------------------


def test_scapy_reads_the_file_service_answers(scapy_iec104: ModuleType) -> None:
    """Every ASDU of a whole file read from the station (directory to last section), field by field."""
    from c104test.protocol.file_qualifiers import Afq, Scq
    from c104test.protocol.objects import FileAck, FileCall
    from tests.protocol.station.drive import ask, make, started

    station = make(max_asdu_length=30)  # segments of 17 octets: several per section
    started(station)

    def call(scq: int, nos: int = 0, cot: Cot = Cot.FILE_TRANSFER) -> Asdu:
        return Asdu(Type.F_SC_NA_1, cot, 47, (FileCall(700, 1, nos, scq),))

    sent = ask(station, call(Scq.DEFAULT, cot=Cot.REQUEST)) + ask(station, call(Scq.SELECT_FILE))
    sent += ask(station, call(Scq.REQUEST_FILE))
    for nos in (1, 2):
        sent += ask(station, call(Scq.REQUEST_SECTION, nos))
        sent += ask(station, Asdu(Type.F_AF_NA_1, Cot.FILE_TRANSFER, 47, (FileAck(700, 1, nos, Afq.POSITIVE_ACK_SECTION),)))
    assert {a.type for a in sent} == {Type.F_DR_TA_1, Type.F_FR_NA_1, Type.F_SR_NA_1, Type.F_SG_NA_1, Type.F_LS_NA_1}
    for asdu in sent:
        frame = apdu(encode_asdu(asdu))
        assert compare(asdu, frame, decode_with_scapy(frame)) == [], asdu
