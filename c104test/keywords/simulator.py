"""Simulator keywords: serve a simulated RTU in this process and drive its points.

The simulator runs in the library's trio thread, so a suite can start its own RTU in
``Suite Setup`` (port 0 picks a free port, which keeps parallel runs under pabot apart).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.utils import ConnectionCache
from robotlibcore import keyword

from ..engine.profile import Profile, demo_profile, load_profile
from ..engine.tls import tls_options, tls_transport
from ..engine.transport import Endpoint
from ..protocol.enums import Cot
from ..protocol.station import parse_fault
from ..rules import quality_for, value_for
from ..sync.session import SimulatedRtu
from .assertions import parse_quality, show
from .connections import LibraryComponent

__all__ = ["SimulatorKeywords"]


class SimulatorKeywords(LibraryComponent):
    """Start Simulated RTU, Set Simulated Point, Inject Fault, Clear Faults, Stop Simulated RTU."""

    @property
    def simulators(self) -> ConnectionCache:
        return self.library.simulators

    @keyword("Start Simulated RTU")
    def start_simulated_rtu(
        self,
        profile: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        alias: str | None = None,
        *,
        k: int | None = None,
        w: int | None = None,
        t1: timedelta | None = None,
        t2: timedelta | None = None,
        t3: timedelta | None = None,
        max_connections: int | None = None,
        redundancy_group_size: int | None = None,
        faults: str | list[str] | None = None,
        tls_cert: str | None = None,
        tls_key: str | None = None,
        tls_ca: str | None = None,
        tls_peer_certs: list[str] | str | None = None,
        tls_min_version: str | None = None,
        tls_verify: bool = True,
    ) -> int:
        """Starts a simulated RTU in this process and returns the TCP port it listens on.

        Args:
            profile: Path of a profile (YAML); default the demo RTU (CA 47, monitored points
                100-401, commands 500-520; see ``c104test/engine/demo_rtu.yaml``).
            host: Address to listen on.
            port: TCP port; 0 picks a free one (use the returned port).
            alias: Name for `Set Simulated Point` and `Stop Simulated RTU` when a suite runs
                several simulators.
            k: Overrides the profile's k (unacknowledged I-frames the RTU sends).
            w: Overrides the profile's w.
            t1: Overrides the profile's t1, to make link-layer tests quick.
            t2: Overrides the profile's t2 (less than t1).
            t3: Overrides the profile's t3 (idle time before the RTU sends TESTFR act).
            max_connections: Overrides the profile's limit of connections served at once;
                a connection beyond it is closed at once and logged with its address.
            redundancy_group_size: Connections per redundancy group: they share one event
                buffer and only the started one gets data (see ``docs/profile.md``).
            faults: Misbehaviour on purpose (conformance tests): one fault or a list, each
                like ``no_termination type=C_SC_NA_1``; several in one text are separated by
                ``;``. The names are listed in ``docs/profile.md``.
            tls_cert: TLS (IEC 62351-3): the RTU's certificate (PEM); with ``tls_key`` the RTU
                serves TLS only. A client that fails the handshake is logged and refused.
            tls_key: The private key of ``tls_cert`` (PEM, unencrypted).
            tls_ca: The CA certificate(s) (PEM) client certificates must chain to (mutual
                authentication).
            tls_peer_certs: Accept only clients presenting one of these certificates.
            tls_min_version: Lowest TLS version, ``1.2`` (default) or ``1.3``.
            tls_verify: ``False`` does not ask clients for a certificate.

        Returns:
            The port.

        Examples:
        | ${port} = | `Start Simulated RTU` |
        | `Connect To RTU` | 127.0.0.1 | ${port} |
        | ${port} = | `Start Simulated RTU` | ${CURDIR}/bay12.yaml | port=2404 | alias=bay12 |
        | ${port} = | `Start Simulated RTU` | t1=2s | t2=1s | t3=1s |
        | ${port} = | `Start Simulated RTU` | redundancy_group_size=2 | max_connections=4 |
        | ${port} = | `Start Simulated RTU` | faults=no_termination type=C_SC_NA_1 |
        | ${port} = | `Start Simulated RTU` | tls_cert=rtu.pem | tls_key=rtu.key | tls_ca=ca.pem |
        """
        tls = tls_options(
            tls_cert, tls_key, tls_ca, tls_peer_certs, tls_min_version, None if tls_verify else False
        )
        transport = tls_transport(tls, server=True)  # files checked now
        chosen: Profile = load_profile(Path(profile)) if profile else demo_profile()
        overrides: dict[str, float | int] = {}
        for name, value in (("t1", t1), ("t2", t2), ("t3", t3)):
            if value is not None:
                overrides[name] = value.total_seconds()
        for name, count in (("k", k), ("w", w)):
            if count is not None:
                overrides[name] = count
        if overrides:
            chosen = dataclasses.replace(chosen, link=dataclasses.replace(chosen.link, **overrides))
        texts = faults.split(";") if isinstance(faults, str) else list(faults or [])
        plan = [parse_fault(text) for text in texts if text.strip()]
        options: dict[str, Any] = {
            "max_connections": max_connections,
            "redundancy_group_size": redundancy_group_size,
            "faults": plan or None,
        }
        try:
            rtu = SimulatedRtu.start(chosen, host, port, transport=transport, **options)
        except OSError as exc:
            raise RuntimeError(
                f"cannot start the simulated RTU on {Endpoint(host, port)}: {exc.strerror or exc}"
            ) from None
        self.simulators.register(rtu, alias or None)
        stations = ", ".join(str(s.common_address) for s in chosen.stations)
        logger.info(
            f"Simulated RTU '{chosen.name or 'profile'}' listening on {Endpoint(host, rtu.port)}"
            f"{' (TLS)' if tls is not None else ''} "
            f"(CA {stations})."
        )
        if plan:
            logger.warn(f"Simulated RTU misbehaves on purpose: {'; '.join(texts)}.")
        return rtu.port

    @keyword("Set Simulated Point")
    def set_simulated_point(
        self,
        io_address: int,
        value: str | int | float | bool | None,
        quality: str | None = None,
        cause: Cot = Cot.SPONTANEOUS,
        common_address: int | None = None,
        *,
        alias: str | None = None,
    ) -> None:
        """Changes a point of the simulated RTU and reports it to every client that started.

        Every connection of this library takes this moment as its new reference point, so an
        `Expect Message` or `Expect State` that follows waits for the report of this change.

        Args:
            io_address: IOA of the point.
            value: The new value, as the point's type takes it: ``ON/OFF``, a number,
                ``5 transient`` (a step position's transient bit), ``12345 seq 3`` (a counter's
                sequence number); ``${None}`` keeps the value (to change only the quality).
            quality: Quality flags like ``IV`` or ``IV, NT``; ``good`` clears them; default
                keeps them.
            cause: Cause of transmission of the report (``SPONTANEOUS``, ``PERIODIC``, ...).
            common_address: CA of the point; default the simulator's only station (else the
                connection's or the library's CA).
            alias: Alias or index of the simulator; default the last one started.

        Examples:
        | `Set Simulated Point` | 100 | OFF |
        | `Expect Message` | type=M_SP_NA_1 | cot=SPONTANEOUS | io_address=100 |
        | `Set Simulated Point` | 301 | 231.2 | quality=NT |
        | `Set Simulated Point` | 301 | ${None} | quality=good |
        """
        rtu = self._simulator(alias)
        ca = self._station_of(rtu, common_address)
        point = rtu.get_point(ca, io_address)
        if point is None:
            raise ValueError(
                f"the simulated RTU has no point CA {ca} IOA {io_address}; its points: "
                + _points_of(rtu, ca)
            )
        converted = None if value is None else value_for(point.type, value, point.value)
        flags = None if quality is None else quality_for(point.type, quality)
        for session in self.library.connections:
            if session.rtu.is_open:
                self.stimulus(session)
        try:
            rtu.set_point(ca, io_address, converted, flags, cause)
        except (KeyError, ValueError) as exc:
            raise ValueError(str(exc.args[0]) if exc.args else str(exc)) from None
        shown = "unchanged" if converted is None else show(converted)
        extra = "" if flags is None else f", quality {show(parse_quality(quality)) if flags else 'good'}"
        logger.info(f"Simulated CA {ca} IOA {io_address} = {shown}{extra} ({cause.name}).")

    @keyword("Inject Fault")
    def inject_fault(self, fault: str, alias: str | None = None) -> None:
        """Makes the simulated RTU misbehave on purpose from now on (conformance tests).

        The fault is added to the RTU's fault plan; `Clear Faults` removes them all.

        Args:
            fault: One fault like ``no_termination type=C_SC_NA_1`` or ``silence nth=2``: a
                name, then ``key=value`` parameters and scope (``type``, ``ca``, ``ioa``,
                ``nth``). The names are listed in ``docs/profile.md``.
            alias: Alias or index of the simulator; default the last one started.

        Examples:
        | `Inject Fault` | no_termination type=C_SC_NA_1 |
        | `Send Command` | 500 | ON | expect=POSITIVE | act_term=never |
        """
        rtu = self._simulator(alias)
        added = parse_fault(fault)
        rtu.set_faults((*rtu.faults, added))
        logger.warn(f"Simulated RTU misbehaves on purpose: {fault}.")

    @keyword("Clear Faults")
    def clear_faults(self, alias: str | None = None) -> None:
        """Makes the simulated RTU conform again: its fault plan is emptied.

        Args:
            alias: Alias or index of the simulator; default the last one started.

        Examples:
        | `Clear Faults` |
        """
        self._simulator(alias).set_faults(())
        logger.info("Simulated RTU conforms again (no faults).")

    @keyword("Stop Simulated RTU")
    def stop_simulated_rtu(self, alias: str | None = None) -> None:
        """Stops a simulated RTU: its connections close and its port is free again.

        Args:
            alias: Alias or index of the simulator; default the last one started.

        Examples:
        | `Stop Simulated RTU` |
        """
        cache = self.simulators
        rtu = self._simulator(alias)
        port = rtu.simulator.port
        rtu.stop()
        if rtu is cache.current:
            cache.current_index = None
        logger.info(f"Simulated RTU on port {port} stopped.")

    def _simulator(self, alias: str | None) -> SimulatedRtu:
        try:
            return self.simulators.get_connection(alias)
        except RuntimeError as exc:
            if alias is None:
                raise
            raise RuntimeError(f"no simulated RTU with index or alias '{alias}'") from exc

    def _station_of(self, rtu: SimulatedRtu, common_address: int | None) -> int:
        if common_address is not None:
            return common_address
        stations = rtu.profile.stations
        if len(stations) == 1:
            return stations[0].common_address
        session = self.library.connections.current if self.library.connections else None
        return self.station(None, session)  # type: ignore[arg-type]


def _points_of(rtu: SimulatedRtu, ca: int) -> str:
    for station in rtu.profile.stations:
        if station.common_address == ca:
            addresses = sorted(p.io_address for p in station.points)
            return ", ".join(map(str, addresses[:30])) + (" ..." if len(addresses) > 30 else "")
    return f"none (no station with CA {ca})"
