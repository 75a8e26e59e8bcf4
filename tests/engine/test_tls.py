"""TLS in the engine, both roles: the good path on the wire, then one test per bad input.

Every bad input must give an error that names the peer and the cause, within the caller's
timeout; the simulator logs the refused peer and keeps serving the others.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import ssl
from pathlib import Path

import pytest
import trio

from c104test.engine.client import open_connection
from c104test.engine.errors import ConnectFailed, LinkDown
from c104test.engine.simulator import open_simulator
from c104test.engine.tls import TlsConfigError, TlsFailed, TlsOptions, make_context, tls_transport
from c104test.protocol.enums import Cot, Type
from c104test.protocol.link import LinkParameters
from tests.tls_pki import PASSPHRASE, Pki, make_pki

pytestmark = pytest.mark.timeout(60)

CA = 47  # the demo profile's station
FAST = LinkParameters(t0=5, t1=5, t2=4, t3=20)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def server_options(pki: Pki, **changes: object) -> TlsOptions:
    return dataclasses.replace(TlsOptions(cert=pki.server_cert, key=pki.server_key, ca=pki.ca), **changes)


def client_options(pki: Pki, **changes: object) -> TlsOptions:
    return dataclasses.replace(TlsOptions(cert=pki.client_cert, key=pki.client_key, ca=pki.ca), **changes)


def server(options: TlsOptions | None):
    return tls_transport(options, server=True, handshake_timeout=3)


def client(options: TlsOptions | None):
    return tls_transport(options, server=False)


async def interrogate(port: int, options: TlsOptions | None) -> tuple[int, str | None]:
    """Station interrogation over ``options``; (objects received, the client's TLS description)."""
    async with open_connection("127.0.0.1", port, transport=client(options), params=FAST) as conn:
        result = await conn.interrogation(CA, timeout=5)
        assert result.positive and result.terminated
        return len(result.objects), conn.tls


def refused(
    pki: Pki, server_opts: TlsOptions | None, client_opts: TlsOptions | None, *, others: bool = True
) -> tuple[BaseException, int]:
    """The client's error and the simulator's refused count, after the client then a good peer tried."""
    found: list[BaseException] = []

    async def main() -> int:
        async with open_simulator(transport=server(server_opts)) as sim:
            with trio.fail_after(15):  # the caller's bound: nothing hangs
                try:
                    await interrogate(sim.port, client_opts)
                except (ConnectFailed, LinkDown) as exc:
                    found.append(exc)
                if others and server_opts is not None:  # the simulator keeps serving the others
                    count, _ = await interrogate(sim.port, client_options(pki))
                    assert count > 0
            return sim.connections_refused

    count = trio.run(main)
    assert found, "the bad input was accepted"
    return found[0], count


# ---- the good path --------------------------------------------------------------------------


def test_mutual_tls_station_interrogation_and_a_command_on_the_wire(pki: Pki) -> None:
    async def main() -> None:
        async with open_simulator(transport=server(server_options(pki))) as sim:
            count, tls = await interrogate(sim.port, client_options(pki))
            assert count == len([p for s in sim.profile.stations for p in s.points if p.answers_interrogation])
            assert tls is not None and tls.startswith("TLSv1.3")
            async with open_connection("127.0.0.1", sim.port, transport=client(client_options(pki))) as conn:
                result = await conn.send_command(CA, _command_ioa(sim), Type.C_SC_NA_1, True, timeout=5)
                assert result.positive
                # the journal holds the plaintext APDUs
                assert any(e.asdu is not None and e.asdu.type is Type.C_SC_NA_1 and e.asdu.cot is Cot.ACTIVATION_CON for e in conn.journal)
            assert sim.connections_refused == 0

    trio.run(main)


def test_a_normal_tls_close_reaches_the_simulator_as_the_peers_close(pki: Pki, caplog: pytest.LogCaptureFixture) -> None:
    """The client sends close_notify when it closes: the simulator logs "closed by the peer", not a
    lost connection blamed on TLS ("does not speak TLS on this port, or it refused our certificate")."""

    async def main() -> None:
        async with open_simulator(transport=server(server_options(pki))) as sim:
            await interrogate(sim.port, client_options(pki))
            with trio.fail_after(5):
                while any(c.close_info is None for c in sim.connections):  # noqa: ASYNC110 - the simulator has no event for this
                    await trio.sleep(0.01)

    with caplog.at_level(logging.INFO, logger="c104test"):
        trio.run(main)
    closes = [r.getMessage() for r in caplog.records if " closed: " in r.getMessage()]
    assert closes and all("closed by the peer" in m and "TLS" not in m for m in closes), closes


def _command_ioa(sim) -> int:
    return next(p.io_address for s in sim.profile.stations for p in s.points if p.type is Type.C_SC_NA_1)


def test_tls_1_2_can_be_forced_and_the_profile_ciphers_apply(pki: Pki) -> None:
    async def main() -> None:
        async with open_simulator(transport=server(server_options(pki))) as sim:
            _, tls = await interrogate(sim.port, client_options(pki, max_version="1.2"))
            assert tls is not None and tls.startswith("TLSv1.2 ECDHE-")
            assert "GCM" in tls or "CHACHA20" in tls

    trio.run(main)


def test_allowed_peer_list_accepts_the_listed_certificate(pki: Pki) -> None:
    async def main() -> None:
        opts = server_options(pki, peer_certs=(pki.client_cert,))
        async with open_simulator(transport=server(opts)) as sim:
            count, _ = await interrogate(sim.port, client_options(pki, peer_certs=(pki.server_cert,)))
            assert count > 0

    trio.run(main)


def test_sslkeylogfile_is_written(pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keylog = tmp_path / "keys.log"
    monkeypatch.setenv("SSLKEYLOGFILE", str(keylog))

    async def main() -> None:
        async with open_simulator(transport=server(server_options(pki))) as sim:
            await interrogate(sim.port, client_options(pki))

    trio.run(main)
    assert "CLIENT_HANDSHAKE_TRAFFIC_SECRET" in keylog.read_text()


# ---- bad inputs at the handshake -----------------------------------------------------------------


def test_server_certificate_from_an_unknown_ca(pki: Pki) -> None:
    error, _ = refused(pki, server_options(pki), client_options(pki, ca=pki.other_ca))
    assert isinstance(error, TlsFailed)
    assert "the RTU at 127.0.0.1:" in str(error) and "unknown CA" in str(error)


def test_client_certificate_from_an_unknown_ca_is_refused_and_logged(pki: Pki, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "c104test.tls")
    opts = client_options(pki, cert=pki.stranger_cert, key=pki.stranger_key)
    error, count = refused(pki, server_options(pki), opts)
    assert count == 1
    assert "does not trust our certificate" in str(error) or "unknown" in str(error).lower()
    assert any("the client at 127.0.0.1:" in r.message and "unknown CA" in r.message for r in caplog.records)


def test_expired_server_certificate(pki: Pki) -> None:
    error, _ = refused(
        pki, server_options(pki, cert=pki.expired_cert, key=pki.expired_key), client_options(pki), others=False
    )
    assert "the RTU at 127.0.0.1:" in str(error) and "expired" in str(error)


def test_expired_client_certificate_is_refused_and_logged(pki: Pki, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "c104test.tls")
    error, count = refused(pki, server_options(pki), client_options(pki, cert=pki.expired_cert, key=pki.expired_key))
    assert count == 1 and "expired" in str(error)
    assert any("the client at" in r.message and "expired" in r.message for r in caplog.records)


def test_server_certificate_not_yet_valid(pki: Pki) -> None:
    error, _ = refused(
        pki, server_options(pki, cert=pki.future_cert, key=pki.future_key), client_options(pki), others=False
    )
    assert "not valid yet" in str(error)


def test_server_certificate_not_in_the_allowed_list(pki: Pki) -> None:
    error, _ = refused(pki, server_options(pki), client_options(pki, peer_certs=(pki.other_client_cert,)))
    assert "the RTU at 127.0.0.1:" in str(error) and "not in the allowed list" in str(error)
    assert "SHA-256" in str(error)


def test_client_certificate_not_in_the_allowed_list(pki: Pki, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "c104test.tls")
    opts = server_options(pki, peer_certs=(pki.client_cert,))
    bad = client_options(pki, cert=pki.other_client_cert, key=pki.other_client_key)

    async def main() -> int:
        async with open_simulator(transport=server(opts)) as sim:
            with trio.fail_after(15), pytest.raises((ConnectFailed, LinkDown)):
                await interrogate(sim.port, bad)
            assert (await interrogate(sim.port, client_options(pki)))[0] > 0
            return sim.connections_refused

    assert trio.run(main) == 1
    assert any("not in the allowed list" in r.message and "other" in r.message for r in caplog.records)


def test_no_client_certificate(pki: Pki, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "c104test.tls")
    error, count = refused(pki, server_options(pki), TlsOptions(ca=pki.ca))
    assert count == 1
    assert "client certificate" in str(error)
    assert any("sent no certificate" in r.message for r in caplog.records)


def test_version_below_the_minimum(pki: Pki, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "c104test.tls")
    error, count = refused(pki, server_options(pki, min_version="1.3"), client_options(pki, max_version="1.2"))
    assert count == 1
    assert "TLS version" in str(error)
    assert any("version" in r.message for r in caplog.records)


def test_plain_tcp_client_on_a_tls_port(pki: Pki, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "c104test.tls")
    error, count = refused(pki, server_options(pki), None)
    assert count == 1
    assert isinstance(error, (ConnectFailed, LinkDown))
    assert any("does not speak TLS" in r.message or "plain TCP" in r.message for r in caplog.records)
    # the client's own error gives the first guess too (monitor and every front end print it)
    assert "does it expect TLS on this port" in str(error), str(error)


def test_tls_client_on_a_plain_port(pki: Pki) -> None:
    error, _ = refused(pki, None, client_options(pki))
    assert isinstance(error, TlsFailed)
    assert "the RTU at 127.0.0.1:" in str(error) and "TLS" in str(error)


def test_tls_client_on_a_silent_port_fails_within_t0(pki: Pki) -> None:
    async def main() -> None:
        with socket.create_server(("127.0.0.1", 0)) as listener:  # accepts, never answers
            port = listener.getsockname()[1]
            with trio.fail_after(10), pytest.raises(TlsFailed, match="did not finish within t0=1"):
                async with open_connection(
                    "127.0.0.1", port, transport=client(client_options(pki)), params=LinkParameters(t0=1)
                ):
                    pass

    trio.run(main)


# ---- bad files: fail at once, naming the file ---------------------------------------------------


@pytest.mark.parametrize("field", ["cert", "key", "ca"])
def test_missing_file_is_named(pki: Pki, tmp_path: Path, field: str) -> None:
    missing = tmp_path / f"no-such-{field}.pem"
    with pytest.raises(TlsConfigError, match=rf"tls_{field} file .*no-such-{field}.pem.* does not exist"):
        make_context(client_options(pki, **{field: missing}), server=False)


@pytest.mark.parametrize("field", ["cert", "key", "ca"])
def test_not_pem_file_is_named(pki: Pki, field: str) -> None:
    with pytest.raises(TlsConfigError, match=rf"tls_{field} file .*not-pem.crt.* is not PEM"):
        make_context(client_options(pki, **{field: pki.not_pem}), server=False)


def test_missing_allowed_peer_file_is_named(pki: Pki, tmp_path: Path) -> None:
    with pytest.raises(TlsConfigError, match=r"tls_peer_certs file .*gone.pem"):
        make_context(client_options(pki, peer_certs=(tmp_path / "gone.pem",)), server=False)


def test_key_not_matching_its_certificate(pki: Pki) -> None:
    with pytest.raises(TlsConfigError, match=r"tls_key file .*server.key.* does not belong to .*client.pem"):
        make_context(client_options(pki, key=pki.server_key), server=False)


def test_wrong_passphrase(pki: Pki) -> None:
    with pytest.raises(TlsConfigError, match=r"client-encrypted.key.*wrong passphrase"):
        make_context(client_options(pki, key=pki.encrypted_key, passphrase="wrong"), server=False)


def test_right_passphrase_and_missing_passphrase(pki: Pki) -> None:
    context = make_context(client_options(pki, key=pki.encrypted_key, passphrase=PASSPHRASE), server=False)
    assert isinstance(context, ssl.SSLContext)
    with pytest.raises(TlsConfigError, match=r"client-encrypted.key.*encrypted: give its passphrase"):
        make_context(client_options(pki, key=pki.encrypted_key), server=False)


def test_profile_defaults(pki: Pki) -> None:
    context = make_context(server_options(pki), server=True)
    assert context.minimum_version is ssl.TLSVersion.TLSv1_2
    assert context.maximum_version is ssl.TLSVersion.TLSv1_3
    assert context.verify_mode is ssl.CERT_REQUIRED  # mutual authentication
    assert context.options & ssl.OP_NO_COMPRESSION and context.options & ssl.OP_NO_RENEGOTIATION
    tls12 = [c["name"] for c in context.get_ciphers() if c["protocol"] == "TLSv1.2"]
    assert tls12 and all(("GCM" in n or "CHACHA20" in n) and "DHE" in n for n in tls12)


def test_verification_needs_a_ca_or_allowed_list(pki: Pki) -> None:
    with pytest.raises(TlsConfigError, match="tls_ca"):
        make_context(client_options(pki, ca=None), server=False)
    assert make_context(client_options(pki, ca=None, verify=False), server=False).verify_mode is ssl.CERT_NONE


def test_no_verify_client_accepts_an_unknown_ca(pki: Pki) -> None:
    async def main() -> None:
        async with open_simulator(transport=server(server_options(pki))) as sim:
            opts = client_options(pki, ca=pki.other_ca, verify=False)
            assert (await interrogate(sim.port, opts))[0] > 0

    trio.run(main)



def test_the_capture_says_the_link_was_tls_and_holds_the_decrypted_apdus(pki: Pki, tmp_path: Path) -> None:
    from scapy.all import TCP, rdpcap

    async def main() -> None:
        async with (
            open_simulator(transport=server(server_options(pki))) as sim,
            open_connection("127.0.0.1", sim.port, transport=client(client_options(pki)), params=FAST) as conn,
        ):
            result = await conn.interrogation(CA, timeout=5)
            assert result.positive
            conn.journal.write_pcap(tmp_path / "tls.pcap")
        async with open_simulator() as plain, open_connection("127.0.0.1", plain.port, params=FAST) as conn:
            await conn.interrogation(CA, timeout=5)
            conn.journal.write_pcap(tmp_path / "plain.pcap")

    trio.run(main)
    data = (tmp_path / "tls.pcap").read_bytes()
    assert b"the link was TLS (TLSv1." in data and b"decrypted APDUs" in data
    assert b"the link was TLS" not in (tmp_path / "plain.pcap").read_bytes()
    payloads = [bytes(p[TCP].payload) for p in rdpcap(str(tmp_path / "tls.pcap")) if TCP in p and bytes(p[TCP].payload)]
    assert payloads[0] == bytes.fromhex("680407000000")  # STARTDT act in the clear, not a TLS record
