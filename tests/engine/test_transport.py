"""The transport: opening and accepting streams, real addresses, connect errors, the TLS door."""

from __future__ import annotations

import socket

import pytest
import trio
import trio.testing

from c104test.engine.errors import ConnectFailed
from c104test.engine.transport import Endpoint, OpenStream, Transport
from c104test.protocol.closing import CloseCause, ClosedBy

pytestmark = pytest.mark.timeout(30)


def test_endpoint_text_brackets_ipv6() -> None:
    assert str(Endpoint("127.0.0.1", 2404)) == "127.0.0.1:2404"
    assert str(Endpoint("::1", 2404)) == "[::1]:2404"
    assert Endpoint.of(("::1", 5, 0, 0)) == Endpoint("::1", 5)
    assert Endpoint.of("/tmp/sock") is None


def test_connect_and_serve_report_the_real_addresses_of_both_ends() -> None:
    async def main() -> None:
        accepted: list[OpenStream] = []
        got = trio.Event()

        async def handler(opened: OpenStream) -> None:
            accepted.append(opened)
            got.set()
            await opened.stream.send_all(b"hello")
            await opened.stream.aclose()

        transport = Transport()
        with trio.fail_after(10):
            async with trio.open_nursery() as nursery:
                listeners = await nursery.start(
                    lambda task_status: transport.serve(
                        handler, "127.0.0.1", 0, handler_nursery=nursery, task_status=task_status
                    )
                )
                port = listeners[0].socket.getsockname()[1]
                opened = await transport.connect("127.0.0.1", port, timeout=5)
                await got.wait()
                assert opened.peer == Endpoint("127.0.0.1", port)
                assert opened.local is not None and opened.local.host == "127.0.0.1"
                server_side = accepted[0]
                assert server_side.peer == opened.local  # each end sees the other
                assert server_side.local == opened.peer
                assert await opened.stream.receive_some(10) == b"hello"
                await opened.stream.aclose()
                nursery.cancel_scope.cancel()

    trio.run(main)


def test_refused_connect_names_host_port_and_t0() -> None:
    with socket.socket() as probe:  # a port that nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def main() -> None:
        with pytest.raises(ConnectFailed) as caught:
            await Transport().connect("127.0.0.1", port, timeout=7)
        text = str(caught.value)
        assert text.startswith(f"cannot connect to 127.0.0.1:{port}: ")
        assert "refused" in text.lower() and "(t0=7 s)" in text
        assert (caught.value.by, caught.value.cause) == (ClosedBy.LOCAL, CloseCause.CONNECT_FAILED)

    trio.run(main)


def test_a_connect_that_never_finishes_fails_after_t0() -> None:
    async def never() -> trio.abc.Stream:
        await trio.sleep_forever()
        raise AssertionError("unreachable")

    async def main() -> None:
        start = trio.current_time()
        with pytest.raises(ConnectFailed, match=r"^cannot connect to 10\.0\.0\.9:2404: no answer within t0=30 s$"):
            await Transport().connect("10.0.0.9", 2404, timeout=30, opener=never)
        assert trio.current_time() - start == pytest.approx(30)

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))


def test_memory_streams_have_no_addresses() -> None:
    a, _ = trio.testing.memory_stream_pair()
    opened = OpenStream.of(a)
    assert (opened.local, opened.peer) == (None, None)

