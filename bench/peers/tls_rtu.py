"""Two c104test simulators with the same points, one on plain TCP and one on TLS, for bench/tls.py.

    python bench/peers/tls_rtu.py N CERT KEY CA

CA 1 with N M_ME_NC_1 points (value = IOA) in group 1. Prints ``READY plain_port tls_port``;
exits when stdin closes.
"""

from __future__ import annotations

import sys

import trio

from c104test.engine.profile import PointProfile, Profile, StationProfile
from c104test.engine.simulator import Simulator
from c104test.engine.tls import TlsOptions, tls_transport
from c104test.protocol.enums import Type

import _peer


async def main(n: int, cert: str, key: str, ca: str) -> None:
    points = tuple(PointProfile(ioa, Type.M_ME_NC_1, float(ioa), groups=frozenset({1})) for ioa in range(1, n + 1))
    profile = Profile((StationProfile(1, points),), name="bench", max_connections=10)
    tls = tls_transport(TlsOptions(cert=cert, key=key, ca=ca), server=True)
    plain, secure = Simulator(profile), Simulator(profile, transport=tls)
    async with trio.open_nursery() as nursery:
        ports = [await nursery.start(sim.serve, "127.0.0.1", 0) for sim in (plain, secure)]
        _peer.ready(*ports)


if __name__ == "__main__":
    _peer.exit_on_stdin_eof()
    trio.run(main, int(sys.argv[1]), *sys.argv[2:5])
