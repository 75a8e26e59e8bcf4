"""The RTU simulator over real sockets on 127.0.0.1, driven by a minimal raw client.

The client in this file is deliberately small and independent of ``engine.client``: the
protocol's ``Link(Role.CONTROLLING)`` for numbering and acknowledgements, ``encode_asdu`` for
requests, and hand-made bytes where a request must be malformed. Every test runs in ``trio.run``
under ``trio.fail_after`` (real time: autojump clocks and real sockets do not mix).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import os
import re
import subprocess
import sys
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

import pytest
import trio

from c104test.engine.journal import Direction
from c104test.engine.profile import PointProfile, Profile, StationProfile, demo_profile
from c104test.engine.simulator import Simulator, open_simulator
from c104test.protocol.asdu import Asdu, UnknownAsdu, decode_asdu, encode_asdu
from c104test.protocol.commands import command_object
from c104test.protocol.elements import QCC, SIQ
from c104test.protocol.enums import Coi, Cot, Double, Frz, Qoi, Quality, Rqt, Step, Type
from c104test.protocol.link import (
    AsduReceived,
    Event,
    Link,
    LinkParameters,
    LinkState,
    Role,
    TestFrameReceived,
)
from c104test.protocol.objects import (
    ClockSync,
    CounterInterrogation,
    Interrogation,
    Read,
    ResetProcess,
    SinglePoint,
)
from c104test.protocol.objects import (
    TestCommandWithTime as TimeTaggedTestCommand,
)
from c104test.protocol.timetags import CP56Time2a

pytestmark = pytest.mark.timeout(60)

CA = 47
LIMIT = 10.0  # seconds per test; a hang fails here, well before the pytest timeout
QUIET = 0.3  # how long "nothing more arrives" is watched


# ---- runner and raw client -----------------------------------------------------------------------


def trio_test(fn: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async test under trio, bounded by fail_after (pytest-trio is not installed)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        async def main() -> None:
            try:
                with trio.fail_after(LIMIT):
                    await fn(*args, **kwargs)
            finally:
                with trio.CancelScope(shield=True):
                    for client in RawClient.opened:
                        await client.aclose()
                RawClient.opened.clear()

        trio.run(main)

    return wrapper


class RawClient:
    """A controlling station reduced to what these tests need: send ASDUs, collect ASDUs."""

    opened: ClassVar[list[RawClient]] = []  # closed by trio_test when the test ends

    def __init__(self, stream: trio.SocketStream) -> None:
        self.opened.append(self)
        self.stream = stream
        self.link = Link(Role.CONTROLLING, LinkParameters(), now=trio.current_time())
        self.events: list[Event] = []
        self.received: list[Asdu | UnknownAsdu] = []
        self.unread: deque[Asdu | UnknownAsdu] = deque()
        self.acknowledge = True  # acknowledge every I-frame at once (False: withhold)
        self.eof = False

    @classmethod
    async def connect(
        cls, port: int, *, start: bool = True, local_address: str | None = None
    ) -> RawClient:
        stream = await trio.open_tcp_stream("127.0.0.1", port, local_address=local_address)
        client = cls(stream)
        if start:
            await client.start()
        return client

    async def start(self) -> None:
        self.link.start_data_transfer(trio.current_time())
        await self.flush()
        while self.link.state is not LinkState.STARTED:
            await self.read()

    async def stop(self) -> None:
        self.link.stop_data_transfer(trio.current_time())
        await self.flush()
        while self.link.state is not LinkState.STOPPED:
            await self.read()

    async def flush(self) -> None:
        data = self.link.data_to_send()
        if data:
            await self.stream.send_all(data)

    async def read(self) -> None:
        try:
            data = await self.stream.receive_some(65536)
        except trio.BrokenResourceError:
            data = b""
        if not data:
            self.eof = True
            raise EOFError("the simulator closed the connection")
        for event in self.link.receive_data(data, trio.current_time()):
            self.events.append(event)
            if isinstance(event, AsduReceived):
                asdu = decode_asdu(event.asdu)
                self.received.append(asdu)
                self.unread.append(asdu)
        if self.acknowledge and self.link.pending_acks:
            self.link.send_acknowledgement()
        await self.flush()

    async def send(self, asdu: Asdu | bytes) -> None:
        raw = encode_asdu(asdu) if isinstance(asdu, Asdu) else asdu
        self.link.send_asdu(raw, trio.current_time())
        await self.flush()

    async def send_raw(self, data: bytes) -> None:
        await self.stream.send_all(data)

    async def next_any(self) -> Asdu | UnknownAsdu:
        while not self.unread:
            await self.read()
        return self.unread.popleft()

    async def next(self) -> Asdu:
        asdu = await self.next_any()
        assert isinstance(asdu, Asdu), asdu
        return asdu

    async def until(self, predicate: Callable[[Asdu], bool]) -> Asdu:
        """The next ASDU that matches, skipping others (spontaneous data, cyclic data)."""
        while True:
            asdu = await self.next()
            if predicate(asdu):
                return asdu

    async def drain(self, seconds: float = QUIET) -> list[Asdu | UnknownAsdu]:
        """Everything that arrives within ``seconds`` (and what was unread already)."""
        with trio.move_on_after(seconds):
            while True:
                await self.read()
        out = list(self.unread)
        self.unread.clear()
        return out

    async def closed_by_peer(self) -> bool:
        """Wait for EOF or reset; True if the simulator closed the connection."""
        try:
            while True:
                await self.read()
        except EOFError:
            return True

    async def test_frame(self) -> None:
        """TESTFR act, wait for its con: the link is alive."""
        self.link.send_test_frame(trio.current_time())
        await self.flush()
        while not any(isinstance(e, TestFrameReceived) and e.con for e in self.events):
            await self.read()
        self.events.clear()

    async def aclose(self) -> None:
        await self.stream.aclose()


async def eventually(predicate: Callable[[], bool]) -> None:
    for _ in range(500):
        if predicate():
            return
        await trio.sleep(0.01)
    raise AssertionError("condition not reached in 5 s")


def gi(qoi: int = Qoi.STATION, *, ca: int = CA, cot: Cot = Cot.ACTIVATION, oa: int = 0, ioa: int = 0) -> Asdu:
    return Asdu(Type.C_IC_NA_1, cot, ca, (Interrogation(ioa, qoi),), originator_address=oa)


def ci(rqt: Rqt = Rqt.GENERAL, frz: Frz = Frz.READ, *, ca: int = CA, oa: int = 0) -> Asdu:
    return Asdu(Type.C_CI_NA_1, Cot.ACTIVATION, ca, (CounterInterrogation(0, QCC(rqt, frz)),), originator_address=oa)


def command(
    type_id: Type, ioa: int, value: Any, *, select: bool = False, cot: Cot = Cot.ACTIVATION, oa: int = 0, ca: int = CA
) -> Asdu:
    return Asdu(type_id, cot, ca, (command_object(type_id, ioa, value, select=select),), originator_address=oa)


def objects_of(asdus: list[Asdu]) -> dict[int, Any]:
    return {ob.io_address: ob for a in asdus for ob in a.objects}


def with_pixit(**changes: Any) -> Profile:
    profile = demo_profile()
    return dataclasses.replace(profile, pixit=dataclasses.replace(profile.pixit, **changes))


def with_points(*points: PointProfile, ca: int = CA, **changes: Any) -> Profile:
    """The demo profile with ``points`` added to (or replacing points of) station ``ca``."""
    profile = demo_profile()
    station = profile.station(ca)
    assert station is not None
    replaced = {p.io_address: p for p in points}
    kept = tuple(replaced.pop(p.io_address, p) for p in station.points)
    stations = tuple(
        StationProfile(ca, kept + tuple(replaced.values())) if s.common_address == ca else s
        for s in profile.stations
    )
    return dataclasses.replace(profile, stations=stations, **changes)


# ---- start and initialisation ------------------------------------------------------------------


@trio_test
async def test_startdt_is_confirmed_and_followed_by_end_of_initialisation() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        ei = await client.next()
        assert (ei.type, ei.cot, ei.common_address) == (Type.M_EI_NA_1, Cot.INITIALIZED, CA)
        assert ei.objects[0].io_address == 0
        assert ei.objects[0].coi.cause == Coi.LOCAL_POWER_ON
        # Only on the first start of the connection.
        await client.stop()
        await client.start()
        assert await client.drain() == []
        assert sim.connections[0].state is LinkState.STARTED
        assert sim.connections_served == 1


@trio_test
async def test_no_end_of_initialisation_when_the_pixit_says_so() -> None:
    async with open_simulator(with_pixit(end_of_initialisation=False)) as sim:
        client = await RawClient.connect(sim.port)
        assert await client.drain() == []


@trio_test
async def test_nothing_is_sent_before_startdt_and_testfr_is_answered() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port, start=False)
        await client.test_frame()
        assert client.received == []
        assert sim.connections[0].state is LinkState.STOPPED


# ---- interrogation ----------------------------------------------------------------------------


def _interrogated(qoi: int) -> dict[int, PointProfile]:
    station = demo_profile().station(CA)
    assert station is not None
    return {
        p.io_address: p
        for p in station.points
        if p.answers_interrogation and (qoi == 20 or qoi - 20 in p.groups)
    }


@trio_test
async def test_station_interrogation_returns_every_monitoring_point_but_counters() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.next()  # M_EI_NA_1
        await client.send(gi(oa=7))
        con = await client.next()
        assert (con.type, con.cot, con.negative, con.originator_address) == (
            Type.C_IC_NA_1, Cot.ACTIVATION_CON, False, 7,
        )
        data = []
        while (asdu := await client.next()).type is not Type.C_IC_NA_1:
            data.append(asdu)
        assert (asdu.cot, asdu.negative, asdu.originator_address) == (Cot.ACTIVATION_TERMINATION, False, 7)
        expected = _interrogated(20)
        got = objects_of(data)
        assert set(got) == set(expected)
        assert not {400, 401} & set(got)  # counters answer counter interrogation only
        for asdu in data:
            assert asdu.cot == Cot.INTERROGATED_BY_STATION
            assert asdu.originator_address == 7
            assert not asdu.sequence
            for ob in asdu.objects:
                assert asdu.type is expected[ob.io_address].plain_type  # M_SP_TB_1 -> M_SP_NA_1
                assert ob.time_tag is None
                assert ob.value == pytest.approx(expected[ob.io_address].value, rel=1e-6)
        # Packed: one ASDU per type here (the demo has few points of each type).
        types = [a.type for a in data]
        assert len(types) == len(set(types))
        assert len(objects_of([a for a in data if a.type is Type.M_SP_NA_1])) == 2


@trio_test
async def test_interrogation_is_packed_up_to_max_objects_and_max_asdu_length() -> None:
    many = [PointProfile(1000 + n, Type.M_ME_NC_1, float(n)) for n in range(100)]
    for length, per_asdu in ((249, 30), (60, 6)):  # (249 - 6) // 8 = 30; (60 - 6) // 8 = 6
        profile = with_points(*many)
        profile = dataclasses.replace(profile, pixit=dataclasses.replace(profile.pixit, max_asdu_length=length))
        async with open_simulator(profile) as sim:
            client = await RawClient.connect(sim.port)
            await client.send(gi())
            await client.until(lambda a: a.cot == Cot.ACTIVATION_CON)
            data = []
            while (asdu := await client.next()).type is not Type.C_IC_NA_1:
                data.append(asdu)
            floats = [a for a in data if a.type is Type.M_ME_NC_1]
            assert max(a.count for a in floats) == per_asdu
            assert len(objects_of(floats)) == 100 + 2  # and 301, 302 of the demo
            assert all(len(encode_asdu(a)) <= length for a in data)


@trio_test
async def test_group_interrogation_returns_only_that_group() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.send(gi(Qoi.GROUP_2, oa=3))
        con = await client.until(lambda a: a.type is Type.C_IC_NA_1)
        assert (con.cot, con.negative, con.objects[0].qoi) == (Cot.ACTIVATION_CON, False, Qoi.GROUP_2)
        data = []
        while (asdu := await client.next()).type is not Type.C_IC_NA_1:
            data.append(asdu)
        assert asdu.cot == Cot.ACTIVATION_TERMINATION
        assert set(objects_of(data)) == set(_interrogated(22)) == {300, 301, 302, 303}
        assert {a.cot for a in data} == {Cot.INTERROGATED_BY_GROUP_2}


@trio_test
async def test_interrogation_of_a_group_without_points_follows_the_pixit() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.send(gi(Qoi.GROUP_9))
        con = await client.until(lambda a: a.type is Type.C_IC_NA_1)
        assert (con.cot, con.negative) == (Cot.ACTIVATION_CON, True)
        assert [a for a in await client.drain() if a.type is Type.C_IC_NA_1] == []
    async with open_simulator(with_pixit(unknown_group="empty")) as sim:
        client = await RawClient.connect(sim.port)
        await client.send(gi(Qoi.GROUP_9))
        con = await client.until(lambda a: a.type is Type.C_IC_NA_1)
        assert (con.cot, con.negative) == (Cot.ACTIVATION_CON, False)
        term = await client.next()
        assert (term.type, term.cot) == (Type.C_IC_NA_1, Cot.ACTIVATION_TERMINATION)


@trio_test
async def test_interrogation_errors_are_mirrored() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        for request, cot in ((gi(cot=Cot.SPONTANEOUS), Cot.UNKNOWN_COT), (gi(ioa=5), Cot.UNKNOWN_IOA)):
            await client.send(request)
            reply = await client.next()
            assert reply.negative and reply.cot == cot
            assert encode_asdu(dataclasses.replace(reply, cot=request.cot, negative=False)) == encode_asdu(request)
        # Qualifier outside 20..36: negative ACT_CON.
        await client.send(gi(5))
        reply = await client.next()
        assert (reply.cot, reply.negative) == (Cot.ACTIVATION_CON, True)


@trio_test
async def test_interrogation_deactivation() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        # Nothing running: negative DEACT_CON.
        await client.send(gi(cot=Cot.DEACTIVATION))
        reply = await client.next()
        assert (reply.cot, reply.negative) == (Cot.DEACTIVATION_CON, True)
        # Activation and deactivation in one TCP segment: the simulator reads both before it
        # sends interrogation data, so the interrogation stops after its ACT_CON.
        client.link.send_asdu(encode_asdu(gi()), trio.current_time())
        client.link.send_asdu(encode_asdu(gi(cot=Cot.DEACTIVATION)), trio.current_time())
        await client.flush()
        con = await client.next()
        deact = await client.next()
        assert (con.cot, con.negative) == (Cot.ACTIVATION_CON, False)
        assert (deact.cot, deact.negative) == (Cot.DEACTIVATION_CON, False)
        assert await client.drain() == []  # no data, no ACT_TERM


@trio_test
async def test_second_interrogation_while_one_runs_is_refused() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        client.link.send_asdu(encode_asdu(gi()), trio.current_time())
        client.link.send_asdu(encode_asdu(gi(Qoi.GROUP_1)), trio.current_time())
        await client.flush()
        replies = []
        while len(replies) < 3:
            replies += [a for a in [await client.next()] if a.type is Type.C_IC_NA_1]
        replies += [a for a in await client.drain() if a.type is Type.C_IC_NA_1]
        # Answers leave in request order: the whole first interrogation, then the refusal.
        assert [(a.cot, a.negative) for a in replies] == [
            (Cot.ACTIVATION_CON, False),
            (Cot.ACTIVATION_TERMINATION, False),
            (Cot.ACTIVATION_CON, True),
        ]


@trio_test
async def test_broadcast_interrogation_is_answered_with_each_station_address() -> None:
    second = StationProfile(48, (PointProfile(1, Type.M_SP_NA_1, True),))
    profile = demo_profile()
    profile = dataclasses.replace(profile, stations=(*profile.stations, second))
    async with open_simulator(profile) as sim:
        client = await RawClient.connect(sim.port)
        await client.send(gi(ca=0xFFFF))
        replies = [await client.until(lambda a: a.cot == Cot.ACTIVATION_CON)]
        while sum(a.cot == Cot.ACTIVATION_TERMINATION for a in replies) < 2:
            replies.append(await client.next())
        replies += await client.drain()
        cons = [a.common_address for a in replies if a.type is Type.C_IC_NA_1 and a.cot == Cot.ACTIVATION_CON]
        terms = [a.common_address for a in replies if a.type is Type.C_IC_NA_1 and a.cot == Cot.ACTIVATION_TERMINATION]
        assert cons == terms == [47, 48]
        assert objects_of([a for a in replies if a.common_address == 48 and a.type is Type.M_SP_NA_1]).keys() == {1}


# ---- counters -------------------------------------------------------------------------------------


async def _counters(client: RawClient, request: Asdu) -> tuple[Asdu, list[Asdu], Asdu]:
    await client.send(request)
    con = await client.until(lambda a: a.type is Type.C_CI_NA_1)
    data = []
    while (asdu := await client.next()).type is not Type.C_CI_NA_1:
        data.append(asdu)
    return con, data, asdu


@trio_test
async def test_counter_interrogation_read_freeze_and_reset() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        con, data, term = await _counters(client, ci(oa=4))
        assert (con.cot, con.negative, con.originator_address) == (Cot.ACTIVATION_CON, False, 4)
        assert (term.cot, term.originator_address) == (Cot.ACTIVATION_TERMINATION, 4)
        counters = objects_of(data)
        assert {a.cot for a in data} == {Cot.REQUESTED_BY_GENERAL_COUNTER}
        assert {a.type for a in data} == {Type.M_IT_NA_1, Type.M_IT_TB_1}  # in their own types
        assert counters[400].bcr.counter == 12345 and counters[401].bcr.counter == 678
        assert counters[401].time is not None

        # Group 1 holds counter 400 only; COT 38.
        _, data, _ = await _counters(client, ci(Rqt.GROUP_1))
        assert set(objects_of(data)) == {400}
        assert {a.cot for a in data} == {Cot.REQUESTED_BY_GROUP_1_COUNTER}

        # Freeze with reset: ACT_CON, ACT_TERM and no data; the counter restarts from 0.
        con, data, term = await _counters(client, ci(frz=Frz.FREEZE_WITH_RESET))
        assert data == [] and term.cot == Cot.ACTIVATION_TERMINATION
        point = sim.get_point(CA, 400)
        assert point is not None and (point.value, point.frozen_value) == (0, 12345)
        await sim.set_point(CA, 400, 7)
        # A read reports the frozen registers, with the sequence number counting freezes.
        _, data, _ = await _counters(client, ci())
        counters = objects_of(data)
        assert (counters[400].bcr.counter, counters[400].bcr.sequence) == (12345, 1)

        # Freeze without reset keeps counting.
        await _counters(client, ci(frz=Frz.FREEZE_WITHOUT_RESET))
        point = sim.get_point(CA, 400)
        assert point is not None and (point.value, point.frozen_value) == (7, 7)

        # Counter reset zeroes the counter.
        await _counters(client, ci(frz=Frz.COUNTER_RESET))
        _, data, _ = await _counters(client, ci())
        assert objects_of(data)[400].bcr.counter == 0


@trio_test
async def test_counter_interrogation_errors() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        deact = dataclasses.replace(ci(), cot=Cot.DEACTIVATION)
        await client.send(deact)
        reply = await client.next()
        assert (reply.cot, reply.negative) == (Cot.UNKNOWN_COT, True)
        await client.send(ci(Rqt.GROUP_3))  # no counter in group 3
        reply = await client.next()
        assert (reply.cot, reply.negative) == (Cot.ACTIVATION_CON, True)


# ---- read, clock sync, test, reset ------------------------------------------------------------------


@trio_test
async def test_read_answers_with_cot_5_and_no_actcon() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        await client.send(Asdu(Type.C_RD_NA_1, Cot.REQUEST, CA, (Read(301),), originator_address=2))
        reply = await client.next()
        assert (reply.type, reply.cot, reply.negative, reply.originator_address) == (
            Type.M_ME_NC_1, Cot.REQUEST, False, 2,
        )
        assert reply.objects[0].io_address == 301 and reply.objects[0].value == 230.5
        # A time-tagged point answers in its own type, with its time tag.
        await client.send(Asdu(Type.C_RD_NA_1, Cot.REQUEST, CA, (Read(101),)))
        reply = await client.next()
        assert reply.type is Type.M_SP_TB_1 and reply.objects[0].time is not None
        assert await client.drain() == []  # no ACT_CON, no ACT_TERM
        for ioa, cot, expected in ((999, Cot.REQUEST, Cot.UNKNOWN_IOA), (400, Cot.REQUEST, Cot.UNKNOWN_IOA),
                                   (301, Cot.ACTIVATION, Cot.UNKNOWN_COT)):
            await client.send(Asdu(Type.C_RD_NA_1, cot, CA, (Read(ioa),)))
            reply = await client.next()
            assert (reply.type, reply.cot, reply.negative) == (Type.C_RD_NA_1, expected, True)


@trio_test
async def test_read_with_actcon_when_the_pixit_says_so() -> None:
    async with open_simulator(with_pixit(answer_read_with_actcon=True)) as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        await client.send(Asdu(Type.C_RD_NA_1, Cot.REQUEST, CA, (Read(300),)))
        con = await client.next()
        assert (con.type, con.cot) == (Type.C_RD_NA_1, Cot.ACTIVATION_CON)
        assert (await client.next()).type is Type.M_ME_NB_1


@trio_test
async def test_clock_synchronisation_sets_the_simulator_clock() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        target = (dt.datetime.now() + dt.timedelta(days=3)).replace(microsecond=0)
        stamp = CP56Time2a.from_datetime(target)
        await client.send(Asdu(Type.C_CS_NA_1, Cot.ACTIVATION, CA, (ClockSync(0, stamp),), originator_address=5))
        reply = await client.next()
        assert (reply.cot, reply.negative, reply.originator_address) == (Cot.ACTIVATION_CON, False, 5)
        assert reply.objects[0].time == stamp
        # Later time tags follow the new clock.
        await sim.set_point(CA, 101, True)
        event = await client.next()
        assert event.type is Type.M_SP_TB_1 and event.cot == Cot.SPONTANEOUS
        assert abs(event.objects[0].time.to_datetime() - target) < dt.timedelta(seconds=5)
        # Errors: IOA != 0, wrong cause, invalid time.
        await client.send(Asdu(Type.C_CS_NA_1, Cot.ACTIVATION, CA, (ClockSync(5, stamp),)))
        assert (await client.next()).cot == Cot.UNKNOWN_IOA
        await client.send(Asdu(Type.C_CS_NA_1, Cot.SPONTANEOUS, CA, (ClockSync(0, stamp),)))
        assert (await client.next()).cot == Cot.UNKNOWN_COT
        bad = dataclasses.replace(stamp, month=13)
        await client.send(Asdu(Type.C_CS_NA_1, Cot.ACTIVATION, CA, (ClockSync(0, bad),)))
        reply = await client.next()
        assert (reply.cot, reply.negative) == (Cot.ACTIVATION_CON, True)


@trio_test
async def test_test_command_is_mirrored() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        stamp = CP56Time2a.from_datetime(dt.datetime(2025, 11, 25, 13, 34, 12, 345000))
        request = Asdu(Type.C_TS_TA_1, Cot.ACTIVATION, CA, (TimeTaggedTestCommand(0, 0x1234, stamp),))
        await client.send(request)
        reply = await client.next()
        assert (reply.type, reply.cot, reply.negative) == (Type.C_TS_TA_1, Cot.ACTIVATION_CON, False)
        assert reply.objects == request.objects


@trio_test
async def test_reset_process_is_confirmed() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        await client.send(Asdu(Type.C_RP_NA_1, Cot.ACTIVATION, CA, (ResetProcess(0, 1),)))
        reply = await client.next()
        assert (reply.type, reply.cot, reply.negative) == (Type.C_RP_NA_1, Cot.ACTIVATION_CON, False)
        await client.send(Asdu(Type.C_RP_NA_1, Cot.ACTIVATION, CA, (ResetProcess(0, 7),)))
        reply = await client.next()
        assert (reply.cot, reply.negative) == (Cot.ACTIVATION_CON, True)


# ---- commands ---------------------------------------------------------------------------------------


@trio_test
async def test_direct_command_confirms_returns_information_and_terminates() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        await client.send(command(Type.C_SC_NA_1, 500, False, oa=9))
        con, info, term = await client.next(), await client.next(), await client.next()
        assert (con.type, con.cot, con.negative, con.originator_address) == (
            Type.C_SC_NA_1, Cot.ACTIVATION_CON, False, 9,
        )
        assert (info.type, info.cot, info.originator_address) == (Type.M_SP_NA_1, Cot.RETURN_INFO_REMOTE, 9)
        assert info.objects == (SinglePoint(100, info.objects[0].siq),) and info.objects[0].value is False
        assert (term.type, term.cot, term.negative) == (Type.C_SC_NA_1, Cot.ACTIVATION_TERMINATION, False)
        point = sim.get_point(CA, 100)
        assert point is not None and point.value is False
        record = sim.received_commands[-1]
        assert record.positive and "ACT_TERM" in record.outcome

        # Double command and set-point: the related point takes the new value.
        await client.send(command(Type.C_DC_NA_1, 502, Double.OFF))
        _, info, _ = await client.next(), await client.next(), await client.next()
        assert (info.type, info.objects[0].io_address, info.objects[0].value) == (Type.M_DP_NA_1, 200, Double.OFF)
        await client.send(command(Type.C_SE_NB_1, 510, -42))
        _, info, _ = await client.next(), await client.next(), await client.next()
        assert (info.type, info.objects[0].value) == (Type.M_ME_NB_1, -42)
        # Regulating step: one step up from 5.
        await client.send(command(Type.C_RC_NA_1, 520, Step.HIGHER))
        _, info, _ = await client.next(), await client.next(), await client.next()
        assert (info.type, info.objects[0].value) == (Type.M_ST_NA_1, 6)


@trio_test
async def test_time_tagged_command_is_mirrored_with_its_time() -> None:
    timed = PointProfile(600, Type.C_SC_TA_1, return_io_address=100)
    async with open_simulator(with_points(timed)) as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        stamp = CP56Time2a.from_datetime(dt.datetime.now())
        request = Asdu(Type.C_SC_TA_1, Cot.ACTIVATION, CA, (command_object(Type.C_SC_TA_1, 600, False, time=stamp),))
        await client.send(request)
        con, info, term = await client.next(), await client.next(), await client.next()
        assert (con.type, con.cot, con.negative, con.objects) == (
            Type.C_SC_TA_1, Cot.ACTIVATION_CON, False, request.objects,
        )
        assert (info.type, info.objects[0].io_address, info.objects[0].value) == (Type.M_SP_NA_1, 100, False)
        assert term.cot == Cot.ACTIVATION_TERMINATION
        # The same IOA addressed without time tag is the wrong type for the point.
        await client.send(command(Type.C_SC_NA_1, 600, True))
        assert (await client.next()).negative


@trio_test
async def test_no_actterm_when_the_pixit_says_so() -> None:
    async with open_simulator(with_pixit(act_term=False)) as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        await client.send(command(Type.C_SC_NA_1, 500, True))
        replies = await client.drain()
        assert [(a.type, a.cot) for a in replies] == [
            (Type.C_SC_NA_1, Cot.ACTIVATION_CON),
            (Type.M_SP_NA_1, Cot.RETURN_INFO_REMOTE),
        ]


@trio_test
async def test_select_before_operate() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        # Execute without select: negative, and nothing changes.
        await client.send(command(Type.C_SC_NA_1, 501, True))
        reply = await client.next()
        assert (reply.cot, reply.negative) == (Cot.ACTIVATION_CON, True)
        assert sim.get_point(CA, 101).value is False  # type: ignore[union-attr]

        await client.send(command(Type.C_SC_NA_1, 501, True, select=True))
        reply = await client.next()
        assert (reply.cot, reply.negative, reply.objects[0].sco.se) == (Cot.ACTIVATION_CON, False, True)
        assert await client.drain() == []  # a select is only confirmed
        await client.send(command(Type.C_SC_NA_1, 501, True))
        con, info, term = await client.next(), await client.next(), await client.next()
        assert (con.cot, con.negative, con.objects[0].sco.se) == (Cot.ACTIVATION_CON, False, False)
        # The related point is time-tagged: return information with a CP56 of now.
        assert (info.type, info.cot, info.objects[0].io_address, info.objects[0].value) == (
            Type.M_SP_TB_1, Cot.RETURN_INFO_REMOTE, 101, True,
        )
        assert info.objects[0].time is not None
        assert term.cot == Cot.ACTIVATION_TERMINATION
        # The selection was used up.
        await client.send(command(Type.C_SC_NA_1, 501, False))
        assert (await client.next()).negative

        # Select ON, execute OFF: refused.
        await client.send(command(Type.C_SC_NA_1, 501, True, select=True))
        assert not (await client.next()).negative
        await client.send(command(Type.C_SC_NA_1, 501, False))
        assert (await client.next()).negative

        # Select cancelled by deactivation: DEACT_CON, then the execute is refused.
        await client.send(command(Type.C_SC_NA_1, 501, True, select=True))
        assert not (await client.next()).negative
        await client.send(command(Type.C_SC_NA_1, 501, True, select=True, cot=Cot.DEACTIVATION))
        reply = await client.next()
        assert (reply.cot, reply.negative) == (Cot.DEACTIVATION_CON, False)
        await client.send(command(Type.C_SC_NA_1, 501, True))
        assert (await client.next()).negative

        # Select on a direct-execute point: refused.
        await client.send(command(Type.C_SC_NA_1, 500, True, select=True))
        reply = await client.next()
        assert (reply.cot, reply.negative) == (Cot.ACTIVATION_CON, True)


@trio_test
async def test_select_times_out() -> None:
    async with open_simulator(with_pixit(select_timeout=0.2)) as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        await client.send(command(Type.C_SC_NA_1, 501, True, select=True))
        assert not (await client.next()).negative
        await trio.sleep(0.3)
        await client.send(command(Type.C_SC_NA_1, 501, True))
        reply = await client.next()
        assert (reply.cot, reply.negative) == (Cot.ACTIVATION_CON, True)
        assert "timed out" in sim.received_commands[-1].outcome
        # Within the timeout it works.
        await client.send(command(Type.C_SC_NA_1, 501, True, select=True))
        await client.next()
        await trio.sleep(0.05)
        await client.send(command(Type.C_SC_NA_1, 501, True))
        assert not (await client.next()).negative


@trio_test
async def test_selection_belongs_to_one_connection() -> None:
    async with open_simulator() as sim:
        first = await RawClient.connect(sim.port)
        second = await RawClient.connect(sim.port)
        await first.send(command(Type.C_SC_NA_1, 501, True, select=True))
        assert not (await first.until(lambda a: a.type is Type.C_SC_NA_1)).negative
        await second.send(command(Type.C_SC_NA_1, 501, True, select=True))
        assert (await second.until(lambda a: a.type is Type.C_SC_NA_1)).negative
        await second.send(command(Type.C_SC_NA_1, 501, True))
        assert (await second.until(lambda a: a.type is Type.C_SC_NA_1)).negative


@trio_test
async def test_command_errors() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        # A type that some point uses, sent to a point of another type: negative ACT_CON.
        await client.send(command(Type.C_DC_NA_1, 500, Double.ON))
        reply = await client.next()
        assert (reply.type, reply.cot, reply.negative) == (Type.C_DC_NA_1, Cot.ACTIVATION_CON, True)
        # A type no point of the station uses: COT 44.
        await client.send(command(Type.C_BO_NA_1, 500, 1))
        reply = await client.next()
        assert (reply.cot, reply.negative) == (Cot.UNKNOWN_TYPE_ID, True)
        # DCS 3 is not permitted.
        await client.send(command(Type.C_DC_NA_1, 502, Double.INDETERMINATE))
        assert (await client.next()).negative
        # Test bit: confirmed, T mirrored, nothing executed.
        await client.send(dataclasses.replace(command(Type.C_SC_NA_1, 500, False), test=True))
        replies = await client.drain()
        assert [(a.cot, a.test) for a in replies] == [
            (Cot.ACTIVATION_CON, True), (Cot.ACTIVATION_TERMINATION, True),
        ]
        assert sim.get_point(CA, 100).value is True  # type: ignore[union-attr]


# ---- negative mirrors ---------------------------------------------------------------------------------


@trio_test
async def test_negative_mirrors_44_45_46_47() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        cases = [
            # unknown type identification 200
            (bytes.fromhex("c80106002f0000000001"), Cot.UNKNOWN_TYPE_ID),
            # a monitoring type in the control direction
            (encode_asdu(Asdu(Type.M_SP_NA_1, Cot.SPONTANEOUS, CA, (SinglePoint(100, SIQ(True)),))), Cot.UNKNOWN_TYPE_ID),
            # C_TS_NA_1 is an IEC 101 type, not allowed in 104
            (bytes.fromhex("680106002f00000000aa55"), Cot.UNKNOWN_TYPE_ID),
            # unknown cause of transmission on a command
            (encode_asdu(command(Type.C_SC_NA_1, 500, True, cot=Cot.SPONTANEOUS)), Cot.UNKNOWN_COT),
            # unknown common address
            (encode_asdu(command(Type.C_SC_NA_1, 500, True, ca=99)), Cot.UNKNOWN_CA),
            (encode_asdu(gi(ca=99)), Cot.UNKNOWN_CA),
            # the broadcast address on a read
            (encode_asdu(Asdu(Type.C_RD_NA_1, Cot.REQUEST, 0xFFFF, (Read(100),))), Cot.UNKNOWN_CA),
            # unknown information object address
            (encode_asdu(command(Type.C_SC_NA_1, 999, True, oa=6)), Cot.UNKNOWN_IOA),
        ]
        for raw, cot in cases:
            await client.send(raw)
            reply = await client.next_any()
            got = encode_asdu(reply)
            assert got[2] & 0x3F == cot, (raw.hex(), got.hex())
            assert got[2] & 0x40, "P/N must be set"
            # The mirror is the request with only COT and P/N changed.
            assert got[:2] + got[3:] == raw[:2] + raw[3:]
        # P/N set in an activation: COT 45.
        raw = bytearray(encode_asdu(command(Type.C_SC_NA_1, 500, True)))
        raw[2] |= 0x40
        await client.send(bytes(raw))
        assert (await client.next()).cot == Cot.UNKNOWN_COT
        assert not any(c.positive for c in list(sim.received_commands)[-len(cases) - 1 :])
        assert await client.drain() == []


# ---- spontaneous and cyclic data ------------------------------------------------------------------------


@trio_test
async def test_set_point_reports_spontaneously_to_started_connections() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        idle = await RawClient.connect(sim.port, start=False)
        await client.next()
        await sim.set_point(CA, 100, False)
        event = await client.next()
        assert (event.type, event.cot, event.originator_address) == (Type.M_SP_NA_1, Cot.SPONTANEOUS, 0)
        assert event.objects[0].value is False
        # Time-tagged points report in their own type with a CP56 of now.
        await sim.set_point(CA, 201, Double.ON, quality=Quality.Invalid)
        event = await client.next()
        assert event.type is Type.M_DP_TB_1 and event.objects[0].value == Double.ON
        assert event.objects[0].quality == Quality.Invalid
        assert abs(event.objects[0].time.to_datetime() - dt.datetime.now()) < dt.timedelta(seconds=5)
        # Another cause: return information caused by a local command.
        sim.set_point_nowait(CA, 300, 99, cause=Cot.RETURN_INFO_LOCAL)
        event = await client.next()
        assert (event.type, event.cot, event.objects[0].value) == (Type.M_ME_NB_1, Cot.RETURN_INFO_LOCAL, 99)
        # A connection that never started data transfer gets nothing.
        await idle.test_frame()
        assert idle.received == []
        point = sim.get_point(CA, 201)
        assert point is not None and point.quality == Quality.Invalid
        with pytest.raises(KeyError):
            sim.set_point_nowait(CA, 999, True)
        with pytest.raises(ValueError, match="IOA 303"):
            sim.set_point_nowait(CA, 303, 2.0)  # normalized values stay within -1..1


@trio_test
async def test_time_tagged_points_report_without_time_when_the_pixit_says_so() -> None:
    async with open_simulator(with_pixit(time_tagged_spontaneous=False)) as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        await sim.set_point(CA, 101, True)
        event = await client.next()
        assert (event.type, event.cot, event.objects[0].value) == (Type.M_SP_NA_1, Cot.SPONTANEOUS, True)
        assert sim.get_point(CA, 999) is None


@trio_test
async def test_spontaneous_reports_are_packed() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        for n in range(40):
            sim.set_point_nowait(CA, 301 + n % 2, float(n))
        sim.set_point_nowait(CA, 300, 1)
        events = []
        while sum(a.count for a in events) < 41:
            events.append(await client.next())
        # 40 short floats fit two ASDUs (30 objects each at most), then one scaled value.
        assert [(a.type, a.count) for a in events] == [
            (Type.M_ME_NC_1, 30), (Type.M_ME_NC_1, 10), (Type.M_ME_NB_1, 1),
        ]
        values = [ob.value for a in events[:2] for ob in a.objects]
        assert values == [float(n) for n in range(40)]  # in order, none lost


@trio_test
async def test_nothing_is_lost_with_backpressure() -> None:
    profile = dataclasses.replace(demo_profile(), link=LinkParameters(k=2, w=1))
    async with open_simulator(profile, queue_limit=5) as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        received: list[float] = []

        async def consume() -> None:
            while len(received) < 300:
                event = await client.next()
                received.extend(ob.value for ob in event.objects)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(consume)
            for n in range(300):
                await sim.set_point(CA, 301, float(n))  # waits while the queue is full
        assert received == [float(n) for n in range(300)]
        assert sim.overflows == 0


@trio_test
async def test_queue_overflow_keeps_the_newest_value_of_each_point() -> None:
    profile = dataclasses.replace(demo_profile(), link=LinkParameters(k=1, w=1))
    async with open_simulator(profile, queue_limit=4) as sim:
        client = await RawClient.connect(sim.port)
        client.acknowledge = False  # the k window (1) stays full after M_EI_NA_1
        await client.next()
        for n in range(20):
            sim.set_point_nowait(CA, 301, float(n))
            sim.set_point_nowait(CA, 300, n)
        await trio.sleep(0.1)
        assert client.unread == deque() and client.link.vr == 1  # k respected: nothing more
        connection = sim.connections[0]
        assert connection.overflows >= 30 and connection.queued <= 4
        client.acknowledge = True
        client.link.send_acknowledgement()
        await client.flush()
        values: dict[int, Any] = {}
        with trio.move_on_after(QUIET):
            while True:
                event = await client.next()
                values.update((ob.io_address, ob.value) for ob in event.objects)
        assert values == {301: 19.0, 300: 19}


@trio_test
async def test_cyclic_points_are_sent_with_cot_1() -> None:
    cyclic = PointProfile(302, Type.M_ME_NC_1, 49.98, groups=frozenset({2}), cycle=0.1)
    async with open_simulator(with_points(cyclic)) as sim:
        client = await RawClient.connect(sim.port)
        first = await client.until(lambda a: a.cot == Cot.PERIODIC)
        second = await client.until(lambda a: a.cot == Cot.PERIODIC)
        for event in (first, second):
            assert event.type is Type.M_ME_NC_1
            assert [ob.io_address for ob in event.objects] == [302]
            assert event.objects[0].value == pytest.approx(49.98)


@trio_test
async def test_simulated_changes_only_when_asked() -> None:
    moving = PointProfile(100, Type.M_SP_NA_1, True, groups=frozenset({1}), change_every=0.05)
    profile = with_points(moving)
    async with open_simulator(profile) as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        assert await client.drain() == []
    async with open_simulator(profile, simulate_changes=True) as sim:
        client = await RawClient.connect(sim.port)
        values = []
        while len(values) < 3:
            event = await client.until(lambda a: a.cot == Cot.SPONTANEOUS)
            values.extend(ob.value for ob in event.objects if ob.io_address == 100)
        assert values[:3] in ([False, True, False], [True, False, True])


@trio_test
async def test_events_during_stopdt_are_delivered_after_startdt() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        await client.stop()
        await sim.set_point(CA, 300, 555)
        assert await client.drain() == []
        await client.start()
        event = await client.next()
        assert (event.type, event.objects[0].value) == (Type.M_ME_NB_1, 555)


# ---- timers (real time, sub-second values) ---------------------------------------------------------


@trio_test
async def test_idle_link_is_tested_after_t3() -> None:
    profile = dataclasses.replace(demo_profile(), link=LinkParameters(t1=1.0, t2=0.5, t3=0.3))
    async with open_simulator(profile) as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        started = trio.current_time()
        while not any(isinstance(e, TestFrameReceived) and not e.con for e in client.events):
            await client.read()  # the client's link answers with TESTFR con
        assert 0.2 < trio.current_time() - started < 1.0
        await trio.sleep(0.6)  # answered, so the simulator keeps the link
        assert sim.connections[0].state is LinkState.STARTED


@trio_test
async def test_unacknowledged_i_frames_close_the_link_after_t1() -> None:
    profile = dataclasses.replace(demo_profile(), link=LinkParameters(t1=0.3, t2=0.2, t3=5.0))
    async with open_simulator(profile) as sim:
        client = await RawClient.connect(sim.port)
        client.acknowledge = False
        connection = sim.connections[0]
        await client.next()  # M_EI_NA_1, never acknowledged
        assert await client.closed_by_peer()
        assert connection.close_reason is not None and "t1 expired" in connection.close_reason


# ---- connections --------------------------------------------------------------------------------


@trio_test
async def test_max_connections_closes_extra_connections_at_once() -> None:
    async with open_simulator(dataclasses.replace(demo_profile(), max_connections=2)) as sim:
        first = await RawClient.connect(sim.port)
        second = await RawClient.connect(sim.port)
        extra = await RawClient.connect(sim.port, start=False)
        assert await extra.closed_by_peer()
        await first.test_frame()
        await second.test_frame()
        assert sim.connections_refused == 1 and sim.connections_served == 2
        await first.aclose()
        await eventually(lambda: len(sim.connections) == 1)
        third = await RawClient.connect(sim.port)
        await third.test_frame()


@trio_test
async def test_allowed_clients_only() -> None:
    async with open_simulator(dataclasses.replace(demo_profile(), allowed_clients=("127.0.0.2",))) as sim:
        stranger = await RawClient.connect(sim.port, start=False, local_address="127.0.0.1")
        assert await stranger.closed_by_peer()
        friend = await RawClient.connect(sim.port, local_address="127.0.0.2")
        await friend.test_frame()
        assert [c.peer[0] for c in sim.connections] == ["127.0.0.2"]
        assert sim.connections_refused == 1


@trio_test
async def test_garbage_closes_only_that_connection(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="c104test.simulator")
    async with open_simulator() as sim:
        good = await RawClient.connect(sim.port)
        bad = await RawClient.connect(sim.port)
        await bad.send_raw(b"\x00\x01garbage\xff")
        assert await bad.closed_by_peer()
        await good.send(gi())
        assert (await good.until(lambda a: a.type is Type.C_IC_NA_1)).cot == Cot.ACTIVATION_CON
        assert len(sim.connections) == 1
    closes = [r.getMessage() for r in caplog.records if "closed:" in r.getMessage()]
    assert any("start octet 0x00 is not 0x68" in m for m in closes), closes


@trio_test
async def test_wrong_send_sequence_number_closes_the_connection() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        connection = sim.connections[0]
        client.link.send_asdu(encode_asdu(gi()), trio.current_time(), send_seq=5)
        await client.flush()
        assert await client.closed_by_peer()
        assert connection.close_reason is not None and "sequence" in connection.close_reason
        # The interrogation was not executed.
        assert not any(e.direction is Direction.SENT and e.asdu and e.asdu.type is Type.C_IC_NA_1
                       for e in connection.journal)


@trio_test
async def test_i_frame_before_startdt_closes_the_connection() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port, start=False)
        client.link.send_asdu(encode_asdu(gi()), trio.current_time(), force=True)
        await client.flush()
        assert await client.closed_by_peer()
        assert client.received == []


@trio_test
async def test_undecodable_asdu_closes_the_connection() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.next()
        await client.send(bytes.fromhex("2d0206002f00f401000001"))  # N=2, one object
        assert await client.closed_by_peer()


@trio_test
async def test_journal_holds_every_frame_in_both_directions() -> None:
    async with open_simulator() as sim:
        client = await RawClient.connect(sim.port)
        await client.send(gi())
        await client.until(lambda a: a.cot == Cot.ACTIVATION_TERMINATION)
        await client.test_frame()
        await trio.sleep(0.05)
        journal = list(sim.connections[0].journal)
        sent = [e for e in journal if e.direction is Direction.SENT]
        received = [e for e in journal if e.direction is Direction.RECEIVED]
        assert len([e for e in sent if e.is_i_frame]) == len(client.received)
        assert [e.asdu for e in sent if e.is_i_frame] == client.received
        assert received[0].raw == bytes.fromhex("680407000000")  # STARTDT act
        assert sent[0].raw == bytes.fromhex("68040b000000")  # STARTDT con
        assert any(e.asdu is not None and e.asdu.type is Type.C_IC_NA_1 for e in received)
        assert [e.index for e in journal] == sorted(e.index for e in journal)


@trio_test
async def test_one_connection_can_be_closed_from_the_test() -> None:
    async with open_simulator() as sim:
        first = await RawClient.connect(sim.port)
        second = await RawClient.connect(sim.port)
        victim = sim.connections[0]
        victim.close("closed by the test")
        assert await first.closed_by_peer()
        await second.test_frame()
        assert victim.close_reason == "closed by the test" and not victim.is_open
        assert sim.connections_served == 2 and len(sim.connections) == 1


@trio_test
async def test_leaving_the_block_closes_every_connection() -> None:
    async with open_simulator() as sim:
        clients = [await RawClient.connect(sim.port) for _ in range(3)]
        assert len(sim.connections) == 3
    for client in clients:
        assert await client.closed_by_peer()
    assert sim.connections == []


@trio_test
async def test_serve_reports_the_port_and_stop_ends_it() -> None:
    sim = Simulator()
    async with trio.open_nursery() as nursery:
        port = await nursery.start(sim.serve)
        assert port == sim.port and port > 0
        client = await RawClient.connect(port)
        sim.stop()
    assert await client.closed_by_peer()


def test_simulate_command_serves_until_sigterm(tmp_path) -> None:
    """``c104test simulate --port 0`` prints one ready line with its port, serves, and stops
    cleanly on SIGTERM; ``--capture`` holds the connection's frames for tshark."""
    capture = tmp_path / "sim.pcapng"
    with subprocess.Popen(
        [sys.executable, "-m", "c104test", "simulate", "--port", "0", "--no-changes", "--quiet", "--capture", str(capture)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            found = re.search(r"listening on 127\.0\.0\.1:(\d+), CA 47 \(18 points, 1 file\)", line)
            assert found, line
            port = int(found.group(1))

            async def main() -> None:
                with trio.fail_after(LIMIT):
                    client = await RawClient.connect(port)
                    try:
                        assert (await client.next()).type is Type.M_EI_NA_1
                    finally:
                        await client.aclose()
                        RawClient.opened.clear()

            trio.run(main)
        finally:
            proc.terminate()
            code = proc.wait(timeout=10)
    assert code == 0
    from .test_simulator_capture import _tshark

    shown = _tshark(capture, port, "iec60870_104.utype", "iec60870_asdu.typeid", display="iec60870_104")
    assert shown[:3] == [["0x00000001", ""], ["0x00000002", ""], ["", "70"]], shown  # STARTDT act, con, M_EI_NA_1


def test_errors_in_the_block_are_not_wrapped_in_a_group() -> None:
    async def main() -> None:
        async with open_simulator():
            raise KeyError("mine")

    with pytest.raises(KeyError, match="mine"):
        trio.run(main)


@trio_test
async def test_a_profile_counter_quality_reaches_the_wire_as_its_bcr_flags() -> None:
    """``quality: IV and CY`` on a counter is read by the one quality reader (rules.quality) as the
    BCR's IV and CY, as Robot and Gherkin read it; a QDS flag is refused there too."""
    from c104test.engine.profile import parse_profile
    from c104test.engine.profile_rules import Invalid, check_quality
    from c104test.rules.quality import quality_for

    text = "stations:\n  - common_address: 47\n    points:\n"
    text += "      - {io_address: 400, type: M_IT_NA_1, value: 9, quality: IV and CY}\n"
    text += "      - {io_address: 401, type: M_IT_NA_1, value: 8, quality: [CA]}\n"
    text += "      - {io_address: 402, type: M_IT_NA_1, value: 7, quality: good}\n"
    async with open_simulator(parse_profile(text)) as sim:
        client = await RawClient.connect(sim.port)
        _, data, _ = await _counters(client, ci())
        bcrs = {ioa: ob.bcr for ioa, ob in objects_of(data).items()}
        assert (bcrs[400].iv, bcrs[400].cy, bcrs[400].ca) == (True, True, False)
        assert (bcrs[401].iv, bcrs[401].cy, bcrs[401].ca) == (False, False, True)
        assert (bcrs[402].iv, bcrs[402].cy, bcrs[402].ca) == (False, False, False)
    for kind, text in ((Type.M_IT_NA_1, "IV and CY"), (Type.M_ME_NC_1, "IV, NT"), (Type.M_SP_NA_1, "good")):
        assert check_quality(kind, text) == quality_for(kind, text)
    for kind, bad in ((Type.M_IT_NA_1, "NT"), (Type.M_ME_NC_1, "CY"), (Type.M_ME_NC_1, 0x80)):
        with pytest.raises(Invalid):
            check_quality(kind, bad)
        if isinstance(bad, str):
            with pytest.raises(ValueError):
                quality_for(kind, bad)
