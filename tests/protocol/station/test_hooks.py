"""Application hooks of the station layer (c104test.Server's decisions), with explicit time."""

from __future__ import annotations

from typing import Any

from c104test.protocol.asdu import decode_asdu, encode_asdu
from c104test.protocol.enums import Cot, Type
from c104test.protocol.station import ApplicationHooks, CommandDecision, Pending

from .drive import (
    ACT_CON,
    ACT_TERM,
    CA,
    STAMP,
    clock,
    command,
    gi,
    make,
    read,
    shape,
    started,
    take,
)

C_SC, C_CS = int(Type.C_SC_NA_1), int(Type.C_CS_NA_1)
RETURN = (int(Type.M_SP_NA_1), int(Cot.RETURN_INFO_REMOTE), False)


def send(station: Any, asdu: Any, now: float = 0.0) -> None:
    raw = encode_asdu(asdu)
    station.receive(1, raw, decode_asdu(raw), now)


def test_command_waits_for_the_decision_and_later_answers_queue_behind_it() -> None:
    station = make()
    asked: list[Any] = []
    pending = Pending()
    station.hooks = ApplicationHooks(command=lambda cid, point, asdu: (asked.append((cid, point.io_address)), pending)[1])
    started(station)
    send(station, command(Type.C_SC_NA_1, 500, False))
    send(station, read(100))  # answered after the command, in request order
    assert asked == [(1, 500)]
    assert not station.has_outgoing(1, 0.1) and take(station, now=0.1) == []
    # the application sets the related point itself: the station reports it as it is
    station.point(CA, 100).value = True
    pending.resolve(CommandDecision(confirm=True, terminate=True))
    assert station.has_outgoing(1, 0.2)
    answers = take(station, now=0.2)
    assert shape(answers) == [(C_SC, ACT_CON, False), RETURN, (C_SC, ACT_TERM, False),
                              (int(Type.M_SP_NA_1), int(Cot.REQUEST), False)]
    assert answers[1].objects[0].value is True


def test_refused_and_unconfirmed_commands() -> None:
    station = make()
    decisions = [CommandDecision(confirm=False, terminate=True), CommandDecision(confirm=None, terminate=False)]

    def decide(cid: int, point: Any, asdu: Any) -> Pending:
        pending = Pending()
        pending.resolve(decisions.pop(0))
        return pending

    station.hooks = ApplicationHooks(command=decide)
    started(station)
    send(station, command(Type.C_SC_NA_1, 500, True))
    assert shape(take(station)) == [(C_SC, ACT_CON, True)]
    send(station, command(Type.C_SC_NA_1, 500, True))
    assert take(station) == []  # the application confirms later, with send()


def test_before_read_runs_before_the_data_is_built() -> None:
    station = make()
    pending = Pending()
    seen: list[list[int]] = []
    station.hooks = ApplicationHooks(before_read=lambda cid, points: (seen.append([p.io_address for p in points]), pending)[1])
    started(station)
    send(station, gi())
    assert 100 in seen[0]
    assert shape(take(station)) == [(int(Type.C_IC_NA_1), ACT_CON, False)]  # ACT_CON does not wait
    station.point(CA, 100).value = True
    pending.resolve()
    data = [a for a in take(station) if a.cot == Cot.INTERROGATED_BY_STATION]
    values = {ob.io_address: ob.value for a in data for ob in a.objects}
    assert values[100] is True


def test_clock_sync_decided_by_the_application() -> None:
    station = make()
    answers = iter([True, False])

    def decide(cid: int, when: Any) -> Pending:
        pending = Pending()
        pending.resolve(next(answers))
        return pending

    station.hooks = ApplicationHooks(clock_sync=decide)
    started(station)
    send(station, clock(STAMP))
    assert shape(take(station)) == [(C_CS, ACT_CON, False)]
    send(station, clock(STAMP))
    assert shape(take(station)) == [(C_CS, ACT_CON, True)]


def test_a_value_source_is_asked_when_the_point_is_built() -> None:
    station = make()
    started(station)
    station.point(CA, 100).source = lambda: (True, 0, None)
    send(station, read(100))
    assert take(station)[0].objects[0].value is True
