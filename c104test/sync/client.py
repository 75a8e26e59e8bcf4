"""Client: c104's client, owning connections to RTUs, on c104test's trio engine."""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any

from ..engine.journal import parse_size
from ..protocol.enums import Coi, ConnectionState, Init, Type
from .bridge import THREAD_NAME, shutdown_bridge
from .callback_queue import STOP_CALLBACK_WAIT, CallbackQueue
from .callbacks import call_safely, check_callback
from .connection import Connection, check_ip
from .security import transport_of
from .station import Station

log = logging.getLogger("c104test.client")

__all__ = ["Client"]

_running_clients: set[int] = set()
_running_lock = threading.Lock()


class Client:
    """A controlling station with connections to one or more RTUs.

    >>> client = Client()
    >>> connection = client.add_connection(ip="127.0.0.1", port=2404, init=Init.ALL)
    >>> client.start()   # connects in the background
    """

    def __init__(
        self,
        tick_rate_ms: int = 100,
        command_timeout_ms: int = 10000,
        transport_security: Any = None,
        *,
        journal_size: int | str | None = None,
    ) -> None:
        """As c104's Client; ``journal_size`` (c104test's own) gives each of its connections a frame
        journal of that many octets ("64MiB", "10 MB") instead of a share of the process-wide
        budget (``c104test.set_journal_size``, default 64 MiB)."""
        if tick_rate_ms < 50:
            raise ValueError("tick_rate_ms must be at least 50")
        if command_timeout_ms <= 0:
            raise ValueError("command_timeout_ms must be positive")
        # TLS: checked now (ValueError naming the file or setting); the settings become read-only
        self._transport = transport_of(transport_security, server=False)
        self._tick_rate_ms = tick_rate_ms
        self._command_timeout = command_timeout_ms / 1000
        self._journal_size = None if journal_size is None else parse_size(journal_size)
        self._originator_address = 0
        self._connections: list[Connection] = []
        self._callbacks = CallbackQueue()  # on_state_change runs there, as on c104's worker thread
        self._lock = threading.RLock()
        self._running = False
        self._on_new_station: Callable[..., Any] | None = None
        self._on_new_point: Callable[..., Any] | None = None
        self._on_station_initialized: Callable[..., Any] | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None

    def __repr__(self) -> str:
        return f"<c104test.Client #connections={len(self._connections)}, running={self._running}>"

    # ---- connections ------------------------------------------------------------------------------

    def add_connection(self, ip: str, port: int = 2404, init: Init = Init.ALL) -> Connection | None:
        """A new (not yet open) connection; None if ``ip:port`` exists already."""
        check_ip(ip)
        if not 0 < port <= 65535:
            raise ValueError(f"port {port} outside 1..65535")
        with self._lock:
            if any(c.ip == ip and c.port == port for c in self._connections):
                # c104 prints such a line too: a None that nothing explains is a puzzle
                log.warning("add_connection: a connection to %s:%s exists already; None returned", ip, port)
                return None
            connection = Connection(self, ip, port, init)
            self._connections.append(connection)
        if self._running:
            connection.connect()
        return connection

    def get_connection(self, ip: str = "", port: int = 2404, common_address: int = 0) -> Connection | None:
        """By ``ip`` and ``port``, or else the first connection with a station at ``common_address``."""
        with self._lock:
            connections = list(self._connections)
        if ip:
            return next((c for c in connections if c.ip == ip and c.port == port), None)
        return next((c for c in connections if c.get_station(common_address) is not None), None)

    @property
    def connections(self) -> list[Connection]:
        with self._lock:
            return list(self._connections)

    @property
    def has_connections(self) -> bool:
        return bool(self._connections)

    @property
    def open_connection_count(self) -> int:
        return sum(c.is_connected for c in self.connections)

    @property
    def has_open_connections(self) -> bool:
        return self.open_connection_count > 0

    @property
    def active_connection_count(self) -> int:
        return sum(c.state is ConnectionState.OPEN for c in self.connections)

    @property
    def has_active_connections(self) -> bool:
        return self.active_connection_count > 0

    @property
    def is_running(self) -> bool:
        return self._running

    @property
    def tick_rate_ms(self) -> int:
        return self._tick_rate_ms

    @property
    def originator_address(self) -> int:
        return self._originator_address

    @originator_address.setter
    def originator_address(self, value: int) -> None:
        if not 0 <= value <= 255:
            raise ValueError(f"originator_address {value} outside 0..255")
        self._originator_address = value
        for connection in self.connections:
            if connection._follows_client_oa:
                connection.originator_address = value
                connection._follows_client_oa = True

    # ---- running ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect every connection in the background."""
        with _running_lock:
            _running_clients.add(id(self))
        if self._finalizer is None or not self._finalizer.alive:
            # the connections hold their Client weakly: when the script drops it, it stops
            self._finalizer = weakref.finalize(self, _abandoned, self._connections, id(self))
        self._running = True
        for connection in self.connections:
            connection.connect()

    def stop(self) -> None:
        """Disconnect everything; the trio thread stops when no client runs any more."""
        self._running = False
        if self._finalizer is not None:
            self._finalizer.detach()
        for connection in self.connections:
            connection.disconnect()
        # the states of the close (OPEN_AWAIT_CLOSED, CLOSED) are reported before stop() returns
        self._callbacks.close(STOP_CALLBACK_WAIT)
        with _running_lock:
            _running_clients.discard(id(self))
            last = not _running_clients
        if last:
            shutdown_bridge()
            for connection in self.connections:  # they reconnect through a new bridge if restarted
                connection._rebind()

    def reconnect_all(self) -> None:
        for connection in self.connections:
            connection.disconnect()
        if self._running:
            for connection in self.connections:
                connection.connect()

    def disconnect_all(self) -> None:
        for connection in self.connections:
            connection.disconnect()

    # ---- callbacks --------------------------------------------------------------------------------

    def on_new_station(self, callable: Callable[..., Any]) -> None:
        """``(client, connection, common_address) -> None``; it must add the station itself."""
        self._on_new_station = check_callback(
            callable, "(client: c104.Client, connection: c104.Connection, common_address: int) -> None", 3
        )

    def on_new_point(self, callable: Callable[..., Any]) -> None:
        """``(client, station, io_address, point_type) -> None``; it must add the point itself."""
        self._on_new_point = check_callback(
            callable,
            "(client: c104.Client, station: c104.Station, io_address: int, point_type: c104.Type) -> None",
            4,
        )

    def on_station_initialized(self, callable: Callable[..., Any]) -> None:
        """``(client, station, cause: Coi) -> None`` when an RTU reports end of initialisation."""
        self._on_station_initialized = check_callback(
            callable, "(client: c104.Client, station: c104.Station, cause: c104.Coi) -> None", 3
        )

    def _new_station(self, connection: Connection, common_address: int) -> None:
        if self._on_new_station is None:
            connection.add_station(common_address)
        else:
            call_safely(self._on_new_station, self, connection, common_address)

    def _new_point(self, station: Station, io_address: int, type_id: Type) -> None:
        if self._on_new_point is None:
            station.add_point(io_address, type_id)
        else:
            call_safely(self._on_new_point, self, station, io_address, type_id)

    def _station_initialized(self, station: Station, cause: Any) -> None:
        cause = Coi(cause) if isinstance(cause, int) and cause in Coi._value2member_map_ else cause
        call_safely(self._on_station_initialized, self, station, cause)


def _abandoned(connections: list[Connection], key: int) -> None:
    """A running Client the script no longer refers to stops, as c104's does on garbage
    collection: its connections close (no reconnect), and the trio thread ends when nothing else
    runs. Whatever thread drops the last reference runs this, the trio thread included, so
    nothing here waits for it."""
    for connection in connections:
        connection._abandon()
    with _running_lock:
        _running_clients.discard(key)
        last = not _running_clients
    if last and not threading.current_thread().name.startswith(("c104test-", THREAD_NAME)):
        shutdown_bridge()
