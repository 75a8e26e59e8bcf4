"""A c104 script of Information objects, number types and flag sets, as a utility's data layer
writes them: constructors with every keyword, their attributes, Quality arithmetic, debug mode.

Usage: python info_probe.py PORT (PORT unused). One line per call: ``PROBE label -> result`` or
``PROBE label !! Exception``. No socket is opened.
"""
import datetime

import c104

T = datetime.datetime(2024, 5, 6, 7, 8, 9, 123000)


FLAGS = ("Quality", "BinaryCounterQuality", "StartEvents", "OutputCircuits", "PackedSingle", "Debug")


def show(value):
    if isinstance(value, datetime.datetime):
        return "datetime"
    if type(value).__name__ in FLAGS:
        return str(value)
    if hasattr(value, "name") and not isinstance(value, type):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, (bool, int, str, type(None))):
        return value
    if isinstance(value, (list, tuple)):
        return [show(v) for v in value]
    return f"{type(value).__name__}:{value}"


def tryit(label, fn):
    try:
        print("PROBE", label, "->", show(fn()), flush=True)
    except Exception as exc:
        print("PROBE", label, "!!", type(exc).__name__, flush=True)


def attrs(label, info, names=("value", "quality", "recorded_at", "is_readonly")):
    for name in names:
        tryit(f"{label}.{name}", lambda name=name: getattr(info, name))


Q = c104.Quality
# ---- monitoring infos, every keyword
attrs("SingleInfo", c104.SingleInfo(on=True, quality=Q.Invalid, recorded_at=T))
attrs("SingleInfo default", c104.SingleInfo(on=False))
tryit("SingleInfo.on", lambda: c104.SingleInfo(on=True).on)
attrs("DoubleInfo", c104.DoubleInfo(state=c104.Double.INTERMEDIATE, quality=Q.Blocked | Q.Substituted, recorded_at=T))
tryit("DoubleInfo.state", lambda: c104.DoubleInfo(state=c104.Double.ON).state)
attrs("StepInfo", c104.StepInfo(state=c104.Int7(-3), transient=True, quality=Q.Overflow))
tryit("StepInfo.transient", lambda: c104.StepInfo(state=c104.Int7(5), transient=True).transient)
tryit("StepInfo.position", lambda: int(c104.StepInfo(state=c104.Int7(5), transient=False).position))
tryit("StepInfo value type", lambda: type(c104.StepInfo(state=c104.Int7(5), transient=False).value).__name__)
attrs("BinaryInfo", c104.BinaryInfo(blob=c104.Byte32(b"\x0f\x00\x00\x80"), quality=Q.NonTopical))
tryit("BinaryInfo blob bytes", lambda: bytes(c104.BinaryInfo(blob=c104.Byte32(b"\x0f\x00\x00\x80")).blob).hex())
tryit("NormalizedInfo actual", lambda: float(c104.NormalizedInfo(actual=c104.NormalizedFloat(-0.25)).actual))
tryit("NormalizedInfo value type", lambda: type(c104.NormalizedInfo(actual=c104.NormalizedFloat(0.5)).value).__name__)
tryit("ScaledInfo actual", lambda: int(c104.ScaledInfo(actual=c104.Int16(-1234), quality=Q.Invalid).actual))
tryit("ScaledInfo value type", lambda: type(c104.ScaledInfo(actual=c104.Int16(1)).value).__name__)
attrs("ShortInfo", c104.ShortInfo(actual=12.5, quality=Q.Overflow | Q.Invalid, recorded_at=T))
tryit("ShortInfo int actual", lambda: c104.ShortInfo(actual=12).actual)
bc = c104.BinaryCounterInfo(counter=123456, sequence=c104.UInt5(7), quality=c104.BinaryCounterQuality.Carry | c104.BinaryCounterQuality.Adjusted)
attrs("BinaryCounterInfo", bc)
tryit("BinaryCounterInfo.counter", lambda: bc.counter)
tryit("BinaryCounterInfo.sequence", lambda: int(bc.sequence))
tryit("BinaryCounterInfo negative", lambda: c104.BinaryCounterInfo(counter=-5, sequence=c104.UInt5(0), quality=c104.BinaryCounterQuality()).counter)
tryit("BinaryCounterInfo 2**31", lambda: c104.BinaryCounterInfo(counter=2**31, sequence=c104.UInt5(0), quality=c104.BinaryCounterQuality()).counter)
pe = c104.ProtectionEventInfo(state=c104.EventState.ON, elapsed_ms=c104.UInt16(250), quality=Q.Invalid, recorded_at=T)
attrs("ProtectionEventInfo", pe)
tryit("ProtectionEventInfo.elapsed_ms", lambda: int(pe.elapsed_ms))
ps = c104.ProtectionStartInfo(events=c104.StartEvents.PhaseL1 | c104.StartEvents.General, relay_duration_ms=c104.UInt16(10), recorded_at=T)
tryit("ProtectionStartInfo.events", lambda: ps.events)
tryit("ProtectionStartInfo.relay_duration_ms", lambda: int(ps.relay_duration_ms))
pc = c104.ProtectionCircuitInfo(events=c104.OutputCircuits.PhaseL2, relay_duration_ms=c104.UInt16(20), recorded_at=T)
tryit("ProtectionCircuitInfo.circuits", lambda: pc.circuits)
tryit("ProtectionCircuitInfo.relay_operating_ms", lambda: int(pc.relay_operating_ms))
sc = c104.StatusAndChanged(status=c104.PackedSingle.I0 | c104.PackedSingle.I5, changed=c104.PackedSingle.I5, quality=Q.Blocked)
tryit("StatusAndChanged.status", lambda: sc.status)
tryit("StatusAndChanged.changed", lambda: sc.changed)
tryit("StatusAndChanged.quality", lambda: sc.quality)
# ---- command infos
attrs("SingleCmd", c104.SingleCmd(on=True, qualifier=c104.Qoc.LONG_PULSE, recorded_at=T))
tryit("SingleCmd.qualifier", lambda: c104.SingleCmd(on=True, qualifier=c104.Qoc.SHORT_PULSE).qualifier)
attrs("DoubleCmd", c104.DoubleCmd(state=c104.Double.OFF, qualifier=c104.Qoc.PERSISTENT))
tryit("StepCmd.direction", lambda: c104.StepCmd(direction=c104.Step.HIGHER, qualifier=c104.Qoc.NONE).direction)
tryit("StepCmd.value", lambda: c104.StepCmd(direction=c104.Step.LOWER).value)
tryit("NormalizedCmd.target", lambda: float(c104.NormalizedCmd(target=c104.NormalizedFloat(0.75), qualifier=c104.UInt7(3)).target))
tryit("NormalizedCmd.qualifier", lambda: int(c104.NormalizedCmd(target=c104.NormalizedFloat(0.75), qualifier=c104.UInt7(3)).qualifier))
tryit("ScaledCmd.target", lambda: int(c104.ScaledCmd(target=c104.Int16(-7), qualifier=c104.UInt7(1)).target))
tryit("ShortCmd.target", lambda: c104.ShortCmd(target=-1.5).target)
tryit("ShortCmd.qualifier", lambda: int(c104.ShortCmd(target=-1.5, qualifier=c104.UInt7(127)).qualifier))
tryit("ShortCmd quality", lambda: c104.ShortCmd(target=-1.5).quality)
tryit("BinaryCmd.blob", lambda: bytes(c104.BinaryCmd(blob=c104.Byte32(b"\x01\x02\x03\x04")).blob).hex())
tryit("BinaryCmd recorded_at", lambda: c104.BinaryCmd(blob=c104.Byte32(b"\x01\x02\x03\x04"), recorded_at=T).recorded_at)
tryit("SingleCmd processed_at type", lambda: type(c104.SingleCmd(on=True).processed_at).__name__)
tryit("SingleInfo processed_at type", lambda: type(c104.SingleInfo(on=True).processed_at).__name__)
tryit("SingleInfo recorded_at exact", lambda: c104.SingleInfo(on=True, recorded_at=T).recorded_at == T)
# ---- setting attributes of a free info
i = c104.ShortInfo(actual=1.0)
tryit("ShortInfo set value", lambda: setattr(i, "value", 2.5))
tryit("ShortInfo after set", lambda: i.value)
tryit("ShortInfo set quality", lambda: setattr(i, "quality", Q.Invalid))
tryit("ShortInfo quality after", lambda: i.quality)
tryit("ShortInfo set recorded_at", lambda: setattr(i, "recorded_at", T))
tryit("ShortInfo set actual", lambda: setattr(i, "actual", 3.0))
tryit("ShortInfo set processed_at", lambda: setattr(i, "processed_at", T))
tryit("SingleInfo set value int", lambda: setattr(c104.SingleInfo(on=True), "value", 0))
tryit("DoubleInfo set value Double", lambda: setattr(c104.DoubleInfo(state=c104.Double.ON), "value", c104.Double.OFF))
tryit("DoubleInfo set value bool", lambda: setattr(c104.DoubleInfo(state=c104.Double.ON), "value", True))
tryit("ScaledInfo set value Int16", lambda: setattr(c104.ScaledInfo(actual=c104.Int16(1)), "value", c104.Int16(2)))
tryit("ShortInfo set value str", lambda: setattr(c104.ShortInfo(actual=1.0), "value", "x"))
tryit("SingleInfo set quality None", lambda: setattr(c104.SingleInfo(on=True), "quality", None))
tryit("Counter set quality Quality", lambda: setattr(c104.BinaryCounterInfo(counter=1, sequence=c104.UInt5(0), quality=c104.BinaryCounterQuality()), "quality", Q.Invalid))
# ---- Quality arithmetic
tryit("Quality() ", lambda: Q())
tryit("Quality() str", lambda: str(Q()))
tryit("Quality Invalid str", lambda: str(Q.Invalid))
tryit("Quality or str", lambda: str(Q.Blocked | Q.Invalid | Q.Overflow))
tryit("Quality and", lambda: str((Q.Blocked | Q.Invalid) & Q.Invalid))
tryit("Quality and none", lambda: str(Q.Blocked & Q.Invalid))
tryit("Quality xor", lambda: str((Q.Blocked | Q.Invalid) ^ Q.Invalid))
tryit("Quality value", lambda: (Q.Blocked | Q.Invalid).value)
tryit("Quality eq", lambda: (Q.Blocked | Q.Invalid) == (Q.Invalid | Q.Blocked))
tryit("Quality ne", lambda: Q.Blocked != Q.Invalid)
tryit("Quality in", lambda: Q.Blocked in (Q.Blocked | Q.Invalid))
tryit("Quality not in", lambda: Q.Overflow in (Q.Blocked | Q.Invalid))
tryit("Quality is_good none", lambda: Q().is_good())
tryit("Quality is_good invalid", lambda: Q.Invalid.is_good())
tryit("Quality is_any none", lambda: Q().is_any())
tryit("Quality bool none", lambda: bool(Q()))
tryit("Quality bool invalid", lambda: bool(Q.Invalid))


def ior():
    q = Q()
    q |= Q.Substituted
    q |= Q.NonTopical
    return str(q)


def iand():
    q = Q.Substituted | Q.NonTopical
    q &= Q.NonTopical
    return str(q)


def ixor():
    q = Q.Substituted | Q.NonTopical
    q ^= Q.NonTopical
    return str(q)


tryit("Quality |=", ior)
tryit("Quality &=", iand)
tryit("Quality ^=", ixor)
tryit("Quality from int", lambda: str(Q(144)))
tryit("Quality int()", lambda: int(Q.Invalid))
tryit("Quality ElapsedTimeInvalid", lambda: Q.ElapsedTimeInvalid.value)
tryit("Quality isinstance int", lambda: isinstance(Q.Invalid, int))
tryit("Quality eq int", lambda: Q.Invalid == 128)
tryit("Quality hash usable", lambda: len({Q.Invalid, Q.Invalid | Q()}))
tryit("Quality members", lambda: sorted(Q.__members__))
tryit("BCQ str", lambda: str(c104.BinaryCounterQuality.Carry | c104.BinaryCounterQuality.Invalid))
tryit("BCQ is_good", lambda: c104.BinaryCounterQuality().is_good())
tryit("BCQ Invalid is_good", lambda: c104.BinaryCounterQuality.Invalid.is_good())
tryit("StartEvents str", lambda: str(c104.StartEvents.PhaseL3 | c104.StartEvents.ReverseDirection))
tryit("OutputCircuits str", lambda: str(c104.OutputCircuits.General))
tryit("PackedSingle value", lambda: (c104.PackedSingle.I0 | c104.PackedSingle.I15).value)
tryit("Debug str", lambda: str(c104.Debug.Client | c104.Debug.Connection))
tryit("Debug is_none", lambda: c104.Debug.Client.is_none())
# ---- enums
tryit("Cot str", lambda: str(c104.Cot.SPONTANEOUS))
tryit("Cot value", lambda: c104.Cot.REQUESTED_BY_GENERAL_COUNTER.value)
tryit("Cot int", lambda: int(c104.Cot.INTERROGATED_BY_GROUP_3))
tryit("Type from int", lambda: c104.Type(36))
tryit("Type eq int", lambda: c104.Type.M_SP_NA_1 == 1)
tryit("Double name", lambda: c104.Double.INDETERMINATE.name)
tryit("Rqt value", lambda: c104.Rqt.GENERAL.value)
tryit("Frz value", lambda: c104.Frz.FREEZE_WITH_RESET.value)
tryit("Coi", lambda: c104.Coi(2))
tryit("Umc", lambda: c104.Umc.MISMATCHED_TYPE_ID.value)
tryit("ResponseState", lambda: c104.ResponseState(2))
tryit("Init", lambda: c104.Init.INTERROGATION.value)
# ---- number types
tryit("UInt16 65536", lambda: c104.UInt16(65536))
tryit("UInt16 max", lambda: c104.UInt16(1).max)
tryit("Int16 min", lambda: c104.Int16(1).min)
tryit("UInt7 128", lambda: c104.UInt7(128))
tryit("NormalizedFloat -1", lambda: float(c104.NormalizedFloat(-1)))
tryit("NormalizedFloat str", lambda: str(c104.NormalizedFloat(0.5)))
tryit("Int7 float ctor", lambda: c104.Int7(3.0))


def alias_iadd():
    v = c104.Int16(1)
    w = v
    v += 5
    return int(v), int(w)


tryit("Int16 += alias", alias_iadd)
tryit("Int16 eq Int16", lambda: c104.Int16(5) == c104.Int16(5))
tryit("Byte32 int big", lambda: bytes(c104.Byte32(2**31 + 1)).hex())
tryit("Byte32 str", lambda: str(c104.Byte32(b"\x01\x00\x00\x00")))
# ---- debug mode
tryit("set_debug_mode", lambda: c104.set_debug_mode(mode=c104.Debug.Client | c104.Debug.Server))
tryit("get after set", lambda: str(c104.get_debug_mode()))
tryit("enable_debug", lambda: c104.enable_debug(mode=c104.Debug.Point))
tryit("get after enable", lambda: str(c104.get_debug_mode()))
tryit("disable_debug", lambda: c104.disable_debug(mode=c104.Debug.Client))
tryit("get after disable", lambda: str(c104.get_debug_mode()))
tryit("set none", lambda: c104.set_debug_mode(mode=c104.Debug(0)))
tryit("get none", lambda: str(c104.get_debug_mode()))
# ---- server points: info, value and time tags
server = c104.Server(ip="127.0.0.1", port=2404)
st = server.add_station(common_address=9)
tb = st.add_point(io_address=1, type=c104.Type.M_SP_TB_1)
tryit("TB recorded_at before", lambda: tb.recorded_at)
tryit("TB set value", lambda: setattr(tb, "value", True))
tryit("TB recorded_at after", lambda: type(tb.recorded_at).__name__)
tryit("TB info recorded_at", lambda: type(tb.info.recorded_at).__name__)
na = st.add_point(io_address=2, type=c104.Type.M_SP_NA_1)
tryit("NA set value", lambda: setattr(na, "value", True))
tryit("NA recorded_at after", lambda: na.recorded_at)
tryit("NA set info with time", lambda: setattr(na, "info", c104.SingleInfo(on=False, recorded_at=T)))
tryit("NA recorded_at from info", lambda: na.recorded_at == T)
tryit("NA set quality", lambda: setattr(na, "quality", Q.Invalid | Q.Blocked))
tryit("NA quality", lambda: str(na.quality))
tryit("NA info quality", lambda: str(na.info.quality))
tryit("NA set wrong info", lambda: setattr(na, "info", c104.DoubleInfo(state=c104.Double.ON)))
tryit("NA info readonly", lambda: na.info.is_readonly)
st_point = st.add_point(io_address=3, type=c104.Type.M_ST_NA_1)
tryit("ST default value", lambda: int(st_point.value))
tryit("ST set value Int7", lambda: setattr(st_point, "value", c104.Int7(9)))
tryit("ST info transient", lambda: st_point.info.transient)
bo = st.add_point(io_address=4, type=c104.Type.M_BO_NA_1)
tryit("BO default", lambda: bytes(bo.value).hex())
it = st.add_point(io_address=5, type=c104.Type.M_IT_NA_1)
tryit("IT default", lambda: it.value)
tryit("IT quality default", lambda: str(it.quality))
tryit("IT set value", lambda: setattr(it, "value", 42))
tryit("IT info sequence", lambda: int(it.info.sequence))
me = st.add_point(io_address=6, type=c104.Type.M_ME_NA_1)
tryit("ME_NA default", lambda: float(me.value))
tryit("ME_NA set float", lambda: setattr(me, "value", 0.5))
tryit("ME_NA set 2.0", lambda: setattr(me, "value", 2.0))
nb = st.add_point(io_address=7, type=c104.Type.M_ME_NB_1)
tryit("ME_NB set int", lambda: setattr(nb, "value", 5))
tryit("ME_NB set Int16", lambda: setattr(nb, "value", c104.Int16(-5)))
tryit("ME_NB value", lambda: int(nb.value))
cmd = st.add_point(io_address=20, type=c104.Type.C_SE_NB_1)
tryit("C_SE_NB default", lambda: int(cmd.value))
tryit("C_SE_NB info", lambda: type(cmd.info).__name__)
tryit("C_SE_NB set ScaledCmd", lambda: setattr(cmd, "info", c104.ScaledCmd(target=c104.Int16(9), qualifier=c104.UInt7(2))))
tryit("C_SE_NB value after", lambda: int(cmd.value))
rc = st.add_point(io_address=21, type=c104.Type.C_RC_NA_1)
tryit("C_RC default", lambda: rc.value)
tryit("C_RC set", lambda: setattr(rc, "value", c104.Step.HIGHER))
bocmd = st.add_point(io_address=22, type=c104.Type.C_BO_NA_1)
tryit("C_BO default", lambda: bytes(bocmd.value).hex())
tryit("point processed_at", lambda: type(na.processed_at).__name__)
tryit("point str", lambda: str(na)[:10])
