"""TLS for IEC 104 (IEC 62351-3): contexts for both roles, the handshake, errors in words.

``TlsOptions`` holds what every front end asks for (``tls_cert``, ``tls_key``, ``tls_ca``,
``tls_peer_certs``, ``tls_min_version``, ``tls_verify``); ``tls_transport(options, server=...)``
turns it into an ``engine.transport.Transport`` whose streams are ``trio.SSLStream``. Files are
checked when the options are turned into a context, before any connection: a missing file or one
that is not PEM raises ``TlsConfigError`` naming the file.

Default profile (after IEC 62351-3:2023 and its IEC 104 companion IEC 62351-5/TS 60870-5-7):

- TLS 1.2 minimum, TLS 1.3 maximum; SSL 3, TLS 1.0 and 1.1 never;
- TLS 1.2 suites: ECDHE/DHE key exchange (forward secrecy) with AES-GCM or ChaCha20-Poly1305
  (``_PROFILE_CIPHERS``); TLS 1.3 suites: OpenSSL's (all AEAD);
- mutual authentication: the server asks for and verifies the client's certificate, the client
  verifies the server's; the chain must lead to the CA file and be in its validity period;
- no compression, no renegotiation, no session tickets (every connection makes a full handshake),
  OpenSSL security level 2 (RSA keys of 2048 bits or more);
- the host name is not checked (IEC 104 peers are known by address; c104 2.2.1 cannot set it):
  ``hostname=`` turns the check on;
- ``SSLKEYLOGFILE`` is honoured in both roles, so Wireshark can decrypt a raw capture.

>>> options = TlsOptions(cert="client.pem", key="client.key", ca="ca.pem")
>>> transport = tls_transport(options, server=False)   # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import logging
import os
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trio

from ..protocol.errors import C104TestError
from .errors import ConnectFailed

__all__ = [
    "TlsConfigError",
    "TlsFailed",
    "TlsOptions",
    "explain_ssl_error",
    "make_context",
    "secure",
    "tls_options",
    "tls_transport",
]

log = logging.getLogger("c104test.tls")

#: TLS 1.2 suites of the default profile, IANA names (forward secrecy, authenticated encryption).
_PROFILE_CIPHERS = (
    "ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "DHE_RSA_WITH_AES_128_GCM_SHA256",
    "DHE_RSA_WITH_AES_256_GCM_SHA384",
)

#: IANA cipher suite names (without the ``TLS_`` prefix) and their code points: the one table
#: behind ``c104test.TlsCipher`` and the ``ciphers`` option. OpenSSL's name is looked up by code
#: point at run time.
CIPHER_SUITES: dict[str, int] = {
    "RSA_WITH_AES_128_CBC_SHA": 0x002F,
    "DHE_RSA_WITH_AES_128_CBC_SHA": 0x0033,
    "RSA_WITH_AES_256_CBC_SHA": 0x0035,
    "DHE_RSA_WITH_AES_256_CBC_SHA": 0x0039,
    "RSA_WITH_AES_128_CBC_SHA256": 0x003C,
    "RSA_WITH_AES_256_CBC_SHA256": 0x003D,
    "RSA_WITH_CAMELLIA_128_CBC_SHA": 0x0041,
    "DHE_RSA_WITH_CAMELLIA_128_CBC_SHA": 0x0045,
    "DHE_RSA_WITH_AES_128_CBC_SHA256": 0x0067,
    "DHE_RSA_WITH_AES_256_CBC_SHA256": 0x006B,
    "RSA_WITH_CAMELLIA_256_CBC_SHA": 0x0084,
    "DHE_RSA_WITH_CAMELLIA_256_CBC_SHA": 0x0088,
    "RSA_WITH_AES_128_GCM_SHA256": 0x009C,
    "RSA_WITH_AES_256_GCM_SHA384": 0x009D,
    "DHE_RSA_WITH_AES_128_GCM_SHA256": 0x009E,
    "DHE_RSA_WITH_AES_256_GCM_SHA384": 0x009F,
    "RSA_WITH_CAMELLIA_128_CBC_SHA256": 0x00BA,
    "DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256": 0x00BE,
    "RSA_WITH_CAMELLIA_256_CBC_SHA256": 0x00C0,
    "DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256": 0x00C4,
    "ECDHE_ECDSA_WITH_AES_128_CBC_SHA": 0xC009,
    "ECDHE_ECDSA_WITH_AES_256_CBC_SHA": 0xC00A,
    "ECDHE_RSA_WITH_AES_128_CBC_SHA": 0xC013,
    "ECDHE_RSA_WITH_AES_256_CBC_SHA": 0xC014,
    "ECDHE_ECDSA_WITH_AES_128_CBC_SHA256": 0xC023,
    "ECDHE_ECDSA_WITH_AES_256_CBC_SHA384": 0xC024,
    "ECDHE_RSA_WITH_AES_128_CBC_SHA256": 0xC027,
    "ECDHE_RSA_WITH_AES_256_CBC_SHA384": 0xC028,
    "ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": 0xC02B,
    "ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": 0xC02C,
    "ECDHE_RSA_WITH_AES_128_GCM_SHA256": 0xC02F,
    "ECDHE_RSA_WITH_AES_256_GCM_SHA384": 0xC030,
    "RSA_WITH_ARIA_128_GCM_SHA256": 0xC050,
    "RSA_WITH_ARIA_256_GCM_SHA384": 0xC051,
    "DHE_RSA_WITH_ARIA_128_GCM_SHA256": 0xC052,
    "DHE_RSA_WITH_ARIA_256_GCM_SHA384": 0xC053,
    "ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256": 0xC05C,
    "ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384": 0xC05D,
    "ECDHE_RSA_WITH_ARIA_128_GCM_SHA256": 0xC060,
    "ECDHE_RSA_WITH_ARIA_256_GCM_SHA384": 0xC061,
    "ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256": 0xC072,
    "ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384": 0xC073,
    "ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256": 0xC076,
    "ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384": 0xC077,
    "RSA_WITH_AES_128_CCM": 0xC09C,
    "RSA_WITH_AES_256_CCM": 0xC09D,
    "DHE_RSA_WITH_AES_128_CCM": 0xC09E,
    "DHE_RSA_WITH_AES_256_CCM": 0xC09F,
    "RSA_WITH_AES_128_CCM_8": 0xC0A0,
    "RSA_WITH_AES_256_CCM_8": 0xC0A1,
    "DHE_RSA_WITH_AES_128_CCM_8": 0xC0A2,
    "DHE_RSA_WITH_AES_256_CCM_8": 0xC0A3,
    "ECDHE_ECDSA_WITH_AES_128_CCM": 0xC0AC,
    "ECDHE_ECDSA_WITH_AES_256_CCM": 0xC0AD,
    "ECDHE_ECDSA_WITH_AES_128_CCM_8": 0xC0AE,
    "ECDHE_ECDSA_WITH_AES_256_CCM_8": 0xC0AF,
    "ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCA8,
    "ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCA9,
    "DHE_RSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCAA,
    "TLS1_3_AES_128_GCM_SHA256": 0x1301,
    "TLS1_3_AES_256_GCM_SHA384": 0x1302,
    "TLS1_3_CHACHA20_POLY1305_SHA256": 0x1303,
    "TLS1_3_AES_128_CCM_SHA256": 0x1304,
    "TLS1_3_AES_128_CCM_8_SHA256": 0x1305,
}

_VERSIONS = {
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}


class TlsConfigError(C104TestError, ValueError):
    """The TLS options cannot work (a missing or non-PEM file, a key that does not fit, ...)."""


class TlsFailed(ConnectFailed):
    """The TLS handshake failed or the peer's certificate was refused; the message says why."""


@dataclass(frozen=True, slots=True)
class TlsOptions:
    """The TLS settings of one end, with the option names of every front end.

    ``peer_certs`` is the allowed list (c104's ``only_known``): when not empty, only a peer
    presenting one of these certificates is accepted. ``verify=False`` skips the chain check
    (the allowed list still applies). ``ciphers`` are IANA names (``ECDHE_RSA_WITH_...``,
    ``TLS1_3_...``); empty means the profile's. Versions are "1.2" or "1.3".
    """

    cert: str | Path | None = None
    key: str | Path | None = None
    ca: str | Path | None = None
    peer_certs: tuple[str | Path, ...] = ()
    min_version: str = "1.2"
    max_version: str = "1.3"
    verify: bool = True
    passphrase: str | None = None
    ciphers: tuple[str, ...] = ()
    hostname: str | None = None


def tls_options(
    cert: str | Path | None = None,
    key: str | Path | None = None,
    ca: str | Path | None = None,
    peer_certs: str | Path | Iterable[str | Path] | None = None,
    min_version: Any = None,
    verify: bool | None = None,
    passphrase: str | None = None,
) -> TlsOptions | None:
    """The options of a front end's ``tls_*`` arguments; None (plain TCP) when none is given.

    >>> tls_options() is None, tls_options(ca="ca.pem").min_version
    (True, '1.2')
    """
    if isinstance(peer_certs, str | Path):
        peer_certs = [peer_certs]
    peers = tuple(p for p in (peer_certs or ()) if str(p))
    if not (cert or key or ca or peers or verify is not None or min_version):
        return None
    return TlsOptions(
        cert=cert or None,
        key=key or None,
        ca=ca or None,
        peer_certs=peers,
        min_version=version(min_version) if min_version else "1.2",
        verify=True if verify is None else bool(verify),
        passphrase=passphrase or None,
    )


def version(value: Any, what: str = "tls_min_version") -> str:
    """``"1.2"``/``"1.3"`` from "1.2", "TLSv1.3", "TLS_1_2", 1.2 or ssl.TLSVersion.

    >>> version("TLSv1.3"), version(1.2)
    ('1.3', '1.2')
    """
    if isinstance(value, ssl.TLSVersion):
        value = value.name
    text = str(value).upper().replace("TLSV", "").replace("TLS_", "").replace("_", ".").strip()
    if text not in _VERSIONS:
        raise TlsConfigError(f"{what} {value!r}: use 1.2 or 1.3")
    return text


# ---- files ---------------------------------------------------------------------------------------


def _pem_file(path: str | Path, what: str, marker: str = "-----BEGIN") -> str:
    """The file's path after checking it exists and is PEM; TlsConfigError naming it otherwise."""
    file = Path(path)
    try:
        text = file.read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        raise TlsConfigError(f"{what} file {str(file)!r} does not exist") from None
    except OSError as exc:
        raise TlsConfigError(f"{what} file {str(file)!r} cannot be read: {exc.strerror}") from None
    if marker not in text:
        raise TlsConfigError(f"{what} file {str(file)!r} is not PEM (no '-----BEGIN' line)")
    return str(file)


def _certificates(path: str | Path, what: str) -> list[bytes]:
    """The DER certificates in a PEM file (one file may hold several)."""
    name = _pem_file(path, what, "-----BEGIN CERTIFICATE-----")
    text = Path(name).read_text(encoding="ascii", errors="replace")
    blocks = text.split("-----BEGIN CERTIFICATE-----")[1:]
    ders = []
    for block in blocks:
        pem = "-----BEGIN CERTIFICATE-----" + block.split("-----END CERTIFICATE-----")[0]
        try:
            ders.append(ssl.PEM_cert_to_DER_cert(pem + "-----END CERTIFICATE-----\n"))
        except ValueError:
            raise TlsConfigError(f"{what} file {name!r} holds a damaged certificate") from None
    return ders


def fingerprint(der: bytes) -> str:
    """SHA-256 fingerprint, as openssl x509 -fingerprint -sha256 prints it (upper hex with :)."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


# ---- contexts --------------------------------------------------------------------------------------


class IecTlsContext(ssl.SSLContext):
    """An SSLContext that also knows the allowed peer certificates (by SHA-256)."""

    allowed_peers: dict[bytes, str]


def _openssl_names(names: Iterable[str]) -> tuple[list[str], list[str]]:
    """OpenSSL's names of IANA suites, split into TLS 1.2 and TLS 1.3 ones."""
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    probe.set_ciphers("ALL:@SECLEVEL=0")
    by_code = {c["id"] & 0xFFFF: c["name"] for c in probe.get_ciphers()}
    tls12: list[str] = []
    tls13: list[str] = []
    for name in names:
        key = str(getattr(name, "name", name)).upper().removeprefix("TLS_")
        code = CIPHER_SUITES.get(key)
        if code is None:
            raise TlsConfigError(f"unknown TLS cipher suite {name!r} (use IANA names, e.g. ECDHE_RSA_WITH_AES_128_GCM_SHA256)")
        openssl = by_code.get(code)
        if openssl is None:
            raise TlsConfigError(f"TLS cipher suite {key} is not available in {ssl.OPENSSL_VERSION}")
        (tls13 if key.startswith("TLS1_3_") else tls12).append(openssl)
    return tls12, tls13


def make_context(options: TlsOptions, *, server: bool) -> IecTlsContext:
    """The SSLContext of one end; every file is checked first (TlsConfigError names it)."""
    who = "server" if server else "client"
    if (options.cert is None) != (options.key is None):
        raise TlsConfigError("tls_cert and tls_key go together: give both or neither")
    if server and options.cert is None:
        raise TlsConfigError("a TLS server needs its certificate: give tls_cert and tls_key")
    if options.verify and options.ca is None and not options.peer_certs:
        raise TlsConfigError(
            f"the {who} cannot verify its peer without tls_ca (the CA file) or tls_peer_certs;"
            " give one, or tls_verify=False to skip verification"
        )
    low, high = _VERSIONS[version(options.min_version)], _VERSIONS[version(options.max_version, "tls_max_version")]
    if low > high:
        raise TlsConfigError(f"tls_min_version {options.min_version} is above the maximum {options.max_version}")
    context = IecTlsContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION | ssl.OP_NO_TICKET
    if server:
        context.num_tickets = 0  # no session resumption: every connection authenticates in full
    tls12, tls13 = _openssl_names(options.ciphers or _PROFILE_CIPHERS)
    if options.ciphers and not tls12:
        low = ssl.TLSVersion.TLSv1_3  # only TLS 1.3 suites chosen
    if options.ciphers and not tls13:
        high = ssl.TLSVersion.TLSv1_2  # only TLS 1.2 suites chosen
    if low > high:
        raise TlsConfigError("the chosen cipher suites do not fit the chosen TLS versions")
    context.minimum_version, context.maximum_version = low, high
    if tls12:
        context.set_ciphers(":".join(tls12) + ":@SECLEVEL=2")
    # Python's ssl cannot narrow the TLS 1.3 suites: OpenSSL's (all AEAD) apply
    if options.cert is not None:
        cert = _pem_file(options.cert, "tls_cert", "-----BEGIN CERTIFICATE-----")
        key = _pem_file(options.key, "tls_key", "PRIVATE KEY-----")
        encrypted = "ENCRYPTED" in Path(key).read_text(encoding="ascii", errors="replace")
        if encrypted and not options.passphrase:
            raise TlsConfigError(f"tls_key file {key!r} is encrypted: give its passphrase")
        secret = (options.passphrase or "").encode()
        try:  # a callable: OpenSSL never prompts on the terminal
            context.load_cert_chain(cert, key, password=lambda: secret)
        except ssl.SSLError as exc:
            raise TlsConfigError(_key_problem(exc, cert, key, encrypted)) from None
    allowed: dict[bytes, str] = {}
    for path in options.peer_certs:
        for der in _certificates(path, "tls_peer_certs"):
            allowed[hashlib.sha256(der).digest()] = str(path)
    context.allowed_peers = allowed
    context.check_hostname = False
    if options.verify or allowed:
        if options.ca is not None:
            ca = _pem_file(options.ca, "tls_ca", "-----BEGIN CERTIFICATE-----")
            try:
                context.load_verify_locations(cafile=ca)
            except ssl.SSLError as exc:
                raise TlsConfigError(f"tls_ca file {ca!r} cannot be loaded: {exc.reason or exc}") from None
        if allowed:  # an allowed certificate is trusted as it is (self-signed or not)
            pems = "".join(ssl.DER_cert_to_PEM_cert(der) for path in options.peer_certs for der in _certificates(path, "tls_peer_certs"))
            context.load_verify_locations(cadata=pems)
            context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
        context.verify_mode = ssl.CERT_REQUIRED
        if options.hostname and not server:
            context.check_hostname = True
    else:
        context.verify_mode = ssl.CERT_NONE
    keylog = os.environ.get("SSLKEYLOGFILE")
    if keylog:
        context.keylog_filename = keylog
    return context


def _key_problem(exc: ssl.SSLError, cert: str, key: str, encrypted: bool) -> str:
    reason = (exc.reason or str(exc)).upper()
    if "MISMATCH" in reason:
        return f"tls_key file {key!r} does not belong to the certificate in tls_cert file {cert!r}"
    if encrypted:
        return f"cannot decrypt tls_key file {key!r}: wrong passphrase"
    return f"cannot load tls_cert file {cert!r} with tls_key file {key!r}: {exc.reason or exc}"


def tls_transport(options: TlsOptions | None, *, server: bool, handshake_timeout: float = 10.0) -> Any:
    """A ``Transport`` for these options (plain TCP for None); files are checked now."""
    from .transport import Transport

    if options is None:
        return Transport()
    return Transport(ssl_context=make_context(options, server=server), handshake_timeout=handshake_timeout)


# ---- the handshake ---------------------------------------------------------------------------------


def _peer_name(stream: trio.abc.Stream, server_side: bool) -> str:
    sock = getattr(stream, "socket", None)
    try:
        address = sock.getpeername() if sock is not None else None
    except OSError:
        address = None
    where = f"{address[0]}:{address[1]}" if isinstance(address, tuple) else "(in memory)"
    return f"the client at {where}" if server_side else f"the RTU at {where}"


class TlsStream(trio.abc.Stream):
    """A ``trio.SSLStream`` that sends each APDU in a TLS record of its own.

    Why: lib60870 (c104) reads one record at a time and then waits on the socket, so APDUs
    packed behind the first one in a record wait there until more octets arrive (seconds, or
    until t1 ends the link). One record per APDU is what lib60870 sends itself. Everything
    else (``version()``, ``cipher()``, ``getpeercert()``, ``transport_stream``) is the SSLStream's.
    """

    def __init__(self, ssl_stream: trio.SSLStream) -> None:
        self.ssl_stream = ssl_stream

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ssl_stream, name)

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data)
        start, size = 0, len(view)
        while start < size:
            end = size  # octets that are no APDU (a conformance test's raw bytes) go as they are
            if view[start] == 0x68 and start + 1 < size:
                end = min(size, start + 2 + view[start + 1])
            await self.ssl_stream.send_all(view[start:end])
            start = end

    async def wait_send_all_might_not_block(self) -> None:
        await self.ssl_stream.wait_send_all_might_not_block()

    async def receive_some(self, max_bytes: int | None = None) -> bytes | bytearray:
        return await self.ssl_stream.receive_some(max_bytes)

    async def aclose(self) -> None:
        await self.ssl_stream.aclose()


async def secure(
    stream: trio.abc.Stream, context: ssl.SSLContext, *, server_side: bool, host: str | None = None
) -> TlsStream:
    """The TLS handshake on ``stream``, then the allowed-list check; TlsFailed names the peer.

    The caller bounds the time (the client's t0, the server's handshake timeout). On failure the
    TCP stream is closed.
    """
    peer = _peer_name(stream, server_side)
    hostname = None
    if not server_side:
        hostname = host if context.check_hostname else None
    wrapped = trio.SSLStream(stream, context, server_side=server_side, server_hostname=hostname, https_compatible=False)
    try:
        await wrapped.do_handshake()
    except trio.BrokenResourceError as exc:
        await _send_alert(wrapped, stream)
        await trio.aclose_forcefully(stream)
        cause = exc.__cause__
        raise TlsFailed(f"TLS handshake with {peer} failed: {explain_ssl_error(cause, server_side)}") from cause
    except BaseException:
        await trio.aclose_forcefully(stream)
        raise
    allowed = getattr(context, "allowed_peers", None)
    if allowed:
        der = wrapped.getpeercert(binary_form=True)
        if der is None or hashlib.sha256(der).digest() not in allowed:
            await trio.aclose_forcefully(wrapped)
            what = "sent no certificate" if der is None else f"certificate {_subject(der)} (SHA-256 {fingerprint(der)})"
            raise TlsFailed(f"TLS: {peer} refused: its {what} is not in the allowed list (tls_peer_certs)")
    return TlsStream(wrapped)


async def _send_alert(wrapped: trio.SSLStream, stream: trio.abc.Stream) -> None:
    """Tell the peer why (the TLS alert OpenSSL wrote), so its error names the cause too.

    trio.SSLStream leaves the alert in its outgoing buffer when the handshake fails; without it
    a TLS 1.3 client sees only an EOF. Best effort, bounded to 1 s.
    """
    outgoing = getattr(wrapped, "_outgoing", None)  # trio's MemoryBIO; absent in other versions
    if not isinstance(outgoing, ssl.MemoryBIO) or not outgoing.pending:
        return
    with trio.move_on_after(1):
        try:
            await stream.send_all(outgoing.read())
        except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
            pass


def describe(stream: trio.abc.Stream) -> str | None:
    """``"TLSv1.3 TLS_AES_256_GCM_SHA384"`` for a TLS stream, None for plain TCP."""
    if isinstance(stream, TlsStream):
        stream = stream.ssl_stream
    if not isinstance(stream, trio.SSLStream):
        return None
    try:
        cipher = stream.cipher()
        return f"{stream.version()} {cipher[0] if cipher else ''}".strip()
    except (trio.NeedHandshakeError, AttributeError):
        return "TLS"


def _subject(der: bytes) -> str:
    """The certificate's subject common name, if the cryptography package is there to read it."""
    try:
        from cryptography import x509

        name = x509.load_der_x509_certificate(der).subject.rfc4514_string()
        return f"'{name}'"
    except Exception:  # cryptography is optional; the fingerprint names the certificate anyway
        return ""


_EOF = (
    "the peer closed the connection without a TLS alert or close_notify (during or right after"
    " the handshake this means: it does not speak TLS on this port, or it refused our certificate,"
    " e.g. one not on its allowed list)"
)

#: OpenSSL reasons and X.509 verify codes in a test engineer's words: (marker, side, text).
#: ``side`` is "us" when our end found the problem, "peer" when the peer's alert told us.
_REASONS: tuple[tuple[str, str], ...] = (
    ("CERTIFICATE_REQUIRED", "the peer requires a client certificate and we sent none (give tls_cert and tls_key)"),
    ("PEER DID NOT RETURN A CERTIFICATE", "the client sent no certificate, but mutual authentication requires one"),
    ("PEER_DID_NOT_RETURN_A_CERTIFICATE", "the client sent no certificate, but mutual authentication requires one"),
    ("UNKNOWN_CA", "the peer does not trust our certificate: it is not signed by a CA the peer knows"),
    ("ALERT_BAD_CERTIFICATE", "the peer refused our certificate (bad certificate)"),
    ("CERTIFICATE_EXPIRED", "the peer refused our certificate: it has expired"),
    ("ALERT_PROTOCOL_VERSION", "the peer refused our TLS version (tls_min_version/max on either side)"),
    ("UNSUPPORTED_PROTOCOL", "no TLS version in common: the peer offers a version outside our tls_min_version..max"),
    ("NO_PROTOCOLS_AVAILABLE", "no TLS version in common (tls_min_version/max)"),
    ("WRONG_VERSION_NUMBER", "the peer does not speak TLS here (plain TCP on a TLS port?)"),
    ("HTTP_REQUEST", "the peer does not speak TLS here (plain TCP on a TLS port?)"),
    ("PACKET_LENGTH_TOO_LONG", "the peer does not speak TLS here (plain TCP on a TLS port?)"),
    ("RECORD_LAYER_FAILURE", "the peer does not speak TLS here (plain TCP on a TLS port?)"),
    ("NO_SHARED_CIPHER", "no cipher suite in common with the peer"),
    ("HANDSHAKE_FAILURE", "the peer ended the handshake (no common cipher suite or version, or it refused our certificate)"),
    ("UNEXPECTED_EOF", _EOF),
    ("EOF OCCURRED", _EOF),
    ("DECRYPT_ERROR", "the peer could not verify our key (does tls_key belong to tls_cert?)"),
)

_VERIFY_CODES = {
    9: "its certificate is not valid yet",
    10: "its certificate has expired",
    18: "its certificate is self-signed and not in tls_ca or tls_peer_certs",
    19: "its certificate chain ends in a CA that is not in tls_ca (unknown CA)",
    20: "its certificate is signed by a CA that is not in tls_ca (unknown CA)",
    21: "its certificate is signed by a CA that is not in tls_ca (unknown CA)",
    62: "its certificate does not name the expected host (hostname verification)",
}


def explain_ssl_error(exc: BaseException | None, server_side: bool = False) -> str:
    """One sentence for a handshake or read failure, from OpenSSL's reason or verify code."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        text = _VERIFY_CODES.get(exc.verify_code)
        if text is not None:
            return f"{text} ({exc.verify_message})"
        return f"its certificate was refused: {exc.verify_message}"
    if exc is None:
        return "the peer closed the connection during the handshake"
    reason = f"{getattr(exc, 'reason', '') or ''} {exc}".upper()
    for marker, text in _REASONS:
        if marker in reason:
            return f"{text} [{getattr(exc, 'reason', None) or exc}]"
    return str(exc) or type(exc).__name__
