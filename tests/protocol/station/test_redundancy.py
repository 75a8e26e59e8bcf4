"""Redundancy groups and event buffers: order, nothing lost, nothing sent twice, overflow."""

from __future__ import annotations

import pytest

from c104test.protocol.enums import Type
from c104test.protocol.station import EventBuffer, RedundancySettings

from .drive import CA, make, outgoing, started, take


def values(asdus) -> list:
    return [ob.value for a in asdus for ob in a.objects if a.type is Type.M_ME_NB_1]


def group_of_two(**settings) -> object:
    return make(redundancy=RedundancySettings(group_size=2, **settings))


def test_events_while_no_connection_is_started_go_to_the_first_started() -> None:
    station = group_of_two()
    station.connect(1, 0.0)
    station.connect(2, 0.0)
    for n in range(5):
        station.set_point(CA, 300, n)
    assert take(station, 1) == [] and take(station, 2) == []  # neither is started
    station.started(2, 1.0)
    assert values(take(station, 2, 1.0)) == [0, 1, 2, 3, 4]
    assert take(station, 1, 1.0) == []


def test_only_the_started_connection_gets_data_and_startdt_switches() -> None:
    station = group_of_two()
    station.connect(1, 0.0)
    station.connect(2, 0.0)
    station.started(1, 0.0)
    take(station, 1)
    station.set_point(CA, 300, 1)
    assert values(take(station, 1)) == [1]
    previous = station.started(2, 1.0)
    assert previous == 1 and any("gets no more data" in n for n in station.take_notices())
    take(station, 2, 1.0)  # end of initialisation
    station.set_point(CA, 300, 2)
    assert take(station, 1, 1.0) == []
    assert values(take(station, 2, 1.0)) == [2]


def test_unacknowledged_reports_of_a_dead_connection_are_sent_again_acknowledged_ones_not() -> None:
    station = group_of_two()
    station.connect(1, 0.0)
    station.connect(2, 0.0)
    station.started(1, 0.0)
    take(station, 1)
    station.set_point(CA, 300, 1)
    assert values(take(station, 1)) == [1]  # acknowledged (take acknowledges)
    station.set_point(CA, 300, 2)
    station.set_point(CA, 301, 2.5)
    sent = station.next_outgoing(1, 0.0, 10)  # in flight, never acknowledged
    assert len(sent) == 2
    station.set_point(CA, 300, 3)  # not yet sent
    station.disconnect(1, 1.0)
    station.started(2, 2.0)
    resent = take(station, 2, 2.0)[1:]  # after the end of initialisation
    assert [(ob.io_address, ob.value) for a in resent for ob in a.objects] == [(300, 2), (301, 2.5), (300, 3)]


def test_the_buffer_outlives_every_connection_of_the_group() -> None:
    station = group_of_two()
    station.connect(1, 0.0)
    station.disconnect(1, 0.0)
    station.set_point(CA, 300, 9)
    station.connect(2, 1.0)
    station.started(2, 1.0)
    assert values(take(station, 2, 1.0)) == [9]


def test_third_connection_opens_a_second_group() -> None:
    station = group_of_two()
    for n in (1, 2, 3):
        station.connect(n, 0.0)
    assert [g.members for g in station.groups] == [[1, 2], [3]]
    station.started(1, 0.0)
    station.started(3, 0.0)
    take(station, 1)
    take(station, 3)
    station.set_point(CA, 300, 4)
    assert values(take(station, 1)) == [4] and values(take(station, 3)) == [4]


def test_without_groups_every_connection_is_its_own_and_its_buffer_ends_with_it() -> None:
    station = make()
    station.connect(1, 0.0)
    station.started(1, 0.0)
    take(station, 1)
    station.stopped(1, 0.0)
    station.set_point(CA, 300, 1)
    station.disconnect(1, 0.0)
    assert station.groups == []
    station.connect(2, 0.0)
    station.started(2, 0.0)
    assert values(take(station, 2)) == []


@pytest.mark.parametrize(
    ("policy", "kept"),
    [("drop_oldest", [2, 3, 4]), ("drop_newest", [0, 1, 2]), ("coalesce", [3, 4])],
)
def test_overflow_policy(policy: str, kept: list[int]) -> None:
    station = group_of_two(buffer_size=3, overflow=policy)
    station.connect(1, 0.0)
    for n in range(5):
        station.set_point(CA, 300, n)
    notices = station.take_notices()
    assert len(notices) == 1 and policy in notices[0]  # logged once, not per report
    assert station.overflows == 5 - len(kept)
    station.started(1, 1.0)
    assert values(take(station, 1, 1.0)) == kept


def test_every_overflow_is_noticed_not_only_the_first() -> None:
    """One notice per overflow with the count so far: after the buffer drained, a new overflow is
    logged again (it was silent: a log showed only the first loss of a run)."""
    station = group_of_two(buffer_size=3, overflow="drop_oldest")
    started(station, 1)
    for episode in (1, 2):
        station.stopped(1, 0.0)
        for n in range(5):
            station.set_point(CA, 300, n)
        assert station.take_notices() == [
            f"event buffer of redundancy group 1 over 3 reports; overflow policy drop_oldest "
            f"({2 * episode - 1} report{'s' * (episode > 1)} dropped since the buffer was made)"]
        station.started(1, 0.0)
        assert values(take(station, 1, 0.0)) == [2, 3, 4]  # drained below the bound: the overflow ended
    assert station.overflows == 4


def test_over_limit_only_while_started() -> None:
    station = group_of_two(buffer_size=2)
    station.connect(1, 0.0)
    station.set_point(CA, 300, 1)
    station.set_point(CA, 301, 1.0)
    assert not station.over_limit(1)
    station.started(1, 0.0)
    assert station.over_limit(1)
    outgoing(station, 1)
    assert not station.over_limit(1)


def test_put_back_keeps_the_bound() -> None:
    buffer = EventBuffer(2, "drop_newest")
    key = (Type.M_ME_NB_1, CA, 3, 0)
    from c104test.protocol.asdu import encode_object
    from c104test.protocol.elements import QDS
    from c104test.protocol.objects import MeasuredScaled

    def report(value: int) -> bytes:
        return encode_object(key[0], MeasuredScaled(300, value, QDS.TABLE[0]))

    for n in range(2):
        buffer.add(key, report(n))
    buffer.put_back([(key, report(99))])
    assert [octets for _, octets in buffer.entries] == [report(99), report(0)] and buffer.dropped == 1


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="group_size"):
        RedundancySettings(group_size=0)
    with pytest.raises(ValueError, match="overflow"):
        RedundancySettings(overflow="drop_all")


# ---- the faults that break these rules (mutants of L06, L18, L19, L20) ----


def test_stay_active_keeps_the_data_flow_on_the_first_started_connection() -> None:
    from c104test.protocol.station.faults import StayActive

    station = make(redundancy=RedundancySettings(group_size=2), faults=(StayActive(),))
    station.connect(1, 0.0)
    station.connect(2, 0.0)
    station.started(1, 0.0)
    take(station, 1)
    assert station.started(2, 1.0) is None  # confirmed, but nothing moves
    take(station, 2, 1.0)  # end of initialisation
    station.set_point(CA, 300, 5)
    assert take(station, 2, 1.0) == [] and values(take(station, 1, 1.0)) == [5]
    station.stopped(1, 2.0)  # STOPDT on A moves nothing either
    station.set_point(CA, 300, 6)
    assert take(station, 2, 2.0) == []


def test_no_resend_forgets_the_unacknowledged_reports_of_a_dead_connection() -> None:
    from c104test.protocol.station.faults import NoResend

    station = make(redundancy=RedundancySettings(group_size=2), faults=(NoResend(),))
    station.connect(1, 0.0)
    station.started(1, 0.0)
    take(station, 1)
    station.set_point(CA, 300, 1)
    assert len(station.next_outgoing(1, 0.0, 10)) == 1  # never acknowledged
    station.set_point(CA, 300, 2)
    station.disconnect(1, 1.0)
    station.connect(2, 1.0)
    station.started(2, 1.0)
    assert values(take(station, 2, 1.0)) == [2]  # 1 is gone


def test_restart_sequence_numbers_from_zero_after_stopdt_startdt() -> None:
    from c104test.protocol.station.faults import RestartSequence

    station = make(faults=(RestartSequence(),))
    station.connect(1, 0.0)
    station.started(1, 0.0)
    sent = len(outgoing(station, 1))  # end of initialisation: V(S) is now ``sent``
    station.stopped(1, 1.0)
    station.set_point(CA, 300, 1)
    station.started(1, 2.0)
    assert [o.send_seq_offset for o in outgoing(station, 1, 2.0)] == [-sent]
