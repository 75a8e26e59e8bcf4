"""A c104 TLS client with mutual authentication, as a test peer (run with c104 2.2.0: the TLS
client of 2.2.1 fails every handshake, c104 issue #64).

Usage: python c104_tls_client.py PORT CERT KEY CA ALLOWED_SERVER_CERT. Connects, runs a station
interrogation of CA 47 and a single command to IOA 500, prints one JSON line with what it saw.
c104 is GPLv3 and only ever runs here, in its own process.
"""

import json
import sys
import time

import c104


def main() -> None:
    port, cert, key, ca, allowed = int(sys.argv[1]), *sys.argv[2:6]
    tls = c104.TransportSecurity(validate=True, only_known=True)
    tls.set_certificate(cert=cert, key=key)
    tls.set_ca_certificate(cert=ca)
    tls.add_allowed_remote_certificate(cert=allowed)
    tls.set_version(min=c104.TlsVersion.TLS_1_2, max=c104.TlsVersion.TLS_1_3)
    client = c104.Client(command_timeout_ms=5000, transport_security=tls)
    # Init.NONE: c104 reports OPEN once its own init GI is confirmed, before that GI's ACT_TERM; the
    # GI below could then overlap it and get the simulator's negative ACT_CON (one at a time per CA)
    connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.NONE)
    station = connection.add_station(common_address=47)
    breaker = station.add_point(io_address=100, type=c104.Type.M_SP_NA_1)
    command = station.add_point(io_address=500, type=c104.Type.C_SC_NA_1)
    client.start()
    deadline = time.monotonic() + 5
    muted_since = None
    while connection.state != c104.ConnectionState.OPEN and time.monotonic() < deadline:
        time.sleep(0.05)
        # c104 now and then stays OPEN_MUTED (it sent no STARTDT act): send it as the benches do
        if connection.state == c104.ConnectionState.OPEN_MUTED:
            muted_since = muted_since or time.monotonic()
            if time.monotonic() - muted_since > 1.0:
                connection.unmute()
                muted_since = time.monotonic()
        else:
            muted_since = None
    report = {"state": str(connection.state)}
    if connection.state == c104.ConnectionState.OPEN:
        report["interrogation"] = connection.interrogation(common_address=47)
        report["breaker_before"] = breaker.value
        command.value = False
        report["command"] = command.transmit(cause=c104.Cot.ACTIVATION)
        deadline = time.monotonic() + 5
        while breaker.value is not False and time.monotonic() < deadline:
            time.sleep(0.05)
        report["breaker_after"] = breaker.value
    client.stop()
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
