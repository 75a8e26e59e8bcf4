"""What a profile's fields may hold: the kind of value each point type carries, the qualities it
may have, and the check of every field. The loader (``profile.py``) and the profile's dataclasses
run the same checks, so that a YAML file and Python code are held to one set of rules.
"""

from __future__ import annotations

import difflib
import ipaddress
import math
import re
import struct
from collections.abc import Iterable, Sequence
from typing import Any, Protocol, TypeGuard, cast

from ..protocol.asdu import untimed_type
from ..protocol.elements import BCR, VTI
from ..protocol.enums import (
    BinaryCounterQuality,
    CommandMode,
    Double,
    EventState,
    OutputCircuits,
    Quality,
    StartEvents,
    Step,
    Type,
)
from ..protocol.station.faults import Fault, parse_fault
from ..rules.quality import FLAGS as QUALITY_FLAGS
from ..rules.quality import parse_flags, to_quality
from ..rules.values import value_for

MAX_IO_ADDRESS = 0xFFFFFF


class Invalid(ValueError):
    """A value breaks a rule; the caller knows the file, line and field. ``index``: list item."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


# ---- what each point type carries ----------------------------------------------------------------

# The kind of value a point type carries. Commands carry the kind of their command state;
# "regulating" is the step command's LOWER/HIGHER.
KIND: dict[Type, str] = {}
_MONITORING_KINDS = {
    "single": (Type.M_SP_NA_1, Type.M_SP_TB_1),
    "double": (Type.M_DP_NA_1, Type.M_DP_TB_1),
    "step": (Type.M_ST_NA_1, Type.M_ST_TB_1),
    "bitstring": (Type.M_BO_NA_1, Type.M_BO_TB_1),
    "normalized": (Type.M_ME_NA_1, Type.M_ME_ND_1, Type.M_ME_TD_1),
    "scaled": (Type.M_ME_NB_1, Type.M_ME_TE_1),
    "short": (Type.M_ME_NC_1, Type.M_ME_TF_1),
    "counter": (Type.M_IT_NA_1, Type.M_IT_TB_1),
    "packed": (Type.M_PS_NA_1,),
    "event": (Type.M_EP_TD_1,),
    "start": (Type.M_EP_TE_1,),
    "circuit": (Type.M_EP_TF_1,),
}
_COMMAND_KINDS = {
    "single": (Type.C_SC_NA_1, Type.C_SC_TA_1),
    "double": (Type.C_DC_NA_1, Type.C_DC_TA_1),
    "regulating": (Type.C_RC_NA_1, Type.C_RC_TA_1),
    "normalized": (Type.C_SE_NA_1, Type.C_SE_TA_1),
    "scaled": (Type.C_SE_NB_1, Type.C_SE_TB_1),
    "short": (Type.C_SE_NC_1, Type.C_SE_TC_1),
    "bitstring": (Type.C_BO_NA_1, Type.C_BO_TA_1),
}
for _kind, _types in (*_MONITORING_KINDS.items(), *_COMMAND_KINDS.items()):
    for _t in _types:
        KIND[_t] = _kind
COMMANDS = frozenset(t for types in _COMMAND_KINDS.values() for t in types)

# The monitoring kind that receives a command's return information.
_RETURN_KIND = {"regulating": "step"}

# Type without time tag (the codec's table); M_EP_TD/TE/TF_1 have none in IEC 104.
PLAIN: dict[Type, Type | None] = {t: untimed_type(t) for t in KIND}

# CP24Time2a types exist in IEC 101 only; the CP56Time2a type to use instead.
_CP24 = {
    Type.M_SP_TA_1: Type.M_SP_TB_1,
    Type.M_DP_TA_1: Type.M_DP_TB_1,
    Type.M_ST_TA_1: Type.M_ST_TB_1,
    Type.M_BO_TA_1: Type.M_BO_TB_1,
    Type.M_ME_TA_1: Type.M_ME_TD_1,
    Type.M_ME_TB_1: Type.M_ME_TE_1,
    Type.M_ME_TC_1: Type.M_ME_TF_1,
    Type.M_IT_TA_1: Type.M_IT_TB_1,
    Type.M_EP_TA_1: Type.M_EP_TD_1,
    Type.M_EP_TB_1: Type.M_EP_TE_1,
    Type.M_EP_TC_1: Type.M_EP_TF_1,
}

# Kinds that answer station and group interrogation (COT 20-36).
INTERROGATED_KINDS = frozenset(
    {"single", "double", "step", "bitstring", "normalized", "scaled", "short", "packed"}
)
# Periodic/cyclic data (COT 1) is for measured values without time tag (protocol.md 1.7).
_CYCLIC_TYPES = (Type.M_ME_NA_1, Type.M_ME_NB_1, Type.M_ME_NC_1, Type.M_ME_ND_1)

_DEFAULTS: dict[str, object] = {
    "single": False,
    "double": Double.OFF,
    "regulating": Step.LOWER,
    "step": 0,
    "bitstring": 0,
    "normalized": 0.0,
    "scaled": 0,
    "short": 0.0,
    "counter": 0,
    "packed": 0,
    "event": EventState.OFF,
    "start": StartEvents(0),
    "circuit": OutputCircuits(0),
}

# ---- quality ----------------------------------------------------------------------------------------

# the abbreviations come from the one flag table (c104test.rules.quality), in its order
_QUALITY_ABBREVIATIONS: dict[Quality, str] = {f.quality: f.abbreviation for f in QUALITY_FLAGS if f.quality is not None}
_IV_NT_SB_BL = Quality.Blocked | Quality.Substituted | Quality.NonTopical | Quality.Invalid
_QUALITY_OF_KIND = {
    "single": _IV_NT_SB_BL,  # SIQ
    "double": _IV_NT_SB_BL,  # DIQ
    "step": _IV_NT_SB_BL | Quality.Overflow,  # QDS
    "bitstring": _IV_NT_SB_BL | Quality.Overflow,
    "normalized": _IV_NT_SB_BL | Quality.Overflow,
    "scaled": _IV_NT_SB_BL | Quality.Overflow,
    "short": _IV_NT_SB_BL | Quality.Overflow,
    "packed": _IV_NT_SB_BL | Quality.Overflow,
    "counter": Quality.Invalid,  # the IV bit of the BCR
    "event": _IV_NT_SB_BL | Quality.ElapsedTimeInvalid,  # SEP, QDP
    "start": _IV_NT_SB_BL | Quality.ElapsedTimeInvalid,
    "circuit": _IV_NT_SB_BL | Quality.ElapsedTimeInvalid,
}


def _quality_mask(t: Type) -> Quality:
    if t in COMMANDS or t is Type.M_ME_ND_1:
        return Quality(0)
    return _QUALITY_OF_KIND[KIND[t]]


def _flag_names(q: Quality) -> str:
    return ", ".join(name for flag, name in _QUALITY_ABBREVIATIONS.items() if flag in q)


# ---- rules shared by the loader and the dataclasses -----------------------------------------------


def shown(value: object, limit: int = 80) -> str:
    """A value as an error quotes it: its first line, at most ``limit`` characters, never a
    whole file given by mistake (a CSV or an HTML page read as a one-value YAML document).

    >>> shown("a,b,c\\n1,2,3")
    "'a,b,c' (first line of 2)"
    """
    if isinstance(value, str):
        lines = value.split("\n")
        first = lines[0]
        text = repr(first[:limit]) + ("..." if len(first) > limit else "")
        if len(lines) > 1:
            text += f" (first line of {len(lines)})"
        elif len(first) > limit:
            text += f" ({len(first)} characters)"
        return text
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def is_int(v: object) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: object) -> TypeGuard[int | float]:
    return isinstance(v, int | float) and not isinstance(v, bool)


def int_in(v: object, lo: int, hi: int) -> int:
    if not is_int(v):
        raise Invalid(f"expected an integer in {lo}..{hi}, got {shown(v)}")
    if not lo <= v <= hi:
        raise Invalid(f"{shown(v)} is outside {lo}..{hi}")
    return int(v)


def check_seconds(v: object) -> float:
    if not _is_number(v) or not math.isfinite(v) or v <= 0:
        raise Invalid(f"expected a positive number of seconds, got {shown(v)}")
    return float(v)


def check_flag(v: object) -> bool:
    if not isinstance(v, bool):
        raise Invalid(f"expected true or false, got {shown(v)}")
    return v


def check_text(v: object) -> str:
    if v is None:
        return ""
    if not isinstance(v, str):
        raise Invalid(f"expected text, got {shown(v)}")
    return v


def _type_name(t: Type) -> str:
    return str(t.name)


def check_io_address(v: object) -> int:
    return int_in(v, 0, MAX_IO_ADDRESS)


def check_type(v: object) -> Type:
    if isinstance(v, Type):
        t = v
    elif isinstance(v, bool) or not isinstance(v, int | str):
        raise Invalid(f"{shown(v)} is not a type; expected e.g. M_SP_NA_1")
    else:
        try:
            t = cast(Type, Type.parse(v))
        except ValueError:
            names = [_type_name(t) for t in KIND]
            close = difflib.get_close_matches(str(v).upper(), names, n=1, cutoff=0.85)
            hint = f"did you mean {close[0]}?" if close else "expected e.g. M_SP_NA_1"
            raise Invalid(f"{shown(v)} is not a type; {hint}") from None
    if t in _CP24:
        raise Invalid(
            f"{t.name} has a CP24Time2a time tag, which IEC 104 does not use; use {_CP24[t].name}"
        )
    if t not in KIND:
        raise Invalid(
            f"{t.name} is not a point type; a point is a monitoring type (1-40) or a command (45-64)"
        )
    return t


def _check_enum(v: object, enum_cls: Any, allowed: Iterable[Any], what: str) -> Any:
    allowed = tuple(allowed)
    names = ", ".join(str(m.name) for m in allowed[:-1]) + f" or {allowed[-1].name}"
    member = None
    if isinstance(v, enum_cls):
        member = v
    elif isinstance(v, str):
        member = enum_cls.__members__.get(v.strip().upper())
    if member not in allowed:
        raise Invalid(f"{shown(v)} is not {what}; expected {names}")
    return member


def _check_flags(v: object, flags_cls: Any) -> Any:
    names = {str(m.name).upper(): m for m in flags_cls}
    everything = flags_cls(sum(m.value for m in flags_cls))
    if isinstance(v, flags_cls):
        return v
    if is_int(v):
        if v & ~everything.value:
            raise Invalid(f"{v} has bits outside {int(everything)} ({flags_cls.__name__})")
        return flags_cls(v)
    items = [v] if isinstance(v, str) else v
    if not isinstance(items, list | tuple):
        raise Invalid(f"expected a list of {flags_cls.__name__} names, got {shown(v)}")
    result = flags_cls(0)
    for index, item in enumerate(items):
        member = names.get(item.strip().upper()) if isinstance(item, str) else None
        if member is None:
            expected = ", ".join(str(m.name) for m in flags_cls)
            raise Invalid(
                f"{shown(item)} is not a {flags_cls.__name__} flag; expected {expected}", index
            )
        result |= member
    return result


def check_value(t: Type, v: object) -> object:
    """The value in its canonical Python form: bool, Double, Step, int, float or a flag set."""
    kind = KIND[t]
    if v is None:
        return _DEFAULTS[kind]
    if kind == "single":
        if isinstance(v, str) and v.strip().upper() in ("ON", "OFF", "TRUE", "FALSE"):
            return v.strip().upper() in ("ON", "TRUE")
        if not isinstance(v, bool):
            raise Invalid(f"expected true or false for {t.name}, got {shown(v)}")
        return v
    if kind == "double":
        if t in COMMANDS:
            return _check_enum(v, Double, (Double.ON, Double.OFF), "a double command state")
        return _check_enum(
            v,
            Double,
            (Double.ON, Double.OFF, Double.INTERMEDIATE, Double.INDETERMINATE),
            "a double-point state",
        )
    if kind == "regulating":
        return _check_enum(v, Step, (Step.LOWER, Step.HIGHER), "a regulating step")
    if kind == "event":
        return _check_enum(v, EventState, tuple(EventState), "a protection event state")
    if kind == "start":
        return _check_flags(v, StartEvents)
    if kind == "circuit":
        return _check_flags(v, OutputCircuits)
    if kind in ("normalized", "short"):
        if not _is_number(v):
            raise Invalid(f"expected a number for {t.name}, got {shown(v)}")
        number = float(v)
        if kind == "normalized" and not -1.0 <= number <= 1.0:
            raise Invalid(f"{v} is outside -1..1 (a normalized value)")
        if kind == "short":
            try:
                struct.pack("<f", number)
            except OverflowError:
                raise Invalid(f"{shown(v)} does not fit a 32-bit float") from None
        return number
    if (kind == "step" and isinstance(v, VTI)) or (kind == "counter" and isinstance(v, BCR)):
        return v  # canonical too: a step position with its transient bit, a counter with its sequence number
    if kind in ("step", "counter") and isinstance(v, str):
        # "5 transient", "1234 seq 3": the one reading of c104test.rules, as Robot and Gherkin set it
        try:
            return value_for(t, v)
        except ValueError as exc:
            raise Invalid(str(exc)) from None
    lo, hi = {
        "step": (-64, 63),
        "bitstring": (0, 0xFFFFFFFF),
        "scaled": (-32768, 32767),
        "counter": (-(2**31), 2**31 - 1),
        "packed": (0, 0xFFFF),
    }[kind]
    return int_in(v, lo, hi)


def check_quality(t: Type, v: object) -> Quality | BinaryCounterQuality:
    """A point's quality as the one quality reader (``rules.quality``) reads it, in every front end:
    ``IV, NT``, ``[IV, NT]``, ``IV and NT``, ``good``; a counter's flags are its BCR's (IV, CA, CY).
    An integer is refused as in Robot and Gherkin (its bits mean other flags in a counter's BCR):
    the flags are written by name."""
    counter = t not in COMMANDS and KIND.get(t) == "counter"
    if v is None:
        return Quality(0)
    if isinstance(v, BinaryCounterQuality) and counter:
        return v
    if isinstance(v, Quality):
        q = v
    elif is_int(v):
        raise Invalid(f"{v} is not a quality; write its flags by name, as IV, NT, SB, BL, OV or EI")
    else:
        items = [v] if isinstance(v, str) else v
        if not isinstance(items, list | tuple | set | frozenset):
            raise Invalid(f"expected a list of quality flags like [IV, NT], got {shown(v)}")
        flags: set[str] = set()
        for index, item in enumerate(items):
            try:
                flags |= parse_flags(item)
            except ValueError as error:
                raise Invalid(str(error), None if isinstance(v, str) else index) from None
        try:
            quality = to_quality(flags, counter=counter)
        except ValueError as error:
            message = str(error).replace("of a counter", f"of {t.name}").replace("of this point", f"of {t.name}")
            raise Invalid(message) from None
        if counter:
            return quality
        q = cast(Quality, quality)
    mask = _quality_mask(t)
    extra = q & ~mask
    if extra:
        if not mask:
            what = "a command" if t in COMMANDS else t.name
            raise Invalid(f"{what} carries no quality")
        raise Invalid(
            f"{_flag_names(extra)} is not a quality flag of {t.name}; it carries {_flag_names(mask)}"
        )
    return q


def check_groups(t: Type, v: object) -> frozenset[int]:
    if v is None:
        return frozenset()
    items = [v] if is_int(v) else v
    if not isinstance(items, list | tuple | set | frozenset):
        raise Invalid(f"expected a list of interrogation groups 1..16, got {shown(v)}")
    groups = set()
    for index, item in enumerate(items):
        try:
            groups.add(int_in(item, 1, 16))
        except Invalid as exc:
            raise Invalid(f"interrogation group: {exc}", index) from None
    if groups and (t in COMMANDS or KIND[t] not in INTERROGATED_KINDS):
        if t in COMMANDS:
            raise Invalid("commands belong to no interrogation group")
        if KIND[t] == "counter":
            raise Invalid(
                "integrated totals answer counter interrogation, not station or group "
                "interrogation; use counter_group (1-4)"
            )
        raise Invalid(f"{t.name} is only sent spontaneously; it belongs to no interrogation group")
    return frozenset(groups)


def check_counter_group(t: Type, v: object) -> int | None:
    if v is None:
        return None
    if KIND[t] != "counter" or t in COMMANDS:
        raise Invalid("counter_group is for integrated totals (M_IT_NA_1, M_IT_TB_1)")
    return int_in(v, 1, 4)


def check_cycle(t: Type, v: object) -> float | None:
    if v is None:
        return None
    if t not in _CYCLIC_TYPES:
        names = ", ".join(_type_name(c) for c in _CYCLIC_TYPES)
        raise Invalid(
            f"periodic data (COT 1) is for measured values without time tag ({names}), not {t.name}"
        )
    return check_seconds(v)


def check_change_every(t: Type, v: object) -> float | None:
    if v is None:
        return None
    if t in COMMANDS:
        raise Invalid(
            "commands do not change by themselves; give change_every to a monitoring point"
        )
    return check_seconds(v)


_MODES = {
    "DIRECT": CommandMode.DIRECT,
    "DIRECT_EXECUTE": CommandMode.DIRECT,
    "SELECT": CommandMode.SELECT_AND_EXECUTE,
    "SBO": CommandMode.SELECT_AND_EXECUTE,
    "SELECT_BEFORE_OPERATE": CommandMode.SELECT_AND_EXECUTE,
    "SELECT_AND_EXECUTE": CommandMode.SELECT_AND_EXECUTE,
}


def check_command_mode(t: Type, v: object) -> CommandMode:
    if v is None:
        mode = CommandMode.DIRECT
    elif isinstance(v, CommandMode):
        mode = v
    else:
        key = re.sub(r"[\s-]+", "_", v.strip().upper()) if isinstance(v, str) else ""
        key = key.removeprefix("COMMANDMODE.")
        if key not in _MODES:
            raise Invalid(f"{shown(v)} is not a command mode; expected direct or select")
        mode = _MODES[key]
    if mode is not CommandMode.DIRECT and t not in COMMANDS:
        raise Invalid("command_mode is only for commands (types 45-64)")
    return mode


def check_interrogation(t: Type, v: object) -> bool:
    """``interrogation: false``: a monitoring point reported only as events, in no interrogation."""
    flag = check_flag(v)
    if not flag and t in COMMANDS:
        raise Invalid("a command is in no interrogation anyway; interrogation is for monitoring points")
    return flag


def check_return_io_address(t: Type, v: object) -> int | None:
    if v is None:
        return None
    if t not in COMMANDS:
        raise Invalid("return_io_address is only for commands (types 45-64)")
    return int_in(v, 0, MAX_IO_ADDRESS)


def _return_types(t: Type) -> tuple[Type, ...]:
    kind = _RETURN_KIND.get(KIND[t], KIND[t])
    return _MONITORING_KINDS[kind]


def _or_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


class PointFields(Protocol):
    """What the cross-point check reads of a point (``profile.PointProfile`` has it)."""

    @property
    def io_address(self) -> int: ...
    @property
    def return_io_address(self) -> int | None: ...
    @property
    def type(self) -> Type: ...
    @property
    def is_command(self) -> bool: ...


def station_problem(points: Sequence[PointFields]) -> tuple[int, str, int | None, str] | None:
    """The first cross-point problem: (point index, field, other point index, message)."""
    index: dict[int, int] = {}
    for i, p in enumerate(points):
        j = index.setdefault(p.io_address, i)
        if j != i:
            return (i, "io_address", j, f"{p.io_address} is already used by points[{j}]")
    for i, p in enumerate(points):
        ioa = p.return_io_address
        if ioa is None:
            continue
        j = index.get(ioa)
        if j is None:
            return (i, "return_io_address", None, f"no point with io_address {ioa} in this station")
        target = points[j]
        if target.is_command:
            return (
                i,
                "return_io_address",
                j,
                f"point {ioa} is a command ({target.type.name}); return information goes to a monitoring point",
            )
        wanted = _return_types(p.type)
        if target.type not in wanted:
            return (
                i,
                "return_io_address",
                j,
                f"{p.type.name} returns its state on {_or_list([_type_name(w) for w in wanted])}; "
                f"point {ioa} is {target.type.name}",
            )
    return None


def check_allowed_clients(v: object) -> tuple[str, ...]:
    if v is None:
        return ()
    items = [v] if isinstance(v, str) else v
    if not isinstance(items, list | tuple):
        raise Invalid(f"expected a list of IP addresses, got {shown(v)}")
    clients = []
    for index, item in enumerate(items):
        try:
            clients.append(
                str(ipaddress.ip_address(item.strip() if isinstance(item, str) else item))
            )
        except ValueError:
            raise Invalid(f"{shown(item)} is not an IP address", index) from None
    return tuple(clients)


def check_faults(v: object) -> tuple[Fault, ...]:
    faults = tuple(parse_fault(f) if isinstance(f, str) else f for f in v)  # type: ignore[attr-defined]
    for i, fault in enumerate(faults):
        if not isinstance(fault, Fault):
            raise Invalid(f"{shown(fault)} is not a fault", i)
    return faults


def check_unknown_group(v: object) -> str:
    if not isinstance(v, str) or v.strip().lower() not in ("negative", "empty"):
        raise Invalid(f"{shown(v)} is not a reply; expected negative or empty")
    return v.strip().lower()
