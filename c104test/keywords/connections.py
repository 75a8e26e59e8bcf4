"""Connection keywords, and the shared base of every keyword component.

Connections are kept in a ``robot.utils.ConnectionCache`` as SSHLibrary does: each has an index
(1, 2, ...) and an optional alias, and keywords act on the current one.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from robot.api import logger
from robot.utils import secs_to_timestr
from robotlibcore import keyword

from ..engine.errors import CommandTimeout, ExpectationFailed
from ..engine.journal import parse_size
from ..engine.profile import load_profile
from ..engine.termination import ActTerm
from ..engine.tls import tls_options, tls_transport
from ..engine.transport import Endpoint
from ..protocol.closing import ClosedBy
from ..protocol.enums import ConnectionState
from ..protocol.link import LinkParameters
from ..sync.session import RtuConnection

if TYPE_CHECKING:
    from .library import IEC104Library

__all__ = ["ConnectionKeywords", "LibraryComponent", "RtuSession"]


@dataclasses.dataclass(eq=False)
class RtuSession:
    """One connection as the library keeps it: the blocking handle plus keyword defaults.

    ``reference`` is the journal index where the last stimulus on this connection began (a
    command, a raw frame, a simulated change); expectations look at what arrived after it.
    """

    rtu: RtuConnection
    index: int = 0
    alias: str | None = None
    common_address: int | None = None
    timeout: float | None = None
    reference: int = 0
    stimulated: bool = False  # a stimulus was marked: ``reference`` is meaningful

    @property
    def name(self) -> str:
        label = f"'{self.alias}'" if self.alias else f"#{self.index}"
        return f"RTU connection {label} ({self.rtu.host}:{self.rtu.port})"

    def close(self) -> None:
        self.rtu.close()


class LibraryComponent:
    """Base of the keyword components: reaches the library's shared state."""

    def __init__(self, library: IEC104Library) -> None:
        self.library = library

    # ---- lookups shared by the components ---------------------------------------------------------

    @property
    def session(self) -> RtuSession:
        """The current connection; RuntimeError when there is none."""
        return self.library.connections.get_connection()

    def wait_time(self, timeout: timedelta | None, session: RtuSession | None = None) -> float:
        """Seconds to wait: the argument, else the connection's, else the library's default."""
        if timeout is not None:
            seconds = timeout.total_seconds()
            if seconds <= 0:
                raise ValueError(f"timeout must be positive, got {secs_to_timestr(seconds)}")
            return seconds
        if session is not None and session.timeout is not None:
            return session.timeout
        return self.library.timeout

    def station(self, common_address: int | None, session: RtuSession | None = None) -> int:
        """The common address to use: the argument, the connection's, or the library's."""
        for candidate in (
            common_address,
            session.common_address if session is not None else None,
            self.library.common_address,
        ):
            if candidate is not None:
                if not 0 <= candidate <= 0xFFFF:
                    raise ValueError(f"common address {candidate} outside 0..65535")
                return candidate
        raise ValueError(
            "no common address to use: give common_address= to this keyword, or to Connect To RTU "
            "(or profile= there, whose first station is the default), or as the library import "
            "argument"
        )

    def stimulus(self, session: RtuSession) -> None:
        """Mark the start of a stimulus: expectations look at frames after this point."""
        session.reference = session.rtu.mark()
        session.stimulated = True


class ConnectionKeywords(LibraryComponent):
    """Connect To RTU, Disconnect From RTU, Switch RTU Connection, data transfer and timeouts."""

    @keyword("Connect To RTU")
    def connect_to_rtu(
        self,
        host: str,
        port: int = 2404,
        *,
        alias: str | None = None,
        common_address: int | None = None,
        originator_address: int | None = None,
        timeout: timedelta | None = None,
        start_data_transfer: bool = True,
        act_term: ActTerm = ActTerm.OPTIONAL,
        profile: str | None = None,
        k: int | None = None,
        w: int | None = None,
        t0: timedelta | None = None,
        t1: timedelta | None = None,
        t2: timedelta | None = None,
        t3: timedelta | None = None,
        journal_size: str | None = None,
        tls_cert: str | None = None,
        tls_key: str | None = None,
        tls_ca: str | None = None,
        tls_peer_certs: list[str] | str | None = None,
        tls_min_version: str | None = None,
        tls_verify: bool = True,
    ) -> int:
        """Opens a connection to an RTU, starts data transfer, and makes it the current connection.

        Args:
            host: Host name or IP address of the RTU.
            port: TCP port of the RTU (2404 is the standard's).
            alias: Name for `Switch RTU Connection` and `Disconnect From RTU`.
            common_address: Default common address (CA) of the keywords on this connection.
                Without it: the library's import argument, else the first station of
                ``profile``, else the first station of the `Start Simulated RTU` at this
                port. With none of them, keywords that need a CA fail and say so.
            originator_address: Originator address (OA, 0..255) in every ASDU sent.
            timeout: Default wait of the keywords on this connection (else the library's). It
                bounds connecting too: the TCP connect (unless ``t0`` is given) and the wait
                for the STARTDT confirmation.
            start_data_transfer: Send STARTDT act and wait for its con. With ``False`` the
                connection stays stopped until `Start Data Transfer` (for link-layer tests).
            act_term: Whether the RTU terminates process commands with ACT_TERM (PIXIT):
                ``optional`` (default: a positive ACT_CON confirms, an ACT_TERM that arrives is
                checked), ``required`` (wait for it) or ``never`` (one that arrives fails). See
                `Send Command`.
            profile: Profile (YAML) that describes the RTU; its first station is the default
                common address, and an interrogation to the broadcast address (65535) waits
                until each of its stations has answered. Without it, the stations of the
                `Start Simulated RTU` at this port count; with neither, it waits for the
                stations that confirmed.
            k: Maximum number of unacknowledged I-frames this side sends (default 12).
            w: Acknowledge at the latest after this many received I-frames (default 8).
            t0: TCP connect timeout (default: ``timeout``).
            t1: Timeout for acknowledgements and U-frame confirmations (default 15 s).
            t2: Acknowledgement delay, less than t1 (default 10 s).
            t3: Idle time before this side sends TESTFR act (default 20 s).
            journal_size: Memory this connection's frame journal may hold, as ``64MiB``,
                ``10 MB`` or plain octets. Default: the process-wide journal budget (64 MiB shared
                by all connections). When the journal is full, the oldest frames are dropped;
                the log and `Save Traffic Capture` say how many.
            tls_cert: TLS (IEC 62351-3): this client's certificate (PEM). Any ``tls_`` argument
                makes the connection TLS; see the TLS page of the documentation.
            tls_key: The private key of ``tls_cert`` (PEM, unencrypted).
            tls_ca: The CA certificate(s) (PEM) the RTU's certificate must chain to.
            tls_peer_certs: Accept only an RTU presenting one of these certificates (a path or
                a list of paths).
            tls_min_version: Lowest TLS version, ``1.2`` (default) or ``1.3``.
            tls_verify: ``False`` skips the check of the RTU's certificate (lab use only).

        Returns:
            The index of the new connection (1 for the first).

        Fails with the host, port and reason when the RTU cannot be reached within t0 or does
        not confirm STARTDT.

        Examples:
        | `Connect To RTU` | 10.0.0.5 |
        | `Connect To RTU` | 10.0.0.5 | 2404 | alias=bay12 | common_address=12 | t3=30s |
        | ${index} = | `Connect To RTU` | ${RTU_HOST} | ${RTU_PORT} | start_data_transfer=False |
        | `Connect To RTU` | 10.0.0.5 | timeout=2s | journal_size=256MiB |
        | `Connect To RTU` | 10.0.0.5 | 19998 | tls_cert=client.pem | tls_key=client.key | tls_ca=ca.pem |
        """
        tls = tls_options(
            tls_cert, tls_key, tls_ca, tls_peer_certs, tls_min_version, None if tls_verify else False
        )
        transport = tls_transport(tls, server=False)  # files checked now, before connecting
        wait = self.wait_time(timeout)
        size = None if journal_size in (None, "") else parse_size(journal_size)
        params = LinkParameters()
        overrides: dict[str, Any] = {"t0": wait}
        for name, value in (("t0", t0), ("t1", t1), ("t2", t2), ("t3", t3)):
            if value is not None:
                overrides[name] = value.total_seconds()
        for name, count in (("k", k), ("w", w)):
            if count is not None:
                overrides[name] = count
        params = dataclasses.replace(params, **overrides)
        act_term = ActTerm.parse(act_term)
        oa = self.library.originator_address if originator_address is None else originator_address
        stations = self._known_stations(host, port, profile)
        if common_address is not None:
            self.station(common_address)  # range check before connecting
        elif self.library.common_address is not None:
            common_address = self.library.common_address
        elif stations:
            common_address = stations[0]
        rtu = RtuConnection.open(
            host,
            port,
            originator_address=oa,
            timeout=wait,
            params=params,
            start_data_transfer=start_data_transfer,
            journal_size=size,
            start_timeout=wait,
            act_term=act_term,
            transport=transport,
            stations=stations,
        )
        session = RtuSession(
            rtu,
            alias=alias or None,
            common_address=common_address,
            timeout=None if timeout is None else wait,
        )
        session.index = self.library.connections.register(session, alias or None)
        state = "data transfer started" if start_data_transfer else "data transfer stopped"
        ca = "no default common address" if common_address is None else f"common address {common_address}"
        if stations:
            ca += f"; stations {', '.join(map(str, stations))}"
        over = f" over {rtu.engine.tls or 'TLS'}" if tls is not None else ""
        logger.info(f"Connected to {Endpoint(host, port)}{over} as {session.name}; {state}; {ca}; act_term={act_term.value}.")
        return session.index

    def _known_stations(self, host: str, port: int, profile: str | None) -> list[int] | None:
        """The CAs of the profile's stations, else of the simulator at ``port``; None: not known.
        The first is the default CA; a broadcast (CA 65535) waits for each one's answer."""
        if profile:
            return [int(s.common_address) for s in load_profile(profile).stations]
        for rtu in self.library.simulators:
            if rtu.port == port and host in ("127.0.0.1", "localhost", "::1"):
                return [int(s.common_address) for s in rtu.profile.stations]
        return None

    @keyword("Disconnect From RTU")
    def disconnect_from_rtu(self, alias: str | None = None) -> None:
        """Closes a connection: the current one, or the one with this alias or index.

        Args:
            alias: Alias or index of the connection; default the current connection.

        Closing a connection that is already closed does nothing. When the current connection
        is closed there is no current connection until `Connect To RTU` or
        `Switch RTU Connection`.

        Examples:
        | `Disconnect From RTU` |
        | `Disconnect From RTU` | bay12 |
        """
        cache = self.library.connections
        session = cache.get_connection(alias)
        session.close()
        if session is cache.current:
            cache.current_index = None
        logger.info(f"Closed {session.name}.")

    @keyword("Close All RTU Connections")
    def close_all_rtu_connections(self) -> None:
        """Closes every connection opened with `Connect To RTU`; indexes start again from 1.

        Use it in ``Suite Teardown``. The library closes what is left when the run ends.

        Examples:
        | `Close All RTU Connections` |
        """
        cache = self.library.connections
        errors = []
        for session in cache:
            try:
                session.close()
            except Exception as exc:  # keep closing the others
                errors.append(f"{session.name}: {exc}")
        count = len(cache)
        cache.empty_cache()
        logger.info(f"Closed {count} RTU connection(s).")
        if errors:
            raise RuntimeError("closing failed for " + "; ".join(errors))

    @keyword("Switch RTU Connection")
    def switch_rtu_connection(self, alias: str) -> int | None:
        """Makes another connection the current one.

        Args:
            alias: Alias or index of the connection.

        Returns:
            The index of the connection that was current before (None if there was none), so
            that a test can switch back.

        Examples:
        | ${previous} = | `Switch RTU Connection` | standby |
        | `Send Interrogation` |
        | `Switch RTU Connection` | ${previous} |
        """
        cache = self.library.connections
        previous = cache.current_index
        try:
            session = cache.switch(alias)
        except RuntimeError:
            known = ", ".join(
                f"{s.index} ({s.alias})" if s.alias else str(s.index) for s in cache
            ) or "none"
            raise RuntimeError(
                f"no RTU connection with index or alias '{alias}'; connections: {known}"
            ) from None
        logger.info(f"Switched to {session.name}.")
        return previous

    @keyword("Start Data Transfer")
    def start_data_transfer(self, timeout: timedelta | None = None) -> None:
        """Sends STARTDT act and waits for STARTDT con (nothing is sent when already started).

        Args:
            timeout: How long to wait for the con; default t1 (the link then closes).

        Examples:
        | `Connect To RTU` | ${RTU_HOST} | start_data_transfer=False |
        | `Start Data Transfer` |
        """
        session = self.session
        self.stimulus(session)
        session.rtu.start_data_transfer(None if timeout is None else self.wait_time(timeout))
        logger.info(f"Data transfer started on {session.name}.")

    @keyword("Stop Data Transfer")
    def stop_data_transfer(self, timeout: timedelta | None = None) -> None:
        """Sends STOPDT act and waits for STOPDT con; the RTU then sends no more I-frames.

        Args:
            timeout: How long to wait for the con; default t1 (the link then closes).

        Examples:
        | `Stop Data Transfer` |
        | `Expect No Message` | within=2s |
        """
        session = self.session
        self.stimulus(session)
        session.rtu.stop_data_transfer(None if timeout is None else self.wait_time(timeout))
        logger.info(f"Data transfer stopped on {session.name}.")

    @keyword("Set RTU Timeout")
    def set_rtu_timeout(self, timeout: timedelta) -> str:
        """Sets the library's default wait for confirmations, values and messages.

        Args:
            timeout: The new default, like ``5s`` or ``1 min 30 s``.

        Returns:
            The previous default, so that it can be restored.

        The default applies to every keyword without its own ``timeout=`` on connections that
        were opened without ``timeout=``. It starts as the library import argument.

        Examples:
        | ${previous} = | `Set RTU Timeout` | 30s |
        | `Send Interrogation` |
        | `Set RTU Timeout` | ${previous} |
        """
        seconds = timeout.total_seconds()
        if seconds <= 0:
            raise ValueError(f"timeout must be positive, got {secs_to_timestr(seconds)}")
        previous = self.library.timeout
        self.library.timeout = seconds
        logger.info(f"RTU timeout set to {secs_to_timestr(seconds)} (was {secs_to_timestr(previous)}).")
        return secs_to_timestr(previous)

    @keyword("Expect Connection Closed")
    def expect_connection_closed(self, timeout: timedelta | None = None) -> str:
        """Waits until the RTU closes the current connection; fails if it stays open.

        Conformance tests use it after a provocation: a wrong N(S), an unanswered TESTFR, a
        malformed frame. Only a close made by the RTU counts: when c104test closed the
        connection itself (its own t1, a protocol error it detected, the test), the keyword fails
        and says so, since the RTU did not react.

        Args:
            timeout: How long the RTU may take to close the connection.

        Returns:
            Why the connection closed, as the engine saw it.

        Examples:
        | `Send ASDU` | ${GI_ASDU} | send_seq=5 |
        | ${reason} = | `Expect Connection Closed` | timeout=2s |
        """
        session = self.session
        wait = self.wait_time(timeout, session)
        try:
            session.rtu.wait_for_state(ConnectionState.CLOSED, timeout=wait)
        except CommandTimeout:
            raise ExpectationFailed(
                f"expected the RTU to close {session.name} within {secs_to_timestr(wait)}, "
                f"but it stayed {session.rtu.state.name}; last frames:\n"
                + "\n".join(session.rtu.explain_frames(session.reference, limit=8))
            ) from None
        reason = session.rtu.close_reason or "closed"
        info = session.rtu.close_info
        if info is not None and info.by is not ClosedBy.PEER:
            raise ExpectationFailed(
                f"expected the RTU to close {session.name}, but c104test closed it itself "
                f"({info.cause.value}: {reason}); the RTU did not close it"
            )
        logger.info(f"{session.name} closed: {reason}")
        return reason
