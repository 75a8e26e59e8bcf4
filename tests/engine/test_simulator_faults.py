"""The simulator against a client that floods requests and reads nothing (real sockets, port 0).

The simulator must stop reading from such a client once its answers pile up (back-pressure,
bounded in octets), release it within t1 + 2 s and log the release with its address, and keep
answering a second client's station interrogation in under 1 s all the while.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import struct

import pytest
import trio

from c104test.engine.client import open_connection
from c104test.engine.profile import demo_profile
from c104test.engine.simulator import open_simulator
from c104test.protocol.apci import UFunction, encode_u_frame
from c104test.protocol.asdu import Asdu, encode_asdu
from c104test.protocol.closing import CloseCause, ClosedBy
from c104test.protocol.enums import Cot, Type
from c104test.protocol.link import LinkParameters
from c104test.protocol.objects import Read

pytestmark = pytest.mark.timeout(60)

T1 = 2.0
LINK = LinkParameters(k=12, w=8, t1=T1, t2=1.0, t3=20.0)
CA = 47


def reads(first_seq: int, count: int) -> bytes:
    asdu = encode_asdu(Asdu(Type.C_RD_NA_1, Cot.REQUEST, CA, (Read(101),)))
    return b"".join(
        struct.pack("<BBHH", 0x68, len(asdu) + 4, ((first_seq + n) % 32768) << 1, 0) + asdu
        for n in range(count)
    )


def test_a_flooding_client_that_reads_nothing_is_released_and_others_are_served(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="c104test.simulator")
    profile = dataclasses.replace(demo_profile(), link=LINK)

    async def main() -> None:
        async with open_simulator(profile) as sim:
            assert sim.port is not None
            flooder = trio.socket.socket()
            flooder.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
            await flooder.connect(("127.0.0.1", sim.port))
            flooder_address = f"127.0.0.1:{flooder.getsockname()[1]}"
            flood_ended = trio.Event()
            sent = 0

            async def flood() -> None:
                nonlocal sent
                await flooder.send(encode_u_frame(UFunction.STARTDT_ACT))
                try:
                    while True:
                        view = memoryview(reads(sent, 1000))
                        while view:
                            view = view[await flooder.send(view) :]
                        sent += 1000
                except OSError:
                    pass  # the simulator released us
                flood_ended.set()

            worst = 0.0
            paused_seen = False
            peak_answers = 0
            async with trio.open_nursery() as nursery:
                flood_started = trio.current_time()
                nursery.start_soon(flood)
                async with open_connection("127.0.0.1", sim.port, params=LINK) as good:
                    with trio.fail_after(T1 + 10):
                        while True:
                            for connection in sim.connections:
                                if connection.peer_address is not None and str(connection.peer_address) == flooder_address:
                                    paused_seen |= connection.reading_paused
                                    peak_answers = max(peak_answers, connection.answers_queued)
                            started = trio.current_time()
                            result = await good.interrogation(CA, timeout=5)
                            worst = max(worst, trio.current_time() - started)
                            assert result.positive and result.terminated
                            if len(sim.connections) == 1 and trio.current_time() - flood_started > T1 + 1:
                                break
                    released_after = trio.current_time() - flood_started
                    with trio.fail_after(5):
                        await flood_ended.wait()
                flooder.close()
            assert released_after < T1 + 2 + 1  # + the last interrogation round
            assert worst < 1.0, f"an interrogation took {worst:.3f} s while the flood ran"
            assert sent >= 1000  # the flood really ran
            assert paused_seen, "the simulator never stopped reading from the flooder"
            # the bound, plus the answers to the one chunk (64 KiB of 16-octet reads) being read
            # when it was hit
            assert peak_answers <= sim.response_limit // 255 + 65536 // 16
        releases = [
            r for r in caplog.records if r.levelno == logging.WARNING and flooder_address in r.getMessage()
        ]
        assert releases, [r.getMessage() for r in caplog.records]
        assert "released" in releases[0].getMessage() and "t1" in releases[0].getMessage()

    trio.run(main)


def test_the_release_says_who_and_why() -> None:
    profile = dataclasses.replace(demo_profile(), link=LINK)

    async def main() -> None:
        async with open_simulator(profile) as sim:
            assert sim.port is not None
            with trio.fail_after(T1 + 5):
                sock = trio.socket.socket()
                await sock.connect(("127.0.0.1", sim.port))
                await sock.send(encode_u_frame(UFunction.STARTDT_ACT) + reads(0, 1))
                while not sim.connections:  # noqa: ASYNC110 - the simulator has no event for this
                    await trio.sleep(0.01)
                connection = sim.connections[0]
                opened = trio.current_time()
                while connection.is_open:  # noqa: ASYNC110 - we read and acknowledge nothing
                    await trio.sleep(0.05)
                assert trio.current_time() - opened < T1 + 2
                sock.close()
            info = connection.close_info
            assert info is not None
            assert (info.by, info.cause) == (ClosedBy.LOCAL, CloseCause.T1_EXPIRED)
            assert connection.close_reason == info.reason and "t1 expired" in info.reason

    trio.run(main)
