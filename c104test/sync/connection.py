"""Connection: c104's client connection, on c104test's trio engine.

Every method and property of c104's ``Connection`` is here with the same parameters, defaults,
return values and errors. Where c104 fails its users, c104test differs on purpose (see
docs/c104-differences.md): a command sent while the connection is being established waits for
OPEN instead of failing; ``interrogation()`` returns only after every object of the answer has
been applied to the points; one IOA may carry its plain and its time-tagged type.
"""

from __future__ import annotations

import copy
import datetime as _dt
import ipaddress
import logging
import threading
import weakref
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import trio

from ..engine.client import ClientConnection
from ..engine.confirmation import command_name
from ..engine.errors import C104TestError, CommandTimeout
from ..engine.journal import Direction, JournalEntry
from ..engine.points import PROCESS_TYPES
from ..engine.requests import Request
from ..protocol.asdu import Asdu, UnknownAsdu, encode_asdu
from ..protocol.enums import ConnectionState, Cot, Frz, Init, Qoi, Rqt, Type, Umc
from ..protocol.link import LinkParameters
from .bridge import SPIN, TrioBridge, get_bridge
from .callbacks import call_safely, check_callback
from .information import INFO_CLASS
from .message import IncomingMessage
from .parameters import C104_DEFAULTS, ProtocolParameters
from .station import Station

if TYPE_CHECKING:
    from .client import Client

__all__ = ["Connection"]

log = logging.getLogger("c104test.connection")

BROADCAST = 0xFFFF
_ANSWERS = frozenset({Cot.ACTIVATION_CON, Cot.DEACTIVATION_CON, Cot.ACTIVATION_TERMINATION})
# plain names for the paths run per command and per received ASDU: a member looked up on its
# Enum costs about 0.1 us each time
_END_OF_INIT = Type.M_EI_NA_1
_OPEN = ConnectionState.OPEN
#: ``_handoff``'s options of a plain command, by wait_termination (made once, compared by identity)
_TERMINATION_OPTIONS: dict[bool, dict[str, Any]] = {False: {"wait_termination": False}, True: {"wait_termination": True}}


def check_ip(ip: str) -> str:
    if ip == "localhost":
        return ip
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        raise ValueError(f"Invalid IP address: {ip!r}") from None
    return ip


class Connection:
    """A connection from the client to one RTU. Create it with ``Client.add_connection``."""

    def __init__(self, client: Client, ip: str, port: int, init: Init) -> None:
        # weak: a script that drops its Client stops it, as c104's does (see Client.start)
        self._client_ref = weakref.ref(client)
        self._bridge: TrioBridge | None = None
        self._ip = ip
        self._port = port
        self._init = Init(init)
        self._params = C104_DEFAULTS
        self._originator_address = client.originator_address
        self._follows_client_oa = True
        self._stations: dict[int, Station] = {}
        self._lock = threading.RLock()
        self._on_receive_raw: Callable[..., Any] | None = None
        self._on_send_raw: Callable[..., Any] | None = None
        self._on_state_change: Callable[..., Any] | None = None
        self._on_unexpected: Callable[..., Any] | None = None
        #: A point of this connection has had an on_receive callback (see ``_inline``).
        self._point_callbacks = False
        #: The bound calls of the last command sent (see ``_handoff``): a script that repeats one
        #: command does not bind them again each time.
        self._bound: tuple[Any, ...] = ()
        self._running = False
        self._done: trio.Event | None = None
        self._engine: ClientConnection
        self._b  # noqa: B018 - creates the engine in the trio thread

    @property
    def _client(self) -> Client:
        client = self._client_ref()
        if client is None:
            raise RuntimeError(f"the Client of the connection to {self._ip}:{self._port} is gone")
        return client

    @property
    def _b(self) -> TrioBridge:
        """The process-wide bridge; after Client.stop() ended it, a new one and a new engine."""
        bridge = self._bridge
        if bridge is not None and not bridge.closed:
            return bridge  # still the process-wide one (it is replaced only once closed): no lock
        bridge = get_bridge()
        if bridge is not self._bridge:
            self._bridge = bridge
            self._running = False
            self._engine = bridge.run_sync(self._make_engine)
        return bridge

    def _rebind(self) -> None:
        self._bridge = None

    def _abandon(self) -> None:
        """Its Client is gone: close without waiting (any thread, the trio thread included)."""
        bridge = self._bridge
        if bridge is None or bridge.closed or not self._running:
            return
        self._running = False
        try:
            bridge.spawn_soon(self._engine.close)
        except RuntimeError:  # the trio thread has stopped already
            pass

    def _make_engine(self) -> ClientConnection:
        engine = ClientConnection(
            self._ip,
            self._port,
            params=self._params,
            originator_address=self._originator_address,
            start_data_transfer=self._init is not Init.MUTED,
            reconnect=True,
            reconnect_delay=1.0,
            command_timeout=self._client._command_timeout,
            # the STARTDT con is a wait like any other: bounded by the command timeout, not t1
            start_timeout=self._client._command_timeout,
            journal_size=self._client._journal_size,
            transport=self._client._transport,
            keep_points=False,  # each Point holds its own value (_asdu): a second store per object is waste
        )
        # only with a raw callback: else each frame sent and received would call it for nothing
        engine.on_frame = self._frame if self._on_receive_raw or self._on_send_raw else None
        engine.on_frame_any_thread = True  # _frame only queues (_queue)
        engine.on_state = self._state_changed
        engine.on_asdu = self._asdu
        engine.initializer = self._initialize if self._init in (Init.ALL, Init.INTERROGATION, Init.CLOCK_SYNC) else None
        return engine

    def __repr__(self) -> str:
        return f"<c104test.Connection ip={self._ip}, port={self._port}, state={self.state}, #stations={len(self._stations)}>"

    # ---- engine-side callbacks (run in the trio thread) -----------------------------------------

    async def _initialize(self, engine: ClientConnection) -> None:
        # c104's init: interrogation then clock sync, both to every station (CA 65535)
        try:
            if self._init in (Init.ALL, Init.INTERROGATION):
                try:
                    await engine.interrogation(BROADCAST, stations=self._expected(BROADCAST))
                except CommandTimeout as exc:
                    if not exc.silent_stations:
                        raise
                    self._silent(exc, "the init's station interrogation")  # as c104: the init goes on
            if self._init in (Init.ALL, Init.CLOCK_SYNC):
                await engine.clock_sync(BROADCAST)
        except C104TestError as exc:
            log.warning("init of %s:%s: %s", self._ip, self._port, exc)

    def _queue(self, fn: Callable[..., Any], what: str, *args: Any) -> None:
        """Queue a callback to the client's callback thread, as c104 queues on_state_change,
        on_receive_raw, on_send_raw and on_unexpected_message to its worker: it may call blocking
        methods (transmit, interrogation, read). One queue, so these keep the frames' order."""
        client = self._client_ref()
        if client is None:
            call_safely(fn, self, *args)  # the Client is gone: nothing runs its queue any more
            return
        name = getattr(fn, "__qualname__", None) or repr(fn)
        client._callbacks.submit(partial(call_safely, fn, self, *args), f"{what} {name} ({self._ip}:{self._port})")

    def _frame(self, entry: JournalEntry) -> None:
        if entry.direction is Direction.RECEIVED:
            fn, what = self._on_receive_raw, "on_receive_raw"
        else:
            fn, what = self._on_send_raw, "on_send_raw"
        if fn is not None:
            self._queue(fn, what, entry.raw)

    def _state_changed(self, state: ConnectionState) -> None:
        fn = self._on_state_change
        if fn is not None:  # queued: interrogation() on OPEN is the common case
            self._queue(fn, f"on_state_change {state.name}", state)

    def _unexpected(self, message: IncomingMessage, cause: Umc) -> None:
        fn = self._on_unexpected
        if fn is not None:
            # a copy: the dispatch moves the message's cursor on before the callback runs
            self._queue(fn, f"on_unexpected_message {cause.name}", copy.copy(message), cause)

    def _asdu(self, asdu: Asdu | UnknownAsdu) -> None:
        if self._client_ref() is None:
            return  # the script dropped its Client: this connection is closing (Client.start)
        if type(asdu) is not Asdu:
            self._unexpected(IncomingMessage(asdu), Umc.UNKNOWN_TYPE_ID)
            return
        type_id = asdu.type
        if type_id not in PROCESS_TYPES:
            # a confirmation (a command's answer) ends here: no IncomingMessage built for it
            if type_id is _END_OF_INIT:
                station = self._station_for(asdu.common_address, IncomingMessage(asdu))
                if station is not None:
                    self._client._station_initialized(station, asdu.objects[0].value)
            elif asdu.cot not in _ANSWERS and int(asdu.cot) < 44:
                self._unexpected(IncomingMessage(asdu), Umc.INVALID_TYPE_ID)
            return
        message = IncomingMessage(asdu)
        station = self._station_for(asdu.common_address, message)
        if station is None:
            return
        info_class = INFO_CLASS.get(type_id)
        if info_class is None:
            self._receive_unsupported(station, asdu, message)
            return
        # Once per received object: no Information is built here (a point converts what it
        # holds when a script reads it), and the message cursor moves only for a callback.
        points = station._points
        processed_at = message._processed_at
        client = self._client
        # c104 reports a message once, at its first object it cannot take (a script that logs
        # unmapped data walks the message with first()/next()); the objects it can take still count
        reported = False
        for index, ob in enumerate(asdu.objects):
            io_address = ob.io_address
            point = points.get(io_address)
            if point is None:
                if client._on_new_point is None:
                    point = station._add_received(io_address, type_id, (ob, processed_at))
                    if point is None:
                        continue  # the new point holds the value
                else:
                    message._cursor = index
                    client._new_point(station, io_address, type_id)
                    point = points.get(io_address)
                    if point is None:
                        if not reported:
                            reported = True
                            self._unexpected(message, Umc.UNKNOWN_IOA)
                        continue
            # plain and time-tagged variants share an Information class: both are accepted
            if point._info_class is not info_class:
                if not reported:
                    reported = True
                    message._cursor = index
                    self._unexpected(message, Umc.MISMATCHED_TYPE_ID)
                continue
            if point._on_receive is None:
                point._data = (ob, processed_at)
            else:
                message._cursor = index
                point._receive(ob, message)
        message._cursor = 0

    def _receive_unsupported(self, station: Station, asdu: Asdu, message: IncomingMessage) -> None:
        """A process type that c104 has no point for (CP24Time2a tags): unexpected, once per message
        (as c104 reports a message), at its first object."""
        for index, ob in enumerate(asdu.objects):
            message._cursor = index
            point = station.get_point(ob.io_address)
            if point is None:
                self._client._new_point(station, ob.io_address, asdu.type)  # add_point refuses the type
                point = station.get_point(ob.io_address)
                if point is None:
                    self._unexpected(message, Umc.UNKNOWN_IOA)
                    break
            self._unexpected(message, Umc.MISMATCHED_TYPE_ID)
            break
        message._cursor = 0

    def _station_for(self, common_address: int, message: IncomingMessage) -> Station | None:
        station = self._stations.get(common_address)
        if station is None:
            self._client._new_station(self, common_address)
            station = self._stations.get(common_address)
            if station is None:
                self._unexpected(message, Umc.UNKNOWN_CA)
        return station

    # ---- lifecycle ----------------------------------------------------------------------------------

    def connect(self) -> None:
        """Start connecting in the background (non-blocking); reconnects after a loss."""
        bridge = self._b  # after Client.stop() this makes a new engine and clears _running: first
        with self._lock:
            if self._running:
                return
            self._running = True
        bridge.run_sync(self._begin)
        bridge.start_background(self._run)

    def _begin(self) -> None:
        self._apply_settings()
        # dialling from now on, as in c104, even before the engine task has had its first turn
        self._engine.mark_dialling()

    def _apply_settings(self) -> None:
        self._engine.params = self._params
        self._engine.originator_address = self._originator_address

    async def _run(self) -> None:
        self._done = done = trio.Event()
        try:
            await self._engine.run()
        except C104TestError as exc:
            log.warning("connection %s:%s: %s", self._ip, self._port, exc)
        finally:
            self._running = False
            done.set()

    def disconnect(self) -> None:
        """Close the connection (no reconnect)."""
        if not self._running and self._engine.state is ConnectionState.CLOSED:
            return
        self._b.run(self._close)

    async def _close(self) -> None:
        await self._engine.close()
        if self._done is not None:
            with trio.move_on_after(5):
                await self._done.wait()

    # ---- commands -------------------------------------------------------------------------------

    def _ready(self) -> bool:
        """True when commands may be sent, after waiting for a connection being established."""
        engine = self._engine
        state = engine.state
        if state is _OPEN:
            return True
        # CLOSED counts while running: connect() returns before the engine task has begun
        establishing = state is ConnectionState.CLOSED or engine.is_establishing
        if not establishing or not self._running:
            return state is ConnectionState.OPEN
        try:
            self._call(engine.wait_for_state, ConnectionState.OPEN, timeout=self._client._command_timeout)
        except C104TestError:
            return False
        return True

    def _call(self, afn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        async def call() -> Any:
            return await afn(*args, **kwargs)

        return self._b.run(call)

    def _command(self, asdu: Asdu, *, wait_termination: bool, data: bytes | None = None) -> bool:
        """Send ``asdu`` (``data``: its octets, if the caller has them) and wait for its answer."""
        if self._engine.state is not _OPEN and not self._ready():  # (OPEN: _ready's first test, no call)
            return False
        return self._handoff(asdu, wait_termination, data, _TERMINATION_OPTIONS[wait_termination], SPIN)

    def _request(self, build: Callable[..., Request], wait: bool, terminated: bool, *args: Any,
                 stations: frozenset[int] | None = None, **kwargs: Any) -> bool:
        """A request built here (engine.requests), sent as a command is; without ``wait`` as a task.
        ``stations``: those that must each terminate it, for a procedure to the broadcast address."""
        if not self._ready():
            return False
        request = build(*args, **kwargs)
        if wait:
            options = request.options if stations is None else {**request.options, "stations": stations}
            # an interrogation's answer is many frames: no spinning (see bridge.SPIN)
            return self._handoff(request.asdu, terminated, None, options, 0.0 if terminated else SPIN)
        try:
            self._call(self._engine.command, request.asdu, wait=False, **request.options)
        except C104TestError as exc:
            log.info("%s", exc)
            return False
        return True

    def _handoff(
        self, asdu: Asdu, terminated: bool, data: bytes | None, options: dict[str, Any], spin: float = 0.0
    ) -> bool:
        bridge = self._bridge
        if bridge is None or bridge._closed:
            bridge = self._b
        engine = self._engine
        if data is None:
            data = encode_asdu(asdu)  # here, in the caller's thread
        timeout = engine.command_timeout
        bound = self._bound
        if not (bound and bound[0] is asdu and bound[1] is data and bound[2] is engine and bound[3] == timeout
                and (bound[4] is options or bound[4] == options)):
            bound = self._bound = (
                asdu, data, engine, timeout, options,
                partial(engine.submit_command, asdu, data, timeout=timeout, **options),
                partial(engine.command, asdu, timeout=timeout, **options),
            )
        try:
            # sent from this thread while the trio thread is parked (else by a plain call in the
            # trio thread, else engine.command() as a task), and the answer read here too while
            # trio has nothing else to do (else the caller woken by the engine when the
            # confirmation is journalled). A user's on_send_raw is only queued there (_queue).
            result = bridge.run_handoff(
                bound[5],
                bound[6],
                engine.expire_command,
                timeout,
                outside=True,
                receive=engine.outside_reader if self._inline() else None,
                spin=spin,
            )
        except C104TestError as exc:
            if isinstance(exc, CommandTimeout) and exc.silent_stations:
                self._silent(exc, command_name(asdu))
                return True  # as c104: every station that answered has terminated it
            log.info("%s", exc)
            return False
        return bool(result.positive) and (result.terminated or not terminated)

    def _silent(self, exc: CommandTimeout, what: str) -> None:
        """A broadcast that added stations never answered: c104 returns True at once; this API
        waited for them (an RTU's stations may answer one after another) and says so."""
        log.warning(
            "%s:%s: %s: added station(s) CA %s did not answer it within the command timeout; every "
            "station that answered has terminated it", self._ip, self._port, what,
            ", ".join(map(str, exc.silent_stations)),
        )

    def _inline(self) -> bool:
        """May this thread read a command's answer itself (``TrioBridge.run_handoff``'s
        ``receive``)? Only when no user callback can run while it does: what it reads is
        dispatched in this thread, under the hold that the trio thread waits for, and a callback
        calling a blocking c104test function there would wait for that hold forever. So: no
        on_new_station / on_new_point / on_station_initialized on the client, and no point of
        this connection that has ever had an on_receive (these run in the dispatch, as in c104).
        on_state_change, on_receive_raw, on_send_raw and on_unexpected_message need no rule:
        the dispatch only queues them (``_queue``) and they run in the client's callback thread,
        which waits for the hold like any other caller."""
        if self._point_callbacks:
            return False
        client = self._client_ref()
        return client is not None and (
            client._on_new_station is None and client._on_new_point is None and client._on_station_initialized is None
        )

    def _read(self, common_address: int, io_address: int) -> bool:
        return self._request(self._engine.read_request, True, False, common_address, io_address)

    def interrogation(
        self,
        common_address: int,
        cause: Cot = Cot.ACTIVATION,
        qualifier: Qoi = Qoi.STATION,
        wait_for_response: bool = True,
    ) -> bool:
        """Send C_IC_NA_1; with ``wait_for_response`` True only after ACT_CON and ACT_TERM."""
        if not 20 <= int(qualifier) <= 36:
            raise ValueError(f"Invalid qualifier of interrogation: {qualifier}")
        _check_ca(common_address)
        return self._request(
            self._engine.interrogation_request, wait_for_response, True, common_address, qualifier, cot=Cot(cause),
            stations=self._expected(common_address),
        )

    def counter_interrogation(
        self,
        common_address: int,
        cause: Cot = Cot.ACTIVATION,
        qualifier: Rqt = Rqt.GENERAL,
        freeze: Frz = Frz.READ,
        wait_for_response: bool = True,
    ) -> bool:
        _check_ca(common_address)
        return self._request(
            self._engine.counter_interrogation_request, wait_for_response, True,
            common_address, qualifier, Frz(freeze), cot=Cot(cause), stations=self._expected(common_address),
        )

    def clock_sync(self, common_address: int, wait_for_response: bool = True) -> bool:
        _check_ca(common_address)
        return self._request(self._engine.clock_sync_request, wait_for_response, False, common_address)

    def test(self, common_address: int, with_time: bool = True, wait_for_response: bool = True) -> bool:
        _check_ca(common_address)
        return self._request(
            self._engine.test_command_request, wait_for_response, False, common_address, with_time=with_time
        )

    def mute(self) -> bool:
        """Send STOPDT act; True if the connection is open (the state changes on STOPDT con)."""
        if not self.is_connected:
            return False
        try:
            self._call(self._engine.stop_data_transfer)
        except C104TestError as exc:
            log.info("%s", exc)
        return True

    def unmute(self) -> bool:
        """Send STARTDT act; True if the connection is open (the state changes on STARTDT con).

        Once the STARTDT con is in, the init commands run again in the background, as c104 runs
        them after every STARTDT con (``Init.INTERROGATION``: the values that changed while muted
        come by the interrogation)."""
        if not self.is_connected:
            return False
        try:
            self._call(self._engine.start_data_transfer, self._client._command_timeout)
        except C104TestError as exc:
            log.info("%s", exc)
            return True
        if self._engine.initializer is not None:
            self._b.start_background(self._initialize, self._engine)
        return True

    # ---- stations ---------------------------------------------------------------------------------

    def _expected(self, common_address: int) -> frozenset[int] | None:
        """The stations a procedure to the broadcast address waits for: the added ones (c104's
        own wait counts ACT_CON/ACT_TERM pairs, and so ends early when the RTU's stations answer
        one after another); None when none were added or ``common_address`` is a station's."""
        if common_address != BROADCAST or not self._stations:
            return None
        with self._lock:
            return frozenset(ca for ca in self._stations if ca != BROADCAST)

    def add_station(self, common_address: int) -> Station | None:
        """Add a station; None if one with this common address exists."""
        if not 0 <= common_address <= 0xFFFF:
            raise ValueError(f"common_address {common_address} outside 0..65535")
        with self._lock:
            if common_address in self._stations:
                return None
            station = self._stations[common_address] = Station(self, common_address)
            return station

    def get_station(self, common_address: int) -> Station | None:
        return self._stations.get(common_address)

    def remove_station(self, common_address: int) -> bool:
        with self._lock:
            station = self._stations.pop(common_address, None)
        if station is None:
            return False
        station._detach()
        return True

    @property
    def stations(self) -> list[Station]:
        with self._lock:
            return list(self._stations.values())

    @property
    def has_stations(self) -> bool:
        return bool(self._stations)

    # ---- callbacks ----------------------------------------------------------------------------------

    def on_receive_raw(self, callable: Callable[..., Any]) -> None:
        self._on_receive_raw = check_callback(callable, "(connection: c104.Connection, data: bytes) -> None", 2)
        self._engine.on_frame = self._frame  # one store: the trio thread sees it from the next frame on

    def on_send_raw(self, callable: Callable[..., Any]) -> None:
        self._on_send_raw = check_callback(callable, "(connection: c104.Connection, data: bytes) -> None", 2)
        self._engine.on_frame = self._frame

    def on_state_change(self, callable: Callable[..., Any]) -> None:
        self._on_state_change = check_callback(
            callable, "(connection: c104.Connection, state: c104.ConnectionState) -> None", 2
        )

    def on_unexpected_message(self, callable: Callable[..., Any]) -> None:
        self._on_unexpected = check_callback(
            callable,
            "(connection: c104.Connection, message: c104.IncomingMessage, cause: c104.Umc) -> None",
            3,
        )

    # ---- properties -------------------------------------------------------------------------------

    @property
    def ip(self) -> str:
        return self._ip

    @property
    def port(self) -> int:
        return self._port

    @property
    def state(self) -> ConnectionState:
        return self._engine.state

    @property
    def is_connected(self) -> bool:
        return self._engine.state in (ConnectionState.OPEN, ConnectionState.OPEN_MUTED)

    @property
    def is_muted(self) -> bool:
        return self._engine.state is ConnectionState.OPEN_MUTED

    @property
    def connected_at(self) -> _dt.datetime | None:
        return self._engine.connected_at if self.is_connected else None

    @property
    def disconnected_at(self) -> _dt.datetime | None:
        return None if self.is_connected else self._engine.disconnected_at

    @property
    def originator_address(self) -> int:
        return self._originator_address

    @originator_address.setter
    def originator_address(self, value: int) -> None:
        if not 0 <= value <= 255:
            raise ValueError(f"originator_address {value} outside 0..255")
        self._originator_address = value
        self._follows_client_oa = False
        self._apply_if_bound()

    @property
    def protocol_parameters(self) -> ProtocolParameters:
        return ProtocolParameters(lambda: self._params, self._set_params)

    def _set_params(self, params: LinkParameters) -> None:
        self._params = params
        self._apply_if_bound()

    def _apply_if_bound(self) -> None:
        # After Client.stop() the engine thread is gone; do not start a new one for a setting:
        # connect() makes a new engine with the current settings.
        bridge = self._bridge
        if bridge is not None and not bridge.closed:
            bridge.run_sync(self._apply_settings)

    @property
    def engine(self) -> ClientConnection:
        """The trio engine connection underneath (journal, point database, expectations)."""
        return self._engine


def _check_ca(common_address: int) -> None:
    if not 0 <= common_address <= 0xFFFF:
        raise ValueError(f"common_address {common_address} outside 0..65535")
