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
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..protocol.enums import (
    BinaryCounterQuality,
    CommandMode,
    Quality,
    Type,
)
from ..protocol.errors import C104TestError
from ..protocol.link import LinkParameters
from ..protocol.station.faults import FAULTS, Fault, fault_from_mapping, parse_fault
from ..protocol.station.redundancy import RedundancySettings
from .file_profile import FileProfile, check_negative_section_ack, load_files
from .profile_rules import (
    COMMANDS,
    INTERROGATED_KINDS,
    KIND,
    MAX_IO_ADDRESS,
    PLAIN,
    Invalid,
    check_allowed_clients,
    check_change_every,
    check_command_mode,
    check_counter_group,
    check_cycle,
    check_faults,
    check_flag,
    check_groups,
    check_interrogation,
    check_io_address,
    check_quality,
    check_return_io_address,
    check_seconds,
    check_text,
    check_type,
    check_unknown_group,
    check_value,
    int_in,
    is_int,
    shown,
    station_problem,
)

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


# ---- the profile -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PointProfile:
    """One information object of a simulated station: a monitoring point or a command.

    ``value=None`` means the type's default (False, Double.OFF, 0, 0.0, Step.LOWER for C_RC).
    Values are canonical: bool (single points and commands), ``Double`` (double points and
    commands), ``Step`` (C_RC), int (step -64..63, bitstring, scaled, counter, M_PS_NA_1 status
    bits; a step position with its transient bit is a ``VTI``, a counter with its sequence number a ``BCR``,
    written ``5 transient`` and ``1234 seq 3``), float (normalized -1..1, short float), ``EventState``/``StartEvents``/``OutputCircuits``
    (M_EP_TD/TE/TF_1). ``quality`` holds only the flags the type carries (a counter's: IV, CA and CY of its BCR).
    """

    io_address: int
    type: Type
    value: object = None
    quality: Quality | BinaryCounterQuality = Quality(0)
    groups: frozenset[int] = frozenset()
    counter_group: int | None = None
    cycle: float | None = None
    change_every: float | None = None
    command_mode: CommandMode = CommandMode.DIRECT
    return_io_address: int | None = None
    description: str = ""
    #: False: the point is in no interrogation answer, reported only as events (spontaneous,
    #: return information), as the standard lets a device do
    interrogation: bool = True

    def __post_init__(self) -> None:
        name = "io_address"
        try:
            object.__setattr__(self, name, check_io_address(self.io_address))
            name = "type"
            t = check_type(self.type)
            object.__setattr__(self, name, t)
            checks: tuple[tuple[str, Callable[[Type, object], object]], ...] = (
                ("value", check_value),
                ("quality", check_quality),
                ("groups", check_groups),
                ("counter_group", check_counter_group),
                ("cycle", check_cycle),
                ("change_every", check_change_every),
                ("command_mode", check_command_mode),
                ("return_io_address", check_return_io_address),
                ("interrogation", check_interrogation),
            )
            for name, check in checks:
                object.__setattr__(self, name, check(t, getattr(self, name)))
            name = "description"
            object.__setattr__(self, name, check_text(self.description))
        except Invalid as exc:
            raise ValueError(f"point {self.io_address}: {name}: {exc}") from None

    @property
    def is_command(self) -> bool:
        """A command (45-64) that the simulator accepts; otherwise a monitoring point."""
        return self.type in COMMANDS

    @property
    def has_time_tag(self) -> bool:
        """The type carries a CP56Time2a time tag (30-40, 58-64)."""
        return self.type is not PLAIN[self.type]

    @property
    def plain_type(self) -> Type | None:
        """The type without time tag (M_SP_TB_1 -> M_SP_NA_1); None for M_EP_TD/TE/TF_1."""
        return PLAIN[self.type]

    @property
    def answers_interrogation(self) -> bool:
        """Station interrogation reports it: every monitoring point but counters, M_EP_* and
        those the profile leaves out (``interrogation: false``)."""
        return self.interrogation and self.type not in COMMANDS and KIND[self.type] in INTERROGATED_KINDS

    @property
    def is_counter(self) -> bool:
        """Integrated totals: counter interrogation (general, or counter_group) reports it."""
        return KIND[self.type] == "counter"

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
            object.__setattr__(self, "common_address", int_in(self.common_address, 1, 65534))
        except Invalid as exc:
            raise ValueError(f"common_address: {exc}") from None
        object.__setattr__(self, "points", tuple(self.points))
        problem = station_problem(self.points)
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
            except Invalid as exc:
                raise ValueError(f"pixit.{name}: {exc}") from None


_PIXIT_CHECKS: dict[str, Callable[[object], object]] = {
    "select_timeout": check_seconds,
    "act_term": check_flag,
    "unknown_group": check_unknown_group,
    "end_of_initialisation": check_flag,
    "max_asdu_length": lambda v: int_in(v, _MIN_ASDU_LENGTH, _MAX_ASDU_LENGTH),
    "time_tagged_spontaneous": check_flag,
    "interrogation_types_without_time": check_flag,
    "answer_read_with_actcon": check_flag,
    "negative_section_ack": lambda v: _checked(check_negative_section_ack, v),
    "time_invalid_before_sync": check_flag,
    "command_max_delay": lambda v: 0.0 if v == 0 else check_seconds(v),
}


def _checked(check: Callable[[object], object], v: object) -> object:
    try:
        return check(v)
    except ValueError as exc:
        raise Invalid(str(exc)) from None


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
            ("max_connections", lambda v: int_in(v, 1, 65535)),
            ("allowed_clients", check_allowed_clients),
            ("name", check_text),
            ("faults", check_faults),
        ):
            try:
                object.__setattr__(self, name, check(getattr(self, name)))
            except Invalid as exc:
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
    "interrogation",
)
_LINK_KEYS = ("k", "w", "t0", "t1", "t2", "t3")
# What a fault mapping may say: its name, the scope, and every fault's own parameters.
_FAULT_KEYS = dict.fromkeys(
    ["fault", "type", "ca", "ioa", "nth", "common_address", "io_address", "occurrence"]
    + [f.name for cls in FAULTS.values() for f in dataclasses.fields(cls) if f.name != "scope"]
)
_POINT_CHECKS: dict[str, Callable[[Type, object], object]] = {
    "value": check_value,
    "quality": check_quality,
    "groups": check_groups,
    "counter_group": check_counter_group,
    "cycle": check_cycle,
    "change_every": check_change_every,
    "command_mode": check_command_mode,
    "return_io_address": check_return_io_address,
    "description": lambda t, v: check_text(v),
    "interrogation": lambda t, v: check_interrogation(t, v),
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

    def invalid(self, node: Node, path: str, exc: Invalid) -> ProfileError:
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
            got = "a list" if isinstance(node, SequenceNode) else shown(self.value(node, path))
            hint = "; is this a YAML profile? docs/profile.md shows the format" if not path else ""
            raise self.error(node, path, f"expected a mapping of {what} (key: value), got {got}"
                                         f" at column {node.start_mark.column + 1}{hint}")
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
            got = "a mapping" if isinstance(node, MappingNode) else shown(self.value(node, path))
            raise self.error(node, path, f"expected a list of {what}, got {got} at column {node.start_mark.column + 1}")
        return list(node.value)

    def check(self, node: Node, path: str, rule: Callable[[Any], Any], raw: Any = None) -> Any:
        value = self.value(node, path) if raw is None else raw
        try:
            return rule(value)
        except Invalid as exc:
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
            kwargs["name"] = self.check(top["name"][1], "name", check_text)
        if "max_connections" in top:
            kwargs["max_connections"] = self.check(
                top["max_connections"][1], "max_connections", lambda v: int_in(v, 1, 65535)
            )
        if "allowed_clients" in top:
            kwargs["allowed_clients"] = self.check(
                top["allowed_clients"][1], "allowed_clients", check_allowed_clients
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
            kwargs[key] = float(value) if key.startswith("t") and is_int(value) else value
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
        ca = self.check(ca_node, _join(path, "common_address"), lambda v: int_in(v, 1, 65534))
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
        problem = station_problem(tuple(points))
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
            entries["io_address"][1], _join(path, "io_address"), check_io_address
        )
        t: Type = self.check(entries["type"][1], _join(path, "type"), check_type)
        kwargs: dict[str, Any] = {"io_address": io_address, "type": t}
        command = t in COMMANDS
        for key, (_, value_node) in entries.items():
            if key in kwargs:
                continue
            where = _join(path, key)
            if key in ("command_mode", "return_io_address") and not command:
                raise self.error(value_node, where, f"{key} is only for commands (types 45-64)")
            raw = None
            if (
                key == "value"
                and KIND[t] in _BOOL_WORDS_AS_TEXT
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
