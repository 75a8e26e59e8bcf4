"""TransportSecurity, TlsVersion, TlsCipher: c104's TLS configuration on c104test's engine.

A c104 TLS client script runs unchanged with ``import c104test as c104``:

>>> tls = TransportSecurity(validate=True, only_known=False)
>>> tls.set_certificate(cert="client.pem", key="client.key")        # doctest: +SKIP
>>> tls.set_ca_certificate(cert="ca.pem")                            # doctest: +SKIP
>>> tls.set_version(min=TlsVersion.TLS_1_2, max=TlsVersion.TLS_1_3)
>>> client = Client(transport_security=tls)                          # doctest: +SKIP

Where it differs from c104 2.2.1, on purpose:

- ``set_hostname_verification(hostname)`` exists (c104's main branch has it; 2.2.1 cannot set a
  host name, so its mbedtls client fails every handshake, c104 issue #64). Without it the host
  name is not checked, as IEC 104 peers are known by address.
- Versions below TLS 1.2 are not offered (IEC 62351-3); asking for them logs a warning and 1.2
  is used. Python's ``ssl`` cannot narrow the TLS 1.3 suites, so ``set_ciphers`` narrows the
  TLS 1.2 suites; a list of TLS 1.3 suites only turns TLS 1.2 off, and TLS 1.2 suites only turn
  TLS 1.3 off. ``TlsCipher`` has the suites OpenSSL implements (PSK, NULL and ECDH static suites
  are left out).
- ``set_renegotiation_time`` and ``set_resumption_interval`` are accepted and do nothing:
  renegotiation is off in the profile, and each connection makes a full handshake.
- ``only_known=True`` with no allowed certificate would refuse every peer; ``Client`` says so at
  once instead (ValueError).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from ..engine.tls import CIPHER_SUITES, TlsOptions, make_context, tls_transport
from ..engine.transport import Transport
from ..protocol.enums import _Named

__all__ = ["TlsCipher", "TlsVersion", "TransportSecurity", "transport_of"]

log = logging.getLogger("c104test.tls")


class TlsVersion(_Named):
    """TLS versions, with c104's values."""

    NOT_SELECTED = 0
    SSL_3_0 = 3
    TLS_1_0 = 4
    TLS_1_1 = 5
    TLS_1_2 = 6
    TLS_1_3 = 7


#: Cipher suites by IANA name (without ``TLS_``) and code point; the table is engine.tls's.
TlsCipher = _Named("TlsCipher", CIPHER_SUITES, module=__name__)  # type: ignore[misc]

_READ_ONLY = "config is readonly and cannot be modified further"


class TransportSecurity:
    """The TLS settings of a Client (c104-api.md §1.9); read-only once given to a Client.

    ``validate`` checks the peer's chain (against ``set_ca_certificate``) and validity period;
    ``only_known`` accepts only peers whose certificate was added with
    ``add_allowed_remote_certificate``.
    """

    def __init__(self, validate: bool = True, only_known: bool = True) -> None:
        self._validate = bool(validate)
        self._only_known = bool(only_known)
        self._cert: str | None = None
        self._key: str | None = None
        self._passphrase = ""
        self._ca: str | None = None
        self._allowed: list[str] = []
        self._min = TlsVersion.NOT_SELECTED
        self._max = TlsVersion.NOT_SELECTED
        self._ciphers: tuple[str, ...] = ()
        self._hostname: str | None = None
        self._read_only = False

    def __repr__(self) -> str:
        return f"<c104test.TransportSecurity validate={self._validate}, only_known={self._only_known}>"

    def _writable(self) -> None:
        if self._read_only:
            raise ValueError(_READ_ONLY)

    def set_certificate(self, cert: str, key: str, passphrase: str = "") -> None:
        """This end's certificate and private key (PEM files); ValueError if they do not load."""
        self._writable()
        options = TlsOptions(cert=cert, key=key, passphrase=passphrase or None, verify=False)
        make_context(options, server=False)  # loads both now: TlsConfigError (a ValueError) names the file
        self._cert, self._key, self._passphrase = str(cert), str(key), passphrase

    def set_ca_certificate(self, cert: str) -> None:
        """The CA certificate(s) (PEM) the peer's certificate must chain to."""
        self._writable()
        make_context(TlsOptions(ca=cert), server=False)
        self._ca = str(cert)

    def add_allowed_remote_certificate(self, cert: str) -> None:
        """A peer certificate (PEM) to accept when ``only_known`` is set."""
        self._writable()
        make_context(TlsOptions(peer_certs=(cert,)), server=False)
        self._allowed.append(str(cert))

    def set_version(self, min: TlsVersion = TlsVersion.NOT_SELECTED, max: TlsVersion = TlsVersion.NOT_SELECTED) -> None:
        """Lowest and highest TLS version (NOT_SELECTED: the profile's, 1.2 and 1.3)."""
        self._writable()
        self._min, self._max = TlsVersion(min), TlsVersion(max)

    def set_ciphers(self, ciphers: list[Any]) -> None:
        """The allowed cipher suites (``TlsCipher`` members)."""
        self._writable()
        names = tuple(TlsCipher(c).name if isinstance(c, int) else str(c) for c in ciphers)
        make_context(TlsOptions(ciphers=names, verify=False), server=False)
        self._ciphers = names

    def set_renegotiation_time(self, interval: timedelta | None = None) -> None:
        """Accepted for c104 scripts; renegotiation is off (IEC 62351-3 profile, OpenSSL)."""
        self._writable()

    def set_resumption_interval(self, interval: timedelta | None = None) -> None:
        """Accepted for c104 scripts; every connection makes a full handshake."""
        self._writable()

    def set_hostname_verification(self, hostname: str | None) -> None:
        """Check that the server's certificate names ``hostname`` (None: no check, the default)."""
        self._writable()
        self._hostname = hostname or None

    # ---- for Client ----

    def _freeze(self) -> TlsOptions:
        """The engine's options; the configuration is read-only from now on."""
        if self._only_known and not self._allowed:
            raise ValueError(
                "TransportSecurity(only_known=True) has no allowed remote certificate, so every peer"
                " would be refused: add_allowed_remote_certificate(...) or only_known=False"
            )
        self._read_only = True
        return TlsOptions(
            cert=self._cert,
            key=self._key,
            passphrase=self._passphrase or None,
            ca=self._ca,
            peer_certs=tuple(self._allowed) if self._only_known else (),
            min_version=_version(self._min, "1.2"),
            max_version=_version(self._max, "1.3"),
            verify=self._validate,
            ciphers=self._ciphers,
            hostname=self._hostname,
        )


def _version(value: TlsVersion, default: str) -> str:
    if value is TlsVersion.NOT_SELECTED:
        return default
    if value < TlsVersion.TLS_1_2:
        log.warning("TLS version %s is not offered (IEC 62351-3 asks for 1.2 or later): TLS 1.2 is used", value.name)
        return "1.2"
    return "1.3" if value is TlsVersion.TLS_1_3 else "1.2"


def transport_of(security: TransportSecurity | None, *, server: bool) -> Transport:
    """The engine's transport for a Client (``server=False``) or a Server: plain TCP for None."""
    if security is None:
        return Transport()
    if not isinstance(security, TransportSecurity):
        raise TypeError(f"transport_security must be a c104test.TransportSecurity, not {type(security).__name__}")
    return tls_transport(security._freeze(), server=server)
