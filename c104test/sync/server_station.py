"""Station and Point of ``c104test.Server``: the RTU's own data, as c104 scripts use it.

A server point holds its ``info`` (an Information object, the script's to change at any time);
the station layer builds what it sends from it each time (``StationPoint.source``), so a value
set in ``on_before_read`` is the value the interrogation reports. Callbacks run in the Server's
worker thread (``sync/server.py``), never in the trio thread.
"""

from __future__ import annotations

import datetime as _dt
import logging
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..engine.profile import PointProfile, StationProfile
from ..protocol.commands import COMMAND_TYPES
from ..protocol.elements import VTI
from ..protocol.enums import Coi, CommandMode, Cot, Type
from ..protocol.timetags import CP56Time2a
from .callbacks import check_callback
from .information import (
    INFO_CLASS,
    Information,
    NormalizedFloat,
    StepInfo,
    default_info,
    fit_time_tag,
    object_from_info,
)
from .numbers import _Number
from .station import Point, Station, check_select_mode

if TYPE_CHECKING:
    from .server import Server

__all__ = ["ServerPoint", "ServerStation"]

log = logging.getLogger("c104test.server")

MAX_IOA = 0xFFFFFF
# Types a server reports periodically (c104: 1..15 and 30..37; only those INFO_CLASS has).
_CYCLIC = frozenset(t for t in INFO_CLASS if 1 <= t <= 15 or 30 <= t <= 37)


#: Types whose value goes to the station layer as the whole information object: it carries
#: more than the value (SCD's change bits, the CP16 time of a protection event).
_WHOLE_OBJECT = frozenset({Type.M_PS_NA_1, Type.M_EP_TD_1, Type.M_EP_TE_1, Type.M_EP_TF_1})


def _cp56(info: Information) -> bool:
    return info.recorded_at is not None


def source_of(point: ServerPoint) -> Callable[[], tuple[Any, Any, CP56Time2a | None]]:
    """What the station layer asks for the point's value (``StationPoint.source``)."""

    def source() -> tuple[Any, Any, CP56Time2a | None]:
        info = point._info
        value = info.value
        if isinstance(value, NormalizedFloat):
            value = float(value)
        elif isinstance(value, _Number) or point._type is Type.M_PS_NA_1:
            value = int(value)
        if isinstance(info, StepInfo) and info.transient:
            value = VTI(value, True)  # the transient bit goes with the position
        elif point._type in _WHOLE_OBJECT:  # the change bits, the protection's elapsed time with it
            value = object_from_info(point._type, point._io_address, info)
        recorded = info.recorded_at
        return value, info.quality, None if recorded is None else CP56Time2a.from_datetime(recorded)

    return source


class ServerStation:
    """A common address served by a ``Server``, with its points."""

    def __init__(self, server: Server, common_address: int) -> None:
        # weak, as in c104: a station (or a point) the script keeps does not keep its server
        # running; the server stops when the script drops it (Server's finalizer)
        self._server_ref: weakref.ref[Server] | None = weakref.ref(server)
        self._tick_rate_ms = server.tick_rate_ms
        self._common_address = common_address
        self._points: dict[int, ServerPoint] = {}
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"<c104test.Station common_address={self._common_address}, #points={len(self._points)}>"

    @property
    def _server(self) -> Server | None:
        ref = self._server_ref
        return None if ref is None else ref()

    def _alive(self) -> Server:
        server = self._server
        if server is None:
            if self._server_ref is not None:
                raise ValueError(f"the server of station {self._common_address} is gone (no reference to it was kept)")
            raise ValueError(f"station {self._common_address} was removed from its server")
        return server

    @property
    def common_address(self) -> int:
        return self._common_address

    @property
    def server(self) -> Server | None:
        return self._server

    @property
    def connection(self) -> None:
        return None

    @property
    def is_local(self) -> bool:
        return True

    @property
    def points(self) -> list[ServerPoint]:
        with self._lock:
            return list(self._points.values())

    @property
    def has_points(self) -> bool:
        return bool(self._points)

    def add_point(
        self,
        io_address: int,
        type: Type,
        report_ms: int = 0,
        related_io_address: int | None = None,
        related_io_autoreturn: bool = False,
        command_mode: CommandMode = CommandMode.DIRECT,
    ) -> ServerPoint | None:
        """Add a point; None if the IOA is taken. ValueError for what c104 refuses too."""
        if self._server_ref is None:
            raise ValueError(f"station {self._common_address} was removed from its server")
        server = self._server  # None once the script dropped the server: points still go in, as in c104
        if not 0 <= io_address <= MAX_IOA:
            raise ValueError(f"io_address {io_address} outside 0..{MAX_IOA}")
        if type not in INFO_CLASS:
            raise ValueError(f"Unsupported type {Type(type).name}")
        t = Type(type)
        _check_report_ms(t, report_ms, self._tick_rate_ms)
        # as in c104: a related IOA on a monitoring point is only kept (it does nothing), and
        # auto return without a related IOA is accepted (and does nothing: a warning says so)
        if related_io_autoreturn and t not in COMMAND_TYPES:
            raise ValueError(f"related_io_autoreturn is for command points, not {t.name}")
        if related_io_autoreturn and related_io_address is None:
            _no_related(self._common_address, io_address)
        with self._lock:
            if io_address in self._points:
                return None
            point = ServerPoint(self, io_address, t, report_ms, related_io_address,
                                bool(related_io_autoreturn), CommandMode(command_mode))
            self._points[io_address] = point
        if server is not None:
            server._changed(self)
        return point

    def get_point(self, io_address: int) -> ServerPoint | None:
        return self._points.get(io_address)

    def remove_point(self, io_address: int) -> bool:
        with self._lock:
            point = self._points.pop(io_address, None)
        if point is None:
            return False
        point._station = None
        server = self._server
        if server is not None:
            server._changed(self)
        return True

    def signal_initialized(self, cause: Coi) -> None:
        """End of initialisation (M_EI_NA_1, COT 4) to every client that started data transfer."""
        self._alive()._signal_initialized(self._common_address, Coi(cause))

    def _profile(self) -> StationProfile:
        """The station layer's view: points, command modes, return information."""
        points = []
        # By type, then IOA: interrogation answers come in that order, as c104's do.
        for p in sorted(self.points, key=lambda p: (int(p.type), p.io_address)):
            related = self._points.get(p._related_io_address) if p._related_io_autoreturn else None  # type: ignore[arg-type]
            points.append(PointProfile(
                p.io_address,
                p.type,
                # c104's add_point keeps a select-and-execute mode on a monitoring point; it means nothing
                command_mode=p._command_mode if p.type in COMMAND_TYPES else CommandMode.DIRECT,
                return_io_address=related.io_address if related is not None and _returns_to(p, related) else None,
            ))
        return StationProfile(self._common_address, tuple(points))

    def _detach(self) -> None:
        self._server_ref = None
        for point in self.points:
            point._station = None


def _no_related(common_address: int, io_address: int) -> None:
    log.warning("command point IOA %s (CA %s): related_io_autoreturn without a related_io_address sends no "
                "return information", io_address, common_address)


def _returns_to(command: ServerPoint, related: ServerPoint) -> bool:
    """The station layer sends return information between matching types only (C_SC_NA_1 to
    a single point, C_DC_NA_1 to a double point, ...); another pair is logged and left out."""
    probe = (
        PointProfile(command.io_address, command.type, return_io_address=related.io_address),
        PointProfile(related.io_address, related.type),
    )
    try:
        StationProfile(1, probe)
    except ValueError as exc:
        log.warning("no return information from %s %d to %s %d: %s", command.type.name,
                    command.io_address, related.type.name, related.io_address, exc)
        return False
    return True


def _check_report_ms(t: Type, report_ms: int, tick_rate_ms: int) -> None:
    if report_ms < 0:
        raise ValueError(f"report_ms {report_ms} is negative")
    if report_ms:
        if t not in _CYCLIC:
            raise ValueError(f"{t.name} is not reported periodically; report_ms must be 0")
        if report_ms % tick_rate_ms:
            raise ValueError(f"report_ms {report_ms} is not a multiple of the tick rate {tick_rate_ms} ms")


class ServerPoint:
    """One IOA of a server station: a monitoring point the RTU reports or a command it accepts."""

    def __init__(
        self,
        station: ServerStation,
        io_address: int,
        type_id: Type,
        report_ms: int,
        related_io_address: int | None,
        related_io_autoreturn: bool,
        mode: CommandMode,
    ) -> None:
        self._station: ServerStation | None = station
        self._io_address = io_address
        self._type = type_id
        self._info: Information = default_info(type_id)
        self._report_ms = report_ms
        self._related_io_address = related_io_address
        self._related_io_autoreturn = related_io_autoreturn
        self._command_mode = mode
        self._on_receive: Callable[..., Any] | None = None
        self._on_before_read: Callable[..., Any] | None = None
        self._on_before_auto_transmit: Callable[..., Any] | None = None
        self._on_timer: Callable[..., Any] | None = None
        self._timer_ms = 0
        self._due_report = 0.0  # worker clock (monotonic seconds) of the next periodic report
        self._due_timer = 0.0
        #: The last command answered with ResponseState.NONE: (connection name, ASDU octets).
        self._unconfirmed: tuple[str, bytes] | None = None

    def __repr__(self) -> str:
        return f"<c104test.Point io_address={self._io_address}, type={self._type}, value={self.value}>"

    def _alive(self) -> ServerStation:
        if self._station is None:
            raise ValueError(f"point {self._io_address} was removed from its station")
        return self._station

    @property
    def io_address(self) -> int:
        return self._io_address

    @property
    def type(self) -> Type:
        return self._type

    @property
    def station(self) -> ServerStation | None:
        return self._station

    @property
    def info(self) -> Information:
        return self._info

    @info.setter
    def info(self, info: Information) -> None:
        if not isinstance(info, INFO_CLASS[self._type]):
            raise ValueError(
                f"{self._type.name} carries {INFO_CLASS[self._type].__name__}, not {type(info).__name__}"
            )
        self._info = fit_time_tag(info, self._type)

    def _writable(self) -> Information:
        info = self._info
        if info.is_readonly:  # a received command: start a fresh info
            info = self._info = default_info(self._type)
        return info

    @property
    def value(self) -> Any:
        return self._info.value

    @value.setter
    def value(self, value: Any) -> None:
        info = self._writable()
        if info.recorded_at is not None:  # c104: a new value refreshes the time tag
            info.update(value=value, recorded_at=_dt.datetime.now())
        else:
            info.update(value=value)

    @property
    def quality(self) -> Any:
        return self._info.quality

    @quality.setter
    def quality(self, quality: Any) -> None:
        info = self._writable()
        if info.recorded_at is not None:  # c104: a quality change is an event too; it gets a new time tag
            info.update(quality=quality, recorded_at=_dt.datetime.now())
        else:
            info.update(quality=quality)

    @property
    def recorded_at(self) -> _dt.datetime | None:
        return self._info.recorded_at

    @property
    def processed_at(self) -> _dt.datetime:
        return self._info.processed_at

    @property
    def report_ms(self) -> int:
        return self._report_ms

    @report_ms.setter
    def report_ms(self, report_ms: int) -> None:
        station = self._alive()
        _check_report_ms(self._type, report_ms, station._alive().tick_rate_ms)
        self._report_ms = report_ms
        self._due_report = 0.0

    @property
    def related_io_address(self) -> int | None:
        return self._related_io_address

    @related_io_address.setter
    def related_io_address(self, io_address: int | None) -> None:
        self._related_io_address = io_address
        self._resync()

    @property
    def related_io_autoreturn(self) -> bool:
        return self._related_io_autoreturn

    @related_io_autoreturn.setter
    def related_io_autoreturn(self, on: bool) -> None:
        if on and self._type not in COMMAND_TYPES:
            raise ValueError(f"related_io_autoreturn is for command points, not {self._type.name}")
        if on and self._related_io_address is None:
            _no_related(self._alive().common_address, self._io_address)
        self._related_io_autoreturn = bool(on)
        self._resync()

    @property
    def command_mode(self) -> CommandMode:
        return self._command_mode

    @command_mode.setter
    def command_mode(self, mode: CommandMode) -> None:
        self._command_mode = check_select_mode(self._type, mode)
        self._resync()

    def _resync(self) -> None:
        station = self._station
        server = None if station is None else station._server
        if server is not None:
            server._changed(station)  # type: ignore[arg-type]

    @property
    def selected_by(self) -> int | None:
        """Not tracked per originator: c104test's station keeps selections per connection."""
        return None

    @property
    def timer_ms(self) -> int:
        return self._timer_ms

    # ---- callbacks ----

    def on_receive(self, callable: Callable[..., Any]) -> None:
        """Server: ``(point, previous_info, message) -> ResponseState`` for an executed command."""
        self._on_receive = check_callback(
            callable,
            "(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState",
            3,
        )

    def on_before_read(self, callable: Callable[..., Any]) -> None:
        """``(point) -> None`` before an interrogation or a read reports the point."""
        self._on_before_read = check_callback(callable, "(point: c104.Point) -> None", 1)

    def on_before_auto_transmit(self, callable: Callable[..., Any]) -> None:
        """``(point) -> None`` before a periodic report (``report_ms``)."""
        self._on_before_auto_transmit = check_callback(callable, "(point: c104.Point) -> None", 1)

    def on_timer(self, callable: Callable[..., Any] | None, interval_ms: int = 0) -> None:
        """``(point) -> None`` every ``interval_ms`` (a multiple of the tick rate) while a client
        is active; ``callable=None`` stops it."""
        if callable is None:
            self._on_timer, self._timer_ms = None, 0
            return
        tick = self._alive()._alive().tick_rate_ms
        if interval_ms <= 0 or interval_ms % tick:
            raise ValueError(f"interval_ms {interval_ms} must be a positive multiple of the tick rate {tick} ms")
        self._on_timer = check_callback(callable, "(point: c104.Point) -> None", 1)
        self._timer_ms = interval_ms
        self._due_timer = 0.0

    # ---- sending ----

    def transmit(self, cause: Cot) -> bool:
        """Monitoring point: report the info with ``cause`` to every active client. Command
        point: the late ACT_CON (or ACT_TERM) of a command its callback answered with NONE."""
        station = self._alive()
        server = station._alive()
        cause = Cot(cause)
        if self._type in COMMAND_TYPES:
            if cause not in (Cot.ACTIVATION_CON, Cot.ACTIVATION_TERMINATION):
                # c104 returns False (nothing is sent): a script may try it and go on
                log.warning("command point %s of station %s sends nothing with %s: a server's command point "
                            "transmits ACTIVATION_CON or ACTIVATION_TERMINATION", self._io_address,
                            station.common_address, cause.name)
                return False
            if self._unconfirmed is None:
                return False
            connection, raw = self._unconfirmed
            if cause == Cot.ACTIVATION_TERMINATION:
                self._unconfirmed = None
            return server._confirm_later(connection, raw, cause)
        return server._report([(station.common_address, self._io_address)], cause)

    def read(self) -> bool:
        raise ValueError("read() is for a client's points; a server point reports with transmit()")


# one class per side here, one in c104: isinstance(point, c104.Point) holds on both sides
Station.register(ServerStation)
Point.register(ServerPoint)
