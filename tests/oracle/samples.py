"""One or more sample ASDUs for every type c104test's codec knows, for the oracle tests.

The values are chosen to exercise the corners an independent decoder might read differently:
IOAs above 255 and 65535, quality bits, negative values, select bits, CP56 times with the IV,
SU and substituted (GEN) bits and a day of week, OA != 0, CA > 255, P/N and T, SQ=1 with
several objects.
"""

from __future__ import annotations

import struct

from c104test.protocol.asdu import Asdu, encode_asdu
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
from c104test.protocol.enums import Cot, Double, EventState, Frz, Qoc, Qoi, Rqt, Step, Type
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
    TestCommand,
    TestCommandWithTime,
)
from c104test.protocol.timetags import CP16Time2a, CP24Time2a, CP56Time2a

__all__ = ["SAMPLES", "apdu", "sample_apdus"]

# ---- time tags ------------------------------------------------------------------------------

# 2025-11-25 13:34:12.345, Tuesday (day of week 2), summer time
T1 = CP56Time2a(12345, 34, 13, 25, 11, 25, day_of_week=2, su=True)
# invalid and substituted, year 99 (Wireshark reads 1999, scapy 99, c104test 2099)
T2 = CP56Time2a(59999, 59, 23, 31, 12, 99, iv=True, substituted=True)
# midnight 1 January 2000, day of week 6 (Saturday), every flag set
T3 = CP56Time2a(0, 0, 0, 1, 1, 0, day_of_week=6, su=True, iv=True, substituted=True)
# 2024-02-29 07:05:00.001, no flags
T4 = CP56Time2a(1, 5, 7, 29, 2, 24)

C1 = CP24Time2a(54321, 42, iv=True)
C2 = CP24Time2a(7, 1, substituted=True)

NVA_MIN = -1.0
NVA_MAX = 32767 / 32768

# ---- samples --------------------------------------------------------------------------------

S = Cot.SPONTANEOUS

SAMPLES: list[Asdu] = [
    # 1: SQ=1, three objects, IOA > 65535, inrogen, OA and CA > 255
    Asdu(
        Type.M_SP_NA_1,
        Cot.INTERROGATED_BY_STATION,
        0x1234,
        (
            SinglePoint(70000, SIQ(True)),
            SinglePoint(70001, SIQ(False, bl=True, nt=True)),
            SinglePoint(70002, SIQ(True, sb=True, iv=True)),
        ),
        originator_address=7,
        sequence=True,
    ),
    # 1 again: SQ=0, scattered addresses including 0 and the maximum
    Asdu(
        Type.M_SP_NA_1,
        S,
        300,
        (
            SinglePoint(0, SIQ(False, iv=True)),
            SinglePoint(256, SIQ(True, bl=True, sb=True, nt=True, iv=True)),
            SinglePoint(0xFFFFFF, SIQ(True)),
        ),
    ),
    Asdu(
        Type.M_SP_TA_1,
        S,
        1,
        (SinglePoint(1001, SIQ(True, nt=True), C1), SinglePoint(65536, SIQ(False), C2)),
    ),
    Asdu(
        Type.M_DP_NA_1,
        Cot.INTERROGATED_BY_GROUP_16,
        0xFFFE,
        (
            DoublePoint(2000, DIQ(Double.INTERMEDIATE)),
            DoublePoint(2001, DIQ(Double.OFF, bl=True)),
            DoublePoint(2002, DIQ(Double.ON, sb=True, nt=True)),
            DoublePoint(2003, DIQ(Double.INDETERMINATE, iv=True)),
        ),
        originator_address=255,
        sequence=True,
    ),
    Asdu(Type.M_DP_TA_1, S, 2, (DoublePoint(131072, DIQ(Double.ON, iv=True), C2),)),
    Asdu(
        Type.M_ST_NA_1,
        Cot.RETURN_INFO_REMOTE,
        513,
        (
            StepPosition(5000, VTI(-64), QDS(ov=True)),
            StepPosition(5001, VTI(63, transient=True), QDS(bl=True, iv=True)),
            StepPosition(5002, VTI(-1, transient=True), QDS()),
        ),
    ),
    Asdu(Type.M_ST_TA_1, S, 3, (StepPosition(5100, VTI(-17), QDS(nt=True), C1),)),
    Asdu(
        Type.M_BO_NA_1,
        Cot.BACKGROUND_SCAN,
        4,
        (Bitstring(6000, 0xDEADBEEF, QDS(iv=True)), Bitstring(6001, 0x00000001, QDS(sb=True))),
    ),
    Asdu(Type.M_BO_TA_1, S, 5, (Bitstring(6100, 0x12345678, QDS(), C2),)),
    Asdu(
        Type.M_ME_NA_1,
        Cot.PERIODIC,
        0x0102,
        (
            MeasuredNormalized(7000, NVA_MIN, QDS(ov=True)),
            MeasuredNormalized(7001, NVA_MAX, QDS(nt=True)),
            MeasuredNormalized(7002, -0.375, QDS()),
            MeasuredNormalized(7003, 0.0, QDS(iv=True, bl=True)),
        ),
        sequence=True,
    ),
    Asdu(Type.M_ME_TA_1, S, 6, (MeasuredNormalized(7100, 0.5, QDS(sb=True), C1),)),
    Asdu(
        Type.M_ME_NB_1,
        Cot.REQUEST,
        7,
        (
            MeasuredScaled(8000, -32768, QDS(ov=True, iv=True)),
            MeasuredScaled(8001, 32767, QDS()),
            MeasuredScaled(80000, -1, QDS(nt=True)),
        ),
        originator_address=3,
    ),
    Asdu(Type.M_ME_TB_1, S, 8, (MeasuredScaled(8100, -4321, QDS(bl=True), C2),)),
    Asdu(
        Type.M_ME_NC_1,
        Cot.PERIODIC,
        1,
        (
            MeasuredShort(9000, -1234.5678, QDS(ov=True)),
            MeasuredShort(9001, 3.0e38, QDS(iv=True)),
            MeasuredShort(9002, 1.0e-3, QDS()),
        ),
        sequence=True,
    ),
    Asdu(Type.M_ME_TC_1, S, 9, (MeasuredShort(9100, 50.125, QDS(nt=True), C1),)),
    Asdu(
        Type.M_IT_NA_1,
        Cot.REQUESTED_BY_GENERAL_COUNTER,
        10,
        (
            IntegratedTotals(10000, BCR(-2147483648, 31, cy=True, ca=True, iv=True)),
            IntegratedTotals(10001, BCR(2147483647, 0)),
            IntegratedTotals(100002, BCR(-5, 17, ca=True)),
        ),
    ),
    Asdu(Type.M_IT_TA_1, S, 11, (IntegratedTotals(10100, BCR(123456, 3, cy=True), C2),)),
    Asdu(
        Type.M_EP_TA_1,
        S,
        12,
        (ProtectionEvent(11000, SEP(EventState.ON, ei=True, iv=True), CP16Time2a(1500), C1),),
    ),
    Asdu(
        Type.M_EP_TB_1,
        S,
        13,
        (
            ProtectionStart(
                11100, SPE(gs=True, sl2=True, srd=True), QDP(ei=True, nt=True), CP16Time2a(250), C2
            ),
        ),
    ),
    Asdu(
        Type.M_EP_TC_1,
        S,
        14,
        (ProtectionCircuit(11200, OCI(gc=True, cl3=True), QDP(bl=True), CP16Time2a(59999), C1),),
    ),
    Asdu(
        Type.M_PS_NA_1,
        Cot.INTERROGATED_BY_STATION,
        15,
        (
            PackedSinglePoints(12000, SCD(0xA55A, 0x0F01), QDS(iv=True)),
            PackedSinglePoints(12001, SCD(0x8001, 0xFFFF), QDS(ov=True, nt=True)),
        ),
        sequence=True,
    ),
    Asdu(
        Type.M_ME_ND_1,
        Cot.PERIODIC,
        16,
        (
            MeasuredNormalized(13000, -0.5, None),
            MeasuredNormalized(13001, 0.25, None),
            MeasuredNormalized(130002, NVA_MAX, None),
        ),
    ),
    # ---- with CP56Time2a
    Asdu(
        Type.M_SP_TB_1,
        S,
        0x1234,
        (
            SinglePoint(100, SIQ(True), T1),
            SinglePoint(70000, SIQ(False, iv=True, nt=True), T2),
        ),
        originator_address=1,
    ),
    Asdu(
        Type.M_DP_TB_1,
        Cot.RETURN_INFO_LOCAL,
        31,
        (DoublePoint(3100, DIQ(Double.OFF, sb=True, bl=True), T3),),
    ),
    Asdu(Type.M_ST_TB_1, S, 32, (StepPosition(3200, VTI(-33, True), QDS(ov=True, nt=True), T4),)),
    Asdu(Type.M_BO_TB_1, S, 33, (Bitstring(3300, 0xFFFFFFFF, QDS(iv=True), T1),)),
    Asdu(
        Type.M_ME_TD_1,
        S,
        34,
        (
            MeasuredNormalized(3400, -0.999969482421875, QDS(ov=True), T2),
            MeasuredNormalized(3401, 0.125, QDS(), T4),
        ),
    ),
    Asdu(Type.M_ME_TE_1, S, 35, (MeasuredScaled(3500, -30000, QDS(sb=True, iv=True), T3),)),
    Asdu(
        Type.M_ME_TF_1,
        S,
        36,
        (
            MeasuredShort(3600, -273.15, QDS(nt=True), T1),
            MeasuredShort(16000000, 1.5e-30, QDS(ov=True), T4),
        ),
        originator_address=36,
    ),
    Asdu(
        Type.M_IT_TB_1,
        S,
        37,
        (IntegratedTotals(3700, BCR(-1000000, 9, iv=True, cy=True), T2),),
    ),
    Asdu(
        Type.M_EP_TD_1,
        S,
        38,
        (
            ProtectionEvent(
                3800, SEP(EventState.OFF, ei=False, bl=True, sb=True), CP16Time2a(65535), T1
            ),
        ),
    ),
    Asdu(
        Type.M_EP_TE_1,
        S,
        39,
        (
            ProtectionStart(
                3900,
                SPE(sl1=True, sl3=True, sie=True),
                QDP(iv=True, sb=True),
                CP16Time2a(1234),
                T3,
            ),
        ),
    ),
    Asdu(
        Type.M_EP_TF_1,
        S,
        40,
        (
            ProtectionCircuit(
                4000, OCI(cl1=True, cl2=True), QDP(ei=True, nt=True), CP16Time2a(42), T4
            ),
        ),
    ),
    # ---- commands
    Asdu(
        Type.C_SC_NA_1,
        Cot.ACTIVATION,
        0x0304,
        (SingleCommand(5000, SCO(True, Qoc.SHORT_PULSE, se=True)),),
        originator_address=9,
    ),
    Asdu(
        Type.C_DC_NA_1,
        Cot.ACTIVATION_CON,
        46,
        (DoubleCommand(65535, DCO(Double.ON, Qoc.LONG_PULSE)),),
        negative=True,
    ),
    Asdu(
        Type.C_RC_NA_1,
        Cot.DEACTIVATION,
        47,
        (StepCommand(65536, RCO(Step.HIGHER, Qoc.PERSISTENT, se=True)),),
    ),
    Asdu(
        Type.C_SE_NA_1,
        Cot.ACTIVATION,
        48,
        (SetpointNormalized(4800, -0.25, QOS(5, se=True)),),
        test=True,
    ),
    Asdu(Type.C_SE_NB_1, Cot.ACTIVATION_TERMINATION, 49, (SetpointScaled(4900, -12345, QOS(0)),)),
    Asdu(
        Type.C_SE_NC_1,
        Cot.ACTIVATION,
        50,
        (SetpointShort(5050, 123.456, QOS(100, se=True)),),
        originator_address=50,
    ),
    Asdu(Type.C_BO_NA_1, Cot.ACTIVATION, 51, (BitstringCommand(5100, 0x80000001),)),
    Asdu(
        Type.C_SC_TA_1,
        Cot.ACTIVATION,
        58,
        (SingleCommand(5800, SCO(False, 31, se=False), T1),),
        test=True,
        negative=True,
    ),
    Asdu(
        Type.C_DC_TA_1,
        Cot.ACTIVATION,
        59,
        (DoubleCommand(5900, DCO(Double.OFF, Qoc.SHORT_PULSE, se=True), T2),),
    ),
    Asdu(
        Type.C_RC_TA_1,
        Cot.ACTIVATION_CON,
        60,
        (StepCommand(6000, RCO(Step.LOWER, 16), T4),),
    ),
    Asdu(Type.C_SE_TA_1, Cot.ACTIVATION, 61, (SetpointNormalized(6100, 0.75, QOS(127, True), T3),)),
    Asdu(Type.C_SE_TB_1, Cot.ACTIVATION, 62, (SetpointScaled(6200, 32767, QOS(64), T1),)),
    Asdu(Type.C_SE_TC_1, Cot.ACTIVATION, 63, (SetpointShort(6300, -0.1, QOS(1, True), T2),)),
    Asdu(Type.C_BO_TA_1, Cot.ACTIVATION, 64, (BitstringCommand(6400, 0x0F0F0F0F, T4),)),
    # ---- system
    Asdu(
        Type.M_EI_NA_1,
        Cot.INITIALIZED,
        70,
        (EndOfInitialisation(0, COI(2, bs=True)),),
    ),
    Asdu(
        Type.C_IC_NA_1,
        Cot.ACTIVATION,
        0xFFFF,
        (Interrogation(0, Qoi.GROUP_1),),
        originator_address=100,
    ),
    Asdu(
        Type.C_CI_NA_1,
        Cot.ACTIVATION,
        101,
        (CounterInterrogation(0, QCC(Rqt.GENERAL, Frz.FREEZE_WITH_RESET)),),
    ),
    Asdu(Type.C_RD_NA_1, Cot.REQUEST, 102, (Read(0x123456),)),
    Asdu(Type.C_CS_NA_1, Cot.ACTIVATION, 103, (ClockSync(0, T1),), test=True),
    Asdu(Type.C_TS_NA_1, Cot.ACTIVATION, 104, (TestCommand(0, 0x55AA),)),
    Asdu(Type.C_RP_NA_1, Cot.ACTIVATION_CON, 105, (ResetProcess(0, 2),), negative=True),
    Asdu(Type.C_CD_NA_1, Cot.ACTIVATION, 106, (DelayAcquisition(0, CP16Time2a(12345)),)),
    Asdu(Type.C_TS_TA_1, Cot.ACTIVATION, 107, (TestCommandWithTime(0, 0xBEEF, T2),)),
    # ---- parameters
    Asdu(
        Type.P_ME_NA_1,
        Cot.ACTIVATION,
        110,
        (ParameterNormalized(11000, -0.125, QPM(3, lpc=True)),),
    ),
    Asdu(
        Type.P_ME_NB_1,
        Cot.INTERROGATED_BY_STATION,
        111,
        (ParameterScaled(11100, -300, QPM(4, pop=True)),),
    ),
    Asdu(
        Type.P_ME_NC_1,
        Cot.ACTIVATION_CON,
        112,
        (ParameterShort(11200, 0.5e-6, QPM(2, lpc=True, pop=True)),),
    ),
    Asdu(Type.P_AC_NA_1, Cot.DEACTIVATION, 113, (ParameterActivation(11300, 3),)),
    # ---- file transfer
    Asdu(Type.F_FR_NA_1, Cot.FILE_TRANSFER, 120, (FileReady(12000, 0x1234, 0x123456, 0x80),)),
    Asdu(
        Type.F_SR_NA_1,
        Cot.FILE_TRANSFER,
        121,
        (SectionReady(12100, 0x0102, 7, 0xABCDEF, 0x80),),
    ),
    Asdu(Type.F_SC_NA_1, Cot.FILE_TRANSFER, 122, (FileCall(12200, 0x0304, 2, 0x25),)),
    Asdu(Type.F_LS_NA_1, Cot.FILE_TRANSFER, 123, (LastSection(12300, 0x0506, 3, 3, 0xAB),)),
    Asdu(Type.F_AF_NA_1, Cot.FILE_TRANSFER, 124, (FileAck(12400, 0x0708, 4, 0x13),)),
    Asdu(
        Type.F_SG_NA_1,
        Cot.FILE_TRANSFER,
        125,
        (Segment(12500, 0x090A, 5, bytes(range(0xF0, 0x100)) + b"\x00\x01\x68"),),
    ),
    Asdu(
        Type.F_DR_TA_1,
        Cot.REQUEST,
        126,
        (
            Directory(12600, 1, 1000, SOF(1), T1),
            Directory(12601, 2, 0x10000, SOF(0, for_=True), T2),
            Directory(12602, 3, 0xFFFFFF, SOF(31, lfd=True, fa=True), T3),
        ),
        sequence=True,
    ),
    Asdu(Type.F_SC_NB_1, Cot.FILE_TRANSFER, 127, (QueryLog(12700, 0xFFFF, T4, T1),)),
]


def apdu(asdu: bytes, ns: int = 0, nr: int = 0) -> bytes:
    """An I-format APDU around ``asdu``: start, length, N(S) and N(R) shifted left by one, LE."""
    return b"\x68" + bytes((4 + len(asdu),)) + struct.pack("<HH", ns << 1, nr << 1) + asdu


def sample_apdus() -> list[bytes]:
    """Every sample encoded by c104test, each in an I-frame with increasing N(S)."""
    return [apdu(encode_asdu(a), ns=i, nr=i // 2) for i, a in enumerate(SAMPLES)]
