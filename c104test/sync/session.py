"""Blocking handles on the engine for the Robot keywords and the Gherkin steps.

``RtuConnection`` wraps one client connection, ``SimulatedRtu`` one simulator; both run in the
process-wide trio thread and every call waits with a timeout. The front ends convert arguments and
report; the behaviour lives here and below, so both front ends behave the same.

>>> rtu = SimulatedRtu.start()                      # the demo RTU on a free port
>>> conn = RtuConnection.open("127.0.0.1", rtu.port)
>>> conn.interrogation(47).positive
True
>>> conn.close(); rtu.stop()
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

import trio

from ..engine.client import ActTerm, ClientConnection, CommandResult, MessageFilter
from ..engine.journal import JournalEntry
from ..engine.points import PointValue
from ..engine.profile import Profile, load_profile
from ..engine.requests import return_info
from ..engine.simulator import SimulatedPoint, Simulator
from ..engine.transport import Transport
from ..protocol.asdu import Asdu, UnknownAsdu, decode_asdu, encode_asdu
from ..protocol.enums import ConnectionState, Cot, Frz, Qoi, Rqt, Type
from ..protocol.link import LinkParameters
from ..rules import addresses
from .bridge import TrioBridge, get_bridge

__all__ = ["RtuConnection", "SimulatedRtu"]


class RtuConnection:
    """A blocking client connection to an RTU (controlling station)."""

    def __init__(self, engine: ClientConnection, bridge: TrioBridge) -> None:
        self.engine = engine
        self._bridge = bridge

    @classmethod
    def open(
        cls,
        host: str = "127.0.0.1",
        port: int = 2404,
        *,
        originator_address: int = 0,
        timeout: float = 10.0,
        params: LinkParameters | None = None,
        start_data_transfer: bool = True,
        journal_size: int | str | None = None,
        start_timeout: float | None = None,
        act_term: ActTerm | str = ActTerm.OPTIONAL,
        transport: Transport | None = None,
        stations: Iterable[int] | None = None,
    ) -> RtuConnection:
        """Connect (within t0) and start data transfer; ConnectFailed or LinkDown on failure.

        ``act_term`` is the RTU's PIXIT for process commands (see engine.termination);
        ``stations`` the CAs of its stations where known (a profile), which a procedure to the
        broadcast address waits for (engine.confirmation).
        """
        bridge = get_bridge()
        engine = ClientConnection(
            host,
            port,
            params=params,
            originator_address=originator_address,
            start_data_transfer=start_data_transfer,
            command_timeout=timeout,
            journal_size=journal_size,
            start_timeout=start_timeout,
            act_term=act_term,
            transport=transport,
            stations=stations,
        )
        bridge.start(engine.run)
        return cls(engine, bridge)

    def _run(self, afn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        async def call() -> Any:
            return await afn(*args, **kwargs)

        return self._bridge.run(call)

    def _sync(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._bridge.run_sync(fn, *args)

    # ---- state ----------------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return self.engine.host

    @property
    def port(self) -> int:
        return self.engine.port

    @property
    def state(self) -> ConnectionState:
        return self.engine.state

    @property
    def is_open(self) -> bool:
        return self.engine.is_open

    @property
    def close_reason(self) -> str | None:
        return self.engine.close_reason

    @property
    def close_info(self) -> Any:
        """Who ended the last connection and why (``engine.session.CloseInfo``); None while open."""
        return self.engine.close_info

    @property
    def timeout(self) -> float:
        return self.engine.command_timeout

    @timeout.setter
    def timeout(self, value: float) -> None:
        if value <= 0:
            raise ValueError(f"timeout must be positive, got {value}")
        self.engine.command_timeout = value

    def close(self) -> None:
        if not self._bridge.closed:
            self._run(self.engine.close)

    def wait_for_state(self, *states: ConnectionState, timeout: float | None = None) -> None:
        self._run(self.engine.wait_for_state, *states, timeout=timeout)

    # ---- link control ---------------------------------------------------------------------------

    def start_data_transfer(self, timeout: float | None = None) -> None:
        self._run(self.engine.start_data_transfer, timeout)

    def stop_data_transfer(self, timeout: float | None = None) -> None:
        self._run(self.engine.stop_data_transfer, timeout)

    def send_test_frame(self) -> None:
        self._run(self.engine.send_test_frame)

    def send_raw(self, apdu: bytes) -> None:
        self._run(self.engine.send_raw, apdu)

    def send_asdu(self, asdu: Asdu | UnknownAsdu | bytes, *, send_seq: int | None = None,
                  recv_seq: int | None = None, force: bool = False, timeout: float | None = None) -> int:
        """Send one ASDU (an object or its encoded bytes) in an I-frame; returns its N(S)."""
        if isinstance(asdu, bytes | bytearray):
            asdu = decode_asdu(bytes(asdu))
        return self._run(self.engine.send_asdu, asdu, timeout=timeout, send_seq=send_seq,
                         recv_seq=recv_seq, force=force)

    def send_acknowledgement(self, recv_seq: int | None = None) -> None:
        self._run(self.engine.send_acknowledgement, recv_seq)

    def withhold_acknowledgements(self, value: bool = True) -> None:
        self._sync(self.engine.set_withhold_acknowledgements, value)

    def ignore_test_frames(self, value: bool = True) -> None:
        self._sync(self.engine.set_ignore_test_frames, value)

    # ---- commands -------------------------------------------------------------------------------

    def interrogation(self, common_address: int, qualifier: Qoi | int = Qoi.STATION, *,
                      cot: Cot = Cot.ACTIVATION, timeout: float | None = None) -> CommandResult:
        return self._run(self.engine.interrogation, common_address, qualifier, cot=cot, timeout=timeout)

    def counter_interrogation(self, common_address: int, qualifier: Rqt | int = Rqt.GENERAL,
                              freeze: Frz = Frz.READ, *, timeout: float | None = None) -> CommandResult:
        return self._run(self.engine.counter_interrogation, common_address, qualifier, freeze, timeout=timeout)

    def clock_sync(self, common_address: int, when: _dt.datetime | None = None, *,
                   timeout: float | None = None) -> CommandResult:
        return self._run(self.engine.clock_sync, common_address, when, timeout=timeout)

    def test_command(self, common_address: int, *, with_time: bool = True,
                     timeout: float | None = None) -> CommandResult:
        return self._run(self.engine.test_command, common_address, with_time=with_time, timeout=timeout)

    def read(self, common_address: int, io_address: int, *, timeout: float | None = None) -> CommandResult:
        _check_addresses(common_address, io_address)
        return self._run(self.engine.read, common_address, io_address, timeout=timeout)

    def reset_process(self, common_address: int, qualifier: int = 1, *,
                      timeout: float | None = None) -> CommandResult:
        return self._run(self.engine.reset_process, common_address, qualifier, timeout=timeout)

    def send_command(self, common_address: int, io_address: int, type_id: Type, value: Any, *,
                     select: bool = False, qualifier: int = 0, with_time: bool = False,
                     deactivate: bool = False, act_term: ActTerm | str | None = None,
                     timeout: float | None = None) -> CommandResult:
        _check_addresses(common_address, io_address)
        engine = self.engine
        if select and not deactivate:  # two commands, the second only after the first's ACT_CON
            return self._run(
                engine.send_command, common_address, io_address, type_id, value, select=select,
                qualifier=qualifier, with_time=with_time, deactivate=deactivate,
                act_term=act_term, timeout=timeout,
            )
        _, asdu, mode = engine.process_command(
            common_address, io_address, type_id, value, select=select, qualifier=qualifier,
            with_time=with_time, deactivate=deactivate, act_term=act_term,
        )
        timeout = engine.command_timeout if timeout is None else timeout
        # sent from this thread while the trio thread is parked, else one thread hop each way
        # (TrioBridge.run_handoff); engine.command() as a task when the command cannot be sent
        # at once (another one under way, the k window full)
        return self._bridge.run_handoff(
            partial(engine.submit_command, asdu, encode_asdu(asdu), timeout=timeout, act_term=mode,
                    collect=return_info),
            partial(engine.command, asdu, timeout=timeout, act_term=mode, collect=return_info),
            engine.expire_command,
            timeout,
            outside=engine.on_frame is None,
        )

    # ---- expectations -----------------------------------------------------------------------------

    def mark(self) -> int:
        """A reference point: expectations with ``since=mark()`` ignore what came before."""
        return self._sync(lambda: self.engine.journal.next_index)

    def expect_message(self, flt: MessageFilter, *, timeout: float | None = None,
                       since: int | None = None) -> JournalEntry:
        return self._run(self.engine.expect_message, flt, timeout=timeout, since=since)

    def expect_no_message(self, flt: MessageFilter, *, within: float, since: int | None = None) -> None:
        self._run(self.engine.expect_no_message, flt, within=within, since=since)

    def expect_value(self, common_address: int, io_address: int, predicate: Callable[[Any], bool], *,
                     timeout: float | None = None, description: str = "") -> PointValue:
        return self._run(self.engine.expect_value, common_address, io_address, predicate,
                         timeout=timeout, description=description)

    def expect_report(self, common_address: int, io_address: int, predicate: Callable[[Any, Type], bool], *,
                      since: int, timeout: float | None = None, description: str = "the expected value",
                      after: str = "the reference point") -> tuple[Asdu, Any]:
        """A fresh report of the point since journal index ``since`` (see ClientConnection)."""
        return self._run(self.engine.expect_report, common_address, io_address, predicate, since=since,
                         timeout=timeout, description=description, after=after)

    def point(self, common_address: int, io_address: int) -> PointValue | None:
        return self._sync(self.engine.points.get, common_address, io_address)

    def points(self) -> list[PointValue]:
        return self._sync(lambda: list(self.engine.points))

    # ---- traffic ----------------------------------------------------------------------------------

    def frames(self, since: int = 0, *, waiting_for: str | None = None) -> list[JournalEntry]:
        """A snapshot of the journal from ``since`` (taken in the trio thread).

        With ``waiting_for`` (what the caller waits for), frames from ``since`` on that the journal
        dropped to stay in its budget raise FramesDropped instead of being skipped silently.
        """
        journal = self.engine.journal

        def snapshot() -> list[JournalEntry]:
            if waiting_for is not None:
                journal.check_cursor(since, waiting_for)
            return list(journal.since(since))

        return self._sync(snapshot)

    def explain_frames(self, since: int = 0, limit: int | None = None) -> list[str]:
        entries = self.frames(since)
        if limit is not None:
            entries = entries[-limit:]
        return [e.explain() for e in entries]

    def save_capture(self, path: str | Path) -> int:
        """Write the journal as a pcapng file; returns the number of frames."""
        return self._sync(self.engine.journal.write_pcap, path)

    def dropped_frames(self) -> int:
        """Frames the journal dropped to stay within its size (they are in no capture)."""
        return self._sync(lambda: self.engine.journal.dropped)


class SimulatedRtu:
    """A blocking handle on an RTU simulator served in the trio thread."""

    def __init__(self, simulator: Simulator, bridge: TrioBridge, scope: trio.CancelScope) -> None:
        self.simulator = simulator
        self._bridge = bridge
        self._scope = scope

    @classmethod
    def start(cls, profile: Profile | str | Path | None = None, host: str = "127.0.0.1",
              port: int = 0, *, simulate_changes: bool = False, **options: Any) -> SimulatedRtu:
        """Serve ``profile`` (a Profile, a YAML path, or None for the demo RTU).

        ``options`` go to ``Simulator`` (``max_connections``, ``redundancy_group_size``,
        ``faults``, ``queue_limit``, ``journal_size``).
        """
        if isinstance(profile, str | Path):
            profile = load_profile(profile)
        simulator = Simulator(profile, simulate_changes=simulate_changes, **options)
        bridge = get_bridge()

        async def serve(task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
            with trio.CancelScope() as scope:
                async with trio.open_nursery() as nursery:
                    await nursery.start(simulator.serve, host, port)
                    task_status.started(scope)

        scope = bridge.start(serve)
        return cls(simulator, bridge, scope)

    @property
    def port(self) -> int:
        assert self.simulator.port is not None
        return self.simulator.port

    @property
    def profile(self) -> Profile:
        return self.simulator.profile

    def set_point(self, common_address: int, io_address: int, value: Any = None, quality: Any = None,
                  cause: Cot | int = Cot.SPONTANEOUS) -> None:
        self._bridge.run(self.simulator.set_point, common_address, io_address, value, quality, cause)

    def get_point(self, common_address: int, io_address: int) -> SimulatedPoint | None:
        return self._bridge.run_sync(self.simulator.get_point, common_address, io_address)

    def set_faults(self, faults: Any) -> None:
        self._bridge.run_sync(self.simulator.set_faults, tuple(faults))

    @property
    def faults(self) -> tuple[Any, ...]:
        return self.simulator.faults

    @property
    def connection_count(self) -> int:
        return self._bridge.run_sync(lambda: len(self.simulator.connections))

    def stop(self) -> None:
        if not self._bridge.closed:
            self._bridge.run_sync(self._scope.cancel)


def _check_addresses(common_address: int, io_address: int) -> None:
    """Refuse an address outside its range here, not deep in the encoder (struct.error)."""
    addresses.common_address(common_address)
    addresses.io_address(io_address)
