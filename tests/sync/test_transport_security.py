"""c104test.TransportSecurity: c104's TLS settings, a TLS station interrogation and a command
through the c104-compatible Client, and the errors of bad settings."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import c104test as c104
from c104test.sync.bridge import shutdown_bridge
from tests.tls_pki import PASSPHRASE, Pki, make_pki

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def tls_rtu(pki: Pki) -> Iterator[int]:
    """The demo RTU serving mutual TLS in the process-wide trio thread; yields its port."""
    from c104test.engine.tls import TlsOptions, tls_transport
    from c104test.sync.session import SimulatedRtu

    options = TlsOptions(cert=pki.server_cert, key=pki.server_key, ca=pki.ca)
    rtu = SimulatedRtu.start(transport=tls_transport(options, server=True))
    try:
        yield rtu.port
    finally:
        rtu.stop()
        shutdown_bridge()


def security(pki: Pki, **changes: object) -> c104.TransportSecurity:
    tls = c104.TransportSecurity(validate=True, only_known=False)
    tls.set_certificate(cert=str(pki.client_cert), key=str(pki.client_key))
    tls.set_ca_certificate(cert=str(pki.ca))
    tls.set_version(min=c104.TlsVersion.TLS_1_2, max=c104.TlsVersion.TLS_1_3)
    return tls


def wait_for(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_c104_tls_client_script_interrogates_and_commands(pki: Pki, tls_rtu: int) -> None:
    tls = security(pki)
    tls.add_allowed_remote_certificate(cert=str(pki.server_cert))
    tls.set_ciphers(ciphers=[c104.TlsCipher.ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, c104.TlsCipher.TLS1_3_AES_256_GCM_SHA384])
    client = c104.Client(transport_security=tls)
    connection = client.add_connection(ip="127.0.0.1", port=tls_rtu, init=c104.Init.NONE)
    station = connection.add_station(common_address=47)
    point = station.add_point(io_address=100, type=c104.Type.M_SP_NA_1)
    command = station.add_point(io_address=500, type=c104.Type.C_SC_NA_1)
    client.start()
    try:
        assert wait_for(lambda: connection.state == c104.ConnectionState.OPEN), connection.state
        assert connection.interrogation(common_address=47)
        assert point.value is True
        command.value = False
        assert command.transmit(cause=c104.Cot.ACTIVATION)
        assert wait_for(lambda: point.value is False)  # the breaker's return information
    finally:
        client.stop()


def test_settings_are_read_only_once_given_to_a_client(pki: Pki) -> None:
    tls = security(pki)
    c104.Client(transport_security=tls)
    with pytest.raises(ValueError, match="readonly"):
        tls.set_ca_certificate(cert=str(pki.ca))


def test_bad_files_raise_value_error_naming_them(pki: Pki, tmp_path: Path) -> None:
    tls = c104.TransportSecurity(validate=True, only_known=False)
    with pytest.raises(ValueError, match=r"tls_cert file .*absent.pem.* does not exist"):
        tls.set_certificate(cert=str(tmp_path / "absent.pem"), key=str(pki.client_key))
    with pytest.raises(ValueError, match="wrong passphrase"):
        tls.set_certificate(cert=str(pki.client_cert), key=str(pki.encrypted_key), passphrase="nope")
    tls.set_certificate(cert=str(pki.client_cert), key=str(pki.encrypted_key), passphrase=PASSPHRASE)
    with pytest.raises(ValueError, match="does not belong to the certificate"):
        tls.set_certificate(cert=str(pki.client_cert), key=str(pki.server_key))
    with pytest.raises(ValueError, match="not PEM"):
        tls.set_ca_certificate(cert=str(pki.not_pem))


def test_only_known_without_allowed_certificates_is_refused_at_once(pki: Pki) -> None:
    tls = c104.TransportSecurity()  # validate=True, only_known=True
    tls.set_certificate(cert=str(pki.client_cert), key=str(pki.client_key))
    with pytest.raises(ValueError, match="add_allowed_remote_certificate"):
        c104.Client(transport_security=tls)


def test_c104_members_that_python_ssl_cannot_honour_are_accepted(pki: Pki) -> None:
    import datetime as dt

    tls = security(pki)
    tls.set_renegotiation_time(interval=dt.timedelta(minutes=5))
    tls.set_resumption_interval(interval=None)
    tls.set_hostname_verification("localhost")
    tls.set_version(min=c104.TlsVersion.TLS_1_0)  # clamped to 1.2 with a warning
    options = tls._freeze()
    assert (options.min_version, options.hostname) == ("1.2", "localhost")


def test_tls_enums_match_c104s_names_and_values() -> None:
    """Every TlsVersion and TlsCipher member has c104's name and value (c104 in a child process)."""
    ours = {f"TlsVersion.{m.name}": int(m) for m in c104.TlsVersion}
    ours |= {f"TlsCipher.{m.name}": int(m) for m in c104.TlsCipher}
    script = (
        "import c104, json; print(json.dumps({f'{e.__name__}.{k}': int(v) for e in (c104.TlsVersion, c104.TlsCipher)"
        " for k, v in e.__members__.items()}))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        pytest.skip(f"c104 is not importable: {done.stderr.strip().splitlines()[-1:]}")
    import json

    theirs = json.loads(done.stdout)
    assert {name: theirs.get(name) for name in ours} == ours
    assert str(c104.TlsVersion.TLS_1_2) == "TlsVersion.TLS_1_2"


def test_a_c104_tls_server_script_serves_a_tls_client(pki: Pki) -> None:
    """c104test.Server(transport_security=...) and c104test.Client over mutual TLS."""
    server_tls = c104.TransportSecurity(validate=True, only_known=False)
    server_tls.set_certificate(cert=str(pki.server_cert), key=str(pki.server_key))
    server_tls.set_ca_certificate(cert=str(pki.ca))
    server = c104.Server(ip="127.0.0.1", port=0, transport_security=server_tls)
    served = server.add_station(common_address=12)
    measured = served.add_point(io_address=11, type=c104.Type.M_ME_NC_1)
    measured.value = 42.5
    server.start()
    client = c104.Client(transport_security=security(pki))
    try:
        connection = client.add_connection(ip="127.0.0.1", port=server.port, init=c104.Init.NONE)
        point = connection.add_station(common_address=12).add_point(io_address=11, type=c104.Type.M_ME_NC_1)
        client.start()
        assert wait_for(lambda: connection.state == c104.ConnectionState.OPEN), connection.state
        assert connection.interrogation(common_address=12)
        assert point.value == 42.5
        # a plain TCP client is refused by the TLS server, which keeps serving
        plain = c104.Client()
        other = plain.add_connection(ip="127.0.0.1", port=server.port, init=c104.Init.NONE)
        plain.start()
        try:
            assert not wait_for(lambda: other.state == c104.ConnectionState.OPEN, timeout=2)
        finally:
            plain.stop()
        assert connection.interrogation(common_address=12)
    finally:
        client.stop()
        server.stop()
        shutdown_bridge()
