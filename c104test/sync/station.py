"""Station and Point: the c104-compatible client-side view of an RTU's data."""

from __future__ import annotations

import datetime as _dt
import threading
from abc import ABCMeta
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from ..protocol.asdu import Asdu, encode_asdu, type_info
from ..protocol.commands import COMMAND_TYPES
from ..protocol.enums import CommandMode, Cot, Type
from ..protocol.objects import InformationObject
from .callbacks import call_safely, check_callback
from .info_conversion import received_info
from .info_fields import ReadOnlyInformation
from .information import INFO_CLASS, Information, default_info, fit_time_tag, object_from_info

if TYPE_CHECKING:
    from .connection import Connection
    from .message import IncomingMessage

__all__ = ["Point", "Station", "check_select_mode"]

MAX_IOA = 0xFFFFFF
# plain names for transmit(): a member looked up on its Enum costs about 0.1 us each time
_SELECT_AND_EXECUTE = CommandMode.SELECT_AND_EXECUTE
_ACTIVATION = Cot.ACTIVATION
_TIMED_COMMANDS = frozenset(t for t in COMMAND_TYPES if type_info(t).time_tag is not None)
_SLOTS_OF: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


def _slots_of(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    """A getter of every slot of an instance of ``cls`` (the Information classes), in one C call.

    >>> from c104test.sync.command_info import SingleCmd
    >>> _slots_of(SingleCmd)(SingleCmd(True))[-2:]  # the base's four, then _on and _qualifier
    (True, <Qoc.NONE: 0>)
    """
    getter = _SLOTS_OF.get(cls)
    if getter is None:
        names: dict[str, None] = {}
        for klass in reversed(cls.__mro__):
            slots = klass.__dict__.get("__slots__", ())
            names.update(dict.fromkeys((slots,) if isinstance(slots, str) else slots))
        getter = _SLOTS_OF[cls] = attrgetter(*names)  # an Information has four slots at least
    return getter


class Station(metaclass=ABCMeta):  # noqa: B024 (ABCMeta for register(), not abstract)
    """A common address on a connection, with its points.

    A Server's stations (``ServerStation``) are registered as Stations too: in c104 one class
    serves both sides, and a script may test ``isinstance(station, c104.Station)``.
    """

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

    def _add_received(self, io_address: int, type_id: Type, data: tuple[InformationObject, _dt.datetime]) -> Point | None:
        """Add the point for a received object (engine thread); the point if one exists already."""
        point = Point._received(self, io_address, type_id, data)
        with self._lock:
            existing = self._points.setdefault(io_address, point)
        return None if existing is point else existing

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


_NO_SELECT = frozenset({Type.C_BO_NA_1, Type.C_BO_TA_1})


def check_select_mode(type_id: Type, mode: CommandMode) -> CommandMode:
    """The mode a script sets on a point: as c104's setter, select-and-execute only for command
    types other than the bitstring commands (``add_point`` takes any mode, as c104's does)."""
    mode = CommandMode(mode)
    if mode is CommandMode.SELECT_AND_EXECUTE and (type_id not in COMMAND_TYPES or type_id in _NO_SELECT):
        raise ValueError(f"Only control points, except for C_BO_* support select and execute mode, not {type_id.name}")
    return mode


class Point(metaclass=ABCMeta):  # noqa: B024 (ABCMeta for register(), not abstract)
    """One IOA. Monitoring points receive values; command points ``transmit()`` them.

    A Server's points (``ServerPoint``) are registered as Points too (see Station).

    A received value is kept as it arrived, ``(object, processed_at)``, and becomes an Information
    only when a script reads it (``info``, ``value``, ...; then it is cached): an interrogation
    updates thousands of points whose values are never read one by one. The engine thread
    replaces ``_data`` in one store; a reader converts what it finds and caches the conversion
    with the data it came from, so a read never returns an older value than it saw.
    """

    __slots__ = ("_auto", "_cache", "_command_mode", "_data", "_info_class", "_io_address", "_on_receive",
                 "_sent", "_station", "_type")

    def __init__(self, station: Station, io_address: int, type_id: Type, mode: CommandMode) -> None:
        self._station: Station | None = station
        self._io_address = io_address
        self._type = type_id
        self._info_class = INFO_CLASS[type_id]
        self._data: Information | tuple[InformationObject, _dt.datetime] = default_info(type_id)
        self._cache: tuple[tuple[InformationObject, _dt.datetime], Information] | None = None
        self._command_mode = mode
        self._on_receive: Callable[..., Any] | None = None
        #: Made for a received object, not by the script (c104 lets a script change those values)
        self._auto = False
        #: The last direct command sent, ((info, its slots, cause, its type, CA, OA) or None, its
        #: Asdu, its octets): the same command again (a script that repeats ``transmit()``) is not
        #: built and encoded again.
        self._sent: tuple[tuple[Any, ...] | None, Asdu, bytes] | None = None

    @classmethod
    def _received(
        cls, station: Station, io_address: int, type_id: Type, data: tuple[InformationObject, _dt.datetime]
    ) -> Point:
        """A point made for a received object (no on_new_point callback): it starts with that value.

        The default info a new point has is never visible here, so it is not built.
        """
        point = object.__new__(cls)
        point._station = station
        point._io_address = io_address
        point._type = type_id
        point._info_class = INFO_CLASS[type_id]
        point._data = data
        point._cache = None
        point._command_mode = CommandMode.DIRECT
        point._on_receive = None
        point._sent = None
        point._auto = True
        return point

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
        data = self._data
        if type(data) is not tuple:
            return data  # type: ignore[return-value]
        cache = self._cache
        if cache is not None and cache[0] is data:
            return cache[1]
        info = received_info(*data)
        self._cache = (data, info)
        return info

    @info.setter
    def info(self, info: Information) -> None:
        if not isinstance(info, INFO_CLASS[self._type]):
            raise ValueError(
                f"{self._type.name} carries {INFO_CLASS[self._type].__name__}, not {type(info).__name__}"
            )
        self._data = fit_time_tag(info, self._type)

    def _writable(self) -> Information:
        data = self._data
        if type(data) is tuple or data.is_readonly:  # type: ignore[union-attr]
            if not self._auto:  # as in c104: a received value is the RTU's, not the script's
                raise ReadOnlyInformation(
                    f"Information is read-only! {self._type.name} point {self._io_address} holds a received "
                    "value; assign point.info to replace it")
            # a point c104 made for a received object: c104 lets a script change it
            data = self._data = default_info(self._type)
        return data  # type: ignore[return-value]

    @property
    def value(self) -> Any:
        return self.info.value

    @value.setter
    def value(self, value: Any) -> None:
        info = self._writable()
        info.update(value=value)
        fit_time_tag(info, self._type, refresh=True)  # c104: a new value gets a new time tag

    @property
    def quality(self) -> Any:
        return self.info.quality

    @quality.setter
    def quality(self, quality: Any) -> None:
        info = self._writable()
        info.update(quality=quality)
        fit_time_tag(info, self._type, refresh=True)

    @property
    def recorded_at(self) -> _dt.datetime | None:
        return self.info.recorded_at

    @property
    def processed_at(self) -> _dt.datetime:
        data = self._data
        return data[1] if type(data) is tuple else data.processed_at  # type: ignore[union-attr,index]

    @property
    def command_mode(self) -> CommandMode:
        return self._command_mode

    @command_mode.setter
    def command_mode(self, mode: CommandMode) -> None:
        self._command_mode = check_select_mode(self._type, mode)

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
        self._alive()._connection._point_callbacks = True  # commands read their answers in the trio thread

    def _receive(self, ob: InformationObject, message: IncomingMessage) -> None:
        """Called in the engine thread for an element addressed to this point, with on_receive set."""
        previous = self.info
        self._data = (ob, message._processed_at)
        call_safely(self._on_receive, self, previous, message)

    def transmit(self, cause: Cot = Cot.ACTIVATION) -> bool:
        """Send this command point's info; select-and-execute points select first.

        Returns True for a positive confirmation (and termination, for select-and-execute).
        """
        station = self._station
        if station is None:
            station = self._alive()  # raises: the point was removed
        if self._type not in COMMAND_TYPES:
            raise ValueError(f"{self._type.name} is a monitoring type; a client transmits commands only")
        connection = station._connection
        if self._command_mode is _SELECT_AND_EXECUTE and cause == _ACTIVATION:
            select = Asdu(self._type, cause, station.common_address,
                          (object_from_info(self._type, self._io_address, self.info, select=True),),
                          connection.originator_address)
            if not connection._command(select, wait_termination=False):
                return False
            execute = object_from_info(self._type, self._io_address, self.info, select=False)
            asdu = Asdu(self._type, cause, station.common_address, (execute,), connection.originator_address)
            return connection._command(asdu, wait_termination=True)
        info = self.info
        ca, oa = station._common_address, connection._originator_address
        # The last command is reused while the info holds what it held then (its slots, read
        # in one C call): the object is not built, compared and encoded again for a script that
        # repeats transmit(). A type with a CP56Time2a tag takes the time of each call: built anew.
        key = None
        if self._type not in _TIMED_COMMANDS:
            try:
                key = (info, _slots_of(type(info))(info), cause, type(cause), ca, oa)
            except AttributeError:  # a slot never set: build it the long way
                key = None
        sent = self._sent
        if key is None or sent is None or sent[0] != key:
            ob = object_from_info(self._type, self._io_address, info, select=False)
            asdu = Asdu(self._type, cause, ca, (ob,), oa)
            sent = self._sent = (key, asdu, encode_asdu(asdu))
        return connection._command(sent[1], wait_termination=False, data=sent[2])

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

