"""The PICS/PIXIT of the RTU under test: what it claims, as YAML validated with file/line/field.

A conformance case runs only what the PICS claims; a case whose precondition is not claimed gets
the verdict ``n/a`` naming the item. Commanding a real output is the user's decision: the PICS
lists the command points and the value to send, there is no default.

>>> pics = parse_pics("rtu:\\n  common_addresses: [47]\\nfunctions:\\n  read: true\\n")
>>> pics["functions.read"], pics["functions.test_command"], pics.common_address
(True, False, 47)

Optional is optional: every function the standard leaves to the device (a ``bool`` item: ACT_TERM,
read, test command, end of initialisation, clock synchronisation, interrogation, groups, counters,
file transfer, a master's interrogation) is claimed only when the file says ``true``; an omitted one
is not claimed, and its cases are n/a naming the item. A parameter or an answer the file omits
(timers, k, w, the answer to an unknown type) takes the standard's value; ``Pics.omitted`` lists
every item the file left out, the run prints them and results.json and report.html carry them, and
a failure that depends on one names it.

``ITEMS`` is the one table of scalar items (key, kind, default, meaning); the template
(``c104test conformance --pics-template``) and docs/pics.md are made from it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..engine.profile_rules import shown
from ..protocol.commands import COMMAND_TYPES, command_object
from ..protocol.enums import CommandMode, Type
from ..protocol.errors import C104TestError
from ..protocol.timetags import CP56Time2a
from ..rules.names import did_you_mean, lookup
from ..rules.quality import FLAGS, parse_flags

__all__ = [
    "ITEMS",
    "CommandPoint",
    "FilePoint",
    "Item",
    "Pics",
    "PicsError",
    "ReadPoint",
    "load_pics",
    "parse_pics",
    "pics_from_profile",
    "pics_template",
]


class PicsError(C104TestError):
    """A PICS file is wrong: ``file:line: field: message``."""

    def __init__(self, file: str, line: int, field: str, message: str) -> None:
        self.file, self.line, self.field, self.message = file, line, field, message
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {field + ': ' if field else ''}{message}")

    def __reduce__(self) -> Any:
        return (type(self), (self.file, self.line, self.field, self.message))


@dataclass(frozen=True, slots=True)
class Item:
    """One scalar PICS/PIXIT item. ``kind``: bool, int, float, choice or ints."""

    key: str
    kind: str
    default: Any
    meaning: str
    choices: tuple[str, ...] = ()
    low: float | None = None


ITEMS: tuple[Item, ...] = (
    Item("rtu.common_addresses", "ints", None, "common addresses (CA) of the RTU's stations; the first is used by the cases"),
    Item("link.k", "int", 12, "k: most I-frames the RTU sends unacknowledged", low=1),
    Item("link.w", "int", 8, "w: the RTU acknowledges at the latest after w I-frames", low=1),
    Item("link.t0", "float", 30.0, "t0 (s): connection establishment", low=0.1),
    Item("link.t1", "float", 15.0, "t1 (s): the RTU closes when its frames stay unacknowledged this long", low=0.1),
    Item("link.t2", "float", 10.0, "t2 (s): the RTU acknowledges received I-frames within t2", low=0.1),
    Item("link.t3", "float", 20.0, "t3 (s): the RTU sends TESTFR act after t3 of silence", low=0.1),
    Item("link.i_frame_when_stopped", "choice", "close", "reaction to an I-frame before STARTDT (it is never answered)", ("close", "ignore")),
    Item("functions.station_interrogation", "bool", False, "station interrogation (C_IC_NA_1, QOI 20)"),
    Item("functions.interrogation_groups", "ints", [], "interrogation groups 1-16 that have members (others are empty)"),
    Item("functions.unknown_group", "choice", "negative", "answer to the interrogation of a group without members", ("negative", "empty")),
    Item("functions.counter_interrogation", "bool", False, "counter interrogation (C_CI_NA_1)"),
    Item("functions.counter_groups", "ints", [], "counter groups 1-4 that have members"),
    Item("functions.counter_freeze", "bool", False, "counter freeze and reset (QCC FRZ 1-3) are supported"),
    Item("functions.clock_sync", "bool", False, "clock synchronisation (C_CS_NA_1)"),
    Item("functions.read", "bool", False, "read command (C_RD_NA_1)"),
    Item("functions.test_command", "bool", False, "test command with time tag (C_TS_TA_1)"),
    Item("functions.reset_process", "bool", False, "reset process command (C_RP_NA_1) is confirmed (QRP 2 only: the suite never restarts the RTU)"),
    Item("functions.end_of_initialisation", "bool", False, "M_EI_NA_1 after the first STARTDT of a connection to a freshly started RTU"),
    Item("functions.file_transfer", "bool", False, "file transfer, read from the RTU (F_* types; points.files lists the files)"),
    Item("functions.negative_section_ack", "choice", "repeat", "file transfer: on a negative section ack (AFQ 4) the RTU repeats the section or aborts the transfer (LSQ 2)", ("repeat", "abort")),
    Item("functions.interrogation_deactivation", "bool", False, "a running interrogation stops on C_IC_NA_1 COT 8 (DEACT_CON COT 9)"),
    Item("functions.second_interrogation", "choice", "negative", "answer to an interrogation while one of the CA runs: negative ACT_CON; restart (the first is abandoned, the second answered); queue (the second is answered after the first ends)", ("negative", "restart", "queue")),
    Item("functions.parameter_loading", "bool", False, "parameters of measured values (P_ME_NA/NB/NC_1, KPA 1-4) for the measured points of points.read"),
    Item("functions.parameter_activation", "bool", False, "parameter activation (P_AC_NA_1, QPA 1-3, COT 6 and 8)"),
    Item("functions.time_before_sync", "choice", "unknown", "time tags before the first clock synchronisation after start: IV=1 (invalid) or IV=0 (valid: own time source); A15 needs an RTU not synchronised since its start (a run takes A15 before every other case)", ("unknown", "invalid", "valid")),
    Item("commands.act_term", "bool", False, "ACT_TERM (COT 10) ends a command"),
    Item("commands.select_timeout", "float", 10.0, "seconds a select waits for its execute", low=0.0),
    Item("commands.time_tag_max_delay", "float", 0.0, "seconds a time-tagged command (58-64) may be old and still be executed; 0: not checked", low=0.0),
    Item("commands.stale_time_tag", "choice", "negative", "answer to a time-tagged command older than that: negative ACT_CON or silent (never executed)", ("negative", "silent")),
    Item("unknown.type", "choice", "negative", "answer to an unknown type: negative (COT 44, P/N=1) or silent", ("negative", "silent")),
    Item("unknown.cot", "choice", "negative", "answer to an unknown cause: negative (COT 45, P/N=1) or silent", ("negative", "silent")),
    Item("unknown.common_address", "choice", "negative", "answer to an unknown CA: negative (COT 46, P/N=1) or silent", ("negative", "silent")),
    Item("unknown.io_address", "choice", "negative", "answer to an unknown IOA: negative (COT 47, P/N=1) or silent", ("negative", "silent")),
    Item("robustness.short_apdu", "choice", "close", "reaction to an APDU whose length octet is below 4 (68 03 ..., 68 00)", ("close", "ignore")),
    Item("robustness.invalid_u_frame", "choice", "close", "reaction to a U-frame with several functions (0x0F, 0x33, 0xFF; it is never answered)", ("close", "ignore")),
    Item("robustness.s_frame_reserved_bits", "choice", "close", "reaction to an S-frame with reserved bits set (octet 4, bit 0 of octet 5)", ("close", "ignore")),
    Item("connections.max", "int", 1, "most simultaneous connections the RTU accepts", low=1),
    Item("connections.redundancy_group_size", "int", 1, "connections in one redundancy group, in the order they connect", low=1),
    Item("connections.standby_startdt", "choice", "close",
         "STARTDT on a standby connection while another of its group is started: the started one is closed, deactivated (stays connected without data) or the STARTDT is refused",
         ("close", "deactivate", "refuse")),
    Item("events.kept_while_disconnected", "bool", False,
         "reports made while no connection (of the group) is open are kept; unacknowledged ones are sent again after the reconnect"),
    # --master: the controlling station under test (link.* are then the master's k, w and timers,
    # points.commands the points it commands and how)
    Item("master.general_interrogation", "bool", False, "--master: the master sends a station interrogation after STARTDT or end of initialisation"),
    Item("master.clock_sync", "bool", False, "--master: the master synchronises the clock (C_CS_NA_1) after STARTDT"),
    Item("master.commands_within", "float", 10.0, "--master: seconds after STARTDT within which the master commands each point of points.commands", low=0.1),
    Item("master.provoke_t1", "bool", False, "--master: the tool may stop acknowledging and answering TESTFR so that the master must close after t1"),
    Item("master.provoke_negative", "bool", False, "--master: the tool refuses the master's first command to each point of points.commands (negative ACT_CON, or COT 47 unknown IOA, alternately)"),
    Item("master.reconnect", "bool", False, "--master: the master connects again after it lost the connection, then starts data transfer and interrogates (the tool ends the first connection, or M06 does)"),
    Item("master.reconnect_within", "float", 30.0, "--master: seconds after the connection ended within which the master connects again", low=0.1),
    Item("master.provoke_sequence_error", "bool", False, "--master: the tool may send an I-frame with a wrong N(S), which the master must answer by closing the connection"),
)
_BY_KEY = {item.key: item for item in ITEMS}
#: The items a master under test is judged by (--master): its k, w and timers, and master.*.
_MASTER_ITEMS = frozenset(key for key in _BY_KEY if key.startswith("master.") or key in (
    "link.k", "link.w", "link.t0", "link.t1", "link.t2", "link.t3"))
_SECTIONS = {item.key.split(".")[0] for item in ITEMS} | {"points"}
_MODES = ("direct", "select")


@dataclass(frozen=True, slots=True)
class ReadPoint:
    """A monitored point the suite may read and expects in interrogations."""

    io_address: int
    type: Type
    groups: frozenset[int] = frozenset()
    counter_group: int | None = None
    cycle: float | None = None  # seconds between cyclic reports (COT 1), if the point has them
    quality: frozenset[str] = frozenset()  # quality flags the point shows (IV, BL, SB, NT, OV: A36)


@dataclass(frozen=True, slots=True)
class CommandPoint:
    """A point the suite may command, with the value the user chose to send."""

    io_address: int
    type: Type
    value: Any
    mode: str = "direct"
    return_io_address: int | None = None


@dataclass(frozen=True, slots=True)
class FilePoint:
    """A file the suite may read: its IOA and name (NOF)."""

    io_address: int
    nof: int


@dataclass(frozen=True, slots=True)
class Pics:
    """A validated PICS; ``pics["link.t1"]`` is an item's value, ``lines`` where each was set."""

    values: Mapping[str, Any]
    read_points: tuple[ReadPoint, ...] = ()
    command_points: tuple[CommandPoint, ...] = ()
    file: str = "<pics>"
    lines: Mapping[str, int] = field(default_factory=dict)
    files: tuple[FilePoint, ...] = ()
    #: sha256 of the file as read (the reports name it beside the file)
    sha256: str = ""

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def given(self, key: str) -> bool:
        """The file sets ``key`` (a PICS made in code, without lines, sets every item)."""
        return not self.lines or key in self.lines

    def not_given(self, key: str) -> str:
        """The n/a reason of an optional item the file leaves out, with the line that claims it:
        ``'counter_groups: [1, 2]'`` for a list, ``'read: true'`` for a function."""
        name = key.split(".", 1)[1]
        claim = f"{name}: [1, 2]" if _BY_KEY[key].kind == "ints" else f"{name}: true"
        return f"PICS {key} is not in the file: not claimed (optional; '{claim}' in its section claims it)"

    def omitted(self, *, master: bool = False) -> dict[str, Any]:
        """The items the file leaves out, with the value the run uses instead: ``False`` for a
        claim (not claimed), the standard's value for a parameter or an answer. ``master``: the
        items of a master under test (link, master), else of an RTU (every section but master)."""
        return {item.key: self.values[item.key] for item in ITEMS
                if not self.given(item.key) and item.key != "rtu.common_addresses"
                and (item.key in _MASTER_ITEMS if master else not item.key.startswith("master."))}

    def omitted_note(self, keys: Iterable[str], *, master: bool = False) -> str:
        """The words a failure reason ends with when it depends on items the file left out
        (``''`` when it does not): "PICS items not in the file, default used: link.t1 15"."""
        omitted = self.omitted(master=master)
        used = [f"{key} {_yaml_value(omitted[key])}" for key in keys if key in omitted]
        return f" (PICS items not in the file, default used: {', '.join(used)})" if used else ""

    def omitted_summary(self, *, master: bool = False) -> str:
        """One console line on what the file left out ('' when it sets every item)."""
        omitted = self.omitted(master=master)
        claims = [k for k, v in omitted.items() if _BY_KEY[k].kind == "bool"]
        values = [f"{k} {_yaml_value(v)}" for k, v in omitted.items() if _BY_KEY[k].kind != "bool"]
        parts = ([f"not claimed (optional, not in the file): {', '.join(claims)}"] if claims else []) + (
            [f"not in the file, the standard's default used: {', '.join(values)}"] if values else [])
        return f"PICS {self.file}: " + "; ".join(parts) if parts else ""

    @property
    def common_address(self) -> int:
        return int(self.values["rtu.common_addresses"][0])

    def commands(self, *, mode: str | None = None, types: tuple[Type, ...] | None = None) -> Iterator[CommandPoint]:
        for point in self.command_points:
            if (mode is None or point.mode == mode) and (types is None or point.type in types):
                yield point

    def counters(self) -> tuple[ReadPoint, ...]:
        return tuple(p for p in self.read_points if p.type in _COUNTER_TYPES)

    def monitored(self) -> tuple[ReadPoint, ...]:
        return tuple(p for p in self.read_points if p.type not in _COUNTER_TYPES)


_COUNTER_TYPES = frozenset({Type.M_IT_NA_1, Type.M_IT_TB_1})
#: Measured types and the parameter type that loads their parameters (A38).
PARAMETER_TYPES = {Type.M_ME_NA_1: Type.P_ME_NA_1, Type.M_ME_TD_1: Type.P_ME_NA_1, Type.M_ME_NB_1: Type.P_ME_NB_1,
                   Type.M_ME_TE_1: Type.P_ME_NB_1, Type.M_ME_NC_1: Type.P_ME_NC_1, Type.M_ME_TF_1: Type.P_ME_NC_1}
_MEASURED_TYPES = frozenset(PARAMETER_TYPES)
_TIMED_COMMANDS = frozenset(t for t in COMMAND_TYPES if t.value >= 58)  # C_*_TA_1 need a time tag
_SOME_TIME = CP56Time2a(0, 0, 0, 1, 1, 25)


# ---- loading ----------------------------------------------------------------------------------


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _place(node: Node) -> str:
    return f"line {_line(node)}, column {node.start_mark.column + 1}"


#: What the entries of a list item are, for the message about one listed twice.
_ENTRY_NAMES = {"rtu.common_addresses": "common address", "functions.interrogation_groups": "group",
                "functions.counter_groups": "counter group"}


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file

    def error(self, node: Node | None, where: str, message: str) -> PicsError:
        return PicsError(self.file, _line(node) if node is not None else 0, where, message)

    def mapping(self, node: Node, where: str) -> dict[str, tuple[Node, Node]]:
        if not isinstance(node, MappingNode):
            raise self.error(node, where, "expected a mapping (key: value)")
        result: dict[str, tuple[Node, Node]] = {}
        for key, value in node.value:
            name = str(key.value)
            if name in result:
                raise self.error(key, where, f"duplicate key {shown(name)} (first on line {_line(result[name][0])})")
            result[name] = (key, value)
        return result

    def once(self, nodes: list[Node], keys: list[Any], where: str, what: str, *, indexed: bool = False) -> None:
        """Each key once in a list: a repeated one names both entries, their lines and columns
        (``indexed``: as ``where[0]``, the form of the other errors about points)."""
        first: dict[Any, int] = {}
        for index, key in enumerate(keys):
            if key in first:
                a, b = first[key], index
                name = (lambda n: f"{where}[{n}]") if indexed else (lambda n: f"entry {n + 1}")
                raise self.error(nodes[b], where, f"{what} {key} is listed twice: {name(a)} ({_place(nodes[a])}) and "
                                                  f"{name(b)} ({_place(nodes[b])}); list it once")
            first[key] = index

    def scalar(self, node: Node, where: str) -> Any:
        if not isinstance(node, ScalarNode):
            raise self.error(node, where, "expected a single value")
        return yaml.safe_load(yaml.serialize(node))

    def item(self, item: Item, node: Node) -> Any:
        where = item.key
        if item.kind == "ints":
            if not isinstance(node, SequenceNode):
                raise self.error(node, where, "expected a list of integers, like [1, 2]")
            values = [self.integer(v, where) for v in node.value]
            self.once(node.value, values, where, _ENTRY_NAMES.get(where, "value"))
            # the order of the common addresses is meaningful (the first is the one the cases use)
            return values if where == "rtu.common_addresses" else sorted(values)
        value = self.scalar(node, where)
        if item.kind == "bool":
            if not isinstance(value, bool):
                raise self.error(node, where, f"expected true or false, got {shown(value)}")
            return value
        if item.kind == "choice":
            if str(value) not in item.choices:
                raise self.error(node, where, f"{shown(value)} is not one of: {', '.join(item.choices)}")
            return str(value)
        if item.kind == "int":
            number: float = self.integer(node, where)
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise self.error(node, where, f"expected a number of seconds, got {shown(value)}")
            number = float(value)
        if item.low is not None and number < item.low:
            raise self.error(node, where, f"must be at least {item.low:g}, got {number:g}")
        return number

    def integer(self, node: Node, where: str) -> int:
        value = self.scalar(node, where)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(node, where, f"expected an integer, got {shown(value)}")
        return value

    def type_of(self, node: Node, where: str) -> Type:
        value = self.scalar(node, where)
        try:  # as every front end reads a type: any case, without its _1, or its number
            return lookup(Type, value if isinstance(value, int) and not isinstance(value, bool) else str(value))
        except ValueError:
            hint = did_you_mean(str(value), Type.__members__)
            raise self.error(node, where, f"{shown(value)} is not a type identification (like M_SP_NA_1){hint}") from None


def parse_pics(text: str, file: str = "<pics>", *, sha256: str | None = None) -> Pics:
    """A PICS from YAML text; PicsError names the file, line and field of every problem.
    ``sha256``: of the file's octets (default: of the text as UTF-8)."""
    reader = _Reader(file)
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        column = f" (column {mark.column + 1})" if mark else ""
        raise PicsError(file, mark.line + 1 if mark else 0, "", f"invalid YAML: {getattr(exc, 'problem', exc)}{column}") from None
    if root is None:
        raise PicsError(file, 1, "rtu.common_addresses", "the file is empty; this item is required")
    values: dict[str, Any] = {item.key: item.default for item in ITEMS}
    lines: dict[str, int] = {}
    top = reader.mapping(root, "")
    read_points: tuple[ReadPoint, ...] = ()
    command_points: tuple[CommandPoint, ...] = ()
    files: tuple[FilePoint, ...] = ()
    for section, (key_node, section_node) in top.items():
        if section not in _SECTIONS:
            hint = did_you_mean(section, _SECTIONS) or ";"
            raise reader.error(key_node, section, f"unknown section{hint} known: {', '.join(sorted(_SECTIONS))}")
        if section == "points":
            read_points, command_points, files = _points(reader, section_node)
            continue
        for name, (name_node, value_node) in reader.mapping(section_node, section).items():
            key = f"{section}.{name}"
            item = _BY_KEY.get(key)
            if item is None:
                names = [k.split(".")[1] for k in _BY_KEY if k.startswith(section + ".")]
                hint = did_you_mean(name, names) or ";"
                raise reader.error(name_node, key, f"unknown item{hint} {section} has: {', '.join(names)}")
            values[key] = reader.item(item, value_node)
            lines[key] = _line(value_node)
    if not values["rtu.common_addresses"]:
        raise PicsError(file, lines.get("rtu.common_addresses", 1), "rtu.common_addresses", "required: at least one common address")
    for key, low, high in (("functions.interrogation_groups", 1, 16), ("functions.counter_groups", 1, 4),
                           ("rtu.common_addresses", 1, 0xFFFE)):
        for value in values[key]:
            if not low <= value <= high:
                raise PicsError(file, lines.get(key, 0), key, f"{shown(value)} outside {low}..{high}")
    if values["link.t2"] >= values["link.t1"]:
        raise PicsError(file, lines.get("link.t2", 0), "link.t2", "t2 must be less than t1")
    digest = sha256 if sha256 is not None else hashlib.sha256(text.encode()).hexdigest()
    return Pics(values, read_points, command_points, file, lines, files, digest)


def _points(reader: _Reader, node: Node) -> tuple[tuple[ReadPoint, ...], tuple[CommandPoint, ...], tuple[FilePoint, ...]]:
    reads: list[ReadPoint] = []
    commands: list[CommandPoint] = []
    files: list[FilePoint] = []
    seen: dict[str, list[tuple[Node, Any]]] = {}  # list name -> (entry, key) in order: each key once
    for name, (name_node, list_node) in reader.mapping(node, "points").items():
        if name not in ("read", "commands", "files"):
            raise reader.error(name_node, f"points.{name}", "unknown item; points has: read, commands, files")
        if isinstance(list_node, ScalarNode) and list_node.value in ("", "null", "~"):
            continue  # an empty list in the template
        if not isinstance(list_node, SequenceNode):
            raise reader.error(list_node, f"points.{name}", "expected a list of points")
        for index, entry in enumerate(list_node.value):
            where = f"points.{name}[{index}]"
            fields = reader.mapping(entry, where)
            if name == "files":
                files.append(_file(reader, fields, entry, where))
                seen.setdefault(name, []).append((entry, f"io address {files[-1].io_address}"))
                continue
            allowed = {"io_address", "type", "groups", "counter_group", "cycle", "quality"} if name == "read" else {
                "io_address", "type", "value", "mode", "return_io_address"}
            for key, (key_node, _) in fields.items():
                if key not in allowed:
                    raise reader.error(key_node, f"{where}.{key}", f"unknown field; a point has: {', '.join(sorted(allowed))}")
            for required in ("io_address", "type") + (("value",) if name == "commands" else ()):
                if required not in fields:
                    hint = " (the value the suite sends: commanding a real output is your decision)" if required == "value" else ""
                    raise reader.error(entry, f"{where}.{required}", f"missing{hint}")
            ioa = reader.integer(fields["io_address"][1], f"{where}.io_address")
            if not 1 <= ioa <= 0xFFFFFF:
                raise reader.error(fields["io_address"][1], f"{where}.io_address", f"{shown(ioa)} outside 1..16777215")
            type_ = reader.type_of(fields["type"][1], f"{where}.type")
            if name == "read":
                groups = frozenset(reader.item(Item("", "ints", [], ""), fields["groups"][1])) if "groups" in fields else frozenset()
                counter_group = reader.integer(fields["counter_group"][1], f"{where}.counter_group") if "counter_group" in fields else None
                if type_.value >= 45:
                    raise reader.error(fields["type"][1], f"{where}.type", f"{type_.name} is not a monitored type")
                cycle = None
                if "cycle" in fields:
                    cycle = reader.item(Item(f"{where}.cycle", "float", None, "", low=0.1), fields["cycle"][1])
                reads.append(ReadPoint(ioa, type_, groups, counter_group, cycle, _quality(reader, fields, where)))
                seen.setdefault(name, []).append((entry, f"io address {ioa}"))
                continue
            value = reader.scalar(fields["value"][1], f"{where}.value")
            mode = str(reader.scalar(fields["mode"][1], f"{where}.mode")) if "mode" in fields else "direct"
            if mode not in _MODES:
                raise reader.error(fields["mode"][1], f"{where}.mode", f"{shown(mode)} is not one of: {', '.join(_MODES)}")
            try:
                command_object(type_, ioa, value, time=_SOME_TIME if type_ in _TIMED_COMMANDS else None)
            except (ValueError, TypeError, KeyError) as exc:
                raise reader.error(fields["value"][1], f"{where}.value", f"not a value for {type_.name}: {exc}") from None
            back = reader.integer(fields["return_io_address"][1], f"{where}.return_io_address") if "return_io_address" in fields else None
            commands.append(CommandPoint(ioa, type_, value, mode, back))
            seen.setdefault(name, []).append((entry, f"io address {ioa} with {type_.name} ({mode})"))
    for name, entries in seen.items():
        reader.once([e for e, _ in entries], [k for _, k in entries], f"points.{name}", "the point with", indexed=True)
    return tuple(reads), tuple(commands), tuple(files)


def _file(reader: _Reader, fields: dict[str, tuple[Node, Node]], entry: Node, where: str) -> FilePoint:
    for key, (key_node, _) in fields.items():
        if key not in ("io_address", "nof"):
            raise reader.error(key_node, f"{where}.{key}", "unknown field; a file has: io_address, nof")
    numbers = []
    for key, high in (("io_address", 0xFFFFFF), ("nof", 0xFFFF)):
        if key not in fields:
            raise reader.error(entry, f"{where}.{key}", "missing")
        value = reader.integer(fields[key][1], f"{where}.{key}")
        if not 1 <= value <= high:
            raise reader.error(fields[key][1], f"{where}.{key}", f"{shown(value)} outside 1..{high}")
        numbers.append(value)
    return FilePoint(*numbers)


#: The quality flags a PICS point may name (those of SIQ/DIQ/QDS that A36 checks), and their bits
#: (Quality), taken from the one flag table.
QUALITY_FLAGS = {f.abbreviation: f.quality for f in FLAGS if f.abbreviation in ("IV", "NT", "SB", "BL", "OV")}


def _quality(reader: _Reader, fields: dict[str, tuple[Node, Node]], where: str) -> frozenset[str]:
    if "quality" not in fields:
        return frozenset()
    node = fields["quality"][1]
    if not isinstance(node, SequenceNode):
        raise reader.error(node, f"{where}.quality", "expected a list of flags, like [IV, NT]")
    flags = []
    for v in node.value:
        word = str(reader.scalar(v, f"{where}.quality"))
        try:  # as every front end reads a flag: IV or Invalid, any case
            flags += sorted(parse_flags(word))
        except ValueError as exc:
            raise reader.error(v, f"{where}.quality", str(exc)) from None
    wrong = [f for f in flags if f not in QUALITY_FLAGS]
    if wrong:
        raise reader.error(node, f"{where}.quality", f"{', '.join(wrong)} not one of: {', '.join(QUALITY_FLAGS)}")
    return frozenset(flags)


def load_pics(path: str | os.PathLike[str]) -> Pics:
    """A PICS from a YAML file (UTF-8)."""
    name = os.fspath(path)
    if not name.strip():  # an unset ${PICS} in Robot, an empty --pics: "cannot read" named no file
        raise PicsError(
            "(no file)", 0, "", "no PICS file given: the device's PICS says what it claims "
            "(`c104test conformance --pics-template` prints a template to fill in)"
        )
    try:
        with open(name, "rb") as handle:
            data = handle.read()
        text = data.decode("utf-8-sig").replace("\r\n", "\n")
    except OSError as exc:
        raise PicsError(name, 0, "", f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:  # a workbook or another binary file given by mistake
        raise PicsError(name, 0, "", f"not a YAML text file (UTF-8): octet {exc.start} is {exc.object[exc.start]:#04x}"
                        "; docs/pics.md shows the format, --pics-template prints one") from None
    return parse_pics(text, name, sha256=hashlib.sha256(data).hexdigest())


# ---- template and profile ---------------------------------------------------------------------


def _yaml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _render(values: Mapping[str, Any], reads: tuple[ReadPoint, ...], commands: tuple[CommandPoint, ...],
            *, comments: bool, title: str, files: tuple[FilePoint, ...] = (), master: bool = True) -> str:
    out = [f"# {title}", "# docs/pics.md describes every item; c104test conformance --pics FILE reads it."]
    if comments:
        out += ["# Optional is optional: a function (true/false) left out of the file is not claimed, and its",
                "# cases are n/a naming it; a value left out takes the standard's default (shown here). The run",
                "# lists every item the file left out (console, results.json, report.html)."]
    out.append("")
    section = ""
    for item in ITEMS:
        head, name = item.key.split(".")
        if head == "master" and not master:
            continue  # the items of a master under test (--master), not of an RTU
        if head != section:
            out.append(f"{head}:")
            section = head
        value = values.get(item.key, item.default)
        line = f"  {name}: {_yaml_value(value if value is not None else [1])}"
        if comments:
            choices = f" ({' | '.join(item.choices)})" if item.choices else ""
            line = f"{line:<44}# {item.meaning}{choices}"
        out.append(line)
    out.append("points:")
    out.append("  read:                                    # points the suite may read and expects in interrogations;")
    out.append("                                           # cycle: seconds between its cyclic reports (COT 1)")
    out.append("                                           # quality: flags it shows (IV, BL, SB, NT, OV)")
    for p in reads:
        extra = f", groups: [{', '.join(map(str, sorted(p.groups)))}]" if p.groups else ""
        extra += f", counter_group: {p.counter_group}" if p.counter_group is not None else ""
        extra += f", cycle: {p.cycle:g}" if p.cycle is not None else ""
        extra += f", quality: [{', '.join(sorted(p.quality))}]" if p.quality else ""
        out.append(f"    - {{io_address: {p.io_address}, type: {p.type.name}{extra}}}")
    if not reads:
        out.append("    # - {io_address: 100, type: M_SP_NA_1, groups: [1]}")
    out.append("  commands:                                # points the suite may command, with the value it sends")
    for c in commands:
        back = f", return_io_address: {c.return_io_address}" if c.return_io_address is not None else ""
        out.append(f"    - {{io_address: {c.io_address}, type: {c.type.name}, value: {_yaml_value(c.value)}, mode: {c.mode}{back}}}")
    if not commands:
        out.append("    # - {io_address: 500, type: C_SC_NA_1, value: true, mode: direct, return_io_address: 100}")
    out.append("  files:                                   # files the suite may read (functions.file_transfer)")
    for f in files:
        out.append(f"    - {{io_address: {f.io_address}, nof: {f.nof}}}")
    if not files:
        out.append("    # - {io_address: 700, nof: 1}")
    return "\n".join(out) + "\n"


def pics_template() -> str:
    """A commented PICS with every item at its default (``--pics-template``)."""
    return _render({}, (), (), comments=True, title="PICS/PIXIT of the RTU under test (template: edit every value)")


_COMMAND_VALUES = {Type.C_SC_NA_1: True, Type.C_SC_TA_1: True, Type.C_DC_NA_1: "ON", Type.C_DC_TA_1: "ON",
                   Type.C_RC_NA_1: "HIGHER", Type.C_RC_TA_1: "HIGHER", Type.C_SE_NA_1: 0.5, Type.C_SE_TA_1: 0.5,
                   Type.C_SE_NB_1: 100, Type.C_SE_TB_1: 100, Type.C_SE_NC_1: 1.5, Type.C_SE_TC_1: 1.5,
                   Type.C_BO_NA_1: 1, Type.C_BO_TA_1: 1}


def pics_from_profile(profile: Any) -> str:
    """The PICS (YAML text) of a simulator profile: what that simulated RTU claims."""
    pixit = profile.pixit
    link = profile.link
    reads: list[ReadPoint] = []
    commands: list[CommandPoint] = []
    groups: set[int] = set()
    counter_groups: set[int] = set()
    station = profile.stations[0]
    for p in station.points:
        if p.type.value < 45:
            flags = frozenset(name for name, bit in QUALITY_FLAGS.items() if int(p.quality) & int(bit))
            reads.append(ReadPoint(p.io_address, p.type, frozenset(p.groups), p.counter_group,
                                   float(p.cycle) if p.cycle else None, flags))
            groups.update(p.groups)
            if p.counter_group is not None:
                counter_groups.add(p.counter_group)
        elif p.type in _COMMAND_VALUES:
            mode = "direct" if p.command_mode is CommandMode.DIRECT else "select"
            commands.append(CommandPoint(p.io_address, p.type, _COMMAND_VALUES[p.type], mode, p.return_io_address))
    values = {
        "rtu.common_addresses": [s.common_address for s in profile.stations],
        "link.k": link.k, "link.w": link.w, "link.t0": float(link.t0), "link.t1": float(link.t1),
        "link.t2": float(link.t2), "link.t3": float(link.t3),
        "functions.station_interrogation": True, "functions.clock_sync": True, "functions.read": True,
        "functions.test_command": True,
        "functions.interrogation_groups": sorted(groups),
        "functions.unknown_group": pixit.unknown_group,
        "functions.counter_interrogation": any(p.type in _COUNTER_TYPES for p in reads),
        "functions.counter_groups": sorted(counter_groups),
        "functions.counter_freeze": any(p.type in _COUNTER_TYPES for p in reads),
        "functions.reset_process": True,
        "functions.file_transfer": bool(station.files),
        "functions.negative_section_ack": pixit.negative_section_ack,
        "functions.end_of_initialisation": pixit.end_of_initialisation,
        "functions.interrogation_deactivation": True,
        "functions.parameter_loading": any(p.type in _MEASURED_TYPES for p in reads),
        "functions.parameter_activation": True,
        "functions.time_before_sync": "invalid" if pixit.time_invalid_before_sync else "valid",
        "commands.time_tag_max_delay": float(pixit.command_max_delay),
        "commands.act_term": pixit.act_term,
        "commands.select_timeout": float(pixit.select_timeout),
        "connections.max": profile.max_connections,
        "connections.redundancy_group_size": profile.redundancy.group_size or 1,
        "connections.standby_startdt": "deactivate",
        "events.kept_while_disconnected": profile.redundancy.group_size is not None,
    }
    files = tuple(FilePoint(f.io_address, f.name) for f in station.files)
    return _render(values, tuple(reads), tuple(commands), comments=True,
                   title=f"PICS/PIXIT of the simulated RTU {profile.name!r}", files=files, master=False)
