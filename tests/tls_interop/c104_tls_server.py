"""A c104 (PyPI, lib60870 + mbedtls) TLS server with mutual authentication, as a test peer.

Usage: python c104_tls_server.py PORT CERT KEY CA ALLOWED_CLIENT_CERT. Prints 'READY' when
listening and 'COMMAND <value>' for each C_SC_NA_1 it receives on IOA 500; stops when stdin closes.
c104 is GPLv3 and only ever runs here, in its own process. CA 47: IOA 100 M_SP_NA_1 ON,
IOA 500 C_SC_NA_1 (direct, its state comes back on 100).

No ``from __future__ import annotations``: c104 checks the callbacks' signatures exactly.
"""

import sys

import c104


def main() -> None:
    port, cert, key, ca, allowed = int(sys.argv[1]), *sys.argv[2:6]
    tls = c104.TransportSecurity(validate=True, only_known=True)
    tls.set_certificate(cert=cert, key=key)
    tls.set_ca_certificate(cert=ca)
    tls.add_allowed_remote_certificate(cert=allowed)
    tls.set_version(min=c104.TlsVersion.TLS_1_2, max=c104.TlsVersion.TLS_1_3)
    server = c104.Server(ip="127.0.0.1", port=port, transport_security=tls)
    station = server.add_station(common_address=47)
    breaker = station.add_point(io_address=100, type=c104.Type.M_SP_NA_1)
    breaker.value = True
    control = station.add_point(
        io_address=500, type=c104.Type.C_SC_NA_1, related_io_address=100, related_io_autoreturn=True
    )

    def on_command(point: c104.Point, previous_info: c104.Information, message: c104.IncomingMessage) -> c104.ResponseState:
        print(f"COMMAND {point.value}", flush=True)
        return c104.ResponseState.SUCCESS

    control.on_receive(callable=on_command)
    server.start()
    print("READY", flush=True)
    sys.stdin.read()  # until the test closes stdin
    server.stop()


if __name__ == "__main__":
    main()
