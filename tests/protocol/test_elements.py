"""Information elements: every octet survives, and each field means what spec/protocol.md 1.8 says."""

from __future__ import annotations

import pytest
from hypothesis import given
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
    BinaryCounterQuality,
    Coi,
    Double,
    EventState,
    Frz,
    OutputCircuits,
    Qoc,
    Quality,
    Rqt,
    StartEvents,
    Step,
)

OCTET_ELEMENTS = [SIQ, DIQ, QDS, QDP, SEP, SPE, OCI, VTI, SCO, DCO, RCO, QOS, QCC, COI, QPM, SOF]


@pytest.mark.parametrize("cls", OCTET_ELEMENTS, ids=lambda c: c.__name__)
def test_every_octet_round_trips(cls):
    seen = set()
    for octet in range(256):
        element = cls.from_octet(octet)
        assert element.to_octet() == octet
        assert cls.from_octet(octet) is element  # interned
        seen.add(element)
    assert len(seen) == 256  # no two octets share a value: nothing is lost


@pytest.mark.parametrize("cls", OCTET_ELEMENTS, ids=lambda c: c.__name__)
def test_constructed_values_equal_the_interned_ones(cls):
    """A value built field by field equals (and encodes like) the decoded one."""
    import dataclasses

    for octet in range(256):
        decoded = cls.from_octet(octet)
        built = cls(**{f.name: getattr(decoded, f.name) for f in dataclasses.fields(cls)})
        assert built == decoded and built.to_octet() == octet


# ---- field meanings ----------------------------------------------------------------------------


def test_siq():
    assert SIQ.from_octet(0x81) == SIQ(spi=True, iv=True)
    assert SIQ.from_octet(0x00) == SIQ(spi=False)
    assert SIQ.from_octet(0x10).bl and SIQ.from_octet(0x20).sb and SIQ.from_octet(0x40).nt
    assert SIQ.from_octet(0x0E) == SIQ(False, reserved=7)  # bits 1-3 reserved, kept
    assert SIQ(True, bl=True, sb=True, nt=True, iv=True).to_octet() == 0xF1


def test_diq():
    assert DIQ.from_octet(0x02).dpi is Double.ON
    assert DIQ.from_octet(0x01).dpi is Double.OFF
    assert DIQ.from_octet(0x00).dpi is Double.INTERMEDIATE
    assert DIQ.from_octet(0x03).dpi is Double.INDETERMINATE
    assert DIQ.from_octet(0x92) == DIQ(Double.ON, bl=True, iv=True)
    assert DIQ.from_octet(0x0C) == DIQ(Double.INTERMEDIATE, reserved=3)
    assert DIQ(Double.OFF, nt=True).to_octet() == 0x41


def test_qds():
    assert QDS.from_octet(0x01) == QDS(ov=True)
    assert QDS.from_octet(0xF0) == QDS(bl=True, sb=True, nt=True, iv=True)
    assert QDS.from_octet(0x0E).reserved == 7
    assert QDS().to_octet() == 0


def test_qdp():
    assert QDP.from_octet(0x08) == QDP(ei=True)
    assert QDP.from_octet(0x87) == QDP(iv=True, reserved=7)
    assert QDP(ei=True, sb=True).to_octet() == 0x28


def test_sep():
    assert SEP.from_octet(0x0A) == SEP(EventState.ON, ei=True)
    assert SEP.from_octet(0x01).es is EventState.OFF
    assert SEP.from_octet(0x04) == SEP(EventState.INTERMEDIATE, reserved=1)
    assert SEP(EventState.INDETERMINATE, iv=True).to_octet() == 0x83


def test_spe_and_oci():
    assert SPE.from_octet(0x01) == SPE(gs=True)
    assert SPE.from_octet(0x3E) == SPE(sl1=True, sl2=True, sl3=True, sie=True, srd=True)
    assert SPE.from_octet(0xC0).reserved == 3
    assert SPE.from_octet(0x21).events == StartEvents.General | StartEvents.ReverseDirection
    assert SPE.from_octet(0xFF).events == StartEvents(0x3F)  # reserved bits are no events
    assert OCI.from_octet(0x0F) == OCI(True, True, True, True)
    assert OCI.from_octet(0xF2) == OCI(cl1=True, reserved=15)
    assert OCI.from_octet(0x0A).circuits == OutputCircuits.PhaseL1 | OutputCircuits.PhaseL3
    assert OCI.from_octet(0xF0).circuits == OutputCircuits(0)


@pytest.mark.parametrize(
    ("octet", "value", "transient"),
    [(0x00, 0, False), (0x01, 1, False), (0x3F, 63, False), (0x40, -64, False), (0x7F, -1, False),
     (0x80, 0, True), (0xC0, -64, True), (0xBF, 63, True), (0xFE, -2, True)],
)
def test_vti(octet, value, transient):
    vti = VTI.from_octet(octet)
    assert (vti.value, vti.transient) == (value, transient)
    assert VTI(value, transient).to_octet() == octet


@pytest.mark.parametrize("value", [64, -65, 127])
def test_vti_out_of_range(value):
    with pytest.raises(ValueError):
        VTI(value).to_octet()


def test_sco():
    assert SCO.from_octet(0x81) == SCO(True, Qoc.NONE, se=True)  # select ON
    assert SCO.from_octet(0x01) == SCO(True)  # execute ON
    assert SCO.from_octet(0x80).se and not SCO.from_octet(0x80).scs  # select OFF
    assert SCO.from_octet(0x05).qu is Qoc.SHORT_PULSE
    assert SCO.from_octet(0x0C).qu is Qoc.PERSISTENT
    assert SCO.from_octet(0x7C).qu == 31  # private QU: plain int
    assert SCO.from_octet(0x02) == SCO(False, reserved=1)
    assert SCO(True, Qoc.SHORT_PULSE, se=True).to_octet() == 0x85  # (qu & 0x1f) * 4 | on | select << 7


def test_dco_and_rco():
    assert DCO.from_octet(0x8E) == DCO(Double.ON, Qoc.PERSISTENT, se=True)
    assert DCO.from_octet(0x01) == DCO(Double.OFF)
    assert DCO.from_octet(0x00).dcs == Double.INTERMEDIATE  # not permitted, but kept
    assert DCO(Double.ON, Qoc.LONG_PULSE).to_octet() == 0x0A
    assert RCO.from_octet(0x01).rcs is Step.LOWER
    assert RCO.from_octet(0x82) == RCO(Step.HIGHER, se=True)
    assert RCO.from_octet(0x03).rcs is Step.INVALID_3
    assert RCO(Step.LOWER, Qoc.LONG_PULSE).to_octet() == 0x09


def test_qos_qpm_coi_sof():
    assert QOS.from_octet(0x80) == QOS(0, se=True)
    assert QOS.from_octet(0x7F) == QOS(127)
    assert QPM.from_octet(0x41) == QPM(1, lpc=True)
    assert QPM.from_octet(0x84) == QPM(4, pop=True)
    assert QPM.from_octet(0x00).kpa == 0
    assert COI.from_octet(0x00).cause is Coi.LOCAL_POWER_ON
    assert COI.from_octet(0x81) == COI(Coi.LOCAL_MANUAL_RESET, bs=True)
    assert COI.from_octet(0x7F).cause == 127
    assert SOF.from_octet(0xE0) == SOF(0, lfd=True, for_=True, fa=True)
    assert SOF.from_octet(0x1F) == SOF(31)


@pytest.mark.parametrize(
    ("octet", "rqt", "frz"),
    [
        (0x05, Rqt.GENERAL, Frz.READ),
        (0x45, Rqt.GENERAL, Frz.FREEZE_WITHOUT_RESET),
        (0x85, Rqt.GENERAL, Frz.FREEZE_WITH_RESET),
        (0xC5, Rqt.GENERAL, Frz.COUNTER_RESET),
        (0x01, Rqt.GROUP_1, Frz.READ),
        (0x44, Rqt.GROUP_4, Frz.FREEZE_WITHOUT_RESET),
    ],
)
def test_qcc(octet, rqt, frz):
    qcc = QCC.from_octet(octet)
    assert qcc.rqt is rqt and qcc.frz is frz
    assert QCC(rqt, frz).to_octet() == octet


def test_qcc_private_rqt():
    assert QCC.from_octet(0x3F).rqt == 63 and not isinstance(QCC.from_octet(0x3F).rqt, Rqt)
    assert QCC.from_octet(0x00).rqt == 0


@pytest.mark.parametrize(
    "element",
    [
        VTI(64), QOS(128), QCC(64), COI(128), QPM(64), SOF(32),
        SCO(True, 32), DCO(Double.ON, 32), RCO(Step.LOWER, -1),
        # fields below other fields: a wider value would silently set its neighbours
        SIQ(True, reserved=8), DIQ(4), DIQ(Double.ON, reserved=4), QDS(reserved=8), QDP(reserved=8),
        SEP(4), SEP(EventState.ON, reserved=2), SCO(True, reserved=2), DCO(4), RCO(4),
    ],
    ids=repr,
)
def test_to_octet_refuses_values_wider_than_their_bits(element):
    with pytest.raises(ValueError):
        element.to_octet()


# ---- quality -------------------------------------------------------------------------------------


def test_quality_of_point_elements():
    assert SIQ.from_octet(0x81).quality == Quality.Invalid
    assert SIQ.from_octet(0x01).quality.is_good()
    assert SIQ.from_octet(0x0F).quality.is_good()  # SPI and reserved bits are no quality
    assert DIQ.from_octet(0xF2).quality == Quality.Blocked | Quality.Substituted | Quality.NonTopical | Quality.Invalid
    assert QDS.from_octet(0x11).quality == Quality.Overflow | Quality.Blocked
    assert QDS.from_octet(0x0E).quality.is_good()
    assert QDP.from_octet(0x48).quality == Quality.ElapsedTimeInvalid | Quality.NonTopical
    assert QDP.from_octet(0x07).quality.is_good()
    assert SEP.from_octet(0x2A).quality == Quality.ElapsedTimeInvalid | Quality.Substituted


@given(st.integers(0, 255))
def test_quality_bits_are_the_octets_flag_bits(octet):
    assert int(SIQ.from_octet(octet).quality) == octet & 0xF0
    assert int(DIQ.from_octet(octet).quality) == octet & 0xF0
    assert int(QDS.from_octet(octet).quality) == octet & 0xF1
    assert int(QDP.from_octet(octet).quality) == octet & 0xF8
    assert int(SEP.from_octet(octet).quality) == octet & 0xF8


def test_qds_from_quality():
    assert QDS.from_quality(Quality.Invalid | Quality.Overflow) == QDS(ov=True, iv=True)
    assert QDS.from_quality(Quality.ElapsedTimeInvalid) == QDS()  # no EI bit in a QDS
    assert QDS.from_quality(Quality(0)) is QDS.from_octet(0)


# ---- BCR and SCD -----------------------------------------------------------------------------------


def test_bcr_items():
    bcr = BCR.from_items(123456789, 0x23)
    assert bcr == BCR(123456789, sequence=3, cy=True)
    assert bcr.items() == (123456789, 0x23)
    assert BCR.from_items(-1, 0xDF) == BCR(-1, 31, cy=False, ca=True, iv=True)
    assert BCR(0, 31, cy=True, ca=True, iv=True).items() == (0, 0xFF)
    with pytest.raises(ValueError):
        BCR(0, 32).items()


def test_bcr_quality_names_follow_the_bits():
    # CY is bit 5, CA bit 6 on the wire; c104's flags are Carry = 0x40 and Adjusted = 0x20
    assert BCR(0, cy=True).quality == BinaryCounterQuality.Carry
    assert BCR(0, ca=True).quality == BinaryCounterQuality.Adjusted
    assert BCR(0, iv=True).quality == BinaryCounterQuality.Invalid
    assert BCR(0, 31).quality.is_good()


@given(st.integers(-(2**31), 2**31 - 1), st.integers(0, 255))
def test_bcr_round_trip(counter, octet):
    assert BCR.from_items(counter, octet).items() == (counter, octet)


def test_scd_items():
    scd = SCD.from_items(0x8001, 0x00FF)
    assert (scd.st, scd.cd) == (0x8001, 0x00FF)
    assert scd.items() == (0x8001, 0x00FF)
    assert SCD(5) == SCD(5, 0)
