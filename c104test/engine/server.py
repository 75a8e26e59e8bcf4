"""The engine side of ``c104test.Server``: the simulator's adapter with an application behind it.

c104's Server lets a script decide what the RTU does (command callbacks, a hook before a read,
clock synchronisation, an accept filter). ``ServerEngine`` is the simulator (same links, same
``protocol/station`` layer) with ``ApplicationHooks`` that hand each decision to an
``Application`` (the synchronous Server, which runs the user's callbacks in its worker thread)
and a tap on every frame for ``on_receive_raw``/``on_send_raw``. A decision comes back through
``resolve`` in the trio thread; until then the connection's later answers wait behind it while
its link goes on (t2 acknowledgements and TESTFR answers leave on time).

Everything here runs in the trio thread; the synchronous side calls in through the bridge.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Protocol

import trio

from ..protocol.asdu import Asdu, UnknownAsdu, encode_asdu, mirror
from ..protocol.elements import COI
from ..protocol.enums import Coi, Cot, Type, Umc
from ..protocol.link import LinkState
from ..protocol.objects import EndOfInitialisation
from ..protocol.station import ApplicationHooks, Part, Pending
from ..protocol.station.points import StationPoint
from .journal import Direction, JournalEntry
from .profile import Profile
from .simulator import Simulator, SimulatorConnection
from .transport import OpenStream, Transport

__all__ = ["Application", "ServerEngine"]


class Application(Protocol):
    """What the engine asks of the synchronous Server (every method returns at once)."""

    def accept(self, host: str, pending: Pending) -> None: ...
    def command(self, connection: str, point: StationPoint, asdu: Asdu, pending: Pending) -> None: ...
    def before_read(self, points: list[StationPoint], pending: Pending) -> bool: ...
    def clock_sync(self, connection: str, when: _dt.datetime, pending: Pending) -> None: ...
    def frame(self, direction: Direction, raw: bytes) -> None: ...
    def unexpected(self, asdu: Asdu | UnknownAsdu, raw: bytes, cause: Umc) -> None: ...


# What the station's outcome of a refused request means to c104's on_unexpected_message.
_UMC_BY_OUTCOME = (
    ("UNKNOWN_TYPE_ID mirror", Umc.UNKNOWN_TYPE_ID),
    ("UNKNOWN_COT mirror", Umc.UNKNOWN_COT),
    ("UNKNOWN_CA mirror", Umc.UNKNOWN_CA),
    ("is not readable", Umc.INVALID_TYPE_ID),  # a read of a counter or a command point (c104 says so)
    ("UNKNOWN_IOA mirror", Umc.UNKNOWN_IOA),
    ("has no points", Umc.UNIMPLEMENTED_GROUP),
    ("is a ", Umc.MISMATCHED_TYPE_ID),
)


class ServerConnection(SimulatorConnection):
    """A simulator connection whose frames also reach the application's raw callbacks."""

    def _log_frame(self, entry: JournalEntry) -> None:
        super()._log_frame(entry)
        simulator = self.simulator
        assert isinstance(simulator, ServerEngine)
        simulator.application.frame(entry.direction, entry.raw)


class ServerEngine(Simulator):
    """A controlled station whose decisions an ``Application`` makes; see the module docstring.

    ``filter_connections``: ask ``Application.accept`` before serving a new connection.
    """

    connection_class = ServerConnection

    def __init__(
        self,
        profile: Profile,
        application: Application,
        *,
        filter_connections: bool = False,
        transport: Transport | None = None,
    ) -> None:
        super().__init__(profile, transport=transport)
        self.application = application
        self.filter_connections = filter_connections
        self.station.hooks = ApplicationHooks(
            command=self._command, before_read=self._before_read, clock_sync=self._clock_sync
        )
        self._waiters: dict[int, trio.Event] = {}

    # ---- decisions ----

    def _name(self, connection_id: int) -> str:
        connection = self._by_id.get(connection_id)
        return connection.name if connection is not None else f"connection {connection_id}"

    def _command(self, connection_id: int, point: StationPoint, asdu: Asdu) -> Pending:
        pending = Pending()
        self.application.command(self._name(connection_id), point, asdu, pending)
        return pending

    def _before_read(self, connection_id: int, points: list[StationPoint]) -> Pending | None:
        pending = Pending()
        return pending if self.application.before_read(points, pending) else None

    def _clock_sync(self, connection_id: int, when: _dt.datetime) -> Pending:
        pending = Pending()
        self.application.clock_sync(self._name(connection_id), when, pending)
        return pending

    def resolve(self, pending: Pending, result: Any) -> None:
        """The application decided (call in the trio thread): answers waiting on it may leave."""
        pending.resolve(result)
        waiter = self._waiters.pop(id(pending), None)
        if waiter is not None:
            waiter.set()
        self.wake()

    def wake(self) -> None:
        """Let every connection's writer look for something to send."""
        for connection in self._connections:
            connection._wake()
        self._timer_wakeup.set()

    # ---- connections ----

    async def _serve_connection(self, opened: OpenStream) -> None:
        if self.filter_connections:
            if opened.peer is None:  # the client is gone already
                await trio.aclose_forcefully(opened.stream)
                return
            host = opened.peer.host
            # a connection the limits refuse is refused without asking the application (c104
            # calls on_connect only below max_connections): super() refuses it and logs why
            if self._refusal(host) is None:
                pending = Pending()
                waiter = self._waiters[id(pending)] = trio.Event()
                self.application.accept(host, pending)
                if not pending.done:
                    await waiter.wait()
                self._waiters.pop(id(pending), None)
                if pending.result is False:
                    self.connections_refused += 1
                    await trio.aclose_forcefully(opened.stream)
                    return
        await super()._serve_connection(opened)

    @property
    def open_connection_count(self) -> int:
        return len(self._connections)

    @property
    def active_connection_count(self) -> int:
        return sum(1 for c in self._connections if c.link.state is LinkState.STARTED)

    # ---- sending ----

    def report(self, points: list[tuple[int, int]], cause: Cot | int) -> bool:
        """Report the points (CA, IOA) with ``cause`` to every started connection, packed into
        as few ASDUs as their types allow. False (and nothing queued) without a started one."""
        if not self.active_connection_count:
            return False
        station = self.station
        for common_address, io_address in points:
            station.broadcast(station.point(common_address, io_address), int(cause), 0)
        self.wake()
        return True

    def signal_initialized(self, common_address: int, cause: Coi) -> bool:
        """End of initialisation (M_EI_NA_1, COT 4) to every started connection."""
        asdu = Asdu(Type.M_EI_NA_1, Cot.INITIALIZED, common_address, (EndOfInitialisation(0, COI(cause, False)),))
        raw = encode_asdu(asdu)
        sent = False
        for connection in self._connections:
            if connection.link.state is LinkState.STARTED:
                sent = self.station.send(connection.id, Part.INITIALISATION, raw, asdu) or sent
        self.wake()
        return sent

    def confirm_later(self, connection: str, command: bytes, cause: Cot) -> bool:
        """A late ACT_CON/ACT_TERM mirroring ``command`` on the connection named ``connection``
        (c104: a command answered with ResponseState.NONE, then ``point.transmit(cause)``)."""
        for c in self._connections:
            if c.name == connection:
                part = Part.TERMINATION if cause == Cot.ACTIVATION_TERMINATION else Part.CONFIRMATION
                self.station.send(c.id, part, mirror(command, Cot(cause), negative=False))
                self.wake()
                return True
        return False

    # ---- answering ----

    def _dispatch(self, connection: SimulatorConnection, raw: bytes, asdu: Asdu | UnknownAsdu, now: float) -> None:
        super()._dispatch(connection, raw, asdu, now)
        answered = self.received_commands[-1]
        if answered.positive:
            return
        for text, cause in _UMC_BY_OUTCOME:
            if text in answered.outcome:
                self.application.unexpected(asdu, raw, cause)
                return
