"""The ASDU codec: hand-made vectors for every type, round trips, decode and encode errors.

The vectors are written octet by octet from spec/protocol.md sections 1.5-1.9 (and the sample
capture of section 4.4), never produced by the encoder under test.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from c104test.protocol import (
    BCR,
    COI,
    DCO,
    DIQ,
    MAX_ASDU_LENGTH,
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
    Coi,
    Cot,
    CP16Time2a,
    CP24Time2a,
    CP56Time2a,
    DecodeError,
    Double,
    EventState,
    Frz,
    LocalProtocolError,
    Qoc,
    Qoi,
    Rqt,
    Step,
    Type,
    UnknownAsdu,
    decode_asdu,
    encode_asdu,
    max_objects,
    mirror,
    type_info,
)
from c104test.protocol.objects import (
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
)
from c104test.protocol.objects import TestCommand as TsCommand  # "Test*" would be collected
from c104test.protocol.objects import TestCommandWithTime as TsCommandWithTime

try:
    from .strategies import ALL_TYPES, NO_SEQUENCE, asdu_bytes, asdus, cp56_any
except ImportError:  # run as a rootdir-relative module (no package __init__)
    from strategies import ALL_TYPES, NO_SEQUENCE, asdu_bytes, asdus, cp56_any  # type: ignore[no-redef]


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def A(t, cot, objects, *, ca=1, oa=0, negative=False, test=False, sequence=False) -> Asdu:
    return Asdu(t, cot, ca, tuple(objects), oa, negative, test, sequence)


# ---- time tags used by the vectors, each worked out bit by bit -----------------------------------

# 2025-11-25 13:34:12.345 (spec 4.1): ms 12345 = 0x3039; min 34 = 0x22; hour 13 = 0x0d;
# day 25 = 0x19 (day of week 0); month 11 = 0x0b; year 25 = 0x19
T1_HEX = "39 30 22 0d 19 0b 19"
T1 = CP56Time2a(12345, 34, 13, 25, 11, 25)
# ms 59999 = 0xea5f; min 59 | IV 0x80 = 0xbb; hour 23 | SU 0x80 = 0x97;
# day 31 | day of week 7 << 5 = 0xff; month 12 = 0x0c; year 99 = 0x63
T2_HEX = "5f ea bb 97 ff 0c 63"
T2 = CP56Time2a(59999, 59, 23, 31, 12, 99, day_of_week=7, su=True, iv=True)
# ms 0; min 0 | GEN/substituted 0x40; hour 0 | RES2 0x60; day 1; month 1 | RES3 0xf0;
# year 0 | RES4 0x80. reserved = RES2 3 | RES3 15 << 2 | RES4 1 << 6 = 127
T3_HEX = "00 00 40 60 01 f1 80"
T3 = CP56Time2a(0, 0, 0, 1, 1, 0, substituted=True, reserved=127)
# CP24: ms 12345, minute 34 (+ IV 0x80 or substituted 0x40)
C24_HEX = "39 30 22"
C24 = CP24Time2a(12345, 34)

SPONT = Cot.SPONTANEOUS
ACT = Cot.ACTIVATION
FILE = Cot.FILE_TRANSFER

# (id, hex, expected); one or more per type
VECTORS = [
    # -- monitoring direction, no time / CP24 --
    ("M_SP_NA_1", "01 02 03 05 34 12  0a 00 00 01  0b 00 00 f0",
     A(Type.M_SP_NA_1, SPONT, [SinglePoint(10, SIQ(True)),
                               SinglePoint(11, SIQ(False, bl=True, sb=True, nt=True, iv=True))],
       ca=0x1234, oa=5)),
    ("M_SP_NA_1-sq-spec", "01 83 14 00 01 00  2c 01 00  01 00 81",  # spec 4.4: IOA 300..302
     A(Type.M_SP_NA_1, Cot.INTERROGATED_BY_STATION,
       [SinglePoint(300, SIQ(True)), SinglePoint(301, SIQ(False)), SinglePoint(302, SIQ(True, iv=True))],
       sequence=True)),
    ("M_SP_NA_1-reserved", "01 01 03 00 01 00  01 00 00  0e",  # SIQ bits 1-3 set, kept
     A(Type.M_SP_NA_1, SPONT, [SinglePoint(1, SIQ(False, reserved=7))])),
    ("M_SP_TA_1", "02 01 03 00 01 00  64 00 00  11  39 30 a2",
     A(Type.M_SP_TA_1, SPONT, [SinglePoint(100, SIQ(True, bl=True), CP24Time2a(12345, 34, iv=True))])),
    ("M_DP_NA_1", "03 02 14 00 01 00  c8 00 00 02  c9 00 00 81",
     A(Type.M_DP_NA_1, Cot.INTERROGATED_BY_STATION,
       [DoublePoint(200, DIQ(Double.ON)), DoublePoint(201, DIQ(Double.OFF, iv=True))])),
    ("M_DP_TA_1", "04 01 03 00 01 00  2c 01 00  23  39 30 62",
     A(Type.M_DP_TA_1, SPONT,
       [DoublePoint(300, DIQ(Double.INDETERMINATE, sb=True), CP24Time2a(12345, 34, substituted=True))])),
    ("M_ST_NA_1", "05 02 05 00 01 00  90 01 00 7f 01  91 01 00 c0 80",
     A(Type.M_ST_NA_1, Cot.REQUEST,
       [StepPosition(400, VTI(-1), QDS(ov=True)), StepPosition(401, VTI(-64, transient=True), QDS(iv=True))])),
    ("M_ST_TA_1", f"06 01 03 00 01 00  f4 01 00  3f 10  {C24_HEX}",
     A(Type.M_ST_TA_1, SPONT, [StepPosition(500, VTI(63), QDS(bl=True), C24)])),
    ("M_BO_NA_1", "07 01 03 00 01 00  58 02 00  78 56 34 12  40",
     A(Type.M_BO_NA_1, SPONT, [Bitstring(600, 0x12345678, QDS(nt=True))])),
    ("M_BO_TA_1", f"08 01 03 00 01 00  59 02 00  ff ff ff ff  00  {C24_HEX}",
     A(Type.M_BO_TA_1, SPONT, [Bitstring(601, 0xFFFFFFFF, QDS(), C24)])),
    ("M_ME_NA_1", "09 02 01 00 01 00  bc 02 00 00 40 00  bd 02 00 00 80 81",
     A(Type.M_ME_NA_1, Cot.PERIODIC,
       [MeasuredNormalized(700, 0.5, QDS()), MeasuredNormalized(701, -1.0, QDS(ov=True, iv=True))])),
    ("M_ME_TA_1", f"0a 01 03 00 01 00  bc 02 00  ff 7f  00  {C24_HEX}",
     A(Type.M_ME_TA_1, SPONT, [MeasuredNormalized(700, 32767 / 32768, QDS(), C24)])),
    ("M_ME_NB_1", "0b 01 02 00 01 00  20 03 00  18 fc  20",  # -1000 = 0xfc18
     A(Type.M_ME_NB_1, Cot.BACKGROUND_SCAN, [MeasuredScaled(800, -1000, QDS(sb=True))])),
    ("M_ME_TB_1", f"0c 01 03 00 01 00  20 03 00  e8 03  00  {C24_HEX}",
     A(Type.M_ME_TB_1, SPONT, [MeasuredScaled(800, 1000, QDS(), C24)])),
    ("M_ME_NC_1-spec", "0d 01 01 00 01 00  d0 07 00  00 00 c0 3f  00",  # spec 4.4: 1.5 at IOA 2000
     A(Type.M_ME_NC_1, Cot.PERIODIC, [MeasuredShort(2000, 1.5, QDS())])),
    ("M_ME_NC_1-sq", "0d 82 03 00 01 00  e8 03 00  00 00 20 c1 00  00 00 80 7f 80",
     A(Type.M_ME_NC_1, SPONT,
       [MeasuredShort(1000, -10.0, QDS()), MeasuredShort(1001, float("inf"), QDS(iv=True))],
       sequence=True)),
    ("M_ME_TC_1", f"0e 01 03 00 01 00  d0 07 00  00 00 c0 3f  01  {C24_HEX}",
     A(Type.M_ME_TC_1, SPONT, [MeasuredShort(2000, 1.5, QDS(ov=True), C24)])),
    # 123456789 = 0x075bcd15; 0x23 = SQ 3 | CY; 0xdf = SQ 31 | CA | IV
    ("M_IT_NA_1", "0f 02 25 00 01 00  b8 0b 00 15 cd 5b 07 23  b9 0b 00 ff ff ff ff df",
     A(Type.M_IT_NA_1, Cot.REQUESTED_BY_GENERAL_COUNTER,
       [IntegratedTotals(3000, BCR(123456789, 3, cy=True)),
        IntegratedTotals(3001, BCR(-1, 31, ca=True, iv=True))])),
    ("M_IT_TA_1", f"10 01 03 00 01 00  b8 0b 00  00 00 00 80  00  {C24_HEX}",
     A(Type.M_IT_TA_1, SPONT, [IntegratedTotals(3000, BCR(-(2**31)), C24)])),
    ("M_EP_TA_1", f"11 01 03 00 01 00  a0 0f 00  0a  e8 03  {C24_HEX}",  # SEP ES 2 | EI
     A(Type.M_EP_TA_1, SPONT,
       [ProtectionEvent(4000, SEP(EventState.ON, ei=True), CP16Time2a(1000), C24)])),
    ("M_EP_TB_1", f"12 01 03 00 01 00  a1 0f 00  23  18  2c 01  {C24_HEX}",  # SPE GS|SL1|SRD, QDP EI|BL
     A(Type.M_EP_TB_1, SPONT,
       [ProtectionStart(4001, SPE(gs=True, sl1=True, srd=True), QDP(ei=True, bl=True), CP16Time2a(300), C24)])),
    ("M_EP_TC_1", f"13 01 03 00 01 00  a2 0f 00  0f  80  5f ea  {C24_HEX}",
     A(Type.M_EP_TC_1, SPONT,
       [ProtectionCircuit(4002, OCI(True, True, True, True), QDP(iv=True), CP16Time2a(59999), C24)])),
    ("M_PS_NA_1", "14 01 14 00 01 00  88 13 00  01 80  ff 00  00",
     A(Type.M_PS_NA_1, Cot.INTERROGATED_BY_STATION, [PackedSinglePoints(5000, SCD(0x8001, 0x00FF), QDS())])),
    ("M_ME_ND_1-sq", "15 82 14 00 01 00  70 17 00  00 c0  00 20",  # -0.5 = 0xc000, 0.25 = 0x2000
     A(Type.M_ME_ND_1, Cot.INTERROGATED_BY_STATION,
       [MeasuredNormalized(6000, -0.5, None), MeasuredNormalized(6001, 0.25, None)], sequence=True)),
    # -- monitoring direction, CP56Time2a --
    ("M_SP_TB_1-spec", f"1e 01 03 00 01 00  64 00 00  01  {T1_HEX}",
     A(Type.M_SP_TB_1, SPONT, [SinglePoint(100, SIQ(True), T1)])),
    ("M_SP_TB_1-flags", f"1e 01 03 00 01 00  65 00 00  80  {T2_HEX}",
     A(Type.M_SP_TB_1, SPONT, [SinglePoint(101, SIQ(False, iv=True), T2)])),
    ("M_DP_TB_1", f"1f 01 03 00 01 00  66 00 00  01  {T3_HEX}",
     A(Type.M_DP_TB_1, SPONT, [DoublePoint(102, DIQ(Double.OFF), T3)])),
    ("M_ST_TB_1", f"20 01 03 00 01 00  67 00 00  85  00  {T1_HEX}",
     A(Type.M_ST_TB_1, SPONT, [StepPosition(103, VTI(5, transient=True), QDS(), T1)])),
    ("M_BO_TB_1", f"21 01 03 00 01 00  68 00 00  01 00 00 80  00  {T1_HEX}",
     A(Type.M_BO_TB_1, SPONT, [Bitstring(104, 0x80000001, QDS(), T1)])),
    ("M_ME_TD_1", f"22 01 03 00 01 00  69 00 00  00 e0  10  {T1_HEX}",
     A(Type.M_ME_TD_1, SPONT, [MeasuredNormalized(105, -0.25, QDS(bl=True), T1)])),
    ("M_ME_TE_1", f"23 01 03 00 01 00  6a 00 00  ff 7f  00  {T1_HEX}",
     A(Type.M_ME_TE_1, SPONT, [MeasuredScaled(106, 32767, QDS(), T1)])),
    ("M_ME_TF_1", f"24 01 03 00 01 00  6b 00 00  00 00 80 bf  00  {T1_HEX}",  # -1.0f = 0xbf800000
     A(Type.M_ME_TF_1, SPONT, [MeasuredShort(107, -1.0, QDS(), T1)])),
    ("M_IT_TB_1", f"25 01 03 00 01 00  6c 00 00  10 27 00 00  01  {T1_HEX}",
     A(Type.M_IT_TB_1, SPONT, [IntegratedTotals(108, BCR(10000, 1), T1)])),
    ("M_EP_TD_1", f"26 01 03 00 01 00  6d 00 00  01  64 00  {T1_HEX}",
     A(Type.M_EP_TD_1, SPONT, [ProtectionEvent(109, SEP(EventState.OFF), CP16Time2a(100), T1)])),
    ("M_EP_TE_1", f"27 01 03 00 01 00  6e 00 00  3f  00  0a 00  {T1_HEX}",
     A(Type.M_EP_TE_1, SPONT,
       [ProtectionStart(110, SPE(True, True, True, True, True, True), QDP(), CP16Time2a(10), T1)])),
    ("M_EP_TF_1", f"28 01 03 00 01 00  6f 00 00  01  08  00 00  {T1_HEX}",
     A(Type.M_EP_TF_1, SPONT, [ProtectionCircuit(111, OCI(gc=True), QDP(ei=True), CP16Time2a(0), T1)])),
    # -- process commands --
    ("C_SC_NA_1-spec", "2d 01 06 00 01 00  88 13 00  81",  # spec 4.4: select ON at IOA 5000
     A(Type.C_SC_NA_1, ACT, [SingleCommand(5000, SCO(True, se=True))])),
    ("C_SC_NA_1-spec-negative", "2d 01 47 00 01 00  88 13 00  81",  # 0x47 = ACT_CON | P/N
     A(Type.C_SC_NA_1, Cot.ACTIVATION_CON, [SingleCommand(5000, SCO(True, se=True))], negative=True)),
    ("C_SC_NA_1-pulse", "2d 01 06 00 01 00  89 13 00  05",  # SCS 1 | QU 1 << 2
     A(Type.C_SC_NA_1, ACT, [SingleCommand(5001, SCO(True, Qoc.SHORT_PULSE))])),
    ("C_DC_NA_1", "2e 01 06 00 01 00  8a 13 00  8e",  # S/E | QU 3 << 2 | DCS 2
     A(Type.C_DC_NA_1, ACT, [DoubleCommand(5002, DCO(Double.ON, Qoc.PERSISTENT, se=True))])),
    ("C_RC_NA_1", "2f 01 07 00 01 00  8b 13 00  09",  # QU 2 << 2 | RCS 1
     A(Type.C_RC_NA_1, Cot.ACTIVATION_CON, [StepCommand(5003, RCO(Step.LOWER, Qoc.LONG_PULSE))])),
    ("C_SE_NA_1", "30 01 06 00 01 00  8c 13 00  00 40  80",
     A(Type.C_SE_NA_1, ACT, [SetpointNormalized(5004, 0.5, QOS(0, se=True))])),
    ("C_SE_NB_1", "31 01 06 00 01 00  8d 13 00  39 30  00",  # 12345 = 0x3039
     A(Type.C_SE_NB_1, ACT, [SetpointScaled(5005, 12345, QOS())])),
    ("C_SE_NC_1", "32 01 06 00 01 00  8e 13 00  00 00 48 42  41",  # 50.0f = 0x42480000, QL 65
     A(Type.C_SE_NC_1, ACT, [SetpointShort(5006, 50.0, QOS(65))])),
    ("C_BO_NA_1", "33 01 06 00 01 00  8f 13 00  ef be ad de",
     A(Type.C_BO_NA_1, ACT, [BitstringCommand(5007, 0xDEADBEEF)])),
    ("C_SC_TA_1", f"3a 01 06 00 01 00  90 13 00  00  {T1_HEX}",
     A(Type.C_SC_TA_1, ACT, [SingleCommand(5008, SCO(False), T1)])),
    ("C_DC_TA_1", f"3b 01 06 00 01 00  91 13 00  81  {T1_HEX}",
     A(Type.C_DC_TA_1, ACT, [DoubleCommand(5009, DCO(Double.OFF, se=True), T1)])),
    ("C_RC_TA_1", f"3c 01 0a 00 01 00  92 13 00  02  {T1_HEX}",
     A(Type.C_RC_TA_1, Cot.ACTIVATION_TERMINATION, [StepCommand(5010, RCO(Step.HIGHER), T1)])),
    ("C_SE_TA_1", f"3d 01 06 00 01 00  93 13 00  01 00  00  {T1_HEX}",
     A(Type.C_SE_TA_1, ACT, [SetpointNormalized(5011, 1 / 32768, QOS(), T1)])),
    ("C_SE_TB_1", f"3e 01 06 00 01 00  94 13 00  00 80  7f  {T1_HEX}",
     A(Type.C_SE_TB_1, ACT, [SetpointScaled(5012, -32768, QOS(127), T1)])),
    ("C_SE_TC_1", f"3f 01 06 00 01 00  95 13 00  cd cc cc 3d  00  {T1_HEX}",  # 0.1f = 0x3dcccccd
     A(Type.C_SE_TC_1, ACT, [SetpointShort(5013, 0.10000000149011612, QOS(), T1)])),
    ("C_BO_TA_1", f"40 01 06 00 01 00  96 13 00  01 02 03 04  {T1_HEX}",
     A(Type.C_BO_TA_1, ACT, [BitstringCommand(5014, 0x04030201, T1)])),
    # -- system information and commands --
    ("M_EI_NA_1", "46 01 04 00 01 00  00 00 00  82",  # COI 2 | BS
     A(Type.M_EI_NA_1, Cot.INITIALIZED, [EndOfInitialisation(0, COI(Coi.REMOTE_RESET, bs=True))])),
    ("C_IC_NA_1-spec", "64 01 06 00 01 00  00 00 00  14",
     A(Type.C_IC_NA_1, ACT, [Interrogation(0, Qoi.STATION)])),
    ("C_IC_NA_1-spec-con", "64 01 07 00 01 00  00 00 00  14",
     A(Type.C_IC_NA_1, Cot.ACTIVATION_CON, [Interrogation(0, Qoi.STATION)])),
    ("C_IC_NA_1-spec-term", "64 01 0a 00 01 00  00 00 00  14",
     A(Type.C_IC_NA_1, Cot.ACTIVATION_TERMINATION, [Interrogation(0, Qoi.STATION)])),
    ("C_IC_NA_1-private", "64 01 06 00 07 00  00 00 00  42",  # QOI 66 is no Qoi member
     A(Type.C_IC_NA_1, ACT, [Interrogation(0, 66)], ca=7)),
    ("C_CI_NA_1", "65 01 06 00 01 00  00 00 00  45",  # RQT 5 | FRZ 1 << 6
     A(Type.C_CI_NA_1, ACT, [CounterInterrogation(0, QCC(Rqt.GENERAL, Frz.FREEZE_WITHOUT_RESET))])),
    ("C_RD_NA_1", "66 01 05 00 01 00  c8 00 00",
     A(Type.C_RD_NA_1, Cot.REQUEST, [Read(200)])),
    ("C_RD_NA_1-sq", "66 83 05 00 01 00  c8 00 00",  # three reads, one IOA, no elements
     A(Type.C_RD_NA_1, Cot.REQUEST, [Read(200), Read(201), Read(202)], sequence=True)),
    ("C_CS_NA_1-spec-test", f"67 01 86 00 01 00  00 00 00  {T1_HEX}",  # 0x86 = ACT | T
     A(Type.C_CS_NA_1, ACT, [ClockSync(0, T1)], test=True)),
    ("C_TS_NA_1", "68 01 06 00 01 00  00 00 00  aa 55",  # FBP 0x55aa
     A(Type.C_TS_NA_1, ACT, [TsCommand(0, 0x55AA)])),
    ("C_RP_NA_1", "69 01 06 00 01 00  00 00 00  01",
     A(Type.C_RP_NA_1, ACT, [ResetProcess(0, 1)])),
    ("C_CD_NA_1", "6a 01 06 00 01 00  00 00 00  f4 01",  # 500 ms
     A(Type.C_CD_NA_1, ACT, [DelayAcquisition(0, CP16Time2a(500))])),
    ("C_TS_TA_1", f"6b 01 06 00 01 00  00 00 00  34 12  {T1_HEX}",
     A(Type.C_TS_TA_1, ACT, [TsCommandWithTime(0, 0x1234, T1)])),
    # -- parameters --
    ("P_ME_NA_1", "6e 01 06 00 01 00  e8 03 00  00 10  41",  # 0x1000 = 0.125; KPA 1 | LPC
     A(Type.P_ME_NA_1, ACT, [ParameterNormalized(1000, 0.125, QPM(1, lpc=True))])),
    ("P_ME_NB_1", "6f 01 06 00 01 00  e9 03 00  64 00  83",  # KPA 3 | POP
     A(Type.P_ME_NB_1, ACT, [ParameterScaled(1001, 100, QPM(3, pop=True))])),
    ("P_ME_NC_1", "70 01 07 00 01 00  ea 03 00  00 00 20 41  04",  # 10.0f = 0x41200000
     A(Type.P_ME_NC_1, Cot.ACTIVATION_CON, [ParameterShort(1002, 10.0, QPM(4))])),
    ("P_AC_NA_1", "71 01 06 00 01 00  eb 03 00  03",
     A(Type.P_AC_NA_1, ACT, [ParameterActivation(1003, 3)])),
    # -- file transfer --
    ("F_FR_NA_1", "78 01 0d 00 01 00  00 04 00  01 00  40 e2 01  00",  # LOF 123456 = 0x01e240
     A(Type.F_FR_NA_1, FILE, [FileReady(1024, 1, 123456, 0)])),
    ("F_SR_NA_1", "79 01 0d 00 01 00  00 04 00  01 00  02  00 10 00  80",
     A(Type.F_SR_NA_1, FILE, [SectionReady(1024, 1, 2, 4096, 0x80)])),
    ("F_SC_NA_1", "7a 01 0d 00 01 00  00 04 00  01 00  02  06",
     A(Type.F_SC_NA_1, FILE, [FileCall(1024, 1, 2, 6)])),
    ("F_LS_NA_1", "7b 01 0d 00 01 00  00 04 00  01 00  02  03  a5",
     A(Type.F_LS_NA_1, FILE, [LastSection(1024, 1, 2, 3, 0xA5)])),
    ("F_AF_NA_1", "7c 01 0d 00 01 00  00 04 00  01 00  02  13",
     A(Type.F_AF_NA_1, FILE, [FileAck(1024, 1, 2, 0x13)])),
    ("F_SG_NA_1", "7d 01 0d 00 01 00  00 04 00  01 00  02  04  de ad be ef",
     A(Type.F_SG_NA_1, FILE, [Segment(1024, 1, 2, b"\xde\xad\xbe\xef")])),
    ("F_SG_NA_1-empty", "7d 01 0d 00 01 00  00 04 00  01 00  02  00",
     A(Type.F_SG_NA_1, FILE, [Segment(1024, 1, 2, b"")])),
    # SQ=1 directory: LOF 256 = 00 01 00, 65536 = 00 00 01; SOF 0xe0 = LFD | FOR | FA
    ("F_DR_TA_1-sq", f"7e 82 05 00 01 00  00 00 00  01 00 00 01 00 00 {T1_HEX}  02 00 00 00 01 e0 {T2_HEX}",
     A(Type.F_DR_TA_1, Cot.REQUEST,
       [Directory(0, 1, 256, SOF(), T1), Directory(1, 2, 65536, SOF(lfd=True, for_=True, fa=True), T2)],
       sequence=True)),
    ("F_SC_NB_1", f"7f 01 0d 00 01 00  00 04 00  01 00  {T3_HEX}  {T1_HEX}",
     A(Type.F_SC_NB_1, FILE, [QueryLog(1024, 1, T3, T1)])),
]

VECTOR_PARAMS = [pytest.param(h(hexa), asdu, id=name) for name, hexa, asdu in VECTORS]


def test_vectors_cover_every_type_of_the_codec():
    codec_types = {t for t in Type if _known(t)}
    assert {asdu.type for _, _, asdu in VECTORS} == codec_types
    assert len(codec_types) == 67
    assert {int(t) for t in codec_types} == (
        set(range(1, 22)) | set(range(30, 41)) | set(range(45, 52)) | set(range(58, 65))
        | {70} | set(range(100, 108)) | set(range(110, 114)) | set(range(120, 128))
    )


def _known(t: Type) -> bool:
    try:
        type_info(t)
    except KeyError:
        return False
    return True


@pytest.mark.parametrize(("data", "expected"), VECTOR_PARAMS)
def test_vector_decodes(data, expected):
    decoded = decode_asdu(data)
    assert decoded == expected
    assert isinstance(decoded.type, Type)


@pytest.mark.parametrize(("data", "expected"), VECTOR_PARAMS)
def test_vector_encodes(data, expected):
    assert encode_asdu(expected).hex(" ") == data.hex(" ")


@pytest.mark.parametrize(("data", "expected"), VECTOR_PARAMS)
def test_vector_decodes_from_bytearray_and_memoryview(data, expected):
    assert decode_asdu(bytearray(data)) == expected
    assert decode_asdu(memoryview(b"\x68\x00" + data)[2:]) == expected


def test_spec_vector_meanings():
    """The sample capture's M_SP_TB_1, read field by field as tshark prints it (spec 4.1)."""
    asdu = decode_asdu(h("1e 01 03 00 01 00 64 00 00 01 39 30 22 0d 19 0b 19"))
    (ob,) = asdu.objects
    assert (asdu.type, asdu.cot, asdu.common_address, asdu.originator_address) == (
        Type.M_SP_TB_1, Cot.SPONTANEOUS, 1, 0)
    assert (ob.io_address, ob.value, ob.quality.is_good()) == (100, True, True)
    assert ob.time.to_datetime() == dt.datetime(2025, 11, 25, 13, 34, 12, 345000)
    assert (ob.time.milliseconds, ob.time.minute, ob.time.hour) == (12345, 34, 13)
    assert (ob.time.day, ob.time.day_of_week, ob.time.month, ob.time.year) == (25, 0, 11, 25)


def test_decoded_values_and_enums():
    asdu = decode_asdu(h("2e 01 06 00 01 00 8a 13 00 8e"))
    dco = asdu.objects[0].dco
    assert dco.dcs is Double.ON and dco.qu is Qoc.PERSISTENT and dco.se is True
    asdu = decode_asdu(h("64 01 06 00 01 00 00 00 00 15"))
    assert asdu.objects[0].qoi is Qoi.GROUP_1
    asdu = decode_asdu(h("01 01 30 00 01 00 00 00 00 00"))  # COT 48: private range, no Cot member
    assert asdu.cot == 48 and not isinstance(asdu.cot, Cot)


def test_header_bits():
    # 0xc7 = T | P/N | 7; OA 0xff; CA 0xffff (global)
    asdu = decode_asdu(h("64 01 c7 ff ff ff 00 00 00 14"))
    assert (asdu.cot, asdu.negative, asdu.test) == (Cot.ACTIVATION_CON, True, True)
    assert (asdu.originator_address, asdu.common_address) == (255, 0xFFFF)
    assert encode_asdu(asdu) == h("64 01 c7 ff ff ff 00 00 00 14")


def test_signalling_nan_reencodes_unchanged():
    # 0x7f800001 is a signalling NaN; CPython < 3.14 would widen it to a quiet NaN (0x7fc00001)
    data = h("0d 02 03 00 01 00  01 00 00 01 00 80 7f 00  02 00 00 00 00 c0 ff 00")
    asdu = decode_asdu(data)
    assert all(ob.r32 != ob.r32 for ob in asdu.objects)
    assert encode_asdu(asdu) == data
    sq = h("32 81 06 00 01 00  01 00 00  ff ff bf 7f  80")
    assert encode_asdu(decode_asdu(sq)) == sq
    # a NaN made in Python encodes as the quiet NaN
    built = A(Type.M_ME_NC_1, SPONT, [MeasuredShort(1, float("nan"))])
    assert encode_asdu(built)[9:13] == struct.pack("<f", float("nan"))


# ---- round trips ----------------------------------------------------------------------------------

ROUND_TRIP = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _sq_forms():
    for t in ALL_TYPES:
        yield pytest.param(t, False, id=f"{t.name}-sq0")
        if t not in NO_SEQUENCE:
            yield pytest.param(t, True, id=f"{t.name}-sq1")


@pytest.mark.parametrize(("type_id", "sequence"), list(_sq_forms()))
@ROUND_TRIP
@given(data=st.data())
def test_round_trip_objects(type_id, sequence, data):
    asdu = data.draw(asdus(st.just(type_id), sequence))
    encoded = encode_asdu(asdu)
    assert len(encoded) <= MAX_ASDU_LENGTH
    assert encoded[0] == type_id and encoded[1] == asdu.count | (sequence << 7)
    decoded = decode_asdu(encoded)
    assert decoded == asdu
    assert encode_asdu(decoded) == encoded


@pytest.mark.parametrize(("type_id", "sequence"), list(_sq_forms()))
@ROUND_TRIP
@given(data=st.data())
def test_round_trip_bytes(type_id, sequence, data):
    raw = data.draw(asdu_bytes(st.just(type_id), sequence))
    decoded = decode_asdu(raw)
    assert decoded.type == type_id and decoded.sequence == sequence
    assert encode_asdu(decoded) == raw


@settings(max_examples=300, deadline=None)
@given(asdus())
def test_round_trip_any_type(asdu):
    assert decode_asdu(encode_asdu(asdu)) == asdu


def test_largest_asdus_fill_249_octets_at_most():
    for t in ALL_TYPES:
        for sq in (False, True) if t not in NO_SEQUENCE else (False,):
            n = max_objects(t, sq)
            size = type_info(t).element_size
            if size < 0:
                assert n == 1
                continue
            length = 6 + (3 + n * size if sq else n * (3 + size))
            assert length <= MAX_ASDU_LENGTH and n <= 127
            # one more object would not fit (or would overflow the 7-bit count)
            assert n == 127 or length + size + (0 if sq else 3) > MAX_ASDU_LENGTH


def test_max_objects_examples():
    assert max_objects(Type.M_ME_NC_1) == 30  # 243 // 8
    assert max_objects(Type.M_ME_NC_1, sequence=True) == 48  # 240 // 5
    assert max_objects(Type.M_SP_NA_1, sequence=True) == 127  # 240 // 1 capped by the count
    assert max_objects(Type.M_SP_TB_1) == 22  # 243 // 11
    assert max_objects(Type.C_RD_NA_1) == 81  # 243 // 3
    assert max_objects(Type.C_RD_NA_1, sequence=True) == 127  # one IOA and no elements
    assert max_objects(Type.F_SG_NA_1) == 1


# ---- decode errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", range(6))
def test_header_too_short(size):
    with pytest.raises(DecodeError) as info:
        decode_asdu(h("64 01 06 00 01 00")[:size])
    assert info.value.offset == 0
    with pytest.raises(DecodeError) as info:
        decode_asdu(h("64 01 06 00 01 00")[:size], offset=6)
    assert info.value.offset == 6  # offset of the ASDU inside its APDU


def test_longer_than_249_octets():
    data = h("01 7f 03 00 01 00") + bytes(244)
    with pytest.raises(DecodeError, match="exceeds 249") as info:
        decode_asdu(data)
    assert info.value.offset == 0


@pytest.mark.parametrize("data", ["01 00 03 00 01 00", "01 00 03 00 01 00 01 00 00 01", "01 80 03 00 01 00 01 00 00 01"])
def test_count_zero(data):
    with pytest.raises(DecodeError, match="0 objects") as info:
        decode_asdu(h(data), offset=6)
    assert info.value.offset == 7  # the VSQ octet


@pytest.mark.parametrize(
    "data",
    [
        "01 02 03 00 01 00  0a 00 00 01",  # two announced, one present
        "01 02 03 00 01 00  0a 00 00 01  0b 00 00",  # second object truncated
        "01 02 03 00 01 00  0a 00 00 01  0b 00 00 01  0c 00 00 01",  # three present
        "01 02 03 00 01 00  0a 00 00 01  0b 00 00 01  ff",  # one trailing octet
        "01 82 03 00 01 00  0a 00 00 01",  # SQ=1: two announced, one element
        "01 82 03 00 01 00  0a 00 00 01 01 01",  # SQ=1: three elements
        "01 81 03 00 01 00  0a 00",  # SQ=1: IOA cut short
        "0d 01 03 00 01 00  d0 07 00 00 00 c0 3f",  # QDS missing
        "1e 01 03 00 01 00  64 00 00 01 39 30 22 0d 19 0b",  # time tag cut short
        "66 01 05 00 01 00  c8 00 00 00",  # C_RD_NA_1 has no element octets
        "64 01 06 00 01 00",  # header only
    ],
)
def test_count_disagrees_with_payload(data):
    with pytest.raises(DecodeError, match="needs") as info:
        decode_asdu(h(data))
    assert info.value.offset == 6


def test_count_error_names_what_was_expected():
    with pytest.raises(DecodeError) as info:
        decode_asdu(h("0d 02 03 00 01 00  d0 07 00 00 00 c0 3f 00"), offset=6)
    assert info.value.offset == 12
    assert "M_ME_NC_1 with 2 objects (SQ=0) needs 16 octets of objects, got 8" in str(info.value)


def test_sequence_ioa_overflow():
    with pytest.raises(DecodeError, match="exceed") as info:
        decode_asdu(h("01 82 03 00 01 00  ff ff ff  01 01"))
    assert info.value.offset == 6
    with pytest.raises(DecodeError):
        decode_asdu(h("66 ff 05 00 01 00  82 ff ff"))  # C_RD_NA_1: 127 reads from 0xffff82
    # the last address itself is fine
    last = decode_asdu(h("01 82 03 00 01 00  fe ff ff  01 00"))
    assert [ob.io_address for ob in last.objects] == [0xFFFFFE, 0xFFFFFF]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ("7d 01 0d 00 01 00  00 04 00 01 00 02 04 de ad be", "length of segment 4 disagrees with 3"),
        ("7d 01 0d 00 01 00  00 04 00 01 00 02 02 de ad be", "length of segment 2 disagrees with 3"),
        ("7d 01 0d 00 01 00  00 04 00 01 00 02", "at least 7"),
        ("7d 01 0d 00 01 00", "at least 7"),
        ("7d 02 0d 00 01 00  00 04 00 01 00 02 00", "exactly one segment"),
    ],
)
def test_segment_bad_length(data, match):
    with pytest.raises(DecodeError, match=match) as info:
        decode_asdu(h(data))
    assert info.value.offset == 6


@pytest.mark.parametrize("data", ["7d 81 0d 00 01 00", "7d 81 0d 00 01 00 00 04", "7d 81 0d 00 01 00  00 04 00 01 00 02 00"])
def test_segment_has_no_sequence_form(data):
    with pytest.raises(DecodeError, match="no SQ=1") as info:
        decode_asdu(h(data))
    assert info.value.offset == 1


@pytest.mark.parametrize(
    "data",
    [
        "c8 01 06 00 01 00  00 00 00 00",  # spec 4.4: TI 200
        "c8 01 6c 00 01 00  00 00 00 00",  # spec 4.4: its COT 44 negative mirror
        "00 01 03 00 01 00  01 02 03",  # TI 0
        "29 02 03 00 01 00  aa",  # TI 41 (S_IT_TC_1): not coded
        "16 00 03 00 01 00",  # TI 22, count 0, no payload
        "ff ff ff ff ff ff  " + "55 " * 243,  # TI 255, 249 octets
    ],
)
def test_unknown_type_keeps_its_bytes(data):
    raw = h(data)
    asdu = decode_asdu(raw)
    assert isinstance(asdu, UnknownAsdu)
    assert asdu.type_id == raw[0] and asdu.type == raw[0]
    assert asdu.count == raw[1] & 0x7F and asdu.sequence == bool(raw[1] & 0x80)
    assert (asdu.negative, asdu.test) == (bool(raw[2] & 0x40), bool(raw[2] & 0x80))
    assert asdu.originator_address == raw[3]
    assert asdu.common_address == raw[4] | raw[5] << 8
    assert asdu.payload == raw[6:] and asdu.objects == ()
    assert encode_asdu(asdu) == raw


def test_unknown_type_fields():
    asdu = decode_asdu(h("c8 01 6c 00 01 00 00 00 00 00"))
    assert asdu == UnknownAsdu(200, Cot.UNKNOWN_TYPE_ID, 1, bytes(4), 1, 0, True, False, False)


# ---- encode errors ------------------------------------------------------------------------------------


def _encode_error(asdu) -> str:
    with pytest.raises(LocalProtocolError) as info:
        encode_asdu(asdu)
    return str(info.value)


def test_encode_wrong_object_class():
    message = _encode_error(A(Type.M_DP_NA_1, SPONT, [SinglePoint(1, SIQ(True))]))
    assert "M_DP_NA_1 carries DoublePoint, not SinglePoint" in message
    assert _encode_error(A(Type.M_SP_NA_1, SPONT, [SinglePoint(1, DIQ(Double.ON))]))
    assert _encode_error(A(Type.F_SG_NA_1, FILE, [FileAck(1, 1, 1, 1)]))
    seq = A(Type.M_SP_NA_1, SPONT, [SinglePoint(1, SIQ(True)), DoublePoint(2, DIQ(Double.ON))], sequence=True)
    assert "not DoublePoint" in _encode_error(seq)


def test_encode_time_where_the_type_has_none():
    assert "M_SP_NA_1 has no time" in _encode_error(A(Type.M_SP_NA_1, SPONT, [SinglePoint(1, SIQ(True), T1)]))
    assert "has no time" in _encode_error(A(Type.C_SC_NA_1, ACT, [SingleCommand(1, SCO(True), T1)]))
    # M_ME_ND_1 carries no QDS either
    assert "M_ME_ND_1 has no qds" in _encode_error(A(Type.M_ME_ND_1, SPONT, [MeasuredNormalized(1, 0.5)]))


def test_encode_missing_or_wrong_time_tag():
    assert "must be CP56Time2a, not NoneType" in _encode_error(A(Type.M_SP_TB_1, SPONT, [SinglePoint(1, SIQ(True))]))
    assert "must be CP24Time2a, not CP56Time2a" in _encode_error(
        A(Type.M_SP_TA_1, SPONT, [SinglePoint(1, SIQ(True), T1)]))
    assert "must be CP56Time2a, not CP24Time2a" in _encode_error(
        A(Type.M_SP_TB_1, SPONT, [SinglePoint(1, SIQ(True), C24)]))
    assert "elapsed must be CP16Time2a" in _encode_error(
        A(Type.M_EP_TD_1, SPONT, [ProtectionEvent(1, SEP(EventState.ON), T1, T1)]))


def test_encode_sequence_needs_consecutive_addresses():
    objs = [SinglePoint(10, SIQ(True)), SinglePoint(12, SIQ(True))]
    assert "consecutive" in _encode_error(A(Type.M_SP_NA_1, SPONT, objs, sequence=True))
    objs = [SinglePoint(10, SIQ(True)), SinglePoint(9, SIQ(True))]
    assert "consecutive" in _encode_error(A(Type.M_SP_NA_1, SPONT, objs, sequence=True))
    # the same objects are fine without SQ
    assert encode_asdu(A(Type.M_SP_NA_1, SPONT, objs)) == h("01 02 03 00 01 00 0a 00 00 01 09 00 00 01")


def test_encode_too_long():
    n = max_objects(Type.M_SP_TB_1)
    objs = [SinglePoint(i, SIQ(True), T1) for i in range(n + 1)]
    assert "exceeds 249" in _encode_error(A(Type.M_SP_TB_1, SPONT, objs))
    assert len(encode_asdu(A(Type.M_SP_TB_1, SPONT, objs[:n]))) == 6 + 22 * 11
    big = A(Type.M_ME_NC_1, SPONT, [MeasuredShort(i, 1.0) for i in range(49)], sequence=True)
    assert "exceeds 249" in _encode_error(big)
    reads = A(Type.C_RD_NA_1, Cot.REQUEST, [Read(i) for i in range(128)], sequence=True)
    assert "7-bit count" in _encode_error(reads)
    segment = A(Type.F_SG_NA_1, FILE, [Segment(1, 1, 1, bytes(237))])
    assert "exceeds 249" in _encode_error(segment)
    assert len(encode_asdu(A(Type.F_SG_NA_1, FILE, [Segment(1, 1, 1, bytes(236))]))) == 249


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("common_address", -1, "common address"),
        ("common_address", 0x10000, "common address"),
        ("originator_address", -1, "originator address"),
        ("originator_address", 256, "originator address"),
        ("cot", 64, "cause of transmission"),
        ("cot", -1, "cause of transmission"),
    ],
)
def test_encode_header_out_of_range(field, value, match):
    asdu = dataclasses.replace(A(Type.C_IC_NA_1, ACT, [Interrogation(0, Qoi.STATION)]), **{field: value})
    assert match in _encode_error(asdu)
    unknown = UnknownAsdu(200, 6, 1, b"\x00\x00\x00\x00")
    assert match in _encode_error(dataclasses.replace(unknown, **{field: value}))


def test_encode_header_limits():
    asdu = A(Type.C_IC_NA_1, 63, [Interrogation(0, Qoi.STATION)], ca=0xFFFF, oa=255, negative=True, test=True)
    assert encode_asdu(asdu) == h("64 01 ff ff ff ff 00 00 00 14")


@pytest.mark.parametrize(
    "asdu",
    [
        A(Type.M_SP_NA_1, SPONT, [SinglePoint(0x1000000, SIQ(True))]),
        A(Type.M_SP_NA_1, SPONT, [SinglePoint(-1, SIQ(True))]),
        A(Type.M_SP_NA_1, SPONT, [SinglePoint(0xFFFFFF, SIQ(True)), SinglePoint(0x1000000, SIQ(True))],
          sequence=True),
        A(Type.M_ME_NA_1, SPONT, [MeasuredNormalized(1, 1.5)]),
        A(Type.M_ME_NA_1, SPONT, [MeasuredNormalized(1, float("nan"))]),
        A(Type.M_ME_NB_1, SPONT, [MeasuredScaled(1, 32768)]),
        A(Type.M_ME_NC_1, SPONT, [MeasuredShort(1, 1e39)]),
        A(Type.M_ST_NA_1, SPONT, [StepPosition(1, VTI(64))]),
        A(Type.M_BO_NA_1, SPONT, [Bitstring(1, 2**32)]),
        A(Type.M_IT_NA_1, SPONT, [IntegratedTotals(1, BCR(2**31))]),
        A(Type.M_IT_NA_1, SPONT, [IntegratedTotals(1, BCR(0, 32))]),
        A(Type.M_SP_NA_1, SPONT, [SinglePoint(1, SIQ(True, reserved=8))]),
        A(Type.M_DP_NA_1, SPONT, [DoublePoint(1, DIQ(4))]),
        A(Type.C_DC_NA_1, ACT, [DoubleCommand(1, DCO(Double.ON, 32))]),
        A(Type.C_SE_NA_1, ACT, [SetpointNormalized(1, 0.5, QOS(128))]),
        A(Type.C_CI_NA_1, ACT, [CounterInterrogation(0, QCC(64))]),
        A(Type.C_IC_NA_1, ACT, [Interrogation(0, 256)]),
        A(Type.M_SP_TB_1, SPONT, [SinglePoint(1, SIQ(True), dataclasses.replace(T1, minute=64))]),
        A(Type.M_SP_TB_1, SPONT, [SinglePoint(1, SIQ(True), dataclasses.replace(T1, milliseconds=65536))]),
        A(Type.M_SP_TA_1, SPONT, [SinglePoint(1, SIQ(True), CP24Time2a(0, 64))]),
        A(Type.C_CD_NA_1, ACT, [DelayAcquisition(0, CP16Time2a(65536))]),
        A(Type.F_FR_NA_1, FILE, [FileReady(1, 1, 2**24)]),
        A(Type.F_FR_NA_1, FILE, [FileReady(1, 65536, 1)]),
        A(Type.F_SG_NA_1, FILE, [Segment(1, 1, 1, b"ab"), Segment(1, 1, 2, b"cd")]),
        A(Type.F_SG_NA_1, FILE, [Segment(1, 1, 1, b"ab")], sequence=True),
        A(Type.M_SP_NA_1, SPONT, []),
        A(200, SPONT, [Read(1)]),
        A(200, SPONT, []),
    ],
    ids=lambda a: f"{getattr(a.type, 'name', a.type)}",
)
def test_encode_values_outside_the_wire_format(asdu):
    assert _encode_error(asdu)


def test_encode_error_names_the_object():
    objs = [MeasuredScaled(1, 5), MeasuredScaled(2, 99999)]
    assert "object 1" in _encode_error(A(Type.M_ME_NB_1, SPONT, objs))


def test_nva_encoding_rounds_and_clamps():
    def raw(value):
        return encode_asdu(A(Type.M_ME_ND_1, SPONT, [MeasuredNormalized(0, value, None)]))[9:]

    assert raw(1.0) == h("ff 7f")  # +1 is not representable: 1 - 2**-15
    assert raw(-1.0) == h("00 80")
    assert raw(0.5 + 0.4 / 32768) == h("00 40")
    assert raw(0.5 + 0.6 / 32768) == h("01 40")


# ---- mirror -------------------------------------------------------------------------------------------


def test_mirror_unknown_type_spec_vector():
    assert mirror(h("c8 01 06 00 01 00 00 00 00 00"), Cot.UNKNOWN_TYPE_ID) == h("c8 01 6c 00 01 00 00 00 00 00")


def test_mirror_keeps_test_bit_and_everything_else():
    request = h("67 01 86 00 01 00 00 00 00 39 30 22 0d 19 0b 19")
    assert mirror(request, Cot.ACTIVATION_CON, negative=False) == h("67 01 87 00 01 00 00 00 00 39 30 22 0d 19 0b 19")
    assert mirror(request, Cot.UNKNOWN_CA) == h("67 01 ee 00 01 00 00 00 00 39 30 22 0d 19 0b 19")
    # P/N is replaced, not kept
    assert mirror(h("2d 01 47 00 01 00 88 13 00 81"), 7, negative=False) == h("2d 01 07 00 01 00 88 13 00 81")
    assert mirror(bytearray(h("2d 01 06 05 01 00")), 47) == h("2d 01 6f 05 01 00")
    assert mirror(memoryview(h("2d 01 06 05 01 00")), 45) == h("2d 01 6d 05 01 00")


def test_mirror_decodes_as_the_request_with_the_new_cause():
    request = encode_asdu(A(Type.C_SC_NA_1, ACT, [SingleCommand(5000, SCO(True, se=True))], oa=3))
    reply = decode_asdu(mirror(request, Cot.UNKNOWN_IOA))
    assert reply == A(Type.C_SC_NA_1, Cot.UNKNOWN_IOA, [SingleCommand(5000, SCO(True, se=True))], oa=3, negative=True)


def test_mirror_errors():
    with pytest.raises(LocalProtocolError):
        mirror(h("64 01 06 00 01"), Cot.UNKNOWN_COT)
    with pytest.raises(LocalProtocolError):
        mirror(h("64 01 06 00 01 00"), 64)


# ---- CP56Time2a ------------------------------------------------------------------------------------------


def test_cp56_from_datetime_spec_vector():
    t = CP56Time2a.from_datetime(dt.datetime(2025, 11, 25, 13, 34, 12, 345000))
    assert t == T1
    assert t.to_bytes() == h(T1_HEX)
    assert t.to_datetime() == dt.datetime(2025, 11, 25, 13, 34, 12, 345000)
    assert str(t) == "2025-11-25 13:34:12.345"


def test_cp56_from_datetime_options():
    t = CP56Time2a.from_datetime(
        dt.datetime(2025, 11, 25, 13, 34, 12, 345999), su=True, iv=True, substituted=True, day_of_week=True
    )
    # 25 Nov 2025 is a Tuesday (2): day octet 0x19 | 2 << 5 = 0x59; milliseconds are truncated
    assert t.to_bytes() == h("39 30 e2 8d 59 0b 19")
    assert (t.milliseconds, t.day_of_week, t.su, t.iv, t.substituted) == (12345, 2, True, True, True)
    assert str(t) == "2025-11-25 13:34:12.345 IV SU SB"


def test_cp56_to_datetime():
    assert T2.to_datetime() == dt.datetime(2099, 12, 31, 23, 59, 59, 999000)  # year pivot 2000 + yy
    utc = dt.UTC
    assert T1.to_datetime(utc) == dt.datetime(2025, 11, 25, 13, 34, 12, 345000, tzinfo=utc)
    assert CP56Time2a.from_datetime(dt.datetime(2000, 1, 1)).to_bytes() == h("00 00 00 00 01 01 00")
    with pytest.raises(ValueError):
        CP56Time2a(0, 0, 0, 0, 0, 0).to_datetime()  # day 0, month 0: not a date
    with pytest.raises(ValueError):
        CP56Time2a(60000, 0, 0, 1, 1, 0).to_datetime()  # 60 seconds


def test_cp56_bytes():
    assert CP56Time2a.from_bytes(h(T1_HEX)) == T1
    assert CP56Time2a.from_bytes(h(T2_HEX)) == T2
    assert CP56Time2a.from_bytes(h(T3_HEX)) == T3
    assert T3.to_bytes() == h(T3_HEX)
    with pytest.raises(ValueError):
        CP56Time2a.from_bytes(h(T1_HEX)[:6])
    with pytest.raises(ValueError):
        CP56Time2a(0, 0, 0, 1, 1, 0, reserved=128).to_bytes()


@given(st.binary(min_size=7, max_size=7))
def test_cp56_bytes_round_trip(data):
    assert CP56Time2a.from_bytes(data).to_bytes() == data


@given(cp56_any)
def test_cp56_fields_round_trip(t):
    assert CP56Time2a.from_bytes(t.to_bytes()) == t


@given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31, 23, 59, 59)),
       st.booleans())
def test_cp56_datetime_round_trip(value, day_of_week):
    t = CP56Time2a.from_datetime(value, day_of_week=day_of_week)
    assert t.to_datetime() == value.replace(microsecond=value.microsecond // 1000 * 1000)
    assert CP56Time2a.from_bytes(t.to_bytes()) == t
    assert t.day_of_week == (value.isoweekday() if day_of_week else 0)
