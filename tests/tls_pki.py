"""A lab PKI for the TLS tests, made with trustme: a CA, a server and a client certificate, and
one of each kind of bad input (another CA, expired, not yet valid, encrypted key, not PEM)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import trustme
from cryptography.hazmat.primitives import serialization

PASSPHRASE = "s3cret"


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path  # a CA nobody trusts
    stranger_cert: Path  # a client certificate from other_ca
    stranger_key: Path
    other_client_cert: Path  # from the good CA, but not on an allowed list
    other_client_key: Path
    expired_cert: Path
    expired_key: Path
    future_cert: Path
    future_key: Path
    encrypted_key: Path  # the client key, under PASSPHRASE
    not_pem: Path


def _write(directory: Path, name: str, leaf: trustme.LeafCert) -> tuple[Path, Path]:
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    return cert, key


def make_pki(directory: Path) -> Pki:
    """Write every file under ``directory`` (a test's tmp_path)."""
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca, other = trustme.CA(organization_name="c104test lab CA"), trustme.CA(organization_name="unknown CA")
    ca_file, other_file = directory / "ca.pem", directory / "other-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    other.cert_pem.write_to_path(str(other_file))
    server = _write(directory, "server", ca.issue_cert("127.0.0.1", "localhost", common_name="rtu"))
    client = _write(directory, "client", ca.issue_cert("client.lab", common_name="scada"))
    stranger = _write(directory, "stranger", other.issue_cert("stranger.lab", common_name="stranger"))
    other_client = _write(directory, "other-client", ca.issue_cert("other.lab", common_name="other"))
    expired = _write(
        directory,
        "expired",
        ca.issue_cert("127.0.0.1", "expired.lab", not_before=now - dt.timedelta(days=30), not_after=now - dt.timedelta(days=1)),
    )
    future = _write(
        directory,
        "future",
        ca.issue_cert("127.0.0.1", "future.lab", not_before=now + dt.timedelta(days=1), not_after=now + dt.timedelta(days=30)),
    )
    key = serialization.load_pem_private_key(client[1].read_bytes(), password=None)
    encrypted = directory / "client-encrypted.key"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSPHRASE.encode()),
        )
    )
    not_pem = directory / "not-pem.crt"
    not_pem.write_bytes(b"\x30\x82\x01\x0a binary DER, not PEM")
    return Pki(
        ca_file, *server, *client, other_file, *stranger, *other_client, *expired, *future, encrypted, not_pem
    )
