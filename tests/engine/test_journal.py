"""The journal: bounded in octets (per connection or shared by the process), lazy decoding,
dropped frames counted, logged, reported to waits and written into the capture; captures carry
the connection's real addresses."""

from __future__ import annotations

import dataclasses
import gc
import logging
from pathlib import Path

import pytest
import trio
from scapy.all import IP, TCP, IPv6, rdpcap

from c104test.engine.client import ClientConnection, MessageFilter, open_connection
from c104test.engine.journal import (
    DEFAULT_JOURNAL_SIZE,
    Direction,
    FramesDropped,
    Journal,
    JournalBudget,
    entry_cost,
    parse_size,
    process_budget,
    release_decoded,
    set_journal_size,
)
from c104test.engine.simulator import open_simulator
from c104test.protocol.asdu import Asdu, encode_asdu
from c104test.protocol.elements import SIQ
from c104test.protocol.enums import Cot, Type
from c104test.protocol.link import LinkParameters
from c104test.protocol.objects import SinglePoint

from .fake_rtu import open_fake_rtu

TESTFR = bytes.fromhex("680443000000")
LIMIT = 20.0


def i_frame(ioa: int, ns: int = 0) -> bytes:
    asdu = Asdu(Type.M_SP_NA_1, Cot.SPONTANEOUS, 47, (SinglePoint(ioa, SIQ(True)),))
    body = encode_asdu(asdu)
    return bytes((0x68, len(body) + 4, (ns << 1) & 0xFF, ns >> 7, 0, 0)) + body


def run(fn) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        with trio.fail_after(LIMIT):
            await fn()

    trio.run(main)


def test_sizes_parse_in_octets_with_units() -> None:
    assert parse_size("64MiB") == DEFAULT_JOURNAL_SIZE == 64 * 1024 * 1024
    assert parse_size("10 MB") == 10_000_000
    assert parse_size(" 2 KiB ") == 2048
    assert parse_size(100_000) == 100_000
    with pytest.raises(ValueError, match=r"'ten MB' is not a size.*64MiB"):
        parse_size("ten MB")
    with pytest.raises(ValueError, match="'3 parsecs' is not a size"):
        parse_size("3 parsecs")
    with pytest.raises(ValueError, match="too small: it must hold at least one full frame"):
        parse_size(10)


def test_a_private_budget_bounds_octets_and_counts_what_it_dropped(caplog: pytest.LogCaptureFixture) -> None:
    size = 100 * entry_cost(len(i_frame(1)))
    journal = Journal(size)
    assert journal.budget is not process_budget() and journal.size == size
    with caplog.at_level(logging.WARNING, "c104test.journal"):
        for n in range(1000):
            journal.record(Direction.RECEIVED, i_frame(n), now=n, wall=n)
    assert journal.octets <= size and journal.budget.used == journal.octets
    assert 90 <= len(journal) <= 100
    assert journal.dropped == 1000 - len(journal) and journal.next_index == 1000
    assert journal.first_index == 1000 - len(journal) == next(iter(journal)).index
    # each held entry still decodes to what was recorded, on demand
    assert [e.asdu.objects[0].io_address for e in journal.tail(3)] == [997, 998, 999]  # type: ignore[union-attr]
    logged = [r.getMessage() for r in caplog.records]
    assert logged and all("dropped" in m and f"within {size} octets" in m for m in logged)
    counts = [int(m.split("dropped ")[1].split()[0]) for m in logged]
    totals = [int(m.split("(")[1].split()[0]) for m in logged]
    assert totals == [sum(counts[: i + 1]) for i in range(len(counts))] and totals[-1] <= journal.dropped
    assert len(logged) <= 1000 // 60 + 1  # records are 1 s apart: one line a minute at most


def test_a_released_decoding_decodes_again_to_the_same_asdu() -> None:
    journal = Journal(1000 * entry_cost(len(i_frame(1))))
    entries = [journal.record(Direction.RECEIVED, i_frame(n), now=n, wall=n) for n in range(10)]
    first = [e.asdu for e in entries]
    release_decoded(2)  # only the two newest keep their decoded form
    assert entries[0].asdu is not first[0] and entries[0].asdu == first[0]  # decoded again, equal
    assert entries[9].asdu is first[9]  # kept
    assert [e.asdu.objects[0].io_address for e in entries] == list(range(10))  # type: ignore[union-attr]


def test_journals_share_the_process_budget_and_the_largest_gives_way() -> None:
    budget = JournalBudget(200 * entry_cost(len(TESTFR)))
    big, small = Journal(budget), Journal(budget)
    for n in range(150):
        big.record(Direction.SENT, TESTFR, now=n, wall=n)
    for n in range(30):
        small.record(Direction.SENT, TESTFR, now=n, wall=n)
    for n in range(30):
        small.record(Direction.SENT, TESTFR, now=n, wall=n)
    assert budget.used == big.octets + small.octets <= budget.limit
    assert small.dropped == 0 and len(small) == 60  # the big one paid
    assert big.dropped > 0 and len(big) == 150 - big.dropped
    for n in range(300):
        small.record(Direction.SENT, TESTFR, now=n, wall=n)
    assert budget.used <= budget.limit and small.dropped > 0
    assert abs(len(big) - len(small)) <= 200 // 16 + 1  # busy or not, each ends with about half
    del big
    gc.collect()
    assert budget.used == small.octets  # a journal that is gone gives its octets back


def test_the_default_is_the_process_budget_and_set_journal_size_changes_it() -> None:
    before = process_budget().limit
    try:
        assert before == DEFAULT_JOURNAL_SIZE
        assert Journal().budget is process_budget()
        assert ClientConnection().journal.budget is process_budget()
        set_journal_size("128MiB")
        assert Journal().size == 128 * 1024 * 1024
        assert ClientConnection(journal_size="1 MB").journal.size == 1_000_000
    finally:
        set_journal_size(before)


def test_waits_report_frames_dropped_under_their_cursor() -> None:
    journal = Journal(10 * entry_cost(len(i_frame(1))))
    cursor = journal.next_index
    journal.check_cursor(cursor, "nothing")  # nothing dropped: no error
    for n in range(50):
        journal.record(Direction.RECEIVED, i_frame(n), now=n, wall=n)
    assert journal.dropped_before(cursor) == journal.first_index > 0
    assert journal.dropped_before(journal.first_index) == 0
    with pytest.raises(FramesDropped, match=r"while waiting for IOA 7, \d+ received or sent frames were dropped"):
        journal.check_cursor(cursor, "IOA 7")
    journal.clear()  # cleared on purpose is not dropped
    assert journal.dropped_before(journal.next_index) == 0 and journal.octets == 0


def test_expect_message_says_that_frames_were_dropped_instead_of_skipping_them() -> None:
    async def main() -> None:
        async with open_fake_rtu() as rtus, open_connection(
            stream_factory=rtus.connect, journal_size=40 * entry_cost(len(i_frame(1)))
        ) as conn:
            rtu = rtus.connections[0]
            cursor = conn.journal.next_index
            for n in range(100):
                await rtu.send_asdus([Asdu(Type.M_SP_NA_1, Cot.SPONTANEOUS, 47, (SinglePoint(n, SIQ(True)),))])
            await conn.expect_message(MessageFilter(io_address=99), since=conn.journal.next_index - 5, timeout=5)
            with pytest.raises(FramesDropped, match="while waiting for message io_address=1000"):
                await conn.expect_message(MessageFilter(io_address=1000), since=cursor, timeout=1)

    run(main)


def test_capture_has_the_real_addresses_and_says_what_was_dropped(tmp_path: Path) -> None:
    async def main() -> None:
        params = LinkParameters(t1=5, t2=1, t3=20)
        async with open_simulator() as sim, open_connection(
            "127.0.0.1", sim.port, params=params, journal_size=12 * entry_cost(255)
        ) as conn:
            for _ in range(8):
                await conn.interrogation(sim.profile.stations[0].common_address)
            local, peer = conn.journal.endpoints  # type: ignore[misc]
            assert peer == ("127.0.0.1", sim.port) and local[0] == "127.0.0.1" and local[1] != 40001
            count = conn.journal.write_pcap(tmp_path / "c.pcap")
            dropped, first, held = conn.journal.dropped, conn.journal.first_index, len(conn.journal)
        assert dropped > 0 and count == held
        packets = rdpcap(str(tmp_path / "c.pcap"))
        assert len(packets) == count
        sent = {(p[IP].src, p[TCP].sport, p[IP].dst, p[TCP].dport) for p in packets}
        assert sent == {("127.0.0.1", local[1], "127.0.0.1", sim.port), ("127.0.0.1", sim.port, "127.0.0.1", local[1])}
        comment = packets[0].comment.decode()
        assert f"{dropped} earlier frames" in comment and f"starts at frame #{first}" in comment
        assert all(not p.comment for p in packets[1:])

    run(main)


def test_simulator_capture_and_ipv6_addresses(tmp_path: Path) -> None:
    journal = Journal()
    journal.endpoints = (("::1", 2404), ("::1", 50123))  # the simulator's side: local is the server
    journal.record(Direction.RECEIVED, TESTFR, now=0, wall=1.5)
    journal.record(Direction.SENT, bytes.fromhex("680483000000"), now=0, wall=2.25)
    assert journal.write_pcap(tmp_path / "s.pcap", local_is_client=False) == 2
    first, second = rdpcap(str(tmp_path / "s.pcap"))
    assert (first[IPv6].src, first[TCP].sport, first[TCP].dport) == ("::1", 50123, 2404)
    assert (second[TCP].sport, second[TCP].dport) == (2404, 50123)
    assert float(first.time) == 1.5 and float(second.time) == 2.25
    assert bytes(first[TCP].payload) == TESTFR and first.comment is None


def test_a_simulators_connections_share_its_own_budget() -> None:
    from c104test.engine.simulator import SIMULATOR_JOURNAL_SIZE, Simulator

    assert Simulator().journal_budget.limit == SIMULATOR_JOURNAL_SIZE == 8 * 1024 * 1024
    sim = Simulator(journal_size="1MiB")
    assert sim.journal_budget.limit == 1024 * 1024 and sim.journal_budget is not process_budget()

    async def main() -> None:
        async with open_simulator(journal_size="1MiB") as sim:
            first, second = open_connection("127.0.0.1", sim.port), open_connection("127.0.0.1", sim.port)
            async with first, second:
                budgets = {c.journal.budget for c in sim.connections}
                assert budgets == {sim.journal_budget} and len(sim.connections) == 2

    run(main)


def _flood(count: int) -> list[Asdu]:
    """``count`` spontaneous ASDUs of 30 short floats each (about 160 octets a frame)."""
    from c104test.protocol.elements import QDS
    from c104test.protocol.objects import MeasuredShort

    return [Asdu(Type.M_ME_NC_1, Cot.SPONTANEOUS, 47, tuple(MeasuredShort(100 + j, float(n), QDS()) for j in range(30)))
            for n in range(count)]


def test_a_command_answer_after_a_flood_larger_than_the_journal_is_not_lost() -> None:
    """A burst of monitoring frames (over 64 KB) before the ACT_CON, on a 64 KiB journal: the
    oldest frames are dropped while the burst is journalled, before the command's wait looks at
    them; the wait sees each frame as it is applied, so it finds the ACT_CON (and a GI's ACT_TERM),
    and every object of the burst reaches the point database."""
    from c104test.protocol.elements import SCO
    from c104test.protocol.objects import Interrogation, SingleCommand

    async def main() -> None:
        async with open_fake_rtu() as rtus, open_connection(stream_factory=rtus.connect, journal_size="64KiB") as conn:
            rtu = rtus.connections[0]
            await rtu.handshake()
            command = Asdu(Type.C_SC_NA_1, Cot.ACTIVATION, 47, (SingleCommand(5, SCO(True)),))
            results: list[object] = []
            async with trio.open_nursery() as nursery:

                async def send() -> None:
                    results.append(await conn.command(command, timeout=5))

                nursery.start_soon(send)
                await rtu.expect_i()
                await rtu.send_asdus([*_flood(600), dataclasses.replace(command, cot=Cot.ACTIVATION_CON)])
            assert conn.journal.dropped > 0  # the burst did not fit
            assert results[0].positive  # type: ignore[attr-defined]
            assert conn.points.get(47, 100).value == 599.0  # type: ignore[union-attr]

            gi = Asdu(Type.C_IC_NA_1, Cot.ACTIVATION, 47, (Interrogation(0, 20),))
            async with trio.open_nursery() as nursery:

                async def interrogate() -> None:
                    results.append(await conn.interrogation(47, timeout=5))

                nursery.start_soon(interrogate)
                while not (await rtu.next_frame()).is_i:  # the client's S-frames for the first burst
                    pass
                dropped = conn.journal.dropped
                flood = [dataclasses.replace(a, cot=Cot.INTERROGATED_BY_STATION) for a in _flood(600)]
                await rtu.send_asdus([dataclasses.replace(gi, cot=Cot.ACTIVATION_CON), *flood,
                                      dataclasses.replace(gi, cot=Cot.ACTIVATION_TERMINATION)])
            assert conn.journal.dropped > dropped
            assert results[1].positive and results[1].terminated  # type: ignore[attr-defined]

    run(main)


def test_entries_with_one_confirmations_octets_share_its_decoding_and_keep_their_own_verdict() -> None:
    # a script that repeats a command gets the same ACT_CON octets again and again: decoded once
    # (journal._recent), but each entry, and each different octet, is judged on its own
    from c104test.engine import journal as journal_module
    from c104test.protocol.asdu import decode_asdu

    journal = Journal(1_000_000)
    apdu = bytes.fromhex("680e00000200" "2d010700" "2f00" "f40100" "01")  # C_SC_NA_1 ON, ACT_CON
    first = journal.record(Direction.RECEIVED, apdu, now=0.0, wall=0.0)
    second = journal.record(Direction.RECEIVED, apdu, now=0.1, wall=0.0)
    assert first.asdu == decode_asdu(apdu[6:]) and second.asdu is first.asdu
    second.reject("sequence error: received N(S)=1, expected 2")  # the link refused this one
    assert second.asdu is None and second.error.startswith("sequence error") and first.asdu is not None
    third = journal.record(Direction.RECEIVED, apdu, now=0.2, wall=0.0)
    assert third.asdu == decode_asdu(apdu[6:]) and third.error is None
    negative = apdu[:8] + bytes([apdu[8] | 0x40]) + apdu[9:]  # P/N set: one bit apart
    assert journal.record(Direction.RECEIVED, negative, now=0.3, wall=0.0).asdu.negative
    assert not first.asdu.negative
    # an undecodable one is an error each time, never a decoding kept for its octets
    bad = bytes.fromhex("680a00000200" "2d010700" "2f00")  # one object announced, none there
    for _ in range(2):
        entry = journal.record(Direction.RECEIVED, bad, now=0.4, wall=0.0)
        assert entry.asdu is None and entry.error
    # monitoring frames (values that change) are not kept that way, and what is kept is bounded
    journal.record(Direction.RECEIVED, i_frame(1), now=0.5, wall=0.0).asdu  # noqa: B018
    assert all(octets[0] >= 45 for octets in journal_module._recent)
    for ioa in range(journal_module._RECENT_KEPT + 10):
        other = apdu[:12] + ioa.to_bytes(3, "little") + apdu[15:]
        assert journal.record(Direction.RECEIVED, other, now=0.6, wall=0.0).asdu.objects[0].io_address == ioa
    assert len(journal_module._recent) <= journal_module._RECENT_KEPT
