"""ClientConnection against a scripted in-memory RTU, in virtual time.

Every test runs under ``trio.run(..., clock=MockClock(autojump_threshold=0))``: time jumps to the
next deadline whenever all tasks wait, so t1 (15 s), t2 (10 s) and t3 (20 s) expire instantly and
at exact instants. Every test checks what reached the wire from the RTU's side (``FakeRtu``), not
only what the client returned.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import shutil
import subprocess
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import trio
import trio.testing

from c104test.engine.client import ClientConnection, MessageFilter, open_connection
from c104test.engine.errors import (
    CommandTimeout,
    ConnectFailed,
    ExpectationFailed,
    LinkDown,
    LinkTimeout,
    NotConnected,
)
from c104test.engine.journal import Direction
from c104test.protocol.apci import UFunction, decode_frame, encode_s_frame
from c104test.protocol.asdu import Asdu, decode_asdu, mirror
from c104test.protocol.closing import CloseCause, ClosedBy
from c104test.protocol.elements import SCO, SIQ
from c104test.protocol.enums import ConnectionState, Cot, Type
from c104test.protocol.errors import DecodeError
from c104test.protocol.explain import explain_bytes
from c104test.protocol.link import LinkParameters, LinkState
from c104test.protocol.objects import MeasuredShort, SingleCommand, SinglePoint

try:
    from .fake_rtu import (
        STARTDT_ACT,
        STARTDT_CON,
        TESTFR_ACT,
        TESTFR_CON,
        FakeRtu,
        FakeRtuListener,
        open_fake_rtu,
    )
except ImportError:
    from fake_rtu import (  # type: ignore[no-redef]
        STARTDT_ACT,
        STARTDT_CON,
        TESTFR_ACT,
        TESTFR_CON,
        FakeRtu,
        FakeRtuListener,
        open_fake_rtu,
    )

pytestmark = pytest.mark.timeout(30)

CA = 47
T1, T2, T3 = 15.0, 10.0, 20.0
PARAMS = LinkParameters(k=12, w=8, t0=30.0, t1=T1, t2=T2, t3=T3)
TEST_LIMIT = 600.0  # virtual seconds; a hung test fails here instead of at the pytest timeout
S = ConnectionState


# ---- runner -------------------------------------------------------------------------------------


def trio_test(fn: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async test under trio with an autojumping MockClock, bounded by fail_after.

    pytest-trio is not installed; this is all of it that these tests need.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        async def main() -> None:
            with trio.fail_after(TEST_LIMIT):
                await fn(*args, **kwargs)

        trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))

    return wrapper


def _sockets() -> set[str]:
    fd_dir = Path("/proc/self/fd")
    found = set()
    for fd in fd_dir.iterdir() if fd_dir.exists() else ():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:"):
            found.add(target)
    return found


@pytest.fixture(autouse=True)
def _nothing_outlives_the_test() -> Any:
    threads = set(threading.enumerate())
    sockets = _sockets()
    yield
    assert set(threading.enumerate()) <= threads, "a thread outlived the test"
    assert _sockets() <= sockets, "a socket outlived the test"


# ---- helpers ------------------------------------------------------------------------------------


@asynccontextmanager
async def connected(
    listener_options: dict[str, Any] | None = None, *, lockstep: bool = False, **options: Any
) -> AsyncIterator[tuple[ClientConnection, FakeRtu]]:
    """An open client (data transfer started) and the RTU end of its connection."""
    async with open_fake_rtu(lockstep=lockstep) as rtus:
        for name, value in (listener_options or {}).items():
            setattr(rtus, name, value)
        options.setdefault("params", PARAMS)
        async with open_connection(stream_factory=rtus.connect, **options) as client:
            rtu = rtus.connections[0]
            await rtu.handshake()  # STARTDT act reached the RTU (asserted inside)
            yield client, rtu


def sp(ioa: int, value: bool, cot: Cot = Cot.SPONTANEOUS) -> Asdu:
    return Asdu(Type.M_SP_NA_1, cot, CA, (SinglePoint(ioa, SIQ(value)),))


def me(ioas_values: list[tuple[int, float]], cot: Cot = Cot.SPONTANEOUS) -> Asdu:
    return Asdu(Type.M_ME_NC_1, cot, CA, tuple(MeasuredShort(i, v) for i, v in ioas_values))


def answer(command: Asdu, cot: Cot, negative: bool = False) -> Asdu:
    """The RTU's confirmation of ``command``: the same ASDU with another cause."""
    return dataclasses.replace(command, cot=cot, negative=negative)


def single_command(ioa: int, value: bool = True) -> Asdu:
    return Asdu(Type.C_SC_NA_1, Cot.ACTIVATION, CA, (SingleCommand(ioa, SCO(value)),))


def i_header(send_seq: int, recv_seq: int, asdu_len: int) -> bytes:
    return (
        bytes((0x68, asdu_len + 4))
        + (send_seq << 1).to_bytes(2, "little")
        + (recv_seq << 1).to_bytes(2, "little")
    )


# ---- STARTDT and states -------------------------------------------------------------------------


@trio_test
async def test_startdt_act_on_connect_and_state_transitions() -> None:
    async with open_fake_rtu() as rtus:
        client = ClientConnection(stream_factory=rtus.connect, params=PARAMS)
        states: list[ConnectionState] = []
        client.on_state = states.append
        async with trio.open_nursery() as nursery:
            assert await nursery.start(client.run) is client
            rtu = rtus.connections[0]
            first = await rtu.next_frame()
            assert first.raw == bytes.fromhex("68 04 07 00 00 00")  # STARTDT act, first octets
            assert rtu.sent_frames == [STARTDT_CON]
            assert states == [S.CLOSED_AWAIT_OPEN, S.OPEN_MUTED, S.OPEN]
            assert client.is_open and client.link is not None
            assert client.link.state is LinkState.STARTED
            await client.close()
        assert states[-2:] == [S.OPEN_AWAIT_CLOSED, S.CLOSED]
        assert await rtu.expect_eof() == []  # nothing after STARTDT act, then FIN
        assert bytes(rtu.wire_in) == STARTDT_ACT


@trio_test
async def test_no_startdt_when_asked_not_to() -> None:
    async with open_fake_rtu() as rtus:
        client = ClientConnection(
            stream_factory=rtus.connect, params=PARAMS, start_data_transfer=False
        )
        async with trio.open_nursery() as nursery:
            await nursery.start(client.run)
            rtu = rtus.connections[0]
            assert client.state is S.OPEN_MUTED
            await rtu.expect_nothing(within=T3 - 1)
            with pytest.raises(NotConnected, match="data transfer is not started"):
                await client.interrogation(CA)
            await client.start_data_transfer()
            await rtu.expect_u(UFunction.STARTDT_ACT)
            assert client.state is S.OPEN
            await client.close()


@trio_test
async def test_t1_closes_when_startdt_con_never_comes() -> None:
    async with open_fake_rtu() as rtus:
        rtus.silent = True  # the RTU reads everything and answers nothing
        client = ClientConnection(stream_factory=rtus.connect, params=PARAMS)
        states: list[ConnectionState] = []
        client.on_state = states.append
        start = trio.current_time()
        with pytest.raises(LinkDown) as caught:
            await client.run()
        assert trio.current_time() - start == pytest.approx(T1)
        assert "t1" in str(caught.value) and "STARTDT con" in str(caught.value)
        assert isinstance(caught.value, LinkTimeout)
        assert (caught.value.by, caught.value.cause) == (ClosedBy.LOCAL, CloseCause.T1_EXPIRED)
        assert client.close_reason is not None and "t1" in client.close_reason
        assert client.close_info is not None and client.close_info.cause is CloseCause.T1_EXPIRED
        rtu = rtus.connections[0]
        assert [f.raw for f in await rtu.expect_eof()] == [STARTDT_ACT]  # and nothing else
        assert rtu.eof_at == pytest.approx(start + T1)
        assert rtu.suppressed == [STARTDT_CON]  # the con the RTU's link wanted to send
        assert states == [S.CLOSED_AWAIT_OPEN, S.OPEN_MUTED, S.CLOSED]


# ---- t3, TESTFR ---------------------------------------------------------------------------------


@trio_test
async def test_t3_testfr_and_t1_close_without_testfr_con() -> None:
    async with connected() as (client, rtu):
        opened = trio.current_time()
        act = await rtu.expect_u(UFunction.TESTFR_ACT)
        assert act.at == pytest.approx(opened + T3)
        assert rtu.sent_frames[-1] == TESTFR_CON  # answered at once
        # the con restarted t3: the next act comes t3 later; this time nobody answers it
        rtu.ignore_test_frames()
        act = await rtu.expect_u(UFunction.TESTFR_ACT)
        assert act.at == pytest.approx(opened + 2 * T3)
        assert await rtu.expect_eof() == []
        assert rtu.eof_at == pytest.approx(act.at + T1)
        await client.wait_for_state(S.CLOSED, timeout=1)
        assert client.close_reason is not None
        assert "t1" in client.close_reason and "TESTFR con" in client.close_reason
        assert rtu.sent_frames == [STARTDT_CON, TESTFR_CON]


# ---- acknowledgements: t2, w, k -------------------------------------------------------------------


@trio_test
async def test_t2_s_frame_when_fewer_than_w_i_frames() -> None:
    async with connected() as (client, rtu):
        sent_at = trio.current_time()
        await rtu.send_asdus([sp(100, True), sp(101, False), sp(102, True)])
        ack = await rtu.expect_s(3)
        assert ack.raw == bytes.fromhex("68 04 01 00 06 00")
        assert ack.at == pytest.approx(sent_at + T2)
        assert [client.points.get(CA, i).value for i in (100, 101, 102)] == [True, False, True]


@trio_test
async def test_w_s_frame_after_w_i_frames() -> None:
    async with connected() as (client, rtu):
        sent_at = trio.current_time()
        await rtu.send_asdus([sp(100 + n, True) for n in range(11)])
        ack = await rtu.expect_s(8)  # at once after the 8th, not after t2
        assert ack.at == sent_at
        ack = await rtu.expect_s(11)  # the remaining 3 wait for t2
        assert ack.at == pytest.approx(sent_at + T2)
        assert len(client.points) == 11


@trio_test
async def test_k_window_blocks_then_times_out_and_continues_when_acked() -> None:
    params = dataclasses.replace(PARAMS, k=3, w=2)
    async with connected(listener_options={"withhold_acknowledgements": True}, params=params) as (
        client,
        rtu,
    ):
        start = trio.current_time()
        for n in range(3):
            assert await client.send_asdu(single_command(500 + n)) == n
        with pytest.raises(CommandTimeout, match="k window stayed full for 5 s"):
            await client.send_asdu(single_command(503), timeout=5)
        assert trio.current_time() - start == pytest.approx(5)
        frames = [await rtu.expect_i() for _ in range(3)]
        assert [f.frame.send_seq for f in frames] == [0, 1, 2]  # type: ignore[union-attr]
        assert [f.asdu.objects[0].io_address for f in frames] == [500, 501, 502]  # type: ignore[union-attr]

        async def fourth() -> None:
            assert await client.send_asdu(single_command(504), timeout=8) == 3

        async with trio.open_nursery() as nursery:
            nursery.start_soon(fourth)
            await rtu.expect_nothing(within=2)  # still blocked: no 4th I-frame
            acked_at = trio.current_time()
            assert await rtu.send_ack() == encode_s_frame(3)
            got = await rtu.expect_i()
        assert got.at == acked_at
        assert got.raw[:6] == i_header(3, 0, len(got.raw) - 6)
        assert got.asdu.objects[0].io_address == 504  # type: ignore[union-attr]


@trio_test
async def test_send_burst_fills_the_k_window_and_goes_on_after_each_ack() -> None:
    params = dataclasses.replace(PARAMS, k=3, w=2)
    async with connected(listener_options={"withhold_acknowledgements": True}, params=params) as (
        client,
        rtu,
    ):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(functools.partial(client.send_burst, single_command(500), 5, timeout=8))
            first = [await rtu.expect_i() for _ in range(3)]
            await rtu.expect_nothing(within=1)  # the window is full
            await rtu.send_ack()
            rest = [await rtu.expect_i() for _ in range(2)]
        assert [f.frame.send_seq for f in first + rest] == [0, 1, 2, 3, 4]  # type: ignore[union-attr]
        with pytest.raises(CommandTimeout, match="k window stayed full for 2 s \\(1 of 2 sent\\)"):
            await client.send_burst(single_command(501), 2, timeout=2)  # 2 unacknowledged, k=3


# ---- the client closes on a broken peer ---------------------------------------------------------


@trio_test
async def test_sequence_error_from_rtu_closes_with_reason() -> None:
    async with connected() as (client, rtu):
        bad = await rtu.send_asdu(sp(100, True), send_seq=5)
        assert bad[:6] == i_header(5, 0, len(bad) - 6)
        assert await rtu.expect_eof() == []  # nothing to acknowledge: the frame was refused
        await client.wait_for_state(S.CLOSED, timeout=1)
        assert client.close_reason == "sequence error: received N(S)=5, expected 0"
        assert client.close_info is not None
        assert (client.close_info.by, client.close_info.cause) == (ClosedBy.LOCAL, CloseCause.PROTOCOL_VIOLATION)
        assert client.close_error is not None and client.close_error.frame == bad
        assert client.points.get(CA, 100) is None  # a refused frame is not applied
        assert client.journal.tail(1)[0].raw == bad  # but it is in the journal
        with pytest.raises(NotConnected, match="sequence error"):
            await client.interrogation(CA)


@pytest.mark.parametrize(
    ("garbage", "expected"),
    [
        # after STARTDT con (6 octets) the stream offset of the garbage is 6
        (bytes.fromhex("00 01 02 03"), str(DecodeError("start octet 0x00 is not 0x68", 6))),
        (bytes.fromhex("68 02 00 00"), str(DecodeError("APDU length 2 outside 4..253", 7))),
    ],
)
@trio_test
async def test_garbage_from_rtu_closes_with_decode_error(garbage: bytes, expected: str) -> None:
    async with connected() as (client, rtu):
        await rtu.send_raw(garbage)
        assert await rtu.expect_eof() == []
        await client.wait_for_state(S.CLOSED, timeout=1)
        assert client.close_reason == expected
        assert client.close_error is not None and client.close_error.frame == garbage
        assert client.close_info is not None and client.close_info.cause is CloseCause.PROTOCOL_VIOLATION


@trio_test
async def test_malformed_control_field_closes_with_decode_error() -> None:
    bad = bytes.fromhex("68 04 ff 00 00 00")  # several U functions at once
    with pytest.raises(DecodeError) as caught:
        decode_frame(bad)
    async with connected() as (client, rtu):
        await rtu.send_raw(bad)
        assert await rtu.expect_eof() == []
        await client.wait_for_state(S.CLOSED, timeout=1)
        assert client.close_reason is not None
        assert caught.value.reason in client.close_reason
        assert "68 04 ff 00 00 00" in client.close_reason
        assert "(at byte 8)" in client.close_reason  # octet 3 of the APDU at stream offset 6


@trio_test
async def test_peer_disconnects_during_interrogation() -> None:
    async with connected() as (client, rtu):

        async def rtu_side() -> None:
            cmd = await rtu.expect_i()
            await rtu.send_asdu(answer(cmd.asdu, Cot.ACTIVATION_CON))  # type: ignore[arg-type]
            await rtu.close()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(rtu_side)
            start = trio.current_time()
            with pytest.raises(LinkDown, match="closed by the peer"):
                await client.interrogation(CA)
        assert trio.current_time() - start < 1  # not after the 10 s command timeout
        assert rtu.received[-1].asdu.type is Type.C_IC_NA_1  # type: ignore[union-attr]
        await client.wait_for_state(S.CLOSED, timeout=1)


# ---- commands -----------------------------------------------------------------------------------


@trio_test
async def test_interrogation_returns_after_act_term_with_every_object_applied() -> None:
    async with connected() as (client, rtu):
        expected: dict[int, float] = {}
        data = []
        for n in range(50):
            objects = [(1000 + 4 * n + j, n + j / 4) for j in range(4)]
            expected.update(objects)
            data.append(me(objects, Cot.INTERROGATED_BY_STATION))
        applied_at_return: list[int] = []

        async def rtu_side() -> None:
            cmd = await rtu.expect_i()
            assert cmd.raw == bytes.fromhex("68 0e 00 00 00 00 64 01 06 00 2f 00 00 00 00 14")
            await rtu.send_asdus(
                [
                    answer(cmd.asdu, Cot.ACTIVATION_CON),
                    *data,
                    answer(cmd.asdu, Cot.ACTIVATION_TERMINATION),
                ]  # type: ignore[arg-type]
            )

        async with trio.open_nursery() as nursery:
            nursery.start_soon(rtu_side)
            result = await client.interrogation(CA)
            applied_at_return.append(len(client.points))
        assert result.positive is True and result.terminated
        assert (
            result.termination is not None and result.termination.cot is Cot.ACTIVATION_TERMINATION
        )
        assert len(result.asdus) == 50 and len(result.objects) == 200
        assert applied_at_return == [200]
        for ioa, value in expected.items():
            point = client.points.get(CA, ioa)
            assert (
                point is not None
                and point.value == value
                and point.cot is Cot.INTERROGATED_BY_STATION
            )
        # 52 I-frames in one chunk: an S-frame per 8 at once, the last 4 after t2
        burst_at = trio.current_time()
        for nr in (8, 16, 24, 32, 40, 48):
            assert (await rtu.expect_s(nr)).at == burst_at
        assert (await rtu.expect_s(52)).at == pytest.approx(burst_at + T2)


@pytest.mark.parametrize("lockstep", [False, True], ids=["buffered", "lockstep"])
@trio_test
async def test_interrogation_waits_for_act_term(lockstep: bool) -> None:
    # lockstep_stream_pair: every send_all waits for the peer's receive_some (no buffering)
    async with connected(lockstep=lockstep) as (client, rtu):
        async with trio.open_nursery() as nursery:
            results = []

            async def run() -> None:
                results.append(await client.interrogation(CA))

            nursery.start_soon(run)
            cmd = await rtu.expect_i()
            assert cmd.raw == bytes.fromhex("68 0e 00 00 00 00 64 01 06 00 2f 00 00 00 00 14")
            await rtu.send_asdus(
                [answer(cmd.asdu, Cot.ACTIVATION_CON), sp(100, True, Cot.INTERROGATED_BY_STATION)]
            )  # type: ignore[arg-type]
            await trio.sleep(3)
            assert results == []  # ACT_CON alone does not finish an interrogation
            await rtu.send_asdu(answer(cmd.asdu, Cot.ACTIVATION_TERMINATION))  # type: ignore[arg-type]
            term_at = trio.current_time()
        assert results[0].finished_at == term_at and results[0].duration == pytest.approx(3)
        assert [ob.io_address for ob in results[0].objects] == [100]
        # t2 started with the ACT_CON, 3 s before the ACT_TERM
        assert (await rtu.expect_s(3)).at == pytest.approx(term_at - 3 + T2)


@trio_test
async def test_negative_act_con() -> None:
    async with connected() as (client, rtu):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(lambda: _answer_next(rtu, Cot.ACTIVATION_CON, negative=True))
            result = await client.interrogation(CA)
        assert result.positive is False and not result.terminated
        assert result.confirmation is not None and result.confirmation.negative
        assert result.duration == 0  # no wait for an ACT_TERM that will not come
        assert rtu.i_frames()[0].raw[6:] == bytes.fromhex("64 01 06 00 2f 00 00 00 00 14")
        assert rtu.sent_frames[-1][6:] == bytes.fromhex("64 01 47 00 2f 00 00 00 00 14")


async def _answer_next(rtu: FakeRtu, cot: Cot, negative: bool = False) -> None:
    cmd = await rtu.expect_i()
    await rtu.send_asdu(answer(cmd.asdu, cot, negative))  # type: ignore[arg-type]


@trio_test
async def test_negative_mirror_unknown_ioa() -> None:
    async with connected() as (client, rtu):

        async def rtu_side() -> None:
            cmd = await rtu.expect_i()
            assert cmd.raw[6:] == bytes.fromhex("2d 01 06 00 2f 00 e7 03 00 01")
            await rtu.send_asdu(mirror(cmd.raw[6:], Cot.UNKNOWN_IOA))

        async with trio.open_nursery() as nursery:
            nursery.start_soon(rtu_side)
            result = await client.send_command(CA, 999, Type.C_SC_NA_1, True)
        assert result.positive is False and not result.terminated
        assert result.confirmation is not None
        assert result.confirmation.cot is Cot.UNKNOWN_IOA and result.confirmation.negative
        assert rtu.sent_frames[-1][6:] == bytes.fromhex("2d 01 6f 00 2f 00 e7 03 00 01")


@trio_test
async def test_read_answered_with_cot_5_and_no_act_con() -> None:
    async with connected() as (client, rtu):

        async def rtu_side() -> None:
            cmd = await rtu.expect_i()
            assert cmd.raw[6:] == bytes.fromhex("66 01 05 00 2f 00 64 00 00")  # C_RD_NA_1 IOA 100
            await rtu.send_asdu(sp(100, True, Cot.REQUEST))

        async with trio.open_nursery() as nursery:
            nursery.start_soon(rtu_side)
            result = await client.read(CA, 100)
        assert result.positive is True and result.duration == 0
        assert [(ob.io_address, ob.value) for ob in result.objects] == [(100, True)]
        point = client.points.get(CA, 100)
        assert point is not None and point.value is True and point.cot is Cot.REQUEST


@trio_test
async def test_command_timeout_names_the_command_and_shows_last_frames() -> None:
    async with connected(command_timeout=5) as (client, rtu):
        start = trio.current_time()
        with pytest.raises(CommandTimeout) as caught:
            await client.send_command(CA, 500, Type.C_SC_NA_1, True)
        assert trio.current_time() - start == pytest.approx(5)
        cmd = await rtu.expect_i()
        text = str(caught.value)
        assert text.startswith("no ACT_CON for C_SC_NA_1 IOA 500 CA 47 within 5 s; last frames:")
        assert ">> " + explain_bytes(cmd.raw) in text
        assert "<< " + explain_bytes(STARTDT_CON) in text

        # confirmed but never terminated, where the PIXIT says the RTU terminates
        async with trio.open_nursery() as nursery:
            nursery.start_soon(lambda: _answer_next(rtu, Cot.ACTIVATION_CON))
            with pytest.raises(
                CommandTimeout, match=r"^no ACT_TERM for C_SC_NA_1 IOA 501 CA 47 within 5 s"
            ):
                await client.send_command(CA, 501, Type.C_SC_NA_1, False, act_term="required")


# ---- expectations -------------------------------------------------------------------------------


@trio_test
async def test_expect_message_matches_what_arrived_before_the_call() -> None:
    async with connected() as (client, rtu):
        early = await rtu.send_asdu(sp(7, True))  # before the command: not in its window
        await client.expect_value(CA, 7, lambda ob: ob.value is True, timeout=1)

        async def rtu_side() -> None:
            cmd = await rtu.expect_i()
            await rtu.send_asdus(
                [
                    answer(cmd.asdu, Cot.ACTIVATION_CON),
                    sp(8, True),
                    answer(cmd.asdu, Cot.ACTIVATION_TERMINATION),
                ]  # type: ignore[arg-type]
            )

        async with trio.open_nursery() as nursery:
            nursery.start_soon(rtu_side)
            await client.interrogation(CA)
        before = trio.current_time()
        entry = await client.expect_message(
            MessageFilter(type=Type.M_SP_NA_1, cot=Cot.SPONTANEOUS, io_address=8), timeout=1
        )
        assert trio.current_time() == before  # already there: no waiting
        assert entry.direction is Direction.RECEIVED and entry.raw == rtu.sent_frames[-2]
        with pytest.raises(ExpectationFailed, match=r"none arrived after 1\.000 s"):
            await client.expect_message(MessageFilter(io_address=7), timeout=1)
        entry = await client.expect_message(MessageFilter(io_address=7), timeout=1, since=0)
        assert entry.raw == early


@trio_test
async def test_expect_no_message() -> None:
    async with connected() as (client, rtu):
        flt = MessageFilter(type=Type.M_SP_NA_1, io_address=100)
        start = trio.current_time()
        await rtu.send_asdu(sp(101, True))  # does not match
        await client.expect_no_message(flt, within=3)
        assert trio.current_time() - start == pytest.approx(3)

        async def late() -> None:
            await trio.sleep(1)
            await rtu.send_asdu(sp(100, False))

        async with trio.open_nursery() as nursery:
            nursery.start_soon(late)
            start = trio.current_time()
            with pytest.raises(ExpectationFailed) as caught:
                await client.expect_no_message(flt, within=5, since=client.journal.next_index)
        assert trio.current_time() - start == pytest.approx(1)  # fails when it arrives
        assert explain_bytes(rtu.sent_frames[-1]) in str(caught.value)


@trio_test
async def test_expect_value() -> None:
    async with connected() as (client, rtu):

        async def rtu_side() -> None:
            await rtu.send_asdu(me([(301, 1.0)]))
            await trio.sleep(1)
            await rtu.send_asdu(me([(301, 2.5)]))

        async with trio.open_nursery() as nursery:
            nursery.start_soon(rtu_side)
            start = trio.current_time()
            point = await client.expect_value(CA, 301, lambda ob: ob.value > 2, timeout=5)
        assert point.value == 2.5 and point.updates == 2
        assert trio.current_time() - start == pytest.approx(1)
        with pytest.raises(
            ExpectationFailed,
            match=r"IOA 301 \(CA 47\) did not report above 3 within 2 s; it reported: 2.5",
        ):
            await client.expect_value(CA, 301, lambda ob: ob.value > 3, timeout=2, description="above 3")
        assert len(rtu.received) == 1  # only STARTDT act so far (the S-frame comes at t2)


@trio_test
async def test_keep_points_false_leaves_the_point_database_to_the_owner() -> None:
    # the c104 facade keeps each value in its Point: the engine stores nothing per object then,
    # and a wait on its (empty) database refuses instead of timing out on a value it never keeps
    async with connected(keep_points=False) as (client, rtu):
        seen: list[Asdu] = []
        arrived = trio.Event()
        client.on_asdu = lambda asdu: (seen.append(asdu), arrived.set())
        await rtu.send_asdu(me([(301, 1.0), (302, 2.0)]))
        with trio.fail_after(5):
            await arrived.wait()
        assert [ob.value for ob in seen[0].objects] == [1.0, 2.0]  # the owner still hears of it
        assert len(client.points) == 0 and client.points.get(CA, 301) is None
        with pytest.raises(RuntimeError, match=r"keeps no point database \(keep_points=False\)"):
            await client.expect_value(CA, 301, lambda ob: True, timeout=1)


# ---- deliberate misbehaviour --------------------------------------------------------------------


@trio_test
async def test_send_raw_puts_exact_octets_on_the_wire() -> None:
    raw = bytes.fromhex("68 04 0f 00 00 00 68 04 43 00 00 00")  # a bad U-frame, then TESTFR act
    async with connected() as (client, rtu):
        await client.send_raw(raw)
        bad = await rtu.next_frame()
        assert bad.raw == raw[:6] and bad.frame is None and bad.error
        assert (await rtu.next_frame()).raw == TESTFR_ACT
        assert bytes(rtu.wire_in) == STARTDT_ACT + raw
        assert (
            client.journal.tail(1)[0].raw == raw
            and client.journal.tail(1)[0].direction is Direction.SENT
        )
        assert rtu.link.close_reason is not None  # a standard RTU drops such a client


@trio_test
async def test_send_asdu_with_chosen_send_seq() -> None:
    async with connected() as (client, rtu):
        assert await client.send_asdu(single_command(500), send_seq=7) == 7
        assert await client.send_asdu(single_command(501)) == 0  # V(S) was left alone
        wrong, right = await rtu.expect_i(), await rtu.expect_i()
        assert wrong.raw[:6] == i_header(7, 0, len(wrong.raw) - 6)
        assert right.raw[:6] == i_header(0, 0, len(right.raw) - 6)
        assert rtu.link.close_reason == "sequence error: received N(S)=7, expected 0"


@trio_test
async def test_withhold_acknowledgements() -> None:
    async with connected() as (client, rtu):
        client.set_withhold_acknowledgements(True)
        await rtu.send_asdus([sp(100 + n, True) for n in range(10)])  # more than w
        await rtu.expect_nothing(within=T2 + 5)  # neither w nor t2 brings an S-frame
        assert len(client.points) == 10  # received and applied all the same
        await client.send_acknowledgement()  # on demand
        await rtu.expect_s(10)
        client.set_withhold_acknowledgements(False)
        sent_at = trio.current_time()
        await rtu.send_asdu(sp(110, True))
        assert (await rtu.expect_s(11)).at == pytest.approx(sent_at + T2)


@trio_test
async def test_ignore_test_frames() -> None:
    async with connected() as (client, rtu):
        client.set_ignore_test_frames(True)
        await rtu.send_test_frame()
        await rtu.expect_nothing(within=5)  # no TESTFR con
        assert client.journal.tail(1)[0].raw == TESTFR_ACT
        client.set_ignore_test_frames(False)
        await rtu.send_raw(TESTFR_ACT)
        con = await rtu.next_frame()
        assert con.raw == TESTFR_CON


# ---- reconnect ----------------------------------------------------------------------------------


@trio_test
async def test_reconnect_after_loss() -> None:
    async with open_fake_rtu() as rtus:
        client = ClientConnection(
            stream_factory=rtus.connect, params=PARAMS, reconnect=True, reconnect_delay=2
        )
        states: list[ConnectionState] = []
        client.on_state = states.append
        async with trio.open_nursery() as nursery:
            await nursery.start(client.run)
            first = await rtus.accept()
            await first.handshake()
            await client.send_asdu(single_command(500))  # V(S) becomes 1 on this connection
            assert (await first.expect_i()).frame.send_seq == 0  # type: ignore[union-attr]
            await first.send_asdu(sp(100, True))
            lost_at = trio.current_time()
            await first.close()
            await client.wait_for_state(S.CLOSED_AWAIT_RECONNECT, timeout=1)
            with pytest.raises(NotConnected):
                await client.interrogation(CA)
            second = await rtus.accept()
            assert trio.current_time() == pytest.approx(lost_at + 2)  # after reconnect_delay
            await second.handshake()
            await client.wait_for_state(S.OPEN, timeout=1)
            await client.send_asdu(single_command(501))
            again = await second.expect_i()
            assert again.raw[:6] == i_header(0, 0, len(again.raw) - 6)  # counters start over
            assert client.points.get(CA, 100) is not None  # the database survives a reconnect
            await client.close()
        assert states == [
            S.CLOSED_AWAIT_OPEN,
            S.OPEN_MUTED,
            S.OPEN,
            S.CLOSED_AWAIT_RECONNECT,
            S.CLOSED_AWAIT_OPEN,
            S.OPEN_MUTED,
            S.OPEN,
            S.OPEN_AWAIT_CLOSED,
            S.CLOSED,
        ]
        assert rtus.dials == 2


@trio_test
async def test_connect_refused_then_reconnect() -> None:
    async with open_fake_rtu() as rtus:
        rtus.refuse = True
        once = ClientConnection(stream_factory=rtus.connect, params=PARAMS)
        with pytest.raises(ConnectFailed, match=r"^cannot connect to 127\.0\.0\.1:2404: .*refused"):
            await once.run()
        assert once.state is S.CLOSED and rtus.dials == 1 and rtus.connections == []

        client = ClientConnection(
            stream_factory=rtus.connect, params=PARAMS, reconnect=True, reconnect_delay=1
        )
        states: list[ConnectionState] = []
        client.on_state = states.append
        async with trio.open_nursery() as nursery:
            start = trio.current_time()
            nursery.start_soon(client.run)
            await trio.sleep(2.5)  # dials at 0, 1 and 2 s are refused
            rtus.refuse = False
            rtu = await rtus.accept()
            assert trio.current_time() - start == pytest.approx(3)
            await rtu.handshake()
            await client.wait_for_state(S.OPEN, timeout=1)
            await client.close()
        assert rtus.dials == 1 + 4
        assert states[:7] == [
            S.CLOSED_AWAIT_OPEN,
            S.CLOSED_AWAIT_RECONNECT,
            S.CLOSED_AWAIT_OPEN,
            S.CLOSED_AWAIT_RECONNECT,
            S.CLOSED_AWAIT_OPEN,
            S.CLOSED_AWAIT_RECONNECT,
            S.CLOSED_AWAIT_OPEN,
        ]
        assert states[7:] == [S.OPEN_MUTED, S.OPEN, S.OPEN_AWAIT_CLOSED, S.CLOSED]


# ---- journal and pcap ---------------------------------------------------------------------------


async def _journal_session(listener: FakeRtuListener) -> tuple[ClientConnection, FakeRtu]:
    """STARTDT, an interrogation with two data ASDUs, the t2 S-frame; the client is closed."""
    async with open_connection(stream_factory=listener.connect, params=PARAMS) as client:
        rtu = listener.connections[0]
        await rtu.handshake()

        async def rtu_side() -> None:
            cmd = await rtu.expect_i()
            await rtu.send_asdus(
                [
                    answer(cmd.asdu, Cot.ACTIVATION_CON),  # type: ignore[arg-type]
                    sp(100, True, Cot.INTERROGATED_BY_STATION),
                    me([(301, 230.5), (302, -1.0)], Cot.INTERROGATED_BY_STATION),
                    answer(cmd.asdu, Cot.ACTIVATION_TERMINATION),  # type: ignore[arg-type]
                ]
            )

        async with trio.open_nursery() as nursery:
            nursery.start_soon(rtu_side)
            await client.interrogation(CA)
        await rtu.expect_s(4)
    await rtu.expect_eof()
    return client, rtu


@trio_test
async def test_journal_holds_every_frame_in_order() -> None:
    async with open_fake_rtu() as rtus:
        client, rtu = await _journal_session(rtus)
    entries = list(client.journal)
    assert [e.index for e in entries] == list(range(len(entries)))
    wire = [(Direction.SENT, f.raw) for f in rtu.received]
    answers = [(Direction.RECEIVED, raw) for raw in rtu.sent_frames]
    tx_cmd, tx_ack = wire[1], wire[2]
    assert [(e.direction, e.raw) for e in entries] == [
        wire[0],
        answers[0],
        tx_cmd,
        *answers[1:],
        tx_ack,
    ]
    assert tx_ack[1] == encode_s_frame(4)
    for entry in entries:
        if entry.is_i_frame:
            assert entry.asdu == decode_asdu(entry.raw[6:]) and entry.error is None
        else:
            assert entry.asdu is None
    assert [e.asdu.type for e in entries if e.asdu is not None] == [  # type: ignore[union-attr]
        Type.C_IC_NA_1,
        Type.C_IC_NA_1,
        Type.M_SP_NA_1,
        Type.M_ME_NC_1,
        Type.C_IC_NA_1,
    ]
    timestamps = [e.timestamp for e in entries]
    assert timestamps == sorted(timestamps)


def _tshark_required() -> None:
    if shutil.which("tshark") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tshark is required when CI=true (apt-get install tshark)")
        pytest.skip("tshark not installed")


@pytest.mark.oracle
def test_write_pcap_read_back_by_tshark(tmp_path: Path) -> None:
    _tshark_required()
    sessions: list[tuple[ClientConnection, FakeRtu]] = []

    @trio_test
    async def record() -> None:
        async with open_fake_rtu() as rtus:
            sessions.append(await _journal_session(rtus))

    record()
    client, _rtu = sessions[0]
    path = tmp_path / "f.pcap"
    assert client.journal.write_pcap(path) == len(client.journal) == 8
    proc = subprocess.run(
        [
            "tshark",
            "-r",
            str(path),
            "-T",
            "fields",
            "-e",
            "iec60870_asdu.typeid",
            "-e",
            "iec60870_asdu.ioa",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TZ": "UTC"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [line.split("\t") for line in proc.stdout.splitlines()]
    assert rows == [
        ["", ""],  # STARTDT act
        ["", ""],  # STARTDT con
        ["100", "0"],  # C_IC_NA_1 act
        ["100", "0"],  # ACT_CON
        ["1", "100"],  # M_SP_NA_1
        ["13", "301,302"],  # M_ME_NC_1, two objects
        ["100", "0"],  # ACT_TERM
        ["", ""],  # S-frame
    ]


# ---- who closed, why, and the start timeout -----------------------------------------------------------


@trio_test
async def test_start_timeout_bounds_the_startdt_confirmation() -> None:
    async with open_fake_rtu() as rtus:
        rtus.silent = True
        client = ClientConnection(stream_factory=rtus.connect, params=PARAMS, start_timeout=2)
        start = trio.current_time()
        with pytest.raises(LinkDown, match=r"failed to start: no STARTDT con within 2 s") as caught:
            await client.run()
        assert trio.current_time() - start == pytest.approx(2)  # not t1 (15 s)
        assert caught.value.cause is CloseCause.START_TIMEOUT
        assert client.close_info is not None and client.close_info.by is ClosedBy.LOCAL
        assert client.state is S.CLOSED
        rtu = rtus.connections[0]
        assert [f.raw for f in await rtu.expect_eof()] == [STARTDT_ACT]
        assert rtu.eof_at == pytest.approx(start + 2)


@trio_test
async def test_the_rtu_closing_is_told_apart_from_our_close() -> None:
    async with connected() as (client, rtu):
        await rtu.close()
        await client.wait_for_state(S.CLOSED, timeout=1)
        assert client.close_reason == "closed by the peer"
        assert client.close_info is not None
        assert (client.close_info.by, client.close_info.cause) == (ClosedBy.PEER, CloseCause.PEER_CLOSED)
        assert client.close_error is None
    async with connected() as (client, rtu):
        await client.close()
        assert client.close_info is not None
        assert (client.close_info.by, client.close_info.cause) == (ClosedBy.LOCAL, CloseCause.LOCAL_CLOSE)
        assert client.close_reason == "closed by the test"
        assert await rtu.expect_eof() == []


@trio_test
async def test_a_command_cut_short_by_t1_raises_link_timeout() -> None:
    async with connected() as (client, rtu):
        rtu.withhold_acknowledgements()
        start = trio.current_time()
        with pytest.raises(LinkTimeout, match=r"confirmation of C_IC_NA_1 .*t1 expired") as caught:
            await client.interrogation(CA, timeout=100)
        assert trio.current_time() - start == pytest.approx(T1)
        assert (caught.value.by, caught.value.cause) == (ClosedBy.LOCAL, CloseCause.T1_EXPIRED)
