"""``c104test.Server`` and ``c104test.Batch``: c104's server API over the one station layer.

The Server is a third front end over ``protocol/station`` (after the simulator and the Robot
keywords): ``engine/server.py`` runs the links and the station in the trio thread, and this
module runs the script's callbacks in one worker thread, as c104 does. A callback that takes
long holds back only the answer that waits for it; the link keeps acknowledging (t2) and
answering TESTFR, because that happens in the trio thread.

>>> import c104test as c104
>>> server = c104.Server(ip="127.0.0.1", port=0)
>>> station = server.add_station(common_address=47)
>>> point = station.add_point(io_address=11, type=c104.Type.M_ME_NC_1, report_ms=1000)
>>> point.value = 12.5
>>> server.is_running
False
"""

from __future__ import annotations

import datetime as _dt
import logging
import threading
import time as _time
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

import trio

from ..engine.journal import Direction
from ..engine.profile import Pixit, Profile, StationProfile
from ..engine.server import ServerEngine
from ..protocol.asdu import Asdu, UnknownAsdu, encode_asdu
from ..protocol.enums import Coi, CommandMode, Cot, ResponseState, Type, Umc
from ..protocol.link import LinkParameters
from ..protocol.station import CommandDecision, Pending
from ..protocol.station.points import StationPoint
from .bridge import THREAD_NAME, TrioBridge, get_bridge, shutdown_bridge
from .callbacks import call_for_answer, call_safely, check_callback
from .client import _running_clients, _running_lock
from .information import info_from_object
from .message import IncomingMessage
from .parameters import C104_DEFAULTS, ProtocolParameters
from .security import transport_of
from .server_station import ServerPoint, ServerStation, source_of

__all__ = ["Batch", "Server"]

log = logging.getLogger("c104test.server")

_RAW_LIMIT = 10_000  # raw-frame callbacks waiting in the worker; more are dropped and counted
_STOP_GRACE = 5.0  # the engine's links to close (in the trio thread: never held up by a callback)
STOP_CALLBACK_WAIT = 1.0  # seconds ``Server.stop()`` waits for a callback that is running


class _Worker(threading.Thread):
    """The Server's callback thread: jobs in order, and the tick (timers, periodic reports)."""

    def __init__(self, server: Server) -> None:
        super().__init__(name="c104test-server-callbacks", daemon=True)
        self._server = weakref.ref(server)  # weak: the script's last reference decides (finalizer)
        self._tick_s = server.tick_rate_ms / 1000
        self._jobs: deque[tuple[bool, Callable[[], Any], str]] = deque()
        self._raw_waiting = 0
        self.raw_dropped = 0
        self._cond = threading.Condition()
        self._stopping = False
        # the callback running now and since when (monotonic), for stop() to name one that blocks
        self.running: tuple[str, float] | None = None

    def submit(self, job: Callable[[], Any], *, raw: bool = False, what: str) -> None:
        """Queue a job (called from the trio thread: never blocks); ``what`` names its callback."""
        with self._cond:
            if raw:
                if self._raw_waiting >= _RAW_LIMIT:
                    self.raw_dropped += 1
                    return
                self._raw_waiting += 1
            self._jobs.append((raw, job, what))
            self._cond.notify()

    def calling(self, what: str | None) -> None:
        """Note the callback the worker runs now (None: none)."""
        self.running = None if what is None else (what, _time.monotonic())

    def stop(self, *, wait: bool = True) -> None:
        """End the worker after the callback it runs now; wait at most STOP_CALLBACK_WAIT for
        that callback, then log which one holds it up (it runs on to its end in this daemon
        thread, and the worker ends after it: no further callback is called)."""
        with self._cond:
            self._stopping = True
            self._jobs.clear()
            self._raw_waiting = 0
            self._cond.notify()
        if not wait or self is threading.current_thread():
            return
        self.join(STOP_CALLBACK_WAIT)
        running = self.running
        if self.is_alive() and running is not None:
            log.warning(
                "Server.stop(): callback %s has run for %.1f s and has not returned; the server stopped "
                "without it (its answer is not sent; it runs on to its end in thread %s, then that "
                "thread ends)", running[0], _time.monotonic() - running[1], self.name,
            )

    def run(self) -> None:
        tick = self._tick_s
        next_tick = _time.monotonic() + tick
        while True:
            with self._cond:
                while not self._jobs and not self._stopping:
                    wait = next_tick - _time.monotonic()
                    if wait <= 0:
                        break
                    self._cond.wait(wait)
                if self._stopping:
                    return
                item = self._jobs.popleft() if self._jobs else None
                if item is not None and item[0]:
                    self._raw_waiting -= 1
            if item is not None:
                self.calling(item[2])
                try:
                    item[1]()
                except Exception:  # a job must never end the worker
                    log.exception("server callback job failed")
                self.calling(None)
                item = None  # the job holds the server: not while the worker waits
            now = _time.monotonic()
            if now >= next_tick:
                next_tick = max(next_tick + tick, now)
                server = self._server()
                if server is None:
                    return
                try:
                    server._tick(now)
                except Exception:
                    log.exception("server tick failed")
                self.calling(None)
                server = None


class Server:
    """An IEC 104 controlled station (RTU) with c104's Server API; see the module docstring."""

    def __init__(
        self,
        ip: str = "0.0.0.0",
        port: int = 2404,
        tick_rate_ms: int = 100,
        select_timeout_ms: int = 10000,
        max_connections: int = 0,
        transport_security: Any = None,
    ) -> None:
        if tick_rate_ms < 50:
            raise ValueError(f"tick_rate_ms {tick_rate_ms} is below the minimum of 50 ms")
        if select_timeout_ms <= 0:
            raise ValueError(f"select_timeout_ms {select_timeout_ms} must be positive")
        # TLS: checked now (ValueError naming the file or setting); the settings become read-only
        self._transport = transport_of(transport_security, server=True)
        if not 0 <= max_connections <= 65535:
            raise ValueError(f"max_connections {max_connections} outside 0..65535 (0: unlimited)")
        self._ip = ip
        self._port = port
        self._tick_rate_ms = tick_rate_ms
        self._select_timeout_ms = select_timeout_ms
        self._max_connections = max_connections
        self._stations: dict[int, ServerStation] = {}
        self._lock = threading.RLock()
        self._parameters: LinkParameters = C104_DEFAULTS
        self._engine: ServerEngine | None = None
        self._bridge: TrioBridge | None = None
        self._worker: _Worker | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._done: trio.Event | None = None
        self._on_connect: Callable[..., Any] | None = None
        self._on_clock_sync: Callable[..., Any] | None = None
        self._on_unexpected_message: Callable[..., Any] | None = None
        self._on_receive_raw: Callable[..., Any] | None = None
        self._on_send_raw: Callable[..., Any] | None = None

    def __repr__(self) -> str:
        return (f"<c104test.Server ip={self._ip}, port={self.port}, #stations={len(self._stations)}, "
                f"#clients={self.open_connection_count}>")

    # ---- properties ----

    @property
    def ip(self) -> str:
        return self._ip

    @property
    def port(self) -> int:
        """The port; after ``start()`` with port 0, the one actually bound."""
        engine = self._engine
        return engine.port if engine is not None and engine.port is not None else self._port

    @property
    def tick_rate_ms(self) -> int:
        return self._tick_rate_ms

    @property
    def max_connections(self) -> int:
        return self._max_connections

    @max_connections.setter
    def max_connections(self, value: int) -> None:
        if not 0 <= value <= 65535:
            raise ValueError(f"max_connections {value} outside 0..65535 (0: unlimited)")
        self._max_connections = value
        engine = self._engine
        if engine is not None:
            engine.max_connections = value or 65535

    @property
    def is_running(self) -> bool:
        return self._engine is not None

    @property
    def stations(self) -> list[ServerStation]:
        with self._lock:
            return list(self._stations.values())

    @property
    def has_stations(self) -> bool:
        return bool(self._stations)

    @property
    def open_connection_count(self) -> int:
        engine = self._engine
        return 0 if engine is None else engine.open_connection_count

    @property
    def has_open_connections(self) -> bool:
        return self.open_connection_count > 0

    @property
    def active_connection_count(self) -> int:
        """Clients that started data transfer (STARTDT)."""
        engine = self._engine
        return 0 if engine is None else engine.active_connection_count

    @property
    def has_active_connections(self) -> bool:
        return self.active_connection_count > 0

    @property
    def protocol_parameters(self) -> ProtocolParameters:
        """k, w, t0-t3; a change applies to connections accepted afterwards."""
        return ProtocolParameters(lambda: self._parameters, self._put_parameters)

    def _put_parameters(self, parameters: LinkParameters) -> None:
        self._parameters = parameters
        engine = self._engine
        if engine is not None:
            profile = engine.profile
            self._call(setattr, engine, "profile", _replace_link(profile, parameters))

    # ---- stations ----

    def add_station(self, common_address: int) -> ServerStation | None:
        """Add a common address; None if it exists. ValueError outside 1..65534."""
        if not 1 <= common_address <= 65534:
            raise ValueError(f"common_address {common_address} outside 1..65534")
        with self._lock:
            if common_address in self._stations:
                return None
            station = self._stations[common_address] = ServerStation(self, common_address)
        self._changed(station)
        return station

    def get_station(self, common_address: int) -> ServerStation | None:
        return self._stations.get(common_address)

    def remove_station(self, common_address: int) -> bool:
        with self._lock:
            station = self._stations.pop(common_address, None)
        if station is None:
            return False
        station._detach()
        engine = self._engine
        if engine is not None:
            self._call(engine.station.remove_station, common_address)
        return True

    def _changed(self, station: ServerStation) -> None:
        """A station or its points changed: tell the running station layer."""
        engine = self._engine
        if engine is not None and station._server is self:
            self._call(_put_station, engine, station._profile(), station)

    # ---- callbacks ----

    def on_connect(self, callable: Callable[..., Any]) -> None:
        """``(server, ip) -> bool``: accept (True) or refuse a new TCP connection."""
        self._on_connect = check_callback(callable, "(server: c104.Server, ip: str) -> bool", 2)

    def on_clock_sync(self, callable: Callable[..., Any]) -> None:
        """``(server, ip, date_time) -> ResponseState`` for a clock synchronisation."""
        self._on_clock_sync = check_callback(
            callable, "(server: c104.Server, ip: str, date_time: datetime.datetime) -> c104.ResponseState", 3
        )

    def on_unexpected_message(self, callable: Callable[..., Any]) -> None:
        """``(server, message, cause: Umc) -> None`` after the automatic negative answer."""
        self._on_unexpected_message = check_callback(
            callable, "(server: c104.Server, message: c104.IncomingMessage, cause: c104.Umc) -> None", 3
        )

    def on_receive_raw(self, callable: Callable[..., Any]) -> None:
        """``(server, data: bytes) -> None`` for every APDU received on any connection."""
        self._on_receive_raw = check_callback(callable, "(server: c104.Server, data: bytes) -> None", 2)

    def on_send_raw(self, callable: Callable[..., Any]) -> None:
        """``(server, data: bytes) -> None`` for every APDU sent on any connection."""
        self._on_send_raw = check_callback(callable, "(server: c104.Server, data: bytes) -> None", 2)

    # ---- running ----

    def start(self) -> None:
        """Listen and serve; RuntimeError if the port cannot be bound."""
        if self._engine is not None:
            return
        with _running_lock:  # the trio thread stays while a client or a server runs
            _running_clients.add(id(self))
        bridge = self._bridge = get_bridge()
        stations = self.stations
        # The simulator's profile needs a station; with none yet a placeholder is removed again.
        profiles = tuple(s._profile() for s in stations) or (StationProfile(1),)
        profile = Profile(
            profiles,
            link=self._parameters,
            pixit=Pixit(select_timeout=self._select_timeout_ms / 1000, end_of_initialisation=False),
            max_connections=self._max_connections or 65535,
            name="c104test.Server",
        )
        engine = ServerEngine(profile, _Application(self), filter_connections=True, transport=self._transport)
        ip, port = self._ip, self._port  # the task must not hold the Server (see _abandoned)
        if not stations:
            engine.station.remove_station(1)
        for station in stations:
            _set_sources(engine, station)
        worker = _Worker(self)
        done = trio.Event()

        async def serve(task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED) -> None:
            try:
                await engine.serve(ip, port, task_status=task_status)
            finally:
                done.set()

        try:
            bridge.start(serve)
        except OSError as exc:
            self._release()
            raise RuntimeError(f"Can't start server: Port in use? ({self._ip}:{self._port}: {exc})") from None
        self._done = done
        self._engine = engine
        self._worker = worker
        worker.start()
        self._finalizer = weakref.finalize(self, _abandoned, engine, worker, bridge, id(self))

    def stop(self) -> None:
        """Close every connection and stop listening; the callback thread ends too."""
        engine, done, worker = self._engine, self._done, self._worker
        if engine is None:
            return
        self._engine = None
        if self._finalizer is not None:
            self._finalizer.detach()
        bridge = self._bridge
        assert bridge is not None

        async def stop() -> None:
            engine.stop()
            if done is not None:
                with trio.move_on_after(_STOP_GRACE):
                    await done.wait()

        try:
            bridge.run(stop)
        finally:
            if worker is not None:
                worker.stop()
            self._release()

    def _release(self) -> None:
        with _running_lock:
            _running_clients.discard(id(self))
            last = not _running_clients
        if last:
            shutdown_bridge()

    def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Call ``fn`` in the trio thread (the engine's state lives there)."""
        bridge = self._bridge
        if bridge is None:
            raise RuntimeError("the server is not running")
        return bridge.run_sync(fn, *args)

    # ---- sending ----

    def transmit_batch(self, batch: Batch) -> bool:
        """Send the batch's points in one ASDU (more if they do not fit); False if the batch
        is empty or no client is active."""
        if not batch.has_points:
            return False
        return self._report([(p._alive().common_address, p.io_address) for p in batch.points], batch.cot)

    def _report(self, keys: list[tuple[int, int]], cause: Cot) -> bool:
        engine = self._engine
        if engine is None:
            return False
        return bool(self._call(engine.report, keys, cause))

    def _confirm_later(self, connection: str, raw: bytes, cause: Cot) -> bool:
        engine = self._engine
        if engine is None:
            return False
        return bool(self._call(engine.confirm_later, connection, raw, cause))

    def _signal_initialized(self, common_address: int, cause: Coi) -> None:
        engine = self._engine
        if engine is not None:
            self._call(engine.signal_initialized, common_address, cause)

    # ---- the worker's side ----

    def _resolve(self, pending: Pending, result: Any) -> None:
        engine = self._engine
        if engine is None:
            return
        bridge = self._bridge
        try:
            if bridge is not None:
                bridge.call_soon(engine.resolve, pending, result)  # no wait: the worker goes on
        except RuntimeError:  # the trio thread stopped meanwhile
            pass

    def _calling(self, what: str) -> None:
        worker = self._worker
        if worker is not None:
            worker.calling(what)

    def _point(self, common_address: int, io_address: int) -> ServerPoint | None:
        station = self._stations.get(common_address)
        return None if station is None else station.get_point(io_address)

    def _tick(self, now: float) -> None:
        """Timers and periodic reports (only while a client is active, as in c104)."""
        if not self.active_connection_count:
            return
        due: list[tuple[int, int, int]] = []
        # a due time within half a tick counts as reached: the worker may wake a hair early
        horizon = now + self._tick_rate_ms / 2000
        for station in self.stations:
            for point in station.points:
                if point._on_timer is not None and point._timer_ms:
                    if not point._due_timer:
                        point._due_timer = now + point._timer_ms / 1000
                    elif point._due_timer <= horizon:
                        point._due_timer = _next_due(point._due_timer, point._timer_ms, horizon, now)
                        self._calling(f"on_timer {_name(point._on_timer)} of IOA {point.io_address} (CA {station.common_address})")
                        call_safely(point._on_timer, point)
                if point._report_ms:
                    if not point._due_report:
                        point._due_report = now + point._report_ms / 1000
                    elif point._due_report <= horizon:
                        point._due_report = _next_due(point._due_report, point._report_ms, horizon, now)
                        self._calling(f"on_before_auto_transmit {_name(point._on_before_auto_transmit)} of IOA {point.io_address} (CA {station.common_address})")
                        call_safely(point._on_before_auto_transmit, point)
                        due.append((station.common_address, int(point.type), point.io_address))
        if due:
            due.sort()  # one station and type together: they pack into one ASDU
            self._report([(ca, ioa) for ca, _, ioa in due], Cot.PERIODIC)


def _next_due(due: float, interval_ms: int, horizon: float, now: float) -> float:
    """The time after ``due`` of a cyclic report or timer: one interval on, keeping the phase;
    after a pause (no client was active, a restart) one interval from now, never ``now`` itself
    (that sent the report again on the next tick: two reports 50 ms apart)."""
    following = due + interval_ms / 1000
    return following if following > horizon else now + interval_ms / 1000


def _abandoned(engine: ServerEngine, worker: _Worker, bridge: TrioBridge, key: int) -> None:
    """A running Server the script no longer refers to stops, as c104's does on garbage
    collection: its port is closed, its worker thread ends, and the trio thread too when
    nothing else runs. Whatever thread drops the last reference runs this, the trio thread and
    the worker included, so nothing here waits for either."""
    worker.stop(wait=False)
    try:
        bridge.call_soon(engine.stop)
    except RuntimeError:  # the trio thread has stopped already
        pass
    with _running_lock:
        _running_clients.discard(key)
        last = not _running_clients
    if last and not threading.current_thread().name.startswith(("c104test-", THREAD_NAME)):
        shutdown_bridge()


def _replace_link(profile: Profile, link: LinkParameters) -> Profile:
    import dataclasses

    return dataclasses.replace(profile, link=link)


def _set_sources(engine: ServerEngine, station: ServerStation) -> None:
    logical = engine.station.stations.get(station.common_address)
    if logical is None:
        return
    for io_address, target in logical.points.items():
        point = station.get_point(io_address)
        if point is not None and target.kind != "command":
            target.source = source_of(point)


def _put_station(engine: ServerEngine, profile: StationProfile, station: ServerStation) -> None:
    engine.station.put_station(profile)
    _set_sources(engine, station)


def _name(fn: Any) -> str:
    """A callback's name for a log line: ``on_command`` (``Rtu.on_command``), ``<lambda>``."""
    return str(getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn))


class _Application:
    """The engine's questions, answered by the Server's callbacks in its worker thread."""

    def __init__(self, server: Server) -> None:
        self._server = weakref.ref(server)  # the engine lives in the trio thread: it must not keep the Server

    @staticmethod
    def _submit(server: Server, job: Callable[[], Any], what: str, *, raw: bool = False) -> None:
        worker = server._worker
        if worker is not None:
            worker.submit(job, raw=raw, what=what)

    def accept(self, host: str, pending: Pending) -> None:
        server = self._server()
        if server is None or server._on_connect is None or server._worker is None:
            pending.resolve(server is not None)
            return

        def job() -> None:
            result = call_for_answer(server._on_connect, bool, False, f"the connection from {host} is refused", server, host)
            server._resolve(pending, result)

        self._submit(server, job, f"on_connect {_name(server._on_connect)} for {host}")

    def command(self, connection: str, target: StationPoint, asdu: Asdu, pending: Pending) -> None:
        server = self._server()
        point = None if server is None else server._point(target.common_address, target.io_address)
        if server is None or point is None or server._worker is None:
            pending.resolve(CommandDecision(confirm=False, terminate=False))
            return
        processed = _dt.datetime.now()

        def job() -> None:
            previous = point._info
            point._info = info_from_object(asdu.type, asdu.objects[0], processed_at=processed)
            raw = encode_asdu(asdu)
            answer = ResponseState.SUCCESS
            if point._on_receive is not None:
                answer = call_for_answer(
                    point._on_receive, ResponseState, ResponseState.FAILURE,
                    f"the {asdu.type.name} to IOA {point.io_address} is confirmed negatively (FAILURE)",
                    point, previous, IncomingMessage(asdu, raw),
                )
            terminate = point._command_mode is CommandMode.SELECT_AND_EXECUTE
            if answer is ResponseState.NONE:
                point._unconfirmed = (connection, raw)
                decision = CommandDecision(confirm=None, terminate=False)
            else:
                decision = CommandDecision(confirm=answer == ResponseState.SUCCESS, terminate=terminate)
            server._resolve(pending, decision)

        what = (f"on_receive {_name(point._on_receive)} of IOA {point.io_address} (CA {target.common_address}, "
                f"{asdu.type.name} from {connection})")
        self._submit(server, job, what)

    def before_read(self, points: list[StationPoint], pending: Pending) -> bool:
        server = self._server()
        if server is None:
            return False
        wanted = [p for p in (server._point(s.common_address, s.io_address) for s in points)
                  if p is not None and p._on_before_read is not None]
        if not wanted or server._worker is None:
            return False

        def job() -> None:
            for point in wanted:
                call_safely(point._on_before_read, point)
            server._resolve(pending, None)

        ioas = ", ".join(str(p.io_address) for p in wanted[:5]) + (", ..." if len(wanted) > 5 else "")
        self._submit(server, job, f"on_before_read of IOA {ioas}")
        return True

    def clock_sync(self, connection: str, when: _dt.datetime, pending: Pending) -> None:
        server = self._server()
        if server is None or server._on_clock_sync is None or server._worker is None:
            pending.resolve(server is not None)
            return

        def job() -> None:
            result = call_for_answer(
                server._on_clock_sync, ResponseState, ResponseState.FAILURE,
                "the clock synchronisation is confirmed negatively (FAILURE)", server, connection, when,
            )
            server._resolve(pending, result is ResponseState.SUCCESS)

        self._submit(server, job, f"on_clock_sync {_name(server._on_clock_sync)} from {connection}")

    def frame(self, direction: Direction, raw: bytes) -> None:
        server = self._server()
        if server is None:
            return
        fn = server._on_receive_raw if direction is Direction.RECEIVED else server._on_send_raw
        if fn is not None:
            name = "on_receive_raw" if direction is Direction.RECEIVED else "on_send_raw"
            self._submit(server, lambda: call_safely(fn, server, raw), name, raw=True)

    def unexpected(self, asdu: Asdu | UnknownAsdu, raw: bytes, cause: Umc) -> None:
        server = self._server()
        if server is None:
            return
        fn = server._on_unexpected_message
        if fn is not None:
            self._submit(server, lambda: call_safely(fn, server, IncomingMessage(asdu, raw), cause),
                         f"on_unexpected_message ({cause.name})")


class Batch:
    """Points of one station and one type, sent together by ``Server.transmit_batch``."""

    def __init__(self, cause: Cot, points: list[ServerPoint] | None = None) -> None:
        self._cot = Cot(cause)
        self._points: list[ServerPoint] = []
        for point in points or ():
            self.add_point(point)

    def __repr__(self) -> str:
        return f"<c104test.Batch cot={self._cot}, #points={len(self._points)}>"

    def add_point(self, point: ServerPoint) -> None:
        """ValueError for a point of another station or type, or one already in the batch."""
        if not isinstance(point, ServerPoint):
            raise ValueError(f"a batch holds a server's points, not {type(point).__name__}")
        if self._points:
            first = self._points[0]
            if point.station is not first.station:
                raise ValueError("a batch holds points of one station only")
            if point.type is not first.type:
                raise ValueError(f"a batch holds points of one type ({first.type.name}), not {point.type.name}")
            if any(p is point for p in self._points):
                raise ValueError(f"point {point.io_address} is already in the batch")
        self._points.append(point)

    @property
    def common_address(self) -> int:
        station = self._points[0].station if self._points else None
        return 0 if station is None else station.common_address

    @property
    def type(self) -> Type:
        return self._points[0].type if self._points else Type.C_TS_TA_1

    @property
    def cot(self) -> Cot:
        return self._cot

    @property
    def originator_address(self) -> int:
        return 0

    @property
    def number_of_objects(self) -> int:
        return len(self._points)

    @property
    def is_test(self) -> bool:
        return False

    @property
    def is_negative(self) -> bool:
        return False

    @property
    def is_sequence(self) -> bool:
        addresses = [p.io_address for p in self._points]
        return bool(addresses) and addresses == list(range(addresses[0], addresses[0] + len(addresses)))

    @property
    def points(self) -> list[ServerPoint]:
        return list(self._points)

    @property
    def has_points(self) -> bool:
        return bool(self._points)
