"""The RTU profile: stations, points, link parameters and PIXIT answers of a simulated RTU.

A profile is a YAML file (``docs/profile.md``; ``demo_rtu.yaml`` beside this module is the demo).
It is validated on load, and every problem is a ``ProfileError`` that names the file, the line and
the field, so that a test engineer can fix a 2,000-point signal list without reading a traceback.
The same rules run when the dataclasses are built in Python (then as ``ValueError``).

>>> profile = demo_profile()
>>> station = profile.stations[0]
>>> station.common_address, station.point(500).return_io_address
(47, 100)
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import ipaddress
import math
import os
import re
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, TypeGuard, cast

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..protocol.asdu import untimed_type
from ..protocol.enums import (
    CommandMode,
    Double,
    EventState,
    OutputCircuits,
    Quality,
    StartEvents,
    Step,
    Type,
)
from ..protocol.errors import C104TestError
from ..protocol.link import LinkParameters
from ..protocol.station.faults import FAULTS, Fault, fault_from_mapping, parse_fault
from ..protocol.station.redundancy import RedundancySettings
from ..rules.quality import FLAGS as QUALITY_FLAGS
from .file_profile import FileProfile, check_negative_section_ack, load_files

__all__ = [
    "MAX_IO_ADDRESS",
    "FileProfile",
    "Pixit",
    "PointProfile",
    "Profile",
    "ProfileError",
    "StationProfile",
    "demo_profile",
    "load_profile",
    "parse_profile",
]

MAX_IO_ADDRESS = 0xFFFFFF
_MIN_ASDU_LENGTH = 21  # header 6 + IOA 3 + the largest fixed element (12 octets): one object fits
_MAX_ASDU_LENGTH = 249


class ProfileError(C104TestError):
    """A profile file is wrong; ``line`` is 1-based (0 when the file could not be read).

    >>> str(ProfileError("rtu.yaml", 14, "stations[0].points[3].type", "'X' is not a type"))
    "rtu.yaml:14: stations[0].points[3].type: 'X' is not a type"
    """

    def __init__(self, file: str, line: int, field: str, message: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")

    def __reduce__(self):  # keep pickling (multiprocessing, pytest-xdist) working
        return (type(self), (self.file, self.line, self.field, self.message))


class _Invalid(ValueError):
    """A value breaks a rule; the caller knows the file, line and field. ``index``: list item."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


# ---- what each point type carries ----------------------------------------------------------------

# The kind of value a point type carries. Commands carry the kind of their command state;
# "regulating" is the step command's LOWER/HIGHER.
_KIND: dict[Type, str] = {}
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
        _KIND[_t] = _kind
_COMMANDS = frozenset(t for types in _COMMAND_KINDS.values() for t in types)

# The monitoring kind that receives a command's return information.
_RETURN_KIND = {"regulating": "step"}

# Type without time tag (the codec's table); M_EP_TD/TE/TF_1 have none in IEC 104.
_PLAIN: dict[Type, Type | None] = {t: untimed_type(t) for t in _KIND}

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
_INTERROGATED_KINDS = frozenset(
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
_QUALITY_NAMES: dict[str, Quality] = {}
for _flag, _abbreviation in _QUALITY_ABBREVIATIONS.items():
    _QUALITY_NAMES[_abbreviation] = _flag
    _QUALITY_NAMES[str(_flag.name).upper()] = _flag
_QUALITY_ALL = Quality(sum(_QUALITY_ABBREVIATIONS))
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
    if t in _COMMANDS or t is Type.M_ME_ND_1:
        return Quality(0)
    return _QUALITY_OF_KIND[_KIND[t]]


def _flag_names(q: Quality) -> str:
    return ", ".join(name for flag, name in _QUALITY_ABBREVIATIONS.items() if flag in q)


# ---- rules shared by the loader and the dataclasses -----------------------------------------------


def _is_int(v: object) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: object) -> TypeGuard[int | float]:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _int_in(v: object, lo: int, hi: int) -> int:
    if not _is_int(v):
        raise _Invalid(f"expected an integer in {lo}..{hi}, got {v!r}")
    if not lo <= v <= hi:
        raise _Invalid(f"{v} is outside {lo}..{hi}")
    return int(v)


def _seconds(v: object) -> float:
    if not _is_number(v) or not math.isfinite(v) or v <= 0:
        raise _Invalid(f"expected a positive number of seconds, got {v!r}")
    return float(v)


def _flag(v: object) -> bool:
    if not isinstance(v, bool):
        raise _Invalid(f"expected true or false, got {v!r}")
    return v


def _text(v: object) -> str:
    if v is None:
        return ""
    if not isinstance(v, str):
        raise _Invalid(f"expected text, got {v!r}")
    return v


def _type_name(t: Type) -> str:
    return str(t.name)


def _check_io_address(v: object) -> int:
    return _int_in(v, 0, MAX_IO_ADDRESS)


def _check_type(v: object) -> Type:
    if isinstance(v, Type):
        t = v
    elif isinstance(v, bool) or not isinstance(v, int | str):
        raise _Invalid(f"{v!r} is not a type; expected e.g. M_SP_NA_1")
    else:
        try:
            t = cast(Type, Type.parse(v))
        except ValueError:
            names = [_type_name(t) for t in _KIND]
            close = difflib.get_close_matches(str(v).upper(), names, n=1, cutoff=0.85)
            hint = f"did you mean {close[0]}?" if close else "expected e.g. M_SP_NA_1"
            raise _Invalid(f"{v!r} is not a type; {hint}") from None
    if t in _CP24:
        raise _Invalid(
            f"{t.name} has a CP24Time2a time tag, which IEC 104 does not use; use {_CP24[t].name}"
        )
    if t not in _KIND:
        raise _Invalid(
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
        raise _Invalid(f"{v!r} is not {what}; expected {names}")
    return member


def _check_flags(v: object, flags_cls: Any) -> Any:
    names = {str(m.name).upper(): m for m in flags_cls}
    everything = flags_cls(sum(m.value for m in flags_cls))
    if isinstance(v, flags_cls):
        return v
    if _is_int(v):
        if v & ~everything.value:
            raise _Invalid(f"{v} has bits outside {int(everything)} ({flags_cls.__name__})")
        return flags_cls(v)
    items = [v] if isinstance(v, str) else v
    if not isinstance(items, list | tuple):
        raise _Invalid(f"expected a list of {flags_cls.__name__} names, got {v!r}")
    result = flags_cls(0)
    for index, item in enumerate(items):
        member = names.get(item.strip().upper()) if isinstance(item, str) else None
        if member is None:
            expected = ", ".join(str(m.name) for m in flags_cls)
            raise _Invalid(
                f"{item!r} is not a {flags_cls.__name__} flag; expected {expected}", index
            )
        result |= member
    return result


def _check_value(t: Type, v: object) -> object:
    """The value in its canonical Python form: bool, Double, Step, int, float or a flag set."""
    kind = _KIND[t]
    if v is None:
        return _DEFAULTS[kind]
    if kind == "single":
        if isinstance(v, str) and v.strip().upper() in ("ON", "OFF", "TRUE", "FALSE"):
            return v.strip().upper() in ("ON", "TRUE")
        if not isinstance(v, bool):
            raise _Invalid(f"expected true or false for {t.name}, got {v!r}")
        return v
    if kind == "double":
        if t in _COMMANDS:
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
            raise _Invalid(f"expected a number for {t.name}, got {v!r}")
        number = float(v)
        if kind == "normalized" and not -1.0 <= number <= 1.0:
            raise _Invalid(f"{v} is outside -1..1 (a normalized value)")
        if kind == "short":
            try:
                struct.pack("<f", number)
            except OverflowError:
                raise _Invalid(f"{v} does not fit a 32-bit float") from None
        return number
    lo, hi = {
        "step": (-64, 63),
        "bitstring": (0, 0xFFFFFFFF),
        "scaled": (-32768, 32767),
        "counter": (-(2**31), 2**31 - 1),
        "packed": (0, 0xFFFF),
    }[kind]
    return _int_in(v, lo, hi)


def _check_quality(t: Type, v: object) -> Quality:
    if v is None:
        return Quality(0)
    if isinstance(v, Quality):
        q = v
    elif _is_int(v):
        if v & ~_QUALITY_ALL.value:
            raise _Invalid(f"{v} has bits that are no quality flag ({_flag_names(_QUALITY_ALL)})")
        q = Quality(v)
    else:
        items = [s for s in re.split(r"[\s,|]+", v) if s] if isinstance(v, str) else v
        if not isinstance(items, list | tuple | set | frozenset):
            raise _Invalid(f"expected a list of quality flags like [IV, NT], got {v!r}")
        q = Quality(0)
        for index, item in enumerate(items):
            key = item.strip().upper().replace("_", "") if isinstance(item, str) else None
            if key and key.startswith("QUALITY."):
                key = key[len("QUALITY.") :]
            flag = _QUALITY_NAMES.get(key) if key else None
            if flag is None:
                raise _Invalid(
                    f"{item!r} is not a quality flag; expected IV, NT, SB, BL, OV or EI", index
                )
            q |= flag
    mask = _quality_mask(t)
    extra = q & ~mask
    if extra:
        if not mask:
            what = "a command" if t in _COMMANDS else t.name
            raise _Invalid(f"{what} carries no quality")
        raise _Invalid(
            f"{_flag_names(extra)} is not a quality flag of {t.name}; it carries {_flag_names(mask)}"
        )
    return q


def _check_groups(t: Type, v: object) -> frozenset[int]:
    if v is None:
        return frozenset()
    items = [v] if _is_int(v) else v
    if not isinstance(items, list | tuple | set | frozenset):
        raise _Invalid(f"expected a list of interrogation groups 1..16, got {v!r}")
    groups = set()
    for index, item in enumerate(items):
        try:
            groups.add(_int_in(item, 1, 16))
        except _Invalid as exc:
            raise _Invalid(f"interrogation group: {exc}", index) from None
    if groups and (t in _COMMANDS or _KIND[t] not in _INTERROGATED_KINDS):
        if t in _COMMANDS:
            raise _Invalid("commands belong to no interrogation group")
        if _KIND[t] == "counter":
            raise _Invalid(
                "integrated totals answer counter interrogation, not station or group "
                "interrogation; use counter_group (1-4)"
            )
        raise _Invalid(f"{t.name} is only sent spontaneously; it belongs to no interrogation group")
    return frozenset(groups)


def _check_counter_group(t: Type, v: object) -> int | None:
    if v is None:
        return None
    if _KIND[t] != "counter" or t in _COMMANDS:
        raise _Invalid("counter_group is for integrated totals (M_IT_NA_1, M_IT_TB_1)")
    return _int_in(v, 1, 4)


def _check_cycle(t: Type, v: object) -> float | None:
    if v is None:
        return None
    if t not in _CYCLIC_TYPES:
        names = ", ".join(_type_name(c) for c in _CYCLIC_TYPES)
        raise _Invalid(
            f"periodic data (COT 1) is for measured values without time tag ({names}), not {t.name}"
        )
    return _seconds(v)


def _check_change_every(t: Type, v: object) -> float | None:
    if v is None:
        return None
    if t in _COMMANDS:
        raise _Invalid(
            "commands do not change by themselves; give change_every to a monitoring point"
        )
    return _seconds(v)


_MODES = {
    "DIRECT": CommandMode.DIRECT,
    "DIRECT_EXECUTE": CommandMode.DIRECT,
    "SELECT": CommandMode.SELECT_AND_EXECUTE,
    "SBO": CommandMode.SELECT_AND_EXECUTE,
    "SELECT_BEFORE_OPERATE": CommandMode.SELECT_AND_EXECUTE,
    "SELECT_AND_EXECUTE": CommandMode.SELECT_AND_EXECUTE,
}


def _check_command_mode(t: Type, v: object) -> CommandMode:
    if v is None:
        mode = CommandMode.DIRECT
    elif isinstance(v, CommandMode):
        mode = v
    else:
        key = re.sub(r"[\s-]+", "_", v.strip().upper()) if isinstance(v, str) else ""
        key = key.removeprefix("COMMANDMODE.")
        if key not in _MODES:
            raise _Invalid(f"{v!r} is not a command mode; expected direct or select")
        mode = _MODES[key]
    if mode is not CommandMode.DIRECT and t not in _COMMANDS:
        raise _Invalid("command_mode is only for commands (types 45-64)")
    return mode


def _check_return_io_address(t: Type, v: object) -> int | None:
    if v is None:
        return None
    if t not in _COMMANDS:
        raise _Invalid("return_io_address is only for commands (types 45-64)")
    return _int_in(v, 0, MAX_IO_ADDRESS)


def _return_types(t: Type) -> tuple[Type, ...]:
    kind = _RETURN_KIND.get(_KIND[t], _KIND[t])
    return _MONITORING_KINDS[kind]


def _or_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _station_problem(points: tuple[PointProfile, ...]) -> tuple[int, str, int | None, str] | None:
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


def _check_allowed_clients(v: object) -> tuple[str, ...]:
    if v is None:
        return ()
    items = [v] if isinstance(v, str) else v
    if not isinstance(items, list | tuple):
        raise _Invalid(f"expected a list of IP addresses, got {v!r}")
    clients = []
    for index, item in enumerate(items):
        try:
            clients.append(
                str(ipaddress.ip_address(item.strip() if isinstance(item, str) else item))
            )
        except ValueError:
            raise _Invalid(f"{item!r} is not an IP address", index) from None
    return tuple(clients)


def _check_faults(v: object) -> tuple[Fault, ...]:
    faults = tuple(parse_fault(f) if isinstance(f, str) else f for f in v)  # type: ignore[attr-defined]
    for i, fault in enumerate(faults):
        if not isinstance(fault, Fault):
            raise _Invalid(f"{fault!r} is not a fault", i)
    return faults


def _check_unknown_group(v: object) -> str:
    if not isinstance(v, str) or v.strip().lower() not in ("negative", "empty"):
        raise _Invalid(f"{v!r} is not a reply; expected negative or empty")
    return v.strip().lower()


# ---- the profile -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PointProfile:
    """One information object of a simulated station: a monitoring point or a command.

    ``value=None`` means the type's default (False, Double.OFF, 0, 0.0, Step.LOWER for C_RC).
    Values are canonical: bool (single points and commands), ``Double`` (double points and
    commands), ``Step`` (C_RC), int (step -64..63, bitstring, scaled, counter, M_PS_NA_1 status
    bits), float (normalized -1..1, short float), ``EventState``/``StartEvents``/``OutputCircuits``
    (M_EP_TD/TE/TF_1). ``quality`` holds only the flags the type carries (IV alone for counters).
    """

    io_address: int
    type: Type
    value: object = None
    quality: Quality = Quality(0)
    groups: frozenset[int] = frozenset()
    counter_group: int | None = None
    cycle: float | None = None
    change_every: float | None = None
    command_mode: CommandMode = CommandMode.DIRECT
    return_io_address: int | None = None
    description: str = ""

    def __post_init__(self) -> None:
        name = "io_address"
        try:
            object.__setattr__(self, name, _check_io_address(self.io_address))
            name = "type"
            t = _check_type(self.type)
            object.__setattr__(self, name, t)
            checks: tuple[tuple[str, Callable[[Type, object], object]], ...] = (
                ("value", _check_value),
                ("quality", _check_quality),
                ("groups", _check_groups),
                ("counter_group", _check_counter_group),
                ("cycle", _check_cycle),
                ("change_every", _check_change_every),
                ("command_mode", _check_command_mode),
                ("return_io_address", _check_return_io_address),
            )
            for name, check in checks:
                object.__setattr__(self, name, check(t, getattr(self, name)))
            name = "description"
            object.__setattr__(self, name, _text(self.description))
        except _Invalid as exc:
            raise ValueError(f"point {self.io_address}: {name}: {exc}") from None

    @property
    def is_command(self) -> bool:
        """A command (45-64) that the simulator accepts; otherwise a monitoring point."""
        return self.type in _COMMANDS

    @property
    def has_time_tag(self) -> bool:
        """The type carries a CP56Time2a time tag (30-40, 58-64)."""
        return self.type is not _PLAIN[self.type]

    @property
    def plain_type(self) -> Type | None:
        """The type without time tag (M_SP_TB_1 -> M_SP_NA_1); None for M_EP_TD/TE/TF_1."""
        return _PLAIN[self.type]

    @property
    def answers_interrogation(self) -> bool:
        """Station interrogation reports it: every monitoring point but counters and M_EP_*."""
        return self.type not in _COMMANDS and _KIND[self.type] in _INTERROGATED_KINDS

    @property
    def is_counter(self) -> bool:
        """Integrated totals: counter interrogation (general, or counter_group) reports it."""
        return _KIND[self.type] == "counter"

    @property
    def select_before_operate(self) -> bool:
        """The command must be selected (S/E=1) before it is executed."""
        return self.command_mode is CommandMode.SELECT_AND_EXECUTE


@dataclass(frozen=True, slots=True)
class StationProfile:
    """One common address with its points and files; IOAs are unique and return IOAs resolve."""

    common_address: int
    points: tuple[PointProfile, ...] = ()
    files: tuple[FileProfile, ...] = ()
    _by_address: dict[int, PointProfile] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "common_address", _int_in(self.common_address, 1, 65534))
        except _Invalid as exc:
            raise ValueError(f"common_address: {exc}") from None
        object.__setattr__(self, "points", tuple(self.points))
        problem = _station_problem(self.points)
        if problem is not None:
            i, name, _, message = problem
            raise ValueError(f"station {self.common_address}: points[{i}].{name}: {message}")
        object.__setattr__(self, "_by_address", {p.io_address: p for p in self.points})
        object.__setattr__(self, "files", tuple(self.files))
        used = set(self._by_address)
        for i, f in enumerate(self.files):
            if f.io_address in used:
                raise ValueError(f"station {self.common_address}: files[{i}].io_address: {f.io_address} is already used")
            used.add(f.io_address)

    def point(self, io_address: int) -> PointProfile | None:
        """The point at this IOA, or None."""
        return self._by_address.get(io_address)


@dataclass(frozen=True, slots=True)
class Pixit:
    """Behaviour where real RTUs differ (the PIXIT); the defaults follow the standard.

    - ``select_timeout``: seconds a select (S/E=1) waits for its execute before it lapses.
    - ``act_term``: send ACT_TERM (COT 10) after a command's return information.
    - ``unknown_group``: reply to an interrogation of a group with no points: "negative"
      (ACT_CON with P/N=1) or "empty" (ACT_CON, then ACT_TERM with no data).
    - ``end_of_initialisation``: send M_EI_NA_1 (COT 4) per common address after start.
    - ``max_asdu_length``: octets per ASDU the simulator fills (21..249).
    - ``time_tagged_spontaneous``: points of a time-tagged type (30-37) report spontaneous changes
      and return information in their own type with time; False: in the type without time tag.
    - ``interrogation_types_without_time``: interrogation answers time-tagged points in the type
      without time tag (the standard); False: in their own type (a non-conformant RTU).
    - ``answer_read_with_actcon``: precede the answer to C_RD_NA_1 with an ACT_CON (as c104
      does; not the standard).
    - ``negative_section_ack``: on a negative section ack (AFQ 4) during a file transfer,
      "repeat" the section (F_SR_NA_1 again) or "abort" the transfer (F_LS_NA_1 LSQ 2).
    - ``time_invalid_before_sync``: time tags carry IV=1 until the first clock synchronisation.
    - ``command_max_delay``: seconds a time-tagged command (58-64) may be old; older ones are
      refused (negative ACT_CON) and not executed; 0: not checked.
    """

    select_timeout: float = 10.0
    act_term: bool = True
    unknown_group: str = "negative"
    end_of_initialisation: bool = True
    max_asdu_length: int = 249
    time_tagged_spontaneous: bool = True
    interrogation_types_without_time: bool = True
    answer_read_with_actcon: bool = False
    negative_section_ack: str = "repeat"
    time_invalid_before_sync: bool = False
    command_max_delay: float = 0.0

    def __post_init__(self) -> None:
        for name, check in _PIXIT_CHECKS.items():
            try:
                object.__setattr__(self, name, check(getattr(self, name)))
            except _Invalid as exc:
                raise ValueError(f"pixit.{name}: {exc}") from None


_PIXIT_CHECKS: dict[str, Callable[[object], object]] = {
    "select_timeout": _seconds,
    "act_term": _flag,
    "unknown_group": _check_unknown_group,
    "end_of_initialisation": _flag,
    "max_asdu_length": lambda v: _int_in(v, _MIN_ASDU_LENGTH, _MAX_ASDU_LENGTH),
    "time_tagged_spontaneous": _flag,
    "interrogation_types_without_time": _flag,
    "answer_read_with_actcon": _flag,
    "negative_section_ack": lambda v: _checked(check_negative_section_ack, v),
    "time_invalid_before_sync": _flag,
    "command_max_delay": lambda v: 0.0 if v == 0 else _seconds(v),
}


def _checked(check: Callable[[object], object], v: object) -> object:
    try:
        return check(v)
    except ValueError as exc:
        raise _Invalid(str(exc)) from None


@dataclass(frozen=True, slots=True)
class Profile:
    """A simulated RTU: its stations, link parameters, PIXIT and who may connect."""

    stations: tuple[StationProfile, ...]
    link: LinkParameters = LinkParameters()
    pixit: Pixit = Pixit()
    max_connections: int = 10
    allowed_clients: tuple[str, ...] = ()
    name: str = ""
    redundancy: RedundancySettings = RedundancySettings()
    faults: tuple[Fault, ...] = ()
    _by_address: dict[int, StationProfile] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        stations = tuple(self.stations)
        object.__setattr__(self, "stations", stations)
        if not stations:
            raise ValueError("stations: a profile needs at least one station")
        by_address: dict[int, StationProfile] = {}
        for i, station in enumerate(stations):
            if by_address.setdefault(station.common_address, station) is not station:
                raise ValueError(
                    f"stations[{i}].common_address: {station.common_address} is already used"
                )
        object.__setattr__(self, "_by_address", by_address)
        for name, check in (
            ("max_connections", lambda v: _int_in(v, 1, 65535)),
            ("allowed_clients", _check_allowed_clients),
            ("name", _text),
            ("faults", _check_faults),
        ):
            try:
                object.__setattr__(self, name, check(getattr(self, name)))
            except _Invalid as exc:
                raise ValueError(f"{name}: {exc}") from None

    def station(self, common_address: int) -> StationProfile | None:
        """The station with this common address, or None."""
        return self._by_address.get(common_address)


# ---- loading ------------------------------------------------------------------------------------

_PROFILE_KEYS = (
    "name", "max_connections", "allowed_clients", "link", "pixit", "redundancy", "faults", "stations",
)
_REDUNDANCY_KEYS = ("group_size", "buffer_size", "overflow")
_STATION_KEYS = ("common_address", "points", "files")
_POINT_KEYS = (
    "io_address",
    "type",
    "value",
    "quality",
    "groups",
    "counter_group",
    "cycle",
    "change_every",
    "command_mode",
    "return_io_address",
    "description",
)
_LINK_KEYS = ("k", "w", "t0", "t1", "t2", "t3")
# What a fault mapping may say: its name, the scope, and every fault's own parameters.
_FAULT_KEYS = dict.fromkeys(
    ["fault", "type", "ca", "ioa", "nth", "common_address", "io_address", "occurrence"]
    + [f.name for cls in FAULTS.values() for f in dataclasses.fields(cls) if f.name != "scope"]
)
_POINT_CHECKS: dict[str, Callable[[Type, object], object]] = {
    "value": _check_value,
    "quality": _check_quality,
    "groups": _check_groups,
    "counter_group": _check_counter_group,
    "cycle": _check_cycle,
    "change_every": _check_change_every,
    "command_mode": _check_command_mode,
    "return_io_address": _check_return_io_address,
    "description": lambda t, v: _text(v),
}
_BOOL_WORDS_AS_TEXT = ("double", "regulating", "event")  # ON/OFF are YAML 1.1 booleans


_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_INT_TAG = "tag:yaml.org,2002:int"
_DECIMAL_TEXT = re.compile(r"[-+]?[0-9]+")  # 010 is ten, as in YAML 1.2
_FLOAT_TEXT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)[eE][-+]?[0-9]+")


_FAST_LOADER = getattr(yaml, "CSafeLoader", None)  # libyaml: 10,000 points in 0.5 s, not 3 s


def _compose(text: str) -> Node | None:
    """The node tree; errors always come from the pure-Python loader, which words them well."""
    if _FAST_LOADER is not None:
        try:
            return yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class _Loader:
    """Walks the YAML node tree, so every error can name its line."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.yaml = yaml.SafeLoader("")

    def error(self, node: Node, path: str, message: str) -> ProfileError:
        return ProfileError(self.filename, _line(node), path, message)

    def invalid(self, node: Node, path: str, exc: _Invalid) -> ProfileError:
        """Point at the list item that is wrong when the rule says which."""
        if exc.index is not None and isinstance(node, SequenceNode) and exc.index < len(node.value):
            return self.error(node.value[exc.index], _join(path, exc.index), str(exc))
        return self.error(node, path, str(exc))

    def value(self, node: Node, path: str) -> Any:
        """A scalar, or a list of scalars, as YAML reads it."""
        self.plain(node, path)
        if isinstance(node, SequenceNode):
            return [self.value(item, _join(path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            raise self.error(node, path, "expected a value or a list, got a mapping")
        tag, text = node.tag, node.value
        if (tag == _INT_TAG or (tag == _STR_TAG and not node.style)) and _DECIMAL_TEXT.fullmatch(
            text
        ):
            return int(text)  # decimal even with leading zeros; PyYAML would read 010 as 8
        if tag == _STR_TAG and not node.style and _FLOAT_TEXT.fullmatch(text):
            return float(text)  # 1e3 and 2.5e-3: YAML 1.1 reads them as text
        try:
            return self.yaml.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            raise self.error(node, path, f"cannot read the value: {problem}") from None

    def plain(self, node: Node, path: str) -> None:
        """Refuse tagged lists and mappings (!!python/object/apply: [...]); scalars check later."""
        if isinstance(node, SequenceNode | MappingNode) and node.tag not in (_SEQ_TAG, _MAP_TAG):
            raise self.error(node, path, f"cannot read the value: tag {node.tag!r} is not allowed")

    def mapping(
        self, node: Node, path: str, keys: tuple[str, ...], what: str
    ) -> dict[str, tuple[Node, Node]]:
        """Key -> (key node, value node); rejects unknown and duplicate keys."""
        self.plain(node, path)
        if not isinstance(node, MappingNode):
            got = "a list" if isinstance(node, SequenceNode) else repr(self.value(node, path))
            raise self.error(node, path, f"expected a mapping of {what}, got {got}")
        written = {id(key_node) for key_node, _ in node.value if key_node.tag != _MERGE_TAG}
        try:
            self.yaml.flatten_mapping(node)  # merge keys: <<: *defaults, merged entries first
        except yaml.YAMLError as exc:
            raise self.error(node, path, f"cannot merge: {getattr(exc, 'problem', exc)}") from None
        entries: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise self.error(key_node, path, "a key must be a plain name")
            key = key_node.value
            where = _join(path, key)
            if key in entries:
                if id(key_node) not in written:
                    continue  # a later merge does not override
                if id(entries[key][0]) in written:
                    first = _line(entries[key][0])
                    raise self.error(key_node, where, f"duplicate key (first on line {first})")
                del entries[key]  # written in the mapping itself: overrides the merged value
            if key not in keys and not (path == "" and key.startswith("x-")):
                close = difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
                hint = (
                    f"did you mean {close[0]!r}?"
                    if close
                    else f"expected one of: {', '.join(keys)}"
                )
                raise self.error(key_node, where, f"unknown key; {hint}")
            entries[key] = (key_node, value_node)
        return {key: entry for key, entry in entries.items() if key in keys}

    def sequence(self, node: Node, path: str, what: str) -> list[Node]:
        if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return []
        self.plain(node, path)
        if not isinstance(node, SequenceNode):
            got = "a mapping" if isinstance(node, MappingNode) else repr(self.value(node, path))
            raise self.error(node, path, f"expected a list of {what}, got {got}")
        return list(node.value)

    def check(self, node: Node, path: str, rule: Callable[[Any], Any], raw: Any = None) -> Any:
        value = self.value(node, path) if raw is None else raw
        try:
            return rule(value)
        except _Invalid as exc:
            raise self.invalid(node, path, exc) from None

    # ---- the document ----

    def profile(self, text: str) -> Profile:
        try:
            root = _compose(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            where = f" (column {mark.column + 1})" if mark else ""
            context = f" ({exc.context})" if exc.context else ""
            raise ProfileError(
                self.filename, line, "", f"invalid YAML{context}: {exc.problem}{where}"
            ) from None
        except yaml.YAMLError as exc:  # ReaderError: a character YAML does not allow
            position = getattr(exc, "position", 0)
            line = text.count("\n", 0, position) + 1
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ProfileError(self.filename, line, "", f"invalid YAML: {first}") from None
        if root is None:
            raise ProfileError(
                self.filename, 1, "", "the profile is empty; it needs at least 'stations'"
            )
        top = self.mapping(root, "", _PROFILE_KEYS, "profile settings")
        if "stations" not in top:
            raise self.error(root, "stations", "missing; a profile needs at least one station")
        kwargs: dict[str, Any] = {}
        if "name" in top:
            kwargs["name"] = self.check(top["name"][1], "name", _text)
        if "max_connections" in top:
            kwargs["max_connections"] = self.check(
                top["max_connections"][1], "max_connections", lambda v: _int_in(v, 1, 65535)
            )
        if "allowed_clients" in top:
            kwargs["allowed_clients"] = self.check(
                top["allowed_clients"][1], "allowed_clients", _check_allowed_clients
            )
        if "link" in top:
            kwargs["link"] = self.link(top["link"][1])
        if "pixit" in top:
            kwargs["pixit"] = self.pixit(top["pixit"][1])
        if "redundancy" in top:
            kwargs["redundancy"] = self.redundancy(top["redundancy"][1])
        if "faults" in top:
            kwargs["faults"] = self.faults(top["faults"][1])
        kwargs["stations"] = self.stations(top["stations"][1])
        return Profile(**kwargs)

    def link(self, node: Node) -> LinkParameters:
        if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return LinkParameters()
        entries = self.mapping(node, "link", _LINK_KEYS, "link parameters (k, w, t0-t3)")
        kwargs: dict[str, Any] = {}
        for key, (_, value_node) in entries.items():
            value = self.value(value_node, _join("link", key))
            kwargs[key] = float(value) if key.startswith("t") and _is_int(value) else value
        try:
            return LinkParameters(**kwargs)
        except ValueError as exc:
            # LinkParameters names the parameter first ("t2 (20 s) must be less than t1 ..."):
            # point at the first parameter it mentions that the file sets.
            named = re.findall(r"\b(k|w|t[0-3])\b", str(exc))
            given = [n for n in named if n in entries]
            name = (given or named or [""])[0]
            where = entries[name][1] if name in entries else node
            raise self.error(where, _join("link", name) if name else "link", str(exc)) from None

    def pixit(self, node: Node) -> Pixit:
        if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return Pixit()
        keys = tuple(_PIXIT_CHECKS)
        entries = self.mapping(node, "pixit", keys, "PIXIT answers")
        kwargs = {
            key: self.check(value_node, _join("pixit", key), _PIXIT_CHECKS[key])
            for key, (_, value_node) in entries.items()
        }
        return Pixit(**kwargs)

    def redundancy(self, node: Node) -> RedundancySettings:
        if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return RedundancySettings()
        entries = self.mapping(
            node, "redundancy", _REDUNDANCY_KEYS, "redundancy settings (group_size, buffer_size, overflow)"
        )
        kwargs: dict[str, Any] = {}
        for key, (_, value_node) in entries.items():
            where = _join("redundancy", key)
            value = self.value(value_node, where)
            try:
                RedundancySettings(**{key: value})
            except (TypeError, ValueError) as exc:
                raise self.error(value_node, where, str(exc)) from None
            kwargs[key] = value
        return RedundancySettings(**kwargs)

    def faults(self, node: Node) -> tuple[Fault, ...]:
        """A list of faults: text (``no_termination type=C_SC_NA_1``) or mappings."""
        faults: list[Fault] = []
        for i, item in enumerate(self.sequence(node, "faults", "faults")):
            where = _join("faults", i)
            try:
                if isinstance(item, MappingNode):
                    entries = self.mapping(item, where, tuple(_FAULT_KEYS), "fault settings")
                    fields = {k: self.value(v, _join(where, k)) for k, (_, v) in entries.items()}
                    faults.append(fault_from_mapping(fields))
                else:
                    faults.append(parse_fault(str(self.value(item, where))))
            except ValueError as exc:
                raise self.error(item, where, str(exc)) from None
        return tuple(faults)

    def stations(self, node: Node) -> tuple[StationProfile, ...]:
        items = self.sequence(node, "stations", "stations")
        if not items:
            raise self.error(node, "stations", "a profile needs at least one station")
        stations: list[StationProfile] = []
        ca_nodes: dict[int, Node] = {}
        for i, item in enumerate(items):
            path = _join("stations", i)
            station, ca_node = self.station(item, path)
            first = ca_nodes.setdefault(station.common_address, ca_node)
            if first is not ca_node:
                j = list(ca_nodes).index(station.common_address)
                raise self.error(
                    ca_node,
                    _join(path, "common_address"),
                    f"{station.common_address} is already used by stations[{j}] (line {_line(first)})",
                )
            stations.append(station)
        return tuple(stations)

    def station(self, node: Node, path: str) -> tuple[StationProfile, Node]:
        entries = self.mapping(
            node, path, _STATION_KEYS, "station settings (common_address, points, files)"
        )
        if "common_address" not in entries:
            raise self.error(
                node, _join(path, "common_address"), "missing; every station needs one"
            )
        ca_node = entries["common_address"][1]
        ca = self.check(ca_node, _join(path, "common_address"), lambda v: _int_in(v, 1, 65534))
        point_nodes: list[Node] = []
        if "points" in entries:
            point_nodes = self.sequence(entries["points"][1], _join(path, "points"), "points")
        points: list[PointProfile] = []
        point_entries: list[dict[str, tuple[Node, Node]]] = []
        for i, point_node in enumerate(point_nodes):
            point_path = _join(_join(path, "points"), i)
            entries_i = self.mapping(point_node, point_path, _POINT_KEYS, "point settings")
            point_entries.append(entries_i)
            points.append(self.point(point_node, point_path, entries_i))
        problem = _station_problem(tuple(points))
        if problem is not None:
            i, name, j, message = problem
            point_path = _join(_join(path, "points"), i)
            if name == "io_address" and j is not None:
                other = point_entries[j]["io_address"][1]
                message = (
                    f"{points[i].io_address} is already used by "
                    f"{_join(_join(path, 'points'), j)} (line {_line(other)})"
                )
            raise self.error(point_entries[i][name][1], _join(point_path, name), message)
        files: tuple[FileProfile, ...] = ()
        if "files" in entries:
            addresses = {p.io_address for p in points}
            files = load_files(self, entries["files"][1], _join(path, "files"), addresses.__contains__)
        return StationProfile(ca, tuple(points), files), ca_node

    def point(self, node: Node, path: str, entries: dict[str, tuple[Node, Node]]) -> PointProfile:
        for key in ("io_address", "type"):
            if key not in entries:
                raise self.error(
                    node, _join(path, key), "missing; every point needs io_address and type"
                )
        io_address = self.check(
            entries["io_address"][1], _join(path, "io_address"), _check_io_address
        )
        t: Type = self.check(entries["type"][1], _join(path, "type"), _check_type)
        kwargs: dict[str, Any] = {"io_address": io_address, "type": t}
        command = t in _COMMANDS
        for key, (_, value_node) in entries.items():
            if key in kwargs:
                continue
            where = _join(path, key)
            if key in ("command_mode", "return_io_address") and not command:
                raise self.error(value_node, where, f"{key} is only for commands (types 45-64)")
            raw = None
            if (
                key == "value"
                and _KIND[t] in _BOOL_WORDS_AS_TEXT
                and isinstance(value_node, ScalarNode)
                and value_node.tag == "tag:yaml.org,2002:bool"
                and not value_node.style
            ):
                raw = value_node.value  # the word as written: ON, OFF
            check = _POINT_CHECKS[key]
            kwargs[key] = self.check(value_node, where, functools.partial(check, t), raw)
        try:
            return PointProfile(**kwargs)
        except ValueError as exc:  # a rule the per-field checks missed
            raise self.error(node, path, str(exc)) from None


def parse_profile(text: str, filename: str = "<profile>") -> Profile:
    """A profile from YAML text; ``filename`` is what errors name."""
    return _Loader(filename).profile(text)


def load_profile(path: str | os.PathLike[str]) -> Profile:
    """A profile from a YAML file (UTF-8); ProfileError names the file, line and field."""
    filename = os.fspath(path)
    try:
        with open(filename, encoding="utf-8-sig") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ProfileError(filename, 0, "", f"cannot read the profile: {reason}") from None
    return parse_profile(text, filename)


@functools.lru_cache(maxsize=1)
def demo_profile() -> Profile:
    """The demo RTU (``demo_rtu.yaml``): what ``c104test simulate`` runs without a profile."""
    resource = resources.files("c104test.engine").joinpath("demo_rtu.yaml")
    return parse_profile(resource.read_text(encoding="utf-8"), "demo_rtu.yaml")
