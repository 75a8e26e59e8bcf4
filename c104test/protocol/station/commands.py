"""Commands in the controlled station: direct and select-before-operate, the select timeout,
return information and ACT_TERM as the PIXIT says (protocol.md 1.11, catalogue A21-A34).

A selection (S/E=1) belongs to the connection that made it: another connection can neither
select nor execute that point until it lapses (``pixit.select_timeout``, measured with the
``now`` the station is given), is executed or is cancelled (COT 8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..asdu import Asdu, encode_asdu
from ..enums import Cot, Double, Step, Type
from ..objects import (
    BitstringCommand,
    DoubleCommand,
    InformationObject,
    SetpointNormalized,
    SetpointScaled,
    SetpointShort,
    SingleCommand,
    StepCommand,
)
from .points import LogicalStation, StationPoint, coerce
from .replies import Part, Reply


def name_of(value: Any) -> str:
    """An enum's name, anything else as text (for outcomes)."""
    return str(getattr(value, "name", value))


def show(value: Any) -> str:
    if isinstance(value, bool):
        return "ON" if value else "OFF"
    return name_of(value)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .answers import Answer
    from .hooks import Pending
    from .station import StationConnection

__all__ = ["Selection", "command", "name_of", "selected", "show"]


@dataclass(slots=True)
class Selection:
    """A point selected by a connection, and until when the selection holds."""

    type: Type
    command: tuple[Any, int]
    deadline: float
    lapsed: bool = False  # the station's timer saw the deadline pass


def selected(connection: StationConnection, key: tuple[int, int], now: float) -> Selection | None:
    """The connection's live selection of ``key`` (CA, IOA); a lapsed one is forgotten."""
    selection = connection.selections.get(key)
    if selection is not None and (selection.lapsed or selection.deadline < now):
        del connection.selections[key]
        return None
    return selection


def command(self: Answer, stations: list[LogicalStation], ob: Any) -> None:
    """Answer a command (45-64): select, execute, cancel; return information; ACT_TERM."""
    asdu = self.asdu
    cot = asdu.cot
    connection = self.connection
    station = stations[0]
    if cot not in (Cot.ACTIVATION, Cot.DEACTIVATION):
        self.mirror(Cot.UNKNOWN_COT, f"command with cause {name_of(cot)}")
        return
    point = station.points.get(ob.io_address)
    if point is None:
        self.mirror(Cot.UNKNOWN_IOA, f"no point at IOA {ob.io_address}")
        return
    if point.type != asdu.type:
        self.refuse(f"IOA {ob.io_address} is a {point.type.name}, not a {asdu.type.name}")
        return
    key = (station.common_address, ob.io_address)
    state, qualifier, select = _command_parts(ob)
    if cot == Cot.DEACTIVATION:
        selection = selected(connection, key, self.now)
        connection.selections.pop(key, None)
        if selection is None:
            self.refuse("nothing selected to cancel")
            return
        self.confirm(Cot.DEACTIVATION_CON)
        self.outcome = "DEACT_CON: selection cancelled"
        return
    why = _refusal(ob, state, qualifier) or _stale(self, ob)
    if why is not None:
        self.refuse(why)
        return
    if select:
        if not point.profile.select_before_operate:
            self.refuse(f"IOA {ob.io_address} executes directly; it cannot be selected")
            return
        for other in self.sim.connections.values():
            if other is not connection and selected(other, key, self.now) is not None:
                self.refuse(f"IOA {ob.io_address} is selected by {other.name}")
                return
        connection.selections[key] = Selection(
            asdu.type, (state, qualifier), self.now + self.pixit.select_timeout
        )
        self.confirm(Cot.ACTIVATION_CON)
        self.outcome = "ACT_CON: selected"
        return
    if point.profile.select_before_operate:
        selection = connection.selections.pop(key, None)  # an execute ends the selection
        if selection is None:
            self.refuse("execute without select")
            return
        if selection.lapsed or selection.deadline < self.now:
            self.refuse(f"the selection timed out ({self.pixit.select_timeout:g} s)")
            return
        if selection.type != asdu.type or selection.command != (state, qualifier):
            self.refuse("execute differs from the select")
            return
    hooks = self.sim.hooks
    if hooks is not None and hooks.command is not None:
        pending = hooks.command(connection.id, point, asdu)
        self.replies.append(pending)
        self.replies.append(_decided(self, station, point, state, pending))
        self.outcome = "waiting for the application's decision"
        return
    try:
        returned = _returned_value(station, point, state)
    except ValueError as exc:
        self.refuse(f"the return information cannot carry it: {exc}")
        return
    self.confirm(Cot.ACTIVATION_CON)
    self.outcome = "ACT_CON"
    if asdu.test:
        self.note("test command: not executed")
    else:
        _execute(self, station, point, state, returned)
    if self.pixit.act_term:
        self.confirm(Cot.ACTIVATION_TERMINATION)
        self.note("ACT_TERM")

def _decided(self: Answer, station: LogicalStation, point: StationPoint, state: Any, pending: Pending) -> Iterator[Reply]:
    """The rest of a command's answer once the application decided (``hooks.CommandDecision``)."""
    decision = pending.result
    self.replies = []
    if decision is not None and decision.confirm is not None:
        self.confirm(Cot.ACTIVATION_CON, negative=not decision.confirm)
        if decision.confirm:
            if not self.asdu.test:
                _execute(self, station, point, state, None)
            if decision.terminate:
                self.confirm(Cot.ACTIVATION_TERMINATION)
    yield from self.replies  # type: ignore[misc]


def _returned_value(station: LogicalStation, point: StationPoint, state: Any) -> Any:
    """The related monitoring point's value after the command (None: no related point)."""
    target_ioa = point.profile.return_io_address
    if target_ioa is None:
        return None
    target = station.points[target_ioa]
    if target.kind == "step":
        new: Any = target.value + (1 if state is Step.HIGHER else -1)
        new = min(max(new, -64), 63)
    elif target.kind == "single":
        new = bool(state)
    elif target.kind == "double":
        new = Double(state)
    else:
        new = state
    return coerce(target.kind, new, target)

def _execute(self: Answer, station: LogicalStation, point: StationPoint, state: Any, returned: Any) -> None:
    sim = self.sim
    point.value = state
    point.time = sim.now_cp56()
    target_ioa = point.profile.return_io_address
    if target_ioa is None:
        return
    target = station.points[target_ioa]
    if returned is not None:  # None: the application set the related point itself
        target.value = returned
        target.time = point.time
    # Return information: to the commanding connection in order (between ACT_CON and
    # ACT_TERM), to every other started connection as an event.
    cause = int(Cot.RETURN_INFO_REMOTE)
    oa = self.asdu.originator_address
    t = target.report_type(cause, self.pixit.time_tagged_spontaneous)
    asdu = Asdu(t, Cot.RETURN_INFO_REMOTE, station.common_address, (target.build(t),), oa)
    self.respond(Part.RETURN_INFO, encode_asdu(asdu), asdu)
    sim.broadcast(target, cause, oa, skip=self.connection)
    self.note(f"{t.name} IOA {target_ioa} = {show(target.value)} with COT 11")



def _command_parts(ob: InformationObject) -> tuple[Any, int, bool]:
    """(state or value, qualifier QU/QL, S/E) of a command object."""
    if isinstance(ob, SingleCommand):
        return ob.sco.scs, int(ob.sco.qu), ob.sco.se
    if isinstance(ob, DoubleCommand):
        return ob.dco.dcs, int(ob.dco.qu), ob.dco.se
    if isinstance(ob, StepCommand):
        return ob.rco.rcs, int(ob.rco.qu), ob.rco.se
    if isinstance(ob, SetpointNormalized | SetpointScaled | SetpointShort):
        return ob.value, ob.qos.ql, ob.qos.se
    assert isinstance(ob, BitstringCommand)
    return ob.bsi, 0, False


def _stale(self: Answer, ob: InformationObject) -> str | None:
    """Why a time-tagged command is too old (``pixit.command_max_delay``, A32), or None."""
    limit = self.pixit.command_max_delay
    time = getattr(ob, "time", None)
    if not limit or time is None or "execute_stale_command" in self.sim.station_faults:
        return None
    try:
        age = self.sim.wall_seconds() - time.to_datetime().timestamp()
    except (ValueError, OverflowError, OSError) as exc:
        return f"invalid time tag {time}: {exc}"
    if abs(age) > limit:
        return f"the time tag is {age:.1f} s off the station's clock (most {limit:g} s)"
    return None


def _refusal(ob: InformationObject, state: Any, qualifier: int) -> str | None:
    """Why a command's content is refused (the standard forbids it), or None."""
    if isinstance(ob, SingleCommand | DoubleCommand | StepCommand) and qualifier > 3:
        return f"qualifier of command {qualifier} is not supported (0-3)"
    if isinstance(ob, DoubleCommand) and state not in (Double.OFF, Double.ON):
        return f"double command state {int(state)} is not permitted"
    if isinstance(ob, StepCommand) and state not in (Step.LOWER, Step.HIGHER):
        return f"regulating step {int(state)} is not permitted"
    return None


