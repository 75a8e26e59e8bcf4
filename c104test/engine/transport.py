"""Byte streams for both roles: the client opens one, the simulator accepts them.

One door for every kind of stream, so TLS (IEC 62351-3) goes through the same calls later:
``Transport(ssl_context=...)`` is where it will plug in (``_secure`` wraps each stream once the
TCP connection exists, on both sides). Everything above this module sees an ``OpenStream``: the
trio stream and the real local and peer addresses (for pcap files and log lines).

>>> async def main():
...     opened = await Transport().connect("127.0.0.1", 2404, timeout=30)
...     print(opened.local, "->", opened.peer)
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import trio

from .errors import ConnectFailed

__all__ = ["Endpoint", "OpenStream", "Transport"]


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
        return cls(stream, local, peer)


class Transport:
    """Opens (client) and accepts (server) IEC 104 byte streams. TCP now; TLS later.

    ``ssl_context`` is the TLS hook: it is accepted here so callers have one place to pass it,
    and refused until the TLS issue implements ``_secure``.
    """

    __slots__ = ("ssl_context",)

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        if ssl_context is not None:
            raise NotImplementedError("TLS is not implemented yet; use plain TCP (ssl_context=None)")
        self.ssl_context = ssl_context

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
        try:
            with trio.fail_after(timeout):
                if opener is not None:
                    stream = await opener()
                else:
                    stream = await trio.open_tcp_stream(host, port)
                return OpenStream.of(await self._secure(stream, server_side=False, host=host))
        except trio.TooSlowError:
            raise ConnectFailed(
                f"cannot connect to {host}:{port}: no answer within t0={timeout:g} s"
            ) from None
        except OSError as exc:
            raise ConnectFailed(
                f"cannot connect to {host}:{port}: {_why(exc)} (t0={timeout:g} s)"
            ) from exc

    async def serve(
        self,
        handler: Callable[[OpenStream], Awaitable[None]],
        host: str | None,
        port: int,
        *,
        handler_nursery: trio.Nursery,
        task_status: trio.TaskStatus[list[trio.SocketListener]] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Accept connections on ``host``:``port`` (0: any free port) until cancelled.

        ``task_status.started`` gets the listeners (their sockets tell the bound port). Each
        accepted stream runs ``handler(OpenStream)`` in ``handler_nursery``.
        """
        listeners = await trio.open_tcp_listeners(port, host=host)

        async def accepted(stream: trio.SocketStream) -> None:
            await handler(OpenStream.of(await self._secure(stream, server_side=True)))

        await trio.serve_listeners(
            accepted, listeners, handler_nursery=handler_nursery, task_status=task_status
        )

    async def _secure(
        self, stream: trio.abc.Stream, *, server_side: bool, host: str | None = None
    ) -> trio.abc.Stream:
        """The TLS hook: wrap ``stream`` in ``trio.SSLStream`` when a context is set."""
        return stream


def _why(exc: OSError) -> str:
    """The OS's words; trio wraps the per-address failures of a connect in one OSError."""
    if exc.strerror:
        return exc.strerror
    inner = exc.__cause__
    leaves = inner.exceptions if isinstance(inner, BaseExceptionGroup) else (inner,)
    reasons = [e.strerror for e in leaves if isinstance(e, OSError) and e.strerror]
    return "; ".join(dict.fromkeys(reasons)) if reasons else str(exc)
