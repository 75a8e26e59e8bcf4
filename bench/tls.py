"""Station interrogation of 5,000 points over TLS against plain TCP, as a ratio in one run.

    python bench/tls.py [--repeat R] [--points N]

A simulator process (bench/peers/tls_rtu.py) serves the same 5,000 M_ME_NC_1 points twice: on a
plain TCP port and on a TLS port (the IEC 62351-3 default profile, mutual authentication, ECDSA
P-256 certificates made with trustme). This process's ``ClientConnection`` opens a fresh
connection each round, alternating plain and TLS, and times (1) connect + handshake + STARTDT and
(2) ``await conn.interrogation(1)``, checking that every point arrived with its value. The figure
is the median over R rounds and the TLS/plain ratio of the interrogation time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import trio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from c104test.engine.client import ClientConnection
from c104test.engine.tls import TlsOptions, tls_transport
from tests.tls_pki import make_pki

import _harness as h


async def one_round(port: int, transport: object, n: int) -> tuple[float, float]:
    conn = ClientConnection("127.0.0.1", port, transport=transport)  # type: ignore[arg-type]
    with trio.fail_after(60):
        async with trio.open_nursery() as nursery:
            started = time.perf_counter()
            await nursery.start(conn.run)
            opened = time.perf_counter()
            result = await conn.interrogation(1, timeout=30)
            done = time.perf_counter()
            assert result.positive and result.terminated, result
            values = {p.io_address: p.value for p in conn.points}
            assert len(values) == n and all(abs(values[i] - i) < 1e-3 for i in (1, n // 2, n)), len(values)
            await conn.close()
            nursery.cancel_scope.cancel()
    return opened - started, done - opened


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--points", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        pki = make_pki(Path(folder))
        client = tls_transport(TlsOptions(cert=pki.client_cert, key=pki.client_key, ca=pki.ca), server=False)
        with h.peer("tls_rtu.py", args.points, pki.server_cert, pki.server_key, pki.ca) as rtu:
            plain_port, tls_port = (int(p) for p in rtu.expect("READY", 30).split())
            times: dict[str, list[tuple[float, float]]] = {"plain TCP": [], "TLS": []}
            for _ in range(args.repeat + 1):  # the first round of each warms up
                times["plain TCP"].append(trio.run(one_round, plain_port, None, args.points))
                times["TLS"].append(trio.run(one_round, tls_port, client, args.points))
    rows = []
    medians = {}
    for name, samples in times.items():
        connect = h.median([s[0] for s in samples[1:]])
        gi = h.median([s[1] for s in samples[1:]])
        medians[name] = gi
        rows.append((name, f"{connect * 1000:.1f}", f"{gi * 1000:.1f}", f"{args.points / gi:,.0f}"))
    ratio = medians["TLS"] / medians["plain TCP"]
    print(h.table(
        f"Station interrogation of {args.points:,} points, median of {args.repeat} ({h.machine()}, load {h.load()})",
        ("link", "connect+handshake+STARTDT ms", "interrogation ms", "objects/s"),
        rows,
    ))
    print(f"TLS / plain TCP interrogation time: {ratio:.2f}")


if __name__ == "__main__":
    main()
