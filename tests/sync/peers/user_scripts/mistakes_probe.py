"""A c104 script of the mistakes a utility's data layer makes when it builds Information objects,
numbers and enums from a database or a CSV: wrong types, out-of-range values, positional
arguments, enum look-ups, comparisons and their ``str()``/``repr()``.

Usage: python mistakes_probe.py PORT (PORT unused). One line per call: ``PROBE label -> result``
or ``PROBE label !! ErrorA|ErrorB`` (the built-in error classes the exception is an instance of).
No socket is opened.
"""
import datetime

import c104

T = datetime.datetime(2024, 3, 1, 12, 0, 0)
ERRORS = (ValueError, TypeError, IndexError, AttributeError, OverflowError, RuntimeError, KeyError)


def show(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, (bool, int, str, type(None))):
        return value
    if isinstance(value, (list, tuple)):
        return [show(v) for v in value]
    if type(value).__name__ in ("Quality", "BinaryCounterQuality"):
        return str(value)
    if hasattr(value, "name") and not isinstance(value, type):
        return f"{type(value).__name__}.{value.name}"
    if type(value).__name__ in ("Int7", "Int16", "UInt5", "UInt7", "UInt16"):
        return f"{type(value).__name__}:{int(value)}"
    if type(value).__name__ == "NormalizedFloat":
        return f"NormalizedFloat:{round(float(value), 4)}"
    if type(value).__name__ == "Byte32":
        return f"Byte32:{bytes(value).hex()}"
    return type(value).__name__


def tryit(label, fn):
    try:
        print("PROBE", label, "->", show(fn()), flush=True)
    except Exception as exc:
        print("PROBE", label, "!!", "|".join(e.__name__ for e in ERRORS if isinstance(exc, e)) or "other", flush=True)


# ---- values from a database: wrong Python types for the value field
tryit("SingleInfo on str", lambda: c104.SingleInfo(on="1").on)
tryit("SingleInfo on None", lambda: c104.SingleInfo(on=None).on)
tryit("SingleInfo on float", lambda: c104.SingleInfo(on=0.0).on)
tryit("SingleInfo positional", lambda: c104.SingleInfo(True).on)
tryit("SingleInfo positional quality", lambda: c104.SingleInfo(True, c104.Quality.Invalid).quality)
tryit("DoubleInfo state 5", lambda: c104.DoubleInfo(state=5))
tryit("DoubleInfo state Step", lambda: c104.DoubleInfo(state=c104.Step.LOWER).state)
tryit("DoubleInfo state str", lambda: c104.DoubleInfo(state="ON"))
tryit("ShortInfo actual str", lambda: c104.ShortInfo(actual="21.5").actual)
tryit("ShortInfo actual None", lambda: c104.ShortInfo(actual=None).actual)
tryit("ShortInfo actual bool", lambda: c104.ShortInfo(actual=True).actual)
tryit("ShortInfo actual Int16", lambda: c104.ShortInfo(actual=c104.Int16(3)).actual)
tryit("ScaledInfo actual float", lambda: c104.ScaledInfo(actual=12.5).actual)
tryit("ScaledInfo actual -40000", lambda: c104.ScaledInfo(actual=-40000).actual)
tryit("NormalizedInfo actual 1.5", lambda: c104.NormalizedInfo(actual=1.5).actual)
tryit("NormalizedInfo actual Int16", lambda: c104.NormalizedInfo(actual=c104.Int16(1)).actual)
tryit("BinaryInfo blob bytes", lambda: c104.BinaryInfo(blob=b"\x01\x00\x00\x00").blob)
tryit("BinaryInfo blob str", lambda: c104.BinaryInfo(blob="abcd").blob)
tryit("StepInfo position 100", lambda: c104.StepInfo(state=100, transient=False).position)
tryit("StepInfo transient str", lambda: c104.StepInfo(state=c104.Int7(1), transient="no").transient)
tryit("BinaryCounterInfo sequence 40", lambda: c104.BinaryCounterInfo(counter=1, sequence=40, quality=c104.BinaryCounterQuality()).sequence)
tryit("BinaryCounterInfo sequence int", lambda: c104.BinaryCounterInfo(counter=1, sequence=4, quality=c104.BinaryCounterQuality()).sequence)
tryit("BinaryCounterInfo counter float", lambda: c104.BinaryCounterInfo(counter=1.5, sequence=c104.UInt5(0), quality=c104.BinaryCounterQuality()).counter)
tryit("ProtectionEventInfo elapsed int", lambda: c104.ProtectionEventInfo(state=c104.EventState.OFF, elapsed_ms=70).elapsed_ms)
tryit("ProtectionEventInfo elapsed 70000", lambda: c104.ProtectionEventInfo(state=c104.EventState.OFF, elapsed_ms=70000))
tryit("ProtectionEventInfo state Double", lambda: c104.ProtectionEventInfo(state=c104.Double.ON).state)
# ---- quality and time tag of the wrong kind
tryit("SingleInfo quality counter", lambda: c104.SingleInfo(on=True, quality=c104.BinaryCounterQuality.Carry).quality)
tryit("SingleInfo quality int", lambda: c104.SingleInfo(on=True, quality=128).quality)
tryit("SingleInfo quality None", lambda: c104.SingleInfo(on=True, quality=None).quality)
tryit("Counter quality Quality", lambda: c104.BinaryCounterInfo(counter=1, sequence=c104.UInt5(0), quality=c104.Quality.Invalid).quality)
tryit("SingleInfo recorded_at str", lambda: c104.SingleInfo(on=True, recorded_at="2024-03-01").recorded_at)
tryit("SingleInfo recorded_at date", lambda: c104.SingleInfo(on=True, recorded_at=datetime.date(2024, 3, 1)).recorded_at)
tryit("SingleInfo recorded_at timestamp", lambda: c104.SingleInfo(on=True, recorded_at=1700000000).recorded_at)
tryit("SingleInfo recorded_at naive", lambda: c104.SingleInfo(on=True, recorded_at=T).recorded_at)
tryit("SingleInfo recorded_at aware", lambda: c104.SingleInfo(on=True, recorded_at=T.replace(tzinfo=datetime.UTC)).recorded_at)
tryit("recorded_at aware compares", lambda: c104.SingleInfo(on=True, recorded_at=T.replace(tzinfo=datetime.UTC)).recorded_at < T)
tryit("StepInfo transient None", lambda: c104.StepInfo(state=c104.Int7(1), transient=None).transient)
tryit("SingleCmd on 2", lambda: c104.SingleCmd(on=2).on)
# ---- commands
tryit("SingleCmd qualifier int", lambda: c104.SingleCmd(on=True, qualifier=2).qualifier)
tryit("SingleCmd qualifier Qoc", lambda: c104.SingleCmd(on=True, qualifier=c104.Qoc.LONG_PULSE).qualifier)
tryit("SingleCmd on int", lambda: c104.SingleCmd(on=1).on)
tryit("DoubleCmd state bool", lambda: c104.DoubleCmd(state=True).state)
tryit("StepCmd direction Double", lambda: c104.StepCmd(direction=c104.Double.ON).direction)
tryit("StepCmd direction HIGHER", lambda: c104.StepCmd(direction=c104.Step.HIGHER).direction)
tryit("NormalizedCmd qualifier 200", lambda: c104.NormalizedCmd(target=c104.NormalizedFloat(0.1), qualifier=c104.UInt7(200)))
tryit("NormalizedCmd qualifier int", lambda: c104.NormalizedCmd(target=c104.NormalizedFloat(0.1), qualifier=5).qualifier)
tryit("ScaledCmd target 40000", lambda: c104.ScaledCmd(target=40000))
tryit("ScaledCmd target Int16", lambda: c104.ScaledCmd(target=c104.Int16(-7), qualifier=c104.UInt7(3)).target)
tryit("ShortCmd target int", lambda: c104.ShortCmd(target=3).target)
tryit("ShortCmd target str", lambda: c104.ShortCmd(target="3.5"))
tryit("BinaryCmd blob Byte32", lambda: c104.BinaryCmd(blob=c104.Byte32(b"\xff\x00\x00\x00")).blob)
tryit("SingleCmd recorded_at", lambda: c104.SingleCmd(on=False, recorded_at=T).recorded_at)
tryit("SingleCmd value", lambda: c104.SingleCmd(on=True).value)
tryit("DoubleCmd value", lambda: c104.DoubleCmd(state=c104.Double.OFF, qualifier=c104.Qoc.SHORT_PULSE).value)
tryit("DoubleCmd qualifier", lambda: c104.DoubleCmd(state=c104.Double.OFF, qualifier=c104.Qoc.SHORT_PULSE).qualifier)
# ---- numbers from strings, floats, bools
tryit("Int7 str", lambda: c104.Int7("5"))
tryit("Int7 None", lambda: c104.Int7(None))
tryit("Int7 5.7", lambda: c104.Int7(5.7))
tryit("Int7 True", lambda: c104.Int7(True))
tryit("UInt16 -1", lambda: c104.UInt16(-1))
tryit("UInt7 127", lambda: c104.UInt7(127))
tryit("UInt5 min max", lambda: (c104.UInt5(3).min, c104.UInt5(3).max))
tryit("Int16 min max", lambda: (c104.Int16(0).min, c104.Int16(0).max))
tryit("NormalizedFloat str", lambda: c104.NormalizedFloat("0.5"))
tryit("NormalizedFloat -1.0001", lambda: c104.NormalizedFloat(-1.0001))
tryit("NormalizedFloat min max", lambda: (c104.NormalizedFloat(0).min, c104.NormalizedFloat(0).max))
tryit("Byte32 -1", lambda: c104.Byte32(-1))
tryit("Byte32 empty", lambda: c104.Byte32(b""))
tryit("Int16 int", lambda: int(c104.Int16(-300)))
tryit("Int16 lt", lambda: c104.Int16(3) < 5)
tryit("Int16 round", lambda: round(float(c104.Int16(3)) / 2, 1))
# ---- enums: what a script stores, prints and compares
tryit("Cot str", lambda: str(c104.Cot.RETURN_INFO_REMOTE))
tryit("Cot repr", lambda: repr(c104.Cot.RETURN_INFO_REMOTE))
tryit("Type repr", lambda: repr(c104.Type.M_ME_NC_1))
tryit("Type str", lambda: str(c104.Type.C_SE_NC_1))
tryit("Type f-string", lambda: f"{c104.Type.M_SP_TB_1}")
tryit("ConnectionState str", lambda: str(c104.ConnectionState.OPEN_MUTED))
tryit("Double str", lambda: str(c104.Double.INDETERMINATE))
tryit("Step repr", lambda: repr(c104.Step.HIGHER))
tryit("Qoi repr", lambda: repr(c104.Qoi.GROUP_3))
tryit("Init int", lambda: int(c104.Init.MUTED))
tryit("Cot from int", lambda: c104.Cot(3))
tryit("Cot from bad int", lambda: c104.Cot(99).name)
tryit("Type from str", lambda: c104.Type("M_SP_NA_1"))
tryit("Cot members lookup", lambda: c104.Cot.__members__["SPONTANEOUS"])
CONFIGURED = "PERIODIC"  # a cause named in a configuration file
tryit("Cot getattr", lambda: getattr(c104.Cot, CONFIGURED))
tryit("Cot eq same", lambda: c104.Cot.SPONTANEOUS == c104.Cot.SPONTANEOUS)
tryit("Cot ne", lambda: c104.Cot.SPONTANEOUS != c104.Cot.PERIODIC)
tryit("Cot eq other enum", lambda: c104.Double.ON == c104.Step.HIGHER)
tryit("Cot is", lambda: c104.Cot(3) is c104.Cot.SPONTANEOUS)
tryit("Cot lt", lambda: c104.Cot.PERIODIC < c104.Cot.SPONTANEOUS)
tryit("Cot hash dict", lambda: {c104.Cot.SPONTANEOUS: "s"}[c104.Cot(3)])
tryit("Cot sorted by value", lambda: [c.name for c in sorted([c104.Cot.REQUEST, c104.Cot.PERIODIC], key=lambda c: c.value)])
tryit("Cot in set", lambda: c104.Cot.REQUEST in {c104.Cot.REQUEST, c104.Cot.SPONTANEOUS})
tryit("Cot name", lambda: c104.Cot.UNKNOWN_IOA.name)
tryit("Cot value type", lambda: type(c104.Cot.UNKNOWN_IOA.value).__name__)
tryit("Type members count", lambda: len(c104.Type.__members__))
tryit("Cot members count", lambda: len(c104.Cot.__members__))
tryit("Type bool", lambda: bool(c104.Double.INTERMEDIATE))
tryit("Double index", lambda: ["a", "b", "c"][c104.Double.ON])
tryit("ResponseState bool", lambda: bool(c104.ResponseState.FAILURE))
tryit("Qoc int", lambda: int(c104.Qoc.PERSISTENT))
tryit("Frz name", lambda: c104.Frz.FREEZE_WITH_RESET.name)
tryit("Umc repr", lambda: repr(c104.Umc.MISMATCHED_TYPE_ID))
tryit("TlsVersion str", lambda: str(c104.TlsVersion.TLS_1_2))
# ---- flag sets a script builds from numbers
tryit("Quality repr", lambda: repr(c104.Quality.Invalid))
tryit("Quality str two", lambda: str(c104.Quality.NonTopical | c104.Quality.Overflow))
tryit("BCQ str two", lambda: str(c104.BinaryCounterQuality.Adjusted | c104.BinaryCounterQuality.Invalid))
tryit("Quality from 144", lambda: str(c104.Quality(144)))
tryit("Quality from 2", lambda: str(c104.Quality(2)))
tryit("Quality eq empty", lambda: c104.Quality() == c104.Quality())
tryit("Quality minus", lambda: str((c104.Quality.Invalid | c104.Quality.Blocked) & ~c104.Quality.Invalid))
tryit("Quality Invalid in empty", lambda: c104.Quality.Invalid in c104.Quality())
tryit("StartEvents str all", lambda: str(c104.StartEvents.General | c104.StartEvents.ReverseDirection | c104.StartEvents.InEarthCurrent))
tryit("PackedSingle str", lambda: str(c104.PackedSingle.I0 | c104.PackedSingle.I15))
tryit("PackedSingle from int", lambda: str(c104.PackedSingle(3)))
tryit("Debug str", lambda: str(c104.Debug.Client | c104.Debug.Connection))
