"""Station and Point: the c104-compatible client-side view of an RTU's data."""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..protocol.asdu import Asdu
from ..protocol.commands import COMMAND_TYPES
from ..protocol.enums import CommandMode, Cot, Type
from ..protocol.objects import InformationObject
from .callbacks import call_safely, check_callback
from .information import INFO_CLASS, Information, default_info, info_from_object, object_from_info

if TYPE_CHECKING:
    from .connection import Connection
    from .message import IncomingMessage

__all__ = ["Point", "Station"]

MAX_IOA = 0xFFFFFF


class Station:
    """A common address on a connection, with its points."""

    def __init__(self, connection: Connection, common_address: int) -> None:
        self._connection = connection
        self._common_address = common_address
        self._points: dict[int, Point] = {}
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"<c104test.Station common_address={self._common_address}, #points={len(self._points)}>"

    @property
    def common_address(self) -> int:
        return self._common_address

    @property
    def connection(self) -> Connection:
        return self._connection

    @property
    def server(self) -> None:
        return None

    @property
    def is_local(self) -> bool:
        return False

    @property
    def points(self) -> list[Point]:
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
    ) -> Point | None:
        """Add a point; None if the IOA is taken. ValueError for what a client cannot have."""
        if not 0 <= io_address <= MAX_IOA:
            raise ValueError(f"io_address {io_address} outside 0..{MAX_IOA}")
        if type not in INFO_CLASS:
            raise ValueError(f"Unsupported type {Type(type).name}")
        if report_ms:
            raise ValueError("report_ms is for points of a server; a client point reports nothing")
        if related_io_address is not None or related_io_autoreturn:
            raise ValueError("related_io_address and related_io_autoreturn are for points of a server")
        with self._lock:
            if io_address in self._points:
                return None
            point = Point(self, io_address, Type(type), CommandMode(command_mode))
            self._points[io_address] = point
            return point

    def get_point(self, io_address: int) -> Point | None:
        return self._points.get(io_address)

    def remove_point(self, io_address: int) -> bool:
        with self._lock:
            point = self._points.pop(io_address, None)
        if point is None:
            return False
        point._detach()
        return True

    def _detach(self) -> None:
        for point in self.points:
            point._detach()

    def signal_initialized(self, cause: Any) -> None:
        """A server's station announces its initialisation; a client's station cannot."""
        raise ValueError("signal_initialized() is for a server's station (c104test.Server); "
                         "a client receives end of initialisation through Client.on_station_initialized")


class Point:
    """One IOA. Monitoring points receive values; command points ``transmit()`` them."""

    def __init__(self, station: Station, io_address: int, type_id: Type, mode: CommandMode) -> None:
        self._station: Station | None = station
        self._io_address = io_address
        self._type = type_id
        self._info: Information = default_info(type_id)
        self._command_mode = mode
        self._on_receive: Callable[..., Any] | None = None
        self._processed_at = _dt.datetime.now()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<c104test.Point io_address={self._io_address}, type={self._type}, value={self.value}>"

    def _alive(self) -> Station:
        if self._station is None:
            raise ValueError(f"point {self._io_address} was removed from its station")
        return self._station

    def _detach(self) -> None:
        self._station = None

    @property
    def io_address(self) -> int:
        return self._io_address

    @property
    def type(self) -> Type:
        return self._type

    @property
    def station(self) -> Station | None:
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
        self._info = info

    @property
    def value(self) -> Any:
        return self._info.value

    @value.setter
    def value(self, value: Any) -> None:
        info = self._info
        if info.is_readonly:  # a received info: start a fresh one carrying the new value
            info = self._info = default_info(self._type)
        info.update(value=value)

    @property
    def quality(self) -> Any:
        return self._info.quality

    @quality.setter
    def quality(self, quality: Any) -> None:
        info = self._info
        if info.is_readonly:
            info = self._info = default_info(self._type)
        info.update(quality=quality)

    @property
    def recorded_at(self) -> _dt.datetime | None:
        return self._info.recorded_at

    @property
    def processed_at(self) -> _dt.datetime:
        return self._info.processed_at

    @property
    def command_mode(self) -> CommandMode:
        return self._command_mode

    @command_mode.setter
    def command_mode(self, mode: CommandMode) -> None:
        self._command_mode = CommandMode(mode)

    @property
    def selected_by(self) -> int | None:
        return None

    @property
    def related_io_address(self) -> int | None:
        return None

    @property
    def related_io_autoreturn(self) -> bool:
        return False

    @property
    def report_ms(self) -> int:
        return 0

    @property
    def timer_ms(self) -> int:
        return 0

    def on_receive(self, callable: Callable[..., Any]) -> None:
        """Callback ``(point, previous_info, message) -> ResponseState`` for each received element."""
        self._on_receive = check_callback(
            callable,
            "(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState",
            3,
        )

    def _receive(self, ob: InformationObject, type_id: Type, message: IncomingMessage) -> None:
        """Called in the engine thread for every received element addressed to this point."""
        previous = self._info
        self._info = info_from_object(type_id, ob, processed_at=message._processed_at)
        call_safely(self._on_receive, self, previous, message)

    def transmit(self, cause: Cot = Cot.ACTIVATION) -> bool:
        """Send this command point's info; select-and-execute points select first.

        Returns True for a positive confirmation (and termination, for select-and-execute).
        """
        station = self._alive()
        if self._type not in COMMAND_TYPES:
            raise ValueError(f"{self._type.name} is a monitoring type; a client transmits commands only")
        connection = station.connection
        if self._command_mode is CommandMode.SELECT_AND_EXECUTE and cause == Cot.ACTIVATION:
            select = Asdu(self._type, cause, station.common_address,
                          (object_from_info(self._type, self._io_address, self._info, select=True),),
                          connection.originator_address)
            if not connection._command(select, wait_termination=False):
                return False
            execute = object_from_info(self._type, self._io_address, self._info, select=False)
            asdu = Asdu(self._type, cause, station.common_address, (execute,), connection.originator_address)
            return connection._command(asdu, wait_termination=True)
        ob = object_from_info(self._type, self._io_address, self._info, select=False)
        asdu = Asdu(self._type, cause, station.common_address, (ob,), connection.originator_address)
        return connection._command(asdu, wait_termination=False)

    def on_before_read(self, callable: Callable[..., Any]) -> None:
        raise ValueError("on_before_read is for a server's points (c104test.Server); a client point uses on_receive")

    def on_before_auto_transmit(self, callable: Callable[..., Any]) -> None:
        raise ValueError("on_before_auto_transmit is for a server's points with report_ms (c104test.Server)")

    def on_timer(self, callable: Callable[..., Any] | None, interval_ms: int = 0) -> None:
        raise ValueError("on_timer is for a server's points (c104test.Server)")

    def read(self) -> bool:
        """C_RD_NA_1 for this point; True when its value arrived (COT 5)."""
        station = self._alive()
        return station.connection._read(station.common_address, self._io_address)

