"""Byte streams for both roles: the client opens one, the simulator accepts them.

One door for every kind of stream, so TLS (IEC 62351-3) goes through the same calls:
``Transport(ssl_context=...)`` (built by ``engine.tls.tls_transport``) makes ``_secure`` wrap
each stream in ``trio.SSLStream`` once the TCP connection exists, on both sides. Everything above this module sees an ``OpenStream``: the
trio stream and the real local and peer addresses (for pcap files and log lines).

>>> async def main():
...     opened = await Transport().connect("127.0.0.1", 2404, timeout=30)
...     print(opened.local, "->", opened.peer)
"""

from __future__ import annotations

import logging
import os
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import trio

from .errors import ConnectFailed
from .tls import TlsFailed, describe, secure

__all__ = ["Endpoint", "OpenStream", "Transport"]

log = logging.getLogger("c104test.tls")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A host and a port as the socket reports them.

    >>> str(Endpoint("::1", 2404)), str(Endpoint("127.0.0.1", 2404))
    ('[::1]:2404', '127.0.0.1:2404')
    """

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @classmethod
    def of(cls, address: Any) -> Endpoint | None:
        """From a socket address tuple (IPv4 or IPv6); None for anything else."""
        if isinstance(address, tuple) and len(address) >= 2:
            return cls(str(address[0]), int(address[1]))
        return None


@dataclass(frozen=True, slots=True)
class OpenStream:
    """A connected byte stream; ``local``/``peer`` are None for in-memory test streams."""

    stream: trio.abc.Stream
    local: Endpoint | None = None
    peer: Endpoint | None = None
    #: "TLSv1.3 TLS_AES_256_GCM_SHA384" when the link is TLS, None for plain TCP (for pcap/logs).
    tls: str | None = None

    @property
    def endpoints(self) -> tuple[tuple[str, int], tuple[str, int]] | None:
        """(local, peer) as (host, port) pairs for captures; None for an in-memory stream."""
        if self.local is None or self.peer is None:
            return None
        return (self.local.host, self.local.port), (self.peer.host, self.peer.port)

    @classmethod
    def of(cls, stream: trio.abc.Stream) -> OpenStream:
        """Wrap a stream, reading the addresses from its socket if it has one."""
        sock = getattr(stream, "socket", None)
        if sock is None:
            inner = getattr(stream, "transport_stream", None)  # trio.SSLStream
            sock = getattr(inner, "socket", None)
        local = peer = None
        if sock is not None:
            try:
                local = Endpoint.of(sock.getsockname())
                peer = Endpoint.of(sock.getpeername())
            except OSError:  # already reset by the peer
                pass
        return cls(stream, local, peer, describe(stream))


class Transport:
    """Opens (client) and accepts (server) IEC 104 byte streams over TCP or TLS.

    With ``ssl_context`` every stream is TLS (see ``engine.tls``); the server side bounds each
    handshake by ``handshake_timeout`` and refuses (logs, closes) a peer that fails it.
    """

    __slots__ = ("handshake_timeout", "ssl_context")

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None, handshake_timeout: float = 10.0) -> None:
        self.ssl_context = ssl_context
        self.handshake_timeout = handshake_timeout

    async def connect(
        self,
        host: str,
        port: int,
        *,
        timeout: float,
        opener: Callable[[], Awaitable[trio.abc.Stream]] | None = None,
    ) -> OpenStream:
        """Connect within ``timeout`` (t0); ConnectFailed names host, port and t0 otherwise.

        ``opener`` replaces the TCP connect (tests pass a memory-stream factory).
        """
        stream = None
        try:
            with trio.fail_after(timeout):
                if opener is not None:
                    stream = await opener()
                else:
                    stream = await trio.open_tcp_stream(host, port)
                return OpenStream.of(await self._secure(stream, server_side=False, host=host))
        except ConnectFailed:  # TlsFailed: already says what went wrong
            raise
        except trio.TooSlowError:
            if stream is not None:
                await trio.aclose_forcefully(stream)
                raise TlsFailed(
                    f"TLS handshake with the RTU at {Endpoint(host, port)} did not finish within"
                    f" t0={timeout:g} s (does it speak TLS on this port?)"
                ) from None
            raise ConnectFailed(
                f"cannot connect to {Endpoint(host, port)}: no answer within t0={timeout:g} s"
            ) from None
        except OSError as exc:
            raise ConnectFailed(
                f"cannot connect to {Endpoint(host, port)}: {_why(exc)} (t0={timeout:g} s)"
            ) from exc

    async def serve(
        self,
        handler: Callable[[OpenStream], Awaitable[None]],
        host: str | None,
        port: int,
        *,
        handler_nursery: trio.Nursery,
        secure: bool = True,
        task_status: trio.TaskStatus[list[trio.SocketListener]] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Accept connections on ``host``:``port`` (0: any free port) until cancelled.

        ``task_status.started`` gets the listeners (their sockets tell the bound port). Each
        accepted stream runs ``handler(OpenStream)`` in ``handler_nursery``. With
        ``secure=False`` the handler gets the plain TCP stream and calls ``accept`` itself (the
        simulator refuses peers over its limit before spending a TLS handshake on them).
        """
        listeners = await trio.open_tcp_listeners(port, host=host)

        async def accepted(stream: trio.SocketStream) -> None:
            secured = await self.accept(stream) if secure else stream
            if secured is not None:
                await handler(OpenStream.of(secured))

        await trio.serve_listeners(
            accepted, listeners, handler_nursery=handler_nursery, task_status=task_status
        )

    async def accept(self, stream: trio.abc.Stream) -> trio.abc.Stream | None:
        """Server side: the TLS handshake within ``handshake_timeout``; None if the peer failed it.

        A refused peer is logged (who and why) and its connection closed; the caller keeps
        serving the others.
        """
        if self.ssl_context is None:
            return stream
        try:
            with trio.fail_after(self.handshake_timeout):
                secured = await self._secure(stream, server_side=True)
            log.info("TLS: %s: %s", _peer(stream), describe(secured))
            return secured
        except TlsFailed as exc:
            log.warning("%s", exc)
        except trio.TooSlowError:
            log.warning(
                "TLS: %s refused: no TLS handshake within %g s (a plain TCP client on the TLS port?)",
                _peer(stream),
                self.handshake_timeout,
            )
        await trio.aclose_forcefully(stream)
        return None

    async def _secure(
        self, stream: trio.abc.Stream, *, server_side: bool, host: str | None = None
    ) -> trio.abc.Stream:
        """The TLS hook: wrap ``stream`` in ``trio.SSLStream`` when a context is set."""
        if self.ssl_context is None:
            return stream
        return await secure(stream, self.ssl_context, server_side=server_side, host=host)


def _peer(stream: trio.abc.Stream) -> str:
    opened = OpenStream.of(stream)
    return f"the client at {opened.peer}" if opened.peer else "a client"


def _why(exc: OSError) -> str:
    """The OS's words; trio wraps the per-address failures of a connect in one OSError, whose own
    strerror repeats the socket address ("Error connecting to ('::1', 2404, 0, 0): ...")."""
    inner = exc.__cause__
    leaves = inner.exceptions if isinstance(inner, BaseExceptionGroup) else (inner,)
    reasons = [_os_words(e) for e in leaves if isinstance(e, OSError) and e.strerror]
    if reasons:
        return "; ".join(dict.fromkeys(reasons))
    return _os_words(exc) if exc.strerror else str(exc)


def _os_words(exc: OSError) -> str:
    """'Connection refused', not trio's "Error connecting to ('::1', 2404, 0, 0): Connection refused"."""
    return os.strerror(exc.errno) if isinstance(exc.errno, int) and exc.errno > 0 else str(exc.strerror)
